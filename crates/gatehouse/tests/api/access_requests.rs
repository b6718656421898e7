//! Admin access requests over real HTTP: the public form answers alike for every email, the
//! mailed link confirms, admins list confirmed requests only, approve (the requester logs in
//! with the requested password as an Author) or reject (the email is free again); requests
//! expire; the routes do not exist while the feature is off; the CLI decides too.

use crate::support::{gatehouse_cli_ok, Answer, TestServer};
use gatehouse_domain::model::MailKind;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;

const ADMIN_PASSWORD: &str = "AdminPass123";
const REQUESTED_PASSWORD: &str = "Newsletter42";

fn enabled(config: &mut gatehouse::config::Config) {
    config.admin.access_requests.enabled = true;
}

async fn server_with_requests() -> TestServer {
    TestServer::builder().with_config(enabled).spawn().await
}

/// Registers the first admin (Super Admin); returns its JWT.
async fn first_admin(server: &TestServer) -> String {
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

async fn ask(server: &TestServer, email: &str, password: &str) -> Answer {
    let form = json!({"email": email, "firstname": "Robin", "lastname": "Writer", "password": password,
                      "message": "I write the newsletter"});
    server.post("/admin/access-requests", &form, None).await
}

/// The confirmation links mailed to `email`, oldest first.
async fn confirmation_links(server: &TestServer, email: &str) -> Vec<String> {
    let mails = server.domain().store().list_mails(1_000).await.unwrap();
    let mut links: Vec<String> = mails
        .iter()
        .rev()
        .filter(|mail| mail.recipient == email && mail.kind == MailKind::AccessRequestConfirmation.as_str())
        .map(|mail| mail.variables.as_ref().unwrap()["url"].as_str().unwrap().to_owned())
        .collect();
    links.dedup();
    links
}

async fn mails_of_kind(server: &TestServer, email: &str, kind: MailKind) -> usize {
    let mails = server.domain().store().list_mails(1_000).await.unwrap();
    mails.iter().filter(|mail| mail.recipient == email && mail.kind == kind.as_str()).count()
}

/// Asks and follows the mailed link; returns the request's id as admins see it.
async fn ask_and_confirm(server: &TestServer, jwt: &str, email: &str) -> i64 {
    assert_eq!(ask(server, email, REQUESTED_PASSWORD).await.status, StatusCode::ACCEPTED);
    let link = confirmation_links(server, email).await.pop().expect("a confirmation mail");
    assert!(link.starts_with(&server.base), "{link}");
    let confirmed = server.send(server.client.get(&link)).await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.text);
    assert_eq!(confirmed.json(), json!({"data": {"status": "confirmed"}}));
    let listed = pending(server, jwt).await;
    listed.iter().find(|request| request["email"] == email).expect("listed once confirmed")["id"].as_i64().unwrap()
}

async fn pending(server: &TestServer, jwt: &str) -> Vec<Value> {
    let answer = server.get("/admin/access-requests?status=pending", Some(jwt)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    answer.json()["data"]["results"].as_array().unwrap().clone()
}

#[tokio::test]
async fn new_taken_and_pending_emails_get_the_same_answer() {
    let server = server_with_requests().await;
    first_admin(&server).await;

    let new = ask(&server, "robin@example.com", REQUESTED_PASSWORD).await;
    let taken = ask(&server, "ada@example.com", REQUESTED_PASSWORD).await;
    let again = ask(&server, "Robin@Example.com", "Another1Password").await;

    for answer in [&new, &taken, &again] {
        assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.text);
        assert_eq!(answer.json(), json!({"data": {"status": "received"}}));
    }
    assert_eq!((new.text.as_str(), new.text.as_str()), (taken.text.as_str(), again.text.as_str()));
    assert_eq!(confirmation_links(&server, "robin@example.com").await.len(), 1, "the pending request is kept");
    assert_eq!(mails_of_kind(&server, "ada@example.com", MailKind::AccessRequestConfirmation).await, 0);

    // Rule-breaking input is refused before any lookup, alike for every email.
    let weak = ask(&server, "ada@example.com", "weak").await;
    assert_eq!(weak.status, StatusCode::BAD_REQUEST, "{}", weak.text);
    let extra = server
        .post(
            "/admin/access-requests",
            &json!({"email": "x@example.com", "firstname": "X", "password": REQUESTED_PASSWORD, "roles": [1]}),
            None,
        )
        .await;
    assert_eq!(extra.status, StatusCode::BAD_REQUEST, "a field the form does not take is refused");
}

#[tokio::test]
async fn an_approved_request_logs_in_with_the_requested_password_as_an_author() {
    let server = server_with_requests().await;
    let jwt = first_admin(&server).await;
    assert_eq!(ask(&server, "robin@example.com", REQUESTED_PASSWORD).await.status, StatusCode::ACCEPTED);
    assert!(pending(&server, &jwt).await.is_empty(), "an unconfirmed request is not listed");
    let all = server.get("/admin/access-requests", Some(&jwt)).await.json();
    assert_eq!(all["data"]["pagination"], json!({"page": 1, "pageSize": 10, "pageCount": 0, "total": 0}));

    let id = ask_and_confirm(&server, &jwt, "robin@example.com").await;
    let listed = pending(&server, &jwt).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["message"], "I write the newsletter");
    assert_eq!(listed[0]["status"], "pending");
    assert!(listed[0].get("password").is_none() && listed[0].get("passwordHash").is_none());
    let reused =
        server.send(server.client.get(confirmation_links(&server, "robin@example.com").await[0].clone())).await;
    assert_eq!(reused.status, StatusCode::BAD_REQUEST, "a link confirms once");

    let approved = server.post(&format!("/admin/access-requests/{id}/approve"), &json!({}), Some(&jwt)).await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.text);
    let admin = &approved.json()["data"];
    assert_eq!((admin["email"].as_str(), admin["isActive"].as_bool()), (Some("robin@example.com"), Some(true)));
    assert_eq!(admin["roles"].as_array().unwrap().len(), 1);
    assert_eq!(admin["roles"][0]["code"], "strapi-author");
    assert!(pending(&server, &jwt).await.is_empty());
    let twice = server.post(&format!("/admin/access-requests/{id}/approve"), &json!({}), Some(&jwt)).await;
    assert_eq!(twice.status, StatusCode::BAD_REQUEST, "{}", twice.text);

    let login =
        server.post("/admin/login", &json!({"email": "robin@example.com", "password": REQUESTED_PASSWORD}), None).await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.text);
    let author = login.json()["data"]["token"].as_str().unwrap().to_owned();
    let invite = server
        .post("/admin/users", &json!({"email": "eve@example.com", "firstname": "Eve", "roles": [3]}), Some(&author))
        .await;
    assert_eq!(invite.status, StatusCode::FORBIDDEN, "an Author cannot create admins");
    let list = server.get("/admin/access-requests", Some(&author)).await;
    assert_eq!(list.status, StatusCode::FORBIDDEN, "nor read access requests");

    let types: Vec<String> = server.events().await.into_iter().map(|event| event.event_type).collect();
    let created = types.iter().position(|kind| kind == "access_request.created").expect("created on confirmation");
    let admin_created = types.iter().rposition(|kind| kind == "admin.created").unwrap();
    let approved_at = types.iter().position(|kind| kind == "access_request.approved").unwrap();
    assert!(created < admin_created && admin_created < approved_at, "{types:?}");
    assert_eq!(mails_of_kind(&server, "robin@example.com", MailKind::AccessRequestApproved).await, 1);
    let audit = server.get("/admin/audit-logs?action=access_request.approved", Some(&jwt)).await.json();
    assert_eq!(audit["data"]["pagination"]["total"], 1);
}

#[tokio::test]
async fn a_rejected_request_frees_the_email() {
    let server = server_with_requests().await;
    let jwt = first_admin(&server).await;
    let id = ask_and_confirm(&server, &jwt, "robin@example.com").await;

    let rejected = server
        .post(&format!("/admin/access-requests/{id}/reject"), &json!({"reason": "Not this quarter"}), Some(&jwt))
        .await;
    assert_eq!(rejected.status, StatusCode::OK, "{}", rejected.text);
    assert_eq!(rejected.json()["data"]["status"], "rejected");
    assert_eq!(rejected.json()["data"]["reason"], "Not this quarter");
    assert_eq!(mails_of_kind(&server, "robin@example.com", MailKind::AccessRequestRejected).await, 1);
    assert!(pending(&server, &jwt).await.is_empty());
    let late = server.post(&format!("/admin/access-requests/{id}/approve"), &json!({}), Some(&jwt)).await;
    assert_eq!(late.status, StatusCode::BAD_REQUEST, "a rejected request cannot be approved");
    let listed = server.get("/admin/access-requests?status=rejected", Some(&jwt)).await.json();
    assert_eq!(listed["data"]["results"][0]["id"], id);

    let second = ask_and_confirm(&server, &jwt, "robin@example.com").await;
    assert_ne!(second, id, "the email is free for a new request");
    assert_eq!(confirmation_links(&server, "robin@example.com").await.len(), 2);
    assert!(server.events().await.iter().any(|event| event.event_type == "access_request.rejected"));
}

#[tokio::test]
async fn the_routes_are_404_like_an_unknown_path_when_the_feature_is_off() {
    let server = TestServer::spawn().await;
    let jwt = first_admin(&server).await;
    let unknown = server.post("/admin/no-such-route", &json!({}), None).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let form = ask(&server, "robin@example.com", REQUESTED_PASSWORD).await;
    assert_eq!((form.status, form.json()), (unknown.status, unknown.json()));
    let list = server.get("/admin/access-requests?status=pending", Some(&jwt)).await;
    assert_eq!((list.status, list.json()), (unknown.status, unknown.json()));
    let approve = server.post("/admin/access-requests/1/approve", &json!({}), Some(&jwt)).await;
    assert_eq!(approve.status, StatusCode::NOT_FOUND);
    let confirm = server.get("/admin/access-requests/confirm?confirmation=x", None).await;
    assert_eq!(confirm.status, StatusCode::NOT_FOUND);
    let document = server.get("/openapi.json", None).await.json();
    assert!(document["paths"].get("/admin/access-requests").is_none(), "nor are they documented");
    assert!(server.domain().store().list_mails(10).await.unwrap().is_empty());
}

#[tokio::test]
async fn requests_expire_after_thirty_days_and_free_the_email() {
    let server = TestServer::builder().with_config(enabled).with_manual_clock().spawn().await;
    let jwt = first_admin(&server).await;
    let id = ask_and_confirm(&server, &jwt, "robin@example.com").await;
    // An admin JWT lives 30 minutes: the admin logs in again after each jump of the clock.
    let login = || async {
        let login =
            server.post("/admin/login", &json!({"email": "ada@example.com", "password": ADMIN_PASSWORD}), None).await;
        login.json()["data"]["token"].as_str().unwrap().to_owned()
    };
    server.clock().advance(Duration::from_secs(29 * 24 * 3600));
    let jwt = login().await;
    assert_eq!(pending(&server, &jwt).await.len(), 1, "still pending after 29 days");
    server.clock().advance(Duration::from_secs(24 * 3600 + 1));
    let jwt = login().await;

    assert!(pending(&server, &jwt).await.is_empty());
    let expired = server.get("/admin/access-requests?status=expired", Some(&jwt)).await.json();
    assert_eq!(expired["data"]["results"][0]["id"], id);
    let late = server.post(&format!("/admin/access-requests/{id}/approve"), &json!({}), Some(&jwt)).await;
    assert_eq!(late.status, StatusCode::BAD_REQUEST, "{}", late.text);
    let again = ask_and_confirm(&server, &jwt, "robin@example.com").await;
    assert_ne!(again, id);
}

#[tokio::test]
async fn the_cli_lists_approves_and_rejects_requests() {
    let db = gatehouse_testkit::TestDb::new().await;
    let server = TestServer::builder().with_config(enabled).on_database(db.url()).spawn().await;
    let jwt = first_admin(&server).await;
    let robin = ask_and_confirm(&server, &jwt, "robin@example.com").await;
    let sam = ask_and_confirm(&server, &jwt, "sam@example.com").await;

    let listed = gatehouse_cli_ok(db.url(), &["admin", "requests", "list", "--status", "pending"]).await;
    let rows: Vec<&str> = listed.lines().collect();
    assert_eq!(rows.len(), 2, "{listed}");
    assert!(rows[0].starts_with(&format!("{sam}\tsam@example.com\t")), "newest first: {listed}");
    assert!(rows[1].contains("\tpending\t") && rows[1].ends_with("I write the newsletter"), "{listed}");

    let approved =
        gatehouse_cli_ok(db.url(), &["admin", "requests", "approve", &robin.to_string(), "--role", "editor"]).await;
    assert!(approved.contains("robin@example.com") && approved.contains("strapi-editor"), "{approved}");
    let rejected =
        gatehouse_cli_ok(db.url(), &["admin", "requests", "reject", &sam.to_string(), "--reason", "unknown"]).await;
    assert!(rejected.contains("sam@example.com"), "{rejected}");
    assert!(gatehouse_cli_ok(db.url(), &["admin", "requests", "list", "--status", "pending"]).await.is_empty());

    let login =
        server.post("/admin/login", &json!({"email": "robin@example.com", "password": REQUESTED_PASSWORD}), None).await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.text);
    assert_eq!(login.json()["data"]["user"]["roles"][0]["code"], "strapi-editor");
    let again = crate::support::gatehouse_cli(db.url(), &["admin", "requests", "approve", &robin.to_string()]).await;
    assert!(!again.ok && again.stderr.contains("no longer pending"), "{}", again.stderr);
}
