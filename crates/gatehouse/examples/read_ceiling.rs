//! The "minimal server" ceiling for the users reads, used by `scripts/bench-reads`.
//!
//! The same stack as the real server — axum 0.8 on a multi-threaded tokio runtime and sqlx on
//! the same database file or server, with the same pool settings — doing only what a read
//! cannot avoid: one statement and a JSON answer. No credentials, no permission check, no
//! query-string parsing, no middleware.
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
    };
    row.map_or_else(failed, |row| Json(row.into_iter().collect::<Vec<_>>()).into_response())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let url = args.next().context("usage: read_ceiling DATABASE_URL [ADDR:PORT]")?;
    let bind = args.next().unwrap_or_else(|| "127.0.0.1:0".to_owned());
    // The same pool shape as Gatehouse's store by default: 16 connections (WAL readers on SQLite);
    // on PostgreSQL a connection used within the last second is handed out without a ping.
    let pool = if url.starts_with("sqlite:") {
        let options = SqliteConnectOptions::from_str(&url)?.journal_mode(SqliteJournalMode::Wal);
        Pool::Sqlite(SqlitePoolOptions::new().max_connections(16).connect_with(options).await?)
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
