//! Role grants, cached in memory: the permission check of every request must not touch the
//! database. Entries live at most `cache_ttl` and are dropped at once when a role changes here.

use crate::action::ActionRegistry;
use crate::caller::Grants;
use crate::error::DomainError;
use crate::ids::RoleId;
use crate::model::Role;
use crate::ports::Store;
use parking_lot::RwLock;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Cached grants per role, and the id of the `public` role.
pub struct PermissionCache {
    ttl: Duration,
    roles: RwLock<HashMap<RoleId, (Arc<Grants>, Instant)>>,
    public_role: RwLock<Option<(RoleId, Instant)>>,
    /// Each role's type, for the `has-role` route policy.
    role_types: RwLock<HashMap<RoleId, (Arc<str>, Instant)>>,
}

impl PermissionCache {
    /// An empty cache whose entries live `ttl`.
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            roles: RwLock::new(HashMap::new()),
            public_role: RwLock::new(None),
            role_types: RwLock::new(HashMap::new()),
        }
    }

    /// The type of `role` (`authenticated`, `editor`), read once per `cache_ttl`; empty for a
    /// role that no longer exists.
    pub async fn role_type(&self, store: &dyn Store, role: RoleId) -> Result<Arc<str>, DomainError> {
        if let Some((role_type, loaded)) = self.role_types.read().get(&role) {
            if loaded.elapsed() < self.ttl {
                return Ok(role_type.clone());
            }
        }
        let role_type: Arc<str> =
            Arc::from(store.find_role(role).await?.map(|role| role.role_type).unwrap_or_default());
        self.role_types.write().insert(role, (role_type.clone(), Instant::now()));
        Ok(role_type)
    }

    /// The grants of `role`.
    pub async fn grants(
        &self,
        store: &dyn Store,
        actions: &ActionRegistry,
        role: RoleId,
    ) -> Result<Arc<Grants>, DomainError> {
        if let Some((grants, loaded)) = self.roles.read().get(&role) {
            if loaded.elapsed() < self.ttl {
                return Ok(grants.clone());
            }
        }
        let grants = Arc::new(Grants::from_actions(actions.known(store.list_role_actions(role).await?)));
        self.roles.write().insert(role, (grants.clone(), Instant::now()));
        Ok(grants)
    }

    /// The grants of the `public` role, which anonymous callers act with.
    pub async fn public_grants(&self, store: &dyn Store, actions: &ActionRegistry) -> Result<Arc<Grants>, DomainError> {
        let cached = *self.public_role.read();
        let role = match cached {
            Some((role, loaded)) if loaded.elapsed() < self.ttl => role,
            _ => {
                let role = store
                    .find_role_by_type(Role::PUBLIC)
                    .await?
                    .ok_or_else(|| DomainError::Internal("the public role is missing".into()))?
                    .id;
                *self.public_role.write() = Some((role, Instant::now()));
                role
            }
        };
        self.grants(store, actions, role).await
    }

    /// Forgets one role's grants (after it changed).
    pub fn invalidate(&self, role: RoleId) {
        self.roles.write().remove(&role);
        self.role_types.write().remove(&role);
    }
}
