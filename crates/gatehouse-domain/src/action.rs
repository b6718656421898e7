//! Every operation a route can perform, by the permission name roles hold. The route table of
//! each surface names one of these per route, so a route without an action cannot exist.

use std::fmt;

macro_rules! actions {
    ($($variant:ident => $name:literal, $doc:literal;)*) => {
        /// An operation that a role, an API token or an admin may be granted.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Action {
            $(#[doc = $doc] $variant,)*
        }

        impl Action {
            /// Every action, in declaration order.
            pub const ALL: &'static [Action] = &[$(Action::$variant,)*];

            /// The permission name (`plugin::users-permissions.user.find`, …).
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Action::$variant => $name,)*
                }
            }
        }
    };
}

actions! {
    Health => "gatehouse::ops.health", "Liveness probe; open to everyone.";
    Ready => "gatehouse::ops.ready", "Readiness probe; open to everyone.";
    Metrics => "gatehouse::ops.metrics", "Prometheus metrics; open to everyone (bind to a private address).";
    OpenApi => "gatehouse::ops.openapi", "The OpenAPI document; open to everyone.";
    AuthCallback => "plugin::users-permissions.auth.callback", "Log in with identifier and password.";
    AuthRegister => "plugin::users-permissions.auth.register", "Self-register an account.";
    AuthForgotPassword => "plugin::users-permissions.auth.forgotPassword", "Request a password-reset mail.";
    AuthResetPassword => "plugin::users-permissions.auth.resetPassword", "Reset a password with a mailed code.";
    AuthEmailConfirmation => "plugin::users-permissions.auth.emailConfirmation", "Confirm an email address.";
    AuthSendEmailConfirmation => "plugin::users-permissions.auth.sendEmailConfirmation", "Resend the confirmation mail.";
    AuthConnect => "plugin::users-permissions.auth.connect", "Start an OAuth/OIDC login.";
    AuthRefresh => "plugin::users-permissions.auth.refresh", "Trade a refresh token for a new access token.";
    AuthChangePassword => "plugin::users-permissions.auth.changePassword", "Change one's own password.";
    AuthLogout => "plugin::users-permissions.auth.logout", "End one's own session.";
    AuthGetSessions => "plugin::users-permissions.auth.getSessions", "List one's own live sessions.";
    AuthRevokeSession => "plugin::users-permissions.auth.revokeSession", "End one of one's own sessions.";
    UserMe => "plugin::users-permissions.user.me", "Read one's own user.";
    UserFind => "plugin::users-permissions.user.find", "List users.";
    UserFindOne => "plugin::users-permissions.user.findOne", "Read one user.";
    UserCount => "plugin::users-permissions.user.count", "Count users.";
    UserCreate => "plugin::users-permissions.user.create", "Create a user.";
    UserUpdate => "plugin::users-permissions.user.update", "Update a user.";
    UserDestroy => "plugin::users-permissions.user.destroy", "Delete a user.";
    RoleFind => "plugin::users-permissions.role.find", "List end-user roles.";
    RoleFindOne => "plugin::users-permissions.role.findOne", "Read one end-user role with its permissions.";
    RoleCreate => "plugin::users-permissions.role.createRole", "Create an end-user role.";
    RoleUpdate => "plugin::users-permissions.role.updateRole", "Update an end-user role.";
    RoleDelete => "plugin::users-permissions.role.deleteRole", "Delete an end-user role.";
    PermissionsGet => "plugin::users-permissions.permissions.getPermissions", "List every grantable action.";
}

impl Action {
    /// Looks an action up by its permission name.
    pub fn from_name(name: &str) -> Option<Action> {
        Action::ALL.iter().copied().find(|action| action.as_str() == name)
    }

    /// Operations endpoints are open to every caller and never appear in a role.
    pub const fn is_open(self) -> bool {
        matches!(self, Action::Health | Action::Ready | Action::Metrics | Action::OpenApi)
    }

    /// The actions a role may be granted (everything but the open operations endpoints).
    pub fn grantable() -> impl Iterator<Item = Action> {
        Action::ALL.iter().copied().filter(|action| !action.is_open())
    }

    /// Actions about "oneself": only an end user with a session can perform them, so any
    /// other authenticated caller (an API token) gets 401 rather than 403.
    pub const fn needs_end_user(self) -> bool {
        matches!(
            self,
            Action::UserMe
                | Action::AuthChangePassword
                | Action::AuthLogout
                | Action::AuthGetSessions
                | Action::AuthRevokeSession
        )
    }

    /// Actions a `read-only` API token holds: the reads of the content API.
    pub const fn is_read(self) -> bool {
        matches!(
            self,
            Action::UserFind | Action::UserFindOne | Action::UserCount | Action::RoleFind | Action::RoleFindOne
        )
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_name_is_unique_and_round_trips() {
        let mut names: Vec<&str> = Action::ALL.iter().map(|a| a.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Action::ALL.len());
        for action in Action::ALL {
            assert_eq!(Action::from_name(action.as_str()), Some(*action));
        }
    }
}
