//! Provisioning the admin realm: what an identity provider does to admins when the SCIM
//! surface serves the admin realm (`scim.realm = "admins"`, [`DomainSettings::scim_admins`]).
//!
//! The caller is not an admin session but a provisioning credential (a `scim` API token) that
//! holds the admin actions ([`crate::api_tokens::SCIM_ADMIN_ACTIONS`]) only in that setting.
//! Every rule is the admin realm's own: the email check and its uniqueness, the required first
//! name, the last active super admin that can be neither deactivated, removed nor demoted;
//! the provider's `externalId`, its `userName` (unique among admins, under an end user's
//! username rules) and the attributes the realm has no column for are kept beside the admin
//! (migrations 0013 and 0015);
//! the events are those of the admin surface (`admin.created`, `admin.updated`,
//! `admin.deleted`, `session.revoked`), in the same transaction as the change.
//!
//! A provisioned admin has no password, so it cannot log in until it is given one: by the
//! command line (`gatehouse admin reset-password`) or by an admin allowed to update admins
//! (the admin surface's update with a new password).
//! Listing, reading and removing (the soft delete that ends every session) are the admin
//! realm's [`Domain::list_admins`], [`Domain::find_admin`] and [`Domain::soft_delete_admin`].
//!
//! [`DomainSettings::scim_admins`]: crate::settings::DomainSettings::scim_admins

use crate::action::Action;
use crate::admins::{admin_password, email_of, not_found, required_firstname, AdminProfile};
use crate::audit::{emit, emit_provisioning};
use crate::caller::Caller;
use crate::crypto::token::new_document_id;
use crate::error::{DomainError, FieldError, FieldErrors, Rule};
use crate::events::EventType;
use crate::ids::{AdminId, AdminRoleId};
use crate::model::{Admin, AdminChanges, AdminProvisioning, AdminRole, NewAdmin};
use crate::payloads;
use crate::ports::ConflictKey;
use crate::roles::role_type_for;
use crate::secret::Secret;
use crate::service::Domain;
use crate::users::username_message;
use crate::values::{fold, Username};
use serde_json::{json, Value};
use std::collections::HashMap;

/// An admin to provision.
#[derive(Clone, Debug, Default)]
pub struct ProvisionedAdmin {
    /// Its email (validated, unique among admins).
    pub email: String,
    /// First name (required).
    pub firstname: String,
    /// Last name.
    pub lastname: Option<String>,
    /// Active (it may log in once it has a password) or deactivated.
    pub active: bool,
    /// The provider's id for it, kept as given.
    pub external_id: Option<String>,
    /// The provider's user name for it (unique among admins, case-insensitively; the rules of
    /// an end user's username). One that is the admin's email is not kept apart from it.
    pub username: Option<String>,
    /// The attributes the admin realm has no column for (a JSON object), kept as given.
    pub profile: Option<Value>,
    /// A password (the admin password rules), when the provider sets one; else the admin has
    /// none and cannot log in until it is given one.
    pub password: Option<Secret>,
}

/// A change to a provisioned admin; `None` keeps the current value.
#[derive(Clone, Debug, Default)]
pub struct ProvisionedAdminPatch {
    /// New email.
    pub email: Option<String>,
    /// New first name.
    pub firstname: Option<String>,
    /// New last name (`Some(None)` clears it).
    pub lastname: Option<Option<String>>,
    /// `false` deactivates it and ends its sessions at once; `true` activates and unblocks it.
    pub active: Option<bool>,
    /// New provisioning id (`Some(None)` clears it).
    pub external_id: Option<Option<String>>,
    /// New user name (`Some(None)` clears it).
    pub username: Option<Option<String>>,
    /// New kept attributes (`Some(None)` clears them).
    pub profile: Option<Option<Value>>,
    /// A new password: it ends every session of the admin at once.
    pub password: Option<Secret>,
}

/// The description of an admin role made for a pushed Group.
const PROVISIONED_ROLE_DESCRIPTION: &str = "A group of the identity provider; grants nothing until given permissions";

fn role_name_error(message: &str) -> DomainError {
    DomainError::Validation(FieldErrors(vec![FieldError::new("name", message)]))
}

fn checked_firstname(firstname: &str) -> Result<String, DomainError> {
    let profile = AdminProfile { firstname: firstname.to_owned(), lastname: None, password: Secret::new("") };
    required_firstname(&profile)?;
    Ok(firstname.trim().to_owned())
}

/// An admin's user name under an end user's username rules (it may be the admin's own email).
fn checked_username(raw: &str, email: &str) -> Result<Username, DomainError> {
    Username::parse_for(raw, email).map_err(|problem| {
        let mut errors = FieldErrors::default();
        errors.push(FieldError::new("username", username_message(problem)).with_value(json!(raw)));
        DomainError::Validation(errors)
    })
}

/// The user name to keep: none when it is the admin's email itself, so that the two stay one
/// value (an admin without a user name of its own is known by its email).
fn own_username<'a>(raw: Option<&'a str>, email: &str) -> Option<&'a str> {
    raw.filter(|raw| fold(raw.trim()) != fold(email.trim()))
}

/// The stored pair of a checked user name.
fn username_pair(username: Option<&Username>) -> Option<(&str, String)> {
    username.map(|name| (name.as_str(), name.folded()))
}

impl Domain {
    /// Creates an admin without a password and without roles, active unless asked otherwise.
    /// Events: `admin.created`.
    pub async fn provision_admin(&self, caller: &Caller, input: ProvisionedAdmin) -> Result<Admin, DomainError> {
        caller.authorize(Action::ADMIN_USERS_CREATE)?;
        let email = email_of(&input.email)?;
        let firstname = checked_firstname(&input.firstname)?;
        let username =
            own_username(input.username.as_deref(), email.as_str()).map(|raw| checked_username(raw, email.as_str()));
        let username = username.transpose()?;
        let password_hash = match &input.password {
            Some(raw) => Some(self.hasher.hash(&admin_password(raw.expose(), "password")?).await?),
            None => None,
        };
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let id = tx
            .insert_admin(&NewAdmin {
                document_id: new_document_id(),
                firstname,
                lastname: input.lastname.clone(),
                email: email.as_str().to_owned(),
                email_folded: email.folded(),
                password_hash,
                is_active: input.active,
                now,
            })
            .await?;
        let kept = AdminProvisioning { external_id: input.external_id.clone(), profile: input.profile.clone() };
        if username.is_some() || kept != AdminProvisioning::default() {
            let username = username_pair(username.as_ref());
            let username = username.as_ref().map(|(name, folded)| (*name, folded.as_str()));
            tx.set_admin_provisioning(id, username, &kept, now).await?;
        }
        let data = json!({"id": id.0, "email": email.as_str(), "roles": Vec::<i64>::new()});
        let origin = caller.origin();
        emit(tx.as_mut(), &origin, EventType::AdminCreated, now, data).await?;
        let data = payloads::provisioned("admin", id.0, kept.external_id.as_deref(), None);
        emit_provisioning(tx.as_mut(), &origin, EventType::ScimUserProvisioned, now, data).await?;
        tx.commit().await?;
        self.load_admin(id).await
    }

    /// Changes a provisioned admin. Deactivating it ends its sessions at once (as a block from
    /// the admin surface); the last active super admin cannot be deactivated.
    /// Events: `admin.updated` (then `session.revoked`).
    pub async fn update_provisioned_admin(
        &self,
        caller: &Caller,
        id: AdminId,
        patch: ProvisionedAdminPatch,
    ) -> Result<Admin, DomainError> {
        caller.authorize(Action::ADMIN_USERS_UPDATE)?;
        let current = self.store.find_admin(id, false).await?.ok_or_else(not_found)?;
        let mut changes = AdminChanges::default();
        if let Some(raw) = &patch.email {
            let email = email_of(raw)?;
            if email.as_str() != current.email {
                changes.email = Some((email.as_str().to_owned(), email.folded()));
            }
        }
        if let Some(firstname) = &patch.firstname {
            let firstname = checked_firstname(firstname)?;
            if firstname != current.firstname {
                changes.firstname = Some(firstname);
            }
        }
        if let Some(lastname) = &patch.lastname {
            if *lastname != current.lastname {
                // A cleared last name is written empty.
                changes.lastname = Some(lastname.clone().unwrap_or_default());
            }
        }
        let mut deactivates = false;
        match patch.active {
            Some(false) if current.is_active => {
                changes.is_active = Some(false);
                deactivates = true;
            }
            Some(true) => {
                if !current.is_active {
                    changes.is_active = Some(true);
                }
                if current.blocked {
                    changes.blocked = Some(false);
                }
            }
            _ => {}
        }
        if let Some(raw) = &patch.password {
            changes.password_hash = Some(self.hasher.hash(&admin_password(raw.expose(), "password")?).await?);
        }
        let email_after = changes.email.as_ref().map_or(current.email.as_str(), |(email, _)| email.as_str());
        let username = match patch.username.as_ref().map(|raw| own_username(raw.as_deref(), email_after)) {
            Some(Some(raw)) => {
                let name = checked_username(raw, email_after)?;
                (current.username.as_deref() != Some(name.as_str())).then_some(Some(name))
            }
            Some(None) if current.username.is_some() => Some(None),
            _ => None,
        };
        let kept_before = self.store.find_admin_provisioning(id).await?.unwrap_or_default();
        let mut kept = kept_before.clone();
        if let Some(external_id) = &patch.external_id {
            kept.external_id = external_id.clone();
        }
        if let Some(profile) = &patch.profile {
            kept.profile = profile.clone();
        }
        let mut changed: Vec<&str> = Vec::new();
        for (name, present) in [
            ("firstname", changes.firstname.is_some()),
            ("lastname", changes.lastname.is_some()),
            ("email", changes.email.is_some()),
            ("isActive", changes.is_active.is_some()),
            ("blocked", changes.blocked.is_some()),
            ("password", changes.password_hash.is_some()),
            ("username", username.is_some()),
            ("externalId", kept.external_id != kept_before.external_id),
            ("profile", kept.profile != kept_before.profile),
        ] {
            if present {
                changed.push(name);
            }
        }
        if changed.is_empty() {
            return Ok(current);
        }
        let now = self.clock.now();
        let origin = caller.origin();
        let mut tx = self.store.begin().await?;
        if !tx.update_admin(id, &changes, now).await? {
            return Err(not_found());
        }
        if username.is_some() || kept != kept_before {
            let username = match &username {
                Some(new) => username_pair(new.as_ref()),
                None => current.username.as_deref().map(|name| (name, fold(name))),
            };
            let username = username.as_ref().map(|(name, folded)| (*name, folded.as_str()));
            tx.set_admin_provisioning(id, username, &kept, now).await?;
        }
        // Only a super admin's change can leave none (an installation provisioned over SCIM
        // may have none yet).
        if current.is_super_admin() {
            self.keep_a_super_admin(tx.as_mut()).await?;
        }
        emit(tx.as_mut(), &origin, EventType::AdminUpdated, now, json!({"id": id.0, "changes": changed})).await?;
        if deactivates || changes.password_hash.is_some() {
            self.end_admin_sessions(tx.as_mut(), id, "admin_updated", &origin).await?;
        }
        if deactivates {
            let data = payloads::provisioned("admin", id.0, kept.external_id.as_deref(), Some("deactivated"));
            emit_provisioning(tx.as_mut(), &origin, EventType::ScimUserDeprovisioned, now, data).await?;
        }
        tx.commit().await?;
        self.load_admin(id).await
    }

    /// What identity providers keep about the admins that have any of it, by id (admins made
    /// any other way have none).
    pub async fn admin_provisioning(
        &self,
        caller: &Caller,
    ) -> Result<HashMap<AdminId, AdminProvisioning>, DomainError> {
        caller.authorize(Action::ADMIN_USERS_READ)?;
        Ok(self.store.admin_provisioning().await?.into_iter().collect())
    }

    /// What an identity provider keeps about one admin (empty for one made any other way).
    pub async fn find_admin_provisioning(
        &self,
        caller: &Caller,
        id: AdminId,
    ) -> Result<AdminProvisioning, DomainError> {
        caller.authorize(Action::ADMIN_USERS_READ)?;
        self.store.find_admin_provisioning(id).await?.ok_or_else(not_found)
    }

    /// Gives a provisioned admin one more admin role, or takes one away, keeping its others
    /// (an admin may hold several roles). Taking the Super Admin role from the last active
    /// super admin is refused. Events: `admin.updated` (nothing when nothing changes).
    pub async fn set_provisioned_admin_role(
        &self,
        caller: &Caller,
        id: AdminId,
        role: AdminRoleId,
        held: bool,
    ) -> Result<Admin, DomainError> {
        caller.authorize(Action::ADMIN_USERS_UPDATE)?;
        let current = self.store.find_admin(id, false).await?.ok_or_else(not_found)?;
        self.store.find_admin_role(role).await?.ok_or(DomainError::NotFound("Role not found"))?;
        let mut roles: Vec<AdminRoleId> = current.roles.iter().map(|role| role.id).collect();
        let holds = roles.contains(&role);
        if holds == held {
            return Ok(current);
        }
        if held {
            roles.push(role);
        } else {
            roles.retain(|other| *other != role);
        }
        roles.sort();
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        tx.set_admin_roles(id, &roles).await?;
        tx.update_admin(id, &AdminChanges::default(), now).await?;
        if current.is_super_admin() {
            self.keep_a_super_admin(tx.as_mut()).await?;
        }
        emit(tx.as_mut(), &caller.origin(), EventType::AdminUpdated, now, json!({"id": id.0, "changes": ["roles"]}))
            .await?;
        tx.commit().await?;
        self.load_admin(id).await
    }
    /// Creates the admin role of a Group an identity provider pushes. It grants nothing until
    /// an admin gives it permissions in the admin panel. A name another admin role has
    /// (case-insensitively) is a conflict. Events: `role.created`.
    pub async fn provision_admin_role(
        &self,
        caller: &Caller,
        name: &str,
        external_id: Option<&str>,
    ) -> Result<AdminRole, DomainError> {
        caller.authorize(Action::ADMIN_ROLES_CREATE)?;
        let name = self.free_admin_role_name(name, None).await?;
        let code = role_type_for(&name).replace('_', "-");
        if code.is_empty() {
            return Err(role_name_error("name must hold a letter or a digit"));
        }
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let id = tx.insert_admin_role(&name, &code, PROVISIONED_ROLE_DESCRIPTION, now).await?;
        if external_id.is_some() {
            tx.rename_admin_role(id, &name, external_id, now).await?;
        }
        let origin = caller.origin();
        emit(tx.as_mut(), &origin, EventType::RoleCreated, now, json!({"realm": "admin", "role": code})).await?;
        let group = payloads::role_group("admin", id.0, &name, external_id);
        emit_provisioning(tx.as_mut(), &origin, EventType::GroupCreated, now, group).await?;
        tx.commit().await?;
        self.store.find_admin_role(id).await?.ok_or(DomainError::NotFound("Role not found"))
    }

    /// Renames the admin role of a pushed Group and sets its provisioning id. The built-in
    /// roles keep their names; the code (which permissions and route policies name) never
    /// changes. Events: `role.updated` (nothing when nothing changes).
    pub async fn update_provisioned_admin_role(
        &self,
        caller: &Caller,
        id: AdminRoleId,
        name: &str,
        external_id: Option<&str>,
    ) -> Result<AdminRole, DomainError> {
        caller.authorize(Action::ADMIN_ROLES_UPDATE)?;
        let role = self.store.find_admin_role(id).await?.ok_or(DomainError::NotFound("Role not found"))?;
        let renamed = name.trim() != role.name;
        if renamed && role.code.starts_with("strapi-") {
            return Err(DomainError::Rule(Rule::BuiltInAdminRole));
        }
        let name = if renamed { self.free_admin_role_name(name, Some(id)).await? } else { role.name.clone() };
        let mut changes = Vec::new();
        if renamed {
            changes.push("name");
        }
        if external_id != role.external_id.as_deref() {
            changes.push("externalId");
        }
        if changes.is_empty() {
            return Ok(role);
        }
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        tx.rename_admin_role(id, &name, external_id, now).await?;
        let data = json!({"realm": "admin", "role": role.code, "changes": changes});
        let origin = caller.origin();
        emit(tx.as_mut(), &origin, EventType::RoleUpdated, now, data).await?;
        let mut group = payloads::role_group("admin", id.0, &name, external_id);
        group["changes"] = json!(changes);
        emit_provisioning(tx.as_mut(), &origin, EventType::GroupUpdated, now, group).await?;
        tx.commit().await?;
        self.store.find_admin_role(id).await?.ok_or(DomainError::NotFound("Role not found"))
    }

    /// Deletes the admin role of a pushed Group; its holders keep their other roles. The
    /// built-in roles stay. Events: `role.deleted`.
    pub async fn delete_provisioned_admin_role(
        &self,
        caller: &Caller,
        id: AdminRoleId,
    ) -> Result<AdminRole, DomainError> {
        caller.authorize(Action::ADMIN_ROLES_DELETE)?;
        self.delete_admin_role(caller, id).await
    }

    /// `name` trimmed, when no other admin role has it (case-insensitively) or its code.
    async fn free_admin_role_name(&self, name: &str, other_than: Option<AdminRoleId>) -> Result<String, DomainError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(role_name_error("name is a required field"));
        }
        let code = role_type_for(name).replace('_', "-");
        let taken = self
            .store
            .list_admin_roles()
            .await?
            .into_iter()
            .any(|(role, _)| Some(role.id) != other_than && (fold(&role.name) == fold(name) || role.code == code));
        if taken {
            return Err(DomainError::Conflict(ConflictKey::RoleType));
        }
        Ok(name.to_owned())
    }
}
