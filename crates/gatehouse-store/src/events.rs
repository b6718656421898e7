//! The event outbox (table `events`): appended in a use case's transaction, read in order by
//! the dispatcher.

use crate::db::{execute, fetch_all, on_pool, on_tx, SqlStore, SqlTx};
use crate::rows::{Columns, RowExt};
use gatehouse_domain::events::{DomainEvent, StoredEvent};
use gatehouse_domain::ports::StoreError;
use sqlx::types::Json;

/// The event columns, in the order [`read`] takes them.
macro_rules! event_columns {
    () => {
        "events.seq, events.id, events.type, events.occurred_at, events.actor, events.data"
    };
}

/// Reads an event from the columns of [`event_columns!`].
fn read(columns: &mut Columns<'_, impl RowExt>) -> Result<StoredEvent, sqlx::Error> {
    Ok(StoredEvent {
        seq: columns.int()?,
        id: columns.text()?,
        event_type: columns.text()?,
        occurred_at: columns.time()?,
        actor: columns.json()?,
        data: columns.json()?,
    })
}

const LIST: &str =
    concat!("SELECT ", event_columns!(), " FROM events WHERE events.seq > $1 ORDER BY events.seq LIMIT $2");
const INSERT: &str = "INSERT INTO events (id, type, occurred_at, actor, data) VALUES ($1, $2, $3, $4, $5)";

/// See [`gatehouse_domain::ports::Store::list_events`].
pub(crate) async fn list_events(store: &SqlStore, after_seq: i64, limit: i64) -> Result<Vec<StoredEvent>, StoreError> {
    on_pool!(store, |pool| fetch_all(sqlx::query(LIST).bind(after_seq).bind(limit), pool, read).await)
}

/// See [`gatehouse_domain::ports::StoreTx::insert_event`].
pub(crate) async fn insert_event(tx: &mut SqlTx, event: &DomainEvent) -> Result<(), StoreError> {
    let actor = event.actor.to_json();
    on_tx!(tx, |conn| {
        let statement = sqlx::query(INSERT)
            .bind(&event.id)
            .bind(event.event_type.as_str())
            .bind(event.occurred_at.as_millis())
            .bind(Json(&actor))
            .bind(Json(&event.data));
        execute(statement, conn).await
    })?;
    Ok(())
}

/// Outbox events after position `after_seq`, oldest first, read in `tx` (the webhook fan-out).
pub(crate) async fn list_events_in(tx: &mut SqlTx, after_seq: i64, limit: i64) -> Result<Vec<StoredEvent>, StoreError> {
    on_tx!(tx, |conn| fetch_all(sqlx::query(LIST).bind(after_seq).bind(limit), conn, read).await)
}
