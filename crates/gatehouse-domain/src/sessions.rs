//! Sessions: every login opens one, every request's token is checked against it, and ending it
//! (logout, block, delete, password change) rejects its tokens from the next request on.
//!
//! The check must not cost a database round trip per request, so live sessions are cached with
//! their user. A revocation on this node drops the entry at once; other nodes (and the CLI)
//! are bounded by the cache TTL. A generation counter stops a load that raced a revocation
//! from putting the stale entry back.

use crate::audit::{emit, Origin};
use crate::caller::{Caller, Principal};
use crate::error::DomainError;
use crate::events::EventType;
use crate::ids::{SessionId, UserId};
use crate::model::User;
use crate::ports::StoreTx;
use crate::secret::Secret;
use crate::service::Domain;
use crate::settings::JwtMode;
use crate::time::Timestamp;
use parking_lot::RwLock;
use serde_json::json;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The most entries kept; past it the cache starts over (it is only a cache).
const MAX_CACHED_SESSIONS: usize = 200_000;

#[derive(Clone)]
struct CachedSession {
    user: Arc<User>,
    expires_at: Timestamp,
    loaded: Instant,
}

/// Live sessions with their users, keyed by session id.
pub struct SessionCache {
    ttl: Duration,
    entries: RwLock<HashMap<SessionId, CachedSession>>,
    generation: AtomicU64,
}

impl SessionCache {
    /// An empty cache whose entries live `ttl`.
    pub fn new(ttl: Duration) -> Self {
        Self { ttl, entries: RwLock::new(HashMap::new()), generation: AtomicU64::new(0) }
    }

    fn get(&self, id: &SessionId) -> Option<CachedSession> {
        self.entries.read().get(id).filter(|entry| entry.loaded.elapsed() < self.ttl).cloned()
    }

    fn insert_if_unchanged(&self, id: SessionId, entry: CachedSession, generation: u64) {
        let mut entries = self.entries.write();
        if self.generation.load(Ordering::SeqCst) != generation {
            return;
        }
        if entries.len() >= MAX_CACHED_SESSIONS {
            entries.clear();
        }
        entries.insert(id, entry);
    }

    /// Drops one session.
    pub fn forget_session(&self, id: &SessionId) {
        let mut entries = self.entries.write();
        self.generation.fetch_add(1, Ordering::SeqCst);
        entries.remove(id);
    }

    /// Drops every entry (after a change that touches many users, such as a role deletion).
    pub fn forget_everyone(&self) {
        let mut entries = self.entries.write();
        self.generation.fetch_add(1, Ordering::SeqCst);
        entries.clear();
    }

    /// Drops every session of a user (after the user changed or was revoked).
    pub fn forget_user(&self, user: UserId) {
        let mut entries = self.entries.write();
        self.generation.fetch_add(1, Ordering::SeqCst);
        entries.retain(|_, entry| entry.user.id != user);
    }
}

impl Domain {
    /// The caller of a request that presented no credentials: the `public` role.
    pub async fn anonymous_caller(&self) -> Result<Caller, DomainError> {
        let grants = self.permissions.public_grants(self.store.as_ref(), &self.actions).await?;
        Ok(Caller::new(Principal::Anonymous, grants))
    }

    /// The caller of a request that presented `Bearer <token>`. Any failure — bad signature,
    /// wrong algorithm or realm, expired, ended session, blocked user — is
    /// [`DomainError::Unauthorized`], never a silent fall back to anonymous.
    pub async fn authenticate_bearer(&self, token: &str) -> Result<Caller, DomainError> {
        // A JWT has exactly three dot-separated parts; anything else is an API token.
        if token.bytes().filter(|byte| *byte == b'.').count() != 2 {
            return self.authenticate_api_token(token).await;
        }
        let now = self.clock.now();
        let verified = self.api_jwt.verify(token, self.claim_style(), now)?;
        let user = match self.sessions.get(&verified.session) {
            Some(cached) if cached.user.id.0 == verified.subject && now < cached.expires_at => cached.user,
            _ => {
                let generation = self.sessions.generation.load(Ordering::SeqCst);
                let (session, user) =
                    self.store.find_session_with_user(&verified.session).await?.ok_or(DomainError::Unauthorized)?;
                if session.user_id.0 != verified.subject || !session.is_live(now) || user.blocked {
                    return Err(DomainError::Unauthorized);
                }
                // Activity is recorded at most once a minute, on cache refills only.
                if now.as_millis() - session.last_active_at.as_millis() >= 60_000 {
                    self.store.touch_session(&session.id, now, 60_000).await?;
                }
                let user = Arc::new(user);
                let entry =
                    CachedSession { user: user.clone(), expires_at: session.expires_at, loaded: Instant::now() };
                self.sessions.insert_if_unchanged(verified.session.clone(), entry, generation);
                user
            }
        };
        let grants = self.permissions.grants(self.store.as_ref(), &self.actions, user.role_id).await?;
        Ok(Caller::new(Principal::EndUser { user, session: verified.session }, grants))
    }

    /// The caller of a request that presented `Bearer <token>` on a surface that serves both
    /// realms: an end user's JWT or an API token, else an admin's JWT. Whatever fails is
    /// [`DomainError::Unauthorized`], as in [`Domain::authenticate_bearer`].
    pub async fn authenticate_any_bearer(&self, token: &str) -> Result<Caller, DomainError> {
        match self.authenticate_bearer(token).await {
            Err(DomainError::Unauthorized) if token.bytes().filter(|byte| *byte == b'.').count() == 2 => {
                self.authenticate_admin_bearer(token).await
            }
            other => other,
        }
    }

    /// The caller presenting a secret key (a server-to-server credential): an API token, and
    /// nothing else (a JWT is not a key). It acts with the token's own permissions.
    pub async fn authenticate_secret_key(&self, key: &str) -> Result<Caller, DomainError> {
        if key.contains('.') {
            return Err(DomainError::Unauthorized);
        }
        let caller = self.authenticate_bearer(key).await?;
        match caller.principal() {
            crate::caller::Principal::ApiToken { .. } => Ok(caller),
            _ => Err(DomainError::Unauthorized),
        }
    }

    /// A new JWT for the calling end user's live session (the session is not extended).
    pub fn reissue_end_user_token(&self, caller: &Caller) -> Result<Secret, DomainError> {
        let (user, session) = caller.end_user()?;
        let jwt =
            self.api_jwt.issue(self.claim_style(), user.id.0, session, self.clock.now(), self.settings.jwt_ttl)?;
        Ok(jwt.into())
    }

    /// Ends the caller's own session: its JWT stops working at once.
    pub async fn logout(&self, caller: &Caller) -> Result<(), DomainError> {
        let (user, session) = caller.end_user()?;
        let mut tx = self.store.begin().await?;
        self.revoke_session_in(tx.as_mut(), user.id, session, "logout", &caller.origin()).await?;
        tx.commit().await?;
        self.sessions.forget_session(session);
        Ok(())
    }

    /// Ends one session inside a use case's transaction, with its `session.revoked` event.
    pub(crate) async fn revoke_session_in(
        &self,
        tx: &mut dyn StoreTx,
        user: UserId,
        session: &SessionId,
        reason: &str,
        origin: &Origin,
    ) -> Result<bool, DomainError> {
        let now = self.clock.now();
        let ended = tx.revoke_session(session, now, reason).await?;
        if ended {
            let data = json!({"subject": {"realm": "api", "id": user.0}, "sessions": [session.0], "reason": reason});
            emit(tx, origin, EventType::SessionRevoked, now, data).await?;
        }
        Ok(ended)
    }

    pub(crate) fn claim_style(&self) -> crate::crypto::jwt::ClaimStyle {
        match self.settings.jwt_mode {
            JwtMode::Legacy => crate::crypto::jwt::ClaimStyle::Legacy,
            JwtMode::Refresh => crate::crypto::jwt::ClaimStyle::Access,
        }
    }
}
