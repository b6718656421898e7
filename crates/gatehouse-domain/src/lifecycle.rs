//! The account lifecycle: email confirmation, forgotten and reset passwords, password change.
//!
//! Confirmation tokens and reset codes are random, stored only as SHA-256 digests, single-use
//! and expiring; a new request supersedes older ones. The mail carrying a token is queued in
//! the outbox in the same transaction as the token, and sent by a background sender (a failed
//! send is retried, never lost; sending never holds a database transaction open).

use crate::accounts::Authenticated;
use crate::audit::{emit, Origin};
use crate::caller::{Caller, RequestContext};
use crate::crypto::token::{random_hex, sha256_hex};
use crate::error::{DomainError, FieldError, FieldErrors, Rule};
use crate::events::{Actor, EventType};
use crate::model::{MailKind, NewMail, NewUserToken, TokenPurpose, User, UserChanges};
use crate::payloads;
use crate::ports::StoreTx;
use crate::secret::Secret;
use crate::service::Domain;
use crate::values::{fold, identifier_key, Password, PasswordProblem};
use serde_json::json;
use std::sync::Arc;

fn password_errors(field: &str, problem: PasswordProblem) -> DomainError {
    let message = match problem {
        PasswordProblem::TooShort(min) => format!("{field} must be at least {min} characters"),
        PasswordProblem::TooLong => format!("Password must be less than {} bytes", Password::MAX_BYTES + 1),
    };
    DomainError::Validation(FieldErrors(vec![FieldError::new(field, message)]))
}

/// `user.updated`'s data: the user with the names of the fields that changed.
fn updated(user: &User, changes: &[&str]) -> serde_json::Value {
    let mut data = payloads::user(user);
    data["changes"] = json!(changes);
    data
}

fn mismatch() -> DomainError {
    DomainError::Validation(FieldErrors(vec![FieldError::new("password_confirmation", "Passwords do not match")]))
}

impl Domain {
    /// Queues the confirmation mail for `user` with a new token (older ones die).
    pub(crate) async fn queue_confirmation_mail(&self, tx: &mut dyn StoreTx, user: &User) -> Result<(), DomainError> {
        let now = self.clock.now();
        let token = random_hex(32);
        let expires_at = now.plus(self.settings.confirmation_ttl);
        tx.invalidate_user_tokens(user.id, TokenPurpose::EmailConfirmation, now).await?;
        tx.insert_user_token(&NewUserToken {
            user_id: user.id,
            purpose: TokenPurpose::EmailConfirmation,
            token_hash: sha256_hex(&token),
            created_at: now,
            expires_at,
        })
        .await?;
        let url = format!(
            "{}/api/auth/email-confirmation?confirmation={token}",
            self.settings.public_url.trim_end_matches('/')
        );
        let variables = json!({
            "user": {"username": user.username, "email": user.email},
            "url": url,
            "expires_at": expires_at,
        });
        tx.enqueue_mail(&NewMail { kind: MailKind::EmailConfirmation, recipient: user.email.clone(), variables, now })
            .await?;
        Ok(())
    }

    /// Confirms the email of the token's owner (single use). Events: `user.updated` (changes
    /// `confirmed`), then `user.confirmed`.
    pub async fn confirm_email(&self, token: &str) -> Result<User, DomainError> {
        let now = self.clock.now();
        let invalid = || DomainError::Validation(FieldErrors(vec![FieldError::new("confirmation", "Invalid token")]));
        let mut tx = self.store.begin().await?;
        let user_id = tx
            .consume_user_token(TokenPurpose::EmailConfirmation, &sha256_hex(token), now)
            .await?
            .ok_or_else(invalid)?;
        let changes = UserChanges { confirmed: Some(true), ..UserChanges::default() };
        let user = tx.update_user(user_id, &changes, now).await?.ok_or_else(invalid)?;
        let origin = Origin::system().as_actor(Actor::EndUser(user.id), Some(user.email.clone()));
        emit(tx.as_mut(), &origin, EventType::UserUpdated, now, updated(&user, &["confirmed"])).await?;
        emit(tx.as_mut(), &origin, EventType::UserConfirmed, now, payloads::user(&user)).await?;
        tx.commit().await?;
        self.sessions.forget_user(user.id);
        Ok(user)
    }

    /// Sends the confirmation mail again when the address belongs to an unconfirmed account;
    /// otherwise does nothing. Callers answer the same either way.
    pub async fn resend_confirmation(&self, email: &str) -> Result<(), DomainError> {
        let Some(credentials) =
            self.store.find_credentials_by_email(&identifier_key(email).unwrap_or_default()).await?
        else {
            return Ok(());
        };
        let user = credentials.user;
        if user.confirmed || user.blocked {
            return Ok(());
        }
        let mut tx = self.store.begin().await?;
        self.queue_confirmation_mail(tx.as_mut(), &user).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Starts a password reset for the account with this email, if there is one: a new code
    /// (older ones die) and the mail carrying it. Events: `user.password_reset_requested`
    /// (never with the code). Callers answer the same whether or not the account exists.
    pub async fn request_password_reset(&self, email: &str) -> Result<(), DomainError> {
        let Some(credentials) =
            self.store.find_credentials_by_email(&identifier_key(email).unwrap_or_default()).await?
        else {
            return Ok(());
        };
        let user = credentials.user;
        if user.blocked {
            return Ok(());
        }
        let now = self.clock.now();
        let code = random_hex(32);
        let expires_at = now.plus(self.settings.reset_code_ttl);
        let mut tx = self.store.begin().await?;
        tx.invalidate_user_tokens(user.id, TokenPurpose::PasswordReset, now).await?;
        tx.insert_user_token(&NewUserToken {
            user_id: user.id,
            purpose: TokenPurpose::PasswordReset,
            token_hash: sha256_hex(&code),
            created_at: now,
            expires_at,
        })
        .await?;
        let base = &self.settings.reset_password_url;
        let separator = if base.contains('?') { '&' } else { '?' };
        let variables = json!({
            "user": {"username": user.username, "email": user.email},
            "url": format!("{base}{separator}code={code}"),
            "expires_at": expires_at,
        });
        tx.enqueue_mail(&NewMail { kind: MailKind::ResetPassword, recipient: user.email.clone(), variables, now })
            .await?;
        let origin = Origin::system().as_actor(Actor::Anonymous, None);
        emit(tx.as_mut(), &origin, EventType::UserPasswordResetRequested, now, payloads::user(&user)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets a new password with a mailed code (single use, expiring), ends every session of the
    /// user and opens a new one. A wrong, used or expired code gives the same error.
    /// Events: `user.updated` (changes `password`), `user.password_changed`, `session.revoked`,
    /// `user.logged_in`.
    pub async fn reset_password(
        &self,
        context: &RequestContext,
        code: &str,
        password: &str,
        confirmation: &str,
    ) -> Result<Authenticated, DomainError> {
        if password != confirmation {
            return Err(mismatch());
        }
        let password = Password::parse(password, self.settings.password_min_length)
            .map_err(|problem| password_errors("password", problem))?;
        let hash = self.hasher.hash(&password).await?;
        let incorrect = || DomainError::Rule(Rule::IncorrectResetCode);
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let user_id =
            tx.consume_user_token(TokenPurpose::PasswordReset, &sha256_hex(code), now).await?.ok_or_else(incorrect)?;
        let changes = UserChanges { password_hash: Some(hash), ..UserChanges::default() };
        let user = tx.update_user(user_id, &changes, now).await?.ok_or_else(incorrect)?;
        if user.blocked {
            return Err(incorrect());
        }
        tx.invalidate_user_tokens(user.id, TokenPurpose::PasswordReset, now).await?;
        let origin = Origin::new(Actor::EndUser(user.id), Some(user.email.clone()), Arc::new(context.clone()));
        emit(tx.as_mut(), &origin, EventType::UserUpdated, now, updated(&user, &["password"])).await?;
        emit(tx.as_mut(), &origin, EventType::UserPasswordChanged, now, payloads::user(&user)).await?;
        self.revoke_all_sessions_in(tx.as_mut(), user.id, "password_reset", &origin).await?;
        let tokens = self.open_session(tx.as_mut(), &origin, &user, None).await?;
        tx.commit().await?;
        self.sessions.forget_user(user.id);
        Ok(Authenticated { user, jwt: Some(tokens.jwt.into()), refresh_token: tokens.refresh_token.map(Secret::from) })
    }

    /// Changes the caller's password after checking the current one. The calling session stays
    /// (with a fresh JWT); every other session ends. Events: `user.updated` (changes
    /// `password`), `user.password_changed`, then `session.revoked` when other sessions ended.
    pub async fn change_password(
        &self,
        caller: &Caller,
        current: &str,
        password: &str,
        confirmation: &str,
    ) -> Result<Authenticated, DomainError> {
        let (user, session) = caller.end_user()?;
        let (user, session) = (User::clone(user), session.clone());
        if password != confirmation {
            return Err(mismatch());
        }
        let new_password = Password::parse(password, self.settings.password_min_length)
            .map_err(|problem| password_errors("password", problem))?;
        let stored =
            self.store.find_credentials_by_email(&fold(&user.email)).await?.and_then(|found| found.password_hash);
        let current_ok = match &stored {
            Some(hash) => self.hasher.verify(current, hash.expose()).await?,
            None => false,
        };
        if !current_ok {
            return Err(DomainError::Rule(Rule::WrongCurrentPassword));
        }
        if current == password {
            return Err(DomainError::Rule(Rule::PasswordUnchanged));
        }
        let hash = self.hasher.hash(&new_password).await?;
        let now = self.clock.now();
        let origin = caller.origin();
        let mut tx = self.store.begin().await?;
        let changes = UserChanges { password_hash: Some(hash), ..UserChanges::default() };
        let user = tx.update_user(user.id, &changes, now).await?.ok_or(DomainError::Unauthorized)?;
        emit(tx.as_mut(), &origin, EventType::UserUpdated, now, updated(&user, &["password"])).await?;
        emit(tx.as_mut(), &origin, EventType::UserPasswordChanged, now, payloads::user(&user)).await?;
        let ended = tx.revoke_other_sessions(user.id, &session, now, "password_changed").await?;
        if !ended.is_empty() {
            let ids: Vec<&str> = ended.iter().map(|id| id.0.as_str()).collect();
            let data =
                json!({"subject": {"realm": "api", "id": user.id.0}, "sessions": ids, "reason": "password_changed"});
            emit(tx.as_mut(), &origin, EventType::SessionRevoked, now, data).await?;
        }
        let tokens = self.issue_session_tokens(tx.as_mut(), &user, session, true).await?;
        tx.commit().await?;
        self.sessions.forget_user(user.id);
        Ok(Authenticated { user, jwt: Some(tokens.jwt.into()), refresh_token: tokens.refresh_token.map(Secret::from) })
    }
}
