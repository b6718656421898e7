//! Registered identities waiting for their account (table `pending_identities`): taken once
//! by the token's SHA-256, swept once expired.

use crate::db::{execute, fetch_optional, on_pool, on_tx, SqlStore, SqlTx};
use crate::rows::RowExt;
use gatehouse_domain::model::{NewPendingIdentity, PendingIdentity};
use gatehouse_domain::ports::StoreError;
use gatehouse_domain::secret::Secret;
use gatehouse_domain::time::Timestamp;

const INSERT: &str =
    "INSERT INTO pending_identities (email, password_hash, realm, token_hash, created_at, expires_at) \
                      VALUES ($1, $2, $3, $4, $5, $6)";
const FIND: &str = "SELECT email, password_hash FROM pending_identities \
                    WHERE realm = $1 AND token_hash = $2 AND expires_at > $3";
const TAKE: &str = "DELETE FROM pending_identities WHERE realm = $1 AND token_hash = $2 AND expires_at > $3 \
                    RETURNING email, password_hash";
const SWEEP: &str = "DELETE FROM pending_identities WHERE expires_at <= $1";

fn read(columns: &mut crate::rows::Columns<'_, impl RowExt>) -> Result<PendingIdentity, sqlx::Error> {
    Ok(PendingIdentity { email: columns.text()?, password_hash: Secret::from(columns.text()?) })
}

/// See [`gatehouse_domain::ports::StoreTx::insert_pending_identity`].
pub(crate) async fn insert_pending_identity(tx: &mut SqlTx, identity: &NewPendingIdentity) -> Result<(), StoreError> {
    on_tx!(tx, |conn| {
        let statement = sqlx::query(INSERT)
            .bind(&identity.email)
            .bind(identity.password_hash.expose())
            .bind(identity.realm)
            .bind(&identity.token_hash)
            .bind(identity.created_at.as_millis())
            .bind(identity.expires_at.as_millis());
        execute(statement, conn).await
    })?;
    Ok(())
}

/// See [`gatehouse_domain::ports::Store::find_pending_identity`].
pub(crate) async fn find_pending_identity(
    store: &SqlStore,
    realm: &str,
    token_hash: &str,
    now: Timestamp,
) -> Result<Option<PendingIdentity>, StoreError> {
    on_pool!(store, |pool| {
        fetch_optional(sqlx::query(FIND).bind(realm).bind(token_hash).bind(now.as_millis()), pool, read).await
    })
}

/// See [`gatehouse_domain::ports::StoreTx::take_pending_identity`].
pub(crate) async fn take_pending_identity(
    tx: &mut SqlTx,
    realm: &str,
    token_hash: &str,
    now: Timestamp,
) -> Result<Option<PendingIdentity>, StoreError> {
    on_tx!(tx, |conn| {
        fetch_optional(sqlx::query(TAKE).bind(realm).bind(token_hash).bind(now.as_millis()), conn, read).await
    })
}

/// See [`gatehouse_domain::ports::StoreTx::sweep_pending_identities`].
pub(crate) async fn sweep_pending_identities(tx: &mut SqlTx, now: Timestamp) -> Result<u64, StoreError> {
    on_tx!(tx, |conn| execute(sqlx::query(SWEEP).bind(now.as_millis()), conn).await)
}
