//! [`SqlStore`] and [`SqlTx`]: the domain's `Store`/`StoreTx` on either backend.
//!
//! Statements are written once, as parameterised SQL that SQLite and PostgreSQL both accept
//! (`$1` placeholders, `RETURNING`, `ON CONFLICT`); the `on_pool!`/`on_tx!` macros run the same
//! code against whichever backend is open, so there is no per-query backend branch.

use crate::rows::{
    self, RowExt, ADMIN_COLUMNS, ADMIN_ROLE_COLUMNS, ADMIN_SESSION_COLUMNS, API_TOKEN_COLUMNS, INVITE_COLUMNS,
    ROLE_COLUMNS, SESSION_COLUMNS, USER_COLUMNS,
};
use crate::users_query::{self, Users};
use crate::{postgres, sqlite, StoreOptions};
use async_trait::async_trait;
use gatehouse_domain::events::{DomainEvent, StoredEvent};
use gatehouse_domain::ids::{AdminId, AdminRoleId, ApiTokenId, InviteId};
use gatehouse_domain::ids::{RoleId, SessionId, UserId};
use gatehouse_domain::model::{
    Admin, AdminChanges, AdminListQuery, AdminRole, AdminSessionRecord, ApiToken, Invite, NewAdmin, NewApiToken,
    NewMail, NewRole, NewUserToken, QueuedMail, RefreshTokenRecord, RoleWithCount, TokenPurpose, UserChanges,
    UserWithRole,
};
use gatehouse_domain::model::{NewSession, NewUser, Role, SessionRecord, User, UserCredentials};
use gatehouse_domain::ports::{Backend, ConflictKey, Store, StoreError, StoreTx};
use gatehouse_domain::query::{Filter, UserQuery};
use gatehouse_domain::time::Timestamp;
use sea_query::{DynIden, Expr, IntoIden, PostgresQueryBuilder, Query, SqliteQueryBuilder};
use sea_query_binder::SqlxBinder;
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

/// Runs `$body` with `$pool` bound to the pool that takes writes outside a transaction
/// (SQLite: the one writer connection).
macro_rules! on_write_pool {
    ($store:expr, |$pool:ident| $body:expr) => {
        match &$store.pools {
            Pools::Sqlite { write: $pool, .. } => $body,
            Pools::Postgres($pool) => $body,
        }
    };
}

/// Renders a sea-query statement for the open backend, then runs `$body` with the read pool,
/// the SQL text and its bound values.
macro_rules! on_pool_built {
    ($store:expr, $statement:expr, |$pool:ident, $sql:ident, $values:ident| $body:expr) => {
        match &$store.pools {
            Pools::Sqlite { read: $pool, .. } => {
                let ($sql, $values) = $statement.build_sqlx(SqliteQueryBuilder);
                $body
            }
            Pools::Postgres($pool) => {
                let ($sql, $values) = $statement.build_sqlx(PostgresQueryBuilder);
                $body
            }
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
    } else if text.contains("admins_email_folded_key") || text.contains("admins.email_folded") {
        ConflictKey::Email
    } else if text.contains("admin_roles_code_key") || text.contains("admin_roles.code") {
        ConflictKey::RoleType
    } else if text.contains("admin_bootstrap") {
        ConflictKey::Other("admin_bootstrap".into())
    } else if text.contains("api_tokens_name_folded_key") || text.contains("api_tokens.name_folded") {
        ConflictKey::ApiTokenName
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

    async fn list_seeded_actions(&self) -> Result<Vec<String>, StoreError> {
        on_pool!(self, |pool| {
            let found = sqlx::query("SELECT action FROM seeded_actions").fetch_all(pool).await.map_err(classify)?;
            found.iter().map(|row| decode(row.text("action"))).collect()
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

    async fn list_users(&self, query: &UserQuery) -> Result<Vec<UserWithRole>, StoreError> {
        let statement = users_query::select_users(query);
        on_pool_built!(self, statement, |pool, sql, values| {
            let found = sqlx::query_with(&sql, values).fetch_all(pool).await.map_err(classify)?;
            found
                .iter()
                .map(|row| {
                    let role = if query.with_role { Some(decode(rows::role_prefixed(row))?) } else { None };
                    Ok(UserWithRole { user: decode(rows::user(row))?, role })
                })
                .collect()
        })
    }

    async fn count_users(&self, filter: &Filter) -> Result<u64, StoreError> {
        let statement = users_query::count_users(filter);
        on_pool_built!(self, statement, |pool, sql, values| {
            let row = sqlx::query_with(&sql, values).fetch_one(pool).await.map_err(classify)?;
            Ok(u64::try_from(decode(row.int("count"))?).unwrap_or_default())
        })
    }

    async fn find_role_by_document_id(&self, document_id: &str) -> Result<Option<Role>, StoreError> {
        let sql = format!("SELECT {ROLE_COLUMNS} FROM roles WHERE document_id = $1");
        on_pool!(self, |pool| {
            let row = sqlx::query(&sql).bind(document_id).fetch_optional(pool).await.map_err(classify)?;
            row.map(|row| decode(rows::role(&row))).transpose()
        })
    }

    async fn list_roles(&self) -> Result<Vec<RoleWithCount>, StoreError> {
        let sql = format!(
            "SELECT {ROLE_COLUMNS}, (SELECT COUNT(*) FROM users u WHERE u.role_id = roles.id) AS nb_users \
             FROM roles ORDER BY id"
        );
        on_pool!(self, |pool| {
            let found = sqlx::query(&sql).fetch_all(pool).await.map_err(classify)?;
            found
                .iter()
                .map(|row| {
                    let users = u64::try_from(decode(row.int("nb_users"))?).unwrap_or_default();
                    Ok(RoleWithCount { role: decode(rows::role(row))?, users })
                })
                .collect()
        })
    }

    async fn find_api_token_by_hash(&self, access_key_hash: &str) -> Result<Option<ApiToken>, StoreError> {
        let sql = format!("SELECT {API_TOKEN_COLUMNS} FROM api_tokens WHERE access_key_hash = $1");
        let token = on_pool!(self, |pool| {
            let row = sqlx::query(&sql).bind(access_key_hash).fetch_optional(pool).await.map_err(classify)?;
            row.map(|row| decode(rows::api_token(&row))).transpose()
        })?;
        self.with_actions(token).await
    }

    async fn find_api_token(&self, id: ApiTokenId) -> Result<Option<ApiToken>, StoreError> {
        let sql = format!("SELECT {API_TOKEN_COLUMNS} FROM api_tokens WHERE id = $1");
        let token = on_pool!(self, |pool| {
            let row = sqlx::query(&sql).bind(id.0).fetch_optional(pool).await.map_err(classify)?;
            row.map(|row| decode(rows::api_token(&row))).transpose()
        })?;
        self.with_actions(token).await
    }

    async fn list_api_tokens(&self) -> Result<Vec<ApiToken>, StoreError> {
        let sql = format!("SELECT {API_TOKEN_COLUMNS} FROM api_tokens ORDER BY id");
        let tokens: Vec<ApiToken> = on_pool!(self, |pool| {
            let found = sqlx::query(&sql).fetch_all(pool).await.map_err(classify)?;
            found.iter().map(|row| decode(rows::api_token(row))).collect::<Result<Vec<_>, _>>()
        })?;
        let mut out = Vec::with_capacity(tokens.len());
        for token in tokens {
            if let Some(token) = self.with_actions(Some(token)).await? {
                out.push(token);
            }
        }
        Ok(out)
    }

    async fn find_refresh_token(&self, token_hash: &str) -> Result<Option<RefreshTokenRecord>, StoreError> {
        let sql = "SELECT r.token_hash, r.session_id, s.user_id, r.expires_at, r.rotated_at, r.replaced_by, \
                   s.revoked_at, s.expires_at AS session_expires_at \
                   FROM refresh_tokens r JOIN user_sessions s ON s.id = r.session_id WHERE r.token_hash = $1";
        on_pool!(self, |pool| {
            let row = sqlx::query(sql).bind(token_hash).fetch_optional(pool).await.map_err(classify)?;
            row.map(|row| decode(rows::refresh_token(&row))).transpose()
        })
    }

    async fn list_live_sessions(&self, user: UserId, now: Timestamp) -> Result<Vec<SessionRecord>, StoreError> {
        let sql = format!(
            "SELECT {SESSION_COLUMNS} FROM user_sessions s WHERE s.user_id = $1 AND s.revoked_at IS NULL \
             AND s.expires_at > $2 ORDER BY s.created_at DESC, s.id"
        );
        on_pool!(self, |pool| {
            let found = sqlx::query(&sql).bind(user.0).bind(now.as_millis()).fetch_all(pool).await.map_err(classify)?;
            found.iter().map(|row| decode(rows::session(row))).collect()
        })
    }

    async fn touch_session(&self, id: &SessionId, at: Timestamp, min_gap_ms: i64) -> Result<(), StoreError> {
        let sql = "UPDATE user_sessions SET last_active_at = $1 WHERE id = $2 AND last_active_at <= $3";
        on_write_pool!(self, |pool| sqlx::query(sql)
            .bind(at.as_millis())
            .bind(&id.0)
            .bind(at.as_millis() - min_gap_ms)
            .execute(pool)
            .await
            .map(|_| ())
            .map_err(classify))
    }

    async fn claim_due_mails(&self, now: Timestamp, limit: i64, lease_ms: i64) -> Result<Vec<QueuedMail>, StoreError> {
        // Leasing moves `next_attempt_at` past the lease, so a crashed sender's mail is retried
        // when the lease ends, and two senders never take the same mail.
        let returning = "RETURNING id, kind, recipient, variables, created_at, attempts, sent_at, last_error";
        match &self.pools {
            Pools::Sqlite { write, .. } => {
                let sql = format!(
                    "UPDATE mails SET next_attempt_at = $1 + $3, attempts = attempts + 1 WHERE id IN \
                     (SELECT id FROM mails WHERE sent_at IS NULL AND next_attempt_at <= $1 ORDER BY id LIMIT $2) {returning}"
                );
                let found = sqlx::query(&sql).bind(now.as_millis()).bind(limit).bind(lease_ms).fetch_all(write).await;
                found.map_err(classify)?.iter().map(|row| decode(rows::mail(row))).collect()
            }
            Pools::Postgres(pool) => {
                let sql = format!(
                    "UPDATE mails SET next_attempt_at = $1 + $3, attempts = attempts + 1 WHERE id IN \
                     (SELECT id FROM mails WHERE sent_at IS NULL AND next_attempt_at <= $1 ORDER BY id LIMIT $2 \
                     FOR UPDATE SKIP LOCKED) {returning}"
                );
                let found = sqlx::query(&sql).bind(now.as_millis()).bind(limit).bind(lease_ms).fetch_all(pool).await;
                found.map_err(classify)?.iter().map(|row| decode(rows::mail(row))).collect()
            }
        }
    }

    async fn mark_mail_sent(&self, id: i64, at: Timestamp, redact: bool) -> Result<(), StoreError> {
        let sql = if redact {
            "UPDATE mails SET sent_at = $1, last_error = NULL, variables = NULL WHERE id = $2"
        } else {
            "UPDATE mails SET sent_at = $1, last_error = NULL WHERE id = $2"
        };
        on_write_pool!(self, |pool| sqlx::query(sql)
            .bind(at.as_millis())
            .bind(id)
            .execute(pool)
            .await
            .map(|_| ())
            .map_err(classify))
    }

    async fn mark_mail_failed(&self, id: i64, error: &str, next_attempt_at: Timestamp) -> Result<(), StoreError> {
        let sql = "UPDATE mails SET last_error = $1, next_attempt_at = $2 WHERE id = $3";
        on_write_pool!(self, |pool| sqlx::query(sql)
            .bind(error)
            .bind(next_attempt_at.as_millis())
            .bind(id)
            .execute(pool)
            .await
            .map(|_| ())
            .map_err(classify))
    }

    async fn list_mails(&self, limit: i64) -> Result<Vec<QueuedMail>, StoreError> {
        let sql = "SELECT id, kind, recipient, variables, created_at, attempts, sent_at, last_error FROM mails \
                   ORDER BY id DESC LIMIT $1";
        on_pool!(self, |pool| {
            let found = sqlx::query(sql).bind(limit).fetch_all(pool).await.map_err(classify)?;
            found.iter().map(|row| decode(rows::mail(row))).collect()
        })
    }

    async fn insert_users_bulk(&self, users: &[NewUser]) -> Result<u64, StoreError> {
        // Multi-row statements of 500 users (under SQLite's parameter limit), one transaction
        // per call; on SQLite through the single writer.
        let mut tx = self.begin_sql().await?;
        let mut inserted = 0;
        for chunk in users.chunks(500) {
            let mut insert = Query::insert();
            let columns: Vec<DynIden> = vec![
                Users::DocumentId.into_iden(),
                Users::Username.into_iden(),
                Users::UsernameFolded.into_iden(),
                Users::Email.into_iden(),
                Users::EmailFolded.into_iden(),
                Users::Provider.into_iden(),
                Users::Confirmed.into_iden(),
                Users::Blocked.into_iden(),
                Users::RoleId.into_iden(),
                Users::CreatedAt.into_iden(),
                Users::UpdatedAt.into_iden(),
                Users::PublishedAt.into_iden(),
                crate::users_query::UserSecrets::PasswordHash.into_iden(),
            ];
            insert.into_table(Users::Table).columns(columns);
            for user in chunk {
                let now = user.now.as_millis();
                insert
                    .values([
                        user.document_id.clone().into(),
                        user.username.clone().into(),
                        user.username_folded.clone().into(),
                        user.email.clone().into(),
                        user.email_folded.clone().into(),
                        user.provider.clone().into(),
                        user.confirmed.into(),
                        user.blocked.into(),
                        user.role_id.0.into(),
                        now.into(),
                        now.into(),
                        now.into(),
                        user.password_hash.clone().into(),
                    ])
                    .map_err(|error| StoreError::Other(format!("bulk insert: {error}")))?;
            }
            inserted += match &mut tx.inner {
                TxInner::Sqlite(tx) => {
                    let (sql, values) = insert.build_sqlx(SqliteQueryBuilder);
                    sqlx::query_with(&sql, values).execute(&mut **tx).await.map(|done| done.rows_affected())
                }
                TxInner::Postgres(tx) => {
                    let (sql, values) = insert.build_sqlx(PostgresQueryBuilder);
                    sqlx::query_with(&sql, values).execute(&mut **tx).await.map(|done| done.rows_affected())
                }
            }
            .map_err(classify)?;
        }
        Box::new(tx).commit().await?;
        Ok(inserted)
    }

    async fn has_admin(&self) -> Result<bool, StoreError> {
        on_pool!(self, |pool| {
            let row = sqlx::query("SELECT 1 AS one FROM admin_bootstrap LIMIT 1")
                .fetch_optional(pool)
                .await
                .map_err(classify)?;
            Ok(row.is_some())
        })
    }

    async fn find_admin(&self, id: AdminId, with_deleted: bool) -> Result<Option<Admin>, StoreError> {
        let sql = format!("SELECT {ADMIN_COLUMNS} FROM admins a WHERE a.id = $1 AND ($2 OR a.deleted_at IS NULL)");
        let admin = on_pool!(self, |pool| {
            let row = sqlx::query(&sql).bind(id.0).bind(with_deleted).fetch_optional(pool).await.map_err(classify)?;
            row.map(|row| decode(rows::admin(&row))).transpose()
        })?;
        self.with_admin_roles(admin).await
    }

    async fn find_admin_credentials(&self, email_folded: &str) -> Result<Option<(Admin, Option<String>)>, StoreError> {
        let sql = format!("SELECT {ADMIN_COLUMNS}, a.password_hash FROM admins a WHERE a.email_folded = $1");
        let found = on_pool!(self, |pool| {
            let row = sqlx::query(&sql).bind(email_folded).fetch_optional(pool).await.map_err(classify)?;
            row.map(|row| Ok::<_, StoreError>((decode(rows::admin(&row))?, decode(row.opt_text("password_hash"))?)))
                .transpose()
        })?;
        let Some((admin, hash)) = found else { return Ok(None) };
        Ok(self.with_admin_roles(Some(admin)).await?.map(|admin| (admin, hash)))
    }

    async fn list_admins(&self, query: &AdminListQuery) -> Result<(Vec<Admin>, u64), StoreError> {
        // The sort column comes from a fixed list, never from the request text.
        let column = match query.sort.0.as_str() {
            "firstname" => "a.firstname",
            "lastname" => "a.lastname",
            "email" => "a.email",
            "createdAt" => "a.created_at",
            "updatedAt" => "a.updated_at",
            _ => "a.id",
        };
        let direction = if query.sort.1 { "DESC" } else { "ASC" };
        let pattern = query.search.as_deref().map(|text| {
            let folded = gatehouse_domain::values::fold(text);
            let escaped: String = folded
                .chars()
                .flat_map(|c| if matches!(c, '%' | '_' | '\\') { vec!['\\', c] } else { vec![c] })
                .collect();
            format!("%{escaped}%")
        });
        let filter = "($1 OR a.deleted_at IS NULL) AND ($2 IS NULL OR LOWER(a.firstname) LIKE $2 ESCAPE '\\' \
                      OR LOWER(COALESCE(a.lastname, '')) LIKE $2 ESCAPE '\\' OR a.email_folded LIKE $2 ESCAPE '\\')";
        let list = format!("SELECT {ADMIN_COLUMNS} FROM admins a WHERE {filter} ORDER BY {column} {direction}, a.id LIMIT $3 OFFSET $4");
        let count = format!("SELECT COUNT(*) AS count FROM admins a WHERE {filter}");
        let limit = i64::try_from(query.page_size).unwrap_or(10);
        let offset = i64::try_from(query.page.saturating_sub(1).saturating_mul(query.page_size)).unwrap_or(0);
        let (admins, total) = on_pool!(self, |pool| {
            let found = sqlx::query(&list)
                .bind(query.with_deleted)
                .bind(&pattern)
                .bind(limit)
                .bind(offset)
                .fetch_all(pool)
                .await
                .map_err(classify)?;
            let admins = found.iter().map(|row| decode(rows::admin(row))).collect::<Result<Vec<_>, _>>()?;
            let row =
                sqlx::query(&count).bind(query.with_deleted).bind(&pattern).fetch_one(pool).await.map_err(classify)?;
            Ok::<_, StoreError>((admins, decode(row.int("count"))?))
        })?;
        let mut out = Vec::with_capacity(admins.len());
        for admin in admins {
            out.extend(self.with_admin_roles(Some(admin)).await?);
        }
        Ok((out, u64::try_from(total).unwrap_or_default()))
    }

    async fn list_admin_roles(&self) -> Result<Vec<(AdminRole, u64)>, StoreError> {
        let sql = format!(
            "SELECT {ADMIN_ROLE_COLUMNS}, (SELECT COUNT(*) FROM admin_user_roles ur JOIN admins a ON a.id = ur.admin_id \
             WHERE ur.role_id = r.id AND a.deleted_at IS NULL) AS users_count FROM admin_roles r ORDER BY r.id"
        );
        on_pool!(self, |pool| {
            let found = sqlx::query(&sql).fetch_all(pool).await.map_err(classify)?;
            found
                .iter()
                .map(|row| {
                    Ok((
                        decode(rows::admin_role(row))?,
                        u64::try_from(decode(row.int("users_count"))?).unwrap_or_default(),
                    ))
                })
                .collect()
        })
    }

    async fn find_admin_role(&self, id: AdminRoleId) -> Result<Option<AdminRole>, StoreError> {
        let sql = format!("SELECT {ADMIN_ROLE_COLUMNS} FROM admin_roles r WHERE r.id = $1");
        on_pool!(self, |pool| {
            let row = sqlx::query(&sql).bind(id.0).fetch_optional(pool).await.map_err(classify)?;
            row.map(|row| decode(rows::admin_role(&row))).transpose()
        })
    }

    async fn list_admin_role_actions(&self, id: AdminRoleId) -> Result<Vec<String>, StoreError> {
        on_pool!(self, |pool| {
            let found = sqlx::query("SELECT action FROM admin_role_permissions WHERE role_id = $1 ORDER BY action")
                .bind(id.0)
                .fetch_all(pool)
                .await
                .map_err(classify)?;
            found.iter().map(|row| decode(row.text("action"))).collect()
        })
    }

    async fn find_admin_session(&self, id: &SessionId) -> Result<Option<(AdminSessionRecord, Admin)>, StoreError> {
        let sql = format!(
            "SELECT {ADMIN_SESSION_COLUMNS}, {ADMIN_COLUMNS} FROM admin_sessions s JOIN admins a ON a.id = s.admin_id WHERE s.id = $1"
        );
        let found = on_pool!(self, |pool| {
            let row = sqlx::query(&sql).bind(&id.0).fetch_optional(pool).await.map_err(classify)?;
            row.map(|row| Ok::<_, StoreError>((decode(rows::admin_session(&row))?, decode(rows::admin(&row))?)))
                .transpose()
        })?;
        let Some((session, admin)) = found else { return Ok(None) };
        Ok(self.with_admin_roles(Some(admin)).await?.map(|admin| (session, admin)))
    }

    async fn find_admin_session_by_refresh(
        &self,
        refresh_hash: &str,
    ) -> Result<Option<AdminSessionRecord>, StoreError> {
        let sql = format!("SELECT {ADMIN_SESSION_COLUMNS} FROM admin_sessions s WHERE s.refresh_hash = $1");
        on_pool!(self, |pool| {
            let row = sqlx::query(&sql).bind(refresh_hash).fetch_optional(pool).await.map_err(classify)?;
            row.map(|row| decode(rows::admin_session(&row))).transpose()
        })
    }

    async fn find_invite_by_token(&self, token_hash: &str) -> Result<Option<(Invite, Admin)>, StoreError> {
        self.invites("i.token_hash = $1", Some(token_hash), None).await.map(|mut found| found.pop())
    }

    async fn find_invite(&self, id: InviteId) -> Result<Option<(Invite, Admin)>, StoreError> {
        self.invites("i.id = $2", None, Some(id.0)).await.map(|mut found| found.pop())
    }

    async fn list_invites(&self) -> Result<Vec<(Invite, Admin)>, StoreError> {
        self.invites("($1 IS NULL AND $2 IS NULL)", None, None).await
    }

    async fn touch_api_token(&self, id: ApiTokenId, at: Timestamp, min_gap_ms: i64) -> Result<(), StoreError> {
        let sql =
            "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at <= $3)";
        on_write_pool!(self, |pool| sqlx::query(sql)
            .bind(at.as_millis())
            .bind(id.0)
            .bind(at.as_millis() - min_gap_ms)
            .execute(pool)
            .await
            .map(|_| ())
            .map_err(classify))
    }
}

/// Active, unblocked, not deleted holders of the Super Admin role.
const ACTIVE_SUPER_ADMINS: &str =
    "SELECT COUNT(*) AS count FROM admins a JOIN admin_user_roles ur ON ur.admin_id = a.id \
     JOIN admin_roles r ON r.id = ur.role_id WHERE r.code = 'strapi-super-admin' AND a.is_active AND NOT a.blocked \
     AND a.deleted_at IS NULL";

impl SqlStore {
    async fn with_admin_roles(&self, admin: Option<Admin>) -> Result<Option<Admin>, StoreError> {
        let Some(mut admin) = admin else { return Ok(None) };
        let sql = format!(
            "SELECT {ADMIN_ROLE_COLUMNS} FROM admin_roles r JOIN admin_user_roles ur ON ur.role_id = r.id \
             WHERE ur.admin_id = $1 ORDER BY r.id"
        );
        admin.roles = on_pool!(self, |pool| {
            let found = sqlx::query(&sql).bind(admin.id.0).fetch_all(pool).await.map_err(classify)?;
            found.iter().map(|row| decode(rows::admin_role(row))).collect::<Result<Vec<_>, _>>()
        })?;
        Ok(Some(admin))
    }

    async fn invites(
        &self,
        condition: &str,
        token_hash: Option<&str>,
        id: Option<i64>,
    ) -> Result<Vec<(Invite, Admin)>, StoreError> {
        let sql = format!(
            "SELECT {INVITE_COLUMNS}, {ADMIN_COLUMNS} FROM admin_invites i JOIN admins a ON a.id = i.admin_id \
             WHERE {condition} ORDER BY i.id DESC"
        );
        let found = on_pool!(self, |pool| {
            let found = sqlx::query(&sql).bind(token_hash).bind(id).fetch_all(pool).await.map_err(classify)?;
            found
                .iter()
                .map(|row| Ok::<_, StoreError>((decode(rows::invite(row))?, decode(rows::admin(row))?)))
                .collect::<Result<Vec<_>, _>>()
        })?;
        let mut out = Vec::with_capacity(found.len());
        for (invite, admin) in found {
            if let Some(admin) = self.with_admin_roles(Some(admin)).await? {
                out.push((invite, admin));
            }
        }
        Ok(out)
    }
}

impl SqlStore {
    async fn with_actions(&self, token: Option<ApiToken>) -> Result<Option<ApiToken>, StoreError> {
        let Some(mut token) = token else { return Ok(None) };
        let sql = "SELECT action FROM api_token_actions WHERE token_id = $1 ORDER BY action";
        token.actions = on_pool!(self, |pool| {
            let found = sqlx::query(sql).bind(token.id.0).fetch_all(pool).await.map_err(classify)?;
            found.iter().map(|row| decode(row.text("action"))).collect::<Result<Vec<_>, _>>()
        })?;
        Ok(Some(token))
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

/// The tables that hold "these actions belong to that owner", with their fixed statements.
#[derive(Clone, Copy)]
enum ActionTable {
    EndUserRole,
    ApiToken,
    AdminRole,
}

impl ActionTable {
    const fn statements(self) -> (&'static str, &'static str) {
        match self {
            ActionTable::EndUserRole => (
                "DELETE FROM role_permissions WHERE role_id = $1",
                "INSERT INTO role_permissions (role_id, action) VALUES ($1, $2)",
            ),
            ActionTable::ApiToken => (
                "DELETE FROM api_token_actions WHERE token_id = $1",
                "INSERT INTO api_token_actions (token_id, action) VALUES ($1, $2)",
            ),
            ActionTable::AdminRole => (
                "DELETE FROM admin_role_permissions WHERE role_id = $1",
                "INSERT INTO admin_role_permissions (role_id, action) VALUES ($1, $2)",
            ),
        }
    }
}

impl SqlTx {
    /// Replaces every action `owner` holds in `table` with `actions`.
    async fn replace_actions(&mut self, table: ActionTable, owner: i64, actions: &[String]) -> Result<(), StoreError> {
        let (delete, insert) = table.statements();
        on_tx!(self, |conn| {
            sqlx::query(delete).bind(owner).execute(&mut *conn).await.map_err(classify)?;
            for action in actions {
                sqlx::query(insert).bind(owner).bind(action).execute(&mut *conn).await.map_err(classify)?;
            }
        });
        Ok(())
    }

    async fn select_user(&mut self, id: UserId) -> Result<Option<User>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1");
        on_tx!(self, |conn| {
            let row = sqlx::query(&sql).bind(id.0).fetch_optional(conn).await.map_err(classify)?;
            row.map(|row| decode(rows::user(&row))).transpose()
        })
    }

    async fn token_actions(&mut self, id: ApiTokenId) -> Result<Vec<String>, StoreError> {
        let sql = "SELECT action FROM api_token_actions WHERE token_id = $1 ORDER BY action";
        on_tx!(self, |conn| {
            let found = sqlx::query(sql).bind(id.0).fetch_all(conn).await.map_err(classify)?;
            found.iter().map(|row| decode(row.text("action"))).collect()
        })
    }

    async fn replace_token_actions(&mut self, id: ApiTokenId, actions: &[String]) -> Result<(), StoreError> {
        self.replace_actions(ActionTable::ApiToken, id.0, actions).await
    }
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

    async fn update_user(
        &mut self,
        id: UserId,
        changes: &UserChanges,
        now: Timestamp,
    ) -> Result<Option<User>, StoreError> {
        let mut update = Query::update();
        update.table(Users::Table).value(Users::UpdatedAt, now.as_millis()).and_where(Expr::col(Users::Id).eq(id.0));
        if let Some((username, folded)) = &changes.username {
            update.value(Users::Username, username.clone()).value(Users::UsernameFolded, folded.clone());
        }
        if let Some((email, folded)) = &changes.email {
            update.value(Users::Email, email.clone()).value(Users::EmailFolded, folded.clone());
        }
        if let Some(hash) = &changes.password_hash {
            update.value(crate::users_query::UserSecrets::PasswordHash, hash.clone());
        }
        if let Some(role) = changes.role_id {
            update.value(Users::RoleId, role.0);
        }
        if let Some(confirmed) = changes.confirmed {
            update.value(Users::Confirmed, confirmed);
        }
        if let Some(blocked) = changes.blocked {
            update.value(Users::Blocked, blocked);
        }
        let affected = match &mut self.inner {
            TxInner::Sqlite(tx) => {
                let (sql, values) = update.build_sqlx(SqliteQueryBuilder);
                sqlx::query_with(&sql, values).execute(&mut **tx).await.map(|done| done.rows_affected())
            }
            TxInner::Postgres(tx) => {
                let (sql, values) = update.build_sqlx(PostgresQueryBuilder);
                sqlx::query_with(&sql, values).execute(&mut **tx).await.map(|done| done.rows_affected())
            }
        }
        .map_err(classify)?;
        if affected == 0 {
            return Ok(None);
        }
        self.select_user(id).await
    }

    async fn delete_user(&mut self, id: UserId) -> Result<Option<User>, StoreError> {
        let Some(user) = self.select_user(id).await? else { return Ok(None) };
        on_tx!(self, |conn| sqlx::query("DELETE FROM users WHERE id = $1")
            .bind(id.0)
            .execute(conn)
            .await
            .map(|done| done.rows_affected())
            .map_err(classify))?;
        Ok(Some(user))
    }

    async fn revoke_user_sessions(
        &mut self,
        user: UserId,
        at: Timestamp,
        reason: &str,
    ) -> Result<Vec<SessionId>, StoreError> {
        let sql = "UPDATE user_sessions SET revoked_at = $1, revoked_reason = $2 \
                   WHERE user_id = $3 AND revoked_at IS NULL AND expires_at > $1 RETURNING id";
        on_tx!(self, |conn| {
            let found = sqlx::query(sql)
                .bind(at.as_millis())
                .bind(reason)
                .bind(user.0)
                .fetch_all(conn)
                .await
                .map_err(classify)?;
            found.iter().map(|row| decode(row.text("id")).map(SessionId)).collect()
        })
    }

    async fn insert_role(&mut self, role: &NewRole) -> Result<Role, StoreError> {
        let sql = format!(
            "INSERT INTO roles (document_id, name, description, type, created_at, updated_at, published_at) \
             VALUES ($1, $2, $3, $4, $5, $5, $5) RETURNING {ROLE_COLUMNS}"
        );
        on_tx!(self, |conn| {
            let row = sqlx::query(&sql)
                .bind(&role.document_id)
                .bind(&role.name)
                .bind(&role.description)
                .bind(&role.role_type)
                .bind(role.now.as_millis())
                .fetch_one(conn)
                .await
                .map_err(classify)?;
            decode(rows::role(&row))
        })
    }

    async fn update_role(
        &mut self,
        id: RoleId,
        name: Option<&str>,
        description: Option<&str>,
        now: Timestamp,
    ) -> Result<Option<Role>, StoreError> {
        let sql = format!(
            "UPDATE roles SET name = COALESCE($1, name), description = COALESCE($2, description), updated_at = $3 \
             WHERE id = $4 RETURNING {ROLE_COLUMNS}"
        );
        on_tx!(self, |conn| {
            let row = sqlx::query(&sql)
                .bind(name)
                .bind(description)
                .bind(now.as_millis())
                .bind(id.0)
                .fetch_optional(conn)
                .await
                .map_err(classify)?;
            row.map(|row| decode(rows::role(&row))).transpose()
        })
    }

    async fn set_role_actions(&mut self, id: RoleId, actions: &[String]) -> Result<(), StoreError> {
        self.replace_actions(ActionTable::EndUserRole, id.0, actions).await
    }

    async fn reassign_role_users(&mut self, from: RoleId, to: RoleId, now: Timestamp) -> Result<u64, StoreError> {
        let sql = "UPDATE users SET role_id = $1, updated_at = $2 WHERE role_id = $3";
        on_tx!(self, |conn| sqlx::query(sql)
            .bind(to.0)
            .bind(now.as_millis())
            .bind(from.0)
            .execute(conn)
            .await
            .map(|done| done.rows_affected())
            .map_err(classify))
    }

    async fn delete_role(&mut self, id: RoleId) -> Result<bool, StoreError> {
        let deleted = on_tx!(self, |conn| sqlx::query("DELETE FROM roles WHERE id = $1")
            .bind(id.0)
            .execute(conn)
            .await
            .map(|done| done.rows_affected())
            .map_err(classify))?;
        Ok(deleted > 0)
    }

    async fn insert_api_token(&mut self, token: &NewApiToken) -> Result<ApiToken, StoreError> {
        let sql = format!(
            "INSERT INTO api_tokens (name, name_folded, description, type, access_key_hash, lifespan_ms, expires_at, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING {API_TOKEN_COLUMNS}"
        );
        let mut inserted = on_tx!(self, |conn| {
            let row = sqlx::query(&sql)
                .bind(&token.name)
                .bind(&token.name_folded)
                .bind(&token.description)
                .bind(token.kind.as_str())
                .bind(&token.access_key_hash)
                .bind(token.lifespan_ms)
                .bind(token.expires_at.map(Timestamp::as_millis))
                .bind(token.now.as_millis())
                .fetch_one(conn)
                .await
                .map_err(classify)?;
            decode(rows::api_token(&row))?
        });
        self.replace_token_actions(inserted.id, &token.actions).await?;
        inserted.actions = token.actions.clone();
        Ok(inserted)
    }

    async fn update_api_token(&mut self, id: ApiTokenId, token: &NewApiToken) -> Result<Option<ApiToken>, StoreError> {
        let sql = format!(
            "UPDATE api_tokens SET name = $1, name_folded = $2, description = $3, type = $4, lifespan_ms = $5, \
             expires_at = $6, updated_at = $7 WHERE id = $8 RETURNING {API_TOKEN_COLUMNS}"
        );
        let updated = on_tx!(self, |conn| {
            let row = sqlx::query(&sql)
                .bind(&token.name)
                .bind(&token.name_folded)
                .bind(&token.description)
                .bind(token.kind.as_str())
                .bind(token.lifespan_ms)
                .bind(token.expires_at.map(Timestamp::as_millis))
                .bind(token.now.as_millis())
                .bind(id.0)
                .fetch_optional(conn)
                .await
                .map_err(classify)?;
            row.map(|row| decode(rows::api_token(&row))).transpose()?
        });
        let Some(mut updated) = updated else { return Ok(None) };
        self.replace_token_actions(id, &token.actions).await?;
        updated.actions = token.actions.clone();
        Ok(Some(updated))
    }

    async fn set_api_token_secret(
        &mut self,
        id: ApiTokenId,
        access_key_hash: &str,
        expires_at: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<Option<ApiToken>, StoreError> {
        let sql = format!(
            "UPDATE api_tokens SET access_key_hash = $1, expires_at = $2, updated_at = $3 WHERE id = $4 \
             RETURNING {API_TOKEN_COLUMNS}"
        );
        let updated = on_tx!(self, |conn| {
            let row = sqlx::query(&sql)
                .bind(access_key_hash)
                .bind(expires_at.map(Timestamp::as_millis))
                .bind(now.as_millis())
                .bind(id.0)
                .fetch_optional(conn)
                .await
                .map_err(classify)?;
            row.map(|row| decode(rows::api_token(&row))).transpose()?
        });
        let Some(mut updated) = updated else { return Ok(None) };
        updated.actions = self.token_actions(id).await?;
        Ok(Some(updated))
    }

    async fn delete_api_token(&mut self, id: ApiTokenId) -> Result<Option<ApiToken>, StoreError> {
        let actions = self.token_actions(id).await?;
        let sql = format!("DELETE FROM api_tokens WHERE id = $1 RETURNING {API_TOKEN_COLUMNS}");
        let deleted = on_tx!(self, |conn| {
            let row = sqlx::query(&sql).bind(id.0).fetch_optional(conn).await.map_err(classify)?;
            row.map(|row| decode(rows::api_token(&row))).transpose()?
        });
        Ok(deleted.map(|token| ApiToken { actions, ..token }))
    }

    async fn insert_user_token(&mut self, token: &NewUserToken) -> Result<(), StoreError> {
        let sql = "INSERT INTO user_tokens (user_id, purpose, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)";
        on_tx!(self, |conn| sqlx::query(sql)
            .bind(token.user_id.0)
            .bind(token.purpose.as_str())
            .bind(&token.token_hash)
            .bind(token.created_at.as_millis())
            .bind(token.expires_at.as_millis())
            .execute(conn)
            .await
            .map(|_| ())
            .map_err(classify))
    }

    async fn invalidate_user_tokens(
        &mut self,
        user: UserId,
        purpose: TokenPurpose,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        let sql = "UPDATE user_tokens SET used_at = $1 WHERE user_id = $2 AND purpose = $3 AND used_at IS NULL";
        on_tx!(self, |conn| sqlx::query(sql)
            .bind(at.as_millis())
            .bind(user.0)
            .bind(purpose.as_str())
            .execute(conn)
            .await
            .map(|_| ())
            .map_err(classify))
    }

    async fn consume_user_token(
        &mut self,
        purpose: TokenPurpose,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<Option<UserId>, StoreError> {
        let sql = "UPDATE user_tokens SET used_at = $1 WHERE token_hash = $2 AND purpose = $3 AND used_at IS NULL \
                   AND expires_at > $1 RETURNING user_id";
        on_tx!(self, |conn| {
            let row = sqlx::query(sql)
                .bind(now.as_millis())
                .bind(token_hash)
                .bind(purpose.as_str())
                .fetch_optional(conn)
                .await
                .map_err(classify)?;
            row.map(|row| decode(row.int("user_id")).map(UserId)).transpose()
        })
    }

    async fn enqueue_mail(&mut self, mail: &NewMail) -> Result<(), StoreError> {
        let sql =
            "INSERT INTO mails (kind, recipient, variables, created_at, next_attempt_at) VALUES ($1, $2, $3, $4, $4)";
        on_tx!(self, |conn| sqlx::query(sql)
            .bind(mail.kind.as_str())
            .bind(&mail.recipient)
            .bind(Json(&mail.variables))
            .bind(mail.now.as_millis())
            .execute(conn)
            .await
            .map(|_| ())
            .map_err(classify))
    }

    async fn insert_refresh_token(
        &mut self,
        token_hash: &str,
        session: &SessionId,
        created_at: Timestamp,
        expires_at: Timestamp,
    ) -> Result<(), StoreError> {
        let sql = "INSERT INTO refresh_tokens (token_hash, session_id, created_at, expires_at) VALUES ($1, $2, $3, $4)";
        on_tx!(self, |conn| sqlx::query(sql)
            .bind(token_hash)
            .bind(&session.0)
            .bind(created_at.as_millis())
            .bind(expires_at.as_millis())
            .execute(conn)
            .await
            .map(|_| ())
            .map_err(classify))
    }

    async fn rotate_refresh_token(
        &mut self,
        token_hash: &str,
        replaced_by: &str,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        let sql =
            "UPDATE refresh_tokens SET rotated_at = $1, replaced_by = $2 WHERE token_hash = $3 AND rotated_at IS NULL";
        let changed = on_tx!(self, |conn| sqlx::query(sql)
            .bind(at.as_millis())
            .bind(replaced_by)
            .bind(token_hash)
            .execute(conn)
            .await
            .map(|done| done.rows_affected())
            .map_err(classify))?;
        Ok(changed == 1)
    }

    async fn retire_refresh_tokens(
        &mut self,
        session: &SessionId,
        replaced_by: &str,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        let sql =
            "UPDATE refresh_tokens SET rotated_at = $1, replaced_by = $2 WHERE session_id = $3 AND rotated_at IS NULL";
        on_tx!(self, |conn| sqlx::query(sql)
            .bind(at.as_millis())
            .bind(replaced_by)
            .bind(&session.0)
            .execute(conn)
            .await
            .map(|_| ())
            .map_err(classify))
    }

    async fn extend_session(&mut self, id: &SessionId, expires_at: Timestamp, at: Timestamp) -> Result<(), StoreError> {
        let sql = "UPDATE user_sessions SET expires_at = $1, last_active_at = $2 WHERE id = $3";
        on_tx!(self, |conn| sqlx::query(sql)
            .bind(expires_at.as_millis())
            .bind(at.as_millis())
            .bind(&id.0)
            .execute(conn)
            .await
            .map(|_| ())
            .map_err(classify))
    }

    async fn revoke_other_sessions(
        &mut self,
        user: UserId,
        keep: &SessionId,
        at: Timestamp,
        reason: &str,
    ) -> Result<Vec<SessionId>, StoreError> {
        let sql = "UPDATE user_sessions SET revoked_at = $1, revoked_reason = $2 \
                   WHERE user_id = $3 AND id <> $4 AND revoked_at IS NULL AND expires_at > $1 RETURNING id";
        on_tx!(self, |conn| {
            let found = sqlx::query(sql)
                .bind(at.as_millis())
                .bind(reason)
                .bind(user.0)
                .bind(&keep.0)
                .fetch_all(conn)
                .await
                .map_err(classify)?;
            found.iter().map(|row| decode(row.text("id")).map(SessionId)).collect()
        })
    }

    async fn count_active_super_admins_in_tx(&mut self) -> Result<u64, StoreError> {
        on_tx!(self, |conn| {
            let row = sqlx::query(ACTIVE_SUPER_ADMINS).fetch_one(conn).await.map_err(classify)?;
            Ok(u64::try_from(decode(row.int("count"))?).unwrap_or_default())
        })
    }

    async fn claim_bootstrap(&mut self, admin: AdminId, now: Timestamp) -> Result<(), StoreError> {
        let sql = "INSERT INTO admin_bootstrap (id, admin_id, created_at) VALUES (1, $1, $2)";
        on_tx!(self, |conn| sqlx::query(sql)
            .bind(admin.0)
            .bind(now.as_millis())
            .execute(conn)
            .await
            .map(|_| ())
            .map_err(classify))
    }

    async fn insert_admin(&mut self, admin: &NewAdmin) -> Result<AdminId, StoreError> {
        let sql =
            "INSERT INTO admins (document_id, firstname, lastname, email, email_folded, password_hash, is_active, \
                   created_at, updated_at, published_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $8) RETURNING id";
        on_tx!(self, |conn| {
            let row = sqlx::query(sql)
                .bind(&admin.document_id)
                .bind(&admin.firstname)
                .bind(&admin.lastname)
                .bind(&admin.email)
                .bind(&admin.email_folded)
                .bind(&admin.password_hash)
                .bind(admin.is_active)
                .bind(admin.now.as_millis())
                .fetch_one(conn)
                .await
                .map_err(classify)?;
            decode(row.int("id")).map(AdminId)
        })
    }

    async fn set_admin_roles(&mut self, admin: AdminId, roles: &[AdminRoleId]) -> Result<(), StoreError> {
        on_tx!(self, |conn| {
            sqlx::query("DELETE FROM admin_user_roles WHERE admin_id = $1")
                .bind(admin.0)
                .execute(&mut *conn)
                .await
                .map_err(classify)?;
            for role in roles {
                sqlx::query("INSERT INTO admin_user_roles (admin_id, role_id) VALUES ($1, $2)")
                    .bind(admin.0)
                    .bind(role.0)
                    .execute(&mut *conn)
                    .await
                    .map_err(classify)?;
            }
        });
        Ok(())
    }

    async fn update_admin(&mut self, id: AdminId, changes: &AdminChanges, now: Timestamp) -> Result<bool, StoreError> {
        let (email, email_folded) = match &changes.email {
            Some((email, folded)) => (Some(email.clone()), Some(folded.clone())),
            None => (None, None),
        };
        let sql = "UPDATE admins SET firstname = COALESCE($1, firstname), lastname = COALESCE($2, lastname), \
                   email = COALESCE($3, email), email_folded = COALESCE($4, email_folded), \
                   password_hash = COALESCE($5, password_hash), is_active = COALESCE($6, is_active), \
                   blocked = COALESCE($7, blocked), updated_at = $8 WHERE id = $9";
        let changed = on_tx!(self, |conn| sqlx::query(sql)
            .bind(&changes.firstname)
            .bind(&changes.lastname)
            .bind(email)
            .bind(email_folded)
            .bind(&changes.password_hash)
            .bind(changes.is_active)
            .bind(changes.blocked)
            .bind(now.as_millis())
            .bind(id.0)
            .execute(conn)
            .await
            .map(|done| done.rows_affected())
            .map_err(classify))?;
        Ok(changed > 0)
    }

    async fn set_admin_deleted(
        &mut self,
        id: AdminId,
        deleted_at: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let sql = "UPDATE admins SET deleted_at = $1, updated_at = $2 WHERE id = $3";
        let changed = on_tx!(self, |conn| sqlx::query(sql)
            .bind(deleted_at.map(Timestamp::as_millis))
            .bind(now.as_millis())
            .bind(id.0)
            .execute(conn)
            .await
            .map(|done| done.rows_affected())
            .map_err(classify))?;
        Ok(changed > 0)
    }

    async fn purge_admin(&mut self, id: AdminId) -> Result<bool, StoreError> {
        let changed = on_tx!(self, |conn| sqlx::query("DELETE FROM admins WHERE id = $1")
            .bind(id.0)
            .execute(conn)
            .await
            .map(|done| done.rows_affected())
            .map_err(classify))?;
        Ok(changed > 0)
    }

    async fn insert_admin_session(
        &mut self,
        id: &SessionId,
        admin: AdminId,
        refresh_hash: &str,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<(), StoreError> {
        let sql = "INSERT INTO admin_sessions (id, admin_id, refresh_hash, created_at, last_active_at, expires_at) \
                   VALUES ($1, $2, $3, $4, $4, $5)";
        on_tx!(self, |conn| sqlx::query(sql)
            .bind(&id.0)
            .bind(admin.0)
            .bind(refresh_hash)
            .bind(now.as_millis())
            .bind(expires_at.as_millis())
            .execute(conn)
            .await
            .map(|_| ())
            .map_err(classify))
    }

    async fn revoke_admin_session(&mut self, id: &SessionId, at: Timestamp, reason: &str) -> Result<bool, StoreError> {
        let sql = "UPDATE admin_sessions SET revoked_at = $1, revoked_reason = $2 WHERE id = $3 AND revoked_at IS NULL";
        let changed = on_tx!(self, |conn| sqlx::query(sql)
            .bind(at.as_millis())
            .bind(reason)
            .bind(&id.0)
            .execute(conn)
            .await
            .map(|done| done.rows_affected())
            .map_err(classify))?;
        Ok(changed > 0)
    }

    async fn revoke_admin_sessions(
        &mut self,
        admin: AdminId,
        at: Timestamp,
        reason: &str,
    ) -> Result<Vec<SessionId>, StoreError> {
        let sql = "UPDATE admin_sessions SET revoked_at = $1, revoked_reason = $2 \
                   WHERE admin_id = $3 AND revoked_at IS NULL AND expires_at > $1 RETURNING id";
        on_tx!(self, |conn| {
            let found = sqlx::query(sql)
                .bind(at.as_millis())
                .bind(reason)
                .bind(admin.0)
                .fetch_all(conn)
                .await
                .map_err(classify)?;
            found.iter().map(|row| decode(row.text("id")).map(SessionId)).collect()
        })
    }

    async fn insert_invite(
        &mut self,
        admin: AdminId,
        token_hash: &str,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<InviteId, StoreError> {
        let sql = "INSERT INTO admin_invites (admin_id, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4) RETURNING id";
        on_tx!(self, |conn| {
            let row = sqlx::query(sql)
                .bind(admin.0)
                .bind(token_hash)
                .bind(now.as_millis())
                .bind(expires_at.as_millis())
                .fetch_one(conn)
                .await
                .map_err(classify)?;
            decode(row.int("id")).map(InviteId)
        })
    }

    async fn reissue_invite(
        &mut self,
        id: InviteId,
        token_hash: &str,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<bool, StoreError> {
        let sql = "UPDATE admin_invites SET token_hash = $1, created_at = $2, expires_at = $3, revoked_at = NULL \
                   WHERE id = $4 AND accepted_at IS NULL";
        let changed = on_tx!(self, |conn| sqlx::query(sql)
            .bind(token_hash)
            .bind(now.as_millis())
            .bind(expires_at.as_millis())
            .bind(id.0)
            .execute(conn)
            .await
            .map(|done| done.rows_affected())
            .map_err(classify))?;
        Ok(changed > 0)
    }

    async fn revoke_invite(&mut self, id: InviteId, now: Timestamp) -> Result<bool, StoreError> {
        let sql = "UPDATE admin_invites SET revoked_at = $1 WHERE id = $2 AND accepted_at IS NULL";
        let changed = on_tx!(self, |conn| sqlx::query(sql)
            .bind(now.as_millis())
            .bind(id.0)
            .execute(conn)
            .await
            .map(|done| done.rows_affected())
            .map_err(classify))?;
        Ok(changed > 0)
    }

    async fn accept_invite(&mut self, token_hash: &str, now: Timestamp) -> Result<Option<Invite>, StoreError> {
        let sql = "UPDATE admin_invites SET accepted_at = $1 WHERE token_hash = $2 AND accepted_at IS NULL \
                   AND revoked_at IS NULL AND expires_at > $1 RETURNING id AS i_id, admin_id AS i_admin_id, \
                   created_at AS i_created_at, expires_at AS i_expires_at, accepted_at AS i_accepted_at, revoked_at AS i_revoked_at";
        on_tx!(self, |conn| {
            let row =
                sqlx::query(sql).bind(now.as_millis()).bind(token_hash).fetch_optional(conn).await.map_err(classify)?;
            row.map(|row| decode(rows::invite(&row))).transpose()
        })
    }

    async fn insert_admin_role(
        &mut self,
        name: &str,
        code: &str,
        description: &str,
        now: Timestamp,
    ) -> Result<AdminRoleId, StoreError> {
        let sql =
            "INSERT INTO admin_roles (document_id, name, code, description, created_at, updated_at, published_at) \
                   VALUES ($1, $2, $3, $4, $5, $5, $5) RETURNING id";
        on_tx!(self, |conn| {
            let row = sqlx::query(sql)
                .bind(gatehouse_domain::crypto::token::new_document_id())
                .bind(name)
                .bind(code)
                .bind(description)
                .bind(now.as_millis())
                .fetch_one(conn)
                .await
                .map_err(classify)?;
            decode(row.int("id")).map(AdminRoleId)
        })
    }

    async fn set_admin_role_actions(&mut self, id: AdminRoleId, actions: &[String]) -> Result<(), StoreError> {
        self.replace_actions(ActionTable::AdminRole, id.0, actions).await
    }

    async fn seed_action(
        &mut self,
        action: &str,
        admin_realm: bool,
        default_roles: &[&str],
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mark = "INSERT INTO seeded_actions (action, seeded_at) VALUES ($1, $2) ON CONFLICT (action) DO NOTHING";
        let grant = if admin_realm {
            "INSERT INTO admin_role_permissions (role_id, action) SELECT id, $1 FROM admin_roles WHERE code = $2 \
             ON CONFLICT (role_id, action) DO NOTHING"
        } else {
            "INSERT INTO role_permissions (role_id, action) SELECT id, $1 FROM roles WHERE type = $2 \
             ON CONFLICT (role_id, action) DO NOTHING"
        };
        on_tx!(self, |conn| {
            let marked = sqlx::query(mark)
                .bind(action)
                .bind(now.as_millis())
                .execute(&mut *conn)
                .await
                .map_err(classify)?
                .rows_affected();
            if marked > 0 {
                for role in default_roles {
                    sqlx::query(grant).bind(action).bind(*role).execute(&mut *conn).await.map_err(classify)?;
                }
            }
            Ok(())
        })
    }

    async fn delete_admin_role(&mut self, id: AdminRoleId) -> Result<bool, StoreError> {
        let changed = on_tx!(self, |conn| sqlx::query("DELETE FROM admin_roles WHERE id = $1")
            .bind(id.0)
            .execute(conn)
            .await
            .map(|done| done.rows_affected())
            .map_err(classify))?;
        Ok(changed > 0)
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
