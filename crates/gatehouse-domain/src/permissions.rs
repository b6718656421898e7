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
}

impl PermissionCache {
    /// An empty cache whose entries live `ttl`.
    pub fn new(ttl: Duration) -> Self {
        Self { ttl, roles: RwLock::new(HashMap::new()), public_role: RwLock::new(None) }
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
    }
}
