//! The route table: every route's handler name, method, path and action in one place. The
//! router, `gatehouse routes list`, role permissions and the OpenAPI check all read it, so a
//! route without an action cannot exist.

use crate::http::metrics::RouteName;
use crate::http::rejection::{refuse_unstorable_body, refuse_unstorable_query};
use crate::http::surface::{self, Surface};
use crate::http::{admin, content, ops, AppState};
use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{MethodFilter, MethodRouter};
use axum::Router;
use gatehouse_domain::action::Action;
use std::collections::BTreeMap;

/// Which rate-limit policy a route falls under (the limiter itself is not built yet).
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
    /// Handler name, also the OpenAPI operation id.
    pub name: &'static str,
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
    /// Named policies checked after the action (configured per route; none built in yet).
    pub policies: &'static [&'static str],
    handler: fn(MethodFilter) -> MethodRouter<AppState>,
}

/// `route!(SURFACE, METHOD "/path" => name = handler, ACTION, RateLimitClass)`
macro_rules! route {
    ($surface:ident, $method:ident $path:literal => $name:ident = $handler:path, $action:ident, $limit:ident) => {
        Route {
            name: stringify!($name),
            method: Method::$method,
            path: $path,
            action: Action::$action,
            surface: &surface::$surface,
            rate_limit: RateLimitClass::$limit,
            policies: &[],
            handler: |filter| axum::routing::on(filter, $handler),
        }
    };
}

/// Every route Gatehouse serves.
pub static ROUTES: &[Route] = &[
    route!(STRAPI_CONTENT, GET "/_health" => health = ops::health, HEALTH, Unlimited),
    route!(STRAPI_CONTENT, GET "/readyz" => ready = ops::ready, READY, Unlimited),
    route!(STRAPI_CONTENT, GET "/metrics" => metrics = ops::metrics, METRICS, Unlimited),
    route!(STRAPI_CONTENT, GET "/openapi.json" => openapi = ops::openapi, OPEN_API, Unlimited),
    route!(STRAPI_CONTENT, POST "/api/auth/local/register" => register = content::auth::register, AUTH_REGISTER, Auth),
    route!(STRAPI_CONTENT, POST "/api/auth/local" => login = content::auth::login, AUTH_CALLBACK, Auth),
    route!(STRAPI_CONTENT, POST "/api/auth/logout" => logout = content::auth::logout, AUTH_LOGOUT, Standard),
    route!(STRAPI_CONTENT, POST "/api/auth/forgot-password" => forgot_password = content::auth::forgot_password, AUTH_FORGOT_PASSWORD, Auth),
    route!(STRAPI_CONTENT, POST "/api/auth/reset-password" => reset_password = content::auth::reset_password, AUTH_RESET_PASSWORD, Auth),
    route!(STRAPI_CONTENT, POST "/api/auth/change-password" => change_password = content::auth::change_password, AUTH_CHANGE_PASSWORD, Auth),
    route!(STRAPI_CONTENT, GET "/api/auth/email-confirmation" => confirm_email = content::auth::confirm_email, AUTH_EMAIL_CONFIRMATION, Auth),
    route!(STRAPI_CONTENT, POST "/api/auth/send-email-confirmation" => send_email_confirmation = content::auth::send_email_confirmation, AUTH_SEND_EMAIL_CONFIRMATION, Auth),
    route!(STRAPI_CONTENT, POST "/api/auth/refresh" => refresh = content::auth::refresh, AUTH_REFRESH, Auth),
    route!(STRAPI_CONTENT, GET "/api/auth/sessions" => list_sessions = content::auth::list_sessions, AUTH_GET_SESSIONS, Standard),
    route!(STRAPI_CONTENT, GET "/api/users/me" => find_me = content::users::find_me, USER_ME, Standard),
    route!(STRAPI_CONTENT, GET "/api/users/count" => count_users = content::users::count_users, USER_COUNT, Standard),
    route!(STRAPI_CONTENT, GET "/api/users" => list_users = content::users::list_users, USER_FIND, Standard),
    route!(STRAPI_CONTENT, POST "/api/users" => create_user = content::users::create_user, USER_CREATE, Standard),
    route!(STRAPI_CONTENT, GET "/api/users/{id}" => find_user = content::users::find_user, USER_FIND_ONE, Standard),
    route!(STRAPI_CONTENT, PUT "/api/users/{id}" => update_user = content::users::update_user, USER_UPDATE, Standard),
    route!(STRAPI_CONTENT, DELETE "/api/users/{id}" => delete_user = content::users::delete_user, USER_DESTROY, Standard),
    route!(STRAPI_CONTENT, GET "/api/users-permissions/roles" => list_roles = content::roles::list_roles, ROLE_FIND, Standard),
    route!(STRAPI_CONTENT, POST "/api/users-permissions/roles" => create_role = content::roles::create_role, ROLE_CREATE, Standard),
    route!(STRAPI_CONTENT, GET "/api/users-permissions/roles/{id}" => find_role = content::roles::find_role, ROLE_FIND_ONE, Standard),
    route!(STRAPI_CONTENT, PUT "/api/users-permissions/roles/{id}" => update_role = content::roles::update_role, ROLE_UPDATE, Standard),
    route!(STRAPI_CONTENT, DELETE "/api/users-permissions/roles/{id}" => delete_role = content::roles::delete_role, ROLE_DELETE, Standard),
    route!(STRAPI_CONTENT, GET "/api/users-permissions/permissions" => list_permissions = content::roles::list_permissions, PERMISSIONS_GET, Standard),
    route!(STRAPI_ADMIN, GET "/admin/init" => admin_init = admin::auth::admin_init, ADMIN_INIT, Standard),
    route!(STRAPI_ADMIN, POST "/admin/register-admin" => register_admin = admin::auth::register_admin, ADMIN_REGISTER_FIRST, Auth),
    route!(STRAPI_ADMIN, POST "/admin/login" => admin_login = admin::auth::admin_login, ADMIN_LOGIN, Auth),
    route!(STRAPI_ADMIN, POST "/admin/logout" => admin_logout = admin::auth::admin_logout, ADMIN_SELF, Standard),
    route!(STRAPI_ADMIN, POST "/admin/access-token" => admin_access_token = admin::auth::admin_access_token, ADMIN_ACCESS_TOKEN, Auth),
    route!(STRAPI_ADMIN, GET "/admin/registration-info" => registration_info = admin::auth::registration_info, ADMIN_REGISTRATION_INFO, Auth),
    route!(STRAPI_ADMIN, POST "/admin/register" => register_invited_admin = admin::auth::register_invited_admin, ADMIN_REGISTER, Auth),
    route!(STRAPI_ADMIN, POST "/admin/invites/accept" => accept_invite = admin::auth::accept_invite, ADMIN_REGISTER, Auth),
    route!(STRAPI_ADMIN, GET "/admin/users/me" => find_admin_me = admin::users::find_admin_me, ADMIN_SELF, Standard),
    route!(STRAPI_ADMIN, PUT "/admin/users/me" => update_admin_me = admin::users::update_admin_me, ADMIN_SELF, Standard),
    route!(STRAPI_ADMIN, GET "/admin/users" => list_admins = admin::users::list_admins, ADMIN_USERS_READ, Standard),
    route!(STRAPI_ADMIN, POST "/admin/users" => create_admin = admin::users::create_admin, ADMIN_USERS_CREATE, Standard),
    route!(STRAPI_ADMIN, POST "/admin/users/batch-delete" => batch_delete_admins = admin::users::batch_delete_admins, ADMIN_USERS_DELETE, Standard),
    route!(STRAPI_ADMIN, GET "/admin/users/{id}" => find_admin = admin::users::find_admin, ADMIN_USERS_READ, Standard),
    route!(STRAPI_ADMIN, PUT "/admin/users/{id}" => update_admin = admin::users::update_admin, ADMIN_USERS_UPDATE, Standard),
    route!(STRAPI_ADMIN, DELETE "/admin/users/{id}" => delete_admin = admin::users::delete_admin, ADMIN_USERS_DELETE, Standard),
    route!(STRAPI_ADMIN, POST "/admin/users/{id}/restore" => restore_admin = admin::users::restore_admin, ADMIN_USERS_RESTORE, Standard),
    route!(STRAPI_ADMIN, GET "/admin/invites" => list_invites = admin::invites::list_invites, ADMIN_INVITES_READ, Standard),
    route!(STRAPI_ADMIN, POST "/admin/invites" => create_invite = admin::invites::create_invite, ADMIN_INVITES_CREATE, Standard),
    route!(STRAPI_ADMIN, POST "/admin/invites/{id}/resend" => resend_invite = admin::invites::resend_invite, ADMIN_INVITES_RESEND, Standard),
    route!(STRAPI_ADMIN, DELETE "/admin/invites/{id}" => revoke_invite = admin::invites::revoke_invite, ADMIN_INVITES_DELETE, Standard),
    route!(STRAPI_ADMIN, GET "/admin/roles" => list_admin_roles = admin::roles::list_admin_roles, ADMIN_ROLES_READ, Standard),
    route!(STRAPI_ADMIN, POST "/admin/roles" => create_admin_role = admin::roles::create_admin_role, ADMIN_ROLES_CREATE, Standard),
    route!(STRAPI_ADMIN, GET "/admin/roles/{id}" => find_admin_role = admin::roles::find_admin_role, ADMIN_ROLES_READ, Standard),
    route!(STRAPI_ADMIN, DELETE "/admin/roles/{id}" => delete_admin_role = admin::roles::delete_admin_role, ADMIN_ROLES_DELETE, Standard),
    route!(STRAPI_ADMIN, GET "/admin/roles/{id}/permissions" => list_admin_role_permissions = admin::roles::list_admin_role_permissions, ADMIN_ROLES_READ, Standard),
    route!(STRAPI_ADMIN, PUT "/admin/roles/{id}/permissions" => update_admin_role_permissions = admin::roles::update_admin_role_permissions, ADMIN_ROLES_UPDATE, Standard),
    route!(STRAPI_ADMIN, GET "/admin/api-tokens" => list_api_tokens = admin::api_tokens::list_api_tokens, ADMIN_API_TOKENS_READ, Standard),
    route!(STRAPI_ADMIN, POST "/admin/api-tokens" => create_api_token = admin::api_tokens::create_api_token, ADMIN_API_TOKENS_CREATE, Standard),
    route!(STRAPI_ADMIN, GET "/admin/api-tokens/{id}" => find_api_token = admin::api_tokens::find_api_token, ADMIN_API_TOKENS_READ, Standard),
    route!(STRAPI_ADMIN, PUT "/admin/api-tokens/{id}" => update_api_token = admin::api_tokens::update_api_token, ADMIN_API_TOKENS_UPDATE, Standard),
    route!(STRAPI_ADMIN, DELETE "/admin/api-tokens/{id}" => delete_api_token = admin::api_tokens::delete_api_token, ADMIN_API_TOKENS_DELETE, Standard),
    route!(STRAPI_ADMIN, POST "/admin/api-tokens/{id}/regenerate" => regenerate_api_token = admin::api_tokens::regenerate_api_token, ADMIN_API_TOKENS_REGENERATE, Standard),
    route!(STRAPI_ADMIN, GET "/users-permissions/roles" => admin_list_end_user_roles = admin::end_users::admin_list_end_user_roles, END_USER_ROLES_READ, Standard),
    route!(STRAPI_ADMIN, POST "/users-permissions/roles" => admin_create_end_user_role = admin::end_users::admin_create_end_user_role, END_USER_ROLES_CREATE, Standard),
    route!(STRAPI_ADMIN, GET "/users-permissions/roles/{id}" => admin_find_end_user_role = admin::end_users::admin_find_end_user_role, END_USER_ROLES_READ, Standard),
    route!(STRAPI_ADMIN, PUT "/users-permissions/roles/{id}" => admin_update_end_user_role = admin::end_users::admin_update_end_user_role, END_USER_ROLES_UPDATE, Standard),
    route!(STRAPI_ADMIN, DELETE "/users-permissions/roles/{id}" => admin_delete_end_user_role = admin::end_users::admin_delete_end_user_role, END_USER_ROLES_DELETE, Standard),
    route!(STRAPI_ADMIN, GET "/admin/end-users/{id}/sessions" => list_end_user_sessions = admin::end_users::list_end_user_sessions, END_USER_SESSIONS_READ, Standard),
    route!(STRAPI_ADMIN, POST "/admin/end-users/{id}/revoke-sessions" => revoke_end_user_sessions = admin::end_users::revoke_end_user_sessions, END_USER_SESSIONS_REVOKE, Standard),
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

/// The name an answer made before a route's guard ran (a 405, a panic, a CORS preflight) is
/// counted under: the route of `matched_path` and `method`, else the first route declared on
/// that path (a 405), else `unmatched` (no route has the path).
pub fn route_name_for(matched_path: Option<&str>, method: &Method) -> &'static str {
    let Some(path) = matched_path else { return "unmatched" };
    let on_path = || ROUTES.iter().filter(move |route| route.path == path);
    on_path().find(|route| route.method == *method).or_else(|| on_path().next()).map_or("unmatched", |route| route.name)
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
/// Failures the handler left unrendered (a body rejection) are rendered by the route's surface.
/// A query string or JSON body holding text no backend can store is refused before anything
/// else runs, on every route alike.
async fn guard(State(state): State<AppState>, route: &'static Route, request: Request, next: Next) -> Response {
    if let Err(failure) = refuse_unstorable_query(request.uri().query()) {
        return named(route, route.surface.render_http(failure));
    }
    let mut request = match refuse_unstorable_body(request).await {
        Ok(request) => request,
        Err(failure) => return named(route, route.surface.render_http(failure)),
    };
    let response = if route.action.is_open() {
        route.surface.finish(next.run(request).await)
    } else {
        let resolved = route.surface.resolve_caller(&state.domain, request.headers()).await;
        let authorized = resolved.and_then(|caller| caller.authorize(route.action).map(|()| caller));
        match authorized {
            Ok(caller) => {
                request.extensions_mut().insert(caller);
                route.surface.finish(next.run(request).await)
            }
            Err(error) => route.surface.render_domain(error),
        }
    };
    named(route, response)
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
