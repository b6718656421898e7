//! Admin invites (table `admin_invites`). Invites come back with their admin and the admin's
//! roles in one round trip, for one invite or the whole list.

use crate::admin_roles::admin_role_columns;
use crate::admins::{self, admin_columns, join_admin_roles};
use crate::db::{execute, fetch_one, fetch_optional, fetch_rows, on_pool, on_tx, SqlStore, SqlTx};
use crate::rows::{Columns, RowExt};
use gatehouse_domain::ids::{AdminId, InviteId};
use gatehouse_domain::model::{Admin, Invite};
use gatehouse_domain::ports::StoreError;
use gatehouse_domain::time::Timestamp;

/// The invite columns, in the order [`read`] takes them.
macro_rules! invite_columns {
    () => {
        "admin_invites.id, admin_invites.admin_id, admin_invites.created_at, admin_invites.expires_at, \
         admin_invites.accepted_at, admin_invites.revoked_at, admin_invites.metadata"
    };
}

/// Reads an invite from the columns of [`invite_columns!`].
fn read(columns: &mut Columns<'_, impl RowExt>) -> Result<Invite, sqlx::Error> {
    Ok(Invite {
        id: InviteId(columns.int()?),
        admin_id: AdminId(columns.int()?),
        created_at: columns.time()?,
        expires_at: columns.time()?,
        accepted_at: columns.opt_time()?,
        revoked_at: columns.opt_time()?,
        metadata: columns.opt_json()?,
    })
}

/// `SELECT <invite>, <admin>, <admin role>` over the invites `$where` keeps, newest first.
macro_rules! with_admin {
    ($where:literal) => {
        concat!(
            "SELECT ",
            invite_columns!(),
            ", ",
            admin_columns!(),
            ", ",
            admin_role_columns!(),
            " FROM admin_invites JOIN admins ON admins.id = admin_invites.admin_id ",
            join_admin_roles!(),
            " ",
            $where,
            " ORDER BY admin_invites.id DESC, admin_roles.id"
        )
    };
}

const FIND_BY_TOKEN: &str = with_admin!("WHERE admin_invites.token_hash = $1");
const FIND: &str = with_admin!("WHERE admin_invites.id = $1");
const LIST: &str = with_admin!("");
const INSERT: &str =
    "INSERT INTO admin_invites (admin_id, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4) RETURNING id";
const REISSUE: &str = "UPDATE admin_invites SET token_hash = $1, created_at = $2, expires_at = $3, revoked_at = NULL \
                       WHERE id = $4 AND accepted_at IS NULL";
const SET_METADATA: &str = "UPDATE admin_invites SET metadata = $1 WHERE id = $2";
const REVOKE: &str = "UPDATE admin_invites SET revoked_at = $1 WHERE id = $2 AND accepted_at IS NULL";
const ACCEPT: &str = concat!(
    "UPDATE admin_invites SET accepted_at = $1 WHERE token_hash = $2 AND accepted_at IS NULL \
     AND revoked_at IS NULL AND expires_at > $1 RETURNING ",
    invite_columns!()
);

/// Folds the rows of a [`with_admin!`] statement.
fn fold<R: RowExt>(rows: &[R]) -> Result<Vec<(Invite, Admin)>, StoreError> {
    admins::fold_with_roles(rows, |row| row.int(0), read)
}

/// See [`gatehouse_domain::ports::Store::find_invite_by_token`].
pub(crate) async fn find_invite_by_token(
    store: &SqlStore,
    token_hash: &str,
) -> Result<Option<(Invite, Admin)>, StoreError> {
    on_pool!(store, |pool| fold(&fetch_rows(sqlx::query(FIND_BY_TOKEN).bind(token_hash), pool).await?))
        .map(|found| found.into_iter().next())
}

/// See [`gatehouse_domain::ports::Store::find_invite`].
pub(crate) async fn find_invite(store: &SqlStore, id: InviteId) -> Result<Option<(Invite, Admin)>, StoreError> {
    on_pool!(store, |pool| fold(&fetch_rows(sqlx::query(FIND).bind(id.0), pool).await?))
        .map(|found| found.into_iter().next())
}

/// See [`gatehouse_domain::ports::Store::list_invites`]: one round trip for all of them.
pub(crate) async fn list_invites(store: &SqlStore) -> Result<Vec<(Invite, Admin)>, StoreError> {
    on_pool!(store, |pool| fold(&fetch_rows(sqlx::query(LIST), pool).await?))
}

/// See [`gatehouse_domain::ports::StoreTx::insert_invite`].
pub(crate) async fn insert_invite(
    tx: &mut SqlTx,
    admin: AdminId,
    token_hash: &str,
    now: Timestamp,
    expires_at: Timestamp,
) -> Result<InviteId, StoreError> {
    on_tx!(tx, |conn| {
        let statement =
            sqlx::query(INSERT).bind(admin.0).bind(token_hash).bind(now.as_millis()).bind(expires_at.as_millis());
        fetch_one(statement, conn, |columns| columns.int().map(InviteId)).await
    })
}

/// See [`gatehouse_domain::ports::StoreTx::reissue_invite`].
pub(crate) async fn reissue_invite(
    tx: &mut SqlTx,
    id: InviteId,
    token_hash: &str,
    now: Timestamp,
    expires_at: Timestamp,
) -> Result<bool, StoreError> {
    let changed = on_tx!(tx, |conn| {
        let statement =
            sqlx::query(REISSUE).bind(token_hash).bind(now.as_millis()).bind(expires_at.as_millis()).bind(id.0);
        execute(statement, conn).await
    })?;
    Ok(changed > 0)
}

/// See [`gatehouse_domain::ports::StoreTx::set_invite_metadata`].
pub(crate) async fn set_invite_metadata(
    tx: &mut SqlTx,
    id: InviteId,
    metadata: Option<&serde_json::Value>,
) -> Result<bool, StoreError> {
    let changed = on_tx!(tx, |conn| {
        execute(sqlx::query(SET_METADATA).bind(metadata.map(sqlx::types::Json)).bind(id.0), conn).await
    })?;
    Ok(changed > 0)
}

/// See [`gatehouse_domain::ports::StoreTx::revoke_invite`].
pub(crate) async fn revoke_invite(tx: &mut SqlTx, id: InviteId, now: Timestamp) -> Result<bool, StoreError> {
    Ok(on_tx!(tx, |conn| execute(sqlx::query(REVOKE).bind(now.as_millis()).bind(id.0), conn).await)? > 0)
}

/// See [`gatehouse_domain::ports::StoreTx::accept_invite`].
pub(crate) async fn accept_invite(
    tx: &mut SqlTx,
    token_hash: &str,
    now: Timestamp,
) -> Result<Option<Invite>, StoreError> {
    on_tx!(tx, |conn| fetch_optional(sqlx::query(ACCEPT).bind(now.as_millis()).bind(token_hash), conn, read).await)
}
