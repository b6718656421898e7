//! Turning credentials into a [`Caller`], once per request.
//!
//! No credentials — no `Authorization` header, an empty `Bearer`, or another scheme such as
//! `Basic` — make the caller anonymous (the `public` role, as Strapi). A Bearer token that
//! fails verification or belongs to an ended session is a 401: a bad token must never turn
//! into "no token". Tokens never reach the logs.

use axum::http::{header, HeaderMap};
use gatehouse_domain::{Caller, Domain, DomainError};

/// The bearer token of a request, if it presented one.
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The caller of a request with these headers.
#[tracing::instrument(skip_all)]
pub async fn resolve_caller(domain: &Domain, headers: &HeaderMap) -> Result<Caller, DomainError> {
    match bearer_token(headers) {
        Some(token) => domain.authenticate_bearer(token).await,
        None => domain.anonymous_caller().await,
    }
}

/// The caller of an admin route: only an admin JWT will do; no credentials is 401.
#[tracing::instrument(skip_all)]
pub async fn resolve_admin_caller(domain: &Domain, headers: &HeaderMap) -> Result<Caller, DomainError> {
    match bearer_token(headers) {
        Some(token) => domain.authenticate_admin_bearer(token).await,
        None => Err(DomainError::Unauthorized),
    }
}

/// The caller of a route open to both realms (`/api/v1`): an admin JWT, an end user's JWT or
/// an API token; no credentials is 401 (there is no public role here).
#[tracing::instrument(skip_all)]
pub async fn resolve_any_realm_caller(domain: &Domain, headers: &HeaderMap) -> Result<Caller, DomainError> {
    match bearer_token(headers) {
        Some(token) => domain.authenticate_any_bearer(token).await,
        None => Err(DomainError::Unauthorized),
    }
}

/// The caller of a SCIM route: only an API token of type `scim` will do; no credentials is 401.
#[tracing::instrument(skip_all)]
pub async fn resolve_scim_caller(domain: &Domain, headers: &HeaderMap) -> Result<Caller, DomainError> {
    match bearer_token(headers) {
        Some(token) => domain.authenticate_scim_token(token).await,
        None => Err(DomainError::Unauthorized),
    }
}

/// The caller of a Medusa admin route: an admin JWT as a Bearer, or a secret API key as
/// `Basic base64(<key>:)` (how `@medusajs/js-sdk` sends its `apiKey`); no credentials is 401.
#[tracing::instrument(skip_all)]
pub async fn resolve_admin_or_secret_key_caller(domain: &Domain, headers: &HeaderMap) -> Result<Caller, DomainError> {
    if let Some(token) = bearer_token(headers) {
        return domain.authenticate_admin_bearer(token).await;
    }
    match basic_key(headers) {
        Some(key) => domain.authenticate_secret_key(&key).await,
        None => Err(DomainError::Unauthorized),
    }
}

/// The key of `Authorization: Basic base64(<key>:)`, if the request sent one; a Basic header
/// that does not decode, or that carries a password, is no key.
pub fn basic_key(headers: &HeaderMap) -> Option<String> {
    use base64::Engine;
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD.decode(encoded.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (key, password) = text.split_once(':')?;
    (!key.is_empty() && password.is_empty()).then(|| key.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn with_authorization(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn only_a_non_empty_bearer_counts_as_credentials() {
        assert_eq!(bearer_token(&with_authorization("Bearer abc")), Some("abc"));
        assert_eq!(bearer_token(&with_authorization("bearer   abc ")), Some("abc"));
        assert_eq!(bearer_token(&with_authorization("Bearer")), None);
        assert_eq!(bearer_token(&with_authorization("Bearer   ")), None);
        assert_eq!(bearer_token(&with_authorization("Basic YWxpY2U6cGFzcw==")), None);
        assert_eq!(bearer_token(&HeaderMap::new()), None);
    }
}
