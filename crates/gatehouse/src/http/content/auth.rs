//! `/api/auth/*`: registration, login and logout.

use crate::http::content::{ErrorResponse, OkResponse, UserResponse};
use crate::http::error::ApiError;
use crate::http::rejection::{Fields, JsonObject};
use crate::http::AppState;
use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use gatehouse_domain::accounts::{Authenticated, LoginAttempt, Registration};
use gatehouse_domain::ports::ConflictKey;
use gatehouse_domain::{Caller, DomainError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Body of `POST /api/auth/local/register`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RegisterRequest {
    /// 3–64 characters, no `@`.
    pub username: String,
    /// A valid email address; stored lower-cased.
    pub email: String,
    /// At least `auth.password_min_length` characters, at most 1024 bytes.
    pub password: String,
}

/// Body of `POST /api/auth/local`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    /// Email or username (case-insensitive).
    pub identifier: String,
    /// The password.
    pub password: String,
    /// Optional client device id, kept on the session.
    #[serde(rename = "deviceId")]
    pub device_id: Option<String>,
}

/// A login or registration answer: `{jwt, user}` (`jwt` absent while confirmation is pending).
#[derive(Debug, Serialize, ToSchema)]
pub struct AuthResponse {
    /// The access JWT.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jwt: Option<String>,
    /// The user.
    pub user: UserResponse,
}

fn auth_answer(authenticated: Authenticated) -> Response {
    let body = AuthResponse { jwt: authenticated.jwt, user: UserResponse::from_user(&authenticated.user) };
    let mut response = Json(body).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Register an account with username, email and password.
///
/// Action `plugin::users-permissions.auth.register` (public role by default). Any body key
/// other than username, email, password and `register.allowed_fields` is refused and nothing
/// is created; `role`, `confirmed`, `blocked`, `provider` and `id` can never be set.
#[utoipa::path(
    post, path = "/api/auth/local/register", tag = "auth", operation_id = "register",
    request_body = RegisterRequest,
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "Registered (and logged in unless email confirmation is on)", body = AuthResponse),
        (status = 400, description = "Invalid fields, or email/username taken", body = ErrorResponse),
        (status = 401, description = "A bearer token was sent and is not valid", body = ErrorResponse),
        (status = 403, description = "Registration disabled, or the caller's role lacks the action", body = ErrorResponse),
        (status = 413, description = "Body too large", body = ErrorResponse),
        (status = 415, description = "Body is not JSON", body = ErrorResponse),
        (status = 503, description = "Password hashing saturated; retry after the Retry-After delay", body = ErrorResponse),
    )
)]
pub async fn register(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    JsonObject(body): JsonObject,
) -> Result<Response, ApiError> {
    let refused = state.domain.unregistrable_keys(body.keys().map(String::as_str));
    if !refused.is_empty() {
        return Err(DomainError::InvalidParameters(refused).into());
    }
    let mut fields = Fields::new(&body);
    let email = fields.required_string("email");
    let username = fields.required_string("username");
    let password = fields.required_string("password");
    fields.finish()?;
    let (Some(email), Some(username), Some(password)) = (email, username, password) else {
        return Err(ApiError::validation("Invalid registration"));
    };
    let registered = state.domain.register(&caller, Registration { username, email, password }).await;
    match registered {
        Ok(authenticated) => Ok(auth_answer(authenticated)),
        Err(DomainError::Conflict(ConflictKey::Email | ConflictKey::Username)) => {
            Err(ApiError::application("Email or Username are already taken"))
        }
        Err(error) => Err(error.into()),
    }
}

/// Log in with an email or username and a password.
///
/// Action `plugin::users-permissions.auth.callback` (public role by default). Unknown
/// identifier and wrong password give the same answer after the same work.
#[utoipa::path(
    post, path = "/api/auth/local", tag = "auth", operation_id = "login",
    request_body = LoginRequest,
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "Logged in", body = AuthResponse),
        (status = 400, description = "Invalid identifier or password, blocked, or unconfirmed", body = ErrorResponse),
        (status = 401, description = "A bearer token was sent and is not valid", body = ErrorResponse),
        (status = 403, description = "The caller's role lacks the action", body = ErrorResponse),
        (status = 413, description = "Body too large", body = ErrorResponse),
        (status = 415, description = "Body is not JSON", body = ErrorResponse),
        (status = 503, description = "Password hashing saturated; retry after the Retry-After delay", body = ErrorResponse),
    )
)]
pub async fn login(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    JsonObject(body): JsonObject,
) -> Result<Response, ApiError> {
    let mut fields = Fields::new(&body);
    let identifier = fields.required_string("identifier");
    let password = fields.required_string("password");
    let device_id = fields.optional_string("deviceId");
    fields.finish()?;
    let (Some(identifier), Some(password)) = (identifier, password) else {
        return Err(ApiError::validation("Invalid identifier or password"));
    };
    let outcome = state.domain.login(&caller, LoginAttempt { identifier, password, device_id }).await;
    state.metrics.record_login(outcome.is_ok());
    Ok(auth_answer(outcome?))
}

/// End the calling session: its JWT is refused from the next request on.
///
/// Action `plugin::users-permissions.auth.logout` (authenticated role by default).
/// **Gatehouse:** works in legacy mode too, and the access JWT dies with the session.
#[utoipa::path(
    post, path = "/api/auth/logout", tag = "auth", operation_id = "logout",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Session ended", body = OkResponse),
        (status = 401, description = "Missing, invalid or already ended credentials", body = ErrorResponse),
        (status = 403, description = "The caller's role lacks the action", body = ErrorResponse),
    )
)]
pub async fn logout(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Result<Json<OkResponse>, ApiError> {
    state.domain.logout(&caller).await?;
    Ok(Json(OkResponse { ok: true }))
}
