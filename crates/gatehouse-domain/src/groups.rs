//! Free-standing groups of end users (SCIM Groups with `scim.groups = "groups"`). A group is
//! not a role: [`DomainSettings::group_roles`] maps group names to end-user roles, and a user's
//! role follows from the groups it belongs to — the first mapping whose group holds the user
//! decides; a user in no mapped group holds `authenticated`, the role of every new user.
//!
//! Every change of a group's members (and a rename, which may change which mapping applies to
//! every member) recomputes the role of each user it touches, in the transaction of the group
//! change, with the events of any role change: `user.updated` (changes `role`) and
//! `user.role_changed`. As elsewhere in the domain, a role change does not end the user's
//! sessions; the next request acts with the new role. The group's own events are
//! `group.created`, `group.updated` (with `changes`) and `group.deleted`.
//!
//! Concurrent writers cannot leave a user with the role of a stale view of its groups: the
//! group is held first, then every touched user in id order, before memberships change and
//! the roles are computed. The mapped roles are read before the transaction starts, so a
//! change holds one connection only (a transaction waiting for a pool connection while others
//! wait for its locks would stall them all).
//!
//! Groups are read and written with the end-user role actions (`role.find`, `role.findOne`,
//! `role.createRole`, `role.updateRole`, `role.deleteRole`), as groups stand for roles; a
//! change that moves members also needs `user.update`.
//!
//! [`DomainSettings::group_roles`]: crate::settings::DomainSettings::group_roles

use crate::action::Action;
use crate::audit::{emit, Origin};
use crate::caller::Caller;
use crate::error::{DomainError, FieldError, FieldErrors};
use crate::events::EventType;
use crate::ids::{GroupId, RoleId, UserId};
use crate::model::{Group, GroupChanges, NewGroup, Role, UserChanges};
use crate::payloads;
use crate::ports::StoreTx;
use crate::service::Domain;
use crate::values::{fold, DisplayName, DisplayNameProblem};
use serde_json::json;
use std::collections::{BTreeSet, HashMap};

const NOT_FOUND: &str = "Group not found";

/// A group and its members' ids, in id order.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupWithMembers {
    /// The group.
    pub group: Group,
    /// Its members, by id.
    pub members: Vec<UserId>,
}

/// A group as created.
#[derive(Clone, Debug, Default)]
pub struct NewGroupInput {
    /// The name, unique case-insensitively.
    pub display_name: String,
    /// The id an identity provider gives the group, kept as given.
    pub external_id: Option<String>,
    /// Its first members; ids that name no user are skipped.
    pub members: Vec<UserId>,
}

/// How a change treats a group's members.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum MemberChange {
    /// Left alone.
    #[default]
    Keep,
    /// Exactly these users (a replace); ids that name no user are skipped.
    Set(Vec<UserId>),
    /// These users added and those removed (a user in both ends up removed); ids that name no
    /// user, or no member, are skipped.
    Change {
        /// Users to add.
        add: Vec<UserId>,
        /// Users to remove.
        remove: Vec<UserId>,
    },
}

/// A change to a group; `None` fields are left alone.
#[derive(Clone, Debug, Default)]
pub struct GroupPatch {
    /// New name.
    pub display_name: Option<String>,
    /// New provisioning id (`Some(None)` clears it).
    pub external_id: Option<Option<String>>,
    /// The members.
    pub members: MemberChange,
}

/// The checked name and its folded copy.
fn checked_name(raw: &str) -> Result<(String, String), DomainError> {
    let message = match DisplayName::parse(raw) {
        Ok(name) => {
            let name = name.into_string();
            let folded = fold(&name);
            return Ok((name, folded));
        }
        Err(DisplayNameProblem::Empty) => "name is a required field".to_owned(),
        Err(DisplayNameProblem::TooLong) => format!("name must be at most {} characters", DisplayName::MAX_CHARS),
        Err(DisplayNameProblem::BadCharacters) => "name must not contain control or format characters".to_owned(),
    };
    Err(DomainError::Validation(FieldErrors(vec![FieldError::new("name", message).with_value(json!(raw))])))
}

fn sorted(ids: impl IntoIterator<Item = UserId>) -> Vec<UserId> {
    ids.into_iter().collect::<BTreeSet<_>>().into_iter().collect()
}

/// The roles the mapping names (and `authenticated`), by type, read before a change's
/// transaction starts: inside it, the change holds its connection and reads nothing else.
struct MappedRoles(HashMap<String, Option<Role>>);

impl MappedRoles {
    /// The role of type `role_type`; a mapping that names no role is refused with a message
    /// that names the setting.
    fn get(&self, role_type: &str) -> Result<&Role, DomainError> {
        self.0.get(role_type).and_then(Option::as_ref).ok_or_else(|| {
            DomainError::Validation(FieldErrors(vec![FieldError::new(
                "role",
                format!("scim.group_roles names the role {role_type:?}, which does not exist"),
            )]))
        })
    }
}

impl Domain {
    /// Every group, by id, with its members when `with_members`.
    pub async fn list_groups(&self, caller: &Caller, with_members: bool) -> Result<Vec<GroupWithMembers>, DomainError> {
        caller.authorize_in_realm(Action::ROLE_FIND)?;
        let mut groups = Vec::new();
        for group in self.store.list_groups().await? {
            let members = if with_members { self.store.list_group_members(group.id).await? } else { Vec::new() };
            groups.push(GroupWithMembers { group, members });
        }
        Ok(groups)
    }

    /// One group with its members.
    pub async fn find_group(&self, caller: &Caller, id: GroupId) -> Result<GroupWithMembers, DomainError> {
        caller.authorize_in_realm(Action::ROLE_FIND_ONE)?;
        let group = self.store.find_group(id).await?.ok_or(DomainError::NotFound(NOT_FOUND))?;
        let members = self.store.list_group_members(id).await?;
        Ok(GroupWithMembers { group, members })
    }

    /// The groups each of `users` belongs to, as `(user, group)` pairs.
    pub async fn groups_of_users(
        &self,
        caller: &Caller,
        users: &[UserId],
    ) -> Result<Vec<(UserId, Group)>, DomainError> {
        caller.authorize_in_realm(Action::ROLE_FIND)?;
        if users.is_empty() {
            return Ok(Vec::new());
        }
        Ok(self.store.list_groups_of_users(users).await?)
    }

    /// Creates a group with its first members, whose roles are recomputed. Events:
    /// `group.created`, then for each member whose role changed `user.updated` and
    /// `user.role_changed`.
    pub async fn create_group(&self, caller: &Caller, input: NewGroupInput) -> Result<GroupWithMembers, DomainError> {
        caller.authorize_in_realm(Action::ROLE_CREATE)?;
        if !input.members.is_empty() {
            caller.authorize_in_realm(Action::USER_UPDATE)?;
        }
        let (display_name, display_name_folded) = checked_name(&input.display_name)?;
        let now = self.clock.now();
        let origin = caller.origin();
        let new_group = NewGroup { display_name, display_name_folded, external_id: input.external_id, now };
        let roles = self.mapped_roles().await?;
        let mut tx = self.store.begin().await?;
        let group = tx.insert_group(&new_group).await?;
        let locked = tx.lock_users(&sorted(input.members)).await?;
        let existing: Vec<UserId> = locked.iter().map(|(user, _)| *user).collect();
        let members = sorted(tx.add_group_members(group.id, &existing).await?);
        let data = json!({"group": payloads::group(&group, &members)});
        emit(tx.as_mut(), &origin, EventType::GroupCreated, now, data).await?;
        let moved = self.recompute_roles(tx.as_mut(), &locked, &roles, &origin).await?;
        tx.commit().await?;
        self.forget_users(&moved);
        Ok(GroupWithMembers { group, members })
    }

    /// Renames a group, changes its provisioning id or its members; the role of every user
    /// whose groups changed (every member, on a rename) is recomputed. A change that changes
    /// nothing writes nothing. Events: `group.updated` (with `changes`, `membersAdded`,
    /// `membersRemoved`), then for each user whose role changed `user.updated` and
    /// `user.role_changed`.
    pub async fn update_group(
        &self,
        caller: &Caller,
        id: GroupId,
        patch: GroupPatch,
    ) -> Result<GroupWithMembers, DomainError> {
        caller.authorize_in_realm(Action::ROLE_UPDATE)?;
        if patch.members != MemberChange::Keep {
            caller.authorize_in_realm(Action::USER_UPDATE)?;
        }
        let name = patch.display_name.as_deref().map(checked_name).transpose()?;
        let now = self.clock.now();
        let origin = caller.origin();
        let roles = self.mapped_roles().await?;
        let mut tx = self.store.begin().await?;
        let before = tx.lock_group(id).await?.ok_or(DomainError::NotFound(NOT_FOUND))?;
        let current: BTreeSet<UserId> = tx.list_group_members_in_tx(id).await?.into_iter().collect();
        let (add, remove): (BTreeSet<UserId>, BTreeSet<UserId>) = match &patch.members {
            MemberChange::Keep => Default::default(),
            MemberChange::Set(wanted) => {
                let wanted: BTreeSet<UserId> = wanted.iter().copied().collect();
                (wanted.difference(&current).copied().collect(), current.difference(&wanted).copied().collect())
            }
            MemberChange::Change { add, remove } => {
                let remove: BTreeSet<UserId> = remove.iter().copied().filter(|user| current.contains(user)).collect();
                let add =
                    add.iter().copied().filter(|user| !current.contains(user) && !remove.contains(user)).collect();
                (add, remove)
            }
        };
        let mut changes = GroupChanges::default();
        let mut changed: Vec<&str> = Vec::new();
        if let Some((name, folded)) = name.filter(|(name, _)| *name != before.display_name) {
            changes.display_name = Some((name, folded));
            changed.push("name");
        }
        if let Some(external_id) = patch.external_id.filter(|external_id| *external_id != before.external_id) {
            changes.external_id = Some(external_id);
            changed.push("external_id");
        }
        // A new name may match another mapping: every member's role is recomputed then.
        let touched: Vec<UserId> = if changes.display_name.is_some() {
            sorted(current.iter().chain(&add).chain(&remove).copied())
        } else {
            sorted(add.iter().chain(&remove).copied())
        };
        let locked = tx.lock_users(&touched).await?;
        let addable: Vec<UserId> =
            add.iter().copied().filter(|user| locked.iter().any(|(held, _)| held == user)).collect();
        let added = tx.add_group_members(id, &addable).await?;
        let removed = tx.remove_group_members(id, &remove.iter().copied().collect::<Vec<_>>()).await?;
        if !added.is_empty() || !removed.is_empty() {
            changed.push("members");
        }
        if changed.is_empty() {
            return Ok(GroupWithMembers { group: before, members: current.into_iter().collect() });
        }
        let group = tx.update_group(id, &changes, now).await?.ok_or(DomainError::NotFound(NOT_FOUND))?;
        let members = sorted(current.iter().chain(&added).copied().filter(|user| !removed.contains(user)));
        let data = json!({
            "group": payloads::group(&group, &members),
            "changes": changed,
            "membersAdded": sorted(added.iter().copied()),
            "membersRemoved": sorted(removed.iter().copied()),
        });
        emit(tx.as_mut(), &origin, EventType::GroupUpdated, now, data).await?;
        let moved = self.recompute_roles(tx.as_mut(), &locked, &roles, &origin).await?;
        tx.commit().await?;
        self.forget_users(&moved);
        Ok(GroupWithMembers { group, members })
    }

    /// Deletes a group; its members' roles are recomputed without it. Events: for each member
    /// whose role changed `user.updated` and `user.role_changed`, then `group.deleted`.
    pub async fn delete_group(&self, caller: &Caller, id: GroupId) -> Result<GroupWithMembers, DomainError> {
        caller.authorize_in_realm(Action::ROLE_DELETE)?;
        caller.authorize_in_realm(Action::USER_UPDATE)?;
        let now = self.clock.now();
        let origin = caller.origin();
        let roles = self.mapped_roles().await?;
        let mut tx = self.store.begin().await?;
        let group = tx.lock_group(id).await?.ok_or(DomainError::NotFound(NOT_FOUND))?;
        let members = tx.list_group_members_in_tx(id).await?;
        let locked = tx.lock_users(&sorted(members.iter().copied())).await?;
        if !tx.delete_group(id).await? {
            return Err(DomainError::NotFound(NOT_FOUND));
        }
        let moved = self.recompute_roles(tx.as_mut(), &locked, &roles, &origin).await?;
        let data = json!({"group": payloads::group(&group, &members)});
        emit(tx.as_mut(), &origin, EventType::GroupDeleted, now, data).await?;
        tx.commit().await?;
        self.forget_users(&moved);
        Ok(GroupWithMembers { group, members })
    }

    /// The type of the role a user in groups named `groups` holds: the first mapping whose
    /// group is one of them, else `authenticated`.
    pub fn role_type_for_groups<'a>(&'a self, groups: &[String]) -> &'a str {
        let folded: Vec<String> = groups.iter().map(|name| fold(name)).collect();
        self.settings
            .group_roles
            .iter()
            .find(|mapping| folded.contains(&fold(&mapping.group)))
            .map_or(Role::AUTHENTICATED, |mapping| mapping.role.as_str())
    }

    /// The role types `group_roles` names that no role has (yet): a change that would give
    /// one is refused until the role exists.
    pub async fn missing_group_roles(&self) -> Result<Vec<String>, DomainError> {
        let roles = self.mapped_roles().await?;
        let mut missing: Vec<String> =
            roles.0.into_iter().filter(|(_, role)| role.is_none()).map(|(role_type, _)| role_type).collect();
        missing.sort();
        Ok(missing)
    }

    /// Every role the mapping names, and `authenticated`, by type (`None` for a type no role
    /// has).
    async fn mapped_roles(&self) -> Result<MappedRoles, DomainError> {
        let mut roles = HashMap::new();
        let types = self.settings.group_roles.iter().map(|mapping| mapping.role.as_str());
        for role_type in types.chain([Role::AUTHENTICATED]) {
            if !roles.contains_key(role_type) {
                roles.insert(role_type.to_owned(), self.store.find_role_by_type(role_type).await?);
            }
        }
        Ok(MappedRoles(roles))
    }

    /// Gives each of `users` (held by the transaction, with their current role) the role its
    /// groups map to, writing the change and its events as any role change; returns the users
    /// whose role changed.
    async fn recompute_roles(
        &self,
        tx: &mut dyn StoreTx,
        users: &[(UserId, RoleId)],
        roles: &MappedRoles,
        origin: &Origin,
    ) -> Result<Vec<UserId>, DomainError> {
        let now = self.clock.now();
        let mut moved = Vec::new();
        for &(id, current) in users {
            let groups = tx.list_group_names_of_user_in_tx(id).await?;
            let role = roles.get(self.role_type_for_groups(&groups))?;
            if current == role.id {
                continue;
            }
            let changes = UserChanges { role_id: Some(role.id), ..UserChanges::default() };
            let Some(after) = tx.update_user(id, &changes, now).await? else { continue };
            let mut data = payloads::user(&after);
            data["changes"] = json!(["role"]);
            emit(tx, origin, EventType::UserUpdated, now, data).await?;
            let data = json!({"user": payloads::user(&after), "previousRole": current.0, "role": role.id.0});
            emit(tx, origin, EventType::UserRoleChanged, now, data).await?;
            moved.push(id);
        }
        Ok(moved)
    }

    /// Drops the cached sessions of users whose role changed: their next request reads it.
    fn forget_users(&self, users: &[UserId]) {
        for user in users {
            self.sessions.forget_user(*user);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_and_folded() {
        assert_eq!(checked_name("  Engineering ").unwrap().1, "engineering");
        assert!(checked_name("   ").is_err());
        assert!(checked_name(&"x".repeat(DisplayName::MAX_CHARS + 1)).is_err());
    }

    #[test]
    fn member_ids_are_sorted_once() {
        assert_eq!(sorted([UserId(3), UserId(1), UserId(3)]), [UserId(1), UserId(3)]);
    }
}
