//! `/api/users*`: the users of the content API.

use crate::http::content::{ErrorResponse, RoleResponse, UserResponse};
use crate::http::error::ApiError;
use crate::http::AppState;
use axum::extract::{Query, State};
use axum::{Extension, Json};
use gatehouse_domain::Caller;
use serde::Deserialize;
use std::collections::HashMap;
use utoipa::IntoParams;

/// Query of `GET /api/users/me`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct MeQuery {
    /// `role` or `*` adds the user's role.
    pub populate: Option<String>,
}

fn wants_role(query: &HashMap<String, String>) -> bool {
    query.iter().any(|(key, value)| {
        (key == "populate" && (value == "role" || value == "*"))
            || (key.starts_with("populate[") && (value == "role" || key == "populate[role]"))
    })
}

/// The calling user.
///
/// Action `plugin::users-permissions.user.me` (authenticated role by default). Without
/// credentials this is 403 (the public role lacks it, as Strapi); an API token, an admin JWT
/// or a bad or ended session is 401.
#[utoipa::path(
    get, path = "/api/users/me", tag = "users", operation_id = "find_me",
    params(MeQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller", body = UserResponse),
        (status = 401, description = "Invalid, expired or revoked token", body = ErrorResponse),
        (status = 403, description = "No credentials (public role lacks the action)", body = ErrorResponse),
    )
)]
pub async fn find_me(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<UserResponse>, ApiError> {
    let user = state.domain.me(&caller).await?;
    let mut answer = UserResponse::from_user(&user);
    if wants_role(&query) {
        answer.role = Some(RoleResponse::from(&state.domain.role_of(&user).await?));
    }
    Ok(Json(answer))
}
