//! SQLite settings: WAL, foreign keys, a busy timeout, full synchronous commits (an answered
//! write survives a crash), and one writer connection that starts every transaction with
//! `BEGIN IMMEDIATE`, so a transaction never fails to upgrade from read to write.

use gatehouse_domain::ports::StoreError;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use std::str::FromStr;
use std::time::Duration;

pub(crate) static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// The read pool and the single-connection write pool of one database file.
pub(crate) async fn open(
    url: &str,
    max_connections: u32,
    busy_timeout: Duration,
) -> Result<(SqlitePool, SqlitePool), StoreError> {
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
    // The writer is opened first so the file (and WAL mode) exist before readers connect.
    let write = SqlitePoolOptions::new()
        .max_connections(1)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(30))
        .connect_with(options.clone())
        .await
        .map_err(crate::store::classify)?;
    let read = SqlitePoolOptions::new()
        .max_connections(max_connections.max(1))
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options)
        .await
        .map_err(crate::store::classify)?;
    Ok((read, write))
}

/// Whether a SQLite error code means "locked by someone else, try later".
pub(crate) fn is_busy(code: &str) -> bool {
    // SQLITE_BUSY (5) and SQLITE_LOCKED (6), with their extended codes (code + 256 * n).
    code.parse::<i32>().is_ok_and(|code| matches!(code & 0xff, 5 | 6))
}
