//! Actions: every operation a route can perform, by the permission name roles hold. Actions
//! are registered values — each with its realm, who may call it, a description and the roles
//! that hold it by default — kept in an [`ActionRegistry`]. The built-in ones are the
//! constants of [`Action`] (in `builtin`); a route policy, a route added by an embedding
//! application or a new surface registers its own in the same registry, and the default grants
//! of every registered action are seeded from here (once per action, at start-up), not from SQL.

use crate::error::{DomainError, FieldError};
use std::collections::HashMap;
use std::fmt;
use std::hash::{Hash, Hasher};

mod builtin;

use builtin::BUILTIN;

/// Which realm's roles may hold an action.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActionRealm {
    /// End-user roles and API tokens (the content API and the operations endpoints).
    Content,
    /// Admin roles.
    Admin,
}

/// Who may call an action.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Everyone, without credentials; never appears in a role.
    Open,
    /// Every authenticated caller of the realm holds it implicitly (one's own admin profile).
    Implicit,
    /// Only callers whose role or token was granted it.
    Granted,
}

/// The description of one action.
#[derive(Debug, PartialEq, Eq)]
pub struct ActionSpec {
    /// The permission name (`plugin::users-permissions.user.find`, `admin::users.read`, …).
    pub name: &'static str,
    /// Which realm's roles may hold it.
    pub realm: ActionRealm,
    /// Who may call it.
    pub access: Access,
    /// One sentence for `routes list`, the permission tree and the docs.
    pub description: &'static str,
    /// The role types (end-user realm) or codes (admin realm) granted it when it is first seen.
    pub default_roles: &'static [&'static str],
    /// Held by `read-only` API tokens.
    pub read_only: bool,
    /// About "oneself": only an end user with a session can perform it, so any other
    /// authenticated caller (an API token) is 401 rather than 403.
    pub end_users_only: bool,
    /// The admin-realm action that lets an admin perform the same use case (a content action
    /// such as `user.find` is held by admins as "read end users"), on surfaces that accept
    /// callers of both realms.
    pub admin_counterpart: Option<Action>,
}

impl ActionSpec {
    const fn new(name: &'static str, realm: ActionRealm, access: Access, description: &'static str) -> Self {
        Self {
            name,
            realm,
            access,
            description,
            default_roles: &[],
            read_only: false,
            end_users_only: false,
            admin_counterpart: None,
        }
    }

    /// An action open to everyone.
    pub const fn open(name: &'static str, realm: ActionRealm, description: &'static str) -> Self {
        Self::new(name, realm, Access::Open, description)
    }

    /// An action every authenticated caller of the realm holds.
    pub const fn implicit(name: &'static str, realm: ActionRealm, description: &'static str) -> Self {
        Self::new(name, realm, Access::Implicit, description)
    }

    /// An action that must be granted.
    pub const fn granted(name: &'static str, realm: ActionRealm, description: &'static str) -> Self {
        Self::new(name, realm, Access::Granted, description)
    }

    /// Granted to these role types (or admin role codes) when the action is first seen.
    pub const fn granted_by_default_to(mut self, roles: &'static [&'static str]) -> Self {
        self.default_roles = roles;
        self
    }

    /// Held by `read-only` API tokens.
    pub const fn read_only(mut self) -> Self {
        self.read_only = true;
        self
    }

    /// Only an end user with a session can perform it.
    pub const fn for_end_users_only(mut self) -> Self {
        self.end_users_only = true;
        self
    }

    /// The action this spec describes, outside any registry (an extension makes its actions
    /// once, at start-up: the spec lives as long as the process, like the built-in ones).
    pub fn into_action(self) -> Action {
        Action(Box::leak(Box::new(self)))
    }

    /// Admins perform the same use case through `action` (of the admin realm).
    pub const fn held_by_admins_through(mut self, action: Action) -> Self {
        self.admin_counterpart = Some(action);
        self
    }
}

/// A registered action: a cheap handle on its [`ActionSpec`], compared by name.
#[derive(Clone, Copy)]
pub struct Action(&'static ActionSpec);

impl Action {
    /// The permission name (`plugin::users-permissions.user.find`, …).
    pub const fn as_str(self) -> &'static str {
        self.0.name
    }

    /// The whole description.
    pub const fn spec(self) -> &'static ActionSpec {
        self.0
    }

    /// Open actions need no credentials and never appear in a role.
    pub fn is_open(self) -> bool {
        self.0.access == Access::Open
    }

    /// Whether the action belongs to the admin realm (admin roles hold these; end-user roles and
    /// API tokens never do).
    pub fn is_admin(self) -> bool {
        self.0.realm == ActionRealm::Admin
    }

    /// Whether a role or token can be granted it (neither open nor implicit).
    pub fn is_grantable(self) -> bool {
        self.0.access == Access::Granted
    }

    /// Actions about "oneself" (see [`ActionSpec::end_users_only`]).
    pub const fn needs_end_user(self) -> bool {
        self.0.end_users_only
    }

    /// Actions a `read-only` API token holds: the reads of the content API.
    pub const fn is_read(self) -> bool {
        self.0.read_only
    }

    /// The admin-realm action through which admins perform the same use case, if any.
    pub const fn admin_counterpart(self) -> Option<Action> {
        self.0.admin_counterpart
    }
}

impl PartialEq for Action {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.0, other.0) || self.0.name == other.0.name
    }
}

impl Eq for Action {}

impl Hash for Action {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.name.hash(state);
    }
}

impl PartialOrd for Action {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Action {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.name.cmp(other.0.name)
    }
}

impl fmt::Debug for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Action({})", self.0.name)
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.name)
    }
}

/// Every action this server knows: the built-in ones and those registered by extensions.
///
/// ```
/// use gatehouse_domain::action::{Action, ActionRealm, ActionRegistry};
///
/// let registry = ActionRegistry::builtin();
/// assert_eq!(registry.get("plugin::users-permissions.user.find"), Some(Action::USER_FIND));
///
/// // A grant naming an unknown action is refused by name, never silently dropped.
/// let typo = vec!["plugin::users-permissions.user.nonsense".to_owned()];
/// let refused = registry.grantable_names(&typo, ActionRealm::Content).unwrap_err();
/// assert!(refused.message.contains("user.nonsense"));
///
/// let grant = vec!["plugin::users-permissions.user.find".to_owned(); 2];
/// assert_eq!(registry.grantable_names(&grant, ActionRealm::Content).unwrap().len(), 1);
/// ```
#[derive(Clone, Debug)]
pub struct ActionRegistry {
    actions: Vec<Action>,
    by_name: HashMap<&'static str, Action>,
}

impl Default for ActionRegistry {
    fn default() -> Self {
        Self::builtin()
    }
}

impl ActionRegistry {
    /// The built-in actions only.
    pub fn builtin() -> Self {
        let mut registry = Self { actions: Vec::with_capacity(BUILTIN.len()), by_name: HashMap::new() };
        for action in BUILTIN {
            registry.insert(*action);
        }
        registry
    }

    fn insert(&mut self, action: Action) {
        self.by_name.insert(action.as_str(), action);
        self.actions.push(action);
    }

    /// Registers an action of an extension (a custom route, a policy, a surface). Its name must
    /// be new: a clash with a registered action is refused rather than silently merged.
    pub fn register(&mut self, spec: ActionSpec) -> Result<Action, DomainError> {
        if self.by_name.contains_key(spec.name) {
            return Err(DomainError::Internal(format!("the action {} is registered twice", spec.name)));
        }
        // Registration happens a bounded number of times at start-up; the spec lives as long as
        // the process, like the built-in ones.
        let action = Action(Box::leak(Box::new(spec)));
        self.insert(action);
        Ok(action)
    }

    /// Adds an action made by [`ActionSpec::into_action`] (an extension's, made once and added
    /// to each registry it serves); a clash with a registered name is refused.
    pub fn add(&mut self, action: Action) -> Result<(), DomainError> {
        if self.by_name.contains_key(action.as_str()) {
            return Err(DomainError::Internal(format!("the action {action} is registered twice")));
        }
        self.insert(action);
        Ok(())
    }

    /// Looks an action up by its permission name.
    pub fn get(&self, name: &str) -> Option<Action> {
        self.by_name.get(name).copied()
    }

    /// Every action, in registration order.
    pub fn all(&self) -> &[Action] {
        &self.actions
    }

    /// The actions an end-user role or an API token may be granted: the content API's.
    pub fn grantable(&self) -> impl Iterator<Item = Action> + '_ {
        self.actions.iter().copied().filter(|action| action.is_grantable() && !action.is_admin())
    }

    /// The actions an admin role may be granted (every admin holds the implicit ones).
    pub fn admin_grantable(&self) -> impl Iterator<Item = Action> + '_ {
        self.actions.iter().copied().filter(|action| action.is_grantable() && action.is_admin())
    }

    /// The actions every admin holds without a grant.
    pub fn admin_implicit(&self) -> impl Iterator<Item = Action> + '_ {
        self.actions.iter().copied().filter(|action| action.0.access == Access::Implicit && action.is_admin())
    }

    /// The actions among `names` this registry knows; unknown names are skipped (a newer node
    /// may have granted actions this one does not know yet).
    pub fn known<'a, I, S>(&'a self, names: I) -> impl Iterator<Item = Action> + 'a
    where
        I: IntoIterator<Item = S>,
        I::IntoIter: 'a,
        S: AsRef<str>,
    {
        names.into_iter().filter_map(move |name| self.get(name.as_ref()))
    }

    /// Checks that every name is a registered action that roles of `realm` can be granted, and
    /// returns the names sorted without duplicates. Unknown names and actions that cannot be
    /// granted are refused, all of them named at once, so a typo never silently drops a grant.
    pub fn grantable_names(&self, names: &[String], realm: ActionRealm) -> Result<Vec<String>, FieldError> {
        let unknown: Vec<&str> = names.iter().map(String::as_str).filter(|name| self.get(name).is_none()).collect();
        if !unknown.is_empty() {
            return Err(FieldError::new("permissions", format!("Unknown action(s): {}", unknown.join(", ")))
                .with_value(serde_json::json!(unknown)));
        }
        let refused: Vec<&str> = self
            .known(names)
            .filter(|action| !action.is_grantable() || action.spec().realm != realm)
            .map(Action::as_str)
            .collect();
        if !refused.is_empty() {
            return Err(FieldError::new(
                "permissions",
                format!("These actions cannot be granted: {}", refused.join(", ")),
            )
            .with_value(serde_json::json!(refused)));
        }
        let mut granted: Vec<String> = names.to_vec();
        granted.sort();
        granted.dedup();
        Ok(granted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::AdminRole;

    #[test]
    fn every_action_name_is_unique_and_round_trips() {
        let registry = ActionRegistry::builtin();
        assert_eq!(registry.by_name.len(), registry.all().len());
        for action in registry.all() {
            assert_eq!(registry.get(action.as_str()), Some(*action));
        }
    }

    #[test]
    fn default_grants_name_only_roles_of_the_actions_realm() {
        for action in ActionRegistry::builtin().all() {
            for role in action.spec().default_roles {
                let admin_role = *role == AdminRole::EDITOR;
                assert_eq!(admin_role, action.is_admin(), "{action} is granted to {role} by default");
                assert!(action.is_grantable(), "{action} is not grantable but has default roles");
            }
        }
    }

    #[test]
    fn open_and_implicit_actions_are_never_grantable() {
        let registry = ActionRegistry::builtin();
        let grantable: Vec<Action> = registry.grantable().chain(registry.admin_grantable()).collect();
        assert!(!grantable.contains(&Action::HEALTH));
        assert!(!grantable.contains(&Action::ADMIN_LOGIN));
        assert!(!grantable.contains(&Action::ADMIN_SELF));
        assert!(registry.grantable().all(|action| !action.is_admin()));
        assert!(registry.grantable().any(|action| action == Action::USER_FIND));
        assert!(registry.admin_grantable().any(|action| action == Action::ADMIN_USERS_READ));
    }

    #[test]
    fn grantable_names_refuse_unknown_and_foreign_actions_by_name() {
        let registry = ActionRegistry::builtin();
        let names = |list: &[&str]| list.iter().map(|name| (*name).to_owned()).collect::<Vec<_>>();
        let granted = registry
            .grantable_names(
                &names(&[Action::USER_FIND.as_str(), Action::USER_ME.as_str(), Action::USER_FIND.as_str()]),
                ActionRealm::Content,
            )
            .unwrap();
        assert_eq!(granted, [Action::USER_FIND.as_str(), Action::USER_ME.as_str()]);
        let unknown = registry
            .grantable_names(
                &names(&["plugin::users-permissions.user.nonsense", Action::USER_FIND.as_str()]),
                ActionRealm::Content,
            )
            .unwrap_err();
        assert!(unknown.message.contains("plugin::users-permissions.user.nonsense"), "{}", unknown.message);
        let foreign =
            registry.grantable_names(&names(&[Action::ADMIN_USERS_READ.as_str()]), ActionRealm::Content).unwrap_err();
        assert!(foreign.message.contains("admin::users.read"));
        let open = registry.grantable_names(&names(&[Action::HEALTH.as_str()]), ActionRealm::Content).unwrap_err();
        assert!(open.message.contains("gatehouse::ops.health"));
    }

    #[test]
    fn an_extension_registers_a_new_action_and_cannot_take_a_built_in_name() {
        let mut registry = ActionRegistry::builtin();
        let deactivate = registry
            .register(ActionSpec::granted("api::users.deactivate", ActionRealm::Content, "Deactivate a user."))
            .unwrap();
        assert_eq!(registry.get("api::users.deactivate"), Some(deactivate));
        assert!(registry.grantable().any(|action| action == deactivate));
        let clash = ActionSpec::granted(Action::USER_FIND.as_str(), ActionRealm::Content, "again");
        assert!(registry.register(clash).is_err());
    }
}
