//! Operations endpoints: liveness, readiness, metrics and the OpenAPI document. Open to every
//! caller; bind Gatehouse to a private address or filter `/metrics` at the proxy.

use crate::http::AppState;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

/// Readiness answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReadyResponse {
    /// `ok` or `unavailable`.
    pub status: &'static str,
}

/// Liveness: the process answers.
#[utoipa::path(get, path = "/_health", tag = "operations", operation_id = "health",
    responses((status = 204, description = "Alive")))]
pub async fn health() -> StatusCode {
    StatusCode::NO_CONTENT
}

/// Readiness: the database answers.
#[utoipa::path(get, path = "/readyz", tag = "operations", operation_id = "ready",
    responses(
        (status = 200, description = "Ready", body = ReadyResponse),
        (status = 503, description = "The database does not answer", body = ReadyResponse),
    ))]
pub async fn ready(State(state): State<AppState>) -> Response {
    match state.domain.ping().await {
        Ok(()) => Json(ReadyResponse { status: "ok" }).into_response(),
        Err(error) => {
            tracing::warn!(error.cause = %error, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, Json(ReadyResponse { status: "unavailable" })).into_response()
        }
    }
}

/// Prometheus metrics in the text exposition format.
#[utoipa::path(get, path = "/metrics", tag = "operations", operation_id = "metrics",
    responses((status = 200, description = "Prometheus text", content_type = "text/plain", body = String)))]
pub async fn metrics(State(state): State<AppState>) -> Response {
    let text = state.metrics.render(state.domain.hasher().pool().queue_depth());
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], text).into_response()
}

/// This document.
#[utoipa::path(get, path = "/openapi.json", tag = "operations", operation_id = "openapi",
    responses((status = 200, description = "OpenAPI 3.1 document", content_type = "application/json")))]
pub async fn openapi(State(state): State<AppState>) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], state.openapi.clone()).into_response()
}
