//! The OpenAPI 3.1 document, generated from the handlers' annotations. A test checks that it
//! lists exactly the routes of the route table, so the document cannot lag the code.

use crate::http::{admin, content, ops};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// The whole API description.
#[derive(OpenApi)]
#[openapi(
    info(title = "Gatehouse", description = "Self-hosted user management and authentication: a Strapi-compatible content API, an admin API, and operations endpoints."),
    paths(
        ops::health, ops::ready, ops::metrics, ops::openapi,
        content::auth::register, content::auth::login, content::auth::logout, content::auth::forgot_password,
        content::auth::reset_password, content::auth::change_password, content::auth::confirm_email,
        content::auth::send_email_confirmation, content::auth::refresh, content::auth::list_sessions,
        content::users::find_me, content::users::list_users, content::users::count_users, content::users::find_user,
        content::users::create_user, content::users::update_user, content::users::delete_user,
        content::roles::list_roles, content::roles::find_role, content::roles::create_role, content::roles::update_role,
        content::roles::delete_role, content::roles::list_permissions,
        admin::auth::admin_init, admin::auth::register_admin, admin::auth::admin_login, admin::auth::admin_logout,
        admin::auth::admin_access_token, admin::auth::registration_info, admin::auth::register_invited_admin,
        admin::auth::accept_invite, admin::users::find_admin_me, admin::users::update_admin_me, admin::users::list_admins,
        admin::users::create_admin, admin::users::batch_delete_admins, admin::users::find_admin, admin::users::update_admin,
        admin::users::delete_admin, admin::users::restore_admin, admin::invites::list_invites, admin::invites::create_invite,
        admin::invites::resend_invite, admin::invites::revoke_invite, admin::roles::list_admin_roles,
        admin::roles::create_admin_role, admin::roles::find_admin_role, admin::roles::delete_admin_role,
        admin::roles::list_admin_role_permissions, admin::roles::update_admin_role_permissions,
        admin::api_tokens::list_api_tokens, admin::api_tokens::create_api_token, admin::api_tokens::find_api_token,
        admin::api_tokens::update_api_token, admin::api_tokens::delete_api_token, admin::api_tokens::regenerate_api_token,
        admin::end_users::admin_list_end_user_roles, admin::end_users::admin_create_end_user_role,
        admin::end_users::admin_find_end_user_role, admin::end_users::admin_update_end_user_role,
        admin::end_users::admin_delete_end_user_role, admin::end_users::list_end_user_sessions,
        admin::end_users::revoke_end_user_sessions,
    ),
    components(schemas(
        content::UserResponse, content::RoleResponse, content::ErrorResponse, content::ErrorDetail, content::OkResponse,
        content::auth::RegisterRequest, content::auth::LoginRequest, content::auth::AuthResponse,
        content::auth::EmailRequest, content::auth::EmailSentResponse, content::auth::ResetPasswordRequest,
        content::auth::ChangePasswordRequest, content::auth::RefreshResponse, content::auth::SessionResponse,
        content::auth::SessionsResponse, admin::DataResponse,
        ops::ReadyResponse, content::users::UserWriteRequest,
        content::roles::RolesResponse, content::roles::RoleDetailResponse, content::roles::PermissionsResponse,
    )),
    modifiers(&BearerScheme),
    tags(
        (name = "auth", description = "End-user registration and login (Strapi Users & Permissions)"),
        (name = "users", description = "End users (Strapi Users & Permissions)"),
        (name = "roles", description = "End-user roles and their per-action permissions"),
        (name = "admin", description = "Admin realm (Strapi admin API with Medusa-style invites)"),
        (name = "operations", description = "Health, readiness, metrics"),
    )
)]
pub struct ApiDoc;

struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build()),
        );
    }
}

/// The document as JSON text, with the running version.
pub fn document() -> String {
    let mut doc = ApiDoc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    doc.to_json().unwrap_or_else(|_| "{}".to_owned())
}
