//! The route table: every route's handler name, method, path and action in one place. The
//! router, `gatehouse routes list`, role permissions and the OpenAPI check all read it, so a
//! route without an action cannot exist.

use crate::http::client_ip::ClientIp;
use crate::http::metrics::RouteName;
use crate::http::openapi::{self, Described};
use crate::http::ratelimit::{self, RoutePolicy, Verdict};
use crate::http::rejection::{buffer_body, refuse_unstorable_json_text, refuse_unstorable_query};
use crate::http::surface::{self, Surface};
use crate::http::{admin, content, ops, v1, AppState};
use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{MethodFilter, MethodRouter};
use axum::Router;
use gatehouse_domain::action::Action;
use gatehouse_domain::{DomainError, RequestContext};
use std::collections::BTreeMap;
use std::sync::Arc;

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
    /// The handler's OpenAPI description (from its `#[utoipa::path]` annotation).
    pub describe: fn() -> Described,
}

/// `route!(SURFACE, METHOD "/path" => handler in module, ACTION, RateLimitClass)`: the handler's
/// name is the route's name and OpenAPI operation id, and its annotation describes the route.
macro_rules! route {
    ($surface:ident, $method:ident $path:literal => $name:ident in $($module:ident)::+, $action:ident, $limit:ident) => {
        paste::paste! {
            Route {
                name: stringify!($name),
                method: Method::$method,
                path: $path,
                action: Action::$action,
                surface: &surface::$surface,
                rate_limit: RateLimitClass::$limit,
                policies: &[],
                handler: |filter| axum::routing::on(filter, $($module::)+ $name),
                describe: openapi::describe::<$($module::)+ [<__path_ $name>]>,
            }
        }
    };
}

/// Every route Gatehouse serves.
pub static ROUTES: &[Route] = &[
    route!(STRAPI_CONTENT, GET "/_health" => health in ops, HEALTH, Unlimited),
    route!(STRAPI_CONTENT, GET "/readyz" => ready in ops, READY, Unlimited),
    route!(STRAPI_CONTENT, GET "/metrics" => metrics in ops, METRICS, Unlimited),
    route!(STRAPI_CONTENT, GET "/openapi.json" => openapi in ops, OPEN_API, Unlimited),
    route!(STRAPI_CONTENT, GET "/docs" => docs in ops, OPEN_API, Unlimited),
    route!(STRAPI_CONTENT, GET "/docs/{asset}" => docs_asset in ops, OPEN_API, Unlimited),
    route!(STRAPI_CONTENT, POST "/api/auth/local/register" => register in content::auth, AUTH_REGISTER, Auth),
    route!(STRAPI_CONTENT, POST "/api/auth/local" => login in content::auth, AUTH_CALLBACK, Auth),
    route!(STRAPI_CONTENT, POST "/api/auth/logout" => logout in content::auth, AUTH_LOGOUT, Standard),
    route!(STRAPI_CONTENT, POST "/api/auth/forgot-password" => forgot_password in content::auth, AUTH_FORGOT_PASSWORD, Auth),
    route!(STRAPI_CONTENT, POST "/api/auth/reset-password" => reset_password in content::auth, AUTH_RESET_PASSWORD, Auth),
    route!(STRAPI_CONTENT, POST "/api/auth/change-password" => change_password in content::auth, AUTH_CHANGE_PASSWORD, Auth),
    route!(STRAPI_CONTENT, GET "/api/auth/email-confirmation" => confirm_email in content::auth, AUTH_EMAIL_CONFIRMATION, Auth),
    route!(STRAPI_CONTENT, POST "/api/auth/send-email-confirmation" => send_email_confirmation in content::auth, AUTH_SEND_EMAIL_CONFIRMATION, Auth),
    route!(STRAPI_CONTENT, POST "/api/auth/refresh" => refresh in content::auth, AUTH_REFRESH, Auth),
    route!(STRAPI_CONTENT, GET "/api/auth/sessions" => list_sessions in content::auth, AUTH_GET_SESSIONS, Standard),
    route!(STRAPI_CONTENT, GET "/api/users/me" => find_me in content::users, USER_ME, Standard),
    route!(STRAPI_CONTENT, GET "/api/users/count" => count_users in content::users, USER_COUNT, Standard),
    route!(STRAPI_CONTENT, GET "/api/users" => list_users in content::users, USER_FIND, Standard),
    route!(STRAPI_CONTENT, POST "/api/users" => create_user in content::users, USER_CREATE, Standard),
    route!(STRAPI_CONTENT, GET "/api/users/{id}" => find_user in content::users, USER_FIND_ONE, Standard),
    route!(STRAPI_CONTENT, PUT "/api/users/{id}" => update_user in content::users, USER_UPDATE, Standard),
    route!(STRAPI_CONTENT, DELETE "/api/users/{id}" => delete_user in content::users, USER_DESTROY, Standard),
    route!(STRAPI_CONTENT, GET "/api/users-permissions/roles" => list_roles in content::roles, ROLE_FIND, Standard),
    route!(STRAPI_CONTENT, POST "/api/users-permissions/roles" => create_role in content::roles, ROLE_CREATE, Standard),
    route!(STRAPI_CONTENT, GET "/api/users-permissions/roles/{id}" => find_role in content::roles, ROLE_FIND_ONE, Standard),
    route!(STRAPI_CONTENT, PUT "/api/users-permissions/roles/{id}" => update_role in content::roles, ROLE_UPDATE, Standard),
    route!(STRAPI_CONTENT, DELETE "/api/users-permissions/roles/{id}" => delete_role in content::roles, ROLE_DELETE, Standard),
    route!(STRAPI_CONTENT, GET "/api/users-permissions/permissions" => list_permissions in content::roles, PERMISSIONS_GET, Standard),
    route!(V1, GET "/api/v1/users" => v1_list_users in v1::users, USER_FIND, Standard),
    route!(V1, POST "/api/v1/users" => v1_create_user in v1::users, USER_CREATE, Standard),
    route!(V1, GET "/api/v1/users/{user_id}" => v1_find_user in v1::users, USER_FIND_ONE, Standard),
    route!(V1, PUT "/api/v1/users/{user_id}" => v1_update_user in v1::users, USER_UPDATE, Standard),
    route!(V1, DELETE "/api/v1/users/{user_id}" => v1_delete_user in v1::users, USER_DESTROY, Standard),
    route!(STRAPI_ADMIN, GET "/admin/init" => admin_init in admin::auth, ADMIN_INIT, Standard),
    route!(STRAPI_ADMIN, POST "/admin/register-admin" => register_admin in admin::auth, ADMIN_REGISTER_FIRST, Auth),
    route!(STRAPI_ADMIN, POST "/admin/login" => admin_login in admin::auth, ADMIN_LOGIN, Auth),
    route!(STRAPI_ADMIN, POST "/admin/logout" => admin_logout in admin::auth, ADMIN_SELF, Standard),
    route!(STRAPI_ADMIN, POST "/admin/access-token" => admin_access_token in admin::auth, ADMIN_ACCESS_TOKEN, Auth),
    route!(STRAPI_ADMIN, GET "/admin/registration-info" => registration_info in admin::auth, ADMIN_REGISTRATION_INFO, Auth),
    route!(STRAPI_ADMIN, POST "/admin/register" => register_invited_admin in admin::auth, ADMIN_REGISTER, Auth),
    route!(STRAPI_ADMIN, POST "/admin/invites/accept" => accept_invite in admin::auth, ADMIN_REGISTER, Auth),
    route!(STRAPI_ADMIN, GET "/admin/users/me" => find_admin_me in admin::users, ADMIN_SELF, Standard),
    route!(STRAPI_ADMIN, PUT "/admin/users/me" => update_admin_me in admin::users, ADMIN_SELF, Standard),
    route!(STRAPI_ADMIN, GET "/admin/users" => list_admins in admin::users, ADMIN_USERS_READ, Standard),
    route!(STRAPI_ADMIN, POST "/admin/users" => create_admin in admin::users, ADMIN_USERS_CREATE, Standard),
    route!(STRAPI_ADMIN, POST "/admin/users/batch-delete" => batch_delete_admins in admin::users, ADMIN_USERS_DELETE, Standard),
    route!(STRAPI_ADMIN, GET "/admin/users/{id}" => find_admin in admin::users, ADMIN_USERS_READ, Standard),
    route!(STRAPI_ADMIN, PUT "/admin/users/{id}" => update_admin in admin::users, ADMIN_USERS_UPDATE, Standard),
    route!(STRAPI_ADMIN, DELETE "/admin/users/{id}" => delete_admin in admin::users, ADMIN_USERS_DELETE, Standard),
    route!(STRAPI_ADMIN, POST "/admin/users/{id}/restore" => restore_admin in admin::users, ADMIN_USERS_RESTORE, Standard),
    route!(STRAPI_ADMIN, GET "/admin/invites" => list_invites in admin::invites, ADMIN_INVITES_READ, Standard),
    route!(STRAPI_ADMIN, POST "/admin/invites" => create_invite in admin::invites, ADMIN_INVITES_CREATE, Standard),
    route!(STRAPI_ADMIN, POST "/admin/invites/{id}/resend" => resend_invite in admin::invites, ADMIN_INVITES_RESEND, Standard),
    route!(STRAPI_ADMIN, DELETE "/admin/invites/{id}" => revoke_invite in admin::invites, ADMIN_INVITES_DELETE, Standard),
    route!(STRAPI_ADMIN, GET "/admin/roles" => list_admin_roles in admin::roles, ADMIN_ROLES_READ, Standard),
    route!(STRAPI_ADMIN, POST "/admin/roles" => create_admin_role in admin::roles, ADMIN_ROLES_CREATE, Standard),
    route!(STRAPI_ADMIN, GET "/admin/roles/{id}" => find_admin_role in admin::roles, ADMIN_ROLES_READ, Standard),
    route!(STRAPI_ADMIN, DELETE "/admin/roles/{id}" => delete_admin_role in admin::roles, ADMIN_ROLES_DELETE, Standard),
    route!(STRAPI_ADMIN, GET "/admin/roles/{id}/permissions" => list_admin_role_permissions in admin::roles, ADMIN_ROLES_READ, Standard),
    route!(STRAPI_ADMIN, PUT "/admin/roles/{id}/permissions" => update_admin_role_permissions in admin::roles, ADMIN_ROLES_UPDATE, Standard),
    route!(STRAPI_ADMIN, GET "/admin/api-tokens" => list_api_tokens in admin::api_tokens, ADMIN_API_TOKENS_READ, Standard),
    route!(STRAPI_ADMIN, POST "/admin/api-tokens" => create_api_token in admin::api_tokens, ADMIN_API_TOKENS_CREATE, Standard),
    route!(STRAPI_ADMIN, GET "/admin/api-tokens/{id}" => find_api_token in admin::api_tokens, ADMIN_API_TOKENS_READ, Standard),
    route!(STRAPI_ADMIN, PUT "/admin/api-tokens/{id}" => update_api_token in admin::api_tokens, ADMIN_API_TOKENS_UPDATE, Standard),
    route!(STRAPI_ADMIN, DELETE "/admin/api-tokens/{id}" => delete_api_token in admin::api_tokens, ADMIN_API_TOKENS_DELETE, Standard),
    route!(STRAPI_ADMIN, POST "/admin/api-tokens/{id}/regenerate" => regenerate_api_token in admin::api_tokens, ADMIN_API_TOKENS_REGENERATE, Standard),
    route!(STRAPI_ADMIN, GET "/users-permissions/roles" => admin_list_end_user_roles in admin::end_users, END_USER_ROLES_READ, Standard),
    route!(STRAPI_ADMIN, POST "/users-permissions/roles" => admin_create_end_user_role in admin::end_users, END_USER_ROLES_CREATE, Standard),
    route!(STRAPI_ADMIN, GET "/users-permissions/roles/{id}" => admin_find_end_user_role in admin::end_users, END_USER_ROLES_READ, Standard),
    route!(STRAPI_ADMIN, PUT "/users-permissions/roles/{id}" => admin_update_end_user_role in admin::end_users, END_USER_ROLES_UPDATE, Standard),
    route!(STRAPI_ADMIN, DELETE "/users-permissions/roles/{id}" => admin_delete_end_user_role in admin::end_users, END_USER_ROLES_DELETE, Standard),
    route!(STRAPI_ADMIN, GET "/admin/end-users/{id}/sessions" => list_end_user_sessions in admin::end_users, END_USER_SESSIONS_READ, Standard),
    route!(STRAPI_ADMIN, POST "/admin/end-users/{id}/revoke-sessions" => revoke_end_user_sessions in admin::end_users, END_USER_SESSIONS_REVOKE, Standard),
    // The audit log.
    route!(STRAPI_ADMIN, GET "/admin/audit-logs" => list_audit_logs in admin::audit_logs, ADMIN_AUDIT_LOGS_READ, Standard),
    // Webhooks.
    route!(STRAPI_ADMIN, GET "/admin/webhooks" => list_webhooks in admin::webhooks, ADMIN_WEBHOOKS_READ, Standard),
    route!(STRAPI_ADMIN, POST "/admin/webhooks" => create_webhook in admin::webhooks, ADMIN_WEBHOOKS_CREATE, Standard),
    route!(STRAPI_ADMIN, GET "/admin/webhooks/{id}" => find_webhook in admin::webhooks, ADMIN_WEBHOOKS_READ, Standard),
    route!(STRAPI_ADMIN, PUT "/admin/webhooks/{id}" => update_webhook in admin::webhooks, ADMIN_WEBHOOKS_UPDATE, Standard),
    route!(STRAPI_ADMIN, DELETE "/admin/webhooks/{id}" => delete_webhook in admin::webhooks, ADMIN_WEBHOOKS_DELETE, Standard),
    route!(STRAPI_ADMIN, POST "/admin/webhooks/{id}/trigger" => trigger_webhook in admin::webhooks, ADMIN_WEBHOOKS_TRIGGER, Standard),
    route!(STRAPI_ADMIN, GET "/admin/webhooks/{id}/deliveries" => list_webhook_deliveries in admin::webhooks, ADMIN_WEBHOOKS_READ, Standard),
    route!(STRAPI_ADMIN, POST "/admin/webhooks/{id}/deliveries/{delivery}/resend" => resend_webhook_delivery in admin::webhooks, ADMIN_WEBHOOKS_TRIGGER, Standard),
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
        let policy = state.limits.policy(route);
        let endpoint = (route.handler)(method_filter(&route.method))
            .route_layer(middleware::from_fn_with_state(state.clone(), move |state, request, next| {
                guard(state, route, policy.clone(), request, next)
            }));
        let merged = match by_path.remove(route.path) {
            Some(existing) => existing.merge(endpoint),
            None => endpoint,
        };
        by_path.insert(route.path, merged);
    }
    by_path.into_iter().fold(Router::new(), |router, (path, endpoint)| router.route(path, endpoint))
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
/// no backend can store is refused, on every route alike, before the handler runs.
async fn guard(
    State(state): State<AppState>,
    route: &'static Route,
    policy: Option<Arc<RoutePolicy>>,
    request: Request,
    next: Next,
) -> Response {
    let (mut request, body) = match buffer_body(request).await {
        Ok(buffered) => buffered,
        Err(failure) => return named(route, route.surface.render_http(failure)),
    };
    let context = request_context(&request);
    request.extensions_mut().insert(context.clone());
    let limited = match &policy {
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
    let storable = refuse_unstorable_query(request.uri().query())
        .and_then(|()| body.as_deref().map_or(Ok(()), refuse_unstorable_json_text));
    let mut response = match (authorized, storable) {
        (Err(error), _) => route.surface.render_domain(error),
        (Ok(_), Err(failure)) => route.surface.render_http(failure),
        (Ok(caller), Ok(())) => {
            if let Some(caller) = caller {
                request.extensions_mut().insert(caller);
            }
            route.surface.finish(next.run(request).await)
        }
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
