//! Short PostgreSQL reads, pipelined over a few long-lived tokio-postgres connections.
//!
//! Why: sqlx hands each statement a pooled connection of its own, so sixteen concurrent reads
//! wake sixteen PostgreSQL backends, one round trip each. tokio-postgres sends the statements of
//! concurrent callers on one connection back to back (pipelining): a backend reads several at a
//! wake-up and answers them in one write. On two cores that halved the database's CPU a read and
//! doubled the read ceiling (docs/performance.md, "PostgreSQL reads pipelined").
//!
//! The price of pipelining is head-of-line blocking: a slow statement delays every statement
//! queued behind it on its connection. So only reads that are short at any table size come here
//! (a user by id or by a unique key, a shallow page in id order, the maintained count); the
//! callers decide, and the sqlx pool runs everything else. As a backstop each connection has a
//! `statement_timeout` of [`STATEMENT_TIMEOUT_MS`].
//!
//! Like the SQLite inline path, this path only ever answers with what the pool would have
//! answered, or declines (`None`): no connection yet, a connection lost, a statement that fails
//! or times out, a value it does not bind. The caller then runs the statement on the pool. A lost
//! connection is opened again by the next read, at most once a second.
//!
//! Parameters are prepared with explicit types, the ones sqlx would send for the same values, so
//! PostgreSQL plans the statement exactly as on the pool.
//!
//! Imports `rows` only.

use crate::rows::Columns;
use sea_query::Value;
use sea_query_postgres::PostgresValues;
use std::collections::HashMap;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};
use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::{Client, Config, NoTls, Row, Statement};

/// Connections. Fewer connections pipeline deeper (fewer wake-ups a read); two let both cores
/// of a small machine run PostgreSQL, and keep one slow statement from stalling every read.
const LINKS: usize = 2;
/// Prepared statements kept per connection (query-model statements vary with their filters).
const STATEMENT_CACHE: usize = 64;
/// The backstop against a slow statement holding its connection: a read here is expected to
/// take well under a millisecond.
const STATEMENT_TIMEOUT_MS: u32 = 250;
/// How long opening a connection may take before the read declines.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long after a failed attempt the next one waits.
const RECONNECT_GAP: Duration = Duration::from_secs(1);

/// The pipelined read path of one PostgreSQL database.
pub(crate) struct PipelinedReads {
    config: Config,
    slots: [Slot; LINKS],
    next: AtomicUsize,
    /// When the reads started, the origin of `Slot::retry_at`.
    started: Instant,
    /// Reads answered here, and reads declined to the pool: how a test tells a read served
    /// here from one the pool answered silently.
    served: AtomicU64,
    declined: AtomicU64,
}

/// One connection, open or not.
#[derive(Default)]
struct Slot {
    link: RwLock<Option<Arc<Link>>>,
    /// Held by the one caller that is opening the connection; the others decline meanwhile.
    opening: AtomicBool,
    /// Milliseconds after `started` before which no new attempt is made.
    retry_at: AtomicU64,
}

/// An open connection and its prepared statements.
struct Link {
    client: Client,
    statements: Mutex<HashMap<String, Statement>>,
}

impl std::fmt::Debug for PipelinedReads {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The configuration holds the password: only where it points is shown.
        formatter
            .debug_struct("PipelinedReads")
            .field("hosts", &self.config.get_hosts())
            .field("dbname", &self.config.get_dbname())
            .finish_non_exhaustive()
    }
}

/// Resets `Slot::opening` however the opening ends, a dropped future included.
struct Opening<'s>(&'s AtomicBool);

impl Drop for Opening<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

impl PipelinedReads {
    /// The pipelined path for the database at `url`, or `None` when tokio-postgres cannot read
    /// the URL (a parameter only sqlx knows): then every read goes to the pool. Connections are
    /// opened by the first reads, not here.
    pub(crate) fn new(url: &str) -> Option<Self> {
        match Config::from_str(url) {
            Ok(config) => Some(Self {
                config,
                slots: Default::default(),
                next: AtomicUsize::new(0),
                started: Instant::now(),
                served: AtomicU64::new(0),
                declined: AtomicU64::new(0),
            }),
            Err(error) => {
                tracing::info!(%error, "PostgreSQL reads are not pipelined: the URL has a parameter only the pool reads");
                None
            }
        }
    }

    /// Runs `sql` with `params` (of the PostgreSQL `types`) and reads every row with `read`.
    /// `None` when the path declines; the caller then runs the statement on the pool.
    pub(crate) async fn fetch_all<T>(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
        types: &[Type],
        read: impl Fn(&mut Columns<'_, Row>) -> Result<T, sqlx::Error>,
    ) -> Option<Vec<T>> {
        let answer = match self.rows(sql, params, types).await {
            Some(rows) => rows.iter().map(|row| read(&mut Columns::new(row)).ok()).collect(),
            None => None,
        };
        let counter = if answer.is_some() { &self.served } else { &self.declined };
        counter.fetch_add(1, Ordering::Relaxed);
        answer
    }

    /// [`PipelinedReads::fetch_all`] for a statement built by sea-query, its values bound with
    /// the types sqlx would give them; declined when a value has no such type here.
    pub(crate) async fn fetch_all_bound<T>(
        &self,
        sql: &str,
        values: &PostgresValues,
        read: impl Fn(&mut Columns<'_, Row>) -> Result<T, sqlx::Error>,
    ) -> Option<Vec<T>> {
        let types = types_of(values)?;
        self.fetch_all(sql, &values.as_params(), &types, read).await
    }

    /// How many reads were answered here, and how many declined to the pool.
    #[cfg(test)]
    pub(crate) fn counts(&self) -> (u64, u64) {
        (self.served.load(Ordering::Relaxed), self.declined.load(Ordering::Relaxed))
    }

    /// The statement's rows, from the next connection in turn.
    async fn rows(&self, sql: &str, params: &[&(dyn ToSql + Sync)], types: &[Type]) -> Option<Vec<Row>> {
        let slot = self.slots.get(self.next.fetch_add(1, Ordering::Relaxed) % LINKS)?;
        let link = self.link(slot).await?;
        let outcome = match link.statement(sql, types).await {
            Ok(statement) => link.client.query(&statement, params).await,
            Err(error) => Err(error),
        };
        match outcome {
            Ok(rows) => Some(rows),
            Err(error) => {
                tracing::debug!(%error, "a pipelined read declined; the pool runs it");
                link.forget(sql);
                if link.client.is_closed() {
                    if let Ok(mut open) = slot.link.write() {
                        *open = None;
                    }
                }
                None
            }
        }
    }

    /// The slot's open connection, opened now when it has none (by one caller at a time).
    async fn link(&self, slot: &Slot) -> Option<Arc<Link>> {
        let open = slot.link.read().ok()?.as_ref().filter(|link| !link.client.is_closed()).cloned();
        if open.is_some() {
            return open;
        }
        let now = self.millis();
        if now < slot.retry_at.load(Ordering::Relaxed) || slot.opening.swap(true, Ordering::AcqRel) {
            return None;
        }
        let _opening = Opening(&slot.opening);
        let opened = self.open().await;
        if opened.is_none() {
            let gap = u64::try_from(RECONNECT_GAP.as_millis()).unwrap_or(u64::MAX);
            slot.retry_at.store(now.saturating_add(gap), Ordering::Relaxed);
        }
        if let Ok(mut open) = slot.link.write() {
            open.clone_from(&opened);
        }
        opened
    }

    /// A new connection, its `statement_timeout` set.
    async fn open(&self) -> Option<Arc<Link>> {
        let connected = tokio::time::timeout(CONNECT_TIMEOUT, self.config.connect(NoTls)).await;
        let (client, connection) = match connected {
            Ok(Ok(connected)) => connected,
            Ok(Err(error)) => {
                tracing::warn!(%error, "cannot open a connection for pipelined reads; the pool reads meanwhile");
                return None;
            }
            Err(_) => {
                tracing::warn!("opening a connection for pipelined reads timed out; the pool reads meanwhile");
                return None;
            }
        };
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, "a pipelined-reads connection closed");
            }
        });
        let timeout = format!("SET statement_timeout = {STATEMENT_TIMEOUT_MS}");
        client.batch_execute(&timeout).await.ok()?;
        Some(Arc::new(Link { client, statements: Mutex::default() }))
    }

    fn millis(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }
}

impl Link {
    /// `sql` prepared with `types` on this connection, from the cache when it was before.
    async fn statement(&self, sql: &str, types: &[Type]) -> Result<Statement, tokio_postgres::Error> {
        let cached = self.statements.lock().ok().and_then(|statements| statements.get(sql).cloned());
        if let Some(statement) = cached.filter(|statement| statement.params() == types) {
            return Ok(statement);
        }
        let statement = self.client.prepare_typed(sql, types).await?;
        if let Ok(mut statements) = self.statements.lock() {
            if statements.len() >= STATEMENT_CACHE {
                statements.clear();
            }
            statements.insert(sql.to_owned(), statement.clone());
        }
        Ok(statement)
    }

    /// Drops `sql`'s prepared statement (a failure may mean it no longer fits the table).
    fn forget(&self, sql: &str) {
        if let Ok(mut statements) = self.statements.lock() {
            statements.remove(sql);
        }
    }
}

/// The PostgreSQL types sqlx would send for sea-query's bound `values`, or `None` for a value
/// this path does not bind (the pool runs that statement).
fn types_of(values: &PostgresValues) -> Option<Vec<Type>> {
    values
        .0
        .iter()
        .map(|value| match value.0 {
            Value::Bool(_) => Some(Type::BOOL),
            Value::SmallInt(_) => Some(Type::INT2),
            Value::Int(_) => Some(Type::INT4),
            Value::BigInt(_) => Some(Type::INT8),
            Value::Float(_) => Some(Type::FLOAT4),
            Value::Double(_) => Some(Type::FLOAT8),
            Value::String(_) => Some(Type::TEXT),
            Value::Json(_) => Some(Type::JSONB),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_typed_as_the_pool_types_them() {
        let values = PostgresValues(
            [Value::BigInt(Some(1)), Value::String(Some(Box::new("a".into()))), Value::Bool(Some(true))]
                .into_iter()
                .map(sea_query_postgres::PostgresValue)
                .collect(),
        );
        assert_eq!(types_of(&values), Some(vec![Type::INT8, Type::TEXT, Type::BOOL]));
        let unbound = PostgresValues(vec![sea_query_postgres::PostgresValue(Value::Char(Some('x')))]);
        assert_eq!(types_of(&unbound), None);
    }

    #[test]
    fn a_url_with_a_parameter_only_sqlx_reads_turns_the_path_off() {
        assert!(PipelinedReads::new("postgres://u@127.0.0.1:5432/db?options=-c%20search_path%3Dx").is_some());
        assert!(PipelinedReads::new("postgres://u@127.0.0.1:5432/db?statement-cache-capacity=10").is_none());
    }

    /// The pipelined path of a fresh test database, when the tests run on PostgreSQL.
    async fn on_postgres() -> Option<(gatehouse_testkit::TestDb, PipelinedReads)> {
        let db = gatehouse_testkit::TestDb::new().await;
        if !db.is_postgres() {
            return None;
        }
        let reads = PipelinedReads::new(db.url()).unwrap();
        Some((db, reads))
    }

    fn number(columns: &mut Columns<'_, Row>) -> Result<i64, sqlx::Error> {
        columns.int()
    }

    #[tokio::test]
    async fn concurrent_reads_are_answered_each_with_its_own_rows() {
        let Some((_db, reads)) = on_postgres().await else { return };
        // Reads that come while a connection is being opened go to the pool: open both first.
        for _ in 0..LINKS {
            assert_eq!(reads.fetch_all("SELECT 1::bigint", &[], &[], number).await, Some(vec![1]));
        }
        let reads = Arc::new(reads);
        let mut tasks = tokio::task::JoinSet::new();
        for n in 0..200_i64 {
            let reads = Arc::clone(&reads);
            tasks.spawn(async move {
                let sql = "SELECT $1::bigint * 2 FROM generate_series(1, 3)";
                (n, reads.fetch_all(sql, &[&n], &[Type::INT8], number).await)
            });
        }
        while let Some(done) = tasks.join_next().await {
            let (n, rows) = done.unwrap();
            assert_eq!(rows, Some(vec![n * 2; 3]));
        }
        assert_eq!(reads.counts(), (200 + LINKS as u64, 0));
    }

    #[tokio::test]
    async fn a_statement_over_the_timeout_is_declined_and_the_connection_stays_usable() {
        let Some((_db, reads)) = on_postgres().await else { return };
        let slow = "SELECT 1::bigint FROM pg_sleep(2)";
        let started = Instant::now();
        for _ in 0..LINKS {
            assert_eq!(reads.fetch_all(slow, &[], &[], number).await, None);
        }
        assert!(started.elapsed() < Duration::from_secs(2), "cut at the timeout, not after the sleep");
        for _ in 0..LINKS {
            assert_eq!(reads.fetch_all("SELECT 7::bigint", &[], &[], number).await, Some(vec![7]));
        }
    }

    #[tokio::test]
    async fn a_lost_connection_is_declined_then_opened_again() {
        let Some((db, reads)) = on_postgres().await else { return };
        let mut pids = Vec::new();
        for _ in 0..LINKS {
            pids.extend(reads.fetch_all("SELECT pg_backend_pid()::bigint", &[], &[], number).await.unwrap());
        }
        let admin = sqlx::PgPool::connect(db.url()).await.unwrap();
        for pid in &pids {
            sqlx::query("SELECT pg_terminate_backend($1::int)").bind(pid).execute(&admin).await.unwrap();
        }
        // A lost connection costs each slot at most one declined read, then it is opened again.
        let mut answers = Vec::new();
        for _ in 0..4 * LINKS {
            answers.push(reads.fetch_all("SELECT pg_backend_pid()::bigint", &[], &[], number).await);
        }
        let declined = answers.iter().filter(|answer| answer.is_none()).count();
        assert!(declined <= LINKS, "{answers:?}");
        let new_pids: Vec<i64> = answers.into_iter().flatten().flatten().collect();
        assert!(!new_pids.is_empty() && new_pids.iter().all(|pid| !pids.contains(pid)), "{new_pids:?} vs {pids:?}");
    }

    #[test]
    fn the_debug_output_shows_no_password() {
        let reads = PipelinedReads::new("postgres://u:hunter2secret@127.0.0.1:5432/db");
        assert!(!format!("{reads:?}").contains("hunter2secret"));
    }
}
