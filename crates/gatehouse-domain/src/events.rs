//! Domain events: what happened, written to the outbox table in the same transaction as the
//! change, so an event exists if and only if its change committed. Delivery (webhooks) reads
//! the outbox later; the types and their order are in the events contract.

use crate::crypto::token::random_alphanumeric;
use crate::ids::{AdminId, ApiTokenId, UserId};
use crate::time::Timestamp;
use serde_json::{json, Value};

macro_rules! event_types {
    ($($variant:ident => $name:literal;)*) => {
        /// The kinds of domain event.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum EventType {
            $(#[doc = $name] $variant,)*
        }

        impl EventType {
            /// The wire name, e.g. `user.created`.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(EventType::$variant => $name,)*
                }
            }

            /// Every event type, in the contract's order (webhook subscriptions name them).
            pub const ALL: &'static [EventType] = &[$(EventType::$variant,)*];
        }
    };
}

event_types! {
    UserCreated => "user.created";
    UserUpdated => "user.updated";
    UserDeleted => "user.deleted";
    UserBlocked => "user.blocked";
    UserUnblocked => "user.unblocked";
    UserConfirmed => "user.confirmed";
    UserPasswordChanged => "user.password_changed";
    UserPasswordResetRequested => "user.password_reset_requested";
    UserRoleChanged => "user.role_changed";
    UserLoggedIn => "user.logged_in";
    UserLoginFailed => "user.login_failed";
    SessionRevoked => "session.revoked";
    RoleCreated => "role.created";
    RoleUpdated => "role.updated";
    RoleDeleted => "role.deleted";
    GroupCreated => "group.created";
    GroupUpdated => "group.updated";
    GroupDeleted => "group.deleted";
    AdminCreated => "admin.created";
    AdminUpdated => "admin.updated";
    AdminDeleted => "admin.deleted";
    AdminRestored => "admin.restored";
    AdminLoggedIn => "admin.logged_in";
    InviteCreated => "invite.created";
    InviteResent => "invite.resent";
    InviteAccepted => "invite.accepted";
    InviteRevoked => "invite.revoked";
    ApiTokenCreated => "api_token.created";
    ApiTokenUpdated => "api_token.updated";
    ApiTokenRegenerated => "api_token.regenerated";
    ApiTokenDeleted => "api_token.deleted";
    AccessRequestCreated => "access_request.created";
    AccessRequestApproved => "access_request.approved";
    AccessRequestRejected => "access_request.rejected";
}

/// Who caused an event.
#[derive(Clone, Debug, PartialEq)]
pub enum Actor {
    /// Gatehouse itself (background jobs, CLI).
    System,
    /// An unauthenticated caller (a failed login, a self-registration before it succeeds).
    Anonymous,
    /// An end user.
    EndUser(UserId),
    /// An API token.
    ApiToken(ApiTokenId),
    /// An admin.
    Admin(AdminId),
}

impl Actor {
    /// The `actor` field of the event.
    pub fn to_json(&self) -> Value {
        match self {
            Actor::System => json!("system"),
            Actor::Anonymous => json!("anonymous"),
            Actor::EndUser(id) => json!({"realm": "api", "id": id.0}),
            Actor::ApiToken(id) => json!({"apiToken": {"id": id.0}}),
            Actor::Admin(id) => json!({"realm": "admin", "id": id.0}),
        }
    }
}

/// One event, ready for the outbox.
#[derive(Clone, Debug, PartialEq)]
pub struct DomainEvent {
    /// Unique id (`evt_…`), stable across delivery retries.
    pub id: String,
    /// What happened.
    pub event_type: EventType,
    /// When it happened.
    pub occurred_at: Timestamp,
    /// Who did it.
    pub actor: Actor,
    /// The subject after the change, public fields only.
    pub data: Value,
}

impl DomainEvent {
    /// A new event with a fresh id.
    pub fn new(event_type: EventType, actor: Actor, occurred_at: Timestamp, data: Value) -> Self {
        Self { id: format!("evt_{}", random_alphanumeric(24)), event_type, occurred_at, actor, data }
    }
}

/// An event as read back from the outbox.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredEvent {
    /// Position in the outbox (monotonic).
    pub seq: i64,
    /// Unique id.
    pub id: String,
    /// Wire name of the type.
    pub event_type: String,
    /// When it happened.
    pub occurred_at: Timestamp,
    /// Who did it.
    pub actor: Value,
    /// The subject.
    pub data: Value,
}
