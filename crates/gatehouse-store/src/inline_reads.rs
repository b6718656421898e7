//! Short SQLite reads run on the calling thread, through a read-only connection that the thread
//! keeps for itself.
//!
//! Why: sqlx's SQLite driver runs each statement on its connection's own worker thread and sends
//! every row back over a channel, copying each value. For a page of 25 users the two thread
//! hand-offs and the copies cost more CPU than the statement (docs/performance.md, "Reads
//! against their ceiling"). Here a hot read is one `sqlite3_step` loop on the thread that asked,
//! with no hand-off, no copy and a cached prepared statement.
//!
//! A read that runs on an async worker must stay short, so every statement gets a budget of
//! SQLite virtual-machine steps ([`STEP_BUDGET`], about a millisecond). A statement that
//! exceeds it (a scan of a large table, a count over a million rows) is interrupted and the
//! caller runs it on the sqlx read pool instead, where it may take as long as it needs. Any
//! other failure (a busy database, a value this path does not bind) is handed over the same
//! way: this path only ever answers with a result the pool would have given, or declines.
//!
//! Connections are per thread and per store: a thread that reads from two stores (tests open
//! many) keeps one connection for each, and drops the connections of stores that are gone the
//! next time it opens one.
//!
//! Imports `rows` only.

use crate::rows::{Columns, RowExt};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags, ToSql};
use serde_json::Value;
use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

/// How often, in virtual-machine steps, SQLite calls the progress handler.
const STEPS_PER_CHECK: i32 = 1_000;
/// How many checks one statement may pass before it is interrupted: 200,000 steps, a
/// millisecond or two. A page of users, a lookup by an index and a count of a few hundred rows
/// fit; a scan of a large table does not.
const STEP_BUDGET: u32 = 200;
/// Prepared statements kept per connection (query-model statements vary with their filters).
const STATEMENT_CACHE: usize = 64;

/// Distinguishes stores, so a thread's connections are found by store.
static NEXT_STORE: AtomicU64 = AtomicU64::new(1);

/// The inline read path of one SQLite database file.
pub(crate) struct InlineReads {
    store: u64,
    path: PathBuf,
    busy_timeout: Duration,
    /// Held while the store lives; a thread's connection holds a `Weak` to it, so connections of
    /// a dropped store can be told apart and closed.
    alive: Arc<()>,
}

/// One thread's connection to one store's file.
struct ThreadConnection {
    store: u64,
    alive: Weak<()>,
    connection: Connection,
    /// Checks passed by the statement that is running; reset before each.
    checks: Arc<AtomicU32>,
}

thread_local! {
    static CONNECTIONS: RefCell<Vec<ThreadConnection>> = const { RefCell::new(Vec::new()) };
}

impl std::fmt::Debug for InlineReads {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("InlineReads").field("path", &self.path).finish_non_exhaustive()
    }
}

impl InlineReads {
    /// The inline path for the database file at `path` (which the write pool has already
    /// created in WAL mode).
    pub(crate) fn new(path: &Path, busy_timeout: Duration) -> Self {
        Self {
            store: NEXT_STORE.fetch_add(1, Ordering::Relaxed),
            path: path.to_owned(),
            busy_timeout,
            alive: Arc::new(()),
        }
    }

    /// Runs `sql` with `params` and reads every row with `read`, on this thread. `None` when the
    /// statement was over its budget or failed in any way: the caller then runs it on the pool.
    pub(crate) fn fetch_all<T>(
        &self,
        sql: &str,
        params: &[&dyn ToSql],
        read: impl for<'c, 'r, 's> Fn(&mut Columns<'c, rusqlite::Row<'s>>) -> Result<T, sqlx::Error>,
    ) -> Option<Vec<T>> {
        let outcome = CONNECTIONS.try_with(|connections| {
            // Nothing here awaits or calls back into the store, so the borrow cannot be taken
            // twice; `try_borrow_mut` keeps even a surprise from panicking.
            let mut connections = connections.try_borrow_mut().ok()?;
            let connection = self.connection(&mut connections)?;
            connection.checks.store(0, Ordering::Relaxed);
            let mut statement = connection.connection.prepare_cached(sql).ok()?;
            let mut rows = statement.query(params).ok()?;
            let mut out = Vec::new();
            while let Some(row) = rows.next().ok()? {
                out.push(read(&mut Columns::new(row)).ok()?);
            }
            Some(out)
        });
        outcome.ok().flatten()
    }

    /// This thread's connection to this store, opened on first use.
    fn connection<'t>(&self, connections: &'t mut Vec<ThreadConnection>) -> Option<&'t ThreadConnection> {
        if let Some(at) = connections.iter().position(|open| open.store == self.store) {
            return connections.get(at);
        }
        connections.retain(|open| open.alive.strong_count() > 0);
        connections.push(self.open()?);
        connections.last()
    }

    fn open(&self) -> Option<ThreadConnection> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let connection = Connection::open_with_flags(&self.path, flags).ok()?;
        connection.busy_timeout(self.busy_timeout).ok()?;
        // As the pools set it: LIKE is case-sensitive, as on PostgreSQL.
        connection.pragma_update(None, "case_sensitive_like", "ON").ok()?;
        connection.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        let checks = Arc::new(AtomicU32::new(0));
        let counter = Arc::clone(&checks);
        connection
            .progress_handler(STEPS_PER_CHECK, Some(move || counter.fetch_add(1, Ordering::Relaxed) >= STEP_BUDGET));
        Some(ThreadConnection { store: self.store, alive: Arc::downgrade(&self.alive), connection, checks })
    }
}

fn decode_error(error: impl std::error::Error + Send + Sync + 'static) -> sqlx::Error {
    sqlx::Error::Decode(Box::new(error))
}

/// JSON is stored as text; read it from text or a blob alike.
fn json_from(value: ValueRef<'_>) -> Result<Option<Value>, sqlx::Error> {
    match value {
        ValueRef::Null => Ok(None),
        ValueRef::Text(bytes) | ValueRef::Blob(bytes) => serde_json::from_slice(bytes).map(Some).map_err(decode_error),
        other => Err(sqlx::Error::Decode(format!("a {} column is not JSON", other.data_type()).into())),
    }
}

impl RowExt for rusqlite::Row<'_> {
    fn int(&self, at: usize) -> Result<i64, sqlx::Error> {
        self.get(at).map_err(decode_error)
    }
    fn opt_int(&self, at: usize) -> Result<Option<i64>, sqlx::Error> {
        self.get(at).map_err(decode_error)
    }
    fn text(&self, at: usize) -> Result<String, sqlx::Error> {
        self.get(at).map_err(decode_error)
    }
    fn opt_text(&self, at: usize) -> Result<Option<String>, sqlx::Error> {
        self.get(at).map_err(decode_error)
    }
    fn flag(&self, at: usize) -> Result<bool, sqlx::Error> {
        self.get(at).map_err(decode_error)
    }
    fn json(&self, at: usize) -> Result<Value, sqlx::Error> {
        self.opt_json(at)?.ok_or_else(|| decode_error(rusqlite::types::FromSqlError::InvalidType))
    }
    fn opt_json(&self, at: usize) -> Result<Option<Value>, sqlx::Error> {
        json_from(self.get_ref(at).map_err(decode_error)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A WAL database file with one table of `rows` numbers.
    fn database(rows: i64) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("inline.db");
        let connection = Connection::open(&path).unwrap();
        connection.pragma_update(None, "journal_mode", "WAL").unwrap();
        connection.execute_batch("CREATE TABLE numbers (n INTEGER PRIMARY KEY, label TEXT, doc TEXT)").unwrap();
        let mut insert = connection.prepare("INSERT INTO numbers VALUES (?1, ?2, ?3)").unwrap();
        for n in 1..=rows {
            insert.execute(rusqlite::params![n, format!("n{n}"), format!("{{\"n\":{n}}}")]).unwrap();
        }
        (dir, path)
    }

    fn read_number(columns: &mut Columns<'_, rusqlite::Row<'_>>) -> Result<(i64, String, Value), sqlx::Error> {
        Ok((columns.int()?, columns.text()?, columns.json()?))
    }

    #[test]
    fn a_short_read_answers_on_the_calling_thread() {
        let (_dir, path) = database(30);
        let reads = InlineReads::new(&path, Duration::from_secs(1));
        let page = reads
            .fetch_all("SELECT n, label, doc FROM numbers WHERE n > $1 ORDER BY n LIMIT 3", &[&25_i64], read_number)
            .unwrap();
        let numbers: Vec<i64> = page.iter().map(|(n, _, _)| *n).collect();
        assert_eq!(numbers, [26, 27, 28]);
        assert_eq!(page[0].1, "n26");
        assert_eq!(page[0].2, serde_json::json!({"n": 26}));
    }

    #[test]
    fn a_long_statement_is_declined_and_the_connection_stays_usable() {
        let (_dir, path) = database(1);
        let reads = InlineReads::new(&path, Duration::from_secs(1));
        let long = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 10000000) \
                    SELECT count(*), 'all', '{}' FROM c";
        assert!(reads.fetch_all(long, &[], read_number).is_none());
        let after = reads.fetch_all("SELECT n, label, doc FROM numbers", &[], read_number).unwrap();
        assert_eq!(after.len(), 1);
    }

    #[test]
    fn a_failing_statement_is_declined() {
        let (_dir, path) = database(1);
        let reads = InlineReads::new(&path, Duration::from_secs(1));
        assert!(reads.fetch_all("SELECT nothing FROM nowhere", &[], read_number).is_none());
        assert!(reads.fetch_all("SELECT n, n, doc FROM numbers", &[], read_number).is_none(), "an undecodable row");
    }

    #[test]
    fn connections_of_a_dropped_store_are_closed() {
        let (_dir, path) = database(1);
        let first = InlineReads::new(&path, Duration::from_secs(1));
        first.fetch_all("SELECT n, label, doc FROM numbers", &[], read_number).unwrap();
        drop(first);
        let second = InlineReads::new(&path, Duration::from_secs(1));
        second.fetch_all("SELECT n, label, doc FROM numbers", &[], read_number).unwrap();
        let open = CONNECTIONS.with(|connections| connections.borrow().len());
        assert_eq!(open, 1, "the first store's connection was dropped when the second opened one");
    }
}
