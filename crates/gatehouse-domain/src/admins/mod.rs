//! The admin realm: first-admin registration, login with a refresh cookie, admin RBAC, admin
//! users (soft delete, restore, purge), invites with expiry, and the CLI's admin creation.
//!
//! An admin is created whole, in one transaction, whichever way — first registration, invite
//! acceptance or the CLI — so there is never a half-made admin that cannot log in. Admin
//! tokens carry their own audience and secret; admin requests always re-read the session (admin
//! traffic is small), so blocking, deactivating or deleting an admin ends its sessions at once.
//!
//! Invites are in `invites`, admin roles in `roles`.

use crate::action::{Action, ActionRealm};
use crate::audit::{emit, emit_provisioning, Origin};
use crate::caller::{Caller, Grants, Principal, RequestContext};
use crate::crypto::jwt::ClaimStyle;
use crate::crypto::token::{constant_time_eq, new_document_id, random_hex, sha256_hex};
use crate::error::{DomainError, FieldError, FieldErrors, Rule};
use crate::events::{Actor, EventType};
use crate::ids::{AdminId, AdminRoleId, InviteId, SessionId, UserId};
use crate::model::{
    Admin, AdminChanges, AdminListQuery, AdminRole, Invite, MailKind, NewAdmin, NewMail, NewPendingIdentity,
    PendingIdentity, SessionRecord,
};
use crate::payloads;
use crate::ports::{StoreError, StoreTx};
use crate::secret::Secret;
use crate::service::Domain;
use crate::time::Timestamp;
use crate::values::{fold, identifier_key, Email, Password};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

mod invites;
mod roles;

pub use invites::{InviteInput, IssuedInvite};

/// An admin session's life without "remember me" (as Strapi).
pub const ADMIN_SESSION_TTL: Duration = Duration::from_secs(2 * 3600);
/// An admin session's life with "remember me" (as Strapi).
pub const ADMIN_REMEMBERED_TTL: Duration = Duration::from_secs(14 * 24 * 3600);
/// The realm of the registered identities that become admins.
pub(crate) const PENDING_ADMIN: &str = "admin";
/// The realm of the registered identities that become end users (customers).
pub(crate) const PENDING_END_USER: &str = "api";
/// The largest invite metadata, serialized.
pub const INVITE_METADATA_MAX_BYTES: usize = 16 * 1024;
/// How long a registered identity waits for the invite acceptance that makes it an admin.
pub const REGISTRATION_TTL: Duration = Duration::from_secs(24 * 3600);

/// A logged-in admin: the JWT and the refresh cookie of its new session.
#[derive(Clone, Debug)]
pub struct AdminLogin {
    /// The admin.
    pub admin: Admin,
    /// The admin access JWT.
    pub jwt: Secret,
    /// The refresh cookie's value (shown once).
    pub refresh: Secret,
    /// When the refresh cookie (the session) ends.
    pub refresh_expires_at: Timestamp,
}

/// Profile fields an admin gives when registering or accepting an invite.
#[derive(Clone, Debug, Default)]
pub struct AdminProfile {
    /// First name.
    pub firstname: String,
    /// Last name.
    pub lastname: Option<String>,
    /// Password in clear.
    pub password: Secret,
}

/// A partial admin update.
#[derive(Clone, Debug, Default)]
pub struct AdminPatch {
    /// New first name.
    pub firstname: Option<String>,
    /// New last name.
    pub lastname: Option<String>,
    /// New email.
    pub email: Option<String>,
    /// New roles (not for oneself).
    pub roles: Option<Vec<i64>>,
    /// Activate or deactivate.
    pub is_active: Option<bool>,
    /// Block or unblock.
    pub blocked: Option<bool>,
    /// New password.
    pub password: Option<Secret>,
    /// The current password (required to change one's own password).
    pub current_password: Option<Secret>,
}

/// Checks Strapi's admin password rules: at least 8 characters with a lower-case letter, an
/// upper-case letter and a digit (and at most 1024 bytes).
pub fn admin_password(raw: &str, field: &str) -> Result<Password, DomainError> {
    let mut errors = FieldErrors::default();
    let path = |message: String| FieldError::new(field, message).with_value(json!(raw));
    if raw.chars().count() < 8 {
        errors.push(path(format!("{field} must be at least 8 characters")));
    }
    if raw.len() > Password::MAX_BYTES {
        errors.push(path(format!("{field} must be at most {} bytes", Password::MAX_BYTES)));
    }
    if !raw.chars().any(char::is_lowercase) {
        errors.push(path(format!("{field} must contain at least one lowercase character")));
    }
    if !raw.chars().any(char::is_uppercase) {
        errors.push(path(format!("{field} must contain at least one uppercase character")));
    }
    if !raw.chars().any(|c| c.is_ascii_digit()) {
        errors.push(path(format!("{field} must contain at least one number")));
    }
    for error in &mut errors.0 {
        error.value = None;
    }
    errors.into_result()?;
    Password::parse(raw, 8)
        .map_err(|_| DomainError::Validation(FieldErrors(vec![FieldError::new(field, "invalid password")])))
}

/// Every active admin has a first name (first registration and the CLI alike).
pub(crate) fn required_firstname(profile: &AdminProfile) -> Result<(), DomainError> {
    if profile.firstname.trim().is_empty() {
        return Err(DomainError::Validation(FieldErrors(vec![FieldError::new(
            "firstname",
            "firstname is a required field",
        )])));
    }
    Ok(())
}

pub(crate) fn email_of(raw: &str) -> Result<Email, DomainError> {
    Email::parse(raw).ok_or_else(|| {
        DomainError::Validation(FieldErrors(vec![
            FieldError::new("email", "email must be a valid email").with_value(json!(raw))
        ]))
    })
}

pub(crate) fn not_found() -> DomainError {
    DomainError::NotFound("User not found")
}

impl Domain {
    /// Whether an admin exists (`GET /admin/init`).
    pub async fn has_admin(&self) -> Result<bool, DomainError> {
        Ok(self.store.has_admin().await?)
    }

    /// This installation's id: a random UUID (version 4) made on first use and kept in the
    /// database, so every node and every restart answers the same one.
    pub async fn instance_id(&self) -> Result<String, DomainError> {
        if let Some(id) = self.instance_id.get() {
            return Ok(id.clone());
        }
        let mut hex = crate::crypto::token::random_hex(16).into_bytes();
        // Version 4, RFC 4122 variant.
        hex[12] = b'4';
        hex[16] = [b'8', b'9', b'a', b'b'][usize::from(hex[16]) % 4];
        let hex = String::from_utf8_lossy(&hex).into_owned();
        let candidate = format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32]);
        let id = self.store.secret("instance.id", &candidate, self.clock.now()).await?;
        Ok(self.instance_id.get_or_init(|| id).clone())
    }

    /// The grants of an admin: every admin action for a Super Admin, else its roles' actions;
    /// always its own profile.
    async fn admin_grants(&self, admin: &Admin) -> Result<Grants, DomainError> {
        if admin.is_super_admin() {
            return Ok(Grants::from_actions(self.actions.admin_grantable().chain(self.actions.admin_implicit())));
        }
        let mut actions: Vec<Action> = self.actions.admin_implicit().collect();
        for role in &admin.roles {
            let names = self.store.list_admin_role_actions(role.id).await?;
            actions.extend(self.actions.known(names).filter(|action| action.is_admin()));
        }
        Ok(Grants::from_actions(actions))
    }

    /// The caller presenting an admin JWT. End-user JWTs and API tokens are refused: the realms
    /// never mix.
    pub async fn authenticate_admin_bearer(&self, token: &str) -> Result<Caller, DomainError> {
        let now = self.clock.now();
        let verified = self.admin_jwt.verify(token, ClaimStyle::Access, now)?;
        let (session, admin) =
            self.store.find_admin_session(&verified.session).await?.ok_or(DomainError::Unauthorized)?;
        let usable = admin.is_active && !admin.blocked && admin.deleted_at.is_none();
        if session.admin_id.0 != verified.subject
            || session.revoked_at.is_some()
            || now >= session.expires_at
            || !usable
        {
            return Err(DomainError::Unauthorized);
        }
        let grants = Arc::new(self.admin_grants(&admin).await?);
        Ok(Caller::new(Principal::Admin { admin: Arc::new(admin), session: verified.session }, grants))
    }

    async fn open_admin_session(
        &self,
        tx: &mut dyn StoreTx,
        origin: &Origin,
        admin: AdminId,
        remember: bool,
    ) -> Result<(String, String, Timestamp), DomainError> {
        let now = self.clock.now();
        let session = SessionId(random_hex(16));
        let refresh = random_hex(32);
        let expires_at = now.plus(if remember { ADMIN_REMEMBERED_TTL } else { ADMIN_SESSION_TTL });
        tx.insert_admin_session(&session, admin, &sha256_hex(&refresh), now, expires_at).await?;
        let data = json!({"adminId": admin.0, "sessionId": session.0});
        emit(tx, origin, EventType::AdminLoggedIn, now, data).await?;
        let jwt = self.admin_jwt.issue(ClaimStyle::Access, admin.0, &session, now, self.settings.admin_jwt_ttl)?;
        Ok((jwt, refresh, expires_at))
    }

    pub(crate) async fn load_admin(&self, id: AdminId) -> Result<Admin, DomainError> {
        self.store.find_admin(id, true).await?.ok_or_else(not_found)
    }

    pub(crate) async fn resolve_admin_roles(&self, ids: &[i64]) -> Result<Vec<AdminRoleId>, DomainError> {
        let invalid = || {
            DomainError::Validation(FieldErrors(vec![FieldError::new(
                "roles",
                "roles must name at least one existing role",
            )]))
        };
        if ids.is_empty() {
            return Err(invalid());
        }
        let mut roles = Vec::new();
        for id in ids {
            let role = self.store.find_admin_role(AdminRoleId(*id)).await?.ok_or_else(invalid)?;
            roles.push(role.id);
        }
        roles.sort();
        roles.dedup();
        Ok(roles)
    }

    /// The admin role with this code (`strapi-author`) or short name (`author`); a 400 naming
    /// the code when there is none.
    pub async fn role_id_by_code(&self, code: &str) -> Result<AdminRoleId, DomainError> {
        let roles = self.store.list_admin_roles().await?;
        roles
            .into_iter()
            .find(|(role, _)| role.code == code || role.code == format!("strapi-{code}"))
            .map(|(role, _)| role.id)
            .ok_or_else(|| {
                DomainError::Validation(FieldErrors(vec![FieldError::new("role", format!("no admin role {code:?}"))]))
            })
    }

    /// Creates an active admin in one transaction (first registration and the CLI).
    async fn create_active_admin(
        &self,
        tx: &mut dyn StoreTx,
        email: &Email,
        profile: &AdminProfile,
        password: &Password,
        roles: &[AdminRoleId],
        origin: &Origin,
    ) -> Result<AdminId, DomainError> {
        let hash = self.hasher.hash(password).await?;
        let now = self.clock.now();
        let id = tx
            .insert_admin(&NewAdmin {
                document_id: new_document_id(),
                firstname: profile.firstname.trim().to_owned(),
                lastname: profile.lastname.clone(),
                email: email.as_str().to_owned(),
                email_folded: email.folded(),
                password_hash: Some(hash),
                is_active: true,
                now,
            })
            .await?;
        tx.set_admin_roles(id, roles).await?;
        let data =
            json!({"id": id.0, "email": email.as_str(), "roles": roles.iter().map(|role| role.0).collect::<Vec<_>>()});
        // Registering oneself (anonymous until now): the new admin is the actor.
        let origin = match origin.actor {
            Actor::Anonymous => origin.as_actor(Actor::Admin(id), Some(email.as_str().to_owned())),
            _ => origin.clone(),
        };
        emit(tx, &origin, EventType::AdminCreated, now, data).await?;
        Ok(id)
    }

    /// Registers the first admin (Super Admin) and logs it in; only while no admin exists.
    pub async fn register_first_admin(
        &self,
        context: &RequestContext,
        email: &str,
        profile: AdminProfile,
    ) -> Result<AdminLogin, DomainError> {
        let context = Arc::new(context.clone());
        if self.store.has_admin().await? {
            return Err(DomainError::Rule(Rule::AdminExists));
        }
        let email = email_of(email)?;
        let password = admin_password(profile.password.expose(), "password")?;
        required_firstname(&profile)?;
        let super_admin = self.role_id_by_code(AdminRole::SUPER_ADMIN).await?;
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let anonymous = Origin::new(Actor::Anonymous, None, context.clone());
        let id = self.create_active_admin(tx.as_mut(), &email, &profile, &password, &[super_admin], &anonymous).await?;
        match tx.claim_bootstrap(id, now).await {
            Err(StoreError::Conflict(_)) => return Err(DomainError::Rule(Rule::AdminExists)),
            other => other?,
        }
        let origin = Origin::new(Actor::Admin(id), Some(email.as_str().to_owned()), context);
        let admin = self.admin_in_tx_after_commit(tx, &origin, id, true).await?;
        Ok(admin)
    }

    /// Opens a session for admin `id` inside `tx`, commits, and answers with the admin as stored.
    async fn admin_in_tx_after_commit(
        &self,
        mut tx: Box<dyn StoreTx>,
        origin: &Origin,
        id: AdminId,
        remember: bool,
    ) -> Result<AdminLogin, DomainError> {
        let (jwt, refresh, refresh_expires_at) = self.open_admin_session(tx.as_mut(), origin, id, remember).await?;
        tx.commit().await?;
        let admin = self.load_admin(id).await?;
        Ok(AdminLogin { admin, jwt: jwt.into(), refresh: refresh.into(), refresh_expires_at })
    }

    /// Logs an admin in. Unknown email, wrong password, and inactive, blocked or deleted admins
    /// all get the same "Invalid credentials" after the same work.
    /// A refused login is kept in the audit log (outcome `failure`, the email hashed).
    pub async fn admin_login(
        &self,
        context: &RequestContext,
        email: &str,
        password: &str,
        remember: bool,
    ) -> Result<AdminLogin, DomainError> {
        let context = Arc::new(context.clone());
        if email.trim().is_empty() || password.is_empty() {
            return Err(DomainError::Rule(Rule::AdminMissingCredentials));
        }
        let key = identifier_key(email).unwrap_or_default();
        let found = self.store.find_admin_credentials(&key).await?;
        let verified = match &found {
            Some((_, Some(hash))) => self.hasher.verify(password, hash).await?,
            _ => self.hasher.verify_dummy(password).await?,
        };
        let admin = match found {
            Some((admin, _)) if verified && admin.is_active && !admin.blocked && admin.deleted_at.is_none() => admin,
            _ => {
                self.audit_failed_admin_login(&context, sha256_hex(&key)).await?;
                return Err(DomainError::Rule(Rule::AdminInvalidCredentials));
            }
        };
        let tx = self.store.begin().await?;
        let origin = Origin::new(Actor::Admin(admin.id), Some(admin.email.clone()), context);
        self.admin_in_tx_after_commit(tx, &origin, admin.id, remember).await
    }

    /// A new admin JWT from the refresh cookie of a live session; the cookie rotates.
    pub async fn admin_access_token(&self, refresh: &str) -> Result<(String, AdminLogin), DomainError> {
        let now = self.clock.now();
        let session =
            self.store.find_admin_session_by_refresh(&sha256_hex(refresh)).await?.ok_or(DomainError::Unauthorized)?;
        if session.revoked_at.is_some() || now >= session.expires_at {
            return Err(DomainError::Unauthorized);
        }
        let admin = self.load_admin(session.admin_id).await?;
        if !admin.is_active || admin.blocked || admin.deleted_at.is_some() {
            return Err(DomainError::Unauthorized);
        }
        let jwt =
            self.admin_jwt.issue(ClaimStyle::Access, admin.id.0, &session.id, now, self.settings.admin_jwt_ttl)?;
        let login = AdminLogin {
            admin,
            jwt: jwt.clone().into(),
            refresh: refresh.into(),
            refresh_expires_at: session.expires_at,
        };
        Ok((jwt, login))
    }

    /// Ends the calling admin session (its JWT and refresh cookie die at once).
    pub async fn admin_logout(&self, caller: &Caller) -> Result<(), DomainError> {
        let (admin, session) = caller.admin()?;
        let mut tx = self.store.begin().await?;
        tx.revoke_admin_session(session, self.clock.now(), "logout").await?;
        let data =
            json!({"subject": {"realm": "admin", "id": admin.id.0}, "sessions": [session.0], "reason": "logout"});
        emit(tx.as_mut(), &caller.origin(), EventType::SessionRevoked, self.clock.now(), data).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The calling admin, fresh from the store.
    pub async fn admin_me(&self, caller: &Caller) -> Result<Admin, DomainError> {
        let (admin, _) = caller.admin()?;
        self.load_admin(admin.id).await
    }

    /// A page of admins (soft-deleted ones only with `with_deleted`).
    pub async fn list_admins(&self, caller: &Caller, query: &AdminListQuery) -> Result<(Vec<Admin>, u64), DomainError> {
        caller.authorize(Action::ADMIN_USERS_READ)?;
        Ok(self.store.list_admins(query).await?)
    }

    /// One admin (soft-deleted ones only with `with_deleted`).
    pub async fn find_admin(&self, caller: &Caller, id: AdminId, with_deleted: bool) -> Result<Admin, DomainError> {
        caller.authorize(Action::ADMIN_USERS_READ)?;
        self.store.find_admin(id, with_deleted).await?.ok_or_else(not_found)
    }

    /// A new admin JWT for the calling admin's live session (the session is not extended).
    pub fn reissue_admin_token(&self, caller: &Caller) -> Result<Secret, DomainError> {
        let (admin, session) = caller.admin()?;
        let jwt = self.admin_jwt.issue(
            ClaimStyle::Access,
            admin.id.0,
            session,
            self.clock.now(),
            self.settings.admin_jwt_ttl,
        )?;
        Ok(jwt.into())
    }

    /// Refuses a change that would leave no active super admin (checked inside the transaction,
    /// so two concurrent demotions cannot both pass).
    pub(crate) async fn keep_a_super_admin(&self, tx: &mut dyn StoreTx) -> Result<(), DomainError> {
        if tx.count_active_super_admins_in_tx().await? == 0 {
            return Err(DomainError::Rule(Rule::LastSuperAdmin));
        }
        Ok(())
    }

    /// Changes an admin. Blocking or deactivating ends its sessions; an admin cannot change its
    /// own roles; the last active super admin can be neither blocked, deactivated nor demoted.
    /// Changing one's own password needs the current one. Events: `admin.updated`
    /// (then `session.revoked`).
    pub async fn update_admin(&self, caller: &Caller, id: AdminId, patch: AdminPatch) -> Result<Admin, DomainError> {
        let (me, _) = caller.admin()?;
        let target = self.store.find_admin(id, false).await?.ok_or_else(not_found)?;
        let myself = me.id == id;
        if myself && patch.roles.is_some() {
            let mut wanted = patch.roles.clone().unwrap_or_default();
            wanted.sort_unstable();
            let mut held: Vec<i64> = target.roles.iter().map(|role| role.id.0).collect();
            held.sort_unstable();
            if wanted != held {
                return Err(DomainError::Rule(Rule::OwnRoles));
            }
        }
        let mut changes = AdminChanges {
            firstname: patch.firstname.clone().map(|name| name.trim().to_owned()),
            lastname: patch.lastname.clone(),
            is_active: patch.is_active,
            blocked: patch.blocked,
            ..AdminChanges::default()
        };
        if let Some(raw) = &patch.email {
            let email = email_of(raw)?;
            changes.email = Some((email.as_str().to_owned(), email.folded()));
        }
        if let Some(raw) = &patch.password {
            let password = admin_password(raw.expose(), "password")?;
            if myself {
                let current = patch.current_password.as_ref().map(Secret::expose).unwrap_or_default();
                let stored = self.store.find_admin_credentials(&fold(&target.email)).await?.and_then(|(_, hash)| hash);
                let ok = match &stored {
                    Some(hash) => self.hasher.verify(current, hash).await?,
                    None => false,
                };
                if !ok {
                    return Err(DomainError::Validation(FieldErrors(vec![FieldError::new(
                        "current_password",
                        "The provided current password is invalid",
                    )])));
                }
            }
            changes.password_hash = Some(self.hasher.hash(&password).await?);
        }
        let roles = match &patch.roles {
            Some(ids) if !myself => Some(self.resolve_admin_roles(ids).await?),
            _ => None,
        };
        let now = self.clock.now();
        let origin = caller.origin();
        let mut tx = self.store.begin().await?;
        if !tx.update_admin(id, &changes, now).await? {
            return Err(not_found());
        }
        if let Some(roles) = &roles {
            tx.set_admin_roles(id, roles).await?;
        }
        self.keep_a_super_admin(tx.as_mut()).await?;
        let ends_sessions = patch.blocked == Some(true)
            || patch.is_active == Some(false)
            || (changes.password_hash.is_some() && !myself);
        let mut changed: Vec<&str> = Vec::new();
        for (name, present) in [
            ("firstname", changes.firstname.is_some()),
            ("lastname", changes.lastname.is_some()),
            ("email", changes.email.is_some()),
            ("password", changes.password_hash.is_some()),
            ("roles", roles.is_some()),
            ("isActive", changes.is_active.is_some()),
            ("blocked", changes.blocked.is_some()),
        ] {
            if present {
                changed.push(name);
            }
        }
        emit(tx.as_mut(), &origin, EventType::AdminUpdated, now, json!({"id": id.0, "changes": changed})).await?;
        if ends_sessions {
            self.end_admin_sessions(tx.as_mut(), id, "admin_updated", &origin).await?;
        }
        tx.commit().await?;
        self.load_admin(id).await
    }

    pub(crate) async fn end_admin_sessions(
        &self,
        tx: &mut dyn StoreTx,
        id: AdminId,
        reason: &str,
        origin: &Origin,
    ) -> Result<(), DomainError> {
        let now = self.clock.now();
        let ended = tx.revoke_admin_sessions(id, now, reason).await?;
        if !ended.is_empty() {
            let ids: Vec<&str> = ended.iter().map(|session| session.0.as_str()).collect();
            let data = json!({"subject": {"realm": "admin", "id": id.0}, "sessions": ids, "reason": reason});
            emit(tx, origin, EventType::SessionRevoked, now, data).await?;
        }
        Ok(())
    }

    /// Soft-deletes an admin: hidden, cannot log in, sessions ended, email kept reserved.
    /// Events: `admin.deleted`.
    pub async fn soft_delete_admin(&self, caller: &Caller, id: AdminId) -> Result<Admin, DomainError> {
        self.soft_delete_admins(caller, &[id]).await?.into_iter().next().ok_or_else(not_found)
    }

    /// Soft-deletes several admins in one transaction: all of them, or none (an unknown id or
    /// the last super admin refuses the whole batch). Events: `admin.deleted` for each.
    pub async fn soft_delete_admins(&self, caller: &Caller, ids: &[AdminId]) -> Result<Vec<Admin>, DomainError> {
        caller.authorize(Action::ADMIN_USERS_DELETE)?;
        let mut unique: Vec<AdminId> = Vec::with_capacity(ids.len());
        for id in ids {
            if !unique.contains(id) {
                unique.push(*id);
            }
        }
        let origin = caller.origin();
        let mut admins = Vec::with_capacity(unique.len());
        for id in &unique {
            let admin = self.store.find_admin(*id, false).await?.ok_or_else(not_found)?;
            // The provider's id, for the provisioning event of a provider's delete.
            let external_id = match origin.provisioning {
                true => self.store.find_admin_provisioning(*id).await?.and_then(|kept| kept.external_id),
                false => None,
            };
            admins.push((admin, external_id));
        }
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        for (admin, external_id) in &admins {
            tx.set_admin_deleted(admin.id, Some(now), now).await?;
            self.end_admin_sessions(tx.as_mut(), admin.id, "admin_deleted", &origin).await?;
            emit(tx.as_mut(), &origin, EventType::AdminDeleted, now, payloads::admin(admin)).await?;
            let data = payloads::provisioned("admin", admin.id.0, external_id.as_deref(), Some("deleted"));
            emit_provisioning(tx.as_mut(), &origin, EventType::ScimUserDeprovisioned, now, data).await?;
        }
        // Only removing a super admin can remove the last one (an installation provisioned
        // over SCIM may have none yet).
        if admins.iter().any(|(admin, _)| admin.is_super_admin()) {
            self.keep_a_super_admin(tx.as_mut()).await?;
        }
        tx.commit().await?;
        let mut deleted = Vec::with_capacity(unique.len());
        for id in unique {
            deleted.push(self.load_admin(id).await?);
        }
        Ok(deleted)
    }

    /// Brings a soft-deleted admin back whole, with its roles (its sessions stay ended).
    /// Events: `admin.restored`.
    pub async fn restore_admin(&self, caller: &Caller, id: AdminId) -> Result<Admin, DomainError> {
        let admin = self.load_admin(id).await?;
        if admin.deleted_at.is_none() {
            return Ok(admin);
        }
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        tx.set_admin_deleted(id, None, now).await?;
        emit(tx.as_mut(), &caller.origin(), EventType::AdminRestored, now, payloads::admin(&admin)).await?;
        tx.commit().await?;
        self.load_admin(id).await
    }

    /// Removes a soft-deleted admin for good, freeing its email; needs `admin::users.purge`
    /// (Super Admin by default). Events: `admin.deleted`.
    pub async fn purge_admin(&self, caller: &Caller, id: AdminId) -> Result<Admin, DomainError> {
        caller.authorize(Action::ADMIN_USERS_PURGE)?;
        let admin = self.load_admin(id).await?;
        if admin.deleted_at.is_none() {
            return Err(DomainError::Validation(FieldErrors(vec![FieldError::new(
                "id",
                "only a soft-deleted admin can be purged",
            )])));
        }
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        tx.purge_admin(id).await?;
        emit(tx.as_mut(), &caller.origin(), EventType::AdminDeleted, now, json!({"id": id.0, "purged": true})).await?;
        tx.commit().await?;
        Ok(admin)
    }

    /// The CLI's "create an admin": active at once, with a role code (`strapi-super-admin`) or its
    /// short name (`super-admin`, `editor`, `author`).
    pub async fn create_admin_by_cli(
        &self,
        email: &str,
        profile: AdminProfile,
        role: &str,
    ) -> Result<Admin, DomainError> {
        let email = email_of(email)?;
        let password = admin_password(profile.password.expose(), "password")?;
        required_firstname(&profile)?;
        let role = self.role_id_by_code(role).await?;
        // The first admin made by the CLI also claims the installation. Only the first tries:
        // a refused insert would abort the whole transaction on PostgreSQL.
        let first = !self.store.has_admin().await?;
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let id = self.create_active_admin(tx.as_mut(), &email, &profile, &password, &[role], &cli_origin()).await?;
        if first {
            match tx.claim_bootstrap(id, now).await {
                // Another first admin was created meanwhile: this transaction is spoilt, try again.
                Err(StoreError::Conflict(_)) => return Err(DomainError::Unavailable { retry_after_secs: 1 }),
                other => other?,
            }
        }
        tx.commit().await?;
        self.load_admin(id).await
    }

    /// The CLI's "reset an admin's password": sets it and ends the admin's sessions.
    pub async fn reset_admin_password_by_cli(&self, email: &str, password: &str) -> Result<Admin, DomainError> {
        let password = admin_password(password, "password")?;
        let (admin, _) = self
            .store
            .find_admin_credentials(&identifier_key(email).unwrap_or_default())
            .await?
            .ok_or_else(not_found)?;
        let hash = self.hasher.hash(&password).await?;
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let changes = AdminChanges { password_hash: Some(hash), ..AdminChanges::default() };
        tx.update_admin(admin.id, &changes, now).await?;
        emit(
            tx.as_mut(),
            &cli_origin(),
            EventType::AdminUpdated,
            now,
            json!({"id": admin.id.0, "changes": ["password"]}),
        )
        .await?;
        self.end_admin_sessions(tx.as_mut(), admin.id, "password_reset", &cli_origin()).await?;
        tx.commit().await?;
        self.load_admin(admin.id).await
    }

    /// Starts an admin's password reset: when the email names an admin that can log in, mails
    /// a reset token (valid `auth.reset_code_ttl`) bound to the current password, so that it
    /// works once. Callers answer the same whether or not such an admin exists.
    pub async fn request_admin_password_reset(&self, email: &str) -> Result<(), DomainError> {
        let key = identifier_key(email).unwrap_or_default();
        let Some((admin, Some(hash))) = self.store.find_admin_credentials(&key).await? else {
            return Ok(());
        };
        if !admin.is_active || admin.blocked || admin.deleted_at.is_some() {
            return Ok(());
        }
        let now = self.clock.now();
        let ttl = self.settings.reset_code_ttl;
        let token = self.admin_jwt.issue_password_reset(admin.id.0, &sha256_hex(&hash), now, ttl)?;
        let base = &self.settings.admin_reset_password_url;
        let separator = if base.contains('?') { '&' } else { '?' };
        let url = url_with_query(base, separator, &[("token", &token), ("email", &admin.email)]);
        let variables = json!({
            "user": {"username": admin.firstname, "email": admin.email},
            "url": url,
            "expires_at": now.plus(ttl),
        });
        let mut tx = self.store.begin().await?;
        tx.enqueue_mail(&NewMail { kind: MailKind::ResetPassword, recipient: admin.email.clone(), variables, now })
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets an admin's password with a mailed reset token and ends every session of the admin.
    /// A wrong, expired or used token (the password it was issued against has changed), or an
    /// admin that can no longer log in, is [`Rule::IncorrectResetCode`].
    /// Events: `admin.updated` (changes `password`), `session.revoked`.
    pub async fn reset_admin_password(
        &self,
        context: &RequestContext,
        token: &str,
        password: &str,
    ) -> Result<Admin, DomainError> {
        let incorrect = || DomainError::Rule(Rule::IncorrectResetCode);
        let grant = self.admin_jwt.verify_password_reset(token, self.clock.now()).map_err(|_| incorrect())?;
        let password = admin_password(password, "password")?;
        let admin = self.store.find_admin(AdminId(grant.subject), false).await?.ok_or_else(incorrect)?;
        let Some((current, Some(hash))) = self.store.find_admin_credentials(&fold(&admin.email)).await? else {
            return Err(incorrect());
        };
        let fresh = constant_time_eq(sha256_hex(&hash).as_bytes(), grant.fingerprint.as_bytes());
        if !fresh || current.id != admin.id || !current.is_active || current.blocked || current.deleted_at.is_some() {
            return Err(incorrect());
        }
        let new_hash = self.hasher.hash(&password).await?;
        let now = self.clock.now();
        let origin = Origin::new(Actor::Admin(admin.id), Some(admin.email.clone()), Arc::new(context.clone()));
        let mut tx = self.store.begin().await?;
        let changes = AdminChanges { password_hash: Some(new_hash), ..AdminChanges::default() };
        tx.update_admin(admin.id, &changes, now).await?;
        emit(tx.as_mut(), &origin, EventType::AdminUpdated, now, json!({"id": admin.id.0, "changes": ["password"]}))
            .await?;
        self.end_admin_sessions(tx.as_mut(), admin.id, "password_reset", &origin).await?;
        tx.commit().await?;
        self.load_admin(admin.id).await
    }

    /// An end user's live sessions, for an admin.
    pub async fn end_user_sessions(&self, caller: &Caller, user: UserId) -> Result<Vec<SessionRecord>, DomainError> {
        caller.authorize(Action::END_USER_SESSIONS_READ)?;
        self.store.find_user(user).await?.ok_or(DomainError::NotFound("User not found"))?;
        Ok(self.store.list_live_sessions(user, self.clock.now()).await?)
    }

    /// Ends every session of an end user, at once. Events: `session.revoked`.
    pub async fn revoke_end_user_sessions(&self, caller: &Caller, user: UserId) -> Result<usize, DomainError> {
        self.store.find_user(user).await?.ok_or(DomainError::NotFound("User not found"))?;
        let mut tx = self.store.begin().await?;
        let ended = self.revoke_all_sessions_in(tx.as_mut(), user, "admin_revoked", &caller.origin()).await?;
        tx.commit().await?;
        self.sessions.forget_user(user);
        Ok(ended)
    }
}

/// The origin of the command line's admin changes.
pub(crate) fn cli_origin() -> Origin {
    Origin::new(Actor::System, Some("cli".to_owned()), Arc::new(RequestContext::cli()))
}

/// `base` with `pairs` appended as a query string after `separator`, each value encoded.
fn url_with_query(base: &str, separator: char, pairs: &[(&str, &str)]) -> String {
    let query: Vec<String> = pairs.iter().map(|(key, value)| format!("{key}={}", percent_encode(value))).collect();
    format!("{base}{separator}{}", query.join("&"))
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn percent_encode(value: &str) -> String {
    value
        .bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (byte as char).to_string(),
            _ => format!("%{byte:02X}"),
        })
        .collect()
}
