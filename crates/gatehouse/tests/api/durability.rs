//! A crash never loses an acknowledged write: the real binary is killed with SIGKILL in the
//! middle of a stream of registrations, restarted on the same database, and every registration
//! it had answered 200 must be there with its `user.created` event, while refused ones left
//! no trace.

use crate::support::PASSWORD;
use gatehouse_store::StoreOptions;
use gatehouse_testkit::TestDb;
use reqwest::StatusCode;
use serde_json::json;
use std::collections::BTreeSet;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

async fn start_binary(database_url: &str) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_gatehouse"))
        .args(["serve", "--bind", "127.0.0.1:0", "--database-url", database_url])
        .env("GATEHOUSE_RATE_LIMIT__ENABLED", "false")
        .env("GATEHOUSE_AUTH__ARGON2__MEMORY_KIB", "64")
        .env("GATEHOUSE_AUTH__ARGON2__ITERATIONS", "1")
        .env("GATEHOUSE_AUTH__HASH_QUEUE", "256")
        .env("GATEHOUSE_LOG__LEVEL", "warn")
        .env_remove("GATEHOUSE_CONFIG")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("the gatehouse binary starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
        .await
        .expect("the server announces itself in time")
        .expect("stdout readable")
        .expect("a line");
    let base = line.strip_prefix("listening on ").expect("the listening line").to_owned();
    (child, base)
}

#[derive(Default)]
struct Outcomes {
    acknowledged: Vec<(String, i64)>,
    refused: Vec<String>,
}

#[tokio::test]
async fn registrations_answered_before_a_sigkill_survive_it() {
    let db = TestDb::new().await;
    let (mut child, base) = start_binary(db.url()).await;
    let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap();
    let stop = Arc::new(AtomicBool::new(false));

    // Four writers; every third attempt reuses a taken email, so some answers are refusals.
    let writers: Vec<_> = (0..4)
        .map(|writer| {
            let (client, base, stop) = (client.clone(), base.clone(), stop.clone());
            tokio::spawn(async move {
                let mut outcomes = Outcomes::default();
                let mut n = 0;
                while !stop.load(Ordering::SeqCst) {
                    n += 1;
                    let username = format!("w{writer}n{n}");
                    let email = if n % 3 == 0 {
                        format!("w{writer}n{}@example.com", n - 1)
                    } else {
                        format!("{username}@example.com")
                    };
                    let body = json!({"username": username, "email": email, "password": PASSWORD});
                    let Ok(response) = client.post(format!("{base}/api/auth/local/register")).json(&body).send().await
                    else {
                        break; // the server died mid-request: outcome unknown, not counted
                    };
                    let status = response.status();
                    let Ok(answer) = response.json::<serde_json::Value>().await else { break };
                    match status {
                        StatusCode::OK => {
                            outcomes.acknowledged.push((username, answer["user"]["id"].as_i64().unwrap()))
                        }
                        StatusCode::BAD_REQUEST => outcomes.refused.push(username),
                        other => panic!("unexpected {other}: {answer}"),
                    }
                }
                outcomes
            })
        })
        .collect();

    tokio::time::sleep(Duration::from_millis(1500)).await;
    child.start_kill().expect("SIGKILL");
    child.wait().await.expect("the server is gone");
    stop.store(true, Ordering::SeqCst);
    let mut outcomes = Outcomes::default();
    for writer in writers {
        let done = writer.await.unwrap();
        outcomes.acknowledged.extend(done.acknowledged);
        outcomes.refused.extend(done.refused);
    }
    assert!(outcomes.acknowledged.len() >= 10, "the stream ran: {} acknowledged", outcomes.acknowledged.len());
    assert!(!outcomes.refused.is_empty(), "some registrations were refused");

    // Restart on the same database: the server comes back, and so does every answered write.
    let (mut restarted, base) = start_binary(db.url()).await;
    for (username, _) in outcomes.acknowledged.iter().step_by(7) {
        let login = client
            .post(format!("{base}/api/auth/local"))
            .json(&json!({"identifier": username, "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(login.status(), StatusCode::OK, "{username} can log in after the crash");
    }
    restarted.start_kill().unwrap();
    restarted.wait().await.unwrap();

    let store = gatehouse_store::connect(&StoreOptions::new(db.url())).await.unwrap();
    let events = store.list_events(0, 1_000_000).await.unwrap();
    let created: BTreeSet<String> = events
        .iter()
        .filter(|event| event.event_type == "user.created")
        .map(|event| event.data["username"].as_str().unwrap().to_owned())
        .collect();
    for (username, id) in &outcomes.acknowledged {
        let user = store.find_user(gatehouse_domain::ids::UserId(*id)).await.unwrap();
        assert_eq!(user.map(|user| user.username), Some(username.clone()), "acknowledged user {username} survived");
        assert!(created.contains(username), "user.created for {username} survived");
    }
    for username in &outcomes.refused {
        assert!(!created.contains(username), "a refused registration ({username}) left an event");
        let folded = gatehouse_domain::values::fold(username);
        assert!(store.find_credentials_by_username(&folded).await.unwrap().is_none(), "{username} was refused");
    }
}

#[tokio::test]
async fn sigterm_lets_requests_in_flight_finish_then_exits_cleanly() {
    let db = TestDb::new().await;
    // Deliberately slow hashing, so a login is still in flight when the signal arrives.
    let mut child = Command::new(env!("CARGO_BIN_EXE_gatehouse"))
        .args(["serve", "--bind", "127.0.0.1:0", "--database-url", db.url()])
        .env("GATEHOUSE_RATE_LIMIT__ENABLED", "false")
        .env("GATEHOUSE_AUTH__ARGON2__MEMORY_KIB", "65536")
        .env("GATEHOUSE_AUTH__ARGON2__ITERATIONS", "8")
        .env("GATEHOUSE_LOG__LEVEL", "warn")
        .env_remove("GATEHOUSE_CONFIG")
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let base = lines.next_line().await.unwrap().unwrap().strip_prefix("listening on ").unwrap().to_owned();
    let client = reqwest::Client::new();
    let in_flight = tokio::spawn({
        let (client, base) = (client.clone(), base.clone());
        async move {
            client
                .post(format!("{base}/api/auth/local/register"))
                .json(&json!({"username": "patient", "email": "patient@example.com", "password": PASSWORD}))
                .send()
                .await
                .map(|response| response.status())
        }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let pid = child.id().unwrap().to_string();
    let signalled = std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(signalled.success());
    assert_eq!(in_flight.await.unwrap().unwrap(), StatusCode::OK, "the request in flight finished");
    let exit = tokio::time::timeout(Duration::from_secs(20), child.wait()).await.expect("the server stops").unwrap();
    assert!(exit.success(), "exit status {exit:?}");
    assert!(client.get(format!("{base}/_health")).send().await.is_err(), "no longer listening");
}
