//! Admins (table `admins`), their roles (`admin_user_roles`), the installation's first-admin
//! claim (`admin_bootstrap`) and the last-super-admin count. The one list of admin columns
//! lives here, with [`fold_with_roles`]: every query that returns admins returns their roles in
//! the same round trip (one row per role), for one admin or a whole page.

use crate::admin_roles::{self, admin_role_columns};
use crate::db::{execute, fetch_all, fetch_one, fetch_optional, fetch_rows, on_pool, on_tx, SqlStore, SqlTx};
use crate::like;
use crate::rows::{fold_children, Columns, RowExt};
use gatehouse_domain::ids::{AdminId, AdminRoleId};
use gatehouse_domain::model::{
    Admin, AdminChanges, AdminCondition, AdminListQuery, AdminProvisioning, AdminSortField, NewAdmin,
};
use gatehouse_domain::ports::StoreError;
use gatehouse_domain::time::Timestamp;
use gatehouse_domain::Secret;

/// The admin columns, in the order [`read`] takes them.
macro_rules! admin_columns {
    () => {
        "admins.id, admins.document_id, admins.firstname, admins.lastname, admins.username, admins.email, \
         admins.is_active, admins.blocked, admins.prefered_language, admins.created_at, admins.updated_at, \
         admins.published_at, admins.deleted_at"
    };
}
pub(crate) use admin_columns;

/// The joins that put an admin's roles beside it (after `admins` is in the `FROM` clause):
/// one row per role, one row of NULL role columns for an admin without roles.
macro_rules! join_admin_roles {
    () => {
        "LEFT JOIN admin_user_roles ON admin_user_roles.admin_id = admins.id \
         LEFT JOIN admin_roles ON admin_roles.id = admin_user_roles.role_id"
    };
}
pub(crate) use join_admin_roles;

/// Reads an admin, without its roles, from the columns of [`admin_columns!`].
fn read(columns: &mut Columns<'_, impl RowExt>) -> Result<Admin, sqlx::Error> {
    Ok(Admin {
        id: AdminId(columns.int()?),
        document_id: columns.text()?,
        firstname: columns.text()?,
        lastname: columns.opt_text()?,
        username: columns.opt_text()?,
        email: columns.text()?,
        is_active: columns.flag()?,
        blocked: columns.flag()?,
        prefered_language: columns.opt_text()?,
        created_at: columns.time()?,
        updated_at: columns.time()?,
        published_at: columns.time()?,
        deleted_at: columns.opt_time()?,
        roles: Vec::new(),
    })
}

/// Folds rows of `<head columns>, <admin_columns!>, <admin_role_columns!>` (from a query
/// that uses [`join_admin_roles!`]) into one `(head, admin with its roles)` per head. `key`
/// tells the head of a row; a head's rows must be adjacent, its roles ordered by id.
pub(crate) fn fold_with_roles<R: RowExt, K: PartialEq, H>(
    rows: &[R],
    key: impl Fn(&R) -> Result<K, sqlx::Error>,
    head: impl Fn(&mut Columns<'_, R>) -> Result<H, sqlx::Error>,
) -> Result<Vec<(H, Admin)>, StoreError> {
    fold_children(
        rows,
        key,
        |columns| Ok((head(columns)?, read(columns)?)),
        admin_roles::read_joined,
        |(_, admin), role| admin.roles.push(role),
    )
}

const HAS_ADMIN: &str = "SELECT 1 FROM admin_bootstrap LIMIT 1";
const FIND: &str = concat!(
    "SELECT ",
    admin_columns!(),
    ", ",
    admin_role_columns!(),
    " FROM admins ",
    join_admin_roles!(),
    " WHERE admins.id = $1 AND ($2 OR admins.deleted_at IS NULL) ORDER BY admin_roles.id"
);
const FIND_CREDENTIALS: &str = concat!(
    "SELECT admins.password_hash, ",
    admin_columns!(),
    ", ",
    admin_role_columns!(),
    " FROM admins ",
    join_admin_roles!(),
    " WHERE admins.email_folded = $1 ORDER BY admin_roles.id"
);
/// `$1` with deleted ones, `$2` a `LIKE` pattern or NULL.
const LIST_FILTER: &str = "($1 OR admins.deleted_at IS NULL) AND ($2 IS NULL \
     OR LOWER(admins.firstname) LIKE $2 ESCAPE '\\' OR LOWER(COALESCE(admins.lastname, '')) LIKE $2 ESCAPE '\\' \
     OR admins.email_folded LIKE $2 ESCAPE '\\')";
const COUNT: &str = "SELECT COUNT(*) FROM admins WHERE ";
/// Active, unblocked, not deleted holders of the Super Admin role.
const ACTIVE_SUPER_ADMINS: &str = "SELECT COUNT(*) FROM admins \
     JOIN admin_user_roles ON admin_user_roles.admin_id = admins.id \
     JOIN admin_roles ON admin_roles.id = admin_user_roles.role_id \
     WHERE admin_roles.code = 'strapi-super-admin' AND admins.is_active AND NOT admins.blocked \
     AND admins.deleted_at IS NULL";
const CLAIM_BOOTSTRAP: &str = "INSERT INTO admin_bootstrap (id, admin_id, created_at) VALUES (1, $1, $2)";
const INSERT: &str = "INSERT INTO admins (document_id, firstname, lastname, email, email_folded, password_hash, \
                      is_active, created_at, updated_at, published_at) \
                      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $8) RETURNING id";
const DELETE_ROLES: &str = "DELETE FROM admin_user_roles WHERE admin_id = $1";
const INSERT_ROLE: &str = "INSERT INTO admin_user_roles (admin_id, role_id) VALUES ($1, $2)";
const UPDATE: &str = "UPDATE admins SET firstname = COALESCE($1, firstname), lastname = COALESCE($2, lastname), \
                      email = COALESCE($3, email), email_folded = COALESCE($4, email_folded), \
                      password_hash = COALESCE($5, password_hash), is_active = COALESCE($6, is_active), \
                      blocked = COALESCE($7, blocked), updated_at = $8 WHERE id = $9";
const SET_DELETED: &str = "UPDATE admins SET deleted_at = $1, updated_at = $2 WHERE id = $3";
const PURGE: &str = "DELETE FROM admins WHERE id = $1";
const PROVISIONING: &str = "SELECT id, external_id, profile FROM admins \
                            WHERE (external_id IS NOT NULL OR profile IS NOT NULL) AND deleted_at IS NULL ORDER BY id";
const FIND_PROVISIONING: &str = "SELECT external_id, profile FROM admins WHERE id = $1 AND deleted_at IS NULL";
const SET_PROVISIONING: &str =
    "UPDATE admins SET username = $1, username_folded = $2, external_id = $3, profile = $4, \
                                updated_at = $5 WHERE id = $6";

/// See [`gatehouse_domain::ports::Store::has_admin`].
pub(crate) async fn has_admin(store: &SqlStore) -> Result<bool, StoreError> {
    let found = on_pool!(store, |pool| fetch_optional(sqlx::query(HAS_ADMIN), pool, |_| Ok(())).await)?;
    Ok(found.is_some())
}

fn read_provisioning(columns: &mut Columns<'_, impl RowExt>) -> Result<AdminProvisioning, sqlx::Error> {
    Ok(AdminProvisioning { external_id: columns.opt_text()?, profile: columns.opt_json()? })
}

/// See [`gatehouse_domain::ports::Store::admin_provisioning`].
pub(crate) async fn admin_provisioning(store: &SqlStore) -> Result<Vec<(AdminId, AdminProvisioning)>, StoreError> {
    on_pool!(store, |pool| {
        fetch_all(sqlx::query(PROVISIONING), pool, |columns| Ok((AdminId(columns.int()?), read_provisioning(columns)?)))
            .await
    })
}

/// See [`gatehouse_domain::ports::Store::find_admin_provisioning`].
pub(crate) async fn find_admin_provisioning(
    store: &SqlStore,
    id: AdminId,
) -> Result<Option<AdminProvisioning>, StoreError> {
    on_pool!(store, |pool| fetch_optional(sqlx::query(FIND_PROVISIONING).bind(id.0), pool, read_provisioning).await)
}

/// See [`gatehouse_domain::ports::Store::find_admin`]: one round trip, roles included.
pub(crate) async fn find_admin(store: &SqlStore, id: AdminId, with_deleted: bool) -> Result<Option<Admin>, StoreError> {
    let found = on_pool!(store, |pool| {
        let rows = fetch_rows(sqlx::query(FIND).bind(id.0).bind(with_deleted), pool).await?;
        fold_with_roles(&rows, |_| Ok(()), |_| Ok(()))
    })?;
    Ok(found.into_iter().next().map(|((), admin)| admin))
}

/// See [`gatehouse_domain::ports::Store::find_admin_credentials`]: one round trip, roles
/// included.
pub(crate) async fn find_admin_credentials(
    store: &SqlStore,
    email_folded: &str,
) -> Result<Option<(Admin, Option<String>)>, StoreError> {
    let found = on_pool!(store, |pool| {
        let rows = fetch_rows(sqlx::query(FIND_CREDENTIALS).bind(email_folded), pool).await?;
        fold_with_roles(&rows, |_| Ok(()), |columns| columns.opt_text())
    })?;
    Ok(found.into_iter().next().map(|(hash, admin)| (admin, hash)))
}

/// See [`gatehouse_domain::ports::Store::list_admins`]: one round trip for the page, its
/// admins' roles and the total (`COUNT(*) OVER ()`); a page past the end counts apart.
pub(crate) async fn list_admins(store: &SqlStore, query: &AdminListQuery) -> Result<(Vec<Admin>, u64), StoreError> {
    // Columns, directions and conditions come from fixed lists (a role id is an integer),
    // never from request text.
    let column = match query.sort.field {
        AdminSortField::Id => "admins.id",
        AdminSortField::Firstname => "admins.firstname",
        AdminSortField::Lastname => "admins.lastname",
        AdminSortField::Email => "admins.email",
        AdminSortField::Username => "admins.username",
        AdminSortField::CreatedAt => "admins.created_at",
        AdminSortField::UpdatedAt => "admins.updated_at",
    };
    let direction = if query.sort.descending { "DESC" } else { "ASC" };
    let mut filter = LIST_FILTER.to_owned();
    for condition in &query.conditions {
        filter.push_str(&match condition {
            AdminCondition::IsActive(flag) => format!(" AND admins.is_active = {}", sql_bool(*flag)),
            AdminCondition::Blocked(flag) => format!(" AND admins.blocked = {}", sql_bool(*flag)),
            AdminCondition::HasRole(role) => format!(
                " AND EXISTS (SELECT 1 FROM admin_user_roles held WHERE held.admin_id = admins.id AND held.role_id = {})",
                role.0
            ),
        });
    }
    let pattern = query.search.as_deref().map(|text| like::contains(&gatehouse_domain::values::fold(text)));
    let page = format!(
        "SELECT page.total, {admins}, {roles} FROM (SELECT admins.id, COUNT(*) OVER () AS total FROM admins \
         WHERE {filter} ORDER BY {column} {direction}, admins.id LIMIT $3 OFFSET $4) page \
         JOIN admins ON admins.id = page.id {join} ORDER BY {column} {direction}, admins.id, admin_roles.id",
        admins = admin_columns!(),
        roles = admin_role_columns!(),
        join = join_admin_roles!(),
    );
    let count = [COUNT, &filter].concat();
    let limit = query.window.sql_limit();
    let offset = query.window.sql_offset();
    on_pool!(store, |pool| {
        let statement = sqlx::query(&page).bind(query.with_deleted).bind(&pattern).bind(limit).bind(offset);
        let rows = fetch_rows(statement, pool).await?;
        let found = fold_with_roles(&rows, |row| row.int(1), |columns| columns.count())?;
        let total = match found.first() {
            Some((total, _)) => *total,
            None if offset == 0 => 0,
            None => {
                let statement = sqlx::query(&count).bind(query.with_deleted).bind(&pattern);
                fetch_one(statement, pool, |columns| columns.count()).await?
            }
        };
        Ok((found.into_iter().map(|(_, admin)| admin).collect(), total))
    })
}

/// A boolean literal both backends read (SQLite stores flags as 0/1 and knows TRUE/FALSE).
fn sql_bool(flag: bool) -> &'static str {
    if flag {
        "TRUE"
    } else {
        "FALSE"
    }
}

/// See [`gatehouse_domain::ports::StoreTx::count_active_super_admins_in_tx`].
pub(crate) async fn count_active_super_admins_in_tx(tx: &mut SqlTx) -> Result<u64, StoreError> {
    on_tx!(tx, |conn| fetch_one(sqlx::query(ACTIVE_SUPER_ADMINS), conn, |columns| columns.count()).await)
}

/// See [`gatehouse_domain::ports::StoreTx::claim_bootstrap`].
pub(crate) async fn claim_bootstrap(tx: &mut SqlTx, admin: AdminId, now: Timestamp) -> Result<(), StoreError> {
    on_tx!(tx, |conn| execute(sqlx::query(CLAIM_BOOTSTRAP).bind(admin.0).bind(now.as_millis()), conn).await)?;
    Ok(())
}

/// See [`gatehouse_domain::ports::StoreTx::insert_admin`].
pub(crate) async fn insert_admin(tx: &mut SqlTx, admin: &NewAdmin) -> Result<AdminId, StoreError> {
    on_tx!(tx, |conn| {
        let statement = sqlx::query(INSERT)
            .bind(&admin.document_id)
            .bind(&admin.firstname)
            .bind(&admin.lastname)
            .bind(&admin.email)
            .bind(&admin.email_folded)
            .bind(admin.password_hash.as_ref().map(Secret::expose))
            .bind(admin.is_active)
            .bind(admin.now.as_millis());
        fetch_one(statement, conn, |columns| columns.int().map(AdminId)).await
    })
}

/// See [`gatehouse_domain::ports::StoreTx::set_admin_roles`].
pub(crate) async fn set_admin_roles(tx: &mut SqlTx, admin: AdminId, roles: &[AdminRoleId]) -> Result<(), StoreError> {
    on_tx!(tx, |conn| {
        execute(sqlx::query(DELETE_ROLES).bind(admin.0), &mut *conn).await?;
        for role in roles {
            execute(sqlx::query(INSERT_ROLE).bind(admin.0).bind(role.0), &mut *conn).await?;
        }
    });
    Ok(())
}

/// See [`gatehouse_domain::ports::StoreTx::update_admin`].
pub(crate) async fn update_admin(
    tx: &mut SqlTx,
    id: AdminId,
    changes: &AdminChanges,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let (email, email_folded) = match &changes.email {
        Some((email, folded)) => (Some(email.as_str()), Some(folded.as_str())),
        None => (None, None),
    };
    let changed = on_tx!(tx, |conn| {
        let statement = sqlx::query(UPDATE)
            .bind(&changes.firstname)
            .bind(&changes.lastname)
            .bind(email)
            .bind(email_folded)
            .bind(changes.password_hash.as_ref().map(Secret::expose))
            .bind(changes.is_active)
            .bind(changes.blocked)
            .bind(now.as_millis())
            .bind(id.0);
        execute(statement, conn).await
    })?;
    Ok(changed > 0)
}

/// See [`gatehouse_domain::ports::StoreTx::set_admin_deleted`].
pub(crate) async fn set_admin_deleted(
    tx: &mut SqlTx,
    id: AdminId,
    deleted_at: Option<Timestamp>,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let changed = on_tx!(tx, |conn| {
        let statement =
            sqlx::query(SET_DELETED).bind(deleted_at.map(Timestamp::as_millis)).bind(now.as_millis()).bind(id.0);
        execute(statement, conn).await
    })?;
    Ok(changed > 0)
}

/// See [`gatehouse_domain::ports::StoreTx::purge_admin`].
/// See [`gatehouse_domain::ports::StoreTx::set_admin_provisioning`].
pub(crate) async fn set_admin_provisioning(
    tx: &mut SqlTx,
    id: AdminId,
    username: Option<(&str, &str)>,
    provisioning: &AdminProvisioning,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let changed = on_tx!(tx, |conn| {
        let statement = sqlx::query(SET_PROVISIONING)
            .bind(username.map(|(name, _)| name))
            .bind(username.map(|(_, folded)| folded))
            .bind(provisioning.external_id.as_deref())
            .bind(provisioning.profile.as_ref().map(sqlx::types::Json))
            .bind(now.as_millis())
            .bind(id.0);
        execute(statement, conn).await
    })?;
    Ok(changed > 0)
}

pub(crate) async fn purge_admin(tx: &mut SqlTx, id: AdminId) -> Result<bool, StoreError> {
    Ok(on_tx!(tx, |conn| execute(sqlx::query(PURGE).bind(id.0), conn).await)? > 0)
}
