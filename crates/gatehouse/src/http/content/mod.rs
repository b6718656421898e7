//! The content API (`/api/...`): Strapi 5 Users & Permissions shapes over the domain.
//! Handlers read input, call one domain function with the caller, and write the answer; the
//! wire types here are this surface's alone.

pub mod auth;
pub mod query;
pub mod roles;
pub mod users;

use gatehouse_domain::model::{Role, User};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A user as the content API shows it. Never holds a secret.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UserResponse {
    /// Integer id.
    #[schema(minimum = 1)]
    pub id: i64,
    /// Stable 24-character id.
    #[schema(min_length = 1)]
    pub document_id: String,
    /// Username as written.
    pub username: String,
    /// Lower-cased email.
    #[schema(format = Email)]
    pub email: String,
    /// `local` or the OAuth provider.
    pub provider: String,
    /// Email confirmed.
    pub confirmed: bool,
    /// Blocked by an administrator.
    pub blocked: bool,
    /// RFC 3339 UTC with milliseconds.
    #[schema(format = DateTime)]
    pub created_at: String,
    /// RFC 3339 UTC with milliseconds.
    #[schema(format = DateTime)]
    pub updated_at: String,
    /// RFC 3339 UTC with milliseconds.
    #[schema(format = DateTime)]
    pub published_at: String,
    /// Present only with `populate=role` (or `*`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<RoleResponse>,
}

impl UserResponse {
    /// The public view of `user`, without its role.
    pub fn from_user(user: &User) -> Self {
        Self {
            id: user.id.0,
            document_id: user.document_id.clone(),
            username: user.username.clone(),
            email: user.email.clone(),
            provider: user.provider.clone(),
            confirmed: user.confirmed,
            blocked: user.blocked,
            created_at: user.created_at.to_rfc3339(),
            updated_at: user.updated_at.to_rfc3339(),
            published_at: user.published_at.to_rfc3339(),
            role: None,
        }
    }
}

/// A user as a read with `fields` shows it: `id` and `documentId` always, the other fields
/// of [`UserResponse`] when asked for (all of them without `fields`). Only for the document:
/// the answer is a [`UserResponse`] trimmed.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code)]
pub struct UserSelection {
    /// Integer id.
    #[schema(minimum = 1)]
    id: i64,
    /// Stable 24-character id.
    #[schema(min_length = 1)]
    document_id: String,
    /// Username as written.
    username: Option<String>,
    /// Lower-cased email.
    #[schema(format = Email)]
    email: Option<String>,
    /// `local` or the OAuth provider.
    provider: Option<String>,
    /// Email confirmed.
    confirmed: Option<bool>,
    /// Blocked by an administrator.
    blocked: Option<bool>,
    /// RFC 3339 UTC with milliseconds.
    #[schema(format = DateTime)]
    created_at: Option<String>,
    /// RFC 3339 UTC with milliseconds.
    #[schema(format = DateTime)]
    updated_at: Option<String>,
    /// RFC 3339 UTC with milliseconds.
    #[schema(format = DateTime)]
    published_at: Option<String>,
    /// Present only with `populate=role` (or `*`).
    role: Option<RoleResponse>,
}

/// A role as the content API shows it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RoleResponse {
    /// Integer id.
    #[schema(minimum = 1)]
    pub id: i64,
    /// Stable id.
    pub document_id: String,
    /// Display name.
    pub name: String,
    /// Free text.
    pub description: String,
    /// Machine name.
    #[serde(rename = "type")]
    pub role_type: String,
    /// RFC 3339 UTC with milliseconds.
    #[schema(format = DateTime)]
    pub created_at: String,
    /// RFC 3339 UTC with milliseconds.
    #[schema(format = DateTime)]
    pub updated_at: String,
    /// RFC 3339 UTC with milliseconds.
    #[schema(format = DateTime)]
    pub published_at: String,
}

impl From<&Role> for RoleResponse {
    fn from(role: &Role) -> Self {
        Self {
            id: role.id.0,
            document_id: role.document_id.clone(),
            name: role.name.clone(),
            description: role.description.clone(),
            role_type: role.role_type.clone(),
            created_at: role.created_at.to_rfc3339(),
            updated_at: role.updated_at.to_rfc3339(),
            published_at: role.published_at.to_rfc3339(),
        }
    }
}

/// The Strapi error envelope, for the OpenAPI document.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ErrorResponse {
    /// Always null on errors.
    #[schema(schema_with = null_schema)]
    pub data: Option<serde_json::Value>,
    /// What went wrong.
    pub error: ErrorDetail,
}

fn null_schema() -> utoipa::openapi::schema::Object {
    utoipa::openapi::schema::ObjectBuilder::new().schema_type(utoipa::openapi::schema::Type::Null).build()
}

/// The `error` member of the envelope.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ErrorDetail {
    /// HTTP status.
    #[schema(minimum = 400, maximum = 599)]
    pub status: u16,
    /// `ValidationError`, `ApplicationError`, `UnauthorizedError`, `ForbiddenError`, …
    pub name: String,
    /// Human-readable message.
    pub message: String,
    /// `{errors: [{path, message, name}]}` for validation errors, else `{}`.
    #[schema(value_type = Option<Object>)]
    pub details: Option<serde_json::Value>,
}

/// `{ "ok": true }`
#[derive(Debug, Serialize, ToSchema)]
pub struct OkResponse {
    /// Always true.
    pub ok: bool,
}
