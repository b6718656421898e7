//! Webhooks over real HTTP with a real receiver on 127.0.0.1: the admin API, delivery in event
//! order with Standard Webhooks signatures (checked by Gatehouse's code and, when installed, by
//! the `standardwebhooks` Python package), retries driven by the injected clock, the refusal
//! of private targets, and nothing sent for a rolled-back change.

use crate::support::receiver::{verify_with_python, Received, Receiver};
use crate::support::{gatehouse_cli, TestServer};
use gatehouse_domain::webhooks::sign;
use gatehouse_domain::Secret;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;

/// Registers the first admin; returns its JWT.
async fn admin(server: &TestServer) -> String {
    let body = json!({"email": "ops@example.com", "password": "AdminPass123", "firstname": "Ops"});
    let answer = server.post("/admin/register-admin", &body, None).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    answer.json()["data"]["token"].as_str().unwrap().to_owned()
}

/// A server whose webhooks may target 127.0.0.1 (the receiver).
async fn server_allowing_loopback(manual_clock: bool) -> TestServer {
    let builder = TestServer::builder().with_config(|config| config.webhooks.allow_private_targets = true);
    if manual_clock {
        builder.with_manual_clock().spawn().await
    } else {
        builder.spawn().await
    }
}

/// Creates a webhook; returns its id and secret.
async fn create(server: &TestServer, jwt: &str, url: &str, events: Value) -> (i64, String) {
    let body = json!({"name": "receiver", "url": url, "events": events, "headers": {"X-Team": "ops"}});
    let answer = server.post("/admin/webhooks", &body, Some(jwt)).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
    let data = answer.json()["data"].clone();
    (data["id"].as_i64().unwrap(), data["secret"].as_str().unwrap().to_owned())
}

/// Checks a request's signature with Gatehouse's signer and, if installed, standardwebhooks.
fn assert_signed(secret: &str, received: &Received) {
    let timestamp: i64 = received.timestamp.parse().expect("numeric webhook-timestamp");
    assert_eq!(sign(&Secret::new(secret), &received.id, timestamp, &received.body), received.signature);
    if let Some(valid) = verify_with_python(secret, received) {
        assert!(valid, "standardwebhooks refused the signature of {}", received.id);
    }
}

async fn deliveries(server: &TestServer, jwt: &str, id: i64) -> Vec<Value> {
    let answer = server.get(&format!("/admin/webhooks/{id}/deliveries"), Some(jwt)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    answer.json()["data"].as_array().unwrap().clone()
}

/// Waits until the newest delivery of `id` has recorded `attempts` attempts.
async fn wait_for_attempts(server: &TestServer, jwt: &str, id: i64, attempts: i64) -> Value {
    for _ in 0..400 {
        let list = deliveries(server, jwt, id).await;
        if let Some(newest) = list.first().filter(|delivery| delivery["attempts"].as_i64() >= Some(attempts)) {
            return newest.clone();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no delivery reached {attempts} attempts: {:?}", deliveries(server, jwt, id).await);
}

#[tokio::test]
async fn admins_manage_webhooks_and_the_secret_is_shown_once() {
    let server = TestServer::spawn().await;
    let jwt = admin(&server).await;
    let (id, secret) = create(&server, &jwt, "https://hooks.example.com/in", json!(["user.created"])).await;
    assert!(secret.starts_with("whsec_"));

    let found = server.get(&format!("/admin/webhooks/{id}"), Some(&jwt)).await.json()["data"].clone();
    assert_eq!(found["url"], "https://hooks.example.com/in");
    assert_eq!(found["headers"], json!({"x-team": "ops"}));
    assert_eq!(found["enabled"], true);
    assert!(found.get("secret").is_none(), "the secret is never shown again");
    let listed = server.get("/admin/webhooks", Some(&jwt)).await;
    assert!(!listed.text.contains(&secret));

    let changed = server.put(&format!("/admin/webhooks/{id}"), &json!({"events": ["*"], "enabled": false}), &jwt).await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
    assert_eq!(
        (changed.json()["data"]["events"].clone(), changed.json()["data"]["enabled"].clone()),
        (json!(["*"]), json!(false))
    );

    let deleted = server.delete(&format!("/admin/webhooks/{id}"), &jwt).await;
    assert_eq!(deleted.status, StatusCode::OK);
    assert_eq!(server.get(&format!("/admin/webhooks/{id}"), Some(&jwt)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        server.post(&format!("/admin/webhooks/{id}/trigger"), &json!({}), Some(&jwt)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(server.get("/admin/webhooks", None).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn bad_webhook_input_is_a_400_in_the_admin_format() {
    let server = TestServer::spawn().await;
    let jwt = admin(&server).await;
    let good = json!({"name": "n", "url": "https://example.com/h", "events": ["*"]});
    let with = |key: &str, value: Value| {
        let mut body = good.clone();
        body[key] = value;
        body
    };
    for body in [
        with("url", json!("ftp://example.com/h")),
        with("url", json!(format!("https://example.com/{}", "a".repeat(2100)))),
        with("url", json!("not a url")),
        with("url", json!(42)),
        with("events", json!(["user.nope"])),
        with("events", json!([])),
        with("events", json!("user.created")),
        with("headers", json!({"Connection": "close"})),
        with("headers", json!({"webhook-id": "x"})),
        with("headers", json!({"X-Bad": 1})),
        with("headers", json!({"Bad Name": "x"})),
        with("headers", json!({"X-Ok": "line\r\nbreak"})),
        with("headers", json!(["x"])),
        with("enabled", json!("yes")),
        with("extra", json!(1)),
        json!({"url": "https://example.com/h", "events": ["*"]}),
    ] {
        let answer = server.post("/admin/webhooks", &body, Some(&jwt)).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{body}: {}", answer.text);
        answer.error();
    }
    assert_eq!(server.get("/admin/webhooks/abc", Some(&jwt)).await.status, StatusCode::BAD_REQUEST);
    assert_eq!(server.get("/admin/webhooks/1/deliveries?limit=0", Some(&jwt)).await.status, StatusCode::BAD_REQUEST);
    let (id, _) = create(&server, &jwt, "https://example.com/h", json!(["*"])).await;
    let path = format!("/admin/webhooks/{id}");
    for body in
        [json!({"url": "gopher://x"}), json!({"name": ""}), json!({"events": null}), json!({"headers": {"Host": "x"}})]
    {
        assert_eq!(server.put(&path, &body, &jwt).await.status, StatusCode::BAD_REQUEST, "{body}");
    }
    assert_eq!(server.put("/admin/webhooks/99", &json!({"name": "x"}), &jwt).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        server.post("/admin/webhooks/1/deliveries/99/resend", &json!({}), Some(&jwt)).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn user_lifecycle_events_arrive_in_order_signed() {
    let server = server_allowing_loopback(false).await;
    let receiver = Receiver::start(&[]).await;
    let jwt = admin(&server).await;
    // By name: the address the resolver gives (loopback, allowed here) is connected to.
    let by_name = receiver.url.replace("127.0.0.1", "localhost");
    let (_, secret) = create(&server, &jwt, &by_name, json!(["*"])).await;
    let already = server.events().await.len();
    let token = server.full_access().await;

    let (_, user) = server.register("carol").await;
    let id = user["id"].as_i64().unwrap();
    let path = format!("/api/users/{id}");
    assert_eq!(server.put(&path, &json!({"username": "carol2"}), &token).await.status, StatusCode::OK);
    assert_eq!(server.put(&path, &json!({"blocked": true}), &token).await.status, StatusCode::OK);
    assert_eq!(server.delete(&path, &token).await.status, StatusCode::OK);

    let emitted: Vec<_> = server.events().await.into_iter().skip(already).collect();
    let received = receiver.wait_for(emitted.len()).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let received_now = receiver.received();
    assert_eq!(received_now.len(), emitted.len(), "nothing is delivered twice");
    assert_eq!(
        received.iter().map(|r| r.id.clone()).collect::<Vec<_>>(),
        emitted.iter().map(|e| e.id.clone()).collect::<Vec<_>>(),
        "delivered in outbox order, webhook-id = event id"
    );
    let types: Vec<String> = received.iter().map(Received::event_type).collect();
    let position = |name: &str| types.iter().position(|t| t == name).unwrap_or_else(|| panic!("{name} in {types:?}"));
    assert!(position("user.created") < position("user.updated"));
    assert!(position("user.updated") < position("user.blocked"));
    assert!(position("user.blocked") < position("user.deleted"));
    for request in &received {
        assert_signed(&secret, request);
        assert_eq!(request.headers["x-team"], "ops");
        assert_eq!(request.headers["content-type"], "application/json");
        let body: Value = serde_json::from_str(&request.body).unwrap();
        assert!(body["timestamp"].is_string() && body["data"].is_object(), "{body}");
    }
}

#[tokio::test]
async fn a_failing_receiver_gets_the_same_event_until_it_answers_2xx() {
    let server = server_allowing_loopback(true).await;
    let receiver = Receiver::start(&[500, 500, 500]).await;
    let jwt = admin(&server).await;
    let (id, secret) = create(&server, &jwt, &receiver.url, json!(["user.deleted"])).await;

    let triggered = server.post(&format!("/admin/webhooks/{id}/trigger"), &json!({}), Some(&jwt)).await;
    assert_eq!(triggered.status, StatusCode::ACCEPTED, "{}", triggered.text);
    receiver.wait_for(1).await;
    // The schedule is 5 s, 30 s, 2 min, each ±10 %: move the clock past each in turn.
    for (attempts, advance) in [(1, 6), (2, 34), (3, 133)] {
        let pending = wait_for_attempts(&server, &jwt, id, attempts).await;
        assert_eq!(pending["status"], "pending", "{pending}");
        assert!(pending["nextAttemptAt"].is_string());
        server.clock().advance(Duration::from_secs(advance));
        receiver.wait_for(attempts as usize + 1).await;
    }
    let done = wait_for_attempts(&server, &jwt, id, 4).await;
    assert_eq!(done["status"], "succeeded", "{done}");
    assert_eq!(done["eventType"], "webhook.test");
    let history = done["history"].as_array().unwrap();
    let codes: Vec<_> = history.iter().map(|attempt| attempt["statusCode"].as_i64().unwrap()).collect();
    assert_eq!(codes, [200, 500, 500, 500]);
    assert!(history.iter().all(|attempt| attempt["durationMs"].is_i64()));
    assert_eq!(history[1]["error"], "HTTP 500");

    let received = receiver.received();
    assert_eq!(received.len(), 4);
    assert!(received.iter().all(|r| r.id == received[0].id), "the same webhook-id on every attempt");
    assert_eq!(received[0].id, done["eventId"]);
    for request in &received {
        assert_signed(&secret, request);
    }

    // A manual resend sends it once more.
    let resend = format!("/admin/webhooks/{id}/deliveries/{}/resend", done["id"]);
    assert_eq!(server.post(&resend, &json!({}), Some(&jwt)).await.status, StatusCode::ACCEPTED);
    assert_eq!(receiver.wait_for(5).await[4].id, received[0].id);
}

#[tokio::test]
async fn a_webhook_to_a_loopback_address_is_refused_by_default() {
    let server = TestServer::spawn().await;
    let receiver = Receiver::start(&[]).await;
    let jwt = admin(&server).await;
    let by_name = receiver.url.replace("127.0.0.1", "localhost");
    for url in [receiver.url.clone(), by_name] {
        let (id, _) = create(&server, &jwt, &url, json!(["user.created"])).await;
        server.post(&format!("/admin/webhooks/{id}/trigger"), &json!({}), Some(&jwt)).await;
        let attempt = wait_for_attempts(&server, &jwt, id, 1).await;
        let error = attempt["history"][0]["error"].as_str().unwrap_or_default().to_owned();
        assert!(error.contains("refused") && error.contains("loopback"), "{url}: {error}");
        assert_eq!(attempt["history"][0]["statusCode"], Value::Null);
    }
    assert!(receiver.received().is_empty(), "nothing reached the loopback receiver");
}

#[tokio::test]
async fn a_rolled_back_change_emits_nothing() {
    let server = server_allowing_loopback(false).await;
    let receiver = Receiver::start(&[]).await;
    let jwt = admin(&server).await;
    create(&server, &jwt, &receiver.url, json!(["user.created"])).await;
    server.register("dave").await;
    let taken = json!({"username": "dave", "email": "dave@example.com", "password": crate::support::PASSWORD});
    let refused = server.post("/api/auth/local/register", &taken, None).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    server.register("erin").await;

    let received = receiver.wait_for(2).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.received().len(), 2);
    let usernames: Vec<String> = received
        .iter()
        .map(|r| {
            serde_json::from_str::<Value>(&r.body).unwrap()["data"]["username"].as_str().unwrap_or_default().to_owned()
        })
        .collect();
    assert_eq!(usernames, ["dave", "erin"]);
}

#[tokio::test]
async fn metrics_show_webhook_outcomes_queue_depth_and_lag() {
    let server = server_allowing_loopback(false).await;
    let receiver = Receiver::start(&[]).await;
    let jwt = admin(&server).await;
    let (id, _) = create(&server, &jwt, &receiver.url, json!(["*"])).await;
    server.post(&format!("/admin/webhooks/{id}/trigger"), &json!({}), Some(&jwt)).await;
    receiver.wait_for(1).await;
    wait_for_attempts(&server, &jwt, id, 1).await;
    let metrics = server.get("/metrics", None).await.text;
    assert!(metrics.contains("gatehouse_webhook_deliveries_total{outcome=\"succeeded\"} 1"), "{metrics}");
    assert!(metrics.contains("gatehouse_webhook_queue_depth{state=\"retrying\"} 0"));
    assert!(metrics.contains("gatehouse_webhook_outbox_lag_seconds "));
}

/// Starts the real binary on `database_url` with webhooks allowed to reach 127.0.0.1 and a
/// 1 s timeout (so a claim left by a killed server is free again after 3 s).
async fn start_binary(database_url: &str) -> (tokio::process::Child, String) {
    use tokio::io::AsyncBufReadExt;
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_gatehouse"))
        .args(["serve", "--bind", "127.0.0.1:0", "--database-url", database_url])
        .env("GATEHOUSE_RATE_LIMIT__ENABLED", "false")
        .env("GATEHOUSE_AUTH__ARGON2__MEMORY_KIB", "64")
        .env("GATEHOUSE_AUTH__ARGON2__ITERATIONS", "1")
        .env("GATEHOUSE_WEBHOOKS__ALLOW_PRIVATE_TARGETS", "true")
        .env("GATEHOUSE_WEBHOOKS__TIMEOUT", "1s")
        .env("GATEHOUSE_LOG__LEVEL", "warn")
        .env_remove("GATEHOUSE_CONFIG")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("the gatehouse binary starts");
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line()).await.unwrap().unwrap().unwrap();
    (child, line.strip_prefix("listening on ").expect("the listening line").to_owned())
}

/// `gatehouse webhook ARGS --database-url URL`: (success, stdout, stderr).
async fn webhook_cli(database_url: &str, args: &[&str]) -> (bool, String, String) {
    let output = gatehouse_cli(database_url, &[&["webhook"], args].concat()).await;
    (output.ok, output.stdout, output.stderr)
}

#[tokio::test]
async fn an_event_whose_server_was_killed_mid_delivery_is_delivered_after_restart() {
    let db = gatehouse_testkit::TestDb::new().await;
    // The first request never gets an answer: the server is killed while it waits.
    let receiver = Receiver::start(&[0]).await;
    let (mut child, base) = start_binary(db.url()).await;
    let (created, secret, _) =
        webhook_cli(db.url(), &["create", "--name", "crm", "--url", &receiver.url, "--events", "user.created"]).await;
    assert!(created && secret.trim().starts_with("whsec_"), "{secret}");
    let (listed, rows, _) = webhook_cli(db.url(), &["list"]).await;
    assert!(listed && rows.contains("crm") && !rows.contains("whsec_"), "{rows}");
    let id = rows.split('\t').next().unwrap().trim().to_owned();

    let client = reqwest::Client::new();
    let body = json!({"username": "kim", "email": "kim@example.com", "password": crate::support::PASSWORD});
    let registered = client.post(format!("{base}/api/auth/local/register")).json(&body).send().await.unwrap();
    assert_eq!(registered.status(), StatusCode::OK, "the change committed");
    let first = receiver.wait_for(1).await;
    child.start_kill().expect("SIGKILL");
    child.wait().await.unwrap();

    let (mut restarted, _) = start_binary(db.url()).await;
    let received = receiver.wait_for(2).await;
    assert_eq!(received[1].id, first[0].id, "the same event, by id");
    assert_eq!(received[1].event_type(), "user.created");
    assert_signed(secret.trim(), &received[1]);

    let mut shown = String::new();
    for _ in 0..100 {
        shown = webhook_cli(db.url(), &["deliveries", &id]).await.1;
        if shown.contains("succeeded") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(shown.contains(&first[0].id) && shown.contains("succeeded"), "{shown}");
    restarted.start_kill().unwrap();
    let (deleted, out, _) = webhook_cli(db.url(), &["delete", &id]).await;
    assert!(deleted && out.starts_with("deleted"), "{out}");
    let (refused, _, error) =
        webhook_cli(db.url(), &["create", "--name", "x", "--url", "ftp://x", "--events", "*"]).await;
    assert!(!refused && error.contains("url"), "{error}");
}

#[tokio::test]
async fn a_thousand_events_to_an_unreliable_receiver_are_each_delivered_once() {
    let server = TestServer::builder()
        .with_config(|config| {
            config.webhooks.allow_private_targets = true;
            config.webhooks.timeout = gatehouse::config::DurationText(Duration::from_secs(1));
        })
        .with_manual_clock()
        .spawn()
        .await;
    // 15 % answered 500, 1 % never answered (timed out after 1 s), the rest 200.
    let receiver = Receiver::start_unreliable(15, 1).await;
    let jwt = admin(&server).await;
    create(&server, &jwt, &receiver.url, json!(["user.updated"])).await;

    let store = server.domain().store();
    let mut emitted = Vec::new();
    for batch in 0..10 {
        let mut tx = store.begin().await.unwrap();
        for n in 0..100 {
            let data = json!({"n": batch * 100 + n});
            let event = gatehouse_domain::events::DomainEvent::new(
                gatehouse_domain::events::EventType::UserUpdated,
                gatehouse_domain::events::Actor::System,
                server.domain().now(),
                data,
            );
            tx.insert_event(&event).await.unwrap();
            emitted.push(event.id);
        }
        tx.commit().await.unwrap();
    }

    // Retries come due as the clock moves on; the real time spent is the sending itself.
    let started = std::time::Instant::now();
    let mut done = std::collections::BTreeSet::new();
    while done.len() < emitted.len() && started.elapsed() < Duration::from_secs(120) {
        tokio::time::sleep(Duration::from_millis(100)).await;
        server.clock().advance(Duration::from_secs(600));
        done = receiver.succeeded().into_iter().collect();
    }
    let succeeded = receiver.succeeded();
    assert_eq!(done, emitted.iter().cloned().collect(), "every event got a 2xx");
    assert_eq!(succeeded.len(), emitted.len(), "none was delivered again after its 2xx");
    let first_attempts: Vec<String> = {
        let mut seen = std::collections::HashSet::new();
        receiver.received().into_iter().map(|r| r.id).filter(|id| seen.insert(id.clone())).collect()
    };
    assert_eq!(first_attempts, emitted, "first attempts in event order");
    eprintln!(
        "1000 events, {} requests, delivered in {:.1} s",
        receiver.received().len(),
        started.elapsed().as_secs_f64()
    );
}

#[tokio::test]
async fn a_hanging_endpoint_does_not_delay_another() {
    let server = TestServer::builder()
        .with_config(|config| {
            config.webhooks.allow_private_targets = true;
            config.webhooks.timeout = gatehouse::config::DurationText(Duration::from_secs(10));
        })
        .spawn()
        .await;
    let stuck = Receiver::start_unreliable(0, 100).await;
    let healthy = Receiver::start(&[]).await;
    let jwt = admin(&server).await;
    create(&server, &jwt, &stuck.url, json!(["user.created"])).await;
    create(&server, &jwt, &healthy.url, json!(["user.created"])).await;

    let started = std::time::Instant::now();
    for name in ["user1", "user2", "user3", "user4", "user5"] {
        server.register(name).await;
    }
    let received = healthy.wait_for(5).await;
    assert!(started.elapsed() < Duration::from_secs(5), "the healthy endpoint waited for the stuck one");
    assert_eq!(received.len(), 5);
    assert_eq!(stuck.received().len(), 1, "the stuck endpoint holds its first event; the next ones wait in order");
}
