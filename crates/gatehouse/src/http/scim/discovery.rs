//! Discovery (RFC 7644 §4): `/ServiceProviderConfig`, `/ResourceTypes` and `/Schemas`,
//! advertising exactly what this surface implements: PATCH, filter (1000 results at most),
//! sort and ETags; no bulk, no password change endpoint. The schemas list only the attributes
//! that are stored and read back (see `resources`). Writes to these paths are 405 (the route
//! table has no other method on them).

use crate::http::scim::{
    base_url, scim_json, ScimError, ScimErrorResponse, ScimListResponse, ENTERPRISE_SCHEMA, GROUP_SCHEMA, LIST_SCHEMA,
    USER_SCHEMA,
};
use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};

/// The largest page of a list or search.
pub const MAX_RESULTS: u64 = 1000;

const RESOURCE_TYPE_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
const SCHEMA_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";
const SPC_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";

/// One attribute definition.
struct Attr {
    name: &'static str,
    kind: &'static str,
    multi: bool,
    required: bool,
    case_exact: bool,
    mutability: &'static str,
    returned: &'static str,
    uniqueness: &'static str,
    subs: Vec<Value>,
    reference_types: &'static [&'static str],
    canonical: &'static [&'static str],
    description: &'static str,
}

impl Attr {
    fn new(name: &'static str, kind: &'static str, description: &'static str) -> Self {
        Self {
            name,
            kind,
            multi: false,
            required: false,
            case_exact: false,
            mutability: "readWrite",
            returned: "default",
            uniqueness: "none",
            subs: Vec::new(),
            reference_types: &[],
            canonical: &[],
            description,
        }
    }
    fn multi(mut self) -> Self {
        self.multi = true;
        self
    }
    fn required(mut self) -> Self {
        self.required = true;
        self
    }
    fn case_exact(mut self) -> Self {
        self.case_exact = true;
        self
    }
    fn mutability(mut self, mutability: &'static str) -> Self {
        self.mutability = mutability;
        self
    }
    fn returned(mut self, returned: &'static str) -> Self {
        self.returned = returned;
        self
    }
    fn unique(mut self) -> Self {
        self.uniqueness = "server";
        self
    }
    fn subs(mut self, subs: Vec<Value>) -> Self {
        self.subs = subs;
        self
    }
    fn references(mut self, types: &'static [&'static str]) -> Self {
        self.reference_types = types;
        self
    }
    fn canonical(mut self, values: &'static [&'static str]) -> Self {
        self.canonical = values;
        self
    }
    fn json(self) -> Value {
        let mut attr = json!({
            "name": self.name, "type": self.kind, "multiValued": self.multi, "description": self.description,
            "required": self.required, "caseExact": self.case_exact, "mutability": self.mutability,
            "returned": self.returned, "uniqueness": self.uniqueness,
        });
        if !self.subs.is_empty() {
            attr["subAttributes"] = Value::Array(self.subs);
        }
        if !self.reference_types.is_empty() {
            attr["referenceTypes"] = json!(self.reference_types);
        }
        if !self.canonical.is_empty() {
            attr["canonicalValues"] = json!(self.canonical);
        }
        attr
    }
}

fn string(name: &'static str, description: &'static str) -> Value {
    Attr::new(name, "string", description).json()
}

fn user_schema() -> Value {
    let name = Attr::new("name", "complex", "The components of the user's real name.")
        .subs(vec![
            string("formatted", "The full name, formatted for display."),
            string("familyName", "The family name."),
            string("givenName", "The given name."),
            string("middleName", "The middle name(s)."),
            string("honorificPrefix", "The honorific prefix(es)."),
            string("honorificSuffix", "The honorific suffix(es)."),
        ])
        .json();
    let emails = Attr::new("emails", "complex", "Email addresses; the primary (else first) is the user's email.")
        .multi()
        .subs(vec![
            string("value", "The address."),
            string("display", "A label for display."),
            Attr::new("type", "string", "A label: work, home or other.").canonical(&["work", "home", "other"]).json(),
            Attr::new("primary", "boolean", "The primary address.").json(),
        ])
        .json();
    let groups = Attr::new("groups", "complex", "The groups the user is in (roles mode: its role, if not built-in).")
        .multi()
        .mutability("readOnly")
        .subs(vec![
            Attr::new("value", "string", "The group's id.").case_exact().mutability("readOnly").json(),
            Attr::new("$ref", "reference", "The group's URI.")
                .case_exact()
                .mutability("readOnly")
                .references(&["Group"])
                .json(),
            Attr::new("display", "string", "The group's displayName.").mutability("readOnly").json(),
        ])
        .json();
    json!({
        "schemas": [SCHEMA_SCHEMA],
        "id": USER_SCHEMA,
        "name": "User",
        "description": "User Account",
        "attributes": [
            Attr::new("userName", "string", "Unique identifier for the user (case-insensitively).").required().unique().json(),
            name,
            string("displayName", "The name shown for the user."),
            string("nickName", "A casual name."),
            string("title", "The user's title."),
            string("userType", "The relationship to the organisation."),
            string("preferredLanguage", "The preferred written or spoken language."),
            string("locale", "The default location."),
            string("timezone", "The time zone."),
            // Required: a user is active or not, so `active` can be replaced but never removed.
            Attr::new("active", "boolean", "false blocks the user and ends every session at once (true when absent on create).").required().json(),
            Attr::new("password", "string", "The password (never returned).").mutability("writeOnly").returned("never").case_exact().json(),
            emails,
            groups,
        ],
        "meta": {"resourceType": "Schema", "location": format!("/Schemas/{USER_SCHEMA}")},
    })
}

fn enterprise_schema() -> Value {
    let manager = Attr::new("manager", "complex", "The user's manager.")
        .subs(vec![
            Attr::new("value", "string", "The manager's id.").case_exact().json(),
            Attr::new("$ref", "reference", "The manager's URI.").case_exact().references(&["User"]).json(),
            Attr::new("displayName", "string", "The manager's displayName.").mutability("readOnly").json(),
        ])
        .json();
    json!({
        "schemas": [SCHEMA_SCHEMA],
        "id": ENTERPRISE_SCHEMA,
        "name": "EnterpriseUser",
        "description": "Enterprise User",
        "attributes": [
            string("employeeNumber", "The employee number."),
            string("costCenter", "The cost center."),
            string("organization", "The organisation."),
            string("division", "The division."),
            string("department", "The department."),
            manager,
        ],
        "meta": {"resourceType": "Schema", "location": format!("/Schemas/{ENTERPRISE_SCHEMA}")},
    })
}

fn group_schema() -> Value {
    let members = Attr::new("members", "complex", "The users holding the group (each user holds one group).")
        .multi()
        .subs(vec![
            Attr::new("value", "string", "The user's id.").case_exact().mutability("immutable").json(),
            Attr::new("$ref", "reference", "The user's URI.")
                .case_exact()
                .mutability("immutable")
                .references(&["User"])
                .json(),
        ])
        .json();
    json!({
        "schemas": [SCHEMA_SCHEMA],
        "id": GROUP_SCHEMA,
        "name": "Group",
        "description": "Group (an end-user role, or with scim.groups = \"groups\" a group mapped to roles)",
        "attributes": [
            Attr::new("displayName", "string", "The group's name, unique case-insensitively.").required().unique().json(),
            members,
        ],
        "meta": {"resourceType": "Schema", "location": format!("/Schemas/{GROUP_SCHEMA}")},
    })
}

fn schemas() -> Vec<Value> {
    vec![user_schema(), enterprise_schema(), group_schema()]
}

fn resource_types(base: &str) -> Vec<Value> {
    vec![
        json!({
            "schemas": [RESOURCE_TYPE_SCHEMA],
            "id": "User", "name": "User", "endpoint": "/Users", "description": "User Account",
            "schema": USER_SCHEMA,
            "schemaExtensions": [{"schema": ENTERPRISE_SCHEMA, "required": false}],
            "meta": {"resourceType": "ResourceType", "location": format!("{base}/ResourceTypes/User")},
        }),
        json!({
            "schemas": [RESOURCE_TYPE_SCHEMA],
            "id": "Group", "name": "Group", "endpoint": "/Groups", "description": "Group (an end-user role)",
            "schema": GROUP_SCHEMA,
            "meta": {"resourceType": "ResourceType", "location": format!("{base}/ResourceTypes/Group")},
        }),
    ]
}

fn list(resources: Vec<Value>) -> Value {
    json!({
        "schemas": [LIST_SCHEMA],
        "totalResults": resources.len(),
        "itemsPerPage": resources.len(),
        "startIndex": 1,
        "Resources": resources,
    })
}

/// The service provider's configuration.
#[utoipa::path(
    get, path = "/scim/v2/ServiceProviderConfig", tag = "scim", operation_id = "scim_service_provider_config",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "What this SCIM server supports", content_type = "application/scim+json", body = Object),
        (status = 401, description = "No valid `scim` token", content_type = "application/scim+json", body = ScimErrorResponse),
    )
)]
pub async fn scim_service_provider_config(headers: HeaderMap) -> Response {
    let base = base_url(&headers);
    scim_json(
        StatusCode::OK,
        &json!({
            "schemas": [SPC_SCHEMA],
            "patch": {"supported": true},
            "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
            "filter": {"supported": true, "maxResults": MAX_RESULTS},
            "changePassword": {"supported": false},
            "sort": {"supported": true},
            "etag": {"supported": true},
            "authenticationSchemes": [{
                "type": "oauthbearertoken",
                "name": "Bearer token",
                "description": "An API token of type scim (gatehouse token create --type scim)",
                "primary": true,
            }],
            "meta": {"resourceType": "ServiceProviderConfig", "location": format!("{base}/ServiceProviderConfig")},
        }),
    )
}

/// The resource types (User, Group).
#[utoipa::path(
    get, path = "/scim/v2/ResourceTypes", tag = "scim", operation_id = "scim_list_resource_types",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A ListResponse of ResourceType", content_type = "application/scim+json", body = ScimListResponse),
        (status = 401, description = "No valid `scim` token", content_type = "application/scim+json", body = ScimErrorResponse),
    )
)]
pub async fn scim_list_resource_types(headers: HeaderMap) -> Response {
    scim_json(StatusCode::OK, &list(resource_types(&base_url(&headers))))
}

/// One resource type.
#[utoipa::path(
    get, path = "/scim/v2/ResourceTypes/{id}", tag = "scim", operation_id = "scim_find_resource_type",
    params(("id" = String, Path, description = "`User` or `Group`")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The resource type", content_type = "application/scim+json", body = Object),
        (status = 401, description = "No valid `scim` token", content_type = "application/scim+json", body = ScimErrorResponse),
        (status = 404, description = "No such resource type", content_type = "application/scim+json", body = ScimErrorResponse),
    )
)]
pub async fn scim_find_resource_type(headers: HeaderMap, Path(id): Path<String>) -> Result<Response, ScimError> {
    resource_types(&base_url(&headers))
        .into_iter()
        .find(|resource| resource["id"].as_str().is_some_and(|found| found.eq_ignore_ascii_case(&id)))
        .map(|resource| scim_json(StatusCode::OK, &resource))
        .ok_or_else(|| ScimError::not_found("Resource type"))
}

/// The schemas (core User, enterprise User, Group).
#[utoipa::path(
    get, path = "/scim/v2/Schemas", tag = "scim", operation_id = "scim_list_schemas",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A ListResponse of Schema", content_type = "application/scim+json", body = ScimListResponse),
        (status = 401, description = "No valid `scim` token", content_type = "application/scim+json", body = ScimErrorResponse),
    )
)]
pub async fn scim_list_schemas() -> Response {
    scim_json(StatusCode::OK, &list(schemas()))
}

/// One schema, by its URN.
#[utoipa::path(
    get, path = "/scim/v2/Schemas/{id}", tag = "scim", operation_id = "scim_find_schema",
    params(("id" = String, Path, description = "The schema's URN")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The schema", content_type = "application/scim+json", body = Object),
        (status = 401, description = "No valid `scim` token", content_type = "application/scim+json", body = ScimErrorResponse),
        (status = 404, description = "No such schema", content_type = "application/scim+json", body = ScimErrorResponse),
    )
)]
pub async fn scim_find_schema(Path(id): Path<String>) -> Result<Response, ScimError> {
    schemas()
        .into_iter()
        .find(|schema| schema["id"].as_str().is_some_and(|found| found.eq_ignore_ascii_case(&id)))
        .map(|schema| scim_json(StatusCode::OK, &schema))
        .ok_or_else(|| ScimError::not_found("Schema"))
}
