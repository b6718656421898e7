//! Refresh mode (`auth.jwt_mode = "refresh"`, as Strapi 5): a short access JWT plus an opaque
//! refresh token per session, rotated on every use. Presenting a rotated token again means it
//! leaked — unless it is the one rotated last, within `auth.refresh_reuse_grace` (two tabs
//! refreshing at once), which is a plain 401. Any other reuse ends the whole session.

use crate::audit::Origin;
use crate::caller::Caller;
use crate::caller::RequestContext;
use crate::crypto::token::{random_hex, sha256_hex};
use crate::error::DomainError;
use crate::events::Actor;
use crate::model::SessionRecord;
use crate::secret::Secret;
use crate::service::Domain;
use crate::settings::JwtMode;
use std::sync::Arc;

/// A new access token and the refresh token that replaced the presented one.
#[derive(Clone, Debug)]
pub struct Refreshed {
    /// The access JWT.
    pub jwt: Secret,
    /// The new refresh token (the presented one is dead now).
    pub refresh_token: Secret,
}

/// One of the caller's live sessions.
#[derive(Clone, Debug)]
pub struct SessionSummary {
    /// The session.
    pub session: SessionRecord,
    /// Whether the caller is using it.
    pub current: bool,
}

impl Domain {
    /// Trades a refresh token for a new access token and a new refresh token. A replayed
    /// (already rotated) token ends its session: `session.revoked` (reason
    /// `refresh_token_reuse`), audited with the replaying client's address.
    pub async fn refresh(&self, context: &RequestContext, token: &str) -> Result<Refreshed, DomainError> {
        if self.settings.jwt_mode == JwtMode::Legacy {
            return Err(DomainError::NotFound("Not Found"));
        }
        let now = self.clock.now();
        let digest = sha256_hex(token);
        let record = self.store.find_refresh_token(&digest).await?.ok_or(DomainError::Unauthorized)?;
        if !record.session_live || now >= record.expires_at {
            return Err(DomainError::Unauthorized);
        }
        if let Some(rotated_at) = record.rotated_at {
            let latest = match &record.replaced_by {
                Some(next) => self.store.find_refresh_token(next).await?.is_some_and(|next| next.rotated_at.is_none()),
                None => false,
            };
            let grace = i64::try_from(self.settings.refresh_reuse_grace.as_millis()).unwrap_or(i64::MAX);
            if latest && now.as_millis() - rotated_at.as_millis() <= grace {
                return Err(DomainError::Unauthorized);
            }
            let mut tx = self.store.begin().await?;
            self.revoke_session_in(
                tx.as_mut(),
                record.user_id,
                &record.session_id,
                "refresh_token_reuse",
                &Origin::new(Actor::System, None, Arc::new(context.clone())),
            )
            .await?;
            tx.commit().await?;
            self.sessions.forget_session(&record.session_id);
            return Err(DomainError::Unauthorized);
        }
        let (session, user) =
            self.store.find_session_with_user(&record.session_id).await?.ok_or(DomainError::Unauthorized)?;
        if !session.is_live(now) || user.blocked {
            return Err(DomainError::Unauthorized);
        }
        let next = random_hex(32);
        let next_digest = sha256_hex(&next);
        let mut tx = self.store.begin().await?;
        if !tx.rotate_refresh_token(&digest, &next_digest, now).await? {
            // Another request rotated it a moment ago: the two-tabs case.
            return Err(DomainError::Unauthorized);
        }
        tx.insert_refresh_token(&next_digest, &session.id, now, now.plus(self.settings.refresh_ttl)).await?;
        tx.extend_session(&session.id, now.plus(self.settings.refresh_ttl), now).await?;
        tx.commit().await?;
        let jwt = self.api_jwt.issue(self.claim_style(), user.id.0, &session.id, now, self.settings.jwt_ttl)?;
        Ok(Refreshed { jwt: jwt.into(), refresh_token: next.into() })
    }

    /// The caller's live sessions, newest first.
    pub async fn list_sessions(&self, caller: &Caller) -> Result<Vec<SessionSummary>, DomainError> {
        let (user, current) = caller.end_user()?;
        let sessions = self.store.list_live_sessions(user.id, self.clock.now()).await?;
        Ok(sessions.into_iter().map(|session| SessionSummary { current: &session.id == current, session }).collect())
    }
}
