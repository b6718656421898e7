//! End-user sessions and their refresh tokens.

use super::*;

/// A session to open.
#[derive(Clone, Debug)]
pub struct NewSession {
    /// Random id, carried in the JWT.
    pub id: SessionId,
    /// Whose session.
    pub user_id: UserId,
    /// The client's device id, when it sent one (as Strapi 5).
    pub device_id: Option<String>,
    /// Login time.
    pub created_at: Timestamp,
    /// After this the session is over whatever its tokens say.
    pub expires_at: Timestamp,
}

/// A stored session.
#[derive(Clone, Debug, PartialEq)]
pub struct SessionRecord {
    /// Random id.
    pub id: SessionId,
    /// Whose session.
    pub user_id: UserId,
    /// The client's device id.
    pub device_id: Option<String>,
    /// Login time.
    pub created_at: Timestamp,
    /// Last time the session was used (updated coarsely).
    pub last_active_at: Timestamp,
    /// End of life.
    pub expires_at: Timestamp,
    /// Set once the session was ended (logout, block, password change, …).
    pub revoked_at: Option<Timestamp>,
}

impl SessionRecord {
    /// Whether the session may still authenticate requests at `now`.
    pub fn is_live(&self, now: Timestamp) -> bool {
        self.revoked_at.is_none() && now < self.expires_at
    }
}

/// A stored refresh token with the state of its session.
#[derive(Clone, Debug, PartialEq)]
pub struct RefreshTokenRecord {
    /// SHA-256 of the token.
    pub token_hash: String,
    /// The session (the token family).
    pub session_id: SessionId,
    /// Whose session.
    pub user_id: UserId,
    /// After this the token is refused.
    pub expires_at: Timestamp,
    /// Set once the token was traded for a new one.
    pub rotated_at: Option<Timestamp>,
    /// The digest of the token that replaced it.
    pub replaced_by: Option<String>,
    /// Whether the session is still live.
    pub session_live: bool,
}
