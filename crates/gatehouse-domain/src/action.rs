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
    AdminInit => "admin::auth.init", "Whether an admin exists; open.";
    AdminRegisterFirst => "admin::auth.registerAdmin", "Create the first admin; open while there is none.";
    AdminLogin => "admin::auth.login", "Admin login; open.";
    AdminAccessToken => "admin::auth.accessToken", "A new admin JWT from the refresh cookie; open.";
    AdminRegistrationInfo => "admin::auth.registrationInfo", "Read an invite by its token; open.";
    AdminRegister => "admin::auth.register", "Accept an invite; open.";
    AdminSelf => "admin::profile", "One's own admin profile and logout; every admin holds it.";
    AdminUsersRead => "admin::users.read", "List and read admins.";
    AdminUsersCreate => "admin::users.create", "Invite admins.";
    AdminUsersUpdate => "admin::users.update", "Change admins.";
    AdminUsersDelete => "admin::users.delete", "Soft-delete admins.";
    AdminUsersRestore => "admin::users.restore", "Restore soft-deleted admins.";
    AdminUsersPurge => "admin::users.purge", "Purge soft-deleted admins.";
    AdminRolesRead => "admin::roles.read", "List admin roles.";
    AdminRolesCreate => "admin::roles.create", "Create admin roles.";
    AdminRolesUpdate => "admin::roles.update", "Change admin roles and their permissions.";
    AdminRolesDelete => "admin::roles.delete", "Delete admin roles.";
    AdminInvitesRead => "admin::invites.read", "List invites.";
    AdminInvitesCreate => "admin::invites.create", "Create invites.";
    AdminInvitesResend => "admin::invites.resend", "Resend invites.";
    AdminInvitesDelete => "admin::invites.delete", "Revoke invites.";
    AdminApiTokensRead => "admin::api-tokens.read", "List API tokens.";
    AdminApiTokensCreate => "admin::api-tokens.create", "Create API tokens.";
    AdminApiTokensUpdate => "admin::api-tokens.update", "Change API tokens.";
    AdminApiTokensRegenerate => "admin::api-tokens.regenerate", "Regenerate API tokens.";
    AdminApiTokensDelete => "admin::api-tokens.delete", "Delete API tokens.";
    AdminWebhooksRead => "admin::webhooks.read", "List webhooks.";
    AdminWebhooksCreate => "admin::webhooks.create", "Create webhooks.";
    AdminWebhooksUpdate => "admin::webhooks.update", "Change webhooks.";
    AdminWebhooksDelete => "admin::webhooks.delete", "Delete webhooks.";
    AdminWebhooksTrigger => "admin::webhooks.trigger", "Send a test event.";
    AdminAuditLogsRead => "admin::audit-logs.read", "Read the audit log.";
    EndUsersRead => "plugin::users-permissions.users.read", "Admin: read end users.";
    EndUsersCreate => "plugin::users-permissions.users.create", "Admin: create end users.";
    EndUsersUpdate => "plugin::users-permissions.users.update", "Admin: change end users.";
    EndUsersDelete => "plugin::users-permissions.users.delete", "Admin: delete end users.";
    EndUserRolesRead => "plugin::users-permissions.roles.read", "Admin: read end-user roles.";
    EndUserRolesCreate => "plugin::users-permissions.roles.create", "Admin: create end-user roles.";
    EndUserRolesUpdate => "plugin::users-permissions.roles.update", "Admin: change end-user roles.";
    EndUserRolesDelete => "plugin::users-permissions.roles.delete", "Admin: delete end-user roles.";
    EndUserSessionsRead => "plugin::users-permissions.sessions.read", "Admin: see end users' sessions.";
    EndUserSessionsRevoke => "plugin::users-permissions.sessions.revoke", "Admin: end end users' sessions.";
}

impl Action {
    /// Looks an action up by its permission name.
    pub fn from_name(name: &str) -> Option<Action> {
        Action::ALL.iter().copied().find(|action| action.as_str() == name)
    }

    /// Open actions need no credentials and never appear in a role: the operations endpoints
    /// and the admin realm's login and invite-acceptance routes.
    pub const fn is_open(self) -> bool {
        matches!(
            self,
            Action::Health
                | Action::Ready
                | Action::Metrics
                | Action::OpenApi
                | Action::AdminInit
                | Action::AdminRegisterFirst
                | Action::AdminLogin
                | Action::AdminAccessToken
                | Action::AdminRegistrationInfo
                | Action::AdminRegister
        )
    }

    /// Whether the action belongs to the admin realm (admin roles hold these; end-user roles and
    /// API tokens never do).
    pub fn is_admin(self) -> bool {
        let name = self.as_str();
        name.starts_with("admin::")
            || name.starts_with("plugin::users-permissions.users.")
            || name.starts_with("plugin::users-permissions.roles.")
            || name.starts_with("plugin::users-permissions.sessions.")
    }

    /// The actions an end-user role or an API token may be granted: the content API's.
    pub fn grantable() -> impl Iterator<Item = Action> {
        Action::ALL.iter().copied().filter(|action| !action.is_open() && !action.is_admin())
    }

    /// The actions an admin role may be granted (every admin holds [`Action::AdminSelf`]).
    pub fn admin_grantable() -> impl Iterator<Item = Action> {
        Action::ALL
            .iter()
            .copied()
            .filter(|action| action.is_admin() && !action.is_open() && *action != Action::AdminSelf)
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
