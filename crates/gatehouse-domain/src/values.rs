//! Parsed value types: an [`Email`], [`Username`] or [`Password`] exists only once its rules
//! were checked. Case-insensitive identity uses [`fold`], computed here in Rust so every
//! backend agrees on non-ASCII text whatever its collation.

use unicode_normalization::UnicodeNormalization;
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// The case- and compatibility-folded form of an identifier: NFKC, then lower case.
/// Unique indexes are built on it, and lookups compare it.
pub fn fold(text: &str) -> String {
    text.nfkc().collect::<String>().to_lowercase()
}

/// Why an identifier (a username or an email address) was refused before its own rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdentifierProblem {
    /// It holds a control, format (zero-width, bidi override, …), separator or private-use
    /// character, which would let two identifiers look alike while differing.
    InvisibleCharacters,
}

/// The one form of an identifier, applied the same at registration, login, lookups and
/// uniqueness, for end users and admins: NFKC, then leading and trailing white space removed;
/// refused when it holds a character that is invisible or reorders text (categories Cc, Cf,
/// Co, Zl, Zp: NUL, U+200B zero-width space, U+202E right-to-left override, …).
///
/// ```
/// use gatehouse_domain::values::{normalize_identifier, IdentifierProblem};
///
/// assert_eq!(normalize_identifier("  carol "), Ok("carol".to_owned()));
/// assert_eq!(normalize_identifier("ｃａｒｏｌ"), Ok("carol".to_owned()));
/// assert_eq!(normalize_identifier("ali\u{200b}ce"), Err(IdentifierProblem::InvisibleCharacters));
/// assert_eq!(normalize_identifier("\u{202e}ecila"), Err(IdentifierProblem::InvisibleCharacters));
/// ```
pub fn normalize_identifier(raw: &str) -> Result<String, IdentifierProblem> {
    let normalized: String = raw.nfkc().collect();
    let trimmed = normalized.trim();
    let invisible = trimmed.chars().any(|character| {
        matches!(
            character.general_category(),
            GeneralCategory::Control
                | GeneralCategory::Format
                | GeneralCategory::PrivateUse
                | GeneralCategory::LineSeparator
                | GeneralCategory::ParagraphSeparator
                | GeneralCategory::Surrogate
        )
    });
    if invisible {
        return Err(IdentifierProblem::InvisibleCharacters);
    }
    Ok(trimmed.to_owned())
}

/// The key an identifier is looked up by: its [`normalize_identifier`] form, folded; `None`
/// when it is refused (then it can name no account).
pub fn identifier_key(raw: &str) -> Option<String> {
    normalize_identifier(raw).ok().map(|normalized| fold(&normalized))
}

/// Whether every backend can store `text`: PostgreSQL's `text` cannot hold NUL (U+0000), so
/// neither may any input, on either database. Surfaces refuse such input at the edge.
///
/// ```
/// use gatehouse_domain::values::storable;
///
/// assert!(storable("zoë\t\n"));
/// assert!(!storable("ali\0ce"));
/// ```
pub fn storable(text: &str) -> bool {
    !text.contains('\0')
}

/// A syntactically valid email address, stored lower-cased.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// The longest address accepted, in bytes (RFC 5321's path limit).
    pub const MAX_BYTES: usize = 254;

    /// Normalises it ([`normalize_identifier`]), checks the shape (`local@domain.tld`, no
    /// spaces or control characters) and lower-cases it.
    pub fn parse(raw: &str) -> Option<Self> {
        let lowered = normalize_identifier(raw).ok()?.to_lowercase();
        if lowered.is_empty() || lowered.len() > Self::MAX_BYTES {
            return None;
        }
        let (local, domain) = lowered.rsplit_once('@')?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.contains('@')
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local.chars().all(|c| !c.is_whitespace() && !c.is_control() && !"()<>[]:;,\\\"".contains(c));
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_alphanumeric() || c == '-')
            })
            && labels.last().is_some_and(|tld| tld.chars().count() >= 2);
        (local_ok && domain_ok).then_some(Self(lowered))
    }

    /// The stored (lower-cased) address.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The folded form used for uniqueness and lookup.
    pub fn folded(&self) -> String {
        fold(&self.0)
    }
}

/// A username: 3–64 characters once normalised ([`normalize_identifier`]: trimmed, NFKC, no
/// invisible characters), no `@` (so it can never equal an email at login).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Username(String);

/// Why a username was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UsernameProblem {
    /// Fewer than 3 characters.
    TooShort,
    /// More than 64 characters.
    TooLong,
    /// Contains `@` or an invisible character (control, format, bidi), or is only white space.
    BadCharacters,
}

impl Username {
    /// Normalises the text ([`normalize_identifier`]) and checks the rules on the result, which
    /// is what is stored: `"carol "` is `"carol"`.
    pub fn parse(raw: &str) -> Result<Self, UsernameProblem> {
        let raw = normalize_identifier(raw).map_err(|_| UsernameProblem::BadCharacters)?;
        let raw = raw.as_str();
        let count = raw.chars().count();
        if count < 3 {
            return Err(UsernameProblem::TooShort);
        }
        if count > 64 {
            return Err(UsernameProblem::TooLong);
        }
        if raw.contains('@') || raw.chars().any(char::is_control) || raw.trim().is_empty() {
            return Err(UsernameProblem::BadCharacters);
        }
        Ok(Self(raw.to_owned()))
    }

    /// As [`Username::parse`], except that a username may be its owner's own email address
    /// (identity providers provision users with their email as user name). Login stays
    /// unambiguous: an identifier with `@` is looked up as an email, which names the same user.
    pub fn parse_for(raw: &str, email: &str) -> Result<Self, UsernameProblem> {
        match Self::parse(raw) {
            Err(UsernameProblem::BadCharacters) if raw.contains('@') => {
                let normalized = normalize_identifier(raw).map_err(|_| UsernameProblem::BadCharacters)?;
                let own_email = Email::parse(email).is_some_and(|email| fold(&normalized) == email.folded());
                if own_email && !normalized.chars().any(char::is_control) {
                    Ok(Self(normalized))
                } else {
                    Err(UsernameProblem::BadCharacters)
                }
            }
            other => other,
        }
    }

    /// The username, normalised.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The folded form used for uniqueness and lookup.
    pub fn folded(&self) -> String {
        fold(&self.0)
    }
}

/// A password that meets the length rules. Its `Debug` never shows the text.
#[derive(Clone)]
pub struct Password(String);

/// Why a password was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PasswordProblem {
    /// Fewer characters than the configured minimum.
    TooShort(usize),
    /// More than [`Password::MAX_BYTES`] bytes.
    TooLong,
}

impl Password {
    /// The longest password accepted, in bytes (argon2id has no 72-byte limit; this caps work).
    pub const MAX_BYTES: usize = 1024;

    /// Checks the minimum (in characters) and maximum (in bytes).
    pub fn parse(raw: &str, min_chars: usize) -> Result<Self, PasswordProblem> {
        if raw.chars().count() < min_chars {
            return Err(PasswordProblem::TooShort(min_chars));
        }
        if raw.len() > Self::MAX_BYTES {
            return Err(PasswordProblem::TooLong);
        }
        Ok(Self(raw.to_owned()))
    }

    /// The password text, for hashing only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_username_may_be_its_owners_own_email_and_no_other() {
        assert!(Username::parse("ann@example.com").is_err());
        assert_eq!(Username::parse_for("Ann@Example.com", "ann@example.com").unwrap().as_str(), "Ann@Example.com");
        assert_eq!(
            Username::parse_for("bob@example.com", "ann@example.com").unwrap_err(),
            UsernameProblem::BadCharacters
        );
        assert_eq!(Username::parse_for("plain", "ann@example.com").unwrap().as_str(), "plain");
    }

    #[test]
    fn emails_are_lower_cased_and_checked() {
        assert_eq!(Email::parse("Mixed.Case@Example.COM").unwrap().as_str(), "mixed.case@example.com");
        for bad in ["not-an-email", "a@b", "@example.com", "a b@example.com", "a@exa mple.com", "a@@b.co", ""] {
            assert!(Email::parse(bad).is_none(), "{bad} should be refused");
        }
        assert!(Email::parse(&format!("{}@example.com", "a".repeat(250))).is_none());
    }

    #[test]
    fn folding_agrees_on_non_ascii_text() {
        assert_eq!(fold("ÉLODIE"), fold("élodie"));
        assert_eq!(fold("Ｆｕｌｌ"), "full");
    }

    #[test]
    fn usernames_refuse_at_signs_and_control_characters() {
        assert_eq!(Username::parse("ab"), Err(UsernameProblem::TooShort));
        assert_eq!(Username::parse("a@bc"), Err(UsernameProblem::BadCharacters));
        assert_eq!(Username::parse("abc\u{7}"), Err(UsernameProblem::BadCharacters));
        assert_eq!(Username::parse(&"x".repeat(65)), Err(UsernameProblem::TooLong));
        assert!(Username::parse("zoë doe").is_ok());
    }

    #[test]
    fn identifiers_are_normalised_once_and_look_alikes_refused() {
        assert_eq!(Username::parse("carol ").unwrap().as_str(), "carol");
        assert_eq!(Username::parse(" ｃａｒｏｌ").unwrap().folded(), Username::parse("Carol").unwrap().folded());
        for look_alike in
            ["ali\u{200b}ce", "ali\u{202e}ce", "ali\u{2066}ce", "ali\u{feff}ce", "ali\u{ad}ce", "al\u{0}ice"]
        {
            assert_eq!(Username::parse(look_alike), Err(UsernameProblem::BadCharacters), "{look_alike:?}");
            assert!(Email::parse(&format!("{look_alike}@example.com")).is_none(), "{look_alike:?}");
            assert_eq!(identifier_key(look_alike), None);
        }
        assert_eq!(Username::parse("  ab "), Err(UsernameProblem::TooShort), "counted after trimming");
        assert_eq!(Email::parse(" Carol@Example.com ").unwrap().as_str(), "carol@example.com");
        assert_eq!(identifier_key(" CAROL "), Some("carol".to_owned()));
    }

    #[test]
    fn passwords_count_characters_for_the_minimum_and_bytes_for_the_maximum() {
        assert_eq!(Password::parse("ééééééé", 8).err(), Some(PasswordProblem::TooShort(8)));
        assert!(Password::parse("éééééééé", 8).is_ok());
        assert_eq!(Password::parse(&"é".repeat(513), 8).err(), Some(PasswordProblem::TooLong));
        assert_eq!(format!("{:?}", Password::parse("secret-secret", 8).unwrap()), "Password(<redacted>)");
    }
}

/// A person's display name: trimmed, 1 to [`DisplayName::MAX_CHARS`] characters, without
/// characters that are invisible or reorder text (the rule identifiers follow).
///
/// ```
/// use gatehouse_domain::values::{DisplayName, DisplayNameProblem};
///
/// assert_eq!(DisplayName::parse("  Jane Smith ").unwrap().as_str(), "Jane Smith");
/// assert_eq!(DisplayName::parse("   "), Err(DisplayNameProblem::Empty));
/// assert_eq!(DisplayName::parse("Ja\u{202e}ne"), Err(DisplayNameProblem::BadCharacters));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DisplayName(String);

/// Why a display name was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DisplayNameProblem {
    /// Nothing but white space.
    Empty,
    /// Longer than [`DisplayName::MAX_CHARS`].
    TooLong,
    /// Holds a control, format or private-use character.
    BadCharacters,
}

impl DisplayName {
    /// The longest display name, in characters.
    pub const MAX_CHARS: usize = 255;

    /// Checks `raw` against the display-name rules.
    pub fn parse(raw: &str) -> Result<Self, DisplayNameProblem> {
        let normalized = normalize_identifier(raw).map_err(|_| DisplayNameProblem::BadCharacters)?;
        if normalized.is_empty() {
            return Err(DisplayNameProblem::Empty);
        }
        if normalized.chars().count() > Self::MAX_CHARS {
            return Err(DisplayNameProblem::TooLong);
        }
        Ok(Self(normalized))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name, owned.
    pub fn into_string(self) -> String {
        self.0
    }
}

/// A user's own settings: a JSON object of at most [`UserSettings::MAX_BYTES`] in its compact
/// form. Keys are kept in sorted order at every depth, so every backend gives back the same
/// document (PostgreSQL's `jsonb` does not keep the order keys were written in).
///
/// ```
/// use gatehouse_domain::values::{SettingsProblem, UserSettings};
/// use serde_json::json;
///
/// let settings = UserSettings::parse(json!({"theme": "dark", "a": {"z": 1, "b": 2}})).unwrap();
/// assert_eq!(settings.to_value().to_string(), r#"{"a":{"b":2,"z":1},"theme":"dark"}"#);
/// assert_eq!(UserSettings::parse(json!([1, 2])), Err(SettingsProblem::NotAnObject));
/// let big = json!({"blob": "x".repeat(UserSettings::MAX_BYTES)});
/// assert_eq!(UserSettings::parse(big), Err(SettingsProblem::TooLarge));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct UserSettings(serde_json::Map<String, serde_json::Value>);

/// Why settings were refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SettingsProblem {
    /// Not a JSON object.
    NotAnObject,
    /// Over [`UserSettings::MAX_BYTES`] once written compactly.
    TooLarge,
}

impl UserSettings {
    /// The largest settings document, in bytes of compact JSON.
    pub const MAX_BYTES: usize = 16 * 1024;

    /// Checks `value` against the settings rules.
    pub fn parse(value: serde_json::Value) -> Result<Self, SettingsProblem> {
        let serde_json::Value::Object(object) = value else { return Err(SettingsProblem::NotAnObject) };
        let size = serde_json::to_vec(&object).map_or(usize::MAX, |bytes| bytes.len());
        if size > Self::MAX_BYTES {
            return Err(SettingsProblem::TooLarge);
        }
        Ok(Self::sorted(object))
    }

    /// Settings as stored (checked when they were written); `None` when the stored value is
    /// not an object.
    pub fn from_stored(value: serde_json::Value) -> Option<Self> {
        match value {
            serde_json::Value::Object(object) => Some(Self::sorted(object)),
            _ => None,
        }
    }

    fn sorted(object: serde_json::Map<String, serde_json::Value>) -> Self {
        fn sort(value: serde_json::Value) -> serde_json::Value {
            match value {
                serde_json::Value::Object(object) => serde_json::Value::Object(sort_object(object)),
                serde_json::Value::Array(items) => serde_json::Value::Array(items.into_iter().map(sort).collect()),
                other => other,
            }
        }
        fn sort_object(
            object: serde_json::Map<String, serde_json::Value>,
        ) -> serde_json::Map<String, serde_json::Value> {
            let ordered: std::collections::BTreeMap<String, serde_json::Value> =
                object.into_iter().map(|(key, value)| (key, sort(value))).collect();
            ordered.into_iter().collect()
        }
        Self(sort_object(object))
    }

    /// The object.
    pub fn as_map(&self) -> &serde_json::Map<String, serde_json::Value> {
        &self.0
    }

    /// The object as a JSON value.
    pub fn to_value(&self) -> serde_json::Value {
        serde_json::Value::Object(self.0.clone())
    }
}
