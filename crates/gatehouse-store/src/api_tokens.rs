//! API tokens (table `api_tokens`) with their actions (`api_token_actions`, through `grants`).
//! A token is read together with its actions in one round trip (a `LEFT JOIN` folded by
//! `rows::fold_children`), also for the whole list.

use crate::db::{execute, fetch_one, fetch_optional, fetch_rows, on_pool, on_tx, on_write_pool, SqlStore, SqlTx};
use crate::grants::{self, ActionTable};
use crate::rows::{fold_children, Columns, RowExt};
use gatehouse_domain::ids::ApiTokenId;
use gatehouse_domain::model::{ApiToken, ApiTokenKind, NewApiToken};
use gatehouse_domain::ports::StoreError;
use gatehouse_domain::time::Timestamp;

/// The API token columns, in the order [`read`] takes them.
macro_rules! api_token_columns {
    () => {
        "api_tokens.id, api_tokens.name, api_tokens.description, api_tokens.type, api_tokens.lifespan_ms, \
         api_tokens.expires_at, api_tokens.last_used_at, api_tokens.created_at, api_tokens.updated_at"
    };
}

/// Reads an API token, without its actions, from the columns of [`api_token_columns!`].
fn read(columns: &mut Columns<'_, impl RowExt>) -> Result<ApiToken, sqlx::Error> {
    let id = ApiTokenId(columns.int()?);
    let name = columns.text()?;
    let description = columns.text()?;
    let kind = columns.text()?;
    Ok(ApiToken {
        id,
        name,
        description,
        kind: ApiTokenKind::from_name(&kind)
            .ok_or_else(|| sqlx::Error::Decode(format!("unknown API token type {kind:?}").into()))?,
        lifespan_ms: columns.opt_int()?,
        expires_at: columns.opt_time()?,
        last_used_at: columns.opt_time()?,
        created_at: columns.time()?,
        updated_at: columns.time()?,
        actions: Vec::new(),
    })
}

/// `SELECT <token>, <action or NULL>` over every token that `$where` keeps; ordered so that a
/// token's rows are adjacent and its actions sorted.
macro_rules! with_actions {
    ($where:literal) => {
        concat!(
            "SELECT ",
            api_token_columns!(),
            ", api_token_actions.action FROM api_tokens \
             LEFT JOIN api_token_actions ON api_token_actions.token_id = api_tokens.id ",
            $where,
            " ORDER BY api_tokens.id, api_token_actions.action"
        )
    };
}

const FIND_BY_HASH: &str = with_actions!("WHERE api_tokens.access_key_hash = $1");
const FIND: &str = with_actions!("WHERE api_tokens.id = $1");
const LIST: &str = with_actions!("");
const TOUCH: &str =
    "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at <= $3)";
const INSERT: &str = concat!(
    "INSERT INTO api_tokens (name, name_folded, description, type, access_key_hash, lifespan_ms, expires_at, \
     created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING ",
    api_token_columns!()
);
const UPDATE: &str = concat!(
    "UPDATE api_tokens SET name = $1, name_folded = $2, description = $3, type = $4, lifespan_ms = $5, \
     expires_at = $6, updated_at = $7 WHERE id = $8 RETURNING ",
    api_token_columns!()
);
const SET_SECRET: &str = concat!(
    "UPDATE api_tokens SET access_key_hash = $1, expires_at = $2, updated_at = $3 WHERE id = $4 RETURNING ",
    api_token_columns!()
);
const DELETE: &str = concat!("DELETE FROM api_tokens WHERE api_tokens.id = $1 RETURNING ", api_token_columns!());

/// Folds the rows of a [`with_actions!`] statement into tokens with their actions.
fn fold<R: RowExt>(rows: &[R]) -> Result<Vec<ApiToken>, StoreError> {
    fold_children(
        rows,
        |row| row.int(0),
        read,
        |columns| columns.opt_text(),
        |token, action| token.actions.push(action),
    )
}

/// See [`gatehouse_domain::ports::Store::find_api_token_by_hash`]: one round trip.
pub(crate) async fn find_api_token_by_hash(
    store: &SqlStore,
    access_key_hash: &str,
) -> Result<Option<ApiToken>, StoreError> {
    on_pool!(store, |pool| fold(&fetch_rows(sqlx::query(FIND_BY_HASH).bind(access_key_hash), pool).await?))
        .map(|tokens| tokens.into_iter().next())
}

/// See [`gatehouse_domain::ports::Store::find_api_token`]: one round trip.
pub(crate) async fn find_api_token(store: &SqlStore, id: ApiTokenId) -> Result<Option<ApiToken>, StoreError> {
    on_pool!(store, |pool| fold(&fetch_rows(sqlx::query(FIND).bind(id.0), pool).await?))
        .map(|tokens| tokens.into_iter().next())
}

/// See [`gatehouse_domain::ports::Store::list_api_tokens`]: one round trip for all of them.
pub(crate) async fn list_api_tokens(store: &SqlStore) -> Result<Vec<ApiToken>, StoreError> {
    on_pool!(store, |pool| fold(&fetch_rows(sqlx::query(LIST), pool).await?))
}

/// See [`gatehouse_domain::ports::Store::touch_api_token`].
pub(crate) async fn touch_api_token(
    store: &SqlStore,
    id: ApiTokenId,
    at: Timestamp,
    min_gap_ms: i64,
) -> Result<(), StoreError> {
    on_write_pool!(store, |pool| {
        execute(sqlx::query(TOUCH).bind(at.as_millis()).bind(id.0).bind(at.as_millis() - min_gap_ms), pool).await
    })?;
    Ok(())
}

/// See [`gatehouse_domain::ports::StoreTx::insert_api_token`].
pub(crate) async fn insert_api_token(tx: &mut SqlTx, token: &NewApiToken) -> Result<ApiToken, StoreError> {
    let mut inserted = on_tx!(tx, |conn| {
        let statement = sqlx::query(INSERT)
            .bind(&token.name)
            .bind(&token.name_folded)
            .bind(&token.description)
            .bind(token.kind.as_str())
            .bind(&token.access_key_hash)
            .bind(token.lifespan_ms)
            .bind(token.expires_at.map(Timestamp::as_millis))
            .bind(token.now.as_millis());
        fetch_one(statement, conn, read).await
    })?;
    grants::replace_actions(tx, ActionTable::ApiToken, inserted.id.0, &token.actions).await?;
    inserted.actions = token.actions.clone();
    Ok(inserted)
}

/// See [`gatehouse_domain::ports::StoreTx::update_api_token`].
pub(crate) async fn update_api_token(
    tx: &mut SqlTx,
    id: ApiTokenId,
    token: &NewApiToken,
) -> Result<Option<ApiToken>, StoreError> {
    let updated = on_tx!(tx, |conn| {
        let statement = sqlx::query(UPDATE)
            .bind(&token.name)
            .bind(&token.name_folded)
            .bind(&token.description)
            .bind(token.kind.as_str())
            .bind(token.lifespan_ms)
            .bind(token.expires_at.map(Timestamp::as_millis))
            .bind(token.now.as_millis())
            .bind(id.0);
        fetch_optional(statement, conn, read).await
    })?;
    let Some(mut updated) = updated else { return Ok(None) };
    grants::replace_actions(tx, ActionTable::ApiToken, id.0, &token.actions).await?;
    updated.actions = token.actions.clone();
    Ok(Some(updated))
}

/// See [`gatehouse_domain::ports::StoreTx::set_api_token_secret`].
pub(crate) async fn set_api_token_secret(
    tx: &mut SqlTx,
    id: ApiTokenId,
    access_key_hash: &str,
    expires_at: Option<Timestamp>,
    now: Timestamp,
) -> Result<Option<ApiToken>, StoreError> {
    let updated = on_tx!(tx, |conn| {
        let statement = sqlx::query(SET_SECRET)
            .bind(access_key_hash)
            .bind(expires_at.map(Timestamp::as_millis))
            .bind(now.as_millis())
            .bind(id.0);
        fetch_optional(statement, conn, read).await
    })?;
    let Some(mut updated) = updated else { return Ok(None) };
    updated.actions = grants::list_actions_in_tx(tx, ActionTable::ApiToken, id.0).await?;
    Ok(Some(updated))
}

/// See [`gatehouse_domain::ports::StoreTx::delete_api_token`].
pub(crate) async fn delete_api_token(tx: &mut SqlTx, id: ApiTokenId) -> Result<Option<ApiToken>, StoreError> {
    let actions = grants::list_actions_in_tx(tx, ActionTable::ApiToken, id.0).await?;
    let deleted = on_tx!(tx, |conn| fetch_optional(sqlx::query(DELETE).bind(id.0), conn, read).await)?;
    Ok(deleted.map(|token| ApiToken { actions, ..token }))
}
