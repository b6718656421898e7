//! The HTTP side of an application's customizations ([`crate::extend`]): answering an added
//! route with its code, and running a wrap around a handler. Both run inside the route's
//! guard, so the caller is resolved, authorized and checked by the policies already.

use crate::extend::{AddedRoute, Answer, Call, RequestView, Wrap};
use crate::http::routes::path_id_at;
use crate::http::surface::{HttpFailure, Surface};
use crate::http::AppState;
use axum::extract::Request;
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use gatehouse_domain::Caller;
use serde_json::Value;
use std::sync::Arc;

/// The largest answer a wrap's `after` reads back (a handler's JSON answer is far smaller).
const MAX_WRAPPED_ANSWER: usize = 16 * 1024 * 1024;

/// Answers a request to an added route with its code; failures in the route's surface's words.
pub(crate) async fn answer(state: AppState, added: Arc<AddedRoute>, request: Request) -> Response {
    let route = added.route;
    let surface = route.surface;
    let caller = request.extensions().get::<Caller>().cloned();
    let path = request.uri().path().to_owned();
    let mut params = Vec::new();
    for (pattern, value) in route.path.split('/').zip(path.split('/')) {
        if let Some(name) = pattern.strip_prefix('{').and_then(|rest| rest.strip_suffix('}')) {
            params.push((name.to_owned(), value.to_owned()));
        }
    }
    let path_id = path_id_at(surface, &path, route.path.split('/').position(|segment| segment == "{id}"));
    let body = match axum::body::to_bytes(request.into_body(), usize::MAX).await {
        Ok(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => None,
        Ok(bytes) => match serde_json::from_slice::<Value>(&bytes) {
            Ok(value) => Some(value),
            Err(error) => return surface.render_http(HttpFailure::MalformedJson(error.to_string())),
        },
        Err(_) => return surface.render_http(HttpFailure::UnreadableBody),
    };
    let call = Call { state, caller, action: route.action, params, path_id, body };
    match (added.handle)(call).await {
        Ok(Answer { status, body }) => {
            (StatusCode::from_u16(status).unwrap_or(StatusCode::OK), axum::Json(body)).into_response()
        }
        Err(refusal) => surface.render_domain(refusal.0),
    }
}

/// Runs `wrap` around the handler `next` leads to: its `before` may answer instead, its
/// `after` may change a successful JSON object answer.
pub(crate) async fn wrapped(
    surface: &'static Surface,
    wrap: &Wrap,
    view: RequestView,
    request: Request,
    next: Next,
) -> Response {
    if let Some(before) = &wrap.before {
        if let Err(refusal) = before(&view) {
            return surface.render_domain(refusal.0);
        }
    }
    let response = surface.finish(next.run(request).await);
    let Some(after) = &wrap.after else { return response };
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/json"));
    if !response.status().is_success() || !is_json {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_WRAPPED_ANSWER).await {
        Ok(bytes) => bytes,
        Err(_) => return surface.render_http(HttpFailure::Panic("a wrapped answer could not be read".to_owned())),
    };
    let Ok(Value::Object(mut object)) = serde_json::from_slice::<Value>(&bytes) else {
        return Response::from_parts(parts, axum::body::Body::from(bytes));
    };
    after(&view, &mut object);
    let Ok(changed) = serde_json::to_vec(&Value::Object(object)) else {
        return Response::from_parts(parts, axum::body::Body::from(bytes));
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, axum::body::Body::from(changed))
}
