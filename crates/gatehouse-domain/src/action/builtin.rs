//! The built-in actions: one constant per operation of every surface, with its realm, who may
//! call it, its description and its default grants.

use super::{Action, ActionRealm, ActionSpec};
use crate::model::{AdminRole, Role};

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
pub(super) const BUILTIN: &[Action] = &[
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
