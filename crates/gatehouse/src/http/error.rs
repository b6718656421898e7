//! [`ApiError`]: the Strapi error envelope of the content and admin APIs,
//! `{"data": null, "error": {"status", "name", "message", "details"}}`.
//!
//! Handlers return `Result<_, ApiError>`; a [`DomainError`] converts with `?`. Internal causes
//! are logged here once and never reach a body. Only this module decides status codes and
//! error names for these surfaces.

use crate::http::surface::HttpFailure;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use gatehouse_domain::ports::ConflictKey;
use gatehouse_domain::{DomainError, QueryPart, Rule};
use serde_json::{json, Map, Value};

/// A failed request on a Strapi-shaped surface.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    name: &'static str,
    message: String,
    /// `None` leaves `details` out (Strapi's `SyntaxError` has none).
    details: Option<Box<Value>>,
    retry_after_secs: Option<u64>,
}

impl ApiError {
    /// An error with empty `details`.
    pub fn new(status: StatusCode, name: &'static str, message: impl Into<String>) -> Self {
        Self { status, name, message: message.into(), details: Some(Box::new(json!({}))), retry_after_secs: None }
    }

    /// 400 `ValidationError` without field details.
    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "ValidationError", message)
    }

    /// 400 `ApplicationError`.
    pub fn application(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "ApplicationError", message)
    }

    /// 400 `SyntaxError` for a body that is not JSON (no `details`, as Strapi).
    pub fn syntax(message: impl Into<String>) -> Self {
        Self { details: None, ..Self::new(StatusCode::BAD_REQUEST, "SyntaxError", message) }
    }

    /// 404 `NotFoundError`.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "NotFoundError", message)
    }

    /// 413 `PayloadTooLargeError`.
    pub fn payload_too_large() -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, "PayloadTooLargeError", "Payload Too Large")
    }

    /// 401 `UnauthorizedError`.
    pub fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "UnauthorizedError", "Missing or invalid credentials")
    }

    /// 403 `ForbiddenError`.
    pub fn forbidden() -> Self {
        Self::new(StatusCode::FORBIDDEN, "ForbiddenError", "Forbidden")
    }

    /// 500 `InternalServerError`; the cause is logged, not returned.
    pub fn internal(cause: &str) -> Self {
        tracing::error!(error.cause = cause, "internal error");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "InternalServerError", "Internal Server Error")
    }

    /// The envelope a bare status (a router 404/405, a framework 413) gets.
    pub fn for_status(status: StatusCode) -> Self {
        match status {
            StatusCode::BAD_REQUEST => Self::new(status, "BadRequestError", "Bad Request"),
            StatusCode::UNAUTHORIZED => Self::unauthorized(),
            StatusCode::FORBIDDEN => Self::forbidden(),
            StatusCode::NOT_FOUND => Self::not_found("Not Found"),
            StatusCode::METHOD_NOT_ALLOWED => Self::new(status, "MethodNotAllowedError", "Method Not Allowed"),
            StatusCode::PAYLOAD_TOO_LARGE => Self::payload_too_large(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                Self::new(status, "UnsupportedMediaTypeError", "Unsupported Media Type")
            }
            status if status.is_server_error() => {
                Self::internal(&format!("the framework answered {status} without a cause"))
            }
            status => Self::new(status, "HttpError", status.canonical_reason().unwrap_or("Error")),
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// Replaces the message (per-endpoint wording of a shared domain error).
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = message.into();
        self
    }
}

impl From<HttpFailure> for ApiError {
    fn from(failure: HttpFailure) -> Self {
        match failure {
            HttpFailure::NotFound => Self::not_found("Not Found"),
            HttpFailure::MethodNotAllowed => Self::for_status(StatusCode::METHOD_NOT_ALLOWED),
            HttpFailure::PayloadTooLarge => Self::payload_too_large(),
            HttpFailure::UnsupportedMediaType => Self::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "UnsupportedMediaTypeError",
                "The request body must be JSON (Content-Type: application/json)",
            ),
            HttpFailure::UnreadableBody => {
                Self::new(StatusCode::BAD_REQUEST, "BadRequestError", "The request body could not be read")
            }
            HttpFailure::MalformedJson(message) => Self::syntax(message),
            HttpFailure::NotAnObject => Self::validation("The request body must be a JSON object"),
            HttpFailure::UnstorableText(location) => Self {
                details: Some(Box::new(json!({"path": location}))),
                ..Self::validation(format!("{location} contains a character that is not accepted (NUL)"))
            },
            HttpFailure::Panic(message) => Self::internal(&format!("a handler panicked: {message}")),
            HttpFailure::Status(status) => Self::for_status(status),
        }
    }
}

impl From<DomainError> for ApiError {
    fn from(error: DomainError) -> Self {
        match error {
            DomainError::Validation(errors) => {
                let listed: Vec<Value> = errors
                    .0
                    .iter()
                    .map(|field| {
                        let mut entry = Map::new();
                        let path: Vec<String> = field.path.iter().map(|segment| camel_case(segment)).collect();
                        entry.insert("path".into(), json!(path));
                        entry.insert("message".into(), json!(field.message));
                        entry.insert("name".into(), json!("ValidationError"));
                        if let Some(value) = &field.value {
                            entry.insert("value".into(), value.clone());
                        }
                        Value::Object(entry)
                    })
                    .collect();
                Self { details: Some(Box::new(json!({ "errors": listed }))), ..Self::validation(errors.summary()) }
            }
            DomainError::InvalidParameters(keys) => {
                Self::validation(format!("Invalid parameters: {}", keys.join(", ")))
            }
            DomainError::InvalidKey { key, path, part } => {
                let param = match part {
                    QueryPart::Filter => "filters",
                    QueryPart::Sort => "sort",
                    QueryPart::Fields => "fields",
                    QueryPart::Relations => "populate",
                    QueryPart::Window => "pagination",
                };
                let message = match &path {
                    Some(path) if key.starts_with('$') => format!("Invalid key {key} at {path}"),
                    _ => format!("Invalid key {key}"),
                };
                Self {
                    details: Some(Box::new(json!({"key": key, "path": path, "source": "query", "param": param}))),
                    ..Self::validation(message)
                }
            }
            DomainError::InvalidValue { path } => Self {
                details: Some(Box::new(json!({"path": path, "source": "query"}))),
                ..Self::validation(format!("Invalid value at {path}"))
            },
            DomainError::Rule(
                rule @ (Rule::InvalidCredentials
                | Rule::IncorrectResetCode
                | Rule::InvalidRegistration
                | Rule::WrongCurrentPassword
                | Rule::PasswordUnchanged
                | Rule::InvalidAccessRequestConfirmation),
            ) => Self::validation(rule_message(rule)),
            DomainError::Rule(rule @ (Rule::RegistrationDisabled | Rule::AdminExists)) => {
                Self::new(StatusCode::FORBIDDEN, "ForbiddenError", rule_message(rule))
            }
            DomainError::Rule(rule) => Self::application(rule_message(rule)),
            DomainError::Conflict(key) => Self::application(match key {
                ConflictKey::Email => "Email already taken".to_owned(),
                ConflictKey::Username => "Username already taken".to_owned(),
                ConflictKey::RoleType => "Role already exists".to_owned(),
                ConflictKey::ApiTokenName => "Name already taken".to_owned(),
                ConflictKey::GroupName => "Group already exists".to_owned(),
                ConflictKey::Other(_) => "This attribute must be unique".to_owned(),
            }),
            DomainError::NotFound(message) => Self::not_found(message),
            DomainError::Unauthorized => Self::unauthorized(),
            DomainError::Forbidden => Self::forbidden(),
            DomainError::PolicyRefused(message) => Self::new(StatusCode::FORBIDDEN, "PolicyError", message),
            DomainError::RateLimited { retry_after_secs } => Self {
                retry_after_secs: Some(retry_after_secs),
                ..Self::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "RateLimitError",
                    "Too many requests, please try again later.",
                )
            },
            DomainError::Unavailable { retry_after_secs } => {
                tracing::warn!(
                    retry_after_secs,
                    "unavailable: a bounded resource (hash pool, busy database) is saturated"
                );
                Self {
                    retry_after_secs: Some(retry_after_secs),
                    ..Self::new(StatusCode::SERVICE_UNAVAILABLE, "ServiceUnavailableError", "Service Unavailable")
                }
            }
            DomainError::Internal(cause) => Self::internal(&cause),
        }
    }
}

/// Strapi's wording of each rule.
fn rule_message(rule: Rule) -> &'static str {
    match rule {
        Rule::InvalidCredentials => "Invalid identifier or password",
        Rule::AccountBlocked => "Your account has been blocked by an administrator",
        Rule::EmailNotConfirmed => "Your account email is not confirmed",
        Rule::RegistrationDisabled => "Register action is currently disabled",
        Rule::BuiltInRole => "Cannot delete the public or authenticated role",
        Rule::IncorrectResetCode => "Incorrect code provided",
        Rule::AdminInvalidCredentials => "Invalid credentials",
        Rule::AdminMissingCredentials => "Missing credentials",
        Rule::AdminExists => "You cannot register a new super admin",
        Rule::LastSuperAdmin => "You must have at least one active super admin",
        Rule::OwnRoles => "You cannot change your own roles",
        Rule::InvalidRegistration => "Invalid registration info",
        Rule::WrongCurrentPassword => "The provided current password is invalid",
        Rule::PasswordUnchanged => "Your new password must be different than your current password",
        Rule::InvalidAccessRequestConfirmation => "Invalid confirmation token",
        Rule::AccessRequestNotPending => "The access request is no longer pending",
        Rule::BuiltInAdminRole => {
            "The built-in admin roles cannot be deleted, nor the Super Admin's permissions changed"
        }
    }
}

/// Strapi's body keys are camelCase; the domain names fields in snake_case.
fn camel_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = false;
    for character in name.chars() {
        if character == '_' && !out.is_empty() {
            upper = true;
        } else if upper {
            out.extend(character.to_uppercase());
            upper = false;
        } else {
            out.push(character);
        }
    }
    out
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut error = Map::new();
        error.insert("status".into(), json!(self.status.as_u16()));
        error.insert("name".into(), json!(self.name));
        error.insert("message".into(), json!(self.message));
        if let Some(details) = self.details {
            error.insert("details".into(), *details);
        }
        let mut response = (self.status, Json(json!({ "data": null, "error": error }))).into_response();
        if let Some(seconds) = self.retry_after_secs {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}
