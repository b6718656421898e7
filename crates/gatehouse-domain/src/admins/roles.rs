//! Admin roles: listed with their admin counts, created, deleted, and their actions set.

use super::*;

impl Domain {
    /// Every admin role with its number of admins.
    pub async fn list_admin_roles(&self, caller: &Caller) -> Result<Vec<(AdminRole, u64)>, DomainError> {
        caller.authorize(Action::ADMIN_ROLES_READ)?;
        Ok(self.store.list_admin_roles().await?)
    }

    /// One admin role and its actions (a Super Admin holds them all).
    pub async fn admin_role_with_actions(
        &self,
        caller: &Caller,
        id: AdminRoleId,
    ) -> Result<(AdminRole, Vec<Action>), DomainError> {
        caller.authorize(Action::ADMIN_ROLES_READ)?;
        let role = self.store.find_admin_role(id).await?.ok_or(DomainError::NotFound("Role not found"))?;
        let actions = if role.code == AdminRole::SUPER_ADMIN {
            self.actions.admin_grantable().collect()
        } else {
            self.actions.known(self.store.list_admin_role_actions(id).await?).collect()
        };
        Ok((role, actions))
    }

    /// Replaces an admin role's actions (not the Super Admin's). Events: `role.updated`.
    pub async fn set_admin_role_actions(
        &self,
        caller: &Caller,
        id: AdminRoleId,
        actions: &[String],
    ) -> Result<(), DomainError> {
        let role = self.store.find_admin_role(id).await?.ok_or(DomainError::NotFound("Role not found"))?;
        if role.code == AdminRole::SUPER_ADMIN {
            return Err(DomainError::Rule(Rule::BuiltInAdminRole));
        }
        let names = self
            .actions
            .grantable_names(actions, ActionRealm::Admin)
            .map_err(|error| DomainError::Validation(FieldErrors(vec![error])))?;
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        tx.set_admin_role_actions(id, &names).await?;
        emit(
            tx.as_mut(),
            &caller.origin(),
            EventType::RoleUpdated,
            now,
            json!({"realm": "admin", "role": role.code, "permissions": names, "changes": ["permissions"]}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Creates an admin role. Events: `role.created`.
    pub async fn create_admin_role(
        &self,
        caller: &Caller,
        name: &str,
        description: &str,
    ) -> Result<AdminRole, DomainError> {
        caller.authorize(Action::ADMIN_ROLES_CREATE)?;
        let name = name.trim();
        let code = crate::roles::role_type_for(name).replace('_', "-");
        if name.is_empty() || code.is_empty() {
            return Err(DomainError::Validation(FieldErrors(vec![FieldError::new(
                "name",
                "name is a required field",
            )])));
        }
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let id = tx.insert_admin_role(name, &code, description, now).await?;
        emit(tx.as_mut(), &caller.origin(), EventType::RoleCreated, now, json!({"realm": "admin", "role": code}))
            .await?;
        tx.commit().await?;
        self.store.find_admin_role(id).await?.ok_or(DomainError::NotFound("Role not found"))
    }

    /// Deletes a custom admin role. Events: `role.deleted`.
    pub async fn delete_admin_role(&self, caller: &Caller, id: AdminRoleId) -> Result<AdminRole, DomainError> {
        caller.authorize(Action::ADMIN_ROLES_DELETE)?;
        let role = self.store.find_admin_role(id).await?.ok_or(DomainError::NotFound("Role not found"))?;
        if role.code.starts_with("strapi-") {
            return Err(DomainError::Rule(Rule::BuiltInAdminRole));
        }
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        tx.delete_admin_role(id).await?;
        let origin = caller.origin();
        emit(tx.as_mut(), &origin, EventType::RoleDeleted, now, json!({"realm": "admin", "role": role.code})).await?;
        let group = payloads::role_group("admin", id.0, &role.name, role.external_id.as_deref());
        emit_provisioning(tx.as_mut(), &origin, EventType::GroupDeleted, now, group).await?;
        tx.commit().await?;
        Ok(role)
    }
}
