//! End users: the user, its account state and credentials, and the inputs that create and change it.

use super::*;

/// An end user. Holds no secret: the password hash travels only in [`UserCredentials`].
#[derive(Clone, Debug, PartialEq)]
pub struct User {
    /// Integer id, as Strapi's `id`.
    pub id: UserId,
    /// Stable 24-character public id.
    pub document_id: String,
    /// As written at registration.
    pub username: String,
    /// Lower-cased.
    pub email: String,
    /// `local`, or the OAuth provider that created the account.
    pub provider: String,
    /// Whether the email address was confirmed.
    pub confirmed: bool,
    /// Blocked users cannot log in and their sessions are ended.
    pub blocked: bool,
    /// The single role (as Strapi).
    pub role_id: RoleId,
    /// When the user was created.
    pub created_at: Timestamp,
    /// When the user last changed.
    pub updated_at: Timestamp,
    /// The publication time (Strapi's surfaces show it); the creation time here.
    pub published_at: Timestamp,
    /// The last successful login, if any.
    pub last_login_at: Option<Timestamp>,
    /// Display name, if one was given.
    pub name: Option<String>,
    /// The user's own settings, if any were given.
    pub settings: Option<UserSettings>,
    /// The id an identity provider gave the user when provisioning it, as given.
    pub external_id: Option<String>,
    /// Attributes an identity provider provisioned that have no field of their own (a JSON
    /// object), kept as given.
    pub profile: Option<serde_json::Value>,
}

impl User {
    /// Where the account stands, from its flags.
    pub fn state(&self) -> AccountState {
        if self.blocked {
            AccountState::Blocked
        } else if self.confirmed {
            AccountState::Active
        } else {
            AccountState::Unconfirmed
        }
    }
}

/// Where an account stands, as one value over its `confirmed` and `blocked` flags.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountState {
    /// Not blocked, email not confirmed yet.
    Unconfirmed,
    /// Confirmed and not blocked.
    Active,
    /// Blocked (whether confirmed or not): cannot log in, sessions ended.
    Blocked,
}

impl AccountState {
    /// The flags that put an account in this state: `(confirmed, blocked)`, `None` leaving a
    /// flag as it is (blocking keeps the confirmation).
    pub const fn flags(self) -> (Option<bool>, Option<bool>) {
        match self {
            AccountState::Unconfirmed => (Some(false), Some(false)),
            AccountState::Active => (Some(true), Some(false)),
            AccountState::Blocked => (None, Some(true)),
        }
    }
}

/// A user together with the password hash, for login only.
#[derive(Clone, Debug)]
pub struct UserCredentials {
    /// The user.
    pub user: User,
    /// The argon2id PHC string; `None` for accounts created by an OAuth provider.
    pub password_hash: Option<Secret>,
}

/// Everything needed to insert a user; built by the domain after validation and hashing.
#[derive(Clone, Debug)]
pub struct NewUser {
    /// Stable public id.
    pub document_id: String,
    /// As written.
    pub username: String,
    /// Folded copy for the unique index.
    pub username_folded: String,
    /// Lower-cased.
    pub email: String,
    /// Folded copy for the unique index.
    pub email_folded: String,
    /// `local` or an OAuth provider.
    pub provider: String,
    /// argon2id PHC string.
    pub password_hash: Option<Secret>,
    /// Initial confirmation state.
    pub confirmed: bool,
    /// Initial blocked state.
    pub blocked: bool,
    /// The role.
    pub role_id: RoleId,
    /// Display name.
    pub name: Option<String>,
    /// The user's own settings.
    pub settings: Option<UserSettings>,
    /// The id an identity provider gave the user.
    pub external_id: Option<String>,
    /// Attributes an identity provider provisioned (a JSON object).
    pub profile: Option<serde_json::Value>,
    /// Creation time (also the update and publication times).
    pub now: Timestamp,
}

/// A user together with its role, when the role was asked for.
#[derive(Clone, Debug, PartialEq)]
pub struct UserWithRole {
    /// The user.
    pub user: User,
    /// The role, when populated.
    pub role: Option<Role>,
}

/// The columns an update writes; `None` leaves a column alone.
#[derive(Clone, Debug, Default)]
pub struct UserChanges {
    /// New username and its folded copy.
    pub username: Option<(String, String)>,
    /// New email and its folded copy.
    pub email: Option<(String, String)>,
    /// New argon2id PHC string.
    pub password_hash: Option<Secret>,
    /// New role.
    pub role_id: Option<RoleId>,
    /// New confirmation state.
    pub confirmed: Option<bool>,
    /// New blocked state.
    pub blocked: Option<bool>,
    /// New display name (`Some(None)` clears it).
    pub name: Option<Option<String>>,
    /// New settings (`Some(None)` clears them).
    pub settings: Option<Option<UserSettings>>,
    /// New provisioning id (`Some(None)` clears it).
    pub external_id: Option<Option<String>>,
    /// New provisioned attributes (`Some(None)` clears them).
    pub profile: Option<Option<serde_json::Value>>,
}
