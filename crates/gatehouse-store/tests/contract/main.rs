//! The store contract: the same tests on whichever backend `GATEHOUSE_TEST_DATABASE_URL`
//! selects (SQLite by default), so both implementations behave alike.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use gatehouse_domain::events::{Actor, DomainEvent, EventType};
use gatehouse_domain::ids::{RoleId, SessionId, UserId};
use gatehouse_domain::model::{NewSession, NewUser, Role};
use gatehouse_domain::ports::{ConflictKey, Store, StoreError};
use gatehouse_domain::time::Timestamp;
use gatehouse_domain::values::fold;
use gatehouse_store::StoreOptions;
use gatehouse_testkit::TestDb;
use serde_json::json;
use std::sync::Arc;

const NOW: Timestamp = Timestamp::from_millis(1_800_000_000_000);

async fn open() -> (TestDb, Arc<dyn Store>) {
    let db = TestDb::new().await;
    let store = gatehouse_store::connect(&StoreOptions::new(db.url())).await.unwrap();
    (db, store)
}

fn new_user(username: &str, email: &str) -> NewUser {
    NewUser {
        document_id: format!("{:0<24}", username).chars().take(24).collect(),
        username: username.to_owned(),
        username_folded: fold(username),
        email: email.to_lowercase(),
        email_folded: fold(email),
        provider: "local".to_owned(),
        password_hash: Some("$argon2id$v=19$m=64,t=1,p=1$c2FsdA$aGFzaA".to_owned()),
        confirmed: true,
        blocked: false,
        role_id: RoleId(1),
        now: NOW,
    }
}

#[tokio::test]
async fn the_builtin_roles_exist_with_their_default_grants() {
    let (_db, store) = open().await;
    let public = store.find_role_by_type(Role::PUBLIC).await.unwrap().unwrap();
    let authenticated = store.find_role_by_type(Role::AUTHENTICATED).await.unwrap().unwrap();
    assert_eq!((authenticated.id, public.id), (RoleId(1), RoleId(2)));
    let public_actions = store.list_role_actions(public.id).await.unwrap();
    assert!(public_actions.contains(&"plugin::users-permissions.auth.register".to_owned()));
    assert!(!public_actions.contains(&"plugin::users-permissions.user.me".to_owned()));
    let authenticated_actions = store.list_role_actions(authenticated.id).await.unwrap();
    assert_eq!(
        authenticated_actions,
        [
            "plugin::users-permissions.auth.changePassword",
            "plugin::users-permissions.auth.getSessions",
            "plugin::users-permissions.auth.logout",
            "plugin::users-permissions.user.me",
        ]
    );
}

#[tokio::test]
async fn users_round_trip_and_unique_keys_are_named_alike_on_every_backend() {
    let (_db, store) = open().await;
    let mut tx = store.begin().await.unwrap();
    let alice = tx.insert_user(&new_user("Alice", "alice@example.com")).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(store.find_user(alice.id).await.unwrap().unwrap(), alice);
    let found = store.find_credentials_by_email("alice@example.com").await.unwrap().unwrap();
    assert_eq!(found.user.id, alice.id);
    assert!(found.password_hash.unwrap().starts_with("$argon2id$"));
    assert!(store.find_credentials_by_username("alice").await.unwrap().is_some());
    assert!(store.user_identity_taken("nobody@example.com", "alice").await.unwrap());
    assert!(!store.user_identity_taken("nobody@example.com", "nobody").await.unwrap());

    let mut tx = store.begin().await.unwrap();
    let same_email = tx.insert_user(&new_user("other", "ALICE@example.com")).await;
    assert!(matches!(same_email, Err(StoreError::Conflict(ConflictKey::Email))), "{same_email:?}");
    drop(tx);
    let mut tx = store.begin().await.unwrap();
    let same_username = tx.insert_user(&new_user("ALICE", "alice2@example.com")).await;
    assert!(matches!(same_username, Err(StoreError::Conflict(ConflictKey::Username))), "{same_username:?}");
}

#[tokio::test]
async fn a_transaction_dropped_without_commit_leaves_nothing() {
    let (_db, store) = open().await;
    let mut tx = store.begin().await.unwrap();
    let ghost = tx.insert_user(&new_user("ghost", "ghost@example.com")).await.unwrap();
    tx.insert_event(&DomainEvent::new(EventType::UserCreated, Actor::System, NOW, json!({"id": ghost.id.0})))
        .await
        .unwrap();
    drop(tx);
    assert!(store.find_user(ghost.id).await.unwrap().is_none());
    assert!(store.list_events(0, 10).await.unwrap().is_empty());
}

#[tokio::test]
async fn sessions_join_their_user_and_are_revoked_once() {
    let (_db, store) = open().await;
    let mut tx = store.begin().await.unwrap();
    let user = tx.insert_user(&new_user("sam", "sam@example.com")).await.unwrap();
    let session = NewSession {
        id: SessionId("s".repeat(32)),
        user_id: user.id,
        device_id: Some("phone".into()),
        created_at: NOW,
        expires_at: NOW.plus(std::time::Duration::from_secs(60)),
    };
    tx.insert_session(&session).await.unwrap();
    tx.commit().await.unwrap();

    let (record, owner) = store.find_session_with_user(&session.id).await.unwrap().unwrap();
    assert_eq!(owner, user);
    assert_eq!(record.device_id.as_deref(), Some("phone"));
    assert!(record.is_live(NOW));
    assert!(!record.is_live(session.expires_at));

    let mut tx = store.begin().await.unwrap();
    assert!(tx.revoke_session(&session.id, NOW, "logout").await.unwrap());
    assert!(!tx.revoke_session(&session.id, NOW, "logout").await.unwrap(), "already ended");
    assert!(!tx.revoke_session(&SessionId("missing".into()), NOW, "logout").await.unwrap());
    tx.commit().await.unwrap();
    let (record, _) = store.find_session_with_user(&session.id).await.unwrap().unwrap();
    assert_eq!(record.revoked_at, Some(NOW));
    assert!(store.find_session_with_user(&SessionId("missing".into())).await.unwrap().is_none());
    assert!(store.find_user(UserId(9_999)).await.unwrap().is_none());
}

#[tokio::test]
async fn events_keep_their_order_and_json() {
    let (_db, store) = open().await;
    let mut tx = store.begin().await.unwrap();
    for n in 0..3 {
        let data = json!({"n": n, "nested": {"text": "é"}});
        tx.insert_event(&DomainEvent::new(EventType::UserUpdated, Actor::EndUser(UserId(n)), NOW, data)).await.unwrap();
    }
    tx.commit().await.unwrap();
    let events = store.list_events(0, 10).await.unwrap();
    assert_eq!(events.len(), 3);
    assert_eq!(events.iter().map(|event| event.data["n"].as_i64().unwrap()).collect::<Vec<_>>(), [0, 1, 2]);
    assert_eq!(events[1].actor, json!({"realm": "api", "id": 1}));
    assert_eq!(events[1].data["nested"]["text"], "é");
    assert_eq!(events[0].event_type, "user.updated");
    let after_first = store.list_events(events[0].seq, 10).await.unwrap();
    assert_eq!(after_first.len(), 2);
}

#[tokio::test]
async fn a_generated_secret_is_kept_by_whoever_inserted_it_first() {
    let (_db, store) = open().await;
    let first = store.secret("jwt_secret.test", "first", NOW).await.unwrap();
    let second = store.secret("jwt_secret.test", "second", NOW).await.unwrap();
    assert_eq!((first.as_str(), second.as_str()), ("first", "first"));
}

#[tokio::test]
async fn migrating_twice_is_harmless() {
    let (db, store) = open().await;
    drop(store);
    let again = gatehouse_store::connect(&StoreOptions::new(db.url())).await.unwrap();
    again.ping().await.unwrap();
}
