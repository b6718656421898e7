//! `impl StoreTx for SqlTx`: every write of the domain's port, delegated to the module of its
//! aggregate. Nothing but delegation lives here; the SQL is in the aggregate modules.

use crate::db::SqlTx;
use crate::{
    access_requests, admin_roles, admin_sessions, admins, api_tokens, audit, events, groups, invites, mail,
    pending_identities, roles, seeded_actions, sessions, user_tokens, users, webhooks,
};
use async_trait::async_trait;
use gatehouse_domain::events::DomainEvent;
use gatehouse_domain::ids::{
    AccessRequestId, AdminId, AdminRoleId, ApiTokenId, GroupId, InviteId, RoleId, SessionId, UserId,
};
use gatehouse_domain::model::{
    AccessRequest, AccessRequestDecision, AdminChanges, AdminProvisioning, ApiToken, Group, GroupChanges, Invite,
    NewAccessRequest, NewAdmin, NewApiToken, NewGroup, NewMail, NewPendingIdentity, NewRole, NewSession, NewUser,
    NewUserToken, PendingIdentity, Role, TokenPurpose, User, UserChanges,
};
use gatehouse_domain::ports::{StoreError, StoreTx};
use gatehouse_domain::time::Timestamp;
use gatehouse_domain::webhooks::{NewWebhook, Webhook, WebhookId};

#[async_trait]
impl StoreTx for SqlTx {
    async fn insert_user(&mut self, user: &NewUser) -> Result<User, StoreError> {
        users::insert_user(self, user).await
    }

    async fn set_user_password_hash(&mut self, id: UserId, hash: &str, now: Timestamp) -> Result<(), StoreError> {
        users::set_user_password_hash(self, id, hash, now).await
    }

    async fn set_user_last_login(&mut self, id: UserId, at: Timestamp) -> Result<(), StoreError> {
        users::set_user_last_login(self, id, at).await
    }

    async fn insert_session(&mut self, session: &NewSession) -> Result<(), StoreError> {
        sessions::insert_session(self, session).await
    }

    async fn revoke_session(&mut self, id: &SessionId, at: Timestamp, reason: &str) -> Result<bool, StoreError> {
        sessions::revoke_session(self, id, at, reason).await
    }

    async fn update_user(
        &mut self,
        id: UserId,
        changes: &UserChanges,
        now: Timestamp,
    ) -> Result<Option<User>, StoreError> {
        users::update_user(self, id, changes, now).await
    }

    async fn delete_user(&mut self, id: UserId) -> Result<Option<User>, StoreError> {
        users::delete_user(self, id).await
    }

    async fn revoke_user_sessions(
        &mut self,
        user: UserId,
        at: Timestamp,
        reason: &str,
    ) -> Result<Vec<SessionId>, StoreError> {
        sessions::revoke_user_sessions(self, user, at, reason).await
    }

    async fn insert_role(&mut self, role: &NewRole) -> Result<Role, StoreError> {
        roles::insert_role(self, role).await
    }

    async fn set_role_external_id(&mut self, id: RoleId, external_id: Option<&str>) -> Result<bool, StoreError> {
        roles::set_role_external_id(self, id, external_id).await
    }

    async fn update_role(
        &mut self,
        id: RoleId,
        name: Option<&str>,
        description: Option<&str>,
        now: Timestamp,
    ) -> Result<Option<Role>, StoreError> {
        roles::update_role(self, id, name, description, now).await
    }

    async fn seed_action(
        &mut self,
        action: &str,
        admin_realm: bool,
        default_roles: &[&str],
        now: Timestamp,
    ) -> Result<(), StoreError> {
        seeded_actions::seed_action(self, action, admin_realm, default_roles, now).await
    }

    async fn set_role_actions(&mut self, id: RoleId, actions: &[String]) -> Result<(), StoreError> {
        roles::set_role_actions(self, id, actions).await
    }

    async fn reassign_role_users(&mut self, from: RoleId, to: RoleId, now: Timestamp) -> Result<Vec<User>, StoreError> {
        roles::reassign_role_users(self, from, to, now).await
    }

    async fn delete_role(&mut self, id: RoleId) -> Result<bool, StoreError> {
        roles::delete_role(self, id).await
    }

    async fn insert_group(&mut self, group: &NewGroup) -> Result<Group, StoreError> {
        groups::insert_group(self, group).await
    }

    async fn lock_group(&mut self, id: GroupId) -> Result<Option<Group>, StoreError> {
        groups::lock_group(self, id).await
    }

    async fn lock_users(&mut self, users: &[UserId]) -> Result<Vec<(UserId, RoleId)>, StoreError> {
        groups::lock_users(self, users).await
    }

    async fn update_group(
        &mut self,
        id: GroupId,
        changes: &GroupChanges,
        now: Timestamp,
    ) -> Result<Option<Group>, StoreError> {
        groups::update_group(self, id, changes, now).await
    }

    async fn list_group_members_in_tx(&mut self, id: GroupId) -> Result<Vec<UserId>, StoreError> {
        groups::list_group_members_in_tx(self, id).await
    }

    async fn add_group_members(&mut self, id: GroupId, users: &[UserId]) -> Result<Vec<UserId>, StoreError> {
        groups::add_group_members(self, id, users).await
    }

    async fn remove_group_members(&mut self, id: GroupId, users: &[UserId]) -> Result<Vec<UserId>, StoreError> {
        groups::remove_group_members(self, id, users).await
    }

    async fn list_group_names_of_user_in_tx(&mut self, user: UserId) -> Result<Vec<String>, StoreError> {
        groups::list_group_names_of_user_in_tx(self, user).await
    }

    async fn delete_group(&mut self, id: GroupId) -> Result<bool, StoreError> {
        groups::delete_group(self, id).await
    }

    async fn insert_api_token(&mut self, token: &NewApiToken) -> Result<ApiToken, StoreError> {
        api_tokens::insert_api_token(self, token).await
    }

    async fn update_api_token(&mut self, id: ApiTokenId, token: &NewApiToken) -> Result<Option<ApiToken>, StoreError> {
        api_tokens::update_api_token(self, id, token).await
    }

    async fn set_api_token_secret(
        &mut self,
        id: ApiTokenId,
        access_key_hash: &str,
        expires_at: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<Option<ApiToken>, StoreError> {
        api_tokens::set_api_token_secret(self, id, access_key_hash, expires_at, now).await
    }

    async fn delete_api_token(&mut self, id: ApiTokenId) -> Result<Option<ApiToken>, StoreError> {
        api_tokens::delete_api_token(self, id).await
    }

    async fn insert_user_token(&mut self, token: &NewUserToken) -> Result<(), StoreError> {
        user_tokens::insert_user_token(self, token).await
    }

    async fn invalidate_user_tokens(
        &mut self,
        user: UserId,
        purpose: TokenPurpose,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        user_tokens::invalidate_user_tokens(self, user, purpose, at).await
    }

    async fn consume_user_token(
        &mut self,
        purpose: TokenPurpose,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<Option<UserId>, StoreError> {
        user_tokens::consume_user_token(self, purpose, token_hash, now).await
    }

    async fn enqueue_mail(&mut self, mail: &NewMail) -> Result<(), StoreError> {
        mail::enqueue_mail(self, mail).await?;
        self.queued_mail = true;
        Ok(())
    }

    async fn insert_refresh_token(
        &mut self,
        token_hash: &str,
        session: &SessionId,
        created_at: Timestamp,
        expires_at: Timestamp,
    ) -> Result<(), StoreError> {
        sessions::insert_refresh_token(self, token_hash, session, created_at, expires_at).await
    }

    async fn rotate_refresh_token(
        &mut self,
        token_hash: &str,
        replaced_by: &str,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        sessions::rotate_refresh_token(self, token_hash, replaced_by, at).await
    }

    async fn retire_refresh_tokens(
        &mut self,
        session: &SessionId,
        replaced_by: &str,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        sessions::retire_refresh_tokens(self, session, replaced_by, at).await
    }

    async fn extend_session(&mut self, id: &SessionId, expires_at: Timestamp, at: Timestamp) -> Result<(), StoreError> {
        sessions::extend_session(self, id, expires_at, at).await
    }

    async fn revoke_other_sessions(
        &mut self,
        user: UserId,
        keep: &SessionId,
        at: Timestamp,
        reason: &str,
    ) -> Result<Vec<SessionId>, StoreError> {
        sessions::revoke_other_sessions(self, user, keep, at, reason).await
    }

    async fn count_active_super_admins_in_tx(&mut self) -> Result<u64, StoreError> {
        admins::count_active_super_admins_in_tx(self).await
    }

    async fn claim_bootstrap(&mut self, admin: AdminId, now: Timestamp) -> Result<(), StoreError> {
        admins::claim_bootstrap(self, admin, now).await
    }

    async fn insert_admin(&mut self, admin: &NewAdmin) -> Result<AdminId, StoreError> {
        admins::insert_admin(self, admin).await
    }

    async fn set_admin_roles(&mut self, admin: AdminId, roles: &[AdminRoleId]) -> Result<(), StoreError> {
        admins::set_admin_roles(self, admin, roles).await
    }

    async fn update_admin(&mut self, id: AdminId, changes: &AdminChanges, now: Timestamp) -> Result<bool, StoreError> {
        admins::update_admin(self, id, changes, now).await
    }

    async fn set_admin_deleted(
        &mut self,
        id: AdminId,
        deleted_at: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        admins::set_admin_deleted(self, id, deleted_at, now).await
    }

    async fn set_admin_provisioning(
        &mut self,
        id: AdminId,
        username: Option<(&str, &str)>,
        provisioning: &AdminProvisioning,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        admins::set_admin_provisioning(self, id, username, provisioning, now).await
    }

    async fn purge_admin(&mut self, id: AdminId) -> Result<bool, StoreError> {
        admins::purge_admin(self, id).await
    }

    async fn insert_admin_session(
        &mut self,
        id: &SessionId,
        admin: AdminId,
        refresh_hash: &str,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<(), StoreError> {
        admin_sessions::insert_admin_session(self, id, admin, refresh_hash, now, expires_at).await
    }

    async fn revoke_admin_session(&mut self, id: &SessionId, at: Timestamp, reason: &str) -> Result<bool, StoreError> {
        admin_sessions::revoke_admin_session(self, id, at, reason).await
    }

    async fn revoke_admin_sessions(
        &mut self,
        admin: AdminId,
        at: Timestamp,
        reason: &str,
    ) -> Result<Vec<SessionId>, StoreError> {
        admin_sessions::revoke_admin_sessions(self, admin, at, reason).await
    }

    async fn insert_invite(
        &mut self,
        admin: AdminId,
        token_hash: &str,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<InviteId, StoreError> {
        invites::insert_invite(self, admin, token_hash, now, expires_at).await
    }

    async fn insert_pending_identity(&mut self, identity: &NewPendingIdentity) -> Result<(), StoreError> {
        pending_identities::insert_pending_identity(self, identity).await
    }

    async fn take_pending_identity(
        &mut self,
        realm: &str,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<Option<PendingIdentity>, StoreError> {
        pending_identities::take_pending_identity(self, realm, token_hash, now).await
    }

    async fn sweep_pending_identities(&mut self, now: Timestamp) -> Result<u64, StoreError> {
        pending_identities::sweep_pending_identities(self, now).await
    }

    async fn set_invite_metadata(
        &mut self,
        id: InviteId,
        metadata: Option<&serde_json::Value>,
    ) -> Result<bool, StoreError> {
        invites::set_invite_metadata(self, id, metadata).await
    }

    async fn reissue_invite(
        &mut self,
        id: InviteId,
        token_hash: &str,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<bool, StoreError> {
        invites::reissue_invite(self, id, token_hash, now, expires_at).await
    }

    async fn revoke_invite(&mut self, id: InviteId, now: Timestamp) -> Result<bool, StoreError> {
        invites::revoke_invite(self, id, now).await
    }

    async fn accept_invite(&mut self, token_hash: &str, now: Timestamp) -> Result<Option<Invite>, StoreError> {
        invites::accept_invite(self, token_hash, now).await
    }

    async fn expire_access_request(&mut self, email_folded: &str, now: Timestamp) -> Result<(), StoreError> {
        access_requests::expire_access_request(self, email_folded, now).await
    }

    async fn insert_access_request(
        &mut self,
        request: &NewAccessRequest,
    ) -> Result<Option<AccessRequestId>, StoreError> {
        access_requests::insert_access_request(self, request).await
    }

    async fn confirm_access_request(
        &mut self,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<Option<AccessRequest>, StoreError> {
        access_requests::confirm_access_request(self, token_hash, now).await
    }

    async fn decide_access_request(
        &mut self,
        id: AccessRequestId,
        decision: &AccessRequestDecision,
    ) -> Result<bool, StoreError> {
        access_requests::decide_access_request(self, id, decision).await
    }

    async fn insert_admin_role(
        &mut self,
        name: &str,
        code: &str,
        description: &str,
        now: Timestamp,
    ) -> Result<AdminRoleId, StoreError> {
        admin_roles::insert_admin_role(self, name, code, description, now).await
    }

    async fn set_admin_role_actions(&mut self, id: AdminRoleId, actions: &[String]) -> Result<(), StoreError> {
        admin_roles::set_admin_role_actions(self, id, actions).await
    }

    async fn rename_admin_role(
        &mut self,
        id: AdminRoleId,
        name: &str,
        external_id: Option<&str>,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        admin_roles::rename_admin_role(self, id, name, external_id, now).await
    }

    async fn delete_admin_role(&mut self, id: AdminRoleId) -> Result<bool, StoreError> {
        admin_roles::delete_admin_role(self, id).await
    }

    async fn insert_event(&mut self, event: &DomainEvent) -> Result<(), StoreError> {
        events::insert_event(self, event).await?;
        self.recorded_events = true;
        Ok(())
    }

    async fn insert_audit_entry(&mut self, entry: &gatehouse_domain::audit::NewAuditEntry) -> Result<(), StoreError> {
        audit::insert_audit_entry(self, entry).await
    }

    async fn insert_webhook(&mut self, webhook: &NewWebhook) -> Result<Webhook, StoreError> {
        webhooks::insert_webhook(self, webhook).await
    }

    async fn update_webhook(&mut self, id: WebhookId, webhook: &NewWebhook) -> Result<Option<Webhook>, StoreError> {
        webhooks::update_webhook(self, id, webhook).await
    }

    async fn delete_webhook(&mut self, id: WebhookId) -> Result<Option<Webhook>, StoreError> {
        webhooks::delete_webhook(self, id).await
    }

    async fn commit(self: Box<Self>) -> Result<(), StoreError> {
        self.commit_tx().await
    }
}
