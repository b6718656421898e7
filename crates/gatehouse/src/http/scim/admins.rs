//! `scim.realm = "admins"`: `/scim/v2/Users` over the admin users and `/scim/v2/Groups` over
//! the admin roles, through the admin realm's use cases (`provision_admin`,
//! `update_provisioned_admin`, `set_provisioned_admin_role`, `soft_delete_admin`,
//! `list_admins`, `find_admin`, `list_admin_roles`), so with its rules and its `admin.*`
//! events. The handlers of `users` and `groups` hand over here when the realm is `admins`.
//!
//! An admin as a User: `userName` is the admin's own user name (unique among admins; the email
//! for an admin made in the admin panel), `emails[primary]` its email (it logs in with it),
//! `name.givenName`/`familyName` ↔ first and last name, `active` ↔ active and not blocked,
//! `password` (write-only, under the admin password rules), `groups` its roles, `externalId`
//! the provider's id; the other attributes are kept as given, as an end user's are. The admin
//! realm is small: lists and filters run in memory over at most [`ADMIN_SCAN_LIMIT`] admins (more is a
//! 400 `tooMany`), with the same `startIndex`, `count`, `sortBy` and `totalResults` as the
//! end-user realm.

use crate::http::scim::filter::member;
use crate::http::scim::list::ListParams;
use crate::http::scim::resources::{
    emails_shown, group_write, insert_profile, project, user_write, PLACEHOLDER_DOMAIN,
};
use crate::http::scim::{
    base_url, check_if_match, not_modified, not_modified_response, patch, resource_response, ScimError, GROUP_SCHEMA,
    USER_SCHEMA,
};
use crate::http::AppState;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use gatehouse_domain::admin_provisioning::{ProvisionedAdmin, ProvisionedAdminPatch};
use gatehouse_domain::crypto::token::random_hex;
use gatehouse_domain::ids::{AdminId, AdminRoleId};
use gatehouse_domain::model::{Admin, AdminCondition, AdminListQuery, AdminProvisioning, AdminRole};
use gatehouse_domain::query::Window;
use gatehouse_domain::{Caller, DomainError, Secret};
use serde_json::{json, Map, Value};

/// The most admins a list or a filter reads (in memory).
pub const ADMIN_SCAN_LIMIT: u64 = 10_000;

/// Attributes a PATCH of a User may not touch.
const USER_READ_ONLY: [&str; 4] = ["id", "meta", "groups", "schemas"];
/// Attributes a PATCH of a Group may not touch.
const GROUP_READ_ONLY: [&str; 3] = ["id", "meta", "schemas"];

fn numeric_id(raw: &str, what: &str) -> Result<i64, ScimError> {
    raw.parse::<i64>().ok().filter(|id| *id > 0 && id.to_string() == raw).ok_or_else(|| ScimError::not_found(what))
}

fn admin_id(raw: &str) -> Result<AdminId, ScimError> {
    numeric_id(raw, "User").map(AdminId)
}

fn role_id(raw: &str) -> Result<AdminRoleId, ScimError> {
    numeric_id(raw, "Group").map(AdminRoleId)
}

fn not_found_as(error: DomainError, what: &str) -> ScimError {
    match error {
        DomainError::NotFound(_) => ScimError::not_found(what),
        other => other.into(),
    }
}

/// An admin's `meta.version`.
fn admin_version(admin: &Admin) -> String {
    format!("W/\"{}\"", admin.updated_at.as_millis())
}

/// An admin role's `meta.version`: its last change and who holds it.
fn role_version(role: &AdminRole, members: &[Admin]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for admin in members {
        for byte in admin.id.0.to_le_bytes().into_iter().chain(admin.updated_at.as_millis().to_le_bytes()) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("W/\"{}-{hash:x}\"", role.updated_at.as_millis())
}

fn display_name(admin: &Admin) -> String {
    match admin.lastname.as_deref().filter(|last| !last.is_empty()) {
        Some(last) => format!("{} {last}", admin.firstname),
        None => admin.firstname.clone(),
    }
}

/// The SCIM User for an admin and what its identity provider gave (none for an admin made in
/// the admin panel: its names and email are then shown from its columns).
fn admin_resource(admin: &Admin, kept: Option<&AdminProvisioning>, base: &str) -> Value {
    let profile = kept.and_then(|kept| kept.profile.as_ref()).and_then(Value::as_object);
    let mut resource = Map::new();
    let mut schemas = vec![json!(USER_SCHEMA)];
    resource.insert("id".into(), json!(admin.id.0.to_string()));
    if let Some(external_id) = kept.and_then(|kept| kept.external_id.as_ref()) {
        resource.insert("externalId".into(), json!(external_id));
    }
    resource.insert("userName".into(), json!(admin.username.as_deref().unwrap_or(&admin.email)));
    let lastname = admin.lastname.as_deref().filter(|last| !last.is_empty());
    match profile {
        Some(profile) => {
            insert_profile(&mut resource, &mut schemas, profile);
            // The name parts are the admin's columns, which the admin panel may have changed.
            if let Some(Value::Object(name)) = resource.get_mut("name") {
                if name.contains_key("givenName") {
                    name.insert("givenName".into(), json!(admin.firstname));
                }
                match lastname {
                    Some(last) if name.contains_key("familyName") => {
                        name.insert("familyName".into(), json!(last));
                    }
                    None => {
                        name.remove("familyName");
                    }
                    Some(_) => {}
                }
            }
            let display = profile.get("displayName").cloned().unwrap_or_else(|| json!(display_name(admin)));
            resource.insert("displayName".into(), display);
        }
        None => {
            let mut name = Map::new();
            name.insert("givenName".into(), json!(admin.firstname));
            if let Some(last) = lastname {
                name.insert("familyName".into(), json!(last));
            }
            name.insert("formatted".into(), json!(display_name(admin)));
            resource.insert("name".into(), Value::Object(name));
            resource.insert("displayName".into(), json!(display_name(admin)));
        }
    }
    let emails = emails_shown(&admin.email, profile);
    if !emails.is_empty() {
        resource.insert("emails".into(), Value::Array(emails));
    }
    resource.insert("active".into(), json!(admin.is_active && !admin.blocked));
    if !admin.roles.is_empty() {
        let groups: Vec<Value> = admin
            .roles
            .iter()
            .map(|role| json!({"value": role.id.0.to_string(), "$ref": format!("{base}/Groups/{}", role.id.0), "display": role.name}))
            .collect();
        resource.insert("groups".into(), Value::Array(groups));
    }
    resource.insert("schemas".into(), Value::Array(schemas));
    resource.insert(
        "meta".into(),
        json!({
            "resourceType": "User",
            "created": admin.created_at.to_rfc3339(),
            "lastModified": admin.updated_at.to_rfc3339(),
            "location": format!("{base}/Users/{}", admin.id.0),
            "version": admin_version(admin),
        }),
    );
    Value::Object(resource)
}

/// The SCIM Group for an admin role and the admins holding it.
fn role_resource(role: &AdminRole, members: &[Admin], base: &str) -> Value {
    let mut resource = json!({
        "schemas": [GROUP_SCHEMA],
        "id": role.id.0.to_string(),
        "displayName": role.name,
        "meta": {
            "resourceType": "Group",
            "created": role.created_at.to_rfc3339(),
            "lastModified": role.updated_at.to_rfc3339(),
            "location": format!("{base}/Groups/{}", role.id.0),
            "version": role_version(role, members),
        },
    });
    if !members.is_empty() {
        let members: Vec<Value> = members
            .iter()
            .map(|admin| json!({"value": admin.id.0.to_string(), "$ref": format!("{base}/Users/{}", admin.id.0)}))
            .collect();
        resource["members"] = Value::Array(members);
    }
    if let Some(external_id) = &role.external_id {
        resource["externalId"] = json!(external_id);
    }
    resource
}

/// What a User body writes to an admin.
struct AdminWrite {
    email: String,
    firstname: String,
    lastname: Option<String>,
    active: bool,
    username: String,
    kept: AdminProvisioning,
    password: Option<Secret>,
}

fn admin_write(resource: &Value) -> Result<AdminWrite, ScimError> {
    let write = user_write(resource)?;
    // An admin logs in with its email: the primary (else first) of `emails`, else a `userName`
    // that is an address, else a placeholder that is never shown (the admin then has no login
    // until an email is provisioned).
    let email = write
        .email
        .clone()
        .or_else(|| write.username.contains('@').then(|| write.username.trim().to_owned()))
        .unwrap_or_else(|| format!("{}@{PLACEHOLDER_DOMAIN}", random_hex(12)));
    let name = member(resource, "name");
    let part = |key: &str| {
        name.and_then(|name| member(name, key))
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .map(str::to_owned)
    };
    let firstname = part("givenName")
        .or_else(|| write.name.clone().filter(|name| !name.trim().is_empty()))
        .unwrap_or_else(|| write.username.split('@').next().unwrap_or_default().trim().to_owned());
    let mut profile = write.profile;
    if let (Some(display), Value::Object(profile)) = (&write.name, &mut profile) {
        profile.insert("displayName".into(), json!(display));
    }
    Ok(AdminWrite {
        email,
        firstname,
        lastname: part("familyName"),
        active: write.active,
        username: write.username,
        password: write.password.map(Secret::from),
        kept: AdminProvisioning { external_id: write.external_id.filter(|id| !id.is_empty()), profile: Some(profile) },
    })
}

async fn all_admins(
    state: &AppState,
    caller: &Caller,
    condition: Option<AdminCondition>,
) -> Result<Vec<Admin>, ScimError> {
    let window = Window::starting_at_most(0, ADMIN_SCAN_LIMIT, ADMIN_SCAN_LIMIT)
        .ok_or_else(|| ScimError::invalid_value("no window"))?;
    let query = AdminListQuery { window, conditions: condition.into_iter().collect(), ..AdminListQuery::default() };
    let (admins, total) = state.domain.list_admins(caller, &query).await?;
    if total > ADMIN_SCAN_LIMIT {
        return Err(ScimError::bad_request(
            "tooMany",
            format!("more than {ADMIN_SCAN_LIMIT} admins: the admin realm is listed in memory"),
        ));
    }
    Ok(admins)
}

/// Every admin User matching `params`, sorted.
pub(crate) async fn select_users(
    state: &AppState,
    caller: &Caller,
    params: &ListParams,
    base: &str,
) -> Result<Vec<Value>, ScimError> {
    let admins = all_admins(state, caller, None).await?;
    let kept = state.domain.admin_provisioning(caller).await?;
    Ok(params.select(admins.iter().map(|admin| admin_resource(admin, kept.get(&admin.id), base)).collect()))
}

/// `GET /Users` and `POST /Users/.search`.
pub(crate) async fn list_users(
    state: &AppState,
    caller: &Caller,
    params: &ListParams,
    headers: &HeaderMap,
) -> Result<Response, ScimError> {
    Ok(params.page_response(select_users(state, caller, params, &base_url(headers)).await?))
}

async fn find(state: &AppState, caller: &Caller, id: AdminId) -> Result<Admin, ScimError> {
    state.domain.find_admin(caller, id, false).await.map_err(|error| not_found_as(error, "User"))
}

/// The User for one admin, with what its identity provider gave.
async fn resource_of(state: &AppState, caller: &Caller, admin: &Admin, base: &str) -> Result<Value, ScimError> {
    let kept =
        state.domain.find_admin_provisioning(caller, admin.id).await.map_err(|error| not_found_as(error, "User"))?;
    Ok(admin_resource(admin, Some(&kept), base))
}

/// `GET /Users/{id}`.
pub(crate) async fn find_user(
    state: &AppState,
    caller: &Caller,
    params: &ListParams,
    headers: &HeaderMap,
    raw_id: &str,
) -> Result<Response, ScimError> {
    let admin = find(state, caller, admin_id(raw_id)?).await?;
    let version = admin_version(&admin);
    if not_modified(headers, &version) {
        return Ok(not_modified_response(&version));
    }
    let resource = resource_of(state, caller, &admin, &base_url(headers)).await?;
    let resource = project(resource, &params.attributes, &params.excluded);
    Ok(resource_response(StatusCode::OK, &resource))
}

/// `POST /Users`.
pub(crate) async fn create_user(
    state: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
    body: Value,
) -> Result<Response, ScimError> {
    let write = admin_write(&body)?;
    let input = ProvisionedAdmin {
        email: write.email,
        firstname: write.firstname,
        lastname: write.lastname,
        active: write.active,
        external_id: write.kept.external_id,
        username: Some(write.username),
        profile: write.kept.profile,
        password: write.password,
    };
    let admin = state.domain.provision_admin(caller, input).await?;
    Ok(resource_response(StatusCode::CREATED, &resource_of(state, caller, &admin, &base_url(headers)).await?))
}

async fn replace(
    state: &AppState,
    caller: &Caller,
    id: AdminId,
    write: AdminWrite,
    headers: &HeaderMap,
) -> Result<Response, ScimError> {
    let patch = ProvisionedAdminPatch {
        email: Some(write.email),
        firstname: Some(write.firstname),
        lastname: Some(write.lastname),
        active: Some(write.active),
        external_id: Some(write.kept.external_id),
        username: Some(Some(write.username)),
        profile: Some(write.kept.profile),
        password: write.password,
    };
    let admin =
        state.domain.update_provisioned_admin(caller, id, patch).await.map_err(|error| not_found_as(error, "User"))?;
    Ok(resource_response(StatusCode::OK, &resource_of(state, caller, &admin, &base_url(headers)).await?))
}

/// `PUT /Users/{id}`.
pub(crate) async fn replace_user(
    state: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
    raw_id: &str,
    body: Value,
) -> Result<Response, ScimError> {
    let id = admin_id(raw_id)?;
    let current = find(state, caller, id).await?;
    check_if_match(headers, &admin_version(&current))?;
    let write = admin_write(&body)?;
    replace(state, caller, id, write, headers).await
}

/// `PATCH /Users/{id}`.
pub(crate) async fn patch_user(
    state: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
    raw_id: &str,
    body: &Map<String, Value>,
) -> Result<Response, ScimError> {
    let id = admin_id(raw_id)?;
    let operations = patch::operations(body)?;
    let current = find(state, caller, id).await?;
    check_if_match(headers, &admin_version(&current))?;
    let mut resource = resource_of(state, caller, &current, &base_url(headers)).await?;
    patch::apply(&mut resource, &operations, &USER_READ_ONLY)?;
    // An admin without a user name of its own shows its email as `userName`: the two stay one
    // value, so a new primary email alone changes the `userName` with it.
    if current.username.is_none() && resource.get("userName").and_then(Value::as_str) == Some(current.email.as_str()) {
        let primary = resource.get("emails").and_then(Value::as_array).and_then(|emails| {
            emails.iter().find(|email| member(email, "primary") == Some(&Value::Bool(true))).or_else(|| emails.first())
        });
        if let Some(email) = primary.and_then(|email| member(email, "value")).and_then(Value::as_str) {
            resource["userName"] = json!(email);
        }
    }
    let write = admin_write(&resource)?;
    replace(state, caller, id, write, headers).await
}

/// `DELETE /Users/{id}`: the admin soft delete, which ends every session (whatever
/// `scim.delete` says: a deactivation is `PATCH active=false`).
pub(crate) async fn delete_user(
    state: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
    raw_id: &str,
) -> Result<Response, ScimError> {
    let id = admin_id(raw_id)?;
    let current = find(state, caller, id).await?;
    check_if_match(headers, &admin_version(&current))?;
    state.domain.soft_delete_admin(caller, id).await.map_err(|error| not_found_as(error, "User"))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn members_of(state: &AppState, caller: &Caller, role: AdminRoleId) -> Result<Vec<Admin>, ScimError> {
    all_admins(state, caller, Some(AdminCondition::HasRole(role))).await
}

async fn find_role(state: &AppState, caller: &Caller, id: AdminRoleId) -> Result<(AdminRole, Vec<Admin>), ScimError> {
    let role = state
        .domain
        .list_admin_roles(caller)
        .await?
        .into_iter()
        .map(|(role, _)| role)
        .find(|role| role.id == id)
        .ok_or_else(|| ScimError::not_found("Group"))?;
    let members = members_of(state, caller, id).await?;
    Ok((role, members))
}

/// Every admin-role Group matching `params`, sorted.
pub(crate) async fn select_groups(
    state: &AppState,
    caller: &Caller,
    params: &ListParams,
    base: &str,
) -> Result<Vec<Value>, ScimError> {
    let mut groups = Vec::new();
    for (role, _) in state.domain.list_admin_roles(caller).await? {
        let members = members_of(state, caller, role.id).await?;
        groups.push(role_resource(&role, &members, base));
    }
    Ok(params.select(groups))
}

/// `GET /Groups` and `POST /Groups/.search`.
pub(crate) async fn list_groups(
    state: &AppState,
    caller: &Caller,
    params: &ListParams,
    headers: &HeaderMap,
) -> Result<Response, ScimError> {
    Ok(params.page_response(select_groups(state, caller, params, &base_url(headers)).await?))
}

/// `GET /Groups/{id}`.
pub(crate) async fn find_group(
    state: &AppState,
    caller: &Caller,
    params: &ListParams,
    headers: &HeaderMap,
    raw_id: &str,
) -> Result<Response, ScimError> {
    let (role, members) = find_role(state, caller, role_id(raw_id)?).await?;
    let version = role_version(&role, &members);
    if not_modified(headers, &version) {
        return Ok(not_modified_response(&version));
    }
    let resource = project(role_resource(&role, &members, &base_url(headers)), &params.attributes, &params.excluded);
    Ok(resource_response(StatusCode::OK, &resource))
}

/// Writes a Group: its name and provisioning id (a built-in role keeps its name), then its
/// members: each admin named and not yet holding the role gets it, each holder not named loses
/// it (keeping its other roles). Values naming no admin are ignored.
async fn write_group(
    state: &AppState,
    caller: &Caller,
    role: &AdminRole,
    members: &[Admin],
    body: &Value,
    status: StatusCode,
    headers: &HeaderMap,
) -> Result<Response, ScimError> {
    let write = group_write(body)?;
    state
        .domain
        .update_provisioned_admin_role(
            caller,
            role.id,
            &write.name,
            write.external_id.as_deref().filter(|id| !id.is_empty()),
        )
        .await
        .map_err(|error| not_found_as(error, "Group"))?;
    for admin in members.iter().filter(|admin| !write.members.contains(&admin.id.0)) {
        state.domain.set_provisioned_admin_role(caller, admin.id, role.id, false).await?;
    }
    for id in write.members.iter().filter(|id| !members.iter().any(|admin| admin.id.0 == **id)) {
        match state.domain.set_provisioned_admin_role(caller, AdminId(*id), role.id, true).await {
            Ok(_) | Err(DomainError::NotFound(_)) => {}
            Err(error) => return Err(error.into()),
        }
    }
    let (role, members) = find_role(state, caller, role.id).await?;
    Ok(resource_response(status, &role_resource(&role, &members, &base_url(headers))))
}

/// `POST /Groups`: a new admin role, which grants nothing until an admin gives it permissions
/// in the admin panel, with the members named.
pub(crate) async fn create_group(
    state: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
    body: Value,
) -> Result<Response, ScimError> {
    let write = group_write(&body)?;
    let external_id = write.external_id.as_deref().filter(|id| !id.is_empty());
    let role = state.domain.provision_admin_role(caller, &write.name, external_id).await?;
    write_group(state, caller, &role, &[], &body, StatusCode::CREATED, headers).await
}

/// `DELETE /Groups/{id}`: the admin role goes, its holders keep their other roles; the
/// built-in roles stay (400 `mutability`).
pub(crate) async fn delete_group(
    state: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
    raw_id: &str,
) -> Result<Response, ScimError> {
    let (role, members) = find_role(state, caller, role_id(raw_id)?).await?;
    check_if_match(headers, &role_version(&role, &members))?;
    state.domain.delete_provisioned_admin_role(caller, role.id).await.map_err(|error| not_found_as(error, "Group"))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `PUT /Groups/{id}`.
pub(crate) async fn replace_group(
    state: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
    raw_id: &str,
    body: Value,
) -> Result<Response, ScimError> {
    let (role, members) = find_role(state, caller, role_id(raw_id)?).await?;
    check_if_match(headers, &role_version(&role, &members))?;
    write_group(state, caller, &role, &members, &body, StatusCode::OK, headers).await
}

/// `PATCH /Groups/{id}`: `add`/`remove`/`replace` of `members`, `displayName`, `externalId`.
pub(crate) async fn patch_group(
    state: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
    raw_id: &str,
    body: &Map<String, Value>,
) -> Result<Response, ScimError> {
    let operations = patch::operations(body)?;
    let (role, members) = find_role(state, caller, role_id(raw_id)?).await?;
    check_if_match(headers, &role_version(&role, &members))?;
    let mut resource = role_resource(&role, &members, &base_url(headers));
    patch::apply(&mut resource, &operations, &GROUP_READ_ONLY)?;
    write_group(state, caller, &role, &members, &resource, StatusCode::OK, headers).await
}

/// `POST /.search`: admin Users, then admin-role Groups.
pub(crate) async fn search_all(
    state: &AppState,
    caller: &Caller,
    params: &ListParams,
    headers: &HeaderMap,
) -> Result<Response, ScimError> {
    let base = base_url(headers);
    let filter_only = ListParams { filter: params.filter.clone(), ..ListParams::default() };
    let mut all = select_users(state, caller, &filter_only, &base).await?;
    all.extend(select_groups(state, caller, &filter_only, &base).await?);
    Ok(params.page_response(all))
}
