//! `/medusa/admin/customers*`: Medusa's customers are Gatehouse's end users (`cus_42` is
//! `/api/users/42`), through the content API's use cases; an admin acts with the admin-realm
//! counterparts of their actions, a secret key with its own permissions.

use crate::http::caller::bearer_token;
use crate::http::medusa::{
    body, limit_schema, offset_schema, parse_id, public_id, query_pairs, MedusaDeleteResponse, MedusaError,
    MedusaErrorResponse, Paging,
};
use crate::http::rejection::JsonObject;
use crate::http::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::{Extension, Json};
use gatehouse_domain::ids::UserId;
use gatehouse_domain::model::User;
use gatehouse_domain::query::{UserQuery, Window};
use gatehouse_domain::users::{NewUserInput, UserPatch};
use gatehouse_domain::{Caller, RequestContext};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

/// The id prefix of customers.
pub const CUSTOMER_PREFIX: &str = "cus_";

/// An end user in Medusa's `AdminCustomer` shape.
#[derive(Debug, Serialize, ToSchema)]
pub struct MedusaCustomer {
    /// `cus_` and the end user's integer id (`cus_42` is `/api/users/42`).
    #[schema(pattern = "^cus_[1-9][0-9]{0,18}$", example = "cus_42")]
    pub id: String,
    /// Lower-cased email.
    #[schema(format = Email)]
    pub email: String,
    /// The end user's display name.
    pub first_name: Option<String>,
    /// Always null: Gatehouse keeps one name.
    #[schema(value_type = Option<String>)]
    pub last_name: Option<String>,
    /// Always null.
    #[schema(value_type = Option<String>)]
    pub phone: Option<String>,
    /// Always null.
    #[schema(value_type = Option<String>)]
    pub company_name: Option<String>,
    /// Always true: every end user has credentials.
    pub has_account: bool,
    /// The end user's settings (a JSON object), or null.
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
    /// RFC 3339 UTC with milliseconds.
    #[schema(format = DateTime)]
    pub created_at: String,
    /// RFC 3339 UTC with milliseconds.
    #[schema(format = DateTime)]
    pub updated_at: String,
    /// Always null: a deleted end user is gone.
    #[schema(value_type = Option<String>)]
    pub deleted_at: Option<String>,
}

impl MedusaCustomer {
    fn of(user: &User) -> Self {
        Self {
            id: public_id(CUSTOMER_PREFIX, user.id.0),
            email: user.email.clone(),
            first_name: user.name.clone(),
            last_name: None,
            phone: None,
            company_name: None,
            has_account: true,
            metadata: user.settings.as_ref().map(|settings| settings.to_value()),
            created_at: user.created_at.to_rfc3339(),
            updated_at: user.updated_at.to_rfc3339(),
            deleted_at: None,
        }
    }
}

/// `{"customer": {…}}`
#[derive(Debug, Serialize, ToSchema)]
pub struct MedusaCustomerResponse {
    /// The customer.
    pub customer: MedusaCustomer,
}

/// `{"customers": […], "count", "offset", "limit"}`
#[derive(Debug, Serialize, ToSchema)]
pub struct MedusaCustomerListResponse {
    /// The page, by id.
    pub customers: Vec<MedusaCustomer>,
    /// Customers over every page.
    pub count: u64,
    /// Rows skipped.
    pub offset: u64,
    /// The page size used.
    pub limit: u64,
}

/// Query parameters of the customer list.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MedusaCustomerListQuery {
    /// Rows to skip.
    #[param(schema_with = offset_schema)]
    pub offset: Option<u64>,
    /// Page size (default 20; above 100 is read as 100).
    #[param(schema_with = limit_schema)]
    pub limit: Option<u64>,
    /// Accepted and ignored: every field is returned.
    pub fields: Option<String>,
}

/// `Some(value)` for a key that is present, even as null (`Some(None)`).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(deserializer: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}

/// Body of `POST /medusa/admin/customers/{id}` (the fields Gatehouse keeps).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MedusaUpdateCustomerRequest {
    /// A valid email address, unique among end users.
    #[schema(format = Email, max_length = 254)]
    pub email: Option<String>,
    /// The display name, 1–255 characters once trimmed; null clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 255)]
    pub first_name: Option<Option<String>>,
}

fn customer_id(raw: &str) -> Result<UserId, MedusaError> {
    parse_id(CUSTOMER_PREFIX, raw)
        .map(UserId)
        .ok_or_else(|| MedusaError::not_found(format!("Customer with id: {raw} was not found")))
}

/// List customers.
///
/// Action `plugin::users-permissions.user.find` (admins: `plugin::users-permissions.users.read`).
#[utoipa::path(
    get, path = "/medusa/admin/customers", tag = "medusa", operation_id = "medusa_list_customers",
    params(MedusaCustomerListQuery),
    responses(
        (status = 200, description = "A page of customers", body = MedusaCustomerListResponse),
        (status = 400, description = "A malformed `offset` or `limit`", body = MedusaErrorResponse),
    )
)]
pub async fn medusa_list_customers(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> Result<Json<MedusaCustomerListResponse>, MedusaError> {
    let paging = Paging::read(&query_pairs(raw.as_deref()))?;
    let window =
        Window::starting_at(paging.offset, paging.limit).ok_or_else(|| MedusaError::invalid("offset is too large"))?;
    let query = UserQuery { window, ..UserQuery::default() };
    let page = state.domain.list_users_with_total(&caller, &query).await?;
    Ok(Json(MedusaCustomerListResponse {
        customers: page.users.iter().map(|found| MedusaCustomer::of(&found.user)).collect(),
        count: page.total,
        offset: paging.offset,
        limit: paging.limit,
    }))
}

/// One customer.
///
/// Action `plugin::users-permissions.user.findOne` (admins: `plugin::users-permissions.users.read`).
#[utoipa::path(
    get, path = "/medusa/admin/customers/{id}", tag = "medusa", operation_id = "medusa_find_customer",
    params(("id" = String, Path, description = "`cus_` and the end user's integer id")),
    responses(
        (status = 200, description = "The customer", body = MedusaCustomerResponse),
        (status = 404, description = "No such customer, or an id that names none", body = MedusaErrorResponse),
    )
)]
pub async fn medusa_find_customer(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(raw_id): Path<String>,
) -> Result<Json<MedusaCustomerResponse>, MedusaError> {
    let id = customer_id(&raw_id)?;
    let found = state.domain.find_user(&caller, id, false).await?;
    Ok(Json(MedusaCustomerResponse { customer: MedusaCustomer::of(&found.user) }))
}

/// Update a customer (Medusa updates with POST).
///
/// Action `plugin::users-permissions.user.update` (admins: `plugin::users-permissions.users.update`).
#[utoipa::path(
    post, path = "/medusa/admin/customers/{id}", tag = "medusa", operation_id = "medusa_update_customer",
    params(("id" = String, Path, description = "`cus_` and the end user's integer id")),
    request_body = MedusaUpdateCustomerRequest,
    responses(
        (status = 200, description = "Updated", body = MedusaCustomerResponse),
        (status = 400, description = "Invalid fields", body = MedusaErrorResponse),
        (status = 404, description = "No such customer, or an id that names none", body = MedusaErrorResponse),
        (status = 409, description = "Email already in use", body = MedusaErrorResponse),
    )
)]
pub async fn medusa_update_customer(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(raw_id): Path<String>,
    JsonObject(object): JsonObject,
) -> Result<Json<MedusaCustomerResponse>, MedusaError> {
    let id = customer_id(&raw_id)?;
    let request: MedusaUpdateCustomerRequest = body(object)?;
    let patch = UserPatch { email: request.email, name: request.first_name, ..UserPatch::default() };
    let updated = state.domain.update_user(&caller, id, patch).await?;
    Ok(Json(MedusaCustomerResponse { customer: MedusaCustomer::of(&updated.user) }))
}

/// Delete a customer, with their sessions (the same effect as `DELETE /api/users/{id}`).
///
/// Action `plugin::users-permissions.user.destroy` (admins: `plugin::users-permissions.users.delete`).
#[utoipa::path(
    delete, path = "/medusa/admin/customers/{id}", tag = "medusa", operation_id = "medusa_delete_customer",
    params(("id" = String, Path, description = "`cus_` and the end user's integer id")),
    responses(
        (status = 200, description = "Deleted", body = MedusaDeleteResponse),
        (status = 404, description = "No such customer, or an id that names none", body = MedusaErrorResponse),
    )
)]
pub async fn medusa_delete_customer(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(raw_id): Path<String>,
) -> Result<Json<MedusaDeleteResponse>, MedusaError> {
    let id = customer_id(&raw_id)?;
    let user = state.domain.delete_user(&caller, id).await?;
    Ok(Json(MedusaDeleteResponse { id: public_id(CUSTOMER_PREFIX, user.id.0), object: "customer", deleted: true }))
}

/// Body of `POST /medusa/store/customers` (Medusa's `StoreCreateCustomer`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MedusaStoreCreateCustomerRequest {
    /// The registered email (it must be the registration token's).
    #[schema(format = Email, max_length = 254)]
    pub email: String,
    /// The display name, 1–255 characters once trimmed.
    #[schema(min_length = 1, max_length = 255)]
    pub first_name: Option<String>,
    /// Accepted and not kept.
    #[schema(max_length = 255)]
    pub last_name: Option<String>,
    /// Accepted and not kept.
    #[schema(max_length = 255)]
    pub phone: Option<String>,
    /// Accepted and not kept.
    #[schema(max_length = 255)]
    pub company_name: Option<String>,
    /// Accepted and not kept.
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<serde_json::Map<String, Value>>,
}

/// The fields a customer body may carry that Gatehouse does not keep still follow their
/// documented limits.
fn check_unkept_fields(
    last_name: &Option<String>,
    phone: &Option<String>,
    company_name: &Option<String>,
) -> Result<(), MedusaError> {
    for (field, value) in [("last_name", last_name), ("phone", phone), ("company_name", company_name)] {
        if value.as_ref().is_some_and(|text| text.chars().count() > 255) {
            return Err(MedusaError::invalid(format!("{field} must be at most 255 characters")));
        }
    }
    Ok(())
}

/// Register a customer as the js-sdk's `store.customer.create` does: the bearer is the
/// registration token of `POST /auth/customer/emailpass/register`; the end user is created
/// whole, with the registered password, and then logs in at `POST /auth/customer/emailpass`.
///
/// Open (the registration token is the credential).
#[utoipa::path(
    post, path = "/medusa/store/customers", tag = "medusa", operation_id = "medusa_store_create_customer",
    request_body = MedusaStoreCreateCustomerRequest,
    responses(
        (status = 200, description = "The new customer", body = MedusaCustomerResponse),
        (status = 400, description = "Invalid fields", body = MedusaErrorResponse),
        (status = 401, description = "No valid registration token, or another email than the registered one", body = MedusaErrorResponse),
        (status = 403, description = "Registration is disabled", body = MedusaErrorResponse),
        (status = 409, description = "Email already in use", body = MedusaErrorResponse),
    )
)]
pub async fn medusa_store_create_customer(
    State(state): State<AppState>,
    Extension(context): Extension<RequestContext>,
    headers: HeaderMap,
    JsonObject(object): JsonObject,
) -> Result<Json<MedusaCustomerResponse>, MedusaError> {
    let request: MedusaStoreCreateCustomerRequest = body(object)?;
    let name = match request.first_name.as_deref().map(str::trim) {
        Some(name) if name.is_empty() || name.chars().count() > 255 => {
            return Err(MedusaError::invalid("first_name must be 1 to 255 characters"));
        }
        other => other.map(str::to_owned),
    };
    check_unkept_fields(&request.last_name, &request.phone, &request.company_name)?;
    let registration =
        bearer_token(&headers).filter(|token| !token.is_empty()).ok_or_else(MedusaError::unauthorized)?;
    let user =
        state.domain.create_registered_customer(&context, registration, Some(request.email.as_str()), name).await?;
    Ok(Json(MedusaCustomerResponse { customer: MedusaCustomer::of(&user) }))
}

/// The logged-in customer (an end user's JWT of `POST /auth/customer/emailpass`).
///
/// Action `plugin::users-permissions.user.me` (the authenticated role holds it by default).
#[utoipa::path(
    get, path = "/medusa/store/customers/me", tag = "medusa", operation_id = "medusa_store_customer_me",
    params(("fields" = Option<String>, Query, description = "Accepted and ignored: every field is returned")),
    responses((status = 200, description = "The customer", body = MedusaCustomerResponse))
)]
pub async fn medusa_store_customer_me(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Result<Json<MedusaCustomerResponse>, MedusaError> {
    let me = state.domain.me(&caller, false).await?;
    Ok(Json(MedusaCustomerResponse { customer: MedusaCustomer::of(&me.user) }))
}

/// Body of `POST /medusa/store/customers/me` (Medusa's `StoreUpdateCustomer`; a customer's
/// email is not in it: an admin changes it).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MedusaStoreUpdateCustomerRequest {
    /// The display name, 1–255 characters once trimmed; null clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 255)]
    pub first_name: Option<Option<String>>,
    /// Accepted and not kept, as at creation.
    #[schema(max_length = 255)]
    pub last_name: Option<String>,
    /// Accepted and not kept, as at creation.
    #[schema(max_length = 255)]
    pub phone: Option<String>,
    /// Accepted and not kept, as at creation.
    #[schema(max_length = 255)]
    pub company_name: Option<String>,
    /// The customer's settings: a JSON object of at most 16 KiB; null clears them.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Option<Value>>,
}

/// Update the logged-in customer: their name and metadata.
///
/// Action `gatehouse::user.updateMe` (the authenticated role holds it by default). Events:
/// `user.updated`.
#[utoipa::path(
    post, path = "/medusa/store/customers/me", tag = "medusa", operation_id = "medusa_store_update_customer_me",
    params(("fields" = Option<String>, Query, description = "Accepted and ignored: every field is returned")),
    request_body = MedusaStoreUpdateCustomerRequest,
    responses(
        (status = 200, description = "The customer, updated", body = MedusaCustomerResponse),
        (status = 400, description = "An unknown or invalid field (`email` among them)", body = MedusaErrorResponse),
    )
)]
pub async fn medusa_store_update_customer_me(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    JsonObject(object): JsonObject,
) -> Result<Json<MedusaCustomerResponse>, MedusaError> {
    let request: MedusaStoreUpdateCustomerRequest = body(object)?;
    check_unkept_fields(&request.last_name, &request.phone, &request.company_name)?;
    let updated = state.domain.update_own_profile(&caller, request.first_name, request.metadata).await?;
    Ok(Json(MedusaCustomerResponse { customer: MedusaCustomer::of(&updated.user) }))
}

/// Body of `POST /medusa/admin/customers` (Medusa's `AdminCreateCustomer`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MedusaCreateCustomerRequest {
    /// A valid email address, unique among end users.
    #[schema(format = Email, max_length = 254)]
    pub email: String,
    /// The display name, 1–255 characters once trimmed.
    #[schema(min_length = 1, max_length = 255)]
    pub first_name: Option<String>,
    /// Accepted and not kept.
    #[schema(max_length = 255)]
    pub last_name: Option<String>,
    /// Accepted and not kept.
    #[schema(max_length = 255)]
    pub phone: Option<String>,
    /// Accepted and not kept.
    #[schema(max_length = 255)]
    pub company_name: Option<String>,
    /// The end user's settings (a JSON object, at most 16 KiB).
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<serde_json::Map<String, Value>>,
}

/// Create a customer, as Medusa's admin does: the end user (role `authenticated`, username made
/// from the email) has no password of its own, so it cannot log in until it resets its password
/// (`POST /auth/customer/emailpass/reset-password`).
///
/// Action `plugin::users-permissions.user.create` (admins: `plugin::users-permissions.users.create`).
#[utoipa::path(
    post, path = "/medusa/admin/customers", tag = "medusa", operation_id = "medusa_create_customer",
    request_body = MedusaCreateCustomerRequest,
    responses(
        (status = 200, description = "Created", body = MedusaCustomerResponse),
        (status = 400, description = "Invalid fields", body = MedusaErrorResponse),
        (status = 409, description = "Email already in use", body = MedusaErrorResponse),
    )
)]
pub async fn medusa_create_customer(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    JsonObject(object): JsonObject,
) -> Result<Json<MedusaCustomerResponse>, MedusaError> {
    let request: MedusaCreateCustomerRequest = body(object)?;
    for (field, value) in
        [("last_name", &request.last_name), ("phone", &request.phone), ("company_name", &request.company_name)]
    {
        if value.as_ref().is_some_and(|text| text.chars().count() > 255) {
            return Err(MedusaError::invalid(format!("{field} must be at most 255 characters")));
        }
    }
    let input = NewUserInput {
        username: None,
        email: request.email,
        password: String::new().into(),
        role: None,
        confirmed: Some(true),
        blocked: None,
        state: None,
        name: request.first_name,
        settings: request.metadata.map(Value::Object),
        external_id: None,
        profile: None,
    };
    let created = state.domain.create_user_without_password(&caller, input).await?;
    Ok(Json(MedusaCustomerResponse { customer: MedusaCustomer::of(&created.user) }))
}
