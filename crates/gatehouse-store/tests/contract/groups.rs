//! Groups of end users and their members.

use crate::{insert_user, later, open, NOW};
use gatehouse_domain::ids::{GroupId, UserId};
use gatehouse_domain::model::{GroupChanges, NewGroup};
use gatehouse_domain::ports::{ConflictKey, StoreError};
use gatehouse_domain::values::fold;

fn new_group(name: &str) -> NewGroup {
    NewGroup { display_name: name.to_owned(), display_name_folded: fold(name), external_id: None, now: NOW }
}

#[tokio::test]
async fn a_group_name_is_unique_case_insensitively() {
    let (_db, store) = open().await;
    let mut tx = store.begin().await.unwrap();
    let group = tx.insert_group(&NewGroup { external_id: Some("okta-1".into()), ..new_group("Engineering") }).await;
    let group = group.unwrap();
    tx.commit().await.unwrap();
    assert_eq!((group.display_name.as_str(), group.external_id.as_deref()), ("Engineering", Some("okta-1")));
    assert_eq!((group.created_at, group.updated_at), (NOW, NOW));
    assert_eq!(store.find_group(group.id).await.unwrap().unwrap(), group);
    assert!(store.find_group(GroupId(9_999)).await.unwrap().is_none());

    let mut tx = store.begin().await.unwrap();
    let again = tx.insert_group(&new_group("ENGINEERING")).await;
    assert!(matches!(again, Err(StoreError::Conflict(ConflictKey::GroupName))), "{again:?}");
    drop(tx);
    let mut tx = store.begin().await.unwrap();
    let other = tx.insert_group(&new_group("Staff")).await.unwrap();
    let renamed = tx
        .update_group(
            other.id,
            &GroupChanges {
                display_name: Some(("engineering".into(), "engineering".into())),
                ..GroupChanges::default()
            },
            later(1),
        )
        .await;
    assert!(matches!(renamed, Err(StoreError::Conflict(ConflictKey::GroupName))), "{renamed:?}");
}

#[tokio::test]
async fn an_update_changes_only_what_it_names_and_marks_the_group_changed() {
    let (_db, store) = open().await;
    let mut tx = store.begin().await.unwrap();
    let group = tx.insert_group(&NewGroup { external_id: Some("x".into()), ..new_group("Staff") }).await.unwrap();
    let touched = tx.update_group(group.id, &GroupChanges::default(), later(1)).await.unwrap().unwrap();
    assert_eq!((touched.display_name.as_str(), touched.external_id.as_deref()), ("Staff", Some("x")));
    assert_eq!(touched.updated_at, later(1));
    let changes = GroupChanges { display_name: Some(("All Staff".into(), fold("All Staff"))), external_id: Some(None) };
    let changed = tx.update_group(group.id, &changes, later(2)).await.unwrap().unwrap();
    assert_eq!((changed.display_name.as_str(), changed.external_id.as_deref()), ("All Staff", None));
    assert_eq!((changed.created_at, changed.updated_at), (NOW, later(2)));
    assert!(tx.update_group(GroupId(9_999), &changes, later(2)).await.unwrap().is_none());
    tx.commit().await.unwrap();
    assert_eq!(store.list_groups().await.unwrap(), [changed]);
}

#[tokio::test]
async fn members_are_added_once_and_unknown_users_are_skipped() {
    let (_db, store) = open().await;
    let ada = insert_user(&store, "ada", "ada@example.com").await;
    let bob = insert_user(&store, "bob", "bob@example.com").await;
    let mut tx = store.begin().await.unwrap();
    let group = tx.insert_group(&new_group("Engineering")).await.unwrap();
    let locked = tx.lock_users(&[bob.id, UserId(9_999), ada.id, bob.id]).await.unwrap();
    assert_eq!(locked, [(ada.id, ada.role_id), (bob.id, bob.role_id)]);
    let added = tx.add_group_members(group.id, &[ada.id, UserId(9_999)]).await.unwrap();
    assert_eq!(added, [ada.id]);
    let added = tx.add_group_members(group.id, &[ada.id, bob.id]).await.unwrap();
    assert_eq!(added, [bob.id]);
    assert_eq!(tx.list_group_members_in_tx(group.id).await.unwrap(), [ada.id, bob.id]);
    assert_eq!(tx.list_group_names_of_user_in_tx(ada.id).await.unwrap(), ["Engineering"]);
    assert_eq!(tx.remove_group_members(group.id, &[bob.id, UserId(9_999)]).await.unwrap(), [bob.id]);
    assert_eq!(tx.lock_group(group.id).await.unwrap().unwrap(), group);
    tx.commit().await.unwrap();
    assert_eq!(store.list_group_members(group.id).await.unwrap(), [ada.id]);
}

#[tokio::test]
async fn the_groups_of_users_are_read_at_once() {
    let (_db, store) = open().await;
    let ada = insert_user(&store, "ada", "ada@example.com").await;
    let bob = insert_user(&store, "bob", "bob@example.com").await;
    let carl = insert_user(&store, "carl", "carl@example.com").await;
    let mut tx = store.begin().await.unwrap();
    let staff = tx.insert_group(&new_group("Staff")).await.unwrap();
    let engineering = tx.insert_group(&new_group("Engineering")).await.unwrap();
    tx.add_group_members(staff.id, &[ada.id, bob.id]).await.unwrap();
    tx.add_group_members(engineering.id, &[ada.id]).await.unwrap();
    tx.commit().await.unwrap();

    let pairs = store.list_groups_of_users(&[carl.id, bob.id, ada.id]).await.unwrap();
    let pairs: Vec<(UserId, &str)> = pairs.iter().map(|(user, group)| (*user, group.display_name.as_str())).collect();
    assert_eq!(pairs, [(ada.id, "Staff"), (ada.id, "Engineering"), (bob.id, "Staff")]);
    assert!(store.list_groups_of_users(&[carl.id]).await.unwrap().is_empty());
}

#[tokio::test]
async fn memberships_go_with_their_user_and_their_group() {
    let (_db, store) = open().await;
    let ada = insert_user(&store, "ada", "ada@example.com").await;
    let bob = insert_user(&store, "bob", "bob@example.com").await;
    let mut tx = store.begin().await.unwrap();
    let staff = tx.insert_group(&new_group("Staff")).await.unwrap();
    let engineering = tx.insert_group(&new_group("Engineering")).await.unwrap();
    tx.add_group_members(staff.id, &[ada.id, bob.id]).await.unwrap();
    tx.add_group_members(engineering.id, &[bob.id]).await.unwrap();
    tx.commit().await.unwrap();

    let mut tx = store.begin().await.unwrap();
    tx.delete_user(ada.id).await.unwrap().unwrap();
    assert!(tx.delete_group(engineering.id).await.unwrap());
    assert!(!tx.delete_group(engineering.id).await.unwrap());
    tx.commit().await.unwrap();

    assert_eq!(store.list_group_members(staff.id).await.unwrap(), [bob.id]);
    assert!(store.list_group_members(engineering.id).await.unwrap().is_empty());
    let pairs = store.list_groups_of_users(&[bob.id]).await.unwrap();
    assert_eq!(pairs.len(), 1);
    assert_eq!(pairs[0].1.id, staff.id);
}
