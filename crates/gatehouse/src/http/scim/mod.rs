//! The SCIM 2.0 surface (`/scim/v2`, RFC 7643 and RFC 7644): `Users` over the end users and
//! `Groups` over the end-user roles (or, with `scim.realm = "admins"`, over the admin users and
//! admin roles: [`admins`]), discovery documents, and SCIM's own error body
//! (`urn:ietf:params:scim:api:messages:2.0:Error` with the status as a string and a
//! `scimType`). The one credential is an API token of type `scim`.
//!
//! Only the wire lives here: [`filter`] parses SCIM filters (and PATCH paths) and maps them
//! onto the domain's one query model, [`patch`] applies PATCH operations to a resource's JSON,
//! [`resources`] maps users and roles to SCIM resources and back; every change goes through the
//! same domain use cases (and so the same rules and events) as every other surface. Nothing
//! here writes SQL.

pub mod admins;
pub mod discovery;
pub mod filter;
pub mod group_table;
pub mod groups;
pub mod list;
pub mod patch;
pub mod resources;
pub mod users;

use crate::http::surface::HttpFailure;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use gatehouse_domain::ports::ConflictKey;
use gatehouse_domain::{DomainError, Rule};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

/// SCIM's media type; every answer carries it.
pub const SCIM_MEDIA_TYPE: &str = "application/scim+json";
/// The error message schema.
pub const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
/// The list response schema.
pub const LIST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
/// The search request schema.
pub const SEARCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
/// The PATCH request schema.
pub const PATCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
/// The core User schema.
pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// The enterprise User extension.
pub const ENTERPRISE_SCHEMA: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
/// The core Group schema.
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// Where the surface is mounted.
pub const BASE_PATH: &str = "/scim/v2";

/// A failed SCIM request. Internal causes are logged here, never returned.
#[derive(Debug)]
pub struct ScimError {
    status: StatusCode,
    scim_type: Option<&'static str>,
    detail: String,
    retry_after_secs: Option<u64>,
}

/// The SCIM error body (RFC 7644 §3.12).
#[derive(Debug, Serialize, ToSchema)]
pub struct ScimErrorResponse {
    /// Always `["urn:ietf:params:scim:api:messages:2.0:Error"]`.
    pub schemas: Vec<String>,
    /// The HTTP status, as a string (`"404"`).
    #[schema(example = "409", pattern = "^[45][0-9]{2}$")]
    pub status: String,
    /// The kind of a 400 or 409: `invalidFilter`, `tooMany`, `uniqueness`, `mutability`,
    /// `invalidSyntax`, `invalidPath`, `noTarget`, `invalidValue`, `invalidVers`, `sensitive`.
    #[serde(rename = "scimType", skip_serializing_if = "Option::is_none")]
    #[schema(example = "uniqueness")]
    pub scim_type: Option<String>,
    /// A sentence for people.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// A SCIM resource (a User or a Group) as JSON; its attributes are published at
/// `/scim/v2/Schemas`.
#[derive(ToSchema)]
#[schema(value_type = Object)]
#[allow(dead_code)]
pub struct ScimResource(Value);

/// A `ListResponse` (RFC 7644 §3.4.2).
#[derive(ToSchema)]
#[allow(dead_code, non_snake_case)]
pub struct ScimListResponse {
    /// `["urn:ietf:params:scim:api:messages:2.0:ListResponse"]`.
    schemas: Vec<String>,
    /// Matches over every page.
    totalResults: u64,
    /// Resources on this page.
    itemsPerPage: u64,
    /// Where the page starts (from 1).
    startIndex: u64,
    /// The page (absent when empty).
    #[schema(value_type = Option<Vec<Object>>)]
    Resources: Option<Vec<Value>>,
}

/// A `SearchRequest` (RFC 7644 §3.4.3).
#[derive(ToSchema)]
#[allow(dead_code, non_snake_case)]
pub struct ScimSearchRequest {
    /// Must hold `urn:ietf:params:scim:api:messages:2.0:SearchRequest`.
    schemas: Vec<String>,
    /// A SCIM filter.
    filter: Option<String>,
    /// From 1.
    startIndex: Option<i64>,
    /// At most 1000.
    count: Option<i64>,
    /// An attribute path.
    sortBy: Option<String>,
    /// `ascending` or `descending`.
    sortOrder: Option<String>,
    /// Attribute paths to return.
    attributes: Option<Vec<String>>,
    /// Attribute paths to leave out.
    excludedAttributes: Option<Vec<String>>,
}

/// A `PatchOp` request (RFC 7644 §3.5.2).
#[derive(ToSchema)]
#[allow(dead_code, non_snake_case)]
pub struct ScimPatchRequest {
    /// Must hold `urn:ietf:params:scim:api:messages:2.0:PatchOp`.
    schemas: Vec<String>,
    /// The operations, applied in order.
    Operations: Vec<ScimPatchOperation>,
}

/// One PATCH operation.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ScimPatchOperation {
    /// `add`, `remove` or `replace` (any case).
    op: String,
    /// An attribute path, possibly with a value filter (`emails[type eq "work"].value`).
    path: Option<String>,
    /// The value (not for `remove`).
    #[schema(value_type = Option<Object>)]
    value: Option<Value>,
}

impl ScimError {
    /// An error with a status, an optional `scimType` and a detail.
    pub fn new(status: StatusCode, scim_type: Option<&'static str>, detail: impl Into<String>) -> Self {
        Self { status, scim_type, detail: detail.into(), retry_after_secs: None }
    }

    /// 400 with a `scimType`.
    pub fn bad_request(scim_type: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, Some(scim_type), detail)
    }

    /// 400 `invalidFilter`.
    pub fn invalid_filter(detail: impl Into<String>) -> Self {
        Self::bad_request("invalidFilter", detail)
    }

    /// 400 `invalidValue`.
    pub fn invalid_value(detail: impl Into<String>) -> Self {
        Self::bad_request("invalidValue", detail)
    }

    /// 400 `invalidSyntax`.
    pub fn invalid_syntax(detail: impl Into<String>) -> Self {
        Self::bad_request("invalidSyntax", detail)
    }

    /// 404 for a resource that does not exist (or an id that names none).
    pub fn not_found(what: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, None, format!("{what} not found"))
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The `scimType`.
    pub fn scim_type(&self) -> Option<&'static str> {
        self.scim_type
    }

    fn internal(cause: &str) -> Self {
        tracing::error!(error.cause = cause, "internal error");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, None, "Internal server error")
    }
}

impl From<HttpFailure> for ScimError {
    fn from(failure: HttpFailure) -> Self {
        match failure {
            HttpFailure::NotFound => Self::new(StatusCode::NOT_FOUND, None, "No such endpoint"),
            HttpFailure::MethodNotAllowed => {
                Self::new(StatusCode::METHOD_NOT_ALLOWED, None, "The endpoint does not support this method")
            }
            HttpFailure::PayloadTooLarge => Self::new(StatusCode::PAYLOAD_TOO_LARGE, None, "Payload too large"),
            HttpFailure::UnsupportedMediaType => Self::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                None,
                "The request body must be JSON (Content-Type: application/scim+json)",
            ),
            HttpFailure::UnreadableBody => Self::invalid_syntax("The request body could not be read"),
            HttpFailure::MalformedJson(message) => {
                Self::invalid_syntax(format!("The body is not valid JSON: {message}"))
            }
            HttpFailure::NotAnObject => Self::invalid_syntax("The request body must be a JSON object"),
            HttpFailure::UnstorableText(location) => {
                Self::invalid_value(format!("{location} contains a character that is not accepted (NUL)"))
            }
            HttpFailure::Panic(message) => Self::internal(&format!("a handler panicked: {message}")),
            HttpFailure::Status(status) if status.is_server_error() => {
                Self::internal(&format!("the framework answered {status} without a cause"))
            }
            HttpFailure::Status(status) => Self::new(status, None, status.canonical_reason().unwrap_or("Error")),
        }
    }
}

impl From<DomainError> for ScimError {
    fn from(error: DomainError) -> Self {
        match error {
            DomainError::Validation(errors) => Self::invalid_value(errors.summary()),
            DomainError::InvalidParameters(keys) => {
                Self::bad_request("mutability", format!("Attributes that may not be set: {}", keys.join(", ")))
            }
            DomainError::InvalidKey { key, .. } => Self::invalid_filter(format!("unknown or unusable attribute {key}")),
            DomainError::InvalidValue { path } => Self::invalid_value(format!("invalid value for {path}")),
            DomainError::Rule(rule) => rule_answer(rule),
            DomainError::Conflict(key) => Self::new(
                StatusCode::CONFLICT,
                Some("uniqueness"),
                match key {
                    ConflictKey::Email => "A user with this email exists already",
                    ConflictKey::Username => "A user with this userName exists already",
                    ConflictKey::RoleType => "A group with this displayName exists already",
                    ConflictKey::ApiTokenName => "Name already in use",
                    ConflictKey::GroupName => "A group with this displayName exists already",
                    ConflictKey::Other(_) => "A value that must be unique is already in use",
                },
            ),
            DomainError::NotFound(message) => Self::new(StatusCode::NOT_FOUND, None, message),
            DomainError::Unauthorized => {
                Self::new(StatusCode::UNAUTHORIZED, None, "A valid SCIM token is required (Authorization: Bearer)")
            }
            DomainError::Forbidden => Self::new(StatusCode::FORBIDDEN, None, "Insufficient permissions"),
            DomainError::PolicyRefused(message) => Self::new(StatusCode::FORBIDDEN, None, message),
            DomainError::RateLimited { retry_after_secs } => Self {
                retry_after_secs: Some(retry_after_secs),
                ..Self::new(StatusCode::TOO_MANY_REQUESTS, None, "Rate limit exceeded")
            },
            DomainError::Unavailable { retry_after_secs } => {
                tracing::warn!(retry_after_secs, "unavailable: a bounded resource is saturated");
                Self {
                    retry_after_secs: Some(retry_after_secs),
                    ..Self::new(StatusCode::SERVICE_UNAVAILABLE, None, "Service unavailable, retry later")
                }
            }
            DomainError::Internal(cause) => Self::internal(&cause),
        }
    }
}

fn rule_answer(rule: Rule) -> ScimError {
    match rule {
        Rule::BuiltInRole | Rule::BuiltInAdminRole => {
            ScimError::bad_request("mutability", "The built-in groups cannot be changed that way")
        }
        Rule::LastSuperAdmin => ScimError::bad_request(
            "mutability",
            "The last active super admin cannot be deactivated, removed or lose the Super Admin role",
        ),
        Rule::OwnRoles => ScimError::new(StatusCode::FORBIDDEN, None, "You cannot change your own groups"),
        other => ScimError::invalid_value(other.to_string()),
    }
}

impl IntoResponse for ScimError {
    fn into_response(self) -> Response {
        let body = ScimErrorResponse {
            schemas: vec![ERROR_SCHEMA.to_owned()],
            status: self.status.as_u16().to_string(),
            scim_type: self.scim_type.map(str::to_owned),
            detail: Some(self.detail),
        };
        let mut response = scim_json(self.status, &body);
        if let Some(seconds) = self.retry_after_secs {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"scim\""));
        }
        response
    }
}

/// A JSON answer with SCIM's media type.
pub fn scim_json<T: Serialize>(status: StatusCode, body: &T) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => {
            let mut response = (status, bytes).into_response();
            response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(SCIM_MEDIA_TYPE));
            response
        }
        Err(error) => ScimError::internal(&format!("serialising an answer: {error}")).into_response(),
    }
}

/// A resource answer: its JSON with `ETag` (its `meta.version`) and, for 201, `Location`.
pub fn resource_response(status: StatusCode, resource: &Value) -> Response {
    let mut response = scim_json(status, resource);
    let meta = resource.get("meta");
    if let Some(version) = meta.and_then(|meta| meta.get("version")).and_then(Value::as_str) {
        if let Ok(value) = HeaderValue::from_str(version) {
            response.headers_mut().insert(header::ETAG, value);
        }
    }
    if status == StatusCode::CREATED {
        if let Some(location) = meta.and_then(|meta| meta.get("location")).and_then(Value::as_str) {
            if let Ok(value) = HeaderValue::from_str(location) {
                response.headers_mut().insert(header::LOCATION, value);
            }
        }
    }
    response
}

/// The entity tags a conditional header lists (`*` as itself); weak and strong compare alike.
fn listed_tags(headers: &HeaderMap, name: header::HeaderName) -> Option<Vec<String>> {
    let raw = headers.get(name)?.to_str().ok()?;
    Some(
        raw.split(',')
            .map(|tag| tag.trim().trim_start_matches("W/").to_owned())
            .filter(|tag| !tag.is_empty())
            .collect(),
    )
}

fn tag_matches(tags: &[String], version: &str) -> bool {
    let version = version.trim_start_matches("W/");
    tags.iter().any(|tag| tag == "*" || tag == version)
}

/// `If-Match` on a write: 412 when it names none of the resource's current version.
pub fn check_if_match(headers: &HeaderMap, version: &str) -> Result<(), ScimError> {
    match listed_tags(headers, header::IF_MATCH) {
        Some(tags) if !tag_matches(&tags, version) => Err(ScimError::new(
            StatusCode::PRECONDITION_FAILED,
            None,
            "The resource changed since the version given in If-Match",
        )),
        _ => Ok(()),
    }
}

/// `If-None-Match` on a read: true when it names the current version (the answer is 304).
pub fn not_modified(headers: &HeaderMap, version: &str) -> bool {
    listed_tags(headers, header::IF_NONE_MATCH).is_some_and(|tags| tag_matches(&tags, version))
}

/// The 304 answer for `version`.
pub fn not_modified_response(version: &str) -> Response {
    let mut response = StatusCode::NOT_MODIFIED.into_response();
    if let Ok(value) = HeaderValue::from_str(version) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}

/// The absolute base URL of the surface for `meta.location` and `$ref`: from the request's
/// `Host` (a server behind a proxy sees the proxy's `Host` only when the proxy passes it on).
pub fn base_url(headers: &HeaderMap) -> String {
    let host = headers.get(header::HOST).and_then(|value| value.to_str().ok()).unwrap_or("localhost");
    let scheme = headers
        .get("x-forwarded-proto")
        .and_then(|value| value.to_str().ok())
        .filter(|proto| *proto == "https" || *proto == "http")
        .unwrap_or("http");
    format!("{scheme}://{host}{BASE_PATH}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_carry_the_status_as_a_string_and_their_scim_type() {
        let error = ScimError::from(DomainError::Conflict(ConflictKey::Username));
        assert_eq!((error.status(), error.scim_type()), (StatusCode::CONFLICT, Some("uniqueness")));
        let error = ScimError::from(HttpFailure::MethodNotAllowed);
        assert_eq!(error.status(), StatusCode::METHOD_NOT_ALLOWED);
    }

    #[test]
    fn entity_tags_compare_weakly() {
        let mut headers = HeaderMap::new();
        headers.insert(header::IF_MATCH, HeaderValue::from_static("W/\"12\""));
        assert!(check_if_match(&headers, "W/\"12\"").is_ok());
        assert!(check_if_match(&headers, "W/\"13\"").is_err());
        headers.insert(header::IF_NONE_MATCH, HeaderValue::from_static("*"));
        assert!(not_modified(&headers, "W/\"1\""));
    }
}
