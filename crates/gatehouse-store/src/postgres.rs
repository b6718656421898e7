//! PostgreSQL settings and error codes.

use gatehouse_domain::ports::StoreError;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use std::str::FromStr;
use std::time::Duration;

pub(crate) static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// A connection pool for `url`.
pub(crate) async fn open(url: &str, max_connections: u32) -> Result<PgPool, StoreError> {
    let options =
        PgConnectOptions::from_str(url).map_err(|error| StoreError::Other(format!("bad PostgreSQL URL: {error}")))?;
    PgPoolOptions::new()
        .max_connections(max_connections.max(2))
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options)
        .await
        .map_err(crate::store::classify)
}

/// Whether a SQLSTATE means "contention, try later": serialization failure, deadlock, lock
/// not available, too many connections, or the server shutting down.
pub(crate) fn is_busy(code: &str) -> bool {
    matches!(code, "40001" | "40P01" | "55P03" | "53300" | "57P01" | "57P03")
}
