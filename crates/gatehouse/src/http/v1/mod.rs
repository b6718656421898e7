//! The generic users API (`/api/v1/...`): `{data, meta}` envelopes, `usr_` ids, plain status
//! words, and its own error body `{"error": {"code", "type", "message", "details"?}}`.
//! Handlers read input, call one domain use case with the caller, and write the answer; the
//! wire types and the error wording here are this surface's alone (the Strapi envelope is
//! never used under `/api/v1`).

pub mod users;

use crate::http::surface::HttpFailure;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use gatehouse_domain::ports::ConflictKey;
use gatehouse_domain::{DomainError, FieldErrors, QueryPart, Rule};
use serde::Serialize;
use utoipa::ToSchema;

/// A failed request on `/api/v1`. Internal causes are logged here, never returned.
#[derive(Debug)]
pub struct V1Error {
    status: StatusCode,
    message: String,
    details: Option<Vec<V1FieldError>>,
    retry_after_secs: Option<u64>,
}

/// The error body, `{"error": {…}}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct V1ErrorResponse {
    /// What went wrong.
    pub error: V1ErrorBody,
}

/// The `error` member.
#[derive(Debug, Serialize, ToSchema)]
pub struct V1ErrorBody {
    /// The HTTP status, repeated.
    #[schema(minimum = 400, maximum = 599, example = 409)]
    pub code: u16,
    /// The status as a word: `bad_request`, `unauthorized`, `forbidden`, `not_found`,
    /// `method_not_allowed`, `conflict`, `payload_too_large`, `unsupported_media_type`,
    /// `too_many_requests`, `internal_error`, `service_unavailable`.
    #[serde(rename = "type")]
    #[schema(example = "conflict")]
    pub kind: &'static str,
    /// A sentence for people.
    #[schema(example = "Email already in use")]
    pub message: String,
    /// For 400: each invalid field or parameter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<Vec<V1FieldError>>,
}

/// One invalid field or query parameter.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct V1FieldError {
    /// The body field or query parameter (`email`, `settings`, `page`).
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl V1Error {
    /// An error without details.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self { status, message: message.into(), details: None, retry_after_secs: None }
    }

    /// 400 naming one field or parameter.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        Self {
            details: Some(vec![V1FieldError { field: field.to_owned(), message: message.clone() }]),
            ..Self::new(StatusCode::BAD_REQUEST, message)
        }
    }

    /// 404 for a user that does not exist or an id that cannot name one.
    pub fn user_not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "User not found")
    }

    fn internal(cause: &str) -> Self {
        tracing::error!(error.cause = cause, "internal error");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error")
    }

    fn fields(errors: &FieldErrors) -> Self {
        let details = errors
            .0
            .iter()
            .map(|error| V1FieldError { field: error.path.join("."), message: error.message.clone() })
            .collect();
        Self { details: Some(details), ..Self::new(StatusCode::BAD_REQUEST, errors.summary()) }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }
}

/// The word for a status in the `type` member.
fn kind(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "bad_request",
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::CONFLICT => "conflict",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::TOO_MANY_REQUESTS => "too_many_requests",
        StatusCode::SERVICE_UNAVAILABLE => "service_unavailable",
        status if status.is_server_error() => "internal_error",
        _ => "error",
    }
}

impl From<HttpFailure> for V1Error {
    fn from(failure: HttpFailure) -> Self {
        match failure {
            HttpFailure::NotFound => Self::new(StatusCode::NOT_FOUND, "Not found"),
            HttpFailure::MethodNotAllowed => Self::new(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed"),
            HttpFailure::PayloadTooLarge => Self::new(StatusCode::PAYLOAD_TOO_LARGE, "Payload too large"),
            HttpFailure::UnsupportedMediaType => Self::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "The request body must be JSON (Content-Type: application/json)",
            ),
            HttpFailure::UnreadableBody => Self::new(StatusCode::BAD_REQUEST, "The request body could not be read"),
            HttpFailure::MalformedJson(message) => {
                Self::invalid("body", format!("The body is not valid JSON: {message}"))
            }
            HttpFailure::NotAnObject => Self::invalid("body", "The request body must be a JSON object"),
            HttpFailure::UnstorableText(location) => {
                Self::invalid(&location, format!("{location} contains a character that is not accepted (NUL)"))
            }
            HttpFailure::Panic(message) => Self::internal(&format!("a handler panicked: {message}")),
            HttpFailure::Status(status) if status.is_server_error() => {
                Self::internal(&format!("the framework answered {status} without a cause"))
            }
            HttpFailure::Status(status) => Self::new(status, status.canonical_reason().unwrap_or("Error")),
        }
    }
}

impl From<DomainError> for V1Error {
    fn from(error: DomainError) -> Self {
        match error {
            DomainError::Validation(errors) => Self::fields(&errors),
            DomainError::InvalidParameters(keys) => {
                let details = keys
                    .iter()
                    .map(|key| V1FieldError { field: key.clone(), message: format!("{key} may not be set") })
                    .collect();
                Self {
                    details: Some(details),
                    ..Self::new(StatusCode::BAD_REQUEST, format!("Fields that may not be set: {}", keys.join(", ")))
                }
            }
            DomainError::InvalidKey { key, path, part } => {
                let parameter = match part {
                    QueryPart::Filter => "filter",
                    QueryPart::Sort => "sort",
                    QueryPart::Fields => "fields",
                    QueryPart::Relations => "include",
                    QueryPart::Window => "page",
                };
                let field = path.map_or_else(|| parameter.to_owned(), |path| format!("{parameter}.{path}"));
                Self::invalid(&field, format!("unknown or unusable key {key}"))
            }
            DomainError::InvalidValue { path } => Self::invalid(&path, format!("invalid value for {path}")),
            DomainError::Rule(rule) => {
                let (status, message) = rule_answer(rule);
                Self::new(status, message)
            }
            DomainError::Conflict(key) => Self::new(
                StatusCode::CONFLICT,
                match key {
                    ConflictKey::Email => "Email already in use",
                    ConflictKey::Username => "Username already in use",
                    ConflictKey::RoleType => "Role already exists",
                    ConflictKey::ApiTokenName => "Name already in use",
                    ConflictKey::GroupName => "Group already exists",
                    ConflictKey::Other(_) => "A value that must be unique is already in use",
                },
            ),
            DomainError::NotFound(message) => Self::new(StatusCode::NOT_FOUND, message),
            DomainError::Unauthorized => Self::new(StatusCode::UNAUTHORIZED, "Authentication required"),
            DomainError::Forbidden => Self::new(StatusCode::FORBIDDEN, "Insufficient permissions"),
            DomainError::PolicyRefused(message) => Self::new(StatusCode::FORBIDDEN, message),
            DomainError::RateLimited { retry_after_secs } => Self {
                retry_after_secs: Some(retry_after_secs),
                ..Self::new(StatusCode::TOO_MANY_REQUESTS, "Rate limit exceeded")
            },
            DomainError::Unavailable { retry_after_secs } => {
                tracing::warn!(
                    retry_after_secs,
                    "unavailable: a bounded resource (hash pool, busy database) is saturated"
                );
                Self {
                    retry_after_secs: Some(retry_after_secs),
                    ..Self::new(StatusCode::SERVICE_UNAVAILABLE, "Service unavailable, retry later")
                }
            }
            DomainError::Internal(cause) => Self::internal(&cause),
        }
    }
}

/// Each rule's status and wording on this surface: credentials that do not check out are 401,
/// what the caller may not do is 403, a state that forbids the change is 409, and input the
/// rule refuses is 400.
fn rule_answer(rule: Rule) -> (StatusCode, &'static str) {
    match rule {
        Rule::InvalidCredentials | Rule::AdminInvalidCredentials => (StatusCode::UNAUTHORIZED, "Invalid credentials"),
        Rule::AdminMissingCredentials => (StatusCode::UNAUTHORIZED, "Authentication required"),
        Rule::AccountBlocked => (StatusCode::FORBIDDEN, "The account is inactive"),
        Rule::EmailNotConfirmed => (StatusCode::FORBIDDEN, "The account's email is not confirmed"),
        Rule::RegistrationDisabled => (StatusCode::FORBIDDEN, "Registration is disabled"),
        Rule::OwnRoles => (StatusCode::FORBIDDEN, "You cannot change your own roles"),
        Rule::BuiltInRole => (StatusCode::CONFLICT, "The public and authenticated roles cannot be deleted"),
        Rule::BuiltInAdminRole => (StatusCode::CONFLICT, "The built-in admin roles cannot be changed that way"),
        Rule::AdminExists => (StatusCode::CONFLICT, "An admin exists already"),
        Rule::LastSuperAdmin => (StatusCode::CONFLICT, "At least one active super admin must remain"),
        Rule::IncorrectResetCode => (StatusCode::BAD_REQUEST, "Incorrect code"),
        Rule::InvalidRegistration => (StatusCode::BAD_REQUEST, "Invalid registration token"),
        Rule::WrongCurrentPassword => (StatusCode::BAD_REQUEST, "The current password is wrong"),
        Rule::PasswordUnchanged => (StatusCode::BAD_REQUEST, "The new password must differ from the current one"),
        Rule::InvalidAccessRequestConfirmation => (StatusCode::BAD_REQUEST, "Invalid confirmation token"),
        Rule::AccessRequestNotPending => (StatusCode::CONFLICT, "The access request is no longer pending"),
    }
}

impl IntoResponse for V1Error {
    fn into_response(self) -> Response {
        let body = V1ErrorResponse {
            error: V1ErrorBody {
                code: self.status.as_u16(),
                kind: kind(self.status),
                message: self.message,
                details: self.details,
            },
        };
        let mut response = (self.status, Json(body)).into_response();
        if let Some(seconds) = self.retry_after_secs {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_has_a_client_error_status() {
        for rule in [
            Rule::InvalidCredentials,
            Rule::AccountBlocked,
            Rule::EmailNotConfirmed,
            Rule::RegistrationDisabled,
            Rule::BuiltInRole,
            Rule::IncorrectResetCode,
            Rule::AdminInvalidCredentials,
            Rule::AdminMissingCredentials,
            Rule::AdminExists,
            Rule::LastSuperAdmin,
            Rule::OwnRoles,
            Rule::InvalidRegistration,
            Rule::BuiltInAdminRole,
            Rule::WrongCurrentPassword,
            Rule::PasswordUnchanged,
            Rule::InvalidAccessRequestConfirmation,
            Rule::AccessRequestNotPending,
        ] {
            let error = V1Error::from(DomainError::Rule(rule));
            assert!(error.status().is_client_error(), "{rule}");
            assert_ne!(kind(error.status()), "error", "{rule}");
        }
    }

    #[test]
    fn query_keys_name_their_parameter() {
        let error = V1Error::from(DomainError::InvalidKey { key: "x".into(), path: None, part: QueryPart::Window });
        assert_eq!(error.status(), StatusCode::BAD_REQUEST);
        assert_eq!(error.details.unwrap()[0].field, "page");
    }
}
