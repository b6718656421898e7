//! `/admin/users*`: admin users — profile, list, invite, update, soft delete, restore, purge.

use crate::http::admin::list_query::{self, parse_admin_list, AdminList};
use crate::http::admin::views::{AdminView, Data, InvitedAdminView, PageView};
use crate::http::admin::{admin_json, id_list, id_list_schema, path_id, DataResponse};
use crate::http::content::ErrorResponse;
use crate::http::error::ApiError;
use crate::http::rejection::{Fields, JsonObject};
use crate::http::AppState;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use gatehouse_domain::admins::{AdminPatch, InviteInput};
use gatehouse_domain::ids::AdminId;
use gatehouse_domain::{Caller, DomainError, FieldError, FieldErrors, Secret};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use utoipa::openapi::schema::{AnyOfBuilder, ArrayBuilder, ObjectBuilder, Schema, Type};
use utoipa::openapi::RefOr;
use utoipa::{IntoParams, ToSchema};

/// Query of `GET /admin/users`, its schemas from the parser's tables; any other parameter is
/// a 400.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AdminListParams {
    /// Page from 1 (default 1).
    #[param(schema_with = list_query::schema::page)]
    pub page: Option<String>,
    /// Page size (default 10, at most 100).
    #[serde(rename = "pageSize")]
    #[param(schema_with = list_query::schema::page_size)]
    pub page_size: Option<String>,
    /// Search in names and email.
    #[serde(rename = "_q")]
    pub q: Option<String>,
    /// `field:ASC|DESC` (id, firstname, lastname, email, username, createdAt, updatedAt).
    #[param(schema_with = list_query::schema::sort)]
    pub sort: Option<String>,
    /// `filters[$and][0][isActive][$eq]=true`, `filters[$and][1][roles][id][$eq]=3`,
    /// `filters[blocked][$eq]=false`; any other filter is a 400.
    #[param(style = DeepObject, explode, schema_with = list_query::schema::filters)]
    pub filters: Option<String>,
    /// Include soft-deleted admins.
    #[serde(rename = "withDeleted")]
    #[param(value_type = Option<bool>)]
    pub with_deleted: Option<String>,
}

/// Body of `PUT /admin/users/{id}` and `PUT /admin/users/me`, as [`UpdateAdminRequest::parse`]
/// reads it (on `me`, `roles`, `isActive` and `blocked` are ignored).
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateAdminRequest {
    /// First name.
    #[schema(nullable = false, min_length = 1)]
    pub firstname: Option<String>,
    /// Last name.
    pub lastname: Option<String>,
    /// A valid email address; stored lower-cased.
    #[schema(nullable = false, format = Email, max_length = 254)]
    pub email: Option<String>,
    /// Role ids (replaces the admin's roles).
    #[schema(schema_with = id_list_schema)]
    pub roles: Option<Vec<i64>>,
    /// Active (an inactive admin cannot log in).
    #[serde(rename = "isActive")]
    pub is_active: Option<bool>,
    /// Blocked: ends the admin's sessions at once.
    pub blocked: Option<bool>,
    /// A new password: 8 characters or more with a lower-case letter, an upper-case letter and
    /// a digit; one's own needs `currentPassword`.
    #[schema(nullable = false, value_type = Option<String>, format = Password, min_length = 8, max_length = 1024, pattern = r"^(?=.*[a-z])(?=.*[A-Z])(?=.*[0-9])")]
    pub password: Option<Secret>,
    /// The password in use (changing one's own password).
    #[serde(rename = "currentPassword")]
    #[schema(value_type = Option<String>, format = Password)]
    pub current_password: Option<Secret>,
    /// Sent by Strapi's admin panel; ignored.
    #[schema(value_type = Option<String>)]
    pub username: Option<Value>,
    /// Sent by Strapi's admin panel; ignored.
    #[serde(rename = "preferedLanguage")]
    #[schema(value_type = Option<String>)]
    pub prefered_language: Option<Value>,
}

impl UpdateAdminRequest {
    /// Reads the body; a key outside the ten above is refused.
    pub fn parse(body: &Map<String, Value>) -> Result<Self, ApiError> {
        Fields::refuse_other_keys(
            body,
            &[
                "firstname",
                "lastname",
                "email",
                "roles",
                "isActive",
                "blocked",
                "password",
                "currentPassword",
                "username",
                "preferedLanguage",
            ],
        )?;
        let mut fields = Fields::new(body);
        let request = Self {
            firstname: fields.present_string("firstname"),
            lastname: fields.optional_string("lastname"),
            email: fields.present_string("email"),
            roles: None,
            is_active: fields.optional_bool("isActive"),
            blocked: fields.optional_bool("blocked"),
            password: fields.present_string("password").map(Secret::from),
            current_password: fields.optional_string("currentPassword").map(Secret::from),
            // Ignored, but typed as documented: a string or null.
            username: fields.optional_string("username").map(Value::String),
            prefered_language: fields.optional_string("preferedLanguage").map(Value::String),
        };
        fields.finish()?;
        Ok(Self { roles: id_list(body, "roles")?, ..request })
    }

    fn into_patch(self) -> AdminPatch {
        AdminPatch {
            firstname: self.firstname,
            lastname: self.lastname,
            email: self.email,
            roles: self.roles,
            is_active: self.is_active,
            blocked: self.blocked,
            password: self.password,
            current_password: self.current_password,
        }
    }
}

/// One's own admin profile.
#[utoipa::path(get, path = "/admin/users/me", tag = "admin", operation_id = "find_admin_me",
    responses((status = 200, description = "{data: admin}", body = Data<AdminView>)))]
pub async fn find_admin_me(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Result<Json<DataResponse>, ApiError> {
    let admin = state.domain.admin_me(&caller).await?;
    Ok(Json(DataResponse { data: admin_json(&admin) }))
}

/// Change one's own names, email or password (the password needs `currentPassword`).
#[utoipa::path(put, path = "/admin/users/me", tag = "admin", operation_id = "update_admin_me",
    request_body = UpdateAdminRequest,
    responses(
        (status = 200, description = "{data: admin}", body = Data<AdminView>),
        (status = 400, description = "Invalid fields or wrong current password", body = ErrorResponse),
    ))]
pub async fn update_admin_me(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    JsonObject(body): JsonObject,
) -> Result<Json<DataResponse>, ApiError> {
    let mut patch = UpdateAdminRequest::parse(&body)?.into_patch();
    // One's own roles and state are not for oneself to change here.
    patch.roles = None;
    patch.is_active = None;
    patch.blocked = None;
    let (me, _) = caller.admin()?;
    let admin = state.domain.update_admin(&caller, me.id, patch).await?;
    Ok(Json(DataResponse { data: admin_json(&admin) }))
}

/// A page of admins: `{data: {results, pagination: {page, pageSize, pageCount, total}}}`.
#[utoipa::path(get, path = "/admin/users", tag = "admin", operation_id = "list_admins",
    params(AdminListParams),
    responses(
        (status = 200, description = "A page", body = Data<PageView<AdminView>>),
        (status = 400, description = "Bad paging", body = ErrorResponse),
    ))]
pub async fn list_admins(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> Result<Json<DataResponse>, ApiError> {
    let AdminList { query, page, page_size } = parse_admin_list(raw.as_deref().unwrap_or_default())?;
    let (admins, total) = state.domain.list_admins(&caller, &query).await?;
    let page_count = total.div_ceil(page_size);
    let results: Vec<Value> = admins.iter().map(admin_json).collect();
    Ok(Json(DataResponse {
        data: json!({"results": results, "pagination": {"page": page, "pageSize": page_size, "pageCount": page_count, "total": total}}),
    }))
}

/// Invite an admin (Strapi's way): a pending admin with a `registrationToken`, shown once.
#[utoipa::path(post, path = "/admin/users", tag = "admin", operation_id = "create_admin",
    request_body = CreateAdminRequest,
    responses(
        (status = 201, description = "{data: admin with registrationToken}", body = Data<InvitedAdminView>),
        (status = 400, description = "Invalid fields, unknown roles, or email taken", body = ErrorResponse),
    ))]
pub async fn create_admin(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    JsonObject(body): JsonObject,
) -> Result<Response, ApiError> {
    let input = CreateAdminRequest::parse(&body)?.into_input();
    let issued = super::invites::issue_invite(&state, &caller, input).await?;
    let mut data = admin_json(&issued.admin);
    data["registrationToken"] = json!(issued.token.expose());
    Ok((StatusCode::CREATED, Json(DataResponse { data })).into_response())
}

/// Query of `GET /admin/users/{id}`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FindAdminParams {
    /// Find a soft-deleted admin too.
    #[serde(rename = "withDeleted")]
    #[param(value_type = Option<bool>)]
    pub with_deleted: Option<String>,
}

/// One admin (soft-deleted ones with `?withDeleted=true`).
#[utoipa::path(get, path = "/admin/users/{id}", tag = "admin", operation_id = "find_admin",
    params(("id" = i64, Path, description = "Admin id"), FindAdminParams),
    responses(
        (status = 200, description = "{data: admin}", body = Data<AdminView>),
        (status = 400, description = "`withDeleted` is neither true nor false", body = ErrorResponse),
        (status = 404, description = "No such admin", body = ErrorResponse),
    ))]
pub async fn find_admin(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    Query(params): Query<FindAdminParams>,
) -> Result<Json<DataResponse>, ApiError> {
    let with_deleted = match params.with_deleted.as_deref() {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => return Err(DomainError::InvalidValue { path: "withDeleted".into() }.into()),
    };
    let admin = state.domain.find_admin(&caller, AdminId(path_id(&id)?), with_deleted).await?;
    Ok(Json(DataResponse { data: admin_json(&admin) }))
}

/// Change an admin. Blocking or deactivating ends its sessions at once; the last active super
/// admin can be neither blocked, deactivated nor demoted; nobody changes their own roles.
#[utoipa::path(put, path = "/admin/users/{id}", tag = "admin", operation_id = "update_admin",
    params(("id" = i64, Path, description = "Admin id")),
    request_body = UpdateAdminRequest,
    responses(
        (status = 200, description = "{data: admin}", body = Data<AdminView>),
        (status = 400, description = "Invalid fields, last super admin, or own roles", body = ErrorResponse),
        (status = 404, description = "No such admin", body = ErrorResponse),
    ))]
pub async fn update_admin(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    JsonObject(body): JsonObject,
) -> Result<Json<DataResponse>, ApiError> {
    let id = AdminId(path_id(&id)?);
    let admin = state.domain.update_admin(&caller, id, UpdateAdminRequest::parse(&body)?.into_patch()).await?;
    Ok(Json(DataResponse { data: admin_json(&admin) }))
}

/// Query of `DELETE /admin/users/{id}`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct DeleteParams {
    /// `true`: purge a soft-deleted admin for good (Super Admin only).
    pub hard: Option<String>,
}

/// Soft-delete an admin (or, with `?hard=true`, purge a soft-deleted one).
#[utoipa::path(delete, path = "/admin/users/{id}", tag = "admin", operation_id = "delete_admin",
    params(("id" = i64, Path, description = "Admin id"), DeleteParams),
    responses(
        (status = 200, description = "{data: admin}", body = Data<AdminView>),
        (status = 400, description = "Last super admin, or purging an admin that is not deleted", body = ErrorResponse),
        (status = 404, description = "No such admin", body = ErrorResponse),
    ))]
pub async fn delete_admin(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    Query(params): Query<DeleteParams>,
) -> Result<Json<DataResponse>, ApiError> {
    let id = AdminId(path_id(&id)?);
    let admin = if params.hard.as_deref() == Some("true") {
        state.domain.purge_admin(&caller, id).await?
    } else {
        state.domain.soft_delete_admin(&caller, id).await?
    };
    Ok(Json(DataResponse { data: admin_json(&admin) }))
}

/// Soft-delete several admins.
#[utoipa::path(post, path = "/admin/users/batch-delete", tag = "admin", operation_id = "batch_delete_admins",
    request_body = BatchDeleteRequest,
    responses(
        (status = 200, description = "{data: [admins]}", body = Data<Vec<AdminView>>),
        (status = 400, description = "Bad ids or last super admin", body = ErrorResponse),
        (status = 404, description = "One of the ids names no admin", body = ErrorResponse),
    ))]
pub async fn batch_delete_admins(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    JsonObject(body): JsonObject,
) -> Result<Json<DataResponse>, ApiError> {
    let ids: Vec<AdminId> = BatchDeleteRequest::parse(&body)?.ids.into_iter().map(AdminId).collect();
    let deleted = state.domain.soft_delete_admins(&caller, &ids).await?;
    Ok(Json(DataResponse { data: Value::Array(deleted.iter().map(admin_json).collect()) }))
}

/// Bring a soft-deleted admin back with its roles (its sessions stay ended).
#[utoipa::path(post, path = "/admin/users/{id}/restore", tag = "admin", operation_id = "restore_admin",
    params(("id" = i64, Path, description = "Admin id")),
    responses(
        (status = 200, description = "{data: admin}", body = Data<AdminView>),
        (status = 404, description = "No such admin", body = ErrorResponse),
    ))]
pub async fn restore_admin(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<DataResponse>, ApiError> {
    let admin = state.domain.restore_admin(&caller, AdminId(path_id(&id)?)).await?;
    Ok(Json(DataResponse { data: admin_json(&admin) }))
}

/// Body of `POST /admin/users` (Strapi's invite), as [`CreateAdminRequest::parse`] reads it.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAdminRequest {
    /// A valid email address; stored lower-cased.
    #[schema(format = Email, max_length = 254)]
    pub email: String,
    /// First name.
    #[schema(min_length = 1)]
    pub firstname: String,
    /// Last name.
    pub lastname: Option<String>,
    /// Role ids: at least one.
    #[schema(schema_with = required_roles_schema)]
    pub roles: Vec<i64>,
}

impl CreateAdminRequest {
    /// Reads the body; Strapi creates no admin without a role.
    pub fn parse(body: &Map<String, Value>) -> Result<Self, ApiError> {
        if id_list(body, "roles")?.is_none_or(|roles| roles.is_empty()) {
            let missing = FieldError::new("roles", "roles field must have at least 1 items");
            return Err(DomainError::Validation(FieldErrors(vec![missing])).into());
        }
        let invite = InviteRequest::read(body, true)?;
        Ok(Self {
            email: invite.email,
            firstname: invite.firstname.unwrap_or_default(),
            lastname: invite.lastname,
            roles: invite.roles.unwrap_or_default(),
        })
    }

    /// The invite it asks for.
    pub fn into_input(self) -> InviteInput {
        InviteInput {
            email: self.email,
            firstname: Some(self.firstname),
            lastname: self.lastname,
            roles: Some(self.roles),
            metadata: None,
        }
    }
}

fn required_roles_schema() -> impl Into<RefOr<Schema>> {
    let integer = || {
        ObjectBuilder::new().schema_type(Type::Integer).format(Some(
            utoipa::openapi::schema::SchemaFormat::KnownFormat(utoipa::openapi::schema::KnownFormat::Int64),
        ))
    };
    let item = AnyOfBuilder::new()
        .item(integer())
        .item(ObjectBuilder::new().schema_type(Type::String).pattern(Some(r"^[+-]?[0-9]{1,18}$")))
        .item(ObjectBuilder::new().property("id", integer()).required("id"));
    ArrayBuilder::new().items(item).min_items(Some(1)).build()
}

/// Body of `POST /admin/invites` (Medusa's invite), as [`InviteRequest::parse`] reads it.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteRequest {
    /// A valid email address; stored lower-cased.
    #[schema(format = Email, max_length = 254)]
    pub email: String,
    /// First name.
    pub firstname: Option<String>,
    /// Last name.
    pub lastname: Option<String>,
    /// Role ids.
    #[schema(schema_with = id_list_schema)]
    pub roles: Option<Vec<i64>>,
}

impl InviteRequest {
    /// Reads the body; a key outside the four above is refused.
    pub fn parse(body: &Map<String, Value>) -> Result<Self, ApiError> {
        Self::read(body, false)
    }

    /// The invite it asks for.
    pub fn into_input(self) -> InviteInput {
        InviteInput {
            email: self.email,
            firstname: self.firstname,
            lastname: self.lastname,
            roles: self.roles,
            metadata: None,
        }
    }

    fn read(body: &Map<String, Value>, firstname_required: bool) -> Result<Self, ApiError> {
        Fields::refuse_other_keys(body, &["email", "firstname", "lastname", "roles"])?;
        let mut fields = Fields::new(body);
        let email = fields.required_string("email");
        let firstname =
            if firstname_required { fields.required_string("firstname") } else { fields.optional_string("firstname") };
        let lastname = fields.optional_string("lastname");
        fields.finish()?;
        Ok(Self { email: email.unwrap_or_default(), firstname, lastname, roles: id_list(body, "roles")? })
    }
}

/// Body of `POST /admin/users/batch-delete`, as [`BatchDeleteRequest::parse`] reads it.
#[derive(ToSchema)]
pub struct BatchDeleteRequest {
    /// The admins to soft-delete: at least one id.
    #[schema(schema_with = required_roles_schema)]
    pub ids: Vec<i64>,
}

impl BatchDeleteRequest {
    /// Reads the body; other keys are ignored.
    pub fn parse(body: &Map<String, Value>) -> Result<Self, ApiError> {
        let ids = id_list(body, "ids")?
            .filter(|ids| !ids.is_empty())
            .ok_or_else(|| ApiError::validation("ids must list at least one id"))?;
        Ok(Self { ids })
    }
}
