//! End-user roles and their permissions.

use crate::{insert_user, open, NOW};
use gatehouse_domain::ids::RoleId;
use gatehouse_domain::model::{NewRole, Role};
use gatehouse_domain::ports::{ConflictKey, StoreError};

fn new_role(role_type: &str) -> NewRole {
    NewRole {
        document_id: format!("{:0<24}", role_type).chars().take(24).collect(),
        name: format!("Role {role_type}"),
        description: "for tests".into(),
        role_type: role_type.into(),
        external_id: None,
        now: NOW,
    }
}

#[tokio::test]
async fn the_builtin_roles_exist_with_their_default_grants() {
    let (_db, store) = open().await;
    let public = store.find_role_by_type(Role::PUBLIC).await.unwrap().unwrap();
    let authenticated = store.find_role_by_type(Role::AUTHENTICATED).await.unwrap().unwrap();
    assert_eq!((authenticated.id, public.id), (RoleId(1), RoleId(2)));
    let public_actions = store.list_role_actions(public.id).await.unwrap();
    assert!(public_actions.contains(&"plugin::users-permissions.auth.register".to_owned()));
    assert!(!public_actions.contains(&"plugin::users-permissions.user.me".to_owned()));
    let authenticated_actions = store.list_role_actions(authenticated.id).await.unwrap();
    assert_eq!(
        authenticated_actions,
        [
            "plugin::users-permissions.auth.changePassword",
            "plugin::users-permissions.auth.getSessions",
            "plugin::users-permissions.auth.logout",
            "plugin::users-permissions.user.me",
        ]
    );
}

#[tokio::test]
async fn a_role_is_found_by_id_type_and_document_id() {
    let (_db, store) = open().await;
    let mut tx = store.begin().await.unwrap();
    let editor = tx.insert_role(&new_role("editor")).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!((editor.name.as_str(), editor.created_at, editor.published_at), ("Role editor", NOW, NOW));
    assert_eq!(store.find_role(editor.id).await.unwrap().unwrap(), editor);
    assert_eq!(store.find_role_by_type("editor").await.unwrap().unwrap(), editor);
    assert_eq!(store.find_role_by_document_id(&editor.document_id).await.unwrap().unwrap(), editor);
    assert!(store.find_role(RoleId(9_999)).await.unwrap().is_none());
    assert!(store.find_role_by_type("nobody").await.unwrap().is_none());
    assert!(store.find_role_by_document_id("nobody").await.unwrap().is_none());

    let mut tx = store.begin().await.unwrap();
    let again = tx.insert_role(&NewRole { document_id: "another00000000000000000".into(), ..new_role("editor") }).await;
    assert!(matches!(again, Err(StoreError::Conflict(ConflictKey::RoleType))), "{again:?}");
}

#[tokio::test]
async fn roles_are_listed_with_their_user_counts() {
    let (_db, store) = open().await;
    insert_user(&store, "ann", "ann@example.com").await;
    insert_user(&store, "ben", "ben@example.com").await;
    let roles = store.list_roles().await.unwrap();
    let counts: Vec<_> = roles.iter().map(|found| (found.role.id, found.users)).collect();
    assert_eq!(counts, [(RoleId(1), 2), (RoleId(2), 0)]);
}

#[tokio::test]
async fn a_role_is_renamed_regranted_emptied_and_deleted() {
    let (_db, store) = open().await;
    let user = insert_user(&store, "cid", "cid@example.com").await;
    let mut tx = store.begin().await.unwrap();
    let role = tx.insert_role(&new_role("staff")).await.unwrap();
    let renamed = tx.update_role(role.id, Some("Staff"), None, crate::later(5)).await.unwrap().unwrap();
    assert_eq!((renamed.name.as_str(), renamed.description.as_str()), ("Staff", "for tests"));
    assert_eq!(renamed.updated_at, crate::later(5));
    assert!(tx.update_role(RoleId(9_999), Some("x"), None, NOW).await.unwrap().is_none());
    tx.set_role_actions(role.id, &["b.action".into(), "a.action".into()]).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(store.list_role_actions(role.id).await.unwrap(), ["a.action", "b.action"]);

    let mut tx = store.begin().await.unwrap();
    tx.set_role_actions(role.id, &["c.action".into()]).await.unwrap();
    assert_eq!(tx.reassign_role_users(RoleId(1), role.id, crate::later(6)).await.unwrap().len(), 1);
    tx.commit().await.unwrap();
    assert_eq!(store.list_role_actions(role.id).await.unwrap(), ["c.action"]);
    let moved = store.find_user(user.id).await.unwrap().unwrap();
    assert_eq!((moved.role_id, moved.updated_at), (role.id, crate::later(6)));

    let mut tx = store.begin().await.unwrap();
    tx.set_role_actions(role.id, &[]).await.unwrap();
    assert_eq!(tx.reassign_role_users(role.id, RoleId(1), NOW).await.unwrap().len(), 1);
    assert!(tx.delete_role(role.id).await.unwrap());
    assert!(!tx.delete_role(role.id).await.unwrap());
    tx.commit().await.unwrap();
    assert!(store.find_role(role.id).await.unwrap().is_none());
    assert!(store.list_role_actions(role.id).await.unwrap().is_empty());
}

#[tokio::test]
async fn an_action_is_seeded_once_so_a_removed_default_grant_stays_removed() {
    let (_db, store) = open().await;
    let authenticated = store.find_role_by_type(Role::AUTHENTICATED).await.unwrap().unwrap();
    assert!(store.list_seeded_actions().await.unwrap().contains(&"plugin::users-permissions.user.me".to_owned()));

    let action = "api::users.deactivate";
    let mut tx = store.begin().await.unwrap();
    tx.seed_action(action, false, &[Role::AUTHENTICATED, "no-such-role"], NOW).await.unwrap();
    tx.commit().await.unwrap();
    assert!(store.list_role_actions(authenticated.id).await.unwrap().contains(&action.to_owned()));
    assert!(store.list_seeded_actions().await.unwrap().contains(&action.to_owned()));

    let mut tx = store.begin().await.unwrap();
    let kept: Vec<String> =
        store.list_role_actions(authenticated.id).await.unwrap().into_iter().filter(|name| name != action).collect();
    tx.set_role_actions(authenticated.id, &kept).await.unwrap();
    tx.seed_action(action, false, &[Role::AUTHENTICATED], NOW).await.unwrap();
    tx.commit().await.unwrap();
    assert!(!store.list_role_actions(authenticated.id).await.unwrap().contains(&action.to_owned()));
}

#[tokio::test]
async fn an_admin_action_is_seeded_to_admin_roles_by_code() {
    let (_db, store) = open().await;
    let editor = store
        .list_admin_roles()
        .await
        .unwrap()
        .into_iter()
        .map(|(role, _)| role)
        .find(|role| role.code == gatehouse_domain::model::AdminRole::EDITOR)
        .unwrap();
    let mut tx = store.begin().await.unwrap();
    tx.seed_action("admin::reports.read", true, &[gatehouse_domain::model::AdminRole::EDITOR], NOW).await.unwrap();
    tx.commit().await.unwrap();
    assert!(store.list_admin_role_actions(editor.id).await.unwrap().contains(&"admin::reports.read".to_owned()));
}
