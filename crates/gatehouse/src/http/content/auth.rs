//! `/api/auth/*`: registration, login, logout, password flows, email confirmation, refresh
//! tokens and sessions.

use crate::http::content::{ErrorResponse, OkResponse, UserResponse};
use crate::http::error::ApiError;
use crate::http::rejection::{Fields, JsonObject};
use crate::http::{cookies, AppState};
use axum::extract::{ConnectInfo, Query, State};
use axum::http::StatusCode;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use gatehouse_domain::accounts::{Authenticated, LoginAttempt, Registration};
use gatehouse_domain::ports::ConflictKey;
use gatehouse_domain::{Caller, DomainError, FieldError, FieldErrors, RequestContext, Secret};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::net::SocketAddr;
use utoipa::IntoParams;
use utoipa::ToSchema;

/// Body of `POST /api/auth/local/register`, as [`RegisterRequest::parse`] reads it. Keys other
/// than these (and `register.allowed_fields`) are refused by the handler before parsing.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
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
    /// At least `auth.password_min_length` characters (8 by default), at most 1024 bytes.
    #[schema(value_type = String, format = Password, min_length = 8, max_length = 1024)]
    pub password: Secret,
}

impl RegisterRequest {
    /// Reads the body; missing, null, empty or non-string fields are Strapi's field errors.
    pub fn parse(body: &Map<String, Value>) -> Result<Self, ApiError> {
        let mut fields = Fields::new(body);
        let email = fields.required_string("email");
        let username = fields.required_string("username");
        let password = fields.required_string("password");
        fields.finish()?;
        let (Some(email), Some(username), Some(password)) = (email, username, password) else {
            return Err(ApiError::validation("Invalid registration"));
        };
        Ok(Self { username, email, password: password.into() })
    }
}

/// Body of `POST /api/auth/local`, as [`LoginRequest::parse`] reads it.
#[derive(ToSchema)]
pub struct LoginRequest {
    /// Email or username (case-insensitive).
    #[schema(min_length = 1)]
    pub identifier: String,
    /// The password.
    #[schema(value_type = String, format = Password, min_length = 1)]
    pub password: Secret,
    /// Optional client device id, kept on the session.
    #[serde(rename = "deviceId")]
    pub device_id: Option<String>,
}

impl LoginRequest {
    /// Reads the body; other keys are ignored (as Strapi).
    pub fn parse(body: &Map<String, Value>) -> Result<Self, ApiError> {
        let mut fields = Fields::new(body);
        let identifier = fields.required_string("identifier");
        let password = fields.required_string("password");
        let device_id = fields.optional_string("deviceId");
        fields.finish()?;
        let (Some(identifier), Some(password)) = (identifier, password) else {
            return Err(ApiError::validation("Invalid identifier or password"));
        };
        Ok(Self { identifier, password: password.into(), device_id })
    }
}

/// A login or registration answer: `{jwt, user}`, plus `refreshToken` in refresh mode (on login, unless
/// it travels in the httpOnly cookie); `jwt` is absent while email confirmation is pending.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuthResponse {
    /// The access JWT.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jwt: Option<String>,
    /// The refresh token (refresh mode, body delivery).
    #[serde(rename = "refreshToken", skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// The user.
    pub user: UserResponse,
}

/// The name of the refresh cookie (as Strapi 5).
pub const REFRESH_COOKIE: &str = "strapi_up_refresh";

/// How the caller wants its refresh token: in the body, or as an httpOnly cookie.
#[derive(Clone, Copy, Debug)]
pub struct RefreshDelivery {
    cookie: bool,
    secure: bool,
}

impl RefreshDelivery {
    /// Cookie when the request says `x-strapi-refresh-cookie: httpOnly` or the config says so;
    /// the cookie is `Secure` unless the request came over plain HTTP from loopback.
    pub fn of(state: &AppState, headers: &HeaderMap, peer: SocketAddr) -> Self {
        let asked = headers
            .get("x-strapi-refresh-cookie")
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.eq_ignore_ascii_case("httponly"));
        Self { cookie: asked || state.surface.refresh_cookie, secure: cookies::needs_secure(headers, peer) }
    }

    fn set_cookie(&self, state: &AppState, token: &str, response: &mut Response) {
        let max_age = state.surface.refresh_cookie_max_age.as_secs();
        cookies::set(response, REFRESH_COOKIE, token, "/", max_age, self.secure);
    }
}

fn no_store(mut response: Response) -> Response {
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Where an answer puts the refresh token. As Strapi 5, only login moves it into the cookie;
/// register, reset-password and change-password always answer it in the body (and set the
/// cookie as well when the caller uses cookie delivery, so the cookie stays current).
#[derive(Clone, Copy, PartialEq, Eq)]
enum RefreshPlacement {
    CookieInstead,
    BodyAlways,
}

fn auth_answer(
    state: &AppState,
    delivery: RefreshDelivery,
    placement: RefreshPlacement,
    authenticated: Authenticated,
) -> Response {
    let (body_token, cookie_token) = match authenticated.refresh_token {
        Some(token) if delivery.cookie && placement == RefreshPlacement::BodyAlways => {
            (Some(token.clone()), Some(token))
        }
        Some(token) if delivery.cookie => (None, Some(token)),
        other => (other, None),
    };
    let body = AuthResponse {
        jwt: authenticated.jwt.as_ref().map(|jwt| jwt.expose().to_owned()),
        refresh_token: body_token.as_ref().map(|token| token.expose().to_owned()),
        user: UserResponse::from_user(&authenticated.user),
    };
    let mut response = Json(body).into_response();
    if let Some(token) = cookie_token {
        delivery.set_cookie(state, token.expose(), &mut response);
    }
    no_store(response)
}

/// Register an account with username, email and password.
///
/// Action `plugin::users-permissions.auth.register` (public role by default). Any body key
/// other than username, email, password and `register.allowed_fields` is refused and nothing
/// is created; `role`, `confirmed`, `blocked`, `provider` and `id` can never be set.
#[utoipa::path(
    post, path = "/api/auth/local/register", tag = "auth", operation_id = "register",
    request_body = RegisterRequest,
    responses(
        (status = 200, description = "Registered (and logged in unless email confirmation is on)", body = AuthResponse),
        (status = 400, description = "Invalid fields, or email/username taken", body = ErrorResponse),
        (status = 403, description = "Registration disabled, or the caller's role lacks the action", body = ErrorResponse),
        (status = 413, description = "Body too large", body = ErrorResponse),
        (status = 415, description = "Body is not JSON", body = ErrorResponse),
        (status = 503, description = "Password hashing saturated; retry after the Retry-After delay", body = ErrorResponse),
    )
)]
pub async fn register(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    JsonObject(body): JsonObject,
) -> Result<Response, ApiError> {
    let refused = state.domain.unregistrable_keys(body.keys().map(String::as_str));
    if !refused.is_empty() {
        return Err(DomainError::InvalidParameters(refused).into());
    }
    let RegisterRequest { username, email, password } = RegisterRequest::parse(&body)?;
    let registered = state.domain.register(&caller, Registration { username, email, password }).await;
    match registered {
        Ok(authenticated) => Ok(auth_answer(
            &state,
            RefreshDelivery::of(&state, &headers, peer),
            RefreshPlacement::BodyAlways,
            authenticated,
        )),
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
    responses(
        (status = 200, description = "Logged in", body = AuthResponse),
        (status = 400, description = "Invalid identifier or password, blocked, or unconfirmed", body = ErrorResponse),
        (status = 413, description = "Body too large", body = ErrorResponse),
        (status = 415, description = "Body is not JSON", body = ErrorResponse),
        (status = 503, description = "Password hashing saturated; retry after the Retry-After delay", body = ErrorResponse),
    )
)]
pub async fn login(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    JsonObject(body): JsonObject,
) -> Result<Response, ApiError> {
    let LoginRequest { identifier, password, device_id } = LoginRequest::parse(&body)?;
    let outcome = state.domain.login(&caller, LoginAttempt { identifier, password, device_id }).await;
    state.metrics.record_login(outcome.is_ok());
    Ok(auth_answer(&state, RefreshDelivery::of(&state, &headers, peer), RefreshPlacement::CookieInstead, outcome?))
}

/// End the calling session: its JWT is refused from the next request on.
///
/// Action `plugin::users-permissions.auth.logout` (authenticated role by default).
/// **Gatehouse:** works in legacy mode too, and the access JWT dies with the session.
#[utoipa::path(
    post, path = "/api/auth/logout", tag = "auth", operation_id = "logout",
    responses(
        (status = 200, description = "Session ended", body = OkResponse),
        (status = 401, description = "Missing, invalid or already ended credentials", body = ErrorResponse),
    )
)]
pub async fn logout(State(state): State<AppState>, Extension(caller): Extension<Caller>) -> Result<Response, ApiError> {
    state.domain.logout(&caller).await?;
    let mut response = Json(OkResponse { ok: true }).into_response();
    cookies::set(&mut response, REFRESH_COOKIE, "", "/", 0, false);
    Ok(response)
}

/// Body of `POST /api/auth/forgot-password` and `POST /api/auth/send-email-confirmation`, as
/// [`EmailRequest::parse`] reads it.
#[derive(Debug, ToSchema)]
pub struct EmailRequest {
    /// The account's email address.
    #[schema(format = Email, max_length = 254)]
    pub email: String,
}

impl EmailRequest {
    /// Reads the body; a malformed address is refused at once, as Strapi (this tells nothing
    /// about accounts).
    pub fn parse(body: &Map<String, Value>) -> Result<Self, ApiError> {
        let mut fields = Fields::new(body);
        let email = fields.required_string("email");
        fields.finish()?;
        let email = email.ok_or_else(|| ApiError::validation("email is a required field"))?;
        if gatehouse_domain::values::Email::parse(&email).is_none() {
            let error = FieldError::new("email", "email must be a valid email").with_value(email.into());
            return Err(DomainError::Validation(FieldErrors(vec![error])).into());
        }
        Ok(Self { email })
    }
}

/// `{email, sent: true}`
#[derive(Debug, Serialize, ToSchema)]
pub struct EmailSentResponse {
    /// The address as given.
    pub email: String,
    /// Always true: the answer never tells whether the account exists.
    pub sent: bool,
}

/// Ask for a password-reset mail.
///
/// Action `plugin::users-permissions.auth.forgotPassword` (public). Answers `{ok: true}` at once
/// whether or not the account exists, doing the same work either way; the mail (with a
/// single-use code valid `auth.reset_code_ttl`) goes out in the background.
#[utoipa::path(
    post, path = "/api/auth/forgot-password", tag = "auth", operation_id = "forgot_password",
    request_body = EmailRequest,
    responses(
        (status = 200, description = "Accepted (whether or not the account exists)", body = OkResponse),
        (status = 400, description = "No email given", body = ErrorResponse),
    )
)]
pub async fn forgot_password(
    State(state): State<AppState>,
    JsonObject(body): JsonObject,
) -> Result<Json<OkResponse>, ApiError> {
    let EmailRequest { email } = EmailRequest::parse(&body)?;
    let domain = state.domain.clone();
    // Answered before any lookup, so timing cannot tell a real account from an unknown one.
    tokio::spawn(async move {
        if let Err(error) = domain.request_password_reset(&email).await {
            tracing::warn!(error.cause = %error, "password reset request failed");
        }
    });
    Ok(Json(OkResponse { ok: true }))
}

/// Body of `POST /api/auth/reset-password`, as [`ResetPasswordRequest::parse`] reads it.
#[derive(ToSchema)]
pub struct ResetPasswordRequest {
    /// The code from the mail.
    #[schema(value_type = String, min_length = 1)]
    pub code: Secret,
    /// The new password.
    #[schema(value_type = String, format = Password, min_length = 8, max_length = 1024)]
    pub password: Secret,
    /// The new password again.
    #[serde(rename = "passwordConfirmation")]
    #[schema(value_type = String, format = Password, min_length = 1)]
    pub password_confirmation: Secret,
}

impl ResetPasswordRequest {
    /// Reads the body; other keys are ignored.
    pub fn parse(body: &Map<String, Value>) -> Result<Self, ApiError> {
        let mut fields = Fields::new(body);
        let code = fields.required_string("code");
        let password = fields.required_string("password");
        let confirmation = fields.required_string("passwordConfirmation");
        fields.finish()?;
        let (Some(code), Some(password), Some(confirmation)) = (code, password, confirmation) else {
            return Err(ApiError::validation("code, password and passwordConfirmation are required"));
        };
        Ok(Self { code: code.into(), password: password.into(), password_confirmation: confirmation.into() })
    }
}

/// Set a new password with the mailed code.
///
/// Action `plugin::users-permissions.auth.resetPassword` (public). The code works once; every
/// session of the user ends and a new one starts. A wrong, used or expired code is the same
/// 400 "Incorrect code provided".
#[utoipa::path(
    post, path = "/api/auth/reset-password", tag = "auth", operation_id = "reset_password",
    request_body = ResetPasswordRequest,
    responses(
        (status = 200, description = "Password set; logged in", body = AuthResponse),
        (status = 400, description = "Incorrect code, or invalid password", body = ErrorResponse),
    )
)]
pub async fn reset_password(
    State(state): State<AppState>,
    Extension(context): Extension<RequestContext>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    JsonObject(body): JsonObject,
) -> Result<Response, ApiError> {
    let request = ResetPasswordRequest::parse(&body)?;
    let authenticated = state
        .domain
        .reset_password(
            &context,
            request.code.expose(),
            request.password.expose(),
            request.password_confirmation.expose(),
        )
        .await?;
    Ok(auth_answer(&state, RefreshDelivery::of(&state, &headers, peer), RefreshPlacement::BodyAlways, authenticated))
}

/// Body of `POST /api/auth/change-password`, as [`ChangePasswordRequest::parse`] reads it.
#[derive(ToSchema)]
pub struct ChangePasswordRequest {
    /// The password in use.
    #[serde(rename = "currentPassword")]
    #[schema(value_type = String, format = Password, min_length = 1)]
    pub current_password: Secret,
    /// The new password.
    #[schema(value_type = String, format = Password, min_length = 8, max_length = 1024)]
    pub password: Secret,
    /// The new password again.
    #[serde(rename = "passwordConfirmation")]
    #[schema(value_type = String, format = Password, min_length = 1)]
    pub password_confirmation: Secret,
}

impl ChangePasswordRequest {
    /// Reads the body; other keys are ignored.
    pub fn parse(body: &Map<String, Value>) -> Result<Self, ApiError> {
        let mut fields = Fields::new(body);
        let current = fields.required_string("currentPassword");
        let password = fields.required_string("password");
        let confirmation = fields.required_string("passwordConfirmation");
        fields.finish()?;
        let (Some(current), Some(password), Some(confirmation)) = (current, password, confirmation) else {
            return Err(ApiError::validation("currentPassword, password and passwordConfirmation are required"));
        };
        Ok(Self {
            current_password: current.into(),
            password: password.into(),
            password_confirmation: confirmation.into(),
        })
    }
}

/// Change one's own password.
///
/// Action `plugin::users-permissions.auth.changePassword` (authenticated). The calling session
/// stays, with a fresh JWT; every other session of the user ends at once.
#[utoipa::path(
    post, path = "/api/auth/change-password", tag = "auth", operation_id = "change_password",
    request_body = ChangePasswordRequest,
    responses(
        (status = 200, description = "Changed", body = AuthResponse),
        (status = 400, description = "Wrong current password, mismatch, or invalid new password", body = ErrorResponse),
    )
)]
pub async fn change_password(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    JsonObject(body): JsonObject,
) -> Result<Response, ApiError> {
    let request = ChangePasswordRequest::parse(&body)?;
    let changed = state
        .domain
        .change_password(
            &caller,
            request.current_password.expose(),
            request.password.expose(),
            request.password_confirmation.expose(),
        )
        .await?;
    Ok(auth_answer(&state, RefreshDelivery::of(&state, &headers, peer), RefreshPlacement::BodyAlways, changed))
}

/// Query of `GET /api/auth/email-confirmation`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ConfirmationQuery {
    /// The token from the confirmation mail (without it the answer is 400, as Strapi).
    #[param(required = true, min_length = 1)]
    pub confirmation: Option<String>,
}

/// Follow a confirmation link: confirms the email and redirects.
///
/// Action `plugin::users-permissions.auth.emailConfirmation` (public). The token works once.
#[utoipa::path(
    get, path = "/api/auth/email-confirmation", tag = "auth", operation_id = "confirm_email",
    params(ConfirmationQuery),
    responses(
        (status = 302, description = "Confirmed; redirect to `auth.email_confirmation_redirect`"),
        (status = 400, description = "Invalid, used or expired token", body = ErrorResponse),
    )
)]
pub async fn confirm_email(
    State(state): State<AppState>,
    Query(query): Query<ConfirmationQuery>,
) -> Result<Response, ApiError> {
    // No parameter at all is Strapi's yup "required" error; an empty or unknown one is "Invalid token".
    let token = query.confirmation.ok_or_else(|| {
        ApiError::from(DomainError::Validation(FieldErrors(vec![FieldError::new(
            "confirmation",
            "confirmation is a required field",
        )])))
    })?;
    if token.is_empty() {
        return Err(ApiError::validation("Invalid token"));
    }
    state.domain.confirm_email(&token).await.map_err(|error| match error {
        DomainError::Validation(_) => ApiError::validation("Invalid token"),
        other => other.into(),
    })?;
    // 302, as Strapi's redirect.
    Ok((StatusCode::FOUND, [(header::LOCATION, state.surface.email_confirmation_redirect.clone())]).into_response())
}

/// Send the confirmation mail again.
///
/// Action `plugin::users-permissions.auth.sendEmailConfirmation` (public). **Gatehouse:** the
/// same answer whether the account exists, is unconfirmed or already confirmed.
#[utoipa::path(
    post, path = "/api/auth/send-email-confirmation", tag = "auth", operation_id = "send_email_confirmation",
    request_body = EmailRequest,
    responses(
        (status = 200, description = "Accepted", body = EmailSentResponse),
        (status = 400, description = "No email given", body = ErrorResponse),
    )
)]
pub async fn send_email_confirmation(
    State(state): State<AppState>,
    JsonObject(body): JsonObject,
) -> Result<Json<EmailSentResponse>, ApiError> {
    let EmailRequest { email } = EmailRequest::parse(&body)?;
    let domain = state.domain.clone();
    let address = email.clone();
    tokio::spawn(async move {
        if let Err(error) = domain.resend_confirmation(&address).await {
            tracing::warn!(error.cause = %error, "resending a confirmation failed");
        }
    });
    Ok(Json(EmailSentResponse { email, sent: true }))
}

/// Body of `POST /api/auth/refresh`, as [`RefreshRequest::parse`] reads it.
#[derive(ToSchema)]
pub struct RefreshRequest {
    /// The refresh token; absent or null to use the cookie.
    #[serde(rename = "refreshToken")]
    #[schema(value_type = Option<String>)]
    pub refresh_token: Option<Secret>,
}

impl RefreshRequest {
    /// Reads the body; other keys are ignored.
    pub fn parse(body: &Map<String, Value>) -> Result<Self, ApiError> {
        let mut fields = Fields::new(body);
        let refresh_token = fields.optional_string("refreshToken").map(Secret::from);
        fields.finish()?;
        Ok(Self { refresh_token })
    }
}

/// `{jwt, refreshToken}`
#[derive(Debug, Serialize, ToSchema)]
pub struct RefreshResponse {
    /// A new access JWT.
    pub jwt: String,
    /// The refresh token that replaced the presented one (absent in cookie delivery).
    #[serde(rename = "refreshToken", skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
}

/// Trade a refresh token (body `refreshToken` or the `strapi_up_refresh` cookie) for a new
/// access token; the refresh token rotates.
///
/// Action `plugin::users-permissions.auth.refresh` (public). Refresh mode only (404 in legacy
/// mode, as Strapi). Replaying an already rotated token ends the whole session, except the one
/// rotated last within `auth.refresh_reuse_grace`, which is a plain 401.
#[utoipa::path(
    post, path = "/api/auth/refresh", tag = "auth", operation_id = "refresh",
    security((), ("refreshCookie" = [])),
    request_body(content = RefreshRequest, description = "The refresh token in the body, or none to use the `strapi_up_refresh` cookie"),
    responses(
        (status = 200, description = "Rotated", body = RefreshResponse),
        (status = 400, description = "No refresh token given", body = ErrorResponse),
        (status = 401, description = "Invalid, expired, rotated or revoked refresh token", body = ErrorResponse),
        (status = 404, description = "Legacy mode", body = ErrorResponse),
    )
)]
pub async fn refresh(
    State(state): State<AppState>,
    Extension(context): Extension<RequestContext>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    JsonObject(body): JsonObject,
) -> Result<Response, ApiError> {
    if state.domain.settings().jwt_mode == gatehouse_domain::settings::JwtMode::Legacy {
        return Err(ApiError::not_found("Not Found"));
    }
    let from_body = RefreshRequest::parse(&body)?.refresh_token.map(|token| token.expose().to_owned());
    let from_cookie = cookies::read(&headers, REFRESH_COOKIE);
    let cookie_used = from_body.is_none() && from_cookie.is_some();
    // Strapi's words: 400 BadRequestError "Missing refresh token", 401 "Invalid refresh token".
    let token = from_body
        .or(from_cookie)
        .ok_or_else(|| ApiError::new(StatusCode::BAD_REQUEST, "BadRequestError", "Missing refresh token"))?;
    let refreshed = state.domain.refresh(&context, &token).await.map_err(|error| match error {
        DomainError::Unauthorized => ApiError::unauthorized().with_message("Invalid refresh token"),
        other => ApiError::from(other),
    })?;
    let mut delivery = RefreshDelivery::of(&state, &headers, peer);
    delivery.cookie |= cookie_used;
    let body_token = (!delivery.cookie).then(|| refreshed.refresh_token.expose().to_owned());
    let mut response =
        Json(RefreshResponse { jwt: refreshed.jwt.expose().to_owned(), refresh_token: body_token }).into_response();
    if delivery.cookie {
        delivery.set_cookie(&state, refreshed.refresh_token.expose(), &mut response);
    }
    Ok(no_store(response))
}

/// One live session.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionResponse {
    /// Session id.
    pub id: String,
    /// The device id the client gave at login.
    #[serde(rename = "deviceId")]
    pub device_id: Option<String>,
    /// Whether this request uses it.
    pub current: bool,
    /// Login time.
    #[serde(rename = "loginAt")]
    pub login_at: String,
    /// Last activity (recorded at most once a minute).
    #[serde(rename = "lastActiveAt")]
    pub last_active_at: String,
}

/// `{data: [...]}`
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionsResponse {
    /// The caller's live sessions, newest first.
    pub data: Vec<SessionResponse>,
}

/// The caller's live sessions (as Strapi 5).
///
/// Action `plugin::users-permissions.auth.getSessions` (authenticated).
#[utoipa::path(
    get, path = "/api/auth/sessions", tag = "auth", operation_id = "list_sessions",
    responses(
        (status = 200, description = "Live sessions", body = SessionsResponse),
    )
)]
pub async fn list_sessions(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Result<Json<SessionsResponse>, ApiError> {
    let sessions = state.domain.list_sessions(&caller).await?;
    let data = sessions
        .into_iter()
        .map(|summary| SessionResponse {
            id: summary.session.id.0,
            device_id: summary.session.device_id,
            current: summary.current,
            login_at: summary.session.created_at.to_rfc3339(),
            last_active_at: summary.session.last_active_at.to_rfc3339(),
        })
        .collect();
    Ok(Json(SessionsResponse { data }))
}
