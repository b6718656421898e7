//! The httpOnly refresh cookies of both realms: reading one from a request, and setting or
//! clearing one on a response. Cookies are `HttpOnly; SameSite=Lax`, and `Secure` unless the
//! request came over plain HTTP from loopback (a proxy saying `X-Forwarded-Proto: https` counts
//! as HTTPS).

use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::Response;
use std::net::SocketAddr;

/// The value of cookie `name` in a request, if it sent a non-empty one.
pub fn read(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get_all(header::COOKIE).iter().filter_map(|value| value.to_str().ok()).find_map(|cookies| {
        cookies.split(';').find_map(|pair| {
            let (key, value) = pair.trim().split_once('=')?;
            (key == name && !value.is_empty()).then(|| value.to_owned())
        })
    })
}

/// Whether a cookie set in answer to this request must be `Secure`.
pub fn needs_secure(headers: &HeaderMap, peer: SocketAddr) -> bool {
    let forwarded_https = headers
        .get("x-forwarded-proto")
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.eq_ignore_ascii_case("https"));
    forwarded_https || !peer.ip().is_loopback()
}

/// Sets cookie `name` for `path`, living `max_age_secs` (0 clears it), and marks the response
/// `Cache-Control: no-store` (it carries a secret).
pub fn set(response: &mut Response, name: &str, value: &str, path: &str, max_age_secs: u64, secure: bool) {
    let secure = if secure { "; Secure" } else { "" };
    let cookie = format!("{name}={value}; Path={path}; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}");
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::response::IntoResponse;

    #[test]
    fn cookies_are_read_by_exact_name_and_set_http_only() {
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, HeaderValue::from_static("a=1; strapi_up_refresh_x=2; strapi_up_refresh=3"));
        assert_eq!(read(&headers, "strapi_up_refresh").as_deref(), Some("3"));
        assert_eq!(read(&headers, "missing"), None);
        let loopback: SocketAddr = "127.0.0.1:9".parse().unwrap();
        let remote: SocketAddr = "203.0.113.7:9".parse().unwrap();
        assert!(!needs_secure(&HeaderMap::new(), loopback));
        assert!(needs_secure(&HeaderMap::new(), remote));
        let mut response = ().into_response();
        set(&mut response, "c", "v", "/admin", 60, true);
        assert_eq!(
            response.headers()[header::SET_COOKIE],
            "c=v; Path=/admin; HttpOnly; SameSite=Lax; Max-Age=60; Secure"
        );
    }
}
