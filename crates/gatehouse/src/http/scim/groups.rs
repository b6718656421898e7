//! `/scim/v2/Groups`: the end-user roles other than the built-in `public` and
//! `authenticated`, as SCIM Groups (`scim.groups = "roles"`, the default; with
//! `scim.groups = "groups"` the handlers hand over to [`group_table`], with
//! `scim.realm = "admins"` to [`admins`]). A user holds one role, so membership is the user's role:
//! adding a member moves the user into the group (out of any other), removing a member moves
//! it back to `authenticated`, and deleting a group moves its users to `authenticated` (the
//! role-delete use case). Filters over groups are evaluated over the (few) roles in memory.

use crate::config::{ScimGroups, ScimRealm};
use crate::http::rejection::JsonObject;
use crate::http::scim::filter::{matches, member};
use crate::http::scim::list::ListParams;
use crate::http::scim::resources::{group_resource, group_version, group_write, is_group, project, GroupWrite};
use crate::http::scim::{admins, group_table};
use crate::http::scim::{
    base_url, check_if_match, not_modified, not_modified_response, patch, resource_response, scim_json, ScimError,
    ScimErrorResponse, ScimListResponse, ScimPatchRequest, ScimResource, ScimSearchRequest,
};
use crate::http::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use gatehouse_domain::ids::{RoleId, UserId};
use gatehouse_domain::model::{Role, User};
use gatehouse_domain::query::{FieldRef, Filter, Operand, Operator, RoleField, UserQuery, Window};
use gatehouse_domain::roles::RoleInput;
use gatehouse_domain::users::{RoleRef, UserPatch};
use gatehouse_domain::{Caller, DomainError};
use serde_json::Value;

/// Attributes a PATCH may not touch.
const READ_ONLY: [&str; 3] = ["id", "meta", "schemas"];

/// Members read per query when loading a group.
const MEMBER_PAGE: u64 = 1000;

fn role_id(raw: &str) -> Result<RoleId, ScimError> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0 && id.to_string() == raw)
        .map(RoleId)
        .ok_or_else(|| ScimError::not_found("Group"))
}

/// The users holding `role`, by id (the one users query, page by page).
async fn members_of(state: &AppState, caller: &Caller, role: RoleId) -> Result<Vec<User>, ScimError> {
    let filter = Filter::Compare {
        field: FieldRef::Role(RoleField::Id),
        operator: Operator::Eq,
        operands: vec![Operand::Integer(role.0)],
    };
    let mut members = Vec::new();
    loop {
        let window = Window::starting_at_most(members.len() as u64, MEMBER_PAGE, MEMBER_PAGE)
            .ok_or_else(|| ScimError::invalid_value("too many members"))?;
        let query = UserQuery { filter: filter.clone(), window, ..UserQuery::default() };
        let page = state.domain.list_users(caller, &query).await?;
        let done = (page.len() as u64) < MEMBER_PAGE;
        members.extend(page.into_iter().map(|found| found.user));
        if done {
            return Ok(members);
        }
    }
}

async fn find_group(state: &AppState, caller: &Caller, id: RoleId) -> Result<(Role, Vec<User>), ScimError> {
    let (role, _) = state.domain.find_role_with_actions(caller, id).await?;
    if !is_group(&role) {
        return Err(ScimError::not_found("Group"));
    }
    let members = members_of(state, caller, id).await?;
    Ok((role, members))
}

/// Whether a listing must load members: they are shown, or the filter or sort may read them.
pub(crate) fn needs_members(params: &ListParams) -> bool {
    let named = |paths: &[crate::http::scim::filter::AttrPath]| {
        paths.iter().any(|path| path.attr.eq_ignore_ascii_case("members"))
    };
    params.filter.is_some()
        || params.sort_by.is_some()
        || if params.attributes.is_empty() { !named(&params.excluded) } else { named(&params.attributes) }
}

/// Every group matching `params`, sorted; the total and the page.
pub(crate) async fn list_groups(
    state: &AppState,
    caller: &Caller,
    params: &ListParams,
    base: &str,
) -> Result<Vec<Value>, ScimError> {
    let with_members = needs_members(params);
    let mut groups = Vec::new();
    for counted in state.domain.list_roles(caller).await? {
        if !is_group(&counted.role) {
            continue;
        }
        let members = if with_members { members_of(state, caller, counted.role.id).await? } else { Vec::new() };
        let resource = group_resource(&counted.role, &members, base);
        if params.filter.as_ref().is_none_or(|expr| matches(expr, &resource)) {
            groups.push(resource);
        }
    }
    if let Some(sort) = &params.sort_by {
        let key = |resource: &Value| {
            let mut value = resource.clone();
            for part in std::iter::once(sort.attr.as_str()).chain(sort.sub.as_deref()) {
                value = member(&value, part).cloned().unwrap_or(Value::Null);
            }
            value.as_str().map(str::to_lowercase).unwrap_or_else(|| value.to_string())
        };
        groups.sort_by_key(key);
        if params.descending {
            groups.reverse();
        }
    }
    Ok(groups)
}

async fn list(
    state: &AppState,
    caller: &Caller,
    params: &ListParams,
    headers: &HeaderMap,
) -> Result<Response, ScimError> {
    if state.surface.scim.realm == ScimRealm::Admins {
        return admins::list_groups(state, caller, params, headers).await;
    }
    if state.surface.scim.groups == ScimGroups::Groups {
        return group_table::list_groups(state, caller, params, headers).await;
    }
    let groups = list_groups(state, caller, params, &base_url(headers)).await?;
    let total = groups.len() as u64;
    let page: Vec<Value> = groups
        .into_iter()
        .skip(usize::try_from(params.offset()).unwrap_or(usize::MAX))
        .take(usize::try_from(params.count).unwrap_or(usize::MAX))
        .collect();
    Ok(scim_json(StatusCode::OK, &params.list_response(total, page)))
}

/// List groups.
///
/// Action `plugin::users-permissions.role.find`; the credential is a `scim` API token.
#[utoipa::path(
    get, path = "/scim/v2/Groups", tag = "scim", operation_id = "scim_list_groups",
    params(
        ("filter" = Option<String>, Query, description = "A SCIM filter, e.g. `displayName eq \"Editors\"`"),
        ("startIndex" = Option<i64>, Query, description = "From 1"),
        ("count" = Option<i64>, Query, description = "At most 1000; default 100"),
        ("sortBy" = Option<String>, Query, description = "An attribute path"),
        ("sortOrder" = Option<String>, Query, description = "ascending or descending"),
        ("attributes" = Option<String>, Query, description = "Comma-separated attribute paths"),
        ("excludedAttributes" = Option<String>, Query, description = "Comma-separated attribute paths"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A ListResponse of Groups", content_type = "application/scim+json", body = ScimListResponse),
        (status = 400, description = "`invalidFilter` or `invalidValue`; `tooMany` past 10,000 admins with `scim.realm = \"admins\"`", content_type = "application/scim+json", body = ScimErrorResponse),
        (status = 401, description = "No valid `scim` token", content_type = "application/scim+json", body = ScimErrorResponse),
    )
)]
pub async fn scim_list_groups(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ScimError> {
    let params = ListParams::from_query(raw.as_deref())?;
    list(&state, &caller, &params, &headers).await
}

/// Search groups with a `SearchRequest` body.
///
/// Action `plugin::users-permissions.role.find`.
#[utoipa::path(
    post, path = "/scim/v2/Groups/.search", tag = "scim", operation_id = "scim_search_groups",
    request_body(content = ScimSearchRequest, content_type = "application/json", description = "A SearchRequest (also accepted as application/scim+json)"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A ListResponse of Groups", content_type = "application/scim+json", body = ScimListResponse),
        (status = 400, description = "`invalidFilter`, `invalidValue` or `invalidSyntax`; `tooMany` past 10,000 admins with `scim.realm = \"admins\"`", content_type = "application/scim+json", body = ScimErrorResponse),
        (status = 401, description = "No valid `scim` token", content_type = "application/scim+json", body = ScimErrorResponse),
    )
)]
pub async fn scim_search_groups(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    JsonObject(body): JsonObject,
) -> Result<Response, ScimError> {
    let params = ListParams::from_search(&body)?;
    list(&state, &caller, &params, &headers).await
}

/// One group with its members. `If-None-Match` with its current version answers 304.
///
/// Action `plugin::users-permissions.role.findOne`.
#[utoipa::path(
    get, path = "/scim/v2/Groups/{id}", tag = "scim", operation_id = "scim_find_group",
    params(("id" = String, Path, description = "The group's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The Group", content_type = "application/scim+json", body = ScimResource),
        (status = 304, description = "Not modified since the version in If-None-Match"),
        (status = 401, description = "No valid `scim` token", content_type = "application/scim+json", body = ScimErrorResponse),
        (status = 404, description = "No such group", content_type = "application/scim+json", body = ScimErrorResponse),
    )
)]
pub async fn scim_find_group(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Path(raw_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ScimError> {
    let params = ListParams::from_query(raw.as_deref())?;
    if state.surface.scim.realm == ScimRealm::Admins {
        return admins::find_group(&state, &caller, &params, &headers, &raw_id).await;
    }
    if state.surface.scim.groups == ScimGroups::Groups {
        return group_table::find_group(&state, &caller, &params, &headers, &raw_id).await;
    }
    let (role, members) = find_group(&state, &caller, role_id(&raw_id)?).await?;
    let version = group_version(&role, &members);
    if not_modified(&headers, &version) {
        return Ok(not_modified_response(&version));
    }
    let resource = project(group_resource(&role, &members, &base_url(&headers)), &params.attributes, &params.excluded);
    let mut response = resource_response(StatusCode::OK, &resource);
    if let Ok(value) = axum::http::HeaderValue::from_str(&version) {
        response.headers_mut().insert(axum::http::header::ETAG, value);
    }
    Ok(response)
}

/// Moves the users named by `wanted` into `role` and every other current member out (to
/// `authenticated`). Ids that name no user are ignored.
async fn set_members(
    state: &AppState,
    caller: &Caller,
    role: RoleId,
    current: &[User],
    wanted: &[i64],
) -> Result<(), ScimError> {
    for user in current.iter().filter(|user| !wanted.contains(&user.id.0)) {
        let patch = UserPatch { role: Some(RoleRef::Type(Role::AUTHENTICATED.to_owned())), ..UserPatch::default() };
        state.domain.update_user(caller, user.id, patch).await?;
    }
    for id in wanted.iter().filter(|id| !current.iter().any(|user| user.id.0 == **id)) {
        let patch = UserPatch { role: Some(RoleRef::Id(role.0)), ..UserPatch::default() };
        match state.domain.update_user(caller, UserId(*id), patch).await {
            Ok(_) | Err(DomainError::NotFound(_)) => {}
            Err(error) => return Err(error.into()),
        }
    }
    Ok(())
}

async fn answer(
    state: &AppState,
    caller: &Caller,
    id: RoleId,
    status: StatusCode,
    headers: &HeaderMap,
) -> Result<Response, ScimError> {
    let (role, members) = find_group(state, caller, id).await?;
    Ok(resource_response(status, &group_resource(&role, &members, &base_url(headers))))
}

/// Create a group with its members (201 with `Location`): a role without permissions, or with
/// `scim.groups = "groups"` a group of its own whose members' roles follow `scim.group_roles`.
///
/// Action `plugin::users-permissions.role.createRole` (and `user.update` for the members).
/// Events: `role.created` (`group.created` in groups mode), then for each member whose role
/// changed `user.updated` and `user.role_changed`.
#[utoipa::path(
    post, path = "/scim/v2/Groups", tag = "scim", operation_id = "scim_create_group",
    request_body(content = ScimResource, content_type = "application/json", description = "A Group (also accepted as application/scim+json)"),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The created Group", content_type = "application/scim+json", body = ScimResource),
        (status = 400, description = "`invalidValue` (with `scim.groups = \"groups\"`, also when a member's role by `scim.group_roles` does not exist) or `invalidSyntax`; with `scim.realm = \"admins\"`, the new admin role grants nothing until given permissions in the admin panel", content_type = "application/scim+json", body = ScimErrorResponse),
        (status = 401, description = "No valid `scim` token", content_type = "application/scim+json", body = ScimErrorResponse),
        (status = 409, description = "`uniqueness`: a group with this displayName exists (case-insensitively)", content_type = "application/scim+json", body = ScimErrorResponse),
    )
)]
pub async fn scim_create_group(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    JsonObject(body): JsonObject,
) -> Result<Response, ScimError> {
    if state.surface.scim.realm == ScimRealm::Admins {
        return admins::create_group(&state, &caller, &headers, Value::Object(body)).await;
    }
    if state.surface.scim.groups == ScimGroups::Groups {
        return group_table::create_group(&state, &caller, &headers, Value::Object(body)).await;
    }
    let write = group_write(&Value::Object(body))?;
    let input = RoleInput { name: Some(write.name), external_id: Some(write.external_id), ..RoleInput::default() };
    let role = state.domain.create_role(&caller, input).await?;
    set_members(&state, &caller, role.id, &[], &write.members).await?;
    answer(&state, &caller, role.id, StatusCode::CREATED, &headers).await
}

async fn replace(
    state: &AppState,
    caller: &Caller,
    role: &Role,
    members: &[User],
    write: GroupWrite,
    headers: &HeaderMap,
) -> Result<Response, ScimError> {
    let name = (write.name != role.name).then_some(write.name);
    let input = RoleInput { name, external_id: Some(write.external_id), ..RoleInput::default() };
    state.domain.update_role(caller, role.id, input).await?;
    set_members(state, caller, role.id, members, &write.members).await?;
    answer(state, caller, role.id, StatusCode::OK, headers).await
}

/// Replace a group: its name, external id and members. With `scim.groups = "groups"`, the
/// role of every user whose groups changed (every member, on a rename) is recomputed from
/// `scim.group_roles`.
///
/// Action `plugin::users-permissions.role.updateRole` (and `user.update` for the members).
/// Events: `role.updated` (`group.updated` in groups mode), then the members' `user.updated`
/// and `user.role_changed` where their role changed.
#[utoipa::path(
    put, path = "/scim/v2/Groups/{id}", tag = "scim", operation_id = "scim_replace_group",
    params(("id" = String, Path, description = "The group's id")),
    request_body(content = ScimResource, content_type = "application/json", description = "A Group (also accepted as application/scim+json)"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The Group", content_type = "application/scim+json", body = ScimResource),
        (status = 400, description = "`invalidValue` or `invalidSyntax`; with `scim.realm = \"admins\"`, `mutability` for renaming a built-in role or for taking Super Admin from the last active super admin", content_type = "application/scim+json", body = ScimErrorResponse),
        (status = 401, description = "No valid `scim` token", content_type = "application/scim+json", body = ScimErrorResponse),
        (status = 404, description = "No such group", content_type = "application/scim+json", body = ScimErrorResponse),
        (status = 409, description = "`uniqueness`: another group has this displayName (case-insensitively)", content_type = "application/scim+json", body = ScimErrorResponse),
        (status = 412, description = "If-Match names another version", content_type = "application/scim+json", body = ScimErrorResponse),
    )
)]
pub async fn scim_replace_group(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Path(raw_id): Path<String>,
    JsonObject(body): JsonObject,
) -> Result<Response, ScimError> {
    if state.surface.scim.realm == ScimRealm::Admins {
        return admins::replace_group(&state, &caller, &headers, &raw_id, Value::Object(body)).await;
    }
    if state.surface.scim.groups == ScimGroups::Groups {
        return group_table::replace_group(&state, &caller, &headers, &raw_id, Value::Object(body)).await;
    }
    let (role, members) = find_group(&state, &caller, role_id(&raw_id)?).await?;
    check_if_match(&headers, &group_version(&role, &members))?;
    let write = group_write(&Value::Object(body))?;
    replace(&state, &caller, &role, &members, write, &headers).await
}

/// Modify a group with PATCH operations (`members[value eq "…"]` and the like); answers 200
/// with the whole Group. With `scim.groups = "groups"`, the members added and removed are
/// written as such and their roles recomputed from `scim.group_roles`.
///
/// Action `plugin::users-permissions.role.updateRole` (and `user.update` for the members).
#[utoipa::path(
    patch, path = "/scim/v2/Groups/{id}", tag = "scim", operation_id = "scim_patch_group",
    params(("id" = String, Path, description = "The group's id")),
    request_body(content = ScimPatchRequest, content_type = "application/json", description = "A PatchOp (also accepted as application/scim+json)"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The Group", content_type = "application/scim+json", body = ScimResource),
        (status = 400, description = "`invalidPath`, `noTarget`, `mutability`, `invalidValue` or `invalidSyntax`", content_type = "application/scim+json", body = ScimErrorResponse),
        (status = 401, description = "No valid `scim` token", content_type = "application/scim+json", body = ScimErrorResponse),
        (status = 404, description = "No such group", content_type = "application/scim+json", body = ScimErrorResponse),
        (status = 409, description = "`uniqueness`: another group has this displayName (case-insensitively)", content_type = "application/scim+json", body = ScimErrorResponse),
        (status = 412, description = "If-Match names another version", content_type = "application/scim+json", body = ScimErrorResponse),
    )
)]
pub async fn scim_patch_group(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Path(raw_id): Path<String>,
    JsonObject(body): JsonObject,
) -> Result<Response, ScimError> {
    if state.surface.scim.realm == ScimRealm::Admins {
        return admins::patch_group(&state, &caller, &headers, &raw_id, &body).await;
    }
    if state.surface.scim.groups == ScimGroups::Groups {
        return group_table::patch_group(&state, &caller, &headers, &raw_id, &body).await;
    }
    let operations = patch::operations(&body)?;
    let (role, members) = find_group(&state, &caller, role_id(&raw_id)?).await?;
    check_if_match(&headers, &group_version(&role, &members))?;
    let mut resource = group_resource(&role, &members, &base_url(&headers));
    patch::apply(&mut resource, &operations, &READ_ONLY)?;
    let write = group_write(&resource)?;
    replace(&state, &caller, &role, &members, write, &headers).await
}

/// Delete a group (204): its users move to `authenticated`; with `scim.groups = "groups"`
/// their roles are recomputed from their other groups (`authenticated` when none is mapped).
///
/// Action `plugin::users-permissions.role.deleteRole` (and `user.update` in groups mode).
/// Events: for each user whose role changed `user.updated` and `user.role_changed`, then
/// `role.deleted` (`group.deleted` in groups mode).
#[utoipa::path(
    delete, path = "/scim/v2/Groups/{id}", tag = "scim", operation_id = "scim_delete_group",
    params(("id" = String, Path, description = "The group's id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "`mutability` for a built-in role with `scim.realm = \"admins\"`; `invalidValue` with `scim.groups = \"groups\"` when a member's new role, by `scim.group_roles`, does not exist", content_type = "application/scim+json", body = ScimErrorResponse),
        (status = 401, description = "No valid `scim` token", content_type = "application/scim+json", body = ScimErrorResponse),
        (status = 404, description = "No such group", content_type = "application/scim+json", body = ScimErrorResponse),
        (status = 412, description = "If-Match names another version", content_type = "application/scim+json", body = ScimErrorResponse),
    )
)]
pub async fn scim_delete_group(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Path(raw_id): Path<String>,
) -> Result<Response, ScimError> {
    if state.surface.scim.realm == ScimRealm::Admins {
        return admins::delete_group(&state, &caller, &headers, &raw_id).await;
    }
    if state.surface.scim.groups == ScimGroups::Groups {
        return group_table::delete_group(&state, &caller, &headers, &raw_id).await;
    }
    let id = role_id(&raw_id)?;
    let (role, members) = find_group(&state, &caller, id).await?;
    check_if_match(&headers, &group_version(&role, &members))?;
    state.domain.delete_role(&caller, id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Search every resource type (`POST /scim/v2/.search`): Users, then Groups.
///
/// Action `plugin::users-permissions.user.find` (and `role.find` for the groups).
#[utoipa::path(
    post, path = "/scim/v2/.search", tag = "scim", operation_id = "scim_search",
    request_body(content = ScimSearchRequest, content_type = "application/json", description = "A SearchRequest (also accepted as application/scim+json)"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A ListResponse of Users and Groups", content_type = "application/scim+json", body = ScimListResponse),
        (status = 400, description = "`invalidFilter`, `invalidValue` or `invalidSyntax`; `tooMany` past 10,000 admins with `scim.realm = \"admins\"`", content_type = "application/scim+json", body = ScimErrorResponse),
        (status = 401, description = "No valid `scim` token", content_type = "application/scim+json", body = ScimErrorResponse),
    )
)]
pub async fn scim_search(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    JsonObject(body): JsonObject,
) -> Result<Response, ScimError> {
    let params = ListParams::from_search(&body)?;
    if state.surface.scim.realm == ScimRealm::Admins {
        return admins::search_all(&state, &caller, &params, &headers).await;
    }
    let base = base_url(&headers);
    // A filter no user attribute can answer (`members…`) matches no user.
    let user_filter = match &params.filter {
        Some(expr) => crate::http::scim::filter::user_filter(expr).unwrap_or(Filter::Any(Vec::new())),
        None => Filter::everything(),
    };
    let user_params = ListParams { sort_by: None, ..ListParams::default() };
    let users_total = state.domain.count_users(&caller, &user_filter).await?;
    let offset = params.offset();
    let mut page = Vec::new();
    if offset < users_total && params.count > 0 {
        let (_, users) = crate::http::scim::users::list_page(
            &state,
            &caller,
            &user_params,
            user_filter,
            &base,
            offset,
            params.count,
        )
        .await?;
        page = users;
    }
    let group_params = ListParams { sort_by: None, ..params_filter_only(&params) };
    let groups = match state.surface.scim.groups {
        ScimGroups::Roles => list_groups(&state, &caller, &group_params, &base).await?,
        ScimGroups::Groups => group_table::select_groups(&state, &caller, &group_params, &base).await?,
    };
    let group_offset = offset.saturating_sub(users_total);
    let room = params.count.saturating_sub(page.len() as u64);
    page.extend(
        groups
            .iter()
            .skip(usize::try_from(group_offset).unwrap_or(usize::MAX))
            .take(usize::try_from(room).unwrap_or(usize::MAX))
            .cloned(),
    );
    Ok(scim_json(StatusCode::OK, &params.list_response(users_total + groups.len() as u64, page)))
}

/// The filter of `params` alone (members loaded for it).
fn params_filter_only(params: &ListParams) -> ListParams {
    ListParams { filter: params.filter.clone(), ..ListParams::default() }
}
