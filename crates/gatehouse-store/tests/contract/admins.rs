//! Admins with their roles, the first-admin claim, admin roles and admin sessions.

use crate::{insert_admin, later, new_admin, open, NOW};
use gatehouse_domain::ids::{AdminId, AdminRoleId, SessionId};
use gatehouse_domain::model::{
    AdminChanges, AdminCondition, AdminListQuery, AdminProvisioning, AdminRole, AdminSort, AdminSortField,
};
use gatehouse_domain::ports::{ConflictKey, StoreError};
use gatehouse_domain::query::Window;

fn page(page: u64, page_size: u64) -> AdminListQuery {
    AdminListQuery { window: Window::page(page, page_size).unwrap(), ..AdminListQuery::default() }
}

fn role_ids(roles: &[AdminRole]) -> Vec<i64> {
    roles.iter().map(|role| role.id.0).collect()
}

#[tokio::test]
async fn the_installation_is_claimed_once() {
    let (_db, store) = open().await;
    assert!(!store.has_admin().await.unwrap());
    let first = insert_admin(&store, "Ada", "ada@example.com", &[1]).await;
    let mut tx = store.begin().await.unwrap();
    tx.claim_bootstrap(first, NOW).await.unwrap();
    tx.commit().await.unwrap();
    assert!(store.has_admin().await.unwrap());

    let mut tx = store.begin().await.unwrap();
    let again = tx.claim_bootstrap(first, NOW).await;
    let expected = ConflictKey::Other("admin_bootstrap_pkey".into());
    assert!(matches!(&again, Err(StoreError::Conflict(key)) if *key == expected), "{again:?}");
}

#[tokio::test]
async fn an_admin_comes_back_with_its_roles_by_id_and_email() {
    let (_db, store) = open().await;
    let id = insert_admin(&store, "Bea", "Bea@Example.com", &[3, 2]).await;
    let admin = store.find_admin(id, false).await.unwrap().unwrap();
    assert_eq!(
        (admin.firstname.as_str(), admin.lastname.as_deref(), admin.email.as_str()),
        ("Bea", Some("Doe"), "bea@example.com")
    );
    assert!(admin.is_active && !admin.blocked && admin.deleted_at.is_none());
    assert_eq!(role_ids(&admin.roles), [2, 3], "by role id");
    assert_eq!(admin.roles[0].code, "strapi-editor");

    let (by_email, hash) = store.find_admin_credentials("bea@example.com").await.unwrap().unwrap();
    assert_eq!((by_email, hash.as_deref()), (admin.clone(), Some("$argon2id$admin")));
    assert!(store.find_admin_credentials("nobody@example.com").await.unwrap().is_none());
    assert!(store.find_admin(AdminId(9_999), true).await.unwrap().is_none());

    let lonely = insert_admin(&store, "Cy", "cy@example.com", &[]).await;
    assert!(store.find_admin(lonely, false).await.unwrap().unwrap().roles.is_empty());

    let mut tx = store.begin().await.unwrap();
    let same_email = tx.insert_admin(&new_admin("Other", "BEA@example.com")).await;
    assert!(matches!(same_email, Err(StoreError::Conflict(ConflictKey::Email))), "{same_email:?}");
}

#[tokio::test]
async fn the_admin_list_loads_roles_per_page_as_find_admin_does() {
    let (_db, store) = open().await;
    let names = ["Dan", "Eve", "Fay", "Gus", "Hal"];
    let mut ids = Vec::new();
    for (n, name) in names.iter().enumerate() {
        let roles: Vec<i64> = [1, 2, 3].into_iter().take(n % 4).collect();
        ids.push(insert_admin(&store, name, &format!("{}@example.com", name.to_lowercase()), &roles).await);
    }

    let (first, total) = store.list_admins(&page(1, 3)).await.unwrap();
    assert_eq!(total, 5);
    assert_eq!(first.iter().map(|admin| admin.id).collect::<Vec<_>>(), ids[..3]);
    let (second, total) = store.list_admins(&page(2, 3)).await.unwrap();
    assert_eq!((second.len(), total), (2, 5));
    for admin in first.iter().chain(&second) {
        let found = store.find_admin(admin.id, false).await.unwrap().unwrap();
        assert_eq!(admin, &found, "the list and find_admin agree, roles included");
    }
    assert_eq!(role_ids(&first[2].roles), [1, 2]);
    let (past_the_end, total) = store.list_admins(&page(9, 3)).await.unwrap();
    assert_eq!((past_the_end.len(), total), (0, 5));

    let sorted =
        AdminListQuery { sort: AdminSort { field: AdminSortField::Firstname, descending: true }, ..page(1, 10) };
    let (admins, _) = store.list_admins(&sorted).await.unwrap();
    assert_eq!(
        admins.iter().map(|admin| admin.firstname.as_str()).collect::<Vec<_>>(),
        ["Hal", "Gus", "Fay", "Eve", "Dan"]
    );

    let searched = AdminListQuery { search: Some("FA".into()), ..page(1, 10) };
    let (found, total) = store.list_admins(&searched).await.unwrap();
    assert_eq!((found.len(), total, found[0].firstname.as_str()), (1, 1, "Fay"));
    let wildcard = AdminListQuery { search: Some("%".into()), ..page(1, 10) };
    assert_eq!(store.list_admins(&wildcard).await.unwrap().1, 0, "% is searched for literally");

    let authors = AdminListQuery { conditions: vec![AdminCondition::HasRole(AdminRoleId(3))], ..page(1, 10) };
    let (found, total) = store.list_admins(&authors).await.unwrap();
    assert_eq!((total, found[0].firstname.as_str()), (1, "Gus"));
    let active = AdminListQuery {
        conditions: vec![AdminCondition::IsActive(true), AdminCondition::Blocked(false)],
        ..page(1, 10)
    };
    assert_eq!(store.list_admins(&active).await.unwrap().1, 5);
    let pending = AdminListQuery { conditions: vec![AdminCondition::IsActive(false)], ..page(1, 10) };
    assert_eq!(store.list_admins(&pending).await.unwrap().1, 0);

    let deepest = AdminListQuery { window: Window::starting_at(Window::MAX_OFFSET, 100).unwrap(), ..page(1, 10) };
    let (none, total) = store.list_admins(&deepest).await.unwrap();
    assert_eq!((none.len(), total), (0, 5), "the deepest window is an empty page, never an error");
}

#[tokio::test]
async fn admins_are_changed_soft_deleted_restored_and_purged() {
    let (_db, store) = open().await;
    let id = insert_admin(&store, "Ian", "ian@example.com", &[2]).await;
    insert_admin(&store, "Jo", "jo@example.com", &[]).await;
    let changes = AdminChanges {
        firstname: Some("Ivan".into()),
        lastname: None,
        email: Some(("IVAN@example.com".into(), "ivan@example.com".into())),
        password_hash: Some("$argon2id$changed".into()),
        is_active: Some(false),
        blocked: Some(true),
    };
    let mut tx = store.begin().await.unwrap();
    assert!(tx.update_admin(id, &changes, later(1)).await.unwrap());
    assert!(!tx.update_admin(AdminId(9_999), &changes, later(1)).await.unwrap());
    tx.commit().await.unwrap();
    let (admin, hash) = store.find_admin_credentials("ivan@example.com").await.unwrap().unwrap();
    assert_eq!((admin.firstname.as_str(), admin.lastname.as_deref()), ("Ivan", Some("Doe")), "unnamed fields stay");
    assert_eq!((admin.is_active, admin.blocked, admin.updated_at), (false, true, later(1)));
    assert_eq!(hash.as_deref(), Some("$argon2id$changed"));

    let mut tx = store.begin().await.unwrap();
    let taken =
        AdminChanges { email: Some(("jo@example.com".into(), "jo@example.com".into())), ..AdminChanges::default() };
    let conflict = tx.update_admin(id, &taken, NOW).await;
    assert!(matches!(conflict, Err(StoreError::Conflict(ConflictKey::Email))), "{conflict:?}");
    drop(tx);

    let mut tx = store.begin().await.unwrap();
    assert!(tx.set_admin_deleted(id, Some(later(2)), later(2)).await.unwrap());
    tx.commit().await.unwrap();
    assert!(store.find_admin(id, false).await.unwrap().is_none());
    assert_eq!(store.find_admin(id, true).await.unwrap().unwrap().deleted_at, Some(later(2)));
    assert!(store.find_admin_credentials("ivan@example.com").await.unwrap().is_some(), "deleted ones included");
    assert_eq!(store.list_admins(&page(1, 10)).await.unwrap().1, 1);
    let with_deleted = AdminListQuery { with_deleted: true, ..page(1, 10) };
    assert_eq!(store.list_admins(&with_deleted).await.unwrap().1, 2);

    let mut tx = store.begin().await.unwrap();
    assert!(tx.set_admin_deleted(id, None, later(3)).await.unwrap());
    assert!(!tx.set_admin_deleted(AdminId(9_999), None, later(3)).await.unwrap());
    tx.commit().await.unwrap();
    assert!(store.find_admin(id, false).await.unwrap().is_some());

    let mut tx = store.begin().await.unwrap();
    assert!(tx.purge_admin(id).await.unwrap());
    assert!(!tx.purge_admin(id).await.unwrap());
    tx.commit().await.unwrap();
    assert!(store.find_admin(id, true).await.unwrap().is_none());
}

#[tokio::test]
async fn active_super_admins_are_counted_inside_the_transaction() {
    let (_db, store) = open().await;
    let kim = insert_admin(&store, "Kim", "kim@example.com", &[1]).await;
    insert_admin(&store, "Lee", "lee@example.com", &[1, 2]).await;
    insert_admin(&store, "Max", "max@example.com", &[2]).await;
    let mut tx = store.begin().await.unwrap();
    assert_eq!(tx.count_active_super_admins_in_tx().await.unwrap(), 2);
    let blocked = AdminChanges { blocked: Some(true), ..AdminChanges::default() };
    tx.update_admin(kim, &blocked, NOW).await.unwrap();
    assert_eq!(tx.count_active_super_admins_in_tx().await.unwrap(), 1, "sees its own writes");
    tx.set_admin_roles(kim, &[AdminRoleId(2)]).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(role_ids(&store.find_admin(kim, false).await.unwrap().unwrap().roles), [2]);
}

#[tokio::test]
async fn admin_roles_are_listed_with_counts_created_granted_and_deleted() {
    let (_db, store) = open().await;
    insert_admin(&store, "Ned", "ned@example.com", &[2]).await;
    let gone = insert_admin(&store, "Olga", "olga@example.com", &[2]).await;
    let mut tx = store.begin().await.unwrap();
    tx.set_admin_deleted(gone, Some(NOW), NOW).await.unwrap();
    tx.commit().await.unwrap();
    let roles = store.list_admin_roles().await.unwrap();
    let counts: Vec<_> = roles.iter().map(|(role, count)| (role.code.as_str(), *count)).collect();
    assert_eq!(
        counts,
        [("strapi-super-admin", 0), ("strapi-editor", 1), ("strapi-author", 0)],
        "deleted admins do not count"
    );
    assert!(store.list_admin_role_actions(AdminRoleId(2)).await.unwrap().contains(&"admin::users.read".to_owned()));

    let mut tx = store.begin().await.unwrap();
    let id = tx.insert_admin_role("Reviewer", "reviewer", "reviews", later(1)).await.unwrap();
    tx.set_admin_role_actions(id, &["z.read".into(), "a.read".into()]).await.unwrap();
    tx.commit().await.unwrap();
    let role = store.find_admin_role(id).await.unwrap().unwrap();
    assert_eq!(
        (role.name.as_str(), role.code.as_str(), role.description.as_str()),
        ("Reviewer", "reviewer", "reviews")
    );
    assert_eq!((role.created_at, role.updated_at), (later(1), later(1)));
    assert_eq!(store.list_admin_role_actions(id).await.unwrap(), ["a.read", "z.read"]);
    assert!(store.find_admin_role(AdminRoleId(9_999)).await.unwrap().is_none());

    let mut tx = store.begin().await.unwrap();
    let same_code = tx.insert_admin_role("Other", "reviewer", "", NOW).await;
    assert!(matches!(same_code, Err(StoreError::Conflict(ConflictKey::RoleType))), "{same_code:?}");
    drop(tx);

    let mut tx = store.begin().await.unwrap();
    assert!(tx.delete_admin_role(id).await.unwrap());
    assert!(!tx.delete_admin_role(id).await.unwrap());
    tx.commit().await.unwrap();
    assert!(store.find_admin_role(id).await.unwrap().is_none());
    assert!(store.list_admin_role_actions(id).await.unwrap().is_empty());
}

#[tokio::test]
async fn admin_sessions_join_their_admin_with_roles_and_are_revoked() {
    let (_db, store) = open().await;
    let pia = insert_admin(&store, "Pia", "pia@example.com", &[1, 3]).await;
    let (one, two) = (SessionId("1".repeat(32)), SessionId("2".repeat(32)));
    let mut tx = store.begin().await.unwrap();
    tx.insert_admin_session(&one, pia, "refresh-1", NOW, later(60)).await.unwrap();
    tx.insert_admin_session(&two, pia, "refresh-2", NOW, later(60)).await.unwrap();
    tx.commit().await.unwrap();

    let (session, admin) = store.find_admin_session(&one).await.unwrap().unwrap();
    assert_eq!((session.admin_id, session.expires_at, session.revoked_at), (pia, later(60), None));
    assert_eq!(admin, store.find_admin(pia, false).await.unwrap().unwrap());
    assert_eq!(role_ids(&admin.roles), [1, 3]);
    assert_eq!(store.find_admin_session_by_refresh("refresh-2").await.unwrap().unwrap().id, two);
    assert!(store.find_admin_session(&SessionId("missing".into())).await.unwrap().is_none());
    assert!(store.find_admin_session_by_refresh("missing").await.unwrap().is_none());

    let mut tx = store.begin().await.unwrap();
    assert!(tx.revoke_admin_session(&one, later(1), "logout").await.unwrap());
    assert!(!tx.revoke_admin_session(&one, later(1), "logout").await.unwrap());
    assert_eq!(tx.revoke_admin_sessions(pia, later(2), "blocked").await.unwrap(), std::slice::from_ref(&two));
    tx.commit().await.unwrap();
    assert_eq!(store.find_admin_session(&one).await.unwrap().unwrap().0.revoked_at, Some(later(1)));
    assert_eq!(store.find_admin_session_by_refresh("refresh-2").await.unwrap().unwrap().revoked_at, Some(later(2)));
}

#[tokio::test]
async fn an_admin_keeps_what_a_provider_gave_until_it_is_cleared_or_soft_deleted() {
    let (_db, store) = open().await;
    let ada = insert_admin(&store, "Ada", "ada@example.com", &[1]).await;
    let bea = insert_admin(&store, "Bea", "bea@example.com", &[2]).await;
    assert!(store.admin_provisioning().await.unwrap().is_empty(), "none by default");
    assert_eq!(store.find_admin_provisioning(ada).await.unwrap(), Some(AdminProvisioning::default()));
    let bea_kept = AdminProvisioning {
        external_id: Some("okta-1".into()),
        profile: Some(serde_json::json!({"title": "CTO", "emails": [{"value": "bea@example.com", "type": "work"}]})),
    };
    let ada_kept = AdminProvisioning { external_id: Some("okta-0".into()), profile: None };
    let mut tx = store.begin().await.unwrap();
    assert!(tx.set_admin_provisioning(bea, Some(("Bea.J", "bea.j")), &bea_kept, later(1)).await.unwrap());
    assert!(tx.set_admin_provisioning(ada, None, &ada_kept, later(1)).await.unwrap());
    let nobody = tx.set_admin_provisioning(AdminId(999), None, &ada_kept, later(1)).await.unwrap();
    assert!(!nobody, "no such admin");
    tx.commit().await.unwrap();
    assert_eq!(store.admin_provisioning().await.unwrap(), [(ada, ada_kept), (bea, bea_kept.clone())]);
    assert_eq!(store.find_admin_provisioning(bea).await.unwrap(), Some(bea_kept.clone()));
    let found = store.find_admin(bea, false).await.unwrap().unwrap();
    assert_eq!((found.username.as_deref(), found.updated_at), (Some("Bea.J"), later(1)));

    // The user name is unique among admins, case-insensitively (by its folded copy).
    let mut tx = store.begin().await.unwrap();
    let taken = tx.set_admin_provisioning(ada, Some(("BEA.J", "bea.j")), &AdminProvisioning::default(), later(2)).await;
    assert!(matches!(taken, Err(StoreError::Conflict(ConflictKey::Username))), "{taken:?}");
    drop(tx);

    let mut tx = store.begin().await.unwrap();
    tx.set_admin_provisioning(ada, None, &AdminProvisioning::default(), later(2)).await.unwrap();
    tx.set_admin_deleted(bea, Some(later(2)), later(2)).await.unwrap();
    tx.commit().await.unwrap();
    assert!(store.admin_provisioning().await.unwrap().is_empty());
    assert_eq!(store.find_admin_provisioning(bea).await.unwrap(), None, "soft-deleted");
}
