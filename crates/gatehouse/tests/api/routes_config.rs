//! Route customization by configuration (`[routes."<handler>"]`) over real HTTP: policies that
//! refuse before anything is written, a disabled route that answers as a path that never
//! existed, the effective table in `gatehouse routes list --json` and `GET /admin/routes`, and
//! configuration errors that stop `config check`.

use crate::support::TestServer;
use gatehouse::config::RouteConfig;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::path::Path;
use std::process::Output;

/// `[routes."<handler>"] policies = [...]` for each pair.
fn with_policies(
    server: crate::support::TestServerBuilder,
    routes: &[(&str, &[&str])],
) -> crate::support::TestServerBuilder {
    let routes: Vec<(String, Vec<String>)> = routes
        .iter()
        .map(|(handler, policies)| ((*handler).to_owned(), policies.iter().map(|p| (*p).to_owned()).collect()))
        .collect();
    server.with_config(move |config| {
        for (handler, policies) in routes {
            config.routes.insert(handler, RouteConfig { policies, ..RouteConfig::default() });
        }
    })
}

/// The permission tree granting exactly `actions` of the users-permissions controllers.
fn tree(actions: &[(&str, &str)]) -> Value {
    let mut controllers = serde_json::Map::new();
    for (controller, action) in actions {
        let entry = controllers.entry((*controller).to_owned()).or_insert_with(|| json!({}));
        entry[*action] = json!({"enabled": true});
    }
    json!({"plugin::users-permissions": {"controllers": controllers}})
}

/// Gives the authenticated role (id 1) exactly `actions`.
async fn grant_authenticated(server: &TestServer, admin: &str, actions: &[(&str, &str)]) {
    let answer = server.put("/api/users-permissions/roles/1", &json!({"permissions": tree(actions)}), admin).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
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

/// `gatehouse --config FILE ARGS` with `toml` as the file, and no inherited configuration.
fn gatehouse_with(toml: &str, args: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("gatehouse.toml");
    std::fs::write(&file, toml).unwrap();
    run_in(dir.path(), &file, args)
}

fn run_in(dir: &Path, file: &Path, args: &[&str]) -> Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_gatehouse"));
    command.current_dir(dir).arg("--config").arg(file).args(args);
    for (key, _) in std::env::vars().filter(|(key, _)| key.starts_with("GATEHOUSE_") && key.contains("__")) {
        command.env_remove(key);
    }
    command.env_remove("GATEHOUSE_CONFIG").env("GATEHOUSE_LOG__LEVEL", "warn").output().unwrap()
}

#[tokio::test]
async fn is_own_user_lets_a_user_update_only_their_own_account_and_writes_nothing_else() {
    let server = with_policies(TestServer::builder(), &[("user.update", &["is-own-user"])]).spawn().await;
    let admin = server.full_access().await;
    grant_authenticated(&server, &admin, &[("user", "me"), ("user", "update")]).await;
    let (alice_jwt, alice) = server.register("alice").await;
    let (_, bob) = server.register("bob").await;
    let events_before = server.events().await.len();

    let refused = server.put(&format!("/api/users/{}", bob["id"]), &json!({"username": "mallory"}), &alice_jwt).await;

    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
    assert_eq!(refused.error(), ("PolicyError".to_owned(), "You can only modify your own account".to_owned()));
    let bob_now = server.get(&format!("/api/users/{}", bob["id"]), Some(&admin)).await.json();
    assert_eq!(bob_now["username"], "bob", "nothing was written");
    assert_eq!(server.events().await.len(), events_before, "no event either");

    let own = server.put(&format!("/api/users/{}", alice["id"]), &json!({"username": "alice2"}), &alice_jwt).await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.text);
    assert_eq!(own.json()["username"], "alice2");
}

#[tokio::test]
async fn is_own_user_lets_a_user_delete_only_their_own_account() {
    let server = with_policies(TestServer::builder(), &[("user.destroy", &["is-own-user"])]).spawn().await;
    let admin = server.full_access().await;
    grant_authenticated(&server, &admin, &[("user", "me"), ("user", "destroy")]).await;
    let (alice_jwt, alice) = server.register("alice").await;
    let (_, bob) = server.register("bob").await;

    let refused = server.delete(&format!("/api/users/{}", bob["id"]), &alice_jwt).await;

    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
    assert_eq!(refused.error().1, "You can only modify your own account");
    assert_eq!(server.get(&format!("/api/users/{}", bob["id"]), Some(&admin)).await.status, StatusCode::OK);
    let own = server.delete(&format!("/api/users/{}", alice["id"]), &alice_jwt).await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.text);
    assert_eq!(server.get(&format!("/api/users/{}", alice["id"]), Some(&admin)).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn is_own_user_on_an_admin_route_compares_the_admins_own_id() {
    let server = with_policies(TestServer::builder(), &[("admin.users.get", &["is-own-user"])]).spawn().await;
    let jwt = first_admin(&server).await;
    let me = server.get("/admin/users/me", Some(&jwt)).await.json();
    let own = server.get(&format!("/admin/users/{}", me["data"]["id"]), Some(&jwt)).await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.text);
    let other = server.get("/admin/users/999", Some(&jwt)).await;
    assert_eq!(other.status, StatusCode::FORBIDDEN, "{}", other.text);
    assert_eq!(other.error().1, "You can only modify your own account");
}

#[tokio::test]
async fn a_disabled_route_answers_exactly_as_a_path_that_never_existed() {
    let server = TestServer::builder()
        .with_config(|config| {
            config.routes.insert("user.count".into(), RouteConfig { enabled: false, ..RouteConfig::default() });
        })
        .spawn()
        .await;
    let admin = server.full_access().await;
    let unknown = server.get("/api/no-such-path", Some(&admin)).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);

    let count = server.get("/api/users/count", Some(&admin)).await;

    assert_eq!(count.status, StatusCode::NOT_FOUND);
    assert_eq!(count.text, unknown.text, "same body as an unknown path");
    assert!(count.headers.get("allow").is_none());
    let posted = server.post("/api/users/count", &json!({}), Some(&admin)).await;
    assert_eq!((posted.status, posted.text), (StatusCode::NOT_FOUND, unknown.text.clone()), "no 405 either");
    let document = server.get("/openapi.json", None).await.json();
    assert!(document["paths"].get("/api/users/count").is_none(), "left out of the OpenAPI document");
    assert!(document["paths"].get("/api/users").is_some());
    assert_eq!(server.get("/api/users", Some(&admin)).await.status, StatusCode::OK, "other routes still answer");
}

#[tokio::test]
async fn a_disabled_method_beside_enabled_ones_is_a_404_and_the_others_still_answer() {
    let server = TestServer::builder()
        .with_config(|config| {
            config.routes.insert("user.destroy".into(), RouteConfig { enabled: false, ..RouteConfig::default() });
        })
        .spawn()
        .await;
    let admin = server.full_access().await;
    let (_, bob) = server.register("bob").await;
    let unknown = server.get("/api/no-such-path", Some(&admin)).await;

    let deleted = server.delete(&format!("/api/users/{}", bob["id"]), &admin).await;

    assert_eq!((deleted.status, deleted.text), (StatusCode::NOT_FOUND, unknown.text));
    assert!(deleted.headers.get("allow").is_none());
    assert_eq!(server.get(&format!("/api/users/{}", bob["id"]), Some(&admin)).await.status, StatusCode::OK);
    let patched = server.send(server.client.patch(server.url(&format!("/api/users/{}", bob["id"])))).await;
    assert_eq!(patched.status, StatusCode::METHOD_NOT_ALLOWED);
    let allow = patched.headers["allow"].to_str().unwrap().to_owned();
    assert!(allow.contains("GET") && allow.contains("PUT") && !allow.contains("DELETE"), "{allow}");
}

#[tokio::test]
async fn has_role_refuses_other_roles_and_allows_the_listed_one() {
    let server = with_policies(TestServer::builder(), &[("user.me", &["has-role(editor)"])]).spawn().await;
    let admin = server.full_access().await;
    let created = server
        .post(
            "/api/users-permissions/roles",
            &json!({"name": "editor", "permissions": tree(&[("user", "me")])}),
            Some(&admin),
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.text);
    let roles = server.get("/api/users-permissions/roles", Some(&admin)).await.json();
    let editor = roles["roles"].as_array().unwrap().iter().find(|role| role["type"] == "editor").unwrap()["id"].clone();
    let (alice_jwt, _) = server.register("alice").await;
    let (bob_jwt, bob) = server.register("bob").await;
    let moved = server.put(&format!("/api/users/{}", bob["id"]), &json!({"role": editor}), &admin).await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.text);

    let refused = server.get("/api/users/me", Some(&alice_jwt)).await;
    let allowed = server.get("/api/users/me", Some(&bob_jwt)).await;

    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
    assert_eq!(refused.error(), ("PolicyError".to_owned(), "Your role may not use this route".to_owned()));
    assert_eq!(allowed.status, StatusCode::OK, "{}", allowed.text);
    assert_eq!(allowed.json()["username"], "bob");
}

#[tokio::test]
async fn ip_allow_judges_the_client_address_behind_a_trusted_proxy() {
    let server = with_policies(TestServer::builder(), &[("user.me", &["ip-allow(10.0.0.0/8)"])])
        .with_config(|config| config.server.trusted_proxies = vec!["127.0.0.1".into()])
        .spawn()
        .await;
    let (jwt, _) = server.register("alice").await;
    let me_from = |address: &'static str| {
        server.client.get(server.url("/api/users/me")).bearer_auth(&jwt).header("x-forwarded-for", address)
    };

    let inside = server.send(me_from("10.1.2.3")).await;
    let outside = server.send(me_from("203.0.113.9")).await;
    let direct = server.get("/api/users/me", Some(&jwt)).await;

    assert_eq!(inside.status, StatusCode::OK, "{}", inside.text);
    assert_eq!(outside.status, StatusCode::FORBIDDEN, "{}", outside.text);
    assert_eq!(outside.error(), ("PolicyError".to_owned(), "Your address may not use this route".to_owned()));
    assert_eq!(direct.status, StatusCode::FORBIDDEN, "127.0.0.1 itself is not in 10.0.0.0/8");
}

#[tokio::test]
async fn a_v1_route_refuses_in_its_own_error_format() {
    let server = with_policies(TestServer::builder(), &[("v1.users.list", &["deny"])]).spawn().await;
    let admin = server.full_access().await;
    let refused = server.get("/api/v1/users", Some(&admin)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
    assert_eq!(refused.json()["error"]["message"], "This route is closed");
    assert_eq!(refused.json()["error"]["code"], 403);
}

#[tokio::test]
async fn admin_routes_lists_the_effective_table_to_admins_only() {
    let server = with_policies(TestServer::builder(), &[("user.update", &["is-own-user", "has-role(editor,staff)"])])
        .with_config(|config| {
            config.rate_limit.enabled = true;
            config.routes.insert("user.count".into(), RouteConfig { enabled: false, ..RouteConfig::default() });
        })
        .spawn()
        .await;
    assert_eq!(server.get("/admin/routes", None).await.status, StatusCode::UNAUTHORIZED);
    let (user_jwt, _) = server.register("alice").await;
    assert_eq!(server.get("/admin/routes", Some(&user_jwt)).await.status, StatusCode::UNAUTHORIZED);
    let jwt = first_admin(&server).await;

    let answer = server.get("/admin/routes", Some(&jwt)).await;

    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let routes = answer.json()["data"].as_array().unwrap().clone();
    let find = |handler: &str| routes.iter().find(|route| route["handler"] == handler).unwrap().clone();
    assert_eq!(
        find("user.update"),
        json!({
            "handler": "user.update", "method": "PUT", "path": "/api/users/{id}",
            "action": "plugin::users-permissions.user.update",
            "policies": ["is-own-user", "has-role(editor,staff)"],
            "rate_limit": "600/1m per token or IP", "enabled": true, "surface": "strapi-content"
        })
    );
    assert_eq!(find("user.count")["enabled"], false);
    assert_eq!(find("auth.callback")["rate_limit"], "10/1m per IP, 10/1m per identifier");
    assert_eq!(find("ops.health")["rate_limit"], Value::Null);
    assert_eq!(find("admin.routes.list")["surface"], "strapi-admin");
}

#[tokio::test]
async fn a_configured_rate_limit_is_the_routes_per_client_limit() {
    let server = TestServer::builder()
        .with_config(|config| {
            config.rate_limit.enabled = true;
            let rate = gatehouse::config::RateText::parse("2/min").unwrap();
            config.routes.insert("user.me".into(), RouteConfig { rate_limit: Some(rate), ..RouteConfig::default() });
        })
        .spawn()
        .await;
    let (jwt, _) = server.register("alice").await;
    for _ in 0..2 {
        assert_eq!(server.get("/api/users/me", Some(&jwt)).await.status, StatusCode::OK);
    }
    let limited = server.get("/api/users/me", Some(&jwt)).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.headers["ratelimit-limit"], "2");
}

#[test]
fn routes_list_json_prints_the_effective_table() {
    let output = gatehouse_with(
        "[routes.\"user.count\"]\nenabled = false\n[routes.\"user.update\"]\npolicies = [\"is-own-user\"]\n\
         [routes.\"auth.callback\"]\nrate_limit = \"5/min\"\n",
        &["routes", "list", "--json"],
    );
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let routes: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();
    let find = |handler: &str| routes.iter().find(|route| route["handler"] == handler).unwrap().clone();
    assert_eq!(find("user.count")["enabled"], false);
    assert_eq!(find("user.update")["policies"], json!(["is-own-user"]));
    assert_eq!(find("auth.callback")["rate_limit"], "5/1m per IP, 10/1m per identifier");
    for route in &routes {
        let keys: Vec<&str> = route.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["handler", "method", "path", "action", "policies", "rate_limit", "enabled", "surface"]);
    }

    let table = gatehouse_with("[routes.\"user.count\"]\nenabled = false\n", &["routes", "list"]);
    let text = String::from_utf8(table.stdout).unwrap();
    assert!(text.starts_with("HANDLER"), "{text}");
    let count = text.lines().find(|line| line.starts_with("user.count ")).unwrap();
    assert!(count.contains("/api/users/count") && count.contains(" no "), "{count}");
}

#[test]
fn config_check_refuses_an_unknown_policy_or_handler_by_name() {
    let output = gatehouse_with("[routes.\"user.update\"]\npolicies = [\"no-such-policy\"]\n", &["config", "check"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("no-such-policy") && stderr.contains("is-own-user"),
        "names it and the known ones: {stderr}"
    );

    let output = gatehouse_with("[routes.\"user.nope\"]\nenabled = false\n", &["config", "check"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("user.nope") && stderr.contains("user.count"), "names it and the known ones: {stderr}");

    let output = gatehouse_with("[routes.\"user.me\"]\npolicies = [\"ip-allow(10.0.0.0/40)\"]\n", &["config", "check"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("10.0.0.0/40"));
}

#[tokio::test]
async fn handler_names_match_whatever_their_case_so_environment_variables_can_name_them() {
    let server = TestServer::builder()
        .with_config(|config| {
            config.routes.insert("user.findone".into(), RouteConfig { enabled: false, ..RouteConfig::default() });
        })
        .spawn()
        .await;
    let admin = server.full_access().await;
    let (_, bob) = server.register("bob").await;
    assert_eq!(server.get(&format!("/api/users/{}", bob["id"]), Some(&admin)).await.status, StatusCode::NOT_FOUND);

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("gatehouse.toml");
    std::fs::write(&file, "").unwrap();
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_gatehouse"));
    for (key, _) in std::env::vars().filter(|(key, _)| key.starts_with("GATEHOUSE_") && key.contains("__")) {
        command.env_remove(key);
    }
    let output = command
        .current_dir(dir.path())
        .args(["--config", file.to_str().unwrap(), "routes", "list", "--json"])
        .env("GATEHOUSE_ROUTES__USER.COUNT__ENABLED", "false")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let routes: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();
    let count = routes.iter().find(|route| route["handler"] == "user.count").unwrap();
    assert_eq!(count["enabled"], false);
}

#[test]
fn serve_refuses_to_start_with_an_unknown_policy() {
    let output = gatehouse_with(
        "[database]\nurl = \"sqlite::memory:\"\n[routes.\"user.update\"]\npolicies = [\"no-such-policy\"]\n",
        &["serve", "--bind", "127.0.0.1:0"],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no-such-policy"));
}

#[test]
fn the_old_route_names_still_key_rate_limits() {
    let output = gatehouse_with(
        "[rate_limit.routes.find_me]\nper_client = \"7/1m\"\n[rate_limit.routes.\"user.count\"]\nper_client = \"8/1m\"\n",
        &["routes", "list", "--json"],
    );
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let routes: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();
    let find = |handler: &str| routes.iter().find(|route| route["handler"] == handler).unwrap().clone();
    assert_eq!(find("user.me")["rate_limit"], "7/1m per token or IP");
    assert_eq!(find("user.count")["rate_limit"], "8/1m per token or IP");
}
