//! The embedding API over real HTTP, through `examples/extend.rs` itself: its added
//! `POST /api/users/{id}/deactivate` (behind `is-own-user`, with its own action granted
//! through the roles API), its wrapped `me`, its removed `user.count` and its before-create
//! hook; and a registered policy named from configuration.

#[path = "../../examples/extend.rs"]
#[allow(dead_code)]
mod example;

use crate::support::TestServer;
use gatehouse::config::RouteConfig;
use gatehouse::extend::Gatehouse;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// The permission tree granting exactly `actions` of the users-permissions user controller.
fn user_actions(actions: &[&str]) -> Value {
    let mut controller = serde_json::Map::new();
    for action in actions {
        controller.insert((*action).to_owned(), json!({"enabled": true}));
    }
    json!({"plugin::users-permissions": {"controllers": {"user": controller}}})
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
async fn the_example_deactivates_only_the_callers_own_account_once_its_action_is_granted() {
    let server = TestServer::builder().with_extensions(example::customize()).spawn().await;
    let (ann, ann_user) = server.register("ann").await;
    let (_bob, bob_user) = server.register("bob").await;
    let (ann_id, bob_id) = (ann_user["id"].as_i64().unwrap(), bob_user["id"].as_i64().unwrap());

    // Not granted yet: refused by the permission check, like any built-in action.
    let refused = server.post(&format!("/api/users/{ann_id}/deactivate"), &json!({}), Some(&ann)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);

    // Granted as a built-in action is, through the roles API; the role shows it.
    let token = server.full_access().await;
    let granted = server
        .put("/api/users-permissions/roles/1", &json!({"permissions": user_actions(&["me", "deactivate"])}), &token)
        .await;
    assert_eq!(granted.status, StatusCode::OK, "{}", granted.text);
    let role = server.get("/api/users-permissions/roles/1", Some(&token)).await;
    let tree = &role.json()["role"]["permissions"]["plugin::users-permissions"]["controllers"]["user"];
    assert_eq!(tree["deactivate"]["enabled"], json!(true), "{}", role.text);

    // is-own-user: Ann may not deactivate Bob, and nothing is written.
    let events_before = server.events().await.len();
    let other = server.post(&format!("/api/users/{bob_id}/deactivate"), &json!({}), Some(&ann)).await;
    assert_eq!(other.status, StatusCode::FORBIDDEN, "{}", other.text);
    assert_eq!(other.json()["error"]["message"], "You can only modify your own account");
    assert_eq!(server.events().await.len(), events_before);
    let bob_now = server.domain().store().find_user(gatehouse_domain::ids::UserId(bob_id)).await.unwrap().unwrap();
    assert!(!bob_now.blocked);

    // Ann deactivates herself: blocked, her session ended.
    let own = server.post(&format!("/api/users/{ann_id}/deactivate"), &json!({}), Some(&ann)).await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.text);
    assert_eq!(own.json()["message"], "User ann has been deactivated");
    let ann_now = server.domain().store().find_user(gatehouse_domain::ids::UserId(ann_id)).await.unwrap().unwrap();
    assert!(ann_now.blocked);
    let kinds: Vec<String> =
        server.events().await.iter().skip(events_before).map(|event| event.event_type.clone()).collect();
    assert!(kinds.iter().any(|kind| kind == "user.blocked"), "{kinds:?}");
    assert!(kinds.iter().any(|kind| kind == "session.revoked"), "{kinds:?}");
    let after = server.get("/api/users/me", Some(&ann)).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED, "{}", after.text);
}

#[tokio::test]
async fn the_example_wraps_me_removes_count_and_lists_its_route() {
    let server = TestServer::builder().with_extensions(example::customize()).spawn().await;
    let admin = first_admin(&server).await;
    let (ann, ann_user) = server.register("ann").await;

    let me = server.get("/api/users/me", Some(&ann)).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text);
    let body = me.json();
    assert_eq!(body["id"], ann_user["id"]);
    assert_eq!(body["username"], "ann");
    assert!(body["timestamp"].as_u64().is_some_and(|millis| millis > 1_600_000_000_000), "{body}");

    let count = server.get("/api/users/count", Some(&ann)).await;
    let unknown = server.get("/api/users/nothing-here/at-all", Some(&ann)).await;
    assert_eq!(count.status, StatusCode::NOT_FOUND, "{}", count.text);
    assert_eq!(count.json(), unknown.json());

    let routes = server.get("/admin/routes", Some(&admin)).await;
    assert_eq!(routes.status, StatusCode::OK, "{}", routes.text);
    let data = routes.json()["data"].as_array().unwrap().clone();
    let find = |handler: &str| data.iter().find(|route| route["handler"] == handler).cloned().unwrap();
    let deactivate = find("user.deactivate");
    assert_eq!(deactivate["method"], "POST");
    assert_eq!(deactivate["path"], "/api/users/{id}/deactivate");
    assert_eq!(deactivate["action"], "plugin::users-permissions.user.deactivate");
    assert_eq!(deactivate["policies"], json!(["is-own-user"]));
    assert_eq!(deactivate["enabled"], json!(true));
    assert_eq!(find("user.count")["enabled"], json!(false));

    let openapi = server.get("/openapi.json", None).await.json();
    assert!(openapi["paths"]["/api/users/{id}/deactivate"]["post"].is_object());
    assert!(openapi["paths"]["/api/users/count"].is_null());

    // The permission list offers the new action like a built-in one.
    let token = server.full_access().await;
    let permissions = server.get("/api/users-permissions/permissions", Some(&token)).await;
    let user = &permissions.json()["permissions"]["plugin::users-permissions"]["controllers"]["user"];
    assert!(user["deactivate"].is_object(), "{}", permissions.text);
}

#[tokio::test]
async fn the_examples_before_create_hook_refuses_example_org_and_writes_nothing() {
    let server = TestServer::builder().with_extensions(example::customize()).spawn().await;
    let events_before = server.events().await.len();
    let refused = server
        .post(
            "/api/auth/local/register",
            &json!({"username": "eve", "email": "eve@Example.org", "password": crate::support::PASSWORD}),
            None,
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
    assert_eq!(refused.json()["error"]["name"], "ValidationError");
    assert!(refused.text.contains("example.org addresses cannot be used"), "{}", refused.text);
    // Created by someone holding user.create, on the v1 surface: the same refusal.
    let token = server.full_access().await;
    let v1 = server
        .post(
            "/api/v1/users",
            &json!({"email": "mallory@example.org", "password": crate::support::PASSWORD}),
            Some(&token),
        )
        .await;
    assert_eq!(v1.status, StatusCode::BAD_REQUEST, "{}", v1.text);
    let filter = gatehouse_domain::query::Filter::everything();
    assert_eq!(server.domain().store().count_users(&filter).await.unwrap(), 0);
    let events = server.events().await;
    assert!(
        events.iter().skip(events_before).all(|event| event.event_type != "user.created"),
        "{:?}",
        events.iter().map(|event| &event.event_type).collect::<Vec<_>>()
    );
    // Any other address is welcome.
    server.register("dora").await;
    assert_eq!(server.domain().store().count_users(&filter).await.unwrap(), 1);
}

#[tokio::test]
async fn a_registered_policy_refuses_with_its_message_when_configuration_names_it() {
    let extensions = Gatehouse::builder()
        .policy("only-argument", |context| {
            let wanted: Option<i64> = context.arguments().first().and_then(|argument| argument.parse().ok());
            if context.user_id().is_some() && context.user_id() == wanted {
                Ok(())
            } else {
                Err("Only the chosen one may".to_owned())
            }
        })
        .build();
    let server = TestServer::builder()
        .with_extensions(extensions)
        .with_config(|config| {
            let policies = vec!["only-argument(2)".to_owned()];
            config.routes.insert("user.me".to_owned(), RouteConfig { policies, ..RouteConfig::default() });
        })
        .spawn()
        .await;
    let (first, _) = server.register("first").await;
    let (second, _) = server.register("second").await;
    let refused = server.get("/api/users/me", Some(&first)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
    assert_eq!(refused.json()["error"]["message"], "Only the chosen one may");
    assert_eq!(server.get("/api/users/me", Some(&second)).await.status, StatusCode::OK);
}

#[test]
fn configuration_knows_registered_policies_and_added_routes_and_names_unknown_ones() {
    use gatehouse::config::{Config, Overrides};
    let extensions = example::customize();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("gatehouse.toml");
    std::fs::write(&file, "[routes.\"user.deactivate\"]\npolicies = [\"ip-allow(10.0.0.0/8)\"]\n").unwrap();
    let overrides = Overrides { config_file: Some(file.clone()), ..Overrides::default() };
    let known = Config::check_from_with(&overrides, &[], &extensions).unwrap();
    assert!(known.problems.is_empty(), "{:?}", known.problems);
    // Without the application, the handler does not exist.
    let plain = Config::check_from(&overrides, &[]).unwrap();
    assert!(plain.problems.iter().any(|problem| problem.contains("user.deactivate")), "{:?}", plain.problems);

    std::fs::write(&file, "[routes.\"user.deactivate\"]\npolicies = [\"no-such-policy\"]\n").unwrap();
    let unknown = Config::check_from_with(&overrides, &[], &extensions).unwrap();
    assert!(unknown.problems.iter().any(|problem| problem.contains("no-such-policy")), "{:?}", unknown.problems);

    let clash = Gatehouse::builder()
        .route(gatehouse::extend::NewRoute::get("/api/users/me", "user.mine"), |_| async {
            Ok(gatehouse::extend::Answer::ok(json!({})))
        })
        .wrap("user.nothing", gatehouse::extend::Wrap::new())
        .policy("deny", |_| Ok(()))
        .build();
    let problems = Config::check_from_with(&Overrides::default(), &[], &clash).unwrap().problems;
    assert!(problems.iter().any(|problem| problem.contains("user.mine")), "{problems:?}");
    assert!(problems.iter().any(|problem| problem.contains("user.nothing")), "{problems:?}");
    assert!(problems.iter().any(|problem| problem.contains("\"deny\"")), "{problems:?}");
}

#[tokio::test]
async fn a_wraps_before_refuses_before_anything_is_written_and_after_hooks_run_once_committed() {
    use gatehouse::extend::{Refusal, UserOp, Wrap};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let created = Arc::new(AtomicUsize::new(0));
    let updated = Arc::new(AtomicUsize::new(0));
    let (created_seen, updated_seen) = (created.clone(), updated.clone());
    let extensions = Gatehouse::builder()
        .wrap(
            "user.update",
            Wrap::new().before(|request| match request.path_id() {
                Some(id) if request.user_id() == Some(id) => Err(Refusal::forbidden("Ask an administrator")),
                _ => Ok(()),
            }),
        )
        .before_user(UserOp::Update, |draft| match draft.username {
            Some("root") => Err(gatehouse::FieldError::new("username", "root is reserved")),
            _ => Ok(()),
        })
        .after_user(UserOp::Create, move |_, _| {
            created_seen.fetch_add(1, Ordering::SeqCst);
        })
        .after_user(UserOp::Update, move |_, user| {
            assert_eq!(user.username, "renamed");
            updated_seen.fetch_add(1, Ordering::SeqCst);
        })
        .build();
    let server = TestServer::builder().with_extensions(extensions).spawn().await;
    let (ann, ann_user) = server.register("ann").await;
    assert_eq!(created.load(Ordering::SeqCst), 1);
    let id = ann_user["id"].as_i64().unwrap();
    let token = server.full_access().await;
    let granted = server
        .put("/api/users-permissions/roles/1", &json!({"permissions": user_actions(&["me", "update"])}), &token)
        .await;
    assert_eq!(granted.status, StatusCode::OK, "{}", granted.text);
    let events_before = server.events().await.len();

    // The wrap refuses the user's own update through its JWT: nothing is written.
    let own = server.put(&format!("/api/users/{id}"), &json!({"username": "renamed"}), &ann).await;
    assert_eq!(own.status, StatusCode::FORBIDDEN, "{}", own.text);
    assert_eq!(own.json()["error"]["message"], "Ask an administrator");
    // The before-update hook refuses a reserved name: 400, nothing written.
    let reserved = server.put(&format!("/api/users/{id}"), &json!({"username": "root"}), &token).await;
    assert_eq!(reserved.status, StatusCode::BAD_REQUEST, "{}", reserved.text);
    assert_eq!(server.events().await.len(), events_before);
    assert_eq!(updated.load(Ordering::SeqCst), 0);

    let renamed = server.put(&format!("/api/users/{id}"), &json!({"username": "renamed"}), &token).await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.text);
    assert_eq!(updated.load(Ordering::SeqCst), 1);
}
