//! SCIM 2.0 with `scim.groups = "groups"`: Groups of their own, mapped to end-user roles by
//! `scim.group_roles`, over real HTTP on SQLite or PostgreSQL.

use crate::support::{Answer, TestServer};
use gatehouse::config::{Config, GroupRoleConfig, Overrides, ScimGroups};
use gatehouse_domain::ids::UserId;
use gatehouse_domain::roles::RoleInput;
use gatehouse_domain::Caller;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const PATCH: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const SEARCH: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

fn mapping(group: &str, role: &str) -> GroupRoleConfig {
    GroupRoleConfig { group: group.to_owned(), role: role.to_owned() }
}

/// A server in groups mode where Engineering maps to `editor`, then Staff to `staff`, then
/// Ghosts to a role that does not exist; the roles `editor` and `staff` exist.
async fn groups_server() -> TestServer {
    let server = TestServer::builder()
        .with_config(|config| {
            config.scim.groups = ScimGroups::Groups;
            config.scim.group_roles =
                vec![mapping("Engineering", "editor"), mapping("Staff", "staff"), mapping("Ghosts", "ghost")];
        })
        .spawn()
        .await;
    for name in ["Editor", "Staff"] {
        let input = RoleInput { name: Some(name.to_owned()), ..RoleInput::default() };
        server.domain().create_role(&Caller::system(), input).await.unwrap();
    }
    server
}

async fn scim_token(server: &TestServer) -> String {
    server.api_token("scim", &[], None).await.1
}

async fn send(server: &TestServer, method: Method, path: &str, body: Option<Value>, token: &str) -> Answer {
    let mut request = reqwest::Client::new()
        .request(method, server.url(path))
        .bearer_auth(token)
        .header("Content-Type", "application/scim+json");
    if let Some(body) = body {
        request = request.body(body.to_string());
    }
    server.send(request).await
}

async fn create_group(server: &TestServer, token: &str, name: &str, members: &[&str]) -> Value {
    let members: Vec<Value> = members.iter().map(|id| json!({"value": id})).collect();
    let body = json!({"schemas": [GROUP], "displayName": name, "members": members});
    let answer = send(server, Method::POST, "/scim/v2/Groups", Some(body), token).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
    answer.json()
}

async fn create_user(server: &TestServer, token: &str, name: &str) -> String {
    let body = json!({"schemas": [USER], "userName": name});
    let answer = send(server, Method::POST, "/scim/v2/Users", Some(body), token).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
    answer.json()["id"].as_str().unwrap().to_owned()
}

/// The user's role type, as another surface shows it.
async fn role_of(server: &TestServer, admin: &str, id: &str) -> String {
    let answer = server.get(&format!("/api/users/{id}?populate=role"), Some(admin)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    answer.json()["role"]["type"].as_str().unwrap().to_owned()
}

fn member_ids(group: &Value) -> Vec<String> {
    group["members"]
        .as_array()
        .map(|members| members.iter().map(|member| member["value"].as_str().unwrap().to_owned()).collect())
        .unwrap_or_default()
}

fn group_path(group: &Value) -> String {
    format!("/scim/v2/Groups/{}", group["id"].as_str().unwrap())
}

fn remove_member(id: &str) -> Value {
    json!({"schemas": [PATCH], "Operations": [{"op": "remove", "path": format!("members[value eq \"{id}\"]")}]})
}

#[tokio::test]
async fn membership_of_mapped_groups_decides_the_role_and_the_first_mapping_wins() {
    let server = groups_server().await;
    let token = scim_token(&server).await;
    let admin = server.full_access().await;
    let (jwt, user) = server.register("ann").await;
    let id = user["id"].to_string();
    let before = server.events().await.len();

    let staff = create_group(&server, &token, "Staff", &[&id]).await;
    assert_eq!(member_ids(&staff), std::slice::from_ref(&id));
    assert_eq!(role_of(&server, &admin, &id).await, "staff");

    // Engineering is listed first in the mapping: it wins over Staff, whatever the case.
    let engineering = create_group(&server, &token, "engineering", &[&id]).await;
    assert_eq!(role_of(&server, &admin, &id).await, "editor");

    let shown = send(&server, Method::GET, &format!("/scim/v2/Users/{id}"), None, &token).await.json();
    let groups = shown["groups"].as_array().unwrap();
    let listed: Vec<(&str, &str)> =
        groups.iter().map(|group| (group["value"].as_str().unwrap(), group["display"].as_str().unwrap())).collect();
    let (staff_id, engineering_id) = (staff["id"].as_str().unwrap(), engineering["id"].as_str().unwrap());
    assert_eq!(listed, [(staff_id, "Staff"), (engineering_id, "engineering")]);
    assert!(groups[1]["$ref"].as_str().unwrap().ends_with(&format!("/scim/v2/Groups/{engineering_id}")));

    // Out of Engineering: the next mapping (Staff) applies.
    let path = group_path(&engineering);
    let answer = send(&server, Method::PATCH, &path, Some(remove_member(&id)), &token).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert!(member_ids(&answer.json()).is_empty());
    assert_eq!(role_of(&server, &admin, &id).await, "staff");

    // Staff deleted: in no mapped group, the user holds the default role again.
    let deleted = send(&server, Method::DELETE, &group_path(&staff), None, &token).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    assert_eq!(role_of(&server, &admin, &id).await, "authenticated");

    // A role change does not end the user's sessions (as anywhere in the domain), and the
    // session acts with the new role at once.
    let me = server.get("/api/users/me?populate=role", Some(&jwt)).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text);
    assert_eq!(me.json()["role"]["type"], "authenticated");
    let events = server.events().await.into_iter().skip(before).collect::<Vec<_>>();
    let types: Vec<&str> = events.iter().map(|event| event.event_type.as_str()).collect();
    for kind in ["group.created", "group.updated", "group.deleted", "user.updated"] {
        assert!(types.contains(&kind), "no {kind} in {types:?}");
    }
    assert!(!types.contains(&"session.revoked"), "{types:?}");
    let role_changes = events.iter().filter(|event| event.event_type == "user.role_changed").count();
    assert_eq!(role_changes, 4, "{types:?}");
    let updated = events.iter().find(|event| event.event_type == "user.updated").unwrap();
    assert_eq!(updated.data["changes"], json!(["role"]));
}

#[tokio::test]
async fn a_taken_display_name_is_a_uniqueness_conflict_whatever_its_case() {
    let server = groups_server().await;
    let token = scim_token(&server).await;
    create_group(&server, &token, "Operations", &[]).await;
    let other = create_group(&server, &token, "Sales", &[]).await;

    let again = json!({"schemas": [GROUP], "displayName": "OPERATIONS"});
    let answer = send(&server, Method::POST, "/scim/v2/Groups", Some(again), &token).await;
    assert_eq!(answer.status, StatusCode::CONFLICT, "{}", answer.text);
    assert_eq!(answer.json()["scimType"], "uniqueness");

    let rename = json!({"schemas": [GROUP], "displayName": "operations"});
    let answer = send(&server, Method::PUT, &group_path(&other), Some(rename), &token).await;
    assert_eq!(answer.status, StatusCode::CONFLICT, "{}", answer.text);
    assert_eq!(answer.json()["scimType"], "uniqueness");

    let empty = json!({"schemas": [GROUP], "displayName": "  "});
    let answer = send(&server, Method::POST, "/scim/v2/Groups", Some(empty), &token).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.text);
    assert_eq!(answer.json()["scimType"], "invalidValue");
}

#[tokio::test]
async fn unmapped_groups_keep_the_default_role_and_unknown_members_are_ignored() {
    let server = groups_server().await;
    let token = scim_token(&server).await;
    let admin = server.full_access().await;
    let id = create_user(&server, &token, "bea").await;

    let club = create_group(&server, &token, "Book Club", &[&id, "999999", "not-a-number"]).await;

    assert_eq!(member_ids(&club), std::slice::from_ref(&id));
    assert_eq!(role_of(&server, &admin, &id).await, "authenticated");
    let found = send(&server, Method::GET, &group_path(&club), None, &token).await;
    assert_eq!(member_ids(&found.json()), [id]);
}

#[tokio::test]
async fn a_rename_recomputes_the_role_of_every_member() {
    let server = groups_server().await;
    let token = scim_token(&server).await;
    let admin = server.full_access().await;
    let first = create_user(&server, &token, "cid").await;
    let second = create_user(&server, &token, "dee").await;
    let group = create_group(&server, &token, "Eng", &[&first, &second]).await;
    assert_eq!(role_of(&server, &admin, &first).await, "authenticated");

    let rename =
        json!({"schemas": [PATCH], "Operations": [{"op": "replace", "path": "displayName", "value": "Engineering"}]});
    let answer = send(&server, Method::PATCH, &group_path(&group), Some(rename), &token).await;

    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert_eq!(answer.json()["displayName"], "Engineering");
    assert_eq!(role_of(&server, &admin, &first).await, "editor");
    assert_eq!(role_of(&server, &admin, &second).await, "editor");
}

#[tokio::test]
async fn put_sets_exactly_the_members_given_and_patch_adds_without_replacing() {
    let server = groups_server().await;
    let token = scim_token(&server).await;
    let admin = server.full_access().await;
    let ids = [
        create_user(&server, &token, "eli").await,
        create_user(&server, &token, "fay").await,
        create_user(&server, &token, "gus").await,
    ];
    let group = create_group(&server, &token, "Staff", &[&ids[0], &ids[1]]).await;
    let path = group_path(&group);

    let put = json!({"schemas": [GROUP], "displayName": "Staff", "externalId": "okta-staff", "members": [{"value": ids[1]}, {"value": ids[2]}]});
    let answer = send(&server, Method::PUT, &path, Some(put), &token).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert_eq!(answer.json()["externalId"], "okta-staff");
    assert_eq!(member_ids(&answer.json()), [ids[1].clone(), ids[2].clone()]);
    assert_eq!(role_of(&server, &admin, &ids[0]).await, "authenticated");
    assert_eq!(role_of(&server, &admin, &ids[2]).await, "staff");

    let add =
        json!({"schemas": [PATCH], "Operations": [{"op": "add", "path": "members", "value": [{"value": ids[0]}]}]});
    let answer = send(&server, Method::PATCH, &path, Some(add), &token).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert_eq!(member_ids(&answer.json()), ids);
    assert_eq!(role_of(&server, &admin, &ids[0]).await, "staff");
}

#[tokio::test]
async fn deleting_a_user_removes_it_from_its_groups() {
    let server = groups_server().await;
    let token = scim_token(&server).await;
    let kept = create_user(&server, &token, "hal").await;
    let gone = create_user(&server, &token, "ida").await;
    let group = create_group(&server, &token, "Staff", &[&kept, &gone]).await;

    let deleted = send(&server, Method::DELETE, &format!("/scim/v2/Users/{gone}"), None, &token).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);

    let found = send(&server, Method::GET, &group_path(&group), None, &token).await;
    assert_eq!(member_ids(&found.json()), [kept]);
    // The version changed with the members: the old one no longer matches.
    let version = group["meta"]["version"].as_str().unwrap();
    assert_ne!(found.json()["meta"]["version"].as_str().unwrap(), version);
}

#[tokio::test]
async fn groups_are_filtered_sorted_paged_projected_and_versioned() {
    let server = groups_server().await;
    let token = scim_token(&server).await;
    let id = create_user(&server, &token, "joe").await;
    create_group(&server, &token, "Staff", &[&id]).await;
    create_group(&server, &token, "Alpha", &[]).await;
    let engineering = create_group(&server, &token, "Engineering", &[&id]).await;

    let list = send(&server, Method::GET, "/scim/v2/Groups?sortBy=displayName&count=2", None, &token).await.json();
    assert_eq!(list["totalResults"], 3);
    let names: Vec<&str> =
        list["Resources"].as_array().unwrap().iter().map(|group| group["displayName"].as_str().unwrap()).collect();
    assert_eq!(names, ["Alpha", "Engineering"]);

    let filter =
        url::form_urlencoded::byte_serialize(format!("members.value eq \"{id}\"").as_bytes()).collect::<String>();
    let path =
        format!("/scim/v2/Groups?filter={filter}&sortBy=displayName&sortOrder=descending&attributes=displayName");
    let list = send(&server, Method::GET, &path, None, &token).await.json();
    assert_eq!(list["totalResults"], 2);
    assert_eq!(list["Resources"][0]["displayName"], "Staff");
    assert!(list["Resources"][0].get("members").is_none(), "{list}");

    let search = json!({"schemas": [SEARCH], "filter": "displayName eq \"engineering\""});
    let found = send(&server, Method::POST, "/scim/v2/Groups/.search", Some(search), &token).await.json();
    assert_eq!(found["totalResults"], 1);
    assert_eq!(found["Resources"][0]["id"], engineering["id"]);

    let path = group_path(&engineering);
    let version = engineering["meta"]["version"].as_str().unwrap();
    let cached = server
        .send(reqwest::Client::new().get(server.url(&path)).bearer_auth(&token).header("If-None-Match", version))
        .await;
    assert_eq!(cached.status, StatusCode::NOT_MODIFIED);
    let stale = server
        .send(
            reqwest::Client::new()
                .patch(server.url(&path))
                .bearer_auth(&token)
                .header("If-Match", "W/\"1-0\"")
                .header("Content-Type", "application/scim+json")
                .body(remove_member(&id).to_string()),
        )
        .await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED, "{}", stale.text);
    assert_eq!(send(&server, Method::GET, "/scim/v2/Groups/0", None, &token).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_mapping_to_a_missing_role_is_refused_clearly_and_changes_nothing() {
    let server = groups_server().await;
    let token = scim_token(&server).await;
    let id = create_user(&server, &token, "kit").await;

    let body = json!({"schemas": [GROUP], "displayName": "Ghosts", "members": [{"value": id}]});
    let answer = send(&server, Method::POST, "/scim/v2/Groups", Some(body), &token).await;

    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.text);
    assert!(answer.json()["detail"].as_str().unwrap().contains("scim.group_roles"), "{}", answer.text);
    let list = send(&server, Method::GET, "/scim/v2/Groups", None, &token).await.json();
    assert_eq!(list["totalResults"], 0, "{list}");
    let user = server.domain().find_user(&Caller::system(), UserId(id.parse().unwrap()), true).await.unwrap();
    assert_eq!(user.role.unwrap().role_type, "authenticated");
}

#[test]
fn the_groups_mode_is_checked_at_load() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("gatehouse.toml");
    let load = |text: &str| {
        std::fs::write(&file, text).unwrap();
        let overrides = Overrides { config_file: Some(file.clone()), ..Overrides::default() };
        Config::check_from(&overrides, &[]).unwrap()
    };

    let good = load(
        "[scim]\ngroups = \"groups\"\ngroup_roles = [ { group = \"Engineering\", role = \"editor\" }, { group = \"Staff\", role = \"authenticated\" } ]\n",
    );
    assert!(good.problems.is_empty(), "{:?}", good.problems);
    assert_eq!(good.config.scim.groups, ScimGroups::Groups);
    let settings = good.config.domain_settings();
    assert_eq!(settings.group_roles.len(), 2);
    assert_eq!(
        (settings.group_roles[0].group.as_str(), settings.group_roles[0].role.as_str()),
        ("Engineering", "editor")
    );

    let bad = load(
        "[scim]\nrealm = \"admins\"\ngroups = \"groups\"\ngroup_roles = [ { group = \" \", role = \"editor\" }, { group = \"a\", role = \"\" }, { group = \"A\", role = \"x\" }, { group = \"b\", role = \"y\", colour = \"red\" } ]\n",
    );
    let report = bad.problems.join("\n");
    for expected in [
        "scim.groups:",
        "scim.group_roles[0].group:",
        "scim.group_roles[1].role:",
        "scim.group_roles[2].group:",
        "colour: unknown key",
    ] {
        assert!(report.contains(expected), "{expected} is not reported in:\n{report}");
    }

    let missing = load("[scim]\ngroup_roles = [ { group = \"Staff\" } ]\n");
    assert!(missing.problems.iter().any(|problem| problem.starts_with("scim.group_roles")), "{:?}", missing.problems);
    let unused = load("[scim]\ngroup_roles = [ { group = \"Staff\", role = \"staff\" } ]\n");
    assert!(unused.warnings.iter().any(|warning| warning.starts_with("scim.group_roles")), "{:?}", unused.warnings);
}

#[tokio::test]
async fn concurrent_membership_changes_leave_every_role_matching_its_groups() {
    let server = groups_server().await;
    let token = scim_token(&server).await;
    let admin = server.full_access().await;
    let mut ids = Vec::new();
    for name in ["lea", "max", "ned", "ola", "pia", "quin"] {
        ids.push(create_user(&server, &token, name).await);
    }
    let engineering = create_group(&server, &token, "Engineering", &[]).await;
    let staff = create_group(&server, &token, "Staff", &[]).await;

    // Each user is added to both groups at once, by separate requests racing each other.
    let mut requests = Vec::new();
    for id in &ids {
        for group in [&engineering, &staff] {
            let add =
                json!({"schemas": [PATCH], "Operations": [{"op": "add", "path": "members", "value": [{"value": id}]}]});
            let request = reqwest::Client::new()
                .patch(server.url(&group_path(group)))
                .bearer_auth(&token)
                .header("Content-Type", "application/scim+json")
                .body(add.to_string());
            requests.push(tokio::spawn(async move {
                let response = request.send().await.unwrap();
                (response.status(), response.text().await.unwrap())
            }));
        }
    }
    for request in requests {
        let (status, text) = request.await.unwrap();
        assert_eq!(status, StatusCode::OK, "{text}");
    }

    for group in [&engineering, &staff] {
        let found = send(&server, Method::GET, &group_path(group), None, &token).await.json();
        assert_eq!(member_ids(&found).len(), ids.len(), "{found}");
    }
    for id in &ids {
        assert_eq!(role_of(&server, &admin, id).await, "editor", "user {id}");
    }
}

#[tokio::test]
async fn a_users_version_changes_with_its_groups_and_stays_usable_in_if_match() {
    let server = groups_server().await;
    let token = scim_token(&server).await;
    let id = create_user(&server, &token, "rae").await;
    let path = format!("/scim/v2/Users/{id}");
    let before = send(&server, Method::GET, &path, None, &token).await.json();
    let old_version = before["meta"]["version"].as_str().unwrap().to_owned();

    create_group(&server, &token, "Book Club", &[&id]).await;

    let after = send(&server, Method::GET, &path, None, &token).await;
    let version = after.json()["meta"]["version"].as_str().unwrap().to_owned();
    assert_ne!(version, old_version);
    let cached = server
        .send(reqwest::Client::new().get(server.url(&path)).bearer_auth(&token).header("If-None-Match", &old_version))
        .await;
    assert_eq!(cached.status, StatusCode::OK, "a stale version must not answer 304");
    let patch = json!({"schemas": [PATCH], "Operations": [{"op": "replace", "path": "displayName", "value": "Rae"}]});
    let request = reqwest::Client::new()
        .patch(server.url(&path))
        .bearer_auth(&token)
        .header("If-Match", &version)
        .header("Content-Type", "application/scim+json")
        .body(patch.to_string());
    let patched = server.send(request).await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.text);
    assert_eq!(patched.json()["groups"][0]["display"], "Book Club");
}
