//! API tokens: read-only, full-access and custom permissions; expiry, regeneration, deletion;
//! `lastUsedAt`; the CLI.

use crate::support::{gatehouse_cli_ok, TestServer, PASSWORD};
use gatehouse_domain::Caller;
use reqwest::StatusCode;
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn a_read_only_token_reads_but_never_writes() {
    let server = TestServer::spawn().await;
    let (_, user) = server.register("target").await;
    let id = user["id"].as_i64().unwrap();
    let (_, read_only) = server.api_token("read-only", &[], None).await;
    assert_eq!(server.get("/api/users", Some(&read_only)).await.status, StatusCode::OK);
    assert_eq!(server.get("/api/users/count", Some(&read_only)).await.status, StatusCode::OK);
    assert_eq!(server.get(&format!("/api/users/{id}"), Some(&read_only)).await.status, StatusCode::OK);
    let create = server
        .post(
            "/api/users",
            &json!({"username": "x1x", "email": "x@example.com", "password": PASSWORD}),
            Some(&read_only),
        )
        .await;
    assert_eq!(create.status, StatusCode::FORBIDDEN);
    assert_eq!(
        server.put(&format!("/api/users/{id}"), &json!({"blocked": true}), &read_only).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(server.delete(&format!("/api/users/{id}"), &read_only).await.status, StatusCode::FORBIDDEN);
    assert_eq!(server.delete("/api/users-permissions/roles/1", &read_only).await.status, StatusCode::FORBIDDEN);
    // An API token has no "me".
    assert_eq!(server.get("/api/users/me", Some(&read_only)).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_custom_token_gets_exactly_its_actions() {
    let server = TestServer::spawn().await;
    let (_, user) = server.register("subject").await;
    let id = user["id"].as_i64().unwrap();
    let (_, custom) = server
        .api_token("custom", &["plugin::users-permissions.user.count", "plugin::users-permissions.user.update"], None)
        .await;
    assert_eq!(server.get("/api/users/count", Some(&custom)).await.status, StatusCode::OK);
    assert_eq!(
        server.put(&format!("/api/users/{id}"), &json!({"confirmed": true}), &custom).await.status,
        StatusCode::OK
    );
    assert_eq!(server.get("/api/users", Some(&custom)).await.status, StatusCode::FORBIDDEN);
    assert_eq!(server.get(&format!("/api/users/{id}"), Some(&custom)).await.status, StatusCode::FORBIDDEN);
    assert_eq!(server.delete(&format!("/api/users/{id}"), &custom).await.status, StatusCode::FORBIDDEN);
    let kinds: Vec<serde_json::Value> =
        server.events().await.iter().filter(|e| e.event_type == "user.updated").map(|e| e.actor.clone()).collect();
    assert!(kinds[0]["apiToken"]["id"].is_i64(), "the token is the actor: {kinds:?}");
}

#[tokio::test]
async fn expired_regenerated_deleted_and_unknown_tokens_are_401() {
    let server = TestServer::builder().with_manual_clock().spawn().await;
    let seven_days = 7 * 86_400_000;
    let (_, expiring) = server.api_token("read-only", &[], Some(seven_days)).await;
    assert_eq!(server.get("/api/users", Some(&expiring)).await.status, StatusCode::OK);
    server.clock().advance(Duration::from_millis(seven_days as u64 + 1));
    assert_eq!(server.get("/api/users", Some(&expiring)).await.status, StatusCode::UNAUTHORIZED);

    let (id, old_secret) = server.api_token("full-access", &[], None).await;
    assert_eq!(server.get("/api/users", Some(&old_secret)).await.status, StatusCode::OK);
    let actor = gatehouse_domain::Caller::system();
    let id = gatehouse_domain::ids::ApiTokenId(id);
    let regenerated = server.domain().regenerate_api_token(&actor, id).await.unwrap();
    assert_eq!(server.get("/api/users", Some(&old_secret)).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(server.get("/api/users", Some(regenerated.secret.expose())).await.status, StatusCode::OK);
    server.domain().delete_api_token(&actor, id).await.unwrap();
    assert_eq!(server.get("/api/users", Some(regenerated.secret.expose())).await.status, StatusCode::UNAUTHORIZED);

    for garbage in ["gat_0000", "not-a-token", "a.b", &"f".repeat(256)] {
        let answer = server.get("/api/users", Some(garbage)).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{garbage}");
    }
}

#[tokio::test]
async fn tokens_are_stored_hashed_and_record_their_last_use_once_a_minute() {
    let server = TestServer::builder().with_manual_clock().spawn().await;
    let (id, secret) = server.api_token("read-only", &[], None).await;
    assert!(secret.starts_with("gat_") && secret.len() == 68);
    let id = gatehouse_domain::ids::ApiTokenId(id);
    let stored = server.domain().find_api_token(&Caller::system(), id).await.unwrap();
    assert_eq!(stored.last_used_at, None);
    let digest = gatehouse_domain::crypto::token::sha256_hex(&secret);
    assert!(server.domain().store().find_api_token_by_hash(&digest).await.unwrap().is_some(), "found by its SHA-256");
    assert!(
        server.domain().store().find_api_token_by_hash(&secret).await.unwrap().is_none(),
        "the secret itself is not stored"
    );

    server.get("/api/users", Some(&secret)).await;
    let first_use = server.domain().find_api_token(&Caller::system(), id).await.unwrap().last_used_at.unwrap();
    server.clock().advance(Duration::from_secs(30));
    server.get("/api/users", Some(&secret)).await;
    assert_eq!(
        server.domain().find_api_token(&Caller::system(), id).await.unwrap().last_used_at,
        Some(first_use),
        "not again within a minute"
    );
    server.clock().advance(Duration::from_secs(31));
    server.get("/api/users", Some(&secret)).await;
    assert!(server.domain().find_api_token(&Caller::system(), id).await.unwrap().last_used_at.unwrap() > first_use);
}

#[tokio::test]
async fn token_rules_refuse_bad_lifespans_duplicate_names_and_open_actions() {
    use gatehouse_domain::action::Action;
    use gatehouse_domain::api_tokens::ApiTokenInput;
    use gatehouse_domain::model::ApiTokenKind;
    let server = TestServer::spawn().await;
    let input = |name: &str, lifespan: Option<i64>, actions: Vec<Action>| ApiTokenInput {
        name: name.into(),
        description: String::new(),
        kind: ApiTokenKind::Custom,
        lifespan_ms: lifespan,
        actions: actions.iter().map(|action| action.as_str().to_owned()).collect(),
    };
    let actor = gatehouse_domain::Caller::system();
    let domain = server.domain();
    assert!(domain.create_api_token(&actor, input("a", Some(12345), vec![Action::USER_FIND])).await.is_err());
    assert!(domain.create_api_token(&actor, input("b", None, vec![Action::METRICS])).await.is_err());
    domain.create_api_token(&actor, input("Same", None, vec![Action::USER_FIND])).await.unwrap();
    assert!(domain.create_api_token(&actor, input("same", None, vec![Action::USER_FIND])).await.is_err());
}

#[tokio::test]
async fn the_cli_creates_lists_regenerates_and_deletes_tokens() {
    let db = gatehouse_testkit::TestDb::new().await;
    let server = TestServer::builder().on_database(db.url()).spawn().await;
    let secret = gatehouse_cli_ok(
        db.url(),
        &[
            "token",
            "create",
            "--name",
            "ci",
            "--type",
            "custom",
            "--actions",
            "plugin::users-permissions.user.count",
            "--lifespan-days",
            "30",
        ],
    )
    .await;
    let secret = secret.trim();
    assert!(secret.starts_with("gat_"));
    assert_eq!(server.get("/api/users/count", Some(secret)).await.status, StatusCode::OK);
    assert_eq!(server.get("/api/users", Some(secret)).await.status, StatusCode::FORBIDDEN);

    let listed = gatehouse_cli_ok(db.url(), &["token", "list"]).await;
    assert!(listed.contains("ci\tcustom\texpires") && !listed.contains(secret), "{listed}");
    let id = listed.split('\t').next().unwrap().trim();
    let renewed = gatehouse_cli_ok(db.url(), &["token", "regenerate", id]).await;
    // Another process changed the token: the server sees it once its cache entry expires
    // (`auth.cache_ttl`, 1 s).
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(server.get("/api/users/count", Some(secret)).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(server.get("/api/users/count", Some(renewed.trim())).await.status, StatusCode::OK);
    gatehouse_cli_ok(db.url(), &["token", "delete", id]).await;
    assert!(gatehouse_cli_ok(db.url(), &["token", "list"]).await.trim().is_empty());
}
