//! Gatehouse's storage: one implementation of the domain's [`Store`] trait that runs on SQLite
//! (the embedded default) and PostgreSQL (scale-out). Statements are parameterised SQL that both
//! backends accept; no SQL is ever pasted from input. Nothing here knows about HTTP; the domain
//! never sees a driver type.
//!
//! Module map (imports point down this list, or from one aggregate to another without a cycle;
//! never back up):
//! - [`connect`] (here): opens a store from a database URL and applies the migrations.
//! - `store_impl` / `store_tx_impl`: `impl Store for SqlStore`, `impl StoreTx for SqlTx`;
//!   delegation only, one line per method to the module of its aggregate.
//! - One module per aggregate, each with its SQL, its column list (defined once) and its row
//!   reader: `users` (with `users::query`, the query model rendered with sea-query), `roles`,
//!   `sessions` (end-user sessions and refresh tokens), `user_tokens`, `api_tokens`, `admins`,
//!   `admin_roles`, `admin_sessions`, `invites`, `access_requests`, `mail`, `events`, `audit`, `secrets`, `webhooks`,
//!   `groups` (groups of end users and their members);
//!   `grants` holds the
//!   three "actions of an owner" tables.
//! - `db`: [`StoreOptions`], [`SqlStore`], [`SqlTx`], the `on_pool!`/`on_tx!` dispatch and the
//!   fetch helpers.
//! - `inline_reads`: short SQLite reads on the calling thread (the hot user reads), declining
//!   to the read pool whatever is long or fails.
//! - `pipelined_reads`: short PostgreSQL reads pipelined over a few tokio-postgres connections,
//!   declining to the pool the same way.
//! - `rows`: reading rows by position, the same for both backends. `like`: `LIKE` escaping.
//! - `classify`: driver errors to [`StoreError`], handing database errors to the backend's
//!   classifier.
//! - `sqlite` / `postgres`: connection settings, migrations and error codes per backend; they
//!   import only `conflict_keys` (constraint name → `ConflictKey`, one table for both).

mod access_requests;
mod admin_roles;
mod admin_sessions;
mod admins;
mod api_tokens;
mod audit;
mod classify;
mod conflict_keys;
mod db;
mod events;
mod grants;
mod groups;
mod inline_reads;
mod invites;
mod like;
mod mail;
mod pending_identities;
mod pipelined_reads;
mod postgres;
mod roles;
mod rows;
mod secrets;
mod seeded_actions;
mod sessions;
mod sqlite;
mod store_impl;
mod store_tx_impl;
mod user_tokens;
mod users;
mod webhooks;

use gatehouse_domain::ports::{Store, StoreError};
use std::sync::Arc;

pub use db::{SqlStore, SqlTx, StoreOptions};

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
