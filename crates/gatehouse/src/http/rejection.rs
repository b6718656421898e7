//! Request-body extraction whose failures the route's surface renders ([`HttpFailure`]): a body
//! that is not JSON, one over the limit, one that is not an object — never axum's plain-text
//! rejections. Also the Strapi-style field checks ("email is a required field", "… must be a
//! `string` type …") shared by the Strapi handlers.

use crate::http::error::ApiError;
use crate::http::surface::HttpFailure;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{header, StatusCode};
use gatehouse_domain::values::storable;
use gatehouse_domain::{FieldError, FieldErrors};
use serde_json::{Map, Value};

/// A request body that must be a JSON object (an absent body counts as `{}`).
pub struct JsonObject(pub Map<String, Value>);

impl<S: Send + Sync> FromRequest<S> for JsonObject {
    type Rejection = HttpFailure;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let content_type =
            request.headers().get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok()).map(str::to_owned);
        if let Some(content_type) = content_type {
            let essence = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
            if !(essence == "application/json" || essence.ends_with("+json")) {
                return Err(HttpFailure::UnsupportedMediaType);
            }
        }
        let bytes = Bytes::from_request(request, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                HttpFailure::PayloadTooLarge
            } else {
                HttpFailure::UnreadableBody
            }
        })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self(Map::new()));
        }
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(Value::Object(object)) => Ok(Self(object)),
            Ok(_) => Err(HttpFailure::NotAnObject),
            Err(error) => Err(HttpFailure::MalformedJson(error.to_string())),
        }
    }
}

/// Refuses a body holding, in any key or string at any depth, text no backend can store
/// (PostgreSQL's text cannot hold NUL): one check for every route, so no such text ever
/// reaches a handler, and both databases answer alike.
fn refuse_unstorable_json(object: &Map<String, Value>, path: &str) -> Result<(), HttpFailure> {
    for (key, value) in object {
        let here = format!("{path}.{key}");
        if !storable(key) {
            return Err(HttpFailure::UnstorableText(path.to_owned()));
        }
        refuse_unstorable_value(value, &here)?;
    }
    Ok(())
}

fn refuse_unstorable_value(value: &Value, path: &str) -> Result<(), HttpFailure> {
    match value {
        Value::String(text) if !storable(text) => Err(HttpFailure::UnstorableText(path.to_owned())),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(index, item)| refuse_unstorable_value(item, &format!("{path}[{index}]"))),
        Value::Object(object) => refuse_unstorable_json(object, path),
        _ => Ok(()),
    }
}

/// Buffers the request's body (a 413 over `server.body_limit`) and hands it back beside the
/// request (which still carries it) for the checks that read it before the handler: the rate
/// limiter's identifier and [`refuse_unstorable_json_text`]; `None` when there is no body.
pub async fn buffer_body(request: Request) -> Result<(Request, Option<Bytes>), HttpFailure> {
    let has_body = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .is_none_or(|length| length.trim() != "0");
    if !has_body || request.method() == axum::http::Method::GET {
        return Ok((request, None));
    }
    let (parts, body) = request.into_parts();
    let bytes = Bytes::from_request(Request::from_parts(parts.clone(), body), &()).await.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            HttpFailure::PayloadTooLarge
        } else {
            HttpFailure::UnreadableBody
        }
    })?;
    Ok((Request::from_parts(parts, axum::body::Body::from(bytes.clone())), Some(bytes)))
}

/// Refuses a JSON body that holds, in any key or string at any depth, text no backend can
/// store. The route guard runs it for every route, whether or not its handler reads the body.
/// JSON can only spell NUL as the escape `\u0000` (a raw control character is not JSON), so
/// bodies without that escape pass untouched, unparsed.
pub fn refuse_unstorable_json_text(bytes: &[u8]) -> Result<(), HttpFailure> {
    if bytes.windows(6).any(|window| window == b"\\u0000") {
        match serde_json::from_slice::<Value>(bytes) {
            Ok(Value::Object(object)) => refuse_unstorable_json(&object, "body")?,
            Ok(value) => refuse_unstorable_value(&value, "body")?,
            Err(_) => {}
        }
    }
    Ok(())
}

/// Refuses a query string whose keys or values, once decoded, hold text no backend can store;
/// the route guard runs it for every route before the handler.
pub fn refuse_unstorable_query(raw_query: Option<&str>) -> Result<(), HttpFailure> {
    let Some(raw) = raw_query else { return Ok(()) };
    for (key, value) in url::form_urlencoded::parse(raw.as_bytes()) {
        if !storable(&key) || !storable(&value) {
            let location = if storable(&key) { format!("query.{key}") } else { "query".to_owned() };
            return Err(HttpFailure::UnstorableText(location));
        }
    }
    Ok(())
}

/// Reads typed fields out of a JSON object, collecting Strapi-worded errors in order.
pub struct Fields<'a> {
    body: &'a Map<String, Value>,
    errors: FieldErrors,
}

impl<'a> Fields<'a> {
    /// Starts reading `body`.
    pub fn new(body: &'a Map<String, Value>) -> Self {
        Self { body, errors: FieldErrors::default() }
    }

    /// A string that must be present and non-empty.
    pub fn required_string(&mut self, key: &str) -> Option<String> {
        match self.body.get(key) {
            None | Some(Value::Null) => {
                self.errors.push(FieldError::new(key, format!("{key} is a required field")));
                None
            }
            Some(Value::String(text)) if text.is_empty() => {
                self.errors.push(
                    FieldError::new(key, format!("{key} is a required field")).with_value(Value::String(String::new())),
                );
                None
            }
            Some(Value::String(text)) => Some(text.clone()),
            Some(other) => {
                self.type_error(key, other);
                None
            }
        }
    }

    /// A string that may be absent (or null).
    pub fn optional_string(&mut self, key: &str) -> Option<String> {
        match self.body.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::String(text)) => Some(text.clone()),
            Some(other) => {
                self.type_error(key, other);
                None
            }
        }
    }

    /// A boolean that may be absent (or null).
    pub fn optional_bool(&mut self, key: &str) -> Option<bool> {
        match self.body.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::Bool(flag)) => Some(*flag),
            Some(other) => {
                self.type_error_named(key, "boolean", other);
                None
            }
        }
    }

    /// A string that may be absent, but not null or empty when present (a partial update).
    pub fn present_string(&mut self, key: &str) -> Option<String> {
        match self.body.get(key) {
            None => None,
            Some(Value::String(text)) if !text.is_empty() => Some(text.clone()),
            Some(Value::Null) | Some(Value::String(_)) => {
                self.errors.push(FieldError::new(key, format!("{key} cannot be empty")));
                None
            }
            Some(other) => {
                self.type_error(key, other);
                None
            }
        }
    }

    /// Records a wrong-type error for `key` (for fields read by the caller itself).
    pub fn type_error_named(&mut self, key: &str, expected: &str, value: &Value) {
        let message = format!("{key} must be a `{expected}` type, but the final value was: `{value}`.");
        self.errors.push(FieldError::new(key, message).with_value(value.clone()));
    }

    fn type_error(&mut self, key: &str, value: &Value) {
        self.type_error_named(key, "string", value);
    }

    /// Refuses every body key outside `allowed` (nothing is written then).
    pub fn refuse_other_keys(body: &Map<String, Value>, allowed: &[&str]) -> Result<(), ApiError> {
        let refused: Vec<String> = body.keys().filter(|key| !allowed.contains(&key.as_str())).cloned().collect();
        if refused.is_empty() {
            Ok(())
        } else {
            Err(gatehouse_domain::DomainError::InvalidParameters(refused).into())
        }
    }

    /// `Ok` when every field read fine, else the 400 `ValidationError` listing them.
    pub fn finish(self) -> Result<(), ApiError> {
        self.errors.into_result().map_err(ApiError::from)
    }
}
