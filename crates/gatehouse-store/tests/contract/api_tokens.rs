//! API tokens with their actions.

use crate::{later, open, NOW};
use gatehouse_domain::ids::ApiTokenId;
use gatehouse_domain::model::{ApiTokenKind, NewApiToken};
use gatehouse_domain::ports::{ConflictKey, StoreError};

fn new_token(name: &str, kind: ApiTokenKind, actions: &[&str]) -> NewApiToken {
    NewApiToken {
        name: name.into(),
        name_folded: name.to_lowercase(),
        description: format!("{name} token"),
        kind,
        access_key_hash: format!("hash-of-{name}"),
        lifespan_ms: Some(86_400_000),
        expires_at: Some(later(86_400)),
        actions: actions.iter().map(|action| (*action).to_owned()).collect(),
        now: NOW,
    }
}

#[tokio::test]
async fn tokens_come_back_with_their_actions_by_hash_id_and_list() {
    let (_db, store) = open().await;
    let mut tx = store.begin().await.unwrap();
    let custom = tx.insert_api_token(&new_token("Custom", ApiTokenKind::Custom, &["b.find", "a.find"])).await.unwrap();
    let plain = tx.insert_api_token(&new_token("Reader", ApiTokenKind::ReadOnly, &[])).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        (custom.kind, custom.lifespan_ms, custom.expires_at),
        (ApiTokenKind::Custom, Some(86_400_000), Some(later(86_400)))
    );
    assert_eq!(custom.last_used_at, None);

    let by_hash = store.find_api_token_by_hash("hash-of-Custom").await.unwrap().unwrap();
    assert_eq!(by_hash.actions, ["a.find", "b.find"]);
    assert_eq!(ApiTokenId(by_hash.id.0), custom.id);
    assert_eq!(store.find_api_token(custom.id).await.unwrap().unwrap(), by_hash);
    assert_eq!(store.find_api_token(plain.id).await.unwrap().unwrap().actions, Vec::<String>::new());
    assert!(store.find_api_token_by_hash("missing").await.unwrap().is_none());
    assert!(store.find_api_token(ApiTokenId(9_999)).await.unwrap().is_none());

    let listed = store.list_api_tokens().await.unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0], by_hash);
    assert_eq!((listed[1].name.as_str(), listed[1].actions.len()), ("Reader", 0));

    let mut tx = store.begin().await.unwrap();
    let same_name = tx.insert_api_token(&new_token("CUSTOM", ApiTokenKind::FullAccess, &[])).await;
    assert!(matches!(same_name, Err(StoreError::Conflict(ConflictKey::ApiTokenName))), "{same_name:?}");
}

#[tokio::test]
async fn a_token_is_touched_rewritten_given_a_new_secret_and_deleted() {
    let (_db, store) = open().await;
    let mut tx = store.begin().await.unwrap();
    let token = tx.insert_api_token(&new_token("Ops", ApiTokenKind::Custom, &["x.read"])).await.unwrap();
    tx.commit().await.unwrap();

    store.touch_api_token(token.id, later(1), 60_000).await.unwrap();
    store.touch_api_token(token.id, later(2), 60_000).await.unwrap();
    assert_eq!(store.find_api_token(token.id).await.unwrap().unwrap().last_used_at, Some(later(1)));

    let changed = NewApiToken {
        description: "rewritten".into(),
        lifespan_ms: None,
        expires_at: None,
        access_key_hash: "ignored".into(),
        now: later(3),
        ..new_token("Ops2", ApiTokenKind::Custom, &["y.write", "x.read"])
    };
    let mut tx = store.begin().await.unwrap();
    let updated = tx.update_api_token(token.id, &changed).await.unwrap().unwrap();
    assert_eq!((updated.name.as_str(), updated.description.as_str()), ("Ops2", "rewritten"));
    assert_eq!((updated.expires_at, updated.updated_at, updated.created_at), (None, later(3), NOW));
    assert!(tx.update_api_token(ApiTokenId(9_999), &changed).await.unwrap().is_none());
    tx.commit().await.unwrap();
    assert!(store.find_api_token_by_hash("ignored").await.unwrap().is_none(), "the secret is left alone");
    assert_eq!(store.find_api_token(token.id).await.unwrap().unwrap().actions, ["x.read", "y.write"]);

    let mut tx = store.begin().await.unwrap();
    let regenerated = tx.set_api_token_secret(token.id, "new-hash", Some(later(99)), later(4)).await.unwrap().unwrap();
    assert_eq!((regenerated.expires_at, regenerated.updated_at), (Some(later(99)), later(4)));
    assert_eq!(regenerated.actions, ["x.read", "y.write"]);
    assert!(tx.set_api_token_secret(ApiTokenId(9_999), "h", None, NOW).await.unwrap().is_none());
    tx.commit().await.unwrap();
    assert!(store.find_api_token_by_hash("hash-of-Ops").await.unwrap().is_none(), "the old secret dies");
    assert_eq!(store.find_api_token_by_hash("new-hash").await.unwrap().unwrap().id, token.id);

    let mut tx = store.begin().await.unwrap();
    let deleted = tx.delete_api_token(token.id).await.unwrap().unwrap();
    assert_eq!((deleted.name.as_str(), deleted.actions.len()), ("Ops2", 2));
    assert!(tx.delete_api_token(token.id).await.unwrap().is_none());
    tx.commit().await.unwrap();
    assert!(store.list_api_tokens().await.unwrap().is_empty());
}
