//! Rate limiting over real HTTP: the auth limits per IP and per identifier, the admin login's,
//! the shared limit per token or IP, the headers, `X-Forwarded-For` behind trusted and
//! untrusted peers, and per-route configuration. The limiter follows the server's manual clock,
//! so nothing sleeps; other clients connect from other loopback addresses (127.0.0.0/8).

use crate::support::{Answer, TestServer, PASSWORD};
use gatehouse::config::{Config, RateText, RouteRateLimitConfig};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::net::IpAddr;
use std::time::Duration;

/// A server with the default rate limits on and a manual clock.
async fn limited(tweak: impl FnOnce(&mut Config) + 'static) -> TestServer {
    TestServer::builder()
        .with_manual_clock()
        .with_config(|config| config.rate_limit.enabled = true)
        .with_config(tweak)
        .spawn()
        .await
}

/// A client whose connections come from `address` (a loopback address other than 127.0.0.1).
fn client_from(address: &str) -> reqwest::Client {
    reqwest::Client::builder().local_address(address.parse::<IpAddr>().unwrap()).build().unwrap()
}

async fn post_from(
    server: &TestServer,
    client: &reqwest::Client,
    path: &str,
    body: &Value,
    forwarded: Option<&str>,
) -> Answer {
    let mut request = client.post(server.url(path)).json(body);
    if let Some(forwarded) = forwarded {
        request = request.header("x-forwarded-for", forwarded);
    }
    server.send(request).await
}

fn header(answer: &Answer, name: &str) -> Option<String> {
    answer.headers.get(name).map(|value| value.to_str().unwrap().to_owned())
}

fn wrong_login(identifier: &str) -> Value {
    json!({"identifier": identifier, "password": "wrong-password"})
}

fn assert_refused(answer: &Answer) {
    assert_eq!(answer.status, StatusCode::TOO_MANY_REQUESTS, "{}", answer.text);
    assert_eq!(answer.error(), ("RateLimitError".to_owned(), "Too many requests, please try again later.".to_owned()));
    let retry_after: u64 = header(answer, "retry-after").expect("Retry-After").parse().unwrap();
    assert!((1..=60).contains(&retry_after), "Retry-After {retry_after}");
    assert_eq!(header(answer, "ratelimit-remaining").as_deref(), Some("0"));
}

#[tokio::test]
async fn the_eleventh_login_in_a_minute_from_one_ip_is_429_with_retry_after() {
    let server = limited(|_| {}).await;
    server.register("rosa").await;
    let client = client_from("127.0.0.1");
    for sent in 1..=10u32 {
        let answer = post_from(&server, &client, "/api/auth/local", &wrong_login("rosa"), None).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "login {sent}: {}", answer.text);
        assert_eq!(header(&answer, "ratelimit-limit").as_deref(), Some("10"));
        assert_eq!(header(&answer, "ratelimit-remaining"), Some((10 - sent).to_string()));
        assert_eq!(header(&answer, "x-ratelimit-remaining"), Some((10 - sent).to_string()));
        assert!(header(&answer, "ratelimit-reset").is_some() && header(&answer, "x-ratelimit-reset").is_some());
    }
    let refused = post_from(&server, &client, "/api/auth/local", &wrong_login("rosa"), None).await;
    assert_refused(&refused);
    assert_eq!(header(&refused, "retry-after").as_deref(), Some("6"), "one login comes back every 6 s");

    let elsewhere =
        post_from(&server, &client_from("127.0.0.2"), "/api/auth/local", &wrong_login("someone"), None).await;
    assert_eq!(elsewhere.status, StatusCode::BAD_REQUEST, "another IP is not affected: {}", elsewhere.text);

    server.clock().advance(Duration::from_secs(6));
    let later =
        post_from(&server, &client, "/api/auth/local", &json!({"identifier": "rosa", "password": PASSWORD}), None)
            .await;
    assert_eq!(later.status, StatusCode::OK, "a login came back: {}", later.text);
}

#[tokio::test]
async fn a_refused_login_costs_no_password_check_and_no_database_work() {
    let server = limited(|_| {}).await;
    server.register("sami").await;
    let client = client_from("127.0.0.3");
    for _ in 0..10 {
        post_from(&server, &client, "/api/auth/local", &wrong_login("sami"), None).await;
    }
    let failures = |events: &[gatehouse_domain::events::StoredEvent]| {
        events.iter().filter(|event| event.event_type == "user.login_failed").count()
    };
    assert_eq!(failures(&server.events().await), 10);
    for _ in 0..5 {
        assert_refused(&post_from(&server, &client, "/api/auth/local", &wrong_login("sami"), None).await);
    }
    assert_eq!(failures(&server.events().await), 10, "refused logins never reached the handler");
}

#[tokio::test]
async fn rotating_the_identifier_from_one_ip_is_still_limited() {
    let server = limited(|_| {}).await;
    let client = client_from("127.0.0.4");
    for n in 0..10 {
        let answer =
            post_from(&server, &client, "/api/auth/local", &wrong_login(&format!("user{n}@example.com")), None).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.text);
    }
    assert_refused(&post_from(&server, &client, "/api/auth/local", &wrong_login("user10@example.com"), None).await);
}

#[tokio::test]
async fn one_identifier_is_limited_from_every_ip_in_its_normalised_form() {
    let server = limited(|_| {}).await;
    for n in 0..10 {
        let client = client_from(&format!("127.0.1.{}", n + 1));
        let identifier = if n % 2 == 0 { "Victim@Example.com" } else { " victim@example.com" };
        let answer = post_from(&server, &client, "/api/auth/local", &wrong_login(identifier), None).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.text);
    }
    let fresh_ip = client_from("127.0.1.200");
    assert_refused(&post_from(&server, &fresh_ip, "/api/auth/local", &wrong_login("VICTIM@example.com"), None).await);
}

#[tokio::test]
async fn a_rotating_x_forwarded_for_from_an_untrusted_peer_changes_nothing() {
    let server = limited(|config| config.server.trusted_proxies = vec!["10.0.0.0/8".into()]).await;
    let client = client_from("127.0.0.5");
    for n in 0..10 {
        let forwarded = format!("203.0.113.{n}");
        let answer = post_from(&server, &client, "/api/auth/local", &wrong_login("nobody"), Some(&forwarded)).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.text);
    }
    let refused = post_from(&server, &client, "/api/auth/local", &wrong_login("other"), Some("198.51.100.77")).await;
    assert_refused(&refused);
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_right_most_untrusted_hop_is_the_client() {
    let server = limited(|config| config.server.trusted_proxies = vec!["127.0.0.6".into(), "10.0.0.0/8".into()]).await;
    let proxy = client_from("127.0.0.6");
    for n in 0..10 {
        // The client wrote a forged first hop; a second trusted proxy added its own.
        let forwarded = format!("192.0.2.{n}, 203.0.113.7, 10.1.1.1");
        let answer =
            post_from(&server, &proxy, "/api/auth/local", &wrong_login(&format!("u{n}")), Some(&forwarded)).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.text);
    }
    assert_refused(&post_from(&server, &proxy, "/api/auth/local", &wrong_login("u10"), Some("203.0.113.7")).await);
    let other_client = post_from(&server, &proxy, "/api/auth/local", &wrong_login("u11"), Some("203.0.113.8")).await;
    assert_eq!(other_client.status, StatusCode::BAD_REQUEST, "another client behind the proxy: {}", other_client.text);
}

#[tokio::test]
async fn the_admin_login_allows_5_per_5_minutes_per_email_and_ip() {
    let server = limited(|_| {}).await;
    let admin =
        json!({"email": "boss@example.com", "password": "AdminPass123", "firstname": "Ada", "lastname": "Boss"});
    assert_eq!(server.post("/admin/register-admin", &admin, None).await.status, StatusCode::OK);
    let wrong = json!({"email": "boss@example.com", "password": "wrong"});
    let client = client_from("127.0.0.7");
    for sent in 1..=5u32 {
        let answer = post_from(&server, &client, "/admin/login", &wrong, None).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.text);
        assert_eq!(header(&answer, "x-ratelimit-limit").as_deref(), Some("5"));
        assert_eq!(header(&answer, "x-ratelimit-remaining"), Some((5 - sent).to_string()));
    }
    let refused = post_from(&server, &client, "/admin/login", &wrong, None).await;
    assert_refused(&refused);
    assert_eq!(header(&refused, "retry-after").as_deref(), Some("60"), "one attempt comes back each minute");

    let other_email =
        post_from(&server, &client, "/admin/login", &json!({"email": "x@example.com", "password": "w"}), None).await;
    assert_eq!(other_email.status, StatusCode::BAD_REQUEST, "{}", other_email.text);
    let other_ip = post_from(&server, &client_from("127.0.0.8"), "/admin/login", &wrong, None).await;
    assert_eq!(other_ip.status, StatusCode::BAD_REQUEST, "{}", other_ip.text);

    server.clock().advance(Duration::from_secs(59));
    assert_refused(&post_from(&server, &client, "/admin/login", &wrong, None).await);
    server.clock().advance(Duration::from_secs(1));
    let right = json!({"email": "boss@example.com", "password": "AdminPass123"});
    assert_eq!(post_from(&server, &client, "/admin/login", &right, None).await.status, StatusCode::OK);
}

#[tokio::test]
async fn other_routes_share_a_limit_per_token_or_ip_and_say_so_in_headers() {
    let server = limited(|config| config.rate_limit.api_per_minute = 3).await;
    let (alice, _) = server.register("alice").await;
    let (bob, _) = server.register("bob").await;
    for sent in 1..=3u32 {
        let answer = server.get("/api/users/me", Some(&alice)).await;
        assert_eq!(answer.status, StatusCode::OK);
        assert_eq!(header(&answer, "ratelimit-limit").as_deref(), Some("3"));
        assert_eq!(header(&answer, "ratelimit-remaining"), Some((3 - sent).to_string()));
        assert_eq!(header(&answer, "x-ratelimit-limit").as_deref(), Some("3"));
    }
    assert_refused(&server.get("/api/users/count", Some(&alice)).await);
    assert_eq!(server.get("/api/users/me", Some(&bob)).await.status, StatusCode::OK, "another token");
    let anonymous = server.get("/api/users/count", None).await;
    assert_eq!(anonymous.status, StatusCode::FORBIDDEN, "no token: the public role, counted per IP");
    assert_eq!(header(&anonymous, "ratelimit-remaining").as_deref(), Some("2"));
    let health = server.get("/_health", None).await;
    assert!(health.status.is_success() && header(&health, "ratelimit-limit").is_none(), "operations are not limited");
}

#[tokio::test]
async fn a_route_handler_can_be_given_its_own_limits_or_none() {
    let server = limited(|config| {
        let login = RouteRateLimitConfig { per_client: RateText::parse("2/1m"), ..RouteRateLimitConfig::default() };
        config.rate_limit.routes.insert("login".into(), login);
        config.rate_limit.routes.insert(
            "forgot_password".into(),
            RouteRateLimitConfig { enabled: false, ..RouteRateLimitConfig::default() },
        );
    })
    .await;
    let client = client_from("127.0.0.9");
    for n in 0..2 {
        let answer = post_from(&server, &client, "/api/auth/local", &wrong_login(&format!("n{n}")), None).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.text);
    }
    assert_refused(&post_from(&server, &client, "/api/auth/local", &wrong_login("n2"), None).await);
    for _ in 0..12 {
        let answer =
            post_from(&server, &client, "/api/auth/forgot-password", &json!({"email": "a@example.com"}), None).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
        assert!(header(&answer, "ratelimit-limit").is_none());
    }
}

#[tokio::test]
async fn the_v1_surface_answers_429_in_its_own_format_without_strapis_headers() {
    let server = limited(|config| {
        let list = RouteRateLimitConfig { per_client: RateText::parse("2/1m"), ..RouteRateLimitConfig::default() };
        config.rate_limit.routes.insert("v1_list_users".into(), list);
    })
    .await;
    let (_, token) = server.api_token("full-access", &[], None).await;
    for _ in 0..2 {
        let answer = server.get("/api/v1/users", Some(&token)).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
        assert!(header(&answer, "ratelimit-remaining").is_some());
        assert!(header(&answer, "x-ratelimit-remaining").is_none(), "Strapi's headers are for the Strapi surfaces");
    }
    let refused = server.get("/api/v1/users", Some(&token)).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS, "{}", refused.text);
    assert!(header(&refused, "retry-after").is_some());
    let body = refused.json();
    assert_eq!(
        (body["error"]["code"].clone(), body["error"]["type"].clone()),
        (json!(429), json!("too_many_requests")),
        "{body}"
    );
    assert!(body.get("data").is_none(), "the v1 error body, not Strapi's envelope: {body}");
}
