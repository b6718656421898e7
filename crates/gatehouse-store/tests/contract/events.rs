//! The event outbox, generated secrets, and the signal a commit gives the senders.

use crate::{open, NOW};
use gatehouse_domain::events::{Actor, DomainEvent, EventType};
use gatehouse_domain::ids::UserId;
use gatehouse_domain::model::{MailKind, NewMail};
use serde_json::json;

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
    assert_eq!(store.list_events(0, 1).await.unwrap().len(), 1);
    assert_eq!(events[2].occurred_at, NOW);
}

#[tokio::test]
async fn a_generated_secret_is_kept_by_whoever_inserted_it_first() {
    let (_db, store) = open().await;
    let first = store.secret("jwt_secret.test", "first", NOW).await.unwrap();
    let second = store.secret("jwt_secret.test", "second", NOW).await.unwrap();
    assert_eq!((first.as_str(), second.as_str()), ("first", "first"));
    assert_eq!(store.secret("other", "third", NOW).await.unwrap(), "third");
}

/// Whether `signal` was notified since it was last consumed (without waiting).
async fn signalled(signal: &tokio::sync::Notify) -> bool {
    tokio::time::timeout(std::time::Duration::ZERO, signal.notified()).await.is_ok()
}

#[tokio::test]
async fn only_a_committed_transaction_that_queued_work_wakes_its_sender() {
    let (_db, store) = open().await;
    let queued = store.queued_work().clone();
    let event = || DomainEvent::new(EventType::UserUpdated, Actor::System, NOW, json!({}));

    let mut tx = store.begin().await.unwrap();
    tx.insert_event(&event()).await.unwrap();
    drop(tx);
    assert!(!signalled(&queued.events).await, "a rolled-back event wakes no one");

    let mut tx = store.begin().await.unwrap();
    tx.insert_event(&event()).await.unwrap();
    assert!(!signalled(&queued.events).await, "not before the commit");
    tx.commit().await.unwrap();
    assert!(signalled(&queued.events).await);
    assert!(!signalled(&queued.mail).await, "events wake the dispatcher, not the mail sender");

    let mut tx = store.begin().await.unwrap();
    let mail = NewMail {
        kind: MailKind::ResetPassword,
        recipient: "user@example.com".to_owned(),
        variables: json!({"link": "https://example.com/r"}),
        now: NOW,
    };
    tx.enqueue_mail(&mail).await.unwrap();
    tx.commit().await.unwrap();
    assert!(signalled(&queued.mail).await);
    assert!(!signalled(&queued.events).await);
}
