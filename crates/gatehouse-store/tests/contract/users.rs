//! Users: lookups, the query-model page and count, bulk insert and every user write.

use crate::{insert_user, new_user, open, NOW};
use gatehouse_domain::ids::{RoleId, UserId};
use gatehouse_domain::model::{NewUser, Role, UserChanges};
use gatehouse_domain::ports::{ConflictKey, Store, StoreError};
use gatehouse_domain::query::{FieldRef, Filter, Operator, RoleField, SortKey, UserField, UserQuery, Window};
use gatehouse_domain::values::UserSettings;
use serde_json::json;
use std::sync::Arc;

fn filter(field: FieldRef, operator: Operator, raw: &[&str]) -> Filter {
    let raw: Vec<String> = raw.iter().map(|text| (*text).to_owned()).collect();
    Filter::compare(field, operator, &raw, "test").unwrap()
}

#[tokio::test]
async fn users_round_trip_and_unique_keys_are_named_alike_on_every_backend() {
    let (_db, store) = open().await;
    let mut tx = store.begin().await.unwrap();
    let alice = tx.insert_user(&new_user("Alice", "alice@example.com")).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(store.find_user(alice.id).await.unwrap().unwrap(), alice);
    let found = store.find_credentials_by_email("alice@example.com").await.unwrap().unwrap();
    assert_eq!(found.user.id, alice.id);
    assert!(found.password_hash.unwrap().expose().starts_with("$argon2id$"));
    assert!(store.find_credentials_by_username("alice").await.unwrap().is_some());
    assert!(store.user_identity_taken("nobody@example.com", "alice").await.unwrap());
    assert!(!store.user_identity_taken("nobody@example.com", "nobody").await.unwrap());

    let mut tx = store.begin().await.unwrap();
    let same_email = tx.insert_user(&new_user("other", "ALICE@example.com")).await;
    assert!(matches!(same_email, Err(StoreError::Conflict(ConflictKey::Email))), "{same_email:?}");
    drop(tx);
    let mut tx = store.begin().await.unwrap();
    let same_username = tx.insert_user(&new_user("ALICE", "alice2@example.com")).await;
    assert!(matches!(same_username, Err(StoreError::Conflict(ConflictKey::Username))), "{same_username:?}");
}

#[tokio::test]
async fn credentials_are_found_by_folded_keys_only() {
    let (_db, store) = open().await;
    let bob = insert_user(&store, "Bob", "Bob@Example.com").await;
    let by_email = store.find_credentials_by_email("bob@example.com").await.unwrap().unwrap();
    assert_eq!(by_email.user, bob);
    let by_username = store.find_credentials_by_username("bob").await.unwrap().unwrap();
    assert_eq!(by_username.user.username, "Bob");
    assert!(store.find_credentials_by_email("Bob@Example.com").await.unwrap().is_none(), "not folded");
    assert!(store.find_credentials_by_username("bobby").await.unwrap().is_none());
    assert!(store.user_identity_taken("bob@example.com", "nobody").await.unwrap());
}

#[tokio::test]
async fn a_page_of_users_comes_filtered_sorted_and_with_roles() {
    let (_db, store) = open().await;
    for name in ["carol", "dave", "erin", "frank", "cathy"] {
        insert_user(&store, name, &format!("{name}@example.com")).await;
    }
    let query = UserQuery {
        filter: filter(FieldRef::User(UserField::Username), Operator::StartsWith, &["ca"]),
        sort: vec![SortKey { field: UserField::Username, descending: true }],
        with_role: true,
        ..UserQuery::default()
    };
    let page = store.list_users(&query).await.unwrap();
    let names: Vec<_> = page.iter().map(|found| found.user.username.as_str()).collect();
    assert_eq!(names, ["cathy", "carol"]);
    let role = page[0].role.as_ref().unwrap();
    assert_eq!((role.id, role.role_type.as_str()), (RoleId(1), Role::AUTHENTICATED));
    assert_eq!(store.count_users(&query.filter).await.unwrap(), 2);

    let window = UserQuery { window: Window::starting_at(1, 2).unwrap(), ..UserQuery::default() };
    let page = store.list_users(&window).await.unwrap();
    assert_eq!(page.iter().map(|found| found.user.username.as_str()).collect::<Vec<_>>(), ["dave", "erin"]);
    assert!(page.iter().all(|found| found.role.is_none()), "roles only when asked");
    let deepest = UserQuery { window: Window::starting_at(Window::MAX_OFFSET, 100).unwrap(), ..UserQuery::default() };
    assert!(store.list_users(&deepest).await.unwrap().is_empty(), "the deepest window is an empty page");

    let by_role = filter(FieldRef::Role(RoleField::Type), Operator::Eq, &[Role::PUBLIC]);
    assert_eq!(store.count_users(&by_role).await.unwrap(), 0);
    assert_eq!(store.count_users(&Filter::everything()).await.unwrap(), 5);
}

#[tokio::test]
async fn like_wildcards_in_a_filter_match_literally() {
    let (_db, store) = open().await;
    insert_user(&store, "a_b", "one@example.com").await;
    insert_user(&store, "axb", "two@example.com").await;
    let query = UserQuery {
        filter: filter(FieldRef::User(UserField::Username), Operator::Contains, &["_"]),
        ..UserQuery::default()
    };
    let found = store.list_users(&query).await.unwrap();
    assert_eq!(found.iter().map(|found| found.user.username.as_str()).collect::<Vec<_>>(), ["a_b"]);
}

#[tokio::test]
async fn bulk_inserted_users_are_counted_and_readable() {
    let (_db, store) = open().await;
    let users: Vec<_> = (0..1_203)
        .map(|n| NewUser {
            document_id: format!("bulk{n:0>20}"),
            ..new_user(&format!("bulk{n}"), &format!("bulk{n}@example.com"))
        })
        .collect();
    assert_eq!(store.insert_users_bulk(&users).await.unwrap(), 1_203);
    assert_eq!(store.count_users(&Filter::everything()).await.unwrap(), 1_203);
    let last = store.find_credentials_by_username("bulk1202").await.unwrap().unwrap();
    assert_eq!(last.user.email, "bulk1202@example.com");
    assert_eq!(last.password_hash, users[1_202].password_hash);
    let again = store.insert_users_bulk(&users[..1]).await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    assert_eq!(store.count_users(&Filter::everything()).await.unwrap(), 1_203, "a failed batch leaves nothing");
}

#[tokio::test]
async fn user_writes_change_only_what_they_name() {
    let (_db, store) = open().await;
    let gina = insert_user(&store, "gina", "gina@example.com").await;
    insert_user(&store, "hank", "hank@example.com").await;

    let mut tx = store.begin().await.unwrap();
    tx.set_user_password_hash(gina.id, "$argon2id$new", crate::later(1)).await.unwrap();
    let missing = tx.set_user_password_hash(UserId(9_999), "$argon2id$new", NOW).await;
    assert!(matches!(missing, Err(StoreError::NotFound)), "{missing:?}");
    drop(tx);
    let mut tx = store.begin().await.unwrap();
    tx.set_user_password_hash(gina.id, "$argon2id$new", crate::later(1)).await.unwrap();
    tx.set_user_last_login(gina.id, crate::later(2)).await.unwrap();
    tx.commit().await.unwrap();
    let found = store.find_credentials_by_email("gina@example.com").await.unwrap().unwrap();
    assert_eq!(found.password_hash.as_ref().map(gatehouse_domain::Secret::expose), Some("$argon2id$new"));
    assert_eq!(found.user.updated_at, crate::later(1));
    assert_eq!(found.user.last_login_at, Some(crate::later(2)));

    let changes = UserChanges {
        username: Some(("Gina2".into(), "gina2".into())),
        email: Some(("gina2@example.com".into(), "gina2@example.com".into())),
        password_hash: None,
        role_id: Some(RoleId(2)),
        confirmed: Some(false),
        blocked: Some(true),
        name: None,
        settings: None,
        external_id: Some(Some("ext-1".into())),
        profile: Some(Some(serde_json::json!({"title": "Engineer"}))),
    };
    let mut tx = store.begin().await.unwrap();
    let updated = tx.update_user(gina.id, &changes, crate::later(3)).await.unwrap().unwrap();
    assert_eq!((updated.username.as_str(), updated.email.as_str()), ("Gina2", "gina2@example.com"));
    assert_eq!((updated.role_id, updated.confirmed, updated.blocked), (RoleId(2), false, true));
    assert_eq!((updated.created_at, updated.updated_at), (NOW, crate::later(3)));
    assert_eq!(updated.external_id.as_deref(), Some("ext-1"));
    assert_eq!(updated.profile, Some(serde_json::json!({"title": "Engineer"})));
    assert!(tx.update_user(UserId(9_999), &changes, NOW).await.unwrap().is_none());
    tx.commit().await.unwrap();
    assert_eq!(store.find_user(gina.id).await.unwrap().unwrap(), updated);
    assert_eq!(
        store
            .find_credentials_by_email("gina2@example.com")
            .await
            .unwrap()
            .unwrap()
            .password_hash
            .as_ref()
            .map(gatehouse_domain::Secret::expose),
        Some("$argon2id$new"),
        "a change without a password keeps the hash"
    );

    let mut tx = store.begin().await.unwrap();
    let taken = UserChanges { username: Some(("HANK".into(), "hank".into())), ..UserChanges::default() };
    let conflict = tx.update_user(gina.id, &taken, NOW).await;
    assert!(matches!(conflict, Err(StoreError::Conflict(ConflictKey::Username))), "{conflict:?}");
}

#[tokio::test]
async fn a_users_name_and_settings_are_stored_changed_and_cleared() {
    let (_db, store) = open().await;
    let settings =
        UserSettings::parse(json!({"theme": "dark", "notifications": true, "nested": {"b": [1, 2.5], "a": null}}))
            .unwrap();
    let mut tx = store.begin().await.unwrap();
    let new = NewUser {
        name: Some("Jane Smith".into()),
        settings: Some(settings.clone()),
        ..new_user("jane", "jane@example.com")
    };
    let jane = tx.insert_user(&new).await.unwrap();
    tx.commit().await.unwrap();
    let found = store.find_user(jane.id).await.unwrap().unwrap();
    assert_eq!(found, jane, "the inserted user reads back as returned");
    assert_eq!(found.name.as_deref(), Some("Jane Smith"));
    assert_eq!(
        found.settings.as_ref().map(|settings| settings.to_value().to_string()),
        Some(r#"{"nested":{"a":null,"b":[1,2.5]},"notifications":true,"theme":"dark"}"#.to_owned()),
        "keys come back in one order on every backend"
    );
    let listed = store.list_users(&UserQuery::default()).await.unwrap();
    assert_eq!(listed[0].user, found, "lists read the same columns");

    let other = UserSettings::parse(json!({"theme": "light"})).unwrap();
    let changes = UserChanges {
        name: Some(Some("Jane Smith-Johnson".into())),
        settings: Some(Some(other.clone())),
        ..UserChanges::default()
    };
    let mut tx = store.begin().await.unwrap();
    let changed = tx.update_user(jane.id, &changes, crate::later(1)).await.unwrap().unwrap();
    tx.commit().await.unwrap();
    assert_eq!((changed.name.as_deref(), changed.settings.as_ref()), (Some("Jane Smith-Johnson"), Some(&other)));
    assert_eq!(changed.username, "jane", "only the named columns change");

    let cleared = UserChanges { name: Some(None), settings: Some(None), ..UserChanges::default() };
    let mut tx = store.begin().await.unwrap();
    let changed = tx.update_user(jane.id, &cleared, crate::later(2)).await.unwrap().unwrap();
    tx.commit().await.unwrap();
    assert_eq!((changed.name, changed.settings), (None, None));
    assert_eq!(store.find_user(jane.id).await.unwrap().unwrap().settings, None);
}

#[tokio::test]
async fn deleting_a_user_returns_it_and_takes_its_sessions() {
    let (_db, store) = open().await;
    let ivan = insert_user(&store, "ivan", "ivan@example.com").await;
    let session = crate::sessions::new_session(ivan.id, "i");
    let mut tx = store.begin().await.unwrap();
    tx.insert_session(&session).await.unwrap();
    tx.commit().await.unwrap();

    let mut tx = store.begin().await.unwrap();
    assert_eq!(tx.delete_user(ivan.id).await.unwrap(), Some(ivan.clone()));
    assert_eq!(tx.delete_user(ivan.id).await.unwrap(), None);
    tx.commit().await.unwrap();
    assert!(store.find_user(ivan.id).await.unwrap().is_none());
    assert!(store.find_session_with_user(&session.id).await.unwrap().is_none());
}

/// The maintained total and a real count over every row (a filter that holds for every row but
/// is not `everything`, so the store counts the table for it).
async fn totals(store: &Arc<dyn Store>) -> (u64, u64) {
    let counted = Filter::Not(Box::new(Filter::Any(Vec::new())));
    (store.count_users(&Filter::everything()).await.unwrap(), store.count_users(&counted).await.unwrap())
}

#[tokio::test]
async fn the_maintained_total_follows_inserts_deletes_and_rollbacks() {
    let (_db, store) = open().await;
    let (before, counted) = totals(&store).await;
    assert_eq!(before, counted);
    let one = insert_user(&store, "one", "one@example.com").await;
    insert_user(&store, "two", "two@example.com").await;
    assert_eq!(totals(&store).await, (before + 2, before + 2));

    let mut tx = store.begin().await.unwrap();
    tx.insert_user(&new_user("three", "three@example.com")).await.unwrap();
    drop(tx);
    assert_eq!(totals(&store).await, (before + 2, before + 2), "a rolled-back insert is not counted");

    let mut tx = store.begin().await.unwrap();
    tx.delete_user(one.id).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(totals(&store).await, (before + 1, before + 1));
}
