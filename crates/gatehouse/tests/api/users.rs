//! `/api/users*`: CRUD shapes, the query language on both backends, private fields, and
//! revocation on block, password change and delete.

use crate::support::{TestServer, PASSWORD};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// Creates users through the API and returns a full-access token.
async fn seeded() -> (TestServer, String) {
    let server = TestServer::spawn().await;
    let token = server.full_access().await;
    for (username, email, confirmed, blocked) in [
        ("alice", "alice@example.com", true, false),
        ("Bob", "bob@example.org", true, true),
        ("Élodie", "elodie@exemple.fr", false, false),
        ("carol_50%", "carol@example.com", true, false),
        ("dave", "dave@example.net", false, false),
    ] {
        let body = json!({"username": username, "email": email, "password": PASSWORD, "confirmed": confirmed, "blocked": blocked});
        let answer = server.post("/api/users", &body, Some(&token)).await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
    }
    (server, token)
}

async fn usernames(server: &TestServer, token: &str, query: &str) -> Vec<String> {
    let answer = server.get(&format!("/api/users?{query}"), Some(token)).await;
    assert_eq!(answer.status, StatusCode::OK, "{query}: {}", answer.text);
    answer.json().as_array().unwrap().iter().map(|user| user["username"].as_str().unwrap().to_owned()).collect()
}

async fn refused(server: &TestServer, token: &str, query: &str) -> (String, Value) {
    let answer = server.get(&format!("/api/users?{query}"), Some(token)).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{query}: {}", answer.text);
    let body = answer.json();
    assert_eq!(body["error"]["name"], "ValidationError", "{query}");
    (body["error"]["message"].as_str().unwrap().to_owned(), body["error"]["details"].clone())
}

#[tokio::test]
async fn every_operator_returns_the_right_rows() {
    let (server, token) = seeded().await;
    let cases: &[(&str, &[&str])] = &[
        ("filters[username][$eq]=alice", &["alice"]),
        ("filters[username]=alice", &["alice"]),
        ("filters[username][$eq]=ALICE", &[]),
        ("filters[username][$eqi]=ALICE", &["alice"]),
        ("filters[username][$eqi]=élodie", &["Élodie"]),
        ("filters[email][$eq]=bob@example.org", &["Bob"]),
        ("filters[username][$ne]=alice&sort=id", &["Bob", "Élodie", "carol_50%", "dave"]),
        ("filters[username][$nei]=BOB", &["alice", "Élodie", "carol_50%", "dave"]),
        ("filters[id][$lt]=3", &["alice", "Bob"]),
        ("filters[id][$lte]=2", &["alice", "Bob"]),
        ("filters[id][$gt]=4", &["dave"]),
        ("filters[id][$gte]=4", &["carol_50%", "dave"]),
        ("filters[id][$in][0]=1&filters[id][$in][1]=5", &["alice", "dave"]),
        ("filters[id][$notIn][0]=1&filters[id][$notIn][1]=5", &["Bob", "Élodie", "carol_50%"]),
        ("filters[email][$contains]=example.com", &["alice", "carol_50%"]),
        ("filters[username][$contains]=LIC", &[]),
        ("filters[username][$notContains]=a", &["Bob", "Élodie"]),
        ("filters[username][$containsi]=LIC", &["alice"]),
        ("filters[username][$containsi]=ÉLO", &["Élodie"]),
        ("filters[username][$notContainsi]=A", &["Bob", "Élodie"]),
        ("filters[username][$startsWith]=B", &["Bob"]),
        ("filters[username][$startsWith]=b", &[]),
        ("filters[username][$startsWithi]=b", &["Bob"]),
        ("filters[email][$endsWith]=.net", &["dave"]),
        ("filters[username][$endsWithi]=DIE", &["Élodie"]),
        ("filters[username][$contains]=50%25", &["carol_50%"]),
        ("filters[username][$contains]=_", &["carol_50%"]),
        ("filters[id][$between][0]=2&filters[id][$between][1]=3", &["Bob", "Élodie"]),
        ("filters[blocked][$eq]=true", &["Bob"]),
        ("filters[confirmed][$eq]=false", &["Élodie", "dave"]),
        ("filters[username][$null]=true", &[]),
        ("filters[username][$notNull]=true&filters[id][$lte]=2", &["alice", "Bob"]),
        ("filters[createdAt][$gt]=2000-01-01&filters[id][$lte]=1", &["alice"]),
        ("filters[createdAt][$lt]=2000-01-01T00:00:00Z", &[]),
        ("filters[$or][0][username][$eq]=alice&filters[$or][1][username][$eq]=dave", &["alice", "dave"]),
        ("filters[$and][0][confirmed][$eq]=true&filters[$and][1][blocked][$eq]=false", &["alice", "carol_50%"]),
        ("filters[$not][confirmed][$eq]=true", &["Élodie", "dave"]),
        ("filters[username][$not][$eq]=alice&filters[id][$lte]=2", &["Bob"]),
        ("filters[role][type][$eq]=authenticated&filters[id][$lte]=2", &["alice", "Bob"]),
        ("filters[role][name][$eqi]=AUTHENTICATED&filters[id][$lte]=1", &["alice"]),
        ("filters[role][id][$eq]=2", &[]),
    ];
    for (query, expected) in cases {
        let mut found = usernames(&server, &token, query).await;
        let mut expected: Vec<String> = expected.iter().map(|name| (*name).to_owned()).collect();
        found.sort();
        expected.sort();
        assert_eq!(found, expected, "{query}");
    }
}

#[tokio::test]
async fn every_operator_refuses_a_malformed_value() {
    let (server, token) = seeded().await;
    for query in [
        "filters[id][$eq]=abc",
        "filters[id][$lt]=one",
        "filters[id][$lte]=1.5",
        "filters[id][$gt]=",
        "filters[id][$gte]=x",
        "filters[id][$in][0]=x",
        "filters[id][$notIn][0]=1&filters[id][$notIn][1]=y",
        "filters[id][$between][0]=1",
        "filters[id][$between][0]=1&filters[id][$between][1]=z",
        "filters[blocked][$eq]=maybe",
        "filters[blocked][$ne]=2",
        "filters[createdAt][$gt]=yesterday",
        "filters[id][$contains]=1",
        "filters[id][$notContains]=1",
        "filters[id][$containsi]=1",
        "filters[id][$notContainsi]=1",
        "filters[id][$startsWith]=1",
        "filters[id][$startsWithi]=1",
        "filters[id][$endsWith]=1",
        "filters[id][$endsWithi]=1",
        "filters[blocked][$eqi]=true",
        "filters[blocked][$nei]=true",
        "filters[username][$null]=perhaps",
        "filters[username][$notNull]=perhaps",
        "filters[username][$foo]=x",
        "filters[nosuch][$eq]=x",
    ] {
        refused(&server, &token, query).await;
    }
}

#[tokio::test]
async fn private_fields_cannot_be_filtered_sorted_selected_or_populated() {
    let (server, token) = seeded().await;
    for (query, key, param) in [
        ("filters[password][$startsWith]=$", "password", "filters"),
        ("filters[password][$null]=true", "password", "filters"),
        ("filters[passwordHash][$startsWith]=$", "passwordHash", "filters"),
        ("filters[password_hash][$startsWith]=$", "password_hash", "filters"),
        ("filters[resetPasswordToken][$notNull]=true", "resetPasswordToken", "filters"),
        ("filters[confirmationToken][$notNull]=true", "confirmationToken", "filters"),
        ("filters[accessKey][$notNull]=true", "accessKey", "filters"),
        ("sort=password:asc", "password", "sort"),
        ("fields[0]=resetPasswordToken", "resetPasswordToken", "fields"),
        ("fields[0]=password", "password", "fields"),
        ("populate[role][populate]=users", "populate", "populate"),
        ("populate=sessions", "sessions", "populate"),
    ] {
        let (message, details) = refused(&server, &token, query).await;
        assert_eq!(message, format!("Invalid key {key}"), "{query}");
        assert_eq!((details["key"].as_str(), details["param"].as_str()), (Some(key), Some(param)), "{query}");
        assert_eq!(details["source"], "query");
    }
    // Nothing secret in any answer.
    let all = server.get("/api/users?populate=*", Some(&token)).await.text;
    assert!(!all.contains("argon2") && !all.contains("password"), "{all}");
}

#[tokio::test]
async fn pagination_clamps_and_refuses_nonsense() {
    let server = TestServer::spawn().await;
    let token = server.full_access().await;
    for n in 0..105 {
        let body = json!({"username": format!("user{n:03}"), "email": format!("user{n:03}@example.com"), "password": PASSWORD});
        server.post("/api/users", &body, Some(&token)).await;
    }
    let count = |query: &'static str| {
        let server = &server;
        let token = &token;
        async move { server.get(&format!("/api/users?{query}"), Some(token)).await.json().as_array().unwrap().len() }
    };
    assert_eq!(count("").await, 25);
    assert_eq!(count("pagination[pageSize]=1000").await, 100);
    assert_eq!(count("pagination[limit]=-1").await, 100);
    assert_eq!(count("limit=-1").await, 100);
    assert_eq!(count("pagination[page]=2&pagination[pageSize]=100").await, 5);
    assert_eq!(count("start=100&limit=50").await, 5);
    let page_two = usernames(&server, &token, "pagination[page]=2&pagination[pageSize]=10&sort=username:desc").await;
    assert_eq!(page_two.first().map(String::as_str), Some("user094"));
    for query in [
        "pagination[page]=0",
        "pagination[page]=-1",
        "pagination[page]=abc",
        "pagination[pageSize]=-3",
        "pagination[page]=1&pagination[start]=0",
        "pagination[pageSize]=10&limit=5",
        "start=-1",
    ] {
        refused(&server, &token, query).await;
    }
    let total = server.get("/api/users/count", Some(&token)).await;
    assert_eq!(total.json(), json!(105));
    let filtered = server.get("/api/users/count?filters[username][$startsWith]=user10", Some(&token)).await;
    assert_eq!(filtered.json(), json!(5));
}

#[tokio::test]
async fn sort_fields_and_populate_shape_the_answer() {
    let (server, token) = seeded().await;
    assert_eq!(usernames(&server, &token, "sort=id:desc&pagination[pageSize]=2").await, ["dave", "carol_50%"]);
    assert_eq!(
        usernames(&server, &token, "sort[0]=confirmed:asc&sort[1]=id:desc&pagination[pageSize]=2").await,
        ["dave", "Élodie"]
    );
    let slim = server.get("/api/users?fields[0]=username&pagination[pageSize]=1", Some(&token)).await.json();
    let keys: Vec<&String> = slim[0].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["id", "documentId", "username"]);
    let with_role = server.get("/api/users?populate=role&pagination[pageSize]=1", Some(&token)).await.json();
    assert_eq!(with_role[0]["role"]["type"], "authenticated");
    let without = server.get("/api/users?pagination[pageSize]=1", Some(&token)).await.json();
    assert!(without[0].get("role").is_none());
    refused(&server, &token, "sort=nosuch:asc").await;
    refused(&server, &token, "sort=username:sideways").await;
}

#[tokio::test]
async fn crud_follows_strapi_shapes() {
    let server = TestServer::spawn().await;
    let token = server.full_access().await;

    let created = server
        .post(
            "/api/users",
            &json!({"username": "henry", "email": "Henry@Example.com", "password": PASSWORD}),
            Some(&token),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let user = created.json();
    assert_eq!(user["email"], "henry@example.com");
    assert_eq!(user["confirmed"], false);
    assert_eq!(user["role"]["type"], "authenticated", "role defaults to authenticated and is shown");
    let id = user["id"].as_i64().unwrap();

    let found = server.get(&format!("/api/users/{id}"), Some(&token)).await;
    assert_eq!(found.status, StatusCode::OK);
    assert!(found.json().get("role").is_none());
    assert_eq!(server.get(&format!("/api/users/{id}?populate=role"), Some(&token)).await.json()["role"]["id"], 1);

    let renamed =
        server.put(&format!("/api/users/{id}"), &json!({"username": "henry_renamed", "role": 2}), &token).await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.text);
    assert_eq!(renamed.json()["username"], "henry_renamed");
    assert_eq!(renamed.json()["role"]["type"], "public");
    let by_document_id =
        server.put(&format!("/api/users/{id}"), &json!({"role": "authenticatedrole0000000"}), &token).await;
    assert_eq!(by_document_id.json()["role"]["type"], "authenticated");

    // Refusals.
    let taken = server
        .post(
            "/api/users",
            &json!({"username": "other", "email": "henry@example.com", "password": PASSWORD}),
            Some(&token),
        )
        .await;
    assert_eq!(taken.error(), ("ApplicationError".into(), "Email already taken".into()));
    let taken = server
        .post(
            "/api/users",
            &json!({"username": "HENRY_renamed", "email": "x@example.com", "password": PASSWORD}),
            Some(&token),
        )
        .await;
    assert_eq!(taken.error(), ("ApplicationError".into(), "This attribute must be unique".into()));
    let no_role = server
        .post(
            "/api/users",
            &json!({"username": "norole", "email": "norole@example.com", "password": PASSWORD, "role": 999}),
            Some(&token),
        )
        .await;
    assert_eq!(no_role.status, StatusCode::BAD_REQUEST);
    let bad_role = server.put(&format!("/api/users/{id}"), &json!({"role": 999}), &token).await;
    assert_eq!(bad_role.status, StatusCode::BAD_REQUEST);
    for key in ["id", "documentId", "provider", "resetPasswordToken", "confirmationToken", "createdAt", "data"] {
        let answer = server.put(&format!("/api/users/{id}"), &json!({key: "x"}), &token).await;
        assert_eq!(answer.error(), ("ValidationError".into(), format!("Invalid parameters: {key}")), "{key}");
    }
    assert_eq!(
        server.put(&format!("/api/users/{id}"), &json!({"password": ""}), &token).await.status,
        StatusCode::BAD_REQUEST
    );
    let missing = server.put("/api/users/999999", &json!({"username": "ghost"}), &token).await;
    assert_eq!(missing.error(), ("NotFoundError".into(), "User not found".into()));
    assert_eq!(server.get("/api/users/999999", Some(&token)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(server.get("/api/users/abc", Some(&token)).await.status, StatusCode::BAD_REQUEST);
    assert_eq!(server.get("/api/users/0", Some(&token)).await.status, StatusCode::BAD_REQUEST);

    let deleted = server.delete(&format!("/api/users/{id}"), &token).await;
    assert_eq!(deleted.status, StatusCode::OK);
    assert_eq!(deleted.json()["username"], "henry_renamed");
    assert_eq!(server.get(&format!("/api/users/{id}"), Some(&token)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(server.delete(&format!("/api/users/{id}"), &token).await.status, StatusCode::NOT_FOUND);

    let kinds: Vec<String> = server.events().await.iter().map(|event| event.event_type.clone()).collect();
    assert!(kinds.starts_with(&["api_token.created".into(), "user.created".into()]), "{kinds:?}");
    assert!(
        kinds.contains(&"user.role_changed".into()) && kinds.last().map(String::as_str) == Some("user.deleted"),
        "{kinds:?}"
    );
}

#[tokio::test]
async fn blocking_ends_sessions_at_once_and_refuses_login() {
    let server = TestServer::spawn().await;
    let token = server.full_access().await;
    let (jwt, user) = server.register("blockee").await;
    let id = user["id"].as_i64().unwrap();
    assert_eq!(server.get("/api/users/me", Some(&jwt)).await.status, StatusCode::OK);

    let blocked = server.put(&format!("/api/users/{id}"), &json!({"blocked": true}), &token).await;
    assert_eq!(blocked.status, StatusCode::OK);
    assert_eq!(server.get("/api/users/me", Some(&jwt)).await.status, StatusCode::UNAUTHORIZED, "the JWT dies at once");
    let login = server.post("/api/auth/local", &json!({"identifier": "blockee", "password": PASSWORD}), None).await;
    assert_eq!(login.error(), ("ApplicationError".into(), "Your account has been blocked by an administrator".into()));
    let wrong =
        server.post("/api/auth/local", &json!({"identifier": "blockee", "password": "wrong-password"}), None).await;
    assert_eq!(
        wrong.error().1,
        "Invalid identifier or password",
        "blocked is said only after the password checked out"
    );

    server.put(&format!("/api/users/{id}"), &json!({"blocked": false}), &token).await;
    assert_eq!(
        server.get("/api/users/me", Some(&jwt)).await.status,
        StatusCode::UNAUTHORIZED,
        "ended sessions stay ended"
    );
    let login = server.post("/api/auth/local", &json!({"identifier": "blockee", "password": PASSWORD}), None).await;
    assert_eq!(login.status, StatusCode::OK);

    let kinds: Vec<String> = server.events().await.iter().map(|event| event.event_type.clone()).collect();
    let blocked_at = kinds.iter().position(|kind| kind == "user.blocked").unwrap();
    assert_eq!(kinds[blocked_at - 1], "user.updated");
    assert_eq!(kinds[blocked_at + 1], "session.revoked");
}

#[tokio::test]
async fn a_new_password_through_put_ends_every_session() {
    let server = TestServer::spawn().await;
    let token = server.full_access().await;
    let (first, user) = server.register("changer").await;
    let login = server.post("/api/auth/local", &json!({"identifier": "changer", "password": PASSWORD}), None).await;
    let second = login.json()["jwt"].as_str().unwrap().to_owned();
    let id = user["id"].as_i64().unwrap();
    let changed = server.put(&format!("/api/users/{id}"), &json!({"password": "a brand new password"}), &token).await;
    assert_eq!(changed.status, StatusCode::OK);
    for jwt in [&first, &second] {
        assert_eq!(server.get("/api/users/me", Some(jwt)).await.status, StatusCode::UNAUTHORIZED);
    }
    let old = server.post("/api/auth/local", &json!({"identifier": "changer", "password": PASSWORD}), None).await;
    assert_eq!(old.status, StatusCode::BAD_REQUEST);
    let new = server
        .post("/api/auth/local", &json!({"identifier": "changer", "password": "a brand new password"}), None)
        .await;
    assert_eq!(new.status, StatusCode::OK);
}

#[tokio::test]
async fn deleting_a_user_ends_their_sessions_in_the_same_transaction() {
    let server = TestServer::spawn().await;
    let token = server.full_access().await;
    let (jwt, user) = server.register("leaver").await;
    let id = user["id"].as_i64().unwrap();
    assert_eq!(server.delete(&format!("/api/users/{id}"), &token).await.status, StatusCode::OK);
    assert_eq!(server.get("/api/users/me", Some(&jwt)).await.status, StatusCode::UNAUTHORIZED);
    let kinds: Vec<String> = server.events().await.iter().map(|event| event.event_type.clone()).collect();
    assert_eq!(&kinds[kinds.len() - 2..], ["session.revoked", "user.deleted"]);
    let again = server.register("leaver").await;
    assert_ne!(again.1["id"], user["id"], "ids are not reused");
}

#[tokio::test]
async fn dev_seed_bulk_inserts_users_that_can_log_in() {
    let server = TestServer::spawn().await;
    let token = server.full_access().await;
    server.register("existing").await;
    assert_eq!(server.domain().seed_users(1200, "seed-password").await.unwrap(), 1200);
    assert_eq!(server.get("/api/users/count", Some(&token)).await.json(), json!(1201));
    let found = usernames(&server, &token, "filters[email][$eq]=seed0001200@example.com").await;
    assert_eq!(found, ["seed0001200"], "numbering continues after existing users");
    let login =
        server.post("/api/auth/local", &json!({"identifier": "seed0000001", "password": "seed-password"}), None).await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.text);
}
