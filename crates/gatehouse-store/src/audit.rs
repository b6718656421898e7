//! The audit log (table `audit_log`): appended in a use case's transaction, read newest first
//! with the filters of [`AuditFilter`], pruned by age.

use crate::db::{execute, fetch_all, fetch_one, on_pool, on_tx, on_write_pool, SqlStore, SqlTx};
use crate::rows::{Columns, RowExt};
use gatehouse_domain::audit::{AuditEntry, AuditFilter, NewAuditEntry, Outcome};
use gatehouse_domain::events::Actor;
use gatehouse_domain::ports::StoreError;
use gatehouse_domain::time::Timestamp;

/// The audit columns, in the order [`read`] takes them.
macro_rules! audit_columns {
    () => {
        "audit_log.id, audit_log.occurred_at, audit_log.actor_kind, audit_log.actor_id, audit_log.actor_label, \
         audit_log.action, audit_log.subject_type, audit_log.subject_id, audit_log.client_ip, audit_log.user_agent, \
         audit_log.outcome, audit_log.event_id"
    };
}

/// Reads a row from the columns of [`audit_columns!`].
fn read(columns: &mut Columns<'_, impl RowExt>) -> Result<AuditEntry, sqlx::Error> {
    let id = columns.int()?;
    let occurred_at = columns.time()?;
    let kind = columns.text()?;
    let actor = Actor::from_parts(&kind, columns.opt_int()?);
    Ok(AuditEntry {
        id,
        entry: NewAuditEntry {
            occurred_at,
            actor,
            actor_label: columns.opt_text()?,
            action: columns.text()?,
            subject_type: columns.opt_text()?,
            subject_id: columns.opt_text()?,
            client_ip: columns.opt_text()?,
            user_agent: columns.opt_text()?,
            outcome: Outcome::from_name(&columns.text()?).unwrap_or(Outcome::Failure),
            event_id: columns.opt_text()?,
        },
    })
}

/// Every filter part is a bound value; a missing part (NULL) matches everything.
const FILTER: &str = "($1 IS NULL OR audit_log.action = $1) \
     AND ($2 IS NULL OR audit_log.actor_kind = $2) \
     AND ($3 IS NULL OR audit_log.actor_id = $3) \
     AND ($4 IS NULL OR audit_log.actor_label = $4) \
     AND ($5 IS NULL OR audit_log.subject_type = $5) \
     AND ($6 IS NULL OR audit_log.subject_id = $6) \
     AND ($7 IS NULL OR audit_log.occurred_at >= $7) \
     AND ($8 IS NULL OR audit_log.occurred_at <= $8)";
const INSERT: &str = "INSERT INTO audit_log (occurred_at, actor_kind, actor_id, actor_label, action, subject_type, \
     subject_id, client_ip, user_agent, outcome, event_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";
const AFTER: &str =
    concat!("SELECT ", audit_columns!(), " FROM audit_log WHERE audit_log.id > $1 ORDER BY audit_log.id LIMIT $2");
const PRUNE: &str = "DELETE FROM audit_log WHERE occurred_at < $1";

fn limit_of(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// Binds the eight filter values of [`FILTER`] to `$statement`, in order.
macro_rules! bind_filter {
    ($statement:expr, $filter:expr) => {
        $statement
            .bind($filter.action.as_deref())
            .bind($filter.actor_kind.as_deref())
            .bind($filter.actor_id)
            .bind($filter.actor_label.as_deref())
            .bind($filter.subject_type.as_deref())
            .bind($filter.subject_id.as_deref())
            .bind($filter.from.map(Timestamp::as_millis))
            .bind($filter.to.map(Timestamp::as_millis))
    };
}

/// See [`gatehouse_domain::ports::Store::list_audit_entries`].
pub(crate) async fn list_audit_entries(
    store: &SqlStore,
    filter: &AuditFilter,
    offset: u64,
    limit: u64,
) -> Result<(Vec<AuditEntry>, u64), StoreError> {
    let page = format!(
        "SELECT {} FROM audit_log WHERE {FILTER} ORDER BY audit_log.occurred_at DESC, audit_log.id DESC \
         LIMIT $9 OFFSET $10",
        audit_columns!()
    );
    let count = format!("SELECT COUNT(*) FROM audit_log WHERE {FILTER}");
    on_pool!(store, |pool| {
        let statement = bind_filter!(sqlx::query(&page), filter).bind(limit_of(limit)).bind(limit_of(offset));
        let entries = fetch_all(statement, pool, read).await?;
        let total = fetch_one(bind_filter!(sqlx::query(&count), filter), pool, |columns| columns.count()).await?;
        Ok((entries, total))
    })
}

/// See [`gatehouse_domain::ports::Store::audit_entries_after`].
pub(crate) async fn audit_entries_after(
    store: &SqlStore,
    after: i64,
    limit: u64,
) -> Result<Vec<AuditEntry>, StoreError> {
    on_pool!(store, |pool| fetch_all(sqlx::query(AFTER).bind(after).bind(limit_of(limit)), pool, read).await)
}

/// See [`gatehouse_domain::ports::Store::prune_audit_entries`].
pub(crate) async fn prune_audit_entries(store: &SqlStore, before: Timestamp) -> Result<u64, StoreError> {
    on_write_pool!(store, |pool| execute(sqlx::query(PRUNE).bind(before.as_millis()), pool).await)
}

/// See [`gatehouse_domain::ports::StoreTx::insert_audit_entry`].
pub(crate) async fn insert_audit_entry(tx: &mut SqlTx, entry: &NewAuditEntry) -> Result<(), StoreError> {
    let (kind, id) = entry.actor.parts();
    on_tx!(tx, |conn| {
        let statement = sqlx::query(INSERT)
            .bind(entry.occurred_at.as_millis())
            .bind(kind)
            .bind(id)
            .bind(entry.actor_label.as_deref())
            .bind(&entry.action)
            .bind(entry.subject_type.as_deref())
            .bind(entry.subject_id.as_deref())
            .bind(entry.client_ip.as_deref())
            .bind(entry.user_agent.as_deref())
            .bind(entry.outcome.as_str())
            .bind(entry.event_id.as_deref());
        execute(statement, conn).await
    })?;
    Ok(())
}
