//! The Medusa v2 dialect (`/medusa/...`, mounted under `medusa.prefix`): what
//! `@medusajs/js-sdk` sends and reads, over the same use cases as the Strapi admin API and the
//! content API. Medusa's admin users are Gatehouse's admins (`user_<id>`), its invites are
//! Gatehouse's invites (`invite_<id>`); errors are Medusa's `{type, message}`; lists are
//! `{<items>, count, offset, limit}` (limit 20 by default, at most 100). Only the wire lives
//! here: every rule is the domain's.

pub mod api_keys;
pub mod auth;
pub mod customers;
pub mod invites;
pub mod users;

use crate::http::surface::HttpFailure;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use gatehouse_domain::{DomainError, Rule};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

/// The path the Medusa rows of the route table are written under; they are served under
/// `medusa.prefix` (see `RouteTable::path_of`).
pub const PATH_PREFIX: &str = "/medusa";

/// Page size when none is asked for.
pub const DEFAULT_LIMIT: u64 = 20;
/// The largest page; larger requests are clamped to it.
pub const MAX_LIMIT: u64 = 100;

/// The one answer to a login that does not check out, whatever the reason (no enumeration).
pub const INVALID_LOGIN: &str = "Invalid email or password";

/// A failed request in Medusa's words. Internal causes are logged, never returned.
#[derive(Debug)]
pub struct MedusaError {
    status: StatusCode,
    kind: &'static str,
    message: String,
    retry_after_secs: Option<u64>,
}

/// Medusa's error body.
#[derive(Debug, Serialize, ToSchema)]
pub struct MedusaErrorResponse {
    /// `invalid_data` (400), `unauthorized` (401), `not_allowed` (403, or 400 for a state that
    /// forbids the change), `not_found` (404, 405), `duplicate_error` (409),
    /// `too_many_requests` (429), `unknown_error` (500), `unexpected_state` (503).
    #[serde(rename = "type")]
    #[schema(example = "unauthorized")]
    pub kind: &'static str,
    /// A sentence for people.
    #[schema(example = "Invalid email or password")]
    pub message: String,
}

impl MedusaError {
    /// An error of `kind` with `status`.
    pub fn new(status: StatusCode, kind: &'static str, message: impl Into<String>) -> Self {
        Self { status, kind, message: message.into(), retry_after_secs: None }
    }

    /// 400 `invalid_data`.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_data", message)
    }

    /// 404 `not_found`.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// 401 `unauthorized`.
    pub fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", "Unauthorized")
    }

    fn internal(cause: &str) -> Self {
        tracing::error!(error.cause = cause, "internal error");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "unknown_error", "An unknown error occurred.")
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }
}

impl From<HttpFailure> for MedusaError {
    fn from(failure: HttpFailure) -> Self {
        match failure {
            HttpFailure::NotFound => Self::not_found("Not found"),
            HttpFailure::MethodNotAllowed => {
                Self::new(StatusCode::METHOD_NOT_ALLOWED, "not_allowed", "Method not allowed")
            }
            HttpFailure::PayloadTooLarge => {
                Self::new(StatusCode::PAYLOAD_TOO_LARGE, "invalid_data", "The request body is too large")
            }
            HttpFailure::UnsupportedMediaType => Self::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "invalid_data",
                "The request body must be JSON (Content-Type: application/json)",
            ),
            HttpFailure::UnreadableBody => Self::invalid("The request body could not be read"),
            HttpFailure::MalformedJson(message) => Self::invalid(format!("The body is not valid JSON: {message}")),
            HttpFailure::NotAnObject => Self::invalid("The request body must be a JSON object"),
            HttpFailure::UnstorableText(location) => {
                Self::invalid(format!("{location} contains a character that is not accepted (NUL)"))
            }
            HttpFailure::Panic(message) => Self::internal(&format!("a handler panicked: {message}")),
            HttpFailure::Status(status) if status.is_server_error() => {
                Self::internal(&format!("the framework answered {status} without a cause"))
            }
            HttpFailure::Status(status) => {
                Self::new(status, "invalid_data", status.canonical_reason().unwrap_or("Error"))
            }
        }
    }
}

impl From<DomainError> for MedusaError {
    fn from(error: DomainError) -> Self {
        match error {
            DomainError::Validation(errors) => Self::invalid(errors.summary()),
            DomainError::InvalidParameters(keys) => Self::invalid(format!("Unrecognized fields: {}", keys.join(", "))),
            DomainError::InvalidKey { key, .. } => Self::invalid(format!("Unknown or unusable key {key}")),
            DomainError::InvalidValue { path } => Self::invalid(format!("Invalid value for {path}")),
            DomainError::Rule(rule) => rule_answer(rule),
            DomainError::Conflict(key) => Self::new(
                StatusCode::CONFLICT,
                "duplicate_error",
                match key {
                    gatehouse_domain::ports::ConflictKey::Email => "A user with this email already exists",
                    _ => "A value that must be unique is already in use",
                },
            ),
            DomainError::NotFound(message) => Self::not_found(message),
            DomainError::Unauthorized => Self::unauthorized(),
            DomainError::Forbidden => Self::new(StatusCode::FORBIDDEN, "not_allowed", "Forbidden"),
            DomainError::PolicyRefused(message) => Self::new(StatusCode::FORBIDDEN, "not_allowed", message),
            DomainError::RateLimited { retry_after_secs } => Self {
                retry_after_secs: Some(retry_after_secs),
                ..Self::new(StatusCode::TOO_MANY_REQUESTS, "too_many_requests", "Too many requests")
            },
            DomainError::Unavailable { retry_after_secs } => {
                tracing::warn!(retry_after_secs, "unavailable: a bounded resource is saturated");
                Self {
                    retry_after_secs: Some(retry_after_secs),
                    ..Self::new(StatusCode::SERVICE_UNAVAILABLE, "unexpected_state", "Service unavailable, retry later")
                }
            }
            DomainError::Internal(cause) => Self::internal(&cause),
        }
    }
}

/// Each rule in Medusa's words: credentials that do not check out are 401 with one message,
/// what the caller may not do is 403, a state that forbids the change is 400 `not_allowed`.
fn rule_answer(rule: Rule) -> MedusaError {
    let (status, kind, message) = match rule {
        Rule::InvalidCredentials
        | Rule::AdminInvalidCredentials
        | Rule::AdminMissingCredentials
        | Rule::AccountBlocked
        | Rule::EmailNotConfirmed => (StatusCode::UNAUTHORIZED, "unauthorized", INVALID_LOGIN),
        Rule::RegistrationDisabled => (StatusCode::FORBIDDEN, "not_allowed", "Registration is disabled"),
        Rule::OwnRoles => (StatusCode::FORBIDDEN, "not_allowed", "You cannot change your own roles"),
        Rule::BuiltInRole | Rule::BuiltInAdminRole => {
            (StatusCode::BAD_REQUEST, "not_allowed", "The built-in roles cannot be changed that way")
        }
        Rule::AdminExists => (StatusCode::BAD_REQUEST, "not_allowed", "An admin exists already"),
        Rule::LastSuperAdmin => (StatusCode::BAD_REQUEST, "not_allowed", "At least one active super admin must remain"),
        Rule::IncorrectResetCode => (StatusCode::UNAUTHORIZED, "unauthorized", "Invalid or expired token"),
        Rule::InvalidRegistration => (StatusCode::UNAUTHORIZED, "unauthorized", "Invalid invite token"),
        Rule::WrongCurrentPassword => (StatusCode::BAD_REQUEST, "invalid_data", "The current password is wrong"),
        Rule::PasswordUnchanged => {
            (StatusCode::BAD_REQUEST, "invalid_data", "The new password must differ from the current one")
        }
        Rule::InvalidAccessRequestConfirmation => {
            (StatusCode::BAD_REQUEST, "invalid_data", "Invalid or expired confirmation")
        }
        Rule::AccessRequestNotPending => (StatusCode::BAD_REQUEST, "not_allowed", "The request is no longer pending"),
    };
    MedusaError::new(status, kind, message)
}

impl IntoResponse for MedusaError {
    fn into_response(self) -> Response {
        let status = self.status;
        let mut response =
            (status, Json(MedusaErrorResponse { kind: self.kind, message: self.message })).into_response();
        if let Some(seconds) = self.retry_after_secs {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// `<prefix><n>` for an integer id.
pub fn public_id(prefix: &str, id: i64) -> String {
    format!("{prefix}{id}")
}

/// The integer id `<prefix><n>` names; `None` for anything else (a 404: it names nothing).
pub fn parse_id(prefix: &str, raw: &str) -> Option<i64> {
    let digits = raw.strip_prefix(prefix)?;
    let id = digits.parse::<i64>().ok().filter(|id| *id > 0)?;
    (id.to_string() == digits).then_some(id)
}

/// Reads a JSON object into a body struct; a wrong type or unknown key is 400 naming it.
pub fn body<T: DeserializeOwned>(object: Map<String, Value>) -> Result<T, MedusaError> {
    serde_path_to_error::deserialize(Value::Object(object)).map_err(|error| {
        let path = error.path().to_string();
        if path == "." {
            MedusaError::invalid(error.inner().to_string())
        } else {
            MedusaError::invalid(format!("{path}: {}", error.inner()))
        }
    })
}

/// `offset` and `limit` of a list (Medusa's `FindParams`); other parameters (`fields`,
/// `order`, filters) are read by each list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Paging {
    /// Rows skipped.
    pub offset: u64,
    /// Page size (default 20, clamped to 100).
    pub limit: u64,
}

impl Paging {
    /// Reads `offset` and `limit` from the pairs of a query string; a malformed one is 400.
    pub fn read(pairs: &[(String, String)]) -> Result<Self, MedusaError> {
        let mut paging = Paging { offset: 0, limit: DEFAULT_LIMIT };
        for (key, value) in pairs {
            let number = || {
                value
                    .trim()
                    .parse::<i64>()
                    .ok()
                    .filter(|number| *number >= 0)
                    .map(i64::unsigned_abs)
                    .ok_or_else(|| MedusaError::invalid(format!("{key} must be an integer from 0 to {}", i64::MAX)))
            };
            match key.as_str() {
                "offset" => paging.offset = number()?,
                "limit" => paging.limit = number()?.min(MAX_LIMIT),
                _ => {}
            }
        }
        Ok(paging)
    }

    /// The window over an already loaded list.
    pub fn slice<T>(self, items: Vec<T>) -> Vec<T> {
        let skip = usize::try_from(self.offset).unwrap_or(usize::MAX);
        let take = usize::try_from(self.limit).unwrap_or(usize::MAX);
        items.into_iter().skip(skip).take(take).collect()
    }
}

/// The pairs of a raw query string.
pub fn query_pairs(raw: Option<&str>) -> Vec<(String, String)> {
    url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()).into_owned().collect()
}

/// The schema of `offset`.
pub fn offset_schema() -> utoipa::openapi::schema::Schema {
    crate::http::openapi::raw_schema(serde_json::json!({
        "type": "integer", "format": "int64", "minimum": 0, "maximum": i64::MAX, "default": 0
    }))
}

/// The schema of `limit`: any non-negative 64-bit integer is read (above 100 as 100).
pub fn limit_schema() -> utoipa::openapi::schema::Schema {
    crate::http::openapi::raw_schema(serde_json::json!({
        "type": "integer", "format": "int64", "minimum": 0, "maximum": i64::MAX, "default": DEFAULT_LIMIT
    }))
}

/// `{id, object, deleted: true}`
#[derive(Debug, Serialize, ToSchema)]
pub struct MedusaDeleteResponse {
    /// The deleted resource's id.
    pub id: String,
    /// `user`, `invite`, `customer`, `api_key`.
    pub object: &'static str,
    /// Always true.
    pub deleted: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_canonical_prefixed_ids_name_a_record() {
        assert_eq!(parse_id("user_", "user_42"), Some(42));
        for raw in ["42", "user_", "user_0", "user_042", "user_-1", "USER_42", "invite_42", "user_99999999999999999999"]
        {
            assert_eq!(parse_id("user_", raw), None, "{raw}");
        }
    }

    #[test]
    fn paging_defaults_to_twenty_and_clamps_to_a_hundred() {
        assert_eq!(Paging::read(&[]).unwrap(), Paging { offset: 0, limit: 20 });
        let pairs = vec![("limit".to_owned(), "500".to_owned()), ("offset".to_owned(), "3".to_owned())];
        assert_eq!(Paging::read(&pairs).unwrap(), Paging { offset: 3, limit: 100 });
        assert!(Paging::read(&[("limit".to_owned(), "-1".to_owned())]).is_err());
        assert!(Paging::read(&[("offset".to_owned(), "x".to_owned())]).is_err());
    }
}
