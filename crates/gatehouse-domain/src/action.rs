//! Actions: every operation a route can perform, by the permission name roles hold. Actions
//! are registered values — each with its realm, who may call it, a description and the roles
//! that hold it by default — kept in an [`ActionRegistry`]. The built-in ones are the
//! constants of [`Action`]; a route policy, a route added by an embedding application or a new
//! surface registers its own in the same registry, and the default grants of every registered
//! action are seeded from here (once per action, at start-up), not from SQL.

use crate::error::{DomainError, FieldError};
use crate::model::{AdminRole, Role};
use std::collections::HashMap;
use std::fmt;
use std::hash::{Hash, Hasher};

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
    /// Liveness probe; open to everyone.
    pub const HEALTH: Action =
        Action(&ActionSpec::open("gatehouse::ops.health", ActionRealm::Content, "Liveness probe; open to everyone."));
    /// Readiness probe; open to everyone.
    pub const READY: Action =
        Action(&ActionSpec::open("gatehouse::ops.ready", ActionRealm::Content, "Readiness probe; open to everyone."));
    /// Prometheus metrics; open to everyone (bind to a private address).
    pub const METRICS: Action = Action(&ActionSpec::open(
        "gatehouse::ops.metrics",
        ActionRealm::Content,
        "Prometheus metrics; open to everyone (bind to a private address).",
    ));
    /// The OpenAPI document; open to everyone.
    pub const OPEN_API: Action = Action(&ActionSpec::open(
        "gatehouse::ops.openapi",
        ActionRealm::Content,
        "The OpenAPI document; open to everyone.",
    ));
    /// A flow where the presented token itself is the credential, checked by the use case (a
    /// password reset, a registration turned into an account, a session's own refresh or
    /// logout); open.
    pub const TOKEN_CREDENTIAL: Action = Action(&ActionSpec::open(
        "gatehouse::auth.tokenCredential",
        ActionRealm::Content,
        "A flow where the presented token itself is the credential, checked by the use case; open.",
    ));
    /// Log in with identifier and password.
    pub const AUTH_CALLBACK: Action = Action(
        &ActionSpec::granted(
            "plugin::users-permissions.auth.callback",
            ActionRealm::Content,
            "Log in with identifier and password.",
        )
        .granted_by_default_to(&[Role::PUBLIC]),
    );
    /// Self-register an account.
    pub const AUTH_REGISTER: Action = Action(
        &ActionSpec::granted(
            "plugin::users-permissions.auth.register",
            ActionRealm::Content,
            "Self-register an account.",
        )
        .granted_by_default_to(&[Role::PUBLIC]),
    );
    /// Request a password-reset mail.
    pub const AUTH_FORGOT_PASSWORD: Action = Action(
        &ActionSpec::granted(
            "plugin::users-permissions.auth.forgotPassword",
            ActionRealm::Content,
            "Request a password-reset mail.",
        )
        .granted_by_default_to(&[Role::PUBLIC]),
    );
    /// Reset a password with a mailed code.
    pub const AUTH_RESET_PASSWORD: Action = Action(
        &ActionSpec::granted(
            "plugin::users-permissions.auth.resetPassword",
            ActionRealm::Content,
            "Reset a password with a mailed code.",
        )
        .granted_by_default_to(&[Role::PUBLIC]),
    );
    /// Confirm an email address.
    pub const AUTH_EMAIL_CONFIRMATION: Action = Action(
        &ActionSpec::granted(
            "plugin::users-permissions.auth.emailConfirmation",
            ActionRealm::Content,
            "Confirm an email address.",
        )
        .granted_by_default_to(&[Role::PUBLIC]),
    );
    /// Resend the confirmation mail.
    pub const AUTH_SEND_EMAIL_CONFIRMATION: Action = Action(
        &ActionSpec::granted(
            "plugin::users-permissions.auth.sendEmailConfirmation",
            ActionRealm::Content,
            "Resend the confirmation mail.",
        )
        .granted_by_default_to(&[Role::PUBLIC]),
    );
    /// Start an OAuth/OIDC login.
    pub const AUTH_CONNECT: Action = Action(
        &ActionSpec::granted(
            "plugin::users-permissions.auth.connect",
            ActionRealm::Content,
            "Start an OAuth/OIDC login.",
        )
        .granted_by_default_to(&[Role::PUBLIC]),
    );
    /// Trade a refresh token for a new access token.
    pub const AUTH_REFRESH: Action = Action(
        &ActionSpec::granted(
            "plugin::users-permissions.auth.refresh",
            ActionRealm::Content,
            "Trade a refresh token for a new access token.",
        )
        .granted_by_default_to(&[Role::PUBLIC]),
    );
    /// Change one's own password.
    pub const AUTH_CHANGE_PASSWORD: Action = Action(
        &ActionSpec::granted(
            "plugin::users-permissions.auth.changePassword",
            ActionRealm::Content,
            "Change one's own password.",
        )
        .granted_by_default_to(&[Role::AUTHENTICATED])
        .for_end_users_only(),
    );
    /// End one's own session.
    pub const AUTH_LOGOUT: Action = Action(
        &ActionSpec::granted("plugin::users-permissions.auth.logout", ActionRealm::Content, "End one's own session.")
            .granted_by_default_to(&[Role::AUTHENTICATED])
            .for_end_users_only(),
    );
    /// List one's own live sessions.
    pub const AUTH_GET_SESSIONS: Action = Action(
        &ActionSpec::granted(
            "plugin::users-permissions.auth.getSessions",
            ActionRealm::Content,
            "List one's own live sessions.",
        )
        .granted_by_default_to(&[Role::AUTHENTICATED])
        .for_end_users_only(),
    );
    /// End one of one's own sessions.
    pub const AUTH_REVOKE_SESSION: Action = Action(
        &ActionSpec::granted(
            "plugin::users-permissions.auth.revokeSession",
            ActionRealm::Content,
            "End one of one's own sessions.",
        )
        .for_end_users_only(),
    );
    /// Read one's own user.
    pub const USER_ME: Action = Action(
        &ActionSpec::granted("plugin::users-permissions.user.me", ActionRealm::Content, "Read one's own user.")
            .granted_by_default_to(&[Role::AUTHENTICATED])
            .for_end_users_only(),
    );
    /// Change one's own display name and settings (a storefront customer's profile). Not in
    /// Strapi's permission tree (its name has no controller part), granted to `authenticated`.
    pub const USER_UPDATE_ME: Action = Action(
        &ActionSpec::granted(
            "gatehouse::user.updateMe",
            ActionRealm::Content,
            "Change one's own display name and settings.",
        )
        .granted_by_default_to(&[Role::AUTHENTICATED])
        .for_end_users_only(),
    );
    /// List users.
    pub const USER_FIND: Action = Action(
        &ActionSpec::granted("plugin::users-permissions.user.find", ActionRealm::Content, "List users.")
            .read_only()
            .held_by_admins_through(Action::END_USERS_READ),
    );
    /// Read one user.
    pub const USER_FIND_ONE: Action = Action(
        &ActionSpec::granted("plugin::users-permissions.user.findOne", ActionRealm::Content, "Read one user.")
            .read_only()
            .held_by_admins_through(Action::END_USERS_READ),
    );
    /// Count users.
    pub const USER_COUNT: Action = Action(
        &ActionSpec::granted("plugin::users-permissions.user.count", ActionRealm::Content, "Count users.")
            .read_only()
            .held_by_admins_through(Action::END_USERS_READ),
    );
    /// Create a user.
    pub const USER_CREATE: Action = Action(
        &ActionSpec::granted("plugin::users-permissions.user.create", ActionRealm::Content, "Create a user.")
            .held_by_admins_through(Action::END_USERS_CREATE),
    );
    /// Update a user.
    pub const USER_UPDATE: Action = Action(
        &ActionSpec::granted("plugin::users-permissions.user.update", ActionRealm::Content, "Update a user.")
            .held_by_admins_through(Action::END_USERS_UPDATE),
    );
    /// Delete a user.
    pub const USER_DESTROY: Action = Action(
        &ActionSpec::granted("plugin::users-permissions.user.destroy", ActionRealm::Content, "Delete a user.")
            .held_by_admins_through(Action::END_USERS_DELETE),
    );
    /// List end-user roles.
    pub const ROLE_FIND: Action = Action(
        &ActionSpec::granted("plugin::users-permissions.role.find", ActionRealm::Content, "List end-user roles.")
            .read_only()
            .held_by_admins_through(Action::END_USER_ROLES_READ),
    );
    /// Read one end-user role with its permissions.
    pub const ROLE_FIND_ONE: Action = Action(
        &ActionSpec::granted(
            "plugin::users-permissions.role.findOne",
            ActionRealm::Content,
            "Read one end-user role with its permissions.",
        )
        .read_only()
        .held_by_admins_through(Action::END_USER_ROLES_READ),
    );
    /// Create an end-user role.
    pub const ROLE_CREATE: Action = Action(
        &ActionSpec::granted(
            "plugin::users-permissions.role.createRole",
            ActionRealm::Content,
            "Create an end-user role.",
        )
        .held_by_admins_through(Action::END_USER_ROLES_CREATE),
    );
    /// Update an end-user role.
    pub const ROLE_UPDATE: Action = Action(
        &ActionSpec::granted(
            "plugin::users-permissions.role.updateRole",
            ActionRealm::Content,
            "Update an end-user role.",
        )
        .held_by_admins_through(Action::END_USER_ROLES_UPDATE),
    );
    /// Delete an end-user role.
    pub const ROLE_DELETE: Action = Action(
        &ActionSpec::granted(
            "plugin::users-permissions.role.deleteRole",
            ActionRealm::Content,
            "Delete an end-user role.",
        )
        .held_by_admins_through(Action::END_USER_ROLES_DELETE),
    );
    /// List every grantable action.
    pub const PERMISSIONS_GET: Action = Action(&ActionSpec::granted(
        "plugin::users-permissions.permissions.getPermissions",
        ActionRealm::Content,
        "List every grantable action.",
    ));
    /// Whether an admin exists; open.
    pub const ADMIN_INIT: Action =
        Action(&ActionSpec::open("admin::auth.init", ActionRealm::Admin, "Whether an admin exists; open."));
    /// Create the first admin; open while there is none.
    pub const ADMIN_REGISTER_FIRST: Action = Action(&ActionSpec::open(
        "admin::auth.registerAdmin",
        ActionRealm::Admin,
        "Create the first admin; open while there is none.",
    ));
    /// Admin login; open.
    pub const ADMIN_LOGIN: Action =
        Action(&ActionSpec::open("admin::auth.login", ActionRealm::Admin, "Admin login; open."));
    /// A new admin JWT from the refresh cookie; open.
    pub const ADMIN_ACCESS_TOKEN: Action = Action(&ActionSpec::open(
        "admin::auth.accessToken",
        ActionRealm::Admin,
        "A new admin JWT from the refresh cookie; open.",
    ));
    /// Read an invite by its token; open.
    pub const ADMIN_REGISTRATION_INFO: Action = Action(&ActionSpec::open(
        "admin::auth.registrationInfo",
        ActionRealm::Admin,
        "Read an invite by its token; open.",
    ));
    /// Accept an invite; open.
    pub const ADMIN_REGISTER: Action =
        Action(&ActionSpec::open("admin::auth.register", ActionRealm::Admin, "Accept an invite; open."));
    /// One's own admin profile and logout; every admin holds it.
    pub const ADMIN_SELF: Action = Action(&ActionSpec::implicit(
        "admin::profile",
        ActionRealm::Admin,
        "One's own admin profile and logout; every admin holds it.",
    ));
    /// List and read admins.
    pub const ADMIN_USERS_READ: Action = Action(
        &ActionSpec::granted("admin::users.read", ActionRealm::Admin, "List and read admins.")
            .granted_by_default_to(&[AdminRole::EDITOR]),
    );
    /// Invite admins.
    pub const ADMIN_USERS_CREATE: Action =
        Action(&ActionSpec::granted("admin::users.create", ActionRealm::Admin, "Invite admins."));
    /// Change admins.
    pub const ADMIN_USERS_UPDATE: Action =
        Action(&ActionSpec::granted("admin::users.update", ActionRealm::Admin, "Change admins."));
    /// Soft-delete admins.
    pub const ADMIN_USERS_DELETE: Action =
        Action(&ActionSpec::granted("admin::users.delete", ActionRealm::Admin, "Soft-delete admins."));
    /// Restore soft-deleted admins.
    pub const ADMIN_USERS_RESTORE: Action =
        Action(&ActionSpec::granted("admin::users.restore", ActionRealm::Admin, "Restore soft-deleted admins."));
    /// Purge soft-deleted admins.
    pub const ADMIN_USERS_PURGE: Action =
        Action(&ActionSpec::granted("admin::users.purge", ActionRealm::Admin, "Purge soft-deleted admins."));
    /// List admin roles.
    pub const ADMIN_ROLES_READ: Action =
        Action(&ActionSpec::granted("admin::roles.read", ActionRealm::Admin, "List admin roles."));
    /// Create admin roles.
    pub const ADMIN_ROLES_CREATE: Action =
        Action(&ActionSpec::granted("admin::roles.create", ActionRealm::Admin, "Create admin roles."));
    /// Change admin roles and their permissions.
    pub const ADMIN_ROLES_UPDATE: Action = Action(&ActionSpec::granted(
        "admin::roles.update",
        ActionRealm::Admin,
        "Change admin roles and their permissions.",
    ));
    /// Delete admin roles.
    pub const ADMIN_ROLES_DELETE: Action =
        Action(&ActionSpec::granted("admin::roles.delete", ActionRealm::Admin, "Delete admin roles."));
    /// List invites.
    pub const ADMIN_INVITES_READ: Action = Action(
        &ActionSpec::granted("admin::invites.read", ActionRealm::Admin, "List invites.")
            .granted_by_default_to(&[AdminRole::EDITOR]),
    );
    /// Create invites.
    pub const ADMIN_INVITES_CREATE: Action =
        Action(&ActionSpec::granted("admin::invites.create", ActionRealm::Admin, "Create invites."));
    /// Resend invites.
    pub const ADMIN_INVITES_RESEND: Action =
        Action(&ActionSpec::granted("admin::invites.resend", ActionRealm::Admin, "Resend invites."));
    /// Revoke invites.
    pub const ADMIN_INVITES_DELETE: Action =
        Action(&ActionSpec::granted("admin::invites.delete", ActionRealm::Admin, "Revoke invites."));
    /// List API tokens.
    pub const ADMIN_API_TOKENS_READ: Action =
        Action(&ActionSpec::granted("admin::api-tokens.read", ActionRealm::Admin, "List API tokens."));
    /// Create API tokens.
    pub const ADMIN_API_TOKENS_CREATE: Action =
        Action(&ActionSpec::granted("admin::api-tokens.create", ActionRealm::Admin, "Create API tokens."));
    /// Change API tokens.
    pub const ADMIN_API_TOKENS_UPDATE: Action =
        Action(&ActionSpec::granted("admin::api-tokens.update", ActionRealm::Admin, "Change API tokens."));
    /// Regenerate API tokens.
    pub const ADMIN_API_TOKENS_REGENERATE: Action =
        Action(&ActionSpec::granted("admin::api-tokens.regenerate", ActionRealm::Admin, "Regenerate API tokens."));
    /// Delete API tokens.
    pub const ADMIN_API_TOKENS_DELETE: Action =
        Action(&ActionSpec::granted("admin::api-tokens.delete", ActionRealm::Admin, "Delete API tokens."));
    /// List webhooks.
    pub const ADMIN_WEBHOOKS_READ: Action =
        Action(&ActionSpec::granted("admin::webhooks.read", ActionRealm::Admin, "List webhooks."));
    /// Create webhooks.
    pub const ADMIN_WEBHOOKS_CREATE: Action =
        Action(&ActionSpec::granted("admin::webhooks.create", ActionRealm::Admin, "Create webhooks."));
    /// Change webhooks.
    pub const ADMIN_WEBHOOKS_UPDATE: Action =
        Action(&ActionSpec::granted("admin::webhooks.update", ActionRealm::Admin, "Change webhooks."));
    /// Delete webhooks.
    pub const ADMIN_WEBHOOKS_DELETE: Action =
        Action(&ActionSpec::granted("admin::webhooks.delete", ActionRealm::Admin, "Delete webhooks."));
    /// Send a test event.
    pub const ADMIN_WEBHOOKS_TRIGGER: Action =
        Action(&ActionSpec::granted("admin::webhooks.trigger", ActionRealm::Admin, "Send a test event."));
    /// Read the audit log.
    pub const ADMIN_AUDIT_LOGS_READ: Action = Action(
        &ActionSpec::granted("admin::audit-logs.read", ActionRealm::Admin, "Read the audit log.")
            .granted_by_default_to(&[AdminRole::EDITOR]),
    );
    /// Ask for admin access through the public form (when `admin.access_requests.enabled`); open.
    pub const ADMIN_ACCESS_REQUEST_CREATE: Action = Action(&ActionSpec::open(
        "admin::auth.requestAccess",
        ActionRealm::Admin,
        "Ask for admin access through the public form; open when access requests are enabled.",
    ));
    /// Confirm the email of an access request with the mailed token; open.
    pub const ADMIN_ACCESS_REQUEST_CONFIRM: Action = Action(&ActionSpec::open(
        "admin::auth.confirmAccessRequest",
        ActionRealm::Admin,
        "Confirm the email of an access request with the mailed token; open.",
    ));
    /// List access requests.
    pub const ADMIN_ACCESS_REQUESTS_READ: Action = Action(&ActionSpec::granted(
        "admin::access-requests.read",
        ActionRealm::Admin,
        "List requests for admin access.",
    ));
    /// Approve or reject access requests.
    pub const ADMIN_ACCESS_REQUESTS_UPDATE: Action = Action(&ActionSpec::granted(
        "admin::access-requests.update",
        ActionRealm::Admin,
        "Approve (creating the admin) or reject requests for admin access.",
    ));
    /// Read the effective route table (`GET /admin/routes`).
    pub const ADMIN_ROUTES_READ: Action = Action(&ActionSpec::granted(
        "admin::routes.read",
        ActionRealm::Admin,
        "Read the route table: handlers, actions, policies, rate limits, enabled.",
    ));
    /// Admin: read end users.
    pub const END_USERS_READ: Action = Action(
        &ActionSpec::granted("plugin::users-permissions.users.read", ActionRealm::Admin, "Admin: read end users.")
            .granted_by_default_to(&[AdminRole::EDITOR]),
    );
    /// Admin: create end users.
    pub const END_USERS_CREATE: Action = Action(
        &ActionSpec::granted("plugin::users-permissions.users.create", ActionRealm::Admin, "Admin: create end users.")
            .granted_by_default_to(&[AdminRole::EDITOR]),
    );
    /// Admin: change end users.
    pub const END_USERS_UPDATE: Action = Action(
        &ActionSpec::granted("plugin::users-permissions.users.update", ActionRealm::Admin, "Admin: change end users.")
            .granted_by_default_to(&[AdminRole::EDITOR]),
    );
    /// Admin: delete end users.
    pub const END_USERS_DELETE: Action = Action(
        &ActionSpec::granted("plugin::users-permissions.users.delete", ActionRealm::Admin, "Admin: delete end users.")
            .granted_by_default_to(&[AdminRole::EDITOR]),
    );
    /// Admin: read end-user roles.
    pub const END_USER_ROLES_READ: Action = Action(
        &ActionSpec::granted("plugin::users-permissions.roles.read", ActionRealm::Admin, "Admin: read end-user roles.")
            .granted_by_default_to(&[AdminRole::EDITOR]),
    );
    /// Admin: create end-user roles.
    pub const END_USER_ROLES_CREATE: Action = Action(&ActionSpec::granted(
        "plugin::users-permissions.roles.create",
        ActionRealm::Admin,
        "Admin: create end-user roles.",
    ));
    /// Admin: change end-user roles.
    pub const END_USER_ROLES_UPDATE: Action = Action(&ActionSpec::granted(
        "plugin::users-permissions.roles.update",
        ActionRealm::Admin,
        "Admin: change end-user roles.",
    ));
    /// Admin: delete end-user roles.
    pub const END_USER_ROLES_DELETE: Action = Action(&ActionSpec::granted(
        "plugin::users-permissions.roles.delete",
        ActionRealm::Admin,
        "Admin: delete end-user roles.",
    ));
    /// Admin: see end users' sessions.
    pub const END_USER_SESSIONS_READ: Action = Action(&ActionSpec::granted(
        "plugin::users-permissions.sessions.read",
        ActionRealm::Admin,
        "Admin: see end users' sessions.",
    ));
    /// Admin: end end users' sessions.
    pub const END_USER_SESSIONS_REVOKE: Action = Action(&ActionSpec::granted(
        "plugin::users-permissions.sessions.revoke",
        ActionRealm::Admin,
        "Admin: end end users' sessions.",
    ));
}

/// Every built-in action, in the order `routes list` and the permission tree show them.
const BUILTIN: &[Action] = &[
    Action::HEALTH,
    Action::READY,
    Action::METRICS,
    Action::OPEN_API,
    Action::TOKEN_CREDENTIAL,
    Action::AUTH_CALLBACK,
    Action::AUTH_REGISTER,
    Action::AUTH_FORGOT_PASSWORD,
    Action::AUTH_RESET_PASSWORD,
    Action::AUTH_EMAIL_CONFIRMATION,
    Action::AUTH_SEND_EMAIL_CONFIRMATION,
    Action::AUTH_CONNECT,
    Action::AUTH_REFRESH,
    Action::AUTH_CHANGE_PASSWORD,
    Action::AUTH_LOGOUT,
    Action::AUTH_GET_SESSIONS,
    Action::AUTH_REVOKE_SESSION,
    Action::USER_ME,
    Action::USER_UPDATE_ME,
    Action::USER_FIND,
    Action::USER_FIND_ONE,
    Action::USER_COUNT,
    Action::USER_CREATE,
    Action::USER_UPDATE,
    Action::USER_DESTROY,
    Action::ROLE_FIND,
    Action::ROLE_FIND_ONE,
    Action::ROLE_CREATE,
    Action::ROLE_UPDATE,
    Action::ROLE_DELETE,
    Action::PERMISSIONS_GET,
    Action::ADMIN_INIT,
    Action::ADMIN_REGISTER_FIRST,
    Action::ADMIN_LOGIN,
    Action::ADMIN_ACCESS_TOKEN,
    Action::ADMIN_REGISTRATION_INFO,
    Action::ADMIN_REGISTER,
    Action::ADMIN_SELF,
    Action::ADMIN_USERS_READ,
    Action::ADMIN_USERS_CREATE,
    Action::ADMIN_USERS_UPDATE,
    Action::ADMIN_USERS_DELETE,
    Action::ADMIN_USERS_RESTORE,
    Action::ADMIN_USERS_PURGE,
    Action::ADMIN_ROLES_READ,
    Action::ADMIN_ROLES_CREATE,
    Action::ADMIN_ROLES_UPDATE,
    Action::ADMIN_ROLES_DELETE,
    Action::ADMIN_INVITES_READ,
    Action::ADMIN_INVITES_CREATE,
    Action::ADMIN_INVITES_RESEND,
    Action::ADMIN_INVITES_DELETE,
    Action::ADMIN_API_TOKENS_READ,
    Action::ADMIN_API_TOKENS_CREATE,
    Action::ADMIN_API_TOKENS_UPDATE,
    Action::ADMIN_API_TOKENS_REGENERATE,
    Action::ADMIN_API_TOKENS_DELETE,
    Action::ADMIN_WEBHOOKS_READ,
    Action::ADMIN_WEBHOOKS_CREATE,
    Action::ADMIN_WEBHOOKS_UPDATE,
    Action::ADMIN_WEBHOOKS_DELETE,
    Action::ADMIN_WEBHOOKS_TRIGGER,
    Action::ADMIN_AUDIT_LOGS_READ,
    Action::ADMIN_ROUTES_READ,
    Action::ADMIN_ACCESS_REQUEST_CREATE,
    Action::ADMIN_ACCESS_REQUEST_CONFIRM,
    Action::ADMIN_ACCESS_REQUESTS_READ,
    Action::ADMIN_ACCESS_REQUESTS_UPDATE,
    Action::END_USERS_READ,
    Action::END_USERS_CREATE,
    Action::END_USERS_UPDATE,
    Action::END_USERS_DELETE,
    Action::END_USER_ROLES_READ,
    Action::END_USER_ROLES_CREATE,
    Action::END_USER_ROLES_UPDATE,
    Action::END_USER_ROLES_DELETE,
    Action::END_USER_SESSIONS_READ,
    Action::END_USER_SESSIONS_REVOKE,
];

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
