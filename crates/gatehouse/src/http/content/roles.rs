//! `/api/users-permissions/roles*` and `/api/users-permissions/permissions`: end-user roles and
//! their grants, in Strapi's shapes (a role's grants as the nested `controllers` tree).

use crate::http::content::{ErrorResponse, OkResponse, RoleResponse};
use crate::http::error::ApiError;
use crate::http::rejection::{Fields, JsonObject};
use crate::http::AppState;
use axum::extract::{Path, State};
use axum::{Extension, Json};
use gatehouse_domain::action::{Action, ActionRegistry};
use gatehouse_domain::ids::RoleId;
use gatehouse_domain::model::Role;
use gatehouse_domain::roles::RoleInput;
use gatehouse_domain::Caller;
use serde::Serialize;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use utoipa::openapi::schema::{ObjectBuilder, Schema, SchemaType, Type};
use utoipa::openapi::RefOr;
use utoipa::ToSchema;

/// `{roles: [...]}`
#[derive(Debug, Serialize, ToSchema)]
pub struct RolesResponse {
    /// Every role, with `nb_users`.
    #[schema(value_type = Vec<Object>)]
    pub roles: Vec<Value>,
}

/// `{role: {...}}` with its permission tree.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoleDetailResponse {
    /// The role and `permissions`.
    #[schema(value_type = Object)]
    pub role: Value,
}

/// `{permissions: {...}}`
#[derive(Debug, Serialize, ToSchema)]
pub struct PermissionsResponse {
    /// Every grantable action, all disabled, as a tree.
    #[schema(value_type = Object)]
    pub permissions: Value,
}

/// Splits `plugin::users-permissions.user.find` into its plugin, controller and action.
fn tree_position(action: Action) -> Option<(&'static str, &'static str, &'static str)> {
    let name = action.as_str();
    let (plugin, rest) = name.split_once('.')?;
    let (controller, leaf) = rest.split_once('.')?;
    Some((plugin, controller, leaf))
}

/// Every grantable action as `{plugin: {controllers: {controller: {action: {enabled, policy}}}}}`.
fn permission_tree(registry: &ActionRegistry, granted: &BTreeSet<Action>) -> Value {
    let mut tree = Map::new();
    for action in registry.grantable() {
        let Some((plugin, controller, leaf)) = tree_position(action) else { continue };
        let controllers = tree
            .entry(plugin)
            .or_insert_with(|| json!({"controllers": {}}))
            .get_mut("controllers")
            .and_then(Value::as_object_mut);
        if let Some(controllers) = controllers {
            let actions = controllers.entry(controller).or_insert_with(|| json!({}));
            if let Some(actions) = actions.as_object_mut() {
                actions.insert(leaf.to_owned(), json!({"enabled": granted.contains(&action), "policy": ""}));
            }
        }
    }
    Value::Object(tree)
}

/// The names of the enabled actions of a permission tree (the domain refuses unknown ones).
fn granted_actions(tree: &Value) -> Result<Vec<String>, ApiError> {
    let Some(plugins) = tree.as_object() else {
        return Err(ApiError::validation("permissions must be an object"));
    };
    let mut actions = Vec::new();
    for (plugin, body) in plugins {
        let Some(controllers) = body.get("controllers").and_then(Value::as_object) else { continue };
        for (controller, leaves) in controllers {
            let Some(leaves) = leaves.as_object() else { continue };
            for (leaf, setting) in leaves {
                if setting.get("enabled").and_then(Value::as_bool) == Some(true) {
                    actions.push(format!("{plugin}.{controller}.{leaf}"));
                }
            }
        }
    }
    Ok(actions)
}

fn role_json(role: &Role) -> Map<String, Value> {
    match serde_json::to_value(RoleResponse::from(role)) {
        Ok(Value::Object(object)) => object,
        _ => Map::new(),
    }
}

fn role_id(raw: &str) -> Result<RoleId, ApiError> {
    match raw.parse::<i64>() {
        Ok(id) if id > 0 => Ok(RoleId(id)),
        _ => Err(ApiError::validation(format!("Invalid id {raw:?}: a role id is a positive integer"))),
    }
}

/// Body of `POST /api/users-permissions/roles` (and the admin's), as [`CreateRoleRequest::parse`]
/// reads it.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRoleRequest {
    /// Display name; its lower-cased form becomes the role's type.
    #[schema(min_length = 1)]
    pub name: String,
    /// Free text.
    pub description: Option<String>,
    /// The complete set of enabled actions, as Strapi's permission tree.
    #[schema(schema_with = permission_tree_schema)]
    pub permissions: Option<Vec<String>>,
    /// Sent by Strapi's admin panel; ignored.
    #[serde(rename = "type")]
    #[schema(value_type = Option<Value>)]
    pub role_type: Option<Value>,
    /// Sent by Strapi's admin panel; ignored.
    #[schema(value_type = Option<Value>)]
    pub users: Option<Value>,
}

impl CreateRoleRequest {
    /// Reads the body; a key outside the five above is refused.
    pub fn parse(body: &Map<String, Value>) -> Result<Self, ApiError> {
        let (name, description, permissions) = read_role(body, true)?;
        Ok(Self {
            name: name.unwrap_or_default(),
            description,
            permissions,
            role_type: body.get("type").cloned(),
            users: body.get("users").cloned(),
        })
    }
}

/// Body of `PUT /api/users-permissions/roles/{id}` (and the admin's), as
/// [`UpdateRoleRequest::parse`] reads it: every key optional.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateRoleRequest {
    /// Display name.
    #[schema(nullable = false, min_length = 1)]
    pub name: Option<String>,
    /// Free text.
    pub description: Option<String>,
    /// The complete set of enabled actions, as Strapi's permission tree (absent: unchanged).
    #[schema(schema_with = permission_tree_schema)]
    pub permissions: Option<Vec<String>>,
    /// Sent by Strapi's admin panel; ignored.
    #[serde(rename = "type")]
    #[schema(value_type = Option<Value>)]
    pub role_type: Option<Value>,
    /// Sent by Strapi's admin panel; ignored.
    #[schema(value_type = Option<Value>)]
    pub users: Option<Value>,
}

impl UpdateRoleRequest {
    /// Reads the body; a key outside the five above is refused.
    pub fn parse(body: &Map<String, Value>) -> Result<Self, ApiError> {
        let (name, description, permissions) = read_role(body, false)?;
        Ok(Self {
            name,
            description,
            permissions,
            role_type: body.get("type").cloned(),
            users: body.get("users").cloned(),
        })
    }
}

type RoleFields = (Option<String>, Option<String>, Option<Vec<String>>);

fn read_role(body: &Map<String, Value>, creating: bool) -> Result<RoleFields, ApiError> {
    Fields::refuse_other_keys(body, &["name", "description", "type", "permissions", "users"])?;
    let mut fields = Fields::new(body);
    let name = if creating { fields.required_string("name") } else { fields.present_string("name") };
    let description = fields.optional_string("description");
    fields.finish()?;
    let actions = match body.get("permissions") {
        None | Some(Value::Null) => None,
        Some(tree) => Some(granted_actions(tree)?),
    };
    Ok((name, description, actions))
}

/// The permission tree's schema, from the built-in registry: each plugin, controller and action
/// that can be granted, `{enabled, policy}` at the leaves.
fn permission_tree_schema() -> impl Into<RefOr<Schema>> {
    let mut plugins: BTreeMap<&str, BTreeMap<&str, Vec<&str>>> = BTreeMap::new();
    for action in ActionRegistry::builtin().grantable() {
        if let Some((plugin, controller, leaf)) = tree_position(action) {
            plugins.entry(plugin).or_default().entry(controller).or_default().push(leaf);
        }
    }
    // Below the top, the tree is read as Strapi reads it: an action is granted where its leaf's
    // `enabled` is `true`; a branch that is not an object, a plugin or controller Gatehouse does
    // not have (Strapi's admin panel sends its whole tree), and `policy` are ignored. So every
    // node below the top admits any value, and the known ones are listed for the reader.
    let any = || ObjectBuilder::new().schema_type(SchemaType::AnyValue);
    let leaf = || {
        any()
            .property("enabled", any().description(Some("`true` grants the action")))
            .property("policy", any().description(Some("Ignored")))
    };
    let mut tree = ObjectBuilder::new().schema_type(SchemaType::from_iter([Type::Object, Type::Null]));
    for (plugin, controllers) in plugins {
        let mut by_controller = any();
        for (controller, leaves) in controllers {
            let mut actions = any();
            for name in leaves {
                actions = actions.property(name, leaf());
            }
            by_controller = by_controller.property(controller, actions);
        }
        tree = tree.property(plugin, any().property("controllers", by_controller));
    }
    tree.description(Some("`{plugin: {controllers: {controller: {action: {enabled, policy}}}}}`")).build()
}

/// List end-user roles with their number of users.
///
/// Action `plugin::users-permissions.role.find`.
#[utoipa::path(
    get, path = "/api/users-permissions/roles", tag = "roles", operation_id = "list_roles",
    responses(
        (status = 200, description = "Every role", body = RolesResponse),
    )
)]
pub async fn list_roles(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Result<Json<RolesResponse>, ApiError> {
    let roles = state.domain.list_roles(&caller).await?;
    let roles = roles
        .iter()
        .map(|counted| {
            let mut object = role_json(&counted.role);
            object.insert("nb_users".into(), json!(counted.users));
            Value::Object(object)
        })
        .collect();
    Ok(Json(RolesResponse { roles }))
}

/// One role with its permission tree.
///
/// Action `plugin::users-permissions.role.findOne`.
#[utoipa::path(
    get, path = "/api/users-permissions/roles/{id}", tag = "roles", operation_id = "find_role",
    params(("id" = i64, Path, description = "Role id")),
    responses(
        (status = 200, description = "The role", body = RoleDetailResponse),
        (status = 400, description = "Malformed id", body = ErrorResponse),
        (status = 404, description = "No such role", body = ErrorResponse),
    )
)]
pub async fn find_role(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<RoleDetailResponse>, ApiError> {
    let (role, actions) = state.domain.find_role_with_actions(&caller, role_id(&id)?).await?;
    let mut object = role_json(&role);
    object.insert("permissions".into(), permission_tree(state.domain.actions(), &actions.into_iter().collect()));
    Ok(Json(RoleDetailResponse { role: Value::Object(object) }))
}

/// Create a role; `permissions` is a Strapi permission tree of enabled actions.
///
/// Action `plugin::users-permissions.role.createRole`. **Gatehouse:** a missing name or a
/// name whose type is taken is 400 (Strapi answers `{ok: true}`).
#[utoipa::path(
    post, path = "/api/users-permissions/roles", tag = "roles", operation_id = "create_role",
    request_body = CreateRoleRequest,
    responses(
        (status = 200, description = "Created", body = OkResponse),
        (status = 400, description = "Invalid fields, or the role exists", body = ErrorResponse),
    )
)]
pub async fn create_role(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    JsonObject(body): JsonObject,
) -> Result<Json<OkResponse>, ApiError> {
    let request = CreateRoleRequest::parse(&body)?;
    let input = RoleInput {
        name: Some(request.name),
        description: request.description,
        actions: request.permissions,
        ..RoleInput::default()
    };
    state.domain.create_role(&caller, input).await?;
    Ok(Json(OkResponse { ok: true }))
}

/// Rename a role or replace its grants (given a tree, it is the complete set of enabled actions).
///
/// Action `plugin::users-permissions.role.updateRole`. Takes effect on the next request.
#[utoipa::path(
    put, path = "/api/users-permissions/roles/{id}", tag = "roles", operation_id = "update_role",
    params(("id" = i64, Path, description = "Role id")),
    request_body = UpdateRoleRequest,
    responses(
        (status = 200, description = "Updated", body = OkResponse),
        (status = 400, description = "Invalid fields", body = ErrorResponse),
        (status = 404, description = "No such role", body = ErrorResponse),
    )
)]
pub async fn update_role(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    JsonObject(body): JsonObject,
) -> Result<Json<OkResponse>, ApiError> {
    let id = role_id(&id)?;
    let request = UpdateRoleRequest::parse(&body)?;
    let input = RoleInput {
        name: request.name,
        description: request.description,
        actions: request.permissions,
        ..RoleInput::default()
    };
    state.domain.update_role(&caller, id, input).await?;
    Ok(Json(OkResponse { ok: true }))
}

/// Delete a custom role; its users move to `authenticated`.
///
/// Action `plugin::users-permissions.role.deleteRole`. `public` and `authenticated` cannot be
/// deleted (400).
#[utoipa::path(
    delete, path = "/api/users-permissions/roles/{id}", tag = "roles", operation_id = "delete_role",
    params(("id" = i64, Path, description = "Role id")),
    responses(
        (status = 200, description = "Deleted", body = OkResponse),
        (status = 400, description = "A built-in role, or a malformed id", body = ErrorResponse),
        (status = 404, description = "No such role", body = ErrorResponse),
    )
)]
pub async fn delete_role(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<OkResponse>, ApiError> {
    state.domain.delete_role(&caller, role_id(&id)?).await?;
    Ok(Json(OkResponse { ok: true }))
}

/// Every grantable action, as a tree with all disabled.
///
/// Action `plugin::users-permissions.permissions.getPermissions`.
#[utoipa::path(
    get, path = "/api/users-permissions/permissions", tag = "roles", operation_id = "list_permissions",
    responses(
        (status = 200, description = "The tree", body = PermissionsResponse),
    )
)]
pub async fn list_permissions(State(state): State<AppState>) -> Json<PermissionsResponse> {
    Json(PermissionsResponse { permissions: permission_tree(state.domain.actions(), &BTreeSet::new()) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tree_round_trips_its_enabled_actions() {
        let granted: BTreeSet<Action> = [Action::USER_FIND, Action::AUTH_LOGOUT].into_iter().collect();
        let tree = permission_tree(&ActionRegistry::builtin(), &granted);
        assert_eq!(tree["plugin::users-permissions"]["controllers"]["user"]["find"]["enabled"], true);
        assert_eq!(tree["plugin::users-permissions"]["controllers"]["user"]["me"]["enabled"], false);
        let back: BTreeSet<String> = granted_actions(&tree).unwrap().into_iter().collect();
        let expected: BTreeSet<String> = granted.iter().map(|action| action.as_str().to_owned()).collect();
        assert_eq!(back, expected);
    }
}
