//! `/medusa/auth/...`: Medusa's auth routes over the admin realm's sessions. A login is the
//! same login as `/admin/login` (the same sessions, the same refusal for every wrong
//! credential); a registration gives a registration token that only the invite acceptance
//! takes.

use crate::http::caller::bearer_token;
use crate::http::medusa::{body, MedusaError, MedusaErrorResponse};
use crate::http::rejection::JsonObject;
use crate::http::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::{Extension, Json};
use gatehouse_domain::accounts::LoginAttempt;
use gatehouse_domain::{Caller, RequestContext};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Body of the emailpass login and registration.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MedusaEmailPassRequest {
    /// The email.
    #[schema(max_length = 254)]
    pub email: String,
    /// The password.
    #[schema(format = Password, max_length = 1024)]
    pub password: String,
}

/// `{"token": "<jwt>"}`
#[derive(Debug, Serialize, ToSchema)]
pub struct MedusaTokenResponse {
    /// An admin JWT (login, refresh) or a registration token (registration).
    pub token: String,
}

/// `{"success": true}`
#[derive(Debug, Serialize, ToSchema)]
pub struct MedusaSuccessResponse {
    /// Always true.
    pub success: bool,
}

/// Log an admin in with email and password: an admin JWT of a new session, as `/admin/login`.
/// An unknown email, a wrong password and an admin that cannot log in get the same 401.
///
/// Open.
#[utoipa::path(
    post, path = "/medusa/auth/user/emailpass", tag = "medusa", operation_id = "medusa_user_login",
    request_body = MedusaEmailPassRequest,
    responses(
        (status = 200, description = "Logged in", body = MedusaTokenResponse),
        (status = 400, description = "A field of the wrong type or an unknown field", body = MedusaErrorResponse),
        (status = 401, description = "`Invalid email or password`, whatever was wrong", body = MedusaErrorResponse),
    )
)]
pub async fn medusa_user_login(
    State(state): State<AppState>,
    Extension(context): Extension<RequestContext>,
    JsonObject(object): JsonObject,
) -> Result<Json<MedusaTokenResponse>, MedusaError> {
    let request: MedusaEmailPassRequest = body(object)?;
    let login = state.domain.admin_login(&context, &request.email, &request.password, false).await?;
    Ok(Json(MedusaTokenResponse { token: login.jwt.expose().to_owned() }))
}

/// Register an email and password: a registration token (valid 24 hours, used once) that
/// `POST /admin/invites/accept` turns into the invited admin. The token is random and kept only
/// as its SHA-256; the answer is the same whether or not an admin has the email.
///
/// Open.
#[utoipa::path(
    post, path = "/medusa/auth/user/emailpass/register", tag = "medusa", operation_id = "medusa_user_register",
    request_body = MedusaEmailPassRequest,
    responses(
        (status = 200, description = "Registered", body = MedusaTokenResponse),
        (status = 400, description = "An invalid email, or a password that breaks the admin password rules", body = MedusaErrorResponse),
    )
)]
pub async fn medusa_user_register(
    State(state): State<AppState>,
    JsonObject(object): JsonObject,
) -> Result<Json<MedusaTokenResponse>, MedusaError> {
    let request: MedusaEmailPassRequest = body(object)?;
    let token = state.domain.register_admin_identity(&request.email, &request.password).await?;
    Ok(Json(MedusaTokenResponse { token: token.expose().to_owned() }))
}

/// The caller a session route acts for, decided by the bearer: an admin JWT is an admin's
/// session, an end user's JWT a customer's; anything else (an API token, nothing) is 401.
async fn session_caller(state: &AppState, context: RequestContext, headers: &HeaderMap) -> Result<Caller, MedusaError> {
    let token = bearer_token(headers).filter(|token| !token.is_empty()).ok_or_else(MedusaError::unauthorized)?;
    if let Ok(caller) = state.domain.authenticate_admin_bearer(token).await {
        return Ok(caller.with_context(context));
    }
    let caller = state.domain.authenticate_bearer(token).await?.with_context(context);
    caller.end_user()?;
    Ok(caller)
}

/// A new JWT for the bearer's live session: an admin's (admin JWT) or a customer's (an end
/// user's JWT), decided by the token.
///
/// Open (the session's JWT is the credential).
#[utoipa::path(
    post, path = "/medusa/auth/token/refresh", tag = "medusa", operation_id = "medusa_refresh_token",
    responses(
        (status = 200, description = "A new token", body = MedusaTokenResponse),
        (status = 401, description = "No admin or end user's JWT of a live session", body = MedusaErrorResponse),
    )
)]
pub async fn medusa_refresh_token(
    State(state): State<AppState>,
    Extension(context): Extension<RequestContext>,
    headers: HeaderMap,
) -> Result<Json<MedusaTokenResponse>, MedusaError> {
    let caller = session_caller(&state, context, &headers).await?;
    let token = if caller.admin().is_ok() {
        state.domain.reissue_admin_token(&caller)?
    } else {
        state.domain.reissue_end_user_token(&caller)?
    };
    Ok(Json(MedusaTokenResponse { token: token.expose().to_owned() }))
}

/// Log out: the bearer's session ends (its JWTs stop working at once), an admin's or a
/// customer's, decided by the token.
///
/// Open (the session's JWT is the credential).
#[utoipa::path(
    delete, path = "/medusa/auth/session", tag = "medusa", operation_id = "medusa_delete_session",
    responses(
        (status = 200, description = "Logged out", body = MedusaSuccessResponse),
        (status = 401, description = "No admin or end user's JWT of a live session", body = MedusaErrorResponse),
    )
)]
pub async fn medusa_delete_session(
    State(state): State<AppState>,
    Extension(context): Extension<RequestContext>,
    headers: HeaderMap,
) -> Result<Json<MedusaSuccessResponse>, MedusaError> {
    let caller = session_caller(&state, context, &headers).await?;
    if caller.admin().is_ok() {
        state.domain.admin_logout(&caller).await?;
    } else {
        state.domain.logout(&caller).await?;
    }
    Ok(Json(MedusaSuccessResponse { success: true }))
}

/// Log a customer (an end user) in with email and password: an end user's JWT, as
/// `POST /api/auth/local`. Every refusal (unknown email, wrong password, blocked or unconfirmed
/// account) is the same 401.
///
/// Action `plugin::users-permissions.auth.callback` (the public role holds it by default).
#[utoipa::path(
    post, path = "/medusa/auth/customer/emailpass", tag = "medusa", operation_id = "medusa_customer_login",
    request_body = MedusaEmailPassRequest,
    responses(
        (status = 200, description = "Logged in", body = MedusaTokenResponse),
        (status = 400, description = "A field of the wrong type or an unknown field", body = MedusaErrorResponse),
        (status = 401, description = "`Invalid email or password`, whatever was wrong", body = MedusaErrorResponse),
    )
)]
pub async fn medusa_customer_login(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    JsonObject(object): JsonObject,
) -> Result<Json<MedusaTokenResponse>, MedusaError> {
    let request: MedusaEmailPassRequest = body(object)?;
    let attempt = LoginAttempt { identifier: request.email, password: request.password.into(), device_id: None };
    let outcome = state.domain.login(&caller, attempt).await;
    state.metrics.record_login(outcome.is_ok());
    let jwt = outcome?.jwt.ok_or_else(MedusaError::unauthorized)?;
    Ok(Json(MedusaTokenResponse { token: jwt.expose().to_owned() }))
}

/// Body of `POST /auth/{actor}/emailpass/reset-password`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MedusaResetPasswordRequest {
    /// The email of the account.
    #[schema(max_length = 254)]
    pub identifier: String,
    /// Accepted and ignored (a JSON object).
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<serde_json::Map<String, serde_json::Value>>,
}

/// Body of `POST /auth/{actor}/emailpass/update`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MedusaUpdatePasswordRequest {
    /// The new password.
    #[schema(format = Password, max_length = 1024)]
    pub password: String,
    /// Accepted and ignored: the reset token names the account.
    #[schema(max_length = 254)]
    pub email: Option<String>,
}

/// The identifier of a reset request, at most 254 characters (the longest email) or 400.
fn reset_identifier(request: &MedusaResetPasswordRequest) -> Result<&str, MedusaError> {
    if request.identifier.chars().count() > 254 {
        return Err(MedusaError::invalid("identifier must be at most 254 characters"));
    }
    Ok(&request.identifier)
}

/// Medusa's empty `201 Created` answer.
fn created() -> (StatusCode, &'static str) {
    (StatusCode::CREATED, "Created")
}

/// The reset token an update is sent with (`Authorization: Bearer`); none is 401.
fn reset_token(headers: &HeaderMap) -> Result<&str, MedusaError> {
    bearer_token(headers).filter(|token| !token.is_empty()).ok_or_else(MedusaError::unauthorized)
}

/// Ask for an admin's password reset: when the email names an admin that can log in, a reset
/// token is mailed (a link to `admin.reset_password_url` with `token` and `email`). The answer
/// is the same 201 whatever the email.
///
/// Open.
#[utoipa::path(
    post, path = "/medusa/auth/user/emailpass/reset-password", tag = "medusa", operation_id = "medusa_user_reset_password",
    request_body = MedusaResetPasswordRequest,
    responses(
        (status = 201, description = "Accepted; a mail goes out if the email names an admin", body = String, content_type = "text/plain", example = "Created"),
        (status = 400, description = "A field of the wrong type, an unknown field, or an identifier over 254 characters", body = MedusaErrorResponse),
    )
)]
pub async fn medusa_user_reset_password(
    State(state): State<AppState>,
    JsonObject(object): JsonObject,
) -> Result<(StatusCode, &'static str), MedusaError> {
    let request: MedusaResetPasswordRequest = body(object)?;
    state.domain.request_admin_password_reset(reset_identifier(&request)?).await?;
    Ok(created())
}

/// Set an admin's new password with the mailed reset token as bearer; every session of the
/// admin ends. The token works once: a used, expired or wrong one is 401.
///
/// Open (the reset token is the credential).
#[utoipa::path(
    post, path = "/medusa/auth/user/emailpass/update", tag = "medusa", operation_id = "medusa_user_update_password",
    request_body = MedusaUpdatePasswordRequest,
    responses(
        (status = 200, description = "The password is changed", body = MedusaSuccessResponse),
        (status = 400, description = "A password that breaks the admin password rules, or a field of the wrong type", body = MedusaErrorResponse),
        (status = 401, description = "No reset token, or a wrong, expired or used one", body = MedusaErrorResponse),
    )
)]
pub async fn medusa_user_update_password(
    State(state): State<AppState>,
    Extension(context): Extension<RequestContext>,
    headers: HeaderMap,
    JsonObject(object): JsonObject,
) -> Result<Json<MedusaSuccessResponse>, MedusaError> {
    let request: MedusaUpdatePasswordRequest = body(object)?;
    let token = reset_token(&headers)?;
    state.domain.reset_admin_password(&context, token, &request.password).await?;
    Ok(Json(MedusaSuccessResponse { success: true }))
}

/// Ask for a customer's password reset: the reset mail of `POST /api/auth/forgot-password`
/// (its code is the reset token). The answer is the same 201 whatever the email.
///
/// Action `plugin::users-permissions.auth.forgotPassword` (the public role holds it by default).
#[utoipa::path(
    post, path = "/medusa/auth/customer/emailpass/reset-password", tag = "medusa", operation_id = "medusa_customer_reset_password",
    request_body = MedusaResetPasswordRequest,
    responses(
        (status = 201, description = "Accepted; a mail goes out if the email names a customer", body = String, content_type = "text/plain", example = "Created"),
        (status = 400, description = "A field of the wrong type, an unknown field, or an identifier over 254 characters", body = MedusaErrorResponse),
    )
)]
pub async fn medusa_customer_reset_password(
    State(state): State<AppState>,
    JsonObject(object): JsonObject,
) -> Result<(StatusCode, &'static str), MedusaError> {
    let request: MedusaResetPasswordRequest = body(object)?;
    state.domain.request_password_reset(reset_identifier(&request)?).await?;
    Ok(created())
}

/// Set a customer's new password with the mailed reset code as bearer, as
/// `POST /api/auth/reset-password`: the code works once and every session of the customer ends.
///
/// Open (the reset code is the credential).
#[utoipa::path(
    post, path = "/medusa/auth/customer/emailpass/update", tag = "medusa", operation_id = "medusa_customer_update_password",
    request_body = MedusaUpdatePasswordRequest,
    responses(
        (status = 200, description = "The password is changed", body = MedusaSuccessResponse),
        (status = 400, description = "A password that breaks the password rules, or a field of the wrong type", body = MedusaErrorResponse),
        (status = 401, description = "No reset code, or a wrong, expired or used one", body = MedusaErrorResponse),
    )
)]
pub async fn medusa_customer_update_password(
    State(state): State<AppState>,
    Extension(context): Extension<RequestContext>,
    headers: HeaderMap,
    JsonObject(object): JsonObject,
) -> Result<Json<MedusaSuccessResponse>, MedusaError> {
    let request: MedusaUpdatePasswordRequest = body(object)?;
    let code = reset_token(&headers)?;
    state.domain.reset_password(&context, code, &request.password, &request.password).await?;
    Ok(Json(MedusaSuccessResponse { success: true }))
}

/// Register a customer's email and password: a registration token (valid 24 hours, used once)
/// that `POST /store/customers` turns into the end user. The token is random and kept only as
/// its SHA-256; the answer is the same whether or not the email is taken.
///
/// Action `plugin::users-permissions.auth.register` (the public role holds it by default).
#[utoipa::path(
    post, path = "/medusa/auth/customer/emailpass/register", tag = "medusa", operation_id = "medusa_customer_register",
    request_body = MedusaEmailPassRequest,
    responses(
        (status = 200, description = "Registered", body = MedusaTokenResponse),
        (status = 400, description = "An invalid email, or a password that breaks the password rules", body = MedusaErrorResponse),
        (status = 403, description = "Registration is disabled", body = MedusaErrorResponse),
    )
)]
pub async fn medusa_customer_register(
    State(state): State<AppState>,
    JsonObject(object): JsonObject,
) -> Result<Json<MedusaTokenResponse>, MedusaError> {
    let request: MedusaEmailPassRequest = body(object)?;
    let token = state.domain.register_customer_identity(&request.email, &request.password).await?;
    Ok(Json(MedusaTokenResponse { token: token.expose().to_owned() }))
}
