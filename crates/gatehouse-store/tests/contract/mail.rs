//! The mail outbox.

use crate::{later, open, NOW};
use gatehouse_domain::model::{MailKind, NewMail};
use serde_json::json;

#[tokio::test]
async fn mails_are_queued_claimed_under_a_lease_failed_and_sent() {
    let (_db, store) = open().await;
    let mut tx = store.begin().await.unwrap();
    for n in 0..3 {
        let mail = NewMail {
            kind: MailKind::ResetPassword,
            recipient: format!("user{n}@example.com"),
            variables: json!({"link": format!("https://example.com/{n}")}),
            now: NOW,
        };
        tx.enqueue_mail(&mail).await.unwrap();
    }
    tx.commit().await.unwrap();

    let claimed = store.claim_due_mails(NOW, 2, 60_000).await.unwrap();
    assert_eq!(
        claimed.iter().map(|mail| mail.recipient.as_str()).collect::<Vec<_>>(),
        ["user0@example.com", "user1@example.com"]
    );
    assert_eq!((claimed[0].attempts, claimed[0].kind.as_str()), (1, MailKind::ResetPassword.as_str()));
    assert_eq!(claimed[0].variables, Some(json!({"link": "https://example.com/0"})));
    let rest = store.claim_due_mails(NOW, 10, 60_000).await.unwrap();
    assert_eq!(rest.len(), 1, "leased mails are not claimed again");
    assert!(store.claim_due_mails(later(59), 10, 60_000).await.unwrap().is_empty());

    store.mark_mail_failed(claimed[0].id, "smtp down", later(30)).await.unwrap();
    store.mark_mail_sent(claimed[1].id, later(1), true).await.unwrap();
    store.mark_mail_sent(rest[0].id, later(1), false).await.unwrap();
    let retried = store.claim_due_mails(later(30), 10, 60_000).await.unwrap();
    assert_eq!(retried.iter().map(|mail| (mail.id, mail.attempts)).collect::<Vec<_>>(), [(claimed[0].id, 2)]);
    assert_eq!(retried[0].last_error.as_deref(), Some("smtp down"));

    let listed = store.list_mails(10).await.unwrap();
    assert_eq!(listed.iter().map(|mail| mail.id).collect::<Vec<_>>(), [rest[0].id, claimed[1].id, claimed[0].id]);
    assert_eq!((listed[1].sent_at, listed[1].variables.clone()), (Some(later(1)), None), "redacted");
    assert!(listed[0].variables.is_some() && listed[0].last_error.is_none());
    assert_eq!(store.list_mails(1).await.unwrap().len(), 1);
}
