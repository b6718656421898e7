//! SCIM 2.0 at `/scim/v2`: Users and Groups over the end users and roles, with a `scim`
//! API token, on SQLite or PostgreSQL like every API test.

use crate::support::{Answer, TestServer};
use reqwest::StatusCode;
use serde_json::{json, Value};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const PATCH: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

async fn scim_token(server: &TestServer) -> String {
    server.api_token("scim", &[], None).await.1
}

async fn send(server: &TestServer, method: reqwest::Method, path: &str, body: Option<Value>, token: &str) -> Answer {
    let mut request = reqwest::Client::new()
        .request(method, server.url(path))
        .bearer_auth(token)
        .header("Content-Type", "application/scim+json");
    if let Some(body) = body {
        request = request.body(body.to_string());
    }
    server.send(request).await
}

async fn create_user(server: &TestServer, token: &str, body: Value) -> Value {
    let answer = send(server, reqwest::Method::POST, "/scim/v2/Users", Some(body), token).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
    answer.json()
}

fn assert_scim_error(answer: &Answer, status: StatusCode, scim_type: Option<&str>) {
    assert_eq!(answer.status, status, "{}", answer.text);
    let body = answer.json();
    assert_eq!(body["schemas"], json!([ERROR]), "{}", answer.text);
    assert_eq!(body["status"], json!(status.as_u16().to_string()), "{}", answer.text);
    if let Some(scim_type) = scim_type {
        assert_eq!(body["scimType"], json!(scim_type), "{}", answer.text);
    }
}

#[tokio::test]
async fn patch_on_a_filtered_email_value_changes_that_email() {
    let server = TestServer::spawn().await;
    let token = scim_token(&server).await;
    let user = create_user(
        &server,
        &token,
        json!({
            "schemas": [USER], "userName": "bjensen",
            "emails": [{"value": "bj@home.example", "type": "home"}, {"value": "bj@work.example", "type": "work", "primary": true}]
        }),
    )
    .await;
    let id = user["id"].as_str().unwrap();
    let patch = json!({"schemas": [PATCH], "Operations": [
        {"op": "replace", "path": "emails[type eq \"work\"].value", "value": "babs@work.example"}
    ]});
    let answer = send(&server, reqwest::Method::PATCH, &format!("/scim/v2/Users/{id}"), Some(patch), &token).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let patched = answer.json();
    let emails = patched["emails"].as_array().unwrap();
    assert_eq!(emails[0]["value"], "bj@home.example");
    assert_eq!(emails[1]["value"], "babs@work.example");
    // The primary email is the user's email on every surface.
    let found = server
        .domain()
        .find_user(&gatehouse_domain::Caller::system(), gatehouse_domain::ids::UserId(id.parse().unwrap()), false)
        .await
        .unwrap();
    assert_eq!(found.user.email, "babs@work.example");
}

#[tokio::test]
async fn filters_with_and_or_not_and_parentheses_run_in_the_database() {
    let server = TestServer::spawn().await;
    let token = scim_token(&server).await;
    for (name, active) in [("alice", true), ("albert", false), ("bob", true), ("carol", true)] {
        create_user(
            &server,
            &token,
            json!({"schemas": [USER], "userName": name, "active": active, "emails": [{"value": format!("{name}@example.com"), "primary": true}]}),
        )
        .await;
    }
    let filter = r#"(userName sw "al" or userName eq "BOB") and not (active eq false)"#;
    let path = format!("/scim/v2/Users?filter={}&sortBy=userName", urlencode(filter));
    let answer = send(&server, reqwest::Method::GET, &path, None, &token).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let body = answer.json();
    let names: Vec<&str> =
        body["Resources"].as_array().unwrap().iter().map(|user| user["userName"].as_str().unwrap()).collect();
    assert_eq!(names, ["alice", "bob"]);
    assert_eq!(body["totalResults"], 2);
    let by_email = format!("/scim/v2/Users?filter={}", urlencode(r#"emails.value eq "CAROL@example.com""#));
    let body = send(&server, reqwest::Method::GET, &by_email, None, &token).await.json();
    assert_eq!(body["totalResults"], 1);
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[tokio::test]
async fn a_taken_user_name_is_a_uniqueness_conflict() {
    let server = TestServer::spawn().await;
    let token = scim_token(&server).await;
    create_user(&server, &token, json!({"schemas": [USER], "userName": "dup"})).await;
    let again = send(
        &server,
        reqwest::Method::POST,
        "/scim/v2/Users",
        Some(json!({"schemas": [USER], "userName": "DUP"})),
        &token,
    )
    .await;
    assert_scim_error(&again, StatusCode::CONFLICT, Some("uniqueness"));
}

#[tokio::test]
async fn an_invalid_filter_is_invalid_filter() {
    let server = TestServer::spawn().await;
    let token = scim_token(&server).await;
    for filter in [r#"userName zz "x""#, r#"(userName eq "x""#, "userName eq", r#"name.givenName eq "x""#] {
        let path = format!("/scim/v2/Users?filter={}", urlencode(filter));
        let answer = send(&server, reqwest::Method::GET, &path, None, &token).await;
        assert_scim_error(&answer, StatusCode::BAD_REQUEST, Some("invalidFilter"));
    }
}

#[tokio::test]
async fn deactivating_a_user_makes_their_jwt_fail_on_the_next_request() {
    let server = TestServer::spawn().await;
    let token = scim_token(&server).await;
    let (jwt, user) = server.register("dora").await;
    assert_eq!(server.get("/api/users/me", Some(&jwt)).await.status, StatusCode::OK);
    let patch = json!({"schemas": [PATCH], "Operations": [{"op": "replace", "path": "active", "value": false}]});
    let path = format!("/scim/v2/Users/{}", user["id"]);
    let answer = send(&server, reqwest::Method::PATCH, &path, Some(patch), &token).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert_eq!(answer.json()["active"], false);
    assert_eq!(server.get("/api/users/me", Some(&jwt)).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn deleting_a_group_moves_its_users_to_authenticated() {
    let server = TestServer::spawn().await;
    let token = scim_token(&server).await;
    let user = create_user(&server, &token, json!({"schemas": [USER], "userName": "eve"})).await;
    let id = user["id"].as_str().unwrap();
    let answer = send(
        &server,
        reqwest::Method::POST,
        "/scim/v2/Groups",
        Some(json!({"schemas": [GROUP], "displayName": "Editors", "members": [{"value": id}]})),
        &token,
    )
    .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
    let group = answer.json();
    assert_eq!(group["members"][0]["value"], id);
    let member = send(&server, reqwest::Method::GET, &format!("/scim/v2/Users/{id}"), None, &token).await.json();
    assert_eq!(member["groups"][0]["display"], "Editors");
    let path = format!("/scim/v2/Groups/{}", group["id"].as_str().unwrap());
    assert_eq!(send(&server, reqwest::Method::DELETE, &path, None, &token).await.status, StatusCode::NO_CONTENT);
    assert_eq!(send(&server, reqwest::Method::GET, &path, None, &token).await.status, StatusCode::NOT_FOUND);
    let found = server
        .domain()
        .find_user(&gatehouse_domain::Caller::system(), gatehouse_domain::ids::UserId(id.parse().unwrap()), true)
        .await
        .unwrap();
    assert_eq!(found.role.unwrap().role_type, "authenticated");
}

#[tokio::test]
async fn only_scim_tokens_are_accepted_and_errors_use_the_scim_schema() {
    let server = TestServer::spawn().await;
    let full = server.full_access().await;
    let answer = send(&server, reqwest::Method::GET, "/scim/v2/Users", None, &full).await;
    assert_scim_error(&answer, StatusCode::UNAUTHORIZED, None);
    let token = scim_token(&server).await;
    // A scim token is refused everywhere else.
    assert_eq!(server.get("/api/users", Some(&token)).await.status, StatusCode::UNAUTHORIZED);
    let answer = send(&server, reqwest::Method::POST, "/scim/v2/Schemas", Some(json!({})), &token).await;
    assert_scim_error(&answer, StatusCode::METHOD_NOT_ALLOWED, None);
    let answer = send(&server, reqwest::Method::GET, "/scim/v2/Users/999999", None, &token).await;
    assert_scim_error(&answer, StatusCode::NOT_FOUND, None);
    let answer = send(&server, reqwest::Method::GET, "/scim/v2/Nowhere", None, &token).await;
    assert_scim_error(&answer, StatusCode::NOT_FOUND, None);
}

#[tokio::test]
async fn etags_answer_304_and_412() {
    let server = TestServer::spawn().await;
    let token = scim_token(&server).await;
    let user = create_user(&server, &token, json!({"schemas": [USER], "userName": "frank"})).await;
    let path = format!("/scim/v2/Users/{}", user["id"].as_str().unwrap());
    let version = user["meta"]["version"].as_str().unwrap().to_owned();
    let cached = server
        .send(reqwest::Client::new().get(server.url(&path)).bearer_auth(&token).header("If-None-Match", &version))
        .await;
    assert_eq!(cached.status, StatusCode::NOT_MODIFIED);
    let stale = server
        .send(
            reqwest::Client::new()
                .put(server.url(&path))
                .bearer_auth(&token)
                .header("If-Match", "W/\"1\"")
                .header("Content-Type", "application/scim+json")
                .body(json!({"schemas": [USER], "userName": "frank2"}).to_string()),
        )
        .await;
    assert_scim_error(&stale, StatusCode::PRECONDITION_FAILED, None);
}

#[tokio::test]
async fn scim_writes_emit_the_same_user_events_as_every_surface() {
    let server = TestServer::spawn().await;
    let token = scim_token(&server).await;
    let before = server.events().await.len();
    let user = create_user(&server, &token, json!({"schemas": [USER], "userName": "gina"})).await;
    let path = format!("/scim/v2/Users/{}", user["id"].as_str().unwrap());
    let patch = json!({"schemas": [PATCH], "Operations": [{"op": "replace", "value": {"active": false}}]});
    assert_eq!(send(&server, reqwest::Method::PATCH, &path, Some(patch), &token).await.status, StatusCode::OK);
    assert_eq!(send(&server, reqwest::Method::DELETE, &path, None, &token).await.status, StatusCode::NO_CONTENT);
    let types: Vec<String> = server.events().await.into_iter().skip(before).map(|event| event.event_type).collect();
    for kind in ["user.created", "user.updated", "user.blocked", "user.deleted"] {
        assert!(types.iter().any(|found| found == kind), "no {kind} in {types:?}");
    }
}

#[tokio::test]
async fn deleting_with_deactivate_blocks_the_user_who_stays_readable_and_keeps_the_user_name() {
    let server = TestServer::builder()
        .with_config(|config| config.scim.delete = gatehouse::config::ScimDelete::Deactivate)
        .spawn()
        .await;
    let token = scim_token(&server).await;
    let (jwt, user) = server.register("hazel").await;
    let path = format!("/scim/v2/Users/{}", user["id"]);
    let before = server.events().await.len();

    let deleted = send(&server, reqwest::Method::DELETE, &path, None, &token).await;

    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    assert_eq!(server.get("/api/users/me", Some(&jwt)).await.status, StatusCode::UNAUTHORIZED);
    let found = send(&server, reqwest::Method::GET, &path, None, &token).await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.text);
    assert_eq!(found.json()["active"], false);
    let types: Vec<String> = server.events().await.into_iter().skip(before).map(|event| event.event_type).collect();
    for kind in ["user.updated", "user.blocked", "session.revoked"] {
        assert!(types.iter().any(|found| found == kind), "no {kind} in {types:?}");
    }
    assert!(!types.iter().any(|found| found == "user.deleted"), "{types:?}");
    // The userName stays taken: the provider re-activates the user rather than creating it again.
    let again = send(
        &server,
        reqwest::Method::POST,
        "/scim/v2/Users",
        Some(json!({"schemas": [USER], "userName": "hazel"})),
        &token,
    )
    .await;
    assert_scim_error(&again, StatusCode::CONFLICT, Some("uniqueness"));
    let patch = json!({"schemas": [PATCH], "Operations": [{"op": "replace", "path": "active", "value": true}]});
    let revived = send(&server, reqwest::Method::PATCH, &path, Some(patch), &token).await;
    assert_eq!(revived.json()["active"], true, "{}", revived.text);
}

#[tokio::test]
async fn the_unfiltered_total_follows_creates_and_deletes() {
    let server = TestServer::spawn().await;
    let token = scim_token(&server).await;
    let total = |answer: Answer| answer.json()["totalResults"].as_u64().unwrap();
    let list = "/scim/v2/Users?startIndex=1&count=1";
    let before = total(send(&server, reqwest::Method::GET, list, None, &token).await);
    let first = create_user(&server, &token, json!({"schemas": [USER], "userName": "ivy"})).await;
    create_user(&server, &token, json!({"schemas": [USER], "userName": "jay"})).await;
    server.register("kim").await;
    assert_eq!(total(send(&server, reqwest::Method::GET, list, None, &token).await), before + 3);

    let path = format!("/scim/v2/Users/{}", first["id"].as_str().unwrap());
    assert_eq!(send(&server, reqwest::Method::DELETE, &path, None, &token).await.status, StatusCode::NO_CONTENT);

    let page = send(&server, reqwest::Method::GET, list, None, &token).await.json();
    assert_eq!(page["totalResults"], before + 2);
    assert_eq!(page["itemsPerPage"], 1);
    let counted = send(&server, reqwest::Method::GET, "/scim/v2/Users?count=0", None, &token).await;
    assert_eq!(total(counted), before + 2);
}

#[tokio::test]
async fn provisioning_writes_also_emit_the_scim_and_group_events_after_the_user_and_role_events() {
    let server = TestServer::spawn().await;
    let token = scim_token(&server).await;
    let before = server.events().await.len();
    let user =
        create_user(&server, &token, json!({"schemas": [USER], "userName": "ivy", "externalId": "okta-ivy"})).await;
    let id = user["id"].as_str().unwrap().to_owned();
    let path = format!("/scim/v2/Users/{id}");
    let off = json!({"schemas": [PATCH], "Operations": [{"op": "replace", "path": "active", "value": false}]});
    assert_eq!(send(&server, reqwest::Method::PATCH, &path, Some(off), &token).await.status, StatusCode::OK);
    assert_eq!(send(&server, reqwest::Method::DELETE, &path, None, &token).await.status, StatusCode::NO_CONTENT);
    let group = json!({"schemas": [GROUP], "displayName": "Pilots"});
    let created = send(&server, reqwest::Method::POST, "/scim/v2/Groups", Some(group), &token).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let group_path = format!("/scim/v2/Groups/{}", created.json()["id"].as_str().unwrap());
    let rename = json!({"schemas": [PATCH], "Operations": [{"op": "replace", "path": "displayName", "value": "Crew"}]});
    assert_eq!(send(&server, reqwest::Method::PATCH, &group_path, Some(rename), &token).await.status, StatusCode::OK);
    assert_eq!(send(&server, reqwest::Method::DELETE, &group_path, None, &token).await.status, StatusCode::NO_CONTENT);

    let events: Vec<_> = server.events().await.into_iter().skip(before).collect();
    let types: Vec<&str> = events.iter().map(|event| event.event_type.as_str()).collect();
    let position =
        |kind: &str| types.iter().position(|found| *found == kind).unwrap_or_else(|| panic!("no {kind} in {types:?}"));
    assert!(position("user.created") < position("scim.user.provisioned"), "{types:?}");
    assert!(position("user.blocked") < position("scim.user.deprovisioned"), "{types:?}");
    assert!(position("user.deleted") > position("scim.user.deprovisioned"), "deactivated first: {types:?}");
    assert_eq!(types.iter().filter(|kind| **kind == "scim.user.deprovisioned").count(), 2, "{types:?}");
    assert_eq!(types.last(), Some(&"group.deleted"), "{types:?}");
    assert!(position("role.created") < position("group.created"), "{types:?}");
    assert!(position("role.updated") < position("group.updated"), "{types:?}");
    let provisioned = &events[position("scim.user.provisioned")];
    assert_eq!(provisioned.data["externalId"], "okta-ivy", "{:?}", provisioned.data);
    let modes: Vec<&str> = events
        .iter()
        .filter(|event| event.event_type == "scim.user.deprovisioned")
        .map(|event| event.data["mode"].as_str().unwrap())
        .collect();
    assert_eq!(modes, ["deactivated", "deleted"]);

    // The same writes through another surface emit none of them.
    let before = server.events().await.len();
    server.register("jules").await;
    let types: Vec<String> = server.events().await.into_iter().skip(before).map(|event| event.event_type).collect();
    assert!(types.iter().all(|kind| !kind.starts_with("scim.") && !kind.starts_with("group.")), "{types:?}");
}
