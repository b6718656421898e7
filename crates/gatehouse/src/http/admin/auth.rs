//! Admin bootstrap, login, logout, access tokens, and invite acceptance.

use crate::http::admin::views::{
    AccessTokenView, AdminInitView, AdminLoginView, Data, EmptyView, RegistrationInfoView,
};
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
use gatehouse_domain::{Caller, RequestContext, Secret};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::net::SocketAddr;
use utoipa::{IntoParams, ToSchema};

fn login_answer(headers: &HeaderMap, peer: SocketAddr, now_secs: i64, login: AdminLogin) -> Response {
    let body = json!({"data": {"token": login.jwt.expose(), "accessToken": login.jwt.expose(), "user": admin_json(&login.admin)}});
    let mut response = Json(body).into_response();
    let max_age = login.refresh_expires_at.as_secs() - now_secs;
    set_refresh_cookie(&mut response, headers, peer, login.refresh.expose(), max_age.max(0));
    response
}

/// Body of `POST /admin/register-admin`, as [`RegisterAdminRequest::parse`] reads it.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterAdminRequest {
    /// A valid email address; stored lower-cased.
    #[schema(format = Email, max_length = 254)]
    pub email: String,
    /// 8 characters or more (at most 1024 bytes), with a lower-case letter, an upper-case letter
    /// and a digit.
    #[schema(value_type = String, format = Password, min_length = 8, max_length = 1024, pattern = r"^(?=.*[a-z])(?=.*[A-Z])(?=.*[0-9])")]
    pub password: Secret,
    /// First name.
    pub firstname: Option<String>,
    /// Last name.
    pub lastname: Option<String>,
    /// The admin panel's newsletter box; ignored.
    #[schema(value_type = Option<bool>)]
    pub news: Option<Value>,
}

impl RegisterAdminRequest {
    /// Reads the body; as `/api/auth/local/register`, unknown keys are refused and nothing is
    /// written.
    pub fn parse(body: &Map<String, Value>) -> Result<Self, ApiError> {
        Fields::refuse_other_keys(body, &["email", "password", "firstname", "lastname", "news"])?;
        let mut fields = Fields::new(body);
        let email = fields.required_string("email");
        let profile = AdminProfileFields::read(&mut fields);
        fields.finish()?;
        Ok(Self {
            email: email.unwrap_or_default(),
            password: profile.password,
            firstname: profile.firstname,
            lastname: profile.lastname,
            news: body.get("news").cloned(),
        })
    }
}

/// The profile an admin gives when registering or accepting an invite.
struct AdminProfileFields {
    firstname: Option<String>,
    lastname: Option<String>,
    password: Secret,
}

impl AdminProfileFields {
    fn read(fields: &mut Fields<'_>) -> Self {
        Self {
            firstname: fields.optional_string("firstname"),
            lastname: fields.optional_string("lastname"),
            password: fields.required_string("password").unwrap_or_default().into(),
        }
    }

    fn profile(firstname: Option<String>, lastname: Option<String>, password: Secret) -> AdminProfile {
        AdminProfile { firstname: firstname.unwrap_or_default(), lastname, password }
    }
}

/// Body of `POST /admin/login`, as [`AdminLoginRequest::parse`] reads it. Missing or non-text
/// credentials are the same 400 as wrong ones.
#[derive(ToSchema)]
pub struct AdminLoginRequest {
    /// The admin's email (an empty one is "Missing credentials").
    #[schema(min_length = 1)]
    pub email: String,
    /// The password.
    #[schema(value_type = String, format = Password, min_length = 1)]
    pub password: Secret,
    /// A 14-day refresh cookie instead of one for the browser session.
    #[serde(rename = "rememberMe")]
    pub remember_me: Option<bool>,
}

impl AdminLoginRequest {
    /// Reads the body; never fails (missing credentials fail the login itself).
    pub fn parse(body: &Map<String, Value>) -> Self {
        let text = |key: &str| body.get(key).and_then(Value::as_str).unwrap_or_default().to_owned();
        Self {
            email: text("email"),
            password: text("password").into(),
            remember_me: body.get("rememberMe").and_then(Value::as_bool),
        }
    }
}

/// Body of `POST /admin/register` (Strapi's invite acceptance), as
/// [`AcceptRegistrationRequest::parse`] reads it.
#[derive(ToSchema)]
pub struct AcceptRegistrationRequest {
    /// The invite's token.
    #[serde(rename = "registrationToken")]
    #[schema(value_type = String, min_length = 1)]
    pub registration_token: Secret,
    /// The new admin's profile.
    #[serde(rename = "userInfo")]
    pub user_info: AdminProfileRequest,
}

/// `userInfo` of `POST /admin/register`.
#[derive(ToSchema)]
pub struct AdminProfileRequest {
    /// First name.
    pub firstname: Option<String>,
    /// Last name.
    pub lastname: Option<String>,
    /// 8 characters or more (at most 1024 bytes), with a lower-case letter, an upper-case letter
    /// and a digit.
    #[schema(value_type = String, format = Password, min_length = 8, max_length = 1024, pattern = r"^(?=.*[a-z])(?=.*[A-Z])(?=.*[0-9])")]
    pub password: Secret,
}

impl AcceptRegistrationRequest {
    /// Reads the body; a missing token is an invalid one.
    pub fn parse(body: &Map<String, Value>) -> Result<Self, ApiError> {
        let token = body.get("registrationToken").and_then(Value::as_str).unwrap_or_default();
        let info = body.get("userInfo").and_then(Value::as_object).cloned().unwrap_or_default();
        let mut fields = Fields::new(&info);
        let profile = AdminProfileFields::read(&mut fields);
        fields.finish()?;
        Ok(Self {
            registration_token: token.into(),
            user_info: AdminProfileRequest {
                firstname: profile.firstname,
                lastname: profile.lastname,
                password: profile.password,
            },
        })
    }
}

/// Body of `POST /admin/invites/accept` (Medusa's invite acceptance), as
/// [`AcceptInviteRequest::parse`] reads it.
#[derive(ToSchema)]
pub struct AcceptInviteRequest {
    /// The invite's token.
    #[schema(value_type = String, min_length = 1)]
    pub token: Secret,
    /// First name.
    pub firstname: Option<String>,
    /// Last name.
    pub lastname: Option<String>,
    /// 8 characters or more (at most 1024 bytes), with a lower-case letter, an upper-case letter
    /// and a digit.
    #[schema(value_type = String, format = Password, min_length = 8, max_length = 1024, pattern = r"^(?=.*[a-z])(?=.*[A-Z])(?=.*[0-9])")]
    pub password: Secret,
}

impl AcceptInviteRequest {
    /// Reads the body; a missing token is an invalid one.
    pub fn parse(body: &Map<String, Value>) -> Result<Self, ApiError> {
        let token = body.get("token").and_then(Value::as_str).unwrap_or_default();
        let mut fields = Fields::new(body);
        let profile = AdminProfileFields::read(&mut fields);
        fields.finish()?;
        Ok(Self {
            token: token.into(),
            firstname: profile.firstname,
            lastname: profile.lastname,
            password: profile.password,
        })
    }
}

/// Whether an admin exists.
#[utoipa::path(get, path = "/admin/init", tag = "admin", operation_id = "admin_init",
    responses((status = 200, description = "{data: {uuid, hasAdmin, menuLogo, authLogo}}", body = Data<AdminInitView>)))]
pub async fn admin_init(State(state): State<AppState>) -> Result<Json<DataResponse>, ApiError> {
    let has_admin = state.domain.has_admin().await?;
    let uuid = state.domain.instance_id().await?;
    // As Strapi: the installation's id, and no custom logos (Gatehouse has no panel branding).
    Ok(Json(DataResponse { data: json!({"uuid": uuid, "hasAdmin": has_admin, "menuLogo": null, "authLogo": null}) }))
}

/// Register the first admin (Super Admin), only while none exists; afterwards 403.
#[utoipa::path(post, path = "/admin/register-admin", tag = "admin", operation_id = "register_admin",
    request_body = RegisterAdminRequest,
    responses(
        (status = 200, description = "{data: {token, accessToken, user}} and the refresh cookie", body = Data<AdminLoginView>),
        (status = 400, description = "Invalid fields", body = ErrorResponse),
        (status = 403, description = "An admin exists already", body = ErrorResponse),
    ))]
pub async fn register_admin(
    State(state): State<AppState>,
    Extension(context): Extension<RequestContext>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    JsonObject(body): JsonObject,
) -> Result<Response, ApiError> {
    let request = RegisterAdminRequest::parse(&body)?;
    let email = request.email;
    let profile = AdminProfileFields::profile(request.firstname, request.lastname, request.password);
    let login = state.domain.register_first_admin(&context, &email, profile).await?;
    Ok(login_answer(&headers, peer, state.domain.clock().now().as_secs(), login))
}

/// Admin login: a JWT and an httpOnly refresh cookie (2 h, or 14 days with `rememberMe`).
#[utoipa::path(post, path = "/admin/login", tag = "admin", operation_id = "admin_login",
    request_body = AdminLoginRequest,
    responses(
        (status = 200, description = "{data: {token, accessToken, user}} and the refresh cookie", body = Data<AdminLoginView>),
        (status = 400, description = "Invalid or missing credentials", body = ErrorResponse),
    ))]
pub async fn admin_login(
    State(state): State<AppState>,
    Extension(context): Extension<RequestContext>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    JsonObject(body): JsonObject,
) -> Result<Response, ApiError> {
    let request = AdminLoginRequest::parse(&body);
    let remember = request.remember_me.unwrap_or(false);
    let login = state.domain.admin_login(&context, &request.email, request.password.expose(), remember).await?;
    Ok(login_answer(&headers, peer, state.domain.clock().now().as_secs(), login))
}

/// End the calling admin session (its JWT and refresh cookie die).
#[utoipa::path(post, path = "/admin/logout", tag = "admin", operation_id = "admin_logout",
    responses((status = 200, description = "{data: {}}", body = Data<EmptyView>)))]
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
#[utoipa::path(post, path = "/admin/access-token", tag = "admin", operation_id = "admin_access_token", security(("adminRefreshCookie" = [])),
    responses(
        (status = 200, description = "{data: {token}}", body = Data<AccessTokenView>),
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
    /// The invite's token (without it the answer is 400, as Strapi).
    #[serde(rename = "registrationToken")]
    #[param(required = true, min_length = 1)]
    pub registration_token: Option<String>,
}

/// The invited admin's email and names.
#[utoipa::path(get, path = "/admin/registration-info", tag = "admin", operation_id = "registration_info",
    params(RegistrationInfoQuery),
    responses(
        (status = 200, description = "{data: {email, firstname, lastname}}", body = Data<RegistrationInfoView>),
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
    context: &RequestContext,
    headers: &HeaderMap,
    peer: SocketAddr,
    token: Secret,
    profile: AdminProfile,
) -> Result<Response, ApiError> {
    let login = state.domain.accept_invite(context, token.expose(), profile).await?;
    Ok(login_answer(headers, peer, state.domain.clock().now().as_secs(), login))
}

/// Accept an invite (Strapi's form): the admin becomes active and is logged in.
#[utoipa::path(post, path = "/admin/register", tag = "admin", operation_id = "register_invited_admin",
    request_body = AcceptRegistrationRequest,
    responses(
        (status = 200, description = "{data: {token, accessToken, user}} and the refresh cookie", body = Data<AdminLoginView>),
        (status = 400, description = "Invalid registration info, or a weak password", body = ErrorResponse),
    ))]
pub async fn register_invited_admin(
    State(state): State<AppState>,
    Extension(context): Extension<RequestContext>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    JsonObject(body): JsonObject,
) -> Result<Response, ApiError> {
    let AcceptRegistrationRequest { registration_token, user_info } = AcceptRegistrationRequest::parse(&body)?;
    let profile = AdminProfileFields::profile(user_info.firstname, user_info.lastname, user_info.password);
    accept(&state, &context, &headers, peer, registration_token, profile).await
}

/// Accept an invite (Medusa's form).
#[utoipa::path(post, path = "/admin/invites/accept", tag = "admin", operation_id = "accept_invite",
    request_body = AcceptInviteRequest,
    responses(
        (status = 200, description = "{data: {token, accessToken, user}} and the refresh cookie", body = Data<AdminLoginView>),
        (status = 400, description = "Invalid registration info, or a weak password", body = ErrorResponse),
    ))]
pub async fn accept_invite(
    State(state): State<AppState>,
    Extension(context): Extension<RequestContext>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    JsonObject(body): JsonObject,
) -> Result<Response, ApiError> {
    let AcceptInviteRequest { token, firstname, lastname, password } = AcceptInviteRequest::parse(&body)?;
    let profile = AdminProfileFields::profile(firstname, lastname, password);
    accept(&state, &context, &headers, peer, token, profile).await
}
