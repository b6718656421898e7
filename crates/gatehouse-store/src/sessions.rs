//! End-user sessions (table `user_sessions`) and their refresh tokens (`refresh_tokens`). The
//! session row of the hot path comes back with its user in one round trip.

use crate::db::{execute, fetch_all, fetch_optional, on_pool, on_tx, on_write_pool, SqlStore, SqlTx};
use crate::rows::{Columns, RowExt};
use crate::users::{self, user_columns};
use gatehouse_domain::ids::{SessionId, UserId};
use gatehouse_domain::model::{NewSession, RefreshTokenRecord, SessionRecord, User};
use gatehouse_domain::ports::StoreError;
use gatehouse_domain::time::Timestamp;

/// The session columns, in the order [`read`] takes them.
macro_rules! session_columns {
    () => {
        "user_sessions.id, user_sessions.user_id, user_sessions.device_id, user_sessions.created_at, \
         user_sessions.last_active_at, user_sessions.expires_at, user_sessions.revoked_at"
    };
}

/// Reads a session from the columns of [`session_columns!`].
fn read(columns: &mut Columns<'_, impl RowExt>) -> Result<SessionRecord, sqlx::Error> {
    Ok(SessionRecord {
        id: SessionId(columns.text()?),
        user_id: UserId(columns.int()?),
        device_id: columns.opt_text()?,
        created_at: columns.time()?,
        last_active_at: columns.time()?,
        expires_at: columns.time()?,
        revoked_at: columns.opt_time()?,
    })
}

/// The refresh token columns with their session's state, in the order [`read_refresh_token`]
/// takes them.
macro_rules! refresh_token_columns {
    () => {
        "refresh_tokens.token_hash, refresh_tokens.session_id, user_sessions.user_id, refresh_tokens.expires_at, \
         user_sessions.expires_at, refresh_tokens.rotated_at, refresh_tokens.replaced_by, user_sessions.revoked_at"
    };
}

/// Reads a refresh token from the columns of [`refresh_token_columns!`]; it lives no longer
/// than its session.
fn read_refresh_token(columns: &mut Columns<'_, impl RowExt>) -> Result<RefreshTokenRecord, sqlx::Error> {
    let token_hash = columns.text()?;
    let session_id = SessionId(columns.text()?);
    let user_id = UserId(columns.int()?);
    let expires_at = columns.time()?;
    let session_expires_at = columns.time()?;
    Ok(RefreshTokenRecord {
        token_hash,
        session_id,
        user_id,
        expires_at: expires_at.min(session_expires_at),
        rotated_at: columns.opt_time()?,
        replaced_by: columns.opt_text()?,
        session_live: columns.opt_int()?.is_none(),
    })
}

const FIND_WITH_USER: &str = concat!(
    "SELECT ",
    session_columns!(),
    ", ",
    user_columns!(),
    " FROM user_sessions JOIN users ON users.id = user_sessions.user_id WHERE user_sessions.id = $1"
);
const LIST_LIVE: &str = concat!(
    "SELECT ",
    session_columns!(),
    " FROM user_sessions WHERE user_sessions.user_id = $1 AND user_sessions.revoked_at IS NULL \
     AND user_sessions.expires_at > $2 ORDER BY user_sessions.created_at DESC, user_sessions.id"
);
const TOUCH: &str = "UPDATE user_sessions SET last_active_at = $1 WHERE id = $2 AND last_active_at <= $3";
const INSERT: &str = "INSERT INTO user_sessions (id, user_id, device_id, created_at, last_active_at, expires_at) \
                      VALUES ($1, $2, $3, $4, $4, $5)";
const REVOKE: &str =
    "UPDATE user_sessions SET revoked_at = $1, revoked_reason = $2 WHERE id = $3 AND revoked_at IS NULL";
const REVOKE_ALL: &str = "UPDATE user_sessions SET revoked_at = $1, revoked_reason = $2 \
                          WHERE user_id = $3 AND revoked_at IS NULL AND expires_at > $1 RETURNING id";
const REVOKE_OTHERS: &str = "UPDATE user_sessions SET revoked_at = $1, revoked_reason = $2 \
                             WHERE user_id = $3 AND id <> $4 AND revoked_at IS NULL AND expires_at > $1 RETURNING id";
const EXTEND: &str = "UPDATE user_sessions SET expires_at = $1, last_active_at = $2 WHERE id = $3";
const FIND_REFRESH_TOKEN: &str = concat!(
    "SELECT ",
    refresh_token_columns!(),
    " FROM refresh_tokens JOIN user_sessions ON user_sessions.id = refresh_tokens.session_id \
     WHERE refresh_tokens.token_hash = $1"
);
const INSERT_REFRESH_TOKEN: &str =
    "INSERT INTO refresh_tokens (token_hash, session_id, created_at, expires_at) VALUES ($1, $2, $3, $4)";
const ROTATE_REFRESH_TOKEN: &str =
    "UPDATE refresh_tokens SET rotated_at = $1, replaced_by = $2 WHERE token_hash = $3 AND rotated_at IS NULL";
const RETIRE_REFRESH_TOKENS: &str =
    "UPDATE refresh_tokens SET rotated_at = $1, replaced_by = $2 WHERE session_id = $3 AND rotated_at IS NULL";

/// See [`gatehouse_domain::ports::Store::find_session_with_user`]: one round trip.
pub(crate) async fn find_session_with_user(
    store: &SqlStore,
    id: &SessionId,
) -> Result<Option<(SessionRecord, User)>, StoreError> {
    on_pool!(store, |pool| {
        fetch_optional(sqlx::query(FIND_WITH_USER).bind(&id.0), pool, |columns| {
            Ok((read(columns)?, users::read(columns)?))
        })
        .await
    })
}

/// See [`gatehouse_domain::ports::Store::list_live_sessions`].
pub(crate) async fn list_live_sessions(
    store: &SqlStore,
    user: UserId,
    now: Timestamp,
) -> Result<Vec<SessionRecord>, StoreError> {
    on_pool!(store, |pool| fetch_all(sqlx::query(LIST_LIVE).bind(user.0).bind(now.as_millis()), pool, read).await)
}

/// See [`gatehouse_domain::ports::Store::touch_session`].
pub(crate) async fn touch_session(
    store: &SqlStore,
    id: &SessionId,
    at: Timestamp,
    min_gap_ms: i64,
) -> Result<(), StoreError> {
    on_write_pool!(store, |pool| {
        execute(sqlx::query(TOUCH).bind(at.as_millis()).bind(&id.0).bind(at.as_millis() - min_gap_ms), pool).await
    })?;
    Ok(())
}

/// See [`gatehouse_domain::ports::StoreTx::insert_session`].
pub(crate) async fn insert_session(tx: &mut SqlTx, session: &NewSession) -> Result<(), StoreError> {
    on_tx!(tx, |conn| {
        let statement = sqlx::query(INSERT)
            .bind(&session.id.0)
            .bind(session.user_id.0)
            .bind(&session.device_id)
            .bind(session.created_at.as_millis())
            .bind(session.expires_at.as_millis());
        execute(statement, conn).await
    })?;
    Ok(())
}

/// See [`gatehouse_domain::ports::StoreTx::revoke_session`].
pub(crate) async fn revoke_session(
    tx: &mut SqlTx,
    id: &SessionId,
    at: Timestamp,
    reason: &str,
) -> Result<bool, StoreError> {
    let changed =
        on_tx!(tx, |conn| execute(sqlx::query(REVOKE).bind(at.as_millis()).bind(reason).bind(&id.0), conn).await)?;
    Ok(changed > 0)
}

/// See [`gatehouse_domain::ports::StoreTx::revoke_user_sessions`].
pub(crate) async fn revoke_user_sessions(
    tx: &mut SqlTx,
    user: UserId,
    at: Timestamp,
    reason: &str,
) -> Result<Vec<SessionId>, StoreError> {
    on_tx!(tx, |conn| {
        let statement = sqlx::query(REVOKE_ALL).bind(at.as_millis()).bind(reason).bind(user.0);
        fetch_all(statement, conn, |columns| columns.text().map(SessionId)).await
    })
}

/// See [`gatehouse_domain::ports::StoreTx::revoke_other_sessions`].
pub(crate) async fn revoke_other_sessions(
    tx: &mut SqlTx,
    user: UserId,
    keep: &SessionId,
    at: Timestamp,
    reason: &str,
) -> Result<Vec<SessionId>, StoreError> {
    on_tx!(tx, |conn| {
        let statement = sqlx::query(REVOKE_OTHERS).bind(at.as_millis()).bind(reason).bind(user.0).bind(&keep.0);
        fetch_all(statement, conn, |columns| columns.text().map(SessionId)).await
    })
}

/// See [`gatehouse_domain::ports::StoreTx::extend_session`].
pub(crate) async fn extend_session(
    tx: &mut SqlTx,
    id: &SessionId,
    expires_at: Timestamp,
    at: Timestamp,
) -> Result<(), StoreError> {
    on_tx!(tx, |conn| {
        execute(sqlx::query(EXTEND).bind(expires_at.as_millis()).bind(at.as_millis()).bind(&id.0), conn).await
    })?;
    Ok(())
}

/// See [`gatehouse_domain::ports::Store::find_refresh_token`].
pub(crate) async fn find_refresh_token(
    store: &SqlStore,
    token_hash: &str,
) -> Result<Option<RefreshTokenRecord>, StoreError> {
    on_pool!(store, |pool| {
        fetch_optional(sqlx::query(FIND_REFRESH_TOKEN).bind(token_hash), pool, read_refresh_token).await
    })
}

/// See [`gatehouse_domain::ports::StoreTx::insert_refresh_token`].
pub(crate) async fn insert_refresh_token(
    tx: &mut SqlTx,
    token_hash: &str,
    session: &SessionId,
    created_at: Timestamp,
    expires_at: Timestamp,
) -> Result<(), StoreError> {
    on_tx!(tx, |conn| {
        let statement = sqlx::query(INSERT_REFRESH_TOKEN)
            .bind(token_hash)
            .bind(&session.0)
            .bind(created_at.as_millis())
            .bind(expires_at.as_millis());
        execute(statement, conn).await
    })?;
    Ok(())
}

/// See [`gatehouse_domain::ports::StoreTx::rotate_refresh_token`].
pub(crate) async fn rotate_refresh_token(
    tx: &mut SqlTx,
    token_hash: &str,
    replaced_by: &str,
    at: Timestamp,
) -> Result<bool, StoreError> {
    let changed = on_tx!(tx, |conn| {
        execute(sqlx::query(ROTATE_REFRESH_TOKEN).bind(at.as_millis()).bind(replaced_by).bind(token_hash), conn).await
    })?;
    Ok(changed == 1)
}

/// See [`gatehouse_domain::ports::StoreTx::retire_refresh_tokens`].
pub(crate) async fn retire_refresh_tokens(
    tx: &mut SqlTx,
    session: &SessionId,
    replaced_by: &str,
    at: Timestamp,
) -> Result<(), StoreError> {
    on_tx!(tx, |conn| {
        execute(sqlx::query(RETIRE_REFRESH_TOKENS).bind(at.as_millis()).bind(replaced_by).bind(&session.0), conn).await
    })?;
    Ok(())
}
