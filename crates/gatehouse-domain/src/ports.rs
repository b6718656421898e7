//! The ports the domain needs from the outside: the [`Store`] (reads) and [`StoreTx`] (one
//! write transaction of a use case). The storage crate implements them for SQLite and
//! PostgreSQL; both pass the same contract suite.

use crate::events::{DomainEvent, StoredEvent};
use crate::ids::{RoleId, SessionId, UserId};
use crate::model::{NewSession, NewUser, Role, SessionRecord, User, UserCredentials};
use crate::time::Timestamp;
use async_trait::async_trait;
use std::fmt;

/// Which database backs the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// The embedded default.
    Sqlite,
    /// The scale-out backend.
    Postgres,
}

/// Which unique value a write collided with; derived by each backend from its own error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConflictKey {
    /// A user's folded email.
    Email,
    /// A user's folded username.
    Username,
    /// A role's type (machine name).
    RoleType,
    /// Any other unique key, by index name.
    Other(String),
}

impl fmt::Display for ConflictKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConflictKey::Email => f.write_str("email"),
            ConflictKey::Username => f.write_str("username"),
            ConflictKey::RoleType => f.write_str("role type"),
            ConflictKey::Other(name) => f.write_str(name),
        }
    }
}

/// What the store can fail with. No driver type crosses this boundary.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint refused the write.
    #[error("unique value already taken: {0}")]
    Conflict(ConflictKey),
    /// The row to change does not exist.
    #[error("not found")]
    NotFound,
    /// The database stayed busy past its timeout (or the pool is exhausted); retry later.
    #[error("database busy")]
    Busy,
    /// Anything else; the text is for the log.
    #[error("{0}")]
    Other(String),
}

/// Reads, and the start of write transactions.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Which backend this is.
    fn backend(&self) -> Backend;

    /// Whether the database answers (readiness).
    async fn ping(&self) -> Result<(), StoreError>;

    /// Starts a write transaction. On SQLite every writer goes through one connection, so a
    /// transaction never fails to upgrade from read to write.
    async fn begin(&self) -> Result<Box<dyn StoreTx>, StoreError>;

    /// The generated secret named `name`: inserts `candidate` if none exists, then reads back
    /// whichever value won (several nodes may start at once).
    async fn secret(&self, name: &str, candidate: &str, now: Timestamp) -> Result<String, StoreError>;

    /// One user by id.
    async fn find_user(&self, id: UserId) -> Result<Option<User>, StoreError>;

    /// A user and password hash by folded email.
    async fn find_credentials_by_email(&self, email_folded: &str) -> Result<Option<UserCredentials>, StoreError>;

    /// A user and password hash by folded username.
    async fn find_credentials_by_username(&self, username_folded: &str) -> Result<Option<UserCredentials>, StoreError>;

    /// Whether a user holds this folded email or this folded username.
    async fn user_identity_taken(&self, email_folded: &str, username_folded: &str) -> Result<bool, StoreError>;

    /// A session together with its user (one round trip on the hot path's cache miss).
    async fn find_session_with_user(&self, id: &SessionId) -> Result<Option<(SessionRecord, User)>, StoreError>;

    /// One role by id.
    async fn find_role(&self, id: RoleId) -> Result<Option<Role>, StoreError>;

    /// One role by its type (`public`, `authenticated`, …).
    async fn find_role_by_type(&self, role_type: &str) -> Result<Option<Role>, StoreError>;

    /// The action names a role holds.
    async fn list_role_actions(&self, id: RoleId) -> Result<Vec<String>, StoreError>;

    /// Outbox events after position `after_seq`, oldest first.
    async fn list_events(&self, after_seq: i64, limit: i64) -> Result<Vec<StoredEvent>, StoreError>;
}

/// One write transaction. Dropping it without [`StoreTx::commit`] rolls everything back.
#[async_trait]
pub trait StoreTx: Send {
    /// Inserts a user; a taken email or username is [`StoreError::Conflict`].
    async fn insert_user(&mut self, user: &NewUser) -> Result<User, StoreError>;

    /// Replaces a user's password hash (rehash on login, password change).
    async fn set_user_password_hash(&mut self, id: UserId, hash: &str, now: Timestamp) -> Result<(), StoreError>;

    /// Records a successful login time.
    async fn set_user_last_login(&mut self, id: UserId, at: Timestamp) -> Result<(), StoreError>;

    /// Opens a session.
    async fn insert_session(&mut self, session: &NewSession) -> Result<(), StoreError>;

    /// Ends a live session; `false` when it was already ended or does not exist.
    async fn revoke_session(&mut self, id: &SessionId, at: Timestamp, reason: &str) -> Result<bool, StoreError>;

    /// Appends an event to the outbox.
    async fn insert_event(&mut self, event: &DomainEvent) -> Result<(), StoreError>;

    /// Makes every write of this transaction durable at once.
    async fn commit(self: Box<Self>) -> Result<(), StoreError>;
}
