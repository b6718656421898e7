//! The three tables of "these actions belong to that owner" (an end-user role's permissions,
//! an API token's actions, an admin role's permissions): their statements, written once.
//! Replacing an owner's actions is two statements whatever their number.

use crate::db::{execute, fetch_all, on_pool, on_tx, SqlStore, SqlTx};
use gatehouse_domain::ports::StoreError;
use sqlx::types::Json;

/// One table of owner → action rows.
#[derive(Clone, Copy)]
pub(crate) enum ActionTable {
    /// `role_permissions`: an end-user role's actions.
    EndUserRole,
    /// `api_token_actions`: a custom API token's actions.
    ApiToken,
    /// `admin_role_permissions`: an admin role's actions.
    AdminRole,
}

/// The statements of one action table.
struct Statements {
    /// `$1`: the owner. Ordered by action.
    list: &'static str,
    /// `$1`: the owner.
    delete: &'static str,
    /// SQLite: `$1` the owner, `$2` the actions as a JSON array.
    insert_sqlite: &'static str,
    /// PostgreSQL: `$1` the owner, `$2` the actions as `text[]`.
    insert_postgres: &'static str,
}

impl ActionTable {
    const fn statements(self) -> Statements {
        match self {
            ActionTable::EndUserRole => Statements {
                list: "SELECT action FROM role_permissions WHERE role_id = $1 ORDER BY action",
                delete: "DELETE FROM role_permissions WHERE role_id = $1",
                insert_sqlite: "INSERT INTO role_permissions (role_id, action) \
                                SELECT $1, value FROM json_each($2)",
                insert_postgres: "INSERT INTO role_permissions (role_id, action) \
                                  SELECT $1::bigint, action FROM unnest($2::text[]) AS action",
            },
            ActionTable::ApiToken => Statements {
                list: "SELECT action FROM api_token_actions WHERE token_id = $1 ORDER BY action",
                delete: "DELETE FROM api_token_actions WHERE token_id = $1",
                insert_sqlite: "INSERT INTO api_token_actions (token_id, action) \
                                SELECT $1, value FROM json_each($2)",
                insert_postgres: "INSERT INTO api_token_actions (token_id, action) \
                                  SELECT $1::bigint, action FROM unnest($2::text[]) AS action",
            },
            ActionTable::AdminRole => Statements {
                list: "SELECT action FROM admin_role_permissions WHERE role_id = $1 ORDER BY action",
                delete: "DELETE FROM admin_role_permissions WHERE role_id = $1",
                insert_sqlite: "INSERT INTO admin_role_permissions (role_id, action) \
                                SELECT $1, value FROM json_each($2)",
                insert_postgres: "INSERT INTO admin_role_permissions (role_id, action) \
                                  SELECT $1::bigint, action FROM unnest($2::text[]) AS action",
            },
        }
    }
}

/// The actions `owner` holds in `table`, sorted.
pub(crate) async fn list_actions(store: &SqlStore, table: ActionTable, owner: i64) -> Result<Vec<String>, StoreError> {
    let list = table.statements().list;
    on_pool!(store, |pool| fetch_all(sqlx::query(list).bind(owner), pool, |columns| columns.text()).await)
}

/// The actions `owner` holds in `table`, as the transaction sees them.
pub(crate) async fn list_actions_in_tx(
    tx: &mut SqlTx,
    table: ActionTable,
    owner: i64,
) -> Result<Vec<String>, StoreError> {
    let list = table.statements().list;
    on_tx!(tx, |conn| fetch_all(sqlx::query(list).bind(owner), conn, |columns| columns.text()).await)
}

/// Replaces every action `owner` holds in `table` with `actions`.
pub(crate) async fn replace_actions(
    tx: &mut SqlTx,
    table: ActionTable,
    owner: i64,
    actions: &[String],
) -> Result<(), StoreError> {
    let statements = table.statements();
    on_tx!(tx, |conn| execute(sqlx::query(statements.delete).bind(owner), &mut *conn).await)?;
    if actions.is_empty() {
        return Ok(());
    }
    match &mut tx.inner {
        crate::db::TxInner::Sqlite(tx) => {
            execute(sqlx::query(statements.insert_sqlite).bind(owner).bind(Json(actions)), &mut **tx).await?;
        }
        crate::db::TxInner::Postgres(tx) => {
            execute(sqlx::query(statements.insert_postgres).bind(owner).bind(actions), &mut **tx).await?;
        }
    }
    Ok(())
}
