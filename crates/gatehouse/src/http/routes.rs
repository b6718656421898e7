//! The route table: every route's handler name, method, path and action in one place. The
//! router, `gatehouse routes list`, role permissions and the OpenAPI check all read it, so a
//! route without an action cannot exist.

use crate::http::error::ApiError;
use crate::http::metrics::RouteName;
use crate::http::{admin, caller, content, ops, AppState};
use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter};
use axum::Router;
use gatehouse_domain::action::Action;
use std::collections::BTreeMap;

/// Which surface a route belongs to: it decides how credentials resolve.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Surface {
    /// The content API and operations endpoints: no credentials act as the `public` role.
    Content,
    /// The admin API: only admin JWTs; no credentials is 401.
    Admin,
}

/// One route.
pub struct Route {
    /// Handler name, also the OpenAPI operation id.
    pub name: &'static str,
    /// HTTP method.
    pub method: Method,
    /// Path, in axum's syntax (`/api/users/{id}`).
    pub path: &'static str,
    /// The permission the caller must hold.
    pub action: Action,
    /// How credentials resolve.
    pub surface: Surface,
    handler: fn(MethodFilter) -> MethodRouter<AppState>,
}

macro_rules! route {
    ($method:ident $path:literal => $name:ident = $handler:path, $action:ident) => {
        Route {
            name: stringify!($name),
            method: Method::$method,
            path: $path,
            action: Action::$action,
            surface: Surface::Content,
            handler: |filter| axum::routing::on(filter, $handler),
        }
    };
}

macro_rules! admin_route {
    ($method:ident $path:literal => $name:ident = $handler:path, $action:ident) => {
        Route {
            name: stringify!($name),
            method: Method::$method,
            path: $path,
            action: Action::$action,
            surface: Surface::Admin,
            handler: |filter| axum::routing::on(filter, $handler),
        }
    };
}

/// Every route Gatehouse serves.
pub static ROUTES: &[Route] = &[
    route!(GET "/_health" => health = ops::health, Health),
    route!(GET "/readyz" => ready = ops::ready, Ready),
    route!(GET "/metrics" => metrics = ops::metrics, Metrics),
    route!(GET "/openapi.json" => openapi = ops::openapi, OpenApi),
    route!(POST "/api/auth/local/register" => register = content::auth::register, AuthRegister),
    route!(POST "/api/auth/local" => login = content::auth::login, AuthCallback),
    route!(POST "/api/auth/logout" => logout = content::auth::logout, AuthLogout),
    route!(POST "/api/auth/forgot-password" => forgot_password = content::auth::forgot_password, AuthForgotPassword),
    route!(POST "/api/auth/reset-password" => reset_password = content::auth::reset_password, AuthResetPassword),
    route!(POST "/api/auth/change-password" => change_password = content::auth::change_password, AuthChangePassword),
    route!(GET "/api/auth/email-confirmation" => confirm_email = content::auth::confirm_email, AuthEmailConfirmation),
    route!(POST "/api/auth/send-email-confirmation" => send_email_confirmation = content::auth::send_email_confirmation, AuthSendEmailConfirmation),
    route!(POST "/api/auth/refresh" => refresh = content::auth::refresh, AuthRefresh),
    route!(GET "/api/auth/sessions" => list_sessions = content::auth::list_sessions, AuthGetSessions),
    route!(GET "/api/users/me" => find_me = content::users::find_me, UserMe),
    route!(GET "/api/users/count" => count_users = content::users::count_users, UserCount),
    route!(GET "/api/users" => list_users = content::users::list_users, UserFind),
    route!(POST "/api/users" => create_user = content::users::create_user, UserCreate),
    route!(GET "/api/users/{id}" => find_user = content::users::find_user, UserFindOne),
    route!(PUT "/api/users/{id}" => update_user = content::users::update_user, UserUpdate),
    route!(DELETE "/api/users/{id}" => delete_user = content::users::delete_user, UserDestroy),
    route!(GET "/api/users-permissions/roles" => list_roles = content::roles::list_roles, RoleFind),
    route!(POST "/api/users-permissions/roles" => create_role = content::roles::create_role, RoleCreate),
    route!(GET "/api/users-permissions/roles/{id}" => find_role = content::roles::find_role, RoleFindOne),
    route!(PUT "/api/users-permissions/roles/{id}" => update_role = content::roles::update_role, RoleUpdate),
    route!(DELETE "/api/users-permissions/roles/{id}" => delete_role = content::roles::delete_role, RoleDelete),
    route!(GET "/api/users-permissions/permissions" => list_permissions = content::roles::list_permissions, PermissionsGet),
    admin_route!(GET "/admin/init" => admin_init = admin::auth::admin_init, AdminInit),
    admin_route!(POST "/admin/register-admin" => register_admin = admin::auth::register_admin, AdminRegisterFirst),
    admin_route!(POST "/admin/login" => admin_login = admin::auth::admin_login, AdminLogin),
    admin_route!(POST "/admin/logout" => admin_logout = admin::auth::admin_logout, AdminSelf),
    admin_route!(POST "/admin/access-token" => admin_access_token = admin::auth::admin_access_token, AdminAccessToken),
    admin_route!(GET "/admin/registration-info" => registration_info = admin::auth::registration_info, AdminRegistrationInfo),
    admin_route!(POST "/admin/register" => register_invited_admin = admin::auth::register_invited_admin, AdminRegister),
    admin_route!(POST "/admin/invites/accept" => accept_invite = admin::auth::accept_invite, AdminRegister),
    admin_route!(GET "/admin/users/me" => find_admin_me = admin::users::find_admin_me, AdminSelf),
    admin_route!(PUT "/admin/users/me" => update_admin_me = admin::users::update_admin_me, AdminSelf),
    admin_route!(GET "/admin/users" => list_admins = admin::users::list_admins, AdminUsersRead),
    admin_route!(POST "/admin/users" => create_admin = admin::users::create_admin, AdminUsersCreate),
    admin_route!(POST "/admin/users/batch-delete" => batch_delete_admins = admin::users::batch_delete_admins, AdminUsersDelete),
    admin_route!(GET "/admin/users/{id}" => find_admin = admin::users::find_admin, AdminUsersRead),
    admin_route!(PUT "/admin/users/{id}" => update_admin = admin::users::update_admin, AdminUsersUpdate),
    admin_route!(DELETE "/admin/users/{id}" => delete_admin = admin::users::delete_admin, AdminUsersDelete),
    admin_route!(POST "/admin/users/{id}/restore" => restore_admin = admin::users::restore_admin, AdminUsersRestore),
    admin_route!(GET "/admin/invites" => list_invites = admin::invites::list_invites, AdminInvitesRead),
    admin_route!(POST "/admin/invites" => create_invite = admin::invites::create_invite, AdminInvitesCreate),
    admin_route!(POST "/admin/invites/{id}/resend" => resend_invite = admin::invites::resend_invite, AdminInvitesResend),
    admin_route!(DELETE "/admin/invites/{id}" => revoke_invite = admin::invites::revoke_invite, AdminInvitesDelete),
    admin_route!(GET "/admin/roles" => list_admin_roles = admin::roles::list_admin_roles, AdminRolesRead),
    admin_route!(POST "/admin/roles" => create_admin_role = admin::roles::create_admin_role, AdminRolesCreate),
    admin_route!(GET "/admin/roles/{id}" => find_admin_role = admin::roles::find_admin_role, AdminRolesRead),
    admin_route!(DELETE "/admin/roles/{id}" => delete_admin_role = admin::roles::delete_admin_role, AdminRolesDelete),
    admin_route!(GET "/admin/roles/{id}/permissions" => list_admin_role_permissions = admin::roles::list_admin_role_permissions, AdminRolesRead),
    admin_route!(PUT "/admin/roles/{id}/permissions" => update_admin_role_permissions = admin::roles::update_admin_role_permissions, AdminRolesUpdate),
    admin_route!(GET "/admin/api-tokens" => list_api_tokens = admin::api_tokens::list_api_tokens, AdminApiTokensRead),
    admin_route!(POST "/admin/api-tokens" => create_api_token = admin::api_tokens::create_api_token, AdminApiTokensCreate),
    admin_route!(GET "/admin/api-tokens/{id}" => find_api_token = admin::api_tokens::find_api_token, AdminApiTokensRead),
    admin_route!(PUT "/admin/api-tokens/{id}" => update_api_token = admin::api_tokens::update_api_token, AdminApiTokensUpdate),
    admin_route!(DELETE "/admin/api-tokens/{id}" => delete_api_token = admin::api_tokens::delete_api_token, AdminApiTokensDelete),
    admin_route!(POST "/admin/api-tokens/{id}/regenerate" => regenerate_api_token = admin::api_tokens::regenerate_api_token, AdminApiTokensRegenerate),
    admin_route!(GET "/users-permissions/roles" => admin_list_end_user_roles = admin::end_users::admin_list_end_user_roles, EndUserRolesRead),
    admin_route!(POST "/users-permissions/roles" => admin_create_end_user_role = admin::end_users::admin_create_end_user_role, EndUserRolesCreate),
    admin_route!(GET "/users-permissions/roles/{id}" => admin_find_end_user_role = admin::end_users::admin_find_end_user_role, EndUserRolesRead),
    admin_route!(PUT "/users-permissions/roles/{id}" => admin_update_end_user_role = admin::end_users::admin_update_end_user_role, EndUserRolesUpdate),
    admin_route!(DELETE "/users-permissions/roles/{id}" => admin_delete_end_user_role = admin::end_users::admin_delete_end_user_role, EndUserRolesDelete),
    admin_route!(GET "/admin/end-users/{id}/sessions" => list_end_user_sessions = admin::end_users::list_end_user_sessions, EndUserSessionsRead),
    admin_route!(POST "/admin/end-users/{id}/revoke-sessions" => revoke_end_user_sessions = admin::end_users::revoke_end_user_sessions, EndUserSessionsRevoke),
];

fn method_filter(method: &Method) -> MethodFilter {
    match *method {
        Method::POST => MethodFilter::POST,
        Method::PUT => MethodFilter::PUT,
        Method::PATCH => MethodFilter::PATCH,
        Method::DELETE => MethodFilter::DELETE,
        _ => MethodFilter::GET,
    }
}

/// The router built from [`ROUTES`], each route behind its guard.
pub fn router(state: AppState) -> Router<AppState> {
    let mut by_path: BTreeMap<&'static str, MethodRouter<AppState>> = BTreeMap::new();
    for route in ROUTES {
        let endpoint = (route.handler)(method_filter(&route.method))
            .route_layer(middleware::from_fn_with_state(state.clone(), move |state, request, next| {
                guard(state, route, request, next)
            }));
        let merged = match by_path.remove(route.path) {
            Some(existing) => existing.merge(endpoint),
            None => endpoint,
        };
        by_path.insert(route.path, merged);
    }
    by_path.into_iter().fold(Router::new(), |router, (path, endpoint)| router.route(path, endpoint))
}

/// Resolves the caller once, checks the route's action, and hands the caller to the handler.
/// No credentials and a missing grant is 403 (as Strapi); bad credentials are 401.
async fn guard(State(state): State<AppState>, route: &'static Route, mut request: Request, next: Next) -> Response {
    let mut response = if route.action.is_open() {
        next.run(request).await
    } else {
        let resolved = match route.surface {
            Surface::Content => caller::resolve_caller(&state.domain, request.headers()).await,
            Surface::Admin => caller::resolve_admin_caller(&state.domain, request.headers()).await,
        };
        let authorized = resolved.and_then(|caller| caller.authorize(route.action).map(|()| caller));
        match authorized {
            Ok(caller) => {
                request.extensions_mut().insert(caller);
                next.run(request).await
            }
            Err(error) => ApiError::from(error).into_response(),
        }
    };
    response.extensions_mut().insert(RouteName(route.name));
    response
}
