//! [`classify`]: every driver error becomes a [`StoreError`] here. Errors a database reported
//! go to that backend's own classifier (`sqlite::classify`, `postgres::classify`); the rest
//! (pool, I/O, decoding) are decided here.
//!
//! Imports the backends; they never import this.

use crate::{postgres, sqlite};
use gatehouse_domain::ports::StoreError;
use sqlx::postgres::PgDatabaseError;
use sqlx::sqlite::SqliteError;

/// Turns a driver error into a [`StoreError`]: unique violations name the key they hit,
/// contention becomes [`StoreError::Busy`] (a 503 with `Retry-After`, never a 500), values the
/// database cannot store become [`StoreError::InvalidData`].
pub(crate) fn classify(error: sqlx::Error) -> StoreError {
    match &error {
        sqlx::Error::Database(database) => {
            if let Some(error) = database.try_downcast_ref::<PgDatabaseError>() {
                postgres::classify(error)
            } else if let Some(error) = database.try_downcast_ref::<SqliteError>() {
                sqlite::classify(error)
            } else {
                StoreError::Other(error.to_string())
            }
        }
        sqlx::Error::PoolTimedOut => StoreError::Busy,
        sqlx::Error::Io(_) | sqlx::Error::PoolClosed => {
            // Answered as busy (the client may retry), but logged with the driver's text: a
            // refused or dropped connection is an outage, not contention.
            tracing::warn!(error = %error, "database connection failed; answering busy");
            StoreError::Busy
        }
        _ => StoreError::Other(error.to_string()),
    }
}
