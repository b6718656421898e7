//! `/admin/webhooks*`: webhook endpoints, their deliveries with the attempt history, a test
//! event and a manual resend. The signing secret (`whsec_…`) appears once, in the answer to
//! the creation; it is never shown again.

use crate::http::admin::views::Data;
use crate::http::admin::{path_id, DataResponse};
use crate::http::content::ErrorResponse;
use crate::http::error::ApiError;
use crate::http::rejection::{Fields, JsonObject};
use crate::http::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use gatehouse_domain::events::EventType;
use gatehouse_domain::time::Timestamp;
use gatehouse_domain::webhooks::{
    Delivery, DeliveryAttempt, DeliveryStatus, Webhook, WebhookId, WebhookInput, WebhookPatch, ALL_EVENTS,
};
use gatehouse_domain::{Caller, FieldError, FieldErrors};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, Type};
use utoipa::openapi::RefOr;
use utoipa::{IntoParams, ToSchema};

/// An endpoint as the admin API shows it (never its secret).
pub fn webhook_json(webhook: &Webhook) -> Value {
    serde_json::to_value(WebhookView::from(webhook)).unwrap_or_default()
}

/// A delivery with its attempts, newest first.
pub fn delivery_json(delivery: &Delivery, attempts: &[DeliveryAttempt]) -> Value {
    serde_json::to_value(DeliveryView::new(delivery, attempts)).unwrap_or_default()
}

/// A webhook endpoint as the admin API shows it (its secret only at creation).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WebhookView {
    /// Integer id.
    #[schema(minimum = 1)]
    pub id: i64,
    /// Free name.
    pub name: String,
    /// Where deliveries go.
    pub url: String,
    /// Event types, or `*`.
    pub events: Vec<String>,
    /// Extra request headers.
    pub headers: BTreeMap<String, String>,
    /// Whether deliveries are made.
    pub enabled: bool,
    /// RFC 3339 UTC with milliseconds.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    /// RFC 3339 UTC with milliseconds.
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
    /// The signing secret (`whsec_…`): present only in the answer that made it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

impl From<&Webhook> for WebhookView {
    fn from(webhook: &Webhook) -> Self {
        Self {
            id: webhook.id.0,
            name: webhook.name.clone(),
            url: webhook.url.clone(),
            events: webhook.events.clone(),
            headers: webhook.headers.clone(),
            enabled: webhook.enabled,
            created_at: webhook.created_at,
            updated_at: webhook.updated_at,
            secret: None,
        }
    }
}

/// One attempt of a delivery.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AttemptView {
    /// 1 for the first.
    pub attempt: i64,
    /// RFC 3339 UTC with milliseconds.
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
    /// The receiver's status code, if it answered.
    pub status_code: Option<i64>,
    /// How long it took.
    pub duration_ms: i64,
    /// Why it failed, if it did.
    pub error: Option<String>,
}

/// A delivery of one event to one endpoint, with its attempts.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryView {
    /// Integer id.
    pub id: i64,
    /// The event's id (the `webhook-id` header).
    pub event_id: String,
    /// The event's type.
    pub event_type: String,
    /// `pending`, `succeeded` or `failed`.
    #[schema(value_type = String)]
    pub status: &'static str,
    /// Attempts made.
    pub attempts: i64,
    /// When the next attempt is due, while pending.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub next_attempt_at: Option<Timestamp>,
    /// The last answer's status code.
    pub last_status_code: Option<i64>,
    /// The last failure.
    pub last_error: Option<String>,
    /// RFC 3339 UTC with milliseconds.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    /// The attempts, newest first.
    pub history: Vec<AttemptView>,
}

impl DeliveryView {
    fn new(delivery: &Delivery, attempts: &[DeliveryAttempt]) -> Self {
        Self {
            id: delivery.id,
            event_id: delivery.event_id.clone(),
            event_type: delivery.event_type.clone(),
            status: delivery.status.as_str(),
            attempts: delivery.attempts,
            next_attempt_at: (delivery.status == DeliveryStatus::Pending).then_some(delivery.next_attempt_at),
            last_status_code: delivery.last_status_code,
            last_error: delivery.last_error.clone(),
            created_at: delivery.created_at,
            history: attempts
                .iter()
                .map(|attempt| AttemptView {
                    attempt: attempt.attempt,
                    at: attempt.at,
                    status_code: attempt.status_code,
                    duration_ms: attempt.duration_ms,
                    error: attempt.error.clone(),
                })
                .collect(),
        }
    }
}

/// Body of `POST /admin/webhooks`, as [`CreateWebhookRequest::parse`] reads it.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhookRequest {
    /// Free name.
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub name: String,
    /// `http` or `https` URL, at most 2048 characters; private addresses are refused at send
    /// time unless `webhooks.allow_private_targets`. The pattern shows the usual form (a DNS
    /// name, a port, a path); an IP literal or an internationalized name is accepted too.
    #[schema(
        min_length = 1,
        max_length = 2048,
        pattern = r"^https?://(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?::[0-9]{1,4})?(?:[/?#]\S*)?$"
    )]
    pub url: String,
    /// Event types, or `["*"]` for every event.
    #[schema(schema_with = events_schema)]
    pub events: Vec<String>,
    /// Extra request headers (not hop-by-hop ones, nor `webhook-*`).
    #[schema(schema_with = headers_schema)]
    pub headers: Option<BTreeMap<String, String>>,
    /// Whether deliveries are sent (default true).
    pub enabled: Option<bool>,
}

/// Body of `PUT /admin/webhooks/{id}`: every key optional; headers replace the old ones.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateWebhookRequest {
    /// Free name.
    #[schema(min_length = 1, max_length = 200, pattern = r"\S", nullable = false)]
    pub name: Option<String>,
    /// `http` or `https` URL.
    #[schema(
        min_length = 1,
        max_length = 2048,
        pattern = r"^https?://(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?::[0-9]{1,4})?(?:[/?#]\S*)?$",
        nullable = false
    )]
    pub url: Option<String>,
    /// Event types, or `["*"]`.
    #[schema(schema_with = events_schema)]
    pub events: Option<Vec<String>>,
    /// Extra request headers.
    #[schema(schema_with = headers_schema)]
    pub headers: Option<BTreeMap<String, String>>,
    /// Whether deliveries are sent.
    pub enabled: Option<bool>,
}

fn events_schema() -> impl Into<RefOr<Schema>> {
    let mut names: Vec<&str> = vec![ALL_EVENTS];
    names.extend(EventType::ALL.iter().map(|kind| kind.as_str()));
    ArrayBuilder::new()
        .items(ObjectBuilder::new().schema_type(Type::String).enum_values(Some(names)))
        .min_items(Some(1))
        .build()
}

/// Names are RFC 9110 tokens other than the reserved ones (in any case), values printable
/// ASCII of at most 4096 characters: what `check_header` in the domain accepts.
fn headers_schema() -> impl Into<RefOr<Schema>> {
    let any_case = |name: &str| -> String {
        name.chars()
            .map(|c| {
                if c.is_ascii_alphabetic() {
                    format!("[{}{}]", c.to_ascii_lowercase(), c.to_ascii_uppercase())
                } else {
                    regex_escape(c)
                }
            })
            .collect()
    };
    let mut reserved: Vec<String> =
        gatehouse_domain::webhooks::RESERVED_HEADERS.iter().map(|name| any_case(name)).collect();
    reserved.push(format!("{}.*", any_case("webhook-")));
    crate::http::openapi::raw_schema(serde_json::json!({
        "type": ["object", "null"],
        "maxProperties": gatehouse_domain::webhooks::MAX_HEADERS,
        "propertyNames": {
            "pattern": "^[A-Za-z0-9!#$%&'*+.^_`|~-]+$",
            "not": {"pattern": format!("^(?:{})$", reserved.join("|"))}
        },
        "additionalProperties": {"type": "string", "maxLength": 4096, "pattern": "^[\\t\\x20-\\x7e]*$"}
    }))
}

fn regex_escape(c: char) -> String {
    if "\\^$.|?*+()[]{}".contains(c) {
        format!("\\{c}")
    } else {
        c.to_string()
    }
}

const KEYS: &[&str] = &["name", "url", "events", "headers", "enabled"];

/// Reads a webhook body: every key it names, the rest left `None`.
fn read_webhook(body: &Map<String, Value>, creating: bool) -> Result<WebhookPatch, ApiError> {
    Fields::refuse_other_keys(body, KEYS)?;
    let mut fields = Fields::new(body);
    let name = if creating { fields.required_string("name") } else { fields.present_string("name") };
    let url = if creating { fields.required_string("url") } else { fields.present_string("url") };
    let enabled = fields.optional_bool("enabled");
    fields.finish()?;
    let mut errors = FieldErrors::default();
    let events = match body.get("events") {
        None if !creating => None,
        None | Some(Value::Null) => {
            errors.push(FieldError::new("events", "events is a required field"));
            None
        }
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => {
            Some(items.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        }
        Some(other) => {
            errors.push(FieldError::new("events", "events must be a list of event types").with_value(other.clone()));
            None
        }
    };
    let headers = match body.get("headers") {
        None => None,
        Some(Value::Null) => Some(BTreeMap::new()),
        Some(Value::Object(map)) if map.values().all(Value::is_string) => {
            Some(map.iter().map(|(key, value)| (key.clone(), value.as_str().unwrap_or_default().to_owned())).collect())
        }
        Some(other) => {
            let message = "headers must be an object whose values are strings";
            errors.push(FieldError::new("headers", message).with_value(other.clone()));
            None
        }
    };
    errors.into_result()?;
    Ok(WebhookPatch { name, url, events, headers, enabled })
}

fn webhook_id(raw: &str) -> Result<WebhookId, ApiError> {
    Ok(WebhookId(path_id(raw)?))
}

/// Every webhook endpoint (never their secrets).
#[utoipa::path(get, path = "/admin/webhooks", tag = "admin", operation_id = "list_webhooks",
    responses((status = 200, description = "{data: [webhooks]}", body = Data<Vec<WebhookView>>)))]
pub async fn list_webhooks(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Result<Json<DataResponse>, ApiError> {
    let webhooks = state.domain.list_webhooks(&caller).await?;
    Ok(Json(DataResponse { data: Value::Array(webhooks.iter().map(webhook_json).collect()) }))
}

/// Create a webhook endpoint; its signing secret (`whsec_…`) appears once, as `secret`.
#[utoipa::path(post, path = "/admin/webhooks", tag = "admin", operation_id = "create_webhook",
    request_body = CreateWebhookRequest,
    responses(
        (status = 201, description = "{data: webhook with secret}", body = Data<WebhookView>),
        (status = 400, description = "Invalid name, url, events or headers", body = ErrorResponse),
    ))]
pub async fn create_webhook(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    JsonObject(body): JsonObject,
) -> Result<Response, ApiError> {
    let patch = read_webhook(&body, true)?;
    let input = WebhookInput {
        name: patch.name.unwrap_or_default(),
        url: patch.url.unwrap_or_default(),
        events: patch.events.unwrap_or_default(),
        headers: patch.headers.unwrap_or_default(),
        enabled: patch.enabled.unwrap_or(true),
    };
    let created = state.domain.create_webhook(&caller, input).await?;
    let view = WebhookView { secret: Some(created.secret.expose().to_owned()), ..WebhookView::from(&created.webhook) };
    let data = serde_json::to_value(view).unwrap_or_default();
    let mut response = (StatusCode::CREATED, Json(DataResponse { data })).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// One webhook endpoint.
#[utoipa::path(get, path = "/admin/webhooks/{id}", tag = "admin", operation_id = "find_webhook",
    params(("id" = i64, Path, description = "Webhook id", minimum = 1)),
    responses(
        (status = 200, description = "{data: webhook}", body = Data<WebhookView>),
        (status = 400, description = "Malformed id", body = ErrorResponse),
        (status = 404, description = "No such webhook", body = ErrorResponse),
    ))]
pub async fn find_webhook(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<DataResponse>, ApiError> {
    let webhook = state.domain.find_webhook(&caller, webhook_id(&id)?).await?;
    Ok(Json(DataResponse { data: webhook_json(&webhook) }))
}

/// Change a webhook endpoint (the secret stays).
#[utoipa::path(put, path = "/admin/webhooks/{id}", tag = "admin", operation_id = "update_webhook",
    params(("id" = i64, Path, description = "Webhook id", minimum = 1)),
    request_body = UpdateWebhookRequest,
    responses(
        (status = 200, description = "{data: webhook}", body = Data<WebhookView>),
        (status = 400, description = "Malformed id, or invalid name, url, events or headers", body = ErrorResponse),
        (status = 404, description = "No such webhook", body = ErrorResponse),
    ))]
pub async fn update_webhook(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    JsonObject(body): JsonObject,
) -> Result<Json<DataResponse>, ApiError> {
    let id = webhook_id(&id)?;
    let patch = read_webhook(&body, false)?;
    let webhook = state.domain.update_webhook(&caller, id, patch).await?;
    Ok(Json(DataResponse { data: webhook_json(&webhook) }))
}

/// Delete a webhook endpoint and its deliveries.
#[utoipa::path(delete, path = "/admin/webhooks/{id}", tag = "admin", operation_id = "delete_webhook",
    params(("id" = i64, Path, description = "Webhook id", minimum = 1)),
    responses(
        (status = 200, description = "{data: webhook}", body = Data<WebhookView>),
        (status = 400, description = "Malformed id", body = ErrorResponse),
        (status = 404, description = "No such webhook", body = ErrorResponse),
    ))]
pub async fn delete_webhook(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<DataResponse>, ApiError> {
    let webhook = state.domain.delete_webhook(&caller, webhook_id(&id)?).await?;
    Ok(Json(DataResponse { data: webhook_json(&webhook) }))
}

/// Send a `webhook.test` event to this endpoint; answers with the queued delivery.
#[utoipa::path(post, path = "/admin/webhooks/{id}/trigger", tag = "admin", operation_id = "trigger_webhook",
    params(("id" = i64, Path, description = "Webhook id", minimum = 1)),
    responses(
        (status = 202, description = "{data: delivery}", body = Data<DeliveryView>),
        (status = 400, description = "Malformed id", body = ErrorResponse),
        (status = 404, description = "No such webhook", body = ErrorResponse),
    ))]
pub async fn trigger_webhook(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<DataResponse>), ApiError> {
    let delivery = state.domain.trigger_webhook(&caller, webhook_id(&id)?).await?;
    Ok((StatusCode::ACCEPTED, Json(DataResponse { data: delivery_json(&delivery, &[]) })))
}

/// `?limit=` of the deliveries list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveriesQuery {
    /// How many deliveries, newest first (1–500, default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// The most recent deliveries of an endpoint with their attempts: event id, status code,
/// duration, error, next retry.
#[utoipa::path(get, path = "/admin/webhooks/{id}/deliveries", tag = "admin", operation_id = "list_webhook_deliveries",
    params(("id" = i64, Path, description = "Webhook id", minimum = 1), DeliveriesQuery),
    responses(
        (status = 200, description = "{data: [deliveries with history]}", body = Data<Vec<DeliveryView>>),
        (status = 400, description = "Malformed id or limit", body = ErrorResponse),
        (status = 404, description = "No such webhook", body = ErrorResponse),
    ))]
pub async fn list_webhook_deliveries(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    query: Result<Query<DeliveriesQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<DataResponse>, ApiError> {
    let id = webhook_id(&id)?;
    let limit = match query {
        Ok(Query(DeliveriesQuery { limit: None })) => 50,
        Ok(Query(DeliveriesQuery { limit: Some(limit) })) if (1..=500).contains(&limit) => limit,
        _ => return Err(ApiError::validation("limit must be an integer from 1 to 500")),
    };
    let deliveries = state.domain.list_webhook_deliveries(&caller, id, limit).await?;
    let data: Vec<Value> = deliveries.iter().map(|(delivery, attempts)| delivery_json(delivery, attempts)).collect();
    Ok(Json(DataResponse { data: Value::Array(data) }))
}

/// Send a delivery again now (a failed one gets one more attempt).
#[utoipa::path(post, path = "/admin/webhooks/{id}/deliveries/{delivery}/resend", tag = "admin",
    operation_id = "resend_webhook_delivery",
    params(("id" = i64, Path, description = "Webhook id", minimum = 1),
           ("delivery" = i64, Path, description = "Delivery id", minimum = 1)),
    responses(
        (status = 202, description = "{data: delivery}", body = Data<DeliveryView>),
        (status = 400, description = "Malformed id", body = ErrorResponse),
        (status = 404, description = "No such webhook or delivery", body = ErrorResponse),
    ))]
pub async fn resend_webhook_delivery(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((id, delivery)): Path<(String, String)>,
) -> Result<(StatusCode, Json<DataResponse>), ApiError> {
    let id = webhook_id(&id)?;
    let delivery = path_id(&delivery)?;
    let resent = state.domain.resend_webhook_delivery(&caller, id, delivery).await?;
    Ok((StatusCode::ACCEPTED, Json(DataResponse { data: delivery_json(&resent, &[]) })))
}
