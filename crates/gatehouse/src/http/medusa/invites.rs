//! `/medusa/admin/invites*`: Medusa's invites over Gatehouse's (a pending admin and a
//! single-use token; the invite mail is sent as on the Strapi surface). Acceptance is the
//! js-sdk's flow: `auth.register` gives a registration token, sent as the bearer of
//! `POST /admin/invites/accept?token=<invite token>`, which creates the admin whole.

use crate::http::caller::bearer_token;
use crate::http::medusa::users::{MedusaUser, MedusaUserResponse};
use crate::http::medusa::{
    body, limit_schema, offset_schema, parse_id, public_id, query_pairs, MedusaDeleteResponse, MedusaError,
    MedusaErrorResponse, Paging,
};
use crate::http::rejection::JsonObject;
use crate::http::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::{Extension, Json};
use gatehouse_domain::admins::{InviteInput, IssuedInvite};
use gatehouse_domain::ids::InviteId;
use gatehouse_domain::model::{Admin, Invite};
use gatehouse_domain::{Caller, RequestContext};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The id prefix of invites.
pub const INVITE_PREFIX: &str = "invite_";

/// An invite in Medusa's `AdminInvite` shape.
#[derive(Debug, Serialize, ToSchema)]
pub struct MedusaInvite {
    /// `invite_` and the invite's integer id.
    #[schema(pattern = "^invite_[1-9][0-9]{0,18}$", example = "invite_7")]
    pub id: String,
    /// The invited email.
    #[schema(format = Email)]
    pub email: String,
    /// Whether it has been accepted.
    pub accepted: bool,
    /// The invite token: only in the answers that create or resend it (Gatehouse keeps its
    /// hash only); an empty string elsewhere.
    pub token: String,
    /// When the token stops working.
    #[schema(format = DateTime)]
    pub expires_at: String,
    /// Creation (or last resend) time.
    #[schema(format = DateTime)]
    pub created_at: String,
    /// Last change.
    #[schema(format = DateTime)]
    pub updated_at: String,
    /// Gatehouse extension: the ids of the admin roles the invited admin gets on acceptance.
    pub roles: Vec<i64>,
    /// The JSON object given when inviting, or null.
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<serde_json::Value>,
}

impl MedusaInvite {
    fn of(invite: &Invite, admin: &Admin, token: Option<&str>) -> Self {
        let updated = [Some(invite.created_at), invite.accepted_at, invite.revoked_at].into_iter().flatten().max();
        Self {
            id: public_id(INVITE_PREFIX, invite.id.0),
            email: admin.email.clone(),
            accepted: invite.accepted_at.is_some(),
            token: token.unwrap_or_default().to_owned(),
            expires_at: invite.expires_at.to_rfc3339(),
            created_at: invite.created_at.to_rfc3339(),
            updated_at: updated.unwrap_or(invite.created_at).to_rfc3339(),
            roles: admin.roles.iter().map(|role| role.id.0).collect(),
            metadata: invite.metadata.clone(),
        }
    }

    fn issued(issued: &IssuedInvite) -> Self {
        Self::of(&issued.invite, &issued.admin, Some(issued.token.expose()))
    }
}

/// `{"invite": {…}}`
#[derive(Debug, Serialize, ToSchema)]
pub struct MedusaInviteResponse {
    /// The invite.
    pub invite: MedusaInvite,
}

/// `{"invites": […], "count", "offset", "limit"}`
#[derive(Debug, Serialize, ToSchema)]
pub struct MedusaInviteListResponse {
    /// The page.
    pub invites: Vec<MedusaInvite>,
    /// Invites over every page.
    pub count: u64,
    /// Rows skipped.
    pub offset: u64,
    /// The page size used.
    pub limit: u64,
}

/// Query parameters of the invite list.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MedusaInviteListQuery {
    /// Rows to skip.
    #[param(schema_with = offset_schema)]
    pub offset: Option<u64>,
    /// Page size (default 20; above 100 is read as 100).
    #[param(schema_with = limit_schema)]
    pub limit: Option<u64>,
    /// Accepted and ignored: every field is returned.
    pub fields: Option<String>,
}

/// Body of `POST /medusa/admin/invites` (Medusa's `AdminCreateInvite`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MedusaCreateInviteRequest {
    /// The future admin's email, unique among admins.
    #[schema(format = Email, max_length = 254)]
    pub email: String,
    /// Gatehouse extension: the ids of the admin roles the invited admin gets (at least one
    /// existing role when given; none: no role until an admin gives one).
    #[schema(min_items = 1)]
    pub roles: Option<Vec<i64>>,
    /// A JSON object kept with the invite (at most 16 KiB serialized).
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<serde_json::Map<String, serde_json::Value>>,
}

/// Body of `POST /medusa/admin/invites/accept` (Medusa's `AdminAcceptInvite`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MedusaAcceptInviteRequest {
    /// The registered email (it must be the invite's); optional.
    #[schema(format = Email, max_length = 254)]
    pub email: Option<String>,
    /// First name.
    #[schema(max_length = 255)]
    pub first_name: Option<String>,
    /// Last name.
    #[schema(max_length = 255)]
    pub last_name: Option<String>,
}

/// The `token` query parameter of the acceptance.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MedusaAcceptInviteQuery {
    /// The invite token (from the invite mail or the creating answer).
    #[param(min_length = 1)]
    pub token: String,
}

fn invite_id(raw: &str) -> Result<InviteId, MedusaError> {
    parse_id(INVITE_PREFIX, raw)
        .map(InviteId)
        .ok_or_else(|| MedusaError::not_found(format!("Invite with id: {raw} was not found")))
}

/// The invites Medusa lists: revoked ones are deleted there.
async fn listed(state: &AppState, caller: &Caller) -> Result<Vec<(Invite, Admin)>, MedusaError> {
    let mut invites = state.domain.list_invites(caller).await?;
    invites.retain(|(invite, _)| invite.revoked_at.is_none());
    invites.sort_by_key(|(invite, _)| invite.id);
    Ok(invites)
}

/// List invites.
///
/// Action `admin::invites.read`.
#[utoipa::path(
    get, path = "/medusa/admin/invites", tag = "medusa", operation_id = "medusa_list_invites",
    params(MedusaInviteListQuery),
    responses(
        (status = 200, description = "A page of invites", body = MedusaInviteListResponse),
        (status = 400, description = "A malformed `offset` or `limit`", body = MedusaErrorResponse),
    )
)]
pub async fn medusa_list_invites(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> Result<Json<MedusaInviteListResponse>, MedusaError> {
    let paging = Paging::read(&query_pairs(raw.as_deref()))?;
    let invites = listed(&state, &caller).await?;
    let count = invites.len() as u64;
    let page = paging.slice(invites);
    Ok(Json(MedusaInviteListResponse {
        invites: page.iter().map(|(invite, admin)| MedusaInvite::of(invite, admin, None)).collect(),
        count,
        offset: paging.offset,
        limit: paging.limit,
    }))
}

/// One invite.
///
/// Action `admin::invites.read`.
#[utoipa::path(
    get, path = "/medusa/admin/invites/{id}", tag = "medusa", operation_id = "medusa_find_invite",
    params(("id" = String, Path, description = "`invite_` and the invite's integer id")),
    responses(
        (status = 200, description = "The invite", body = MedusaInviteResponse),
        (status = 404, description = "No such invite, or an id that names none", body = MedusaErrorResponse),
    )
)]
pub async fn medusa_find_invite(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(raw_id): Path<String>,
) -> Result<Json<MedusaInviteResponse>, MedusaError> {
    let id = invite_id(&raw_id)?;
    let invites = listed(&state, &caller).await?;
    let (invite, admin) = invites
        .iter()
        .find(|(invite, _)| invite.id == id)
        .ok_or_else(|| MedusaError::not_found(format!("Invite with id: {raw_id} was not found")))?;
    Ok(Json(MedusaInviteResponse { invite: MedusaInvite::of(invite, admin, None) }))
}

/// Invite an admin: a pending admin and a token; the invite mail is sent.
///
/// Action `admin::invites.create`.
#[utoipa::path(
    post, path = "/medusa/admin/invites", tag = "medusa", operation_id = "medusa_create_invite",
    request_body = MedusaCreateInviteRequest,
    responses(
        (status = 200, description = "Created; the answer carries the token", body = MedusaInviteResponse),
        (status = 400, description = "Invalid email, `roles` naming no existing role, or `metadata` over 16 KiB", body = MedusaErrorResponse),
        (status = 409, description = "An admin has this email already", body = MedusaErrorResponse),
    )
)]
pub async fn medusa_create_invite(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    JsonObject(object): JsonObject,
) -> Result<Json<MedusaInviteResponse>, MedusaError> {
    let request: MedusaCreateInviteRequest = body(object)?;
    let issued = state
        .domain
        .invite_admin(
            &caller,
            InviteInput {
                email: request.email,
                roles: request.roles,
                metadata: request.metadata.map(serde_json::Value::Object),
                ..InviteInput::default()
            },
        )
        .await?;
    Ok(Json(MedusaInviteResponse { invite: MedusaInvite::issued(&issued) }))
}

/// A new token and expiry for an invite; the old token dies and the mail is sent again.
///
/// Action `admin::invites.resend`.
#[utoipa::path(
    post, path = "/medusa/admin/invites/{id}/resend", tag = "medusa", operation_id = "medusa_resend_invite",
    params(("id" = String, Path, description = "`invite_` and the invite's integer id")),
    responses(
        (status = 200, description = "Resent; the answer carries the new token", body = MedusaInviteResponse),
        (status = 400, description = "The invite was accepted or deleted", body = MedusaErrorResponse),
        (status = 404, description = "No such invite, or an id that names none", body = MedusaErrorResponse),
    )
)]
pub async fn medusa_resend_invite(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(raw_id): Path<String>,
) -> Result<Json<MedusaInviteResponse>, MedusaError> {
    let id = invite_id(&raw_id)?;
    let issued = state.domain.resend_invite(&caller, id).await.map_err(|error| match error {
        gatehouse_domain::DomainError::Rule(gatehouse_domain::Rule::InvalidRegistration) => {
            MedusaError::new(axum::http::StatusCode::BAD_REQUEST, "not_allowed", "The invite was accepted already")
        }
        other => other.into(),
    })?;
    Ok(Json(MedusaInviteResponse { invite: MedusaInvite::issued(&issued) }))
}

/// Delete an invite: its token dies.
///
/// Action `admin::invites.delete`.
#[utoipa::path(
    delete, path = "/medusa/admin/invites/{id}", tag = "medusa", operation_id = "medusa_delete_invite",
    params(("id" = String, Path, description = "`invite_` and the invite's integer id")),
    responses(
        (status = 200, description = "Deleted", body = MedusaDeleteResponse),
        (status = 404, description = "No such invite, or an id that names none", body = MedusaErrorResponse),
    )
)]
pub async fn medusa_delete_invite(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(raw_id): Path<String>,
) -> Result<Json<MedusaDeleteResponse>, MedusaError> {
    let id = invite_id(&raw_id)?;
    let (invite, _) = state.domain.revoke_invite(&caller, id).await?;
    Ok(Json(MedusaDeleteResponse { id: public_id(INVITE_PREFIX, invite.id.0), object: "invite", deleted: true }))
}

/// Accept an invite with a registered identity: the bearer is the registration token of
/// `POST /auth/user/emailpass/register`, `token` the invite's. The admin is created whole, in
/// one transaction, with the registered password and the invite's roles; it then logs in at
/// `POST /auth/user/emailpass`.
///
/// Open (the registration token is the credential).
#[utoipa::path(
    post, path = "/medusa/admin/invites/accept", tag = "medusa", operation_id = "medusa_accept_invite",
    params(MedusaAcceptInviteQuery),
    request_body = MedusaAcceptInviteRequest,
    responses(
        (status = 200, description = "The new admin", body = MedusaUserResponse),
        (status = 400, description = "Invalid fields or no `token`", body = MedusaErrorResponse),
        (status = 401, description = "No valid registration token, or an unusable invite token, or another email", body = MedusaErrorResponse),
    )
)]
pub async fn medusa_accept_invite(
    State(state): State<AppState>,
    Extension(context): Extension<RequestContext>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    JsonObject(object): JsonObject,
) -> Result<Json<MedusaUserResponse>, MedusaError> {
    let request: MedusaAcceptInviteRequest = body(object)?;
    let token = query_pairs(raw.as_deref())
        .into_iter()
        .find(|(key, _)| key == "token")
        .map(|(_, value)| value)
        .filter(|value| !value.is_empty())
        .ok_or_else(|| MedusaError::invalid("token is required"))?;
    for (field, value) in [("first_name", &request.first_name), ("last_name", &request.last_name)] {
        if value.as_ref().is_some_and(|name| name.chars().count() > 255) {
            return Err(MedusaError::invalid(format!("{field} must be at most 255 characters")));
        }
    }
    let registration = bearer_token(&headers).ok_or_else(MedusaError::unauthorized)?;
    if let Some(email) = &request.email {
        let identity_email = state.domain.registered_email(registration).await?;
        if !email.trim().eq_ignore_ascii_case(&identity_email) {
            return Err(MedusaError::unauthorized());
        }
    }
    let admin =
        state.domain.accept_invite_as(&context, &token, registration, request.first_name, request.last_name).await?;
    Ok(Json(MedusaUserResponse { user: MedusaUser::of(&admin) }))
}
