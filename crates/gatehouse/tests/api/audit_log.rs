//! The audit log over real HTTP: who did what from where, failed logins, the filters and
//! paging of `GET /admin/audit-logs`, who may read it, and retention.

use crate::support::{gatehouse_cli_ok, Answer, TestServer, PASSWORD};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;

const ADMIN_PASSWORD: &str = "AdminPass123";

async fn first_admin(server: &TestServer) -> String {
    let answer = server
        .post(
            "/admin/register-admin",
            &json!({"email": "ada@example.com", "password": ADMIN_PASSWORD, "firstname": "Ada"}),
            None,
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    answer.json()["data"]["token"].as_str().unwrap().to_owned()
}

async fn audit(server: &TestServer, jwt: &str, query: &str) -> Answer {
    server.get(&format!("/admin/audit-logs{query}"), Some(jwt)).await
}

/// The rows of a successful listing.
async fn rows(server: &TestServer, jwt: &str, query: &str) -> Vec<Value> {
    let answer = audit(server, jwt, query).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    answer.json()["data"]["results"].as_array().unwrap().clone()
}

/// An admin blocks `user` through `/api/v1` from a client naming itself `agent`, with
/// optional extra headers.
async fn block(server: &TestServer, jwt: &str, user: &Value, forwarded_for: Option<&str>) {
    let path = format!("/api/v1/users/usr_{}", user["id"]);
    let mut request = server
        .client
        .put(server.url(&path))
        .bearer_auth(jwt)
        .header("user-agent", "AuditTest/1.0")
        .json(&json!({"status": "inactive"}));
    if let Some(address) = forwarded_for {
        request = request.header("x-forwarded-for", address);
    }
    let answer = server.send(request).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
}

#[tokio::test]
async fn the_log_shows_which_admin_blocked_a_user_from_where() {
    let server = TestServer::spawn().await;
    let jwt = first_admin(&server).await;
    let (_, user) = server.register("blockee").await;
    block(&server, &jwt, &user, Some("203.0.113.7")).await;

    let blocked = rows(&server, &jwt, "?action=user.blocked").await;
    assert_eq!(blocked.len(), 1, "{blocked:?}");
    let row = &blocked[0];
    assert_eq!(row["actor"]["type"], "admin");
    assert_eq!(row["actor"]["label"], "ada@example.com");
    assert_eq!(row["subject"], json!({"type": "user", "id": user["id"].to_string()}));
    assert_eq!(row["ip"], "127.0.0.1", "no trusted proxy: the forwarded header proves nothing");
    assert_eq!(row["userAgent"], "AuditTest/1.0");
    assert_eq!(row["outcome"], "success");
    assert!(row["eventId"].as_str().unwrap().starts_with("evt_"));
    let revoked = rows(&server, &jwt, "?action=session.revoked").await;
    assert_eq!(revoked.len(), 1, "the user's session ended, audited too");
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_forwarded_client_is_recorded() {
    let server = TestServer::builder()
        .with_config(|config| config.server.trusted_proxies = vec!["127.0.0.1".into()])
        .spawn()
        .await;
    let jwt = first_admin(&server).await;
    let (_, user) = server.register("proxied").await;
    block(&server, &jwt, &user, Some("203.0.113.7")).await;
    let blocked = rows(&server, &jwt, "?action=user.blocked").await;
    assert_eq!(blocked[0]["ip"], "203.0.113.7");
}

#[tokio::test]
async fn a_failed_admin_login_is_logged_as_a_failure_without_the_email_or_password() {
    let server = TestServer::spawn().await;
    let jwt = first_admin(&server).await;
    let refused =
        server.post("/admin/login", &json!({"email": "ada@example.com", "password": "Wr0ngPass!!"}), None).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    let failed = rows(&server, &jwt, "?action=admin.login_failed").await;
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["outcome"], "failure");
    assert_eq!(failed[0]["actor"]["type"], "anonymous");
    let hash = gatehouse_domain::crypto::token::sha256_hex("ada@example.com");
    assert_eq!(failed[0]["subject"], json!({"type": "identifier", "id": hash}));
    assert_eq!(failed[0]["ip"], "127.0.0.1");
    let everything = audit(&server, &jwt, "?pageSize=100").await.text;
    assert!(!everything.contains("Wr0ngPass!!"), "no password in the log");

    let end_user =
        server.post("/api/auth/local", &json!({"identifier": "nobody", "password": "Wr0ngPass!!"}), None).await;
    assert_eq!(end_user.status, StatusCode::BAD_REQUEST);
    let failed = rows(&server, &jwt, "?action=user.login_failed").await;
    assert_eq!(failed.len(), 1);
    assert_eq!(
        (failed[0]["outcome"].as_str(), failed[0]["subject"]["type"].as_str()),
        (Some("failure"), Some("identifier"))
    );
}

#[tokio::test]
async fn filters_and_pages_read_newest_first() {
    let server = TestServer::spawn().await;
    let jwt = first_admin(&server).await;
    for name in ["one", "two", "three"] {
        let (_, user) = server.register(name).await;
        block(&server, &jwt, &user, None).await;
    }
    let first = audit(&server, &jwt, "?action=user.blocked&pageSize=2").await.json();
    assert_eq!(first["data"]["pagination"], json!({"page": 1, "pageSize": 2, "pageCount": 2, "total": 3}));
    let ids: Vec<i64> =
        first["data"]["results"].as_array().unwrap().iter().map(|row| row["id"].as_i64().unwrap()).collect();
    assert!(ids[0] > ids[1], "newest first: {ids:?}");
    let second = rows(&server, &jwt, "?action=user.blocked&pageSize=2&page=2").await;
    assert_eq!(second.len(), 1);

    let admin_id = first["data"]["results"][0]["actor"]["id"].as_i64().unwrap();
    assert_eq!(rows(&server, &jwt, &format!("?actor=admin:{admin_id}&action=user.blocked")).await.len(), 3);
    assert_eq!(rows(&server, &jwt, "?actor=ada@example.com&action=user.blocked").await.len(), 3);
    assert_eq!(rows(&server, &jwt, "?actor=admin:999999").await.len(), 0);
    let subject = first["data"]["results"][0]["subject"]["id"].as_str().unwrap().to_owned();
    let about = rows(&server, &jwt, &format!("?subject=user:{subject}")).await;
    assert!(about.iter().all(|row| row["subject"]["id"] == subject.as_str()) && !about.is_empty());
    assert_eq!(rows(&server, &jwt, "?from=2000-01-01T00:00:00Z&to=2000-12-31T00:00:00Z").await.len(), 0);
    assert_eq!(rows(&server, &jwt, "?from=2000-01-01T00:00:00%2B02:00&action=user.blocked").await.len(), 3);
    assert_eq!(rows(&server, &jwt, "?to=2999-01-01T00:00:00Z&action=user.blocked").await.len(), 3);
}

#[tokio::test]
async fn bad_filters_are_400_in_the_admin_format() {
    let server = TestServer::spawn().await;
    let jwt = first_admin(&server).await;
    for query in [
        "?from=yesterday",
        "?to=2026-02-30T00:00:00Z",
        "?page=0",
        "?pageSize=-1",
        "?actor=admin:abc",
        "?subject=:3",
        "?sort=id",
        "?action=",
        "?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z",
        "?action[$eq]=x",
    ] {
        let answer = audit(&server, &jwt, query).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{query}: {}", answer.text);
        let (name, _) = answer.error();
        assert!(name == "ValidationError" || name == "BadRequestError", "{query}: {}", answer.text);
    }
}

#[tokio::test]
async fn only_admins_holding_the_action_read_the_log() {
    let server = TestServer::spawn().await;
    let jwt = first_admin(&server).await;
    assert_eq!(server.get("/admin/audit-logs", None).await.status, StatusCode::UNAUTHORIZED);
    let (user_jwt, _) = server.register("nosy").await;
    assert_eq!(server.get("/admin/audit-logs", Some(&user_jwt)).await.status, StatusCode::UNAUTHORIZED);
    let token = server.full_access().await;
    assert_eq!(server.get("/admin/audit-logs", Some(&token)).await.status, StatusCode::UNAUTHORIZED);

    let roles = server.get("/admin/roles", Some(&jwt)).await.json();
    let author = roles["data"].as_array().unwrap().iter().find(|role| role["code"] == "strapi-author").unwrap()["id"]
        .as_i64()
        .unwrap();
    let invited = server
        .post("/admin/users", &json!({"email": "au@example.com", "firstname": "Au", "roles": [author]}), Some(&jwt))
        .await;
    let registration = invited.json()["data"]["registrationToken"].as_str().unwrap().to_owned();
    let registered = server
        .post(
            "/admin/register",
            &json!({"registrationToken": registration, "userInfo": {"firstname": "Au", "password": "AuthorPass1"}}),
            None,
        )
        .await;
    assert_eq!(registered.status, StatusCode::OK, "{}", registered.text);
    let author_jwt = registered.json()["data"]["token"].as_str().unwrap().to_owned();
    assert_eq!(server.get("/admin/audit-logs", Some(&author_jwt)).await.status, StatusCode::FORBIDDEN);
    assert_eq!(server.get("/admin/audit-logs", Some(&jwt)).await.status, StatusCode::OK);
    let refused = rows(&server, &jwt, "?action=admin::audit-logs.read").await;
    assert_eq!(refused.len(), 1, "the refused admin is audited, the allowed read is not");
    assert_eq!(
        (refused[0]["outcome"].as_str(), refused[0]["actor"]["label"].as_str()),
        (Some("failure"), Some("au@example.com"))
    );
}

#[tokio::test]
async fn end_user_security_events_are_audited_and_plain_reads_are_not() {
    let server = TestServer::spawn().await;
    let jwt = first_admin(&server).await;
    let (user_jwt, _) = server.register("careful").await;
    let changed = server
        .post(
            "/api/auth/change-password",
            &json!({"currentPassword": PASSWORD, "password": "N3wPassword!", "passwordConfirmation": "N3wPassword!"}),
            Some(&user_jwt),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
    let actions: Vec<String> = rows(&server, &jwt, "?actor=careful@example.com&pageSize=100")
        .await
        .iter()
        .map(|row| row["action"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        actions,
        ["user.password_changed", "user.logged_in"],
        "newest first; user.created is not a security event"
    );
}

#[tokio::test]
async fn retention_prunes_rows_older_than_the_configured_age() {
    let server = TestServer::builder().with_manual_clock().spawn().await;
    let jwt = first_admin(&server).await;
    let (_, user) = server.register("old").await;
    block(&server, &jwt, &user, None).await;
    assert_eq!(rows(&server, &jwt, "?action=user.blocked").await.len(), 1);
    server.clock().advance(Duration::from_secs(91 * 86_400));
    let (_, user) = server.register("new").await;
    // The admin's session outlived the clock jump only if it were remembered: log in again.
    let login =
        server.post("/admin/login", &json!({"email": "ada@example.com", "password": ADMIN_PASSWORD}), None).await;
    let jwt = login.json()["data"]["token"].as_str().unwrap().to_owned();
    block(&server, &jwt, &user, None).await;
    let pruned = server.domain().prune_audit_log(Duration::from_secs(90 * 86_400)).await.unwrap();
    assert!(pruned >= 2, "the first block and its session row went: {pruned}");
    let left = rows(&server, &jwt, "?action=user.blocked").await;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["subject"]["id"], user["id"].to_string());
}

#[tokio::test]
async fn the_cli_tails_the_log_and_follows_new_rows() {
    use tokio::io::{AsyncBufReadExt, BufReader};
    let db = gatehouse_testkit::TestDb::new().await;
    let server = TestServer::builder().on_database(db.url()).spawn().await;
    let jwt = first_admin(&server).await;
    let (_, user) = server.register("tailed").await;
    block(&server, &jwt, &user, None).await;

    let stdout = gatehouse_cli_ok(db.url(), &["audit", "tail", "--limit", "2"]).await;
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert!(
        lines[0].contains("\tuser.blocked\t") && lines[1].contains("\tsession.revoked\t"),
        "oldest first: {stdout}"
    );
    assert!(
        lines[0].contains("(ada@example.com)") && lines[0].contains("\t127.0.0.1\tAuditTest/1.0\tsuccess"),
        "{stdout}"
    );

    let mut follower = tokio::process::Command::new(env!("CARGO_BIN_EXE_gatehouse"))
        .args(["audit", "tail", "--follow", "--limit", "1", "--database-url", db.url()])
        .env_remove("GATEHOUSE_CONFIG")
        .env("GATEHOUSE_LOG__LEVEL", "warn")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(follower.stdout.take().unwrap()).lines();
    let first = tokio::time::timeout(Duration::from_secs(20), lines.next_line()).await.unwrap().unwrap().unwrap();
    assert!(first.contains("\tsession.revoked\t"), "{first}");
    let refused =
        server.post("/admin/login", &json!({"email": "ada@example.com", "password": "Wr0ngPass!!"}), None).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    let next = tokio::time::timeout(Duration::from_secs(20), lines.next_line()).await.unwrap().unwrap().unwrap();
    assert!(next.contains("\tadmin.login_failed\tidentifier:") && next.ends_with("\tfailure"), "{next}");
    follower.kill().await.unwrap();
}

#[tokio::test]
async fn token_and_role_changes_by_an_admin_or_the_cli_are_audited_with_their_subject() {
    let server = TestServer::spawn().await;
    let jwt = first_admin(&server).await;
    let created = server.post("/admin/api-tokens", &json!({"name": "ci", "type": "read-only"}), Some(&jwt)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let id = created.json()["data"]["id"].as_i64().unwrap();
    let secret = created.json()["data"]["accessKey"].as_str().unwrap().to_owned();
    let role = server.post("/users-permissions/roles", &json!({"name": "Auditors"}), Some(&jwt)).await;
    assert_eq!(role.status, StatusCode::OK, "{}", role.text);
    let (cli_token, _) = server.api_token("read-only", &[], None).await;

    let tokens = rows(&server, &jwt, "?action=api_token.created").await;
    assert_eq!(tokens.len(), 2);
    assert_eq!(tokens[0]["subject"], json!({"type": "api_token", "id": cli_token.to_string()}));
    assert_eq!(tokens[0]["actor"], json!({"type": "system", "id": null, "label": "cli"}));
    assert_eq!(tokens[0]["ip"], Value::Null);
    assert_eq!(tokens[1]["subject"], json!({"type": "api_token", "id": id.to_string()}));
    assert_eq!(tokens[1]["actor"]["label"], "ada@example.com");
    let roles = rows(&server, &jwt, "?action=role.created").await;
    assert_eq!(roles.len(), 1);
    assert_eq!(roles[0]["subject"]["type"], "role");
    let everything = audit(&server, &jwt, "?pageSize=100").await.text;
    assert!(!everything.contains(&secret), "no token secret in the audit log");
    let logins = rows(&server, &jwt, "?action=admin.logged_in").await;
    assert_eq!(logins.len(), 1, "registering the first admin logged it in");
    assert_eq!(logins[0]["subject"]["type"], "admin");
}

#[tokio::test]
async fn a_refused_change_leaves_no_audit_row() {
    let server = TestServer::spawn().await;
    let jwt = first_admin(&server).await;
    server.register("first").await;
    let (_, second) = server.register("second").await;
    let before = audit(&server, &jwt, "").await.json()["data"]["pagination"]["total"].clone();
    let path = format!("/api/v1/users/usr_{}", second["id"]);
    let conflict = server.put(&path, &json!({"email": "first@example.com", "status": "inactive"}), &jwt).await;
    assert_eq!(conflict.status, StatusCode::CONFLICT, "{}", conflict.text);
    let after = audit(&server, &jwt, "").await.json()["data"]["pagination"]["total"].clone();
    assert_eq!(before, after, "the rolled-back block wrote no audit row");
}

#[tokio::test]
async fn webhook_changes_are_audited_with_their_admin() {
    let server = TestServer::spawn().await;
    let jwt = first_admin(&server).await;
    let created = server
        .post(
            "/admin/webhooks",
            &json!({"name": "sink", "url": "https://hooks.example.com/in", "events": ["*"]}),
            Some(&jwt),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let id = created.json()["data"]["id"].to_string();
    let updated = server.put(&format!("/admin/webhooks/{id}"), &json!({"enabled": false}), &jwt).await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.text);
    let request = server.client.delete(server.url(&format!("/admin/webhooks/{id}"))).bearer_auth(&jwt);
    assert_eq!(server.send(request).await.status, StatusCode::OK);

    let rows = rows(&server, &jwt, &format!("?subject=webhook:{id}")).await;
    let actions: Vec<&str> = rows.iter().map(|row| row["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["webhook.deleted", "webhook.updated", "webhook.created"], "newest first");
    for row in &rows {
        assert_eq!(
            (row["actor"]["label"].as_str(), row["outcome"].as_str()),
            (Some("ada@example.com"), Some("success"))
        );
        assert!(!row.to_string().contains("whsec_"), "no signing secret in the log: {row}");
    }
}
