//! End-user sessions, refresh tokens and single-use user tokens.

use crate::{insert_user, later, open, NOW};
use gatehouse_domain::ids::{SessionId, UserId};
use gatehouse_domain::model::{NewSession, NewUserToken, TokenPurpose};
use std::time::Duration;

/// A session of `user` with an id made of `letter`, live for a minute from `NOW`.
pub(crate) fn new_session(user: UserId, letter: &str) -> NewSession {
    NewSession {
        id: SessionId(letter.repeat(32)),
        user_id: user,
        device_id: Some("phone".into()),
        created_at: NOW,
        expires_at: NOW.plus(Duration::from_secs(60)),
    }
}

#[tokio::test]
async fn sessions_join_their_user_and_are_revoked_once() {
    let (_db, store) = open().await;
    let mut tx = store.begin().await.unwrap();
    let user = tx.insert_user(&crate::new_user("sam", "sam@example.com")).await.unwrap();
    let session = new_session(user.id, "s");
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
async fn live_sessions_are_listed_touched_extended_and_revoked_in_bulk() {
    let (_db, store) = open().await;
    let tom = insert_user(&store, "tom", "tom@example.com").await;
    let other = insert_user(&store, "uma", "uma@example.com").await;
    let (a, b, c) = (new_session(tom.id, "a"), new_session(tom.id, "b"), new_session(tom.id, "c"));
    let mut tx = store.begin().await.unwrap();
    tx.insert_session(&a).await.unwrap();
    tx.insert_session(&NewSession { created_at: later(1), ..b.clone() }).await.unwrap();
    tx.insert_session(&NewSession { expires_at: NOW, ..c.clone() }).await.unwrap();
    tx.insert_session(&new_session(other.id, "o")).await.unwrap();
    tx.commit().await.unwrap();

    let live = store.list_live_sessions(tom.id, NOW).await.unwrap();
    assert_eq!(live.iter().map(|session| session.id.clone()).collect::<Vec<_>>(), [b.id.clone(), a.id.clone()]);

    store.touch_session(&a.id, later(10), 30_000).await.unwrap();
    let (touched, _) = store.find_session_with_user(&a.id).await.unwrap().unwrap();
    assert_eq!(touched.last_active_at, NOW, "within the gap nothing is written");
    store.touch_session(&a.id, later(40), 30_000).await.unwrap();
    let (touched, _) = store.find_session_with_user(&a.id).await.unwrap().unwrap();
    assert_eq!(touched.last_active_at, later(40));

    let mut tx = store.begin().await.unwrap();
    tx.extend_session(&a.id, later(600), later(50)).await.unwrap();
    let ended = tx.revoke_other_sessions(tom.id, &a.id, later(2), "password changed").await.unwrap();
    assert_eq!(ended, std::slice::from_ref(&b.id), "the expired session and other users' are left alone");
    tx.commit().await.unwrap();
    let (extended, _) = store.find_session_with_user(&a.id).await.unwrap().unwrap();
    assert_eq!((extended.expires_at, extended.last_active_at), (later(600), later(50)));

    let mut tx = store.begin().await.unwrap();
    assert_eq!(tx.revoke_user_sessions(tom.id, later(3), "blocked").await.unwrap(), std::slice::from_ref(&a.id));
    assert!(tx.revoke_user_sessions(tom.id, later(3), "blocked").await.unwrap().is_empty());
    tx.commit().await.unwrap();
    assert!(store.list_live_sessions(tom.id, later(3)).await.unwrap().is_empty());
    assert_eq!(store.list_live_sessions(other.id, NOW).await.unwrap().len(), 1);
}

#[tokio::test]
async fn refresh_tokens_rotate_once_and_die_with_their_session() {
    let (_db, store) = open().await;
    let vic = insert_user(&store, "vic", "vic@example.com").await;
    let session = new_session(vic.id, "r");
    let mut tx = store.begin().await.unwrap();
    tx.insert_session(&session).await.unwrap();
    tx.insert_refresh_token("hash-1", &session.id, NOW, later(3_600)).await.unwrap();
    tx.insert_refresh_token("hash-2", &session.id, NOW, later(30)).await.unwrap();
    tx.commit().await.unwrap();

    let first = store.find_refresh_token("hash-1").await.unwrap().unwrap();
    assert_eq!((first.session_id.clone(), first.user_id), (session.id.clone(), vic.id));
    assert_eq!(first.expires_at, session.expires_at, "no longer than its session");
    assert!(first.session_live && first.rotated_at.is_none() && first.replaced_by.is_none());
    assert_eq!(store.find_refresh_token("hash-2").await.unwrap().unwrap().expires_at, later(30));
    assert!(store.find_refresh_token("missing").await.unwrap().is_none());

    let mut tx = store.begin().await.unwrap();
    assert!(tx.rotate_refresh_token("hash-1", "hash-3", later(1)).await.unwrap());
    assert!(!tx.rotate_refresh_token("hash-1", "hash-4", later(1)).await.unwrap(), "rotated already");
    tx.retire_refresh_tokens(&session.id, "logout", later(2)).await.unwrap();
    tx.commit().await.unwrap();
    let first = store.find_refresh_token("hash-1").await.unwrap().unwrap();
    assert_eq!((first.rotated_at, first.replaced_by.as_deref()), (Some(later(1)), Some("hash-3")));
    let second = store.find_refresh_token("hash-2").await.unwrap().unwrap();
    assert_eq!((second.rotated_at, second.replaced_by.as_deref()), (Some(later(2)), Some("logout")));

    let mut tx = store.begin().await.unwrap();
    tx.revoke_session(&session.id, later(3), "logout").await.unwrap();
    tx.commit().await.unwrap();
    assert!(!store.find_refresh_token("hash-1").await.unwrap().unwrap().session_live);
}

#[tokio::test]
async fn a_user_token_is_consumed_once_for_its_purpose_before_it_expires() {
    let (_db, store) = open().await;
    let wes = insert_user(&store, "wes", "wes@example.com").await;
    let token = |hash: &str, purpose| NewUserToken {
        user_id: wes.id,
        purpose,
        token_hash: hash.into(),
        created_at: NOW,
        expires_at: later(60),
    };
    let mut tx = store.begin().await.unwrap();
    tx.insert_user_token(&token("reset-1", TokenPurpose::PasswordReset)).await.unwrap();
    tx.insert_user_token(&token("confirm-1", TokenPurpose::EmailConfirmation)).await.unwrap();
    tx.commit().await.unwrap();

    let mut tx = store.begin().await.unwrap();
    let wrong_purpose = tx.consume_user_token(TokenPurpose::EmailConfirmation, "reset-1", NOW).await.unwrap();
    assert_eq!(wrong_purpose, None);
    assert_eq!(tx.consume_user_token(TokenPurpose::PasswordReset, "reset-1", NOW).await.unwrap(), Some(wes.id));
    assert_eq!(tx.consume_user_token(TokenPurpose::PasswordReset, "reset-1", NOW).await.unwrap(), None, "used");
    let expired = tx.consume_user_token(TokenPurpose::EmailConfirmation, "confirm-1", later(60)).await.unwrap();
    assert_eq!(expired, None);
    tx.commit().await.unwrap();

    let mut tx = store.begin().await.unwrap();
    tx.insert_user_token(&token("reset-2", TokenPurpose::PasswordReset)).await.unwrap();
    tx.invalidate_user_tokens(wes.id, TokenPurpose::PasswordReset, later(1)).await.unwrap();
    assert_eq!(tx.consume_user_token(TokenPurpose::PasswordReset, "reset-2", later(2)).await.unwrap(), None);
    let confirm = tx.consume_user_token(TokenPurpose::EmailConfirmation, "confirm-1", later(2)).await.unwrap();
    assert_eq!(confirm, Some(wes.id), "another purpose is left alone");
    tx.commit().await.unwrap();
}
