//! What an event's `data` shows of its subject: public fields only, never a secret, in the
//! events format (camelCase keys, as the events contract writes `occurredAt`). Each view is a
//! borrowed struct serialised by serde, so the fields shown are the struct's and nothing else.

use crate::ids::UserId;
use crate::model::{Admin, ApiToken, Group, Role, User};
use crate::time::Timestamp;
use serde::Serialize;
use serde_json::Value;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct UserView<'a> {
    id: i64,
    document_id: &'a str,
    username: &'a str,
    email: &'a str,
    provider: &'a str,
    confirmed: bool,
    blocked: bool,
    created_at: Timestamp,
    updated_at: Timestamp,
    published_at: Timestamp,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RoleView<'a> {
    id: i64,
    document_id: &'a str,
    name: &'a str,
    description: &'a str,
    #[serde(rename = "type")]
    role_type: &'a str,
    created_at: Timestamp,
    updated_at: Timestamp,
    published_at: Timestamp,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct GroupView<'a> {
    id: i64,
    name: &'a str,
    external_id: Option<&'a str>,
    members: Vec<i64>,
    created_at: Timestamp,
    updated_at: Timestamp,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AdminView<'a> {
    id: i64,
    document_id: &'a str,
    firstname: &'a str,
    lastname: Option<&'a str>,
    email: &'a str,
    is_active: bool,
    blocked: bool,
    roles: Vec<&'a str>,
    deleted_at: Option<Timestamp>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ApiTokenView<'a> {
    id: i64,
    name: &'a str,
    description: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    lifespan: Option<String>,
    expires_at: Option<Timestamp>,
    last_used_at: Option<Timestamp>,
    created_at: Timestamp,
    updated_at: Timestamp,
    permissions: &'a [String],
}

fn to_value(view: impl Serialize) -> Value {
    serde_json::to_value(view).unwrap_or(Value::Null)
}

/// An end user's public fields.
pub fn user(user: &User) -> Value {
    to_value(UserView {
        id: user.id.0,
        document_id: &user.document_id,
        username: &user.username,
        email: &user.email,
        provider: &user.provider,
        confirmed: user.confirmed,
        blocked: user.blocked,
        created_at: user.created_at,
        updated_at: user.updated_at,
        published_at: user.published_at,
    })
}

/// The subject of a `scim.user.*` event: the account's realm (`api` or `admin`), id and
/// provisioning id; for `scim.user.deprovisioned`, `mode` says whether it was `deleted` or
/// `deactivated`.
pub fn provisioned(realm: &str, id: i64, external_id: Option<&str>, mode: Option<&str>) -> Value {
    let mut data = serde_json::json!({"realm": realm, "id": id, "externalId": external_id});
    if let Some(mode) = mode {
        data["mode"] = serde_json::json!(mode);
    }
    data
}

/// The subject of a `group.*` event when a SCIM Group is a role: the role's realm, id, name
/// and provisioning id, in the shape of [`group`].
pub fn role_group(realm: &str, id: i64, name: &str, external_id: Option<&str>) -> Value {
    serde_json::json!({"group": {"realm": realm, "id": id, "name": name, "externalId": external_id}})
}

/// A group's public fields and its members' ids.
pub fn group(group: &Group, members: &[UserId]) -> Value {
    to_value(GroupView {
        id: group.id.0,
        name: &group.display_name,
        external_id: group.external_id.as_deref(),
        members: members.iter().map(|member| member.0).collect(),
        created_at: group.created_at,
        updated_at: group.updated_at,
    })
}

/// An end-user role's public fields.
pub fn role(role: &Role) -> Value {
    to_value(RoleView {
        id: role.id.0,
        document_id: &role.document_id,
        name: &role.name,
        description: &role.description,
        role_type: &role.role_type,
        created_at: role.created_at,
        updated_at: role.updated_at,
        published_at: role.published_at,
    })
}

/// An admin's public fields, with its role codes.
pub fn admin(admin: &Admin) -> Value {
    to_value(AdminView {
        id: admin.id.0,
        document_id: &admin.document_id,
        firstname: &admin.firstname,
        lastname: admin.lastname.as_deref(),
        email: &admin.email,
        is_active: admin.is_active,
        blocked: admin.blocked,
        roles: admin.roles.iter().map(|role| role.code.as_str()).collect(),
        deleted_at: admin.deleted_at,
    })
}

/// An API token's public fields (never its secret or digest).
pub fn api_token(token: &ApiToken) -> Value {
    to_value(ApiTokenView {
        id: token.id.0,
        name: &token.name,
        description: &token.description,
        kind: token.kind.as_str(),
        lifespan: token.lifespan_ms.map(|ms| ms.to_string()),
        expires_at: token.expires_at,
        last_used_at: token.last_used_at,
        created_at: token.created_at,
        updated_at: token.updated_at,
        permissions: &token.actions,
    })
}
