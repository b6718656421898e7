//! `scim.groups = "groups"`: `/scim/v2/Groups` over the free-standing groups of end users
//! (the domain's `groups` use cases), which `scim.group_roles` maps to roles. A user may be in
//! any number of groups; each membership change recomputes the role of the users it touches
//! in the domain, with the events of any role change. The handlers of `groups` hand over here
//! in this mode, and a User's read-only `groups` lists every group it is in
//! ([`fill_user_groups`]).
//!
//! A Group: `displayName` (unique case-insensitively) ↔ the group's name, `externalId` ↔ its
//! provisioning id, `members` ↔ its users. Groups are few: lists, filters and sorting run in
//! memory over every group, as for the roles of the default mode.

use crate::http::scim::list::ListParams;
use crate::http::scim::resources::{group_write, project};
use crate::http::scim::{
    base_url, check_if_match, not_modified, not_modified_response, patch, resource_response, ScimError, GROUP_SCHEMA,
};
use crate::http::AppState;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use gatehouse_domain::groups::{GroupPatch, GroupWithMembers, MemberChange, NewGroupInput};
use gatehouse_domain::ids::{GroupId, UserId};
use gatehouse_domain::model::{Group, User, UserWithRole};
use gatehouse_domain::Caller;
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;

/// Attributes a PATCH may not touch.
const READ_ONLY: [&str; 3] = ["id", "meta", "schemas"];

fn group_id(raw: &str) -> Result<GroupId, ScimError> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0 && id.to_string() == raw)
        .map(GroupId)
        .ok_or_else(|| ScimError::not_found("Group"))
}

/// A group's `meta.version`: its last change and who its members are (a member deleted
/// elsewhere leaves without changing the group's own time).
fn group_version(found: &GroupWithMembers) -> String {
    let hash = ids_hash(found.members.iter().map(|user| user.0));
    format!("W/\"{}-{hash:x}\"", found.group.updated_at.as_millis())
}

/// The SCIM Group for a group and its members.
fn group_resource(found: &GroupWithMembers, base: &str) -> Value {
    let group = &found.group;
    let mut resource = Map::new();
    resource.insert("schemas".into(), json!([GROUP_SCHEMA]));
    resource.insert("id".into(), json!(group.id.0.to_string()));
    if let Some(external_id) = &group.external_id {
        resource.insert("externalId".into(), json!(external_id));
    }
    resource.insert("displayName".into(), json!(group.display_name));
    if !found.members.is_empty() {
        let members: Vec<Value> = found
            .members
            .iter()
            .map(|user| json!({"value": user.0.to_string(), "$ref": format!("{base}/Users/{}", user.0)}))
            .collect();
        resource.insert("members".into(), Value::Array(members));
    }
    resource.insert(
        "meta".into(),
        json!({
            "resourceType": "Group",
            "created": group.created_at.to_rfc3339(),
            "lastModified": group.updated_at.to_rfc3339(),
            "location": format!("{base}/Groups/{}", group.id.0),
            "version": group_version(found),
        }),
    );
    Value::Object(resource)
}

/// The users a body's `members` names (values that are no user id are dropped).
fn member_ids(ids: &[i64]) -> Vec<UserId> {
    ids.iter().copied().filter(|id| *id > 0).map(UserId).collect()
}

/// Every Group matching `params`, sorted (members are read only when shown or filtered on).
pub(crate) async fn select_groups(
    state: &AppState,
    caller: &Caller,
    params: &ListParams,
    base: &str,
) -> Result<Vec<Value>, ScimError> {
    let with_members = crate::http::scim::groups::needs_members(params);
    let groups = state.domain.list_groups(caller, with_members).await?;
    Ok(params.select(groups.iter().map(|found| group_resource(found, base)).collect()))
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
    let found = state.domain.find_group(caller, group_id(raw_id)?).await?;
    let version = group_version(&found);
    if not_modified(headers, &version) {
        return Ok(not_modified_response(&version));
    }
    let resource = project(group_resource(&found, &base_url(headers)), &params.attributes, &params.excluded);
    Ok(resource_response(StatusCode::OK, &resource))
}

/// `POST /Groups`: the group with its members (201 with `Location`).
pub(crate) async fn create_group(
    state: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
    body: Value,
) -> Result<Response, ScimError> {
    let write = group_write(&body)?;
    let input = NewGroupInput {
        display_name: write.name,
        external_id: write.external_id.filter(|id| !id.is_empty()),
        members: member_ids(&write.members),
    };
    let created = state.domain.create_group(caller, input).await?;
    Ok(resource_response(StatusCode::CREATED, &group_resource(&created, &base_url(headers))))
}

/// `PUT /Groups/{id}`: name, provisioning id and exactly the members given.
pub(crate) async fn replace_group(
    state: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
    raw_id: &str,
    body: Value,
) -> Result<Response, ScimError> {
    let id = group_id(raw_id)?;
    let current = state.domain.find_group(caller, id).await?;
    check_if_match(headers, &group_version(&current))?;
    let write = group_write(&body)?;
    let patch = GroupPatch {
        display_name: Some(write.name),
        external_id: Some(write.external_id.filter(|id| !id.is_empty())),
        members: MemberChange::Set(member_ids(&write.members)),
    };
    let updated = state.domain.update_group(caller, id, patch).await?;
    Ok(resource_response(StatusCode::OK, &group_resource(&updated, &base_url(headers))))
}

/// `PATCH /Groups/{id}`: the operations are applied to the Group as read; the members the
/// result adds and removes are written as such (not as a replace of the whole list), so
/// concurrent PATCHes that add different members both take effect.
pub(crate) async fn patch_group(
    state: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
    raw_id: &str,
    body: &Map<String, Value>,
) -> Result<Response, ScimError> {
    let id = group_id(raw_id)?;
    let operations = patch::operations(body)?;
    let current = state.domain.find_group(caller, id).await?;
    check_if_match(headers, &group_version(&current))?;
    let mut resource = group_resource(&current, &base_url(headers));
    patch::apply(&mut resource, &operations, &READ_ONLY)?;
    let write = group_write(&resource)?;
    let before: BTreeSet<UserId> = current.members.iter().copied().collect();
    let after: BTreeSet<UserId> = member_ids(&write.members).into_iter().collect();
    let patch = GroupPatch {
        display_name: Some(write.name),
        external_id: Some(write.external_id.filter(|id| !id.is_empty())),
        members: MemberChange::Change {
            add: after.difference(&before).copied().collect(),
            remove: before.difference(&after).copied().collect(),
        },
    };
    let updated = state.domain.update_group(caller, id, patch).await?;
    Ok(resource_response(StatusCode::OK, &group_resource(&updated, &base_url(headers))))
}

/// `DELETE /Groups/{id}`: the members' roles are recomputed without it (204).
pub(crate) async fn delete_group(
    state: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
    raw_id: &str,
) -> Result<Response, ScimError> {
    let id = group_id(raw_id)?;
    if headers.contains_key(axum::http::header::IF_MATCH) {
        let current = state.domain.find_group(caller, id).await?;
        check_if_match(headers, &group_version(&current))?;
    }
    state.domain.delete_group(caller, id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// FNV-1a over ids: what a version adds to a time so that it changes with a set of members
/// or groups.
fn ids_hash(ids: impl IntoIterator<Item = i64>) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for id in ids {
        for byte in id.to_le_bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

/// A User's `meta.version` in this mode: its last change and the groups it is in (a
/// membership change shows in its `groups` without changing the user itself).
fn user_version(updated_at: i64, groups: impl IntoIterator<Item = i64>) -> String {
    format!("W/\"{updated_at}-{:x}\"", ids_hash(groups))
}

/// The current `meta.version` of a user's resource (see [`fill_user_groups`]).
pub(crate) async fn user_version_with_groups(
    state: &AppState,
    caller: &Caller,
    user: &User,
) -> Result<String, ScimError> {
    let groups = state.domain.groups_of_users(caller, &[user.id]).await?;
    Ok(user_version(user.updated_at.as_millis(), groups.iter().map(|(_, group)| group.id.0)))
}

/// Sets the read-only `groups` of each User resource (`resources[i]` is `found[i]`'s) to
/// every group its user is in (`value`, `display`, `$ref`), in one read for the whole page,
/// and its `meta.version` to one that changes with them.
pub(crate) async fn fill_user_groups(
    state: &AppState,
    caller: &Caller,
    found: &[UserWithRole],
    resources: &mut [Value],
    base: &str,
) -> Result<(), ScimError> {
    let ids: Vec<UserId> = found.iter().map(|user| user.user.id).collect();
    let memberships = state.domain.groups_of_users(caller, &ids).await?;
    for (user, resource) in found.iter().zip(resources.iter_mut()) {
        let Some(resource) = resource.as_object_mut() else { continue };
        let groups: Vec<&Group> =
            memberships.iter().filter(|(member, _)| *member == user.user.id).map(|(_, group)| group).collect();
        let version = user_version(user.user.updated_at.as_millis(), groups.iter().map(|group| group.id.0));
        if let Some(meta) = resource.get_mut("meta").and_then(Value::as_object_mut) {
            meta.insert("version".into(), json!(version));
        }
        resource.remove("groups");
        if !groups.is_empty() {
            let listed: Vec<Value> = groups
                .iter()
                .map(|group| {
                    json!({
                        "value": group.id.0.to_string(),
                        "display": group.display_name,
                        "$ref": format!("{base}/Groups/{}", group.id.0),
                    })
                })
                .collect();
            resource.insert("groups".into(), Value::Array(listed));
        }
    }
    Ok(())
}
