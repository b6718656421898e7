//! The end-user realm seen from the admin realm: end-user roles (`/users-permissions/roles`, as
//! Strapi's admin) and end users' sessions. Same domain calls as the content API, admin auth.

use crate::http::admin::views::{Data, EndUserSessionView, RevokedView};
use crate::http::admin::{path_id, DataResponse};
use crate::http::content::roles::{self, CreateRoleRequest, RoleDetailResponse, RolesResponse, UpdateRoleRequest};
use crate::http::content::{ErrorResponse, OkResponse};
use crate::http::error::ApiError;
use crate::http::rejection::JsonObject;
use crate::http::AppState;
use axum::extract::{Path, State};
use axum::{Extension, Json};
use gatehouse_domain::ids::UserId;
use gatehouse_domain::Caller;
use serde_json::json;

/// End-user roles with their number of users.
#[utoipa::path(get, path = "/users-permissions/roles", tag = "admin", operation_id = "admin_list_end_user_roles",
    responses(
        (status = 200, description = "{roles: [...]}", body = RolesResponse),
    ))]
pub async fn admin_list_end_user_roles(
    state: State<AppState>,
    caller: Extension<Caller>,
) -> Result<Json<RolesResponse>, ApiError> {
    roles::list_roles(state, caller).await
}

/// One end-user role with its permission tree.
#[utoipa::path(get, path = "/users-permissions/roles/{id}", tag = "admin", operation_id = "admin_find_end_user_role",
    params(("id" = i64, Path, description = "Role id")),
    responses(
        (status = 200, description = "{role: {...}}", body = RoleDetailResponse),
        (status = 404, description = "No such role", body = ErrorResponse),
    ))]
pub async fn admin_find_end_user_role(
    state: State<AppState>,
    caller: Extension<Caller>,
    id: Path<String>,
) -> Result<Json<RoleDetailResponse>, ApiError> {
    roles::find_role(state, caller, id).await
}

/// Create an end-user role.
#[utoipa::path(post, path = "/users-permissions/roles", tag = "admin", operation_id = "admin_create_end_user_role",
    request_body = CreateRoleRequest,
    responses(
        (status = 200, description = "{ok: true}", body = OkResponse),
        (status = 400, description = "Invalid fields or the role exists", body = ErrorResponse),
    ))]
pub async fn admin_create_end_user_role(
    state: State<AppState>,
    caller: Extension<Caller>,
    body: JsonObject,
) -> Result<Json<OkResponse>, ApiError> {
    roles::create_role(state, caller, body).await
}

/// Rename an end-user role or replace its grants.
#[utoipa::path(put, path = "/users-permissions/roles/{id}", tag = "admin", operation_id = "admin_update_end_user_role",
    params(("id" = i64, Path, description = "Role id")),
    request_body = UpdateRoleRequest,
    responses(
        (status = 200, description = "{ok: true}", body = OkResponse),
        (status = 400, description = "Invalid fields", body = ErrorResponse),
        (status = 404, description = "No such role", body = ErrorResponse),
    ))]
pub async fn admin_update_end_user_role(
    state: State<AppState>,
    caller: Extension<Caller>,
    id: Path<String>,
    body: JsonObject,
) -> Result<Json<OkResponse>, ApiError> {
    roles::update_role(state, caller, id, body).await
}

/// Delete a custom end-user role; its users move to `authenticated`.
#[utoipa::path(delete, path = "/users-permissions/roles/{id}", tag = "admin", operation_id = "admin_delete_end_user_role",
    params(("id" = i64, Path, description = "Role id")),
    responses(
        (status = 200, description = "{ok: true}", body = OkResponse),
        (status = 400, description = "A built-in role", body = ErrorResponse),
        (status = 404, description = "No such role", body = ErrorResponse),
    ))]
pub async fn admin_delete_end_user_role(
    state: State<AppState>,
    caller: Extension<Caller>,
    id: Path<String>,
) -> Result<Json<OkResponse>, ApiError> {
    roles::delete_role(state, caller, id).await
}

/// An end user's live sessions.
#[utoipa::path(get, path = "/admin/end-users/{id}/sessions", tag = "admin", operation_id = "list_end_user_sessions",
    params(("id" = i64, Path, description = "End-user id")),
    responses(
        (status = 200, description = "{data: [sessions]}", body = Data<Vec<EndUserSessionView>>),
        (status = 404, description = "No such user", body = ErrorResponse),
    ))]
pub async fn list_end_user_sessions(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<DataResponse>, ApiError> {
    let sessions = state.domain.end_user_sessions(&caller, UserId(path_id(&id)?)).await?;
    let data: Vec<EndUserSessionView> = sessions.iter().map(EndUserSessionView::from).collect();
    Ok(Json(DataResponse { data: serde_json::to_value(data).unwrap_or_default() }))
}

/// End every session of an end user, at once.
#[utoipa::path(post, path = "/admin/end-users/{id}/revoke-sessions", tag = "admin", operation_id = "revoke_end_user_sessions",
    params(("id" = i64, Path, description = "End-user id")),
    responses(
        (status = 200, description = "{data: {revoked: n}}", body = Data<RevokedView>),
        (status = 404, description = "No such user", body = ErrorResponse),
    ))]
pub async fn revoke_end_user_sessions(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<DataResponse>, ApiError> {
    let revoked = state.domain.revoke_end_user_sessions(&caller, UserId(path_id(&id)?)).await?;
    Ok(Json(DataResponse { data: json!({"revoked": revoked}) }))
}
