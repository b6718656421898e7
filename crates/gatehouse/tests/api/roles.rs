//! Roles and per-action permissions: grants take effect on the next request, without restart.

use crate::support::{TestServer, PASSWORD};
use reqwest::StatusCode;
use serde_json::json;

fn tree(actions: &[(&str, &str)]) -> serde_json::Value {
    let mut controllers = serde_json::Map::new();
    for (controller, action) in actions {
        let entry = controllers.entry(controller.to_string()).or_insert_with(|| json!({}));
        entry[*action] = json!({"enabled": true});
    }
    json!({"plugin::users-permissions": {"controllers": controllers}})
}

#[tokio::test]
async fn granting_and_revoking_find_takes_effect_without_restart() {
    let server = TestServer::spawn().await;
    let admin = server.full_access().await;
    let (jwt, _) = server.register("reader").await;
    assert_eq!(server.get("/api/users", Some(&jwt)).await.status, StatusCode::FORBIDDEN);

    let grant = tree(&[("user", "me"), ("user", "find"), ("auth", "logout")]);
    let answer = server.put("/api/users-permissions/roles/1", &json!({"permissions": grant}), &admin).await;
    assert_eq!((answer.status, answer.json()), (StatusCode::OK, json!({"ok": true})));
    assert_eq!(server.get("/api/users", Some(&jwt)).await.status, StatusCode::OK);

    let revoke = tree(&[("user", "me"), ("auth", "logout")]);
    server.put("/api/users-permissions/roles/1", &json!({"permissions": revoke}), &admin).await;
    assert_eq!(server.get("/api/users", Some(&jwt)).await.status, StatusCode::FORBIDDEN);
    assert_eq!(server.get("/api/users/me", Some(&jwt)).await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_public_role_governs_anonymous_callers() {
    let server = TestServer::spawn().await;
    let admin = server.full_access().await;
    assert_eq!(server.get("/api/users/count", None).await.status, StatusCode::FORBIDDEN);
    let (_, public) = {
        let roles = server.get("/api/users-permissions/roles", Some(&admin)).await.json();
        let public = roles["roles"].as_array().unwrap().iter().find(|role| role["type"] == "public").unwrap().clone();
        (roles, public)
    };
    let id = public["id"].as_i64().unwrap();
    let detail = server.get(&format!("/api/users-permissions/roles/{id}"), Some(&admin)).await.json();
    let mut permissions = detail["role"]["permissions"].clone();
    permissions["plugin::users-permissions"]["controllers"]["user"]["count"]["enabled"] = json!(true);
    server.put(&format!("/api/users-permissions/roles/{id}"), &json!({"permissions": permissions}), &admin).await;
    assert_eq!(server.get("/api/users/count", None).await.status, StatusCode::OK);
    // Turning register off for the public role closes self-registration.
    permissions["plugin::users-permissions"]["controllers"]["auth"]["register"]["enabled"] = json!(false);
    server.put(&format!("/api/users-permissions/roles/{id}"), &json!({"permissions": permissions}), &admin).await;
    let register = server
        .post(
            "/api/auth/local/register",
            &json!({"username": "late", "email": "late@example.com", "password": PASSWORD}),
            None,
        )
        .await;
    assert_eq!(register.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn roles_are_listed_created_detailed_and_deleted_in_strapi_shapes() {
    let server = TestServer::spawn().await;
    let admin = server.full_access().await;
    server.register("member").await;

    let listed = server.get("/api/users-permissions/roles", Some(&admin)).await.json();
    let types: Vec<&str> =
        listed["roles"].as_array().unwrap().iter().map(|role| role["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["authenticated", "public"]);
    assert_eq!(listed["roles"][0]["nb_users"], 1);
    assert_eq!(listed["roles"][0]["name"], "Authenticated");

    let created = server
        .post(
            "/api/users-permissions/roles",
            &json!({"name": "Editors", "description": "Edit", "permissions": tree(&[("user", "find")])}),
            Some(&admin),
        )
        .await;
    assert_eq!((created.status, created.json()), (StatusCode::OK, json!({"ok": true})));
    let duplicate = server.post("/api/users-permissions/roles", &json!({"name": "editors"}), Some(&admin)).await;
    assert_eq!(duplicate.error(), ("ApplicationError".into(), "Role already exists".into()));
    let nameless = server.post("/api/users-permissions/roles", &json!({"description": "x"}), Some(&admin)).await;
    assert_eq!(nameless.status, StatusCode::BAD_REQUEST);

    let listed = server.get("/api/users-permissions/roles", Some(&admin)).await.json();
    let editors = listed["roles"].as_array().unwrap().iter().find(|role| role["type"] == "editors").unwrap().clone();
    let id = editors["id"].as_i64().unwrap();
    let detail = server.get(&format!("/api/users-permissions/roles/{id}"), Some(&admin)).await.json();
    let controllers = &detail["role"]["permissions"]["plugin::users-permissions"]["controllers"];
    assert_eq!(controllers["user"]["find"], json!({"enabled": true, "policy": ""}));
    assert_eq!(controllers["user"]["destroy"]["enabled"], false);
    assert_eq!(
        server.get("/api/users-permissions/roles/9999", Some(&admin)).await.error(),
        ("NotFoundError".into(), "Role not found".into())
    );

    // A member moved to the role falls back to authenticated when it is deleted.
    let member = server.get("/api/users?filters[username][$eq]=member", Some(&admin)).await.json();
    let member_id = member[0]["id"].as_i64().unwrap();
    server.put(&format!("/api/users/{member_id}"), &json!({"role": id}), &admin).await;
    let deleted = server.delete(&format!("/api/users-permissions/roles/{id}"), &admin).await;
    assert_eq!((deleted.status, deleted.json()), (StatusCode::OK, json!({"ok": true})));
    let member = server.get(&format!("/api/users/{member_id}?populate=role"), Some(&admin)).await.json();
    assert_eq!(member["role"]["type"], "authenticated");

    for builtin in [1, 2] {
        let refused = server.delete(&format!("/api/users-permissions/roles/{builtin}"), &admin).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    }
    let permissions = server.get("/api/users-permissions/permissions", Some(&admin)).await.json();
    assert_eq!(
        permissions["permissions"]["plugin::users-permissions"]["controllers"]["auth"]["register"]["enabled"],
        false
    );
    let kinds: Vec<String> = server.events().await.iter().map(|event| event.event_type.clone()).collect();
    for kind in ["role.created", "role.deleted"] {
        assert!(kinds.contains(&kind.to_owned()), "{kind} in {kinds:?}");
    }
}

async fn permissions_of(server: &TestServer, admin: &str) -> serde_json::Value {
    server.get("/api/users-permissions/roles/1", Some(admin)).await.json()["role"]["permissions"].clone()
}

#[tokio::test]
async fn a_role_update_naming_an_unknown_action_is_refused_and_changes_nothing() {
    let server = TestServer::spawn().await;
    let admin = server.full_access().await;
    let before = permissions_of(&server, &admin).await;

    let mut unknown_action = tree(&[("user", "me"), ("user", "nonsense")]);
    unknown_action["plugin::users-permissions"]["controllers"]["user"]["find"] = json!({"enabled": true});
    let mut unknown_plugin = tree(&[("user", "me")]);
    unknown_plugin["plugin::nosuch"] = json!({"controllers": {"thing": {"do": {"enabled": true}}}});
    for (permissions, named) in
        [(unknown_action, "plugin::users-permissions.user.nonsense"), (unknown_plugin, "plugin::nosuch.thing.do")]
    {
        let answer = server.put("/api/users-permissions/roles/1", &json!({"permissions": permissions}), &admin).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.text);
        let (name, message) = answer.error();
        assert_eq!(name, "ValidationError");
        assert!(message.contains(named), "{named} named in {message:?}");
        assert_eq!(permissions_of(&server, &admin).await, before, "the role's permissions are unchanged");
    }
}
