//! Webhooks (table `webhooks`), their deliveries (`webhook_deliveries`), the attempt history
//! (`webhook_attempts`) and the fan-out cursor over the outbox (`webhook_cursor`).
//!
//! Deliveries are claimed under a lease, like mails: a dispatcher that dies leaves its claims
//! to expire and be claimed again. On PostgreSQL the claim skips rows another node is locking
//! (`FOR UPDATE SKIP LOCKED`), and the fan-out locks the cursor row, so several nodes share the
//! work without sending an attempt twice.

use crate::classify::classify;
use crate::db::{
    execute, fetch_all, fetch_one, fetch_optional, on_pool, on_tx, on_write_pool, Pools, SqlStore, SqlTx, TxInner,
};
use crate::events;
use crate::rows::{Columns, RowExt};
use gatehouse_domain::ports::StoreError;
use gatehouse_domain::time::Timestamp;
use gatehouse_domain::webhooks::{
    delivery_for, AttemptOutcome, ClaimLimits, Delivery, DeliveryAttempt, DeliveryStats, DeliveryStatus, NewDelivery,
    NewWebhook, Webhook, WebhookId,
};
use gatehouse_domain::Secret;
use sqlx::types::Json;

/// The webhook columns, in the order [`read_webhook`] takes them.
macro_rules! webhook_columns {
    () => {
        "webhooks.id, webhooks.name, webhooks.url, webhooks.events, webhooks.headers, webhooks.enabled, \
         webhooks.secret, webhooks.created_at, webhooks.updated_at"
    };
}

/// The delivery columns, in the order [`read_delivery`] takes them.
macro_rules! delivery_columns {
    () => {
        "webhook_deliveries.id, webhook_deliveries.webhook_id, webhook_deliveries.event_id, \
         webhook_deliveries.event_type, webhook_deliveries.occurred_at, webhook_deliveries.payload, \
         webhook_deliveries.status, webhook_deliveries.attempts, webhook_deliveries.next_attempt_at, \
         webhook_deliveries.last_status_code, webhook_deliveries.last_error, webhook_deliveries.created_at"
    };
}

/// The attempt columns, in the order [`read_attempt`] takes them.
macro_rules! attempt_columns {
    () => {
        "webhook_attempts.delivery_id, webhook_attempts.attempt, webhook_attempts.at, webhook_attempts.status_code, \
         webhook_attempts.duration_ms, webhook_attempts.error"
    };
}

fn decode_error(what: &str, error: impl std::fmt::Display) -> sqlx::Error {
    sqlx::Error::Decode(format!("{what}: {error}").into())
}

/// Reads a webhook from the columns of [`webhook_columns!`].
fn read_webhook(columns: &mut Columns<'_, impl RowExt>) -> Result<Webhook, sqlx::Error> {
    Ok(Webhook {
        id: WebhookId(columns.int()?),
        name: columns.text()?,
        url: columns.text()?,
        events: serde_json::from_value(columns.json()?).map_err(|error| decode_error("webhooks.events", error))?,
        headers: serde_json::from_value(columns.json()?).map_err(|error| decode_error("webhooks.headers", error))?,
        enabled: columns.flag()?,
        secret: Secret::new(columns.text()?),
        created_at: columns.time()?,
        updated_at: columns.time()?,
    })
}

/// Reads a delivery from the columns of [`delivery_columns!`].
fn read_delivery(columns: &mut Columns<'_, impl RowExt>) -> Result<Delivery, sqlx::Error> {
    let id = columns.int()?;
    let webhook_id = WebhookId(columns.int()?);
    let event_id = columns.text()?;
    let event_type = columns.text()?;
    let occurred_at = columns.time()?;
    let payload = columns.text()?;
    let status = columns.text()?;
    Ok(Delivery {
        id,
        webhook_id,
        event_id,
        event_type,
        occurred_at,
        payload,
        status: DeliveryStatus::from_name(&status)
            .ok_or_else(|| decode_error("webhook_deliveries.status", format!("unknown {status:?}")))?,
        attempts: columns.int()?,
        next_attempt_at: columns.time()?,
        last_status_code: columns.opt_int()?,
        last_error: columns.opt_text()?,
        created_at: columns.time()?,
    })
}

/// Reads an attempt from the columns of [`attempt_columns!`].
fn read_attempt(columns: &mut Columns<'_, impl RowExt>) -> Result<DeliveryAttempt, sqlx::Error> {
    Ok(DeliveryAttempt {
        delivery_id: columns.int()?,
        attempt: columns.int()?,
        at: columns.time()?,
        status_code: columns.opt_int()?,
        duration_ms: columns.int()?,
        error: columns.opt_text()?,
    })
}

const LIST: &str = concat!("SELECT ", webhook_columns!(), " FROM webhooks ORDER BY webhooks.id");
const LIST_ENABLED: &str = concat!(
    "SELECT ",
    webhook_columns!(),
    ", webhooks.from_seq FROM webhooks WHERE webhooks.enabled ORDER BY webhooks.id"
);
const FIND: &str = concat!("SELECT ", webhook_columns!(), " FROM webhooks WHERE webhooks.id = $1");
const INSERT: &str = concat!(
    "INSERT INTO webhooks (name, url, events, headers, enabled, secret, created_at, updated_at, from_seq) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $7, (SELECT COALESCE(MAX(seq), 0) FROM events)) RETURNING ",
    webhook_columns!()
);
const UPDATE: &str = concat!(
    "UPDATE webhooks SET name = $2, url = $3, events = $4, headers = $5, enabled = $6, updated_at = $7 \
     WHERE id = $1 RETURNING ",
    webhook_columns!()
);
const DELETE: &str = concat!("DELETE FROM webhooks WHERE id = $1 RETURNING ", webhook_columns!());

const INSERT_DELIVERY: &str = concat!(
    "INSERT INTO webhook_deliveries (webhook_id, event_id, event_type, occurred_at, payload, status, attempts, \
     next_attempt_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, $6, $6) \
     ON CONFLICT (webhook_id, event_id) DO NOTHING RETURNING ",
    delivery_columns!()
);
const FIND_DELIVERY: &str =
    concat!("SELECT ", delivery_columns!(), " FROM webhook_deliveries WHERE webhook_deliveries.id = $1");
const LIST_DELIVERIES: &str = concat!(
    "SELECT ",
    delivery_columns!(),
    " FROM webhook_deliveries WHERE webhook_deliveries.webhook_id = $1 ORDER BY webhook_deliveries.id DESC LIMIT $2"
);
const LIST_ATTEMPTS: &str = concat!(
    "SELECT ",
    attempt_columns!(),
    " FROM webhook_attempts JOIN webhook_deliveries ON webhook_deliveries.id = webhook_attempts.delivery_id \
     WHERE webhook_deliveries.webhook_id = $1 ORDER BY webhook_attempts.id DESC LIMIT $2"
);
const RESEND: &str = concat!(
    "UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = $2, lease_until = NULL, claimed_by = NULL, \
     updated_at = $2 WHERE id = $1 RETURNING ",
    delivery_columns!()
);
/// First attempts and retries apart, so each reads its partial index (an idle dispatcher asks
/// once a second; there is no index on status alone).
const ANY_DUE: &str =
    "SELECT id FROM webhook_deliveries WHERE status = 'pending' AND attempts = 0 AND next_attempt_at <= $1 \
     UNION ALL SELECT id FROM webhook_deliveries WHERE status = 'pending' AND attempts > 0 AND next_attempt_at <= $1 \
     LIMIT 1";
const RELEASE: &str =
    "UPDATE webhook_deliveries SET lease_until = NULL, claimed_by = NULL WHERE id = $1 AND status = 'pending'";
const INSERT_ATTEMPT: &str =
    "INSERT INTO webhook_attempts (delivery_id, attempt, at, status_code, duration_ms, error) \
                              VALUES ($1, $2, $3, $4, $5, $6)";
const APPLY_OUTCOME: &str = "UPDATE webhook_deliveries SET attempts = $2, status = $3, next_attempt_at = $4, \
                             lease_until = NULL, claimed_by = NULL, last_status_code = $5, last_error = $6, \
                             updated_at = $7 WHERE id = $1";
const INSERT_ATTEMPTS_POSTGRES: &str =
    "INSERT INTO webhook_attempts (delivery_id, attempt, at, status_code, duration_ms, error) \
     SELECT * FROM UNNEST($1::BIGINT[], $2::BIGINT[], $3::BIGINT[], $4::BIGINT[], $5::BIGINT[], $6::TEXT[])";
const APPLY_OUTCOMES_POSTGRES: &str = "UPDATE webhook_deliveries d SET attempts = u.attempt, status = u.status, \
     next_attempt_at = u.next_at, lease_until = NULL, claimed_by = NULL, last_status_code = u.status_code, \
     last_error = u.error, updated_at = $7 \
     FROM UNNEST($1::BIGINT[], $2::BIGINT[], $3::TEXT[], $4::BIGINT[], $5::BIGINT[], $6::TEXT[]) \
       AS u(id, attempt, status, next_at, status_code, error) WHERE d.id = u.id";
const STATS: &str = "SELECT \
     (SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'pending' AND attempts = 0), \
     (SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'pending' AND attempts > 0), \
     (SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'failed'), \
     (SELECT MIN(oldest) FROM ( \
        SELECT MIN(occurred_at) AS oldest FROM webhook_deliveries WHERE status = 'pending' AND attempts = 0 \
        UNION ALL SELECT MIN(occurred_at) FROM webhook_deliveries WHERE status = 'pending' AND attempts > 0) pending), \
     (SELECT MIN(occurred_at) FROM events WHERE seq > (SELECT seq FROM webhook_cursor WHERE id = 1))";

const CURSOR_SQLITE: &str = "SELECT seq FROM webhook_cursor WHERE id = 1";
const CURSOR_POSTGRES: &str = "SELECT seq FROM webhook_cursor WHERE id = 1 FOR UPDATE";
/// Waits for every transaction writing events to end and holds new writers back until this
/// one commits, so no event with a lower position can commit after the cursor passed it.
const LOCK_EVENTS_POSTGRES: &str = "LOCK TABLE events IN SHARE MODE";
const MOVE_CURSOR: &str = "UPDATE webhook_cursor SET seq = $1 WHERE id = 1";
const NEWEST_EVENT: &str = "SELECT COALESCE(MAX(seq), 0), (SELECT seq FROM webhook_cursor WHERE id = 1) FROM events";

/// The deliveries that may be claimed. First attempts: per enabled endpoint whose first
/// attempts are not in flight (none leased), its oldest `$7` pending ones, in event order (the
/// dispatcher sends them one after the other; `$firsts` is the backend's query for them).
/// Retries: those due, at most `$4` leased per endpoint. `$1` now (due times), `$6` the real
/// time (leases), `$3` limit.
/// `$lock` locks the endpoints whose first attempts are being claimed (PostgreSQL), so two
/// nodes never claim parts of one endpoint's stream at once.
macro_rules! claimable {
    ($lock:literal, $firsts:expr) => {
        concat!(
            "WITH hooks AS (SELECT e.id FROM webhooks e WHERE e.enabled ",
            $lock,
            "), firsts AS (",
            $firsts,
            "), retries AS ( \
               SELECT d.id, ROW_NUMBER() OVER (PARTITION BY d.webhook_id ORDER BY d.id) \
                 + (SELECT COUNT(*) FROM webhook_deliveries b WHERE b.webhook_id = d.webhook_id \
                    AND b.lease_until IS NOT NULL AND b.lease_until > $6 AND b.status = 'pending' AND b.attempts > 0) \
                 AS position \
               FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id \
               WHERE w.enabled AND d.status = 'pending' AND d.attempts > 0 AND d.next_attempt_at <= $1 \
               AND (d.lease_until IS NULL OR d.lease_until <= $6) \
             ), chosen AS ( \
               SELECT id FROM firsts UNION ALL SELECT id FROM retries WHERE position <= $4 \
             ) "
        )
    };
}

/// No endpoint's first attempt may be leased (in flight) for its next ones to be claimed.
macro_rules! no_first_attempt_in_flight {
    ($hook:literal) => {
        concat!(
            "NOT EXISTS (SELECT 1 FROM webhook_deliveries b WHERE b.webhook_id = ",
            $hook,
            " AND b.lease_until IS NOT NULL AND b.lease_until > $6 AND b.status = 'pending' AND b.attempts = 0)"
        )
    };
}

/// SQLite (no `LATERAL`): per endpoint, its first `$7` pending first attempts from a correlated
/// subquery on the partial index, each then read by its rowid. Numbering every pending first
/// attempt instead took 29 ms a claim at 15,000 pending, now 1 ms. `INDEXED BY` holds the
/// planner to that index, whatever its statistics say about the backlog.
macro_rules! firsts_sqlite {
    () => {
        concat!(
            "SELECT x.id FROM hooks h JOIN webhook_deliveries x ON x.id IN (SELECT d.id \
             FROM webhook_deliveries d INDEXED BY webhook_deliveries_first_idx \
             WHERE d.webhook_id = h.id AND d.status = 'pending' AND d.attempts = 0 AND d.next_attempt_at <= $1 \
             ORDER BY d.id LIMIT $7) WHERE ",
            no_first_attempt_in_flight!("h.id")
        )
    };
}
/// PostgreSQL: per endpoint, its first `$7` pending first attempts straight from the partial
/// index `webhook_deliveries_first_idx`, so a claim costs the same with a backlog of a million
/// as with none (numbering the whole backlog took 33 ms a claim at 20,000 pending).
macro_rules! firsts_postgres {
    () => {
        concat!(
            "SELECT f.id FROM hooks h CROSS JOIN LATERAL (SELECT d.id FROM webhook_deliveries d \
             WHERE d.webhook_id = h.id AND d.status = 'pending' AND d.attempts = 0 AND d.next_attempt_at <= $1 \
             ORDER BY d.id LIMIT $7) f WHERE ",
            no_first_attempt_in_flight!("h.id")
        )
    };
}

const CLAIM_SQLITE: &str = concat!(
    claimable!("", firsts_sqlite!()),
    "UPDATE webhook_deliveries SET lease_until = $6 + $5, claimed_by = $2 WHERE id IN \
     (SELECT id FROM chosen ORDER BY id LIMIT $3) RETURNING ",
    delivery_columns!()
);
/// As [`CLAIM_SQLITE`]; the lease is checked again on the locked row, so a row another node
/// claimed since this statement's snapshot is left alone. Each chosen row is locked through its
/// primary key (`LATERAL`): left to itself, the planner scanned every pending row to find the
/// few chosen ones, 18 ms a claim with a backlog of 15,000.
const CLAIM_POSTGRES: &str = concat!(
    claimable!("FOR UPDATE SKIP LOCKED", firsts_postgres!()),
    "UPDATE webhook_deliveries SET lease_until = $6 + $5, claimed_by = $2 WHERE id IN \
     (SELECT l.id FROM (SELECT id FROM chosen ORDER BY id LIMIT $3) c CROSS JOIN LATERAL \
      (SELECT x.id FROM webhook_deliveries x WHERE x.id = c.id \
       AND x.status = 'pending' AND (x.lease_until IS NULL OR x.lease_until <= $6) \
       FOR UPDATE SKIP LOCKED) l) RETURNING ",
    delivery_columns!()
);

/// See [`gatehouse_domain::ports::Store::list_webhooks`].
pub(crate) async fn list_webhooks(store: &SqlStore) -> Result<Vec<Webhook>, StoreError> {
    on_pool!(store, |pool| fetch_all(sqlx::query(LIST), pool, read_webhook).await)
}

/// See [`gatehouse_domain::ports::Store::find_webhook`].
pub(crate) async fn find_webhook(store: &SqlStore, id: WebhookId) -> Result<Option<Webhook>, StoreError> {
    on_pool!(store, |pool| fetch_optional(sqlx::query(FIND).bind(id.0), pool, read_webhook).await)
}

/// See [`gatehouse_domain::ports::StoreTx::insert_webhook`].
pub(crate) async fn insert_webhook(tx: &mut SqlTx, webhook: &NewWebhook) -> Result<Webhook, StoreError> {
    on_tx!(tx, |conn| {
        let statement = sqlx::query(INSERT)
            .bind(&webhook.name)
            .bind(&webhook.url)
            .bind(Json(&webhook.events))
            .bind(Json(&webhook.headers))
            .bind(webhook.enabled)
            .bind(webhook.secret.expose())
            .bind(webhook.now.as_millis());
        fetch_one(statement, conn, read_webhook).await
    })
}

/// See [`gatehouse_domain::ports::StoreTx::update_webhook`].
pub(crate) async fn update_webhook(
    tx: &mut SqlTx,
    id: WebhookId,
    webhook: &NewWebhook,
) -> Result<Option<Webhook>, StoreError> {
    on_tx!(tx, |conn| {
        let statement = sqlx::query(UPDATE)
            .bind(id.0)
            .bind(&webhook.name)
            .bind(&webhook.url)
            .bind(Json(&webhook.events))
            .bind(Json(&webhook.headers))
            .bind(webhook.enabled)
            .bind(webhook.now.as_millis());
        fetch_optional(statement, conn, read_webhook).await
    })
}

/// See [`gatehouse_domain::ports::StoreTx::delete_webhook`].
pub(crate) async fn delete_webhook(tx: &mut SqlTx, id: WebhookId) -> Result<Option<Webhook>, StoreError> {
    on_tx!(tx, |conn| fetch_optional(sqlx::query(DELETE).bind(id.0), conn, read_webhook).await)
}

/// Inserts a delivery in `tx`; `None` when the endpoint already has this event.
async fn insert_delivery_in(tx: &mut SqlTx, delivery: &NewDelivery) -> Result<Option<Delivery>, StoreError> {
    on_tx!(tx, |conn| {
        let statement = sqlx::query(INSERT_DELIVERY)
            .bind(delivery.webhook_id.0)
            .bind(&delivery.event_id)
            .bind(&delivery.event_type)
            .bind(delivery.occurred_at.as_millis())
            .bind(&delivery.payload)
            .bind(delivery.now.as_millis());
        fetch_optional(statement, conn, read_delivery).await
    })
}

/// See [`gatehouse_domain::ports::Store::insert_delivery`].
pub(crate) async fn insert_delivery(store: &SqlStore, delivery: &NewDelivery) -> Result<Delivery, StoreError> {
    let mut tx = store.begin_tx().await?;
    let inserted = insert_delivery_in(&mut tx, delivery).await?;
    tx.commit_tx().await?;
    inserted.ok_or_else(|| StoreError::Other("the delivery exists already".into()))
}

/// See [`gatehouse_domain::ports::Store::fan_out_events`].
pub(crate) async fn fan_out_events(store: &SqlStore, limit: i64, now: Timestamp) -> Result<u64, StoreError> {
    // Cheap look first: no transaction (and no lock on PostgreSQL) while nothing is new.
    let (newest, cursor) = on_pool!(store, |pool| {
        fetch_one(sqlx::query(NEWEST_EVENT), pool, |columns| Ok((columns.int()?, columns.int()?))).await
    })?;
    if newest <= cursor {
        return Ok(0);
    }
    let mut tx = store.begin_tx().await?;
    let cursor = match &mut tx.inner {
        crate::db::TxInner::Sqlite(conn) => {
            fetch_one(sqlx::query(CURSOR_SQLITE), &mut **conn, |columns| columns.int()).await?
        }
        crate::db::TxInner::Postgres(conn) => {
            let cursor = fetch_one(sqlx::query(CURSOR_POSTGRES), &mut **conn, |columns| columns.int()).await?;
            sqlx::query(LOCK_EVENTS_POSTGRES).execute(&mut **conn).await.map_err(classify)?;
            cursor
        }
    };
    let batch = events::list_events_in(&mut tx, cursor, limit).await?;
    let Some(last) = batch.last().map(|event| event.seq) else {
        return Ok(0);
    };
    let webhooks = on_tx!(tx, |conn| {
        fetch_all(sqlx::query(LIST_ENABLED), conn, |columns| Ok((read_webhook(columns)?, columns.int()?))).await
    })?;
    for event in &batch {
        // An endpoint gets the events written after it was created, never older ones.
        let subscribed = webhooks
            .iter()
            .filter(|(webhook, from_seq)| event.seq > *from_seq && webhook.subscribes_to(&event.event_type));
        for (webhook, _) in subscribed {
            insert_delivery_in(&mut tx, &delivery_for(webhook, event, now)).await?;
        }
    }
    on_tx!(tx, |conn| execute(sqlx::query(MOVE_CURSOR).bind(last), conn).await)?;
    tx.commit_tx().await?;
    Ok(u64::try_from(batch.len()).unwrap_or_default())
}

/// See [`gatehouse_domain::ports::Store::claim_deliveries`].
pub(crate) async fn claim_deliveries(
    store: &SqlStore,
    now: Timestamp,
    lease_now: Timestamp,
    node: &str,
    limits: ClaimLimits,
) -> Result<Vec<Delivery>, StoreError> {
    let ClaimLimits { limit, per_webhook, first_batch, lease_ms } = limits;
    // A read first: an idle dispatcher never takes the write lock (SQLite's one writer).
    let due = on_pool!(store, |pool| {
        fetch_optional(sqlx::query(ANY_DUE).bind(now.as_millis()), pool, |columns| columns.int()).await
    })?;
    if due.is_none() {
        return Ok(Vec::new());
    }
    match &store.pools {
        Pools::Sqlite { write, .. } => {
            let statement = sqlx::query(CLAIM_SQLITE)
                .bind(now.as_millis())
                .bind(node)
                .bind(limit)
                .bind(per_webhook)
                .bind(lease_ms)
                .bind(lease_now.as_millis())
                .bind(first_batch);
            fetch_all(statement, write, read_delivery).await
        }
        Pools::Postgres(pool) => {
            let statement = sqlx::query(CLAIM_POSTGRES)
                .bind(now.as_millis())
                .bind(node)
                .bind(limit)
                .bind(per_webhook)
                .bind(lease_ms)
                .bind(lease_now.as_millis())
                .bind(first_batch);
            fetch_all(statement, pool, read_delivery).await
        }
    }
}

/// See [`gatehouse_domain::ports::Store::record_delivery_attempts`].
pub(crate) async fn record_delivery_attempts(
    store: &SqlStore,
    attempts: &[(DeliveryAttempt, AttemptOutcome)],
    now: Timestamp,
) -> Result<(), StoreError> {
    if attempts.is_empty() {
        return Ok(());
    }
    let mut tx = store.begin_tx().await?;
    if let TxInner::Postgres(pg) = &mut tx.inner {
        record_attempts_postgres(pg, attempts, now).await?;
    } else {
        for (attempt, outcome) in attempts {
            record_attempt_in(&mut tx, attempt, *outcome, now).await?;
        }
    }
    tx.commit_tx().await
}

/// PostgreSQL: a batch's attempts in two statements over arrays instead of two per attempt
/// (each statement is a round trip and a backend wake-up).
async fn record_attempts_postgres(
    tx: &mut sqlx::Transaction<'static, sqlx::Postgres>,
    attempts: &[(DeliveryAttempt, AttemptOutcome)],
    now: Timestamp,
) -> Result<(), StoreError> {
    let mut ids = Vec::with_capacity(attempts.len());
    let mut numbers = Vec::with_capacity(attempts.len());
    let mut started = Vec::with_capacity(attempts.len());
    let mut codes = Vec::with_capacity(attempts.len());
    let mut durations = Vec::with_capacity(attempts.len());
    let mut errors = Vec::with_capacity(attempts.len());
    let mut statuses = Vec::with_capacity(attempts.len());
    let mut next = Vec::with_capacity(attempts.len());
    for (attempt, outcome) in attempts {
        let (status, next_at) = outcome_row(*outcome, now);
        ids.push(attempt.delivery_id);
        numbers.push(attempt.attempt);
        started.push(attempt.at.as_millis());
        codes.push(attempt.status_code);
        durations.push(attempt.duration_ms);
        errors.push(attempt.error.as_deref());
        statuses.push(status.as_str());
        next.push(next_at.as_millis());
    }
    let insert = sqlx::query(INSERT_ATTEMPTS_POSTGRES)
        .bind(&ids)
        .bind(&numbers)
        .bind(&started)
        .bind(&codes)
        .bind(&durations)
        .bind(&errors);
    execute(insert, &mut **tx).await?;
    let apply = sqlx::query(APPLY_OUTCOMES_POSTGRES)
        .bind(&ids)
        .bind(&numbers)
        .bind(&statuses)
        .bind(&next)
        .bind(&codes)
        .bind(&errors)
        .bind(now.as_millis());
    execute(apply, &mut **tx).await?;
    Ok(())
}

/// The delivery's status after an attempt with `outcome`, and when it is next due.
fn outcome_row(outcome: AttemptOutcome, now: Timestamp) -> (DeliveryStatus, Timestamp) {
    match outcome {
        AttemptOutcome::Succeeded => (DeliveryStatus::Succeeded, now),
        AttemptOutcome::RetryAt(at) => (DeliveryStatus::Pending, at),
        AttemptOutcome::Failed => (DeliveryStatus::Failed, now),
    }
}

async fn record_attempt_in(
    tx: &mut SqlTx,
    attempt: &DeliveryAttempt,
    outcome: AttemptOutcome,
    now: Timestamp,
) -> Result<(), StoreError> {
    let (status, next) = outcome_row(outcome, now);
    on_tx!(tx, |conn| {
        let statement = sqlx::query(INSERT_ATTEMPT)
            .bind(attempt.delivery_id)
            .bind(attempt.attempt)
            .bind(attempt.at.as_millis())
            .bind(attempt.status_code)
            .bind(attempt.duration_ms)
            .bind(attempt.error.as_deref());
        execute(statement, conn).await
    })?;
    on_tx!(tx, |conn| {
        let statement = sqlx::query(APPLY_OUTCOME)
            .bind(attempt.delivery_id)
            .bind(attempt.attempt)
            .bind(status.as_str())
            .bind(next.as_millis())
            .bind(attempt.status_code)
            .bind(attempt.error.as_deref())
            .bind(now.as_millis());
        execute(statement, conn).await
    })?;
    Ok(())
}

/// See [`gatehouse_domain::ports::Store::release_delivery`].
pub(crate) async fn release_delivery(store: &SqlStore, id: i64) -> Result<(), StoreError> {
    on_write_pool!(store, |pool| execute(sqlx::query(RELEASE).bind(id), pool).await)?;
    Ok(())
}

/// See [`gatehouse_domain::ports::Store::find_delivery`].
pub(crate) async fn find_delivery(store: &SqlStore, id: i64) -> Result<Option<Delivery>, StoreError> {
    on_pool!(store, |pool| fetch_optional(sqlx::query(FIND_DELIVERY).bind(id), pool, read_delivery).await)
}

/// See [`gatehouse_domain::ports::Store::resend_delivery`].
pub(crate) async fn resend_delivery(store: &SqlStore, id: i64, now: Timestamp) -> Result<Option<Delivery>, StoreError> {
    let mut tx = store.begin_tx().await?;
    let found = on_tx!(tx, |conn| {
        fetch_optional(sqlx::query(RESEND).bind(id).bind(now.as_millis()), conn, read_delivery).await
    })?;
    tx.commit_tx().await?;
    Ok(found)
}

/// See [`gatehouse_domain::ports::Store::list_deliveries`].
pub(crate) async fn list_deliveries(
    store: &SqlStore,
    webhook: WebhookId,
    limit: i64,
) -> Result<Vec<Delivery>, StoreError> {
    on_pool!(store, |pool| {
        fetch_all(sqlx::query(LIST_DELIVERIES).bind(webhook.0).bind(limit), pool, read_delivery).await
    })
}

/// See [`gatehouse_domain::ports::Store::list_webhook_attempts`].
pub(crate) async fn list_webhook_attempts(
    store: &SqlStore,
    webhook: WebhookId,
    limit: i64,
) -> Result<Vec<DeliveryAttempt>, StoreError> {
    on_pool!(store, |pool| fetch_all(sqlx::query(LIST_ATTEMPTS).bind(webhook.0).bind(limit), pool, read_attempt).await)
}

/// See [`gatehouse_domain::ports::Store::delivery_stats`].
pub(crate) async fn delivery_stats(store: &SqlStore) -> Result<DeliveryStats, StoreError> {
    on_pool!(store, |pool| {
        fetch_one(sqlx::query(STATS), pool, |columns| {
            let pending_first = columns.count()?;
            let retrying = columns.count()?;
            let failed = columns.count()?;
            let oldest = [columns.opt_time()?, columns.opt_time()?].into_iter().flatten().min();
            Ok(DeliveryStats { pending_first, retrying, failed, oldest_undelivered: oldest })
        })
        .await
    })
}
