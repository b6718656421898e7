//! The real `gatehouse` binary: what read-only commands do to a missing database, what lists
//! print, the same admin rules as the API, token lifespans, seed progress, the start-up banner
//! and error messages that say what happened.

use crate::support::{gatehouse_cli, TestServer};
use gatehouse_testkit::TestDb;
use reqwest::StatusCode;
use serde_json::json;
use std::path::Path;
use std::process::{Output, Stdio};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};

/// `gatehouse ARGS` in `dir`, with cheap argon2 and no inherited configuration.
fn gatehouse_in(dir: &Path, args: &[&str]) -> Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_gatehouse"));
    command.current_dir(dir).args(args);
    for (key, _) in std::env::vars().filter(|(key, _)| key.starts_with("GATEHOUSE_") && key.contains("__")) {
        command.env_remove(key);
    }
    command
        .env_remove("GATEHOUSE_CONFIG")
        .env("GATEHOUSE_AUTH__ARGON2__MEMORY_KIB", "64")
        .env("GATEHOUSE_AUTH__ARGON2__ITERATIONS", "1")
        .env("GATEHOUSE_LOG__LEVEL", "warn")
        .output()
        .unwrap()
}

/// `gatehouse ARGS --database-url URL`: (success, stdout, stderr).
async fn gatehouse(db: &TestDb, args: &[&str]) -> (bool, String, String) {
    let output = gatehouse_cli(db.url(), args).await;
    (output.ok, output.stdout, output.stderr)
}

#[test]
fn read_only_commands_never_create_a_database() {
    let dir = tempfile::tempdir().unwrap();
    for command in [["mail", "list"], ["admin", "list"], ["token", "list"]] {
        let output = gatehouse_in(dir.path(), &command);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{command:?} fails");
        assert!(stderr.contains("no database at ./gatehouse.db"), "{command:?}: {stderr}");
        assert!(!dir.path().join("gatehouse.db").exists(), "{command:?} created no database");
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "the folder is still empty");
}

#[tokio::test]
async fn lists_of_an_empty_database_print_a_header_and_say_so() {
    let db = TestDb::new().await;
    let (ok, _, err) = gatehouse(&db, &["migrate"]).await;
    assert!(ok, "{err}");
    for (command, header, empty) in [
        (["admin", "list"], "id\temail", "no admins"),
        (["token", "list"], "id\tname", "no API tokens"),
        (["mail", "list"], "id\tcreated", "no mails"),
    ] {
        let (ok, out, err) = gatehouse(&db, &command).await;
        assert!(ok, "{command:?}: {err}");
        assert!(out.is_empty(), "standard output holds rows only: {out:?}");
        assert!(err.starts_with(header) && err.contains(empty), "{command:?}: {err}");
    }
}

#[tokio::test]
async fn admin_create_refuses_a_blank_first_name_as_the_api_does() {
    let db = TestDb::new().await;
    let (ok, _, err) = gatehouse(
        &db,
        &["admin", "create", "--email", "ops@example.com", "--password", "OpsPass123", "--firstname", " "],
    )
    .await;
    assert!(!ok, "refused");
    assert!(err.contains("firstname is a required field"), "{err}");

    let server = TestServer::builder().on_database(db.url()).spawn().await;
    let api = server
        .post(
            "/admin/register-admin",
            &json!({"email": "ops@example.com", "password": "OpsPass123", "firstname": " "}),
            None,
        )
        .await;
    assert_eq!(api.status, StatusCode::BAD_REQUEST, "{}", api.text);
    assert!(api.text.contains("firstname is a required field"), "the same rule: {}", api.text);
    assert!(!server.domain().has_admin().await.unwrap(), "neither created an admin");
}

#[tokio::test]
async fn admin_create_gives_exactly_one_role_and_refuses_unknown_ones() {
    let db = TestDb::new().await;
    let create = async |email: &str, role: Option<&str>| {
        let mut args = vec!["admin", "create", "--email", email, "--password", "OpsPass123", "--firstname", "Ops"];
        if let Some(role) = role {
            args.extend(["--role", role]);
        }
        gatehouse(&db, &args).await
    };
    let (ok, _, err) = create("nobody@example.com", Some("janitor")).await;
    assert!(!ok && err.contains("no admin role \"janitor\""), "{err}");
    let (ok, out, err) = create("first@example.com", None).await;
    assert!(ok && out.contains("(strapi-super-admin)"), "the documented default: {out}{err}");
    let (ok, out, err) = create("editor@example.com", Some("editor")).await;
    assert!(ok && out.contains("(strapi-editor)"), "{out}{err}");

    let (ok, listed, err) = gatehouse(&db, &["admin", "list"]).await;
    assert!(ok, "{err}");
    let rows: Vec<&str> = listed.lines().collect();
    assert_eq!(rows.len(), 2, "the refused admin does not exist: {listed}");
    assert!(rows
        .iter()
        .all(|row| row.rsplit('\t').next().is_some_and(|roles| !roles.is_empty() && !roles.contains(','))));
}

#[tokio::test]
async fn token_lifespans_are_refused_clearly_unless_7_30_90_or_unlimited() {
    let db = TestDb::new().await;
    let (ok, out, err) =
        gatehouse(&db, &["token", "create", "--name", "ci", "--type", "read-only", "--lifespan-days", "5"]).await;
    assert!(!ok && out.is_empty(), "refused: {out}");
    assert!(err.contains("7, 30 or 90") && err.contains("unlimited"), "{err}");
    assert!(!err.contains("604800000"), "no milliseconds: {err}");

    let (ok, secret, err) =
        gatehouse(&db, &["token", "create", "--name", "ci", "--type", "read-only", "--lifespan-days", "unlimited"])
            .await;
    assert!(ok && secret.trim().starts_with("gat_"), "{err}");
    let (ok, listed, _) = gatehouse(&db, &["token", "list"]).await;
    assert!(ok && listed.contains("ci\tread-only\tnever expires"), "{listed}");
}

#[tokio::test]
async fn dev_seed_reports_progress_and_names_users_as_its_help_says() {
    let db = TestDb::new().await;
    let server = TestServer::builder().on_database(db.url()).spawn().await;
    server.register("alice").await;

    let (ok, help, _) = gatehouse(&db, &["dev", "seed", "--help"]).await;
    assert!(ok && help.contains("numbered on from the number of users already there"), "{help}");
    assert!(help.contains("seed0000000 first on an empty database"), "{help}");

    let (ok, out, err) = gatehouse(&db, &["dev", "seed", "--users", "3"]).await;
    assert!(ok, "{err}");
    assert!(out.lines().any(|line| line == "seeded 3 of 3 users"), "plain progress lines off a terminal: {out}");
    assert!(!out.contains('\x1b'), "no terminal codes: {out:?}");
    let store = server.domain().store();
    for name in ["seed0000001", "seed0000002", "seed0000003"] {
        assert!(store.find_credentials_by_username(name).await.unwrap().is_some(), "{name} exists, as the help says");
    }
    assert!(store.find_credentials_by_username("seed0000000").await.unwrap().is_none());
}

#[tokio::test]
async fn serve_prints_the_listening_line_then_a_banner_without_colour() {
    let db = TestDb::new().await;
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_gatehouse"))
        .args(["serve", "--bind", "127.0.0.1:0", "--database-url", db.url()])
        .env_remove("GATEHOUSE_CONFIG")
        .env("GATEHOUSE_AUTH__ARGON2__MEMORY_KIB", "64")
        .env("GATEHOUSE_AUTH__ARGON2__ITERATIONS", "1")
        .env("GATEHOUSE_LOG__LEVEL", "warn")
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut banner = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            let last = line.contains("auth.email_confirmation_redirect");
            banner.push(line);
            if last {
                break;
            }
        }
    })
    .await
    .expect("the banner is printed");
    let text = banner.join("\n");
    assert!(banner[0].starts_with("listening on http://127.0.0.1:"), "the first line: {text}");
    let address = banner[0].trim_start_matches("listening on ");
    let database = if gatehouse_testkit::backend_name() == "postgres" { "PostgreSQL database" } else { "SQLite file" };
    for expected in [
        database,
        address,
        "none yet",
        "gatehouse admin create",
        "POST /admin/register-admin",
        "the outbox only",
        "gatehouse mail list",
        "warning: admin.invite_url is unset",
        "warning: auth.reset_password_url is unset",
        &format!("{address}/reset-password"),
    ] {
        assert!(text.contains(expected), "{expected:?} in:\n{text}");
    }
    assert!(!text.contains('\x1b'), "no colour codes off a terminal: {text:?}");
    child.start_kill().unwrap();
    child.wait().await.unwrap();
}

#[test]
fn serve_names_the_address_it_cannot_bind() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let output = gatehouse_in(dir.path(), &["serve", "--bind", &address]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains(&format!("cannot bind {address}")), "{stderr}");
}

#[test]
fn an_sqlite_file_that_cannot_be_opened_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("missing-folder/gatehouse.db");
    let url = format!("sqlite://{}", path.display());
    let output = gatehouse_in(dir.path(), &["migrate", "--database-url", &url]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains(&path.display().to_string()) && stderr.contains("does not exist"), "{stderr}");
}

#[test]
fn a_refused_postgres_connection_names_host_and_port_but_not_the_password() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("postgres://gate:pg-s3cret@127.0.0.1:{port}/gatehouse");
    let output = gatehouse_in(dir.path(), &["migrate", "--database-url", &url]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains(&format!("127.0.0.1:{port}")) && stderr.contains("refused"), "{stderr}");
    assert!(!stderr.contains("pg-s3cret") && !stderr.contains("busy"), "{stderr}");
}
