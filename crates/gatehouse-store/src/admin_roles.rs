//! Admin roles (table `admin_roles`) and their permissions (`admin_role_permissions`, through
//! `grants`). The one list of admin role columns lives here; `admins` puts them beside an
//! admin.

use crate::db::{execute, fetch_all, fetch_one, fetch_optional, on_pool, on_tx, SqlStore, SqlTx};
use crate::grants::{self, ActionTable};
use crate::rows::{Columns, RowExt};
use gatehouse_domain::ids::AdminRoleId;
use gatehouse_domain::model::AdminRole;
use gatehouse_domain::ports::StoreError;
use gatehouse_domain::time::Timestamp;

/// The admin role columns, in the order [`read`] takes them.
macro_rules! admin_role_columns {
    () => {
        "admin_roles.id, admin_roles.document_id, admin_roles.name, admin_roles.code, admin_roles.description, \
         admin_roles.created_at, admin_roles.updated_at, admin_roles.external_id"
    };
}
pub(crate) use admin_role_columns;

/// How many columns [`admin_role_columns!`] lists.
const WIDTH: usize = 8;

/// Reads an admin role from the columns of [`admin_role_columns!`].
fn read(columns: &mut Columns<'_, impl RowExt>) -> Result<AdminRole, sqlx::Error> {
    Ok(AdminRole {
        id: AdminRoleId(columns.int()?),
        document_id: columns.text()?,
        name: columns.text()?,
        code: columns.text()?,
        description: columns.text()?,
        created_at: columns.time()?,
        updated_at: columns.time()?,
        external_id: columns.opt_text()?,
    })
}

/// Reads an admin role a `LEFT JOIN` may have left NULL (an admin without roles).
pub(crate) fn read_joined(columns: &mut Columns<'_, impl RowExt>) -> Result<Option<AdminRole>, sqlx::Error> {
    if columns.next_is_null()? {
        columns.skip(WIDTH);
        return Ok(None);
    }
    read(columns).map(Some)
}

const LIST: &str = concat!(
    "SELECT ",
    admin_role_columns!(),
    ", (SELECT COUNT(*) FROM admin_user_roles JOIN admins ON admins.id = admin_user_roles.admin_id \
     WHERE admin_user_roles.role_id = admin_roles.id AND admins.deleted_at IS NULL) \
     FROM admin_roles ORDER BY admin_roles.id"
);
const FIND: &str = concat!("SELECT ", admin_role_columns!(), " FROM admin_roles WHERE admin_roles.id = $1");
const INSERT: &str = "INSERT INTO admin_roles (document_id, name, code, description, created_at, updated_at, \
                      published_at) VALUES ($1, $2, $3, $4, $5, $5, $5) RETURNING id";
const DELETE: &str = "DELETE FROM admin_roles WHERE id = $1";
const RENAME: &str = "UPDATE admin_roles SET name = $1, external_id = $2, updated_at = $3 WHERE id = $4";

/// See [`gatehouse_domain::ports::Store::list_admin_roles`].
pub(crate) async fn list_admin_roles(store: &SqlStore) -> Result<Vec<(AdminRole, u64)>, StoreError> {
    on_pool!(store, |pool| fetch_all(sqlx::query(LIST), pool, |columns| Ok((read(columns)?, columns.count()?))).await)
}

/// See [`gatehouse_domain::ports::Store::find_admin_role`].
pub(crate) async fn find_admin_role(store: &SqlStore, id: AdminRoleId) -> Result<Option<AdminRole>, StoreError> {
    on_pool!(store, |pool| fetch_optional(sqlx::query(FIND).bind(id.0), pool, read).await)
}

/// See [`gatehouse_domain::ports::Store::list_admin_role_actions`].
pub(crate) async fn list_admin_role_actions(store: &SqlStore, id: AdminRoleId) -> Result<Vec<String>, StoreError> {
    grants::list_actions(store, ActionTable::AdminRole, id.0).await
}

/// See [`gatehouse_domain::ports::StoreTx::insert_admin_role`].
pub(crate) async fn insert_admin_role(
    tx: &mut SqlTx,
    name: &str,
    code: &str,
    description: &str,
    now: Timestamp,
) -> Result<AdminRoleId, StoreError> {
    on_tx!(tx, |conn| {
        let statement = sqlx::query(INSERT)
            .bind(gatehouse_domain::crypto::token::new_document_id())
            .bind(name)
            .bind(code)
            .bind(description)
            .bind(now.as_millis());
        fetch_one(statement, conn, |columns| columns.int().map(AdminRoleId)).await
    })
}

/// See [`gatehouse_domain::ports::StoreTx::set_admin_role_actions`].
pub(crate) async fn set_admin_role_actions(
    tx: &mut SqlTx,
    id: AdminRoleId,
    actions: &[String],
) -> Result<(), StoreError> {
    grants::replace_actions(tx, ActionTable::AdminRole, id.0, actions).await
}

/// See [`gatehouse_domain::ports::StoreTx::rename_admin_role`].
pub(crate) async fn rename_admin_role(
    tx: &mut SqlTx,
    id: AdminRoleId,
    name: &str,
    external_id: Option<&str>,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let changed = on_tx!(tx, |conn| {
        let statement = sqlx::query(RENAME).bind(name).bind(external_id).bind(now.as_millis()).bind(id.0);
        execute(statement, conn).await
    })?;
    Ok(changed > 0)
}

/// See [`gatehouse_domain::ports::StoreTx::delete_admin_role`].
pub(crate) async fn delete_admin_role(tx: &mut SqlTx, id: AdminRoleId) -> Result<bool, StoreError> {
    Ok(on_tx!(tx, |conn| execute(sqlx::query(DELETE).bind(id.0), conn).await)? > 0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_width_matches_the_column_list() {
        assert_eq!(admin_role_columns!().split(", ").count(), super::WIDTH);
    }
}
