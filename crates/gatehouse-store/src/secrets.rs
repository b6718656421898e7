//! Generated secrets (table `secrets`), such as the JWT signing key: the first node to start
//! inserts its candidate, every node reads back the one that won.

use crate::db::{execute, fetch_one, on_tx, SqlStore};
use gatehouse_domain::ports::StoreError;
use gatehouse_domain::time::Timestamp;

const INSERT: &str = "INSERT INTO secrets (name, value, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING";
const READ: &str = "SELECT value FROM secrets WHERE name = $1";

/// See [`gatehouse_domain::ports::Store::secret`]: insert-if-absent and read back, in one
/// transaction.
pub(crate) async fn secret(
    store: &SqlStore,
    name: &str,
    candidate: &str,
    now: Timestamp,
) -> Result<String, StoreError> {
    let mut tx = store.begin_tx().await?;
    let value = on_tx!(tx, |conn| {
        execute(sqlx::query(INSERT).bind(name).bind(candidate).bind(now.as_millis()), &mut *conn).await?;
        fetch_one(sqlx::query(READ).bind(name), &mut *conn, |columns| columns.text()).await
    })?;
    tx.commit_tx().await?;
    Ok(value)
}
