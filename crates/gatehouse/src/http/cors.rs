//! Cross-origin access (`server.cors_origins`), with tower-http's CORS layer: preflights are
//! answered, and a listed origin may send credentials (cookies, `Authorization`). An origin
//! that is not listed gets no `Access-Control-Allow-*` header at all, so a browser refuses it.
//! `*` allows any origin, never with credentials. No origins configured: no CORS headers.

use axum::http::{header, HeaderValue, Method};
use axum::response::Response;
use std::time::Duration;
use tower_http::cors::{AllowHeaders, AllowMethods, AllowOrigin, CorsLayer};

/// How long a browser may cache a preflight.
const PREFLIGHT_MAX_AGE: Duration = Duration::from_secs(600);

fn any_origin(origins: &[String]) -> bool {
    origins.iter().any(|origin| origin == "*")
}

fn listed(origins: &[String]) -> Vec<HeaderValue> {
    origins.iter().filter(|origin| *origin != "*").filter_map(|origin| HeaderValue::from_str(origin).ok()).collect()
}

/// The CORS layer for these origins.
pub fn layer(origins: &[String]) -> CorsLayer {
    let methods = [Method::GET, Method::POST, Method::PUT, Method::PATCH, Method::DELETE, Method::OPTIONS];
    let base = CorsLayer::new()
        .allow_methods(AllowMethods::list(methods))
        .allow_headers(AllowHeaders::mirror_request())
        .expose_headers([header::HeaderName::from_static("x-request-id")])
        .max_age(PREFLIGHT_MAX_AGE);
    if origins.is_empty() {
        // Nothing allowed: the layer answers nothing (`forget_unlisted` strips what it would).
        base.allow_origin(AllowOrigin::list([]))
    } else if any_origin(origins) {
        base.allow_origin(AllowOrigin::any())
    } else {
        base.allow_origin(AllowOrigin::list(listed(origins))).allow_credentials(true)
    }
}

/// Removes every `Access-Control-Allow-*` header from an answer to an origin that is not
/// allowed (tower-http sends the allowed methods and headers to any preflight).
pub fn forget_unlisted(origins: &[String], origin: Option<&HeaderValue>, response: &mut Response) {
    let Some(origin) = origin else { return };
    if any_origin(origins) || listed(origins).iter().any(|allowed| allowed == origin) {
        return;
    }
    let names: Vec<header::HeaderName> =
        response.headers().keys().filter(|name| name.as_str().starts_with("access-control-")).cloned().collect();
    for name in names {
        response.headers_mut().remove(name);
    }
}
