//! `seeded_actions`: which registered actions have had their default grants written. The
//! domain seeds each action once, so a default grant an administrator removes stays removed.

use crate::db::{execute, fetch_all, on_pool, on_tx, SqlStore, SqlTx};
use gatehouse_domain::ports::StoreError;
use gatehouse_domain::time::Timestamp;

const LIST: &str = "SELECT action FROM seeded_actions ORDER BY action";
const MARK: &str = "INSERT INTO seeded_actions (action, seeded_at) VALUES ($1, $2) ON CONFLICT (action) DO NOTHING";
const GRANT_END_USER_ROLE: &str = "INSERT INTO role_permissions (role_id, action) \
                                   SELECT id, $1 FROM roles WHERE type = $2 ON CONFLICT (role_id, action) DO NOTHING";
const GRANT_ADMIN_ROLE: &str = "INSERT INTO admin_role_permissions (role_id, action) \
                                SELECT id, $1 FROM admin_roles WHERE code = $2 ON CONFLICT (role_id, action) DO NOTHING";

/// Every action already seeded.
pub(crate) async fn list_seeded_actions(store: &SqlStore) -> Result<Vec<String>, StoreError> {
    on_pool!(store, |pool| fetch_all(sqlx::query(LIST), pool, |columns| columns.text()).await)
}

/// Marks `action` seeded and, the first time only, grants it to each existing default role.
pub(crate) async fn seed_action(
    tx: &mut SqlTx,
    action: &str,
    admin_realm: bool,
    default_roles: &[&str],
    now: Timestamp,
) -> Result<(), StoreError> {
    let marked = on_tx!(tx, |conn| execute(sqlx::query(MARK).bind(action).bind(now.as_millis()), conn).await)?;
    if marked == 0 {
        return Ok(());
    }
    let grant = if admin_realm { GRANT_ADMIN_ROLE } else { GRANT_END_USER_ROLE };
    for role in default_roles {
        on_tx!(tx, |conn| execute(sqlx::query(grant).bind(action).bind(*role), conn).await)?;
    }
    Ok(())
}
