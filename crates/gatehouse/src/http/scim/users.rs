//! `/scim/v2/Users`: the end users as SCIM Users, through the same use cases as every other
//! surface (`create_user`, `update_user`, `delete_user`, the one users query). `active=false`
//! blocks the user, which ends every session at once.

use crate::config::{ScimDelete, ScimGroups, ScimRealm};
use crate::http::rejection::JsonObject;
use crate::http::scim::filter::user_filter;
use crate::http::scim::list::ListParams;
use crate::http::scim::resources::{user_resource, user_version, user_write, UserWrite, PLACEHOLDER_DOMAIN};
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
use gatehouse_domain::action::Action;
use gatehouse_domain::crypto::token::random_hex;
use gatehouse_domain::ids::UserId;
use gatehouse_domain::model::{AccountState, User, UserWithRole};
use gatehouse_domain::query::{Filter, UserQuery, Window};
use gatehouse_domain::users::{NewUserInput, UserPatch};
use gatehouse_domain::Caller;
use serde_json::Value;

/// Attributes a PATCH may not touch.
const READ_ONLY: [&str; 4] = ["id", "meta", "groups", "schemas"];

/// The user an id names; anything but a canonical positive integer names none (404).
fn user_id(raw: &str) -> Result<UserId, ScimError> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0 && id.to_string() == raw)
        .map(UserId)
        .ok_or_else(|| ScimError::not_found("User"))
}

async fn find(state: &AppState, caller: &Caller, id: UserId) -> Result<UserWithRole, ScimError> {
    Ok(state.domain.find_user(caller, id, true).await?)
}

/// The SCIM Users for `found`; with `scim.groups = "groups"`, `groups` lists every group each
/// is in (read for the whole page at once).
async fn resources_of(
    state: &AppState,
    caller: &Caller,
    found: &[UserWithRole],
    base: &str,
) -> Result<Vec<Value>, ScimError> {
    let mut resources: Vec<Value> = found.iter().map(|user| user_resource(user, base)).collect();
    if state.surface.scim.groups == ScimGroups::Groups {
        group_table::fill_user_groups(state, caller, found, &mut resources, base).await?;
    }
    Ok(resources)
}

/// A user's current `meta.version`: with `scim.groups = "groups"` it also changes with the
/// groups the user is in, which its resource shows.
async fn version_of(state: &AppState, caller: &Caller, user: &User) -> Result<String, ScimError> {
    match state.surface.scim.groups {
        ScimGroups::Roles => Ok(user_version(user)),
        ScimGroups::Groups => group_table::user_version_with_groups(state, caller, user).await,
    }
}

/// The SCIM User for one user (see [`resources_of`]).
async fn resource_of(state: &AppState, caller: &Caller, found: UserWithRole, base: &str) -> Result<Value, ScimError> {
    let mut resources = resources_of(state, caller, std::slice::from_ref(&found), base).await?;
    resources.pop().ok_or_else(|| ScimError::not_found("User"))
}

/// Lists users for a list or a search: the filter runs in the database.
pub(crate) async fn list_page(
    state: &AppState,
    caller: &Caller,
    params: &ListParams,
    filter: Filter,
    base: &str,
    skip: u64,
    take: u64,
) -> Result<(u64, Vec<Value>), ScimError> {
    if take == 0 {
        return Ok((state.domain.count_users(caller, &filter).await?, Vec::new()));
    }
    let window = Window::starting_at_most(skip, take, take)
        .ok_or_else(|| ScimError::invalid_value("startIndex is beyond the last result"))?;
    let query = UserQuery { filter, sort: params.user_sort()?, window, with_role: true, fields: None };
    let found = state.domain.list_users_with_total(caller, &query).await?;
    Ok((found.total, resources_of(state, caller, &found.users, base).await?))
}

async fn list(
    state: &AppState,
    caller: &Caller,
    params: &ListParams,
    headers: &HeaderMap,
) -> Result<Response, ScimError> {
    if state.surface.scim.realm == ScimRealm::Admins {
        return admins::list_users(state, caller, params, headers).await;
    }
    let filter = match &params.filter {
        Some(expr) => user_filter(expr)?,
        None => Filter::everything(),
    };
    let (total, page) =
        list_page(state, caller, params, filter, &base_url(headers), params.offset(), params.count).await?;
    Ok(scim_json(StatusCode::OK, &params.list_response(total, page)))
}

/// List users (`filter`, `startIndex`, `count`, `sortBy`, `sortOrder`, `attributes`,
/// `excludedAttributes`).
///
/// Action `plugin::users-permissions.user.find`; the credential is a `scim` API token.
#[utoipa::path(
    get, path = "/scim/v2/Users", tag = "scim", operation_id = "scim_list_users",
    params(
        ("filter" = Option<String>, Query, description = "A SCIM filter, e.g. `userName eq \"bjensen\"`"),
        ("startIndex" = Option<i64>, Query, description = "From 1"),
        ("count" = Option<i64>, Query, description = "At most 1000; default 100"),
        ("sortBy" = Option<String>, Query, description = "userName, emails.value, displayName, externalId, id, meta.created or meta.lastModified"),
        ("sortOrder" = Option<String>, Query, description = "ascending or descending"),
        ("attributes" = Option<String>, Query, description = "Comma-separated attribute paths"),
        ("excludedAttributes" = Option<String>, Query, description = "Comma-separated attribute paths"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A ListResponse of Users", content_type = "application/scim+json", body = ScimListResponse),
        (status = 400, description = "`invalidFilter` or `invalidValue`; `tooMany` past 10,000 admins with `scim.realm = \"admins\"`", content_type = "application/scim+json", body = ScimErrorResponse),
        (status = 401, description = "No valid `scim` token", content_type = "application/scim+json", body = ScimErrorResponse),
    )
)]
pub async fn scim_list_users(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ScimError> {
    let params = ListParams::from_query(raw.as_deref())?;
    list(&state, &caller, &params, &headers).await
}

/// Search users with a `SearchRequest` body.
///
/// Action `plugin::users-permissions.user.find`.
#[utoipa::path(
    post, path = "/scim/v2/Users/.search", tag = "scim", operation_id = "scim_search_users",
    request_body(content = ScimSearchRequest, content_type = "application/json", description = "A SearchRequest (also accepted as application/scim+json)"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A ListResponse of Users", content_type = "application/scim+json", body = ScimListResponse),
        (status = 400, description = "`invalidFilter`, `invalidValue` or `invalidSyntax`; `tooMany` past 10,000 admins with `scim.realm = \"admins\"`", content_type = "application/scim+json", body = ScimErrorResponse),
        (status = 401, description = "No valid `scim` token", content_type = "application/scim+json", body = ScimErrorResponse),
    )
)]
pub async fn scim_search_users(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    JsonObject(body): JsonObject,
) -> Result<Response, ScimError> {
    let params = ListParams::from_search(&body)?;
    list(&state, &caller, &params, &headers).await
}

/// One user. `If-None-Match` with its current version answers 304.
///
/// Action `plugin::users-permissions.user.findOne`.
#[utoipa::path(
    get, path = "/scim/v2/Users/{id}", tag = "scim", operation_id = "scim_find_user",
    params(("id" = String, Path, description = "The user's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The User", content_type = "application/scim+json", body = ScimResource),
        (status = 304, description = "Not modified since the version in If-None-Match"),
        (status = 401, description = "No valid `scim` token", content_type = "application/scim+json", body = ScimErrorResponse),
        (status = 404, description = "No such user", content_type = "application/scim+json", body = ScimErrorResponse),
    )
)]
pub async fn scim_find_user(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Path(raw_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ScimError> {
    let params = ListParams::from_query(raw.as_deref())?;
    if state.surface.scim.realm == ScimRealm::Admins {
        return admins::find_user(&state, &caller, &params, &headers, &raw_id).await;
    }
    let found = find(&state, &caller, user_id(&raw_id)?).await?;
    let version = version_of(&state, &caller, &found.user).await?;
    if not_modified(&headers, &version) {
        return Ok(not_modified_response(&version));
    }
    let resource = resource_of(&state, &caller, found, &base_url(&headers)).await?;
    let shown = crate::http::scim::resources::project(resource, &params.attributes, &params.excluded);
    let mut response = resource_response(StatusCode::OK, &shown);
    if let Ok(value) = axum::http::HeaderValue::from_str(&version) {
        response.headers_mut().insert(axum::http::header::ETAG, value);
    }
    Ok(response)
}

/// Create a user (201 with `Location`). A user without `emails` gets a placeholder address
/// that is never shown; one without `password` gets a random one (it logs in through its
/// identity provider).
///
/// Action `plugin::users-permissions.user.create`. Events: `user.created`. With
/// `scim.realm = "admins"`: an active admin without roles, and without a password unless one is given (`admin::users.create`;
/// `admin.created`).
#[utoipa::path(
    post, path = "/scim/v2/Users", tag = "scim", operation_id = "scim_create_user",
    request_body(content = ScimResource, content_type = "application/json", description = "A User (also accepted as application/scim+json)"),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The created User", content_type = "application/scim+json", body = ScimResource),
        (status = 400, description = "`invalidValue` (with `scim.realm = \"admins\"`, also a `password` below the admin password rules) or `invalidSyntax`", content_type = "application/scim+json", body = ScimErrorResponse),
        (status = 401, description = "No valid `scim` token", content_type = "application/scim+json", body = ScimErrorResponse),
        (status = 409, description = "`uniqueness`: the userName or email is taken", content_type = "application/scim+json", body = ScimErrorResponse),
    )
)]
pub async fn scim_create_user(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    JsonObject(body): JsonObject,
) -> Result<Response, ScimError> {
    if state.surface.scim.realm == ScimRealm::Admins {
        return admins::create_user(&state, &caller, &headers, Value::Object(body)).await;
    }
    let write = user_write(&Value::Object(body))?;
    let input = NewUserInput {
        username: Some(write.username),
        email: write.email.unwrap_or_else(|| format!("{}@{PLACEHOLDER_DOMAIN}", random_hex(12))),
        password: write.password.unwrap_or_else(|| random_hex(24)).into(),
        state: Some(if write.active { AccountState::Active } else { AccountState::Blocked }),
        confirmed: Some(true),
        name: write.name,
        external_id: write.external_id,
        profile: Some(write.profile),
        ..NewUserInput::default()
    };
    let created = state.domain.create_user(&caller, input).await?;
    Ok(resource_response(StatusCode::CREATED, &resource_of(&state, &caller, created, &base_url(&headers)).await?))
}

/// Writes a whole User over `id` (PUT, and PATCH's result).
async fn replace(
    state: &AppState,
    caller: &Caller,
    id: UserId,
    write: UserWrite,
    headers: &HeaderMap,
) -> Result<Response, ScimError> {
    let patch = UserPatch {
        username: Some(write.username),
        email: write.email,
        password: write.password.map(Into::into),
        blocked: Some(!write.active),
        name: Some(write.name),
        external_id: Some(write.external_id),
        profile: Some(Some(write.profile)),
        ..UserPatch::default()
    };
    let updated = state.domain.update_user(caller, id, patch).await?;
    Ok(resource_response(StatusCode::OK, &resource_of(state, caller, updated, &base_url(headers)).await?))
}

/// Replace a user (attributes left out are cleared). `If-Match` must name its current version.
///
/// Action `plugin::users-permissions.user.update`. Events: `user.updated`, and
/// `user.blocked` (with `session.revoked`) when `active` turns false. With
/// `scim.realm = "admins"`: `admin::users.update`; `admin.updated` (and `session.revoked` when
/// `active` turns false).
#[utoipa::path(
    put, path = "/scim/v2/Users/{id}", tag = "scim", operation_id = "scim_replace_user",
    params(("id" = String, Path, description = "The user's id")),
    request_body(content = ScimResource, content_type = "application/json", description = "A User (also accepted as application/scim+json)"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The User", content_type = "application/scim+json", body = ScimResource),
        (status = 400, description = "`invalidValue` or `invalidSyntax`; with `scim.realm = \"admins\"`, `invalidValue` for a `password` below the admin password rules and `mutability` for deactivating the last active super admin", content_type = "application/scim+json", body = ScimErrorResponse),
        (status = 401, description = "No valid `scim` token", content_type = "application/scim+json", body = ScimErrorResponse),
        (status = 404, description = "No such user", content_type = "application/scim+json", body = ScimErrorResponse),
        (status = 409, description = "`uniqueness`", content_type = "application/scim+json", body = ScimErrorResponse),
        (status = 412, description = "If-Match names another version", content_type = "application/scim+json", body = ScimErrorResponse),
    )
)]
pub async fn scim_replace_user(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Path(raw_id): Path<String>,
    JsonObject(body): JsonObject,
) -> Result<Response, ScimError> {
    if state.surface.scim.realm == ScimRealm::Admins {
        return admins::replace_user(&state, &caller, &headers, &raw_id, Value::Object(body)).await;
    }
    let id = user_id(&raw_id)?;
    let current = find(&state, &caller, id).await?;
    check_if_match(&headers, &version_of(&state, &caller, &current.user).await?)?;
    let write = user_write(&Value::Object(body))?;
    replace(&state, &caller, id, write, &headers).await
}

/// Modify a user with PATCH operations (`add`, `remove`, `replace`; value paths such as
/// `emails[type eq "work"].value`); answers 200 with the whole User.
///
/// Action `plugin::users-permissions.user.update`.
#[utoipa::path(
    patch, path = "/scim/v2/Users/{id}", tag = "scim", operation_id = "scim_patch_user",
    params(("id" = String, Path, description = "The user's id")),
    request_body(content = ScimPatchRequest, content_type = "application/json", description = "A PatchOp (also accepted as application/scim+json)"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The User", content_type = "application/scim+json", body = ScimResource),
        (status = 400, description = "`invalidPath`, `noTarget`, `mutability`, `invalidValue` or `invalidSyntax`", content_type = "application/scim+json", body = ScimErrorResponse),
        (status = 401, description = "No valid `scim` token", content_type = "application/scim+json", body = ScimErrorResponse),
        (status = 404, description = "No such user", content_type = "application/scim+json", body = ScimErrorResponse),
        (status = 409, description = "`uniqueness`", content_type = "application/scim+json", body = ScimErrorResponse),
        (status = 412, description = "If-Match names another version", content_type = "application/scim+json", body = ScimErrorResponse),
    )
)]
pub async fn scim_patch_user(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Path(raw_id): Path<String>,
    JsonObject(body): JsonObject,
) -> Result<Response, ScimError> {
    if state.surface.scim.realm == ScimRealm::Admins {
        return admins::patch_user(&state, &caller, &headers, &raw_id, &body).await;
    }
    let id = user_id(&raw_id)?;
    let operations = patch::operations(&body)?;
    let current = find(&state, &caller, id).await?;
    check_if_match(&headers, &version_of(&state, &caller, &current.user).await?)?;
    let mut resource = user_resource(&current, &base_url(&headers));
    patch::apply(&mut resource, &operations, &READ_ONLY)?;
    let mut write = user_write(&resource)?;
    // The password is never read back: only an operation that names it sets it.
    write.password = resource.get("password").and_then(Value::as_str).map(str::to_owned);
    replace(&state, &caller, id, write, &headers).await
}

/// Delete a user, with their sessions (204). With `scim.delete = "deactivate"` the user is
/// blocked instead (their sessions end) and stays readable with `active: false`; a later
/// `POST` with the same `userName` is then a 409 `uniqueness` (re-activate with `PATCH`).
///
/// Action `plugin::users-permissions.user.destroy`. Events: `session.revoked`, `user.deleted`;
/// when deactivating, those of a block: `user.updated`, `user.blocked`, `session.revoked`.
/// With `scim.realm = "admins"`: the admin soft delete (`admin::users.delete`; `session.revoked`,
/// `admin.deleted`), whatever `scim.delete` says.
#[utoipa::path(
    delete, path = "/scim/v2/Users/{id}", tag = "scim", operation_id = "scim_delete_user",
    params(("id" = String, Path, description = "The user's id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "`mutability`: the last active super admin, with `scim.realm = \"admins\"`", content_type = "application/scim+json", body = ScimErrorResponse),
        (status = 401, description = "No valid `scim` token", content_type = "application/scim+json", body = ScimErrorResponse),
        (status = 404, description = "No such user", content_type = "application/scim+json", body = ScimErrorResponse),
        (status = 412, description = "If-Match names another version", content_type = "application/scim+json", body = ScimErrorResponse),
    )
)]
pub async fn scim_delete_user(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Path(raw_id): Path<String>,
) -> Result<Response, ScimError> {
    if state.surface.scim.realm == ScimRealm::Admins {
        return admins::delete_user(&state, &caller, &headers, &raw_id).await;
    }
    let id = user_id(&raw_id)?;
    if headers.contains_key(axum::http::header::IF_MATCH) {
        let current = find(&state, &caller, id).await?;
        check_if_match(&headers, &version_of(&state, &caller, &current.user).await?)?;
    }
    match state.surface.scim.delete {
        ScimDelete::Delete => {
            state.domain.delete_user(&caller, id).await?;
        }
        ScimDelete::Deactivate => {
            state.domain.block_user(&caller, Action::USER_DESTROY, id).await?;
        }
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}
