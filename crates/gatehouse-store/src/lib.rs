//! Gatehouse's storage: one implementation of the domain's [`Store`] trait that runs on SQLite
//! (the embedded default) and PostgreSQL (scale-out).
//!
//! Module map:
//! - [`connect`]: opens a store from a database URL and applies the migrations.
//! - `sqlite` / `postgres`: connection settings and error classification per backend.
//! - `rows`: decoding rows into domain types, the same for both backends.
//! - `users_query`: the users query model rendered with sea-query.
//! - `store`: the trait implementations. Statements are parameterised SQL that both backends
//!   accept; no SQL is ever pasted from input.
//!
//! Nothing here knows about HTTP; the domain never sees a driver type.

mod postgres;
mod rows;
mod sqlite;
mod store;
mod users_query;

use gatehouse_domain::ports::{Store, StoreError};
use std::sync::Arc;
use std::time::Duration;

pub use store::SqlStore;

/// How to open the store.
#[derive(Clone, Debug)]
pub struct StoreOptions {
    /// `sqlite://PATH` (created when missing) or `postgres://…`.
    pub url: String,
    /// Largest PostgreSQL pool (and SQLite read pool).
    pub max_connections: u32,
    /// How long SQLite waits on a lock held by another process before answering busy.
    pub busy_timeout: Duration,
    /// Whether to apply pending migrations while connecting.
    pub migrate: bool,
}

impl StoreOptions {
    /// Defaults for `url`: migrations applied, 16 connections, 5 s busy timeout.
    pub fn new(url: impl Into<String>) -> Self {
        Self { url: url.into(), max_connections: 16, busy_timeout: Duration::from_secs(5), migrate: true }
    }
}

/// Opens the store named by `options.url` and, unless told not to, applies pending migrations
/// (on PostgreSQL under an advisory lock, so several nodes may start at once).
pub async fn connect(options: &StoreOptions) -> Result<Arc<dyn Store>, StoreError> {
    let store = SqlStore::connect(options).await?;
    if options.migrate {
        store.migrate().await?;
    }
    Ok(Arc::new(store))
}

/// The migration file names of each backend, for the parity check.
pub fn migration_names() -> (Vec<String>, Vec<String>) {
    let names = |migrator: &sqlx::migrate::Migrator| {
        migrator.iter().map(|migration| format!("{:04}_{}", migration.version, migration.description)).collect()
    };
    (names(&sqlite::MIGRATOR), names(&postgres::MIGRATOR))
}

#[cfg(test)]
mod tests {
    #[test]
    fn both_backends_have_the_same_migrations() {
        let (sqlite, postgres) = super::migration_names();
        assert!(!sqlite.is_empty());
        assert_eq!(sqlite, postgres, "migrations/sqlite and migrations/postgres must use the same file stems");
    }
}
