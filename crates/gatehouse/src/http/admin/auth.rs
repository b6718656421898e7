//! Admin bootstrap, login, logout, access tokens, and invite acceptance.

use crate::http::admin::{admin_json, refresh_cookie, set_refresh_cookie, DataResponse};
use crate::http::content::ErrorResponse;
use crate::http::error::ApiError;
use crate::http::rejection::{Fields, JsonObject};
use crate::http::AppState;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use gatehouse_domain::admins::{AdminLogin, AdminProfile};
use gatehouse_domain::Caller;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::net::SocketAddr;
use utoipa::IntoParams;

fn login_answer(headers: &HeaderMap, peer: SocketAddr, now_secs: i64, login: AdminLogin) -> Response {
    let body = json!({"data": {"token": login.jwt.expose(), "accessToken": login.jwt.expose(), "user": admin_json(&login.admin)}});
    let mut response = Json(body).into_response();
    let max_age = login.refresh_expires_at.as_secs() - now_secs;
    set_refresh_cookie(&mut response, headers, peer, login.refresh.expose(), max_age.max(0));
    response
}

fn profile(fields: &mut Fields<'_>, password_key: &str) -> AdminProfile {
    AdminProfile {
        firstname: fields.optional_string("firstname").unwrap_or_default(),
        lastname: fields.optional_string("lastname"),
        password: fields.required_string(password_key).unwrap_or_default().into(),
    }
}

/// Whether an admin exists.
#[utoipa::path(get, path = "/admin/init", tag = "admin", operation_id = "admin_init", security(()),
    responses((status = 200, description = "{data: {uuid, hasAdmin, menuLogo, authLogo}}", body = DataResponse)))]
pub async fn admin_init(State(state): State<AppState>) -> Result<Json<DataResponse>, ApiError> {
    let has_admin = state.domain.has_admin().await?;
    let uuid = state.domain.instance_id().await?;
    // As Strapi: the installation's id, and no custom logos (Gatehouse has no panel branding).
    Ok(Json(DataResponse { data: json!({"uuid": uuid, "hasAdmin": has_admin, "menuLogo": null, "authLogo": null}) }))
}

/// Register the first admin (Super Admin), only while none exists; afterwards 403.
#[utoipa::path(post, path = "/admin/register-admin", tag = "admin", operation_id = "register_admin", security(()),
    request_body(content = Object, description = "{email, password, firstname, lastname?}"),
    responses(
        (status = 200, description = "{data: {token, accessToken, user}} and the refresh cookie", body = DataResponse),
        (status = 400, description = "Invalid fields", body = ErrorResponse),
        (status = 403, description = "An admin exists already", body = ErrorResponse),
    ))]
pub async fn register_admin(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    JsonObject(body): JsonObject,
) -> Result<Response, ApiError> {
    // As `/api/auth/local/register`: unknown keys are refused, nothing is written. `news` is
    // the admin panel's newsletter box, which Gatehouse has no use for.
    Fields::refuse_other_keys(&body, &["email", "password", "firstname", "lastname", "news"])?;
    let mut fields = Fields::new(&body);
    let email = fields.required_string("email");
    let profile = profile(&mut fields, "password");
    fields.finish()?;
    let email = email.unwrap_or_default();
    let login = state.domain.register_first_admin(&email, profile).await?;
    Ok(login_answer(&headers, peer, state.domain.clock().now().as_secs(), login))
}

/// Admin login: a JWT and an httpOnly refresh cookie (2 h, or 14 days with `rememberMe`).
#[utoipa::path(post, path = "/admin/login", tag = "admin", operation_id = "admin_login", security(()),
    request_body(content = Object, description = "{email, password, rememberMe?}"),
    responses(
        (status = 200, description = "{data: {token, accessToken, user}} and the refresh cookie", body = DataResponse),
        (status = 400, description = "Invalid or missing credentials", body = ErrorResponse),
    ))]
pub async fn admin_login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    JsonObject(body): JsonObject,
) -> Result<Response, ApiError> {
    let text = |key: &str| body.get(key).and_then(Value::as_str).unwrap_or_default().to_owned();
    let remember = body.get("rememberMe").and_then(Value::as_bool).unwrap_or(false);
    let login = state.domain.admin_login(&text("email"), &text("password"), remember).await?;
    Ok(login_answer(&headers, peer, state.domain.clock().now().as_secs(), login))
}

/// End the calling admin session (its JWT and refresh cookie die).
#[utoipa::path(post, path = "/admin/logout", tag = "admin", operation_id = "admin_logout", security(("bearer" = [])),
    responses((status = 200, description = "{data: {}}", body = DataResponse)))]
pub async fn admin_logout(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Result<Response, ApiError> {
    state.domain.admin_logout(&caller).await?;
    let mut response = Json(DataResponse { data: json!({}) }).into_response();
    crate::http::cookies::set(&mut response, super::ADMIN_REFRESH_COOKIE, "", "/admin", 0, false);
    Ok(response)
}

/// A new admin JWT from the refresh cookie.
#[utoipa::path(post, path = "/admin/access-token", tag = "admin", operation_id = "admin_access_token", security(()),
    responses(
        (status = 200, description = "{data: {token}}", body = DataResponse),
        (status = 401, description = "Missing or invalid refresh token", body = ErrorResponse),
    ))]
pub async fn admin_access_token(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Some(cookie) = refresh_cookie(&headers) else {
        return Err(ApiError::new(StatusCode::UNAUTHORIZED, "UnauthorizedError", "Missing refresh token"));
    };
    let (jwt, login) = state
        .domain
        .admin_access_token(&cookie)
        .await
        .map_err(|_| ApiError::new(StatusCode::UNAUTHORIZED, "UnauthorizedError", "Invalid refresh token"))?;
    let mut response = Json(DataResponse { data: json!({"token": jwt}) }).into_response();
    let max_age = login.refresh_expires_at.as_secs() - state.domain.clock().now().as_secs();
    set_refresh_cookie(&mut response, &headers, peer, login.refresh.expose(), max_age.max(0));
    Ok(response)
}

/// Query of `GET /admin/registration-info`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct RegistrationInfoQuery {
    /// The invite's token.
    #[serde(rename = "registrationToken")]
    pub registration_token: Option<String>,
}

/// The invited admin's email and names.
#[utoipa::path(get, path = "/admin/registration-info", tag = "admin", operation_id = "registration_info", security(()),
    params(RegistrationInfoQuery),
    responses(
        (status = 200, description = "{data: {email, firstname, lastname}}", body = DataResponse),
        (status = 400, description = "Invalid registrationToken", body = ErrorResponse),
    ))]
pub async fn registration_info(
    State(state): State<AppState>,
    Query(query): Query<RegistrationInfoQuery>,
) -> Result<Json<DataResponse>, ApiError> {
    let token = query.registration_token.unwrap_or_default();
    let admin =
        state.domain.registration_info(&token).await.map_err(|_| ApiError::validation("Invalid registrationToken"))?;
    Ok(Json(DataResponse {
        data: json!({"email": admin.email, "firstname": admin.firstname, "lastname": admin.lastname}),
    }))
}

async fn accept(
    state: &AppState,
    headers: &HeaderMap,
    peer: SocketAddr,
    token: String,
    info: &Map<String, Value>,
) -> Result<Response, ApiError> {
    let mut fields = Fields::new(info);
    let profile = profile(&mut fields, "password");
    fields.finish()?;
    let login = state.domain.accept_invite(&token, profile).await?;
    Ok(login_answer(headers, peer, state.domain.clock().now().as_secs(), login))
}

/// Accept an invite (Strapi's form): the admin becomes active and is logged in.
#[utoipa::path(post, path = "/admin/register", tag = "admin", operation_id = "register_invited_admin", security(()),
    request_body(content = Object, description = "{registrationToken, userInfo: {firstname, lastname, password}}"),
    responses(
        (status = 200, description = "{data: {token, accessToken, user}} and the refresh cookie", body = DataResponse),
        (status = 400, description = "Invalid registration info, or a weak password", body = ErrorResponse),
    ))]
pub async fn register_invited_admin(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    JsonObject(body): JsonObject,
) -> Result<Response, ApiError> {
    let token = body.get("registrationToken").and_then(Value::as_str).unwrap_or_default().to_owned();
    let info = body.get("userInfo").and_then(Value::as_object).cloned().unwrap_or_default();
    accept(&state, &headers, peer, token, &info).await
}

/// Accept an invite (Medusa's form).
#[utoipa::path(post, path = "/admin/invites/accept", tag = "admin", operation_id = "accept_invite", security(()),
    request_body(content = Object, description = "{token, firstname, lastname, password}"),
    responses(
        (status = 200, description = "{data: {token, accessToken, user}} and the refresh cookie", body = DataResponse),
        (status = 400, description = "Invalid registration info, or a weak password", body = ErrorResponse),
    ))]
pub async fn accept_invite(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    JsonObject(body): JsonObject,
) -> Result<Response, ApiError> {
    let token = body.get("token").and_then(Value::as_str).unwrap_or_default().to_owned();
    accept(&state, &headers, peer, token, &body).await
}
