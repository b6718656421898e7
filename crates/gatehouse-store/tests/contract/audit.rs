//! The audit log: rows written in a transaction (and gone with its rollback), read newest first
//! with every filter, after a position, and pruned by age.

use crate::{later, open, NOW};
use gatehouse_domain::audit::{AuditFilter, NewAuditEntry, Outcome};
use gatehouse_domain::events::Actor;
use gatehouse_domain::ids::{AdminId, UserId};
use gatehouse_domain::time::Timestamp;

fn entry(at: Timestamp, actor: Actor, action: &str, subject: &str) -> NewAuditEntry {
    NewAuditEntry {
        occurred_at: at,
        actor,
        actor_label: Some("ada@example.com".into()),
        action: action.into(),
        subject_type: Some("user".into()),
        subject_id: Some(subject.into()),
        client_ip: Some("192.0.2.1".into()),
        user_agent: Some("Agent/1 é".into()),
        outcome: Outcome::Success,
        event_id: Some(format!("evt_{action}_{subject}")),
    }
}

#[tokio::test]
async fn audit_rows_filter_page_follow_and_prune() {
    let (_db, store) = open().await;
    let mut tx = store.begin().await.unwrap();
    tx.insert_audit_entry(&entry(NOW, Actor::Admin(AdminId(1)), "user.blocked", "7")).await.unwrap();
    tx.insert_audit_entry(&entry(later(10), Actor::EndUser(UserId(7)), "user.logged_in", "7")).await.unwrap();
    let mut failed = entry(later(20), Actor::Anonymous, "user.login_failed", "ab12");
    (failed.actor_label, failed.subject_type, failed.outcome) = (None, Some("identifier".into()), Outcome::Failure);
    tx.insert_audit_entry(&failed).await.unwrap();
    tx.commit().await.unwrap();
    let mut rolled_back = store.begin().await.unwrap();
    rolled_back.insert_audit_entry(&entry(later(30), Actor::System, "admin.created", "9")).await.unwrap();
    drop(rolled_back);

    let (all, total) = store.list_audit_entries(&AuditFilter::default(), 0, 10).await.unwrap();
    assert_eq!(total, 3, "the rolled-back row is not there");
    assert_eq!(
        all.iter().map(|row| row.entry.action.as_str()).collect::<Vec<_>>(),
        ["user.login_failed", "user.logged_in", "user.blocked"]
    );
    assert_eq!(all[2].entry, entry(NOW, Actor::Admin(AdminId(1)), "user.blocked", "7"), "read back whole");
    assert_eq!(all[0].entry, failed);

    let count = |filter: AuditFilter| {
        let store = store.clone();
        async move { store.list_audit_entries(&filter, 0, 10).await.unwrap().1 }
    };
    assert_eq!(count(AuditFilter { action: Some("user.blocked".into()), ..AuditFilter::default() }).await, 1);
    assert_eq!(count(AuditFilter::default().with_actor("admin:1").unwrap()).await, 1);
    assert_eq!(count(AuditFilter::default().with_actor("anonymous").unwrap()).await, 1);
    assert_eq!(count(AuditFilter::default().with_actor("ada@example.com").unwrap()).await, 2);
    assert_eq!(count(AuditFilter::default().with_subject("user:7").unwrap()).await, 2);
    assert_eq!(count(AuditFilter::default().with_subject("identifier").unwrap()).await, 1);
    assert_eq!(count(AuditFilter { from: Some(later(10)), to: Some(later(15)), ..AuditFilter::default() }).await, 1);

    let (page, total) = store.list_audit_entries(&AuditFilter::default(), 1, 1).await.unwrap();
    assert_eq!((page.len(), total, page[0].entry.action.as_str()), (1, 3, "user.logged_in"));
    let after = store.audit_entries_after(all[2].id, 10).await.unwrap();
    assert_eq!(after.iter().map(|row| row.id).collect::<Vec<_>>(), [all[1].id, all[0].id], "oldest first");

    assert_eq!(store.prune_audit_entries(later(15)).await.unwrap(), 2);
    assert_eq!(store.list_audit_entries(&AuditFilter::default(), 0, 10).await.unwrap().1, 1);
}
