//! `/api/v1/users*`: the generic users API over the same use cases and query model as
//! `/api/users`. Only the wire lives here: `usr_` ids, status words onto the domain's
//! [`AccountState`], `page`/`limit`/`status`/`role` onto a [`UserQuery`], and the bodies as
//! structs that are both what the parser produces and what the OpenAPI document shows.

use crate::http::rejection::JsonObject;
use crate::http::v1::{V1Error, V1ErrorResponse};
use crate::http::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use gatehouse_domain::ids::UserId;
use gatehouse_domain::model::{AccountState, UserWithRole};
use gatehouse_domain::query::{FieldRef, Filter, Operator, RoleField, UserQuery, Window};
use gatehouse_domain::users::{NewUserInput, RoleRef, UserPatch};
use gatehouse_domain::Caller;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};

/// Page size when none is asked for.
const DEFAULT_LIMIT: u64 = 20;

/// Where an account stands, in this surface's words.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum V1Status {
    /// Email not confirmed yet.
    Pending,
    /// Confirmed, not blocked.
    Active,
    /// Blocked: cannot log in; setting it ends the user's sessions.
    Inactive,
}

impl V1Status {
    fn of(state: AccountState) -> Self {
        match state {
            AccountState::Unconfirmed => V1Status::Pending,
            AccountState::Active => V1Status::Active,
            AccountState::Blocked => V1Status::Inactive,
        }
    }

    fn state(self) -> AccountState {
        match self {
            V1Status::Pending => AccountState::Unconfirmed,
            V1Status::Active => AccountState::Active,
            V1Status::Inactive => AccountState::Blocked,
        }
    }

    fn parse(word: &str) -> Option<Self> {
        [V1Status::Pending, V1Status::Active, V1Status::Inactive]
            .into_iter()
            .find(|status| serde_json::to_value(status).ok().as_ref().and_then(Value::as_str) == Some(word))
    }
}

/// A user as listed (no settings).
#[derive(Debug, Serialize, ToSchema)]
pub struct V1UserSummary {
    /// `usr_` and the integer id the content API shows (`usr_42` is `/api/users/42`).
    #[schema(pattern = "^usr_[1-9][0-9]{0,18}$", example = "usr_42")]
    pub id: String,
    /// Lower-cased email.
    #[schema(format = Email)]
    pub email: String,
    /// Display name.
    pub name: Option<String>,
    /// Username.
    pub username: String,
    /// The role's type (`authenticated`, `editor`, …).
    pub role: String,
    /// Where the account stands.
    pub status: V1Status,
    /// RFC 3339 UTC with milliseconds.
    #[schema(format = DateTime)]
    pub created_at: String,
    /// RFC 3339 UTC with milliseconds.
    #[schema(format = DateTime)]
    pub updated_at: String,
    /// The last successful login; null until the first.
    #[schema(format = DateTime)]
    pub last_login: Option<String>,
}

/// A user read by id, created or updated: the summary and the user's settings.
#[derive(Debug, Serialize, ToSchema)]
pub struct V1User {
    /// Every listed field.
    #[serde(flatten)]
    pub summary: V1UserSummary,
    /// The user's own settings (a JSON object), or null.
    #[schema(value_type = Option<Object>)]
    pub settings: Option<Value>,
}

impl V1UserSummary {
    fn from_user(found: &UserWithRole) -> Self {
        let user = &found.user;
        Self {
            id: format!("usr_{}", user.id.0),
            email: user.email.clone(),
            name: user.name.clone(),
            username: user.username.clone(),
            role: found.role.as_ref().map(|role| role.role_type.clone()).unwrap_or_default(),
            status: V1Status::of(user.state()),
            created_at: user.created_at.to_rfc3339(),
            updated_at: user.updated_at.to_rfc3339(),
            last_login: user.last_login_at.map(|at| at.to_rfc3339()),
        }
    }
}

impl V1User {
    fn from_user(found: &UserWithRole) -> Self {
        Self {
            summary: V1UserSummary::from_user(found),
            settings: found.user.settings.as_ref().map(|settings| settings.to_value()),
        }
    }
}

/// `{"data": {…}}`
#[derive(Debug, Serialize, ToSchema)]
pub struct V1UserResponse {
    /// The user.
    pub data: V1User,
}

/// `{"data": […], "meta": {…}}`
#[derive(Debug, Serialize, ToSchema)]
pub struct V1UserListResponse {
    /// The page's users, by id.
    pub data: Vec<V1UserSummary>,
    /// Where the page lies.
    pub meta: V1PageMeta,
}

/// Paging of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct V1PageMeta {
    /// Users matching the filters, over every page.
    pub total: u64,
    /// This page (from 1).
    #[schema(minimum = 1)]
    pub page: u64,
    /// The page size used (larger requests are clamped to 100).
    #[schema(minimum = 1, maximum = 100)]
    pub limit: u64,
    /// How many pages there are.
    pub pages: u64,
}

/// `{"success": true, "message": "User deleted successfully"}`
#[derive(Debug, Serialize, ToSchema)]
pub struct V1DeletedResponse {
    /// Always true.
    pub success: bool,
    /// `User deleted successfully`.
    pub message: &'static str,
}

/// Query parameters of the list.
#[derive(Debug, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct V1ListQuery {
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1_000_000_000, default = 1)]
    pub page: Option<u64>,
    /// Page size; values above 100 are clamped to 100 (and `meta.limit` says so).
    #[param(schema_with = limit_schema)]
    pub limit: Option<u64>,
    /// Only users in this state.
    #[param(inline)]
    pub status: Option<V1Status>,
    /// Only users of the role of this type.
    #[param(min_length = 1)]
    pub role: Option<String>,
}

impl V1ListQuery {
    /// Reads the raw query string; unknown parameters are ignored, a known one given twice or
    /// malformed is refused.
    fn parse(raw: &str) -> Result<Self, V1Error> {
        let mut query = Self::default();
        let mut seen: Vec<String> = Vec::new();
        for (key, value) in url::form_urlencoded::parse(raw.as_bytes()) {
            if !matches!(key.as_ref(), "page" | "limit" | "status" | "role") {
                continue;
            }
            if seen.iter().any(|known| *known == key) {
                return Err(V1Error::invalid(&key, format!("{key} is given more than once")));
            }
            seen.push(key.to_string());
            match key.as_ref() {
                "page" => query.page = Some(positive(&key, &value)?),
                "limit" => query.limit = Some(positive(&key, &value)?),
                "status" => {
                    query.status =
                        Some(V1Status::parse(&value).ok_or_else(|| {
                            V1Error::invalid("status", "status must be one of active, inactive, pending")
                        })?)
                }
                _ => {
                    if value.is_empty() {
                        return Err(V1Error::invalid("role", "role must not be empty"));
                    }
                    query.role = Some(value.into_owned());
                }
            }
        }
        Ok(query)
    }

    /// The domain query: the filters, the window (with the page size used), roles loaded.
    fn user_query(&self) -> Result<(UserQuery, u64, u64), V1Error> {
        let page = self.page.unwrap_or(1);
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        let window = Window::page(page, limit)
            .ok_or_else(|| V1Error::invalid("page", "page is beyond the last page that can be asked for"))?;
        let mut filters = Vec::new();
        if let Some(status) = self.status {
            filters.push(Filter::in_state(status.state()));
        }
        if let Some(role) = &self.role {
            filters.push(Filter::compare(
                FieldRef::Role(RoleField::Type),
                Operator::Eq,
                std::slice::from_ref(role),
                "role",
            )?);
        }
        let query = UserQuery { filter: Filter::All(filters), window, with_role: true, ..UserQuery::default() };
        Ok((query, page, window.limit()))
    }
}

/// `limit`: any positive signed 64-bit integer is read (above 100 as 100).
fn limit_schema() -> utoipa::openapi::schema::Schema {
    crate::http::openapi::raw_schema(serde_json::json!({
        "type": "integer", "format": "int64", "minimum": 1, "maximum": i64::MAX, "default": DEFAULT_LIMIT
    }))
}

/// A positive integer that fits a signed 64-bit number, as the schema says.
fn positive(key: &str, value: &str) -> Result<u64, V1Error> {
    match value.trim().parse::<i64>() {
        Ok(number) if number >= 1 => Ok(number.unsigned_abs()),
        _ => Err(V1Error::invalid(key, format!("{key} must be an integer from 1 to {}", i64::MAX))),
    }
}

/// The id `usr_<n>` names; `None` for anything else (which is a 404: it names no user).
fn user_id(raw: &str) -> Option<UserId> {
    let digits = raw.strip_prefix("usr_")?;
    let id = digits.parse::<i64>().ok().filter(|id| *id > 0)?;
    (id.to_string() == digits).then_some(UserId(id))
}

/// Reads a JSON object into a body struct, naming the field a type or key error is at.
fn body<T: DeserializeOwned>(object: Map<String, Value>) -> Result<T, V1Error> {
    serde_path_to_error::deserialize(Value::Object(object)).map_err(|error| {
        let path = error.path().to_string();
        let field = if path == "." { "body".to_owned() } else { path };
        V1Error::invalid(&field, error.inner().to_string())
    })
}

/// `Some(value)` for a key that is present, even as null (`Some(None)`): a partial update
/// tells "clear it" from "leave it".
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(deserializer: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}

/// Body of `POST /api/v1/users`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct V1CreateUserRequest {
    /// A valid email address, unique among users (case-insensitively).
    #[schema(format = Email, max_length = 254)]
    pub email: String,
    /// Display name, 1–255 characters once trimmed.
    #[schema(min_length = 1, max_length = 255)]
    pub name: String,
    /// A role's type; `authenticated` when absent. An unknown role is 400.
    #[schema(min_length = 1)]
    pub role: Option<String>,
    /// At least `auth.password_min_length` characters (8 by default), at most 1024 bytes.
    #[schema(format = Password, min_length = 8, max_length = 1024)]
    pub password: String,
    /// A JSON object of at most 16 KiB.
    #[schema(value_type = Option<Object>)]
    pub settings: Option<Map<String, Value>>,
    /// 3–64 characters without `@`; when absent, the email's local part, made unique.
    #[schema(min_length = 3, max_length = 64, pattern = "^[^@]+$")]
    pub username: Option<String>,
}

/// Body of `PUT /api/v1/users/{user_id}`: every field optional; `name` and `settings` may be
/// null to clear them.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct V1UpdateUserRequest {
    /// Display name, 1–255 characters once trimmed; null clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 255)]
    pub name: Option<Option<String>>,
    /// A role's type. An unknown role is 400.
    #[schema(min_length = 1)]
    pub role: Option<String>,
    /// `inactive` blocks the user and ends their sessions; `active` confirms and unblocks;
    /// `pending` unconfirms and unblocks.
    pub status: Option<V1Status>,
    /// A JSON object of at most 16 KiB; null clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Object>)]
    pub settings: Option<Option<Map<String, Value>>>,
    /// A valid email address, unique among users.
    #[schema(format = Email, max_length = 254)]
    pub email: Option<String>,
}

/// List users.
///
/// Action `plugin::users-permissions.user.find` (admins: `plugin::users-permissions.users.read`).
#[utoipa::path(
    get, path = "/api/v1/users", tag = "v1-users", operation_id = "v1_list_users",
    params(V1ListQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of users", body = V1UserListResponse),
        (status = 400, description = "A malformed parameter (`page` below 1, an unknown `status`)", body = V1ErrorResponse),
    )
)]
pub async fn v1_list_users(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> Result<Json<V1UserListResponse>, V1Error> {
    let (query, page, limit) = V1ListQuery::parse(raw.as_deref().unwrap_or_default())?.user_query()?;
    let found = state.domain.list_users_with_total(&caller, &query).await?;
    Ok(Json(V1UserListResponse {
        data: found.users.iter().map(V1UserSummary::from_user).collect(),
        meta: V1PageMeta { total: found.total, page, limit, pages: found.total.div_ceil(limit) },
    }))
}

/// One user, with its settings.
///
/// Action `plugin::users-permissions.user.findOne` (admins: `plugin::users-permissions.users.read`).
#[utoipa::path(
    get, path = "/api/v1/users/{user_id}", tag = "v1-users", operation_id = "v1_find_user",
    params(("user_id" = String, Path, description = "`usr_` and the user's integer id", pattern = "^usr_[1-9][0-9]{0,18}$")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The user", body = V1UserResponse),
        (status = 404, description = "No such user, or an id that names none", body = V1ErrorResponse),
    )
)]
pub async fn v1_find_user(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(raw_id): Path<String>,
) -> Result<Json<V1UserResponse>, V1Error> {
    let id = user_id(&raw_id).ok_or_else(V1Error::user_not_found)?;
    let found = state.domain.find_user(&caller, id, true).await?;
    Ok(Json(V1UserResponse { data: V1User::from_user(&found) }))
}

/// Create a user; it starts `pending` (email not confirmed).
///
/// Action `plugin::users-permissions.user.create` (admins: `plugin::users-permissions.users.create`).
#[utoipa::path(
    post, path = "/api/v1/users", tag = "v1-users", operation_id = "v1_create_user",
    request_body = V1CreateUserRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = V1UserResponse),
        (status = 400, description = "Invalid fields, unknown keys or an unknown role; `details` lists them", body = V1ErrorResponse),
        (status = 409, description = "Email or username already in use", body = V1ErrorResponse),
        (status = 413, description = "Body over `server.body_limit`", body = V1ErrorResponse),
    )
)]
pub async fn v1_create_user(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    JsonObject(object): JsonObject,
) -> Result<(StatusCode, Json<V1UserResponse>), V1Error> {
    let request: V1CreateUserRequest = body(object)?;
    let input = NewUserInput {
        username: request.username,
        email: request.email,
        password: request.password.into(),
        role: request.role.map(RoleRef::Type),
        state: Some(AccountState::Unconfirmed),
        name: Some(request.name),
        settings: request.settings.map(Value::Object),
        ..NewUserInput::default()
    };
    let created = state.domain.create_user(&caller, input).await?;
    Ok((StatusCode::CREATED, Json(V1UserResponse { data: V1User::from_user(&created) })))
}

/// Update a user (partial).
///
/// Action `plugin::users-permissions.user.update` (admins: `plugin::users-permissions.users.update`).
#[utoipa::path(
    put, path = "/api/v1/users/{user_id}", tag = "v1-users", operation_id = "v1_update_user",
    params(("user_id" = String, Path, description = "`usr_` and the user's integer id", pattern = "^usr_[1-9][0-9]{0,18}$")),
    request_body = V1UpdateUserRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Updated", body = V1UserResponse),
        (status = 400, description = "Invalid fields, unknown keys or an unknown role; `details` lists them", body = V1ErrorResponse),
        (status = 404, description = "No such user, or an id that names none", body = V1ErrorResponse),
        (status = 409, description = "Email already in use", body = V1ErrorResponse),
        (status = 413, description = "Body over `server.body_limit`", body = V1ErrorResponse),
    )
)]
pub async fn v1_update_user(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(raw_id): Path<String>,
    JsonObject(object): JsonObject,
) -> Result<Json<V1UserResponse>, V1Error> {
    let id = user_id(&raw_id).ok_or_else(V1Error::user_not_found)?;
    let request: V1UpdateUserRequest = body(object)?;
    let patch = UserPatch {
        email: request.email,
        role: request.role.map(RoleRef::Type),
        state: request.status.map(V1Status::state),
        name: request.name,
        settings: request.settings.map(|settings| settings.map(Value::Object)),
        ..UserPatch::default()
    };
    let updated = state.domain.update_user(&caller, id, patch).await?;
    Ok(Json(V1UserResponse { data: V1User::from_user(&updated) }))
}

/// Delete a user, with their sessions (the same effect as `DELETE /api/users/{id}`).
///
/// Action `plugin::users-permissions.user.destroy` (admins: `plugin::users-permissions.users.delete`).
#[utoipa::path(
    delete, path = "/api/v1/users/{user_id}", tag = "v1-users", operation_id = "v1_delete_user",
    params(("user_id" = String, Path, description = "`usr_` and the user's integer id", pattern = "^usr_[1-9][0-9]{0,18}$")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Deleted", body = V1DeletedResponse),
        (status = 404, description = "No such user, or an id that names none", body = V1ErrorResponse),
    )
)]
pub async fn v1_delete_user(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(raw_id): Path<String>,
) -> Result<Json<V1DeletedResponse>, V1Error> {
    let id = user_id(&raw_id).ok_or_else(V1Error::user_not_found)?;
    state.domain.delete_user(&caller, id).await?;
    Ok(Json(V1DeletedResponse { success: true, message: "User deleted successfully" }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_canonical_usr_ids_name_a_user() {
        assert_eq!(user_id("usr_42"), Some(UserId(42)));
        for raw in ["42", "usr_", "usr_0", "usr_042", "usr_-1", "usr_4x", "USR_42", "usr_99999999999999999999"] {
            assert_eq!(user_id(raw), None, "{raw}");
        }
    }

    #[test]
    fn list_parameters_map_onto_the_query_model() {
        let (query, page, limit) =
            V1ListQuery::parse("page=3&limit=500&status=inactive&role=editor&x=1").unwrap().user_query().unwrap();
        assert_eq!((page, limit, query.window.offset()), (3, 100, 200));
        assert!(query.with_role);
        let Filter::All(filters) = query.filter else { panic!("all of the filters") };
        assert_eq!(filters[0], Filter::in_state(AccountState::Blocked));
        assert!(filters[1].mentions_role());
        let (defaults, page, limit) = V1ListQuery::parse("").unwrap().user_query().unwrap();
        assert_eq!((page, limit, defaults.filter), (1, 20, Filter::All(Vec::new())));
    }

    #[test]
    fn malformed_list_parameters_are_refused() {
        for raw in [
            "page=0",
            "page=-1",
            "page=x",
            "limit=0",
            "status=gone",
            "role=",
            "page=1&page=2",
            "page=18446744073709551615",
            "limit=9223372036854775808",
        ] {
            assert!(V1ListQuery::parse(raw).is_err(), "{raw}");
        }
        // Within the integer range but beyond the last page that can be asked for.
        assert!(V1ListQuery::parse("page=1000000001").unwrap().user_query().is_err());
    }

    #[test]
    fn update_bodies_tell_null_from_absent() {
        let request: V1UpdateUserRequest = body(serde_json::from_str(r#"{"name": null}"#).unwrap()).unwrap();
        assert_eq!(request.name, Some(None));
        assert_eq!(request.settings, None);
        assert!(body::<V1UpdateUserRequest>(serde_json::from_str(r#"{"confirmed": true}"#).unwrap()).is_err());
    }
}
