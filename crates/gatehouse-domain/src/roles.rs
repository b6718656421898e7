//! End-user roles and their per-action grants. Changes take effect on the next request (the
//! grant cache of this node is dropped at once; other nodes within the cache TTL).

use crate::action::{Action, ActionRealm};
use crate::audit::{emit, emit_provisioning};
use crate::caller::Caller;
use crate::crypto::token::new_document_id;
use crate::error::{DomainError, FieldError, FieldErrors};
use crate::events::EventType;
use crate::ids::RoleId;
use crate::model::{NewRole, Role, RoleWithCount};
use crate::payloads;
use crate::service::Domain;
use crate::values::fold;
use serde_json::json;

const NOT_FOUND: &str = "Role not found";

/// A role as created or changed: `None` fields are left alone on update.
#[derive(Clone, Debug, Default)]
pub struct RoleInput {
    /// Display name (required on create).
    pub name: Option<String>,
    /// Free text.
    pub description: Option<String>,
    /// The complete set of granted action names, when given; each must be a grantable
    /// end-user action.
    pub actions: Option<Vec<String>>,
    /// The id an identity provider gives the role (`Some(None)` clears it).
    pub external_id: Option<Option<String>>,
}

/// The machine name derived from a display name: folded, with runs of anything but letters
/// and digits turned into one `_` ("Content Editors" → `content_editors`).
pub fn role_type_for(name: &str) -> String {
    let mut out = String::new();
    for character in fold(name).chars() {
        if character.is_alphanumeric() {
            out.push(character);
        } else if !out.ends_with('_') && !out.is_empty() {
            out.push('_');
        }
    }
    out.trim_end_matches('_').to_owned()
}

impl Domain {
    /// Every role with its number of users.
    pub async fn list_roles(&self, caller: &Caller) -> Result<Vec<RoleWithCount>, DomainError> {
        caller.authorize_in_realm(Action::ROLE_FIND)?;
        Ok(self.store.list_roles().await?)
    }

    /// One role and the actions it holds.
    pub async fn find_role_with_actions(
        &self,
        caller: &Caller,
        id: RoleId,
    ) -> Result<(Role, Vec<Action>), DomainError> {
        caller.authorize_in_realm(Action::ROLE_FIND_ONE)?;
        let role = self.store.find_role(id).await?.ok_or(DomainError::NotFound(NOT_FOUND))?;
        let actions = self.actions.known(self.store.list_role_actions(id).await?).collect();
        Ok((role, actions))
    }

    fn checked_actions(&self, actions: &[String]) -> Result<Vec<String>, DomainError> {
        self.actions
            .grantable_names(actions, ActionRealm::Content)
            .map_err(|error| DomainError::Validation(FieldErrors(vec![error])))
    }

    /// Creates a role. Events: `role.created`.
    pub async fn create_role(&self, caller: &Caller, input: RoleInput) -> Result<Role, DomainError> {
        caller.authorize_in_realm(Action::ROLE_CREATE)?;
        let name = input.name.as_deref().map(str::trim).unwrap_or_default().to_owned();
        let role_type = role_type_for(&name);
        if name.is_empty() || role_type.is_empty() {
            return Err(DomainError::Validation(FieldErrors(vec![FieldError::new(
                "name",
                "name is a required field",
            )])));
        }
        let actions = self.checked_actions(input.actions.as_deref().unwrap_or_default())?;
        let now = self.clock.now();
        let new_role = NewRole {
            document_id: new_document_id(),
            name,
            description: input.description.unwrap_or_default(),
            role_type,
            external_id: input.external_id.clone().flatten(),
            now,
        };
        let mut tx = self.store.begin().await?;
        let role = tx.insert_role(&new_role).await?;
        tx.set_role_actions(role.id, &actions).await?;
        let data = json!({"role": payloads::role(&role), "permissions": actions});
        let origin = caller.origin();
        emit(tx.as_mut(), &origin, EventType::RoleCreated, now, data).await?;
        let group = payloads::role_group("api", role.id.0, &role.name, role.external_id.as_deref());
        emit_provisioning(tx.as_mut(), &origin, EventType::GroupCreated, now, group).await?;
        tx.commit().await?;
        Ok(role)
    }

    /// Renames a role or replaces its grants. Events: `role.updated` (with `changes`).
    pub async fn update_role(&self, caller: &Caller, id: RoleId, input: RoleInput) -> Result<Role, DomainError> {
        caller.authorize_in_realm(Action::ROLE_UPDATE)?;
        let actions = match &input.actions {
            Some(actions) => Some(self.checked_actions(actions)?),
            None => None,
        };
        let name = input.name.as_deref().map(str::trim);
        if name == Some("") {
            return Err(DomainError::Validation(FieldErrors(vec![FieldError::new("name", "name cannot be empty")])));
        }
        let before = self.store.find_role(id).await?.ok_or(DomainError::NotFound(NOT_FOUND))?;
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        if let Some(external_id) = &input.external_id {
            tx.set_role_external_id(id, external_id.as_deref()).await?;
        }
        let role = tx
            .update_role(id, name, input.description.as_deref(), now)
            .await?
            .ok_or(DomainError::NotFound(NOT_FOUND))?;
        if let Some(actions) = &actions {
            tx.set_role_actions(id, actions).await?;
        }
        let mut changes: Vec<&str> = Vec::new();
        if role.name != before.name {
            changes.push("name");
        }
        if role.description != before.description {
            changes.push("description");
        }
        if role.external_id != before.external_id {
            changes.push("external_id");
        }
        if actions.is_some() {
            changes.push("permissions");
        }
        let data = json!({"role": payloads::role(&role), "permissions": actions, "changes": changes});
        let origin = caller.origin();
        emit(tx.as_mut(), &origin, EventType::RoleUpdated, now, data).await?;
        let mut group = payloads::role_group("api", role.id.0, &role.name, role.external_id.as_deref());
        group["changes"] = json!(changes);
        emit_provisioning(tx.as_mut(), &origin, EventType::GroupUpdated, now, group).await?;
        tx.commit().await?;
        self.permissions.invalidate(id);
        Ok(role)
    }

    /// Deletes a custom role; its users move to `authenticated`. The built-in `public` and
    /// `authenticated` roles cannot be deleted. Events: for each moved user `user.updated`
    /// (changes `role`) and `user.role_changed`, then `role.deleted`.
    pub async fn delete_role(&self, caller: &Caller, id: RoleId) -> Result<Role, DomainError> {
        caller.authorize_in_realm(Action::ROLE_DELETE)?;
        let role = self.store.find_role(id).await?.ok_or(DomainError::NotFound(NOT_FOUND))?;
        if role.role_type == Role::PUBLIC || role.role_type == Role::AUTHENTICATED {
            return Err(DomainError::Rule(crate::error::Rule::BuiltInRole));
        }
        let fallback = self.authenticated_role().await?;
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let moved = tx.reassign_role_users(id, fallback.id, now).await?;
        if !tx.delete_role(id).await? {
            return Err(DomainError::NotFound(NOT_FOUND));
        }
        // Each moved user changed role: an update like any other, before the role goes.
        let origin = caller.origin();
        for user in &moved {
            let mut data = payloads::user(user);
            data["changes"] = json!(["role"]);
            emit(tx.as_mut(), &origin, EventType::UserUpdated, now, data).await?;
            let data = json!({"user": payloads::user(user), "previousRole": id.0, "role": fallback.id.0});
            emit(tx.as_mut(), &origin, EventType::UserRoleChanged, now, data).await?;
        }
        let data = json!({"role": payloads::role(&role), "usersMovedTo": fallback.id.0, "usersMoved": moved.len()});
        emit(tx.as_mut(), &origin, EventType::RoleDeleted, now, data).await?;
        let group = payloads::role_group("api", role.id.0, &role.name, role.external_id.as_deref());
        emit_provisioning(tx.as_mut(), &origin, EventType::GroupDeleted, now, group).await?;
        tx.commit().await?;
        self.permissions.invalidate(id);
        if !moved.is_empty() {
            // Cached sessions still carry the old role id.
            self.sessions.forget_everyone();
        }
        Ok(role)
    }
}

#[cfg(test)]
mod tests {
    use super::role_type_for;

    #[test]
    fn role_types_are_folded_snake_case() {
        assert_eq!(role_type_for("Editors"), "editors");
        assert_eq!(role_type_for("  Content   Editors! "), "content_editors");
        assert_eq!(role_type_for("Élèves"), "élèves");
        assert_eq!(role_type_for("!!!"), "");
    }
}
