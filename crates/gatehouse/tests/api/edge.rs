//! Input every route refuses at the edge, written against the route table so a new route is
//! covered the day it is added: numbers beyond what the databases can express, and text no
//! backend can store (NUL). Each answer is a 4xx in the route's surface format (or an empty
//! page), never a 5xx, never a `Retry-After`, and nothing is written.

use crate::support::{Answer, TestServer, PASSWORD};
use gatehouse::http::routes::{Route, ROUTES};
use gatehouse::http::surface::{Surface, STRAPI_CONTENT};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// Numbers past every bound: `i64::MAX`, `u64::MAX`, negative, overflowing float, not a
/// number, and a page number whose offset overflows `i64` at any page size above 100.
const BAD_NUMBERS: [&str; 7] =
    ["9223372036854775807", "18446744073709551615", "-1", "1e400", "abc", "92233720368547760", "-9223372036854775808"];

/// Every numeric query parameter a list route reads.
const NUMERIC_PARAMETERS: [&str; 8] = [
    "pagination[page]",
    "pagination[pageSize]",
    "pagination[start]",
    "pagination[limit]",
    "start",
    "limit",
    "page",
    "pageSize",
];

/// Every string field any JSON body of Gatehouse reads.
const TEXT_FIELDS: [&str; 19] = [
    "username",
    "email",
    "password",
    "identifier",
    "name",
    "description",
    "firstname",
    "lastname",
    "code",
    "passwordConfirmation",
    "currentPassword",
    "refreshToken",
    "registrationToken",
    "type",
    "preferedLanguage",
    "token",
    "deviceId",
    "kind",
    "lifespan",
];

/// A server with a super admin, a full-access API token and an end user (`carol`); returns
/// the first two secrets.
async fn armed_server() -> (TestServer, String, String) {
    // Every route of the table, those of features off by default included.
    let server = TestServer::builder().with_config(|config| config.admin.access_requests.enabled = true).spawn().await;
    let answer = server
        .post(
            "/admin/register-admin",
            &json!({"email": "ada@example.com", "password": "AdminPass123", "firstname": "Ada"}),
            None,
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let admin = answer.json()["data"]["token"].as_str().unwrap().to_owned();
    let api = server.full_access().await;
    server.register("carol").await;
    (server, admin, api)
}

fn credentials<'a>(route: &Route, admin: &'a str, api: &'a str, scim: &'a str) -> &'a str {
    match route.surface.name {
        "strapi-admin" | "medusa" => admin,
        "scim" => scim,
        _ => api,
    }
}

/// The `scim` API token of the SCIM surface.
async fn scim_token(server: &TestServer) -> String {
    server.api_token("scim", &[], None).await.1
}

async fn call(server: &TestServer, route: &Route, path: &str, token: &str, body: Option<&Value>) -> Answer {
    let method = Method::from_bytes(route.method.as_str().as_bytes()).unwrap();
    let mut request = server.client.request(method, server.url(path)).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(body);
    }
    server.send(request).await
}

/// A client error in the envelope of `surface` (Strapi's, or `/api/v1`'s `{error: {code,
/// type, message}}`), without `Retry-After`.
fn assert_refused_by(surface: &Surface, answer: &Answer, what: &str) {
    assert!(answer.status.is_client_error(), "{what}: {} {}", answer.status, answer.text);
    if surface.name == "scim" {
        let body = answer.json();
        assert_eq!(body["status"], json!(answer.status.as_u16().to_string()), "{what}: {}", answer.text);
        assert_eq!(body["schemas"], json!(["urn:ietf:params:scim:api:messages:2.0:Error"]), "{what}: {}", answer.text);
    } else if surface.name.starts_with("medusa") {
        // Medusa's `{type, message}`.
        let body = answer.json();
        assert!(body["type"].is_string() && body["message"].is_string(), "{what}: {}", answer.text);
        assert_eq!(body.as_object().map(serde_json::Map::len), Some(2), "{what}: {}", answer.text);
    } else if surface.name == "v1" {
        let body = answer.json();
        assert_eq!(body["error"]["code"], json!(answer.status.as_u16()), "{what}: {}", answer.text);
        assert!(body["error"]["type"].is_string() && body["error"]["message"].is_string(), "{what}: {}", answer.text);
        assert!(body.get("data").is_none(), "{what}: {}", answer.text);
    } else {
        answer.error();
    }
    assert!(answer.headers.get("retry-after").is_none(), "{what}: no Retry-After");
}

/// A client error in the Strapi envelope, without `Retry-After`.
fn assert_refused(answer: &Answer, what: &str) {
    assert_refused_by(&STRAPI_CONTENT, answer, what);
}

/// The route's path with its id parameter filled in: `{id}` with `id`, `{user_id}` (the
/// `usr_` ids of `/api/v1`) with `usr_<id>`.
fn with_id(route: &Route, id: &str) -> String {
    route.path.replace("{id}", id).replace("{user_id}", &format!("usr_{id}"))
}

fn has_id(route: &Route) -> bool {
    route.path.contains("{id}") || route.path.contains("{user_id}")
}

/// Routes whose effect would end the test's own credentials.
fn ends_the_session(route: &Route) -> bool {
    matches!(route.name, "logout" | "admin_logout" | "medusa_delete_session")
}

#[tokio::test]
async fn every_numeric_parameter_of_every_route_is_bounded() {
    let (server, admin, api) = armed_server().await;
    let scim = scim_token(&server).await;
    for route in ROUTES.iter().filter(|route| !ends_the_session(route)) {
        let token = credentials(route, &admin, &api, &scim);
        let body =
            (route.method != axum::http::Method::GET && route.method != axum::http::Method::DELETE).then(|| json!({}));
        if has_id(route) {
            for bad in BAD_NUMBERS {
                let path = with_id(route, bad);
                let answer = call(&server, route, &path, token, body.as_ref()).await;
                assert_refused_by(route.surface, &answer, &format!("{} {path}", route.method));
            }
        }
        if route.method != axum::http::Method::GET || has_id(route) {
            continue;
        }
        for parameter in NUMERIC_PARAMETERS {
            for bad in BAD_NUMBERS {
                let path = format!("{}?{parameter}={bad}", route.path);
                let answer = call(&server, route, &path, token, None).await;
                let what = format!("GET {path}");
                assert!(!answer.status.is_server_error(), "{what}: {} {}", answer.status, answer.text);
                if answer.status.is_client_error() {
                    assert_refused_by(route.surface, &answer, &what);
                }
            }
        }
        // Beyond any page size's reach: the page number itself overflows the offset.
        for (page, size) in [("pagination[page]", "pagination[pageSize]"), ("page", "pageSize")] {
            let path = format!("{}?{page}=92233720368547760&{size}=100", route.path);
            let answer = call(&server, route, &path, token, None).await;
            assert!(!answer.status.is_server_error(), "GET {path}: {} {}", answer.status, answer.text);
        }
    }
}

#[tokio::test]
async fn pages_past_the_end_are_refused_or_empty_never_page_one() {
    let (server, admin, api) = armed_server().await;
    // The largest page is 1,000,000,000 at any page size, as the document says.
    for path in [
        "/api/users?pagination[page]=92233720368547760&pagination[pageSize]=100",
        "/api/users?pagination[page]=9223372036854775807",
        "/api/users?pagination[page]=1000000001&pagination[pageSize]=1",
        "/api/users?start=18446744073709551615",
    ] {
        assert_refused(&server.get(path, Some(&api)).await, path);
    }
    let deep = server.get("/api/users?pagination[page]=1000000000&pagination[pageSize]=100", Some(&api)).await;
    assert_eq!((deep.status, deep.json()), (StatusCode::OK, json!([])), "a deep page is empty");
    let deepest = server.get("/api/users?start=9223372036854775807&limit=100", Some(&api)).await;
    assert_eq!((deepest.status, deepest.json()), (StatusCode::OK, json!([])));

    for path in [
        "/admin/users?page=92233720368547760&pageSize=100",
        "/admin/users?page=18446744073709551616",
        "/admin/users?page=1000000001&pageSize=1",
        "/admin/users?pageSize=9223372036854775808",
    ] {
        assert_refused(&server.get(path, Some(&admin)).await, path);
    }
    let deep = server.get("/admin/users?page=1000000000&pageSize=100", Some(&admin)).await;
    assert_eq!(deep.status, StatusCode::OK, "{}", deep.text);
    let data = &deep.json()["data"];
    assert_eq!(data["results"], json!([]), "never page one's rows under a huge page number");
    assert_eq!(
        (data["pagination"]["page"].as_u64(), data["pagination"]["total"].as_u64()),
        (Some(1_000_000_000), Some(1))
    );
    for path in ["/api/v1/users?page=1000000001", "/api/v1/users?limit=9223372036854775808"] {
        assert_refused_by(&gatehouse::http::surface::V1, &server.get(path, Some(&api)).await, path);
    }
    let widest = server.get("/api/v1/users?limit=9223372036854775807", Some(&api)).await;
    assert_eq!(
        (widest.status, widest.json()["meta"]["limit"].as_u64()),
        (StatusCode::OK, Some(100)),
        "{}",
        widest.text
    );
}

/// What the OpenAPI document states of the query languages and bodies is what the parsers
/// hold to: a list under `$and`/`$or` is indexed, `withDeleted` is a boolean, a role named by
/// `{connect: [id]}` takes an integer id.
#[tokio::test]
async fn the_documented_shapes_are_the_parsed_shapes() {
    let (server, admin, api) = armed_server().await;
    for path in [
        "/api/users?filters[$and][first][username][$eq]=carol",
        "/api/users?filters[$or]=carol",
        "/api/users/count?filters[$or][x][username]=carol",
    ] {
        assert_refused(&server.get(path, Some(&api)).await, path);
    }
    let listed =
        server.get("/api/users?filters[$or][0][username]=carol&filters[$or][1][username]=nobody", Some(&api)).await;
    assert_eq!((listed.status, listed.json().as_array().map(Vec::len)), (StatusCode::OK, Some(1)), "{}", listed.text);
    for path in ["/admin/users?filters[$and][first][blocked]=false", "/admin/users/1?withDeleted=maybe"] {
        assert_refused(&server.get(path, Some(&admin)).await, path);
    }
    for path in ["/admin/users?filters[$and][0][blocked]=false", "/admin/users/1?withDeleted=false"] {
        let answer = server.get(path, Some(&admin)).await;
        assert_eq!(answer.status, StatusCode::OK, "{path}: {}", answer.text);
    }
    let carol = server.get("/api/users?filters[username][$eq]=carol", Some(&api)).await.json()[0]["id"].clone();
    let moved = server.put(&format!("/api/users/{carol}"), &json!({"role": {"connect": [1.5]}}), &api).await;
    assert_refused(&moved, "a fractional role id");
}

/// Credentials are checked before the body: a request without them is a 401 whatever its body
/// holds, even text the edge refuses.
#[tokio::test]
async fn a_request_without_credentials_is_unauthorized_before_its_body_is_judged() {
    let (server, _admin, _api) = armed_server().await;
    let request = server.client.put(server.url("/admin/users/1")).json(&json!({"firstname": "a\u{0}b"}));
    let answer = server.send(request).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{}", answer.text);
    let request = server.client.get(server.url("/admin/users?_q=a%00b"));
    assert_eq!(server.send(request).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn nul_in_any_body_string_of_any_writable_route_is_refused_and_writes_nothing() {
    let (server, admin, api) = armed_server().await;
    let scim = scim_token(&server).await;
    let carol =
        server.post("/api/auth/local", &json!({"identifier": "carol", "password": PASSWORD}), None).await.json()["jwt"]
            .as_str()
            .unwrap()
            .to_owned();
    let before = server.events().await.len();
    let writable = ROUTES
        .iter()
        .filter(|route| route.method == axum::http::Method::POST || route.method == axum::http::Method::PUT);
    for route in writable {
        let token = credentials(route, &admin, &api, &scim);
        let path = with_id(route, "1");
        for field in TEXT_FIELDS {
            let mut body = json!({"username": "dora", "email": "dora@example.com", "password": PASSWORD});
            body[field] = json!("bad\u{0}text");
            let mut answer = call(&server, route, &path, token, Some(&body)).await;
            if answer.status == StatusCode::UNAUTHORIZED {
                // End-user-only routes (logout, change-password) take an end user's JWT.
                answer = call(&server, route, &path, &carol, Some(&body)).await;
            }
            assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{} {path} {field}: {}", route.method, answer.text);
            assert_refused_by(route.surface, &answer, &format!("{} {path} {field}", route.method));
        }
        // Nested too: the permission tree of a role, the user info of an invite acceptance.
        let nested = json!({"userInfo": {"firstname": "a\u{0}"}, "permissions": {"x\u{0}": {}}});
        let mut answer = call(&server, route, &path, token, Some(&nested)).await;
        if answer.status == StatusCode::UNAUTHORIZED {
            answer = call(&server, route, &path, &carol, Some(&nested)).await;
        }
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{} {path} nested: {}", route.method, answer.text);
    }
    assert_eq!(server.events().await.len(), before, "nothing was written");
    let login = server.post("/api/auth/local", &json!({"identifier": "carol", "password": PASSWORD}), None).await;
    assert_eq!(login.status, StatusCode::OK, "the server is still well: {}", login.text);
}

#[tokio::test]
async fn nul_in_any_query_value_of_any_route_is_refused() {
    let (server, admin, api) = armed_server().await;
    let scim = scim_token(&server).await;
    let carol =
        server.post("/api/auth/local", &json!({"identifier": "carol", "password": PASSWORD}), None).await.json()["jwt"]
            .as_str()
            .unwrap()
            .to_owned();
    let before = server.events().await.len();
    for route in ROUTES.iter().filter(|route| !ends_the_session(route)) {
        let token = credentials(route, &admin, &api, &scim);
        let path = with_id(route, "1");
        for query in ["_q=a%00b", "filters[username][$eq]=car%00ol", "filters[email][$containsi]=%00", "x%00=1"] {
            let target = format!("{path}?{query}");
            let mut answer = call(&server, route, &target, token, None).await;
            if answer.status == StatusCode::UNAUTHORIZED {
                // End-user-only routes take an end user's JWT, checked before the query.
                answer = call(&server, route, &target, &carol, None).await;
            }
            assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{} {target}: {}", route.method, answer.text);
            assert_refused_by(route.surface, &answer, &target);
        }
    }
    assert_eq!(server.events().await.len(), before, "nothing was written");
}
