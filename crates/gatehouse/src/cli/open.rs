//! Opening only what a command uses: the store alone, or the store and the domain. No mail
//! templates, no OpenAPI document, no mail sender, no HTTP state.
//!
//! A command that only reads never creates a database: on SQLite the file must exist already
//! (PostgreSQL databases are never created by Gatehouse anyway).

use crate::config::{Config, DatabaseTarget};
use anyhow::bail;
use gatehouse_domain::crypto::password::{HashPool, PasswordHasher};
use gatehouse_domain::ports::Store;
use gatehouse_domain::time::SystemClock;
use gatehouse_domain::Domain;
use std::sync::Arc;

/// What a command does to the database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Access {
    /// Lists: the database must exist.
    Read,
    /// Creates or changes rows: a missing SQLite file is created (and migrated).
    Write,
}

/// The store, with pending migrations applied, over two connections at most.
pub(crate) async fn store(config: &Config, access: Access) -> anyhow::Result<Arc<dyn Store>> {
    if access == Access::Read {
        if let DatabaseTarget::SqliteFile(path) = config.database.target()? {
            if !path.exists() {
                bail!(
                    "there is no database at {} (nothing to list; `gatehouse migrate` or `gatehouse serve` creates it, \
                     --database-url names another)",
                    path.display()
                );
            }
        }
    }
    crate::open_store(config, 2, true).await
}

/// The domain over [`store`]. The domain wants a password hasher; a command hashes one
/// password at most, so its pool is one thread with a short queue.
pub(crate) async fn domain(config: &Config, access: Access) -> anyhow::Result<Domain> {
    let store = store(config, access).await?;
    let settings = config.domain_settings();
    let hasher = PasswordHasher::new(settings.argon2, HashPool::start(1, 4)?)?;
    Ok(Domain::new(store, Arc::new(SystemClock), settings, hasher).await?)
}
