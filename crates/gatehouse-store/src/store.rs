//! [`SqlStore`] and [`SqlTx`]: the domain's `Store`/`StoreTx` on either backend.
//!
//! Statements are written once, as parameterised SQL that SQLite and PostgreSQL both accept
//! (`$1` placeholders, `RETURNING`, `ON CONFLICT`); the `on_pool!`/`on_tx!` macros run the same
//! code against whichever backend is open, so there is no per-query backend branch.

use crate::rows::{self, RowExt, ROLE_COLUMNS, SESSION_COLUMNS, USER_COLUMNS};
use crate::{postgres, sqlite, StoreOptions};
use async_trait::async_trait;
use gatehouse_domain::events::{DomainEvent, StoredEvent};
use gatehouse_domain::ids::{RoleId, SessionId, UserId};
use gatehouse_domain::model::{NewSession, NewUser, Role, SessionRecord, User, UserCredentials};
use gatehouse_domain::ports::{Backend, ConflictKey, Store, StoreError, StoreTx};
use gatehouse_domain::time::Timestamp;
use sqlx::types::Json;
use sqlx::{PgPool, Postgres, Sqlite, SqlitePool, Transaction};

enum Pools {
    Sqlite { read: SqlitePool, write: SqlitePool },
    Postgres(PgPool),
}

/// The store over an open connection pool.
pub struct SqlStore {
    pools: Pools,
}

/// Runs `$body` with `$pool` bound to the read pool of whichever backend is open.
macro_rules! on_pool {
    ($store:expr, |$pool:ident| $body:expr) => {
        match &$store.pools {
            Pools::Sqlite { read: $pool, .. } => $body,
            Pools::Postgres($pool) => $body,
        }
    };
}

/// Runs `$body` with `$conn` bound to the transaction's connection, whichever the backend.
macro_rules! on_tx {
    ($tx:expr, |$conn:ident| $body:expr) => {
        match &mut $tx.inner {
            TxInner::Sqlite(tx) => {
                let $conn = &mut **tx;
                $body
            }
            TxInner::Postgres(tx) => {
                let $conn = &mut **tx;
                $body
            }
        }
    };
}

/// Turns a driver error into a [`StoreError`]: unique violations name the key they hit,
/// contention becomes [`StoreError::Busy`] (a 503 with `Retry-After`, never a 500).
pub(crate) fn classify(error: sqlx::Error) -> StoreError {
    match &error {
        sqlx::Error::Database(db) => {
            if db.is_unique_violation() {
                let text = format!("{} {}", db.constraint().unwrap_or_default(), db.message());
                return StoreError::Conflict(conflict_key(&text));
            }
            let code = db.code().unwrap_or_default();
            if sqlite::is_busy(&code) || postgres::is_busy(&code) {
                return StoreError::Busy;
            }
            StoreError::Other(error.to_string())
        }
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => StoreError::Busy,
        _ => StoreError::Other(error.to_string()),
    }
}

/// Which unique key a violation names: PostgreSQL gives the index name
/// (`users_email_folded_key`), SQLite the columns (`users.email_folded`).
fn conflict_key(text: &str) -> ConflictKey {
    if text.contains("email_folded") {
        ConflictKey::Email
    } else if text.contains("username_folded") {
        ConflictKey::Username
    } else if text.contains("roles_type_key") || text.contains("roles.type") {
        ConflictKey::RoleType
    } else {
        ConflictKey::Other(text.trim().to_owned())
    }
}

fn decode<T>(result: Result<T, sqlx::Error>) -> Result<T, StoreError> {
    result.map_err(|error| StoreError::Other(format!("decoding a row: {error}")))
}

impl SqlStore {
    /// Opens the pools for `options.url` (`sqlite:` or `postgres:`/`postgresql:`).
    pub async fn connect(options: &StoreOptions) -> Result<Self, StoreError> {
        let url = options.url.as_str();
        let pools = if url.starts_with("sqlite:") {
            let (read, write) = sqlite::open(url, options.max_connections, options.busy_timeout).await?;
            Pools::Sqlite { read, write }
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Pools::Postgres(postgres::open(url, options.max_connections).await?)
        } else {
            return Err(StoreError::Other("the database URL must start with sqlite: or postgres:".into()));
        };
        Ok(Self { pools })
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
    async fn begin_sql(&self) -> Result<SqlTx, StoreError> {
        let inner = match &self.pools {
            Pools::Sqlite { write, .. } => {
                TxInner::Sqlite(write.begin_with("BEGIN IMMEDIATE").await.map_err(classify)?)
            }
            Pools::Postgres(pool) => TxInner::Postgres(pool.begin().await.map_err(classify)?),
        };
        Ok(SqlTx { inner })
    }

    /// Closes every connection (SQLite checkpoints its WAL).
    pub async fn close(&self) {
        match &self.pools {
            Pools::Sqlite { read, write } => {
                read.close().await;
                write.close().await;
            }
            Pools::Postgres(pool) => pool.close().await,
        }
    }
}

#[async_trait]
impl Store for SqlStore {
    fn backend(&self) -> Backend {
        match self.pools {
            Pools::Sqlite { .. } => Backend::Sqlite,
            Pools::Postgres(_) => Backend::Postgres,
        }
    }

    async fn ping(&self) -> Result<(), StoreError> {
        on_pool!(self, |pool| sqlx::query("SELECT 1").execute(pool).await.map(|_| ()).map_err(classify))
    }

    async fn begin(&self) -> Result<Box<dyn StoreTx>, StoreError> {
        Ok(Box::new(self.begin_sql().await?))
    }

    async fn secret(&self, name: &str, candidate: &str, now: Timestamp) -> Result<String, StoreError> {
        let mut sql_tx = self.begin_sql().await?;
        let value: String = on_tx!(sql_tx, |conn| {
            sqlx::query(
                "INSERT INTO secrets (name, value, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING",
            )
            .bind(name)
            .bind(candidate)
            .bind(now.as_millis())
            .execute(&mut *conn)
            .await
            .map_err(classify)?;
            let row = sqlx::query("SELECT value FROM secrets WHERE name = $1")
                .bind(name)
                .fetch_one(&mut *conn)
                .await
                .map_err(classify)?;
            decode(row.text("value"))?
        });
        Box::new(sql_tx).commit().await?;
        Ok(value)
    }

    async fn find_user(&self, id: UserId) -> Result<Option<User>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1");
        on_pool!(self, |pool| {
            let row = sqlx::query(&sql).bind(id.0).fetch_optional(pool).await.map_err(classify)?;
            row.map(|row| decode(rows::user(&row))).transpose()
        })
    }

    async fn find_credentials_by_email(&self, email_folded: &str) -> Result<Option<UserCredentials>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS}, u.password_hash FROM users u WHERE u.email_folded = $1");
        on_pool!(self, |pool| {
            let row = sqlx::query(&sql).bind(email_folded).fetch_optional(pool).await.map_err(classify)?;
            row.map(|row| decode(rows::credentials(&row))).transpose()
        })
    }

    async fn find_credentials_by_username(&self, username_folded: &str) -> Result<Option<UserCredentials>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS}, u.password_hash FROM users u WHERE u.username_folded = $1");
        on_pool!(self, |pool| {
            let row = sqlx::query(&sql).bind(username_folded).fetch_optional(pool).await.map_err(classify)?;
            row.map(|row| decode(rows::credentials(&row))).transpose()
        })
    }

    async fn user_identity_taken(&self, email_folded: &str, username_folded: &str) -> Result<bool, StoreError> {
        let sql = "SELECT 1 AS taken FROM users WHERE email_folded = $1 OR username_folded = $2 LIMIT 1";
        on_pool!(self, |pool| {
            let row = sqlx::query(sql)
                .bind(email_folded)
                .bind(username_folded)
                .fetch_optional(pool)
                .await
                .map_err(classify)?;
            Ok(row.is_some())
        })
    }

    async fn find_session_with_user(&self, id: &SessionId) -> Result<Option<(SessionRecord, User)>, StoreError> {
        let sql = format!(
            "SELECT {SESSION_COLUMNS}, {USER_COLUMNS} FROM user_sessions s JOIN users u ON u.id = s.user_id WHERE s.id = $1"
        );
        on_pool!(self, |pool| {
            let row = sqlx::query(&sql).bind(&id.0).fetch_optional(pool).await.map_err(classify)?;
            row.map(|row| decode(rows::session(&row).and_then(|session| Ok((session, rows::user(&row)?))))).transpose()
        })
    }

    async fn find_role(&self, id: RoleId) -> Result<Option<Role>, StoreError> {
        let sql = format!("SELECT {ROLE_COLUMNS} FROM roles WHERE id = $1");
        on_pool!(self, |pool| {
            let row = sqlx::query(&sql).bind(id.0).fetch_optional(pool).await.map_err(classify)?;
            row.map(|row| decode(rows::role(&row))).transpose()
        })
    }

    async fn find_role_by_type(&self, role_type: &str) -> Result<Option<Role>, StoreError> {
        let sql = format!("SELECT {ROLE_COLUMNS} FROM roles WHERE type = $1");
        on_pool!(self, |pool| {
            let row = sqlx::query(&sql).bind(role_type).fetch_optional(pool).await.map_err(classify)?;
            row.map(|row| decode(rows::role(&row))).transpose()
        })
    }

    async fn list_role_actions(&self, id: RoleId) -> Result<Vec<String>, StoreError> {
        let sql = "SELECT action FROM role_permissions WHERE role_id = $1 ORDER BY action";
        on_pool!(self, |pool| {
            let found = sqlx::query(sql).bind(id.0).fetch_all(pool).await.map_err(classify)?;
            found.iter().map(|row| decode(row.text("action"))).collect()
        })
    }

    async fn list_events(&self, after_seq: i64, limit: i64) -> Result<Vec<StoredEvent>, StoreError> {
        let sql = "SELECT seq, id, type, occurred_at, actor, data FROM events WHERE seq > $1 ORDER BY seq LIMIT $2";
        on_pool!(self, |pool| {
            let found = sqlx::query(sql).bind(after_seq).bind(limit).fetch_all(pool).await.map_err(classify)?;
            found.iter().map(|row| decode(rows::event(row))).collect()
        })
    }
}

enum TxInner {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

/// One write transaction on either backend.
pub struct SqlTx {
    inner: TxInner,
}

#[async_trait]
impl StoreTx for SqlTx {
    async fn insert_user(&mut self, user: &NewUser) -> Result<User, StoreError> {
        let sql = "INSERT INTO users (document_id, username, username_folded, email, email_folded, provider, \
                   password_hash, confirmed, blocked, role_id, created_at, updated_at, published_at) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $11) RETURNING id";
        let id: i64 = on_tx!(self, |conn| {
            let row = sqlx::query(sql)
                .bind(&user.document_id)
                .bind(&user.username)
                .bind(&user.username_folded)
                .bind(&user.email)
                .bind(&user.email_folded)
                .bind(&user.provider)
                .bind(&user.password_hash)
                .bind(user.confirmed)
                .bind(user.blocked)
                .bind(user.role_id.0)
                .bind(user.now.as_millis())
                .fetch_one(conn)
                .await
                .map_err(classify)?;
            decode(row.int("id"))?
        });
        Ok(User {
            id: UserId(id),
            document_id: user.document_id.clone(),
            username: user.username.clone(),
            email: user.email.clone(),
            provider: user.provider.clone(),
            confirmed: user.confirmed,
            blocked: user.blocked,
            role_id: user.role_id,
            created_at: user.now,
            updated_at: user.now,
            published_at: user.now,
            last_login_at: None,
        })
    }

    async fn set_user_password_hash(&mut self, id: UserId, hash: &str, now: Timestamp) -> Result<(), StoreError> {
        let sql = "UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3";
        on_tx!(self, |conn| {
            let done =
                sqlx::query(sql).bind(hash).bind(now.as_millis()).bind(id.0).execute(conn).await.map_err(classify)?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
        });
        Ok(())
    }

    async fn set_user_last_login(&mut self, id: UserId, at: Timestamp) -> Result<(), StoreError> {
        let sql = "UPDATE users SET last_login_at = $1 WHERE id = $2";
        on_tx!(self, |conn| sqlx::query(sql)
            .bind(at.as_millis())
            .bind(id.0)
            .execute(conn)
            .await
            .map(|done| done.rows_affected())
            .map_err(classify))?;
        Ok(())
    }

    async fn insert_session(&mut self, session: &NewSession) -> Result<(), StoreError> {
        let sql = "INSERT INTO user_sessions (id, user_id, device_id, created_at, last_active_at, expires_at) \
                   VALUES ($1, $2, $3, $4, $4, $5)";
        on_tx!(self, |conn| sqlx::query(sql)
            .bind(&session.id.0)
            .bind(session.user_id.0)
            .bind(&session.device_id)
            .bind(session.created_at.as_millis())
            .bind(session.expires_at.as_millis())
            .execute(conn)
            .await
            .map(|done| done.rows_affected())
            .map_err(classify))?;
        Ok(())
    }

    async fn revoke_session(&mut self, id: &SessionId, at: Timestamp, reason: &str) -> Result<bool, StoreError> {
        let sql = "UPDATE user_sessions SET revoked_at = $1, revoked_reason = $2 WHERE id = $3 AND revoked_at IS NULL";
        let done = on_tx!(self, |conn| sqlx::query(sql)
            .bind(at.as_millis())
            .bind(reason)
            .bind(&id.0)
            .execute(conn)
            .await
            .map(|done| done.rows_affected())
            .map_err(classify))?;
        Ok(done > 0)
    }

    async fn insert_event(&mut self, event: &DomainEvent) -> Result<(), StoreError> {
        let sql = "INSERT INTO events (id, type, occurred_at, actor, data) VALUES ($1, $2, $3, $4, $5)";
        let actor = event.actor.to_json();
        on_tx!(self, |conn| sqlx::query(sql)
            .bind(&event.id)
            .bind(event.event_type.as_str())
            .bind(event.occurred_at.as_millis())
            .bind(Json(&actor))
            .bind(Json(&event.data))
            .execute(conn)
            .await
            .map(|done| done.rows_affected())
            .map_err(classify))?;
        Ok(())
    }

    async fn commit(self: Box<Self>) -> Result<(), StoreError> {
        match self.inner {
            TxInner::Sqlite(tx) => tx.commit().await.map_err(classify),
            TxInner::Postgres(tx) => tx.commit().await.map_err(classify),
        }
    }
}
