//! Admin invites, with their admin and its roles.

use crate::{insert_admin, later, open, NOW};
use gatehouse_domain::ids::InviteId;

#[tokio::test]
async fn invites_come_back_with_their_admin_and_are_reissued_revoked_and_accepted() {
    let (_db, store) = open().await;
    let quinn = insert_admin(&store, "Quinn", "quinn@example.com", &[2, 3]).await;
    let rae = insert_admin(&store, "Rae", "rae@example.com", &[]).await;
    let mut tx = store.begin().await.unwrap();
    let first = tx.insert_invite(quinn, "token-1", NOW, later(60)).await.unwrap();
    let second = tx.insert_invite(rae, "token-2", NOW, later(60)).await.unwrap();
    tx.commit().await.unwrap();

    let (invite, admin) = store.find_invite(first).await.unwrap().unwrap();
    assert_eq!((invite.id, invite.admin_id, invite.expires_at), (first, quinn, later(60)));
    assert!(invite.accepted_at.is_none() && invite.revoked_at.is_none());
    assert_eq!(admin, store.find_admin(quinn, false).await.unwrap().unwrap());
    assert_eq!(admin.roles.len(), 2);
    assert_eq!(store.find_invite_by_token("token-2").await.unwrap().unwrap().0.id, second);
    assert!(store.find_invite_by_token("missing").await.unwrap().is_none());
    assert!(store.find_invite(InviteId(9_999)).await.unwrap().is_none());
    let listed = store.list_invites().await.unwrap();
    assert_eq!(listed.iter().map(|(invite, _)| invite.id).collect::<Vec<_>>(), [second, first], "newest first");
    assert_eq!((listed[1].1.roles.len(), listed[0].1.roles.len()), (2, 0));

    let mut tx = store.begin().await.unwrap();
    assert!(tx.revoke_invite(second, later(1)).await.unwrap());
    assert!(tx.accept_invite("token-2", later(2)).await.unwrap().is_none(), "revoked");
    assert!(tx.reissue_invite(second, "token-3", later(3), later(90)).await.unwrap());
    assert!(tx.accept_invite("token-2", later(4)).await.unwrap().is_none(), "the old token died");
    let accepted = tx.accept_invite("token-3", later(4)).await.unwrap().unwrap();
    assert_eq!((accepted.id, accepted.accepted_at, accepted.revoked_at), (second, Some(later(4)), None));
    assert!(tx.accept_invite("token-3", later(5)).await.unwrap().is_none(), "accepted once");
    assert!(!tx.revoke_invite(second, later(5)).await.unwrap(), "an accepted invite stays");
    assert!(!tx.reissue_invite(second, "token-4", later(5), later(90)).await.unwrap());
    assert!(tx.accept_invite("token-1", later(60)).await.unwrap().is_none(), "expired");
    tx.commit().await.unwrap();
    let (reissued, _) = store.find_invite(second).await.unwrap().unwrap();
    assert_eq!((reissued.created_at, reissued.expires_at), (later(3), later(90)));
}
