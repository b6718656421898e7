//! SCIM 2.0 with `scim.realm = "admins"`: Users over the admin users and Groups over the admin
//! roles, through the admin realm's rules and events, on SQLite or PostgreSQL.

use crate::support::{Answer, TestServer};
use gatehouse::config::ScimRealm;
use reqwest::StatusCode;
use serde_json::{json, Value};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const PATCH: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const ADMIN_PASSWORD: &str = "AdminPass123";

async fn admins_server() -> TestServer {
    TestServer::builder().with_config(|config| config.scim.realm = ScimRealm::Admins).spawn().await
}

async fn first_admin(server: &TestServer) -> String {
    let answer = server
        .post(
            "/admin/register-admin",
            &json!({"email": "ada@example.com", "password": ADMIN_PASSWORD, "firstname": "Ada", "lastname": "Admin"}),
            None,
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    answer.json()["data"]["token"].as_str().unwrap().to_owned()
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

async fn scim_token(server: &TestServer) -> String {
    server.api_token("scim", &[], None).await.1
}

fn grace() -> Value {
    json!({
        "schemas": [USER], "userName": "grace@example.com",
        "name": {"givenName": "Grace", "familyName": "Hopper"},
        "emails": [{"value": "grace@example.com", "primary": true}],
        "externalId": "okta-00u1",
    })
}

/// Gives the admin a password through the command line's reset, then logs it in.
async fn login_with_a_password(server: &TestServer, email: &str) -> String {
    server.domain().reset_admin_password_by_cli(email, ADMIN_PASSWORD).await.expect("password set");
    let answer = server.post("/admin/login", &json!({"email": email, "password": ADMIN_PASSWORD}), None).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    answer.json()["data"]["token"].as_str().unwrap().to_owned()
}

fn listed_emails(answer: &Answer) -> Vec<String> {
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    answer.json()["data"]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|admin| admin["email"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn scim_users_provision_admins_seen_on_the_admin_surface() {
    let server = admins_server().await;
    let jwt = first_admin(&server).await;
    let token = scim_token(&server).await;

    let created = send(&server, reqwest::Method::POST, "/scim/v2/Users", Some(grace()), &token).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let user = created.json();
    assert_eq!(user["userName"], "grace@example.com");
    assert_eq!(user["displayName"], "Grace Hopper");
    assert_eq!(user["active"], true);
    let id = user["id"].as_str().unwrap().to_owned();

    let listed = server.get("/admin/users", Some(&jwt)).await;
    assert!(listed_emails(&listed).contains(&"grace@example.com".to_owned()), "{}", listed.text);
    let admin = server.get(&format!("/admin/users/{id}"), Some(&jwt)).await.json();
    assert_eq!(admin["data"]["firstname"], "Grace");
    assert_eq!(admin["data"]["lastname"], "Hopper");
    assert_eq!(admin["data"]["isActive"], true);
    let events: Vec<String> = server.events().await.into_iter().map(|event| event.event_type).collect();
    assert!(events.iter().any(|event| event == "admin.created"), "{events:?}");
    let audit = server.get("/admin/audit-logs?action=admin.created", Some(&jwt)).await;
    assert_eq!(audit.status, StatusCode::OK, "{}", audit.text);
    let rows = audit.json()["data"]["results"].as_array().unwrap().clone();
    assert!(rows.iter().any(|row| row["actor"]["type"] == "api_token"), "the scim token is the actor: {rows:?}");

    let found = send(
        &server,
        reqwest::Method::GET,
        "/scim/v2/Users?filter=userName%20eq%20%22GRACE@example.com%22",
        None,
        &token,
    )
    .await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.text);
    let found = found.json();
    assert_eq!(found["totalResults"], 1, "{found}");
    assert_eq!(found["Resources"][0]["id"], json!(id));
    assert_eq!(found["Resources"][0]["externalId"], "okta-00u1");
    let by_external =
        send(&server, reqwest::Method::GET, "/scim/v2/Users?filter=externalId%20eq%20%22okta-00u1%22", None, &token)
            .await
            .json();
    assert_eq!(by_external["totalResults"], 1, "{by_external}");
    let renamed =
        json!({"schemas": [PATCH], "Operations": [{"op": "replace", "path": "externalId", "value": "okta-00u2"}]});
    let patched = send(&server, reqwest::Method::PATCH, &format!("/scim/v2/Users/{id}"), Some(renamed), &token).await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.text);
    assert_eq!(patched.json()["externalId"], "okta-00u2");
    let all = send(&server, reqwest::Method::GET, "/scim/v2/Users?sortBy=userName&count=1&startIndex=2", None, &token)
        .await
        .json();
    assert_eq!(all["totalResults"], 2, "{all}");
    assert_eq!(all["Resources"][0]["userName"], "grace@example.com", "{all}");

    let again = send(&server, reqwest::Method::POST, "/scim/v2/Users", Some(grace()), &token).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text);
    assert_eq!(again.json()["scimType"], "uniqueness");
}

#[tokio::test]
async fn deactivating_or_deleting_a_provisioned_admin_ends_its_sessions() {
    let server = admins_server().await;
    let jwt = first_admin(&server).await;
    let token = scim_token(&server).await;
    let id = send(&server, reqwest::Method::POST, "/scim/v2/Users", Some(grace()), &token).await.json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let grace_jwt = login_with_a_password(&server, "grace@example.com").await;
    assert_eq!(server.get("/admin/users/me", Some(&grace_jwt)).await.status, StatusCode::OK);

    let off = json!({"schemas": [PATCH], "Operations": [{"op": "replace", "path": "active", "value": false}]});
    let patched = send(&server, reqwest::Method::PATCH, &format!("/scim/v2/Users/{id}"), Some(off), &token).await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.text);
    assert_eq!(patched.json()["active"], false);
    assert_eq!(server.get("/admin/users/me", Some(&grace_jwt)).await.status, StatusCode::UNAUTHORIZED);

    let on = json!({"schemas": [PATCH], "Operations": [{"op": "replace", "value": {"active": true}}]});
    let patched = send(&server, reqwest::Method::PATCH, &format!("/scim/v2/Users/{id}"), Some(on), &token).await;
    assert_eq!(patched.json()["active"], true, "{}", patched.text);
    let grace_jwt = login_with_a_password(&server, "grace@example.com").await;

    let deleted = send(&server, reqwest::Method::DELETE, &format!("/scim/v2/Users/{id}"), None, &token).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    assert_eq!(server.get("/admin/users/me", Some(&grace_jwt)).await.status, StatusCode::UNAUTHORIZED);
    assert!(!listed_emails(&server.get("/admin/users", Some(&jwt)).await).contains(&"grace@example.com".to_owned()));
    let gone = send(&server, reqwest::Method::GET, &format!("/scim/v2/Users/{id}"), None, &token).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND, "{}", gone.text);
    let events: Vec<String> = server.events().await.into_iter().map(|event| event.event_type).collect();
    for wanted in ["admin.updated", "session.revoked", "admin.deleted", "scim.user.deprovisioned"] {
        assert!(events.iter().any(|event| event == wanted), "{wanted} in {events:?}");
    }
    let deprovisioned: Vec<(String, String)> = server
        .events()
        .await
        .into_iter()
        .filter(|event| event.event_type == "scim.user.deprovisioned")
        .map(|event| (event.data["mode"].as_str().unwrap().to_owned(), event.data["externalId"].to_string()))
        .collect();
    assert_eq!(
        deprovisioned,
        [("deactivated".to_owned(), "\"okta-00u1\"".to_owned()), ("deleted".to_owned(), "\"okta-00u1\"".to_owned())]
    );

    // The last active super admin is not deactivated.
    let ada = send(
        &server,
        reqwest::Method::GET,
        "/scim/v2/Users?filter=userName%20eq%20%22ada@example.com%22",
        None,
        &token,
    )
    .await
    .json();
    let ada_id = ada["Resources"][0]["id"].as_str().unwrap().to_owned();
    let off = json!({"schemas": [PATCH], "Operations": [{"op": "replace", "path": "active", "value": false}]});
    let refused = send(&server, reqwest::Method::PATCH, &format!("/scim/v2/Users/{ada_id}"), Some(off), &token).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
    assert_eq!(refused.json()["scimType"], "mutability");
    assert_eq!(server.get("/admin/users/me", Some(&jwt)).await.status, StatusCode::OK);
}

#[tokio::test]
async fn scim_groups_are_admin_roles_and_members_gain_and_lose_one_role() {
    let server = admins_server().await;
    let jwt = first_admin(&server).await;
    let token = scim_token(&server).await;
    let id = send(&server, reqwest::Method::POST, "/scim/v2/Users", Some(grace()), &token).await.json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let groups = send(&server, reqwest::Method::GET, "/scim/v2/Groups", None, &token).await;
    assert_eq!(groups.status, StatusCode::OK, "{}", groups.text);
    let groups = groups.json();
    let names: Vec<&str> =
        groups["Resources"].as_array().unwrap().iter().map(|group| group["displayName"].as_str().unwrap()).collect();
    for name in ["Super Admin", "Editor", "Author"] {
        assert!(names.contains(&name), "{name} in {names:?}");
    }
    let group_id = |name: &str| {
        groups["Resources"].as_array().unwrap().iter().find(|group| group["displayName"] == name).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    for role in ["Editor", "Author"] {
        let add =
            json!({"schemas": [PATCH], "Operations": [{"op": "add", "path": "members", "value": [{"value": id}]}]});
        let patched =
            send(&server, reqwest::Method::PATCH, &format!("/scim/v2/Groups/{}", group_id(role)), Some(add), &token)
                .await;
        assert_eq!(patched.status, StatusCode::OK, "{}", patched.text);
        assert_eq!(patched.json()["members"][0]["value"], json!(id));
    }
    let admin = server.get(&format!("/admin/users/{id}"), Some(&jwt)).await.json();
    let mut codes: Vec<&str> =
        admin["data"]["roles"].as_array().unwrap().iter().map(|role| role["code"].as_str().unwrap()).collect();
    codes.sort_unstable();
    assert_eq!(codes, ["strapi-author", "strapi-editor"]);

    let remove =
        json!({"schemas": [PATCH], "Operations": [{"op": "remove", "path": format!("members[value eq \"{id}\"]")}]});
    let patched =
        send(&server, reqwest::Method::PATCH, &format!("/scim/v2/Groups/{}", group_id("Editor")), Some(remove), &token)
            .await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.text);
    let admin = server.get(&format!("/admin/users/{id}"), Some(&jwt)).await.json();
    assert_eq!(admin["data"]["roles"].as_array().unwrap().len(), 1, "{admin}");
    assert_eq!(admin["data"]["roles"][0]["code"], "strapi-author");
    let user = send(&server, reqwest::Method::GET, &format!("/scim/v2/Users/{id}"), None, &token).await.json();
    assert_eq!(user["groups"][0]["display"], "Author", "{user}");

    let refused =
        send(&server, reqwest::Method::DELETE, &format!("/scim/v2/Groups/{}", group_id("Author")), None, &token).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
}

#[tokio::test]
async fn with_the_default_realm_scim_leaves_the_admins_alone() {
    let server = TestServer::spawn().await;
    let jwt = first_admin(&server).await;
    let token = scim_token(&server).await;
    let created = send(&server, reqwest::Method::POST, "/scim/v2/Users", Some(grace()), &token).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let emails = listed_emails(&server.get("/admin/users", Some(&jwt)).await);
    assert_eq!(emails, ["ada@example.com"], "an end user, not an admin");
    let ada = send(
        &server,
        reqwest::Method::GET,
        "/scim/v2/Users?filter=userName%20eq%20%22ada@example.com%22",
        None,
        &token,
    )
    .await
    .json();
    assert_eq!(ada["totalResults"], 0, "{ada}");
    let groups = send(&server, reqwest::Method::GET, "/scim/v2/Groups", None, &token).await.json();
    assert!(
        groups["Resources"]
            .as_array()
            .is_none_or(|groups| groups.iter().all(|group| group["displayName"] != "Super Admin")),
        "{groups}"
    );
}

#[tokio::test]
async fn an_installation_without_admins_is_provisioned_whole_over_scim() {
    let server = admins_server().await;
    let token = scim_token(&server).await;
    let id = send(&server, reqwest::Method::POST, "/scim/v2/Users", Some(grace()), &token).await.json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let off = json!({"schemas": [PATCH], "Operations": [{"op": "replace", "path": "active", "value": false}]});
    let patched = send(&server, reqwest::Method::PATCH, &format!("/scim/v2/Users/{id}"), Some(off), &token).await;
    assert_eq!(patched.status, StatusCode::OK, "no super admin to keep: {}", patched.text);
    let deleted = send(&server, reqwest::Method::DELETE, &format!("/scim/v2/Users/{id}"), None, &token).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
}

#[tokio::test]
async fn a_provisioned_admin_keeps_its_user_name_profile_and_a_password_that_meets_the_admin_rules() {
    let server = admins_server().await;
    let jwt = first_admin(&server).await;
    let token = scim_token(&server).await;
    let enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    let body = json!({
        "schemas": [USER, enterprise], "userName": "grace.hopper", "displayName": "Amazing Grace",
        "name": {"givenName": "Grace", "familyName": "Hopper", "middleName": "Brewster"},
        "emails": [{"value": "grace@example.com", "type": "work", "primary": true}, {"value": "g@home.example", "type": "home"}],
        "title": "Rear Admiral", "locale": "en-US",
        enterprise: {"department": "Navy", "employeeNumber": "1906"},
        "password": "Cobol1959x",
    });
    let created = send(&server, reqwest::Method::POST, "/scim/v2/Users", Some(body), &token).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let user = created.json();
    let id = user["id"].as_str().unwrap().to_owned();
    assert_eq!(user["userName"], "grace.hopper");
    assert_eq!(user["displayName"], "Amazing Grace");
    assert_eq!(user["name"]["middleName"], "Brewster");
    assert_eq!(user["title"], "Rear Admiral");
    assert_eq!(user[enterprise]["department"], "Navy");
    assert_eq!(user["emails"].as_array().unwrap().len(), 2, "{user}");
    assert!(user.get("password").is_none(), "never read back");

    // The password logs it in, with its email; a new one ends that session.
    let login = json!({"email": "grace@example.com", "password": "Cobol1959x"});
    let answer = server.post("/admin/login", &login, None).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let grace_jwt = answer.json()["data"]["token"].as_str().unwrap().to_owned();
    let new_password =
        json!({"schemas": [PATCH], "Operations": [{"op": "replace", "path": "password", "value": "Flowmatic1957"}]});
    let patched =
        send(&server, reqwest::Method::PATCH, &format!("/scim/v2/Users/{id}"), Some(new_password), &token).await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.text);
    assert_eq!(server.get("/admin/users/me", Some(&grace_jwt)).await.status, StatusCode::UNAUTHORIZED);
    let login = json!({"email": "grace@example.com", "password": "Flowmatic1957"});
    assert_eq!(server.post("/admin/login", &login, None).await.status, StatusCode::OK);

    // A password below the admin rules is refused, and changes nothing.
    let weak = json!({"schemas": [PATCH], "Operations": [{"op": "replace", "path": "password", "value": "lowercase"}]});
    let refused = send(&server, reqwest::Method::PATCH, &format!("/scim/v2/Users/{id}"), Some(weak), &token).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
    assert_eq!(refused.json()["scimType"], "invalidValue");

    // The user name is found by a filter, case-insensitively, and is unique among admins.
    let found =
        send(&server, reqwest::Method::GET, "/scim/v2/Users?filter=userName%20eq%20%22GRACE.HOPPER%22", None, &token)
            .await
            .json();
    assert_eq!(found["totalResults"], 1, "{found}");
    let twin = json!({"schemas": [USER], "userName": "Grace.Hopper", "emails": [{"value": "twin@example.com"}]});
    let taken = send(&server, reqwest::Method::POST, "/scim/v2/Users", Some(twin), &token).await;
    assert_eq!(taken.status, StatusCode::CONFLICT, "{}", taken.text);
    assert_eq!(taken.json()["scimType"], "uniqueness");

    let admin = server.get(&format!("/admin/users/{id}"), Some(&jwt)).await.json();
    assert_eq!(admin["data"]["username"], "grace.hopper", "{admin}");
    assert_eq!(
        (admin["data"]["firstname"].as_str(), admin["data"]["lastname"].as_str()),
        (Some("Grace"), Some("Hopper"))
    );
    let renamed = json!({"schemas": [PATCH], "Operations": [{"op": "remove", "path": "title"}]});
    let patched = send(&server, reqwest::Method::PATCH, &format!("/scim/v2/Users/{id}"), Some(renamed), &token).await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.text);
    let patched = patched.json();
    assert!(patched.get("title").is_none(), "{patched}");
    assert_eq!(patched["name"]["givenName"], "Grace");

    // Without emails, an admin gets a placeholder address that is never shown.
    let bare = json!({"schemas": [USER], "userName": "linus"});
    let created = send(&server, reqwest::Method::POST, "/scim/v2/Users", Some(bare), &token).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let bare = created.json();
    assert!(bare.get("emails").is_none(), "{bare}");
    let admin = server.get(&format!("/admin/users/{}", bare["id"].as_str().unwrap()), Some(&jwt)).await.json();
    assert_eq!(admin["data"]["firstname"], "linus", "{admin}");
}

#[tokio::test]
async fn a_pushed_group_is_a_new_admin_role_that_grants_nothing_and_can_be_renamed_and_deleted() {
    let server = admins_server().await;
    let jwt = first_admin(&server).await;
    let token = scim_token(&server).await;
    let grace_id = send(&server, reqwest::Method::POST, "/scim/v2/Users", Some(grace()), &token).await.json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let group = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Engineering",
        "externalId": "okta-g1", "members": [{"value": grace_id}],
    });
    let created = send(&server, reqwest::Method::POST, "/scim/v2/Groups", Some(group.clone()), &token).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let created = created.json();
    let group_id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(
        (created["displayName"].as_str(), created["externalId"].as_str()),
        (Some("Engineering"), Some("okta-g1"))
    );
    assert_eq!(created["members"][0]["value"], json!(grace_id), "{created}");
    let admin = server.get(&format!("/admin/users/{grace_id}"), Some(&jwt)).await.json();
    assert_eq!(admin["data"]["roles"][0]["name"], "Engineering", "{admin}");
    let permissions = server.get(&format!("/admin/roles/{group_id}/permissions"), Some(&jwt)).await;
    assert_eq!(permissions.status, StatusCode::OK, "{}", permissions.text);
    assert_eq!(permissions.json()["data"], json!([]), "a pushed group grants nothing");

    let twin = send(&server, reqwest::Method::POST, "/scim/v2/Groups", Some(group), &token).await;
    assert_eq!(twin.status, StatusCode::CONFLICT, "{}", twin.text);
    assert_eq!(twin.json()["scimType"], "uniqueness");

    let rename =
        json!({"schemas": [PATCH], "Operations": [{"op": "replace", "path": "displayName", "value": "Platform"}]});
    let renamed =
        send(&server, reqwest::Method::PATCH, &format!("/scim/v2/Groups/{group_id}"), Some(rename), &token).await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.text);
    assert_eq!(renamed.json()["displayName"], "Platform");
    assert_eq!(renamed.json()["members"][0]["value"], json!(grace_id), "members kept");

    let groups =
        send(&server, reqwest::Method::GET, "/scim/v2/Groups?filter=displayName%20eq%20%22Editor%22", None, &token)
            .await
            .json();
    let editor = groups["Resources"][0]["id"].as_str().unwrap().to_owned();
    let rename =
        json!({"schemas": [PATCH], "Operations": [{"op": "replace", "path": "displayName", "value": "Writers"}]});
    let refused =
        send(&server, reqwest::Method::PATCH, &format!("/scim/v2/Groups/{editor}"), Some(rename), &token).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
    assert_eq!(refused.json()["scimType"], "mutability");

    let deleted = send(&server, reqwest::Method::DELETE, &format!("/scim/v2/Groups/{group_id}"), None, &token).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    let admin = server.get(&format!("/admin/users/{grace_id}"), Some(&jwt)).await.json();
    assert_eq!(admin["data"]["roles"], json!([]), "{admin}");
    let gone = send(&server, reqwest::Method::GET, &format!("/scim/v2/Groups/{group_id}"), None, &token).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND, "{}", gone.text);
    let events: Vec<String> = server.events().await.into_iter().map(|event| event.event_type).collect();
    for wanted in [
        "scim.user.provisioned",
        "role.created",
        "group.created",
        "role.updated",
        "group.updated",
        "role.deleted",
        "group.deleted",
    ] {
        assert!(events.iter().any(|event| event == wanted), "{wanted} in {events:?}");
    }
}

#[tokio::test]
async fn an_admin_whose_user_name_is_its_email_keeps_them_one_when_the_email_changes() {
    let server = admins_server().await;
    let jwt = first_admin(&server).await;
    let token = scim_token(&server).await;
    // Ada was made in the admin panel: its userName reads as its email.
    let found = send(
        &server,
        reqwest::Method::GET,
        "/scim/v2/Users?filter=userName%20eq%20%22ada@example.com%22",
        None,
        &token,
    )
    .await
    .json();
    let id = found["Resources"][0]["id"].as_str().unwrap().to_owned();
    let change = json!({"schemas": [PATCH], "Operations": [
        {"op": "replace", "path": "emails", "value": [{"value": "ada@new.example", "primary": true}]}
    ]});
    let patched = send(&server, reqwest::Method::PATCH, &format!("/scim/v2/Users/{id}"), Some(change), &token).await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.text);
    assert_eq!(patched.json()["userName"], "ada@new.example", "{}", patched.text);
    let admin = server.get(&format!("/admin/users/{id}"), Some(&jwt)).await.json();
    assert_eq!(admin["data"]["email"], "ada@new.example", "{admin}");
    assert_eq!(admin["data"]["username"], Value::Null, "no user name of its own: {admin}");
    // Grace, provisioned with its email as userName, has none of its own either.
    let created = send(&server, reqwest::Method::POST, "/scim/v2/Users", Some(grace()), &token).await.json();
    let admin = server.get(&format!("/admin/users/{}", created["id"].as_str().unwrap()), Some(&jwt)).await.json();
    assert_eq!(admin["data"]["username"], Value::Null, "{admin}");
    assert_eq!(created["userName"], "grace@example.com");
}
