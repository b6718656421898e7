//! `/admin/api-tokens*`: API tokens as Strapi's admin manages them; the secret appears once, as
//! `accessKey`.

use crate::http::admin::views::{ApiTokenView, Data};
use crate::http::admin::{path_id, DataResponse};
use crate::http::content::ErrorResponse;
use crate::http::error::ApiError;
use crate::http::rejection::{Fields, JsonObject};
use crate::http::AppState;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use gatehouse_domain::action::{Action, ActionRegistry};
use gatehouse_domain::api_tokens::{ApiTokenInput, ApiTokenPatch, LIFESPANS_MS};
use gatehouse_domain::ids::ApiTokenId;
use gatehouse_domain::model::{ApiToken, ApiTokenKind};
use gatehouse_domain::ports::ConflictKey;
use gatehouse_domain::{Caller, DomainError, FieldError, FieldErrors};
use serde_json::{json, Map, Value};
use utoipa::openapi::schema::{AnyOfBuilder, ArrayBuilder, ObjectBuilder, Schema, SchemaType, Type};
use utoipa::openapi::RefOr;
use utoipa::ToSchema;

fn token_json(token: &ApiToken, secret: Option<&str>) -> Value {
    serde_json::to_value(ApiTokenView::new(token, secret)).unwrap_or_default()
}

fn conflicts(error: DomainError) -> ApiError {
    match error {
        DomainError::Conflict(ConflictKey::ApiTokenName) => ApiError::application("Name already taken"),
        other => other.into(),
    }
}

/// Body of `POST /admin/api-tokens`, as [`CreateApiTokenRequest::parse`] reads it.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApiTokenRequest {
    /// Unique name.
    #[schema(min_length = 1, pattern = r"\S")]
    pub name: String,
    /// Free text.
    pub description: Option<String>,
    /// What the token may do.
    #[serde(rename = "type")]
    #[schema(value_type = ApiTokenType)]
    pub kind: ApiTokenKind,
    /// Lifetime in milliseconds: 7, 30 or 90 days; null or absent for unlimited.
    #[schema(schema_with = lifespan_schema)]
    pub lifespan: Option<i64>,
    /// The content actions of a `custom` token (ignored for the other types).
    #[schema(schema_with = token_permissions_schema)]
    pub permissions: Option<Vec<String>>,
}

impl CreateApiTokenRequest {
    /// Reads the body; a key outside the five above is refused.
    pub fn parse(body: &Map<String, Value>) -> Result<Self, ApiError> {
        let patch = read_token(body, true)?;
        Ok(Self {
            name: patch.name.unwrap_or_default(),
            description: patch.description,
            kind: patch.kind.unwrap_or(ApiTokenKind::ReadOnly),
            lifespan: patch.lifespan_ms.flatten(),
            permissions: patch.actions,
        })
    }

    fn into_input(self) -> ApiTokenInput {
        ApiTokenInput {
            name: self.name,
            description: self.description.unwrap_or_default(),
            kind: self.kind,
            lifespan_ms: self.lifespan,
            actions: self.permissions.unwrap_or_default(),
        }
    }
}

/// Body of `PUT /admin/api-tokens/{id}`, as [`UpdateApiTokenRequest::parse`] reads it: every
/// key optional.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateApiTokenRequest {
    /// Unique name.
    #[schema(nullable = false, min_length = 1, pattern = r"\S")]
    pub name: Option<String>,
    /// Free text.
    pub description: Option<String>,
    /// What the token may do.
    #[serde(rename = "type")]
    #[schema(nullable = false, value_type = Option<ApiTokenType>)]
    pub kind: Option<ApiTokenKind>,
    /// Lifetime in milliseconds: 7, 30 or 90 days; null for unlimited, absent for unchanged.
    #[schema(schema_with = lifespan_schema)]
    pub lifespan: Option<Option<i64>>,
    /// The content actions of a `custom` token; null clears them.
    #[schema(schema_with = token_permissions_schema)]
    pub permissions: Option<Vec<String>>,
}

impl UpdateApiTokenRequest {
    /// Reads the body; a key outside the five above is refused.
    pub fn parse(body: &Map<String, Value>) -> Result<Self, ApiError> {
        let patch = read_token(body, false)?;
        Ok(Self {
            name: patch.name,
            description: patch.description,
            kind: patch.kind,
            lifespan: patch.lifespan_ms,
            permissions: patch.actions,
        })
    }

    fn into_patch(self) -> ApiTokenPatch {
        ApiTokenPatch {
            name: self.name,
            description: self.description,
            kind: self.kind,
            lifespan_ms: self.lifespan,
            actions: self.permissions,
        }
    }
}

/// A token's type.
#[derive(ToSchema)]
#[allow(dead_code)]
#[serde(rename_all = "kebab-case")]
pub enum ApiTokenType {
    /// Every read action.
    ReadOnly,
    /// Every content action.
    FullAccess,
    /// The actions in `permissions`.
    Custom,
    /// The credential of the SCIM surface (`/scim/v2`) only: manages end users and roles there.
    Scim,
}

fn lifespan_schema() -> RefOr<Schema> {
    let lifespans: Vec<i64> = LIFESPANS_MS.to_vec();
    let texts: Vec<String> = LIFESPANS_MS.iter().map(i64::to_string).collect();
    RefOr::T(Schema::AnyOf(
        AnyOfBuilder::new()
            .item(ObjectBuilder::new().schema_type(Type::Integer).enum_values(Some(lifespans)))
            .item(ObjectBuilder::new().schema_type(Type::String).enum_values(Some(texts)))
            .item(ObjectBuilder::new().schema_type(Type::Null))
            .description(Some("Milliseconds: 604800000 (7 days), 2592000000 (30 days), 7776000000 (90 days), or null"))
            .build(),
    ))
}

fn token_permissions_schema() -> impl Into<RefOr<Schema>> {
    let names: Vec<&str> = ActionRegistry::builtin().grantable().map(Action::as_str).collect();
    ArrayBuilder::new()
        .schema_type(SchemaType::from_iter([Type::Array, Type::Null]))
        .items(ObjectBuilder::new().schema_type(Type::String).enum_values(Some(names)))
        .build()
}

/// Reads a token body: every key it names, the rest left `None`.
fn read_token(body: &Map<String, Value>, creating: bool) -> Result<ApiTokenPatch, ApiError> {
    Fields::refuse_other_keys(body, &["name", "description", "type", "lifespan", "permissions"])?;
    let mut fields = Fields::new(body);
    let name = if creating { fields.required_string("name") } else { fields.present_string("name") };
    let description = fields.optional_string("description");
    let kind_text = if creating { fields.required_string("type") } else { fields.present_string("type") };
    fields.finish()?;
    let kind = match kind_text {
        None => None,
        Some(text) => Some(ApiTokenKind::from_name(&text).ok_or_else(|| {
            DomainError::Validation(FieldErrors(vec![FieldError::new(
                "type",
                "type must be one of the following values: read-only, full-access, custom",
            )
            .with_value(json!(text))]))
        })?),
    };
    let lifespan_ms = match body.get("lifespan") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(Value::Number(number)) => {
            Some(Some(number.as_i64().ok_or_else(|| ApiError::validation("lifespan must be an integer"))?))
        }
        Some(Value::String(text)) => {
            Some(Some(text.parse().map_err(|_| ApiError::validation("lifespan must be an integer"))?))
        }
        Some(_) => return Err(ApiError::validation("lifespan must be an integer")),
    };
    let actions = match body.get("permissions") {
        None => None,
        Some(Value::Array(items)) => Some(
            items
                .iter()
                .map(|item| {
                    item.as_str()
                        .map(str::to_owned)
                        .ok_or_else(|| ApiError::validation("permissions must be a list of action names"))
                })
                .collect::<Result<Vec<_>, _>>()?,
        ),
        Some(Value::Null) => Some(Vec::new()),
        Some(_) => return Err(ApiError::validation("permissions must be a list of actions")),
    };
    Ok(ApiTokenPatch { name, description, kind, lifespan_ms, actions })
}

fn with_secret(status: StatusCode, data: Value) -> Response {
    let mut response = (status, Json(DataResponse { data })).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Every API token (never the secrets).
#[utoipa::path(get, path = "/admin/api-tokens", tag = "admin", operation_id = "list_api_tokens",
    responses(
        (status = 200, description = "{data: [tokens]}", body = Data<Vec<ApiTokenView>>),
    ))]
pub async fn list_api_tokens(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Result<Json<DataResponse>, ApiError> {
    let tokens = state.domain.list_api_tokens(&caller).await?;
    Ok(Json(DataResponse { data: Value::Array(tokens.iter().map(|token| token_json(token, None)).collect()) }))
}

/// Create an API token; the secret appears once, as `accessKey`.
#[utoipa::path(post, path = "/admin/api-tokens", tag = "admin", operation_id = "create_api_token",
    request_body = CreateApiTokenRequest,
    responses(
        (status = 201, description = "{data: token with accessKey}", body = Data<ApiTokenView>),
        (status = 400, description = "Invalid fields or name taken", body = ErrorResponse),
    ))]
pub async fn create_api_token(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    JsonObject(body): JsonObject,
) -> Result<Response, ApiError> {
    let input = CreateApiTokenRequest::parse(&body)?.into_input();
    let issued = state.domain.create_api_token(&caller, input).await.map_err(conflicts)?;
    Ok(with_secret(StatusCode::CREATED, token_json(&issued.token, Some(issued.secret.expose()))))
}

/// One API token.
#[utoipa::path(get, path = "/admin/api-tokens/{id}", tag = "admin", operation_id = "find_api_token",
    params(("id" = i64, Path, description = "Token id")),
    responses(
        (status = 200, description = "{data: token}", body = Data<ApiTokenView>),
        (status = 404, description = "No such token", body = ErrorResponse),
    ))]
pub async fn find_api_token(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<DataResponse>, ApiError> {
    let token = state.domain.find_api_token(&caller, ApiTokenId(path_id(&id)?)).await?;
    Ok(Json(DataResponse { data: token_json(&token, None) }))
}

/// Change an API token's name, description, type, lifespan or permissions (the secret stays).
#[utoipa::path(put, path = "/admin/api-tokens/{id}", tag = "admin", operation_id = "update_api_token",
    params(("id" = i64, Path, description = "Token id")),
    request_body = UpdateApiTokenRequest,
    responses(
        (status = 200, description = "{data: token}", body = Data<ApiTokenView>),
        (status = 400, description = "Invalid fields or name taken", body = ErrorResponse),
        (status = 404, description = "No such token", body = ErrorResponse),
    ))]
pub async fn update_api_token(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    JsonObject(body): JsonObject,
) -> Result<Json<DataResponse>, ApiError> {
    let id = ApiTokenId(path_id(&id)?);
    let patch = UpdateApiTokenRequest::parse(&body)?.into_patch();
    let token = state.domain.update_api_token(&caller, id, patch).await.map_err(conflicts)?;
    Ok(Json(DataResponse { data: token_json(&token, None) }))
}

/// Delete an API token; it stops working at once.
#[utoipa::path(delete, path = "/admin/api-tokens/{id}", tag = "admin", operation_id = "delete_api_token",
    params(("id" = i64, Path, description = "Token id")),
    responses(
        (status = 200, description = "{data: token}", body = Data<ApiTokenView>),
        (status = 404, description = "No such token", body = ErrorResponse),
    ))]
pub async fn delete_api_token(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<DataResponse>, ApiError> {
    let token = state.domain.delete_api_token(&caller, ApiTokenId(path_id(&id)?)).await?;
    Ok(Json(DataResponse { data: token_json(&token, None) }))
}

/// Give an API token a new secret (shown once as `accessKey`); the old one dies.
#[utoipa::path(post, path = "/admin/api-tokens/{id}/regenerate", tag = "admin", operation_id = "regenerate_api_token",
    params(("id" = i64, Path, description = "Token id")),
    responses(
        (status = 200, description = "{data: token with accessKey}", body = Data<ApiTokenView>),
        (status = 404, description = "No such token", body = ErrorResponse),
    ))]
pub async fn regenerate_api_token(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let issued = state.domain.regenerate_api_token(&caller, ApiTokenId(path_id(&id)?)).await?;
    Ok(with_secret(StatusCode::OK, token_json(&issued.token, Some(issued.secret.expose()))))
}
