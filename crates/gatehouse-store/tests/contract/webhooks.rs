//! Webhook endpoints, the fan-out of outbox events into deliveries, leased claims in event
//! order, and the attempt history.

use crate::{later, open, NOW};
use gatehouse_domain::events::{Actor, DomainEvent, EventType};
use gatehouse_domain::ports::Store;
use gatehouse_domain::webhooks::{AttemptOutcome, ClaimLimits, DeliveryAttempt, DeliveryStatus, NewWebhook, Webhook};
use gatehouse_domain::Secret;
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::Arc;

fn new_webhook(name: &str, events: &[&str], enabled: bool) -> NewWebhook {
    NewWebhook {
        name: name.to_owned(),
        url: format!("https://hooks.example.com/{name}"),
        events: events.iter().map(|event| (*event).to_owned()).collect(),
        headers: BTreeMap::from([("x-team".to_owned(), name.to_owned())]),
        enabled,
        secret: Secret::new(format!("whsec_{name}")),
        now: NOW,
    }
}

async fn insert_webhook(store: &Arc<dyn Store>, webhook: &NewWebhook) -> Webhook {
    let mut tx = store.begin().await.unwrap();
    let webhook = tx.insert_webhook(webhook).await.unwrap();
    tx.commit().await.unwrap();
    webhook
}

async fn emit(store: &Arc<dyn Store>, types: &[EventType]) -> Vec<String> {
    let mut tx = store.begin().await.unwrap();
    let mut ids = Vec::new();
    for (n, kind) in types.iter().enumerate() {
        let event = DomainEvent::new(*kind, Actor::System, NOW, json!({"n": n}));
        tx.insert_event(&event).await.unwrap();
        ids.push(event.id);
    }
    tx.commit().await.unwrap();
    ids
}

fn limits(limit: i64, per_webhook: i64, first_batch: i64) -> ClaimLimits {
    ClaimLimits { limit, per_webhook, first_batch, lease_ms: 30_000 }
}

fn attempt(delivery_id: i64, attempt: i64, code: Option<i64>) -> DeliveryAttempt {
    DeliveryAttempt {
        delivery_id,
        attempt,
        at: NOW,
        status_code: code,
        duration_ms: 12,
        error: code.filter(|code| *code >= 300).map(|code| format!("HTTP {code}")),
    }
}

#[tokio::test]
async fn webhooks_are_written_read_changed_and_deleted_with_their_secret() {
    let (_db, store) = open().await;
    let created = insert_webhook(&store, &new_webhook("crm", &["user.created", "user.deleted"], true)).await;
    assert_eq!(created.events, ["user.created", "user.deleted"]);
    assert_eq!(created.headers.get("x-team").map(String::as_str), Some("crm"));
    assert_eq!(created.secret.expose(), "whsec_crm");
    assert!(created.enabled);

    let mut change = new_webhook("crm2", &["*"], false);
    change.secret = Secret::new("ignored");
    change.now = later(5);
    let mut tx = store.begin().await.unwrap();
    let updated = tx.update_webhook(created.id, &change).await.unwrap().unwrap();
    tx.commit().await.unwrap();
    assert_eq!((updated.name.as_str(), updated.enabled, updated.updated_at), ("crm2", false, later(5)));
    assert_eq!(updated.secret.expose(), "whsec_crm", "the secret is kept");
    assert_eq!(store.list_webhooks().await.unwrap().len(), 1);

    let mut tx = store.begin().await.unwrap();
    assert!(tx.delete_webhook(created.id).await.unwrap().is_some());
    assert!(tx.delete_webhook(created.id).await.unwrap().is_none());
    tx.commit().await.unwrap();
    assert!(store.find_webhook(created.id).await.unwrap().is_none());
}

#[tokio::test]
async fn events_fan_out_once_to_enabled_subscribed_endpoints() {
    let (_db, store) = open().await;
    let all = insert_webhook(&store, &new_webhook("all", &["*"], true)).await;
    let created_only = insert_webhook(&store, &new_webhook("created", &["user.created"], true)).await;
    let disabled = insert_webhook(&store, &new_webhook("off", &["*"], false)).await;
    let ids = emit(&store, &[EventType::UserCreated, EventType::UserUpdated, EventType::UserDeleted]).await;
    let late = insert_webhook(&store, &new_webhook("late", &["*"], true)).await;

    assert_eq!(store.fan_out_events(2, NOW).await.unwrap(), 2);
    assert_eq!(store.fan_out_events(10, NOW).await.unwrap(), 1);
    assert_eq!(store.fan_out_events(10, NOW).await.unwrap(), 0, "the cursor moved past them");

    let to_all = store.list_deliveries(all.id, 10).await.unwrap();
    assert_eq!(to_all.iter().rev().map(|d| d.event_id.clone()).collect::<Vec<_>>(), ids);
    let first = to_all.last().unwrap();
    assert_eq!((first.status, first.attempts, first.event_type.as_str()), (DeliveryStatus::Pending, 0, "user.created"));
    let body: serde_json::Value = serde_json::from_str(&first.payload).unwrap();
    assert_eq!(body, json!({"type": "user.created", "timestamp": NOW.to_rfc3339(), "data": {"n": 0}}));
    assert_eq!(store.list_deliveries(created_only.id, 10).await.unwrap().len(), 1);
    assert!(store.list_deliveries(disabled.id, 10).await.unwrap().is_empty());
    assert!(store.list_deliveries(late.id, 10).await.unwrap().is_empty(), "older events are not sent to it");
    let stats = store.delivery_stats().await.unwrap();
    assert_eq!((stats.pending_first, stats.retrying, stats.oldest_undelivered), (4, 0, Some(NOW)));
}

#[tokio::test]
async fn first_attempts_are_claimed_in_order_as_one_batch_and_retries_do_not_hold_them_back() {
    let (_db, store) = open().await;
    let hook = insert_webhook(&store, &new_webhook("a", &["*"], true)).await;
    let other = insert_webhook(&store, &new_webhook("b", &["user.created"], true)).await;
    emit(&store, &[EventType::UserCreated, EventType::UserUpdated, EventType::UserDeleted]).await;
    store.fan_out_events(100, NOW).await.unwrap();

    let mut claimed = store.claim_deliveries(NOW, NOW, "node-1", limits(10, 4, 2)).await.unwrap();
    claimed.sort_by_key(|d| d.id);
    let of = |claimed: &[gatehouse_domain::webhooks::Delivery], id| {
        claimed.iter().filter(|d| d.webhook_id == id).map(|d| d.event_type.clone()).collect::<Vec<_>>()
    };
    assert_eq!(of(&claimed, hook.id), ["user.created", "user.updated"], "the oldest two, in order");
    assert_eq!(of(&claimed, other.id), ["user.created"]);
    assert!(
        store.claim_deliveries(NOW, NOW, "node-2", limits(10, 4, 2)).await.unwrap().is_empty(),
        "nothing more while an endpoint's first attempts are leased"
    );

    // The first fails and waits for its retry; the second succeeds; the next event goes at once.
    let mine: Vec<_> = claimed.iter().filter(|d| d.webhook_id == hook.id).collect();
    let (first, second) = (mine[0], mine[1]);
    store
        .record_delivery_attempts(
            &[
                (attempt(first.id, 1, Some(500)), AttemptOutcome::RetryAt(later(5))),
                (attempt(second.id, 1, Some(200)), AttemptOutcome::Succeeded),
            ],
            NOW,
        )
        .await
        .unwrap();
    let next = store.claim_deliveries(NOW, NOW, "node-1", limits(10, 4, 2)).await.unwrap();
    assert_eq!(next.iter().map(|d| d.event_type.as_str()).collect::<Vec<_>>(), ["user.deleted"]);
    let stats = store.delivery_stats().await.unwrap();
    assert_eq!((stats.pending_first, stats.retrying), (2, 1));

    // Leases that ran out are claimed again (their node died); the due retry comes too.
    let again = store.claim_deliveries(later(31), later(31), "node-2", limits(10, 4, 2)).await.unwrap();
    let mut ids: Vec<_> = again.iter().map(|d| d.id).collect();
    ids.sort_unstable();
    let mut expected = vec![first.id, next[0].id, claimed.iter().find(|d| d.webhook_id == other.id).unwrap().id];
    expected.sort_unstable();
    assert_eq!(ids, expected);
}

#[tokio::test]
async fn an_endpoint_never_holds_more_retry_leases_than_its_limit() {
    let (_db, store) = open().await;
    let hook = insert_webhook(&store, &new_webhook("a", &["*"], true)).await;
    emit(&store, &[EventType::UserCreated; 4]).await;
    store.fan_out_events(100, NOW).await.unwrap();
    // Every delivery fails once, so all four become retries due at `later(1)`.
    let claimed = store.claim_deliveries(NOW, NOW, "n", limits(10, 4, 16)).await.unwrap();
    assert_eq!(claimed.len(), 4);
    for delivery in &claimed {
        store
            .record_delivery_attempts(&[(attempt(delivery.id, 1, None), AttemptOutcome::RetryAt(later(1)))], NOW)
            .await
            .unwrap();
    }
    let retries = store.claim_deliveries(later(1), later(1), "n", limits(10, 2, 16)).await.unwrap();
    assert_eq!(retries.len(), 2);
    assert!(retries.iter().all(|d| d.webhook_id == hook.id));
    assert!(store.claim_deliveries(later(1), later(1), "n", limits(10, 2, 16)).await.unwrap().is_empty());
}

#[tokio::test]
async fn attempts_are_recorded_and_a_failed_delivery_can_be_sent_again() {
    let (_db, store) = open().await;
    let hook = insert_webhook(&store, &new_webhook("a", &["*"], true)).await;
    emit(&store, &[EventType::UserCreated]).await;
    store.fan_out_events(100, NOW).await.unwrap();
    let delivery = store.claim_deliveries(NOW, NOW, "n", limits(10, 4, 16)).await.unwrap().remove(0);
    store.record_delivery_attempts(&[(attempt(delivery.id, 1, Some(503)), AttemptOutcome::Failed)], NOW).await.unwrap();

    let failed = store.find_delivery(delivery.id).await.unwrap().unwrap();
    assert_eq!((failed.status, failed.attempts, failed.last_status_code), (DeliveryStatus::Failed, 1, Some(503)));
    assert_eq!(failed.last_error.as_deref(), Some("HTTP 503"));
    assert!(store.claim_deliveries(later(100), later(100), "n", limits(10, 4, 16)).await.unwrap().is_empty());
    assert_eq!(store.delivery_stats().await.unwrap().failed, 1);

    let resent = store.resend_delivery(delivery.id, later(10)).await.unwrap().unwrap();
    assert_eq!((resent.status, resent.next_attempt_at), (DeliveryStatus::Pending, later(10)));
    let claimed = store.claim_deliveries(later(10), later(10), "n", limits(10, 4, 16)).await.unwrap();
    assert_eq!(claimed.len(), 1);
    store
        .record_delivery_attempts(&[(attempt(delivery.id, 2, Some(204)), AttemptOutcome::Succeeded)], later(10))
        .await
        .unwrap();

    let attempts = store.list_webhook_attempts(hook.id, 10).await.unwrap();
    assert_eq!(
        attempts.iter().map(|a| (a.attempt, a.status_code)).collect::<Vec<_>>(),
        [(2, Some(204)), (1, Some(503))]
    );
    assert_eq!(attempts[0].duration_ms, 12);
    let done = store.find_delivery(delivery.id).await.unwrap().unwrap();
    assert_eq!((done.status, done.last_error), (DeliveryStatus::Succeeded, None));
    assert!(store.resend_delivery(9_999, NOW).await.unwrap().is_none());
    let stats = store.delivery_stats().await.unwrap();
    assert_eq!((stats.pending_first, stats.retrying, stats.failed, stats.oldest_undelivered), (0, 0, 0, None));
}

#[tokio::test]
async fn a_test_delivery_goes_to_one_endpoint_and_deleting_the_endpoint_drops_its_deliveries() {
    let (_db, store) = open().await;
    let hook = insert_webhook(&store, &new_webhook("a", &["user.created"], true)).await;
    let delivery = gatehouse_domain::webhooks::NewDelivery {
        webhook_id: hook.id,
        event_id: "evt_test".into(),
        event_type: "webhook.test".into(),
        occurred_at: NOW,
        payload: "{}".into(),
        now: NOW,
    };
    let inserted = store.insert_delivery(&delivery).await.unwrap();
    assert_eq!(store.find_delivery(inserted.id).await.unwrap().unwrap().event_id, "evt_test");
    let mut tx = store.begin().await.unwrap();
    tx.delete_webhook(hook.id).await.unwrap();
    tx.commit().await.unwrap();
    assert!(store.find_delivery(inserted.id).await.unwrap().is_none());
}

#[tokio::test]
async fn concurrent_claims_never_hand_out_the_same_delivery() {
    let (_db, store) = open().await;
    for n in 0..20 {
        insert_webhook(&store, &new_webhook(&format!("h{n}"), &["*"], true)).await;
    }
    emit(&store, &[EventType::UserCreated]).await;
    store.fan_out_events(100, NOW).await.unwrap();
    let claims = (0..4).map(|node| {
        let store = store.clone();
        tokio::spawn(async move {
            store.claim_deliveries(NOW, NOW, &format!("node-{node}"), limits(8, 4, 16)).await.unwrap()
        })
    });
    let mut ids: Vec<i64> = Vec::new();
    for claim in claims {
        ids.extend(claim.await.unwrap().iter().map(|delivery| delivery.id));
    }
    // A node that found its candidates locked by others skipped them: the rest come next.
    ids.extend(store.claim_deliveries(NOW, NOW, "node-5", limits(20, 4, 16)).await.unwrap().iter().map(|d| d.id));
    let count = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), count, "a delivery went to two nodes");
    assert_eq!(count, 20, "every one was claimed once");
}

#[tokio::test]
async fn a_released_delivery_is_claimed_again_at_once() {
    let (_db, store) = open().await;
    insert_webhook(&store, &new_webhook("a", &["*"], true)).await;
    emit(&store, &[EventType::UserCreated, EventType::UserUpdated]).await;
    store.fan_out_events(100, NOW).await.unwrap();
    let claimed = store.claim_deliveries(NOW, NOW, "n", limits(10, 4, 16)).await.unwrap();
    assert_eq!(claimed.len(), 2);
    for delivery in &claimed {
        store.release_delivery(delivery.id).await.unwrap();
    }
    assert_eq!(store.claim_deliveries(NOW, NOW, "n", limits(10, 4, 16)).await.unwrap().len(), 2);
}
