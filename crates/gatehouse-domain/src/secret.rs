//! [`Secret`]: a password, token or JWT in clear. Its `Debug` never shows the value, so a secret
//! cannot reach a log line or a panic message through `{:?}`; reading it takes an explicit
//! [`Secret::expose`], which is easy to find in review.

use std::fmt;
use subtle::ConstantTimeEq;

/// A value that must never be logged or shown twice.
#[derive(Clone, Default)]
pub struct Secret(String);

impl Secret {
    /// Wraps `value`.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value in clear, for the one place that needs it (hashing, signing, the answer that
    /// shows it once).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether it is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

/// Compared in constant time, so a comparison never tells how much of a guess was right.
impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_bytes().ct_eq(other.0.as_bytes()).into()
    }
}

impl Eq for Secret {}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(\"[redacted]\")")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let secret = Secret::new("correct horse battery staple");
        assert_eq!(format!("{secret:?}"), "Secret(\"[redacted]\")");
        assert_eq!(format!("{:?}", Some(secret.clone())), "Some(Secret(\"[redacted]\"))");
        assert_eq!(secret.expose(), "correct horse battery staple");
    }
}
