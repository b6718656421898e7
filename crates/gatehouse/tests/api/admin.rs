//! The admin realm over real HTTP: bootstrap, login, realm separation, RBAC, invites with
//! expiry, soft delete and restore, the last-super-admin guard, and the admin CLI.

use crate::support::{gatehouse_cli, Answer, CliOutput, TestServer, PASSWORD};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;

const ADMIN_PASSWORD: &str = "AdminPass123";

/// Registers the first admin; returns its JWT.
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

async fn admin_login(server: &TestServer, email: &str, password: &str) -> Answer {
    server.post("/admin/login", &json!({"email": email, "password": password}), None).await
}

async fn invite(server: &TestServer, jwt: &str, email: &str, roles: Value) -> (i64, String) {
    let answer = server
        .post(
            "/admin/users",
            &json!({"email": email, "firstname": "New", "lastname": "Admin", "roles": roles}),
            Some(jwt),
        )
        .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
    let data = &answer.json()["data"];
    assert_eq!(data["isActive"], false);
    (data["id"].as_i64().unwrap(), data["registrationToken"].as_str().unwrap().to_owned())
}

async fn role_id(server: &TestServer, jwt: &str, code: &str) -> i64 {
    let roles = server.get("/admin/roles", Some(jwt)).await.json();
    roles["data"].as_array().unwrap().iter().find(|role| role["code"] == code).unwrap()["id"].as_i64().unwrap()
}

#[tokio::test]
async fn bootstrap_login_and_profile_follow_strapi_shapes() {
    let server = TestServer::spawn().await;
    let init = server.get("/admin/init", None).await.json();
    let uuid = init["data"]["uuid"].as_str().expect("the installation's uuid").to_owned();
    assert_eq!(init, json!({"data": {"uuid": uuid, "hasAdmin": false, "menuLogo": null, "authLogo": null}}));
    let jwt = first_admin(&server).await;
    assert_eq!(server.get("/admin/init", None).await.json()["data"]["hasAdmin"], true);
    let again = server
        .post(
            "/admin/register-admin",
            &json!({"email": "eve@example.com", "password": ADMIN_PASSWORD, "firstname": "Eve"}),
            None,
        )
        .await;
    assert_eq!(again.status, StatusCode::FORBIDDEN, "only while no admin exists");

    let wrong = admin_login(&server, "ada@example.com", "WrongPass123").await;
    let unknown = admin_login(&server, "nobody@example.com", "WrongPass123").await;
    assert_eq!(wrong.error(), ("ApplicationError".into(), "Invalid credentials".into()));
    assert_eq!(wrong.text, unknown.text);
    let missing = server.post("/admin/login", &json!({"email": "ada@example.com"}), None).await;
    assert_eq!(missing.error().1, "Missing credentials");

    let login = admin_login(&server, "ADA@example.com", ADMIN_PASSWORD).await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.text);
    let data = &login.json()["data"];
    assert_eq!(data["token"], data["accessToken"]);
    assert_eq!(data["user"]["email"], "ada@example.com");
    let cookie = login.headers["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        cookie.starts_with("strapi_admin_refresh=") && cookie.contains("Path=/admin") && cookie.contains("HttpOnly"),
        "{cookie}"
    );

    let me = server.get("/admin/users/me", Some(&jwt)).await.json();
    assert_eq!(me["data"]["roles"][0]["code"], "strapi-super-admin");
    assert!(me["data"].get("password").is_none() && !me.to_string().contains("argon2"));

    // A new admin JWT from the refresh cookie.
    let pair = cookie.split(';').next().unwrap().to_owned();
    let refreshed = server.send(server.client.post(server.url("/admin/access-token")).header("cookie", &pair)).await;
    assert_eq!(refreshed.status, StatusCode::OK, "{}", refreshed.text);
    let fresh = refreshed.json()["data"]["token"].as_str().unwrap().to_owned();
    assert_eq!(server.get("/admin/users/me", Some(&fresh)).await.status, StatusCode::OK);
    let no_cookie = server.send(server.client.post(server.url("/admin/access-token"))).await;
    assert_eq!(no_cookie.error(), ("UnauthorizedError".into(), "Missing refresh token".into()));
    let bad_cookie = server
        .send(server.client.post(server.url("/admin/access-token")).header("cookie", "strapi_admin_refresh=nonsense"))
        .await;
    assert_eq!(bad_cookie.error().1, "Invalid refresh token");

    // Logout ends that session: its JWT and its cookie die.
    assert_eq!(server.post("/admin/logout", &json!({}), Some(&fresh)).await.status, StatusCode::OK);
    assert_eq!(server.get("/admin/users/me", Some(&fresh)).await.status, StatusCode::UNAUTHORIZED);
    let after = server.send(server.client.post(server.url("/admin/access-token")).header("cookie", &pair)).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
    assert_eq!(server.get("/admin/users/me", Some(&jwt)).await.status, StatusCode::OK, "other sessions live on");
}

#[tokio::test]
async fn the_realms_never_mix() {
    let server = TestServer::spawn().await;
    let admin = first_admin(&server).await;
    let (user_jwt, _) = server.register("enduser").await;
    let api_token = server.full_access().await;
    for token in [Some(user_jwt.as_str()), Some(api_token.as_str()), None, Some("garbage")] {
        let answer = server.get("/admin/users/me", token).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{token:?}");
        assert_eq!(server.get("/admin/users", token).await.status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(server.get("/api/users/me", Some(&admin)).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(server.get("/api/users", Some(&admin)).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_whole_invite_path_ends_with_an_author_who_cannot_invite() {
    let server = TestServer::spawn().await;
    let jwt = first_admin(&server).await;
    let author = role_id(&server, &jwt, "strapi-author").await;
    let (_, token) = invite(&server, &jwt, "newbie@example.com", json!([author])).await;

    let info = server.get(&format!("/admin/registration-info?registrationToken={token}"), None).await;
    assert_eq!(info.json(), json!({"data": {"email": "newbie@example.com", "firstname": "New", "lastname": "Admin"}}));
    let weak = server
        .post("/admin/register", &json!({"registrationToken": token, "userInfo": {"firstname": "New", "lastname": "Admin", "password": "weak"}}), None)
        .await;
    assert_eq!(weak.status, StatusCode::BAD_REQUEST);
    let registered = server
        .post("/admin/register", &json!({"registrationToken": token, "userInfo": {"firstname": "Nina", "lastname": "New", "password": "NewbiePass1"}}), None)
        .await;
    assert_eq!(registered.status, StatusCode::OK, "{}", registered.text);
    assert_eq!(registered.json()["data"]["user"]["isActive"], true);
    assert_eq!(registered.json()["data"]["user"]["firstname"], "Nina");

    let login = admin_login(&server, "newbie@example.com", "NewbiePass1").await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.text);
    let newbie = login.json()["data"]["token"].as_str().unwrap().to_owned();
    assert_eq!(login.json()["data"]["user"]["roles"][0]["code"], "strapi-author");
    let refused =
        server.post("/admin/users", &json!({"email": "x@example.com", "firstname": "X"}), Some(&newbie)).await;
    assert_eq!(refused.error(), ("ForbiddenError".into(), "Forbidden".into()));
    assert_eq!(
        server.get("/admin/users/me", Some(&newbie)).await.status,
        StatusCode::OK,
        "an author has its own profile"
    );

    let invites = server.get("/admin/invites", Some(&jwt)).await.json();
    assert_eq!(invites["data"]["results"][0]["status"], "accepted");
    assert_eq!(invites["data"]["results"][0]["accepted"], true);
}

#[tokio::test]
async fn every_kind_of_dead_registration_token_gets_the_same_answer() {
    let server = TestServer::builder().with_manual_clock().spawn().await;
    let jwt = first_admin(&server).await;
    let register = |token: String| {
        let server = &server;
        async move {
            server
                .post("/admin/register", &json!({"registrationToken": token, "userInfo": {"firstname": "A", "lastname": "B", "password": "GoodPass123"}}), None)
                .await
        }
    };
    // Used.
    let (_, used) =
        invite(&server, &jwt, "used@example.com", json!([role_id(&server, &jwt, "strapi-author").await])).await;
    assert_eq!(register(used.clone()).await.status, StatusCode::OK);
    // Revoked.
    let created = server.post("/admin/invites", &json!({"email": "revoked@example.com"}), Some(&jwt)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(created.json()["data"]["status"], "pending");
    let revoked_id = created.json()["data"]["id"].as_i64().unwrap();
    let revoked = created.json()["data"]["token"].as_str().unwrap().to_owned();
    assert_eq!(server.delete(&format!("/admin/invites/{revoked_id}"), &jwt).await.status, StatusCode::OK);
    // Resent away.
    let created = server.post("/admin/invites", &json!({"email": "resent@example.com"}), Some(&jwt)).await;
    let resent_id = created.json()["data"]["id"].as_i64().unwrap();
    let resent_away = created.json()["data"]["token"].as_str().unwrap().to_owned();
    let resent = server.post(&format!("/admin/invites/{resent_id}/resend"), &json!({}), Some(&jwt)).await;
    assert_eq!(resent.status, StatusCode::OK, "{}", resent.text);
    let fresh = resent.json()["data"]["token"].as_str().unwrap().to_owned();
    assert_ne!(fresh, resent_away);
    // Expired.
    let (_, expired) =
        invite(&server, &jwt, "late@example.com", json!([role_id(&server, &jwt, "strapi-author").await])).await;
    server.clock().advance(Duration::from_secs(7 * 24 * 3600 + 1));

    let answers = [
        register(used).await,
        register(revoked).await,
        register(resent_away).await,
        register(expired).await,
        register("0123456789abcdef0123456789abcdef01234567".into()).await,
    ];
    for answer in &answers {
        assert_eq!(answer.error(), ("ValidationError".into(), "Invalid registration info".into()));
        assert_eq!(answer.text, answers[0].text);
    }
    let accept = server
        .post(
            "/admin/invites/accept",
            &json!({"token": "nonsense", "firstname": "A", "lastname": "B", "password": "GoodPass123"}),
            None,
        )
        .await;
    assert_eq!(accept.text, answers[0].text);
    let info = server.get("/admin/registration-info?registrationToken=nonsense", None).await;
    assert_eq!(info.error(), ("ValidationError".into(), "Invalid registrationToken".into()));
    // The admin JWT expired with the week; log in again.
    let jwt = admin_login(&server, "ada@example.com", ADMIN_PASSWORD).await.json()["data"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let listed = server.get("/admin/invites", Some(&jwt)).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    let statuses: Vec<String> = listed.json()["data"]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["status"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        statuses.contains(&"revoked".to_owned())
            && statuses.contains(&"expired".to_owned())
            && statuses.contains(&"accepted".to_owned()),
        "{statuses:?}"
    );
}

#[tokio::test]
async fn two_concurrent_first_admin_registrations_make_exactly_one_admin() {
    let server = TestServer::spawn().await;
    let attempts: Vec<_> = ["one@example.com", "two@example.com", "three@example.com", "four@example.com"]
        .into_iter()
        .map(|email| {
            let request = server
                .client
                .post(server.url("/admin/register-admin"))
                .json(&json!({"email": email, "password": ADMIN_PASSWORD, "firstname": "Racer"}));
            tokio::spawn(async move { request.send().await.unwrap().status() })
        })
        .collect();
    let mut statuses = Vec::new();
    for attempt in attempts {
        statuses.push(attempt.await.unwrap());
    }
    assert_eq!(statuses.iter().filter(|status| **status == StatusCode::OK).count(), 1, "{statuses:?}");
    assert!(
        statuses.iter().all(|status| *status == StatusCode::OK || *status == StatusCode::FORBIDDEN),
        "{statuses:?}"
    );
}

#[tokio::test]
async fn blocking_an_admin_kills_its_jwt_at_once() {
    let server = TestServer::spawn().await;
    let jwt = first_admin(&server).await;
    let editor = role_id(&server, &jwt, "strapi-editor").await;
    let (id, token) = invite(&server, &jwt, "ed@example.com", json!([editor])).await;
    let registered = server
        .post("/admin/register", &json!({"registrationToken": token, "userInfo": {"firstname": "Ed", "lastname": "Itor", "password": "EditorPass1"}}), None)
        .await;
    let editor_jwt = registered.json()["data"]["token"].as_str().unwrap().to_owned();
    assert_eq!(server.get("/admin/users", Some(&editor_jwt)).await.status, StatusCode::OK, "editors read admins");
    let blocked = server.put(&format!("/admin/users/{id}"), &json!({"blocked": true}), &jwt).await;
    assert_eq!(blocked.status, StatusCode::OK, "{}", blocked.text);
    assert_eq!(server.get("/admin/users/me", Some(&editor_jwt)).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(admin_login(&server, "ed@example.com", "EditorPass1").await.status, StatusCode::BAD_REQUEST);
    server.put(&format!("/admin/users/{id}"), &json!({"blocked": false}), &jwt).await;
    assert_eq!(
        server.get("/admin/users/me", Some(&editor_jwt)).await.status,
        StatusCode::UNAUTHORIZED,
        "ended sessions stay ended"
    );
    assert_eq!(admin_login(&server, "ed@example.com", "EditorPass1").await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_soft_deleted_admin_is_hidden_reserved_locked_out_and_restorable() {
    let server = TestServer::spawn().await;
    let jwt = first_admin(&server).await;
    let editor = role_id(&server, &jwt, "strapi-editor").await;
    let (id, token) = invite(&server, &jwt, "soft@example.com", json!([editor])).await;
    server
        .post("/admin/register", &json!({"registrationToken": token, "userInfo": {"firstname": "Soft", "lastname": "Delete", "password": "SoftPass123"}}), None)
        .await;
    let their_jwt = admin_login(&server, "soft@example.com", "SoftPass123").await.json()["data"]["token"]
        .as_str()
        .unwrap()
        .to_owned();

    let deleted = server.delete(&format!("/admin/users/{id}"), &jwt).await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.text);
    assert!(deleted.json()["data"]["deletedAt"].is_string());
    assert_eq!(server.get("/admin/users/me", Some(&their_jwt)).await.status, StatusCode::UNAUTHORIZED, "sessions end");
    assert_eq!(admin_login(&server, "soft@example.com", "SoftPass123").await.status, StatusCode::BAD_REQUEST);
    let listed = server.get("/admin/users", Some(&jwt)).await.json();
    assert_eq!(listed["data"]["pagination"]["total"], 1, "hidden from lists");
    assert_eq!(server.get(&format!("/admin/users/{id}"), Some(&jwt)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(server.get("/admin/users?withDeleted=true", Some(&jwt)).await.json()["data"]["pagination"]["total"], 2);
    let taken = server
        .post(
            "/admin/users",
            &json!({"email": "SOFT@example.com", "firstname": "Again", "roles": [editor]}),
            Some(&jwt),
        )
        .await;
    assert_eq!(taken.error(), ("ApplicationError".into(), "Email already taken".into()), "the email stays reserved");

    let restored = server.post(&format!("/admin/users/{id}/restore"), &json!({}), Some(&jwt)).await;
    assert_eq!(restored.status, StatusCode::OK, "{}", restored.text);
    assert_eq!(restored.json()["data"]["deletedAt"], Value::Null);
    assert_eq!(restored.json()["data"]["roles"][0]["code"], "strapi-editor", "back with its roles");
    assert_eq!(admin_login(&server, "soft@example.com", "SoftPass123").await.status, StatusCode::OK);

    // Purge needs a prior soft delete, then frees the email.
    assert_eq!(server.delete(&format!("/admin/users/{id}?hard=true"), &jwt).await.status, StatusCode::BAD_REQUEST);
    server.delete(&format!("/admin/users/{id}"), &jwt).await;
    assert_eq!(server.delete(&format!("/admin/users/{id}?hard=true"), &jwt).await.status, StatusCode::OK);
    let reinvited = server
        .post(
            "/admin/users",
            &json!({"email": "soft@example.com", "firstname": "Again", "roles": [editor]}),
            Some(&jwt),
        )
        .await;
    assert_eq!(reinvited.status, StatusCode::CREATED);
}

#[tokio::test]
async fn the_last_super_admin_stays_and_nobody_changes_their_own_roles() {
    let server = TestServer::spawn().await;
    let jwt = first_admin(&server).await;
    let me = server.get("/admin/users/me", Some(&jwt)).await.json()["data"]["id"].as_i64().unwrap();
    let editor = role_id(&server, &jwt, "strapi-editor").await;
    let own = server.put(&format!("/admin/users/{me}"), &json!({"roles": [editor]}), &jwt).await;
    assert_eq!(own.error().1, "You cannot change your own roles");
    for change in [json!({"blocked": true}), json!({"isActive": false})] {
        let answer = server.put(&format!("/admin/users/{me}"), &change, &jwt).await;
        assert_eq!(answer.error().1, "You must have at least one active super admin", "{change}");
    }
    assert_eq!(
        server.delete(&format!("/admin/users/{me}"), &jwt).await.error().1,
        "You must have at least one active super admin"
    );
    assert_eq!(server.get("/admin/users/me", Some(&jwt)).await.status, StatusCode::OK, "nothing changed");

    // With a second super admin, the first can go.
    let super_admin = role_id(&server, &jwt, "strapi-super-admin").await;
    let (other, token) = invite(&server, &jwt, "second@example.com", json!([super_admin])).await;
    server
        .post("/admin/register", &json!({"registrationToken": token, "userInfo": {"firstname": "Sec", "lastname": "Ond", "password": "SecondPass1"}}), None)
        .await;
    let demoted = server.put(&format!("/admin/users/{other}"), &json!({"roles": [editor]}), &jwt).await;
    assert_eq!(demoted.status, StatusCode::OK, "{}", demoted.text);
    let last = server.put(&format!("/admin/users/{other}"), &json!({"roles": [super_admin]}), &jwt).await;
    assert_eq!(last.status, StatusCode::OK);
    assert_eq!(server.delete(&format!("/admin/users/{me}"), &jwt).await.status, StatusCode::OK);
}

#[tokio::test]
async fn admins_manage_api_tokens_end_user_roles_and_sessions() {
    let server = TestServer::spawn().await;
    let jwt = first_admin(&server).await;
    let created = server
        .post(
            "/admin/api-tokens",
            &json!({"name": "ci", "description": "", "type": "read-only", "lifespan": 604800000}),
            Some(&jwt),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let data = created.json()["data"].clone();
    assert_eq!((data["kind"].as_str(), data["lifespan"].as_str()), (Some("content-api"), Some("604800000")));
    let access_key = data["accessKey"].as_str().unwrap().to_owned();
    assert_eq!(server.get("/api/users", Some(&access_key)).await.status, StatusCode::OK);
    let listed = server.get("/admin/api-tokens", Some(&jwt)).await;
    assert!(!listed.text.contains(&access_key) && listed.json()["data"][0].get("accessKey").is_none(), "shown once");
    let duplicate = server.post("/admin/api-tokens", &json!({"name": "CI", "type": "read-only"}), Some(&jwt)).await;
    assert_eq!(duplicate.error(), ("ApplicationError".into(), "Name already taken".into()));
    let bad = server.post("/admin/api-tokens", &json!({"name": "x", "type": "superuser"}), Some(&jwt)).await;
    assert_eq!(bad.error().1, "type must be one of the following values: read-only, full-access, custom");
    let id = data["id"].as_i64().unwrap();
    let regenerated = server.post(&format!("/admin/api-tokens/{id}/regenerate"), &json!({}), Some(&jwt)).await;
    let new_key = regenerated.json()["data"]["accessKey"].as_str().unwrap().to_owned();
    assert_eq!(server.get("/api/users", Some(&access_key)).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(server.get("/api/users", Some(&new_key)).await.status, StatusCode::OK);

    let roles = server.get("/users-permissions/roles", Some(&jwt)).await;
    assert_eq!(roles.status, StatusCode::OK);
    assert_eq!(roles.json()["roles"][0]["type"], "authenticated");

    let (user_jwt, user) = server.register("watched").await;
    let user_id = user["id"].as_i64().unwrap();
    let sessions = server.get(&format!("/admin/end-users/{user_id}/sessions"), Some(&jwt)).await.json();
    assert_eq!(sessions["data"].as_array().unwrap().len(), 1);
    let revoked = server.post(&format!("/admin/end-users/{user_id}/revoke-sessions"), &json!({}), Some(&jwt)).await;
    assert_eq!(revoked.json(), json!({"data": {"revoked": 1}}));
    assert_eq!(server.get("/api/users/me", Some(&user_jwt)).await.status, StatusCode::UNAUTHORIZED);
    let login = server.post("/api/auth/local", &json!({"identifier": "watched", "password": PASSWORD}), None).await;
    assert_eq!(login.status, StatusCode::OK, "revoking sessions does not block");
}

#[tokio::test]
async fn the_cli_creates_an_admin_who_can_log_in() {
    let db = gatehouse_testkit::TestDb::new().await;
    let CliOutput { ok, stdout: out, stderr: err } = gatehouse_cli(
        db.url(),
        &[
            "admin",
            "create",
            "--email",
            "ops@example.com",
            "--password",
            "OpsPass123",
            "--firstname",
            "Ops",
            "--role",
            "super-admin",
        ],
    )
    .await;
    assert!(ok, "{out}{err}");
    let CliOutput { ok, stderr: err, .. } = gatehouse_cli(
        db.url(),
        &["admin", "create", "--email", "ops@example.com", "--password", "OpsPass123", "--firstname", "Ops"],
    )
    .await;
    assert!(!ok && err.contains("exists"), "{err}");
    let CliOutput { ok, stderr: err, .. } = gatehouse_cli(
        db.url(),
        &["admin", "create", "--email", "weak@example.com", "--password", "weak", "--firstname", "W"],
    )
    .await;
    assert!(!ok && err.contains("password"), "{err}");

    let server = TestServer::builder().on_database(db.url()).spawn().await;
    assert_eq!(server.get("/admin/init", None).await.json()["data"]["hasAdmin"], true);
    let login = admin_login(&server, "ops@example.com", "OpsPass123").await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.text);
    let jwt = login.json()["data"]["token"].as_str().unwrap().to_owned();

    let CliOutput { ok, stdout: out, stderr: err } = gatehouse_cli(
        db.url(),
        &["admin", "reset-password", "--email", "ops@example.com", "--password", "NewOpsPass1"],
    )
    .await;
    assert!(ok, "{out}{err}");
    assert_eq!(server.get("/admin/users/me", Some(&jwt)).await.status, StatusCode::UNAUTHORIZED, "its sessions end");
    assert_eq!(admin_login(&server, "ops@example.com", "NewOpsPass1").await.status, StatusCode::OK);
    let CliOutput { ok, stdout: listed, .. } = gatehouse_cli(db.url(), &["admin", "list"]).await;
    assert!(
        ok && listed.contains("ops@example.com") && listed.contains("active") && listed.contains("strapi-super-admin"),
        "{listed}"
    );
}

#[tokio::test]
async fn the_invite_mail_carries_the_accept_url() {
    let sink = crate::support::smtp::SmtpSink::start().await;
    let url = sink.url();
    let server = TestServer::builder()
        .with_config(move |config| {
            config.mail.smtp_url = Some(url);
            config.admin.invite_url = Some("https://admin.example.com/accept".into());
        })
        .spawn()
        .await;
    let jwt = first_admin(&server).await;
    let (_, token) =
        invite(&server, &jwt, "mailed@example.com", json!([role_id(&server, &jwt, "strapi-author").await])).await;
    let mail = sink.wait_for("mailed@example.com").await;
    let link = mail.link("https://admin.example.com/accept?registrationToken=").expect("an accept link");
    assert!(link.ends_with(&token), "{link}");
}

#[tokio::test]
async fn the_api_refuses_what_the_cli_refuses() {
    let server = TestServer::spawn().await;
    let unknown = server
        .post(
            "/admin/register-admin",
            &json!({"email": "ada@example.com", "password": ADMIN_PASSWORD, "firstname": "Ada", "isSuperAdmin": true}),
            None,
        )
        .await;
    assert_eq!(unknown.error(), ("ValidationError".into(), "Invalid parameters: isSuperAdmin".into()));
    assert_eq!(server.get("/admin/init", None).await.json()["data"]["hasAdmin"], false, "nothing was written");

    let jwt = first_admin(&server).await;
    for roles in [json!(null), json!([])] {
        let mut body = json!({"email": "roleless@example.com", "firstname": "No", "roles": roles});
        if roles.is_null() {
            body.as_object_mut().unwrap().remove("roles");
        }
        let answer = server.post("/admin/users", &body, Some(&jwt)).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.text);
        assert_eq!(answer.error().0, "ValidationError");
        assert_eq!(answer.json()["error"]["details"]["errors"][0]["path"], json!(["roles"]));
    }
    let listed = server.get("/admin/users", Some(&jwt)).await.json();
    assert_eq!(listed["data"]["pagination"]["total"], 1, "no role-less admin was made");
}

#[tokio::test]
async fn admin_emails_are_normalised_like_end_user_identifiers() {
    let server = TestServer::spawn().await;
    let answer = server
        .post(
            "/admin/register-admin",
            &json!({"email": " Ada@Example.com ", "password": ADMIN_PASSWORD, "firstname": "Ada"}),
            None,
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert_eq!(answer.json()["data"]["user"]["email"], "ada@example.com");
    let jwt = answer.json()["data"]["token"].as_str().unwrap().to_owned();
    for email in ["ada@example.com", " ADA@example.com", "ａｄａ@example.com"] {
        assert_eq!(admin_login(&server, email, ADMIN_PASSWORD).await.status, StatusCode::OK, "{email:?}");
    }
    let author = role_id(&server, &jwt, "strapi-author").await;
    for email in ["ed\u{200b}@example.com", "\u{202e}ed@example.com"] {
        let refused = server
            .post("/admin/users", &json!({"email": email, "firstname": "Ed", "roles": [author]}), Some(&jwt))
            .await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{email:?}: {}", refused.text);
    }
    let twin = server
        .post("/admin/users", &json!({"email": "ada@example.com ", "firstname": "Ad", "roles": [author]}), Some(&jwt))
        .await;
    assert_eq!(twin.error(), ("ApplicationError".into(), "Email already taken".into()));
}

#[tokio::test]
async fn the_admin_list_sorts_and_filters_as_strapi_and_refuses_the_rest() {
    let server = TestServer::spawn().await;
    let jwt = first_admin(&server).await;
    let editor = role_id(&server, &jwt, "strapi-editor").await;
    let author = role_id(&server, &jwt, "strapi-author").await;
    invite(&server, &jwt, "zed@example.com", json!([editor])).await;
    invite(&server, &jwt, "bea@example.com", json!([author])).await;
    let emails = |answer: &Answer| -> Vec<String> {
        let body = answer.json();
        body["data"]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|admin| admin["email"].as_str().unwrap().to_owned())
            .collect()
    };

    let sorted = server.get("/admin/users?sort=email:DESC", Some(&jwt)).await;
    assert_eq!(emails(&sorted), ["zed@example.com", "bea@example.com", "ada@example.com"]);
    let sorted = server.get("/admin/users?sort=createdAt:ASC&pageSize=2&page=2", Some(&jwt)).await;
    assert_eq!(emails(&sorted), ["bea@example.com"]);
    let active = server.get("/admin/users?filters[$and][0][isActive][$eq]=true", Some(&jwt)).await;
    assert_eq!(emails(&active), ["ada@example.com"]);
    let pending_authors = server
        .get(
            &format!("/admin/users?filters[$and][0][isActive][$eq]=false&filters[$and][1][roles][id][$eq]={author}"),
            Some(&jwt),
        )
        .await;
    assert_eq!(emails(&pending_authors), ["bea@example.com"]);
    assert_eq!(pending_authors.json()["data"]["pagination"]["total"], 1);
    let searched = server.get("/admin/users?_q=ZED", Some(&jwt)).await;
    assert_eq!(emails(&searched), ["zed@example.com"]);

    for refused in [
        "sort=password:ASC",
        "sort=email:sideways",
        "filters[password][$eq]=x",
        "filters[isActive][$ne]=true",
        "filters[$or][0][isActive][$eq]=true",
        "filters[roles][name][$eq]=Editor",
        "withDeleted=maybe",
        "nosuch=1",
    ] {
        let answer = server.get(&format!("/admin/users?{refused}"), Some(&jwt)).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{refused}: {}", answer.text);
        assert_eq!(answer.error().0, "ValidationError", "{refused}");
    }
}
