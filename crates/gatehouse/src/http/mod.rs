//! The HTTP side: application state, the router assembled from the route table, and the layers
//! every request passes (request id, tracing, metrics, body limit, error envelopes).
//!
//! Surfaces live in their own modules (`content` for the Strapi content API); domain rules
//! must not be written here.

pub mod admin;
pub mod caller;
pub mod content;
pub mod cookies;
pub mod error;
pub mod metrics;
pub mod openapi;
pub mod ops;
pub mod rejection;
pub mod routes;
pub mod surface;

use crate::http::metrics::{Metrics, RouteName};
use crate::http::surface::HttpFailure;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::Router;
use gatehouse_domain::Domain;
use std::sync::Arc;
use std::time::Instant;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The domain.
    pub domain: Arc<Domain>,
    /// This server's metrics.
    pub metrics: Arc<Metrics>,
    /// The OpenAPI document, rendered once.
    pub openapi: axum::body::Bytes,
    /// Settings that only shape the wire format.
    pub surface: Arc<SurfaceSettings>,
}

/// Configuration the HTTP surfaces need beyond the domain's.
#[derive(Clone, Debug)]
pub struct SurfaceSettings {
    /// Send refresh tokens as an httpOnly cookie even when the request does not ask.
    pub refresh_cookie: bool,
    /// Lifetime of the refresh cookie.
    pub refresh_cookie_max_age: std::time::Duration,
    /// Where a followed confirmation link redirects.
    pub email_confirmation_redirect: String,
}

/// The complete application router.
pub fn app(state: AppState, body_limit: usize) -> Router {
    let routes = routes::router(state.clone()).fallback(not_found);
    routes
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
                .layer(PropagateRequestIdLayer::x_request_id())
                .layer(TraceLayer::new_for_http().make_span_with(|request: &Request| {
                    let id = request
                        .extensions()
                        .get::<RequestId>()
                        .and_then(|id| id.header_value().to_str().ok())
                        .unwrap_or_default();
                    tracing::info_span!("request", http.method = %request.method(), http.path = %request.uri().path(), request.id = %id)
                }))
                .layer(middleware::from_fn_with_state(state.clone(), measure_and_envelope))
                .layer(CatchPanicLayer::new())
                .layer(DefaultBodyLimit::max(body_limit)),
        )
        .with_state(state)
}

async fn not_found() -> HttpFailure {
    HttpFailure::NotFound
}

/// Counts every answer in the metrics, and has the path's surface render what no route did (a
/// 404, a 405 from the router, a panic's 500, a plain-text rejection), keeping headers such as
/// `Allow`. One layer for both: each boxed middleware costs on every request.
async fn measure_and_envelope(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let surface = surface::surface_for_path(request.uri().path());
    let response = surface.finish(next.run(request).await);
    let route = response.extensions().get::<RouteName>().map_or("unmatched", |name| name.0);
    state.metrics.record_request(route, response.status().as_u16(), started.elapsed());
    response
}
