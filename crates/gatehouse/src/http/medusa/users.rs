//! `/medusa/admin/users*`: Medusa's admin users are Gatehouse's admins, the same records as
//! `/admin/users` (`user_42` is `/admin/users/42`), through the same use cases.

use crate::http::medusa::{
    body, limit_schema, offset_schema, parse_id, public_id, query_pairs, MedusaDeleteResponse, MedusaError,
    MedusaErrorResponse, Paging,
};
use crate::http::rejection::JsonObject;
use crate::http::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::{Extension, Json};
use gatehouse_domain::admins::AdminPatch;
use gatehouse_domain::ids::AdminId;
use gatehouse_domain::model::{Admin, AdminListQuery, AdminSort, AdminSortField};
use gatehouse_domain::query::Window;
use gatehouse_domain::Caller;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};

/// The id prefix of admins.
pub const USER_PREFIX: &str = "user_";

/// An admin in Medusa's `AdminUser` shape.
#[derive(Debug, Serialize, ToSchema)]
pub struct MedusaUser {
    /// `user_` and the admin's integer id (`user_42` is `/admin/users/42`).
    #[schema(pattern = "^user_[1-9][0-9]{0,18}$", example = "user_42")]
    pub id: String,
    /// Lower-cased email.
    #[schema(format = Email)]
    pub email: String,
    /// First name (null when empty).
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Always null: Gatehouse keeps no avatar.
    #[schema(value_type = Option<String>)]
    pub avatar_url: Option<String>,
    /// Always null: Gatehouse keeps no metadata on admins.
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
    /// RFC 3339 UTC with milliseconds.
    #[schema(format = DateTime)]
    pub created_at: String,
    /// RFC 3339 UTC with milliseconds.
    #[schema(format = DateTime)]
    pub updated_at: String,
    /// Set once deleted.
    #[schema(format = DateTime)]
    pub deleted_at: Option<String>,
}

impl MedusaUser {
    /// The admin in Medusa's words.
    pub fn of(admin: &Admin) -> Self {
        Self {
            id: public_id(USER_PREFIX, admin.id.0),
            email: admin.email.clone(),
            first_name: Some(admin.firstname.clone()).filter(|name| !name.is_empty()),
            last_name: admin.lastname.clone().filter(|name| !name.is_empty()),
            avatar_url: None,
            metadata: None,
            created_at: admin.created_at.to_rfc3339(),
            updated_at: admin.updated_at.to_rfc3339(),
            deleted_at: admin.deleted_at.map(|at| at.to_rfc3339()),
        }
    }
}

/// `{"user": {…}}`
#[derive(Debug, Serialize, ToSchema)]
pub struct MedusaUserResponse {
    /// The admin.
    pub user: MedusaUser,
}

/// `{"users": […], "count", "offset", "limit"}`
#[derive(Debug, Serialize, ToSchema)]
pub struct MedusaUserListResponse {
    /// The page.
    pub users: Vec<MedusaUser>,
    /// Admins matching, over every page.
    pub count: u64,
    /// Rows skipped.
    pub offset: u64,
    /// The page size used.
    pub limit: u64,
}

/// Query parameters of the admin list.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MedusaUserListQuery {
    /// Rows to skip.
    #[param(schema_with = offset_schema)]
    pub offset: Option<u64>,
    /// Page size (default 20; above 100 is read as 100).
    #[param(schema_with = limit_schema)]
    pub limit: Option<u64>,
    /// Search in first name, last name and email.
    pub q: Option<String>,
    /// `created_at`, `updated_at`, `email`, `first_name`, `last_name` or `id`, `-` first for
    /// descending.
    #[param(pattern = "^-?(id|email|first_name|last_name|created_at|updated_at)$")]
    pub order: Option<String>,
    /// Accepted and ignored: every field is returned.
    pub fields: Option<String>,
}

/// The order `order` names.
fn sort(order: &str) -> Option<AdminSort> {
    let (descending, name) = match order.strip_prefix('-') {
        Some(name) => (true, name),
        None => (false, order),
    };
    let field = match name {
        "id" => AdminSortField::Id,
        "email" => AdminSortField::Email,
        "first_name" => AdminSortField::Firstname,
        "last_name" => AdminSortField::Lastname,
        "created_at" => AdminSortField::CreatedAt,
        "updated_at" => AdminSortField::UpdatedAt,
        _ => return None,
    };
    Some(AdminSort { field, descending })
}

/// The admin `user_<n>` names.
fn admin_id(raw: &str) -> Result<AdminId, MedusaError> {
    parse_id(USER_PREFIX, raw)
        .map(AdminId)
        .ok_or_else(|| MedusaError::not_found(format!("User with id: {raw} was not found")))
}

/// List admin users.
///
/// Action `admin::users.read`.
#[utoipa::path(
    get, path = "/medusa/admin/users", tag = "medusa", operation_id = "medusa_list_users",
    params(MedusaUserListQuery),
    responses(
        (status = 200, description = "A page of admins", body = MedusaUserListResponse),
        (status = 400, description = "A malformed `offset`, `limit` or `order`", body = MedusaErrorResponse),
    )
)]
pub async fn medusa_list_users(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> Result<Json<MedusaUserListResponse>, MedusaError> {
    let pairs = query_pairs(raw.as_deref());
    let paging = Paging::read(&pairs)?;
    let mut query = AdminListQuery {
        window: Window::starting_at(paging.offset, paging.limit)
            .ok_or_else(|| MedusaError::invalid("offset is too large"))?,
        ..AdminListQuery::default()
    };
    for (key, value) in &pairs {
        match key.as_str() {
            "q" if !value.trim().is_empty() => query.search = Some(value.trim().to_owned()),
            "order" => {
                query.sort = sort(value).ok_or_else(|| MedusaError::invalid(format!("Cannot order by {value}")))?;
            }
            _ => {}
        }
    }
    let (admins, count) = state.domain.list_admins(&caller, &query).await?;
    Ok(Json(MedusaUserListResponse {
        users: admins.iter().map(MedusaUser::of).collect(),
        count,
        offset: paging.offset,
        limit: paging.limit,
    }))
}

/// One admin user.
///
/// Action `admin::users.read`.
#[utoipa::path(
    get, path = "/medusa/admin/users/{id}", tag = "medusa", operation_id = "medusa_find_user",
    params(("id" = String, Path, description = "`user_` and the admin's integer id")),
    responses(
        (status = 200, description = "The admin", body = MedusaUserResponse),
        (status = 404, description = "No such admin, or an id that names none", body = MedusaErrorResponse),
    )
)]
pub async fn medusa_find_user(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(raw_id): Path<String>,
) -> Result<Json<MedusaUserResponse>, MedusaError> {
    let id = admin_id(&raw_id)?;
    let admin = state.domain.find_admin(&caller, id, false).await?;
    Ok(Json(MedusaUserResponse { user: MedusaUser::of(&admin) }))
}

/// The calling admin.
///
/// Any admin.
#[utoipa::path(
    get, path = "/medusa/admin/users/me", tag = "medusa", operation_id = "medusa_user_me",
    responses((status = 200, description = "The calling admin", body = MedusaUserResponse))
)]
pub async fn medusa_user_me(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Result<Json<MedusaUserResponse>, MedusaError> {
    let admin = state.domain.admin_me(&caller).await?;
    Ok(Json(MedusaUserResponse { user: MedusaUser::of(&admin) }))
}

/// `Some(value)` for a key that is present, even as null (`Some(None)`).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(deserializer: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}

/// Body of `POST /medusa/admin/users/{id}` (Medusa's `AdminUpdateUser`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MedusaUpdateUserRequest {
    /// First name; null or empty clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 255)]
    pub first_name: Option<Option<String>>,
    /// Last name; null or empty clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 255)]
    pub last_name: Option<Option<String>>,
    /// Only null is accepted: Gatehouse keeps no avatar.
    #[serde(default, deserialize_with = "present")]
    #[schema(schema_with = null_only)]
    pub avatar_url: Option<Option<Value>>,
    /// Only null is accepted: Gatehouse keeps no metadata on admins.
    #[serde(default, deserialize_with = "present")]
    #[schema(schema_with = null_only)]
    pub metadata: Option<Option<Map<String, Value>>>,
}

/// A field that only null may fill.
fn null_only() -> utoipa::openapi::schema::Schema {
    crate::http::openapi::raw_schema(serde_json::json!({"type": "null"}))
}

/// Update an admin user (Medusa updates with POST).
///
/// Action `admin::users.update`.
#[utoipa::path(
    post, path = "/medusa/admin/users/{id}", tag = "medusa", operation_id = "medusa_update_user",
    params(("id" = String, Path, description = "`user_` and the admin's integer id")),
    request_body = MedusaUpdateUserRequest,
    responses(
        (status = 200, description = "Updated", body = MedusaUserResponse),
        (status = 400, description = "Invalid fields", body = MedusaErrorResponse),
        (status = 404, description = "No such admin, or an id that names none", body = MedusaErrorResponse),
    )
)]
pub async fn medusa_update_user(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(raw_id): Path<String>,
    JsonObject(object): JsonObject,
) -> Result<Json<MedusaUserResponse>, MedusaError> {
    let id = admin_id(&raw_id)?;
    let request: MedusaUpdateUserRequest = body(object)?;
    if matches!(request.avatar_url, Some(Some(_))) {
        return Err(MedusaError::invalid("avatar_url: Gatehouse keeps no avatar; only null is accepted"));
    }
    if matches!(request.metadata, Some(Some(_))) {
        return Err(MedusaError::invalid("metadata: Gatehouse keeps no metadata on admins; only null is accepted"));
    }
    for (field, value) in [("first_name", &request.first_name), ("last_name", &request.last_name)] {
        if value.as_ref().and_then(Option::as_ref).is_some_and(|name| name.chars().count() > 255) {
            return Err(MedusaError::invalid(format!("{field} must be at most 255 characters")));
        }
    }
    let patch = AdminPatch {
        firstname: request.first_name.map(Option::unwrap_or_default),
        lastname: request.last_name.map(Option::unwrap_or_default),
        ..AdminPatch::default()
    };
    let admin = state.domain.update_admin(&caller, id, patch).await?;
    Ok(Json(MedusaUserResponse { user: MedusaUser::of(&admin) }))
}

/// Delete an admin user: soft-deleted as on `/admin/users/{id}`; its sessions end at once
/// and it can no longer log in.
///
/// Action `admin::users.delete`.
#[utoipa::path(
    delete, path = "/medusa/admin/users/{id}", tag = "medusa", operation_id = "medusa_delete_user",
    params(("id" = String, Path, description = "`user_` and the admin's integer id")),
    responses(
        (status = 200, description = "Deleted", body = MedusaDeleteResponse),
        (status = 400, description = "The last active super admin cannot be deleted", body = MedusaErrorResponse),
        (status = 404, description = "No such admin, or an id that names none", body = MedusaErrorResponse),
    )
)]
pub async fn medusa_delete_user(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(raw_id): Path<String>,
) -> Result<Json<MedusaDeleteResponse>, MedusaError> {
    let id = admin_id(&raw_id)?;
    let admin = state.domain.soft_delete_admin(&caller, id).await?;
    Ok(Json(MedusaDeleteResponse { id: public_id(USER_PREFIX, admin.id.0), object: "user", deleted: true }))
}
