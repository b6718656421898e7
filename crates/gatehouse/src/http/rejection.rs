//! Request-body extraction whose failures the route's surface renders ([`HttpFailure`]): a body
//! that is not JSON, one over the limit, one that is not an object — never axum's plain-text
//! rejections. Also the Strapi-style field checks ("email is a required field", "… must be a
//! `string` type …") shared by the Strapi handlers.

use crate::http::error::ApiError;
use crate::http::surface::HttpFailure;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{header, StatusCode};
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
