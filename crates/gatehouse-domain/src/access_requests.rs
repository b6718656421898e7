//! Requests for admin access: someone asks through a public form to become an admin, confirms
//! the address by mail, and an admin approves (the admin is created whole, active, with the
//! password chosen in the form) or rejects. Off unless `admin.access_requests.enabled`.
//!
//! No answer to the form says whether the email is new, an admin's already, or already asked
//! for: each is the same "received", after the same password hash. Only the form's owner
//! receives mail about the request, so nothing is revealed to someone else either. The password
//! is hashed the moment it arrives; the plain text is never stored. A request counts for the
//! admins once its address is confirmed (`access_request.created` is emitted then), until it is
//! approved, rejected, or expires (`admin.access_requests.ttl`, 30 days); a decided or expired
//! request frees its email for a new one.
//!
//! Nothing here knows a wire format; surfaces map [`AccessRequest`] to their own shapes.

use crate::action::Action;
use crate::admins::{admin_password, cli_origin, email_of};
use crate::audit::{emit, Origin};
use crate::caller::{Caller, RequestContext};
use crate::crypto::token::{new_document_id, random_hex, sha256_hex};
use crate::error::{DomainError, FieldError, FieldErrors, Rule};
use crate::events::{Actor, EventType};
use crate::ids::{AccessRequestId, AdminRoleId};
use crate::model::{
    AccessRequest, AccessRequestDecision, AccessRequestQuery, AccessRequestStatus, Admin, MailKind, NewAccessRequest,
    NewAdmin, NewMail,
};
use crate::ports::StoreTx;
use crate::query::Window;
use crate::secret::Secret;
use crate::service::Domain;
use crate::values::Email;
use serde_json::{json, Value};
use std::sync::Arc;

/// The longest first or last name, in characters.
pub const NAME_MAX_CHARS: usize = 255;
/// The longest message to the admins, in characters.
pub const MESSAGE_MAX_CHARS: usize = 2000;
/// The longest rejection reason, in characters.
pub const REASON_MAX_CHARS: usize = 2000;

/// What the public form sends.
#[derive(Clone, Debug, Default)]
pub struct AccessRequestInput {
    /// The login email asked for.
    pub email: String,
    /// First name (required).
    pub firstname: String,
    /// Last name.
    pub lastname: Option<String>,
    /// The password the admin will log in with (admin password rules).
    pub password: Secret,
    /// A word to the admins who decide.
    pub message: Option<String>,
}

fn field_error(field: &str, message: impl Into<String>) -> DomainError {
    DomainError::Validation(FieldErrors(vec![FieldError::new(field, message)]))
}

fn capped(field: &str, value: Option<&str>, max: usize) -> Result<Option<String>, DomainError> {
    let Some(text) = value.map(str::trim).filter(|text| !text.is_empty()) else { return Ok(None) };
    if text.chars().count() > max {
        return Err(field_error(field, format!("{field} must be at most {max} characters")));
    }
    Ok(Some(text.to_owned()))
}

fn not_found() -> DomainError {
    DomainError::NotFound("Access request not found")
}

/// The public view of a request that events carry (never a secret).
fn payload(request: &AccessRequest) -> Value {
    json!({
        "id": request.id.0,
        "email": request.email,
        "firstname": request.firstname,
        "lastname": request.lastname,
        "message": request.message,
        "requestedAt": request.created_at,
        "expiresAt": request.expires_at,
    })
}

impl Domain {
    /// Whether the public form is open (`admin.access_requests.enabled`).
    pub fn access_requests_enabled(&self) -> bool {
        self.settings.access_requests.enabled
    }

    /// Takes a request from the public form. The answer is the same `Ok` whether the email is
    /// new, already an admin's (deleted or pending ones included) or already asked for: in
    /// every case the password is hashed first, and only a new request is stored, with a mail
    /// that confirms the address. Input that breaks a rule (a bad email, a weak password) is
    /// refused before anything is looked up. Events: none until the address is confirmed.
    pub async fn request_admin_access(
        &self,
        _context: &RequestContext,
        input: AccessRequestInput,
    ) -> Result<(), DomainError> {
        if !self.access_requests_enabled() {
            return Err(DomainError::NotFound("Not Found"));
        }
        let email = email_of(&input.email)?;
        let firstname = capped("firstname", Some(&input.firstname), NAME_MAX_CHARS)?
            .ok_or_else(|| field_error("firstname", "firstname is a required field"))?;
        let lastname = capped("lastname", input.lastname.as_deref(), NAME_MAX_CHARS)?;
        let message = capped("message", input.message.as_deref(), MESSAGE_MAX_CHARS)?;
        let password = admin_password(input.password.expose(), "password")?;
        // Hashed in every case, so a known email costs the same time as a new one.
        let password_hash = self.hasher.hash(&password).await?;
        if self.store.find_admin_credentials(&email.folded()).await?.is_some() {
            return Ok(());
        }
        let now = self.clock.now();
        let token = random_hex(32);
        let expires_at = now.plus(self.settings.access_requests.ttl);
        let mut tx = self.store.begin().await?;
        tx.expire_access_request(&email.folded(), now).await?;
        let request = NewAccessRequest {
            email: email.as_str().to_owned(),
            email_folded: email.folded(),
            firstname: firstname.clone(),
            lastname,
            message,
            password_hash,
            confirmation_hash: sha256_hex(&token),
            now,
            expires_at,
        };
        if tx.insert_access_request(&request).await?.is_none() {
            // Already asked for: nothing changes (the pending request keeps its password).
            return Ok(());
        }
        let url = format!("{}/admin/access-requests/confirm?confirmation={token}", self.settings.public_url);
        self.queue_access_request_mail(
            tx.as_mut(),
            MailKind::AccessRequestConfirmation,
            &email,
            &firstname,
            json!({
                "url": url,
                "expires_at": expires_at,
            }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn queue_access_request_mail(
        &self,
        tx: &mut dyn StoreTx,
        kind: MailKind,
        email: &Email,
        firstname: &str,
        extra: Value,
    ) -> Result<(), DomainError> {
        let mut variables = json!({"user": {"username": firstname, "email": email.as_str()}});
        if let (Some(map), Value::Object(extra)) = (variables.as_object_mut(), extra) {
            map.extend(extra);
        }
        let mail = NewMail { kind, recipient: email.as_str().to_owned(), variables, now: self.clock.now() };
        tx.enqueue_mail(&mail).await?;
        Ok(())
    }

    /// Confirms a request's address with the mailed token: from now on admins see it. Unknown,
    /// used and expired tokens give the same error. Events: `access_request.created`.
    pub async fn confirm_access_request(
        &self,
        context: &RequestContext,
        token: &str,
    ) -> Result<AccessRequest, DomainError> {
        if !self.access_requests_enabled() {
            return Err(DomainError::NotFound("Not Found"));
        }
        let invalid = || DomainError::Rule(Rule::InvalidAccessRequestConfirmation);
        if token.is_empty() {
            return Err(invalid());
        }
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let request = tx.confirm_access_request(&sha256_hex(token), now).await?.ok_or_else(invalid)?;
        let origin = Origin::new(Actor::Anonymous, Some(request.email.clone()), Arc::new(context.clone()));
        emit(tx.as_mut(), &origin, EventType::AccessRequestCreated, now, payload(&request)).await?;
        tx.commit().await?;
        Ok(request)
    }

    /// A page of confirmed requests, newest first, with the total; `status` narrows them to
    /// one status as of now.
    pub async fn list_access_requests(
        &self,
        caller: &Caller,
        status: Option<AccessRequestStatus>,
        window: Window,
    ) -> Result<(Vec<AccessRequest>, u64), DomainError> {
        caller.authorize(Action::ADMIN_ACCESS_REQUESTS_READ)?;
        let query = AccessRequestQuery { status, now: self.clock.now(), window };
        Ok(self.store.list_access_requests(&query).await?)
    }

    /// A confirmed request that is still pending now.
    async fn pending_access_request(&self, id: AccessRequestId) -> Result<AccessRequest, DomainError> {
        let request = self
            .store
            .find_access_request(id)
            .await?
            .filter(|found| found.confirmed_at.is_some())
            .ok_or_else(not_found)?;
        if request.status(self.clock.now()) != AccessRequestStatus::Pending {
            return Err(DomainError::Rule(Rule::AccessRequestNotPending));
        }
        Ok(request)
    }

    /// Approves a pending request: in one transaction the admin is created active, with the
    /// password chosen in the form and `roles` (by default `admin.access_requests.default_role`),
    /// the request is closed, and the requester is mailed. An email taken meanwhile is a
    /// conflict. Events: `admin.created`, `access_request.approved`.
    pub async fn approve_access_request(
        &self,
        caller: &Caller,
        id: AccessRequestId,
        roles: Option<Vec<i64>>,
    ) -> Result<Admin, DomainError> {
        caller.authorize(Action::ADMIN_ACCESS_REQUESTS_UPDATE)?;
        let request = self.pending_access_request(id).await?;
        let roles: Vec<AdminRoleId> = match &roles {
            Some(ids) => self.resolve_admin_roles(ids).await?,
            None => vec![self.role_id_by_code(&self.settings.access_requests.default_role).await?],
        };
        let password_hash = self.store.access_request_password_hash(id).await?.ok_or_else(not_found)?;
        let email = email_of(&request.email)?;
        let now = self.clock.now();
        let origin = self.decision_origin(caller);
        let mut tx = self.store.begin().await?;
        let admin_id = tx
            .insert_admin(&NewAdmin {
                document_id: new_document_id(),
                firstname: request.firstname.clone(),
                lastname: request.lastname.clone(),
                email: email.as_str().to_owned(),
                email_folded: email.folded(),
                password_hash: Some(password_hash.into()),
                is_active: true,
                now,
            })
            .await?;
        tx.set_admin_roles(admin_id, &roles).await?;
        let decision = AccessRequestDecision {
            status: AccessRequestStatus::Approved,
            decided_by: caller.admin().ok().map(|(admin, _)| admin.id),
            admin_id: Some(admin_id),
            reason: None,
            now,
        };
        if !tx.decide_access_request(id, &decision).await? {
            return Err(DomainError::Rule(Rule::AccessRequestNotPending));
        }
        let role_ids: Vec<i64> = roles.iter().map(|role| role.0).collect();
        let created = json!({"id": admin_id.0, "email": email.as_str(), "roles": role_ids, "accessRequest": id.0});
        emit(tx.as_mut(), &origin, EventType::AdminCreated, now, created).await?;
        let mut approved = payload(&request);
        approved["adminId"] = json!(admin_id.0);
        approved["roles"] = json!(role_ids);
        emit(tx.as_mut(), &origin, EventType::AccessRequestApproved, now, approved).await?;
        let url = format!("{}/admin", self.settings.public_url);
        self.queue_access_request_mail(
            tx.as_mut(),
            MailKind::AccessRequestApproved,
            &email,
            &request.firstname,
            json!({
                "url": url,
            }),
        )
        .await?;
        tx.commit().await?;
        self.load_admin(admin_id).await
    }

    /// Rejects a pending request: it is closed (its email free again) and the requester is
    /// mailed, with the reason when one is given. Events: `access_request.rejected`.
    pub async fn reject_access_request(
        &self,
        caller: &Caller,
        id: AccessRequestId,
        reason: Option<String>,
    ) -> Result<AccessRequest, DomainError> {
        caller.authorize(Action::ADMIN_ACCESS_REQUESTS_UPDATE)?;
        let request = self.pending_access_request(id).await?;
        let reason = capped("reason", reason.as_deref(), REASON_MAX_CHARS)?;
        let email = email_of(&request.email)?;
        let now = self.clock.now();
        let origin = self.decision_origin(caller);
        let mut tx = self.store.begin().await?;
        let decision = AccessRequestDecision {
            status: AccessRequestStatus::Rejected,
            decided_by: caller.admin().ok().map(|(admin, _)| admin.id),
            admin_id: None,
            reason: reason.clone(),
            now,
        };
        if !tx.decide_access_request(id, &decision).await? {
            return Err(DomainError::Rule(Rule::AccessRequestNotPending));
        }
        let mut rejected = payload(&request);
        rejected["reason"] = json!(reason);
        emit(tx.as_mut(), &origin, EventType::AccessRequestRejected, now, rejected).await?;
        self.queue_access_request_mail(
            tx.as_mut(),
            MailKind::AccessRequestRejected,
            &email,
            &request.firstname,
            json!({
                "reason": reason,
            }),
        )
        .await?;
        tx.commit().await?;
        self.store.find_access_request(id).await?.ok_or_else(not_found)
    }

    fn decision_origin(&self, caller: &Caller) -> Origin {
        if caller.admin().is_ok() {
            caller.origin()
        } else {
            cli_origin()
        }
    }
}
