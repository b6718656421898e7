//! The admin API's answers as types. Each JSON builder of the admin handlers (`admin_json`,
//! `role_json`, …) serialises one of these, and each handler's OpenAPI answer names the
//! `{data: …}` wrapper of the same type, so the document shows exactly what is sent (Strapi's
//! admin shapes: camelCase, `documentId`, timestamps as RFC 3339 text).

use gatehouse_domain::model::{Admin, AdminRole, ApiToken, Invite, SessionRecord};
use gatehouse_domain::time::Timestamp;
use serde::Serialize;
use utoipa::ToSchema;

/// A role as listed on an admin.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminRoleSummary {
    /// Integer id.
    #[schema(minimum = 1)]
    pub id: i64,
    /// Display name.
    pub name: String,
    /// Free text.
    pub description: String,
    /// Machine name (`strapi-super-admin`, …).
    pub code: String,
}

impl From<&AdminRole> for AdminRoleSummary {
    fn from(role: &AdminRole) -> Self {
        Self { id: role.id.0, name: role.name.clone(), description: role.description.clone(), code: role.code.clone() }
    }
}

/// An admin user.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AdminView {
    /// Integer id.
    #[schema(minimum = 1)]
    pub id: i64,
    /// Stable id.
    pub document_id: String,
    /// First name.
    pub firstname: String,
    /// Last name.
    pub lastname: Option<String>,
    /// Username.
    pub username: Option<String>,
    /// Email, lower-cased.
    #[schema(format = Email)]
    pub email: String,
    /// False until an invited admin registers.
    pub is_active: bool,
    /// Blocked admins cannot log in.
    pub blocked: bool,
    /// Interface language.
    pub prefered_language: Option<String>,
    /// RFC 3339 UTC with milliseconds.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    /// RFC 3339 UTC with milliseconds.
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
    /// RFC 3339 UTC with milliseconds.
    #[schema(value_type = String, format = DateTime)]
    pub published_at: Timestamp,
    /// Always null (Strapi's i18n field).
    #[schema(value_type = Option<String>)]
    pub locale: Option<()>,
    /// When the admin was soft-deleted.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub deleted_at: Option<Timestamp>,
    /// The admin's roles.
    pub roles: Vec<AdminRoleSummary>,
}

impl From<&Admin> for AdminView {
    fn from(admin: &Admin) -> Self {
        Self {
            id: admin.id.0,
            document_id: admin.document_id.clone(),
            firstname: admin.firstname.clone(),
            lastname: admin.lastname.clone(),
            username: admin.username.clone(),
            email: admin.email.clone(),
            is_active: admin.is_active,
            blocked: admin.blocked,
            prefered_language: admin.prefered_language.clone(),
            created_at: admin.created_at,
            updated_at: admin.updated_at,
            published_at: admin.published_at,
            locale: None,
            deleted_at: admin.deleted_at,
            roles: admin.roles.iter().map(AdminRoleSummary::from).collect(),
        }
    }
}

/// An admin user with the registration token of its invite (shown once, at creation).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InvitedAdminView {
    /// The admin.
    #[serde(flatten)]
    pub admin: AdminView,
    /// The token `/admin/register` takes.
    pub registration_token: String,
}

/// An admin role.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AdminRoleView {
    /// Integer id.
    #[schema(minimum = 1)]
    pub id: i64,
    /// Stable id.
    pub document_id: String,
    /// Display name.
    pub name: String,
    /// Machine name.
    pub code: String,
    /// Free text.
    pub description: String,
    /// RFC 3339 UTC with milliseconds.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    /// RFC 3339 UTC with milliseconds.
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
    /// RFC 3339 UTC with milliseconds (the creation time).
    #[schema(value_type = String, format = DateTime)]
    pub published_at: Timestamp,
    /// Always null (Strapi's i18n field).
    #[schema(value_type = Option<String>)]
    pub locale: Option<()>,
    /// Admins holding the role (in lists).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0)]
    pub users_count: Option<u64>,
}

impl AdminRoleView {
    /// The role, with its number of admins when counted.
    pub fn new(role: &AdminRole, users_count: Option<u64>) -> Self {
        Self {
            id: role.id.0,
            document_id: role.document_id.clone(),
            name: role.name.clone(),
            code: role.code.clone(),
            description: role.description.clone(),
            created_at: role.created_at,
            updated_at: role.updated_at,
            published_at: role.created_at,
            locale: None,
            users_count,
        }
    }
}

/// One permission of an admin role, in Strapi's shape.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminPermissionView {
    /// The action (`admin::users.read`, …).
    pub action: String,
    /// Always null: permissions are not scoped to a content type.
    #[schema(value_type = Option<String>)]
    pub subject: Option<()>,
    /// Always `{}`.
    #[schema(value_type = Object)]
    pub properties: serde_json::Map<String, serde_json::Value>,
    /// Always `[]`.
    #[schema(value_type = Vec<String>)]
    pub conditions: Vec<String>,
}

impl AdminPermissionView {
    /// The permission to perform `action`.
    pub fn new(action: &str) -> Self {
        Self { action: action.to_owned(), subject: None, properties: serde_json::Map::new(), conditions: Vec::new() }
    }
}

/// An API token (its secret only at creation and regeneration).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiTokenView {
    /// Integer id.
    #[schema(minimum = 1)]
    pub id: i64,
    /// Always `content-api`.
    pub kind: &'static str,
    /// Unique name.
    pub name: String,
    /// Free text.
    pub description: String,
    /// Last use, if any.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_used_at: Option<Timestamp>,
    /// `read-only`, `full-access` or `custom`.
    #[serde(rename = "type")]
    #[schema(value_type = String, pattern = "^(read-only|full-access|custom|scim)$")]
    pub token_type: &'static str,
    /// Lifetime in milliseconds, as text (Strapi's), or null for unlimited.
    #[schema(pattern = "^[0-9]+$")]
    pub lifespan: Option<String>,
    /// Expiry, if the token has a lifespan.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<Timestamp>,
    /// RFC 3339 UTC with milliseconds.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    /// RFC 3339 UTC with milliseconds.
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
    /// The content actions of a `custom` token.
    pub permissions: Vec<String>,
    /// The secret: present only in the answer that made it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_key: Option<String>,
}

impl ApiTokenView {
    /// The token, with its secret when it was just made.
    pub fn new(token: &ApiToken, secret: Option<&str>) -> Self {
        Self {
            id: token.id.0,
            kind: "content-api",
            name: token.name.clone(),
            description: token.description.clone(),
            last_used_at: token.last_used_at,
            token_type: token.kind.as_str(),
            lifespan: token.lifespan_ms.map(|ms| ms.to_string()),
            expires_at: token.expires_at,
            created_at: token.created_at,
            updated_at: token.updated_at,
            permissions: token.actions.clone(),
            access_key: secret.map(str::to_owned),
        }
    }
}

/// An invite, with the invited admin.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InviteView {
    /// Integer id.
    #[schema(minimum = 1)]
    pub id: i64,
    /// The invited email.
    #[schema(format = Email)]
    pub email: String,
    /// First name.
    pub firstname: String,
    /// Last name.
    pub lastname: Option<String>,
    /// Where the invite stands.
    #[schema(value_type = String, pattern = "^(pending|accepted|revoked|expired)$")]
    pub status: &'static str,
    /// Whether it was accepted.
    pub accepted: bool,
    /// RFC 3339 UTC with milliseconds.
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: Timestamp,
    /// RFC 3339 UTC with milliseconds.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    /// The invited admin.
    pub user: AdminView,
    /// The secret token: present only in the answer that made it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

impl InviteView {
    /// The invite as of `now`, with its token when it was just made.
    pub fn new(invite: &Invite, admin: &Admin, now: Timestamp, token: Option<&str>) -> Self {
        Self {
            id: invite.id.0,
            email: admin.email.clone(),
            firstname: admin.firstname.clone(),
            lastname: admin.lastname.clone(),
            status: invite.status(now),
            accepted: invite.accepted_at.is_some(),
            expires_at: invite.expires_at,
            created_at: invite.created_at,
            user: AdminView::from(admin),
            token: token.map(str::to_owned),
        }
    }
}

/// One live session of an end user.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EndUserSessionView {
    /// The session's id.
    pub id: String,
    /// The device the client named at login.
    pub device_id: Option<String>,
    /// RFC 3339 UTC with milliseconds.
    #[schema(value_type = String, format = DateTime)]
    pub login_at: Timestamp,
    /// RFC 3339 UTC with milliseconds.
    #[schema(value_type = String, format = DateTime)]
    pub last_active_at: Timestamp,
    /// RFC 3339 UTC with milliseconds.
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: Timestamp,
}

impl From<&SessionRecord> for EndUserSessionView {
    fn from(session: &SessionRecord) -> Self {
        Self {
            id: session.id.0.clone(),
            device_id: session.device_id.clone(),
            login_at: session.created_at,
            last_active_at: session.last_active_at,
            expires_at: session.expires_at,
        }
    }
}

/// Strapi's page of an admin list.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaginationView {
    /// Page from 1.
    #[schema(minimum = 1)]
    pub page: u64,
    /// Rows a page.
    #[schema(minimum = 1)]
    pub page_size: u64,
    /// Pages in all.
    pub page_count: u64,
    /// Rows in all.
    pub total: u64,
}

/// A page of an admin list: `{results, pagination}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct PageView<T: ToSchema> {
    /// The rows of the page.
    pub results: Vec<T>,
    /// Where the page stands.
    pub pagination: PaginationView,
}

/// `{data: …}`, the admin API's envelope.
#[derive(Debug, Serialize, ToSchema)]
pub struct Data<T: ToSchema> {
    /// The answer.
    pub data: T,
}

/// A login's answer (the refresh token goes in its cookie).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AdminLoginView {
    /// The admin's access JWT.
    pub token: String,
    /// The same JWT (Strapi 5's name).
    pub access_token: String,
    /// The admin.
    pub user: AdminView,
}

/// `GET /admin/init`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AdminInitView {
    /// The instance's id.
    pub uuid: String,
    /// Whether a super admin exists.
    pub has_admin: bool,
    /// Always null.
    #[schema(value_type = Option<String>)]
    pub menu_logo: Option<()>,
    /// Always null.
    #[schema(value_type = Option<String>)]
    pub auth_logo: Option<()>,
}

/// `GET /admin/registration-info`: who an invite is for.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegistrationInfoView {
    /// The invited email.
    #[schema(format = Email)]
    pub email: String,
    /// First name.
    pub firstname: String,
    /// Last name.
    pub lastname: Option<String>,
}

/// `POST /admin/access-token`: a new access JWT.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccessTokenView {
    /// The admin's access JWT.
    pub token: String,
}

/// How many sessions were ended.
#[derive(Debug, Serialize, ToSchema)]
pub struct RevokedView {
    /// Sessions ended.
    #[schema(minimum = 0)]
    pub revoked: u64,
}

/// An empty object.
#[derive(Debug, Serialize, ToSchema)]
#[schema(max_properties = 0)]
pub struct EmptyView {}
