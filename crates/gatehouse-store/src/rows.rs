//! Decoding rows into domain types. [`RowExt`] gives both backends' rows the same small set of
//! typed getters, so each decoder is written once.

use gatehouse_domain::events::StoredEvent;
use gatehouse_domain::ids::{AdminId, AdminRoleId, ApiTokenId, InviteId, RoleId, SessionId, UserId};
use gatehouse_domain::model::{
    Admin, AdminRole, AdminSessionRecord, ApiToken, ApiTokenKind, Invite, QueuedMail, RefreshTokenRecord, Role,
    SessionRecord, User, UserCredentials,
};
use gatehouse_domain::time::Timestamp;
use serde_json::Value;
use sqlx::types::Json;
use sqlx::Row;

/// Typed column getters shared by SQLite and PostgreSQL rows.
pub(crate) trait RowExt {
    fn int(&self, column: &str) -> Result<i64, sqlx::Error>;
    fn opt_int(&self, column: &str) -> Result<Option<i64>, sqlx::Error>;
    fn text(&self, column: &str) -> Result<String, sqlx::Error>;
    fn opt_text(&self, column: &str) -> Result<Option<String>, sqlx::Error>;
    fn flag(&self, column: &str) -> Result<bool, sqlx::Error>;
    fn json(&self, column: &str) -> Result<Value, sqlx::Error>;
    fn opt_json(&self, column: &str) -> Result<Option<Value>, sqlx::Error>;
}

macro_rules! impl_row_ext {
    ($row:ty) => {
        impl RowExt for $row {
            fn int(&self, column: &str) -> Result<i64, sqlx::Error> {
                self.try_get(column)
            }
            fn opt_int(&self, column: &str) -> Result<Option<i64>, sqlx::Error> {
                self.try_get(column)
            }
            fn text(&self, column: &str) -> Result<String, sqlx::Error> {
                self.try_get(column)
            }
            fn opt_text(&self, column: &str) -> Result<Option<String>, sqlx::Error> {
                self.try_get(column)
            }
            fn flag(&self, column: &str) -> Result<bool, sqlx::Error> {
                self.try_get(column)
            }
            fn json(&self, column: &str) -> Result<Value, sqlx::Error> {
                self.try_get::<Json<Value>, _>(column).map(|json| json.0)
            }
            fn opt_json(&self, column: &str) -> Result<Option<Value>, sqlx::Error> {
                self.try_get::<Option<Json<Value>>, _>(column).map(|json| json.map(|json| json.0))
            }
        }
    };
}

impl_row_ext!(sqlx::sqlite::SqliteRow);
impl_row_ext!(sqlx::postgres::PgRow);

/// The user columns every user query selects, from the table aliased `u`.
pub(crate) const USER_COLUMNS: &str = "u.id, u.document_id, u.username, u.email, u.provider, u.confirmed, u.blocked, \
     u.role_id, u.created_at, u.updated_at, u.published_at, u.last_login_at";

pub(crate) fn user(row: &impl RowExt) -> Result<User, sqlx::Error> {
    Ok(User {
        id: UserId(row.int("id")?),
        document_id: row.text("document_id")?,
        username: row.text("username")?,
        email: row.text("email")?,
        provider: row.text("provider")?,
        confirmed: row.flag("confirmed")?,
        blocked: row.flag("blocked")?,
        role_id: RoleId(row.int("role_id")?),
        created_at: Timestamp::from_millis(row.int("created_at")?),
        updated_at: Timestamp::from_millis(row.int("updated_at")?),
        published_at: Timestamp::from_millis(row.int("published_at")?),
        last_login_at: row.opt_int("last_login_at")?.map(Timestamp::from_millis),
    })
}

pub(crate) fn credentials(row: &impl RowExt) -> Result<UserCredentials, sqlx::Error> {
    Ok(UserCredentials { user: user(row)?, password_hash: row.opt_text("password_hash")? })
}

/// Session columns, aliased `s_*` so they can sit beside the user's.
pub(crate) const SESSION_COLUMNS: &str = "s.id AS s_id, s.user_id AS s_user_id, s.device_id AS s_device_id, \
     s.created_at AS s_created_at, s.last_active_at AS s_last_active_at, s.expires_at AS s_expires_at, \
     s.revoked_at AS s_revoked_at";

pub(crate) fn session(row: &impl RowExt) -> Result<SessionRecord, sqlx::Error> {
    Ok(SessionRecord {
        id: SessionId(row.text("s_id")?),
        user_id: UserId(row.int("s_user_id")?),
        device_id: row.opt_text("s_device_id")?,
        created_at: Timestamp::from_millis(row.int("s_created_at")?),
        last_active_at: Timestamp::from_millis(row.int("s_last_active_at")?),
        expires_at: Timestamp::from_millis(row.int("s_expires_at")?),
        revoked_at: row.opt_int("s_revoked_at")?.map(Timestamp::from_millis),
    })
}

pub(crate) const ROLE_COLUMNS: &str = "id, document_id, name, description, type, created_at, updated_at, published_at";

pub(crate) fn role(row: &impl RowExt) -> Result<Role, sqlx::Error> {
    Ok(Role {
        id: RoleId(row.int("id")?),
        document_id: row.text("document_id")?,
        name: row.text("name")?,
        description: row.text("description")?,
        role_type: row.text("type")?,
        created_at: Timestamp::from_millis(row.int("created_at")?),
        updated_at: Timestamp::from_millis(row.int("updated_at")?),
        published_at: Timestamp::from_millis(row.int("published_at")?),
    })
}

pub(crate) fn event(row: &impl RowExt) -> Result<StoredEvent, sqlx::Error> {
    Ok(StoredEvent {
        seq: row.int("seq")?,
        id: row.text("id")?,
        event_type: row.text("type")?,
        occurred_at: Timestamp::from_millis(row.int("occurred_at")?),
        actor: row.json("actor")?,
        data: row.json("data")?,
    })
}

/// The role selected beside a user with `r_*` aliases (`users_query::select_users`).
pub(crate) fn role_prefixed(row: &impl RowExt) -> Result<Role, sqlx::Error> {
    Ok(Role {
        id: RoleId(row.int("r_id")?),
        document_id: row.text("r_document_id")?,
        name: row.text("r_name")?,
        description: row.text("r_description")?,
        role_type: row.text("r_type")?,
        created_at: Timestamp::from_millis(row.int("r_created_at")?),
        updated_at: Timestamp::from_millis(row.int("r_updated_at")?),
        published_at: Timestamp::from_millis(row.int("r_published_at")?),
    })
}

pub(crate) const API_TOKEN_COLUMNS: &str =
    "id, name, description, type, lifespan_ms, expires_at, last_used_at, created_at, updated_at";

/// An API token row, without its actions (loaded separately).
pub(crate) fn api_token(row: &impl RowExt) -> Result<ApiToken, sqlx::Error> {
    let kind = row.text("type")?;
    Ok(ApiToken {
        id: ApiTokenId(row.int("id")?),
        name: row.text("name")?,
        description: row.text("description")?,
        kind: ApiTokenKind::from_name(&kind)
            .ok_or_else(|| sqlx::Error::Decode(format!("unknown API token type {kind:?}").into()))?,
        lifespan_ms: row.opt_int("lifespan_ms")?,
        expires_at: row.opt_int("expires_at")?.map(Timestamp::from_millis),
        last_used_at: row.opt_int("last_used_at")?.map(Timestamp::from_millis),
        created_at: Timestamp::from_millis(row.int("created_at")?),
        updated_at: Timestamp::from_millis(row.int("updated_at")?),
        actions: Vec::new(),
    })
}

/// A refresh token joined with its session.
pub(crate) fn refresh_token(row: &impl RowExt) -> Result<RefreshTokenRecord, sqlx::Error> {
    let session_expires_at = row.int("session_expires_at")?;
    let revoked = row.opt_int("revoked_at")?.is_some();
    Ok(RefreshTokenRecord {
        token_hash: row.text("token_hash")?,
        session_id: SessionId(row.text("session_id")?),
        user_id: UserId(row.int("user_id")?),
        expires_at: Timestamp::from_millis(row.int("expires_at")?.min(session_expires_at)),
        rotated_at: row.opt_int("rotated_at")?.map(Timestamp::from_millis),
        replaced_by: row.opt_text("replaced_by")?,
        session_live: !revoked,
    })
}

/// A mail of the outbox.
pub(crate) fn mail(row: &impl RowExt) -> Result<QueuedMail, sqlx::Error> {
    Ok(QueuedMail {
        id: row.int("id")?,
        kind: row.text("kind")?,
        recipient: row.text("recipient")?,
        variables: row.opt_json("variables")?,
        created_at: Timestamp::from_millis(row.int("created_at")?),
        attempts: row.int("attempts")?,
        sent_at: row.opt_int("sent_at")?.map(Timestamp::from_millis),
        last_error: row.opt_text("last_error")?,
    })
}

pub(crate) const ADMIN_COLUMNS: &str =
    "a.id, a.document_id, a.firstname, a.lastname, a.username, a.email, a.is_active, \
     a.blocked, a.prefered_language, a.created_at, a.updated_at, a.published_at, a.deleted_at";

/// An admin row, without its roles (loaded separately).
pub(crate) fn admin(row: &impl RowExt) -> Result<Admin, sqlx::Error> {
    Ok(Admin {
        id: AdminId(row.int("id")?),
        document_id: row.text("document_id")?,
        firstname: row.text("firstname")?,
        lastname: row.opt_text("lastname")?,
        username: row.opt_text("username")?,
        email: row.text("email")?,
        is_active: row.flag("is_active")?,
        blocked: row.flag("blocked")?,
        prefered_language: row.opt_text("prefered_language")?,
        created_at: Timestamp::from_millis(row.int("created_at")?),
        updated_at: Timestamp::from_millis(row.int("updated_at")?),
        published_at: Timestamp::from_millis(row.int("published_at")?),
        deleted_at: row.opt_int("deleted_at")?.map(Timestamp::from_millis),
        roles: Vec::new(),
    })
}

pub(crate) const ADMIN_ROLE_COLUMNS: &str =
    "r.id, r.document_id, r.name, r.code, r.description, r.created_at, r.updated_at";

pub(crate) fn admin_role(row: &impl RowExt) -> Result<AdminRole, sqlx::Error> {
    Ok(AdminRole {
        id: AdminRoleId(row.int("id")?),
        document_id: row.text("document_id")?,
        name: row.text("name")?,
        code: row.text("code")?,
        description: row.text("description")?,
        created_at: Timestamp::from_millis(row.int("created_at")?),
        updated_at: Timestamp::from_millis(row.int("updated_at")?),
    })
}

pub(crate) const INVITE_COLUMNS: &str =
    "i.id AS i_id, i.admin_id AS i_admin_id, i.created_at AS i_created_at, i.expires_at AS i_expires_at, \
     i.accepted_at AS i_accepted_at, i.revoked_at AS i_revoked_at";

pub(crate) fn invite(row: &impl RowExt) -> Result<Invite, sqlx::Error> {
    Ok(Invite {
        id: InviteId(row.int("i_id")?),
        admin_id: AdminId(row.int("i_admin_id")?),
        created_at: Timestamp::from_millis(row.int("i_created_at")?),
        expires_at: Timestamp::from_millis(row.int("i_expires_at")?),
        accepted_at: row.opt_int("i_accepted_at")?.map(Timestamp::from_millis),
        revoked_at: row.opt_int("i_revoked_at")?.map(Timestamp::from_millis),
    })
}

pub(crate) const ADMIN_SESSION_COLUMNS: &str =
    "s.id AS s_id, s.admin_id AS s_admin_id, s.expires_at AS s_expires_at, s.revoked_at AS s_revoked_at";

pub(crate) fn admin_session(row: &impl RowExt) -> Result<AdminSessionRecord, sqlx::Error> {
    Ok(AdminSessionRecord {
        id: SessionId(row.text("s_id")?),
        admin_id: AdminId(row.int("s_admin_id")?),
        expires_at: Timestamp::from_millis(row.int("s_expires_at")?),
        revoked_at: row.opt_int("s_revoked_at")?.map(Timestamp::from_millis),
    })
}
