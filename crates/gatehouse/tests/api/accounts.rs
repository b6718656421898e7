//! Register, login, me and logout (content API).

use crate::support::{TestServer, PASSWORD};
use reqwest::StatusCode;
use serde_json::{json, Value};

#[tokio::test]
async fn register_login_by_email_and_username_me_and_logout() {
    let server = TestServer::spawn().await;

    // Register: {jwt, user} with the user's public fields only.
    let registered = server
        .post(
            "/api/auth/local/register",
            &json!({"username": "Alice", "email": "Alice@Example.COM", "password": PASSWORD}),
            None,
        )
        .await;
    assert_eq!(registered.status, StatusCode::OK, "{}", registered.text);
    let body = registered.json();
    let user = &body["user"];
    assert!(body["jwt"].as_str().is_some_and(|jwt| jwt.split('.').count() == 3));
    assert_eq!(user["email"], "alice@example.com");
    assert_eq!(user["username"], "Alice");
    assert_eq!(user["provider"], "local");
    assert_eq!(user["confirmed"], true);
    assert_eq!(user["blocked"], false);
    assert_eq!(user["documentId"].as_str().unwrap().len(), 24);
    for private in ["password", "password_hash", "passwordHash", "resetPasswordToken", "confirmationToken", "role"] {
        assert!(user.get(private).is_none(), "{private} must not be shown");
    }
    assert_eq!(registered.headers["cache-control"], "no-store");

    // Login by email (any case) and by username (any case).
    for identifier in ["alice@example.com", "ALICE@EXAMPLE.COM", "alice", "ALICE"] {
        let login =
            server.post("/api/auth/local", &json!({"identifier": identifier, "password": PASSWORD}), None).await;
        assert_eq!(login.status, StatusCode::OK, "login as {identifier}: {}", login.text);
        assert_eq!(login.json()["user"]["id"], user["id"]);
    }
    let login = server.post("/api/auth/local", &json!({"identifier": "alice", "password": PASSWORD}), None).await;
    let jwt = login.json()["jwt"].as_str().unwrap().to_owned();

    // Me, with and without the role.
    let me = server.get("/api/users/me", Some(&jwt)).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.json()["id"], user["id"]);
    assert!(me.json().get("role").is_none());
    let me_with_role = server.get("/api/users/me?populate=role", Some(&jwt)).await;
    assert_eq!(me_with_role.json()["role"]["type"], "authenticated");

    // Logout ends the session: the same JWT is refused from then on.
    let logout = server.post("/api/auth/logout", &json!({}), Some(&jwt)).await;
    assert_eq!(logout.status, StatusCode::OK, "{}", logout.text);
    assert_eq!(logout.json(), json!({"ok": true}));
    let after = server.get("/api/users/me", Some(&jwt)).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
    assert_eq!(after.error(), ("UnauthorizedError".into(), "Missing or invalid credentials".into()));

    // Other sessions of the same user are untouched.
    let first_jwt = body["jwt"].as_str().unwrap();
    assert_eq!(server.get("/api/users/me", Some(first_jwt)).await.status, StatusCode::OK);
}

#[tokio::test]
async fn register_writes_user_created_then_logged_in_events() {
    let server = TestServer::spawn().await;
    let (_, user) = server.register("eve").await;
    let events = server.events().await;
    let kinds: Vec<&str> = events.iter().map(|event| event.event_type.as_str()).collect();
    assert_eq!(kinds, ["user.created", "user.logged_in"]);
    assert_eq!(events[0].data["id"], user["id"]);
    assert_eq!(events[0].data["email"], "eve@example.com");
    assert!(events[0].id.starts_with("evt_"));
    assert!(!events[0].data.to_string().contains("argon2"), "no secret in events");
}

async fn register_refused(server: &TestServer, body: Value) -> (String, String) {
    let answer = server.post("/api/auth/local/register", &body, None).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{body}: {}", answer.text);
    answer.error()
}

#[tokio::test]
async fn register_rejects_missing_and_malformed_fields() {
    let server = TestServer::spawn().await;
    let cases = [
        (json!({"email": "a@example.com", "password": PASSWORD}), "username is a required field"),
        (json!({"username": "abc", "password": PASSWORD}), "email is a required field"),
        (json!({"username": "abc", "email": "a@example.com"}), "password is a required field"),
        (json!({"username": "abc", "email": "a@example.com", "password": ""}), "password is a required field"),
        (json!({"username": "abc", "email": "not-an-email", "password": PASSWORD}), "email must be a valid email"),
        (
            json!({"username": "abc", "email": "a@example.com", "password": "short"}),
            "password must be at least 8 characters",
        ),
        (
            json!({"username": "a@c", "email": "a@example.com", "password": PASSWORD}),
            "username must not contain '@' or control characters",
        ),
        (
            json!({"username": "ab", "email": "a@example.com", "password": PASSWORD}),
            "username must be at least 3 characters",
        ),
        (
            json!({"username": "abc", "email": "a@example.com", "password": "x".repeat(1025)}),
            "Password must be less than 1025 bytes",
        ),
        (
            json!({"username": 12, "email": "a@example.com", "password": PASSWORD}),
            "username must be a `string` type, but the final value was: `12`.",
        ),
    ];
    for (body, message) in cases {
        let (name, said) = register_refused(&server, body.clone()).await;
        assert_eq!((name.as_str(), said.as_str()), ("ValidationError", message), "{body}");
    }

    // An empty body lists all three, in Strapi's order.
    let answer = server.post("/api/auth/local/register", &json!({}), None).await;
    let body = answer.json();
    assert_eq!(body["error"]["message"], "3 errors occurred");
    let paths: Vec<&Value> =
        body["error"]["details"]["errors"].as_array().unwrap().iter().map(|e| &e["path"][0]).collect();
    assert_eq!(paths, [&json!("email"), &json!("username"), &json!("password")]);

    assert!(server.events().await.is_empty(), "a refused registration writes nothing");
}

#[tokio::test]
async fn register_refuses_fields_a_caller_may_not_set_and_creates_nothing() {
    let server =
        TestServer::builder().with_config(|config| config.register.allowed_fields = vec!["role".into()]).spawn().await;
    for (key, value) in [
        ("role", json!(1)),
        ("confirmed", json!(false)),
        ("blocked", json!(true)),
        ("provider", json!("github")),
        ("id", json!(7)),
        ("foo", json!("bar")),
    ] {
        let mut body = json!({"username": "mallory", "email": "mallory@example.com", "password": PASSWORD});
        body[key] = value;
        let (name, message) = register_refused(&server, body).await;
        assert_eq!(
            (name.as_str(), message.as_str()),
            ("ValidationError", format!("Invalid parameters: {key}").as_str())
        );
    }
    let login = server.post("/api/auth/local", &json!({"identifier": "mallory", "password": PASSWORD}), None).await;
    assert_eq!(login.status, StatusCode::BAD_REQUEST, "no account was created");
    let failed_logins_only = server.events().await.iter().all(|event| event.event_type == "user.login_failed");
    assert!(failed_logins_only);
}

#[tokio::test]
async fn register_refuses_a_taken_email_or_username_in_any_case() {
    let server = TestServer::spawn().await;
    server.register("alice").await;
    for (username, email) in [
        ("alice2", "alice@example.com"),
        ("alice3", "ALICE@Example.com"),
        ("alice", "other@example.com"),
        ("ALICE", "other2@example.com"),
    ] {
        let (name, message) =
            register_refused(&server, json!({"username": username, "email": email, "password": PASSWORD})).await;
        assert_eq!(
            (name.as_str(), message.as_str()),
            ("ApplicationError", "Email or Username are already taken"),
            "{username} {email}"
        );
    }
}

#[tokio::test]
async fn non_ascii_identities_are_unique_and_found_case_insensitively() {
    let server = TestServer::spawn().await;
    let first = server
        .post(
            "/api/auth/local/register",
            &json!({"username": "Élodie", "email": "élodie@exemple.fr", "password": PASSWORD}),
            None,
        )
        .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    let (_, message) =
        register_refused(&server, json!({"username": "ÉLODIE", "email": "x@exemple.fr", "password": PASSWORD})).await;
    assert_eq!(message, "Email or Username are already taken");
    let (_, message) =
        register_refused(&server, json!({"username": "other", "email": "ÉLODIE@EXEMPLE.FR", "password": PASSWORD}))
            .await;
    assert_eq!(message, "Email or Username are already taken");
    let login = server.post("/api/auth/local", &json!({"identifier": "éLODIE", "password": PASSWORD}), None).await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.text);
}

#[tokio::test]
async fn fifty_concurrent_registrations_of_one_email_create_exactly_one_account() {
    let server = TestServer::spawn().await;
    let attempts = (0..50).map(|n| {
        let body = json!({"username": format!("racer{n}"), "email": "race@example.com", "password": PASSWORD});
        let request = server.client.post(server.url("/api/auth/local/register")).json(&body);
        async move { request.send().await.unwrap().status() }
    });
    let statuses = futures_join_all(attempts).await;
    let ok = statuses.iter().filter(|status| **status == StatusCode::OK).count();
    let refused = statuses.iter().filter(|status| **status == StatusCode::BAD_REQUEST).count();
    assert_eq!((ok, refused), (1, 49), "{statuses:?}");
    let created = server.events().await.iter().filter(|event| event.event_type == "user.created").count();
    assert_eq!(created, 1);
}

/// Runs futures concurrently on the current task set.
async fn futures_join_all<F: std::future::Future<Output = T> + Send + 'static, T: Send + 'static>(
    futures: impl Iterator<Item = F>,
) -> Vec<T> {
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for handle in handles {
        out.push(handle.await.unwrap());
    }
    out
}

#[tokio::test]
async fn unknown_user_and_wrong_password_get_byte_identical_answers() {
    let server = TestServer::spawn().await;
    server.register("bob").await;
    let wrong_password =
        server.post("/api/auth/local", &json!({"identifier": "bob", "password": "not-his-password"}), None).await;
    let unknown_user =
        server.post("/api/auth/local", &json!({"identifier": "nobody", "password": "not-his-password"}), None).await;
    let unknown_email =
        server.post("/api/auth/local", &json!({"identifier": "nobody@example.com", "password": PASSWORD}), None).await;
    assert_eq!(wrong_password.status, StatusCode::BAD_REQUEST);
    assert_eq!(wrong_password.error(), ("ValidationError".into(), "Invalid identifier or password".into()));
    assert_eq!(wrong_password.text, unknown_user.text);
    assert_eq!(wrong_password.text, unknown_email.text);
    assert_eq!(wrong_password.status, unknown_user.status);
    let failures = server.events().await.iter().filter(|event| event.event_type == "user.login_failed").count();
    assert_eq!(failures, 3);
}

#[tokio::test]
async fn login_validates_its_fields_like_strapi() {
    let server = TestServer::spawn().await;
    let answer = server.post("/api/auth/local", &json!({"identifier": 123, "password": PASSWORD}), None).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.error().1, "identifier must be a `string` type, but the final value was: `123`.");
    let answer = server.post("/api/auth/local", &json!({}), None).await;
    assert_eq!(answer.error().1, "2 errors occurred");
}

#[tokio::test]
async fn a_weaker_stored_hash_is_upgraded_at_the_next_login() {
    let db = gatehouse_testkit::TestDb::new().await;
    let weak = TestServer::builder().on_database(db.url()).spawn().await;
    weak.register("upgrader").await;
    drop(weak);

    let strong = TestServer::builder()
        .on_database(db.url())
        .with_config(|config| config.auth.argon2.memory_kib = 128)
        .spawn()
        .await;
    let stored = || async {
        let credentials = strong.domain().store().find_credentials_by_username("upgrader").await.unwrap().unwrap();
        credentials.password_hash.unwrap().expose().to_owned()
    };
    assert!(stored().await.starts_with("$argon2id$v=19$m=64,"));
    let login = strong.post("/api/auth/local", &json!({"identifier": "upgrader", "password": PASSWORD}), None).await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.text);
    assert!(stored().await.starts_with("$argon2id$v=19$m=128,"), "rehashed with the configured parameters");
    let again = strong.post("/api/auth/local", &json!({"identifier": "upgrader", "password": PASSWORD}), None).await;
    assert_eq!(again.status, StatusCode::OK, "the new hash verifies");
}

#[tokio::test]
async fn registration_can_be_switched_off() {
    let server = TestServer::builder().with_config(|config| config.auth.allow_register = false).spawn().await;
    let answer = server
        .post(
            "/api/auth/local/register",
            &json!({"username": "late", "email": "late@example.com", "password": PASSWORD}),
            None,
        )
        .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert_eq!(answer.error().0, "ForbiddenError");
}

#[tokio::test]
async fn no_credentials_act_as_the_public_role() {
    let server = TestServer::spawn().await;
    for authorization in [None, Some("Basic YWxpY2U6cGFzcw=="), Some("Bearer"), Some("Bearer    ")] {
        let mut request = server.client.get(server.url("/api/users/me"));
        if let Some(value) = authorization {
            request = request.header("authorization", value);
        }
        let answer = server.send(request).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{authorization:?}");
        assert_eq!(answer.error(), ("ForbiddenError".into(), "Forbidden".into()));
    }
    // Logout needs a session: anonymous callers lack the action.
    assert_eq!(server.post("/api/auth/logout", &json!({}), None).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn identifiers_are_normalised_once_for_registration_login_and_uniqueness() {
    let server = TestServer::spawn().await;
    let (_, carol) = server.register("carol").await;
    let register = |username: &str, email: &str| {
        let body = json!({"username": username, "email": email, "password": PASSWORD});
        let server = &server;
        async move { server.post("/api/auth/local/register", &body, None).await }
    };

    for (username, email) in
        [("carol ", "other@example.com"), ("ｃａｒｏｌ", "other@example.com"), ("bob", " CAROL@example.com ")]
    {
        let twin = register(username, email).await;
        assert_eq!(
            twin.error(),
            ("ApplicationError".into(), "Email or Username are already taken".into()),
            "{username:?} / {email:?}"
        );
    }
    for look_alike in ["ali\u{200b}ce", "\u{202e}ecila", "ali\u{2066}ce", "ali\u{feff}ce", "ali\u{7}ce"] {
        let refused = register(look_alike, "alice@example.com").await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{look_alike:?}: {}", refused.text);
        let refused = register("alice", &format!("ali{look_alike}@example.com")).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{look_alike:?} in an email: {}", refused.text);
    }
    let spaced = register(" dora ", " Dora@Example.com ").await;
    assert_eq!(spaced.status, StatusCode::OK, "{}", spaced.text);
    assert_eq!(
        (spaced.json()["user"]["username"].as_str(), spaced.json()["user"]["email"].as_str()),
        (Some("dora"), Some("dora@example.com"))
    );

    for identifier in ["carol ", " carol", "CAROL", "ｃａｒｏｌ", " carol@example.com "] {
        let login =
            server.post("/api/auth/local", &json!({"identifier": identifier, "password": PASSWORD}), None).await;
        assert_eq!(login.status, StatusCode::OK, "{identifier:?}: {}", login.text);
        assert_eq!(login.json()["user"]["id"], carol["id"], "{identifier:?} reaches carol");
    }
    let look_alike =
        server.post("/api/auth/local", &json!({"identifier": "car\u{200b}ol", "password": PASSWORD}), None).await;
    assert_eq!(look_alike.error(), ("ValidationError".into(), "Invalid identifier or password".into()));
}
