//! Admin sessions (table `admin_sessions`). A session comes back with its admin and the
//! admin's roles in one round trip.

use crate::admin_roles::admin_role_columns;
use crate::admins::{self, admin_columns, join_admin_roles};
use crate::db::{execute, fetch_all, fetch_optional, fetch_rows, on_pool, on_tx, SqlStore, SqlTx};
use crate::rows::{Columns, RowExt};
use gatehouse_domain::ids::{AdminId, SessionId};
use gatehouse_domain::model::{Admin, AdminSessionRecord};
use gatehouse_domain::ports::StoreError;
use gatehouse_domain::time::Timestamp;

/// The admin session columns, in the order [`read`] takes them.
macro_rules! admin_session_columns {
    () => {
        "admin_sessions.id, admin_sessions.admin_id, admin_sessions.expires_at, admin_sessions.revoked_at"
    };
}

/// Reads an admin session from the columns of [`admin_session_columns!`].
fn read(columns: &mut Columns<'_, impl RowExt>) -> Result<AdminSessionRecord, sqlx::Error> {
    Ok(AdminSessionRecord {
        id: SessionId(columns.text()?),
        admin_id: AdminId(columns.int()?),
        expires_at: columns.time()?,
        revoked_at: columns.opt_time()?,
    })
}

const FIND_WITH_ADMIN: &str = concat!(
    "SELECT ",
    admin_session_columns!(),
    ", ",
    admin_columns!(),
    ", ",
    admin_role_columns!(),
    " FROM admin_sessions JOIN admins ON admins.id = admin_sessions.admin_id ",
    join_admin_roles!(),
    " WHERE admin_sessions.id = $1 ORDER BY admin_roles.id"
);
const FIND_BY_REFRESH: &str =
    concat!("SELECT ", admin_session_columns!(), " FROM admin_sessions WHERE admin_sessions.refresh_hash = $1");
const INSERT: &str = "INSERT INTO admin_sessions (id, admin_id, refresh_hash, created_at, last_active_at, expires_at) \
                      VALUES ($1, $2, $3, $4, $4, $5)";
const REVOKE: &str =
    "UPDATE admin_sessions SET revoked_at = $1, revoked_reason = $2 WHERE id = $3 AND revoked_at IS NULL";
const REVOKE_ALL: &str = "UPDATE admin_sessions SET revoked_at = $1, revoked_reason = $2 \
                          WHERE admin_id = $3 AND revoked_at IS NULL AND expires_at > $1 RETURNING id";

/// See [`gatehouse_domain::ports::Store::find_admin_session`]: one round trip, the admin's
/// roles included.
pub(crate) async fn find_admin_session(
    store: &SqlStore,
    id: &SessionId,
) -> Result<Option<(AdminSessionRecord, Admin)>, StoreError> {
    let found = on_pool!(store, |pool| {
        let rows = fetch_rows(sqlx::query(FIND_WITH_ADMIN).bind(&id.0), pool).await?;
        admins::fold_with_roles(&rows, |_| Ok(()), read)
    })?;
    Ok(found.into_iter().next())
}

/// See [`gatehouse_domain::ports::Store::find_admin_session_by_refresh`].
pub(crate) async fn find_admin_session_by_refresh(
    store: &SqlStore,
    refresh_hash: &str,
) -> Result<Option<AdminSessionRecord>, StoreError> {
    on_pool!(store, |pool| fetch_optional(sqlx::query(FIND_BY_REFRESH).bind(refresh_hash), pool, read).await)
}

/// See [`gatehouse_domain::ports::StoreTx::insert_admin_session`].
pub(crate) async fn insert_admin_session(
    tx: &mut SqlTx,
    id: &SessionId,
    admin: AdminId,
    refresh_hash: &str,
    now: Timestamp,
    expires_at: Timestamp,
) -> Result<(), StoreError> {
    on_tx!(tx, |conn| {
        let statement = sqlx::query(INSERT)
            .bind(&id.0)
            .bind(admin.0)
            .bind(refresh_hash)
            .bind(now.as_millis())
            .bind(expires_at.as_millis());
        execute(statement, conn).await
    })?;
    Ok(())
}

/// See [`gatehouse_domain::ports::StoreTx::revoke_admin_session`].
pub(crate) async fn revoke_admin_session(
    tx: &mut SqlTx,
    id: &SessionId,
    at: Timestamp,
    reason: &str,
) -> Result<bool, StoreError> {
    let changed =
        on_tx!(tx, |conn| execute(sqlx::query(REVOKE).bind(at.as_millis()).bind(reason).bind(&id.0), conn).await)?;
    Ok(changed > 0)
}

/// See [`gatehouse_domain::ports::StoreTx::revoke_admin_sessions`].
pub(crate) async fn revoke_admin_sessions(
    tx: &mut SqlTx,
    admin: AdminId,
    at: Timestamp,
    reason: &str,
) -> Result<Vec<SessionId>, StoreError> {
    on_tx!(tx, |conn| {
        let statement = sqlx::query(REVOKE_ALL).bind(at.as_millis()).bind(reason).bind(admin.0);
        fetch_all(statement, conn, |columns| columns.text().map(SessionId)).await
    })
}
