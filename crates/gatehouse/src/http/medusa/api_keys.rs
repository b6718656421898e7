//! `/medusa/admin/api-keys*`: Medusa's secret API keys are Gatehouse's API tokens (`apk_42` is
//! `/admin/api-tokens/42`), the same ones `Authorization: Basic base64(<key>:)` accepts. A key
//! made here is a `full-access` token named by its title; its secret is shown once. Revoking
//! one ends it at once and for good while its record stays. Publishable keys (Medusa's
//! storefront sales-channel scopes) have no counterpart: creating one is 400, and a list of
//! them is empty.

use crate::http::medusa::{
    body, limit_schema, offset_schema, parse_id, public_id, query_pairs, MedusaDeleteResponse, MedusaError,
    MedusaErrorResponse, Paging,
};
use crate::http::rejection::JsonObject;
use crate::http::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::{Extension, Json};
use gatehouse_domain::api_tokens::{ApiTokenInput, ApiTokenPatch};
use gatehouse_domain::ids::ApiTokenId;
use gatehouse_domain::model::{ApiToken, ApiTokenKind};
use gatehouse_domain::Caller;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The id prefix of API keys.
pub const API_KEY_PREFIX: &str = "apk_";

/// What the redacted form shows of a secret that is not kept.
const REDACTED: &str = "gat_***";

/// An API token in Medusa's `AdminApiKey` shape.
#[derive(Debug, Serialize, ToSchema)]
pub struct MedusaApiKey {
    /// `apk_` and the token's integer id (`apk_42` is `/admin/api-tokens/42`).
    #[schema(pattern = "^apk_[1-9][0-9]{0,18}$", example = "apk_42")]
    pub id: String,
    /// The secret, only in the answer that creates the key; afterwards the redacted form.
    pub token: String,
    /// The key with its secret part hidden.
    #[schema(example = "gat_***")]
    pub redacted: String,
    /// The key's title (the token's name).
    pub title: String,
    /// Always `secret`.
    #[serde(rename = "type")]
    #[schema(example = "secret")]
    pub kind: &'static str,
    /// RFC 3339 UTC with milliseconds, or null.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_used_at: Option<String>,
    /// Always null: tokens do not record their creator.
    #[schema(value_type = Option<String>)]
    pub created_by: Option<String>,
    /// RFC 3339 UTC with milliseconds.
    #[schema(format = DateTime)]
    pub created_at: String,
    /// RFC 3339 UTC with milliseconds.
    #[schema(format = DateTime)]
    pub updated_at: String,
    /// Always null.
    #[schema(value_type = Option<String>)]
    pub revoked_by: Option<String>,
    /// When the key was revoked, or null.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub revoked_at: Option<String>,
    /// Always null: a deleted key is gone.
    #[schema(value_type = Option<String>)]
    pub deleted_at: Option<String>,
}

impl MedusaApiKey {
    fn of(token: &ApiToken, secret: Option<&str>) -> Self {
        // A revocation makes the token expire at the moment of the change.
        let revoked_at = token.expires_at.filter(|expires_at| *expires_at <= token.updated_at);
        Self {
            id: public_id(API_KEY_PREFIX, token.id.0),
            token: secret.unwrap_or(REDACTED).to_owned(),
            redacted: REDACTED.to_owned(),
            title: token.name.clone(),
            kind: "secret",
            last_used_at: token.last_used_at.map(|at| at.to_rfc3339()),
            created_by: None,
            created_at: token.created_at.to_rfc3339(),
            updated_at: token.updated_at.to_rfc3339(),
            revoked_by: None,
            revoked_at: revoked_at.map(|at| at.to_rfc3339()),
            deleted_at: None,
        }
    }
}

/// `{"api_key": {…}}`
#[derive(Debug, Serialize, ToSchema)]
pub struct MedusaApiKeyResponse {
    /// The key.
    pub api_key: MedusaApiKey,
}

/// `{"api_keys": […], "count", "offset", "limit"}`
#[derive(Debug, Serialize, ToSchema)]
pub struct MedusaApiKeyListResponse {
    /// The page, by id.
    pub api_keys: Vec<MedusaApiKey>,
    /// Keys over every page.
    pub count: u64,
    /// Rows skipped.
    pub offset: u64,
    /// The page size used.
    pub limit: u64,
}

/// Query parameters of the key list.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MedusaApiKeyListQuery {
    /// Rows to skip.
    #[param(schema_with = offset_schema)]
    pub offset: Option<u64>,
    /// Page size (default 20; above 100 is read as 100).
    #[param(schema_with = limit_schema)]
    pub limit: Option<u64>,
    /// `secret` (every key) or `publishable` (none: Gatehouse has no publishable keys).
    #[param(pattern = "^(secret|publishable)$")]
    #[allow(clippy::struct_field_names)]
    pub r#type: Option<String>,
    /// Accepted and ignored: every field is returned.
    pub fields: Option<String>,
}

/// Body of `POST /medusa/admin/api-keys`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MedusaCreateApiKeyRequest {
    /// The title, unique among keys (case-insensitively), not blank.
    #[schema(min_length = 1, max_length = 255)]
    pub title: String,
    /// `secret` (the only type; `publishable` is refused with 400).
    #[serde(rename = "type")]
    #[schema(pattern = "^secret$")]
    pub kind: String,
}

/// Body of `POST /medusa/admin/api-keys/{id}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MedusaUpdateApiKeyRequest {
    /// The new title, unique among keys (case-insensitively), not blank.
    #[schema(min_length = 1, max_length = 255)]
    pub title: String,
}

fn api_key_id(raw: &str) -> Result<ApiTokenId, MedusaError> {
    parse_id(API_KEY_PREFIX, raw)
        .map(ApiTokenId)
        .ok_or_else(|| MedusaError::not_found(format!("API key with id: {raw} was not found")))
}

fn checked_title(title: &str) -> Result<String, MedusaError> {
    // The length is the one the schema documents: of the title as sent, before trimming.
    let too_long = title.chars().count() > 255;
    let title = title.trim();
    if title.is_empty() || too_long {
        return Err(MedusaError::invalid("title must be 1 to 255 characters"));
    }
    Ok(title.to_owned())
}

/// The Medusa-visible keys: every API token but the SCIM ones (which only SCIM accepts).
fn is_secret_key(token: &ApiToken) -> bool {
    token.kind != ApiTokenKind::Scim
}

async fn load_key(state: &AppState, caller: &Caller, id: ApiTokenId) -> Result<ApiToken, MedusaError> {
    let token = state.domain.find_api_token(caller, id).await?;
    if !is_secret_key(&token) {
        return Err(MedusaError::not_found(format!(
            "API key with id: {} was not found",
            public_id(API_KEY_PREFIX, id.0)
        )));
    }
    Ok(token)
}

/// List the secret API keys.
///
/// Action `admin::api-tokens.read`.
#[utoipa::path(
    get, path = "/medusa/admin/api-keys", tag = "medusa", operation_id = "medusa_list_api_keys",
    params(MedusaApiKeyListQuery),
    responses(
        (status = 200, description = "A page of keys", body = MedusaApiKeyListResponse),
        (status = 400, description = "A malformed `offset`, `limit` or `type`", body = MedusaErrorResponse),
    )
)]
pub async fn medusa_list_api_keys(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> Result<Json<MedusaApiKeyListResponse>, MedusaError> {
    let pairs = query_pairs(raw.as_deref());
    let paging = Paging::read(&pairs)?;
    let mut publishable = false;
    for (key, value) in &pairs {
        if key == "type" {
            match value.as_str() {
                "secret" => {}
                "publishable" => publishable = true,
                _ => return Err(MedusaError::invalid("type must be secret or publishable")),
            }
        }
    }
    let mut tokens: Vec<ApiToken> = state.domain.list_api_tokens(&caller).await?;
    tokens.retain(|token| is_secret_key(token) && !publishable);
    tokens.sort_by_key(|token| token.id.0);
    let count = u64::try_from(tokens.len()).unwrap_or(u64::MAX);
    Ok(Json(MedusaApiKeyListResponse {
        api_keys: paging.slice(tokens).iter().map(|token| MedusaApiKey::of(token, None)).collect(),
        count,
        offset: paging.offset,
        limit: paging.limit,
    }))
}

/// Create a secret API key: a `full-access` API token titled `title`, with no expiry. The
/// answer is the only one that shows its secret (`token`).
///
/// Action `admin::api-tokens.create`.
#[utoipa::path(
    post, path = "/medusa/admin/api-keys", tag = "medusa", operation_id = "medusa_create_api_key",
    request_body = MedusaCreateApiKeyRequest,
    responses(
        (status = 200, description = "Created; `token` is the secret, shown this once", body = MedusaApiKeyResponse),
        (status = 400, description = "A blank title, or `type` other than `secret` (publishable keys do not exist here)", body = MedusaErrorResponse),
        (status = 409, description = "Another key has this title", body = MedusaErrorResponse),
    )
)]
pub async fn medusa_create_api_key(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    JsonObject(object): JsonObject,
) -> Result<Json<MedusaApiKeyResponse>, MedusaError> {
    let request: MedusaCreateApiKeyRequest = body(object)?;
    match request.kind.as_str() {
        "secret" => {}
        "publishable" => {
            return Err(MedusaError::invalid(
                "Publishable API keys are not supported: Gatehouse has no sales channels; create a secret key",
            ))
        }
        _ => return Err(MedusaError::invalid("type must be secret or publishable")),
    }
    let input = ApiTokenInput {
        name: checked_title(&request.title)?,
        description: String::new(),
        kind: ApiTokenKind::FullAccess,
        lifespan_ms: None,
        actions: Vec::new(),
    };
    let issued = state.domain.create_api_token(&caller, input).await?;
    Ok(Json(MedusaApiKeyResponse { api_key: MedusaApiKey::of(&issued.token, Some(issued.secret.expose())) }))
}

/// One secret API key (without its secret).
///
/// Action `admin::api-tokens.read`.
#[utoipa::path(
    get, path = "/medusa/admin/api-keys/{id}", tag = "medusa", operation_id = "medusa_find_api_key",
    params(("id" = String, Path, description = "`apk_` and the token's integer id")),
    responses(
        (status = 200, description = "The key", body = MedusaApiKeyResponse),
        (status = 404, description = "No such key, or an id that names none", body = MedusaErrorResponse),
    )
)]
pub async fn medusa_find_api_key(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(raw_id): Path<String>,
) -> Result<Json<MedusaApiKeyResponse>, MedusaError> {
    let token = load_key(&state, &caller, api_key_id(&raw_id)?).await?;
    Ok(Json(MedusaApiKeyResponse { api_key: MedusaApiKey::of(&token, None) }))
}

/// Rename a secret API key (Medusa updates with POST).
///
/// Action `admin::api-tokens.update`.
#[utoipa::path(
    post, path = "/medusa/admin/api-keys/{id}", tag = "medusa", operation_id = "medusa_update_api_key",
    params(("id" = String, Path, description = "`apk_` and the token's integer id")),
    request_body = MedusaUpdateApiKeyRequest,
    responses(
        (status = 200, description = "Updated", body = MedusaApiKeyResponse),
        (status = 400, description = "A blank title", body = MedusaErrorResponse),
        (status = 404, description = "No such key, or an id that names none", body = MedusaErrorResponse),
        (status = 409, description = "Another key has this title", body = MedusaErrorResponse),
    )
)]
pub async fn medusa_update_api_key(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(raw_id): Path<String>,
    JsonObject(object): JsonObject,
) -> Result<Json<MedusaApiKeyResponse>, MedusaError> {
    let id = api_key_id(&raw_id)?;
    let request: MedusaUpdateApiKeyRequest = body(object)?;
    let title = checked_title(&request.title)?;
    load_key(&state, &caller, id).await?;
    let patch = ApiTokenPatch { name: Some(title), ..ApiTokenPatch::default() };
    let token = state.domain.update_api_token(&caller, id, patch).await?;
    Ok(Json(MedusaApiKeyResponse { api_key: MedusaApiKey::of(&token, None) }))
}

/// Revoke a secret API key: it is refused at once and for good; its record stays, with
/// `revoked_at`.
///
/// Action `admin::api-tokens.update`.
#[utoipa::path(
    post, path = "/medusa/admin/api-keys/{id}/revoke", tag = "medusa", operation_id = "medusa_revoke_api_key",
    params(("id" = String, Path, description = "`apk_` and the token's integer id")),
    responses(
        (status = 200, description = "Revoked", body = MedusaApiKeyResponse),
        (status = 404, description = "No such key, or an id that names none", body = MedusaErrorResponse),
    )
)]
pub async fn medusa_revoke_api_key(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(raw_id): Path<String>,
) -> Result<Json<MedusaApiKeyResponse>, MedusaError> {
    let id = api_key_id(&raw_id)?;
    load_key(&state, &caller, id).await?;
    let token = state.domain.revoke_api_token(&caller, id).await?;
    Ok(Json(MedusaApiKeyResponse { api_key: MedusaApiKey::of(&token, None) }))
}

/// Delete a secret API key; it stops working at once.
///
/// Action `admin::api-tokens.delete`.
#[utoipa::path(
    delete, path = "/medusa/admin/api-keys/{id}", tag = "medusa", operation_id = "medusa_delete_api_key",
    params(("id" = String, Path, description = "`apk_` and the token's integer id")),
    responses(
        (status = 200, description = "Deleted", body = MedusaDeleteResponse),
        (status = 404, description = "No such key, or an id that names none", body = MedusaErrorResponse),
    )
)]
pub async fn medusa_delete_api_key(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(raw_id): Path<String>,
) -> Result<Json<MedusaDeleteResponse>, MedusaError> {
    let id = api_key_id(&raw_id)?;
    load_key(&state, &caller, id).await?;
    let token = state.domain.delete_api_token(&caller, id).await?;
    Ok(Json(MedusaDeleteResponse { id: public_id(API_KEY_PREFIX, token.id.0), object: "api_key", deleted: true }))
}
