//! [`Domain`]: the one entry point surfaces call. It owns the store handle, the clock, the
//! password hasher, the realm keys and the caches; the use cases are `impl Domain` blocks in
//! their own modules ([`crate::accounts`], [`crate::sessions`]).

use crate::action::{ActionRealm, ActionRegistry};
use crate::api_tokens::ApiTokenCache;
use crate::crypto::jwt::{JwtKeys, Realm};
use crate::crypto::password::PasswordHasher;
use crate::crypto::token::random_hex;
use crate::error::DomainError;
use crate::permissions::PermissionCache;
use crate::ports::Store;
use crate::sessions::SessionCache;
use crate::settings::DomainSettings;
use crate::time::{Clock, Timestamp};
use std::collections::HashSet;
use std::sync::Arc;

/// Name of the generated end-user JWT secret in the store.
const API_JWT_SECRET: &str = "jwt_secret.api";
/// Name of the generated admin JWT secret in the store (its own key: the realms never mix).
const ADMIN_JWT_SECRET: &str = "jwt_secret.admin";

/// The domain: every use case is a method on it.
pub struct Domain {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) settings: DomainSettings,
    pub(crate) hasher: PasswordHasher,
    pub(crate) actions: ActionRegistry,
    pub(crate) hooks: crate::hooks::UserHooks,
    pub(crate) api_jwt: JwtKeys,
    pub(crate) admin_jwt: JwtKeys,
    pub(crate) sessions: SessionCache,
    pub(crate) permissions: PermissionCache,
    pub(crate) api_tokens: ApiTokenCache,
    /// The installation's id, read once (see [`Domain::instance_id`]).
    pub(crate) instance_id: std::sync::OnceLock<String>,
}

impl Domain {
    /// Wires the domain with the built-in actions (see [`Domain::with_actions`]).
    pub async fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        settings: DomainSettings,
        hasher: PasswordHasher,
    ) -> Result<Self, DomainError> {
        Self::with_actions(store, clock, settings, hasher, ActionRegistry::builtin()).await
    }

    /// Wires the domain. The end-user JWT secret is generated on first start and persisted in
    /// the store, so restarts (and other nodes) keep accepting the same tokens. The default
    /// grants of every action seen for the first time are seeded now.
    pub async fn with_actions(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        settings: DomainSettings,
        hasher: PasswordHasher,
        actions: ActionRegistry,
    ) -> Result<Self, DomainError> {
        seed_default_grants(store.as_ref(), &actions, clock.now()).await?;
        let secret = store.secret(API_JWT_SECRET, &random_hex(32), clock.now()).await?;
        let admin_secret = store.secret(ADMIN_JWT_SECRET, &random_hex(32), clock.now()).await?;
        Ok(Self {
            api_jwt: JwtKeys::new(Realm::Api, secret.as_bytes()),
            admin_jwt: JwtKeys::new(Realm::Admin, admin_secret.as_bytes()),
            sessions: SessionCache::new(settings.cache_ttl),
            permissions: PermissionCache::new(settings.cache_ttl),
            api_tokens: ApiTokenCache::new(settings.cache_ttl),
            instance_id: std::sync::OnceLock::new(),
            store,
            clock,
            settings,
            hasher,
            actions,
            hooks: crate::hooks::UserHooks::default(),
        })
    }

    /// The domain with `hooks` run around the user use cases (see [`crate::hooks`]).
    #[must_use]
    pub fn with_user_hooks(mut self, hooks: crate::hooks::UserHooks) -> Self {
        self.hooks = hooks;
        self
    }

    /// Every action this server knows.
    pub fn actions(&self) -> &ActionRegistry {
        &self.actions
    }

    /// The store, for tests and read-only tools that inspect state; surfaces go through the
    /// use cases instead.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// Signalled when this node commits events or mail, to wake the background senders.
    pub fn queued_work(&self) -> Arc<crate::ports::QueuedWork> {
        Arc::clone(self.store.queued_work())
    }

    /// The clock.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// The settings in force.
    pub fn settings(&self) -> &DomainSettings {
        &self.settings
    }

    /// The password hasher (for the hash-pool metric).
    pub fn hasher(&self) -> &PasswordHasher {
        &self.hasher
    }
}

/// Grants each action that the store has not seen yet to its default roles, and marks it seen,
/// in one transaction. An action is seeded once: a grant an administrator later removes stays
/// removed across restarts. Several nodes starting at once insert the same rows idempotently.
async fn seed_default_grants(store: &dyn Store, actions: &ActionRegistry, now: Timestamp) -> Result<(), DomainError> {
    let seen: HashSet<String> = store.list_seeded_actions().await?.into_iter().collect();
    let new: Vec<_> = actions.all().iter().filter(|action| !seen.contains(action.as_str())).collect();
    if new.is_empty() {
        return Ok(());
    }
    let mut tx = store.begin().await?;
    for action in new {
        let spec = action.spec();
        tx.seed_action(spec.name, spec.realm == ActionRealm::Admin, spec.default_roles, now).await?;
    }
    tx.commit().await?;
    Ok(())
}
