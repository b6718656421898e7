//! `/admin/invites*`: invites with status, resend, revoke (Medusa's lifecycle).

use crate::http::admin::users::InviteRequest;
use crate::http::admin::views::{Data, InviteView, PageView};
use crate::http::admin::{path_id, DataResponse};
use crate::http::content::ErrorResponse;
use crate::http::error::ApiError;
use crate::http::rejection::JsonObject;
use crate::http::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use gatehouse_domain::admins::{InviteInput, IssuedInvite};
use gatehouse_domain::ids::InviteId;
use gatehouse_domain::model::{Admin, Invite};
use gatehouse_domain::ports::ConflictKey;
use gatehouse_domain::time::Timestamp;
use gatehouse_domain::{Caller, DomainError};
use serde_json::{json, Value};

/// Issues an invite; a taken email is "Email already taken".
pub(crate) async fn issue_invite(
    state: &AppState,
    caller: &Caller,
    input: InviteInput,
) -> Result<IssuedInvite, ApiError> {
    state.domain.invite_admin(caller, input).await.map_err(|error| match error {
        DomainError::Conflict(ConflictKey::Email) => ApiError::application("Email already taken"),
        other => other.into(),
    })
}

fn invite_json(invite: &Invite, admin: &Admin, now: Timestamp, token: Option<&str>) -> Value {
    serde_json::to_value(InviteView::new(invite, admin, now, token)).unwrap_or_default()
}

/// Create an invite: `{data: {id, email, token, expiresAt, status: "pending", accepted: false}}`.
#[utoipa::path(post, path = "/admin/invites", tag = "admin", operation_id = "create_invite",
    request_body = InviteRequest,
    responses(
        (status = 201, description = "The invite with its token (shown once)", body = Data<InviteView>),
        (status = 400, description = "Invalid fields, unknown roles, or email taken", body = ErrorResponse),
    ))]
pub async fn create_invite(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    JsonObject(body): JsonObject,
) -> Result<Response, ApiError> {
    let issued = issue_invite(&state, &caller, InviteRequest::parse(&body)?.into_input()).await?;
    let now = state.domain.clock().now();
    Ok((
        StatusCode::CREATED,
        Json(DataResponse { data: invite_json(&issued.invite, &issued.admin, now, Some(issued.token.expose())) }),
    )
        .into_response())
}

/// Every invite with its status (pending, accepted, expired, revoked).
#[utoipa::path(get, path = "/admin/invites", tag = "admin", operation_id = "list_invites",
    responses(
        (status = 200, description = "{data: {results, pagination}}", body = Data<PageView<InviteView>>),
    ))]
pub async fn list_invites(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Result<Json<DataResponse>, ApiError> {
    let now = state.domain.clock().now();
    let invites = state.domain.list_invites(&caller).await?;
    let total = invites.len();
    let results: Vec<Value> = invites.iter().map(|(invite, admin)| invite_json(invite, admin, now, None)).collect();
    Ok(Json(DataResponse {
        data: json!({"results": results, "pagination": {"page": 1, "pageSize": total.max(1), "pageCount": 1, "total": total}}),
    }))
}

/// A new token and expiry for an invite; the old token dies.
#[utoipa::path(post, path = "/admin/invites/{id}/resend", tag = "admin", operation_id = "resend_invite",
    params(("id" = i64, Path, description = "Invite id")),
    responses(
        (status = 200, description = "The invite with its new token", body = Data<InviteView>),
        (status = 400, description = "Already accepted", body = ErrorResponse),
        (status = 404, description = "No such invite", body = ErrorResponse),
    ))]
pub async fn resend_invite(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<DataResponse>, ApiError> {
    let issued = state.domain.resend_invite(&caller, InviteId(path_id(&id)?)).await?;
    let now = state.domain.clock().now();
    Ok(Json(DataResponse { data: invite_json(&issued.invite, &issued.admin, now, Some(issued.token.expose())) }))
}

/// Revoke an invite: its token dies.
#[utoipa::path(delete, path = "/admin/invites/{id}", tag = "admin", operation_id = "revoke_invite",
    params(("id" = i64, Path, description = "Invite id")),
    responses(
        (status = 200, description = "The revoked invite", body = Data<InviteView>),
        (status = 404, description = "No such invite (or already accepted)", body = ErrorResponse),
    ))]
pub async fn revoke_invite(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<DataResponse>, ApiError> {
    let (invite, admin) = state.domain.revoke_invite(&caller, InviteId(path_id(&id)?)).await?;
    Ok(Json(DataResponse { data: invite_json(&invite, &admin, state.domain.clock().now(), None) }))
}
