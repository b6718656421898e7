//! The mail outbox (table `mails`): queued in a use case's transaction, then claimed, leased
//! and marked by the sender.

use crate::db::{execute, fetch_all, on_pool, on_tx, on_write_pool, Pools, SqlStore, SqlTx};
use crate::rows::{Columns, RowExt};
use gatehouse_domain::model::{NewMail, QueuedMail};
use gatehouse_domain::ports::StoreError;
use gatehouse_domain::time::Timestamp;
use sqlx::types::Json;

/// The mail columns, in the order [`read`] takes them.
macro_rules! mail_columns {
    () => {
        "mails.id, mails.kind, mails.recipient, mails.variables, mails.created_at, mails.attempts, mails.sent_at, \
         mails.last_error"
    };
}

/// Reads a mail from the columns of [`mail_columns!`].
fn read(columns: &mut Columns<'_, impl RowExt>) -> Result<QueuedMail, sqlx::Error> {
    Ok(QueuedMail {
        id: columns.int()?,
        kind: columns.text()?,
        recipient: columns.text()?,
        variables: columns.opt_json()?,
        created_at: columns.time()?,
        attempts: columns.int()?,
        sent_at: columns.opt_time()?,
        last_error: columns.opt_text()?,
    })
}

/// Leasing moves `next_attempt_at` past the lease, so a crashed sender's mail is retried when
/// the lease ends. SQLite has one writer, so no two senders ever claim at once.
const CLAIM_SQLITE: &str = concat!(
    "UPDATE mails SET next_attempt_at = $1 + $3, attempts = attempts + 1 WHERE id IN \
     (SELECT id FROM mails WHERE sent_at IS NULL AND next_attempt_at <= $1 ORDER BY id LIMIT $2) RETURNING ",
    mail_columns!()
);
/// As [`CLAIM_SQLITE`]; `SKIP LOCKED` keeps two senders off the same mail.
const CLAIM_POSTGRES: &str = concat!(
    "UPDATE mails SET next_attempt_at = $1 + $3, attempts = attempts + 1 WHERE id IN \
     (SELECT id FROM mails WHERE sent_at IS NULL AND next_attempt_at <= $1 ORDER BY id LIMIT $2 \
     FOR UPDATE SKIP LOCKED) RETURNING ",
    mail_columns!()
);
const MARK_SENT: &str = "UPDATE mails SET sent_at = $1, last_error = NULL WHERE id = $2";
const MARK_SENT_REDACTED: &str = "UPDATE mails SET sent_at = $1, last_error = NULL, variables = NULL WHERE id = $2";
const MARK_FAILED: &str = "UPDATE mails SET last_error = $1, next_attempt_at = $2 WHERE id = $3";
const LIST: &str = concat!("SELECT ", mail_columns!(), " FROM mails ORDER BY mails.id DESC LIMIT $1");
const ENQUEUE: &str =
    "INSERT INTO mails (kind, recipient, variables, created_at, next_attempt_at) VALUES ($1, $2, $3, $4, $4)";

/// See [`gatehouse_domain::ports::Store::claim_due_mails`].
pub(crate) async fn claim_due_mails(
    store: &SqlStore,
    now: Timestamp,
    limit: i64,
    lease_ms: i64,
) -> Result<Vec<QueuedMail>, StoreError> {
    match &store.pools {
        Pools::Sqlite { write, .. } => {
            fetch_all(sqlx::query(CLAIM_SQLITE).bind(now.as_millis()).bind(limit).bind(lease_ms), write, read).await
        }
        Pools::Postgres(pool) => {
            fetch_all(sqlx::query(CLAIM_POSTGRES).bind(now.as_millis()).bind(limit).bind(lease_ms), pool, read).await
        }
    }
}

/// See [`gatehouse_domain::ports::Store::mark_mail_sent`].
pub(crate) async fn mark_mail_sent(store: &SqlStore, id: i64, at: Timestamp, redact: bool) -> Result<(), StoreError> {
    let sql = if redact { MARK_SENT_REDACTED } else { MARK_SENT };
    on_write_pool!(store, |pool| execute(sqlx::query(sql).bind(at.as_millis()).bind(id), pool).await)?;
    Ok(())
}

/// See [`gatehouse_domain::ports::Store::mark_mail_failed`].
pub(crate) async fn mark_mail_failed(
    store: &SqlStore,
    id: i64,
    error: &str,
    next_attempt_at: Timestamp,
) -> Result<(), StoreError> {
    on_write_pool!(store, |pool| {
        execute(sqlx::query(MARK_FAILED).bind(error).bind(next_attempt_at.as_millis()).bind(id), pool).await
    })?;
    Ok(())
}

/// See [`gatehouse_domain::ports::Store::list_mails`].
pub(crate) async fn list_mails(store: &SqlStore, limit: i64) -> Result<Vec<QueuedMail>, StoreError> {
    on_pool!(store, |pool| fetch_all(sqlx::query(LIST).bind(limit), pool, read).await)
}

/// See [`gatehouse_domain::ports::StoreTx::enqueue_mail`].
pub(crate) async fn enqueue_mail(tx: &mut SqlTx, mail: &NewMail) -> Result<(), StoreError> {
    on_tx!(tx, |conn| {
        let statement = sqlx::query(ENQUEUE)
            .bind(mail.kind.as_str())
            .bind(&mail.recipient)
            .bind(Json(&mail.variables))
            .bind(mail.now.as_millis());
        execute(statement, conn).await
    })?;
    Ok(())
}
