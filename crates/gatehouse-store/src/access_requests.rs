//! Requests for admin access (table `admin_access_requests`). The password hash and the
//! confirmation token's digest are written here and read back only by
//! [`access_request_password_hash`]; the request as the domain sees it carries neither.
//!
//! A pending request whose time is up reads as expired everywhere (the status filter computes
//! it), and is marked `expired` in the table when a new request for its email arrives, so the
//! partial unique index (one pending request per folded email) lets the new one in.

use crate::db::{execute, fetch_all, fetch_one, fetch_optional, on_pool, on_tx, SqlStore, SqlTx};
use crate::rows::{Columns, RowExt};
use gatehouse_domain::ids::{AccessRequestId, AdminId};
use gatehouse_domain::model::{
    AccessRequest, AccessRequestDecision, AccessRequestQuery, AccessRequestStatus, NewAccessRequest,
};
use gatehouse_domain::ports::StoreError;
use gatehouse_domain::time::Timestamp;

/// The request columns, in the order [`read`] takes them.
macro_rules! access_request_columns {
    () => {
        "id, email, firstname, lastname, message, status, created_at, expires_at, confirmed_at, decided_at, \
         decided_by, admin_id, reason"
    };
}

/// Reads a request from the columns of [`access_request_columns!`].
fn read(columns: &mut Columns<'_, impl RowExt>) -> Result<AccessRequest, sqlx::Error> {
    Ok(AccessRequest {
        id: AccessRequestId(columns.int()?),
        email: columns.text()?,
        firstname: columns.text()?,
        lastname: columns.opt_text()?,
        message: columns.opt_text()?,
        stored_status: {
            let name = columns.text()?;
            AccessRequestStatus::from_name(&name)
                .ok_or_else(|| sqlx::Error::Decode(format!("unknown access request status {name:?}").into()))?
        },
        created_at: columns.time()?,
        expires_at: columns.time()?,
        confirmed_at: columns.opt_time()?,
        decided_at: columns.opt_time()?,
        decided_by: columns.opt_int()?.map(AdminId),
        admin_id: columns.opt_int()?.map(AdminId),
        reason: columns.opt_text()?,
    })
}

/// Confirmed requests whose status at `$1` is `$2` (every status when `$2` is empty).
macro_rules! listed {
    () => {
        "confirmed_at IS NOT NULL AND ($2 = '' OR \
         (CASE WHEN status = 'pending' AND expires_at <= $1 THEN 'expired' ELSE status END) = $2)"
    };
}

const FIND: &str = concat!("SELECT ", access_request_columns!(), " FROM admin_access_requests WHERE id = $1");
const PASSWORD_HASH: &str = "SELECT password_hash FROM admin_access_requests WHERE id = $1";
const LIST: &str = concat!(
    "SELECT ",
    access_request_columns!(),
    " FROM admin_access_requests WHERE ",
    listed!(),
    " ORDER BY id DESC LIMIT $3 OFFSET $4"
);
const COUNT: &str = concat!("SELECT COUNT(*) FROM admin_access_requests WHERE ", listed!());
const EXPIRE: &str = "UPDATE admin_access_requests SET status = 'expired' \
                      WHERE email_folded = $1 AND status = 'pending' AND expires_at <= $2";
const INSERT: &str = "INSERT INTO admin_access_requests (email, email_folded, firstname, lastname, message, \
                      password_hash, confirmation_hash, status, created_at, expires_at) \
                      VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $9) \
                      ON CONFLICT (email_folded) WHERE status = 'pending' DO NOTHING RETURNING id";
const CONFIRM: &str = concat!(
    "UPDATE admin_access_requests SET confirmed_at = $1, confirmation_hash = NULL \
     WHERE confirmation_hash = $2 AND confirmed_at IS NULL AND status = 'pending' AND expires_at > $1 RETURNING ",
    access_request_columns!()
);
const DECIDE: &str = "UPDATE admin_access_requests SET status = $1, decided_at = $2, decided_by = $3, admin_id = $4, \
                      reason = $5 WHERE id = $6 AND status = 'pending' AND confirmed_at IS NOT NULL \
                      AND expires_at > $2";

/// See [`gatehouse_domain::ports::Store::find_access_request`].
pub(crate) async fn find_access_request(
    store: &SqlStore,
    id: AccessRequestId,
) -> Result<Option<AccessRequest>, StoreError> {
    on_pool!(store, |pool| fetch_optional(sqlx::query(FIND).bind(id.0), pool, read).await)
}

/// See [`gatehouse_domain::ports::Store::access_request_password_hash`].
pub(crate) async fn access_request_password_hash(
    store: &SqlStore,
    id: AccessRequestId,
) -> Result<Option<String>, StoreError> {
    on_pool!(store, |pool| fetch_optional(sqlx::query(PASSWORD_HASH).bind(id.0), pool, |columns| columns.text()).await)
}

/// See [`gatehouse_domain::ports::Store::list_access_requests`].
pub(crate) async fn list_access_requests(
    store: &SqlStore,
    query: &AccessRequestQuery,
) -> Result<(Vec<AccessRequest>, u64), StoreError> {
    let status = query.status.map(AccessRequestStatus::as_str).unwrap_or_default();
    let now = query.now.as_millis();
    let limit = i64::try_from(query.window.limit()).unwrap_or(i64::MAX);
    on_pool!(store, |pool| {
        let page = sqlx::query(LIST).bind(now).bind(status).bind(limit).bind(query.window.sql_offset());
        let requests = fetch_all(page, pool, read).await?;
        let total = fetch_one(sqlx::query(COUNT).bind(now).bind(status), pool, |columns| columns.count()).await?;
        Ok((requests, total))
    })
}

/// See [`gatehouse_domain::ports::StoreTx::expire_access_request`].
pub(crate) async fn expire_access_request(
    tx: &mut SqlTx,
    email_folded: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    on_tx!(tx, |conn| execute(sqlx::query(EXPIRE).bind(email_folded).bind(now.as_millis()), conn).await)?;
    Ok(())
}

/// See [`gatehouse_domain::ports::StoreTx::insert_access_request`].
pub(crate) async fn insert_access_request(
    tx: &mut SqlTx,
    request: &NewAccessRequest,
) -> Result<Option<AccessRequestId>, StoreError> {
    on_tx!(tx, |conn| {
        let statement = sqlx::query(INSERT)
            .bind(&request.email)
            .bind(&request.email_folded)
            .bind(&request.firstname)
            .bind(&request.lastname)
            .bind(&request.message)
            .bind(request.password_hash.expose())
            .bind(&request.confirmation_hash)
            .bind(request.now.as_millis())
            .bind(request.expires_at.as_millis());
        fetch_optional(statement, conn, |columns| columns.int().map(AccessRequestId)).await
    })
}

/// See [`gatehouse_domain::ports::StoreTx::confirm_access_request`].
pub(crate) async fn confirm_access_request(
    tx: &mut SqlTx,
    token_hash: &str,
    now: Timestamp,
) -> Result<Option<AccessRequest>, StoreError> {
    on_tx!(tx, |conn| fetch_optional(sqlx::query(CONFIRM).bind(now.as_millis()).bind(token_hash), conn, read).await)
}

/// See [`gatehouse_domain::ports::StoreTx::decide_access_request`].
pub(crate) async fn decide_access_request(
    tx: &mut SqlTx,
    id: AccessRequestId,
    decision: &AccessRequestDecision,
) -> Result<bool, StoreError> {
    let changed = on_tx!(tx, |conn| {
        let statement = sqlx::query(DECIDE)
            .bind(decision.status.as_str())
            .bind(decision.now.as_millis())
            .bind(decision.decided_by.map(|admin| admin.0))
            .bind(decision.admin_id.map(|admin| admin.0))
            .bind(&decision.reason)
            .bind(id.0);
        execute(statement, conn).await
    })?;
    Ok(changed > 0)
}
