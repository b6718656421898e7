//! The route table: every route's handler name, method, path and action in one place. The
//! router, `gatehouse routes list`, role permissions and the OpenAPI check all read it, so a
//! route without an action cannot exist.

use crate::http::error::ApiError;
use crate::http::metrics::RouteName;
use crate::http::{caller, content, ops, AppState};
use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter};
use axum::Router;
use gatehouse_domain::action::Action;
use std::collections::BTreeMap;

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
    handler: fn(MethodFilter) -> MethodRouter<AppState>,
}

macro_rules! route {
    ($method:ident $path:literal => $name:ident = $handler:path, $action:ident) => {
        Route {
            name: stringify!($name),
            method: Method::$method,
            path: $path,
            action: Action::$action,
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
        let authorized = caller::resolve_caller(&state.domain, request.headers())
            .await
            .and_then(|caller| caller.authorize(route.action).map(|()| caller));
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
