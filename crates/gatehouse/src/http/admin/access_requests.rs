//! `/admin/access-requests*`: requests for admin access — the public form, the mailed
//! confirmation link, and the admins' list, approval and rejection. Served only when
//! `admin.access_requests.enabled` (otherwise the route table disables every route here, so
//! they are the 404 of an unknown path). The rules are the domain's
//! (`gatehouse_domain::access_requests`); this module reads bodies and shapes answers.

use crate::http::admin::list_query::{self, invalid, leaf, positive, DEFAULT_PAGE_SIZE};
use crate::http::admin::views::{AdminView, Data, PageView, PaginationView};
use crate::http::admin::{id_list, id_list_schema, path_id};
use crate::http::content::query::parse_tree;
use crate::http::content::ErrorResponse;
use crate::http::error::ApiError;
use crate::http::rejection::{Fields, JsonObject};
use crate::http::AppState;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use gatehouse_domain::access_requests::AccessRequestInput;
use gatehouse_domain::ids::AccessRequestId;
use gatehouse_domain::model::{AccessRequest, AccessRequestStatus};
use gatehouse_domain::query::Window;
use gatehouse_domain::time::Timestamp;
use gatehouse_domain::{Caller, DomainError, QueryPart, RequestContext, Secret};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};

/// Body of `POST /admin/access-requests`, as [`AccessRequestForm::parse`] reads it; any other
/// key is refused.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccessRequestForm {
    /// The login email asked for.
    #[schema(format = Email, max_length = 254)]
    pub email: String,
    /// First name (not blank).
    #[schema(min_length = 1, max_length = 255, pattern = r"\S")]
    pub firstname: String,
    /// Last name.
    #[schema(max_length = 255)]
    pub lastname: Option<String>,
    /// The password to log in with once approved: 8 characters or more (at most 1024 bytes),
    /// with a lower-case letter, an upper-case letter and a digit.
    #[schema(value_type = String, format = Password, min_length = 8, max_length = 1024, pattern = r"^(?=.*[a-z])(?=.*[A-Z])(?=.*[0-9])")]
    pub password: Secret,
    /// A word to the admins who decide.
    #[schema(max_length = 2000)]
    pub message: Option<String>,
}

impl AccessRequestForm {
    /// Reads the body.
    pub fn parse(body: &Map<String, Value>) -> Result<AccessRequestInput, ApiError> {
        Fields::refuse_other_keys(body, &["email", "firstname", "lastname", "password", "message"])?;
        let mut fields = Fields::new(body);
        let email = fields.required_string("email");
        let firstname = fields.required_string("firstname");
        let lastname = fields.optional_string("lastname");
        let password = fields.required_string("password");
        let message = fields.optional_string("message");
        fields.finish()?;
        Ok(AccessRequestInput {
            email: email.unwrap_or_default(),
            firstname: firstname.unwrap_or_default(),
            lastname,
            password: password.unwrap_or_default().into(),
            message,
        })
    }
}

/// `{status: "received"}`, the form's one answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReceivedView {
    /// Always `received`.
    #[schema(pattern = "^received$")]
    pub status: &'static str,
}

/// `{status: "confirmed"}`, the confirmation link's answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConfirmedView {
    /// Always `confirmed`.
    #[schema(pattern = "^confirmed$")]
    pub status: &'static str,
}

/// A request for admin access as admins see it (never its password or token).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccessRequestView {
    /// Integer id.
    #[schema(minimum = 1)]
    pub id: i64,
    /// The login email asked for.
    #[schema(format = Email)]
    pub email: String,
    /// First name.
    pub firstname: String,
    /// Last name.
    pub lastname: Option<String>,
    /// The requester's message.
    pub message: Option<String>,
    /// Where it stands now.
    #[schema(value_type = String, pattern = "^(pending|approved|rejected|expired)$")]
    pub status: &'static str,
    /// RFC 3339 UTC with milliseconds.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    /// When the address was confirmed.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub confirmed_at: Option<Timestamp>,
    /// When it expires unless decided.
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: Timestamp,
    /// When it was decided.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub decided_at: Option<Timestamp>,
    /// The admin who decided (null: undecided, or decided from the command line).
    pub decided_by: Option<i64>,
    /// The admin an approval created.
    pub admin_id: Option<i64>,
    /// A rejection's reason.
    pub reason: Option<String>,
}

impl AccessRequestView {
    /// The request as of `now`.
    pub fn new(request: &AccessRequest, now: Timestamp) -> Self {
        Self {
            id: request.id.0,
            email: request.email.clone(),
            firstname: request.firstname.clone(),
            lastname: request.lastname.clone(),
            message: request.message.clone(),
            status: request.status(now).as_str(),
            created_at: request.created_at,
            confirmed_at: request.confirmed_at,
            expires_at: request.expires_at,
            decided_at: request.decided_at,
            decided_by: request.decided_by.map(|admin| admin.0),
            admin_id: request.admin_id.map(|admin| admin.0),
            reason: request.reason.clone(),
        }
    }
}

/// Ask for admin access. The same 202 whether the email is new, an admin's already or already
/// asked for; a mail confirms the address of a new request.
#[utoipa::path(post, path = "/admin/access-requests", tag = "admin", operation_id = "create_access_request",
    request_body = AccessRequestForm,
    responses(
        (status = 202, description = "{data: {status: \"received\"}}, whatever the email", body = Data<ReceivedView>),
        (status = 400, description = "Invalid fields (email, firstname, password rules, lengths) or unknown keys", body = ErrorResponse),
    ))]
pub async fn create_access_request(
    State(state): State<AppState>,
    Extension(context): Extension<RequestContext>,
    JsonObject(body): JsonObject,
) -> Result<Response, ApiError> {
    let input = AccessRequestForm::parse(&body)?;
    state.domain.request_admin_access(&context, input).await?;
    Ok((StatusCode::ACCEPTED, Json(Data { data: ReceivedView { status: "received" } })).into_response())
}

/// Query of `GET /admin/access-requests/confirm`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AccessRequestConfirmationQuery {
    /// The token of the mailed link.
    #[param(required = true, min_length = 1)]
    pub confirmation: Option<String>,
}

/// Follow the mailed link: confirms the request's address, so admins see the request.
#[utoipa::path(get, path = "/admin/access-requests/confirm", tag = "admin", operation_id = "confirm_access_request",
    params(AccessRequestConfirmationQuery),
    responses(
        (status = 200, description = "{data: {status: \"confirmed\"}}", body = Data<ConfirmedView>),
        (status = 400, description = "Invalid confirmation token (unknown, used or expired)", body = ErrorResponse),
    ))]
pub async fn confirm_access_request(
    State(state): State<AppState>,
    Extension(context): Extension<RequestContext>,
    Query(query): Query<AccessRequestConfirmationQuery>,
) -> Result<Json<Data<ConfirmedView>>, ApiError> {
    let token = query.confirmation.unwrap_or_default();
    state.domain.confirm_access_request(&context, &token).await?;
    Ok(Json(Data { data: ConfirmedView { status: "confirmed" } }))
}

/// Query of `GET /admin/access-requests`; any other parameter is a 400.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AccessRequestListParams {
    /// Only requests in this status (all when absent).
    #[param(value_type = Option<String>, pattern = "^(pending|approved|rejected|expired)$")]
    pub status: Option<String>,
    /// Page from 1 (default 1).
    #[param(schema_with = list_query::schema::page)]
    pub page: Option<String>,
    /// Page size (default 10, at most 100).
    #[serde(rename = "pageSize")]
    #[param(schema_with = list_query::schema::page_size)]
    pub page_size: Option<String>,
}

/// The status, page and window of a list query.
fn parse_list(raw: &str) -> Result<(Option<AccessRequestStatus>, u64, Window), DomainError> {
    let root = parse_tree(raw)?;
    if let Some(key) = root.keys().find(|key| !matches!(key.as_str(), "status" | "page" | "pageSize")) {
        return Err(DomainError::InvalidKey { key: key.clone(), path: None, part: QueryPart::Filter });
    }
    let page = positive(root.get("page"), "page", 1)?;
    let page_size = positive(root.get("pageSize"), "pageSize", DEFAULT_PAGE_SIZE)?;
    let window = Window::page(page, page_size)
        .ok_or_else(|| invalid("page", "page is beyond the last page that can be asked for"))?;
    let status = match leaf(root.get("status"), "status")? {
        None => None,
        Some(name) => Some(
            AccessRequestStatus::from_name(name)
                .ok_or_else(|| invalid("status", "status must be one of pending, approved, rejected, expired"))?,
        ),
    };
    Ok((status, page, window))
}

/// Confirmed requests, newest first: `{data: {results, pagination}}`.
#[utoipa::path(get, path = "/admin/access-requests", tag = "admin", operation_id = "list_access_requests",
    params(AccessRequestListParams),
    responses(
        (status = 200, description = "A page, newest first", body = Data<PageView<AccessRequestView>>),
        (status = 400, description = "Bad status, paging or an unknown parameter", body = ErrorResponse),
    ))]
pub async fn list_access_requests(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Data<PageView<AccessRequestView>>>, ApiError> {
    let (status, page, window) = parse_list(raw.as_deref().unwrap_or_default())?;
    let (requests, total) = state.domain.list_access_requests(&caller, status, window).await?;
    let now = state.domain.clock().now();
    let page_size = window.limit();
    Ok(Json(Data {
        data: PageView {
            results: requests.iter().map(|request| AccessRequestView::new(request, now)).collect(),
            pagination: PaginationView { page, page_size, page_count: total.div_ceil(page_size), total },
        },
    }))
}

/// Body of `POST /admin/access-requests/{id}/approve`; other keys are refused.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproveAccessRequest {
    /// The new admin's roles (when given, at least one existing role); default
    /// `admin.access_requests.default_role`.
    #[schema(schema_with = id_list_schema)]
    pub roles: Option<Vec<i64>>,
}

/// Approve a pending request: the admin is created active, with the requested password and
/// the roles, in one transaction; the requester is mailed.
#[utoipa::path(post, path = "/admin/access-requests/{id}/approve", tag = "admin", operation_id = "approve_access_request",
    params(("id" = i64, Path, description = "Access request id")),
    request_body(content = ApproveAccessRequest, description = "Optional; `{}` gives the default role"),
    responses(
        (status = 200, description = "The new admin", body = Data<AdminView>),
        (status = 400, description = "No longer pending, unknown roles, email taken meanwhile, or bad fields", body = ErrorResponse),
        (status = 404, description = "No such confirmed request", body = ErrorResponse),
    ))]
pub async fn approve_access_request(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    JsonObject(body): JsonObject,
) -> Result<Json<Data<AdminView>>, ApiError> {
    let id = AccessRequestId(path_id(&id)?);
    Fields::refuse_other_keys(&body, &["roles"])?;
    let roles = id_list(&body, "roles")?;
    let admin = state.domain.approve_access_request(&caller, id, roles).await?;
    Ok(Json(Data { data: AdminView::from(&admin) }))
}

/// Body of `POST /admin/access-requests/{id}/reject`; other keys are refused.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectAccessRequest {
    /// Why (sent to the requester).
    #[schema(max_length = 2000)]
    pub reason: Option<String>,
}

/// Reject a pending request: the requester is mailed and the email is free again.
#[utoipa::path(post, path = "/admin/access-requests/{id}/reject", tag = "admin", operation_id = "reject_access_request",
    params(("id" = i64, Path, description = "Access request id")),
    request_body(content = RejectAccessRequest, description = "Optional"),
    responses(
        (status = 200, description = "The rejected request", body = Data<AccessRequestView>),
        (status = 400, description = "No longer pending, or bad fields", body = ErrorResponse),
        (status = 404, description = "No such confirmed request", body = ErrorResponse),
    ))]
pub async fn reject_access_request(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    JsonObject(body): JsonObject,
) -> Result<Json<Data<AccessRequestView>>, ApiError> {
    let id = AccessRequestId(path_id(&id)?);
    Fields::refuse_other_keys(&body, &["reason"])?;
    let mut fields = Fields::new(&body);
    let reason = fields.optional_string("reason");
    fields.finish()?;
    let request = state.domain.reject_access_request(&caller, id, reason).await?;
    Ok(Json(Data { data: AccessRequestView::new(&request, state.domain.clock().now()) }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_queries_parse_and_bad_ones_are_refused() {
        let (status, page, window) = parse_list("status=pending&page=2&pageSize=5").unwrap();
        assert_eq!((status, page, window.offset(), window.limit()), (Some(AccessRequestStatus::Pending), 2, 5, 5));
        assert_eq!(parse_list("").unwrap().0, None);
        for bad in ["status=maybe", "page=0", "sort=id", "status[x]=1"] {
            assert!(parse_list(bad).is_err(), "{bad} is refused");
        }
    }
}
