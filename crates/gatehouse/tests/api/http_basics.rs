//! What every request gets: error envelopes for framework failures, request ids, limits, and
//! the operations endpoints.

use crate::support::{TestServer, PASSWORD};
use gatehouse::http::routes::ROUTES;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::BTreeSet;

#[tokio::test]
async fn unknown_routes_are_404_in_the_strapi_envelope() {
    let server = TestServer::spawn().await;
    let answer = server.get("/api/nothing-here", None).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert_eq!(answer.error(), ("NotFoundError".into(), "Not Found".into()));
}

#[tokio::test]
async fn a_wrong_method_is_405_with_allow() {
    let server = TestServer::spawn().await;
    let answer = server.send(server.client.delete(server.url("/api/users/me"))).await;
    assert_eq!(answer.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(answer.error().0, "MethodNotAllowedError");
    let allow = answer.headers["allow"].to_str().unwrap();
    assert!(allow.contains("GET"), "{allow}");
    let answer = server.send(server.client.get(server.url("/api/auth/local"))).await;
    assert_eq!(answer.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(answer.headers["allow"], "POST");
}

#[tokio::test]
async fn malformed_json_is_a_400_syntax_error() {
    let server = TestServer::spawn().await;
    let request = server
        .client
        .post(server.url("/api/auth/local/register"))
        .header("content-type", "application/json")
        .body("{not json");
    let answer = server.send(request).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.error().0, "SyntaxError");
    assert!(answer.json()["error"].get("details").is_none(), "as Strapi, no details");

    let array = server.post("/api/auth/local", &json!([1, 2]), None).await;
    assert_eq!(array.status, StatusCode::BAD_REQUEST);
    let not_json = server
        .send(server.client.post(server.url("/api/auth/local")).header("content-type", "text/plain").body("hi"))
        .await;
    assert_eq!(not_json.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(not_json.error().0, "UnsupportedMediaTypeError");
}

#[tokio::test]
async fn oversized_bodies_are_413() {
    let server = TestServer::spawn().await;
    let huge = json!({"identifier": "x".repeat(70 * 1024), "password": PASSWORD});
    let answer = server.post("/api/auth/local", &huge, None).await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(answer.error().0, "PayloadTooLargeError");

    let roomy = TestServer::builder().with_config(|config| config.server.body_limit.0 = 256 * 1024).spawn().await;
    let answer = roomy.post("/api/auth/local", &huge, None).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "within a raised limit the body is read");
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let server = TestServer::spawn().await;
    let generated = server.get("/_health", None).await;
    assert!(!generated.headers["x-request-id"].is_empty());
    let given = server.send(server.client.get(server.url("/api/nothing")).header("x-request-id", "trace-me-42")).await;
    assert_eq!(given.headers["x-request-id"], "trace-me-42");
}

#[tokio::test]
async fn health_readiness_and_metrics_answer() {
    let server = TestServer::spawn().await;
    let health = server.get("/_health", None).await;
    assert_eq!(health.status, StatusCode::NO_CONTENT);
    let ready = server.get("/readyz", None).await;
    assert_eq!((ready.status, ready.json()), (StatusCode::OK, json!({"status": "ok"})));

    server.register("counted").await;
    server.post("/api/auth/local", &json!({"identifier": "counted", "password": PASSWORD}), None).await;
    server.post("/api/auth/local", &json!({"identifier": "counted", "password": "wrong-password"}), None).await;
    let metrics = server.get("/metrics", None).await;
    assert_eq!(metrics.status, StatusCode::OK);
    assert!(metrics.headers["content-type"].to_str().unwrap().starts_with("text/plain"));
    for line in [
        "gatehouse_logins_total{outcome=\"success\"} 1",
        "gatehouse_logins_total{outcome=\"failure\"} 1",
        "gatehouse_http_requests_total{route=\"register\",status=\"200\"} 1",
        "gatehouse_hash_queue_depth 0",
    ] {
        assert!(metrics.text.contains(line), "missing {line:?} in\n{}", metrics.text);
    }
    assert!(metrics
        .text
        .contains("gatehouse_http_request_duration_seconds_bucket{route=\"login\",status=\"400\",le=\"+Inf\"} 1"));
}

#[tokio::test]
async fn the_openapi_document_lists_exactly_the_route_table() {
    // Features off by default switched on, so every route of the table is served.
    let server = TestServer::builder().with_config(|config| config.admin.access_requests.enabled = true).spawn().await;
    let answer = server.get("/openapi.json", None).await;
    assert_eq!(answer.status, StatusCode::OK);
    let document = answer.json();
    assert!(document["openapi"].as_str().unwrap().starts_with("3.1"));
    let mut documented = BTreeSet::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            documented.insert((
                method.to_uppercase(),
                path.clone(),
                operation["operationId"].as_str().unwrap().to_owned(),
            ));
        }
    }
    let routed: BTreeSet<(String, String, String)> =
        ROUTES.iter().map(|route| (route.method.to_string(), route.path.to_owned(), route.name.to_owned())).collect();
    assert_eq!(documented, routed);
    assert_eq!(document["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    let me: &Value = &document["paths"]["/api/users/me"]["get"];
    assert!(me["responses"].get("401").is_some() && me["responses"].get("403").is_some());
}

#[tokio::test]
async fn each_operation_names_its_realms_credentials_and_the_answers_its_row_implies() {
    let server = TestServer::spawn().await;
    let document = server.get("/openapi.json", None).await.json();
    let paths = &document["paths"];
    let schemes = &document["components"]["securitySchemes"];
    for name in ["endUserJwt", "apiToken", "adminJwt", "refreshCookie", "adminRefreshCookie"] {
        assert!(schemes.get(name).is_some(), "no {name} scheme");
    }
    assert_eq!(paths["/api/users/me"]["get"]["security"], json!([{"endUserJwt": []}]));
    assert_eq!(paths["/api/users"]["get"]["security"], json!([{}, {"endUserJwt": []}, {"apiToken": []}]));
    assert_eq!(paths["/admin/users"]["get"]["security"], json!([{"adminJwt": []}]));
    assert_eq!(paths["/admin/login"]["post"]["security"], json!([{}]));
    assert_eq!(paths["/admin/access-token"]["post"]["security"], json!([{"adminRefreshCookie": []}]));
    // 429 where the route's class is limited; never on the operations endpoints.
    assert!(paths["/api/auth/local"]["post"]["responses"].get("429").is_some());
    assert!(paths["/admin/users"]["get"]["responses"].get("429").is_some());
    assert!(paths["/_health"]["get"]["responses"].get("429").is_none());
    // Every JSON body is a named schema, and can be refused as too large or not JSON.
    for (path, item) in paths.as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let Some(body) = operation.get("requestBody") else { continue };
            let schema = &body["content"]["application/json"]["schema"];
            assert!(schema["$ref"].is_string(), "{method} {path} has an unnamed body schema: {schema}");
            for status in ["400", "413", "415"] {
                assert!(operation["responses"].get(status).is_some(), "{method} {path} lacks {status}");
            }
        }
    }
    let register = &document["components"]["schemas"]["RegisterRequest"];
    assert_eq!(register["additionalProperties"], false);
    assert_eq!(register["properties"]["email"]["format"], "email");
    assert_eq!(register["properties"]["password"]["minLength"], 8);
    let token = &document["components"]["schemas"]["CreateApiTokenRequest"];
    assert!(token["required"].as_array().unwrap().contains(&json!("type")));
    // The stateful flows are linked.
    let created = &paths["/api/users"]["post"]["responses"]["201"]["links"];
    assert_eq!(created["find_user"]["operationId"], "find_user");
    assert_eq!(created["find_user"]["parameters"]["id"], "$response.body#/id");
    assert_eq!(paths["/api/auth/local/register"]["post"]["responses"]["200"]["links"]["me"]["operationId"], "find_me");
}

#[tokio::test]
async fn the_docs_page_renders_the_document_from_the_binary_alone() {
    let server = TestServer::spawn().await;
    let page = server.get("/docs", None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.headers["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(page.text.contains("/openapi.json"));
    // No other host: no absolute or protocol-relative URL anywhere in the page.
    assert!(!page.text.contains("://") && !page.text.contains("\"//"), "{}", page.text);
    let script = server.get("/docs/swagger-ui-bundle.js", None).await;
    assert_eq!(script.status, StatusCode::OK);
    assert!(script.headers["content-type"].to_str().unwrap().contains("javascript"));
    assert!(script.text.contains("SwaggerUIBundle"));
    let style = server.get("/docs/swagger-ui.css", None).await;
    assert_eq!(style.status, StatusCode::OK);
    assert!(style.headers["content-type"].to_str().unwrap().starts_with("text/css"));
    assert_eq!(server.get("/docs/nothing.js", None).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_full_hash_queue_answers_503_with_retry_after() {
    // One hashing thread, one waiting slot, and hashes slow enough to pile up.
    let server = TestServer::builder()
        .with_config(|config| {
            config.auth.hash_pool_size = Some(1);
            config.auth.hash_queue = 1;
            config.auth.argon2.memory_kib = 8 * 1024;
            config.auth.argon2.iterations = 4;
        })
        .spawn()
        .await;
    let attempts: Vec<_> = (0..12)
        .map(|n| {
            let request = server
                .client
                .post(server.url("/api/auth/local"))
                .json(&json!({"identifier": format!("nobody{n}"), "password": PASSWORD}));
            tokio::spawn(async move {
                let response = request.send().await.unwrap();
                (response.status(), response.headers().get("retry-after").cloned())
            })
        })
        .collect();
    let mut unavailable = 0;
    for attempt in attempts {
        let (status, retry_after) = attempt.await.unwrap();
        assert!(status == StatusCode::BAD_REQUEST || status == StatusCode::SERVICE_UNAVAILABLE, "{status}");
        if status == StatusCode::SERVICE_UNAVAILABLE {
            unavailable += 1;
            assert_eq!(retry_after.unwrap(), "1");
        }
    }
    assert!(unavailable > 0, "a saturated pool refuses instead of queueing without bound");
}

/// Log output collected in memory.
#[derive(Clone, Default)]
struct CapturedLog(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for CapturedLog {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl CapturedLog {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

// A current-thread runtime: the server's tasks log on this thread, into this test's subscriber.
#[tokio::test(flavor = "current_thread")]
async fn every_request_leaves_one_access_line_and_routes_are_counted_by_name() {
    let log = CapturedLog::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_max_level(tracing::Level::INFO)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let server = TestServer::spawn().await;

    let refused = server.post("/api/auth/local", &json!({"identifier": "nobody", "password": "x"}), None).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    let secret = server.get("/api/users?filters[email][$eq]=secret%40example.com", None).await;
    assert_eq!(secret.status, StatusCode::FORBIDDEN);
    let not_allowed = server.send(server.client.patch(server.url("/api/users"))).await;
    assert_eq!(not_allowed.status, StatusCode::METHOD_NOT_ALLOWED);
    server.get("/nowhere", None).await;

    let text = log.text();
    let access: Vec<Value> = text
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|line| line["fields"]["message"] == "request answered")
        .collect();
    assert_eq!(access.len(), 4, "one line per request, 4xx included:\n{text}");
    let fields = &access[0]["fields"];
    assert_eq!(access[0]["level"], "INFO");
    assert_eq!((fields["http.method"].as_str(), fields["http.path"].as_str()), (Some("POST"), Some("/api/auth/local")));
    assert_eq!((fields["http.status"].as_u64(), fields["route.name"].as_str()), (Some(400), Some("login")));
    assert!(fields["duration_ms"].is_number() && fields["request.id"].as_str().is_some_and(|id| id.len() == 36));
    assert_eq!(access[1]["fields"]["http.path"], "/api/users", "no query string in the log");
    assert!(!text.contains("secret"), "query values never reach the log");
    assert_eq!(
        (access[2]["fields"]["http.status"].as_u64(), access[2]["fields"]["route.name"].as_str()),
        (Some(405), Some("list_users"))
    );
    assert_eq!(access[3]["fields"]["route.name"], "unmatched");

    let metrics = server.get("/metrics", None).await.text;
    for line in [
        "gatehouse_http_requests_total{route=\"list_users\",status=\"405\"} 1",
        "gatehouse_http_requests_total{route=\"unmatched\",status=\"404\"} 1",
    ] {
        assert!(metrics.contains(line), "missing {line:?} in\n{metrics}");
    }
}
