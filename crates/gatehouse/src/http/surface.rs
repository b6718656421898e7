//! [`Surface`]: one wire dialect served over the domain — Strapi's content API, Strapi's admin
//! API, the generic users API `/api/v1`, and later Medusa and SCIM. A surface owns two things the shared HTTP
//! machinery must never hard-code:
//! - its **credential rules**: which token kinds it accepts and what "no credentials" means;
//! - its **error rendering**: every failure made outside a handler (the route guard, the
//!   404/405 fallback, body and query rejections, a panic) is rendered by the surface of the
//!   route, or of the path when no route matched.
//!
//! Adding a surface is one module with its handlers and error type, one `Surface` value here
//! (with its path prefix in [`SURFACES`]) and its rows in the route table.

use crate::http::caller;
use crate::http::error::ApiError;
use crate::http::medusa::MedusaError;
use crate::http::scim::ScimError;
use crate::http::v1::V1Error;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use gatehouse_domain::{Caller, Domain, DomainError};

/// Which credentials a surface accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CredentialRule {
    /// End-user JWTs and API tokens; no credentials act as the `public` role.
    EndUserOrApiToken,
    /// Admin JWTs only; no credentials is 401.
    AdminJwt,
    /// Admin JWTs, end-user JWTs and API tokens alike; no credentials is 401. An admin acts
    /// through the admin-realm counterpart of the route's action.
    AnyBearer,
    /// API tokens of type `scim` only; anything else, or nothing, is 401.
    ScimToken,
    /// An admin JWT as a Bearer, or a secret API key as `Basic base64(<key>:)` (Medusa's
    /// admin routes); no credentials is 401.
    AdminJwtOrSecretKey,
    /// Always the `public` role: whatever credentials are sent are ignored (Medusa's auth
    /// routes, which a client calls with whatever token it holds, even a stale one).
    Public,
}

/// A failure made by the HTTP machinery rather than by a handler, in no surface's words yet.
#[derive(Clone, Debug)]
pub enum HttpFailure {
    /// No route has this path.
    NotFound,
    /// The path exists with other methods.
    MethodNotAllowed,
    /// The body is over the configured limit.
    PayloadTooLarge,
    /// The body is not JSON (by its content type).
    UnsupportedMediaType,
    /// The body could not be read off the connection.
    UnreadableBody,
    /// The body is not valid JSON; the parser's message.
    MalformedJson(String),
    /// The body is JSON but not an object.
    NotAnObject,
    /// A body string or query value holds text no backend can store (a NUL character); where.
    UnstorableText(String),
    /// A handler panicked; the panic's message, for the log only.
    Panic(String),
    /// Any other bare status (a framework rejection).
    Status(StatusCode),
}

impl HttpFailure {
    /// The failure a bare framework response with this status stands for.
    pub fn for_status(status: StatusCode) -> Self {
        match status {
            StatusCode::NOT_FOUND => HttpFailure::NotFound,
            StatusCode::METHOD_NOT_ALLOWED => HttpFailure::MethodNotAllowed,
            StatusCode::PAYLOAD_TOO_LARGE => HttpFailure::PayloadTooLarge,
            status => HttpFailure::Status(status),
        }
    }
}

/// A failure waiting for its surface: a response carrying it is rendered by the guard (with
/// the route's surface) or by the outer layer (with the path's), so extractors and fallbacks
/// need not know which surface they serve.
#[derive(Clone, Debug)]
pub struct Unrendered(pub HttpFailure);

impl IntoResponse for HttpFailure {
    fn into_response(self) -> Response {
        let mut response = Response::new(axum::body::Body::empty());
        // A placeholder until the surface renders it; a panic stays a 500 even unrendered.
        *response.status_mut() = match self {
            HttpFailure::Panic(_) => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        };
        response.extensions_mut().insert(Unrendered(self));
        response
    }
}

/// One wire dialect over the domain.
#[derive(Debug)]
pub struct Surface {
    /// A short name for logs and `routes list`.
    pub name: &'static str,
    /// Which credentials it accepts.
    pub credentials: CredentialRule,
    /// The OpenAPI schema of its error body (for the answers the guard adds to each route).
    pub error_schema: &'static str,
    /// Whether limited answers also carry Strapi's `X-RateLimit-*` headers (beside the
    /// standard `RateLimit-*` that every surface sends).
    pub strapi_rate_limit_headers: bool,
    /// The numeric id a path segment such as `{id}` names in this surface's id format (for
    /// route policies such as `is-own-user`); `None` when it names none.
    pub path_id: fn(&str) -> Option<i64>,
    render_domain: fn(DomainError) -> Response,
    render_http: fn(HttpFailure) -> Response,
}

impl Surface {
    /// The caller of a request with these headers, by this surface's credential rules.
    pub async fn resolve_caller(
        &self,
        domain: &Domain,
        headers: &axum::http::HeaderMap,
    ) -> Result<Caller, DomainError> {
        match self.credentials {
            CredentialRule::EndUserOrApiToken => caller::resolve_caller(domain, headers).await,
            CredentialRule::AdminJwt => caller::resolve_admin_caller(domain, headers).await,
            CredentialRule::AnyBearer => caller::resolve_any_realm_caller(domain, headers).await,
            CredentialRule::ScimToken => caller::resolve_scim_caller(domain, headers).await,
            CredentialRule::AdminJwtOrSecretKey => caller::resolve_admin_or_secret_key_caller(domain, headers).await,
            CredentialRule::Public => domain.anonymous_caller().await,
        }
    }

    /// A domain failure in this surface's words.
    pub fn render_domain(&self, error: DomainError) -> Response {
        (self.render_domain)(error)
    }

    /// An HTTP-level failure in this surface's words.
    pub fn render_http(&self, failure: HttpFailure) -> Response {
        (self.render_http)(failure)
    }

    /// Renders the failure a response carries, if any: an [`Unrendered`] one, or a bare
    /// (non-JSON) 4xx/5xx made by the framework. Headers such as `Allow` are kept.
    pub fn finish(&self, mut response: Response) -> Response {
        let status = response.status();
        let failure = match response.extensions_mut().remove::<Unrendered>() {
            Some(Unrendered(failure)) => failure,
            None if is_bare_error(&response) => HttpFailure::for_status(status),
            None => return response,
        };
        let (mut parts, _) = response.into_parts();
        let (rendered, body) = self.render_http(failure).into_parts();
        parts.status = rendered.status;
        parts.headers.remove(axum::http::header::CONTENT_LENGTH);
        for (name, value) in rendered.headers.iter() {
            parts.headers.insert(name, value.clone());
        }
        Response::from_parts(parts, body)
    }
}

fn is_bare_error(response: &Response) -> bool {
    let status = response.status();
    let is_json =
        response.headers().get(axum::http::header::CONTENT_TYPE).and_then(|value| value.to_str().ok()).is_some_and(
            |value| value.starts_with("application/json") || value.starts_with(crate::http::scim::SCIM_MEDIA_TYPE),
        );
    (status.is_client_error() || status.is_server_error()) && !is_json
}

/// Strapi's content API (`/api/...`) and the operations endpoints.
pub static STRAPI_CONTENT: Surface = Surface {
    name: "strapi-content",
    credentials: CredentialRule::EndUserOrApiToken,
    error_schema: "ErrorResponse",
    strapi_rate_limit_headers: true,
    path_id: |raw| raw.parse().ok(),
    render_domain: |error| ApiError::from(error).into_response(),
    render_http: |failure| ApiError::from(failure).into_response(),
};

/// Strapi's admin API (`/admin/...`, and `/users-permissions/...` as the admin panel calls it).
pub static STRAPI_ADMIN: Surface = Surface {
    name: "strapi-admin",
    credentials: CredentialRule::AdminJwt,
    error_schema: "ErrorResponse",
    strapi_rate_limit_headers: true,
    path_id: |raw| raw.parse().ok(),
    render_domain: |error| ApiError::from(error).into_response(),
    render_http: |failure| ApiError::from(failure).into_response(),
};

/// The generic users API (`/api/v1/...`): `{data, meta}` envelopes and `{error: {code, type}}`.
pub static V1: Surface = Surface {
    name: "v1",
    credentials: CredentialRule::AnyBearer,
    error_schema: "V1ErrorResponse",
    strapi_rate_limit_headers: false,
    path_id: |raw| raw.strip_prefix("usr_").and_then(|digits| digits.parse().ok()),
    render_domain: |error| V1Error::from(error).into_response(),
    render_http: |failure| V1Error::from(failure).into_response(),
};

/// SCIM 2.0 (`/scim/v2/...`): SCIM's error schema, `scim` API tokens only.
pub static SCIM: Surface = Surface {
    name: "scim",
    credentials: CredentialRule::ScimToken,
    error_schema: "ScimErrorResponse",
    strapi_rate_limit_headers: false,
    path_id: |raw| raw.parse().ok(),
    render_domain: |error| ScimError::from(error).into_response(),
    render_http: |failure| ScimError::from(failure).into_response(),
};

/// The Medusa v2 dialect's admin routes (`/medusa/admin/...`, under `medusa.prefix`) and its
/// auth routes: `{type, message}` errors, `user_…` ids.
pub static MEDUSA: Surface = Surface {
    name: "medusa",
    credentials: CredentialRule::AdminJwtOrSecretKey,
    error_schema: "MedusaErrorResponse",
    strapi_rate_limit_headers: false,
    path_id: |_| None,
    render_domain: |error| MedusaError::from(error).into_response(),
    render_http: |failure| MedusaError::from(failure).into_response(),
};

/// The Medusa dialect's customer routes (`/medusa/auth/customer/...`, `/medusa/store/...`):
/// end users' credentials, as the content API.
pub static MEDUSA_STORE: Surface = Surface {
    name: "medusa-store",
    credentials: CredentialRule::EndUserOrApiToken,
    error_schema: "MedusaErrorResponse",
    strapi_rate_limit_headers: false,
    path_id: |_| None,
    render_domain: |error| MedusaError::from(error).into_response(),
    render_http: |failure| MedusaError::from(failure).into_response(),
};

/// Which surface answers for a path no route matched, by prefix; the first match wins (so a
/// longer prefix comes before the shorter one it is under).
pub static SURFACES: &[(&str, &Surface)] = &[
    ("/admin", &STRAPI_ADMIN),
    ("/users-permissions", &STRAPI_ADMIN),
    ("/api/v1", &V1),
    ("/scim/v2", &SCIM),
    ("/", &STRAPI_CONTENT),
];

/// The surface that owns `path`.
pub fn surface_for_path(path: &str) -> &'static Surface {
    SURFACES
        .iter()
        .find(|(prefix, _)| path == *prefix || path.starts_with(prefix) && owns_rest(prefix, path))
        .map_or(&STRAPI_CONTENT, |(_, surface)| *surface)
}

/// `/admin` owns `/admin/x` but not `/administrator`.
fn owns_rest(prefix: &str, path: &str) -> bool {
    prefix.ends_with('/') || path.as_bytes().get(prefix.len()) == Some(&b'/')
}

/// The Medusa dialect's customer auth routes (`/medusa/auth/customer/...`): the `public` role
/// whatever bearer is sent, as Medusa's auth routes ignore it.
pub static MEDUSA_STORE_AUTH: Surface = Surface {
    name: "medusa-store-auth",
    credentials: CredentialRule::Public,
    error_schema: "MedusaErrorResponse",
    strapi_rate_limit_headers: false,
    path_id: |_| None,
    render_domain: |error| MedusaError::from(error).into_response(),
    render_http: |failure| MedusaError::from(failure).into_response(),
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_belong_to_the_surface_of_their_prefix() {
        assert_eq!(surface_for_path("/admin/users").name, "strapi-admin");
        assert_eq!(surface_for_path("/admin").name, "strapi-admin");
        assert_eq!(surface_for_path("/users-permissions/roles").name, "strapi-admin");
        assert_eq!(surface_for_path("/administrator").name, "strapi-content");
        assert_eq!(surface_for_path("/api/users").name, "strapi-content");
        assert_eq!(surface_for_path("/nope").name, "strapi-content");
        assert_eq!(surface_for_path("/api/v1").name, "v1");
        assert_eq!(surface_for_path("/api/v1/users/usr_1").name, "v1");
        assert_eq!(surface_for_path("/api/v1x").name, "strapi-content");
        assert_eq!(surface_for_path("/api/v2/users").name, "strapi-content");
        assert_eq!(surface_for_path("/scim/v2/Users/1").name, "scim");
        assert_eq!(surface_for_path("/scim/v2").name, "scim");
    }
}
