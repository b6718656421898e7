//! The Medusa v2 dialect (`/medusa`) over real HTTP: Medusa's own client (`@medusajs/js-sdk`)
//! through the admin lifecycle, the same admin record as the Strapi admin API, login refusals
//! that tell nothing apart, Medusa's error bodies and pagination, and the prefix setting.

use crate::support::{Answer, TestServer};
use reqwest::StatusCode;
use serde_json::{json, Value};

const ADMIN_EMAIL: &str = "ada@example.com";
const ADMIN_PASSWORD: &str = "AdminPass123";

/// Registers the first admin (a super admin) through the Strapi admin API; returns its JWT and
/// integer id.
async fn first_admin(server: &TestServer) -> (String, i64) {
    let answer = server
        .post(
            "/admin/register-admin",
            &json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD, "firstname": "Ada"}),
            None,
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let data = &answer.json()["data"];
    (data["token"].as_str().unwrap().to_owned(), data["user"]["id"].as_i64().unwrap())
}

/// Logs in at `/medusa/auth/user/emailpass`.
async fn medusa_login(server: &TestServer, email: &str, password: &str) -> Answer {
    server.post("/medusa/auth/user/emailpass", &json!({"email": email, "password": password}), None).await
}

/// A Medusa admin JWT of the first admin.
async fn medusa_token(server: &TestServer) -> String {
    let answer = medusa_login(server, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    answer.json()["token"].as_str().unwrap().to_owned()
}

/// Asserts Medusa's error body `{type, message}` and nothing else.
fn medusa_error(answer: &Answer, status: StatusCode, kind: &str) -> String {
    assert_eq!(answer.status, status, "{}", answer.text);
    let body = answer.json();
    assert_eq!(body["type"], kind, "{}", answer.text);
    let object = body.as_object().unwrap();
    assert_eq!(object.len(), 2, "only type and message: {}", answer.text);
    body["message"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn medusa_sdk_walks_the_admin_lifecycle() {
    let Some(sdk_dir) = std::env::var_os("GATEHOUSE_MEDUSA_SDK_DIR") else {
        eprintln!(
            "SKIPPED medusa_sdk_walks_the_admin_lifecycle: GATEHOUSE_MEDUSA_SDK_DIR is not set \
             (export GATEHOUSE_MEDUSA_SDK_DIR=$(scripts/medusa-sdk) to run it; CI does)"
        );
        return;
    };
    let server = TestServer::spawn().await;
    first_admin(&server).await;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/medusa-sdk/check.mjs");
    let output = tokio::process::Command::new("node")
        .arg(script)
        .arg(&sdk_dir)
        .arg(server.url("/medusa"))
        .arg(ADMIN_EMAIL)
        .arg(ADMIN_PASSWORD)
        .output()
        .await
        .expect("node runs (scripts/medusa-sdk installs it)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "the js-sdk check failed:\n{stdout}\n{stderr}");
    let summary: Value = serde_json::from_str(stdout.lines().last().unwrap_or_default()).unwrap();
    assert_eq!(summary["ok"], true, "{stdout}");

    // The same lifecycle, as the domain recorded it.
    let events: Vec<String> = server.events().await.into_iter().map(|event| event.event_type).collect();
    for wanted in ["invite.created", "invite.accepted", "invite.resent", "admin.deleted", "session.revoked"] {
        assert!(events.iter().any(|event| event == wanted), "{wanted} in {events:?}");
    }
    // The deleted admin is gone from both surfaces.
    let token = medusa_token(&server).await;
    let deleted = summary["deleted"].as_str().unwrap();
    medusa_error(
        &server.get(&format!("/medusa/admin/users/{deleted}"), Some(&token)).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    let strapi_id = deleted.strip_prefix("user_").unwrap();
    assert_eq!(server.get(&format!("/admin/users/{strapi_id}"), Some(&token)).await.status, StatusCode::NOT_FOUND);
    // The reset the client asked for was mailed, to the admin only; its token sets a password.
    let reset = mailed_reset_parameter(&server, ADMIN_EMAIL, "token").await.expect("the js-sdk's reset mail");
    let updated = server.send(update_password(&server, "user", &reset, "Sdk-reset-pass1")).await;
    assert_eq!(updated.json(), json!({"success": true}), "{}", updated.text);
}

#[tokio::test]
async fn medusa_and_strapi_read_and_write_one_admin_record() {
    let server = TestServer::spawn().await;
    let (strapi_jwt, id) = first_admin(&server).await;
    let medusa_jwt = medusa_token(&server).await;
    let medusa_path = format!("/medusa/admin/users/user_{id}");
    let strapi_path = format!("/admin/users/{id}");

    let medusa = server.get(&medusa_path, Some(&medusa_jwt)).await;
    assert_eq!(medusa.status, StatusCode::OK, "{}", medusa.text);
    let strapi = server.get(&strapi_path, Some(&strapi_jwt)).await;
    assert_eq!(strapi.status, StatusCode::OK, "{}", strapi.text);
    let (medusa, strapi) = (medusa.json()["user"].clone(), strapi.json()["data"].clone());
    assert_eq!(medusa["id"], format!("user_{id}"));
    assert_eq!(medusa["email"], strapi["email"]);
    assert_eq!(medusa["first_name"], strapi["firstname"]);
    assert_eq!(medusa["created_at"], strapi["createdAt"]);
    // The me route names the same record with the same id.
    let me = server.get("/medusa/admin/users/me", Some(&medusa_jwt)).await;
    assert_eq!(me.json()["user"]["id"], format!("user_{id}"), "{}", me.text);

    // An update through Medusa is seen by Strapi…
    let updated =
        server.post(&medusa_path, &json!({"first_name": "Grace", "last_name": "Hopper"}), Some(&medusa_jwt)).await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.text);
    assert_eq!(updated.json()["user"]["first_name"], "Grace");
    let strapi = server.get(&strapi_path, Some(&strapi_jwt)).await.json();
    assert_eq!(
        (strapi["data"]["firstname"].clone(), strapi["data"]["lastname"].clone()),
        (json!("Grace"), json!("Hopper"))
    );
    // …and one through Strapi by Medusa.
    let answer = server.put(&strapi_path, &json!({"firstname": "Ada", "lastname": "Lovelace"}), &strapi_jwt).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let medusa = server.get(&medusa_path, Some(&medusa_jwt)).await.json();
    assert_eq!(
        (medusa["user"]["first_name"].clone(), medusa["user"]["last_name"].clone()),
        (json!("Ada"), json!("Lovelace"))
    );
    // A Medusa login is a session of the admin realm: the Strapi admin API takes its JWT.
    assert_eq!(server.get(&strapi_path, Some(&medusa_jwt)).await.status, StatusCode::OK);
}

#[tokio::test]
async fn unknown_email_and_wrong_password_get_identical_401_bodies() {
    let server = TestServer::spawn().await;
    first_admin(&server).await;
    let unknown = medusa_login(&server, "nobody@example.com", ADMIN_PASSWORD).await;
    let wrong = medusa_login(&server, ADMIN_EMAIL, "WrongPass123").await;
    let message = medusa_error(&unknown, StatusCode::UNAUTHORIZED, "unauthorized");
    assert_eq!(message, "Invalid email or password");
    assert_eq!((wrong.status, &wrong.text), (unknown.status, &unknown.text));
    // An empty password and an unknown email with a wrong password: the same again.
    let empty = medusa_login(&server, ADMIN_EMAIL, "").await;
    assert_eq!((empty.status, &empty.text), (unknown.status, &unknown.text));
}

#[tokio::test]
async fn medusa_errors_pagination_and_invites_follow_medusa_types() {
    let server = TestServer::spawn().await;
    first_admin(&server).await;
    let token = medusa_token(&server).await;
    // No credentials, a bad one, an unknown id, an unknown path.
    medusa_error(&server.get("/medusa/admin/users", None).await, StatusCode::UNAUTHORIZED, "unauthorized");
    medusa_error(&server.get("/medusa/admin/users", Some("nope")).await, StatusCode::UNAUTHORIZED, "unauthorized");
    medusa_error(&server.get("/medusa/admin/users/user_999", Some(&token)).await, StatusCode::NOT_FOUND, "not_found");
    medusa_error(&server.get("/medusa/admin/users/42", Some(&token)).await, StatusCode::NOT_FOUND, "not_found");
    medusa_error(&server.get("/medusa/nowhere", Some(&token)).await, StatusCode::NOT_FOUND, "not_found");
    medusa_error(
        &server.get("/medusa/admin/users?limit=x", Some(&token)).await,
        StatusCode::BAD_REQUEST,
        "invalid_data",
    );
    medusa_error(
        &server.post("/medusa/admin/users/user_1", &json!({"role": "x"}), Some(&token)).await,
        StatusCode::BAD_REQUEST,
        "invalid_data",
    );

    // Invites: created, listed with Medusa's pagination, one taken email refused.
    for n in 0..3 {
        let answer =
            server.post("/medusa/admin/invites", &json!({"email": format!("i{n}@example.com")}), Some(&token)).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
        let invite = &answer.json()["invite"];
        assert!(invite["id"].as_str().unwrap().starts_with("invite_"), "{invite}");
        assert_eq!(invite["accepted"], false);
    }
    let taken = server.post("/medusa/admin/invites", &json!({"email": "i0@example.com"}), Some(&token)).await;
    medusa_error(&taken, StatusCode::CONFLICT, "duplicate_error");
    let page = server.get("/medusa/admin/invites?offset=1&limit=1", Some(&token)).await.json();
    assert_eq!((page["count"].clone(), page["offset"].clone(), page["limit"].clone()), (json!(3), json!(1), json!(1)));
    assert_eq!(page["invites"].as_array().unwrap().len(), 1);
    assert_eq!(page["invites"][0]["token"], "", "a stored invite's token is not shown again");
    let id = page["invites"][0]["id"].as_str().unwrap().to_owned();
    let one = server.get(&format!("/medusa/admin/invites/{id}"), Some(&token)).await;
    assert_eq!(one.json()["invite"]["id"], id.as_str(), "{}", one.text);
    let deleted = server.delete(&format!("/medusa/admin/invites/{id}"), &token).await;
    assert_eq!(deleted.json(), json!({"id": id, "object": "invite", "deleted": true}));
    assert_eq!(server.get("/medusa/admin/invites", Some(&token)).await.json()["count"], 2);

    // Users: default page of 20, limit clamped to 100 (four admins: the first and three invited).
    let users = server.get("/medusa/admin/users", Some(&token)).await.json();
    assert_eq!(
        (users["count"].clone(), users["offset"].clone(), users["limit"].clone()),
        (json!(4), json!(0), json!(20))
    );
    let clamped = server.get("/medusa/admin/users?limit=1000&order=-email", Some(&token)).await.json();
    assert_eq!(clamped["limit"], 100);
    assert_eq!(clamped["users"][0]["email"], "i2@example.com");

    // A registration token is no admin JWT, and an admin JWT is no registration token.
    let registration = server
        .post(
            "/medusa/auth/user/emailpass/register",
            &json!({"email": "i1@example.com", "password": "Invitee-pass-1"}),
            None,
        )
        .await;
    assert_eq!(registration.status, StatusCode::OK, "{}", registration.text);
    let registration = registration.json()["token"].as_str().unwrap().to_owned();
    medusa_error(
        &server.get("/medusa/admin/users/me", Some(&registration)).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    );
    let accepted =
        server.post("/medusa/admin/invites/accept?token=nope", &json!({"first_name": "I"}), Some(&token)).await;
    medusa_error(&accepted, StatusCode::UNAUTHORIZED, "unauthorized");
}

#[tokio::test]
async fn refresh_and_logout_act_on_the_bearers_session() {
    let server = TestServer::spawn().await;
    first_admin(&server).await;
    let token = medusa_token(&server).await;
    let refreshed = server.post("/medusa/auth/token/refresh", &json!({}), Some(&token)).await;
    assert_eq!(refreshed.status, StatusCode::OK, "{}", refreshed.text);
    let fresh = refreshed.json()["token"].as_str().unwrap().to_owned();
    assert_eq!(server.get("/medusa/admin/users/me", Some(&fresh)).await.status, StatusCode::OK);
    let out = server.send(server_delete(&server, "/medusa/auth/session", &fresh)).await;
    assert_eq!(out.json(), json!({"success": true}), "{}", out.text);
    for jwt in [&token, &fresh] {
        medusa_error(&server.get("/medusa/admin/users/me", Some(jwt)).await, StatusCode::UNAUTHORIZED, "unauthorized");
    }
}

fn server_delete(server: &TestServer, path: &str, token: &str) -> reqwest::RequestBuilder {
    reqwest::Client::new().delete(server.url(path)).bearer_auth(token)
}

#[tokio::test]
async fn the_prefix_is_configurable_and_the_dialect_can_be_turned_off() {
    let moved =
        TestServer::builder().with_config(|config| config.medusa.prefix = "/shop/medusa".to_owned()).spawn().await;
    first_admin(&moved).await;
    let login = moved
        .post("/shop/medusa/auth/user/emailpass", &json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}), None)
        .await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.text);
    let token = login.json()["token"].as_str().unwrap().to_owned();
    assert_eq!(moved.get("/shop/medusa/admin/users", Some(&token)).await.status, StatusCode::OK);
    medusa_error(&moved.get("/shop/medusa/nowhere", Some(&token)).await, StatusCode::NOT_FOUND, "not_found");
    assert_eq!(medusa_login(&moved, ADMIN_EMAIL, ADMIN_PASSWORD).await.status, StatusCode::NOT_FOUND);
    let document = moved.get("/openapi.json", None).await.json();
    assert!(document["paths"].get("/shop/medusa/admin/users").is_some());
    assert!(document["paths"].get("/medusa/admin/users").is_none());

    let off = TestServer::builder().with_config(|config| config.medusa.enabled = false).spawn().await;
    first_admin(&off).await;
    assert_eq!(medusa_login(&off, ADMIN_EMAIL, ADMIN_PASSWORD).await.status, StatusCode::NOT_FOUND);
    let document = off.get("/openapi.json", None).await.json();
    assert!(!document["paths"].as_object().unwrap().keys().any(|path| path.starts_with("/medusa")));
}

#[tokio::test]
async fn customers_are_end_users_for_admins_and_secret_keys() {
    use base64::Engine;
    let server = TestServer::spawn().await;
    first_admin(&server).await;
    let token = medusa_token(&server).await;
    let (_, user) = server.register("carol").await;
    let id = user["id"].as_i64().unwrap();
    let path = format!("/medusa/admin/customers/cus_{id}");

    let listed = server.get("/medusa/admin/customers", Some(&token)).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    let listed = listed.json();
    assert_eq!((listed["count"].clone(), listed["limit"].clone()), (json!(1), json!(20)));
    assert_eq!(listed["customers"][0]["id"], format!("cus_{id}"));
    let updated = server.post(&path, &json!({"first_name": "Carol"}), Some(&token)).await;
    assert_eq!(updated.json()["customer"]["first_name"], "Carol", "{}", updated.text);

    // A secret key (an API token, as js-sdk's apiKey sends it) reads customers with its own
    // permissions; it holds no admin action.
    let key = server.full_access().await;
    let basic = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{key}:")));
    let with_key = |path: &str| reqwest::Client::new().get(server.url(path)).header("authorization", basic.clone());
    let read = server.send(with_key(&path)).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.text);
    assert_eq!(read.json()["customer"]["first_name"], "Carol");
    medusa_error(&server.send(with_key("/medusa/admin/users")).await, StatusCode::FORBIDDEN, "not_allowed");
    let wrong = reqwest::Client::new().get(server.url(&path)).header("authorization", "Basic bm9wZTo=");
    medusa_error(&server.send(wrong).await, StatusCode::UNAUTHORIZED, "unauthorized");

    let deleted = server.send(reqwest::Client::new().delete(server.url(&path)).bearer_auth(&token)).await;
    assert_eq!(deleted.json(), json!({"id": format!("cus_{id}"), "object": "customer", "deleted": true}));
    medusa_error(&server.get(&path, Some(&token)).await, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn customers_log_in_at_the_customer_emailpass_route() {
    let server = TestServer::spawn().await;
    server.register("dave").await;
    let login = |email: &'static str, password: &'static str| {
        let server = &server;
        async move {
            server.post("/medusa/auth/customer/emailpass", &json!({"email": email, "password": password}), None).await
        }
    };
    let ok = login("dave@example.com", crate::support::PASSWORD).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    let jwt = ok.json()["token"].as_str().unwrap().to_owned();
    let me = server.get("/api/users/me", Some(&jwt)).await;
    assert_eq!(me.json()["username"], "dave", "{}", me.text);
    let unknown = login("nobody@example.com", crate::support::PASSWORD).await;
    let wrong = login("dave@example.com", "Wrong-pass-1").await;
    assert_eq!(medusa_error(&unknown, StatusCode::UNAUTHORIZED, "unauthorized"), "Invalid email or password");
    assert_eq!((wrong.status, &wrong.text), (unknown.status, &unknown.text));
}

/// The query parameter `key` of the newest reset-password link mailed to `email`.
async fn mailed_reset_parameter(server: &TestServer, email: &str, key: &str) -> Option<String> {
    let mails = server.domain().store().list_mails(1_000).await.unwrap();
    let mail = mails.iter().find(|mail| mail.recipient == email && mail.kind == "reset_password")?;
    let link = url::Url::parse(mail.variables.as_ref()?["url"].as_str()?).ok()?;
    let value = link.query_pairs().find(|(name, _)| name == key).map(|(_, value)| value.into_owned());
    value
}

async fn reset_mail_count(server: &TestServer) -> usize {
    let mails = server.domain().store().list_mails(1_000).await.unwrap();
    mails.iter().filter(|mail| mail.kind == "reset_password").count()
}

fn update_password(server: &TestServer, actor: &str, token: &str, password: &str) -> reqwest::RequestBuilder {
    reqwest::Client::new()
        .post(server.url(&format!("/medusa/auth/{actor}/emailpass/update")))
        .bearer_auth(token)
        .json(&json!({"password": password}))
}

#[tokio::test]
async fn an_admin_resets_a_forgotten_password_with_the_mailed_token_once() {
    let server = TestServer::spawn().await;
    first_admin(&server).await;
    let session = medusa_token(&server).await;

    // The same 201 for a known and an unknown email; only the known one gets a mail.
    let unknown = server
        .post("/medusa/auth/user/emailpass/reset-password", &json!({"identifier": "nobody@example.com"}), None)
        .await;
    assert_eq!((unknown.status, unknown.text.as_str()), (StatusCode::CREATED, "Created"));
    assert_eq!(reset_mail_count(&server).await, 0);
    let known = server
        .post("/medusa/auth/user/emailpass/reset-password", &json!({"identifier": "ADA@example.com"}), None)
        .await;
    assert_eq!((known.status, &known.text), (unknown.status, &unknown.text));
    let token = mailed_reset_parameter(&server, ADMIN_EMAIL, "token").await.expect("a reset mail with a token");
    assert_eq!(mailed_reset_parameter(&server, ADMIN_EMAIL, "email").await.as_deref(), Some(ADMIN_EMAIL));
    medusa_error(
        &server.post("/medusa/auth/user/emailpass/reset-password", &json!({"email": ADMIN_EMAIL}), None).await,
        StatusCode::BAD_REQUEST,
        "invalid_data",
    );

    // The token is no session; a wrong token or none is 401; a weak password is 400.
    medusa_error(&server.get("/medusa/admin/users/me", Some(&token)).await, StatusCode::UNAUTHORIZED, "unauthorized");
    for wrong in [session.as_str(), "not-a-token"] {
        let answer = server.send(update_password(&server, "user", wrong, "Brand-new-pass1")).await;
        medusa_error(&answer, StatusCode::UNAUTHORIZED, "unauthorized");
    }
    let none = server.post("/medusa/auth/user/emailpass/update", &json!({"password": "Brand-new-pass1"}), None).await;
    medusa_error(&none, StatusCode::UNAUTHORIZED, "unauthorized");
    medusa_error(
        &server.send(update_password(&server, "user", &token, "short")).await,
        StatusCode::BAD_REQUEST,
        "invalid_data",
    );

    let updated = server.send(update_password(&server, "user", &token, "Brand-new-pass1")).await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.text);
    assert_eq!(updated.json(), json!({"success": true}));
    // Every session ended; the old password is refused, the new one works; the token is used.
    medusa_error(&server.get("/medusa/admin/users/me", Some(&session)).await, StatusCode::UNAUTHORIZED, "unauthorized");
    medusa_error(&medusa_login(&server, ADMIN_EMAIL, ADMIN_PASSWORD).await, StatusCode::UNAUTHORIZED, "unauthorized");
    assert_eq!(medusa_login(&server, ADMIN_EMAIL, "Brand-new-pass1").await.status, StatusCode::OK);
    let again = server.send(update_password(&server, "user", &token, "Another-pass-2")).await;
    assert_eq!(medusa_error(&again, StatusCode::UNAUTHORIZED, "unauthorized"), "Invalid or expired token");
    let events: Vec<String> = server.events().await.into_iter().map(|event| event.event_type).collect();
    assert!(events.iter().any(|event| event == "session.revoked"), "{events:?}");
}

#[tokio::test]
async fn a_customer_resets_a_forgotten_password_with_the_mailed_code() {
    let server = TestServer::spawn().await;
    let (jwt, _) = server.register("erin").await;
    let unknown = server
        .post("/medusa/auth/customer/emailpass/reset-password", &json!({"identifier": "nobody@example.com"}), None)
        .await;
    assert_eq!((unknown.status, unknown.text.as_str()), (StatusCode::CREATED, "Created"));
    let known = server
        .post("/medusa/auth/customer/emailpass/reset-password", &json!({"identifier": "erin@example.com"}), None)
        .await;
    assert_eq!((known.status, &known.text), (unknown.status, &unknown.text));
    let code = mailed_reset_parameter(&server, "erin@example.com", "code").await.expect("a reset mail with a code");

    let updated = server.send(update_password(&server, "customer", &code, "Erin-new-pass1")).await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.text);
    assert_eq!(updated.json(), json!({"success": true}));
    assert_eq!(server.get("/api/users/me", Some(&jwt)).await.status, StatusCode::UNAUTHORIZED);
    let login = server
        .post(
            "/medusa/auth/customer/emailpass",
            &json!({"email": "erin@example.com", "password": "Erin-new-pass1"}),
            None,
        )
        .await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.text);
    let again = server.send(update_password(&server, "customer", &code, "Erin-other-pass2")).await;
    medusa_error(&again, StatusCode::UNAUTHORIZED, "unauthorized");
}

#[tokio::test]
async fn a_registered_customer_is_created_whole_then_logs_in_and_reads_itself() {
    let server = TestServer::spawn().await;
    let registered = server
        .post(
            "/medusa/auth/customer/emailpass/register",
            &json!({"email": "Fay@Example.com", "password": "Fay-pass-123"}),
            None,
        )
        .await;
    assert_eq!(registered.status, StatusCode::OK, "{}", registered.text);
    let registration = registered.json()["token"].as_str().unwrap().to_owned();
    // Nothing exists yet: the registration is no login, and no session.
    let early = server
        .post("/medusa/auth/customer/emailpass", &json!({"email": "fay@example.com", "password": "Fay-pass-123"}), None)
        .await;
    medusa_error(&early, StatusCode::UNAUTHORIZED, "unauthorized");
    medusa_error(
        &server.get("/medusa/store/customers/me", Some(&registration)).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    );
    medusa_error(
        &server
            .post(
                "/medusa/auth/customer/emailpass/register",
                &json!({"email": "fay@example.com", "password": "x"}),
                None,
            )
            .await,
        StatusCode::BAD_REQUEST,
        "invalid_data",
    );

    let create = |token: &str, body: Value| {
        server.send(reqwest::Client::new().post(server.url("/medusa/store/customers")).bearer_auth(token).json(&body))
    };
    let body = json!({"email": "fay@example.com", "first_name": "Fay", "last_name": "F", "phone": "1", "metadata": {}});
    medusa_error(&create("not-a-token", body.clone()).await, StatusCode::UNAUTHORIZED, "unauthorized");
    let other = json!({"email": "someone@example.com"});
    medusa_error(&create(&registration, other).await, StatusCode::UNAUTHORIZED, "unauthorized");
    let created = create(&registration, body.clone()).await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.text);
    let customer = created.json()["customer"].clone();
    assert_eq!((customer["email"].clone(), customer["first_name"].clone()), (json!("fay@example.com"), json!("Fay")));
    let id = customer["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("cus_"), "{id}");
    // The registration is used once.
    medusa_error(&create(&registration, body).await, StatusCode::UNAUTHORIZED, "unauthorized");
    // A registration of a taken email is refused when it would become the account.
    let again = server
        .post(
            "/medusa/auth/customer/emailpass/register",
            &json!({"email": "fay@example.com", "password": "Fay-pass-456"}),
            None,
        )
        .await;
    let again = again.json()["token"].as_str().unwrap().to_owned();
    medusa_error(&create(&again, json!({"email": "fay@example.com"})).await, StatusCode::CONFLICT, "duplicate_error");

    let login = server
        .post("/medusa/auth/customer/emailpass", &json!({"email": "fay@example.com", "password": "Fay-pass-123"}), None)
        .await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.text);
    let jwt = login.json()["token"].as_str().unwrap().to_owned();
    let me = server.get("/medusa/store/customers/me", Some(&jwt)).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text);
    assert_eq!(me.json()["customer"]["id"], id.as_str());
    assert_eq!(server.get("/api/users/me", Some(&jwt)).await.json()["email"], "fay@example.com");
    medusa_error(&server.get("/medusa/store/customers/me", None).await, StatusCode::FORBIDDEN, "not_allowed");
    let events: Vec<String> = server.events().await.into_iter().map(|event| event.event_type).collect();
    assert_eq!(events.iter().filter(|event| *event == "user.created").count(), 1, "{events:?}");
}

#[tokio::test]
async fn a_customer_an_admin_creates_has_no_password_until_it_resets_one() {
    let server = TestServer::spawn().await;
    first_admin(&server).await;
    let token = medusa_token(&server).await;
    let body = json!({"email": "gus@example.com", "first_name": "Gus", "last_name": "G", "metadata": {"tier": "gold"}});
    let created = server.post("/medusa/admin/customers", &body, Some(&token)).await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.text);
    let customer = created.json()["customer"].clone();
    assert_eq!((customer["email"].clone(), customer["first_name"].clone()), (json!("gus@example.com"), json!("Gus")));
    assert_eq!(customer["metadata"]["tier"], "gold");
    let id = customer["id"].as_str().unwrap().to_owned();
    let read = server.get(&format!("/medusa/admin/customers/{id}"), Some(&token)).await;
    assert_eq!(read.json()["customer"]["email"], "gus@example.com", "{}", read.text);
    medusa_error(
        &server.post("/medusa/admin/customers", &body, Some(&token)).await,
        StatusCode::CONFLICT,
        "duplicate_error",
    );
    medusa_error(
        &server.post("/medusa/admin/customers", &json!({"email": "not-an-email"}), Some(&token)).await,
        StatusCode::BAD_REQUEST,
        "invalid_data",
    );
    medusa_error(&server.post("/medusa/admin/customers", &body, None).await, StatusCode::UNAUTHORIZED, "unauthorized");

    // No password logs it in; a reset gives it one.
    let login = |password: &'static str| {
        let server = &server;
        async move {
            server
                .post(
                    "/medusa/auth/customer/emailpass",
                    &json!({"email": "gus@example.com", "password": password}),
                    None,
                )
                .await
        }
    };
    medusa_error(&login("").await, StatusCode::UNAUTHORIZED, "unauthorized");
    server
        .post("/medusa/auth/customer/emailpass/reset-password", &json!({"identifier": "gus@example.com"}), None)
        .await;
    let code = mailed_reset_parameter(&server, "gus@example.com", "code").await.expect("a reset mail");
    let updated = server.send(update_password(&server, "customer", &code, "Gus-own-pass1")).await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.text);
    assert_eq!(login("Gus-own-pass1").await.status, StatusCode::OK);
}

#[tokio::test]
async fn secret_api_keys_are_api_tokens_created_once_and_refused_once_revoked() {
    use base64::Engine;
    let server = TestServer::spawn().await;
    first_admin(&server).await;
    let token = medusa_token(&server).await;
    let created =
        server.post("/medusa/admin/api-keys", &json!({"title": "Backend", "type": "secret"}), Some(&token)).await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.text);
    let key = created.json()["api_key"].clone();
    let id = key["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("apk_"), "{id}");
    let secret = key["token"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("gat_") && secret != key["redacted"], "{key}");
    assert_eq!(
        (key["type"].clone(), key["title"].clone(), key["revoked_at"].clone()),
        (json!("secret"), json!("Backend"), Value::Null)
    );
    // The same token on the Strapi admin API.
    let strapi = server.get(&format!("/admin/api-tokens/{}", id.trim_start_matches("apk_")), Some(&token)).await;
    assert_eq!(strapi.json()["data"]["name"], "Backend", "{}", strapi.text);

    let publishable =
        server.post("/medusa/admin/api-keys", &json!({"title": "Shop", "type": "publishable"}), Some(&token)).await;
    medusa_error(&publishable, StatusCode::BAD_REQUEST, "invalid_data");
    // 255 characters once trimmed, 256 as sent: the documented maximum counts what is sent.
    let long_title = format!(" {}", "k".repeat(255));
    let long =
        server.post("/medusa/admin/api-keys", &json!({"title": long_title, "type": "secret"}), Some(&token)).await;
    medusa_error(&long, StatusCode::BAD_REQUEST, "invalid_data");
    let taken =
        server.post("/medusa/admin/api-keys", &json!({"title": "backend", "type": "secret"}), Some(&token)).await;
    medusa_error(&taken, StatusCode::CONFLICT, "duplicate_error");

    let listed = server.get("/medusa/admin/api-keys?type=secret", Some(&token)).await.json();
    assert_eq!(
        (listed["count"].clone(), listed["limit"].clone(), listed["offset"].clone()),
        (json!(1), json!(20), json!(0))
    );
    assert_eq!(listed["api_keys"][0]["id"], id.as_str());
    assert_ne!(listed["api_keys"][0]["token"], secret.as_str(), "the secret is shown once");
    assert_eq!(server.get("/medusa/admin/api-keys?type=publishable", Some(&token)).await.json()["count"], 0);
    medusa_error(
        &server.get("/medusa/admin/api-keys?type=other", Some(&token)).await,
        StatusCode::BAD_REQUEST,
        "invalid_data",
    );
    let path = format!("/medusa/admin/api-keys/{id}");
    assert_eq!(server.get(&path, Some(&token)).await.json()["api_key"]["title"], "Backend");
    let renamed = server.post(&path, &json!({"title": "Backend 2"}), Some(&token)).await;
    assert_eq!(renamed.json()["api_key"]["title"], "Backend 2", "{}", renamed.text);
    medusa_error(&server.get("/medusa/admin/api-keys/apk_999", Some(&token)).await, StatusCode::NOT_FOUND, "not_found");

    // The key works as a secret key until it is revoked, then never again.
    let basic = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{secret}:")));
    let with_key =
        || reqwest::Client::new().get(server.url("/medusa/admin/customers")).header("authorization", basic.clone());
    assert_eq!(server.send(with_key()).await.status, StatusCode::OK);
    let revoked = server.post(&format!("{path}/revoke"), &json!({}), Some(&token)).await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.text);
    assert!(revoked.json()["api_key"]["revoked_at"].is_string(), "{}", revoked.text);
    medusa_error(&server.send(with_key()).await, StatusCode::UNAUTHORIZED, "unauthorized");
    assert!(server.get(&path, Some(&token)).await.json()["api_key"]["revoked_at"].is_string());

    let deleted = server.send(reqwest::Client::new().delete(server.url(&path)).bearer_auth(&token)).await;
    assert_eq!(deleted.json(), json!({"id": id, "object": "api_key", "deleted": true}));
    medusa_error(&server.get(&path, Some(&token)).await, StatusCode::NOT_FOUND, "not_found");
    let document = server.get("/openapi.json", None).await.json();
    let parameters = document["paths"]["/medusa/admin/api-keys"]["get"]["parameters"].as_array().unwrap().clone();
    assert!(parameters.iter().any(|parameter| parameter["name"] == "type"), "{parameters:?}");
}

#[tokio::test]
async fn an_accepted_invite_gives_the_new_admin_the_invites_roles() {
    let server = TestServer::spawn().await;
    let (strapi_jwt, _) = first_admin(&server).await;
    let token = medusa_token(&server).await;
    let roles = server.get("/admin/roles", Some(&strapi_jwt)).await.json();
    let editor = roles["data"].as_array().unwrap().iter().find(|role| role["code"] == "strapi-editor").unwrap()["id"]
        .as_i64()
        .unwrap();
    let unknown = server
        .post("/medusa/admin/invites", &json!({"email": "hal@example.com", "roles": [987_654]}), Some(&token))
        .await;
    medusa_error(&unknown, StatusCode::BAD_REQUEST, "invalid_data");
    let created = server
        .post("/medusa/admin/invites", &json!({"email": "hal@example.com", "roles": [editor]}), Some(&token))
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.text);
    let invite = created.json()["invite"].clone();
    assert_eq!(invite["roles"], json!([editor]));
    let invite_token = invite["token"].as_str().unwrap().to_owned();

    let registered = server
        .post(
            "/medusa/auth/user/emailpass/register",
            &json!({"email": "hal@example.com", "password": "Hal-pass-1234"}),
            None,
        )
        .await;
    let registration = registered.json()["token"].as_str().unwrap().to_owned();
    let accept = reqwest::Client::new()
        .post(server.url(&format!("/medusa/admin/invites/accept?token={invite_token}")))
        .bearer_auth(&registration)
        .json(&json!({"first_name": "Hal"}));
    let accepted = server.send(accept).await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.text);
    let id = accepted.json()["user"]["id"].as_str().unwrap().trim_start_matches("user_").to_owned();
    let strapi = server.get(&format!("/admin/users/{id}"), Some(&strapi_jwt)).await.json();
    let codes: Vec<Value> =
        strapi["data"]["roles"].as_array().unwrap().iter().map(|role| role["code"].clone()).collect();
    assert_eq!(codes, vec![json!("strapi-editor")], "{strapi}");
}

#[tokio::test]
async fn invites_keep_a_metadata_object_of_at_most_16_kib() {
    let server = TestServer::spawn().await;
    first_admin(&server).await;
    let token = medusa_token(&server).await;
    let metadata = json!({"team": "ops", "level": 2});
    let created = server
        .post("/medusa/admin/invites", &json!({"email": "ira@example.com", "metadata": metadata}), Some(&token))
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.text);
    let invite = created.json()["invite"].clone();
    assert_eq!(invite["metadata"], metadata);
    let read = server.get(&format!("/medusa/admin/invites/{}", invite["id"].as_str().unwrap()), Some(&token)).await;
    assert_eq!(read.json()["invite"]["metadata"], metadata, "{}", read.text);
    let listed = server.get("/medusa/admin/invites", Some(&token)).await.json();
    assert_eq!(listed["invites"][0]["metadata"], metadata);
    let plain = server.post("/medusa/admin/invites", &json!({"email": "jo@example.com"}), Some(&token)).await;
    assert_eq!(plain.json()["invite"]["metadata"], Value::Null, "{}", plain.text);

    let big = json!({"blob": "x".repeat(16 * 1024)});
    let refused =
        server.post("/medusa/admin/invites", &json!({"email": "kim@example.com", "metadata": big}), Some(&token)).await;
    medusa_error(&refused, StatusCode::BAD_REQUEST, "invalid_data");
    let not_object =
        server.post("/medusa/admin/invites", &json!({"email": "kim@example.com", "metadata": [1]}), Some(&token)).await;
    medusa_error(&not_object, StatusCode::BAD_REQUEST, "invalid_data");
    // Nothing of a refused invite was kept.
    let emails: Vec<Value> = server.get("/medusa/admin/invites", Some(&token)).await.json()["invites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|invite| invite["email"].clone())
        .collect();
    assert!(!emails.contains(&json!("kim@example.com")), "{emails:?}");
}

#[tokio::test]
async fn refresh_and_logout_take_a_customers_token_too() {
    let server = TestServer::spawn().await;
    server.register("ivy").await;
    let login = server
        .post(
            "/medusa/auth/customer/emailpass",
            &json!({"email": "ivy@example.com", "password": crate::support::PASSWORD}),
            None,
        )
        .await;
    let jwt = login.json()["token"].as_str().unwrap().to_owned();
    let refreshed = server.post("/medusa/auth/token/refresh", &json!({}), Some(&jwt)).await;
    assert_eq!(refreshed.status, StatusCode::OK, "{}", refreshed.text);
    let fresh = refreshed.json()["token"].as_str().unwrap().to_owned();
    let me = server.get("/medusa/store/customers/me", Some(&fresh)).await;
    assert_eq!(me.json()["customer"]["email"], "ivy@example.com", "{}", me.text);
    // An API token or no token has no session.
    let key = server.full_access().await;
    for token in [Some(key.as_str()), None, Some("not-a-token")] {
        let answer = server.post("/medusa/auth/token/refresh", &json!({}), token).await;
        medusa_error(&answer, StatusCode::UNAUTHORIZED, "unauthorized");
    }
    let out = server.send(server_delete(&server, "/medusa/auth/session", &fresh)).await;
    assert_eq!(out.json(), json!({"success": true}), "{}", out.text);
    for token in [&jwt, &fresh] {
        let me = server.get("/medusa/store/customers/me", Some(token)).await;
        medusa_error(&me, StatusCode::UNAUTHORIZED, "unauthorized");
    }
}

#[tokio::test]
async fn a_registration_token_is_opaque_used_once_and_dies_after_a_day() {
    let server = TestServer::builder().with_manual_clock().spawn().await;
    first_admin(&server).await;
    let token = medusa_token(&server).await;
    let register = |email: &'static str| {
        let server = &server;
        async move {
            let answer = server
                .post(
                    "/medusa/auth/user/emailpass/register",
                    &json!({"email": email, "password": "Lee-pass-1234"}),
                    None,
                )
                .await;
            assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
            answer.json()["token"].as_str().unwrap().to_owned()
        }
    };
    let invite = |email: &'static str| {
        let server = &server;
        let token = token.clone();
        async move {
            let created = server.post("/medusa/admin/invites", &json!({"email": email}), Some(&token)).await;
            created.json()["invite"]["token"].as_str().unwrap().to_owned()
        }
    };
    let accept = |invite_token: String, registration: String| {
        let server = &server;
        async move {
            let request = reqwest::Client::new()
                .post(server.url(&format!("/medusa/admin/invites/accept?token={invite_token}")))
                .bearer_auth(registration)
                .json(&json!({"first_name": "Lee"}));
            server.send(request).await
        }
    };
    // Random and opaque: nothing in it can be read (no JWT, no password hash).
    let registration = register("lee@example.com").await;
    assert!(!registration.contains('.') && registration.len() == 64, "{registration}");
    let first = invite("lee@example.com").await;
    assert_eq!(accept(first, registration.clone()).await.status, StatusCode::OK);
    // Used once: the same token cannot accept another invite of the same email.
    let stale = register("max@example.com").await;
    let second = invite("max@example.com").await;
    let reused = accept(second.clone(), registration).await;
    medusa_error(&reused, StatusCode::UNAUTHORIZED, "unauthorized");
    // After 24 hours the registration is refused (and swept by the next registration).
    server.clock().advance(std::time::Duration::from_secs(24 * 3600 + 1));
    register("nia@example.com").await;
    medusa_error(&accept(second, stale).await, StatusCode::UNAUTHORIZED, "unauthorized");
}

#[tokio::test]
async fn a_customer_changes_its_own_name_and_metadata_and_nothing_else() {
    let server = TestServer::spawn().await;
    let (_, other) = server.register("otto").await;
    server.register("uma").await;
    let login = server
        .post(
            "/medusa/auth/customer/emailpass",
            &json!({"email": "uma@example.com", "password": crate::support::PASSWORD}),
            None,
        )
        .await;
    let jwt = login.json()["token"].as_str().unwrap().to_owned();
    let before = server.events().await.len();

    let body = json!({"first_name": "Uma T.", "metadata": {"newsletter": true}});
    let updated = server.post("/medusa/store/customers/me", &body, Some(&jwt)).await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.text);
    let customer = updated.json()["customer"].clone();
    assert_eq!(
        (customer["first_name"].as_str(), customer["email"].as_str()),
        (Some("Uma T."), Some("uma@example.com"))
    );
    assert_eq!(customer["metadata"], json!({"newsletter": true}));
    let me = server.get("/medusa/store/customers/me", Some(&jwt)).await.json();
    assert_eq!(me["customer"]["first_name"], "Uma T.", "{me}");
    let events: Vec<_> = server.events().await.into_iter().skip(before).collect();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].event_type, "user.updated");
    assert_eq!(events[0].data["changes"], json!(["name", "settings"]), "{:?}", events[0].data);

    // Null clears; what Gatehouse does not keep is accepted and dropped, as at creation; what a
    // customer may not change, or a bad value, is refused.
    let cleared =
        server.post("/medusa/store/customers/me", &json!({"first_name": null, "last_name": "T"}), Some(&jwt)).await;
    assert_eq!(cleared.json()["customer"]["first_name"], Value::Null, "{}", cleared.text);
    assert_eq!(cleared.json()["customer"]["last_name"], Value::Null, "{}", cleared.text);
    let long = "x".repeat(256);
    for refused in [json!({"email": "x@example.com"}), json!({"phone": long}), json!({"metadata": "not an object"})] {
        let answer = server.post("/medusa/store/customers/me", &refused, Some(&jwt)).await;
        medusa_error(&answer, StatusCode::BAD_REQUEST, "invalid_data");
    }
    assert_eq!(server.get("/api/users/me", Some(&jwt)).await.json()["email"], "uma@example.com");
    // Another customer is untouched; an API token has no "me".
    assert_eq!(other["username"], "otto");
    let key = server.full_access().await;
    let answer = server.post("/medusa/store/customers/me", &json!({"first_name": "X"}), Some(&key)).await;
    assert!(answer.status.is_client_error(), "{}", answer.text);
}
