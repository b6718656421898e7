//! The admin API (`/admin/...`, and `/users-permissions/...` for end-user roles): Strapi 5's
//! admin shapes with `{data: …}` envelopes, Medusa-style invites. Errors use the same Strapi
//! envelope as the content API. Only admin JWTs are accepted here.

pub mod access_requests;
pub mod api_tokens;
pub mod audit_logs;
pub mod auth;
pub mod end_users;
pub mod invites;
pub mod list_query;
pub mod roles;
pub mod routes;
pub mod users;
pub mod views;
pub mod webhooks;

use crate::http::cookies;
use crate::http::error::ApiError;
use axum::http::HeaderMap;
use axum::response::Response;
use gatehouse_domain::model::{Admin, AdminRole};
use serde::Serialize;
use serde_json::Value;
use std::net::SocketAddr;
use utoipa::openapi::schema::{AnyOfBuilder, ArrayBuilder, ObjectBuilder, Schema, SchemaType, Type};
use utoipa::openapi::RefOr;
use utoipa::ToSchema;

/// `{data: …}`
#[derive(Debug, Serialize, ToSchema)]
pub struct DataResponse {
    /// The payload.
    #[schema(value_type = Object)]
    pub data: Value,
}

/// The admin refresh cookie (as Strapi 5).
pub const ADMIN_REFRESH_COOKIE: &str = "strapi_admin_refresh";

/// A role as listed on an admin.
pub fn role_summary(role: &AdminRole) -> Value {
    serde_json::to_value(views::AdminRoleSummary::from(role)).unwrap_or_default()
}

/// An admin as the admin API shows it (never a secret).
pub fn admin_json(admin: &Admin) -> Value {
    serde_json::to_value(views::AdminView::from(admin)).unwrap_or_default()
}

/// Sets the admin refresh cookie (path `/admin`), expiring with the session.
pub fn set_refresh_cookie(
    response: &mut Response,
    headers: &HeaderMap,
    peer: SocketAddr,
    value: &str,
    max_age_secs: i64,
) {
    let max_age = u64::try_from(max_age_secs).unwrap_or_default();
    cookies::set(response, ADMIN_REFRESH_COOKIE, value, "/admin", max_age, cookies::needs_secure(headers, peer));
}

/// The admin refresh cookie of a request.
pub fn refresh_cookie(headers: &HeaderMap) -> Option<String> {
    cookies::read(headers, ADMIN_REFRESH_COOKIE)
}

/// A positive integer path id.
pub fn path_id(raw: &str) -> Result<i64, ApiError> {
    match raw.parse::<i64>() {
        Ok(id) if id > 0 => Ok(id),
        _ => Err(ApiError::validation(format!("Invalid id {raw:?}: an id is a positive integer"))),
    }
}

/// The schema of an id list as [`id_list`] reads it: ids as numbers, numeric text or `{id}`.
pub fn id_list_schema() -> impl Into<RefOr<Schema>> {
    let integer = || {
        ObjectBuilder::new().schema_type(Type::Integer).format(Some(
            utoipa::openapi::schema::SchemaFormat::KnownFormat(utoipa::openapi::schema::KnownFormat::Int64),
        ))
    };
    let item = AnyOfBuilder::new()
        .item(integer())
        .item(ObjectBuilder::new().schema_type(Type::String).pattern(Some(r"^[+-]?[0-9]{1,18}$")))
        .item(ObjectBuilder::new().property("id", integer()).required("id"));
    ArrayBuilder::new().schema_type(SchemaType::from_iter([Type::Array, Type::Null])).items(item).build()
}

/// An optional list of integer ids (`roles: [1, 2]`).
pub fn id_list(body: &serde_json::Map<String, Value>, key: &str) -> Result<Option<Vec<i64>>, ApiError> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| match item {
                Value::Number(number) => number.as_i64().ok_or(()),
                Value::String(text) => text.parse().map_err(|_| ()),
                Value::Object(object) => object.get("id").and_then(Value::as_i64).ok_or(()),
                _ => Err(()),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
            .map_err(|()| ApiError::validation(format!("{key} must be a list of ids"))),
        Some(_) => Err(ApiError::validation(format!("{key} must be a list of ids"))),
    }
}
