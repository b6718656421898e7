//! Access requests and the identities registered while they wait.

use super::*;

/// Where a request for admin access stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccessRequestStatus {
    /// Waiting for an admin's decision (and, before that, for its email's confirmation).
    Pending,
    /// An admin approved it: the requester is an admin.
    Approved,
    /// An admin declined it.
    Rejected,
    /// Nobody decided in time.
    Expired,
}

impl AccessRequestStatus {
    /// Every status.
    pub const ALL: [AccessRequestStatus; 4] = [
        AccessRequestStatus::Pending,
        AccessRequestStatus::Approved,
        AccessRequestStatus::Rejected,
        AccessRequestStatus::Expired,
    ];

    /// The stored (and shown) name.
    pub const fn as_str(self) -> &'static str {
        match self {
            AccessRequestStatus::Pending => "pending",
            AccessRequestStatus::Approved => "approved",
            AccessRequestStatus::Rejected => "rejected",
            AccessRequestStatus::Expired => "expired",
        }
    }

    /// The status called `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == name)
    }
}

/// A request for admin access, without its secrets (the password hash and the confirmation
/// token's digest never leave the store).
#[derive(Clone, Debug, PartialEq)]
pub struct AccessRequest {
    /// Integer id.
    pub id: crate::ids::AccessRequestId,
    /// The requested login email, as given.
    pub email: String,
    /// First name.
    pub firstname: String,
    /// Last name.
    pub lastname: Option<String>,
    /// The requester's message to the admins.
    pub message: Option<String>,
    /// The stored status (a pending request past `expires_at` is expired: see [`AccessRequest::status`]).
    pub stored_status: AccessRequestStatus,
    /// When it was made.
    pub created_at: Timestamp,
    /// When it expires unless decided.
    pub expires_at: Timestamp,
    /// When its email was confirmed; admins only see confirmed requests.
    pub confirmed_at: Option<Timestamp>,
    /// When an admin decided.
    pub decided_at: Option<Timestamp>,
    /// Which admin decided (none for the command line).
    pub decided_by: Option<crate::ids::AdminId>,
    /// The admin created by the approval.
    pub admin_id: Option<crate::ids::AdminId>,
    /// The reason given with a rejection.
    pub reason: Option<String>,
}

impl AccessRequest {
    /// The status at `now`: a pending request past its expiry is expired.
    pub fn status(&self, now: Timestamp) -> AccessRequestStatus {
        match self.stored_status {
            AccessRequestStatus::Pending if now >= self.expires_at => AccessRequestStatus::Expired,
            status => status,
        }
    }
}

/// A request for admin access to store.
#[derive(Clone, Debug)]
pub struct NewAccessRequest {
    /// The email, as given.
    pub email: String,
    /// The folded email (one pending request per folded email).
    pub email_folded: String,
    /// First name.
    pub firstname: String,
    /// Last name.
    pub lastname: Option<String>,
    /// The requester's message.
    pub message: Option<String>,
    /// The argon2id hash of the requested password.
    pub password_hash: crate::secret::Secret,
    /// SHA-256 of the confirmation token, hex.
    pub confirmation_hash: String,
    /// Creation time.
    pub now: Timestamp,
    /// Expiry unless decided.
    pub expires_at: Timestamp,
}

/// A page of confirmed access requests, newest first.
#[derive(Clone, Debug, PartialEq)]
pub struct AccessRequestQuery {
    /// Only requests with this status at `now`; all when `None`.
    pub status: Option<AccessRequestStatus>,
    /// The time the status is judged at.
    pub now: Timestamp,
    /// Which rows.
    pub window: crate::query::Window,
}

/// The decision on a pending access request.
#[derive(Clone, Debug)]
pub struct AccessRequestDecision {
    /// Approved or rejected.
    pub status: AccessRequestStatus,
    /// Which admin decided (none for the command line).
    pub decided_by: Option<crate::ids::AdminId>,
    /// The admin created by an approval.
    pub admin_id: Option<crate::ids::AdminId>,
    /// A rejection's reason.
    pub reason: Option<String>,
    /// When.
    pub now: Timestamp,
}

/// A registered identity to store, waiting for its account.
#[derive(Clone, Debug)]
pub struct NewPendingIdentity {
    /// The registered email.
    pub email: String,
    /// The argon2id hash of the registered password.
    pub password_hash: Secret,
    /// The realm its account will be in (`admin`, `api`).
    pub realm: &'static str,
    /// SHA-256 of the registration token, hex.
    pub token_hash: String,
    /// Registration time.
    pub created_at: Timestamp,
    /// After this it is refused and swept.
    pub expires_at: Timestamp,
}

/// A stored registered identity.
#[derive(Clone, Debug)]
pub struct PendingIdentity {
    /// The registered email.
    pub email: String,
    /// The argon2id hash of the registered password.
    pub password_hash: Secret,
}
