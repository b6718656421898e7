//! API tokens: a token acts with its own permissions (`read-only`, `full-access`, or an
//! explicit `custom` list), never as a user. The secret is shown once, at creation or
//! regeneration, and stored only as its SHA-256; lookups go through a short-lived cache, and
//! `lastUsedAt` is written at most once a minute.

use crate::action::{Action, ActionRealm, ActionRegistry};
use crate::audit::emit;
use crate::caller::{Caller, Grants, Principal};
use crate::crypto::token::{random_hex, sha256_hex};
use crate::error::{DomainError, FieldError, FieldErrors};
use crate::events::EventType;
use crate::ids::ApiTokenId;
use crate::model::{ApiToken, ApiTokenKind, NewApiToken};
use crate::payloads;
use crate::secret::Secret;
use crate::service::Domain;
use crate::time::Timestamp;
use crate::values::fold;
use parking_lot::RwLock;
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The names of the fields an update changed, for `api_token.updated`'s `changes`.
fn api_token_changes(before: &ApiToken, after: &ApiToken) -> Vec<&'static str> {
    let mut changes = Vec::new();
    if before.name != after.name {
        changes.push("name");
    }
    if before.description != after.description {
        changes.push("description");
    }
    if before.kind != after.kind {
        changes.push("type");
    }
    if before.lifespan_ms != after.lifespan_ms {
        changes.push("lifespan");
    }
    if before.actions != after.actions {
        changes.push("permissions");
    }
    changes
}

/// The prefix of every API token secret; never change it (secret scanners key on it).
pub const SECRET_PREFIX: &str = "gat_";

/// Milliseconds between two `lastUsedAt` writes of one token.
const LAST_USED_GAP_MS: i64 = 60_000;

const DAY_MS: i64 = 86_400_000;

/// The lifespans a token may have, in milliseconds (as Strapi): 7, 30 or 90 days.
pub const LIFESPANS_MS: [i64; 3] = [7 * DAY_MS, 30 * DAY_MS, 90 * DAY_MS];

/// What a `scim` token holds: the end-user and role use cases SCIM's Users and Groups run.
pub const SCIM_ACTIONS: [Action; 11] = [
    Action::USER_FIND,
    Action::USER_FIND_ONE,
    Action::USER_COUNT,
    Action::USER_CREATE,
    Action::USER_UPDATE,
    Action::USER_DESTROY,
    Action::ROLE_FIND,
    Action::ROLE_FIND_ONE,
    Action::ROLE_CREATE,
    Action::ROLE_UPDATE,
    Action::ROLE_DELETE,
];

/// What a `scim` token holds besides [`SCIM_ACTIONS`] when SCIM provisions the admin realm
/// ([`crate::settings::DomainSettings::scim_admins`]): the admin use cases its Users and Groups
/// run there (the route gates still name the end-user actions above).
pub const SCIM_ADMIN_ACTIONS: [Action; 8] = [
    Action::ADMIN_USERS_READ,
    Action::ADMIN_USERS_CREATE,
    Action::ADMIN_USERS_UPDATE,
    Action::ADMIN_USERS_DELETE,
    Action::ADMIN_ROLES_READ,
    Action::ADMIN_ROLES_CREATE,
    Action::ADMIN_ROLES_UPDATE,
    Action::ADMIN_ROLES_DELETE,
];

/// A token as created or changed.
#[derive(Clone, Debug)]
pub struct ApiTokenInput {
    /// Unique name.
    pub name: String,
    /// Free text.
    pub description: String,
    /// What it may do.
    pub kind: ApiTokenKind,
    /// Lifespan in milliseconds: one of [`LIFESPANS_MS`], or `None` for unlimited.
    pub lifespan_ms: Option<i64>,
    /// The action names of a `custom` token (each must be a grantable content action).
    pub actions: Vec<String>,
}

/// A change to a token: `None` keeps the current value.
#[derive(Clone, Debug, Default)]
pub struct ApiTokenPatch {
    /// New unique name.
    pub name: Option<String>,
    /// New free text.
    pub description: Option<String>,
    /// New kind.
    pub kind: Option<ApiTokenKind>,
    /// New lifespan (`Some(None)`: unlimited).
    pub lifespan_ms: Option<Option<i64>>,
    /// New action names of a `custom` token.
    pub actions: Option<Vec<String>>,
}

/// A token with its secret, in the one answer that shows it.
#[derive(Clone, Debug)]
pub struct IssuedApiToken {
    /// The token.
    pub token: ApiToken,
    /// The secret (`gat_…`), shown once.
    pub secret: Secret,
}

impl ApiTokenKind {
    /// The actions this kind grants (custom tokens: their own list).
    pub fn grants(self, registry: &ActionRegistry, custom: &[String]) -> Grants {
        match self {
            ApiTokenKind::ReadOnly => Grants::from_actions(registry.grantable().filter(|action| action.is_read())),
            ApiTokenKind::FullAccess => Grants::from_actions(registry.grantable()),
            ApiTokenKind::Custom => Grants::from_actions(registry.known(custom)),
            ApiTokenKind::Scim => Grants::from_actions(SCIM_ACTIONS),
        }
    }
}

#[derive(Clone)]
struct CachedToken {
    token: ApiToken,
    grants: Arc<Grants>,
    loaded: Instant,
}

/// Recently used tokens by secret digest.
pub struct ApiTokenCache {
    ttl: Duration,
    entries: RwLock<HashMap<String, CachedToken>>,
}

impl ApiTokenCache {
    /// An empty cache whose entries live `ttl`.
    pub fn new(ttl: Duration) -> Self {
        Self { ttl, entries: RwLock::new(HashMap::new()) }
    }

    fn forget_all(&self) {
        self.entries.write().clear();
    }
}

impl Domain {
    fn new_api_token_row(
        &self,
        input: &ApiTokenInput,
        secret_hash: String,
        now: Timestamp,
    ) -> Result<NewApiToken, DomainError> {
        let mut errors = FieldErrors::default();
        let name = input.name.trim().to_owned();
        if name.is_empty() {
            errors.push(FieldError::new("name", "name is a required field"));
        }
        if let Some(lifespan) = input.lifespan_ms {
            if !LIFESPANS_MS.contains(&lifespan) {
                let message = "lifespan must be one of 604800000, 2592000000, 7776000000 or null";
                errors.push(FieldError::new("lifespan", message).with_value(json!(lifespan)));
            }
        }
        // Names are checked whatever the type, so a typo is never taken silently; only a
        // custom token keeps them (the other types grant a fixed set).
        let actions: Vec<String> = match self.actions.grantable_names(&input.actions, ActionRealm::Content) {
            Ok(names) if input.kind == ApiTokenKind::Custom => names,
            Ok(_) => Vec::new(),
            Err(error) => {
                errors.push(error);
                Vec::new()
            }
        };
        errors.into_result()?;
        Ok(NewApiToken {
            name_folded: fold(&name),
            name,
            description: input.description.clone(),
            kind: input.kind,
            access_key_hash: secret_hash,
            lifespan_ms: input.lifespan_ms,
            expires_at: input
                .lifespan_ms
                .map(|lifespan| Timestamp::from_millis(now.as_millis().saturating_add(lifespan))),
            actions,
            now,
        })
    }

    /// Creates a token and returns it with its secret (shown once). Events: `api_token.created`.
    pub async fn create_api_token(&self, caller: &Caller, input: ApiTokenInput) -> Result<IssuedApiToken, DomainError> {
        caller.authorize(Action::ADMIN_API_TOKENS_CREATE)?;
        let origin = caller.origin();
        let secret = format!("{SECRET_PREFIX}{}", random_hex(32));
        let now = self.clock.now();
        let row = self.new_api_token_row(&input, sha256_hex(&secret), now)?;
        let mut tx = self.store.begin().await?;
        let token = tx.insert_api_token(&row).await?;
        emit(tx.as_mut(), &origin, EventType::ApiTokenCreated, now, payloads::api_token(&token)).await?;
        tx.commit().await?;
        Ok(IssuedApiToken { token, secret: secret.into() })
    }

    /// Every token (never their secrets).
    pub async fn list_api_tokens(&self, caller: &Caller) -> Result<Vec<ApiToken>, DomainError> {
        caller.authorize(Action::ADMIN_API_TOKENS_READ)?;
        Ok(self.store.list_api_tokens().await?)
    }

    /// One token.
    pub async fn find_api_token(&self, caller: &Caller, id: ApiTokenId) -> Result<ApiToken, DomainError> {
        caller.authorize(Action::ADMIN_API_TOKENS_READ)?;
        self.load_api_token(id).await
    }

    async fn load_api_token(&self, id: ApiTokenId) -> Result<ApiToken, DomainError> {
        self.store.find_api_token(id).await?.ok_or(DomainError::NotFound("API token not found"))
    }

    /// Changes what `patch` names of a token (the secret stays; what it leaves out is kept).
    /// Events: `api_token.updated`.
    pub async fn update_api_token(
        &self,
        caller: &Caller,
        id: ApiTokenId,
        patch: ApiTokenPatch,
    ) -> Result<ApiToken, DomainError> {
        caller.authorize(Action::ADMIN_API_TOKENS_UPDATE)?;
        let origin = caller.origin();
        let current = self.load_api_token(id).await?;
        let input = ApiTokenInput {
            name: patch.name.unwrap_or_else(|| current.name.clone()),
            description: patch.description.unwrap_or_else(|| current.description.clone()),
            kind: patch.kind.unwrap_or(current.kind),
            lifespan_ms: patch.lifespan_ms.unwrap_or(current.lifespan_ms),
            actions: patch.actions.unwrap_or_else(|| current.actions.clone()),
        };
        let now = self.clock.now();
        let row = self.new_api_token_row(&input, String::new(), now)?;
        let mut tx = self.store.begin().await?;
        let token = tx.update_api_token(id, &row).await?.ok_or(DomainError::NotFound("API token not found"))?;
        let mut data = payloads::api_token(&token);
        data["changes"] = json!(api_token_changes(&current, &token));
        emit(tx.as_mut(), &origin, EventType::ApiTokenUpdated, now, data).await?;
        tx.commit().await?;
        self.api_tokens.forget_all();
        Ok(token)
    }

    /// Gives a token a new secret; the old one stops working at once. The lifespan restarts.
    /// Events: `api_token.regenerated`.
    pub async fn regenerate_api_token(&self, caller: &Caller, id: ApiTokenId) -> Result<IssuedApiToken, DomainError> {
        caller.authorize(Action::ADMIN_API_TOKENS_REGENERATE)?;
        let origin = caller.origin();
        let current = self.load_api_token(id).await?;
        let secret = format!("{SECRET_PREFIX}{}", random_hex(32));
        let now = self.clock.now();
        let expires_at =
            current.lifespan_ms.map(|lifespan| Timestamp::from_millis(now.as_millis().saturating_add(lifespan)));
        let mut tx = self.store.begin().await?;
        let token = tx
            .set_api_token_secret(id, &sha256_hex(&secret), expires_at, now)
            .await?
            .ok_or(DomainError::NotFound("API token not found"))?;
        emit(tx.as_mut(), &origin, EventType::ApiTokenRegenerated, now, payloads::api_token(&token)).await?;
        tx.commit().await?;
        self.api_tokens.forget_all();
        Ok(IssuedApiToken { token, secret: secret.into() })
    }

    /// Revokes a token: it stops working at once and for good (its secret is replaced by one
    /// nobody knows and it expires now), while its record stays. Revoking a token that no
    /// longer works changes nothing. Events:
    /// `api_token.updated` with `revoked: true`.
    pub async fn revoke_api_token(&self, caller: &Caller, id: ApiTokenId) -> Result<ApiToken, DomainError> {
        caller.authorize(Action::ADMIN_API_TOKENS_UPDATE)?;
        let origin = caller.origin();
        let current = self.load_api_token(id).await?;
        let now = self.clock.now();
        if current.expires_at.is_some_and(|expires_at| expires_at <= now) {
            return Ok(current);
        }
        let unknowable = sha256_hex(&random_hex(32));
        let mut tx = self.store.begin().await?;
        let token = tx
            .set_api_token_secret(id, &unknowable, Some(now), now)
            .await?
            .ok_or(DomainError::NotFound("API token not found"))?;
        let mut data = payloads::api_token(&token);
        data["revoked"] = json!(true);
        emit(tx.as_mut(), &origin, EventType::ApiTokenUpdated, now, data).await?;
        tx.commit().await?;
        self.api_tokens.forget_all();
        Ok(token)
    }

    /// Deletes a token; it stops working at once. Events: `api_token.deleted`.
    pub async fn delete_api_token(&self, caller: &Caller, id: ApiTokenId) -> Result<ApiToken, DomainError> {
        caller.authorize(Action::ADMIN_API_TOKENS_DELETE)?;
        let origin = caller.origin();
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let token = tx.delete_api_token(id).await?.ok_or(DomainError::NotFound("API token not found"))?;
        emit(tx.as_mut(), &origin, EventType::ApiTokenDeleted, now, payloads::api_token(&token)).await?;
        tx.commit().await?;
        self.api_tokens.forget_all();
        Ok(token)
    }

    /// The caller presenting a `scim` API token: the one credential of the SCIM surface. Any
    /// other token, a JWT, an unknown or an expired token is [`DomainError::Unauthorized`].
    pub async fn authenticate_scim_token(&self, secret: &str) -> Result<Caller, DomainError> {
        self.authenticate_api_token_of(secret, true).await
    }

    /// The caller presenting API token `secret`; unknown or expired tokens, and `scim` tokens
    /// (the SCIM surface's alone), are [`DomainError::Unauthorized`].
    pub(crate) async fn authenticate_api_token(&self, secret: &str) -> Result<Caller, DomainError> {
        self.authenticate_api_token_of(secret, false).await
    }

    async fn authenticate_api_token_of(&self, secret: &str, scim: bool) -> Result<Caller, DomainError> {
        let digest = sha256_hex(secret);
        let now = self.clock.now();
        let cached = self
            .api_tokens
            .entries
            .read()
            .get(&digest)
            .filter(|entry| entry.loaded.elapsed() < self.api_tokens.ttl)
            .cloned();
        let entry = match cached {
            Some(entry) => entry,
            None => {
                let token = self.store.find_api_token_by_hash(&digest).await?.ok_or(DomainError::Unauthorized)?;
                let grants = if token.kind == ApiTokenKind::Scim && self.settings.scim_admins {
                    Grants::from_actions(SCIM_ACTIONS.into_iter().chain(SCIM_ADMIN_ACTIONS))
                } else {
                    token.kind.grants(&self.actions, &token.actions)
                };
                let grants = Arc::new(grants);
                let entry = CachedToken { token, grants, loaded: Instant::now() };
                self.api_tokens.entries.write().insert(digest.clone(), entry.clone());
                entry
            }
        };
        if entry.token.expires_at.is_some_and(|expires_at| now >= expires_at)
            || (entry.token.kind == ApiTokenKind::Scim) != scim
        {
            return Err(DomainError::Unauthorized);
        }
        let stale = entry.token.last_used_at.is_none_or(|last| now.as_millis() - last.as_millis() >= LAST_USED_GAP_MS);
        if stale {
            self.store.touch_api_token(entry.token.id, now, LAST_USED_GAP_MS).await?;
            if let Some(cached) = self.api_tokens.entries.write().get_mut(&digest) {
                cached.token.last_used_at = Some(now);
            }
        }
        let provisioning = entry.token.kind == ApiTokenKind::Scim;
        Ok(Caller::new(Principal::ApiToken { id: entry.token.id, provisioning }, entry.grants))
    }
}
