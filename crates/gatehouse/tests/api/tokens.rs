//! Bearer tokens that must be refused with 401: forged, unsigned, expired, foreign realm,
//! without `exp`, or for an ended session.

use crate::support::{TestServer, PASSWORD};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{encode, EncodingKey, Header};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;

fn claims_of(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

async fn api_secret(server: &TestServer) -> String {
    // Reads back the persisted secret (the candidate is ignored when one exists).
    let now = server.domain().clock().now();
    server.domain().store().secret("jwt_secret.api", "unused", now).await.unwrap()
}

async fn assert_refused(server: &TestServer, token: &str, what: &str) {
    let answer = server.get("/api/users/me", Some(token)).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{what}: {}", answer.text);
    assert_eq!(answer.error(), ("UnauthorizedError".into(), "Missing or invalid credentials".into()), "{what}");
    assert_eq!(answer.headers["www-authenticate"], "Bearer");
}

#[tokio::test]
async fn legacy_tokens_carry_id_session_expiry_and_realm() {
    let server = TestServer::spawn().await;
    let (jwt, user) = server.register("claims").await;
    let header: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(jwt.split('.').next().unwrap()).unwrap()).unwrap();
    assert_eq!(header["alg"], "HS256");
    let claims = claims_of(&jwt);
    assert_eq!(claims["id"], user["id"]);
    assert_eq!(claims["aud"], "api");
    assert!(claims["sid"].as_str().is_some_and(|sid| sid.len() >= 32));
    let lifetime = claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap();
    assert_eq!(lifetime, 30 * 24 * 3600);
}

#[tokio::test]
async fn forged_unsigned_foreign_and_malformed_tokens_are_401() {
    let server = TestServer::spawn().await;
    let (jwt, user) = server.register("target").await;
    let claims = claims_of(&jwt);
    let secret = api_secret(&server).await;
    let sign = |claims: &Value, secret: &str| {
        encode(&Header::default(), claims, &EncodingKey::from_secret(secret.as_bytes())).unwrap()
    };

    // A flipped signature.
    let (unsigned, signature) = jwt.rsplit_once('.').unwrap();
    let flipped = if signature.starts_with('A') { "B" } else { "A" };
    assert_refused(&server, &format!("{unsigned}.{flipped}{}", &signature[1..]), "bad signature").await;
    // alg: none, with the same claims.
    let none_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = jwt.split('.').nth(1).unwrap();
    assert_refused(&server, &format!("{none_header}.{payload}."), "alg none").await;
    assert_refused(&server, &format!("{none_header}.{payload}"), "alg none without signature part").await;
    // Signed with another secret.
    assert_refused(&server, &sign(&claims, "some other secret that is long enough"), "wrong secret").await;
    // The right secret, but the admin realm.
    let mut admin_claims = claims.clone();
    admin_claims["aud"] = json!("admin");
    assert_refused(&server, &sign(&admin_claims, &secret), "wrong realm").await;
    // The right secret, but no exp (Strapi's legacy mode would accept it).
    let mut no_exp = claims.clone();
    no_exp.as_object_mut().unwrap().remove("exp");
    assert_refused(&server, &sign(&no_exp, &secret), "no exp").await;
    // The right secret, but a session that does not exist, or another user's id.
    let mut unknown_session = claims.clone();
    unknown_session["sid"] = json!("0".repeat(32));
    assert_refused(&server, &sign(&unknown_session, &secret), "unknown session").await;
    let mut other_user = claims.clone();
    other_user["id"] = json!(user["id"].as_i64().unwrap() + 1000);
    assert_refused(&server, &sign(&other_user, &secret), "someone else's session").await;
    // The right secret, with an exp in the past.
    let mut expired = claims.clone();
    expired["exp"] = json!(claims["iat"].as_i64().unwrap() - 10);
    assert_refused(&server, &sign(&expired, &secret), "expired exp").await;
    // Garbage.
    assert_refused(&server, "not-a-jwt", "garbage").await;

    // The genuine token still works.
    assert_eq!(server.get("/api/users/me", Some(&jwt)).await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_token_expires_with_the_clock() {
    let server = TestServer::builder().with_manual_clock().spawn().await;
    let (jwt, _) = server.register("mortal").await;
    server.clock().advance(Duration::from_secs(29 * 24 * 3600));
    assert_eq!(server.get("/api/users/me", Some(&jwt)).await.status, StatusCode::OK);
    server.clock().advance(Duration::from_secs(2 * 24 * 3600));
    assert_refused(&server, &jwt, "expired by the clock").await;
}

#[tokio::test]
async fn a_bad_token_is_401_even_on_public_routes() {
    let server = TestServer::spawn().await;
    let answer =
        server.post("/api/auth/local", &json!({"identifier": "x", "password": PASSWORD}), Some("not-a-jwt")).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_jwt_secret_survives_a_restart() {
    let db = gatehouse_testkit::TestDb::new().await;
    let first = TestServer::builder().on_database(db.url()).spawn().await;
    let (jwt, _) = first.register("persistent").await;
    drop(first);
    let second = TestServer::builder().on_database(db.url()).spawn().await;
    assert_eq!(second.get("/api/users/me", Some(&jwt)).await.status, StatusCode::OK);
}
