//! API tokens and the one-time tokens mailed to users (confirmation, reset).

use super::*;

/// What an API token may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApiTokenKind {
    /// `find`, `findOne` and `count` of the content API.
    ReadOnly,
    /// Every content action.
    FullAccess,
    /// An explicit list of actions.
    Custom,
    /// The credential of the SCIM surface: it manages end users and roles there, and is
    /// refused everywhere else.
    Scim,
}

impl ApiTokenKind {
    /// The wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            ApiTokenKind::ReadOnly => "read-only",
            ApiTokenKind::FullAccess => "full-access",
            ApiTokenKind::Custom => "custom",
            ApiTokenKind::Scim => "scim",
        }
    }

    /// The kind called `name`.
    pub fn from_name(name: &str) -> Option<ApiTokenKind> {
        [ApiTokenKind::ReadOnly, ApiTokenKind::FullAccess, ApiTokenKind::Custom, ApiTokenKind::Scim]
            .into_iter()
            .find(|kind| kind.as_str() == name)
    }
}

/// A stored API token. The secret itself is never stored, only its SHA-256.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiToken {
    /// Integer id.
    pub id: crate::ids::ApiTokenId,
    /// Unique name (case-insensitively).
    pub name: String,
    /// Free text.
    pub description: String,
    /// What it may do.
    pub kind: ApiTokenKind,
    /// Lifespan in milliseconds (`None`: unlimited).
    pub lifespan_ms: Option<i64>,
    /// When it stops working.
    pub expires_at: Option<Timestamp>,
    /// Last use, updated at most once a minute.
    pub last_used_at: Option<Timestamp>,
    /// Creation time.
    pub created_at: Timestamp,
    /// Last change.
    pub updated_at: Timestamp,
    /// Explicit actions of a `custom` token.
    pub actions: Vec<String>,
}

/// An API token to insert.
#[derive(Clone, Debug)]
pub struct NewApiToken {
    /// Name.
    pub name: String,
    /// Folded name, for uniqueness.
    pub name_folded: String,
    /// Free text.
    pub description: String,
    /// Kind.
    pub kind: ApiTokenKind,
    /// SHA-256 of the secret, hex.
    pub access_key_hash: String,
    /// Lifespan in milliseconds.
    pub lifespan_ms: Option<i64>,
    /// Expiry.
    pub expires_at: Option<Timestamp>,
    /// Explicit actions (custom tokens).
    pub actions: Vec<String>,
    /// Creation time.
    pub now: Timestamp,
}

/// What a single-use user token is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenPurpose {
    /// Confirms an email address.
    EmailConfirmation,
    /// Resets a forgotten password.
    PasswordReset,
}

impl TokenPurpose {
    /// The stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            TokenPurpose::EmailConfirmation => "email_confirmation",
            TokenPurpose::PasswordReset => "password_reset",
        }
    }
}

/// A single-use token to store (only its digest).
#[derive(Clone, Debug)]
pub struct NewUserToken {
    /// Whose token.
    pub user_id: UserId,
    /// What for.
    pub purpose: TokenPurpose,
    /// SHA-256 of the token, hex.
    pub token_hash: String,
    /// Creation time.
    pub created_at: Timestamp,
    /// After this the token is refused.
    pub expires_at: Timestamp,
}
