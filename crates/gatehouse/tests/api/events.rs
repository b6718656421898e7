//! Domain events over real HTTP: every write path leaves the events of the contract, in its
//! order, in the outbox; a refused change leaves none; a failed login names no password.

use crate::support::{TestServer, PASSWORD};
use gatehouse_domain::events::StoredEvent;
use gatehouse_domain::roles::RoleInput;
use gatehouse_domain::Caller;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// The events written after the first `skip`, as (type, data).
async fn events_after(server: &TestServer, skip: usize) -> Vec<StoredEvent> {
    server.events().await.into_iter().skip(skip).collect()
}

fn types(events: &[StoredEvent]) -> Vec<&str> {
    events.iter().map(|event| event.event_type.as_str()).collect()
}

fn find<'a>(events: &'a [StoredEvent], kind: &str) -> &'a StoredEvent {
    events.iter().find(|event| event.event_type == kind).unwrap_or_else(|| panic!("no {kind} in {:?}", types(events)))
}

async fn first_admin(server: &TestServer) -> String {
    let answer = server
        .post(
            "/admin/register-admin",
            &json!({"email": "ada@example.com", "password": "AdminPass123", "firstname": "Ada"}),
            None,
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    answer.json()["data"]["token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn register_update_block_and_delete_emit_the_contract_order() {
    let server = TestServer::spawn().await;
    let token = server.full_access().await;
    let before = server.events().await.len();
    let (_, user) = server.register("eve").await;
    let id = user["id"].as_i64().unwrap();
    let registered = events_after(&server, before).await;
    assert_eq!(types(&registered), ["user.created", "user.logged_in"]);
    assert!(registered.iter().all(|event| event.id.starts_with("evt_")));
    assert_eq!(registered[0].actor, json!({"realm": "api", "id": id}));

    let before = server.events().await.len();
    let answer = server.put(&format!("/api/users/{id}"), &json!({"username": "eve2", "blocked": true}), &token).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let updated = events_after(&server, before).await;
    assert_eq!(types(&updated), ["user.updated", "user.blocked", "session.revoked"]);
    assert_eq!(updated[0].data["changes"], json!(["username", "blocked"]));
    assert_eq!(updated[2].data["reason"], "blocked");
    assert!(updated[0].actor["apiToken"]["id"].is_i64(), "{}", updated[0].actor);

    let before = server.events().await.len();
    assert_eq!(server.delete(&format!("/api/users/{id}"), &token).await.status, StatusCode::OK);
    assert_eq!(types(&events_after(&server, before).await), ["user.deleted"], "no live sessions were left");
}

#[tokio::test]
async fn a_role_and_password_change_emit_role_changed_then_password_changed_then_session_revoked() {
    let server = TestServer::spawn().await;
    let token = server.full_access().await;
    let input = RoleInput { name: Some("Editor".into()), ..RoleInput::default() };
    let editor = server.domain().create_role(&Caller::system(), input).await.unwrap();
    let (_, user) = server.register("rita").await;
    let id = user["id"].as_i64().unwrap();
    let before = server.events().await.len();
    let answer = server
        .put(&format!("/api/users/{id}"), &json!({"role": editor.id.0, "password": "An0therPass!"}), &token)
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let updated = events_after(&server, before).await;
    assert_eq!(types(&updated), ["user.updated", "user.role_changed", "user.password_changed", "session.revoked"]);
    assert_eq!(updated[0].data["changes"], json!(["password", "role"]));
    assert_eq!(updated[1].data["role"], json!(editor.id.0));
    assert!(updated[1].data["previousRole"].is_i64());
    assert_eq!(updated[3].data["reason"], "password_changed");
    let text = serde_json::to_string(&updated.iter().map(|event| &event.data).collect::<Vec<_>>()).unwrap();
    assert!(!text.contains("An0therPass!") && !text.contains("argon2"), "no password or hash in events: {text}");
}

#[tokio::test]
async fn logout_revokes_the_session_with_reason_logout() {
    let server = TestServer::spawn().await;
    let (jwt, _) = server.register("lou").await;
    let before = server.events().await.len();
    assert_eq!(server.post("/api/auth/logout", &json!({}), Some(&jwt)).await.status, StatusCode::OK);
    let events = events_after(&server, before).await;
    assert_eq!(types(&events), ["session.revoked"]);
    assert_eq!(events[0].data["reason"], "logout");
}

#[tokio::test]
async fn a_refused_change_emits_nothing() {
    let server = TestServer::spawn().await;
    let token = server.full_access().await;
    server.register("taken").await;
    let new_user = |email: &str| json!({"email": email, "name": "Jane Smith", "password": PASSWORD});
    let other = server.post("/api/v1/users", &new_user("other@example.com"), Some(&token)).await;
    assert_eq!(other.status, StatusCode::CREATED, "{}", other.text);
    let before = server.events().await.len();
    let conflict = server.post("/api/v1/users", &new_user("taken@example.com"), Some(&token)).await;
    assert_eq!(conflict.status, StatusCode::CONFLICT, "{}", conflict.text);
    let path = format!("/api/v1/users/{}", other.json()["data"]["id"].as_str().unwrap());
    let moved = server.put(&path, &json!({"email": "taken@example.com"}), &token).await;
    assert_eq!(moved.status, StatusCode::CONFLICT, "{}", moved.text);
    assert_eq!(types(&events_after(&server, before).await), Vec::<&str>::new());
}

#[tokio::test]
async fn a_failed_login_is_an_event_with_a_hashed_identifier_and_no_password() {
    let server = TestServer::spawn().await;
    server.register("fay").await;
    let before = server.events().await.len();
    let wrong = server.post("/api/auth/local", &json!({"identifier": "fay", "password": "Wr0ngSecret!"}), None).await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    let unknown = server
        .post("/api/auth/local", &json!({"identifier": "nobody@example.com", "password": "Wr0ngSecret!"}), None)
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    let events = events_after(&server, before).await;
    assert_eq!(types(&events), ["user.login_failed", "user.login_failed"]);
    let text =
        serde_json::to_string(&events.iter().map(|event| (&event.actor, &event.data)).collect::<Vec<_>>()).unwrap();
    assert!(!text.contains("Wr0ngSecret!") && !text.contains("nobody@example.com"), "{text}");
    let hash = events[0].data["identifierHash"].as_str().unwrap();
    assert_eq!(hash, gatehouse_domain::crypto::token::sha256_hex("fay"));
    assert_eq!((hash.len(), events[0].actor.clone()), (64, json!("anonymous")));
    assert!(events[0].data["userId"].is_i64() && events[1].data["userId"].is_null());
}

#[tokio::test]
async fn a_blocked_account_with_the_right_password_is_a_failed_login() {
    let server = TestServer::spawn().await;
    let token = server.full_access().await;
    let (_, user) = server.register("bob").await;
    server.put(&format!("/api/users/{}", user["id"]), &json!({"blocked": true}), &token).await;
    let before = server.events().await.len();
    let refused = server.post("/api/auth/local", &json!({"identifier": "bob", "password": PASSWORD}), None).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    let events = events_after(&server, before).await;
    assert_eq!(types(&events), ["user.login_failed"]);
    assert_eq!(events[0].data["reason"], "blocked");
}

#[tokio::test]
async fn admin_writes_emit_token_role_admin_and_invite_events() {
    let server = TestServer::spawn().await;
    let jwt = first_admin(&server).await;
    let before = server.events().await.len();
    let created = server.post("/admin/api-tokens", &json!({"name": "ci", "type": "read-only"}), Some(&jwt)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let id = created.json()["data"]["id"].as_i64().unwrap();
    let secret = created.json()["data"]["accessKey"].as_str().unwrap().to_owned();
    let updated =
        server.put(&format!("/admin/api-tokens/{id}"), &json!({"name": "ci-2", "description": "x"}), &jwt).await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.text);
    server.post(&format!("/admin/api-tokens/{id}/regenerate"), &json!({}), Some(&jwt)).await;
    assert_eq!(server.delete(&format!("/admin/api-tokens/{id}"), &jwt).await.status, StatusCode::OK);
    let role =
        server.post("/users-permissions/roles", &json!({"name": "Auditor", "description": "a"}), Some(&jwt)).await;
    assert_eq!(role.status, StatusCode::OK, "{}", role.text);
    let role_id = server.events().await.last().unwrap().data["role"]["id"].as_i64().unwrap();
    let renamed = server.put(&format!("/users-permissions/roles/{role_id}"), &json!({"name": "Auditors"}), &jwt).await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.text);
    server.delete(&format!("/users-permissions/roles/{role_id}"), &jwt).await;
    let invited = server
        .post("/admin/users", &json!({"email": "new@example.com", "firstname": "New", "roles": [2]}), Some(&jwt))
        .await;
    assert_eq!(invited.status, StatusCode::CREATED, "{}", invited.text);

    let events = events_after(&server, before).await;
    assert_eq!(
        types(&events),
        [
            "api_token.created",
            "api_token.updated",
            "api_token.regenerated",
            "api_token.deleted",
            "role.created",
            "role.updated",
            "role.deleted",
            "admin.created",
            "invite.created",
        ]
    );
    assert_eq!(find(&events, "api_token.updated").data["changes"], json!(["name", "description"]));
    assert_eq!(find(&events, "role.updated").data["changes"], json!(["name"]));
    assert!(events.iter().all(|event| event.actor["realm"] == "admin"), "every actor is the admin");
    let text = serde_json::to_string(&events.iter().map(|event| &event.data).collect::<Vec<&Value>>()).unwrap();
    assert!(!text.contains(&secret) && !text.contains("gat_"), "no token secret in events");
}

#[tokio::test]
async fn the_command_line_acts_as_the_system() {
    let server = TestServer::spawn().await;
    let (_, user) = server.register("cli").await;
    let before = server.events().await.len();
    let id = gatehouse_domain::ids::UserId(user["id"].as_i64().unwrap());
    server.domain().delete_user(&Caller::system(), id).await.unwrap();
    let events = events_after(&server, before).await;
    assert_eq!(types(&events), ["session.revoked", "user.deleted"]);
    assert_eq!(events[0].data["reason"], "user_deleted");
    assert!(events.iter().all(|event| event.actor == json!("system")));
}

#[tokio::test]
async fn a_password_change_is_an_update_then_password_changed_then_the_other_sessions_end() {
    let server = TestServer::spawn().await;
    let (jwt, _) = server.register("pat").await;
    let second = server.post("/api/auth/local", &json!({"identifier": "pat", "password": PASSWORD}), None).await;
    assert_eq!(second.status, StatusCode::OK);
    let before = server.events().await.len();
    let changed = server
        .post(
            "/api/auth/change-password",
            &json!({"currentPassword": PASSWORD, "password": "N3wPassword!", "passwordConfirmation": "N3wPassword!"}),
            Some(&jwt),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
    let events = events_after(&server, before).await;
    assert_eq!(types(&events), ["user.updated", "user.password_changed", "session.revoked"]);
    assert_eq!(events[0].data["changes"], json!(["password"]));
    assert_eq!(events[2].data["reason"], "password_changed");
}

#[tokio::test]
async fn a_password_reset_is_an_update_then_password_changed_session_revoked_and_logged_in() {
    use crate::support::smtp::SmtpSink;
    let sink = SmtpSink::start().await;
    let url = sink.url();
    let server = TestServer::builder()
        .with_config(move |config| {
            config.mail.smtp_url = Some(url);
            config.auth.reset_password_url = Some("https://app.example.com/reset".into());
        })
        .spawn()
        .await;
    server.register("rex").await;
    let before = server.events().await.len();
    server.post("/api/auth/forgot-password", &json!({"email": "rex@example.com"}), None).await;
    let link = sink.wait_for("rex@example.com").await.link("https://app.example.com/reset?code=").unwrap();
    let code = link.split("code=").nth(1).unwrap().to_owned();
    let reset = server
        .post(
            "/api/auth/reset-password",
            &json!({"code": code, "password": "brand new password", "passwordConfirmation": "brand new password"}),
            None,
        )
        .await;
    assert_eq!(reset.status, StatusCode::OK, "{}", reset.text);
    let events = events_after(&server, before).await;
    assert_eq!(
        types(&events),
        ["user.password_reset_requested", "user.updated", "user.password_changed", "session.revoked", "user.logged_in"]
    );
    assert_eq!(events[1].data["changes"], json!(["password"]));
    assert_eq!(events[3].data["reason"], "password_reset");
    let text = serde_json::to_string(&events.iter().map(|event| &event.data).collect::<Vec<&Value>>()).unwrap();
    assert!(!text.contains(&code), "no reset code in events");
}

#[tokio::test]
async fn deleting_a_role_moves_its_users_with_their_role_changed_events_first() {
    let server = TestServer::spawn().await;
    let token = server.full_access().await;
    let input = RoleInput { name: Some("Temp".into()), ..RoleInput::default() };
    let temp = server.domain().create_role(&Caller::system(), input).await.unwrap();
    let (_, user) = server.register("mover").await;
    let moved = server.put(&format!("/api/users/{}", user["id"]), &json!({"role": temp.id.0}), &token).await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.text);
    let before = server.events().await.len();
    let deleted = server.delete(&format!("/api/users-permissions/roles/{}", temp.id.0), &token).await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.text);
    let events = events_after(&server, before).await;
    assert_eq!(types(&events), ["user.updated", "user.role_changed", "role.deleted"]);
    assert_eq!(events[0].data["changes"], json!(["role"]));
    assert_eq!(events[1].data["previousRole"], json!(temp.id.0));
    assert_eq!(events[1].data["user"]["id"], user["id"]);
    assert_eq!(events[2].data["usersMoved"], 1);
}
