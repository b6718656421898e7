//! The ports the domain needs from the outside: the [`Store`] (reads) and [`StoreTx`] (one
//! write transaction of a use case). The storage crate implements them for SQLite and
//! PostgreSQL; both pass the same contract suite.

use crate::events::{DomainEvent, StoredEvent};
use crate::ids::{AccessRequestId, AdminId, AdminRoleId, ApiTokenId, GroupId, InviteId, RoleId, SessionId, UserId};
use crate::model::{
    AccessRequest, AccessRequestDecision, AccessRequestQuery, Admin, AdminChanges, AdminListQuery, AdminProvisioning,
    AdminRole, AdminSessionRecord, ApiToken, Group, GroupChanges, Invite, NewAccessRequest, NewAdmin, NewApiToken,
    NewGroup, NewMail, NewPendingIdentity, NewRole, NewSession, NewUser, NewUserToken, PendingIdentity, QueuedMail,
    RefreshTokenRecord, Role, RoleWithCount, SessionRecord, TokenPurpose, User, UserChanges, UserCredentials,
    UserWithRole,
};
use crate::query::{Filter, UserQuery};
use crate::time::Timestamp;
use crate::webhooks::{
    AttemptOutcome, ClaimLimits, Delivery, DeliveryAttempt, DeliveryStats, NewDelivery, NewWebhook, Webhook, WebhookId,
};
use async_trait::async_trait;
use std::fmt;
use std::sync::Arc;

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
    /// An API token's folded name.
    ApiTokenName,
    /// A group's folded display name.
    GroupName,
    /// Any other unique key, by index name.
    Other(String),
}

impl fmt::Display for ConflictKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConflictKey::Email => f.write_str("email"),
            ConflictKey::Username => f.write_str("username"),
            ConflictKey::RoleType => f.write_str("role type"),
            ConflictKey::ApiTokenName => f.write_str("api token name"),
            ConflictKey::GroupName => f.write_str("group name"),
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
    /// The database refused a value it cannot store, e.g. a NUL character; the client's fault,
    /// never retry. The text is the database's own, for the log.
    #[error("the database cannot store this value: {0}")]
    InvalidData(String),
    /// Anything else; the text is for the log.
    #[error("{0}")]
    Other(String),
}

/// Wakes the background senders as soon as a transaction that queued work for them commits,
/// so that they look at the database when there is something to send instead of several times a
/// second. Only this node's commits signal; work queued by another node is found by the
/// senders' slower poll.
#[derive(Debug, Default)]
pub struct QueuedWork {
    /// A committed transaction recorded events (the webhook dispatcher's work).
    pub events: tokio::sync::Notify,
    /// A committed transaction queued mail.
    pub mail: tokio::sync::Notify,
}

/// Reads, and the start of write transactions.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Which backend this is.
    fn backend(&self) -> Backend;

    /// Signalled after each commit of this store's transactions that recorded events or queued
    /// mail.
    fn queued_work(&self) -> &Arc<QueuedWork>;

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

    /// The actions whose default grants were already seeded.
    async fn list_seeded_actions(&self) -> Result<Vec<String>, StoreError>;

    /// The action names a role holds.
    async fn list_role_actions(&self, id: RoleId) -> Result<Vec<String>, StoreError>;

    /// Outbox events after position `after_seq`, oldest first.
    async fn list_events(&self, after_seq: i64, limit: i64) -> Result<Vec<StoredEvent>, StoreError>;

    /// The users matching a query, in its order and window, with roles when asked.
    async fn list_users(&self, query: &UserQuery) -> Result<Vec<UserWithRole>, StoreError>;

    /// How many users match a filter, exactly. Without a condition ([`Filter::is_everything`])
    /// this reads a maintained total rather than counting every row.
    async fn count_users(&self, filter: &Filter) -> Result<u64, StoreError>;

    /// One role by its stable public id.
    async fn find_role_by_document_id(&self, document_id: &str) -> Result<Option<Role>, StoreError>;

    /// Every role with its number of users, by id.
    async fn list_roles(&self) -> Result<Vec<RoleWithCount>, StoreError>;

    /// The API token whose secret has this SHA-256 (hex).
    async fn find_api_token_by_hash(&self, access_key_hash: &str) -> Result<Option<ApiToken>, StoreError>;

    /// One API token by id.
    async fn find_api_token(&self, id: ApiTokenId) -> Result<Option<ApiToken>, StoreError>;

    /// Every API token, by id.
    async fn list_api_tokens(&self) -> Result<Vec<ApiToken>, StoreError>;

    /// Records a use of an API token, unless one was recorded less than `min_gap_ms` before.
    async fn touch_api_token(&self, id: ApiTokenId, at: Timestamp, min_gap_ms: i64) -> Result<(), StoreError>;

    /// A refresh token by digest, with its session's state.
    async fn find_refresh_token(&self, token_hash: &str) -> Result<Option<RefreshTokenRecord>, StoreError>;

    /// The live sessions of a user at `now`, newest first.
    async fn list_live_sessions(&self, user: UserId, now: Timestamp) -> Result<Vec<SessionRecord>, StoreError>;

    /// Records activity on a session, unless some was recorded less than `min_gap_ms` before.
    async fn touch_session(&self, id: &SessionId, at: Timestamp, min_gap_ms: i64) -> Result<(), StoreError>;

    /// Claims up to `limit` undelivered mails that are due at `now`: each is leased until
    /// `now + lease_ms` (so no other sender takes it meanwhile) and its attempt counted.
    async fn claim_due_mails(&self, now: Timestamp, limit: i64, lease_ms: i64) -> Result<Vec<QueuedMail>, StoreError>;

    /// Marks a mail delivered; `redact` drops its variables (the links it carried).
    async fn mark_mail_sent(&self, id: i64, at: Timestamp, redact: bool) -> Result<(), StoreError>;

    /// Records a failed attempt and when to try again.
    async fn mark_mail_failed(&self, id: i64, error: &str, next_attempt_at: Timestamp) -> Result<(), StoreError>;

    /// The most recent mails, newest first.
    async fn list_mails(&self, limit: i64) -> Result<Vec<QueuedMail>, StoreError>;

    /// Inserts many users at once, in batches (development data only: no events are written).
    async fn insert_users_bulk(&self, users: &[NewUser]) -> Result<u64, StoreError>;

    /// Whether the installation has claimed its first admin.
    async fn has_admin(&self) -> Result<bool, StoreError>;

    /// What identity providers keep about the admins that have any of it (not soft-deleted),
    /// by id.
    async fn admin_provisioning(&self) -> Result<Vec<(AdminId, AdminProvisioning)>, StoreError>;

    /// What an identity provider keeps about one admin (`None` when it is not stored or
    /// soft-deleted; empty fields for one made any other way).
    async fn find_admin_provisioning(&self, id: AdminId) -> Result<Option<AdminProvisioning>, StoreError>;

    /// One admin with its roles; soft-deleted ones only when `with_deleted`.
    async fn find_admin(&self, id: AdminId, with_deleted: bool) -> Result<Option<Admin>, StoreError>;

    /// An admin (soft-deleted included) and its password hash, by folded email.
    async fn find_admin_credentials(&self, email_folded: &str) -> Result<Option<(Admin, Option<String>)>, StoreError>;

    /// A page of admins and the total matching.
    async fn list_admins(&self, query: &AdminListQuery) -> Result<(Vec<Admin>, u64), StoreError>;

    /// Every admin role with its number of (not deleted) admins.
    async fn list_admin_roles(&self) -> Result<Vec<(AdminRole, u64)>, StoreError>;

    /// One admin role.
    async fn find_admin_role(&self, id: AdminRoleId) -> Result<Option<AdminRole>, StoreError>;

    /// The actions an admin role holds.
    async fn list_admin_role_actions(&self, id: AdminRoleId) -> Result<Vec<String>, StoreError>;

    /// An admin session with its admin.
    async fn find_admin_session(&self, id: &SessionId) -> Result<Option<(AdminSessionRecord, Admin)>, StoreError>;

    /// An admin session by the digest of its refresh cookie.
    async fn find_admin_session_by_refresh(&self, refresh_hash: &str)
        -> Result<Option<AdminSessionRecord>, StoreError>;

    /// An invite by the digest of its token, with its admin.
    async fn find_invite_by_token(&self, token_hash: &str) -> Result<Option<(Invite, Admin)>, StoreError>;

    /// One invite with its admin.
    async fn find_invite(&self, id: InviteId) -> Result<Option<(Invite, Admin)>, StoreError>;

    /// Every invite with its admin, newest first.
    async fn list_invites(&self) -> Result<Vec<(Invite, Admin)>, StoreError>;

    /// One access request (confirmed or not).
    async fn find_access_request(&self, id: AccessRequestId) -> Result<Option<AccessRequest>, StoreError>;

    /// A page of confirmed access requests, newest first, with the total matching; a pending
    /// request past its expiry counts as expired.
    async fn list_access_requests(&self, query: &AccessRequestQuery) -> Result<(Vec<AccessRequest>, u64), StoreError>;

    /// The password hash stored with an access request.
    async fn access_request_password_hash(&self, id: AccessRequestId) -> Result<Option<String>, StoreError>;

    /// Audit rows matching `filter`, newest first, `limit` from `offset`; with the total.
    async fn list_audit_entries(
        &self,
        filter: &crate::audit::AuditFilter,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<crate::audit::AuditEntry>, u64), StoreError>;

    /// Audit rows after position `after`, oldest first.
    async fn audit_entries_after(&self, after: i64, limit: u64) -> Result<Vec<crate::audit::AuditEntry>, StoreError>;

    /// Deletes the audit rows older than `before`; returns how many.
    async fn prune_audit_entries(&self, before: Timestamp) -> Result<u64, StoreError>;

    // Webhooks (see `crate::webhooks`).

    /// Every webhook endpoint, by id.
    async fn list_webhooks(&self) -> Result<Vec<Webhook>, StoreError>;

    /// One webhook endpoint.
    async fn find_webhook(&self, id: WebhookId) -> Result<Option<Webhook>, StoreError>;

    /// In one transaction: takes up to `limit` outbox events past the fan-out cursor, inserts a
    /// delivery for each enabled endpoint subscribed to its type, and moves the cursor past
    /// them; returns how many events it took. Events are taken in commit order (PostgreSQL:
    /// the outbox is locked against writers for the moment of the read, so no event committed
    /// late with a lower position is skipped), and one node at a time holds the cursor.
    async fn fan_out_events(&self, limit: i64, now: Timestamp) -> Result<u64, StoreError>;

    /// Inserts one delivery outside the outbox (a test event), due at once.
    async fn insert_delivery(&self, delivery: &NewDelivery) -> Result<Delivery, StoreError>;

    /// Claims up to `limits.limit` pending deliveries due at `now` of enabled endpoints, leasing
    /// each to `node` until `lease_now + limits.lease_ms`. Leases follow the real time (`lease_now`): they
    /// bound how long a node may hold a delivery, which an injected clock moved by a test does
    /// not change; a lease that ran out is claimed again. First attempts: the oldest
    /// `first_batch` pending ones of each endpoint none of whose first attempts is leased, so
    /// that one sender sends them in event order. Retries: those due, at most `per_webhook`
    /// leased per endpoint. PostgreSQL skips rows and endpoints another node is claiming
    /// (`FOR UPDATE SKIP LOCKED`).
    async fn claim_deliveries(
        &self,
        now: Timestamp,
        lease_now: Timestamp,
        node: &str,
        limits: ClaimLimits,
    ) -> Result<Vec<Delivery>, StoreError>;

    /// Records attempts in the history and applies each one's outcome to its delivery (attempt
    /// count, status, next due time, last code and error); their leases end. One transaction
    /// for them all: a dispatcher records a batch it sent at once.
    async fn record_delivery_attempts(
        &self,
        attempts: &[(DeliveryAttempt, AttemptOutcome)],
        now: Timestamp,
    ) -> Result<(), StoreError>;

    /// Ends the lease of a pending delivery its holder will not send after all, so it can be
    /// claimed again at once.
    async fn release_delivery(&self, id: i64) -> Result<(), StoreError>;

    /// One delivery.
    async fn find_delivery(&self, id: i64) -> Result<Option<Delivery>, StoreError>;

    /// Makes a delivery pending and due at `now` again; `None` when absent.
    async fn resend_delivery(&self, id: i64, now: Timestamp) -> Result<Option<Delivery>, StoreError>;

    /// The most recent deliveries of an endpoint, newest first.
    async fn list_deliveries(&self, webhook: WebhookId, limit: i64) -> Result<Vec<Delivery>, StoreError>;

    /// The most recent attempts of an endpoint's deliveries, newest first.
    async fn list_webhook_attempts(&self, webhook: WebhookId, limit: i64) -> Result<Vec<DeliveryAttempt>, StoreError>;

    /// Queue depths and the age of the oldest undelivered event.
    async fn delivery_stats(&self) -> Result<DeliveryStats, StoreError>;

    // Groups of end users (see `crate::groups`).

    /// Every group, by id.
    async fn list_groups(&self) -> Result<Vec<Group>, StoreError>;

    /// One group.
    async fn find_group(&self, id: GroupId) -> Result<Option<Group>, StoreError>;

    /// The members of a group, by user id.
    async fn list_group_members(&self, id: GroupId) -> Result<Vec<UserId>, StoreError>;

    /// The groups each of `users` belongs to, as `(user, group)` pairs by user then group id.
    async fn list_groups_of_users(&self, users: &[UserId]) -> Result<Vec<(UserId, Group)>, StoreError>;

    /// The live registered identity of `realm` whose token has this SHA-256, without taking it.
    async fn find_pending_identity(
        &self,
        realm: &str,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<Option<PendingIdentity>, StoreError>;
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

    /// Changes a user; `None` when it does not exist. A taken email or username is
    /// [`StoreError::Conflict`].
    async fn update_user(
        &mut self,
        id: UserId,
        changes: &UserChanges,
        now: Timestamp,
    ) -> Result<Option<User>, StoreError>;

    /// Deletes a user (its sessions go with it); returns the deleted user, `None` when absent.
    async fn delete_user(&mut self, id: UserId) -> Result<Option<User>, StoreError>;

    /// Ends every live session of a user; returns the ended sessions' ids.
    async fn revoke_user_sessions(
        &mut self,
        user: UserId,
        at: Timestamp,
        reason: &str,
    ) -> Result<Vec<SessionId>, StoreError>;

    /// Inserts a role; a taken type is [`StoreError::Conflict`].
    async fn insert_role(&mut self, role: &NewRole) -> Result<Role, StoreError>;

    /// Renames or re-describes a role; `None` when it does not exist.
    async fn update_role(
        &mut self,
        id: RoleId,
        name: Option<&str>,
        description: Option<&str>,
        now: Timestamp,
    ) -> Result<Option<Role>, StoreError>;

    /// Sets (or with `None` clears) the id an identity provider gave a role; false when the
    /// role does not exist.
    async fn set_role_external_id(&mut self, id: RoleId, external_id: Option<&str>) -> Result<bool, StoreError>;

    /// Replaces the actions a role holds.
    async fn set_role_actions(&mut self, id: RoleId, actions: &[String]) -> Result<(), StoreError>;

    /// Moves every user of role `from` to role `to`; returns the moved users as they are now.
    async fn reassign_role_users(&mut self, from: RoleId, to: RoleId, now: Timestamp) -> Result<Vec<User>, StoreError>;

    /// Deletes a role (its grants go with it); `false` when it did not exist.
    async fn delete_role(&mut self, id: RoleId) -> Result<bool, StoreError>;

    /// Inserts a group (without members); a taken folded display name is
    /// [`StoreError::Conflict`] ([`ConflictKey::GroupName`]).
    async fn insert_group(&mut self, group: &NewGroup) -> Result<Group, StoreError>;

    /// Reads a group and holds it against concurrent writers of the same group until the end of
    /// the transaction (PostgreSQL: `FOR UPDATE`; SQLite: one writer at a time anyway).
    async fn lock_group(&mut self, id: GroupId) -> Result<Option<Group>, StoreError>;

    /// Holds `users` (those that exist) against concurrent writers until the end of the
    /// transaction, taken in id order so that two transactions never wait on each other in a
    /// cycle; returns those that exist with their current role, in id order.
    async fn lock_users(&mut self, users: &[UserId]) -> Result<Vec<(UserId, RoleId)>, StoreError>;

    /// Renames a group or changes its provisioning id, and marks it changed at `now` (also
    /// when only its members changed); `None` when absent. A taken folded display name is
    /// [`StoreError::Conflict`].
    async fn update_group(
        &mut self,
        id: GroupId,
        changes: &GroupChanges,
        now: Timestamp,
    ) -> Result<Option<Group>, StoreError>;

    /// The members of a group, as this transaction sees them.
    async fn list_group_members_in_tx(&mut self, id: GroupId) -> Result<Vec<UserId>, StoreError>;

    /// Adds `users` to a group; a user already in it, or one that does not exist, is skipped.
    /// Returns the users added.
    async fn add_group_members(&mut self, id: GroupId, users: &[UserId]) -> Result<Vec<UserId>, StoreError>;

    /// Removes `users` from a group; returns the users removed.
    async fn remove_group_members(&mut self, id: GroupId, users: &[UserId]) -> Result<Vec<UserId>, StoreError>;

    /// The display names of the groups `user` belongs to, as this transaction sees them.
    async fn list_group_names_of_user_in_tx(&mut self, user: UserId) -> Result<Vec<String>, StoreError>;

    /// Deletes a group (its memberships go with it); `false` when absent.
    async fn delete_group(&mut self, id: GroupId) -> Result<bool, StoreError>;

    /// Inserts an API token with its actions; a taken name is [`StoreError::Conflict`].
    async fn insert_api_token(&mut self, token: &NewApiToken) -> Result<ApiToken, StoreError>;

    /// Rewrites an API token's name, description, kind, lifespan, expiry and actions (its secret
    /// is left alone: `token.access_key_hash` is ignored); `None` when absent.
    async fn update_api_token(&mut self, id: ApiTokenId, token: &NewApiToken) -> Result<Option<ApiToken>, StoreError>;

    /// Replaces an API token's secret (the old one dies) and restarts its lifespan from `now`;
    /// `None` when absent.
    async fn set_api_token_secret(
        &mut self,
        id: ApiTokenId,
        access_key_hash: &str,
        expires_at: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<Option<ApiToken>, StoreError>;

    /// Deletes an API token; returns it, `None` when absent.
    async fn delete_api_token(&mut self, id: ApiTokenId) -> Result<Option<ApiToken>, StoreError>;

    /// Stores a single-use token (its digest).
    async fn insert_user_token(&mut self, token: &NewUserToken) -> Result<(), StoreError>;

    /// Kills every unused token of `user` for `purpose` (a new request supersedes older ones).
    async fn invalidate_user_tokens(
        &mut self,
        user: UserId,
        purpose: TokenPurpose,
        at: Timestamp,
    ) -> Result<(), StoreError>;

    /// Uses the token with this digest, if it is unused, unexpired and for `purpose`; returns
    /// its user. A used, expired or unknown token gives `None` alike.
    async fn consume_user_token(
        &mut self,
        purpose: TokenPurpose,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<Option<UserId>, StoreError>;

    /// Queues a mail in the outbox.
    async fn enqueue_mail(&mut self, mail: &NewMail) -> Result<(), StoreError>;

    /// Stores a refresh token (its digest) for a session.
    async fn insert_refresh_token(
        &mut self,
        token_hash: &str,
        session: &SessionId,
        created_at: Timestamp,
        expires_at: Timestamp,
    ) -> Result<(), StoreError>;

    /// Marks a refresh token as traded for `replaced_by`, only if it was not already;
    /// `false` when another request rotated it first.
    async fn rotate_refresh_token(
        &mut self,
        token_hash: &str,
        replaced_by: &str,
        at: Timestamp,
    ) -> Result<bool, StoreError>;

    /// Marks every unrotated refresh token of a session as replaced by `replaced_by`.
    async fn retire_refresh_tokens(
        &mut self,
        session: &SessionId,
        replaced_by: &str,
        at: Timestamp,
    ) -> Result<(), StoreError>;

    /// Moves a session's end of life (refresh mode slides it) and records activity.
    async fn extend_session(&mut self, id: &SessionId, expires_at: Timestamp, at: Timestamp) -> Result<(), StoreError>;

    /// Ends every live session of a user except `keep`; returns the ended sessions' ids.
    async fn revoke_other_sessions(
        &mut self,
        user: UserId,
        keep: &SessionId,
        at: Timestamp,
        reason: &str,
    ) -> Result<Vec<SessionId>, StoreError>;

    /// How many active, unblocked, not deleted admins hold Super Admin, as this transaction sees it.
    async fn count_active_super_admins_in_tx(&mut self) -> Result<u64, StoreError>;

    /// Claims the installation for its first admin; a second claim is [`StoreError::Conflict`].
    async fn claim_bootstrap(&mut self, admin: AdminId, now: Timestamp) -> Result<(), StoreError>;

    /// Inserts an admin (without roles); a taken email is [`StoreError::Conflict`].
    async fn insert_admin(&mut self, admin: &NewAdmin) -> Result<AdminId, StoreError>;

    /// Replaces an admin's roles.
    async fn set_admin_roles(&mut self, admin: AdminId, roles: &[AdminRoleId]) -> Result<(), StoreError>;

    /// Changes an admin; `false` when it does not exist.
    async fn update_admin(&mut self, id: AdminId, changes: &AdminChanges, now: Timestamp) -> Result<bool, StoreError>;

    /// Sets or clears `deleted_at`; `false` when the admin does not exist.
    async fn set_admin_deleted(
        &mut self,
        id: AdminId,
        deleted_at: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<bool, StoreError>;

    /// Replaces what an identity provider keeps about an admin: its user name (as given and
    /// folded, unique among admins: [`ConflictKey::Username`]), provisioning id and profile.
    /// `false` when the admin does not exist.
    async fn set_admin_provisioning(
        &mut self,
        id: AdminId,
        username: Option<(&str, &str)>,
        provisioning: &AdminProvisioning,
        now: Timestamp,
    ) -> Result<bool, StoreError>;

    /// Removes an admin for good; `false` when it did not exist.
    async fn purge_admin(&mut self, id: AdminId) -> Result<bool, StoreError>;

    /// Opens an admin session with the digest of its refresh cookie.
    async fn insert_admin_session(
        &mut self,
        id: &SessionId,
        admin: AdminId,
        refresh_hash: &str,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<(), StoreError>;

    /// Ends one admin session; `false` when already ended.
    async fn revoke_admin_session(&mut self, id: &SessionId, at: Timestamp, reason: &str) -> Result<bool, StoreError>;

    /// Ends every live session of an admin; returns their ids.
    async fn revoke_admin_sessions(
        &mut self,
        admin: AdminId,
        at: Timestamp,
        reason: &str,
    ) -> Result<Vec<SessionId>, StoreError>;

    /// Inserts an invite for a pending admin.
    async fn insert_invite(
        &mut self,
        admin: AdminId,
        token_hash: &str,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<InviteId, StoreError>;

    /// Stores a registered identity.
    async fn insert_pending_identity(&mut self, identity: &NewPendingIdentity) -> Result<(), StoreError>;

    /// Takes (deletes and returns) the live registered identity of `realm` whose token has this
    /// SHA-256; `None` when there is none (unknown, expired or already taken).
    async fn take_pending_identity(
        &mut self,
        realm: &str,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<Option<PendingIdentity>, StoreError>;

    /// Deletes the registered identities expired at `now`; returns how many.
    async fn sweep_pending_identities(&mut self, now: Timestamp) -> Result<u64, StoreError>;

    /// Sets (or clears) an invite's metadata; `false` when absent.
    async fn set_invite_metadata(
        &mut self,
        id: InviteId,
        metadata: Option<&serde_json::Value>,
    ) -> Result<bool, StoreError>;

    /// Gives an invite a new token and expiry (the old token dies); `false` when absent.
    async fn reissue_invite(
        &mut self,
        id: InviteId,
        token_hash: &str,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<bool, StoreError>;

    /// Marks an invite revoked; `false` when absent.
    async fn revoke_invite(&mut self, id: InviteId, now: Timestamp) -> Result<bool, StoreError>;

    /// Marks the invite with this token accepted if it is still usable at `now`; returns it.
    async fn accept_invite(&mut self, token_hash: &str, now: Timestamp) -> Result<Option<Invite>, StoreError>;

    /// Marks the pending access request of this folded email expired when its time is up at
    /// `now`, freeing the email for a new request.
    async fn expire_access_request(&mut self, email_folded: &str, now: Timestamp) -> Result<(), StoreError>;

    /// Inserts a pending access request; `None` (and nothing written) when one is already
    /// pending for its folded email.
    async fn insert_access_request(
        &mut self,
        request: &NewAccessRequest,
    ) -> Result<Option<AccessRequestId>, StoreError>;

    /// Confirms the unconfirmed, pending, unexpired request whose token has this digest (the
    /// token dies); returns it. Unknown, used and expired tokens give `None` alike.
    async fn confirm_access_request(
        &mut self,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<Option<AccessRequest>, StoreError>;

    /// Records the decision on a confirmed request still pending and unexpired at
    /// `decision.now`; `false` when it is not (decided meanwhile, expired, unconfirmed, absent).
    async fn decide_access_request(
        &mut self,
        id: AccessRequestId,
        decision: &AccessRequestDecision,
    ) -> Result<bool, StoreError>;

    /// Inserts an admin role; a taken code is [`StoreError::Conflict`].
    async fn insert_admin_role(
        &mut self,
        name: &str,
        code: &str,
        description: &str,
        now: Timestamp,
    ) -> Result<AdminRoleId, StoreError>;

    /// Replaces an admin role's actions.
    async fn set_admin_role_actions(&mut self, id: AdminRoleId, actions: &[String]) -> Result<(), StoreError>;

    /// Marks `action` seeded; if it was not yet, grants it to each of `default_roles` (end-user
    /// role types, or admin role codes when `admin_realm`) that exists.
    async fn seed_action(
        &mut self,
        action: &str,
        admin_realm: bool,
        default_roles: &[&str],
        now: Timestamp,
    ) -> Result<(), StoreError>;

    /// Sets an admin role's name and provisioning id (its code stays); `false` when absent.
    async fn rename_admin_role(
        &mut self,
        id: AdminRoleId,
        name: &str,
        external_id: Option<&str>,
        now: Timestamp,
    ) -> Result<bool, StoreError>;

    /// Deletes an admin role; `false` when absent.
    async fn delete_admin_role(&mut self, id: AdminRoleId) -> Result<bool, StoreError>;

    /// Appends an event to the outbox.
    async fn insert_event(&mut self, event: &DomainEvent) -> Result<(), StoreError>;

    /// Appends a row to the audit log.
    async fn insert_audit_entry(&mut self, entry: &crate::audit::NewAuditEntry) -> Result<(), StoreError>;

    // Webhooks (see `crate::webhooks`).

    /// Inserts a webhook endpoint.
    async fn insert_webhook(&mut self, webhook: &NewWebhook) -> Result<Webhook, StoreError>;

    /// Rewrites an endpoint's name, URL, events, headers and enabled flag (the secret stays);
    /// `None` when absent.
    async fn update_webhook(&mut self, id: WebhookId, webhook: &NewWebhook) -> Result<Option<Webhook>, StoreError>;

    /// Deletes an endpoint and its deliveries; returns it, `None` when absent.
    async fn delete_webhook(&mut self, id: WebhookId) -> Result<Option<Webhook>, StoreError>;

    /// Makes every write of this transaction durable at once.
    async fn commit(self: Box<Self>) -> Result<(), StoreError>;
}
