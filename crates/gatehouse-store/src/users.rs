//! Users (table `users`): lookups by id and by folded email or username, the query-model page
//! and count (rendered in [`query`]), and the writes. The one list of user columns, and the
//! one list of columns a new user is inserted with, live here.

pub(crate) mod query;

use crate::db::{
    execute, fetch_all, fetch_one, fetch_optional, on_pool, on_pool_built, on_tx, on_tx_built, SqlStore, SqlTx,
};
use crate::roles;
use crate::rows::{Columns, RowExt};
use gatehouse_domain::ids::{RoleId, UserId};
use gatehouse_domain::model::{NewUser, User, UserChanges, UserCredentials, UserWithRole};
use gatehouse_domain::ports::StoreError;
use gatehouse_domain::query::{Filter, UserQuery};
use gatehouse_domain::time::Timestamp;
use gatehouse_domain::values::UserSettings;
use gatehouse_domain::Secret;
use query::Users;
use sea_query::{Expr, InsertStatement, PostgresQueryBuilder, Query, SqliteQueryBuilder};
use sea_query_postgres::PostgresBinder;
use sea_query_rusqlite::RusqliteBinder;
use tokio_postgres::types::Type;

/// The user columns every user query selects, in the order [`read`] takes them.
macro_rules! user_columns {
    () => {
        "users.id, users.document_id, users.username, users.email, users.provider, users.confirmed, \
         users.blocked, users.role_id, users.created_at, users.updated_at, users.published_at, users.last_login_at, \
         users.display_name, users.settings, users.external_id, users.profile"
    };
}
pub(crate) use user_columns;

/// [`user_columns!`] as a constant, for statements built with sea-query.
pub(crate) const COLUMNS: &str = user_columns!();

/// Reads a user from the columns of [`user_columns!`].
pub(crate) fn read(columns: &mut Columns<'_, impl RowExt>) -> Result<User, sqlx::Error> {
    Ok(User {
        id: UserId(columns.int()?),
        document_id: columns.text()?,
        username: columns.text()?,
        email: columns.text()?,
        provider: columns.text()?,
        confirmed: columns.flag()?,
        blocked: columns.flag()?,
        role_id: RoleId(columns.int()?),
        created_at: columns.time()?,
        updated_at: columns.time()?,
        published_at: columns.time()?,
        last_login_at: columns.opt_time()?,
        name: columns.opt_text()?,
        settings: columns.opt_json()?.and_then(UserSettings::from_stored),
        external_id: columns.opt_text()?,
        profile: columns.opt_json()?,
    })
}

/// A user followed by its password hash.
fn read_credentials(columns: &mut Columns<'_, impl RowExt>) -> Result<UserCredentials, sqlx::Error> {
    Ok(UserCredentials { user: read(columns)?, password_hash: columns.opt_text()?.map(Secret::from) })
}

const FIND_USER: &str = concat!("SELECT ", user_columns!(), " FROM users WHERE users.id = $1");
const FIND_BY_EMAIL: &str =
    concat!("SELECT ", user_columns!(), ", users.password_hash FROM users WHERE users.email_folded = $1");
const FIND_BY_USERNAME: &str =
    concat!("SELECT ", user_columns!(), ", users.password_hash FROM users WHERE users.username_folded = $1");
const IDENTITY_TAKEN: &str = "SELECT 1 FROM users WHERE email_folded = $1 OR username_folded = $2 LIMIT 1";
const SET_PASSWORD_HASH: &str = "UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3";
const SET_LAST_LOGIN: &str = "UPDATE users SET last_login_at = $1 WHERE id = $2";
const DELETE_USER: &str = concat!("DELETE FROM users WHERE users.id = $1 RETURNING ", user_columns!());

/// The columns a new user is written with, in the order [`insert_values`] gives them.
const INSERT_COLUMNS: [Users; 17] = [
    Users::DocumentId,
    Users::Username,
    Users::UsernameFolded,
    Users::Email,
    Users::EmailFolded,
    Users::Provider,
    Users::PasswordHash,
    Users::Confirmed,
    Users::Blocked,
    Users::RoleId,
    Users::DisplayName,
    Users::Settings,
    Users::ExternalId,
    Users::Profile,
    Users::CreatedAt,
    Users::UpdatedAt,
    Users::PublishedAt,
];

/// Settings as a bound JSON value (text on SQLite, `jsonb` on PostgreSQL).
fn settings_value(settings: Option<&UserSettings>) -> sea_query::SimpleExpr {
    sea_query::Value::Json(settings.map(|settings| Box::new(settings.to_value()))).into()
}

/// Any JSON value, bound as [`settings_value`] binds settings.
fn json_value(value: Option<&serde_json::Value>) -> sea_query::SimpleExpr {
    sea_query::Value::Json(value.map(|value| Box::new(value.clone()))).into()
}

fn insert_values(user: &NewUser) -> [sea_query::SimpleExpr; 17] {
    let now = user.now.as_millis();
    [
        user.document_id.clone().into(),
        user.username.clone().into(),
        user.username_folded.clone().into(),
        user.email.clone().into(),
        user.email_folded.clone().into(),
        user.provider.clone().into(),
        user.password_hash.as_ref().map(|hash| hash.expose().to_owned()).into(),
        user.confirmed.into(),
        user.blocked.into(),
        user.role_id.0.into(),
        user.name.clone().into(),
        settings_value(user.settings.as_ref()),
        user.external_id.clone().into(),
        json_value(user.profile.as_ref()),
        now.into(),
        now.into(),
        now.into(),
    ]
}

/// One multi-row `INSERT` of `users`.
fn insert_statement(users: &[NewUser]) -> Result<InsertStatement, StoreError> {
    let mut insert = Query::insert();
    insert.into_table(Users::Table).columns(INSERT_COLUMNS);
    for user in users {
        insert.values(insert_values(user)).map_err(|error| StoreError::Other(format!("inserting users: {error}")))?;
    }
    Ok(insert)
}

/// See [`gatehouse_domain::ports::Store::find_user`].
#[allow(
    clippy::redundant_closure,
    reason = "`read` alone is instantiated for one row lifetime; the closure is for all"
)]
pub(crate) async fn find_user(store: &SqlStore, id: UserId) -> Result<Option<User>, StoreError> {
    if let Some(found) =
        store.inline_reads().and_then(|inline| inline.fetch_all(FIND_USER, &[&id.0], |columns| read(columns)))
    {
        return Ok(found.into_iter().next());
    }
    if let Some(pipelined) = store.pipelined_reads() {
        if let Some(found) = pipelined.fetch_all(FIND_USER, &[&id.0], &[Type::INT8], |columns| read(columns)).await {
            return Ok(found.into_iter().next());
        }
    }
    on_pool!(store, |pool| fetch_optional(sqlx::query(FIND_USER).bind(id.0), pool, read).await)
}

/// See [`gatehouse_domain::ports::Store::find_credentials_by_email`].
#[allow(clippy::redundant_closure, reason = "`read_credentials` alone is instantiated for one row lifetime")]
pub(crate) async fn find_credentials_by_email(
    store: &SqlStore,
    email_folded: &str,
) -> Result<Option<UserCredentials>, StoreError> {
    if let Some(found) = store
        .inline_reads()
        .and_then(|inline| inline.fetch_all(FIND_BY_EMAIL, &[&email_folded], |columns| read_credentials(columns)))
    {
        return Ok(found.into_iter().next());
    }
    if let Some(pipelined) = store.pipelined_reads() {
        let found = pipelined
            .fetch_all(FIND_BY_EMAIL, &[&email_folded], &[Type::TEXT], |columns| read_credentials(columns))
            .await;
        if let Some(found) = found {
            return Ok(found.into_iter().next());
        }
    }
    on_pool!(store, |pool| fetch_optional(sqlx::query(FIND_BY_EMAIL).bind(email_folded), pool, read_credentials).await)
}

/// See [`gatehouse_domain::ports::Store::find_credentials_by_username`].
#[allow(clippy::redundant_closure, reason = "`read_credentials` alone is instantiated for one row lifetime")]
pub(crate) async fn find_credentials_by_username(
    store: &SqlStore,
    username_folded: &str,
) -> Result<Option<UserCredentials>, StoreError> {
    if let Some(found) = store
        .inline_reads()
        .and_then(|inline| inline.fetch_all(FIND_BY_USERNAME, &[&username_folded], |columns| read_credentials(columns)))
    {
        return Ok(found.into_iter().next());
    }
    if let Some(pipelined) = store.pipelined_reads() {
        let found = pipelined
            .fetch_all(FIND_BY_USERNAME, &[&username_folded], &[Type::TEXT], |columns| read_credentials(columns))
            .await;
        if let Some(found) = found {
            return Ok(found.into_iter().next());
        }
    }
    on_pool!(store, |pool| {
        fetch_optional(sqlx::query(FIND_BY_USERNAME).bind(username_folded), pool, read_credentials).await
    })
}

/// See [`gatehouse_domain::ports::Store::user_identity_taken`].
pub(crate) async fn user_identity_taken(
    store: &SqlStore,
    email_folded: &str,
    username_folded: &str,
) -> Result<bool, StoreError> {
    let found = on_pool!(store, |pool| {
        let statement = sqlx::query(IDENTITY_TAKEN).bind(email_folded).bind(username_folded);
        fetch_optional(statement, pool, |_| Ok(())).await
    })?;
    Ok(found.is_some())
}

/// See [`gatehouse_domain::ports::Store::list_users`]: one round trip for the page, roles
/// included.
pub(crate) async fn list_users(store: &SqlStore, user_query: &UserQuery) -> Result<Vec<UserWithRole>, StoreError> {
    let statement = query::select_users(user_query, COLUMNS);
    let with_role = user_query.with_role;
    if let Some(inline) = store.inline_reads() {
        let (sql, values) = statement.build_rusqlite(SqliteQueryBuilder);
        if let Some(users) = inline.fetch_all(&sql, &values.as_params(), |columns| read_with_role(columns, with_role)) {
            return Ok(users);
        }
    }
    if let Some(pipelined) = store.pipelined_reads().filter(|_| query::is_short_read(user_query)) {
        let (sql, values) = statement.build_postgres(PostgresQueryBuilder);
        let read = |columns: &mut Columns<'_, tokio_postgres::Row>| read_with_role(columns, with_role);
        if let Some(users) = pipelined.fetch_all_bound(&sql, &values, read).await {
            return Ok(users);
        }
    }
    on_pool_built!(store, statement, |pool, sql, values| {
        fetch_all(sqlx::query_with(&sql, values), pool, |columns| read_with_role(columns, with_role)).await
    })
}

/// A user, then its role's columns when the statement joined them.
fn read_with_role(columns: &mut Columns<'_, impl RowExt>, with_role: bool) -> Result<UserWithRole, sqlx::Error> {
    let user = read(columns)?;
    let role = if with_role { Some(roles::read(columns)?) } else { None };
    Ok(UserWithRole { user, role })
}

/// See [`gatehouse_domain::ports::Store::count_users`].
pub(crate) async fn count_users(store: &SqlStore, filter: &Filter) -> Result<u64, StoreError> {
    let statement = query::count_users(filter);
    if let Some(inline) = store.inline_reads() {
        let (sql, values) = statement.build_rusqlite(SqliteQueryBuilder);
        if let Some(counted) = inline.fetch_all(&sql, &values.as_params(), |columns| columns.count()) {
            return Ok(counted.into_iter().next().unwrap_or_default());
        }
    }
    // Only the maintained total is short: a filtered count may scan the table.
    if let Some(pipelined) = store.pipelined_reads().filter(|_| filter.is_everything()) {
        let (sql, values) = statement.build_postgres(PostgresQueryBuilder);
        if let Some(counted) = pipelined.fetch_all_bound(&sql, &values, |columns| columns.count()).await {
            return Ok(counted.into_iter().next().unwrap_or_default());
        }
    }
    on_pool_built!(store, statement, |pool, sql, values| {
        fetch_one(sqlx::query_with(&sql, values), pool, |columns| columns.count()).await
    })
}

/// See [`gatehouse_domain::ports::Store::insert_users_bulk`]: multi-row statements of 500
/// users (under SQLite's parameter limit), one transaction per call.
pub(crate) async fn insert_users_bulk(store: &SqlStore, users: &[NewUser]) -> Result<u64, StoreError> {
    let mut tx = store.begin_tx().await?;
    let mut inserted = 0;
    for chunk in users.chunks(500) {
        let statement = insert_statement(chunk)?;
        inserted +=
            on_tx_built!(tx, statement, |conn, sql, values| execute(sqlx::query_with(&sql, values), conn).await)?;
    }
    tx.commit_tx().await?;
    Ok(inserted)
}

/// See [`gatehouse_domain::ports::StoreTx::insert_user`].
pub(crate) async fn insert_user(tx: &mut SqlTx, user: &NewUser) -> Result<User, StoreError> {
    let mut statement = insert_statement(std::slice::from_ref(user))?;
    statement.returning_col(Users::Id);
    let id = on_tx_built!(tx, statement, |conn, sql, values| {
        fetch_one(sqlx::query_with(&sql, values), conn, |columns| columns.int()).await
    })?;
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
        name: user.name.clone(),
        settings: user.settings.clone(),
        external_id: user.external_id.clone(),
        profile: user.profile.clone(),
    })
}

/// See [`gatehouse_domain::ports::StoreTx::set_user_password_hash`].
pub(crate) async fn set_user_password_hash(
    tx: &mut SqlTx,
    id: UserId,
    hash: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    let changed = on_tx!(tx, |conn| {
        execute(sqlx::query(SET_PASSWORD_HASH).bind(hash).bind(now.as_millis()).bind(id.0), conn).await
    })?;
    if changed == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// See [`gatehouse_domain::ports::StoreTx::set_user_last_login`].
pub(crate) async fn set_user_last_login(tx: &mut SqlTx, id: UserId, at: Timestamp) -> Result<(), StoreError> {
    on_tx!(tx, |conn| execute(sqlx::query(SET_LAST_LOGIN).bind(at.as_millis()).bind(id.0), conn).await)?;
    Ok(())
}

/// See [`gatehouse_domain::ports::StoreTx::update_user`]: one `UPDATE … RETURNING`.
pub(crate) async fn update_user(
    tx: &mut SqlTx,
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
        update.value(Users::PasswordHash, hash.expose());
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
    if let Some(name) = &changes.name {
        update.value(Users::DisplayName, name.clone());
    }
    if let Some(settings) = &changes.settings {
        update.value(Users::Settings, settings_value(settings.as_ref()));
    }
    if let Some(external_id) = &changes.external_id {
        update.value(Users::ExternalId, external_id.clone());
    }
    if let Some(profile) = &changes.profile {
        update.value(Users::Profile, json_value(profile.as_ref()));
    }
    update.returning(Query::returning().expr(Expr::cust(COLUMNS)));
    on_tx_built!(tx, update, |conn, sql, values| fetch_optional(sqlx::query_with(&sql, values), conn, read).await)
}

/// See [`gatehouse_domain::ports::StoreTx::delete_user`]: one `DELETE … RETURNING`.
pub(crate) async fn delete_user(tx: &mut SqlTx, id: UserId) -> Result<Option<User>, StoreError> {
    on_tx!(tx, |conn| fetch_optional(sqlx::query(DELETE_USER).bind(id.0), conn, read).await)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::StoreOptions;
    use gatehouse_domain::query::{FieldRef, Operator, UserField};

    fn new_user(n: u32) -> NewUser {
        NewUser {
            document_id: format!("doc{n:021}"),
            username: format!("user{n}"),
            username_folded: format!("user{n}"),
            email: format!("user{n}@example.com"),
            email_folded: format!("user{n}@example.com"),
            provider: "local".to_owned(),
            password_hash: None,
            confirmed: true,
            blocked: false,
            role_id: RoleId(1),
            name: Some(format!("User {n}")),
            settings: None,
            external_id: None,
            profile: Some(serde_json::json!({"n": n})),
            now: Timestamp::from_millis(1_700_000_000_000),
        }
    }

    /// The hot reads must be answered inline, not silently handed to the pool: statement text,
    /// bound values and row decoding all have to work through rusqlite.
    #[tokio::test]
    #[allow(
        clippy::redundant_closure,
        reason = "`read` alone is instantiated for one row lifetime; the closure is for all"
    )]
    async fn the_hot_user_reads_are_answered_inline_on_sqlite() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("inline.db").display());
        let store = SqlStore::connect(&StoreOptions::new(url)).await.unwrap();
        store.migrate().await.unwrap();
        insert_users_bulk(&store, &(1..=30).map(new_user).collect::<Vec<_>>()).await.unwrap();
        let inline = store.inline_reads().unwrap();

        let found = inline.fetch_all(FIND_USER, &[&7_i64], |columns| read(columns)).unwrap();
        assert_eq!(found[0].username, "user7");
        assert_eq!(found[0].profile, Some(serde_json::json!({"n": 7})));
        for statement in [FIND_BY_EMAIL, FIND_BY_USERNAME] {
            let key = if statement == FIND_BY_EMAIL { "user8@example.com" } else { "user8" };
            let found = inline.fetch_all(statement, &[&key], |columns| read_credentials(columns)).unwrap();
            assert_eq!(found[0].user.username, "user8", "{statement}");
        }

        let by_email = UserQuery {
            filter: Filter::compare(FieldRef::User(UserField::Email), Operator::Eq, &["user9@example.com".into()], "t")
                .unwrap(),
            with_role: true,
            ..UserQuery::default()
        };
        let (sql, values) = query::select_users(&by_email, COLUMNS).build_rusqlite(SqliteQueryBuilder);
        let page = inline.fetch_all(&sql, &values.as_params(), |columns| read_with_role(columns, true)).unwrap();
        assert_eq!(page.len(), 1);
        assert_eq!(page[0].user.email, "user9@example.com");
        assert!(page[0].role.is_some());
        assert_eq!(list_users(&store, &by_email).await.unwrap(), page, "the same answer as the store gives");

        let (sql, values) = query::count_users(&Filter::everything()).build_rusqlite(SqliteQueryBuilder);
        let counted = inline.fetch_all(&sql, &values.as_params(), |columns| columns.count()).unwrap();
        assert_eq!(counted, [30]);
    }

    /// The same on PostgreSQL's pipelined path: every hot read is answered there (a type that
    /// does not match would silently send them all to the pool), with what the pool answers.
    #[tokio::test]
    async fn the_hot_user_reads_are_answered_pipelined_on_postgresql() {
        let db = gatehouse_testkit::TestDb::new().await;
        if !db.is_postgres() {
            return;
        }
        let store = SqlStore::connect(&StoreOptions::new(db.url())).await.unwrap();
        store.migrate().await.unwrap();
        insert_users_bulk(&store, &(1..=30).map(new_user).collect::<Vec<_>>()).await.unwrap();
        let pipelined = store.pipelined_reads().unwrap();

        let found = find_user(&store, UserId(7)).await.unwrap().unwrap();
        assert_eq!((found.username.as_str(), found.profile), ("user7", Some(serde_json::json!({"n": 7}))));
        assert_eq!(find_credentials_by_email(&store, "user8@example.com").await.unwrap().unwrap().user.id, UserId(8));
        assert_eq!(find_credentials_by_username(&store, "user8").await.unwrap().unwrap().user.id, UserId(8));
        let by_email = UserQuery {
            filter: Filter::compare(FieldRef::User(UserField::Email), Operator::Eq, &["user9@example.com".into()], "t")
                .unwrap(),
            with_role: true,
            ..UserQuery::default()
        };
        let page = list_users(&store, &by_email).await.unwrap();
        assert_eq!(page.len(), 1);
        assert!(page[0].role.is_some());
        let first_page = list_users(&store, &UserQuery { with_role: true, ..UserQuery::default() }).await.unwrap();
        assert_eq!(first_page.len(), 25);
        assert_eq!(count_users(&store, &Filter::everything()).await.unwrap(), 30);
        assert_eq!(pipelined.counts(), (6, 0), "all six answered pipelined, none declined");

        // A read that is not short goes to the pool, with the same kind of answer.
        let containing = UserQuery {
            filter: Filter::compare(FieldRef::User(UserField::Username), Operator::Contains, &["user1".into()], "t")
                .unwrap(),
            ..UserQuery::default()
        };
        assert_eq!(list_users(&store, &containing).await.unwrap().len(), 11);
        assert_eq!(pipelined.counts(), (6, 0), "not sent to the pipelined path");
    }
}
