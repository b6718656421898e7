//! What is about the database rather than one aggregate: transactions, error classification,
//! connecting and migrating.

use crate::{insert_user, new_user, open, NOW};
use gatehouse_domain::events::{Actor, DomainEvent, EventType};
use gatehouse_domain::ports::{Backend, StoreError};
use gatehouse_store::StoreOptions;
use serde_json::json;

#[tokio::test]
async fn the_backend_is_the_one_the_environment_names() {
    let (db, store) = open().await;
    let expected = if db.is_postgres() { Backend::Postgres } else { Backend::Sqlite };
    assert_eq!(store.backend(), expected);
    assert_eq!(gatehouse_testkit::backend_name() == "postgres", db.is_postgres());
    store.ping().await.unwrap();
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
    // The writer is free again (SQLite has one).
    insert_user(&store, "after", "after@example.com").await;
}

#[tokio::test]
async fn a_nul_character_is_refused_as_invalid_data_on_postgresql_and_kept_on_sqlite() {
    let (db, store) = open().await;
    let mut tx = store.begin().await.unwrap();
    let inserted = tx.insert_user(&new_user("nul\0name", "nul@example.com")).await;
    if db.is_postgres() {
        assert!(matches!(inserted, Err(StoreError::InvalidData(_))), "{inserted:?}");
        drop(tx);
    } else {
        let user = inserted.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(store.find_user(user.id).await.unwrap().unwrap().username, "nul\0name");
    }

    let mut tx = store.begin().await.unwrap();
    let event = DomainEvent::new(EventType::UserUpdated, Actor::System, NOW, json!({"text": "a\u{0}b"}));
    let inserted = tx.insert_event(&event).await;
    if db.is_postgres() {
        assert!(matches!(inserted, Err(StoreError::InvalidData(_))), "jsonb refuses \\u0000: {inserted:?}");
    } else {
        inserted.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(store.list_events(0, 10).await.unwrap()[0].data["text"], "a\u{0}b");
    }
}

#[tokio::test]
async fn migrating_twice_is_harmless() {
    let (db, store) = open().await;
    drop(store);
    let again = gatehouse_store::connect(&StoreOptions::new(db.url())).await.unwrap();
    again.ping().await.unwrap();
}

#[tokio::test]
async fn a_refused_connection_names_the_server_not_busy_and_not_the_password() {
    // Port 1 refuses connections.
    let url = "postgres://gatehouse:s3cret@127.0.0.1:1/gatehouse";
    let refused = gatehouse_store::connect(&StoreOptions::new(url)).await.err().unwrap();
    let text = refused.to_string();
    assert!(matches!(refused, StoreError::Other(_)), "{refused:?}");
    assert!(text.contains("127.0.0.1:1") && text.contains("gatehouse@"), "{text}");
    assert!(!text.contains("s3cret"), "{text}");
    assert!(text.to_lowercase().contains("refused"), "the driver's own words: {text}");

    let missing = gatehouse_store::connect(&StoreOptions::new("sqlite:///no/such/directory/gatehouse.db")).await;
    let text = missing.err().unwrap().to_string();
    assert!(text.contains("/no/such/directory/gatehouse.db"), "{text}");
}
