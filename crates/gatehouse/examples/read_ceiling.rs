//! The "minimal server" ceiling for the users reads, used by `scripts/bench-reads`.
//!
//! The same stack as the real server — axum 0.8 on a multi-threaded tokio runtime; on SQLite
//! sqlx with the same pool settings, on PostgreSQL the statements pipelined over two
//! tokio-postgres connections as the server's short reads are — doing only what a read cannot
//! avoid: one statement and a JSON answer. No credentials, no permission check, no query-string
//! parsing, no middleware.
//!
//! `GATEHOUSE_CEILING_PG=pool` measures PostgreSQL through a sqlx pool instead (the server's
//! path before its reads were pipelined).
//!
//! - `GET /page`: the first 25 users by id (what `GET /api/users?start=0&limit=25` reads);
//! - `GET /email/<folded email>`: one user by its folded email (what
//!   `GET /api/users?filters[email][$eq]=…` reads).
//!
//! ```text
//! cargo run --release -p gatehouse --example read_ceiling -- DATABASE_URL [ADDR:PORT]
//! ```
//!
//! Prints `listening on http://ADDR:PORT` and serves until killed.

use anyhow::Context;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use sqlx::{Connection, PgPool, Row, SqlitePool};
use std::io::Write;
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

const COLUMNS: &str = "id, document_id, username, email, provider, confirmed, blocked, created_at, updated_at";

#[derive(Serialize)]
struct UserRow {
    id: i64,
    document_id: String,
    username: String,
    email: String,
    provider: String,
    confirmed: bool,
    blocked: bool,
    created_at: i64,
    updated_at: i64,
}

enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
    Pipelined(Vec<Pipelined>, AtomicUsize),
}

/// One tokio-postgres connection and the two statements, prepared.
struct Pipelined {
    client: tokio_postgres::Client,
    page: tokio_postgres::Statement,
    email: tokio_postgres::Statement,
}

impl Pool {
    fn pipelined<'p>(links: &'p [Pipelined], next: &AtomicUsize) -> Option<&'p Pipelined> {
        links.get(next.fetch_add(1, Ordering::Relaxed) % links.len().max(1))
    }
}

fn read_pipelined(row: &tokio_postgres::Row) -> Result<UserRow, tokio_postgres::Error> {
    Ok(UserRow {
        id: row.try_get(0)?,
        document_id: row.try_get(1)?,
        username: row.try_get(2)?,
        email: row.try_get(3)?,
        provider: row.try_get(4)?,
        confirmed: row.try_get(5)?,
        blocked: row.try_get(6)?,
        created_at: row.try_get(7)?,
        updated_at: row.try_get(8)?,
    })
}

fn failed_pipelined(error: Option<tokio_postgres::Error>) -> Response {
    let text = error.map_or_else(|| "no connection".to_owned(), |error| error.to_string());
    (StatusCode::INTERNAL_SERVER_ERROR, text).into_response()
}

fn read<R: Row>(row: &R) -> Result<UserRow, sqlx::Error>
where
    for<'c> &'c str: sqlx::ColumnIndex<R>,
    i64: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    String: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    bool: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    Ok(UserRow {
        id: row.try_get("id")?,
        document_id: row.try_get("document_id")?,
        username: row.try_get("username")?,
        email: row.try_get("email")?,
        provider: row.try_get("provider")?,
        confirmed: row.try_get("confirmed")?,
        blocked: row.try_get("blocked")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

fn failed(error: sqlx::Error) -> Response {
    (StatusCode::INTERNAL_SERVER_ERROR, error.to_string()).into_response()
}

async fn page(State(pool): State<Arc<Pool>>) -> Response {
    let sql = format!("SELECT {COLUMNS} FROM users ORDER BY id LIMIT 25 OFFSET 0");
    let rows: Result<Vec<UserRow>, sqlx::Error> = match pool.as_ref() {
        Pool::Sqlite(pool) => match sqlx::query(&sql).fetch_all(pool).await {
            Ok(rows) => rows.iter().map(read).collect(),
            Err(error) => Err(error),
        },
        Pool::Postgres(pool) => match sqlx::query(&sql).fetch_all(pool).await {
            Ok(rows) => rows.iter().map(read).collect(),
            Err(error) => Err(error),
        },
        Pool::Pipelined(links, next) => {
            let Some(link) = Pool::pipelined(links, next) else { return failed_pipelined(None) };
            let rows = match link.client.query(&link.page, &[]).await {
                Ok(rows) => rows.iter().map(read_pipelined).collect::<Result<Vec<_>, _>>(),
                Err(error) => Err(error),
            };
            return rows.map_or_else(|error| failed_pipelined(Some(error)), |rows| Json(rows).into_response());
        }
    };
    rows.map_or_else(failed, |rows| Json(rows).into_response())
}

async fn by_email(State(pool): State<Arc<Pool>>, Path(email): Path<String>) -> Response {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE email_folded = $1");
    let row: Result<Option<UserRow>, sqlx::Error> = match pool.as_ref() {
        Pool::Sqlite(pool) => match sqlx::query(&sql).bind(&email).fetch_optional(pool).await {
            Ok(row) => row.as_ref().map(read).transpose(),
            Err(error) => Err(error),
        },
        Pool::Postgres(pool) => match sqlx::query(&sql).bind(&email).fetch_optional(pool).await {
            Ok(row) => row.as_ref().map(read).transpose(),
            Err(error) => Err(error),
        },
        Pool::Pipelined(links, next) => {
            let Some(link) = Pool::pipelined(links, next) else { return failed_pipelined(None) };
            let row = match link.client.query_opt(&link.email, &[&email]).await {
                Ok(row) => row.as_ref().map(read_pipelined).transpose(),
                Err(error) => Err(error),
            };
            return row.map_or_else(
                |error| failed_pipelined(Some(error)),
                |row| Json(row.into_iter().collect::<Vec<_>>()).into_response(),
            );
        }
    };
    row.map_or_else(failed, |row| Json(row.into_iter().collect::<Vec<_>>()).into_response())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let url = args.next().context("usage: read_ceiling DATABASE_URL [ADDR:PORT]")?;
    let bind = args.next().unwrap_or_else(|| "127.0.0.1:0".to_owned());
    // The same shape as Gatehouse's store: on SQLite 16 WAL readers; on PostgreSQL two pipelined
    // connections, or (GATEHOUSE_CEILING_PG=pool) 16 pooled ones, where a connection used within
    // the last second is handed out without a ping.
    let pool = if url.starts_with("sqlite:") {
        let options = SqliteConnectOptions::from_str(&url)?.journal_mode(SqliteJournalMode::Wal);
        Pool::Sqlite(SqlitePoolOptions::new().max_connections(16).connect_with(options).await?)
    } else if std::env::var("GATEHOUSE_CEILING_PG").as_deref() != Ok("pool") {
        let mut links = Vec::new();
        for _ in 0..2 {
            let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await?;
            tokio::spawn(connection);
            let page = client.prepare(&format!("SELECT {COLUMNS} FROM users ORDER BY id LIMIT 25 OFFSET 0")).await?;
            let email = client.prepare(&format!("SELECT {COLUMNS} FROM users WHERE email_folded = $1")).await?;
            links.push(Pipelined { client, page, email });
        }
        Pool::Pipelined(links, AtomicUsize::new(0))
    } else {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .test_before_acquire(false)
            .before_acquire(|connection, meta| {
                Box::pin(async move {
                    if meta.idle_for >= Duration::from_secs(1) {
                        connection.ping().await?;
                    }
                    Ok(true)
                })
            })
            .connect(&url)
            .await?;
        Pool::Postgres(pool)
    };
    let app = Router::new().route("/page", get(page)).route("/email/{email}", get(by_email)).with_state(Arc::new(pool));
    let listener = tokio::net::TcpListener::bind(&bind).await?;
    let address = listener.local_addr()?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "listening on http://{address}")?;
    out.flush()?;
    drop(out);
    axum::serve(listener, app).await?;
    Ok(())
}
