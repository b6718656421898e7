//! `LIKE` patterns from user text, written once: the wildcards `%` and `_` (and the escape
//! character `\` itself) are escaped, so the text matches literally. Every statement that uses
//! these patterns says `ESCAPE '\'`, which both backends understand.
//!
//! Imports nothing from the rest of this crate.

/// `text` with LIKE's wildcards escaped (the escape character is `\`).
pub(crate) fn like_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for character in text.chars() {
        if matches!(character, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(character);
    }
    out
}

/// A pattern matching any text that contains `text`.
pub(crate) fn contains(text: &str) -> String {
    format!("%{}%", like_literal(text))
}

/// A pattern matching any text that starts with `text`.
pub(crate) fn starts_with(text: &str) -> String {
    format!("{}%", like_literal(text))
}

/// A pattern matching any text that ends with `text`.
pub(crate) fn ends_with(text: &str) -> String {
    format!("%{}", like_literal(text))
}
