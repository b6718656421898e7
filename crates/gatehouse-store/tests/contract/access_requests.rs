//! Requests for admin access: one pending request per email, confirmation by token digest,
//! decisions only on confirmed pending requests, expiry computed at read time.

use crate::{insert_admin, later, open, NOW};
use gatehouse_domain::ids::AccessRequestId;
use gatehouse_domain::model::{AccessRequestDecision, AccessRequestQuery, AccessRequestStatus, NewAccessRequest};
use gatehouse_domain::query::Window;
use gatehouse_domain::time::Timestamp;
use gatehouse_domain::values::fold;

fn new_request(email: &str, token_hash: &str, now: Timestamp) -> NewAccessRequest {
    NewAccessRequest {
        email: email.to_owned(),
        email_folded: fold(email),
        firstname: "Robin".to_owned(),
        lastname: None,
        message: Some("I write the newsletter".to_owned()),
        password_hash: "$argon2id$requested".to_owned().into(),
        confirmation_hash: token_hash.to_owned(),
        now,
        expires_at: now.plus(std::time::Duration::from_secs(3600)),
    }
}

fn query(status: Option<AccessRequestStatus>, now: Timestamp) -> AccessRequestQuery {
    AccessRequestQuery { status, now, window: Window::page(1, 10).unwrap() }
}

fn decision(status: AccessRequestStatus, now: Timestamp) -> AccessRequestDecision {
    AccessRequestDecision { status, decided_by: None, admin_id: None, reason: Some("no".to_owned()), now }
}

#[tokio::test]
async fn one_request_per_email_is_pending_and_only_confirmed_ones_are_listed() {
    let (_db, store) = open().await;
    let mut tx = store.begin().await.unwrap();
    let first = tx.insert_access_request(&new_request("Robin@example.com", "hash-1", NOW)).await.unwrap().unwrap();
    assert!(
        tx.insert_access_request(&new_request("robin@EXAMPLE.com", "hash-2", NOW)).await.unwrap().is_none(),
        "a second pending request for the same folded email is not written"
    );
    let other = tx.insert_access_request(&new_request("sam@example.com", "hash-3", NOW)).await.unwrap().unwrap();
    tx.commit().await.unwrap();

    let found = store.find_access_request(first).await.unwrap().unwrap();
    assert_eq!((found.email.as_str(), found.stored_status), ("Robin@example.com", AccessRequestStatus::Pending));
    assert!(found.confirmed_at.is_none());
    assert_eq!(store.access_request_password_hash(first).await.unwrap().as_deref(), Some("$argon2id$requested"));
    assert!(store.find_access_request(AccessRequestId(9_999)).await.unwrap().is_none());
    assert_eq!(store.list_access_requests(&query(None, NOW)).await.unwrap().1, 0, "unconfirmed: not listed");

    let mut tx = store.begin().await.unwrap();
    assert!(tx.confirm_access_request("unknown", later(1)).await.unwrap().is_none());
    let confirmed = tx.confirm_access_request("hash-1", later(1)).await.unwrap().unwrap();
    assert_eq!((confirmed.id, confirmed.confirmed_at), (first, Some(later(1))));
    assert!(tx.confirm_access_request("hash-1", later(2)).await.unwrap().is_none(), "a token confirms once");
    assert!(tx.confirm_access_request("hash-3", later(3_600)).await.unwrap().is_none(), "expired");
    tx.commit().await.unwrap();

    let (listed, total) =
        store.list_access_requests(&query(Some(AccessRequestStatus::Pending), later(2))).await.unwrap();
    assert_eq!((listed.iter().map(|request| request.id).collect::<Vec<_>>(), total), (vec![first], 1));
    assert_eq!(listed[0].message.as_deref(), Some("I write the newsletter"));
    let expired = store.list_access_requests(&query(Some(AccessRequestStatus::Expired), later(3_600))).await.unwrap();
    assert_eq!(expired.1, 1, "a pending request past its expiry lists as expired");
    assert_eq!(
        store.list_access_requests(&query(Some(AccessRequestStatus::Pending), later(3_600))).await.unwrap().1,
        0
    );
    let _ = other;
}

#[tokio::test]
async fn decisions_close_a_confirmed_pending_request_once_and_free_its_email() {
    let (_db, store) = open().await;
    let admin = insert_admin(&store, "Quinn", "quinn@example.com", &[1]).await;
    let mut tx = store.begin().await.unwrap();
    let id = tx.insert_access_request(&new_request("robin@example.com", "hash-1", NOW)).await.unwrap().unwrap();
    let rejected =
        AccessRequestDecision { decided_by: Some(admin), ..decision(AccessRequestStatus::Rejected, later(1)) };
    assert!(!tx.decide_access_request(id, &rejected).await.unwrap(), "an unconfirmed request cannot be decided");
    tx.confirm_access_request("hash-1", later(1)).await.unwrap().unwrap();
    assert!(tx.decide_access_request(id, &rejected).await.unwrap());
    assert!(!tx.decide_access_request(id, &decision(AccessRequestStatus::Approved, later(2))).await.unwrap());
    let again = tx.insert_access_request(&new_request("robin@example.com", "hash-2", later(3))).await.unwrap();
    assert!(again.is_some(), "a rejected request frees its email");
    tx.commit().await.unwrap();

    let decided = store.find_access_request(id).await.unwrap().unwrap();
    assert_eq!(decided.stored_status, AccessRequestStatus::Rejected);
    assert_eq!(
        (decided.decided_at, decided.decided_by, decided.reason.as_deref()),
        (Some(later(1)), Some(admin), Some("no"))
    );
    let (rejected_list, _) =
        store.list_access_requests(&query(Some(AccessRequestStatus::Rejected), later(3))).await.unwrap();
    assert_eq!(rejected_list.len(), 1);

    // Expiry: a late request is marked expired, which frees the email.
    let second = again.unwrap();
    let mut tx = store.begin().await.unwrap();
    tx.confirm_access_request("hash-2", later(4)).await.unwrap().unwrap();
    assert!(!tx.decide_access_request(second, &decision(AccessRequestStatus::Approved, later(4_000))).await.unwrap());
    assert!(tx
        .insert_access_request(&new_request("robin@example.com", "hash-3", later(4_000)))
        .await
        .unwrap()
        .is_none());
    tx.expire_access_request(&fold("robin@example.com"), later(4_000)).await.unwrap();
    assert!(tx
        .insert_access_request(&new_request("robin@example.com", "hash-3", later(4_000)))
        .await
        .unwrap()
        .is_some());
    tx.commit().await.unwrap();
    assert_eq!(store.find_access_request(second).await.unwrap().unwrap().stored_status, AccessRequestStatus::Expired);
}
