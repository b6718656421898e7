//! PostgreSQL: opening the pool, the migrations, and the one place its errors are classified,
//! by SQLSTATE (never by message text).
//!
//! Imports only `conflict_keys` from this crate; the modules that run statements import this.

use crate::conflict_keys::conflict_key;
use gatehouse_domain::ports::StoreError;
use sqlx::postgres::{PgConnectOptions, PgDatabaseError, PgPool, PgPoolOptions};
use sqlx::{ConnectOptions, Connection};
use std::str::FromStr;
use std::time::Duration;

/// The PostgreSQL migrations.
pub(crate) static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// How long a pooled connection may sit idle and still be handed out without a ping.
const RECENTLY_USED: Duration = Duration::from_secs(1);

/// A connection pool for `url`. A failure names the server (without the password) and carries
/// the driver's text, so "connection refused" is told apart from "busy".
pub(crate) async fn open(url: &str, max_connections: u32) -> Result<PgPool, StoreError> {
    let options =
        PgConnectOptions::from_str(url).map_err(|error| StoreError::Other(format!("bad PostgreSQL URL: {error}")))?;
    let server = format!(
        "postgres://{}@{}:{}/{}",
        options.get_username(),
        options.get_host(),
        options.get_port(),
        options.get_database().unwrap_or_default()
    );
    let failed = |error: sqlx::Error| StoreError::Other(format!("cannot connect to PostgreSQL at {server}: {error}"));
    // One direct connection first: the pool retries a refused connection until its timeout and
    // then reports only "timed out"; this says "connection refused" (or the login error) at once.
    options.connect().await.map_err(failed)?.close().await.map_err(failed)?;
    PgPoolOptions::new()
        .max_connections(max_connections.max(2))
        .acquire_timeout(Duration::from_secs(10))
        // sqlx pings every connection it hands out: a second round trip per statement, which on
        // a page read cost as much PostgreSQL time as the statement. A connection used within
        // the last second is taken as alive; one idle for longer (the server may have restarted
        // or a proxy cut it) is still pinged, and a dead one is closed and another one taken.
        .test_before_acquire(false)
        .before_acquire(|connection, meta| {
            Box::pin(async move {
                if meta.idle_for >= RECENTLY_USED {
                    connection.ping().await?;
                }
                Ok(true)
            })
        })
        .connect_with(options)
        .await
        .map_err(failed)
}

/// Turns an error PostgreSQL reported into a [`StoreError`], by SQLSTATE:
/// - `23505` unique_violation: [`StoreError::Conflict`], the key named by the constraint;
/// - contention (`40001` serialization failure, `40P01` deadlock, `55P03` lock not available,
///   `53300` too many connections, `57P01`/`57P02`/`57P03` the server shutting down or
///   starting): [`StoreError::Busy`];
/// - class `22` data exceptions (`22021` invalid byte sequence such as NUL, `22P05` an
///   untranslatable character in JSON, a value too long…): [`StoreError::InvalidData`];
/// - anything else: [`StoreError::Other`] with the message and code, for the log.
pub(crate) fn classify(error: &PgDatabaseError) -> StoreError {
    match error.code() {
        "23505" => StoreError::Conflict(conflict_key(error.constraint().unwrap_or_default())),
        "40001" | "40P01" | "55P03" | "53300" | "57P01" | "57P02" | "57P03" => StoreError::Busy,
        code if code.starts_with("22") => StoreError::InvalidData(format!("{} (SQLSTATE {code})", error.message())),
        code => StoreError::Other(format!("PostgreSQL: {} (SQLSTATE {code})", error.message())),
    }
}
