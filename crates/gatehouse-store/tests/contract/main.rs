//! The store contract: the same tests on whichever backend `GATEHOUSE_TEST_DATABASE_URL`
//! selects (SQLite by default), so both implementations behave alike. Every method of `Store`
//! and `StoreTx` is exercised by one of the modules below, one per aggregate; `backend` holds
//! what is about the database itself (transactions, errors, connecting).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod access_requests;
mod admins;
mod api_tokens;
mod audit;
mod backend;
mod events;
mod groups;
mod invites;
mod mail;
mod roles;
mod sessions;
mod users;
mod webhooks;

use gatehouse_domain::ids::{AdminId, RoleId};
use gatehouse_domain::model::{NewAdmin, NewUser, User};
use gatehouse_domain::ports::Store;
use gatehouse_domain::time::Timestamp;
use gatehouse_domain::values::fold;
use gatehouse_store::StoreOptions;
use gatehouse_testkit::TestDb;
use std::sync::Arc;
use std::time::Duration;

/// The fixed "now" of every test.
const NOW: Timestamp = Timestamp::from_millis(1_800_000_000_000);

/// `NOW` plus `seconds`.
fn later(seconds: u64) -> Timestamp {
    NOW.plus(Duration::from_secs(seconds))
}

/// A fresh, migrated store on the backend the environment selects.
async fn open() -> (TestDb, Arc<dyn Store>) {
    let db = TestDb::new().await;
    let store = gatehouse_store::connect(&StoreOptions::new(db.url())).await.unwrap();
    (db, store)
}

/// A confirmed local user of the Authenticated role.
fn new_user(username: &str, email: &str) -> NewUser {
    NewUser {
        document_id: format!("{:0<24}", username).chars().take(24).collect(),
        username: username.to_owned(),
        username_folded: fold(username),
        email: email.to_lowercase(),
        email_folded: fold(email),
        provider: "local".to_owned(),
        password_hash: Some("$argon2id$v=19$m=64,t=1,p=1$c2FsdA$aGFzaA".into()),
        confirmed: true,
        blocked: false,
        role_id: RoleId(1),
        name: None,
        settings: None,
        external_id: None,
        profile: None,
        now: NOW,
    }
}

/// Inserts and commits one user.
async fn insert_user(store: &Arc<dyn Store>, username: &str, email: &str) -> User {
    let mut tx = store.begin().await.unwrap();
    let user = tx.insert_user(&new_user(username, email)).await.unwrap();
    tx.commit().await.unwrap();
    user
}

/// An active admin with a password.
fn new_admin(firstname: &str, email: &str) -> NewAdmin {
    NewAdmin {
        document_id: format!("{:0<24}", firstname.to_lowercase()).chars().take(24).collect(),
        firstname: firstname.to_owned(),
        lastname: Some("Doe".to_owned()),
        email: email.to_lowercase(),
        email_folded: fold(email),
        password_hash: Some("$argon2id$admin".into()),
        is_active: true,
        now: NOW,
    }
}

/// Inserts and commits one admin holding `roles` (admin role ids; 1 is Super Admin, 2 Editor,
/// 3 Author).
async fn insert_admin(store: &Arc<dyn Store>, firstname: &str, email: &str, roles: &[i64]) -> AdminId {
    let mut tx = store.begin().await.unwrap();
    let id = tx.insert_admin(&new_admin(firstname, email)).await.unwrap();
    let roles: Vec<_> = roles.iter().map(|role| gatehouse_domain::ids::AdminRoleId(*role)).collect();
    tx.set_admin_roles(id, &roles).await.unwrap();
    tx.commit().await.unwrap();
    id
}
