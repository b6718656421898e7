//! The route table: every route's handler name, method, path and action in one place. The
//! router, `gatehouse routes list`, `GET /admin/routes`, role permissions and the OpenAPI
//! document all read it, so a route without an action cannot exist.
//!
//! Each row has two names. Its **handler name** is what configuration and `routes list` use
//! (`[routes."user.update"]`), in Strapi's dotted style:
//! - Strapi content API: Strapi's own `<controller>.<action>` (`user.find`, `user.findOne`,
//!   `user.destroy`, `auth.callback` for the login, `role.createRole`), which is the route's
//!   action name without `plugin::users-permissions.`;
//! - every other surface: `<surface>.<resource>.<verb>` with camelCase resources and the verbs
//!   `list`, `get`, `create`, `update`, `delete` or the operation's own word (`restore`,
//!   `resend`, `regenerate`, `batchDelete`): `admin.users.create`, `admin.apiTokens.regenerate`,
//!   `v1.users.list`; the admin API's own session routes are `admin.login`, `admin.logout`, …;
//! - operations endpoints: `ops.<what>` (`ops.health`, `ops.openapi`).
//!
//! Its **route name** is the Rust handler's name (`update_user`): the OpenAPI operation id, the
//! metrics label, and still accepted in `[rate_limit.routes."<name>"]`.
//!
//! [`RouteTable`] is the table as configured (`[routes."<handler>"]`): which routes are enabled
//! and which policies each runs.

use crate::config::RouteConfig;
use crate::extend::{AddedRoute, Extensions, RequestView, Wrap};
use crate::http::client_ip::ClientIp;
use crate::http::metrics::RouteName;
use crate::http::openapi::{self, Described};
use crate::http::ratelimit::{self, RoutePolicy as RatePolicy, Verdict};
use crate::http::rejection::{buffer_body, refuse_unstorable_json_text, refuse_unstorable_query};
use crate::http::surface::{self, Surface};
use crate::http::{admin, content, medusa, ops, scim, v1, AppState};
use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{MethodFilter, MethodRouter};
use axum::Router;
use gatehouse_domain::action::Action;
use gatehouse_domain::route_policy::{PolicyRequest, RoutePolicy};
use gatehouse_domain::{DomainError, RequestContext};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;
use utoipa::ToSchema;

/// Which rate-limit policy a route falls under by default (`http/ratelimit.rs` builds the
/// limiters; `[rate_limit.routes."<handler>"]` changes one route's).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RateLimitClass {
    /// Credential-guessing targets: logins, registration, password resets, confirmations,
    /// invite acceptance; limited per IP and per identifier.
    Auth,
    /// Every other API route; limited per token or IP.
    Standard,
    /// Operations endpoints (health, readiness, metrics, the OpenAPI document).
    Unlimited,
}

/// One route.
pub struct Route {
    /// The Rust handler's name: the OpenAPI operation id and the metrics label.
    pub name: &'static str,
    /// The configurable handler name (`user.update`; see the module header for the scheme).
    pub handler: &'static str,
    /// HTTP method.
    pub method: Method,
    /// Path, in axum's syntax (`/api/users/{id}`).
    pub path: &'static str,
    /// The permission the caller must hold.
    pub action: Action,
    /// The wire dialect: how credentials resolve and how failures are rendered.
    pub surface: &'static Surface,
    /// The rate-limit policy.
    pub rate_limit: RateLimitClass,
    /// Policies this route always runs, before those configuration adds (none on the built-in
    /// rows; an application's added routes list theirs, see [`crate::extend::NewRoute::policies`]).
    pub policies: &'static [&'static str],
    pub(crate) mount: fn(MethodFilter) -> MethodRouter<AppState>,
    /// The handler's OpenAPI description (from its `#[utoipa::path]` annotation).
    pub describe: fn() -> Described,
}

impl std::fmt::Debug for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Route")
            .field("handler", &self.handler)
            .field("method", &self.method)
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// `route!(SURFACE, METHOD "/path" => handler in module as "handler.name", ACTION, RateLimitClass)`:
/// the Rust handler's name is the route's name and OpenAPI operation id, and its annotation
/// describes the route.
macro_rules! route {
    ($surface:ident, $method:ident $path:literal => $name:ident in $($module:ident)::+ as $handler:literal, $action:ident, $limit:ident) => {
        paste::paste! {
            Route {
                name: stringify!($name),
                handler: $handler,
                method: Method::$method,
                path: $path,
                action: Action::$action,
                surface: &surface::$surface,
                rate_limit: RateLimitClass::$limit,
                policies: &[],
                mount: |filter| axum::routing::on(filter, $($module::)+ $name),
                describe: openapi::describe::<$($module::)+ [<__path_ $name>]>,
            }
        }
    };
}

/// Every route Gatehouse serves.
pub static ROUTES: &[Route] = &[
    route!(STRAPI_CONTENT, GET "/_health" => health in ops as "ops.health", HEALTH, Unlimited),
    route!(STRAPI_CONTENT, GET "/readyz" => ready in ops as "ops.ready", READY, Unlimited),
    route!(STRAPI_CONTENT, GET "/metrics" => metrics in ops as "ops.metrics", METRICS, Unlimited),
    route!(STRAPI_CONTENT, GET "/openapi.json" => openapi in ops as "ops.openapi", OPEN_API, Unlimited),
    route!(STRAPI_CONTENT, GET "/docs" => docs in ops as "ops.docs", OPEN_API, Unlimited),
    route!(STRAPI_CONTENT, GET "/docs/{asset}" => docs_asset in ops as "ops.docsAsset", OPEN_API, Unlimited),
    route!(STRAPI_CONTENT, POST "/api/auth/local/register" => register in content::auth as "auth.register", AUTH_REGISTER, Auth),
    route!(STRAPI_CONTENT, POST "/api/auth/local" => login in content::auth as "auth.callback", AUTH_CALLBACK, Auth),
    route!(STRAPI_CONTENT, POST "/api/auth/logout" => logout in content::auth as "auth.logout", AUTH_LOGOUT, Standard),
    route!(STRAPI_CONTENT, POST "/api/auth/forgot-password" => forgot_password in content::auth as "auth.forgotPassword", AUTH_FORGOT_PASSWORD, Auth),
    route!(STRAPI_CONTENT, POST "/api/auth/reset-password" => reset_password in content::auth as "auth.resetPassword", AUTH_RESET_PASSWORD, Auth),
    route!(STRAPI_CONTENT, POST "/api/auth/change-password" => change_password in content::auth as "auth.changePassword", AUTH_CHANGE_PASSWORD, Auth),
    route!(STRAPI_CONTENT, GET "/api/auth/email-confirmation" => confirm_email in content::auth as "auth.emailConfirmation", AUTH_EMAIL_CONFIRMATION, Auth),
    route!(STRAPI_CONTENT, POST "/api/auth/send-email-confirmation" => send_email_confirmation in content::auth as "auth.sendEmailConfirmation", AUTH_SEND_EMAIL_CONFIRMATION, Auth),
    route!(STRAPI_CONTENT, POST "/api/auth/refresh" => refresh in content::auth as "auth.refresh", AUTH_REFRESH, Auth),
    route!(STRAPI_CONTENT, GET "/api/auth/sessions" => list_sessions in content::auth as "auth.getSessions", AUTH_GET_SESSIONS, Standard),
    route!(STRAPI_CONTENT, GET "/api/users/me" => find_me in content::users as "user.me", USER_ME, Standard),
    route!(STRAPI_CONTENT, GET "/api/users/count" => count_users in content::users as "user.count", USER_COUNT, Standard),
    route!(STRAPI_CONTENT, GET "/api/users" => list_users in content::users as "user.find", USER_FIND, Standard),
    route!(STRAPI_CONTENT, POST "/api/users" => create_user in content::users as "user.create", USER_CREATE, Standard),
    route!(STRAPI_CONTENT, GET "/api/users/{id}" => find_user in content::users as "user.findOne", USER_FIND_ONE, Standard),
    route!(STRAPI_CONTENT, PUT "/api/users/{id}" => update_user in content::users as "user.update", USER_UPDATE, Standard),
    route!(STRAPI_CONTENT, DELETE "/api/users/{id}" => delete_user in content::users as "user.destroy", USER_DESTROY, Standard),
    route!(STRAPI_CONTENT, GET "/api/users-permissions/roles" => list_roles in content::roles as "role.find", ROLE_FIND, Standard),
    route!(STRAPI_CONTENT, POST "/api/users-permissions/roles" => create_role in content::roles as "role.createRole", ROLE_CREATE, Standard),
    route!(STRAPI_CONTENT, GET "/api/users-permissions/roles/{id}" => find_role in content::roles as "role.findOne", ROLE_FIND_ONE, Standard),
    route!(STRAPI_CONTENT, PUT "/api/users-permissions/roles/{id}" => update_role in content::roles as "role.updateRole", ROLE_UPDATE, Standard),
    route!(STRAPI_CONTENT, DELETE "/api/users-permissions/roles/{id}" => delete_role in content::roles as "role.deleteRole", ROLE_DELETE, Standard),
    route!(STRAPI_CONTENT, GET "/api/users-permissions/permissions" => list_permissions in content::roles as "permissions.getPermissions", PERMISSIONS_GET, Standard),
    route!(V1, GET "/api/v1/users" => v1_list_users in v1::users as "v1.users.list", USER_FIND, Standard),
    route!(V1, POST "/api/v1/users" => v1_create_user in v1::users as "v1.users.create", USER_CREATE, Standard),
    route!(V1, GET "/api/v1/users/{user_id}" => v1_find_user in v1::users as "v1.users.get", USER_FIND_ONE, Standard),
    route!(V1, PUT "/api/v1/users/{user_id}" => v1_update_user in v1::users as "v1.users.update", USER_UPDATE, Standard),
    route!(V1, DELETE "/api/v1/users/{user_id}" => v1_delete_user in v1::users as "v1.users.delete", USER_DESTROY, Standard),
    route!(SCIM, GET "/scim/v2/ServiceProviderConfig" => scim_service_provider_config in scim::discovery as "scim.serviceProviderConfig.get", USER_FIND, Standard),
    route!(SCIM, GET "/scim/v2/ResourceTypes" => scim_list_resource_types in scim::discovery as "scim.resourceTypes.list", USER_FIND, Standard),
    route!(SCIM, GET "/scim/v2/ResourceTypes/{id}" => scim_find_resource_type in scim::discovery as "scim.resourceTypes.get", USER_FIND, Standard),
    route!(SCIM, GET "/scim/v2/Schemas" => scim_list_schemas in scim::discovery as "scim.schemas.list", USER_FIND, Standard),
    route!(SCIM, GET "/scim/v2/Schemas/{id}" => scim_find_schema in scim::discovery as "scim.schemas.get", USER_FIND, Standard),
    route!(SCIM, GET "/scim/v2/Users" => scim_list_users in scim::users as "scim.users.list", USER_FIND, Standard),
    route!(SCIM, POST "/scim/v2/Users" => scim_create_user in scim::users as "scim.users.create", USER_CREATE, Standard),
    route!(SCIM, POST "/scim/v2/Users/.search" => scim_search_users in scim::users as "scim.users.search", USER_FIND, Standard),
    route!(SCIM, GET "/scim/v2/Users/{id}" => scim_find_user in scim::users as "scim.users.get", USER_FIND_ONE, Standard),
    route!(SCIM, PUT "/scim/v2/Users/{id}" => scim_replace_user in scim::users as "scim.users.replace", USER_UPDATE, Standard),
    route!(SCIM, PATCH "/scim/v2/Users/{id}" => scim_patch_user in scim::users as "scim.users.update", USER_UPDATE, Standard),
    route!(SCIM, DELETE "/scim/v2/Users/{id}" => scim_delete_user in scim::users as "scim.users.delete", USER_DESTROY, Standard),
    route!(SCIM, GET "/scim/v2/Groups" => scim_list_groups in scim::groups as "scim.groups.list", ROLE_FIND, Standard),
    route!(SCIM, POST "/scim/v2/Groups" => scim_create_group in scim::groups as "scim.groups.create", ROLE_CREATE, Standard),
    route!(SCIM, POST "/scim/v2/Groups/.search" => scim_search_groups in scim::groups as "scim.groups.search", ROLE_FIND, Standard),
    route!(SCIM, GET "/scim/v2/Groups/{id}" => scim_find_group in scim::groups as "scim.groups.get", ROLE_FIND_ONE, Standard),
    route!(SCIM, PUT "/scim/v2/Groups/{id}" => scim_replace_group in scim::groups as "scim.groups.replace", ROLE_UPDATE, Standard),
    route!(SCIM, PATCH "/scim/v2/Groups/{id}" => scim_patch_group in scim::groups as "scim.groups.update", ROLE_UPDATE, Standard),
    route!(SCIM, DELETE "/scim/v2/Groups/{id}" => scim_delete_group in scim::groups as "scim.groups.delete", ROLE_DELETE, Standard),
    route!(SCIM, POST "/scim/v2/.search" => scim_search in scim::groups as "scim.search", USER_FIND, Standard),
    route!(STRAPI_ADMIN, GET "/admin/init" => admin_init in admin::auth as "admin.init", ADMIN_INIT, Standard),
    route!(STRAPI_ADMIN, POST "/admin/register-admin" => register_admin in admin::auth as "admin.registerAdmin", ADMIN_REGISTER_FIRST, Auth),
    route!(STRAPI_ADMIN, POST "/admin/login" => admin_login in admin::auth as "admin.login", ADMIN_LOGIN, Auth),
    route!(STRAPI_ADMIN, POST "/admin/logout" => admin_logout in admin::auth as "admin.logout", ADMIN_SELF, Standard),
    route!(STRAPI_ADMIN, POST "/admin/access-token" => admin_access_token in admin::auth as "admin.accessToken", ADMIN_ACCESS_TOKEN, Auth),
    route!(STRAPI_ADMIN, GET "/admin/registration-info" => registration_info in admin::auth as "admin.registrationInfo", ADMIN_REGISTRATION_INFO, Auth),
    route!(STRAPI_ADMIN, POST "/admin/register" => register_invited_admin in admin::auth as "admin.register", ADMIN_REGISTER, Auth),
    route!(STRAPI_ADMIN, POST "/admin/invites/accept" => accept_invite in admin::auth as "admin.invites.accept", ADMIN_REGISTER, Auth),
    route!(STRAPI_ADMIN, GET "/admin/users/me" => find_admin_me in admin::users as "admin.users.me", ADMIN_SELF, Standard),
    route!(STRAPI_ADMIN, PUT "/admin/users/me" => update_admin_me in admin::users as "admin.users.updateMe", ADMIN_SELF, Standard),
    route!(STRAPI_ADMIN, GET "/admin/users" => list_admins in admin::users as "admin.users.list", ADMIN_USERS_READ, Standard),
    route!(STRAPI_ADMIN, POST "/admin/users" => create_admin in admin::users as "admin.users.create", ADMIN_USERS_CREATE, Standard),
    route!(STRAPI_ADMIN, POST "/admin/users/batch-delete" => batch_delete_admins in admin::users as "admin.users.batchDelete", ADMIN_USERS_DELETE, Standard),
    route!(STRAPI_ADMIN, GET "/admin/users/{id}" => find_admin in admin::users as "admin.users.get", ADMIN_USERS_READ, Standard),
    route!(STRAPI_ADMIN, PUT "/admin/users/{id}" => update_admin in admin::users as "admin.users.update", ADMIN_USERS_UPDATE, Standard),
    route!(STRAPI_ADMIN, DELETE "/admin/users/{id}" => delete_admin in admin::users as "admin.users.delete", ADMIN_USERS_DELETE, Standard),
    route!(STRAPI_ADMIN, POST "/admin/users/{id}/restore" => restore_admin in admin::users as "admin.users.restore", ADMIN_USERS_RESTORE, Standard),
    route!(STRAPI_ADMIN, GET "/admin/invites" => list_invites in admin::invites as "admin.invites.list", ADMIN_INVITES_READ, Standard),
    route!(STRAPI_ADMIN, POST "/admin/invites" => create_invite in admin::invites as "admin.invites.create", ADMIN_INVITES_CREATE, Standard),
    route!(STRAPI_ADMIN, POST "/admin/invites/{id}/resend" => resend_invite in admin::invites as "admin.invites.resend", ADMIN_INVITES_RESEND, Standard),
    route!(STRAPI_ADMIN, DELETE "/admin/invites/{id}" => revoke_invite in admin::invites as "admin.invites.revoke", ADMIN_INVITES_DELETE, Standard),
    route!(STRAPI_ADMIN, POST "/admin/access-requests" => create_access_request in admin::access_requests as "admin.accessRequests.create", ADMIN_ACCESS_REQUEST_CREATE, Auth),
    route!(STRAPI_ADMIN, GET "/admin/access-requests/confirm" => confirm_access_request in admin::access_requests as "admin.accessRequests.confirm", ADMIN_ACCESS_REQUEST_CONFIRM, Auth),
    route!(STRAPI_ADMIN, GET "/admin/access-requests" => list_access_requests in admin::access_requests as "admin.accessRequests.list", ADMIN_ACCESS_REQUESTS_READ, Standard),
    route!(STRAPI_ADMIN, POST "/admin/access-requests/{id}/approve" => approve_access_request in admin::access_requests as "admin.accessRequests.approve", ADMIN_ACCESS_REQUESTS_UPDATE, Standard),
    route!(STRAPI_ADMIN, POST "/admin/access-requests/{id}/reject" => reject_access_request in admin::access_requests as "admin.accessRequests.reject", ADMIN_ACCESS_REQUESTS_UPDATE, Standard),
    route!(STRAPI_ADMIN, GET "/admin/roles" => list_admin_roles in admin::roles as "admin.roles.list", ADMIN_ROLES_READ, Standard),
    route!(STRAPI_ADMIN, POST "/admin/roles" => create_admin_role in admin::roles as "admin.roles.create", ADMIN_ROLES_CREATE, Standard),
    route!(STRAPI_ADMIN, GET "/admin/roles/{id}" => find_admin_role in admin::roles as "admin.roles.get", ADMIN_ROLES_READ, Standard),
    route!(STRAPI_ADMIN, DELETE "/admin/roles/{id}" => delete_admin_role in admin::roles as "admin.roles.delete", ADMIN_ROLES_DELETE, Standard),
    route!(STRAPI_ADMIN, GET "/admin/roles/{id}/permissions" => list_admin_role_permissions in admin::roles as "admin.roles.permissions.list", ADMIN_ROLES_READ, Standard),
    route!(STRAPI_ADMIN, PUT "/admin/roles/{id}/permissions" => update_admin_role_permissions in admin::roles as "admin.roles.permissions.update", ADMIN_ROLES_UPDATE, Standard),
    route!(STRAPI_ADMIN, GET "/admin/api-tokens" => list_api_tokens in admin::api_tokens as "admin.apiTokens.list", ADMIN_API_TOKENS_READ, Standard),
    route!(STRAPI_ADMIN, POST "/admin/api-tokens" => create_api_token in admin::api_tokens as "admin.apiTokens.create", ADMIN_API_TOKENS_CREATE, Standard),
    route!(STRAPI_ADMIN, GET "/admin/api-tokens/{id}" => find_api_token in admin::api_tokens as "admin.apiTokens.get", ADMIN_API_TOKENS_READ, Standard),
    route!(STRAPI_ADMIN, PUT "/admin/api-tokens/{id}" => update_api_token in admin::api_tokens as "admin.apiTokens.update", ADMIN_API_TOKENS_UPDATE, Standard),
    route!(STRAPI_ADMIN, DELETE "/admin/api-tokens/{id}" => delete_api_token in admin::api_tokens as "admin.apiTokens.delete", ADMIN_API_TOKENS_DELETE, Standard),
    route!(STRAPI_ADMIN, POST "/admin/api-tokens/{id}/regenerate" => regenerate_api_token in admin::api_tokens as "admin.apiTokens.regenerate", ADMIN_API_TOKENS_REGENERATE, Standard),
    route!(STRAPI_ADMIN, GET "/users-permissions/roles" => admin_list_end_user_roles in admin::end_users as "admin.endUserRoles.list", END_USER_ROLES_READ, Standard),
    route!(STRAPI_ADMIN, POST "/users-permissions/roles" => admin_create_end_user_role in admin::end_users as "admin.endUserRoles.create", END_USER_ROLES_CREATE, Standard),
    route!(STRAPI_ADMIN, GET "/users-permissions/roles/{id}" => admin_find_end_user_role in admin::end_users as "admin.endUserRoles.get", END_USER_ROLES_READ, Standard),
    route!(STRAPI_ADMIN, PUT "/users-permissions/roles/{id}" => admin_update_end_user_role in admin::end_users as "admin.endUserRoles.update", END_USER_ROLES_UPDATE, Standard),
    route!(STRAPI_ADMIN, DELETE "/users-permissions/roles/{id}" => admin_delete_end_user_role in admin::end_users as "admin.endUserRoles.delete", END_USER_ROLES_DELETE, Standard),
    route!(STRAPI_ADMIN, GET "/admin/end-users/{id}/sessions" => list_end_user_sessions in admin::end_users as "admin.endUsers.sessions.list", END_USER_SESSIONS_READ, Standard),
    route!(STRAPI_ADMIN, POST "/admin/end-users/{id}/revoke-sessions" => revoke_end_user_sessions in admin::end_users as "admin.endUsers.sessions.revoke", END_USER_SESSIONS_REVOKE, Standard),
    // The audit log.
    route!(STRAPI_ADMIN, GET "/admin/audit-logs" => list_audit_logs in admin::audit_logs as "admin.auditLogs.list", ADMIN_AUDIT_LOGS_READ, Standard),
    // The route table itself.
    route!(STRAPI_ADMIN, GET "/admin/routes" => list_routes in admin::routes as "admin.routes.list", ADMIN_ROUTES_READ, Standard),
    // Webhooks.
    route!(STRAPI_ADMIN, GET "/admin/webhooks" => list_webhooks in admin::webhooks as "admin.webhooks.list", ADMIN_WEBHOOKS_READ, Standard),
    route!(STRAPI_ADMIN, POST "/admin/webhooks" => create_webhook in admin::webhooks as "admin.webhooks.create", ADMIN_WEBHOOKS_CREATE, Standard),
    route!(STRAPI_ADMIN, GET "/admin/webhooks/{id}" => find_webhook in admin::webhooks as "admin.webhooks.get", ADMIN_WEBHOOKS_READ, Standard),
    route!(STRAPI_ADMIN, PUT "/admin/webhooks/{id}" => update_webhook in admin::webhooks as "admin.webhooks.update", ADMIN_WEBHOOKS_UPDATE, Standard),
    route!(STRAPI_ADMIN, DELETE "/admin/webhooks/{id}" => delete_webhook in admin::webhooks as "admin.webhooks.delete", ADMIN_WEBHOOKS_DELETE, Standard),
    route!(STRAPI_ADMIN, POST "/admin/webhooks/{id}/trigger" => trigger_webhook in admin::webhooks as "admin.webhooks.trigger", ADMIN_WEBHOOKS_TRIGGER, Standard),
    route!(STRAPI_ADMIN, GET "/admin/webhooks/{id}/deliveries" => list_webhook_deliveries in admin::webhooks as "admin.webhooks.deliveries.list", ADMIN_WEBHOOKS_READ, Standard),
    route!(STRAPI_ADMIN, POST "/admin/webhooks/{id}/deliveries/{delivery}/resend" => resend_webhook_delivery in admin::webhooks as "admin.webhooks.deliveries.resend", ADMIN_WEBHOOKS_TRIGGER, Standard),
    route!(MEDUSA, POST "/medusa/auth/user/emailpass" => medusa_user_login in medusa::auth as "medusa.auth.login", ADMIN_LOGIN, Auth),
    route!(MEDUSA, POST "/medusa/auth/user/emailpass/register" => medusa_user_register in medusa::auth as "medusa.auth.register", ADMIN_REGISTER, Auth),
    route!(MEDUSA, POST "/medusa/auth/user/emailpass/reset-password" => medusa_user_reset_password in medusa::auth as "medusa.auth.resetPassword", ADMIN_LOGIN, Auth),
    route!(MEDUSA, POST "/medusa/auth/user/emailpass/update" => medusa_user_update_password in medusa::auth as "medusa.auth.updatePassword", ADMIN_LOGIN, Auth),
    route!(MEDUSA_STORE_AUTH, POST "/medusa/auth/customer/emailpass" => medusa_customer_login in medusa::auth as "medusa.auth.customerLogin", AUTH_CALLBACK, Auth),
    route!(MEDUSA_STORE_AUTH, POST "/medusa/auth/customer/emailpass/register" => medusa_customer_register in medusa::auth as "medusa.auth.customerRegister", AUTH_REGISTER, Auth),
    route!(MEDUSA_STORE, POST "/medusa/store/customers" => medusa_store_create_customer in medusa::customers as "medusa.store.customers.create", TOKEN_CREDENTIAL, Auth),
    route!(MEDUSA_STORE, GET "/medusa/store/customers/me" => medusa_store_customer_me in medusa::customers as "medusa.store.customers.me", USER_ME, Standard),
    route!(MEDUSA_STORE, POST "/medusa/store/customers/me" => medusa_store_update_customer_me in medusa::customers as "medusa.store.customers.updateMe", USER_UPDATE_ME, Standard),
    route!(MEDUSA_STORE_AUTH, POST "/medusa/auth/customer/emailpass/reset-password" => medusa_customer_reset_password in medusa::auth as "medusa.auth.customerResetPassword", AUTH_FORGOT_PASSWORD, Auth),
    route!(MEDUSA_STORE_AUTH, POST "/medusa/auth/customer/emailpass/update" => medusa_customer_update_password in medusa::auth as "medusa.auth.customerUpdatePassword", TOKEN_CREDENTIAL, Auth),
    route!(MEDUSA, POST "/medusa/auth/token/refresh" => medusa_refresh_token in medusa::auth as "medusa.auth.refresh", TOKEN_CREDENTIAL, Standard),
    route!(MEDUSA, DELETE "/medusa/auth/session" => medusa_delete_session in medusa::auth as "medusa.auth.logout", TOKEN_CREDENTIAL, Standard),
    route!(MEDUSA, GET "/medusa/admin/users" => medusa_list_users in medusa::users as "medusa.users.list", ADMIN_USERS_READ, Standard),
    route!(MEDUSA, GET "/medusa/admin/users/me" => medusa_user_me in medusa::users as "medusa.users.me", ADMIN_SELF, Standard),
    route!(MEDUSA, GET "/medusa/admin/users/{id}" => medusa_find_user in medusa::users as "medusa.users.get", ADMIN_USERS_READ, Standard),
    route!(MEDUSA, POST "/medusa/admin/users/{id}" => medusa_update_user in medusa::users as "medusa.users.update", ADMIN_USERS_UPDATE, Standard),
    route!(MEDUSA, DELETE "/medusa/admin/users/{id}" => medusa_delete_user in medusa::users as "medusa.users.delete", ADMIN_USERS_DELETE, Standard),
    route!(MEDUSA, GET "/medusa/admin/invites" => medusa_list_invites in medusa::invites as "medusa.invites.list", ADMIN_INVITES_READ, Standard),
    route!(MEDUSA, POST "/medusa/admin/invites" => medusa_create_invite in medusa::invites as "medusa.invites.create", ADMIN_INVITES_CREATE, Standard),
    route!(MEDUSA, POST "/medusa/admin/invites/accept" => medusa_accept_invite in medusa::invites as "medusa.invites.accept", ADMIN_REGISTER, Auth),
    route!(MEDUSA, GET "/medusa/admin/invites/{id}" => medusa_find_invite in medusa::invites as "medusa.invites.get", ADMIN_INVITES_READ, Standard),
    route!(MEDUSA, DELETE "/medusa/admin/invites/{id}" => medusa_delete_invite in medusa::invites as "medusa.invites.delete", ADMIN_INVITES_DELETE, Standard),
    route!(MEDUSA, POST "/medusa/admin/invites/{id}/resend" => medusa_resend_invite in medusa::invites as "medusa.invites.resend", ADMIN_INVITES_RESEND, Standard),
    route!(MEDUSA, GET "/medusa/admin/api-keys" => medusa_list_api_keys in medusa::api_keys as "medusa.apiKeys.list", ADMIN_API_TOKENS_READ, Standard),
    route!(MEDUSA, POST "/medusa/admin/api-keys" => medusa_create_api_key in medusa::api_keys as "medusa.apiKeys.create", ADMIN_API_TOKENS_CREATE, Standard),
    route!(MEDUSA, GET "/medusa/admin/api-keys/{id}" => medusa_find_api_key in medusa::api_keys as "medusa.apiKeys.get", ADMIN_API_TOKENS_READ, Standard),
    route!(MEDUSA, POST "/medusa/admin/api-keys/{id}" => medusa_update_api_key in medusa::api_keys as "medusa.apiKeys.update", ADMIN_API_TOKENS_UPDATE, Standard),
    route!(MEDUSA, DELETE "/medusa/admin/api-keys/{id}" => medusa_delete_api_key in medusa::api_keys as "medusa.apiKeys.delete", ADMIN_API_TOKENS_DELETE, Standard),
    route!(MEDUSA, POST "/medusa/admin/api-keys/{id}/revoke" => medusa_revoke_api_key in medusa::api_keys as "medusa.apiKeys.revoke", ADMIN_API_TOKENS_UPDATE, Standard),
    route!(MEDUSA, GET "/medusa/admin/customers" => medusa_list_customers in medusa::customers as "medusa.customers.list", USER_FIND, Standard),
    route!(MEDUSA, POST "/medusa/admin/customers" => medusa_create_customer in medusa::customers as "medusa.customers.create", USER_CREATE, Standard),
    route!(MEDUSA, GET "/medusa/admin/customers/{id}" => medusa_find_customer in medusa::customers as "medusa.customers.get", USER_FIND_ONE, Standard),
    route!(MEDUSA, POST "/medusa/admin/customers/{id}" => medusa_update_customer in medusa::customers as "medusa.customers.update", USER_UPDATE, Standard),
    route!(MEDUSA, DELETE "/medusa/admin/customers/{id}" => medusa_delete_customer in medusa::customers as "medusa.customers.delete", USER_DESTROY, Standard),
];

/// Whether a row belongs to the Medusa dialect (written under [`medusa::PATH_PREFIX`]).
pub fn is_medusa_row(route: &Route) -> bool {
    route.path.strip_prefix(medusa::PATH_PREFIX).is_some_and(|rest| rest.starts_with('/'))
}

fn method_filter(method: &Method) -> MethodFilter {
    match *method {
        Method::POST => MethodFilter::POST,
        Method::PUT => MethodFilter::PUT,
        Method::PATCH => MethodFilter::PATCH,
        Method::DELETE => MethodFilter::DELETE,
        _ => MethodFilter::GET,
    }
}

/// The name an answer made before a route's guard ran (a 405, a panic, a CORS preflight) is
/// counted under: the route of `matched_path` and `method`, else the first route declared on
/// that path (a 405), else `unmatched` (no route has the path).
pub fn route_name_for(matched_path: Option<&str>, method: &Method) -> &'static str {
    let Some(path) = matched_path else { return "unmatched" };
    let on_path = || ROUTES.iter().filter(move |route| route.path == path);
    on_path().find(|route| route.method == *method).or_else(|| on_path().next()).map_or("unmatched", |route| route.name)
}

/// The handler-name prefix of the access-request routes, served only when
/// `admin.access_requests.enabled`.
const ACCESS_REQUEST_HANDLERS: &str = "admin.accessRequests.";

/// The route table as configured: each row of [`ROUTES`] with whether it is enabled and the
/// policies it runs (`[routes."<handler>"]`), in the order of [`ROUTES`].
#[derive(Clone, Debug)]
pub struct RouteTable {
    entries: Vec<ConfiguredRoute>,
    /// Where the Medusa dialect is mounted (`medusa.prefix`); its rows are written under
    /// [`medusa::PATH_PREFIX`] and served under this.
    medusa_prefix: String,
}

/// One route as configured.
#[derive(Clone, Debug)]
pub struct ConfiguredRoute {
    /// The row.
    pub route: &'static Route,
    /// `false`: the route answers 404 as if it never existed, and OpenAPI leaves it out.
    pub enabled: bool,
    /// Checked in order after the permission check, before the handler: the row's own, then
    /// the configured ones.
    pub policies: Arc<[RoutePolicy]>,
    /// Code an application runs around the handler.
    pub(crate) wrap: Option<Arc<Wrap>>,
    /// The code of a route an application added.
    pub(crate) added: Option<Arc<AddedRoute>>,
}

impl Default for RouteTable {
    fn default() -> Self {
        let entries = ROUTES
            .iter()
            .map(|route| ConfiguredRoute {
                route,
                enabled: true,
                policies: Arc::from(Vec::new()),
                wrap: None,
                added: None,
            })
            .collect();
        Self { entries, medusa_prefix: medusa::PATH_PREFIX.to_owned() }
    }
}

impl RouteTable {
    /// The table `[routes]` describes; every unknown handler name, unknown policy and bad
    /// argument is one problem (`routes."<handler>"…: why`), naming what exists.
    pub fn from_config(config: &BTreeMap<String, RouteConfig>) -> Result<Self, Vec<String>> {
        Self::from_config_with(config, &Extensions::default())
    }

    /// [`RouteTable::from_config`] over the built-in routes and those `extensions` adds, with
    /// its policies known by name and its wraps in place. An added route whose handler name,
    /// or method and path, is taken, and a wrap of an unknown handler, are problems too.
    pub fn from_config_with(
        config: &BTreeMap<String, RouteConfig>,
        extensions: &Extensions,
    ) -> Result<Self, Vec<String>> {
        let mut table = Self::default();
        let mut problems: Vec<String> = extensions.problems().to_vec();
        for added in &extensions.routes {
            let route = added.route;
            let clash = table.entries.iter().find(|entry| {
                entry.route.handler.eq_ignore_ascii_case(route.handler)
                    || (entry.route.method == route.method && entry.route.path == route.path)
            });
            if let Some(taken) = clash {
                problems.push(format!(
                    "added route {:?} ({} {}): the route {:?} ({} {}) has this handler name or method and path",
                    route.handler, route.method, route.path, taken.route.handler, taken.route.method, taken.route.path
                ));
                continue;
            }
            table.entries.push(ConfiguredRoute {
                route,
                enabled: true,
                policies: Arc::from(Vec::new()),
                wrap: None,
                added: Some(added.clone()),
            });
        }
        let known = |table: &Self| table.entries.iter().map(|entry| entry.route.handler).collect::<Vec<_>>().join(", ");
        for (handler, _) in &extensions.wraps {
            match table.entries.iter_mut().find(|entry| entry.route.handler.eq_ignore_ascii_case(handler)) {
                Some(entry) => entry.wrap = extensions.wrap_of(handler),
                None => problems.push(format!("wrap {handler:?}: no route has this handler name")),
            }
        }
        for handler in &extensions.disabled {
            match table.entries.iter_mut().find(|entry| entry.route.handler.eq_ignore_ascii_case(handler)) {
                Some(entry) => entry.enabled = false,
                None => problems.push(format!("disable {handler:?}: no route has this handler name")),
            }
        }
        for entry in &mut table.entries {
            let mut policies = Vec::new();
            for text in entry.route.policies {
                match extensions.policies.parse(text) {
                    Ok(policy) => policies.push(policy),
                    Err(error) => problems.push(format!("route {:?}: {error}", entry.route.handler)),
                }
            }
            entry.policies = Arc::from(policies);
        }
        for (handler, settings) in config {
            let key = format!("routes.{handler:?}");
            let Some(index) = table.entries.iter().position(|entry| entry.route.handler.eq_ignore_ascii_case(handler))
            else {
                problems.push(format!("{key}: no route has this handler name (known: {})", known(&table)));
                continue;
            };
            let entry = &mut table.entries[index];
            // A route the application removed stays removed.
            entry.enabled = entry.enabled && settings.enabled;
            let mut policies = entry.policies.to_vec();
            for text in &settings.policies {
                match extensions.policies.parse(text) {
                    Ok(policy) => policies.push(policy),
                    Err(error) => problems.push(format!("{key}.policies: {error}")),
                }
            }
            entry.policies = Arc::from(policies);
        }
        if problems.is_empty() {
            Ok(table)
        } else {
            Err(problems)
        }
    }

    /// The table `[routes]` and `extensions` describe, with the routes of features the
    /// configuration leaves off disabled (whatever `[routes]` says of them): access requests
    /// unless `admin.access_requests.enabled`, the Medusa dialect unless `medusa.enabled`
    /// (else mounted at `medusa.prefix`).
    pub fn for_config(config: &crate::config::Config, extensions: &Extensions) -> Result<Self, Vec<String>> {
        let mut table = Self::from_config_with(&config.routes, extensions)?;
        if !config.admin.access_requests.enabled {
            for entry in &mut table.entries {
                if entry.route.handler.starts_with(ACCESS_REQUEST_HANDLERS) {
                    entry.enabled = false;
                }
            }
        }
        Ok(table.with_medusa(config.medusa.mount()))
    }

    /// The table with the Medusa dialect mounted at `mount` (`medusa.prefix`), or, with
    /// `None` (`medusa.enabled = false`), with every Medusa route disabled.
    pub fn with_medusa(mut self, mount: Option<&str>) -> Self {
        match mount {
            Some(prefix) => prefix.clone_into(&mut self.medusa_prefix),
            None => {
                for entry in &mut self.entries {
                    if is_medusa_row(entry.route) {
                        entry.enabled = false;
                    }
                }
            }
        }
        self
    }

    /// Every route, in the order of [`ROUTES`].
    pub fn entries(&self) -> &[ConfiguredRoute] {
        &self.entries
    }

    /// The path `route` is served at: its row's, with a Medusa row under the configured prefix.
    pub fn path_of(&self, route: &Route) -> std::borrow::Cow<'static, str> {
        match route.path.strip_prefix(medusa::PATH_PREFIX) {
            Some(rest) if is_medusa_row(route) => format!("{}{rest}", self.medusa_prefix).into(),
            _ => route.path.into(),
        }
    }

    /// The surface that owns a path no route matched: the Medusa dialect's under its prefix,
    /// else by [`surface::surface_for_path`].
    pub fn surface_for_path(&self, path: &str) -> &'static Surface {
        let under_medusa =
            path.strip_prefix(self.medusa_prefix.as_str()).is_some_and(|rest| rest.is_empty() || rest.starts_with('/'));
        if under_medusa {
            &surface::MEDUSA
        } else {
            surface::surface_for_path(path)
        }
    }

    /// [`route_name_for`] for a path as served (a Medusa path under the configured prefix).
    pub fn route_name_for(&self, matched_path: Option<&str>, method: &Method) -> &'static str {
        let row_path = matched_path.map(|path| match path.strip_prefix(self.medusa_prefix.as_str()) {
            Some(rest) if rest.starts_with('/') => format!("{}{rest}", medusa::PATH_PREFIX),
            _ => path.to_owned(),
        });
        route_name_for(row_path.as_deref(), method)
    }

    /// The table as `gatehouse routes list --json` and `GET /admin/routes` show it, with each
    /// route's effective rate limit from `limits`.
    pub fn views(&self, limits: &ratelimit::RateLimits) -> Vec<RouteView> {
        self.entries
            .iter()
            .map(|entry| RouteView {
                handler: entry.route.handler.to_owned(),
                method: entry.route.method.as_str().to_owned(),
                path: self.path_of(entry.route).into_owned(),
                action: entry.route.action.as_str().to_owned(),
                policies: entry.policies.iter().map(ToString::to_string).collect(),
                rate_limit: limits.describe(entry.route),
                enabled: entry.enabled,
                surface: entry.route.surface.name.to_owned(),
            })
            .collect()
    }
}

/// One route of the effective table, as `gatehouse routes list --json` prints it and
/// `GET /admin/routes` answers it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RouteView {
    /// The handler name configuration uses (`user.update`).
    #[schema(example = "user.update")]
    pub handler: String,
    /// The HTTP method.
    #[schema(example = "PUT")]
    pub method: String,
    /// The path, parameters in braces.
    #[schema(example = "/api/users/{id}")]
    pub path: String,
    /// The permission a caller must hold.
    #[schema(example = "plugin::users-permissions.user.update")]
    pub action: String,
    /// The configured policies, in the order they run.
    #[schema(example = json!(["is-own-user"]))]
    pub policies: Vec<String>,
    /// The effective limits (`600/1m per token or IP`), or null when the route is not limited.
    #[schema(example = "600/1m per token or IP")]
    pub rate_limit: Option<String>,
    /// `false`: the route answers 404 as if it did not exist.
    pub enabled: bool,
    /// The surface (wire dialect) that serves it.
    #[schema(example = "strapi-content")]
    pub surface: String,
}

/// The router built from the configured table, each enabled route behind its guard. A disabled
/// route answers exactly as a path that never existed: its method (or, when every method of
/// its path is disabled, any method) is the 404 of the surface, with no `Allow`.
pub fn router(state: AppState) -> Router<AppState> {
    let mut by_path: BTreeMap<String, MethodRouter<AppState>> = BTreeMap::new();
    let mut disabled: BTreeMap<String, Vec<&'static Route>> = BTreeMap::new();
    for entry in state.routes.entries() {
        let route = entry.route;
        let path = state.routes.path_of(route).into_owned();
        if !entry.enabled {
            disabled.entry(path).or_default().push(route);
            continue;
        }
        let checks = Arc::new(Checks {
            rate: state.limits.policy(route),
            policies: entry.policies.clone(),
            path_id: path_id_segment(route.path),
            wrap: entry.wrap.clone(),
        });
        let mounted = match &entry.added {
            Some(added) => {
                let added = added.clone();
                axum::routing::on(
                    method_filter(&route.method),
                    move |State(state): State<AppState>, request: Request| {
                        crate::http::added::answer(state, added.clone(), request)
                    },
                )
            }
            None => (route.mount)(method_filter(&route.method)),
        };
        let endpoint = mounted
            .route_layer(middleware::from_fn_with_state(state.clone(), move |state, request, next| {
                guard(state, route, checks.clone(), request, next)
            }));
        let merged = match by_path.remove(&path) {
            Some(existing) => existing.merge(endpoint),
            None => endpoint,
        };
        by_path.insert(path, merged);
    }
    for (path, routes) in disabled {
        let endpoint = match by_path.remove(&path) {
            Some(existing) => {
                let allowed = allowed_methods(&state.routes, &path);
                routes
                    .iter()
                    .fold(existing, |endpoint, route| {
                        endpoint.merge(axum::routing::on(method_filter(&route.method), super::not_found))
                    })
                    .fallback(move || method_not_allowed(allowed.clone()))
            }
            None => axum::routing::any(super::not_found),
        };
        by_path.insert(path, endpoint);
    }
    by_path.into_iter().fold(Router::new(), |router, (path, endpoint)| router.route(&path, endpoint))
}

/// The enabled methods of `path`, as `Allow` lists them (`HEAD` beside `GET`, as the router).
fn allowed_methods(table: &RouteTable, path: &str) -> String {
    let mut methods = Vec::new();
    for entry in table.entries().iter().filter(|entry| entry.enabled && table.path_of(entry.route) == path) {
        methods.push(entry.route.method.as_str());
        if entry.route.method == Method::GET {
            methods.push("HEAD");
        }
    }
    methods.join(",")
}

/// The 405 of a path with a disabled method: its `Allow` names only the enabled ones (the
/// router would list the disabled method too, revealing the route).
async fn method_not_allowed(allowed: String) -> Response {
    use axum::response::IntoResponse;
    let mut response = surface::HttpFailure::MethodNotAllowed.into_response();
    if let Ok(value) = axum::http::HeaderValue::from_str(&allowed) {
        response.headers_mut().insert(axum::http::header::ALLOW, value);
    }
    response
}

/// Which segment of a route's path is the id a policy such as `is-own-user` compares
/// (`{id}`, or v1's `{user_id}`).
fn path_id_segment(path: &str) -> Option<usize> {
    path.split('/').position(|segment| segment == "{id}" || segment == "{user_id}")
}

/// What the guard checks besides the action: the rate limits and the configured policies;
/// and the code an application wraps the handler in.
struct Checks {
    rate: Option<Arc<RatePolicy>>,
    policies: Arc<[RoutePolicy]>,
    path_id: Option<usize>,
    wrap: Option<Arc<Wrap>>,
}

/// The id segment `index` of `path` names, in `surface`'s id format.
pub(crate) fn path_id_at(surface: &Surface, path: &str, index: Option<usize>) -> Option<i64> {
    index.and_then(|index| path.split('/').nth(index).and_then(|raw| (surface.path_id)(raw)))
}

/// Resolves the caller once, checks the route's action (an admin on a surface open to both
/// realms: its admin-realm counterpart), and hands the caller to the handler.
/// No credentials and a missing grant is 403 (as Strapi); bad credentials are 401.
/// Failures the handler left unrendered (a body rejection) are rendered by the route's surface.
/// The body is buffered first (an oversized one is a 413 at once); then the route's rate
/// limits are counted (from the client address, the credential and the buffered body alone: a
/// refused request costs no database read and no password hash), and every limited answer
/// carries their headers; then the caller is resolved and authorized, so a request without its
/// credentials is a 401/403 whatever it holds; then a query string or JSON body holding text
/// no backend can store is refused, on every route alike, before the handler runs. The
/// route's configured policies run after the permission check, in order; a refusal is a 403
/// before the handler, so nothing is written.
async fn guard(
    State(state): State<AppState>,
    route: &'static Route,
    checks: Arc<Checks>,
    request: Request,
    next: Next,
) -> Response {
    let (mut request, body) = match buffer_body(request).await {
        Ok(buffered) => buffered,
        Err(failure) => return named(route, route.surface.render_http(failure)),
    };
    let context = request_context(&request);
    request.extensions_mut().insert(context.clone());
    let limited = match &checks.rate {
        Some(policy) => {
            let client = request.extensions().get::<ClientIp>().copied().unwrap_or(ClientIp([0, 0, 0, 0].into()));
            match policy.check(client, request.headers(), body.as_deref()) {
                Verdict::Allowed(info) => Some(info),
                Verdict::Refused(info, retry_after) => {
                    let retry_after_secs = ratelimit::ceil_secs(retry_after).max(1);
                    let mut response = route.surface.render_domain(DomainError::RateLimited { retry_after_secs });
                    info.apply(response.headers_mut(), route.surface.strapi_rate_limit_headers);
                    return named(route, response);
                }
            }
        }
        None => None,
    };
    let authorized = if route.action.is_open() {
        Ok(None)
    } else {
        let resolved = route.surface.resolve_caller(&state.domain, request.headers()).await;
        match resolved {
            Ok(caller) => {
                let caller = caller.with_context(context);
                match caller.authorize_in_realm(route.action) {
                    Ok(()) => Ok(Some(caller)),
                    Err(error) => {
                        // An admin refused for want of a grant is kept in the audit log.
                        if matches!(error, DomainError::Forbidden) {
                            if let Err(failed) = state.domain.audit_refused(&caller, route.action).await {
                                tracing::warn!(error.cause = %failed, "could not audit a refused admin request");
                            }
                        }
                        Err(error)
                    }
                }
            }
            Err(error) => Err(error),
        }
    };
    let authorized = match authorized {
        Ok(caller) if !checks.policies.is_empty() => {
            let policy_request = PolicyRequest {
                caller: caller.as_ref(),
                path_id: path_id_at(route.surface, request.uri().path(), checks.path_id),
                client_ip: request.extensions().get::<ClientIp>().map(|ClientIp(address)| *address),
            };
            state.domain.check_route_policies(&checks.policies, policy_request).await.map(|()| caller)
        }
        other => other,
    };
    let storable = refuse_unstorable_query(request.uri().query())
        .and_then(|()| body.as_deref().map_or(Ok(()), refuse_unstorable_json_text));
    let mut response = match (authorized, storable) {
        (Err(error), _) => route.surface.render_domain(error),
        (Ok(_), Err(failure)) => route.surface.render_http(failure),
        (Ok(caller), Ok(())) => match &checks.wrap {
            None => {
                if let Some(caller) = caller {
                    request.extensions_mut().insert(caller);
                }
                route.surface.finish(next.run(request).await)
            }
            Some(wrap) => {
                let view = RequestView {
                    method: request.method().clone(),
                    path: request.uri().path().to_owned(),
                    caller: caller.clone(),
                    path_id: path_id_at(route.surface, request.uri().path(), checks.path_id),
                    client_ip: request.extensions().get::<ClientIp>().map(|ClientIp(address)| *address),
                };
                if let Some(caller) = caller {
                    request.extensions_mut().insert(caller);
                }
                crate::http::added::wrapped(route.surface, wrap, view, request, next).await
            }
        },
    };
    if let Some(info) = limited {
        info.apply(response.headers_mut(), route.surface.strapi_rate_limit_headers);
    }
    named(route, response)
}

/// Where a request came from, for the audit log: the client address decided by the outer layer
/// (the trusted-proxy rule of [`ClientIp`]) and the `User-Agent` (capped by the domain).
fn request_context(request: &Request) -> RequestContext {
    let client = request.extensions().get::<ClientIp>().map(|ClientIp(address)| *address);
    let agent = request.headers().get(axum::http::header::USER_AGENT).and_then(|value| value.to_str().ok());
    RequestContext::new(client, agent)
}

fn named(route: &'static Route, mut response: Response) -> Response {
    response.extensions_mut().insert(RouteName(route.name));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_made_before_the_guard_are_named_by_their_path() {
        assert_eq!(route_name_for(Some("/api/users"), &Method::GET), "list_users");
        assert_eq!(route_name_for(Some("/api/users"), &Method::POST), "create_user");
        assert_eq!(route_name_for(Some("/api/users/{id}"), &Method::PATCH), "find_user");
        assert_eq!(route_name_for(None, &Method::GET), "unmatched");
        assert_eq!(route_name_for(Some("/nowhere"), &Method::GET), "unmatched");
    }
}
