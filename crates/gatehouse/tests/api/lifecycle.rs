//! The account lifecycle over real HTTP and a real SMTP server: email confirmation, forgot and
//! reset password, change password, refresh tokens and sessions.

use crate::support::smtp::SmtpSink;
use crate::support::{gatehouse_cli_ok, TestServer, PASSWORD};
use reqwest::StatusCode;
use serde_json::json;
use std::time::Duration;

async fn mailing_server(sink: &SmtpSink, tweak: impl FnOnce(&mut gatehouse::config::Config) + 'static) -> TestServer {
    let url = sink.url();
    TestServer::builder()
        .with_config(move |config| {
            config.mail.smtp_url = Some(url);
            config.mail.from = Some("Gatehouse <no-reply@gatehouse.test>".into());
            config.auth.reset_password_url = Some("https://app.example.com/reset".into());
            tweak(config);
        })
        .spawn()
        .await
}

#[tokio::test]
async fn email_confirmation_is_mailed_required_and_single_use() {
    let sink = SmtpSink::start().await;
    let server = mailing_server(&sink, |config| {
        config.auth.email_confirmation = true;
        config.auth.email_confirmation_redirect = Some("https://app.example.com/confirmed".into());
    })
    .await;
    let registered = server
        .post(
            "/api/auth/local/register",
            &json!({"username": "carla", "email": "carla@example.com", "password": PASSWORD}),
            None,
        )
        .await;
    assert_eq!(registered.status, StatusCode::OK, "{}", registered.text);
    assert!(registered.json().get("jwt").is_none(), "no JWT before confirmation");
    assert_eq!(registered.json()["user"]["confirmed"], false);

    let login = server.post("/api/auth/local", &json!({"identifier": "carla", "password": PASSWORD}), None).await;
    assert_eq!(login.error(), ("ApplicationError".into(), "Your account email is not confirmed".into()));

    let mail = sink.wait_for("carla@example.com").await;
    assert!(mail.raw.contains("Confirm your email address"));
    let link =
        mail.link(&format!("{}/api/auth/email-confirmation?confirmation=", server.base)).expect("a confirmation link");
    let followed = server.send(server.client.get(&link)).await;
    assert_eq!(followed.status, StatusCode::FOUND);
    assert_eq!(followed.headers["location"], "https://app.example.com/confirmed");
    let again = server.send(server.client.get(&link)).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST, "single use");
    assert_eq!(
        server.get("/api/auth/email-confirmation?confirmation=nonsense", None).await.status,
        StatusCode::BAD_REQUEST
    );

    let login = server.post("/api/auth/local", &json!({"identifier": "carla", "password": PASSWORD}), None).await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.text);
    assert_eq!(login.json()["user"]["confirmed"], true);
}

#[tokio::test]
async fn resending_a_confirmation_answers_the_same_whoever_asks() {
    let sink = SmtpSink::start().await;
    let server = mailing_server(&sink, |config| config.auth.email_confirmation = true).await;
    server
        .post(
            "/api/auth/local/register",
            &json!({"username": "dora", "email": "dora@example.com", "password": PASSWORD}),
            None,
        )
        .await;
    let known = server.post("/api/auth/send-email-confirmation", &json!({"email": "dora@example.com"}), None).await;
    let unknown = server.post("/api/auth/send-email-confirmation", &json!({"email": "ghost@example.com"}), None).await;
    assert_eq!((known.status, unknown.status), (StatusCode::OK, StatusCode::OK));
    assert_eq!(known.json()["sent"], true);
    assert_eq!(unknown.json(), json!({"email": "ghost@example.com", "sent": true}));
    // Two mails to dora (registration and resend); the first link is dead now.
    tokio::time::timeout(Duration::from_secs(15), async {
        while sink.all().await.iter().filter(|mail| mail.to == ["dora@example.com"]).count() < 2 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("two confirmation mails");
    let mails = sink.all().await;
    let prefix = format!("{}/api/auth/email-confirmation?confirmation=", server.base);
    let first = mails[0].link(&prefix).unwrap();
    let second = mails[1].link(&prefix).unwrap();
    assert_eq!(server.send(server.client.get(&first)).await.status, StatusCode::BAD_REQUEST, "superseded");
    assert_eq!(server.send(server.client.get(&second)).await.status, StatusCode::FOUND);
    assert!(sink.all().await.iter().all(|mail| mail.to != ["ghost@example.com"]));
}

#[tokio::test]
async fn forgot_and_reset_password_end_to_end() {
    let sink = SmtpSink::start().await;
    let server = mailing_server(&sink, |_| {}).await;
    let (old_jwt, _) = server.register("frank").await;

    let real = server.post("/api/auth/forgot-password", &json!({"email": "frank@example.com"}), None).await;
    let unknown = server.post("/api/auth/forgot-password", &json!({"email": "nobody@example.com"}), None).await;
    assert_eq!((real.status, real.text.as_str()), (unknown.status, unknown.text.as_str()), "identical answers");
    assert_eq!(real.json(), json!({"ok": true}));

    let mail = sink.wait_for("frank@example.com").await;
    assert!(mail.raw.contains("Reset your password"));
    assert!(!mail.raw.contains(PASSWORD), "mails never contain a password");
    let link = mail.link("https://app.example.com/reset?code=").expect("a reset link");
    let code = link.split("code=").nth(1).unwrap().to_owned();

    let reset = |code: String, password: &'static str| {
        let server = &server;
        async move {
            server
                .post(
                    "/api/auth/reset-password",
                    &json!({"code": code, "password": password, "passwordConfirmation": password}),
                    None,
                )
                .await
        }
    };
    let wrong = reset("0".repeat(64), "brand new password").await;
    assert_eq!(wrong.error(), ("ValidationError".into(), "Incorrect code provided".into()));
    let mismatch = server
        .post(
            "/api/auth/reset-password",
            &json!({"code": code, "password": "brand new password", "passwordConfirmation": "other"}),
            None,
        )
        .await;
    assert_eq!(mismatch.status, StatusCode::BAD_REQUEST);

    let done = reset(code.clone(), "brand new password").await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    let new_jwt = done.json()["jwt"].as_str().unwrap().to_owned();
    assert_eq!(server.get("/api/users/me", Some(&old_jwt)).await.status, StatusCode::UNAUTHORIZED, "old sessions end");
    assert_eq!(server.get("/api/users/me", Some(&new_jwt)).await.status, StatusCode::OK);
    let used = reset(code, "another password").await;
    assert_eq!(used.text, wrong.text, "a used code answers like a wrong one");
    let login =
        server.post("/api/auth/local", &json!({"identifier": "frank", "password": "brand new password"}), None).await;
    assert_eq!(login.status, StatusCode::OK);
    assert!(
        !server.events().await.iter().any(|event| event.data.to_string().contains(&link)),
        "events never carry the code"
    );
}

#[tokio::test]
async fn an_expired_or_superseded_reset_code_is_refused_like_a_wrong_one() {
    let sink = SmtpSink::start().await;
    let url = sink.url();
    let server = TestServer::builder()
        .with_manual_clock()
        .with_config(move |config| {
            config.mail.smtp_url = Some(url);
            config.auth.reset_password_url = Some("https://app.example.com/reset".into());
        })
        .spawn()
        .await;
    server.register("gina").await;
    let code_of = |mail: crate::support::smtp::ReceivedMail| {
        mail.link("https://app.example.com/reset?code=").unwrap().split("code=").nth(1).unwrap().to_owned()
    };
    server.post("/api/auth/forgot-password", &json!({"email": "gina@example.com"}), None).await;
    let first = code_of(sink.wait_for("gina@example.com").await);
    server.post("/api/auth/forgot-password", &json!({"email": "GINA@example.com"}), None).await;
    tokio::time::timeout(Duration::from_secs(15), async {
        while sink.all().await.len() < 2 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .unwrap();
    let second = code_of(sink.all().await[1].clone());
    let attempt = |code: String| {
        let server = &server;
        async move {
            server
                .post(
                    "/api/auth/reset-password",
                    &json!({"code": code, "password": "a new password", "passwordConfirmation": "a new password"}),
                    None,
                )
                .await
        }
    };
    let superseded = attempt(first).await;
    assert_eq!(superseded.error().1, "Incorrect code provided");
    server.clock().advance(Duration::from_secs(61 * 60));
    let expired = attempt(second).await;
    assert_eq!(expired.text, superseded.text);
    let login = server.post("/api/auth/local", &json!({"identifier": "gina", "password": PASSWORD}), None).await;
    assert_eq!(login.status, StatusCode::OK, "the password did not change");
}

#[tokio::test]
async fn change_password_checks_the_current_one_and_ends_other_sessions() {
    let server = TestServer::spawn().await;
    let (other, _) = server.register("hana").await;
    let login = server.post("/api/auth/local", &json!({"identifier": "hana", "password": PASSWORD}), None).await;
    let mine = login.json()["jwt"].as_str().unwrap().to_owned();
    let change = |current: &'static str, password: &'static str| {
        let (server, mine) = (&server, mine.clone());
        async move {
            server
                .post(
                    "/api/auth/change-password",
                    &json!({"currentPassword": current, "password": password, "passwordConfirmation": password}),
                    Some(&mine),
                )
                .await
        }
    };
    let wrong = change("not my password", "a new password").await;
    assert_eq!(wrong.error(), ("ValidationError".into(), "The provided current password is invalid".into()));
    assert_eq!(server.get("/api/users/me", Some(&other)).await.status, StatusCode::OK, "nothing changed");
    assert_eq!(
        server.post("/api/auth/local", &json!({"identifier": "hana", "password": PASSWORD}), None).await.status,
        StatusCode::OK
    );
    let same = change(PASSWORD, PASSWORD).await;
    assert_eq!(same.status, StatusCode::BAD_REQUEST);

    let done = change(PASSWORD, "a new password").await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    let fresh = done.json()["jwt"].as_str().unwrap().to_owned();
    assert_eq!(server.get("/api/users/me", Some(&fresh)).await.status, StatusCode::OK);
    assert_eq!(server.get("/api/users/me", Some(&mine)).await.status, StatusCode::OK, "the calling session stays");
    assert_eq!(server.get("/api/users/me", Some(&other)).await.status, StatusCode::UNAUTHORIZED, "other sessions end");
    assert_eq!(
        server.post("/api/auth/local", &json!({"identifier": "hana", "password": PASSWORD}), None).await.status,
        StatusCode::BAD_REQUEST
    );
}

async fn refresh_server() -> TestServer {
    TestServer::builder()
        .with_config(|config| config.auth.jwt_mode = gatehouse::config::JwtModeConfig::Refresh)
        .spawn()
        .await
}

async fn rotate(server: &TestServer, token: &str) -> crate::support::Answer {
    server.post("/api/auth/refresh", &json!({"refreshToken": token}), None).await
}

#[tokio::test]
async fn refresh_tokens_rotate_and_a_replayed_old_one_kills_the_session() {
    let server = refresh_server().await;
    let (_, _) = server.register("ivy").await;
    let login = server.post("/api/auth/local", &json!({"identifier": "ivy", "password": PASSWORD}), None).await;
    let body = login.json();
    let first = body["refreshToken"].as_str().expect("a refresh token in the body").to_owned();
    let claims = body["jwt"].as_str().unwrap().split('.').nth(1).unwrap().to_owned();
    use base64::Engine;
    let claims: serde_json::Value =
        serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(claims).unwrap()).unwrap();
    assert_eq!((claims["type"].as_str(), claims["aud"].as_str()), (Some("access"), Some("api")));
    assert_eq!(claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(), 600);

    let mut current = first.clone();
    let mut jwt = String::new();
    for _ in 0..3 {
        let rotated = rotate(&server, &current).await;
        assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.text);
        let next = rotated.json()["refreshToken"].as_str().unwrap().to_owned();
        assert_ne!(next, current);
        jwt = rotated.json()["jwt"].as_str().unwrap().to_owned();
        current = next;
    }
    assert_eq!(server.get("/api/users/me", Some(&jwt)).await.status, StatusCode::OK);

    let replay = rotate(&server, &first).await;
    assert_eq!(replay.status, StatusCode::UNAUTHORIZED);
    assert_eq!(rotate(&server, &current).await.status, StatusCode::UNAUTHORIZED, "the latest refresh token died too");
    assert_eq!(
        server.get("/api/users/me", Some(&jwt)).await.status,
        StatusCode::UNAUTHORIZED,
        "so did the access token"
    );
}

#[tokio::test]
async fn replaying_the_just_rotated_token_within_the_grace_is_a_plain_401() {
    let server = refresh_server().await;
    server.register("jay").await;
    let login = server.post("/api/auth/local", &json!({"identifier": "jay", "password": PASSWORD}), None).await;
    let first = login.json()["refreshToken"].as_str().unwrap().to_owned();
    let rotated = rotate(&server, &first).await;
    let second = rotated.json()["refreshToken"].as_str().unwrap().to_owned();
    assert_eq!(rotate(&server, &first).await.status, StatusCode::UNAUTHORIZED, "the other tab");
    assert_eq!(rotate(&server, &second).await.status, StatusCode::OK, "the session survives");
}

#[tokio::test]
async fn the_refresh_token_can_travel_in_an_http_only_cookie() {
    let server = refresh_server().await;
    server.register("kim").await;
    let request = server
        .client
        .post(server.url("/api/auth/local"))
        .header("x-strapi-refresh-cookie", "httpOnly")
        .json(&json!({"identifier": "kim", "password": PASSWORD, "deviceId": "laptop"}));
    let login = server.send(request).await;
    assert_eq!(login.status, StatusCode::OK);
    assert!(login.json().get("refreshToken").is_none(), "not in the body");
    let cookie = login.headers["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        cookie.starts_with("strapi_up_refresh=") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "plain HTTP on loopback");
    let token = cookie.split(';').next().unwrap().to_owned();
    let refreshed = server.send(server.client.post(server.url("/api/auth/refresh")).header("cookie", &token)).await;
    assert_eq!(refreshed.status, StatusCode::OK, "{}", refreshed.text);
    assert!(refreshed.headers["set-cookie"].to_str().unwrap().starts_with("strapi_up_refresh="));
    let jwt = refreshed.json()["jwt"].as_str().unwrap().to_owned();
    let sessions = server.get("/api/auth/sessions", Some(&jwt)).await;
    assert_eq!(sessions.status, StatusCode::OK, "{}", sessions.text);
    let laptop = sessions.json()["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|session| session["deviceId"] == "laptop")
        .cloned()
        .unwrap();
    assert_eq!(laptop["current"], true);
    assert_eq!(
        server.send(server.client.post(server.url("/api/auth/refresh")).header("cookie", &token)).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn logout_in_refresh_mode_kills_access_and_refresh_tokens() {
    let server = refresh_server().await;
    server.register("lea").await;
    let login = server.post("/api/auth/local", &json!({"identifier": "lea", "password": PASSWORD}), None).await;
    let (jwt, refresh) =
        (login.json()["jwt"].as_str().unwrap().to_owned(), login.json()["refreshToken"].as_str().unwrap().to_owned());
    assert_eq!(server.post("/api/auth/logout", &json!({}), Some(&jwt)).await.status, StatusCode::OK);
    assert_eq!(server.get("/api/users/me", Some(&jwt)).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(rotate(&server, &refresh).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn legacy_mode_has_no_refresh_endpoint_but_lists_sessions() {
    let server = TestServer::spawn().await;
    assert_eq!(rotate(&server, "anything").await.error().0, "NotFoundError");
    let (first, _) = server.register("max").await;
    server.post("/api/auth/local", &json!({"identifier": "max", "password": PASSWORD}), None).await;
    let sessions = server.get("/api/auth/sessions", Some(&first)).await.json();
    let data = sessions["data"].as_array().unwrap();
    assert_eq!(data.len(), 2);
    assert_eq!(data.iter().filter(|session| session["current"] == true).count(), 1);
}

#[tokio::test]
async fn a_mail_that_fails_to_send_is_retried_not_lost() {
    // A port with nothing listening yet.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let server = TestServer::builder()
        .with_manual_clock()
        .with_config(move |config| config.mail.smtp_url = Some(format!("smtp://127.0.0.1:{port}")))
        .spawn()
        .await;
    server.register("nora").await;
    server.post("/api/auth/forgot-password", &json!({"email": "nora@example.com"}), None).await;
    let store = server.domain().store().clone();
    tokio::time::timeout(Duration::from_secs(15), async {
        loop {
            let mails = store.list_mails(10).await.unwrap();
            if mails.first().is_some_and(|mail| mail.last_error.is_some()) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("a failed attempt is recorded");
    let sink = SmtpSink::start_on(port).await;
    server.clock().advance(Duration::from_secs(10));
    let mail = sink.wait_for("nora@example.com").await;
    assert!(mail.raw.contains("Reset your password"));
    let delivered = tokio::time::timeout(Duration::from_secs(15), async {
        loop {
            let mails = store.list_mails(10).await.unwrap();
            if mails[0].sent_at.is_some() {
                break mails;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the delivery is recorded");
    assert!(delivered[0].attempts >= 2);
    assert!(delivered[0].variables.is_none(), "the link is dropped from the outbox once delivered");
}

#[tokio::test]
async fn without_smtp_mails_are_logged_and_listed_by_the_cli() {
    let db = gatehouse_testkit::TestDb::new().await;
    let server = TestServer::builder().on_database(db.url()).spawn().await;
    server.register("olga").await;
    server.post("/api/auth/forgot-password", &json!({"email": "olga@example.com"}), None).await;
    let store = server.domain().store().clone();
    tokio::time::timeout(Duration::from_secs(15), async {
        while store.list_mails(10).await.unwrap().first().is_none_or(|mail| mail.sent_at.is_none()) {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the log mailer delivers");
    let listed = gatehouse_cli_ok(db.url(), &["mail", "list"]).await;
    assert!(
        listed.contains("olga@example.com") && listed.contains("reset_password") && listed.contains("code="),
        "{listed}"
    );
}
