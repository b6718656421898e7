//! The plumbing every aggregate module uses: [`StoreOptions`], [`SqlStore`] (the pools),
//! [`SqlTx`] (one write transaction), the macros that run one piece of code on whichever
//! backend is open, and the fetch helpers that run a statement, classify its error and decode
//! its rows.
//!
//! Statements are written once, as parameterised SQL that SQLite and PostgreSQL both accept
//! (`$1` placeholders, `RETURNING`, `ON CONFLICT`); `on_pool!`/`on_tx!` expand the same code for
//! each backend, so there is no per-query backend branch. Keep statements `&'static str`
//! where possible: sqlx caches prepared statements per connection by their text.
//!
//! Imports the backends and `classify`; none of them imports this.

use crate::classify::classify;
use crate::inline_reads::InlineReads;
use crate::pipelined_reads::PipelinedReads;
use crate::rows::{decoded, Columns, RowExt};
use crate::{postgres, sqlite};
use gatehouse_domain::ports::{QueuedWork, StoreError};
use sqlx::query::Query;
use sqlx::{Database, Executor, IntoArguments, PgPool, Postgres, Sqlite, SqlitePool, Transaction};
use std::sync::Arc;
use std::time::Duration;

/// How to open the store.
#[derive(Clone, Debug)]
pub struct StoreOptions {
    /// `sqlite://PATH` (created when missing) or `postgres://…`.
    pub url: String,
    /// Largest PostgreSQL pool (and SQLite read pool).
    pub max_connections: u32,
    /// How long SQLite waits on a lock held by another process before answering busy.
    pub busy_timeout: Duration,
    /// Whether to apply pending migrations while connecting.
    pub migrate: bool,
}

impl StoreOptions {
    /// Defaults for `url`: migrations applied, 16 connections, 5 s busy timeout.
    pub fn new(url: impl Into<String>) -> Self {
        Self { url: url.into(), max_connections: 16, busy_timeout: Duration::from_secs(5), migrate: true }
    }
}

/// The pools of whichever backend is open.
pub(crate) enum Pools {
    /// Readers, and the one writer connection.
    Sqlite {
        /// The read pool.
        read: SqlitePool,
        /// The single-connection write pool.
        write: SqlitePool,
        /// Short reads on the calling thread (the hot user reads).
        inline: InlineReads,
    },
    /// One pool for everything.
    Postgres(PgPool),
}

/// The store over an open connection pool.
pub struct SqlStore {
    pub(crate) pools: Pools,
    pub(crate) queued: Arc<QueuedWork>,
    /// Short reads pipelined beside the pool, on PostgreSQL.
    pipelined: Option<PipelinedReads>,
}

/// The transaction of whichever backend is open.
pub(crate) enum TxInner {
    /// On SQLite's writer connection, begun with `BEGIN IMMEDIATE`.
    Sqlite(Transaction<'static, Sqlite>),
    /// On a PostgreSQL connection.
    Postgres(Transaction<'static, Postgres>),
}

/// One write transaction on either backend; dropped without commit, it rolls back.
pub struct SqlTx {
    pub(crate) inner: TxInner,
    queued: Arc<QueuedWork>,
    /// Whether this transaction recorded an event / queued a mail: its commit signals it.
    pub(crate) recorded_events: bool,
    pub(crate) queued_mail: bool,
}

/// Runs `$body` with `$pool` bound to the read pool of whichever backend is open.
macro_rules! on_pool {
    ($store:expr, |$pool:ident| $body:expr) => {
        match &$store.pools {
            $crate::db::Pools::Sqlite { read: $pool, .. } => $body,
            $crate::db::Pools::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_pool;

/// Runs `$body` with `$pool` bound to the pool that takes writes outside a transaction
/// (SQLite: the one writer connection).
macro_rules! on_write_pool {
    ($store:expr, |$pool:ident| $body:expr) => {
        match &$store.pools {
            $crate::db::Pools::Sqlite { write: $pool, .. } => $body,
            $crate::db::Pools::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_write_pool;

/// Renders a sea-query statement for the open backend, then runs `$body` with the read pool,
/// the SQL text and its bound values.
macro_rules! on_pool_built {
    ($store:expr, $statement:expr, |$pool:ident, $sql:ident, $values:ident| $body:expr) => {
        match &$store.pools {
            $crate::db::Pools::Sqlite { read: $pool, .. } => {
                let ($sql, $values) =
                    sea_query_binder::SqlxBinder::build_sqlx(&$statement, sea_query::SqliteQueryBuilder);
                $body
            }
            $crate::db::Pools::Postgres($pool) => {
                let ($sql, $values) =
                    sea_query_binder::SqlxBinder::build_sqlx(&$statement, sea_query::PostgresQueryBuilder);
                $body
            }
        }
    };
}
pub(crate) use on_pool_built;

/// Runs `$body` with `$conn` bound to the transaction's connection, whichever the backend.
macro_rules! on_tx {
    ($tx:expr, |$conn:ident| $body:expr) => {
        match &mut $tx.inner {
            $crate::db::TxInner::Sqlite(tx) => {
                let $conn = &mut **tx;
                $body
            }
            $crate::db::TxInner::Postgres(tx) => {
                let $conn = &mut **tx;
                $body
            }
        }
    };
}
pub(crate) use on_tx;

/// Renders a sea-query statement for the transaction's backend, then runs `$body` with the
/// connection, the SQL text and its bound values.
macro_rules! on_tx_built {
    ($tx:expr, $statement:expr, |$conn:ident, $sql:ident, $values:ident| $body:expr) => {
        match &mut $tx.inner {
            $crate::db::TxInner::Sqlite(tx) => {
                let $conn = &mut **tx;
                let ($sql, $values) =
                    sea_query_binder::SqlxBinder::build_sqlx(&$statement, sea_query::SqliteQueryBuilder);
                $body
            }
            $crate::db::TxInner::Postgres(tx) => {
                let $conn = &mut **tx;
                let ($sql, $values) =
                    sea_query_binder::SqlxBinder::build_sqlx(&$statement, sea_query::PostgresQueryBuilder);
                $body
            }
        }
    };
}
pub(crate) use on_tx_built;

/// Runs `query` and reads its row, if any, with `read`: the one
/// `fetch_optional → classify → decode` every lookup needs.
pub(crate) async fn fetch_optional<'q, 'e, 'c: 'e, DB, A, E, T>(
    query: Query<'q, DB, A>,
    executor: E,
    read: impl FnOnce(&mut Columns<'_, DB::Row>) -> Result<T, sqlx::Error>,
) -> Result<Option<T>, StoreError>
where
    DB: Database,
    DB::Row: RowExt,
    A: 'q + 'e + Send + IntoArguments<'q, DB>,
    'q: 'e,
    E: 'e + Executor<'c, Database = DB>,
{
    let row = query.fetch_optional(executor).await.map_err(classify)?;
    row.map(|row| decoded(read(&mut Columns::new(&row)))).transpose()
}

/// Runs `query` and reads its one row with `read` (a statement that always answers one row:
/// `COUNT(*)`, `INSERT … RETURNING`).
pub(crate) async fn fetch_one<'q, 'e, 'c: 'e, DB, A, E, T>(
    query: Query<'q, DB, A>,
    executor: E,
    read: impl FnOnce(&mut Columns<'_, DB::Row>) -> Result<T, sqlx::Error>,
) -> Result<T, StoreError>
where
    DB: Database,
    DB::Row: RowExt,
    A: 'q + 'e + Send + IntoArguments<'q, DB>,
    'q: 'e,
    E: 'e + Executor<'c, Database = DB>,
{
    let row = query.fetch_one(executor).await.map_err(classify)?;
    decoded(read(&mut Columns::new(&row)))
}

/// Runs `query` and reads every row with `read`.
pub(crate) async fn fetch_all<'q, 'e, 'c: 'e, DB, A, E, T>(
    query: Query<'q, DB, A>,
    executor: E,
    read: impl Fn(&mut Columns<'_, DB::Row>) -> Result<T, sqlx::Error>,
) -> Result<Vec<T>, StoreError>
where
    DB: Database,
    DB::Row: RowExt,
    A: 'q + 'e + Send + IntoArguments<'q, DB>,
    'q: 'e,
    E: 'e + Executor<'c, Database = DB>,
{
    let rows = query.fetch_all(executor).await.map_err(classify)?;
    rows.iter().map(|row| decoded(read(&mut Columns::new(row)))).collect()
}

/// Runs `query` and returns its rows undecoded (for [`crate::rows::fold_children`]).
pub(crate) async fn fetch_rows<'q, 'e, 'c: 'e, DB, A, E>(
    query: Query<'q, DB, A>,
    executor: E,
) -> Result<Vec<DB::Row>, StoreError>
where
    DB: Database,
    A: 'q + 'e + Send + IntoArguments<'q, DB>,
    'q: 'e,
    E: 'e + Executor<'c, Database = DB>,
{
    query.fetch_all(executor).await.map_err(classify)
}

/// The number of rows a statement changed, whichever the backend.
pub(crate) trait Affected {
    /// Rows inserted, updated or deleted.
    fn affected(&self) -> u64;
}

impl Affected for sqlx::sqlite::SqliteQueryResult {
    fn affected(&self) -> u64 {
        self.rows_affected()
    }
}

impl Affected for sqlx::postgres::PgQueryResult {
    fn affected(&self) -> u64 {
        self.rows_affected()
    }
}

/// Runs `query` and returns how many rows it changed.
pub(crate) async fn execute<'q, 'e, 'c: 'e, DB, A, E>(query: Query<'q, DB, A>, executor: E) -> Result<u64, StoreError>
where
    DB: Database,
    DB::QueryResult: Affected,
    A: 'q + 'e + Send + IntoArguments<'q, DB>,
    'q: 'e,
    E: 'e + Executor<'c, Database = DB>,
{
    query.execute(executor).await.map(|done| done.affected()).map_err(classify)
}

impl SqlStore {
    /// Opens the pools for `options.url` (`sqlite:` or `postgres:`/`postgresql:`).
    pub async fn connect(options: &StoreOptions) -> Result<Self, StoreError> {
        let url = options.url.as_str();
        let (pools, pipelined) = if url.starts_with("sqlite:") {
            let (read, write, path) = sqlite::open(url, options.max_connections, options.busy_timeout).await?;
            (Pools::Sqlite { read, write, inline: InlineReads::new(&path, options.busy_timeout) }, None)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            (Pools::Postgres(postgres::open(url, options.max_connections).await?), PipelinedReads::new(url))
        } else {
            return Err(StoreError::Other("the database URL must start with sqlite: or postgres:".into()));
        };
        Ok(Self { pools, queued: Arc::default(), pipelined })
    }

    /// The pipelined read path, on PostgreSQL (see [`crate::pipelined_reads`]).
    pub(crate) fn pipelined_reads(&self) -> Option<&PipelinedReads> {
        self.pipelined.as_ref()
    }

    /// The inline read path, on SQLite (see [`crate::inline_reads`]).
    pub(crate) fn inline_reads(&self) -> Option<&InlineReads> {
        match &self.pools {
            Pools::Sqlite { inline, .. } => Some(inline),
            Pools::Postgres(_) => None,
        }
    }

    /// Applies pending migrations of this backend.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        let result = match &self.pools {
            Pools::Sqlite { write, .. } => sqlite::MIGRATOR.run(write).await,
            Pools::Postgres(pool) => postgres::MIGRATOR.run(pool).await,
        };
        result.map_err(|error| StoreError::Other(format!("migration failed: {error}")))
    }

    /// Starts a write transaction (SQLite: on the one writer connection, `BEGIN IMMEDIATE`).
    pub(crate) async fn begin_tx(&self) -> Result<SqlTx, StoreError> {
        let inner = match &self.pools {
            Pools::Sqlite { write, .. } => {
                TxInner::Sqlite(write.begin_with("BEGIN IMMEDIATE").await.map_err(classify)?)
            }
            Pools::Postgres(pool) => TxInner::Postgres(pool.begin().await.map_err(classify)?),
        };
        Ok(SqlTx { inner, queued: Arc::clone(&self.queued), recorded_events: false, queued_mail: false })
    }
}

impl SqlTx {
    /// Makes every write of this transaction durable at once.
    pub(crate) async fn commit_tx(self) -> Result<(), StoreError> {
        match self.inner {
            TxInner::Sqlite(tx) => tx.commit().await.map_err(classify)?,
            TxInner::Postgres(tx) => tx.commit().await.map_err(classify)?,
        }
        if self.recorded_events {
            self.queued.events.notify_one();
        }
        if self.queued_mail {
            self.queued.mail.notify_one();
        }
        Ok(())
    }
}
