//! SQLite: opening the pools, the migrations, and the one place its errors are classified, by
//! extended result code (never by message text, except for the column list of a unique
//! violation, the only place SQLite names the key).
//!
//! Settings: WAL, foreign keys, a busy timeout, full synchronous commits (an answered write
//! survives a crash), and one writer connection that starts every transaction with
//! `BEGIN IMMEDIATE`, so a transaction never fails to upgrade from read to write.
//!
//! Imports only `conflict_keys` from this crate; the modules that run statements import this.

use crate::conflict_keys::conflict_key;
use gatehouse_domain::ports::StoreError;
use sqlx::error::DatabaseError;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteError, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

/// The SQLite migrations.
pub(crate) static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// `SQLITE_TOOBIG`: a string or blob over the size limit.
const TOOBIG: i32 = 18;
/// `SQLITE_CONSTRAINT_PRIMARYKEY`.
const CONSTRAINT_PRIMARYKEY: i32 = 1555;
/// `SQLITE_CONSTRAINT_UNIQUE`.
const CONSTRAINT_UNIQUE: i32 = 2067;

/// The read pool and the single-connection write pool of one database file, and the file's
/// path. A failure names the file and carries the driver's text.
pub(crate) async fn open(
    url: &str,
    max_connections: u32,
    busy_timeout: Duration,
) -> Result<(SqlitePool, SqlitePool, PathBuf), StoreError> {
    let options = SqliteConnectOptions::from_str(url)
        .map_err(|error| StoreError::Other(format!("bad SQLite URL: {error}")))?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(busy_timeout)
        // LIKE is case-sensitive on PostgreSQL; make SQLite agree (case-insensitive operators
        // compare folded copies instead).
        .pragma("case_sensitive_like", "ON");
    let file = options.get_filename().to_owned();
    let path = file.display().to_string();
    let failed = |error: sqlx::Error| StoreError::Other(format!("cannot open the SQLite database {path}: {error}"));
    // The writer is opened first so the file (and WAL mode) exist before readers connect.
    let write = SqlitePoolOptions::new()
        .max_connections(1)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(30))
        .connect_with(options.clone())
        .await
        .map_err(failed)?;
    let read = SqlitePoolOptions::new()
        .max_connections(max_connections.max(1))
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options)
        .await
        .map_err(failed)?;
    Ok((read, write, file))
}

/// Turns an error SQLite reported into a [`StoreError`], by extended result code:
/// - `SQLITE_CONSTRAINT_UNIQUE` (2067) / `_PRIMARYKEY` (1555): [`StoreError::Conflict`], the
///   key derived from the columns the message lists;
/// - `SQLITE_BUSY` (5) / `SQLITE_LOCKED` (6) and their extended codes: [`StoreError::Busy`];
/// - `SQLITE_TOOBIG` (18): [`StoreError::InvalidData`];
/// - anything else: [`StoreError::Other`] with the message and code, for the log.
pub(crate) fn classify(error: &SqliteError) -> StoreError {
    let code = error.code().and_then(|code| code.parse::<i32>().ok()).unwrap_or_default();
    match code {
        CONSTRAINT_UNIQUE | CONSTRAINT_PRIMARYKEY => {
            StoreError::Conflict(conflict_key(&constraint_name(error.message(), code == CONSTRAINT_PRIMARYKEY)))
        }
        code if matches!(code & 0xff, 5 | 6) => StoreError::Busy,
        TOOBIG => StoreError::InvalidData(error.message().to_owned()),
        code => StoreError::Other(format!("SQLite: {} (code {code})", error.message())),
    }
}

/// The name PostgreSQL would give the key a SQLite unique violation names.
/// `UNIQUE constraint failed: users.email_folded` → `users_email_folded_key`;
/// `UNIQUE constraint failed: t.a, t.b` → `t_a_b_key`; a primary key → `t_pkey`;
/// `UNIQUE constraint failed: index 'name'` (an index on expressions) → `name`.
fn constraint_name(message: &str, primary_key: bool) -> String {
    let columns = message.split_once(": ").map_or(message, |(_, columns)| columns);
    if let Some(index) = columns.strip_prefix("index '").and_then(|rest| rest.strip_suffix('\'')) {
        return index.to_owned();
    }
    let mut table = "";
    let mut names = Vec::new();
    for qualified in columns.split(", ") {
        let (owner, column) = qualified.split_once('.').unwrap_or(("", qualified));
        table = owner;
        names.push(column);
    }
    if primary_key {
        format!("{table}_pkey")
    } else {
        format!("{table}_{}_key", names.join("_"))
    }
}

#[cfg(test)]
mod tests {
    use super::constraint_name;

    #[test]
    fn unique_violations_are_named_as_postgresql_names_them() {
        assert_eq!(constraint_name("UNIQUE constraint failed: users.email_folded", false), "users_email_folded_key");
        assert_eq!(constraint_name("UNIQUE constraint failed: t.a, t.b", false), "t_a_b_key");
        assert_eq!(constraint_name("UNIQUE constraint failed: admin_bootstrap.id", true), "admin_bootstrap_pkey");
        assert_eq!(constraint_name("UNIQUE constraint failed: index 'by_lower'", false), "by_lower");
    }
}
