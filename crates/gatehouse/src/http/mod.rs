//! The HTTP side: application state, the router assembled from the route table, and the layers
//! every request passes (request id, tracing, the client's address, the access log and metrics,
//! CORS, body limit, error envelopes).
//!
//! Surfaces live in their own modules (`content` for the Strapi content API, `admin` for the
//! Strapi admin API, `v1` for the generic users API); domain rules must not be written here.

pub mod added;
pub mod admin;
pub mod caller;
pub mod client_ip;
pub mod content;
pub mod cookies;
pub mod cors;
pub mod error;
pub mod medusa;
pub mod metrics;
pub mod openapi;
pub mod ops;
pub mod ratelimit;
pub mod rejection;
pub mod routes;
pub mod scim;
pub mod surface;
pub mod v1;

use crate::http::metrics::{Metrics, RouteName};
use crate::http::surface::HttpFailure;
use axum::extract::{ConnectInfo, DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use gatehouse_domain::Domain;
use std::sync::Arc;
use std::time::Instant;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

/// What every handler can reach: one shared allocation, so the clone each middleware layer makes
/// per request is one reference-count increment (it was one per field, and it showed up in
/// profiles of `/api/users/me`).
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl AppState {
    /// The state over `shared`.
    pub fn new(shared: Shared) -> Self {
        Self(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// The parts of [`AppState`].
pub struct Shared {
    /// The domain.
    pub domain: Arc<Domain>,
    /// This server's metrics.
    pub metrics: Arc<Metrics>,
    /// The OpenAPI document, rendered at its first request (building it at start-up cost
    /// about 10 ms and 4 MiB of resident memory that most servers never use).
    pub openapi: std::sync::OnceLock<axum::body::Bytes>,
    /// Settings that only shape the wire format.
    pub surface: Arc<SurfaceSettings>,
    /// Every route's rate limits (read once, when the router is built).
    pub limits: Arc<ratelimit::RateLimits>,
    /// The route table as configured: enabled routes and their policies.
    pub routes: Arc<routes::RouteTable>,
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
    /// Origins allowed cross-origin access (`server.cors_origins`); `*` allows any, without
    /// credentials.
    pub cors_origins: Vec<String>,
    /// Proxies whose `X-Forwarded-For` names the client (`server.trusted_proxies`).
    pub trusted_proxies: client_ip::TrustedProxies,
    /// What the SCIM surface provisions and what its DELETE does (`[scim]`).
    pub scim: crate::config::ScimConfig,
}

/// The complete application router.
pub fn app(state: AppState, body_limit: usize) -> Router {
    let routes = routes::router(state.clone()).fallback(not_found);
    routes
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
                .layer(PropagateRequestIdLayer::x_request_id())
                // The span gives every line a request logs its method, path and id; the one
                // access line per request is written by `measure_and_envelope`.
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(|request: &Request| {
                            tracing::info_span!("request", http.method = %request.method(), http.path = %request.uri().path(), request.id = %request_id(request))
                        })
                        .on_response(())
                        .on_failure(()),
                )
                .layer(middleware::from_fn_with_state(state.clone(), measure_and_envelope))
                .layer(cors::layer(&state.surface.cors_origins))
                .layer(CatchPanicLayer::custom(panic_failure))
                .layer(DefaultBodyLimit::max(body_limit)),
        )
        .with_state(state)
}

fn request_id(request: &Request) -> String {
    request
        .extensions()
        .get::<RequestId>()
        .and_then(|id| id.header_value().to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// The answer of a path no route has (and of a disabled route): the path's surface renders it.
pub(crate) async fn not_found() -> HttpFailure {
    HttpFailure::NotFound
}

/// A handler's panic becomes a failure for the path's surface to render; its message goes to
/// the log there, with the request's id.
fn panic_failure(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let message = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("a panic without a message");
    HttpFailure::Panic(message.to_owned()).into_response()
}

/// Counts every answer in the metrics, writes the access line, and has the path's surface
/// render what no route did (a 404, a 405 from the router, a panic's 500, a plain-text
/// rejection), keeping headers such as `Allow`. One layer for all three: each boxed middleware
/// costs on every request. Answers made before the guard ran (a 405, a panic, a CORS
/// preflight) are counted under the route their path matched.
/// It also decides the client's address, once, for every later layer and guard
/// ([`client_ip::ClientIp`]).
async fn measure_and_envelope(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let matched = request.extensions().get::<MatchedPath>().map(|matched| matched.as_str().to_owned());
    let id = request_id(&request);
    let origin = request.headers().get(header::ORIGIN).cloned();
    let surface = state.routes.surface_for_path(&path);
    let peer = request.extensions().get::<ConnectInfo<std::net::SocketAddr>>().map(|ConnectInfo(peer)| peer.ip());
    let client = state.surface.trusted_proxies.client_ip(peer, request.headers());
    request.extensions_mut().insert(client);
    let mut response = surface.finish(next.run(request).await);
    cors::forget_unlisted(&state.surface.cors_origins, origin.as_ref(), &mut response);
    let route = match response.extensions().get::<RouteName>() {
        Some(name) => name.0,
        None => state.routes.route_name_for(matched.as_deref(), &method),
    };
    let status = response.status().as_u16();
    let elapsed = started.elapsed();
    state.metrics.record_request(route, status, elapsed);
    tracing::info!(
        http.method = %method,
        http.path = %path,
        http.status = status,
        duration_ms = elapsed.as_secs_f64() * 1000.0,
        request.id = %id,
        route.name = route,
        "request answered"
    );
    response
}
