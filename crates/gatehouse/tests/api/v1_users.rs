//! `/api/v1/users*` over real HTTP: every endpoint, every error status of the contract (429
//! waits for the rate limiter), credentials of both realms, and the same stored user and events
//! as the same write through `/api/users`.

use crate::support::{Answer, TestServer, PASSWORD};
use gatehouse_domain::ids::UserId;
use gatehouse_domain::roles::RoleInput;
use gatehouse_domain::Caller;
use reqwest::StatusCode;
use serde_json::{json, Value};

const ADMIN_PASSWORD: &str = "AdminPass123";

/// Registers the first admin (a super admin); returns its JWT.
async fn admin_jwt(server: &TestServer) -> String {
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

/// Adds an end-user role of type `editor`.
async fn editor_role(server: &TestServer) -> i64 {
    let input = RoleInput { name: Some("Editor".into()), ..RoleInput::default() };
    server.domain().create_role(&Caller::system(), input).await.unwrap().id.0
}

/// Asserts the v1 error body and returns its message and details.
fn v1_error(answer: &Answer, status: StatusCode, kind: &str) -> (String, Value) {
    assert_eq!(answer.status, status, "{}", answer.text);
    let body = answer.json();
    assert_eq!(body["error"]["code"], json!(status.as_u16()), "{}", answer.text);
    assert_eq!(body["error"]["type"], kind, "{}", answer.text);
    assert!(body.get("data").is_none(), "no Strapi envelope: {}", answer.text);
    (body["error"]["message"].as_str().unwrap().to_owned(), body["error"]["details"].clone())
}

fn new_user(email: &str) -> Value {
    json!({"email": email, "name": "Jane Smith", "password": PASSWORD})
}

async fn create(server: &TestServer, token: &str, body: &Value) -> Value {
    let answer = server.post("/api/v1/users", body, Some(token)).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
    answer.json()["data"].clone()
}

#[tokio::test]
async fn every_endpoint_answers_its_envelope() {
    let server = TestServer::spawn().await;
    let token = server.full_access().await;
    editor_role(&server).await;

    let body = json!({"email": "Jane@Example.com", "name": "Jane Smith", "role": "editor", "password": PASSWORD,
                      "settings": {"theme": "dark", "notifications": true}});
    let created = create(&server, &token, &body).await;
    let id = created["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("usr_"), "{created}");
    assert_eq!(created["email"], "jane@example.com");
    assert_eq!(created["name"], "Jane Smith");
    assert_eq!(created["username"], "Jane", "the email's local part");
    assert_eq!(created["role"], "editor");
    assert_eq!(created["status"], "pending");
    assert_eq!(created["last_login"], Value::Null);
    assert_eq!(created["settings"], json!({"notifications": true, "theme": "dark"}));
    assert!(created["created_at"].as_str().unwrap().ends_with('Z'));
    let numeric = id.strip_prefix("usr_").unwrap();
    assert_eq!(server.get(&format!("/api/users/{numeric}"), Some(&token)).await.json()["email"], "jane@example.com");

    let found = server.get(&format!("/api/v1/users/{id}"), Some(&token)).await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.text);
    assert_eq!(found.json(), json!({"data": created}));

    let listed = server.get("/api/v1/users", Some(&token)).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    let listed = listed.json();
    assert_eq!(listed["meta"], json!({"total": 1, "page": 1, "limit": 20, "pages": 1}));
    assert_eq!(listed["data"][0]["id"], json!(id));
    assert!(listed["data"][0].get("settings").is_none(), "settings are not listed: {listed}");

    let update = json!({"name": "Jane Smith-Johnson", "role": "authenticated", "status": "active",
                        "settings": {"theme": "system"}});
    let updated = server.put(&format!("/api/v1/users/{id}"), &update, &token).await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.text);
    let updated = updated.json()["data"].clone();
    assert_eq!(
        (&updated["name"], &updated["role"], &updated["status"], &updated["settings"]),
        (&json!("Jane Smith-Johnson"), &json!("authenticated"), &json!("active"), &json!({"theme": "system"}))
    );
    assert_eq!(updated["email"], "jane@example.com", "a partial update keeps the rest");
    assert!(updated["updated_at"].as_str().unwrap() >= created["updated_at"].as_str().unwrap());
    let cleared = server.put(&format!("/api/v1/users/{id}"), &json!({"name": null, "settings": null}), &token).await;
    assert_eq!(
        (cleared.json()["data"]["name"].clone(), cleared.json()["data"]["settings"].clone()),
        (Value::Null, Value::Null)
    );

    let deleted = server.delete(&format!("/api/v1/users/{id}"), &token).await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.text);
    assert_eq!(deleted.json(), json!({"success": true, "message": "User deleted successfully"}));
    v1_error(&server.get(&format!("/api/v1/users/{id}"), Some(&token)).await, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn lists_page_and_filter_by_status_and_role() {
    let server = TestServer::spawn().await;
    let token = server.full_access().await;
    editor_role(&server).await;
    for n in 0..5 {
        create(&server, &token, &new_user(&format!("pending{n}@example.com"))).await;
    }
    let active = create(
        &server,
        &token,
        &json!({"email": "act@example.com", "name": "A", "password": PASSWORD, "role": "editor"}),
    )
    .await;
    server
        .put(&format!("/api/v1/users/{}", active["id"].as_str().unwrap()), &json!({"status": "active"}), &token)
        .await;
    let blocked = create(&server, &token, &new_user("gone@example.com")).await;
    server
        .put(&format!("/api/v1/users/{}", blocked["id"].as_str().unwrap()), &json!({"status": "inactive"}), &token)
        .await;

    let page = |query: &'static str| {
        let server = &server;
        let token = token.clone();
        async move {
            let answer = server.get(&format!("/api/v1/users?{query}"), Some(&token)).await;
            assert_eq!(answer.status, StatusCode::OK, "{query}: {}", answer.text);
            answer.json()
        }
    };
    let second = page("page=2&limit=3").await;
    assert_eq!(second["meta"], json!({"total": 7, "page": 2, "limit": 3, "pages": 3}));
    assert_eq!(second["data"].as_array().unwrap().len(), 3);
    assert_eq!(second["data"][0]["email"], "pending3@example.com", "ordered by id");
    assert_eq!(page("limit=1000").await["meta"]["limit"], 100, "clamped");
    assert_eq!(page("page=9").await["data"], json!([]));
    let emails = |body: &Value| -> Vec<String> {
        body["data"].as_array().unwrap().iter().map(|user| user["email"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(emails(&page("status=active").await), ["act@example.com"]);
    assert_eq!(emails(&page("status=inactive").await), ["gone@example.com"]);
    assert_eq!(page("status=pending").await["meta"]["total"], 5);
    assert_eq!(emails(&page("role=editor").await), ["act@example.com"]);
    assert_eq!(page("role=editor&status=pending").await["meta"]["total"], 0);
    assert_eq!(page("role=nosuch").await["meta"], json!({"total": 0, "page": 1, "limit": 20, "pages": 0}));
    assert_eq!(page("sort=email&filters[id]=1").await["meta"]["total"], 7, "unknown parameters change nothing");
}

#[tokio::test]
async fn malformed_parameters_are_400_naming_them() {
    let server = TestServer::spawn().await;
    let token = server.full_access().await;
    for (query, field) in [
        ("page=0", "page"),
        ("page=-1", "page"),
        ("page=one", "page"),
        ("limit=0", "limit"),
        ("status=deleted", "status"),
        ("role=", "role"),
        ("page=1&page=2", "page"),
        ("page=18446744073709551615", "page"),
    ] {
        let answer = server.get(&format!("/api/v1/users?{query}"), Some(&token)).await;
        let (_, details) = v1_error(&answer, StatusCode::BAD_REQUEST, "bad_request");
        assert_eq!(details[0]["field"], field, "{query}");
    }
}

#[tokio::test]
async fn credentials_of_every_realm_are_401_or_403_as_they_hold_the_action() {
    let server = TestServer::spawn().await;
    let full = server.full_access().await;
    let user = create(&server, &full, &new_user("jane@example.com")).await;
    let path = format!("/api/v1/users/{}", user["id"].as_str().unwrap());

    let (message, _) = v1_error(&server.get("/api/v1/users", None).await, StatusCode::UNAUTHORIZED, "unauthorized");
    assert_eq!(message, "Authentication required");
    let basic = server.send(server.client.get(server.url("/api/v1/users")).basic_auth("a", Some("b"))).await;
    v1_error(&basic, StatusCode::UNAUTHORIZED, "unauthorized");
    let bad = server.get("/api/v1/users", Some("not-a-token")).await;
    v1_error(&bad, StatusCode::UNAUTHORIZED, "unauthorized");
    assert_eq!(bad.headers["www-authenticate"], "Bearer");
    v1_error(&server.get("/api/v1/users", Some("a.b.c")).await, StatusCode::UNAUTHORIZED, "unauthorized");

    // An end user whose role lacks the action, then holds it.
    let (jwt, _) = server.register("enduser").await;
    v1_error(&server.get("/api/v1/users", Some(&jwt)).await, StatusCode::FORBIDDEN, "forbidden");
    let authenticated = server.domain().store().find_role_by_type("authenticated").await.unwrap().unwrap();
    let grant = RoleInput {
        actions: Some(vec!["plugin::users-permissions.user.me".into(), "plugin::users-permissions.user.find".into()]),
        ..RoleInput::default()
    };
    server.domain().update_role(&Caller::system(), authenticated.id, grant).await.unwrap();
    assert_eq!(server.get("/api/v1/users", Some(&jwt)).await.status, StatusCode::OK);
    v1_error(&server.get(&path, Some(&jwt)).await, StatusCode::FORBIDDEN, "forbidden");

    // A read-only token reads and may not write; a custom token holds what it names.
    let (_, read_only) = server.api_token("read-only", &[], None).await;
    assert_eq!(server.get(&path, Some(&read_only)).await.status, StatusCode::OK);
    v1_error(&server.delete(&path, &read_only).await, StatusCode::FORBIDDEN, "forbidden");
    let (_, custom) = server.api_token("custom", &["plugin::users-permissions.user.update"], None).await;
    assert_eq!(server.put(&path, &json!({"name": "J"}), &custom).await.status, StatusCode::OK);
    v1_error(&server.get(&path, Some(&custom)).await, StatusCode::FORBIDDEN, "forbidden");

    // An admin acts through the admin realm's end-user permissions; the content API still
    // refuses admin JWTs.
    let admin = admin_jwt(&server).await;
    assert_eq!(server.get(&path, Some(&admin)).await.status, StatusCode::OK);
    assert_eq!(server.get("/api/v1/users", Some(&admin)).await.json()["meta"]["total"], 2);
    assert_eq!(server.get("/api/users", Some(&admin)).await.status, StatusCode::UNAUTHORIZED);
    let logout = server.post("/admin/logout", &json!({}), Some(&admin)).await;
    assert_eq!(logout.status, StatusCode::OK, "{}", logout.text);
    v1_error(&server.get(&path, Some(&admin)).await, StatusCode::UNAUTHORIZED, "unauthorized");
}

#[tokio::test]
async fn unknown_and_malformed_ids_are_404_on_every_verb() {
    let server = TestServer::spawn().await;
    let token = server.full_access().await;
    create(&server, &token, &new_user("jane@example.com")).await;
    for id in ["usr_999", "1", "usr_01", "usr_x", "usr_-1", "usr_99999999999999999999"] {
        let path = format!("/api/v1/users/{id}");
        v1_error(&server.get(&path, Some(&token)).await, StatusCode::NOT_FOUND, "not_found");
        v1_error(&server.put(&path, &json!({"name": "X"}), &token).await, StatusCode::NOT_FOUND, "not_found");
        v1_error(&server.delete(&path, &token).await, StatusCode::NOT_FOUND, "not_found");
    }
}

#[tokio::test]
async fn a_taken_email_or_username_is_409() {
    let server = TestServer::spawn().await;
    let token = server.full_access().await;
    create(&server, &token, &new_user("jane@example.com")).await;
    let other = create(&server, &token, &new_user("joe@example.com")).await;

    let again = server.post("/api/v1/users", &new_user("JANE@example.com"), Some(&token)).await;
    assert_eq!(v1_error(&again, StatusCode::CONFLICT, "conflict").0, "Email already in use");
    let mut taken_name = new_user("jim@example.com");
    taken_name["username"] = json!("JOE");
    let taken = server.post("/api/v1/users", &taken_name, Some(&token)).await;
    assert_eq!(v1_error(&taken, StatusCode::CONFLICT, "conflict").0, "Username already in use");
    let path = format!("/api/v1/users/{}", other["id"].as_str().unwrap());
    let moved = server.put(&path, &json!({"email": "jane@example.com"}), &token).await;
    assert_eq!(v1_error(&moved, StatusCode::CONFLICT, "conflict").0, "Email already in use");
}

#[tokio::test]
async fn a_username_made_from_the_email_is_unique() {
    let server = TestServer::spawn().await;
    let token = server.full_access().await;
    let names: Vec<Value> = [("jdoe@example.com"), ("JDoe@example.org"), ("jdoe@example.net"), ("a@example.com")]
        .iter()
        .map(|email| new_user(email))
        .collect();
    let mut usernames = Vec::new();
    for body in &names {
        usernames.push(create(&server, &token, body).await["username"].as_str().unwrap().to_owned());
    }
    assert_eq!(usernames, ["jdoe", "JDoe2", "jdoe3", "a-user"]);
}

#[tokio::test]
async fn invalid_bodies_are_400_listing_the_fields() {
    let server = TestServer::spawn().await;
    let token = server.full_access().await;
    let user = create(&server, &token, &new_user("jane@example.com")).await;
    let path = format!("/api/v1/users/{}", user["id"].as_str().unwrap());
    let big = "x".repeat(16 * 1024);
    for (body, field) in [
        (json!({"name": "N", "password": PASSWORD}), "body"),
        (json!({"email": "nope", "name": "N", "password": PASSWORD}), "email"),
        (json!({"email": "a@example.com", "name": "   ", "password": PASSWORD}), "name"),
        (json!({"email": "a@example.com", "name": "N", "password": "short"}), "password"),
        (json!({"email": "a@example.com", "name": "N", "password": PASSWORD, "role": "nosuch"}), "role"),
        (json!({"email": "a@example.com", "name": "N", "password": PASSWORD, "settings": [1]}), "settings"),
        (json!({"email": "a@example.com", "name": "N", "password": PASSWORD, "settings": {"blob": big}}), "settings"),
        (json!({"email": "a@example.com", "name": "N", "password": PASSWORD, "status": "active"}), "status"),
        (json!({"email": "a@example.com", "name": 5, "password": PASSWORD}), "name"),
    ] {
        let answer = server.post("/api/v1/users", &body, Some(&token)).await;
        let (_, details) = v1_error(&answer, StatusCode::BAD_REQUEST, "bad_request");
        assert_eq!(details[0]["field"], field, "{body}");
    }
    for (body, field) in [
        (json!({"status": "deleted"}), "status"),
        (json!({"role": "nosuch"}), "role"),
        (json!({"email": "nope"}), "email"),
        (json!({"password": PASSWORD}), "password"),
        (json!({"settings": "dark"}), "settings"),
    ] {
        let answer = server.put(&path, &body, &token).await;
        let (_, details) = v1_error(&answer, StatusCode::BAD_REQUEST, "bad_request");
        assert_eq!(details[0]["field"], field, "{body}");
    }
    let malformed = server
        .send(
            server
                .client
                .post(server.url("/api/v1/users"))
                .bearer_auth(&token)
                .header("content-type", "application/json")
                .body("{"),
        )
        .await;
    v1_error(&malformed, StatusCode::BAD_REQUEST, "bad_request");
    assert_eq!(server.get(&path, Some(&token)).await.json()["data"], user, "nothing was written");
}

#[tokio::test]
async fn an_oversized_body_is_413() {
    let server = TestServer::spawn().await;
    let token = server.full_access().await;
    let mut body = new_user("jane@example.com");
    body["settings"] = json!({"blob": "x".repeat(70 * 1024)});
    v1_error(
        &server.post("/api/v1/users", &body, Some(&token)).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
    );
}

#[tokio::test]
async fn unknown_paths_and_methods_under_v1_answer_in_its_format() {
    let server = TestServer::spawn().await;
    let token = server.full_access().await;
    v1_error(&server.get("/api/v1/nothing", Some(&token)).await, StatusCode::NOT_FOUND, "not_found");
    let patch = server.send(server.client.patch(server.url("/api/v1/users")).bearer_auth(&token)).await;
    v1_error(&patch, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
    assert!(patch.headers["allow"].to_str().unwrap().contains("POST"));
    // The Strapi surface keeps its envelope.
    assert_eq!(server.get("/api/nothing", None).await.error().0, "NotFoundError");
}

#[tokio::test]
async fn inactive_ends_the_users_sessions_and_last_login_follows_logins() {
    let server = TestServer::spawn().await;
    let token = server.full_access().await;
    let user = create(&server, &token, &new_user("jane@example.com")).await;
    let path = format!("/api/v1/users/{}", user["id"].as_str().unwrap());
    assert_eq!(user["last_login"], Value::Null);

    let login =
        server.post("/api/auth/local", &json!({"identifier": "jane@example.com", "password": PASSWORD}), None).await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.text);
    let jwt = login.json()["jwt"].as_str().unwrap().to_owned();
    let after = server.get(&path, Some(&token)).await.json()["data"].clone();
    let last_login = after["last_login"].as_str().expect("written at login").to_owned();
    assert!(last_login.ends_with('Z') && last_login.len() == 24, "{last_login}");
    assert_eq!(server.get("/api/users/me", Some(&jwt)).await.status, StatusCode::OK);

    let blocked = server.put(&path, &json!({"status": "inactive"}), &token).await;
    assert_eq!(blocked.json()["data"]["status"], "inactive");
    assert_eq!(server.get("/api/users/me", Some(&jwt)).await.status, StatusCode::UNAUTHORIZED);
    let refused =
        server.post("/api/auth/local", &json!({"identifier": "jane@example.com", "password": PASSWORD}), None).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    let reactivated = server.put(&path, &json!({"status": "active"}), &token).await.json()["data"].clone();
    assert_eq!(
        (reactivated["status"].clone(), reactivated["last_login"].clone()),
        (json!("active"), json!(last_login))
    );
}

/// The stored user without what differs between two databases (its public id), and without
/// the display name, which only v1 writes.
async fn stored(server: &TestServer, id: i64) -> Value {
    let found = server.domain().find_user(&Caller::system(), UserId(id), true).await.unwrap();
    let user = found.user;
    json!({
        "id": user.id.0, "username": user.username, "email": user.email, "provider": user.provider,
        "confirmed": user.confirmed, "blocked": user.blocked, "role": found.role.map(|role| role.role_type),
        "settings": user.settings.map(|settings| settings.to_value()),
    })
}

/// The events, without what differs between two runs (ids, times, public ids).
async fn events(server: &TestServer) -> Vec<Value> {
    fn scrub(value: &mut Value) {
        match value {
            Value::Object(object) => {
                for key in ["documentId", "createdAt", "updatedAt", "publishedAt", "sessions", "sessionId"] {
                    object.remove(key);
                }
                object.values_mut().for_each(scrub);
            }
            Value::Array(items) => items.iter_mut().for_each(scrub),
            _ => {}
        }
    }
    server
        .events()
        .await
        .into_iter()
        .filter(|event| event.event_type.starts_with("user.") || event.event_type.starts_with("session."))
        .map(|event| {
            let mut data = event.data;
            scrub(&mut data);
            json!({"type": event.event_type, "actor": event.actor, "data": data})
        })
        .collect()
}

#[tokio::test]
async fn a_v1_write_and_the_same_strapi_write_store_the_same_user_and_events() {
    let (v1, strapi) = (TestServer::spawn().await, TestServer::spawn().await);
    let (v1_token, strapi_token) = (v1.full_access().await, strapi.full_access().await);
    editor_role(&v1).await;
    let editor = editor_role(&strapi).await;

    let created = create(
        &v1,
        &v1_token,
        &json!({"email": "jane@example.com", "name": "Jane", "username": "jane", "password": PASSWORD}),
    )
    .await;
    let answer = strapi
        .post(
            "/api/users",
            &json!({"email": "jane@example.com", "username": "jane", "password": PASSWORD}),
            Some(&strapi_token),
        )
        .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
    let id = answer.json()["id"].as_i64().unwrap();
    assert_eq!(created["id"], json!(format!("usr_{id}")));
    assert_eq!(stored(&v1, id).await, stored(&strapi, id).await);

    let (v1_path, strapi_path) = (format!("/api/v1/users/usr_{id}"), format!("/api/users/{id}"));
    let (jwt_v1, jwt_strapi) = (login(&v1).await, login(&strapi).await);
    for (v1_body, strapi_body) in [
        (json!({"status": "active"}), json!({"confirmed": true, "blocked": false})),
        (json!({"role": "editor"}), json!({"role": editor})),
        (json!({"email": "jane.smith@example.com"}), json!({"email": "jane.smith@example.com"})),
        (json!({"status": "inactive"}), json!({"blocked": true})),
        (json!({"status": "pending"}), json!({"confirmed": false, "blocked": false})),
    ] {
        let from_v1 = v1.put(&v1_path, &v1_body, &v1_token).await;
        assert_eq!(from_v1.status, StatusCode::OK, "{}", from_v1.text);
        let from_strapi = strapi.put(&strapi_path, &strapi_body, &strapi_token).await;
        assert_eq!(from_strapi.status, StatusCode::OK, "{}", from_strapi.text);
        assert_eq!(stored(&v1, id).await, stored(&strapi, id).await, "{v1_body}");
    }
    assert_eq!(v1.get("/api/users/me", Some(&jwt_v1)).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(strapi.get("/api/users/me", Some(&jwt_strapi)).await.status, StatusCode::UNAUTHORIZED);

    assert_eq!(v1.delete(&v1_path, &v1_token).await.status, StatusCode::OK);
    assert_eq!(strapi.delete(&strapi_path, &strapi_token).await.status, StatusCode::OK);
    let (from_v1, from_strapi) = (events(&v1).await, events(&strapi).await);
    assert_eq!(from_v1, from_strapi);
    let types: Vec<&str> = from_strapi.iter().map(|event| event["type"].as_str().unwrap()).collect();
    assert!(types.ends_with(&["session.revoked", "user.deleted"]) || types.ends_with(&["user.deleted"]), "{types:?}");
    assert!(types.contains(&"user.blocked") && types.contains(&"user.role_changed"), "{types:?}");
}

async fn login(server: &TestServer) -> String {
    let answer = server.post("/api/auth/local", &json!({"identifier": "jane", "password": PASSWORD}), None).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    answer.json()["jwt"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_openapi_document_describes_v1_strictly() {
    let server = TestServer::spawn().await;
    let doc = server.get("/openapi.json", None).await.json();
    for (path, method, id) in [
        ("/api/v1/users", "get", "v1_list_users"),
        ("/api/v1/users", "post", "v1_create_user"),
        ("/api/v1/users/{user_id}", "get", "v1_find_user"),
        ("/api/v1/users/{user_id}", "put", "v1_update_user"),
        ("/api/v1/users/{user_id}", "delete", "v1_delete_user"),
    ] {
        let operation = &doc["paths"][path][method];
        assert_eq!(operation["operationId"], id);
        assert_eq!(
            operation["responses"]["401"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/V1ErrorResponse",
            "{id}"
        );
        assert!(operation["responses"]["403"].is_object(), "{id}");
    }
    let schemas = &doc["components"]["schemas"];
    assert_eq!(schemas["V1CreateUserRequest"]["additionalProperties"], false);
    assert_eq!(schemas["V1UpdateUserRequest"]["additionalProperties"], false);
    assert_eq!(schemas["V1CreateUserRequest"]["properties"]["email"]["format"], "email");
    assert_eq!(schemas["V1PageMeta"]["properties"]["limit"]["maximum"], 100);
}
