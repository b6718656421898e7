//! `/api/users*`: the users of the content API, with Strapi's query language.

use crate::http::content::{query, ErrorResponse, RoleResponse, UserResponse, UserSelection};
use crate::http::error::ApiError;
use crate::http::rejection::{Fields, JsonObject};
use crate::http::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use gatehouse_domain::ids::UserId;
use gatehouse_domain::model::UserWithRole;
use gatehouse_domain::ports::ConflictKey;
use gatehouse_domain::query::UserField;
use gatehouse_domain::users::{NewUserInput, RoleRef, UserPatch};
use gatehouse_domain::{Caller, DomainError, Secret};
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::openapi::schema::{AnyOfBuilder, ArrayBuilder, ObjectBuilder, Schema, Type};
use utoipa::openapi::RefOr;
use utoipa::{IntoParams, ToSchema};

/// Query parameters of the users routes (Strapi's bracket syntax), their schemas built from
/// the parser's own tables. Strapi's top-level `start` and `limit` are read too, as
/// `pagination[start]`/`[limit]`; they are not listed because they cannot be combined with
/// `pagination[page]`, which a list of independent parameters cannot say.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UsersQueryDoc {
    /// e.g. `filters[email][$eq]=a@b.c`, `filters[$or][0][username][$eq]=x`, `filters[role][type][$eq]=authenticated`.
    #[param(style = DeepObject, explode, schema_with = query::schema::filters)]
    pub filters: Option<String>,
    /// `username:desc`, or `createdAt:asc,id:desc` (at most 8 keys).
    #[param(schema_with = query::schema::sort)]
    pub sort: Option<String>,
    /// `pagination[page]`, `pagination[pageSize]` (default 25, max 100; -1 means 100), or
    /// `pagination[start]`/`pagination[limit]`.
    #[param(style = DeepObject, explode, schema_with = query::schema::pagination)]
    pub pagination: Option<String>,
    /// `role` or `*`.
    #[param(schema_with = query::schema::populate)]
    pub populate: Option<String>,
    /// `username,email`; `id` and `documentId` are always kept.
    #[param(schema_with = query::schema::fields)]
    pub fields: Option<String>,
}

fn user_response(found: &UserWithRole) -> UserResponse {
    let mut response = UserResponse::from_user(&found.user);
    response.role = found.role.as_ref().map(RoleResponse::from);
    response
}

/// One user as an answer: serialised straight from its struct unless `fields` trims it.
fn one_user(found: &UserWithRole, fields: Option<&[UserField]>) -> Response {
    match fields {
        None => Json(user_response(found)).into_response(),
        Some(fields) => Json(user_json(found, Some(fields))).into_response(),
    }
}

/// The JSON of one user: only the asked-for fields (plus `id` and `documentId`), and the role
/// when it was loaded.
pub fn user_json(found: &UserWithRole, fields: Option<&[UserField]>) -> Value {
    let Ok(Value::Object(mut object)) = serde_json::to_value(user_response(found)) else { return Value::Null };
    if let Some(fields) = fields {
        let keep: Vec<&str> =
            fields.iter().map(|field| query::user_field_name(*field)).chain(["id", "documentId", "role"]).collect();
        object.retain(|key, _| keep.contains(&key.as_str()));
    }
    Value::Object(object)
}

fn user_id(raw: &str) -> Result<UserId, ApiError> {
    match raw.parse::<i64>() {
        Ok(id) if id > 0 => Ok(UserId(id)),
        _ => Err(ApiError::validation(format!("Invalid id {raw:?}: a user id is a positive integer"))),
    }
}

fn role_ref(body: &Map<String, Value>, fields: &mut Fields<'_>) -> Option<RoleRef> {
    match body.get("role") {
        None | Some(Value::Null) => None,
        Some(Value::Number(number)) => match number.as_i64() {
            Some(id) => Some(RoleRef::Id(id)),
            None => {
                fields.type_error_named("role", "integer", &Value::Number(number.clone()));
                None
            }
        },
        Some(Value::String(text)) => Some(match text.parse::<i64>() {
            Ok(id) => RoleRef::Id(id),
            Err(_) => RoleRef::DocumentId(text.clone()),
        }),
        // `role: {id: 3}` and `role: {connect: [3]}` name a role too.
        Some(Value::Object(object)) => {
            match object.get("id").or_else(|| object.get("connect").and_then(|c| c.get(0))) {
                Some(Value::Number(number)) if number.as_i64().is_some() => number.as_i64().map(RoleRef::Id),
                _ => {
                    fields.type_error_named("role", "integer", &Value::Object(object.clone()));
                    None
                }
            }
        }
        Some(other) => {
            fields.type_error_named("role", "integer", other);
            None
        }
    }
}

const WRITABLE: [&str; 6] = ["username", "email", "password", "role", "confirmed", "blocked"];

/// List users (a plain array, as Strapi).
///
/// Action `plugin::users-permissions.user.find`. Private or unknown fields in `filters`, `sort`
/// or `fields` are 400 "Invalid key …"; pages hold at most 100 users.
#[utoipa::path(
    get, path = "/api/users", tag = "users", operation_id = "list_users",
    params(UsersQueryDoc),
    responses(
        (status = 200, description = "Matching users (trimmed to `fields` when given)", body = [UserSelection]),
        (status = 400, description = "Malformed or forbidden query", body = ErrorResponse),
    )
)]
pub async fn list_users(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let query = query::parse_user_query(raw.as_deref().unwrap_or_default())?;
    let found = state.domain.list_users(&caller, &query).await?;
    Ok(match query.fields.as_deref() {
        None => Json(found.iter().map(user_response).collect::<Vec<_>>()).into_response(),
        Some(fields) => {
            Json(found.iter().map(|user| user_json(user, Some(fields))).collect::<Vec<_>>()).into_response()
        }
    })
}

/// Count users matching `filters` (a plain number, as Strapi).
///
/// Action `plugin::users-permissions.user.count`.
#[utoipa::path(
    get, path = "/api/users/count", tag = "users", operation_id = "count_users",
    params(UsersQueryDoc),
    responses(
        (status = 200, description = "How many users match", body = u64, content_type = "application/json"),
        (status = 400, description = "Malformed or forbidden filter", body = ErrorResponse),
    )
)]
pub async fn count_users(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> Result<Json<u64>, ApiError> {
    let query = query::parse_user_query(raw.as_deref().unwrap_or_default())?;
    Ok(Json(state.domain.count_users(&caller, &query.filter).await?))
}

/// One user.
///
/// Action `plugin::users-permissions.user.findOne`. **Gatehouse:** 404 when absent and 400 for
/// a non-numeric id (Strapi: 204 and 500).
#[utoipa::path(
    get, path = "/api/users/{id}", tag = "users", operation_id = "find_user",
    params(("id" = i64, Path, description = "User id"), UsersQueryDoc),
    responses(
        (status = 200, description = "The user (trimmed to `fields` when given)", body = UserSelection),
        (status = 400, description = "Malformed id or query", body = ErrorResponse),
        (status = 404, description = "No such user", body = ErrorResponse),
    )
)]
pub async fn find_user(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let id = user_id(&id)?;
    let query = query::parse_user_query(raw.as_deref().unwrap_or_default())?;
    let found = state.domain.find_user(&caller, id, query.with_role).await?;
    Ok(one_user(&found, query.fields.as_deref()))
}

/// Create a user.
///
/// Action `plugin::users-permissions.user.create`. **Gatehouse:** the role defaults to
/// `authenticated`; any key other than username, email, password, role, confirmed and blocked
/// is refused.
#[utoipa::path(
    post, path = "/api/users", tag = "users", operation_id = "create_user",
    request_body = CreateUserRequest,
    responses(
        (status = 201, description = "Created, with its role", body = UserResponse),
        (status = 400, description = "Invalid fields, unknown role, or email/username taken", body = ErrorResponse),
    )
)]
pub async fn create_user(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    JsonObject(body): JsonObject,
) -> Result<Response, ApiError> {
    let CreateUserRequest { username, email, password, role, confirmed, blocked } = CreateUserRequest::parse(&body)?;
    let input =
        NewUserInput { username: Some(username), email, password, role, confirmed, blocked, ..NewUserInput::default() };
    let created = state.domain.create_user(&caller, input).await.map_err(|error| match error {
        // Strapi's words on create (its update says "Username already taken").
        DomainError::Conflict(ConflictKey::Username) => ApiError::application("This attribute must be unique"),
        other => ApiError::from(other),
    })?;
    Ok((StatusCode::CREATED, Json(user_response(&created))).into_response())
}

/// Body of `POST /api/users`, as [`CreateUserRequest::parse`] reads it.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUserRequest {
    /// 3–64 characters, no `@` or control character, no white space at either end.
    #[schema(
        min_length = 3,
        max_length = 64,
        pattern = r"^[^@\s\x00-\x1f\x7f][^@\x00-\x1f\x7f]{1,62}[^@\s\x00-\x1f\x7f]$"
    )]
    pub username: String,
    /// A valid email address; stored lower-cased.
    #[schema(format = Email, max_length = 254)]
    pub email: String,
    /// At least `auth.password_min_length` characters (8 by default), at most 1024 bytes;
    /// hashed before storage.
    #[schema(value_type = String, format = Password, min_length = 8, max_length = 1024)]
    pub password: Secret,
    /// The role (default `authenticated`).
    #[schema(schema_with = role_ref_schema)]
    pub role: Option<RoleRef>,
    /// Email confirmed.
    pub confirmed: Option<bool>,
    /// Blocked: ends every session of the user at once.
    pub blocked: Option<bool>,
}

impl CreateUserRequest {
    /// Reads the body; any key but the six written ones is refused.
    pub fn parse(body: &Map<String, Value>) -> Result<Self, ApiError> {
        Fields::refuse_other_keys(body, &WRITABLE)?;
        let mut fields = Fields::new(body);
        let email = fields.required_string("email");
        let username = fields.required_string("username");
        let password = fields.required_string("password");
        let role = role_ref(body, &mut fields);
        let confirmed = fields.optional_bool("confirmed");
        let blocked = fields.optional_bool("blocked");
        fields.finish()?;
        let (Some(email), Some(username), Some(password)) = (email, username, password) else {
            return Err(ApiError::validation("username, email and password are required"));
        };
        Ok(Self { username, email, password: password.into(), role, confirmed, blocked })
    }
}

/// Body of `PUT /api/users/{id}`, as [`UpdateUserRequest::parse`] reads it: every key optional,
/// but a present text field is neither null nor empty.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUserRequest {
    /// 3–64 characters, no `@` or control character, no white space at either end.
    #[schema(
        min_length = 3,
        max_length = 64,
        pattern = r"^[^@\s\x00-\x1f\x7f][^@\x00-\x1f\x7f]{1,62}[^@\s\x00-\x1f\x7f]$",
        nullable = false
    )]
    pub username: Option<String>,
    /// A valid email address; stored lower-cased.
    #[schema(nullable = false, format = Email, max_length = 254)]
    pub email: Option<String>,
    /// A new password (ends every session of the user).
    #[schema(nullable = false, value_type = Option<String>, format = Password, min_length = 8, max_length = 1024)]
    pub password: Option<Secret>,
    /// The role.
    #[schema(schema_with = role_ref_schema)]
    pub role: Option<RoleRef>,
    /// Email confirmed.
    pub confirmed: Option<bool>,
    /// Blocked: ends every session of the user at once.
    pub blocked: Option<bool>,
}

impl UpdateUserRequest {
    /// Reads the body; any key but the six written ones is refused.
    pub fn parse(body: &Map<String, Value>) -> Result<Self, ApiError> {
        Fields::refuse_other_keys(body, &WRITABLE)?;
        let empty_password = match body.get("password") {
            Some(Value::Null) => true,
            Some(Value::String(text)) => text.is_empty(),
            _ => false,
        };
        if empty_password {
            // Strapi's words for an empty or null password on update, without field details.
            return Err(ApiError::validation("password.notNull"));
        }
        let mut fields = Fields::new(body);
        let request = Self {
            username: fields.present_string("username"),
            email: fields.present_string("email"),
            password: fields.present_string("password").map(Secret::from),
            role: role_ref(body, &mut fields),
            confirmed: fields.optional_bool("confirmed"),
            blocked: fields.optional_bool("blocked"),
        };
        fields.finish()?;
        Ok(request)
    }
}

/// A role named in a user body: its id, its documentId (or id as text), `{id}` or `{connect: [id]}`.
fn role_ref_schema() -> RefOr<Schema> {
    let integer = || ObjectBuilder::new().schema_type(Type::Integer);
    RefOr::T(Schema::AnyOf(
        AnyOfBuilder::new()
            .item(integer().description(Some("Role id")))
            .item(ObjectBuilder::new().schema_type(Type::String).description(Some("Role documentId, or id as text")))
            .item(ObjectBuilder::new().property("id", integer()).required("id"))
            .item(
                ObjectBuilder::new()
                    .property("connect", ArrayBuilder::new().items(integer()).min_items(Some(1)))
                    .required("connect"),
            )
            .item(ObjectBuilder::new().schema_type(Type::Null))
            .description(Some("Role: id, documentId, `{id}` or `{connect: [id]}`"))
            .build(),
    ))
}

/// Update a user (partial).
///
/// Action `plugin::users-permissions.user.update`. Blocking the user or changing their
/// password ends all their sessions: their JWTs are 401 from the next request on.
#[utoipa::path(
    put, path = "/api/users/{id}", tag = "users", operation_id = "update_user",
    params(("id" = i64, Path, description = "User id")),
    request_body = UpdateUserRequest,
    responses(
        (status = 200, description = "Updated, with its role", body = UserResponse),
        (status = 400, description = "Invalid fields, unknown role, or email/username taken", body = ErrorResponse),
        (status = 404, description = "No such user", body = ErrorResponse),
    )
)]
pub async fn update_user(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    JsonObject(body): JsonObject,
) -> Result<Response, ApiError> {
    let id = user_id(&id)?;
    let UpdateUserRequest { username, email, password, role, confirmed, blocked } = UpdateUserRequest::parse(&body)?;
    let patch = UserPatch { username, email, password, role, confirmed, blocked, ..UserPatch::default() };
    let updated = state.domain.update_user(&caller, id, patch).await?;
    Ok(Json(user_response(&updated)).into_response())
}

/// Delete a user, with their sessions.
///
/// Action `plugin::users-permissions.user.destroy`. Returns the deleted user.
#[utoipa::path(
    delete, path = "/api/users/{id}", tag = "users", operation_id = "delete_user",
    params(("id" = i64, Path, description = "User id")),
    responses(
        (status = 200, description = "The deleted user", body = UserResponse),
        (status = 400, description = "Malformed id", body = ErrorResponse),
        (status = 404, description = "No such user", body = ErrorResponse),
    )
)]
pub async fn delete_user(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = user_id(&id)?;
    let deleted = state.domain.delete_user(&caller, id).await?;
    Ok(Json(user_response(&UserWithRole { user: deleted, role: None })).into_response())
}

/// The calling user.
///
/// Action `plugin::users-permissions.user.me` (authenticated role by default). Without
/// credentials this is 403 (the public role lacks it, as Strapi); an API token, an admin JWT
/// or a bad or ended session is 401.
#[utoipa::path(
    get, path = "/api/users/me", tag = "users", operation_id = "find_me",
    params(UsersQueryDoc),
    responses(
        (status = 200, description = "The caller (trimmed to `fields` when given)", body = UserSelection),
        (status = 400, description = "Malformed query", body = ErrorResponse),
        (status = 401, description = "Invalid, expired or revoked token", body = ErrorResponse),
    )
)]
pub async fn find_me(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let query = match raw.as_deref() {
        None | Some("") => Default::default(),
        Some(raw) => query::parse_user_query(raw)?,
    };
    let me = state.domain.me(&caller, query.with_role).await?;
    Ok(one_user(&me, query.fields.as_deref()))
}
