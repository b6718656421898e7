//! Users, roles and sessions as the domain sees them, and the inputs that create them.

use crate::ids::{GroupId, RoleId, SessionId, UserId};
use crate::secret::Secret;
use crate::time::Timestamp;
use crate::values::UserSettings;

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

/// An end-user role.
#[derive(Clone, Debug, PartialEq)]
pub struct Role {
    /// Integer id.
    pub id: RoleId,
    /// Stable public id.
    pub document_id: String,
    /// Display name, e.g. "Authenticated".
    pub name: String,
    /// Free text.
    pub description: String,
    /// Unique machine name, e.g. `authenticated`, `public`, `editors`.
    pub role_type: String,
    /// When the role was created.
    pub created_at: Timestamp,
    /// When the role last changed.
    pub updated_at: Timestamp,
    /// The publication time; the creation time here.
    pub published_at: Timestamp,
    /// The id an identity provider gave the role (as a group), as given.
    pub external_id: Option<String>,
}

impl Role {
    /// The type of the role unauthenticated callers act with.
    pub const PUBLIC: &'static str = "public";
    /// The type of the default role of new users.
    pub const AUTHENTICATED: &'static str = "authenticated";
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

/// A role to insert.
#[derive(Clone, Debug)]
pub struct NewRole {
    /// Stable public id.
    pub document_id: String,
    /// Display name.
    pub name: String,
    /// Free text.
    pub description: String,
    /// Unique machine name.
    pub role_type: String,
    /// The id an identity provider gave the role.
    pub external_id: Option<String>,
    /// Creation time.
    pub now: Timestamp,
}

/// A role with how many users hold it.
#[derive(Clone, Debug, PartialEq)]
pub struct RoleWithCount {
    /// The role.
    pub role: Role,
    /// Users holding it.
    pub users: u64,
}

/// A free-standing group of end users (`scim.groups = "groups"`): not a role itself, but
/// mapped to one by configuration (see [`crate::groups`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Group {
    /// Integer id.
    pub id: GroupId,
    /// The name, unique case-insensitively.
    pub display_name: String,
    /// The id an identity provider gave the group, as given.
    pub external_id: Option<String>,
    /// When the group was created.
    pub created_at: Timestamp,
    /// When the group or its members last changed.
    pub updated_at: Timestamp,
}

/// A group to insert.
#[derive(Clone, Debug)]
pub struct NewGroup {
    /// The name, as given.
    pub display_name: String,
    /// Folded copy for the unique index.
    pub display_name_folded: String,
    /// The id an identity provider gave the group.
    pub external_id: Option<String>,
    /// Creation time.
    pub now: Timestamp,
}

/// A change to a group's own fields; `None` leaves a field alone.
#[derive(Clone, Debug, Default)]
pub struct GroupChanges {
    /// New name and its folded copy.
    pub display_name: Option<(String, String)>,
    /// New provisioning id (`Some(None)` clears it).
    pub external_id: Option<Option<String>>,
}

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

/// Which mail template a queued mail uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MailKind {
    /// "Confirm your email address".
    EmailConfirmation,
    /// "Reset your password".
    ResetPassword,
    /// "You are invited" (admin realm).
    Invite,
    /// "Confirm your request for admin access" (admin realm).
    AccessRequestConfirmation,
    /// "Your request for admin access was approved".
    AccessRequestApproved,
    /// "Your request for admin access was declined".
    AccessRequestRejected,
}

impl MailKind {
    /// Every kind, each with its template.
    pub const ALL: [MailKind; 6] = [
        MailKind::EmailConfirmation,
        MailKind::ResetPassword,
        MailKind::Invite,
        MailKind::AccessRequestConfirmation,
        MailKind::AccessRequestApproved,
        MailKind::AccessRequestRejected,
    ];

    /// The stored name, also the template's file stem.
    pub const fn as_str(self) -> &'static str {
        match self {
            MailKind::EmailConfirmation => "email_confirmation",
            MailKind::ResetPassword => "reset_password",
            MailKind::Invite => "invite",
            MailKind::AccessRequestConfirmation => "access_request_confirmation",
            MailKind::AccessRequestApproved => "access_request_approved",
            MailKind::AccessRequestRejected => "access_request_rejected",
        }
    }

    /// The kind called `name`.
    pub fn from_name(name: &str) -> Option<MailKind> {
        MailKind::ALL.into_iter().find(|kind| kind.as_str() == name)
    }
}

/// A mail to queue in the outbox, in the same transaction as the token it carries.
#[derive(Clone, Debug)]
pub struct NewMail {
    /// Template.
    pub kind: MailKind,
    /// Recipient address.
    pub recipient: String,
    /// The documented template variables only (`user`, `url`, `expires_at`, …).
    pub variables: serde_json::Value,
    /// Queue time.
    pub now: Timestamp,
}

/// A mail in the outbox.
#[derive(Clone, Debug, PartialEq)]
pub struct QueuedMail {
    /// Outbox id.
    pub id: i64,
    /// Template name.
    pub kind: String,
    /// Recipient address.
    pub recipient: String,
    /// Template variables (`None` once redacted after delivery).
    pub variables: Option<serde_json::Value>,
    /// Queue time.
    pub created_at: Timestamp,
    /// Delivery attempts so far.
    pub attempts: i64,
    /// Delivery time, once delivered.
    pub sent_at: Option<Timestamp>,
    /// The last delivery error.
    pub last_error: Option<String>,
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

/// An admin role (`strapi-super-admin`, `strapi-editor`, `strapi-author`, or custom).
#[derive(Clone, Debug, PartialEq)]
pub struct AdminRole {
    /// Integer id.
    pub id: crate::ids::AdminRoleId,
    /// Stable public id.
    pub document_id: String,
    /// Display name.
    pub name: String,
    /// Unique code.
    pub code: String,
    /// Free text.
    pub description: String,
    /// Creation time.
    pub created_at: Timestamp,
    /// Last change.
    pub updated_at: Timestamp,
    /// The provisioning id an identity provider gave it (a role pushed as a SCIM Group).
    pub external_id: Option<String>,
}

impl AdminRole {
    /// The code of the role that holds every admin action.
    pub const SUPER_ADMIN: &'static str = "strapi-super-admin";
    /// The code of the built-in Editor role.
    pub const EDITOR: &'static str = "strapi-editor";
    /// The code of the built-in Author role.
    pub const AUTHOR: &'static str = "strapi-author";
}

/// An admin user. Holds no secret.
#[derive(Clone, Debug, PartialEq)]
pub struct Admin {
    /// Integer id.
    pub id: crate::ids::AdminId,
    /// Stable public id.
    pub document_id: String,
    /// First name.
    pub firstname: String,
    /// Last name.
    pub lastname: Option<String>,
    /// Optional username.
    pub username: Option<String>,
    /// Lower-cased email.
    pub email: String,
    /// False until an invite is accepted, or when deactivated.
    pub is_active: bool,
    /// Blocked admins cannot log in.
    pub blocked: bool,
    /// Strapi's `preferedLanguage` (sic).
    pub prefered_language: Option<String>,
    /// Creation time.
    pub created_at: Timestamp,
    /// Last change.
    pub updated_at: Timestamp,
    /// The publication time; the creation time here.
    pub published_at: Timestamp,
    /// Set while soft-deleted.
    pub deleted_at: Option<Timestamp>,
    /// Its roles.
    pub roles: Vec<AdminRole>,
}

impl Admin {
    /// Whether it holds the Super Admin role.
    pub fn is_super_admin(&self) -> bool {
        self.roles.iter().any(|role| role.code == AdminRole::SUPER_ADMIN)
    }
}

/// An admin to insert.
#[derive(Clone, Debug)]
pub struct NewAdmin {
    /// Stable public id.
    pub document_id: String,
    /// First name.
    pub firstname: String,
    /// Last name.
    pub lastname: Option<String>,
    /// Lower-cased email.
    pub email: String,
    /// Folded email.
    pub email_folded: String,
    /// argon2id PHC string; `None` for a pending invite.
    pub password_hash: Option<Secret>,
    /// Active (false for a pending invite).
    pub is_active: bool,
    /// Creation time.
    pub now: Timestamp,
}

/// Columns an admin update writes; `None` leaves a column alone.
#[derive(Clone, Debug, Default)]
pub struct AdminChanges {
    /// New first name.
    pub firstname: Option<String>,
    /// New last name.
    pub lastname: Option<String>,
    /// New email and its folded copy.
    pub email: Option<(String, String)>,
    /// New password hash.
    pub password_hash: Option<Secret>,
    /// New active state.
    pub is_active: Option<bool>,
    /// New blocked state.
    pub blocked: Option<bool>,
}

/// What an identity provider keeps about an admin beside the admin's own columns (SCIM with
/// `scim.realm = "admins"`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AdminProvisioning {
    /// The provider's id for it, as given.
    pub external_id: Option<String>,
    /// The attributes the admin realm has no column for (a JSON object), as given.
    pub profile: Option<serde_json::Value>,
}

/// A stored admin session.
#[derive(Clone, Debug, PartialEq)]
pub struct AdminSessionRecord {
    /// Random id (the JWT's `sessionId`).
    pub id: SessionId,
    /// Whose.
    pub admin_id: crate::ids::AdminId,
    /// End of life (2 h, or 14 days with "remember me").
    pub expires_at: Timestamp,
    /// Set once ended.
    pub revoked_at: Option<Timestamp>,
}

/// An admin invite.
#[derive(Clone, Debug, PartialEq)]
pub struct Invite {
    /// Integer id.
    pub id: crate::ids::InviteId,
    /// The invited (pending) admin.
    pub admin_id: crate::ids::AdminId,
    /// Creation (or last resend) time.
    pub created_at: Timestamp,
    /// After this the token is refused.
    pub expires_at: Timestamp,
    /// Set once accepted.
    pub accepted_at: Option<Timestamp>,
    /// Set once revoked.
    pub revoked_at: Option<Timestamp>,
    /// A JSON object given when inviting, or `None`.
    pub metadata: Option<serde_json::Value>,
}

impl Invite {
    /// `pending`, `accepted`, `expired` or `revoked` at `now`.
    pub fn status(&self, now: Timestamp) -> &'static str {
        if self.accepted_at.is_some() {
            "accepted"
        } else if self.revoked_at.is_some() {
            "revoked"
        } else if now >= self.expires_at {
            "expired"
        } else {
            "pending"
        }
    }
}

/// A field admins can be listed in the order of (Gatehouse's names; surfaces map theirs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AdminSortField {
    /// `id`
    Id,
    /// `firstname`
    Firstname,
    /// `lastname`
    Lastname,
    /// `email`
    Email,
    /// `username`
    Username,
    /// `created_at`
    CreatedAt,
    /// `updated_at`
    UpdatedAt,
}

/// The order of an admin list: one field, then the id to break ties.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AdminSort {
    /// The field.
    pub field: AdminSortField,
    /// Descending when true.
    pub descending: bool,
}

impl Default for AdminSort {
    fn default() -> Self {
        Self { field: AdminSortField::Id, descending: false }
    }
}

/// One condition an admin list can be narrowed by (all of a list's conditions must hold).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AdminCondition {
    /// Active (registered) or pending.
    IsActive(bool),
    /// Blocked or not.
    Blocked(bool),
    /// Holds this role.
    HasRole(crate::ids::AdminRoleId),
}

/// Admin list parameters: which slice, a search text, an order and conditions.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AdminListQuery {
    /// Which rows (bounded, so any page can be rendered).
    pub window: crate::query::Window,
    /// Search in first name, last name and email (case-insensitive).
    pub search: Option<String>,
    /// The order.
    pub sort: AdminSort,
    /// Conditions that must all hold.
    pub conditions: Vec<AdminCondition>,
    /// Include soft-deleted admins.
    pub with_deleted: bool,
}

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
