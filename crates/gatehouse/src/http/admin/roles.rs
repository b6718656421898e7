//! `/admin/roles*`: admin roles and their actions.

use crate::http::admin::views::{AdminPermissionView, AdminRoleView, Data};
use crate::http::admin::{path_id, DataResponse};
use crate::http::content::ErrorResponse;
use crate::http::error::ApiError;
use crate::http::rejection::{Fields, JsonObject};
use crate::http::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use gatehouse_domain::action::{Action, ActionRegistry};
use gatehouse_domain::ids::AdminRoleId;
use gatehouse_domain::model::AdminRole;
use gatehouse_domain::Caller;
use serde_json::{Map, Value};
use utoipa::openapi::schema::{AnyOfBuilder, ArrayBuilder, ObjectBuilder, Schema, Type};
use utoipa::openapi::RefOr;
use utoipa::ToSchema;

fn role_json(role: &AdminRole, users: Option<u64>) -> Value {
    serde_json::to_value(AdminRoleView::new(role, users)).unwrap_or_default()
}

fn permissions_json(actions: &[Action]) -> Value {
    let permissions: Vec<AdminPermissionView> =
        actions.iter().map(|action| AdminPermissionView::new(action.as_str())).collect();
    serde_json::to_value(permissions).unwrap_or_default()
}

/// Body of `POST /admin/roles`, as [`AdminRoleRequest::parse`] reads it.
#[derive(ToSchema)]
pub struct AdminRoleRequest {
    /// Display name; its code is derived from it.
    #[schema(min_length = 1)]
    pub name: String,
    /// Free text.
    pub description: Option<String>,
}

impl AdminRoleRequest {
    /// Reads the body; other keys are ignored.
    pub fn parse(body: &Map<String, Value>) -> Result<Self, ApiError> {
        let mut fields = Fields::new(body);
        let name = fields.required_string("name");
        let description = fields.optional_string("description");
        fields.finish()?;
        Ok(Self { name: name.unwrap_or_default(), description })
    }
}

/// Body of `PUT /admin/roles/{id}/permissions`, as [`AdminRolePermissionsRequest::parse`] reads
/// it: the complete set of the role's actions.
#[derive(ToSchema)]
pub struct AdminRolePermissionsRequest {
    /// Each an admin action's name, or `{action}`.
    #[schema(schema_with = admin_permissions_schema)]
    pub permissions: Vec<String>,
}

impl AdminRolePermissionsRequest {
    /// Reads the body; other keys are ignored. An item naming no action counts as an unknown
    /// action (the domain refuses it by name).
    pub fn parse(body: &Map<String, Value>) -> Result<Self, ApiError> {
        let Some(Value::Array(items)) = body.get("permissions") else {
            return Err(ApiError::validation("permissions must be a list of {action}"));
        };
        let permissions = items
            .iter()
            .map(|item| item.get("action").and_then(Value::as_str).or_else(|| item.as_str()).unwrap_or_default())
            .map(str::to_owned)
            .collect();
        Ok(Self { permissions })
    }
}

fn admin_permissions_schema() -> impl Into<RefOr<Schema>> {
    let names: Vec<&str> = ActionRegistry::builtin().admin_grantable().map(Action::as_str).collect();
    let name = || ObjectBuilder::new().schema_type(Type::String).enum_values(Some(names.clone()));
    let item =
        AnyOfBuilder::new().item(name()).item(ObjectBuilder::new().property("action", name()).required("action"));
    ArrayBuilder::new().items(item).build()
}

/// Every admin role with `usersCount`.
#[utoipa::path(get, path = "/admin/roles", tag = "admin", operation_id = "list_admin_roles",
    responses(
        (status = 200, description = "{data: [roles]}", body = Data<Vec<AdminRoleView>>),
    ))]
pub async fn list_admin_roles(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Result<Json<DataResponse>, ApiError> {
    let roles = state.domain.list_admin_roles(&caller).await?;
    Ok(Json(DataResponse {
        data: Value::Array(roles.iter().map(|(role, users)| role_json(role, Some(*users))).collect()),
    }))
}

/// One admin role.
#[utoipa::path(get, path = "/admin/roles/{id}", tag = "admin", operation_id = "find_admin_role",
    params(("id" = i64, Path, description = "Role id")),
    responses(
        (status = 200, description = "{data: role}", body = Data<AdminRoleView>),
        (status = 404, description = "No such role", body = ErrorResponse),
    ))]
pub async fn find_admin_role(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<DataResponse>, ApiError> {
    let (role, _) = state.domain.admin_role_with_actions(&caller, AdminRoleId(path_id(&id)?)).await?;
    Ok(Json(DataResponse { data: role_json(&role, None) }))
}

/// The actions an admin role holds (Super Admin: all).
#[utoipa::path(get, path = "/admin/roles/{id}/permissions", tag = "admin", operation_id = "list_admin_role_permissions",
    params(("id" = i64, Path, description = "Role id")),
    responses(
        (status = 200, description = "{data: [{action, subject, properties, conditions}]}", body = Data<Vec<AdminPermissionView>>),
        (status = 404, description = "No such role", body = ErrorResponse),
    ))]
pub async fn list_admin_role_permissions(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<DataResponse>, ApiError> {
    let (_, actions) = state.domain.admin_role_with_actions(&caller, AdminRoleId(path_id(&id)?)).await?;
    Ok(Json(DataResponse { data: permissions_json(&actions) }))
}

/// Replace an admin role's actions: `{permissions: [{action}]}` (not the Super Admin's).
#[utoipa::path(put, path = "/admin/roles/{id}/permissions", tag = "admin", operation_id = "update_admin_role_permissions",
    params(("id" = i64, Path, description = "Role id")),
    request_body = AdminRolePermissionsRequest,
    responses(
        (status = 200, description = "{data: [permissions]}", body = Data<Vec<AdminPermissionView>>),
        (status = 400, description = "Unknown actions or the Super Admin role", body = ErrorResponse),
        (status = 404, description = "No such role", body = ErrorResponse),
    ))]
pub async fn update_admin_role_permissions(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    JsonObject(body): JsonObject,
) -> Result<Json<DataResponse>, ApiError> {
    let id = AdminRoleId(path_id(&id)?);
    let actions = AdminRolePermissionsRequest::parse(&body)?.permissions;
    state.domain.set_admin_role_actions(&caller, id, &actions).await?;
    let (_, actions) = state.domain.admin_role_with_actions(&caller, id).await?;
    Ok(Json(DataResponse { data: permissions_json(&actions) }))
}

/// Create an admin role.
#[utoipa::path(post, path = "/admin/roles", tag = "admin", operation_id = "create_admin_role",
    request_body = AdminRoleRequest,
    responses(
        (status = 201, description = "{data: role}", body = Data<AdminRoleView>),
        (status = 400, description = "Invalid name or code taken", body = ErrorResponse),
    ))]
pub async fn create_admin_role(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    JsonObject(body): JsonObject,
) -> Result<Response, ApiError> {
    let AdminRoleRequest { name, description } = AdminRoleRequest::parse(&body)?;
    let role = state.domain.create_admin_role(&caller, &name, &description.unwrap_or_default()).await?;
    Ok((StatusCode::CREATED, Json(DataResponse { data: role_json(&role, Some(0)) })).into_response())
}

/// Delete a custom admin role (the three built-in roles stay).
#[utoipa::path(delete, path = "/admin/roles/{id}", tag = "admin", operation_id = "delete_admin_role",
    params(("id" = i64, Path, description = "Role id")),
    responses(
        (status = 200, description = "{data: role}", body = Data<AdminRoleView>),
        (status = 400, description = "A built-in role", body = ErrorResponse),
        (status = 404, description = "No such role", body = ErrorResponse),
    ))]
pub async fn delete_admin_role(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<DataResponse>, ApiError> {
    let role = state.domain.delete_admin_role(&caller, AdminRoleId(path_id(&id)?)).await?;
    Ok(Json(DataResponse { data: role_json(&role, None) }))
}
