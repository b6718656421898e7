//! Operations endpoints: liveness, readiness, metrics, the OpenAPI document and its docs page.
//! Open to every caller; bind Gatehouse to a private address or filter `/metrics` at the proxy.

use crate::http::content::ErrorResponse;
use crate::http::error::ApiError;
use crate::http::AppState;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use std::sync::LazyLock;
use tower::ServiceExt;
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
    let mut text = state.metrics.render(state.domain.hasher().pool().queue_depth());
    let webhooks = state.domain.webhook_delivery_stats().await.ok();
    text.push_str(&state.metrics.render_webhooks(webhooks, state.domain.now()));
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], text).into_response()
}

/// This document.
#[utoipa::path(get, path = "/openapi.json", tag = "operations", operation_id = "openapi",
    responses((status = 200, description = "OpenAPI 3.1 document", content_type = "application/json")))]
pub async fn openapi(State(state): State<AppState>) -> Response {
    let document = state.openapi.get_or_init(|| Bytes::from(crate::http::openapi::document(&state.routes)));
    ([(header::CONTENT_TYPE, "application/json")], document.clone()).into_response()
}

/// The docs page: Swagger UI rendering `/openapi.json`. Its script and style come from
/// `/docs/{asset}`, served from the binary; the page names no other host (and turns Swagger
/// UI's online validator badge off), so it works offline.
const DOCS_PAGE: &str = r##"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Gatehouse API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script>
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", validatorUrl: null, deepLinking: true });
});
</script>
</body>
</html>
"##;

/// The human docs page for this API (Swagger UI, offline).
#[utoipa::path(get, path = "/docs", tag = "operations", operation_id = "docs",
    responses((status = 200, description = "HTML page rendering `/openapi.json`", content_type = "text/html", body = String)))]
pub async fn docs() -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], DOCS_PAGE).into_response()
}

/// A file of the docs page.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub enum DocsAsset {
    /// Swagger UI's style sheet.
    #[schema(rename = "swagger-ui.css")]
    Css,
    /// Swagger UI's script.
    #[schema(rename = "swagger-ui-bundle.js")]
    Script,
}

/// Swagger UI's files as the `swagger-ui-dist` crate embeds them: it hands them out only as
/// axum routes, so this router is asked in-process.
static SWAGGER_UI: LazyLock<axum::Router> = LazyLock::new(|| {
    swagger_ui_dist::generate_routes(swagger_ui_dist::ApiDefinition {
        uri_prefix: "/docs",
        api_definition: swagger_ui_dist::OpenApiSource::Uri("/openapi.json"),
        title: Some("Gatehouse API"),
    })
});

/// A script or style sheet of the docs page, from the binary.
#[utoipa::path(get, path = "/docs/{asset}", tag = "operations", operation_id = "docs_asset",
    params(("asset" = inline(DocsAsset), Path, description = "The file")),
    responses(
        (status = 200, description = "The file", content((String = "text/css"), (String = "text/javascript"))),
        (status = 404, description = "No such file", body = ErrorResponse),
    ))]
pub async fn docs_asset(Path(asset): Path<String>) -> Result<Response, ApiError> {
    if !matches!(asset.as_str(), "swagger-ui.css" | "swagger-ui-bundle.js") {
        return Err(ApiError::not_found("Not Found"));
    }
    let request = Request::get(format!("/docs/{asset}"))
        .body(Body::empty())
        .map_err(|error| ApiError::internal(&error.to_string()))?;
    let mut response = match SWAGGER_UI.clone().oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    };
    response.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("public, max-age=86400"));
    Ok(response)
}
