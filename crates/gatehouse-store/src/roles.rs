//! End-user roles (table `roles`) and their permissions (`role_permissions`, through
//! `grants`). The one list of role columns lives here.

use crate::db::{execute, fetch_all, fetch_one, fetch_optional, on_pool, on_tx, SqlStore, SqlTx};
use crate::grants::{self, ActionTable};
use crate::rows::{Columns, RowExt};
use gatehouse_domain::ids::RoleId;
use gatehouse_domain::model::{NewRole, Role, RoleWithCount, User};
use gatehouse_domain::ports::StoreError;
use gatehouse_domain::time::Timestamp;

/// The role columns, in the order [`read`] takes them.
macro_rules! role_columns {
    () => {
        "roles.id, roles.document_id, roles.name, roles.description, roles.type, roles.created_at, \
         roles.updated_at, roles.published_at, roles.external_id"
    };
}

/// [`role_columns!`] as a constant, for statements built with sea-query.
pub(crate) const COLUMNS: &str = role_columns!();

/// Reads a role from the columns of [`role_columns!`].
pub(crate) fn read(columns: &mut Columns<'_, impl RowExt>) -> Result<Role, sqlx::Error> {
    Ok(Role {
        id: RoleId(columns.int()?),
        document_id: columns.text()?,
        name: columns.text()?,
        description: columns.text()?,
        role_type: columns.text()?,
        created_at: columns.time()?,
        updated_at: columns.time()?,
        published_at: columns.time()?,
        external_id: columns.opt_text()?,
    })
}

const FIND_ROLE: &str = concat!("SELECT ", role_columns!(), " FROM roles WHERE roles.id = $1");
const FIND_BY_TYPE: &str = concat!("SELECT ", role_columns!(), " FROM roles WHERE roles.type = $1");
const FIND_BY_DOCUMENT_ID: &str = concat!("SELECT ", role_columns!(), " FROM roles WHERE roles.document_id = $1");
const LIST_ROLES: &str = concat!(
    "SELECT ",
    role_columns!(),
    ", (SELECT COUNT(*) FROM users WHERE users.role_id = roles.id) FROM roles ORDER BY roles.id"
);
const INSERT_ROLE: &str = concat!(
    "INSERT INTO roles (document_id, name, description, type, created_at, updated_at, published_at, external_id) \
     VALUES ($1, $2, $3, $4, $5, $5, $5, $6) RETURNING ",
    role_columns!()
);
const UPDATE_ROLE: &str = concat!(
    "UPDATE roles SET name = COALESCE($1, name), description = COALESCE($2, description), updated_at = $3 \
     WHERE id = $4 RETURNING ",
    role_columns!()
);
const REASSIGN_USERS: &str = concat!(
    "UPDATE users SET role_id = $1, updated_at = $2 WHERE role_id = $3 RETURNING ",
    crate::users::user_columns!()
);
const SET_EXTERNAL_ID: &str = "UPDATE roles SET external_id = $1 WHERE id = $2";
const DELETE_ROLE: &str = "DELETE FROM roles WHERE id = $1";

/// See [`gatehouse_domain::ports::Store::find_role`].
pub(crate) async fn find_role(store: &SqlStore, id: RoleId) -> Result<Option<Role>, StoreError> {
    on_pool!(store, |pool| fetch_optional(sqlx::query(FIND_ROLE).bind(id.0), pool, read).await)
}

/// See [`gatehouse_domain::ports::Store::find_role_by_type`].
pub(crate) async fn find_role_by_type(store: &SqlStore, role_type: &str) -> Result<Option<Role>, StoreError> {
    on_pool!(store, |pool| fetch_optional(sqlx::query(FIND_BY_TYPE).bind(role_type), pool, read).await)
}

/// See [`gatehouse_domain::ports::Store::find_role_by_document_id`].
pub(crate) async fn find_role_by_document_id(store: &SqlStore, document_id: &str) -> Result<Option<Role>, StoreError> {
    on_pool!(store, |pool| fetch_optional(sqlx::query(FIND_BY_DOCUMENT_ID).bind(document_id), pool, read).await)
}

/// See [`gatehouse_domain::ports::Store::list_roles`].
pub(crate) async fn list_roles(store: &SqlStore) -> Result<Vec<RoleWithCount>, StoreError> {
    on_pool!(store, |pool| {
        fetch_all(sqlx::query(LIST_ROLES), pool, |columns| {
            Ok(RoleWithCount { role: read(columns)?, users: columns.count()? })
        })
        .await
    })
}

/// See [`gatehouse_domain::ports::Store::list_role_actions`].
pub(crate) async fn list_role_actions(store: &SqlStore, id: RoleId) -> Result<Vec<String>, StoreError> {
    grants::list_actions(store, ActionTable::EndUserRole, id.0).await
}

/// See [`gatehouse_domain::ports::StoreTx::insert_role`].
pub(crate) async fn insert_role(tx: &mut SqlTx, role: &NewRole) -> Result<Role, StoreError> {
    on_tx!(tx, |conn| {
        let statement = sqlx::query(INSERT_ROLE)
            .bind(&role.document_id)
            .bind(&role.name)
            .bind(&role.description)
            .bind(&role.role_type)
            .bind(role.now.as_millis())
            .bind(role.external_id.as_deref());
        fetch_one(statement, conn, read).await
    })
}

/// See [`gatehouse_domain::ports::StoreTx::update_role`].
pub(crate) async fn update_role(
    tx: &mut SqlTx,
    id: RoleId,
    name: Option<&str>,
    description: Option<&str>,
    now: Timestamp,
) -> Result<Option<Role>, StoreError> {
    on_tx!(tx, |conn| {
        let statement = sqlx::query(UPDATE_ROLE).bind(name).bind(description).bind(now.as_millis()).bind(id.0);
        fetch_optional(statement, conn, read).await
    })
}

/// See [`gatehouse_domain::ports::StoreTx::set_role_external_id`].
pub(crate) async fn set_role_external_id(
    tx: &mut SqlTx,
    id: RoleId,
    external_id: Option<&str>,
) -> Result<bool, StoreError> {
    Ok(on_tx!(tx, |conn| execute(sqlx::query(SET_EXTERNAL_ID).bind(external_id).bind(id.0), conn).await)? > 0)
}

/// See [`gatehouse_domain::ports::StoreTx::set_role_actions`].
pub(crate) async fn set_role_actions(tx: &mut SqlTx, id: RoleId, actions: &[String]) -> Result<(), StoreError> {
    grants::replace_actions(tx, ActionTable::EndUserRole, id.0, actions).await
}

/// See [`gatehouse_domain::ports::StoreTx::reassign_role_users`].
pub(crate) async fn reassign_role_users(
    tx: &mut SqlTx,
    from: RoleId,
    to: RoleId,
    now: Timestamp,
) -> Result<Vec<User>, StoreError> {
    on_tx!(tx, |conn| {
        let statement = sqlx::query(REASSIGN_USERS).bind(to.0).bind(now.as_millis()).bind(from.0);
        fetch_all(statement, conn, crate::users::read).await
    })
}

/// See [`gatehouse_domain::ports::StoreTx::delete_role`].
pub(crate) async fn delete_role(tx: &mut SqlTx, id: RoleId) -> Result<bool, StoreError> {
    Ok(on_tx!(tx, |conn| execute(sqlx::query(DELETE_ROLE).bind(id.0), conn).await)? > 0)
}
