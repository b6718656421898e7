//! Groups of end users (table `user_groups`) and their members (`user_group_members`, which
//! go with their user or their group). The one list of group columns lives here.
//!
//! Holding rows for a change (`lock_group`, `lock_users`) is `FOR UPDATE` on PostgreSQL; on
//! SQLite every write transaction already runs alone (`BEGIN IMMEDIATE`), so a plain read does.

use crate::db::{execute, fetch_all, fetch_one, fetch_optional, on_pool, on_tx, SqlStore, SqlTx, TxInner};
use crate::rows::{Columns, RowExt};
use gatehouse_domain::ids::{GroupId, RoleId, UserId};
use gatehouse_domain::model::{Group, GroupChanges, NewGroup};
use gatehouse_domain::ports::StoreError;
use gatehouse_domain::time::Timestamp;
use sqlx::types::Json;

/// The group columns, in the order [`read`] takes them.
macro_rules! group_columns {
    () => {
        "user_groups.id, user_groups.display_name, user_groups.external_id, user_groups.created_at, \
         user_groups.updated_at"
    };
}

/// Reads a group from the columns of [`group_columns!`].
fn read(columns: &mut Columns<'_, impl RowExt>) -> Result<Group, sqlx::Error> {
    Ok(Group {
        id: GroupId(columns.int()?),
        display_name: columns.text()?,
        external_id: columns.opt_text()?,
        created_at: columns.time()?,
        updated_at: columns.time()?,
    })
}

const LIST_GROUPS: &str = concat!("SELECT ", group_columns!(), " FROM user_groups ORDER BY user_groups.id");
const FIND_GROUP: &str = concat!("SELECT ", group_columns!(), " FROM user_groups WHERE user_groups.id = $1");
const LOCK_GROUP_POSTGRES: &str =
    concat!("SELECT ", group_columns!(), " FROM user_groups WHERE user_groups.id = $1 FOR UPDATE");
const LIST_MEMBERS: &str = "SELECT user_id FROM user_group_members WHERE group_id = $1 ORDER BY user_id";
const GROUPS_OF_USERS_SQLITE: &str = concat!(
    "SELECT user_group_members.user_id, ",
    group_columns!(),
    " FROM user_group_members JOIN user_groups ON user_groups.id = user_group_members.group_id \
     WHERE user_group_members.user_id IN (SELECT value FROM json_each($1)) \
     ORDER BY user_group_members.user_id, user_groups.id"
);
const GROUPS_OF_USERS_POSTGRES: &str = concat!(
    "SELECT user_group_members.user_id, ",
    group_columns!(),
    " FROM user_group_members JOIN user_groups ON user_groups.id = user_group_members.group_id \
     WHERE user_group_members.user_id = ANY($1) \
     ORDER BY user_group_members.user_id, user_groups.id"
);
const GROUP_NAMES_OF_USER: &str = "SELECT user_groups.display_name FROM user_group_members \
     JOIN user_groups ON user_groups.id = user_group_members.group_id \
     WHERE user_group_members.user_id = $1 ORDER BY user_groups.id";
const INSERT_GROUP: &str = concat!(
    "INSERT INTO user_groups (display_name, display_name_folded, external_id, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $4) RETURNING ",
    group_columns!()
);
const UPDATE_GROUP: &str = concat!(
    "UPDATE user_groups SET display_name = COALESCE($1, display_name), \
     display_name_folded = COALESCE($2, display_name_folded), \
     external_id = CASE WHEN $3 THEN $4 ELSE external_id END, updated_at = $5 \
     WHERE id = $6 RETURNING ",
    group_columns!()
);
const LOCK_USER_SQLITE: &str = "SELECT role_id FROM users WHERE id = $1";
const LOCK_USER_POSTGRES: &str = "SELECT role_id FROM users WHERE id = $1 FOR UPDATE";
// Only a user that exists is added: the insert reads it, so an unknown id adds nothing.
const ADD_MEMBER: &str = "INSERT INTO user_group_members (group_id, user_id) SELECT $1, id FROM users WHERE id = $2 \
     ON CONFLICT (group_id, user_id) DO NOTHING";
const REMOVE_MEMBER: &str = "DELETE FROM user_group_members WHERE group_id = $1 AND user_id = $2";
const DELETE_GROUP: &str = "DELETE FROM user_groups WHERE id = $1";

/// See [`gatehouse_domain::ports::Store::list_groups`].
pub(crate) async fn list_groups(store: &SqlStore) -> Result<Vec<Group>, StoreError> {
    on_pool!(store, |pool| fetch_all(sqlx::query(LIST_GROUPS), pool, read).await)
}

/// See [`gatehouse_domain::ports::Store::find_group`].
pub(crate) async fn find_group(store: &SqlStore, id: GroupId) -> Result<Option<Group>, StoreError> {
    on_pool!(store, |pool| fetch_optional(sqlx::query(FIND_GROUP).bind(id.0), pool, read).await)
}

/// See [`gatehouse_domain::ports::Store::list_group_members`].
pub(crate) async fn list_group_members(store: &SqlStore, id: GroupId) -> Result<Vec<UserId>, StoreError> {
    on_pool!(store, |pool| {
        fetch_all(sqlx::query(LIST_MEMBERS).bind(id.0), pool, |columns| Ok(UserId(columns.int()?))).await
    })
}

/// Reads a member's id and then its group.
fn read_membership(columns: &mut Columns<'_, impl RowExt>) -> Result<(UserId, Group), sqlx::Error> {
    Ok((UserId(columns.int()?), read(columns)?))
}

/// See [`gatehouse_domain::ports::Store::list_groups_of_users`].
pub(crate) async fn list_groups_of_users(
    store: &SqlStore,
    users: &[UserId],
) -> Result<Vec<(UserId, Group)>, StoreError> {
    let ids: Vec<i64> = users.iter().map(|user| user.0).collect();
    match &store.pools {
        crate::db::Pools::Sqlite { read: pool, .. } => {
            fetch_all(sqlx::query(GROUPS_OF_USERS_SQLITE).bind(Json(&ids)), pool, read_membership).await
        }
        crate::db::Pools::Postgres(pool) => {
            fetch_all(sqlx::query(GROUPS_OF_USERS_POSTGRES).bind(ids.as_slice()), pool, read_membership).await
        }
    }
}

/// See [`gatehouse_domain::ports::StoreTx::insert_group`].
pub(crate) async fn insert_group(tx: &mut SqlTx, group: &NewGroup) -> Result<Group, StoreError> {
    on_tx!(tx, |conn| {
        let statement = sqlx::query(INSERT_GROUP)
            .bind(&group.display_name)
            .bind(&group.display_name_folded)
            .bind(group.external_id.as_deref())
            .bind(group.now.as_millis());
        fetch_one(statement, conn, read).await
    })
}

/// See [`gatehouse_domain::ports::StoreTx::lock_group`].
pub(crate) async fn lock_group(tx: &mut SqlTx, id: GroupId) -> Result<Option<Group>, StoreError> {
    match &mut tx.inner {
        TxInner::Sqlite(conn) => fetch_optional(sqlx::query(FIND_GROUP).bind(id.0), &mut **conn, read).await,
        TxInner::Postgres(conn) => fetch_optional(sqlx::query(LOCK_GROUP_POSTGRES).bind(id.0), &mut **conn, read).await,
    }
}

/// See [`gatehouse_domain::ports::StoreTx::lock_users`].
pub(crate) async fn lock_users(tx: &mut SqlTx, users: &[UserId]) -> Result<Vec<(UserId, RoleId)>, StoreError> {
    let mut ids: Vec<i64> = users.iter().map(|user| user.0).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut existing = Vec::with_capacity(ids.len());
    for id in ids {
        // One row at a time, in id order: the order every transaction takes them in.
        let role = match &mut tx.inner {
            TxInner::Sqlite(conn) => {
                let statement = sqlx::query(LOCK_USER_SQLITE).bind(id);
                fetch_optional(statement, &mut **conn, |columns| columns.int()).await?
            }
            TxInner::Postgres(conn) => {
                let statement = sqlx::query(LOCK_USER_POSTGRES).bind(id);
                fetch_optional(statement, &mut **conn, |columns| columns.int()).await?
            }
        };
        if let Some(role) = role {
            existing.push((UserId(id), RoleId(role)));
        }
    }
    Ok(existing)
}

/// See [`gatehouse_domain::ports::StoreTx::update_group`].
pub(crate) async fn update_group(
    tx: &mut SqlTx,
    id: GroupId,
    changes: &GroupChanges,
    now: Timestamp,
) -> Result<Option<Group>, StoreError> {
    let (name, folded) = match &changes.display_name {
        Some((name, folded)) => (Some(name.as_str()), Some(folded.as_str())),
        None => (None, None),
    };
    let external_id = changes.external_id.as_ref().and_then(|external_id| external_id.as_deref());
    on_tx!(tx, |conn| {
        let statement = sqlx::query(UPDATE_GROUP)
            .bind(name)
            .bind(folded)
            .bind(changes.external_id.is_some())
            .bind(external_id)
            .bind(now.as_millis())
            .bind(id.0);
        fetch_optional(statement, conn, read).await
    })
}

/// See [`gatehouse_domain::ports::StoreTx::list_group_members_in_tx`].
pub(crate) async fn list_group_members_in_tx(tx: &mut SqlTx, id: GroupId) -> Result<Vec<UserId>, StoreError> {
    on_tx!(tx, |conn| {
        fetch_all(sqlx::query(LIST_MEMBERS).bind(id.0), conn, |columns| Ok(UserId(columns.int()?))).await
    })
}

/// See [`gatehouse_domain::ports::StoreTx::add_group_members`].
pub(crate) async fn add_group_members(
    tx: &mut SqlTx,
    id: GroupId,
    users: &[UserId],
) -> Result<Vec<UserId>, StoreError> {
    let mut added = Vec::new();
    for user in users {
        let inserted = on_tx!(tx, |conn| execute(sqlx::query(ADD_MEMBER).bind(id.0).bind(user.0), conn).await)?;
        if inserted > 0 {
            added.push(*user);
        }
    }
    Ok(added)
}

/// See [`gatehouse_domain::ports::StoreTx::remove_group_members`].
pub(crate) async fn remove_group_members(
    tx: &mut SqlTx,
    id: GroupId,
    users: &[UserId],
) -> Result<Vec<UserId>, StoreError> {
    let mut removed = Vec::new();
    for user in users {
        let deleted = on_tx!(tx, |conn| execute(sqlx::query(REMOVE_MEMBER).bind(id.0).bind(user.0), conn).await)?;
        if deleted > 0 {
            removed.push(*user);
        }
    }
    Ok(removed)
}

/// See [`gatehouse_domain::ports::StoreTx::list_group_names_of_user_in_tx`].
pub(crate) async fn list_group_names_of_user_in_tx(tx: &mut SqlTx, user: UserId) -> Result<Vec<String>, StoreError> {
    on_tx!(tx, |conn| {
        fetch_all(sqlx::query(GROUP_NAMES_OF_USER).bind(user.0), conn, |columns| columns.text()).await
    })
}

/// See [`gatehouse_domain::ports::StoreTx::delete_group`].
pub(crate) async fn delete_group(tx: &mut SqlTx, id: GroupId) -> Result<bool, StoreError> {
    Ok(on_tx!(tx, |conn| execute(sqlx::query(DELETE_GROUP).bind(id.0), conn).await)? > 0)
}
