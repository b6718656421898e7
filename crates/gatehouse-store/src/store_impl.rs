//! `impl Store for SqlStore`: every read of the domain's port, delegated to the module of its
//! aggregate (`users`, `roles`, `sessions`, `api_tokens`, `admins`, …). Nothing but delegation
//! lives here; the SQL is in the aggregate modules.

use crate::db::{execute, on_pool, Pools, SqlStore};
use crate::{
    access_requests, admin_roles, admin_sessions, admins, api_tokens, audit, events, groups, invites, mail, roles,
    secrets, seeded_actions, sessions, users, webhooks,
};
use async_trait::async_trait;
use gatehouse_domain::events::StoredEvent;
use gatehouse_domain::ids::{
    AccessRequestId, AdminId, AdminRoleId, ApiTokenId, GroupId, InviteId, RoleId, SessionId, UserId,
};
use gatehouse_domain::model::{
    AccessRequest, AccessRequestQuery, Admin, AdminListQuery, AdminProvisioning, AdminRole, AdminSessionRecord,
    ApiToken, Group, Invite, NewUser, QueuedMail, RefreshTokenRecord, Role, RoleWithCount, SessionRecord, User,
    UserCredentials, UserWithRole,
};
use gatehouse_domain::ports::{Backend, QueuedWork, Store, StoreError, StoreTx};
use gatehouse_domain::query::{Filter, UserQuery};
use gatehouse_domain::time::Timestamp;
use gatehouse_domain::webhooks::{
    AttemptOutcome, ClaimLimits, Delivery, DeliveryAttempt, DeliveryStats, NewDelivery, Webhook, WebhookId,
};
use std::sync::Arc;

#[async_trait]
impl Store for SqlStore {
    fn queued_work(&self) -> &Arc<QueuedWork> {
        &self.queued
    }

    fn backend(&self) -> Backend {
        match self.pools {
            Pools::Sqlite { .. } => Backend::Sqlite,
            Pools::Postgres(_) => Backend::Postgres,
        }
    }

    async fn ping(&self) -> Result<(), StoreError> {
        on_pool!(self, |pool| execute(sqlx::query("SELECT 1"), pool).await)?;
        Ok(())
    }

    async fn begin(&self) -> Result<Box<dyn StoreTx>, StoreError> {
        Ok(Box::new(self.begin_tx().await?))
    }

    async fn secret(&self, name: &str, candidate: &str, now: Timestamp) -> Result<String, StoreError> {
        secrets::secret(self, name, candidate, now).await
    }

    async fn find_user(&self, id: UserId) -> Result<Option<User>, StoreError> {
        users::find_user(self, id).await
    }

    async fn find_credentials_by_email(&self, email_folded: &str) -> Result<Option<UserCredentials>, StoreError> {
        users::find_credentials_by_email(self, email_folded).await
    }

    async fn find_credentials_by_username(&self, username_folded: &str) -> Result<Option<UserCredentials>, StoreError> {
        users::find_credentials_by_username(self, username_folded).await
    }

    async fn user_identity_taken(&self, email_folded: &str, username_folded: &str) -> Result<bool, StoreError> {
        users::user_identity_taken(self, email_folded, username_folded).await
    }

    async fn find_session_with_user(&self, id: &SessionId) -> Result<Option<(SessionRecord, User)>, StoreError> {
        sessions::find_session_with_user(self, id).await
    }

    async fn find_role(&self, id: RoleId) -> Result<Option<Role>, StoreError> {
        roles::find_role(self, id).await
    }

    async fn find_role_by_type(&self, role_type: &str) -> Result<Option<Role>, StoreError> {
        roles::find_role_by_type(self, role_type).await
    }

    async fn list_seeded_actions(&self) -> Result<Vec<String>, StoreError> {
        seeded_actions::list_seeded_actions(self).await
    }

    async fn list_role_actions(&self, id: RoleId) -> Result<Vec<String>, StoreError> {
        roles::list_role_actions(self, id).await
    }

    async fn list_events(&self, after_seq: i64, limit: i64) -> Result<Vec<StoredEvent>, StoreError> {
        events::list_events(self, after_seq, limit).await
    }

    async fn list_users(&self, query: &UserQuery) -> Result<Vec<UserWithRole>, StoreError> {
        users::list_users(self, query).await
    }

    async fn count_users(&self, filter: &Filter) -> Result<u64, StoreError> {
        users::count_users(self, filter).await
    }

    async fn find_role_by_document_id(&self, document_id: &str) -> Result<Option<Role>, StoreError> {
        roles::find_role_by_document_id(self, document_id).await
    }

    async fn list_roles(&self) -> Result<Vec<RoleWithCount>, StoreError> {
        roles::list_roles(self).await
    }

    async fn find_api_token_by_hash(&self, access_key_hash: &str) -> Result<Option<ApiToken>, StoreError> {
        api_tokens::find_api_token_by_hash(self, access_key_hash).await
    }

    async fn find_api_token(&self, id: ApiTokenId) -> Result<Option<ApiToken>, StoreError> {
        api_tokens::find_api_token(self, id).await
    }

    async fn list_api_tokens(&self) -> Result<Vec<ApiToken>, StoreError> {
        api_tokens::list_api_tokens(self).await
    }

    async fn touch_api_token(&self, id: ApiTokenId, at: Timestamp, min_gap_ms: i64) -> Result<(), StoreError> {
        api_tokens::touch_api_token(self, id, at, min_gap_ms).await
    }

    async fn find_refresh_token(&self, token_hash: &str) -> Result<Option<RefreshTokenRecord>, StoreError> {
        sessions::find_refresh_token(self, token_hash).await
    }

    async fn list_live_sessions(&self, user: UserId, now: Timestamp) -> Result<Vec<SessionRecord>, StoreError> {
        sessions::list_live_sessions(self, user, now).await
    }

    async fn touch_session(&self, id: &SessionId, at: Timestamp, min_gap_ms: i64) -> Result<(), StoreError> {
        sessions::touch_session(self, id, at, min_gap_ms).await
    }

    async fn claim_due_mails(&self, now: Timestamp, limit: i64, lease_ms: i64) -> Result<Vec<QueuedMail>, StoreError> {
        mail::claim_due_mails(self, now, limit, lease_ms).await
    }

    async fn mark_mail_sent(&self, id: i64, at: Timestamp, redact: bool) -> Result<(), StoreError> {
        mail::mark_mail_sent(self, id, at, redact).await
    }

    async fn mark_mail_failed(&self, id: i64, error: &str, next_attempt_at: Timestamp) -> Result<(), StoreError> {
        mail::mark_mail_failed(self, id, error, next_attempt_at).await
    }

    async fn list_mails(&self, limit: i64) -> Result<Vec<QueuedMail>, StoreError> {
        mail::list_mails(self, limit).await
    }

    async fn insert_users_bulk(&self, users: &[NewUser]) -> Result<u64, StoreError> {
        users::insert_users_bulk(self, users).await
    }

    async fn has_admin(&self) -> Result<bool, StoreError> {
        admins::has_admin(self).await
    }

    async fn admin_provisioning(&self) -> Result<Vec<(AdminId, AdminProvisioning)>, StoreError> {
        admins::admin_provisioning(self).await
    }

    async fn find_admin_provisioning(&self, id: AdminId) -> Result<Option<AdminProvisioning>, StoreError> {
        admins::find_admin_provisioning(self, id).await
    }

    async fn find_admin(&self, id: AdminId, with_deleted: bool) -> Result<Option<Admin>, StoreError> {
        admins::find_admin(self, id, with_deleted).await
    }

    async fn find_admin_credentials(&self, email_folded: &str) -> Result<Option<(Admin, Option<String>)>, StoreError> {
        admins::find_admin_credentials(self, email_folded).await
    }

    async fn list_admins(&self, query: &AdminListQuery) -> Result<(Vec<Admin>, u64), StoreError> {
        admins::list_admins(self, query).await
    }

    async fn list_admin_roles(&self) -> Result<Vec<(AdminRole, u64)>, StoreError> {
        admin_roles::list_admin_roles(self).await
    }

    async fn find_admin_role(&self, id: AdminRoleId) -> Result<Option<AdminRole>, StoreError> {
        admin_roles::find_admin_role(self, id).await
    }

    async fn list_admin_role_actions(&self, id: AdminRoleId) -> Result<Vec<String>, StoreError> {
        admin_roles::list_admin_role_actions(self, id).await
    }

    async fn find_admin_session(&self, id: &SessionId) -> Result<Option<(AdminSessionRecord, Admin)>, StoreError> {
        admin_sessions::find_admin_session(self, id).await
    }

    async fn find_admin_session_by_refresh(
        &self,
        refresh_hash: &str,
    ) -> Result<Option<AdminSessionRecord>, StoreError> {
        admin_sessions::find_admin_session_by_refresh(self, refresh_hash).await
    }

    async fn find_invite_by_token(&self, token_hash: &str) -> Result<Option<(Invite, Admin)>, StoreError> {
        invites::find_invite_by_token(self, token_hash).await
    }

    async fn find_invite(&self, id: InviteId) -> Result<Option<(Invite, Admin)>, StoreError> {
        invites::find_invite(self, id).await
    }

    async fn list_invites(&self) -> Result<Vec<(Invite, Admin)>, StoreError> {
        invites::list_invites(self).await
    }

    async fn find_access_request(&self, id: AccessRequestId) -> Result<Option<AccessRequest>, StoreError> {
        access_requests::find_access_request(self, id).await
    }

    async fn list_access_requests(&self, query: &AccessRequestQuery) -> Result<(Vec<AccessRequest>, u64), StoreError> {
        access_requests::list_access_requests(self, query).await
    }

    async fn access_request_password_hash(&self, id: AccessRequestId) -> Result<Option<String>, StoreError> {
        access_requests::access_request_password_hash(self, id).await
    }

    async fn list_audit_entries(
        &self,
        filter: &gatehouse_domain::audit::AuditFilter,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<gatehouse_domain::audit::AuditEntry>, u64), StoreError> {
        audit::list_audit_entries(self, filter, offset, limit).await
    }

    async fn audit_entries_after(
        &self,
        after: i64,
        limit: u64,
    ) -> Result<Vec<gatehouse_domain::audit::AuditEntry>, StoreError> {
        audit::audit_entries_after(self, after, limit).await
    }

    async fn prune_audit_entries(&self, before: Timestamp) -> Result<u64, StoreError> {
        audit::prune_audit_entries(self, before).await
    }

    // Webhooks.

    async fn list_webhooks(&self) -> Result<Vec<Webhook>, StoreError> {
        webhooks::list_webhooks(self).await
    }

    async fn find_webhook(&self, id: WebhookId) -> Result<Option<Webhook>, StoreError> {
        webhooks::find_webhook(self, id).await
    }

    async fn fan_out_events(&self, limit: i64, now: Timestamp) -> Result<u64, StoreError> {
        webhooks::fan_out_events(self, limit, now).await
    }

    async fn insert_delivery(&self, delivery: &NewDelivery) -> Result<Delivery, StoreError> {
        webhooks::insert_delivery(self, delivery).await
    }

    async fn claim_deliveries(
        &self,
        now: Timestamp,
        lease_now: Timestamp,
        node: &str,
        limits: ClaimLimits,
    ) -> Result<Vec<Delivery>, StoreError> {
        webhooks::claim_deliveries(self, now, lease_now, node, limits).await
    }

    async fn record_delivery_attempts(
        &self,
        attempts: &[(DeliveryAttempt, AttemptOutcome)],
        now: Timestamp,
    ) -> Result<(), StoreError> {
        webhooks::record_delivery_attempts(self, attempts, now).await
    }

    async fn release_delivery(&self, id: i64) -> Result<(), StoreError> {
        webhooks::release_delivery(self, id).await
    }

    async fn find_delivery(&self, id: i64) -> Result<Option<Delivery>, StoreError> {
        webhooks::find_delivery(self, id).await
    }

    async fn resend_delivery(&self, id: i64, now: Timestamp) -> Result<Option<Delivery>, StoreError> {
        webhooks::resend_delivery(self, id, now).await
    }

    async fn list_deliveries(&self, webhook: WebhookId, limit: i64) -> Result<Vec<Delivery>, StoreError> {
        webhooks::list_deliveries(self, webhook, limit).await
    }

    async fn list_webhook_attempts(&self, webhook: WebhookId, limit: i64) -> Result<Vec<DeliveryAttempt>, StoreError> {
        webhooks::list_webhook_attempts(self, webhook, limit).await
    }

    async fn delivery_stats(&self) -> Result<DeliveryStats, StoreError> {
        webhooks::delivery_stats(self).await
    }

    async fn list_groups(&self) -> Result<Vec<Group>, StoreError> {
        groups::list_groups(self).await
    }

    async fn find_group(&self, id: GroupId) -> Result<Option<Group>, StoreError> {
        groups::find_group(self, id).await
    }

    async fn list_group_members(&self, id: GroupId) -> Result<Vec<UserId>, StoreError> {
        groups::list_group_members(self, id).await
    }

    async fn list_groups_of_users(&self, users: &[UserId]) -> Result<Vec<(UserId, Group)>, StoreError> {
        groups::list_groups_of_users(self, users).await
    }

    async fn find_pending_identity(
        &self,
        realm: &str,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<Option<gatehouse_domain::model::PendingIdentity>, StoreError> {
        crate::pending_identities::find_pending_identity(self, realm, token_hash, now).await
    }
}
