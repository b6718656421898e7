//! Single-use end-user tokens (table `user_tokens`): e-mail confirmation, password reset.
//! Only digests are stored.

use crate::db::{execute, fetch_optional, on_tx, SqlTx};
use gatehouse_domain::ids::UserId;
use gatehouse_domain::model::{NewUserToken, TokenPurpose};
use gatehouse_domain::ports::StoreError;
use gatehouse_domain::time::Timestamp;

const INSERT: &str =
    "INSERT INTO user_tokens (user_id, purpose, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)";
const INVALIDATE: &str = "UPDATE user_tokens SET used_at = $1 WHERE user_id = $2 AND purpose = $3 AND used_at IS NULL";
const CONSUME: &str = "UPDATE user_tokens SET used_at = $1 WHERE token_hash = $2 AND purpose = $3 \
                       AND used_at IS NULL AND expires_at > $1 RETURNING user_id";

/// See [`gatehouse_domain::ports::StoreTx::insert_user_token`].
pub(crate) async fn insert_user_token(tx: &mut SqlTx, token: &NewUserToken) -> Result<(), StoreError> {
    on_tx!(tx, |conn| {
        let statement = sqlx::query(INSERT)
            .bind(token.user_id.0)
            .bind(token.purpose.as_str())
            .bind(&token.token_hash)
            .bind(token.created_at.as_millis())
            .bind(token.expires_at.as_millis());
        execute(statement, conn).await
    })?;
    Ok(())
}

/// See [`gatehouse_domain::ports::StoreTx::invalidate_user_tokens`].
pub(crate) async fn invalidate_user_tokens(
    tx: &mut SqlTx,
    user: UserId,
    purpose: TokenPurpose,
    at: Timestamp,
) -> Result<(), StoreError> {
    on_tx!(tx, |conn| {
        execute(sqlx::query(INVALIDATE).bind(at.as_millis()).bind(user.0).bind(purpose.as_str()), conn).await
    })?;
    Ok(())
}

/// See [`gatehouse_domain::ports::StoreTx::consume_user_token`].
pub(crate) async fn consume_user_token(
    tx: &mut SqlTx,
    purpose: TokenPurpose,
    token_hash: &str,
    now: Timestamp,
) -> Result<Option<UserId>, StoreError> {
    on_tx!(tx, |conn| {
        let statement = sqlx::query(CONSUME).bind(now.as_millis()).bind(token_hash).bind(purpose.as_str());
        fetch_optional(statement, conn, |columns| columns.int().map(UserId)).await
    })
}
