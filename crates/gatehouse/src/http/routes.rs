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
    route!(GET "/_health" => health = ops::health, HEALTH),
    route!(GET "/readyz" => ready = ops::ready, READY),
    route!(GET "/metrics" => metrics = ops::metrics, METRICS),
    route!(GET "/openapi.json" => openapi = ops::openapi, OPEN_API),
    route!(POST "/api/auth/local/register" => register = content::auth::register, AUTH_REGISTER),
    route!(POST "/api/auth/local" => login = content::auth::login, AUTH_CALLBACK),
    route!(POST "/api/auth/logout" => logout = content::auth::logout, AUTH_LOGOUT),
    route!(POST "/api/auth/forgot-password" => forgot_password = content::auth::forgot_password, AUTH_FORGOT_PASSWORD),
    route!(POST "/api/auth/reset-password" => reset_password = content::auth::reset_password, AUTH_RESET_PASSWORD),
    route!(POST "/api/auth/change-password" => change_password = content::auth::change_password, AUTH_CHANGE_PASSWORD),
    route!(GET "/api/auth/email-confirmation" => confirm_email = content::auth::confirm_email, AUTH_EMAIL_CONFIRMATION),
    route!(POST "/api/auth/send-email-confirmation" => send_email_confirmation = content::auth::send_email_confirmation, AUTH_SEND_EMAIL_CONFIRMATION),
    route!(POST "/api/auth/refresh" => refresh = content::auth::refresh, AUTH_REFRESH),
    route!(GET "/api/auth/sessions" => list_sessions = content::auth::list_sessions, AUTH_GET_SESSIONS),
    route!(GET "/api/users/me" => find_me = content::users::find_me, USER_ME),
    route!(GET "/api/users/count" => count_users = content::users::count_users, USER_COUNT),
    route!(GET "/api/users" => list_users = content::users::list_users, USER_FIND),
    route!(POST "/api/users" => create_user = content::users::create_user, USER_CREATE),
    route!(GET "/api/users/{id}" => find_user = content::users::find_user, USER_FIND_ONE),
    route!(PUT "/api/users/{id}" => update_user = content::users::update_user, USER_UPDATE),
    route!(DELETE "/api/users/{id}" => delete_user = content::users::delete_user, USER_DESTROY),
    route!(GET "/api/users-permissions/roles" => list_roles = content::roles::list_roles, ROLE_FIND),
    route!(POST "/api/users-permissions/roles" => create_role = content::roles::create_role, ROLE_CREATE),
    route!(GET "/api/users-permissions/roles/{id}" => find_role = content::roles::find_role, ROLE_FIND_ONE),
    route!(PUT "/api/users-permissions/roles/{id}" => update_role = content::roles::update_role, ROLE_UPDATE),
    route!(DELETE "/api/users-permissions/roles/{id}" => delete_role = content::roles::delete_role, ROLE_DELETE),
    route!(GET "/api/users-permissions/permissions" => list_permissions = content::roles::list_permissions, PERMISSIONS_GET),
    admin_route!(GET "/admin/init" => admin_init = admin::auth::admin_init, ADMIN_INIT),
    admin_route!(POST "/admin/register-admin" => register_admin = admin::auth::register_admin, ADMIN_REGISTER_FIRST),
    admin_route!(POST "/admin/login" => admin_login = admin::auth::admin_login, ADMIN_LOGIN),
    admin_route!(POST "/admin/logout" => admin_logout = admin::auth::admin_logout, ADMIN_SELF),
    admin_route!(POST "/admin/access-token" => admin_access_token = admin::auth::admin_access_token, ADMIN_ACCESS_TOKEN),
    admin_route!(GET "/admin/registration-info" => registration_info = admin::auth::registration_info, ADMIN_REGISTRATION_INFO),
    admin_route!(POST "/admin/register" => register_invited_admin = admin::auth::register_invited_admin, ADMIN_REGISTER),
    admin_route!(POST "/admin/invites/accept" => accept_invite = admin::auth::accept_invite, ADMIN_REGISTER),
    admin_route!(GET "/admin/users/me" => find_admin_me = admin::users::find_admin_me, ADMIN_SELF),
    admin_route!(PUT "/admin/users/me" => update_admin_me = admin::users::update_admin_me, ADMIN_SELF),
    admin_route!(GET "/admin/users" => list_admins = admin::users::list_admins, ADMIN_USERS_READ),
    admin_route!(POST "/admin/users" => create_admin = admin::users::create_admin, ADMIN_USERS_CREATE),
    admin_route!(POST "/admin/users/batch-delete" => batch_delete_admins = admin::users::batch_delete_admins, ADMIN_USERS_DELETE),
    admin_route!(GET "/admin/users/{id}" => find_admin = admin::users::find_admin, ADMIN_USERS_READ),
    admin_route!(PUT "/admin/users/{id}" => update_admin = admin::users::update_admin, ADMIN_USERS_UPDATE),
    admin_route!(DELETE "/admin/users/{id}" => delete_admin = admin::users::delete_admin, ADMIN_USERS_DELETE),
    admin_route!(POST "/admin/users/{id}/restore" => restore_admin = admin::users::restore_admin, ADMIN_USERS_RESTORE),
    admin_route!(GET "/admin/invites" => list_invites = admin::invites::list_invites, ADMIN_INVITES_READ),
    admin_route!(POST "/admin/invites" => create_invite = admin::invites::create_invite, ADMIN_INVITES_CREATE),
    admin_route!(POST "/admin/invites/{id}/resend" => resend_invite = admin::invites::resend_invite, ADMIN_INVITES_RESEND),
    admin_route!(DELETE "/admin/invites/{id}" => revoke_invite = admin::invites::revoke_invite, ADMIN_INVITES_DELETE),
    admin_route!(GET "/admin/roles" => list_admin_roles = admin::roles::list_admin_roles, ADMIN_ROLES_READ),
    admin_route!(POST "/admin/roles" => create_admin_role = admin::roles::create_admin_role, ADMIN_ROLES_CREATE),
    admin_route!(GET "/admin/roles/{id}" => find_admin_role = admin::roles::find_admin_role, ADMIN_ROLES_READ),
    admin_route!(DELETE "/admin/roles/{id}" => delete_admin_role = admin::roles::delete_admin_role, ADMIN_ROLES_DELETE),
    admin_route!(GET "/admin/roles/{id}/permissions" => list_admin_role_permissions = admin::roles::list_admin_role_permissions, ADMIN_ROLES_READ),
    admin_route!(PUT "/admin/roles/{id}/permissions" => update_admin_role_permissions = admin::roles::update_admin_role_permissions, ADMIN_ROLES_UPDATE),
    admin_route!(GET "/admin/api-tokens" => list_api_tokens = admin::api_tokens::list_api_tokens, ADMIN_API_TOKENS_READ),
    admin_route!(POST "/admin/api-tokens" => create_api_token = admin::api_tokens::create_api_token, ADMIN_API_TOKENS_CREATE),
    admin_route!(GET "/admin/api-tokens/{id}" => find_api_token = admin::api_tokens::find_api_token, ADMIN_API_TOKENS_READ),
    admin_route!(PUT "/admin/api-tokens/{id}" => update_api_token = admin::api_tokens::update_api_token, ADMIN_API_TOKENS_UPDATE),
    admin_route!(DELETE "/admin/api-tokens/{id}" => delete_api_token = admin::api_tokens::delete_api_token, ADMIN_API_TOKENS_DELETE),
    admin_route!(POST "/admin/api-tokens/{id}/regenerate" => regenerate_api_token = admin::api_tokens::regenerate_api_token, ADMIN_API_TOKENS_REGENERATE),
    admin_route!(GET "/users-permissions/roles" => admin_list_end_user_roles = admin::end_users::admin_list_end_user_roles, END_USER_ROLES_READ),
    admin_route!(POST "/users-permissions/roles" => admin_create_end_user_role = admin::end_users::admin_create_end_user_role, END_USER_ROLES_CREATE),
    admin_route!(GET "/users-permissions/roles/{id}" => admin_find_end_user_role = admin::end_users::admin_find_end_user_role, END_USER_ROLES_READ),
    admin_route!(PUT "/users-permissions/roles/{id}" => admin_update_end_user_role = admin::end_users::admin_update_end_user_role, END_USER_ROLES_UPDATE),
    admin_route!(DELETE "/users-permissions/roles/{id}" => admin_delete_end_user_role = admin::end_users::admin_delete_end_user_role, END_USER_ROLES_DELETE),
    admin_route!(GET "/admin/end-users/{id}/sessions" => list_end_user_sessions = admin::end_users::list_end_user_sessions, END_USER_SESSIONS_READ),
    admin_route!(POST "/admin/end-users/{id}/revoke-sessions" => revoke_end_user_sessions = admin::end_users::revoke_end_user_sessions, END_USER_SESSIONS_REVOKE),
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
