//! Cross-origin access from browsers (`server.cors_origins`): a listed origin's preflight and
//! credentialed requests succeed; any other origin gets no `Access-Control-Allow-*` header.

use crate::support::{Answer, TestServer, PASSWORD};
use reqwest::{Method, StatusCode};
use serde_json::json;

const LISTED: &str = "https://app.example.com";
const UNLISTED: &str = "https://evil.example.net";

async fn preflight(server: &TestServer, origin: &str) -> Answer {
    let request = server
        .client
        .request(Method::OPTIONS, server.url("/api/auth/local"))
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type,authorization");
    server.send(request).await
}

async fn login_from(server: &TestServer, origin: &str) -> Answer {
    let request = server
        .client
        .post(server.url("/api/auth/local"))
        .header("origin", origin)
        .json(&json!({"identifier": "carol", "password": PASSWORD}));
    server.send(request).await
}

fn header<'a>(answer: &'a Answer, name: &str) -> Option<&'a str> {
    answer.headers.get(name).and_then(|value| value.to_str().ok())
}

fn allow_headers(answer: &Answer) -> Vec<String> {
    answer
        .headers
        .keys()
        .map(|name| name.as_str().to_owned())
        .filter(|name| name.starts_with("access-control-allow-"))
        .collect()
}

#[tokio::test]
async fn a_listed_origin_is_answered_with_credentials_allowed() {
    let server =
        TestServer::builder().with_config(|config| config.server.cors_origins = vec![LISTED.to_owned()]).spawn().await;
    server.register("carol").await;

    let answer = preflight(&server, LISTED).await;
    assert!(matches!(answer.status, StatusCode::OK | StatusCode::NO_CONTENT), "{} {}", answer.status, answer.text);
    assert_eq!(header(&answer, "access-control-allow-origin"), Some(LISTED));
    assert_eq!(header(&answer, "access-control-allow-credentials"), Some("true"));
    assert!(header(&answer, "access-control-allow-methods").is_some_and(|methods| methods.contains("POST")));
    let headers = header(&answer, "access-control-allow-headers").unwrap_or_default().to_ascii_lowercase();
    assert!(headers.contains("content-type") && headers.contains("authorization"), "{headers}");

    let login = login_from(&server, LISTED).await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.text);
    assert_eq!(header(&login, "access-control-allow-origin"), Some(LISTED));
    assert_eq!(header(&login, "access-control-allow-credentials"), Some("true"));
}

#[tokio::test]
async fn an_unlisted_origin_gets_no_allow_header() {
    let server =
        TestServer::builder().with_config(|config| config.server.cors_origins = vec![LISTED.to_owned()]).spawn().await;
    server.register("carol").await;
    let answer = preflight(&server, UNLISTED).await;
    assert_eq!(allow_headers(&answer), Vec::<String>::new(), "preflight");
    let login = login_from(&server, UNLISTED).await;
    assert_eq!(allow_headers(&login), Vec::<String>::new(), "request");

    // Without configured origins nobody is allowed.
    let closed = TestServer::spawn().await;
    assert_eq!(allow_headers(&preflight(&closed, LISTED).await), Vec::<String>::new());
}
