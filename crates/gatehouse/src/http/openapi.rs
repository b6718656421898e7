//! The OpenAPI 3.1 document, generated from the handlers' annotations. Its paths come from the
//! route table (each row carries its handler's description), so a route cannot be left out;
//! a test checks that each annotation names its route's method and path.
//!
//! What follows from a route's row rather than from its handler is derived here, once: the
//! security requirement (from the surface's credential rule and the action's access), the
//! guard's 401/403, the 429 of a rate-limited route, the 400/413/415 of a body, and the links
//! of the stateful flows.

use crate::http::routes::{RateLimitClass, Route, RouteTable};
use crate::http::surface::CredentialRule;
use gatehouse_domain::action::Access;
use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::link::LinkBuilder;
use utoipa::openapi::path::{HttpMethod, Operation, ParameterIn};
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::Ref;
use utoipa::openapi::RefOr;
use utoipa::{Modify, OpenApi};

/// The whole API description.
#[derive(OpenApi)]
#[openapi(
    info(title = "Gatehouse", description = "Self-hosted user management and authentication: a Strapi-compatible content API, an admin API, and operations endpoints."),
    modifiers(&SecuritySchemes),
    tags(
        (name = "auth", description = "End-user registration and login (Strapi Users & Permissions)"),
        (name = "users", description = "End users (Strapi Users & Permissions)"),
        (name = "roles", description = "End-user roles and their per-action permissions"),
        (name = "v1-users", description = "Generic users API: `{data, meta}` envelopes, `usr_` ids, `{error: {code, type, message}}`"),
        (name = "scim", description = "SCIM 2.0 (RFC 7643/7644): Users and Groups over the end users and roles; an API token of type `scim`"),
        (name = "admin", description = "Admin realm (Strapi admin API with Medusa-style invites)"),
        (name = "medusa", description = "The Medusa v2 dialect under `medusa.prefix`: auth, admin users, invites, customers, secret API keys; `{type, message}` errors"),
        (name = "operations", description = "Health, readiness, metrics"),
    )
)]
pub struct ApiDoc;

/// The credentials of each realm.
struct SecuritySchemes;

/// An end user's access JWT (`Authorization: Bearer <jwt>`), from login or registration.
pub const END_USER_JWT: &str = "endUserJwt";
/// An API token (`Authorization: Bearer <accessKey>`), made by an admin.
pub const API_TOKEN: &str = "apiToken";
/// An API token of type `scim` (`Authorization: Bearer <accessKey>`), the SCIM surface's only credential.
pub const SCIM_TOKEN: &str = "scimToken";
/// An admin's access JWT (`Authorization: Bearer <token>`), from `/admin/login`.
pub const ADMIN_JWT: &str = "adminJwt";
/// A secret API key as Medusa sends it (`Authorization: Basic base64(<key>:)`).
pub const SECRET_KEY: &str = "secretKey";
/// The end user's refresh cookie (`strapi_up_refresh`), in refresh mode with cookie delivery.
pub const REFRESH_COOKIE: &str = "refreshCookie";
/// The admin's refresh cookie (`strapi_admin_refresh`).
pub const ADMIN_REFRESH_COOKIE: &str = "adminRefreshCookie";

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let bearer = |format: &str, description: &str| {
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format(format)
                    .description(Some(description))
                    .build(),
            )
        };
        let cookie = |name: &str, description: &str| {
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(name, description)))
        };
        // Any bearer credential, for clients that read one scheme; operations name the realm's.
        components
            .add_security_scheme("bearer", bearer("JWT", "Any bearer credential; each operation names its realm's"));
        components.add_security_scheme(
            END_USER_JWT,
            bearer("JWT", "An end user's access JWT (login, registration, refresh)"),
        );
        components.add_security_scheme(API_TOKEN, bearer("opaque", "An API token's accessKey"));
        components.add_security_scheme(SCIM_TOKEN, bearer("opaque", "An API token of type scim (SCIM only)"));
        components.add_security_scheme(ADMIN_JWT, bearer("JWT", "An admin's access JWT (`/admin/login`)"));
        components.add_security_scheme(
            SECRET_KEY,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Basic)
                    .description(Some("A secret API key as the user name, no password (Medusa's `apiKey`)"))
                    .build(),
            ),
        );
        components.add_security_scheme(REFRESH_COOKIE, cookie("strapi_up_refresh", "The end user's refresh cookie"));
        components
            .add_security_scheme(ADMIN_REFRESH_COOKIE, cookie("strapi_admin_refresh", "The admin's refresh cookie"));
    }
}

/// What a handler's `#[utoipa::path]` annotation says of it.
pub struct Described {
    /// The annotated path (`/api/users/{id}`).
    pub path: String,
    /// The annotated methods.
    pub methods: Vec<HttpMethod>,
    /// The operation.
    pub operation: Operation,
    /// The schemas its bodies and responses name.
    pub schemas: Vec<(String, RefOr<Schema>)>,
}

/// The description utoipa generated for a handler (`__path_<handler>`).
pub fn describe<P: utoipa::Path + utoipa::__dev::SchemaReferences>() -> Described {
    let mut schemas = Vec::new();
    P::schemas(&mut schemas);
    Described { path: P::path(), methods: P::methods(), operation: P::operation(), schemas }
}

/// The placeholder description of a row whose description is made elsewhere (an added
/// route's, see [`described_added`]).
pub fn undescribed() -> Described {
    Described {
        path: String::new(),
        methods: Vec::new(),
        operation: utoipa::openapi::path::OperationBuilder::new().build(),
        schemas: Vec::new(),
    }
}

/// The description of a route an application added: its path parameters, an optional JSON
/// body, and a JSON answer.
fn described_added(route: &Route, description: &str) -> Described {
    use utoipa::openapi::path::{OperationBuilder, ParameterBuilder};
    use utoipa::openapi::request_body::RequestBodyBuilder;
    let method = match route.method {
        axum::http::Method::POST => HttpMethod::Post,
        axum::http::Method::PUT => HttpMethod::Put,
        axum::http::Method::PATCH => HttpMethod::Patch,
        axum::http::Method::DELETE => HttpMethod::Delete,
        _ => HttpMethod::Get,
    };
    let object = || Schema::Object(ObjectBuilder::new().schema_type(Type::Object).build());
    let mut operation = OperationBuilder::new()
        .operation_id(Some(route.name))
        .summary(Some(description))
        .description(Some(format!("Added by the application. Handler `{}`, action `{}`.", route.handler, route.action)))
        .response(
            "200",
            ResponseBuilder::new()
                .description("The route's answer")
                .content("application/json", ContentBuilder::new().schema(Some(object())).build()),
        );
    for segment in route.path.split('/') {
        if let Some(name) = segment.strip_prefix('{').and_then(|rest| rest.strip_suffix('}')) {
            operation = operation.parameter(
                ParameterBuilder::new()
                    .name(name)
                    .parameter_in(ParameterIn::Path)
                    .required(utoipa::openapi::Required::True)
                    .schema(Some(Schema::Object(ObjectBuilder::new().schema_type(Type::String).build()))),
            );
        }
    }
    if matches!(method, HttpMethod::Post | HttpMethod::Put | HttpMethod::Patch) {
        operation = operation.request_body(Some(
            RequestBodyBuilder::new()
                .content("application/json", ContentBuilder::new().schema(Some(object())).build())
                .required(Some(utoipa::openapi::Required::False))
                .build(),
        ));
    }
    Described { path: route.path.to_owned(), methods: vec![method], operation: operation.build(), schemas: Vec::new() }
}

/// The document as JSON text, with the running version: the common parts from [`ApiDoc`],
/// and one operation per enabled route of the configured table (a disabled route does not
/// exist for clients). A route with configured policies documents their 403.
pub fn document(table: &RouteTable) -> String {
    let mut doc = ApiDoc::openapi();
    let components = doc.components.get_or_insert_with(Default::default);
    for entry in table.entries().iter().filter(|entry| entry.enabled) {
        let route = entry.route;
        let mut described = match &entry.added {
            Some(added) => described_added(route, &added.description),
            None => (route.describe)(),
        };
        if !entry.policies.is_empty() {
            add_error(route, &mut described.operation, "403", "A policy configured on this route refused the caller");
        }
        add_security(route, &mut described.operation);
        add_guard_responses(route, &mut described.operation);
        add_body_responses(route, &mut described.operation);
        add_id_rules(route, &mut described.operation);
        add_rate_limit_response(route, &mut described.operation);
        add_links(route, &mut described.operation);
        doc.paths.add_path_operation(table.path_of(route), described.methods, described.operation);
        for (name, schema) in described.schemas {
            components.schemas.entry(name).or_insert(schema);
        }
    }
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    let Ok(mut json) = serde_json::to_value(&doc) else { return "{}".to_owned() };
    spell_link_keys(&mut json);
    unwrap_raw_schemas(&mut json);
    style_object_parameters(&mut json);
    mark_optional_bodies(&mut json);
    json.to_string()
}

/// The extension that carries a schema written as JSON (see [`raw_schema`]).
const RAW_SCHEMA: &str = "x-gatehouse-raw-schema";

/// A schema utoipa's model cannot hold (`anyOf` beside a type, `const`, `minProperties` on a
/// parameter), written as JSON: a placeholder that carries it, swapped for it when the
/// document is rendered.
pub fn raw_schema(schema: serde_json::Value) -> Schema {
    let extensions = utoipa::openapi::extensions::ExtensionsBuilder::new().add(RAW_SCHEMA, schema).build();
    Schema::Object(utoipa::openapi::schema::ObjectBuilder::new().extensions(Some(extensions)).build())
}

fn unwrap_raw_schemas(node: &mut serde_json::Value) {
    match node {
        serde_json::Value::Object(map) => {
            if let Some(raw) = map.remove(RAW_SCHEMA) {
                *node = raw;
                return;
            }
            map.values_mut().for_each(unwrap_raw_schemas);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(unwrap_raw_schemas),
        _ => {}
    }
}

/// A query parameter whose value is an object is written in brackets (`filters[email][$eq]=…`),
/// which OpenAPI calls `deepObject`: say so wherever the schema is an object (or a choice of
/// objects), so clients and test generators spell it the way the parser reads it.
fn style_object_parameters(document: &mut serde_json::Value) {
    let is_object = |schema: &serde_json::Value| {
        schema.get("type").and_then(serde_json::Value::as_str) == Some("object")
            || schema.get("anyOf").and_then(serde_json::Value::as_array).is_some_and(|choices| {
                choices.iter().all(|choice| choice.get("type").and_then(serde_json::Value::as_str) == Some("object"))
            })
    };
    let Some(paths) = document.get_mut("paths").and_then(serde_json::Value::as_object_mut) else { return };
    let parameters = paths
        .values_mut()
        .filter_map(serde_json::Value::as_object_mut)
        .flat_map(|item| item.values_mut())
        .filter_map(|operation| operation.get_mut("parameters").and_then(serde_json::Value::as_array_mut))
        .flatten();
    for parameter in parameters {
        let in_query = parameter.get("in").and_then(serde_json::Value::as_str) == Some("query");
        if in_query && parameter.get("schema").is_some_and(is_object) {
            parameter["style"] = "deepObject".into();
            parameter["explode"] = true.into();
        }
    }
}

/// Every JSON body is read as `{}` when the request has none, so a body is required exactly
/// when its schema requires a property: an update whose fields are all optional may be sent
/// without one.
fn mark_optional_bodies(document: &mut serde_json::Value) {
    let requires_a_field = |name: &str| {
        document
            .pointer(&format!("/components/schemas/{name}/required"))
            .and_then(serde_json::Value::as_array)
            .is_some_and(|required| !required.is_empty())
    };
    let mut optional = Vec::new();
    let Some(paths) = document.get("paths").and_then(serde_json::Value::as_object) else { return };
    for (path, item) in paths {
        for (method, operation) in item.as_object().into_iter().flatten() {
            let Some(body) = operation.get("requestBody") else { continue };
            let schema = body.pointer("/content/application~1json/schema");
            let inline_required =
                schema.and_then(|schema| schema.get("required")).and_then(serde_json::Value::as_array);
            let required = match schema.and_then(|schema| schema.get("$ref")).and_then(serde_json::Value::as_str) {
                Some(reference) => requires_a_field(reference.trim_start_matches("#/components/schemas/")),
                None => inline_required.is_some_and(|required| !required.is_empty()),
            };
            if !required {
                optional.push((path.clone(), method.clone()));
            }
        }
    }
    for (path, method) in optional {
        if let Some(body) =
            document.pointer_mut(&format!("/paths/{}/{method}/requestBody", path.replace('~', "~0").replace('/', "~1")))
        {
            body["required"] = serde_json::Value::Bool(false);
        }
    }
}

/// utoipa 5 writes a link's `operationId` as `operation_id`; OpenAPI readers want the former.
fn spell_link_keys(document: &mut serde_json::Value) {
    let Some(paths) = document.get_mut("paths").and_then(serde_json::Value::as_object_mut) else { return };
    let links = paths
        .values_mut()
        .filter_map(serde_json::Value::as_object_mut)
        .flat_map(|item| item.values_mut())
        .filter_map(|operation| operation.get_mut("responses").and_then(serde_json::Value::as_object_mut))
        .flat_map(|responses| responses.values_mut())
        .filter_map(|response| response.get_mut("links").and_then(serde_json::Value::as_object_mut))
        .flat_map(|links| links.values_mut())
        .filter_map(serde_json::Value::as_object_mut);
    for link in links {
        for (from, to) in
            [("operation_id", "operationId"), ("operation_ref", "operationRef"), ("request_body", "requestBody")]
        {
            if let Some(value) = link.remove(from) {
                link.insert(to.to_owned(), value);
            }
        }
    }
}

/// The answers the route guard gives, derived from the route's action and surface rather
/// than repeated on every handler: 401 for missing or bad credentials where the surface needs
/// them, 403 naming the action the caller lacks. A handler that documents its own 401 or 403
/// (a more specific cause) keeps it.
fn add_guard_responses(route: &Route, operation: &mut Operation) {
    let spec = route.action.spec();
    let (unauthorized, forbidden) = match (spec.access, route.surface.credentials) {
        (Access::Open, _) => (None, None),
        (access, CredentialRule::AdminJwt) => (
            Some("No valid admin JWT".to_owned()),
            (access == Access::Granted).then(|| format!("The admin's roles lack `{}`", spec.name)),
        ),
        (_, CredentialRule::EndUserOrApiToken) if spec.end_users_only => (
            Some("No end user's JWT (an API token or no token has no \"me\"), or an invalid one".to_owned()),
            Some(format!("The caller's role lacks `{}`", spec.name)),
        ),
        (_, CredentialRule::EndUserOrApiToken) => (
            Some("A bearer token was sent and is not valid".to_owned()),
            Some(format!("The caller's role (the public role without a token) lacks `{}`", spec.name)),
        ),
        (access, CredentialRule::AdminJwtOrSecretKey) => (
            Some("No valid admin JWT or secret API key".to_owned()),
            (access == Access::Granted).then(|| format!("The admin's roles (or the key) lack `{}`", spec.name)),
        ),
        (_, CredentialRule::AnyBearer) => (
            Some("No bearer token, or one that is not valid".to_owned()),
            Some(match route.action.admin_counterpart() {
                Some(admin) => {
                    format!("The caller's role or token lacks `{}` (an admin's roles: `{}`)", spec.name, admin.as_str())
                }
                None => format!("The caller's role or token lacks `{}`", spec.name),
            }),
        ),
        (_, CredentialRule::ScimToken) => (Some("No `scim` API token, or one that is not valid".to_owned()), None),
        (_, CredentialRule::Public) => (None, Some(format!("The public role lacks `{}`", spec.name))),
    };
    for (status, description) in [("401", unauthorized), ("403", forbidden)] {
        let Some(description) = description else { continue };
        add_error(route, operation, status, &description);
    }
}

/// Adds `status` with the error envelope, unless the handler documents it already.
fn add_error(route: &Route, operation: &mut Operation, status: &str, description: &str) {
    operation.responses.responses.entry(status.to_owned()).or_insert_with(|| error_response(route, description).into());
}

/// A response whose body is the route's surface's error envelope.
fn error_response(route: &Route, description: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            if route.surface.credentials == CredentialRule::ScimToken {
                "application/scim+json"
            } else {
                "application/json"
            },
            ContentBuilder::new().schema(Some(Ref::from_schema_name(route.surface.error_schema))).build(),
        )
        .build()
}

/// Who may call the route, from its surface's credential rule and its action's access: open
/// actions need nothing; the content API takes an end user's JWT or an API token, or nothing
/// (the public role) unless the action is for end users only; the admin API takes an admin
/// JWT. A handler that names a cookie scheme itself (the refresh routes) keeps its own.
fn add_security(route: &Route, operation: &mut Operation) {
    let names_cookie = operation.security.iter().flatten().any(|requirement| {
        let text = serde_json::to_string(requirement).unwrap_or_default();
        text.contains(REFRESH_COOKIE) || text.contains(ADMIN_REFRESH_COOKIE)
    });
    if names_cookie {
        return;
    }
    let spec = route.action.spec();
    let anonymous = SecurityRequirement::default;
    let scheme = |name: &str| SecurityRequirement::new(name, Vec::<String>::new());
    operation.security = Some(match (spec.access, route.surface.credentials) {
        (Access::Open, _) => vec![anonymous()],
        (_, CredentialRule::AdminJwt) => vec![scheme(ADMIN_JWT)],
        (_, CredentialRule::EndUserOrApiToken) if spec.end_users_only => vec![scheme(END_USER_JWT)],
        (_, CredentialRule::EndUserOrApiToken) => vec![anonymous(), scheme(END_USER_JWT), scheme(API_TOKEN)],
        (_, CredentialRule::AnyBearer) => vec![scheme(ADMIN_JWT), scheme(API_TOKEN), scheme(END_USER_JWT)],
        (_, CredentialRule::ScimToken) => vec![scheme(SCIM_TOKEN)],
        (_, CredentialRule::AdminJwtOrSecretKey) => vec![scheme(ADMIN_JWT), scheme(SECRET_KEY)],
        (_, CredentialRule::Public) => vec![anonymous()],
    });
}

/// The answers of any route that reads a JSON body: 400 for a body that is not a JSON object
/// (or not one the fields accept), 413 over `server.body_limit`, 415 for another content type.
fn add_body_responses(route: &Route, operation: &mut Operation) {
    if operation.request_body.is_none() {
        return;
    }
    add_error(route, operation, "400", "The body is not a JSON object, or its fields are invalid");
    add_error(route, operation, "413", "The body is larger than `server.body_limit`");
    add_error(route, operation, "415", "The body is not JSON (`Content-Type: application/json`)");
}

/// A numeric `{id}` in a path is a positive integer: the schema says `minimum: 1`, and the
/// 400 a malformed id gets is documented, on every route that has one.
fn add_id_rules(route: &Route, operation: &mut Operation) {
    if crate::http::routes::is_medusa_row(route) {
        // Medusa's ids are prefixed strings (`user_42`); one that names nothing is a 404.
        return;
    }
    let mut has_id = false;
    for parameter in operation.parameters.iter_mut().flatten() {
        if parameter.name != "id" || !matches!(parameter.parameter_in, ParameterIn::Path) {
            continue;
        }
        if let Some(RefOr::T(Schema::Object(object))) = parameter.schema.as_mut() {
            object.minimum = Some(1.into());
            has_id = true;
        }
    }
    if has_id {
        add_error(route, operation, "400", "The id is not a positive integer, or the input is invalid");
    }
}

/// 429 with `Retry-After` on every route whose rate-limit class limits it.
fn add_rate_limit_response(route: &Route, operation: &mut Operation) {
    if route.rate_limit == RateLimitClass::Unlimited {
        return;
    }
    let seconds = ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(0));
    let mut response = error_response(route, "Too many requests; retry after `Retry-After` seconds");
    response.headers.insert(
        "Retry-After".to_owned(),
        utoipa::openapi::header::HeaderBuilder::new().schema(seconds).description(Some("Seconds to wait")).build(),
    );
    operation.responses.responses.entry("429".to_owned()).or_insert_with(|| response.into());
}

/// The stateful flows: what a created resource's id (or a login's token) leads to.
fn add_links(route: &Route, operation: &mut Operation) {
    let (status, pointer, targets): (&str, &str, &[&str]) = match route.name {
        "create_user" => ("201", "/id", &["find_user", "update_user", "delete_user"]),
        "create_admin" => ("201", "/data/id", &["find_admin", "update_admin", "delete_admin"]),
        "create_api_token" => {
            ("201", "/data/id", &["find_api_token", "update_api_token", "delete_api_token", "regenerate_api_token"])
        }
        "create_invite" => ("201", "/data/id", &["resend_invite", "revoke_invite"]),
        "create_admin_role" => (
            "201",
            "/data/id",
            &["find_admin_role", "list_admin_role_permissions", "update_admin_role_permissions", "delete_admin_role"],
        ),
        "register" | "login" => {
            if let Some(RefOr::T(response)) = operation.responses.responses.get_mut("200") {
                let link = LinkBuilder::new()
                    .operation_id("find_me")
                    .description("The account just authenticated: call it with `jwt` as the bearer token")
                    .build();
                response.links.insert("me".to_owned(), link.into());
            }
            return;
        }
        _ => return,
    };
    let Some(RefOr::T(response)) = operation.responses.responses.get_mut(status) else { return };
    for target in targets {
        let link = LinkBuilder::new()
            .operation_id(*target)
            .parameter("id", format!("$response.body#{pointer}"))
            .description(format!("`{target}` on the resource just created"))
            .build();
        response.links.insert((*target).to_owned(), link.into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_annotation_names_its_routes_method_path_and_operation_id() {
        for route in crate::http::routes::ROUTES {
            let described = (route.describe)();
            assert_eq!(described.path, route.path, "{}", route.name);
            let methods: Vec<String> = described
                .methods
                .iter()
                .map(|method| serde_json::json!(method).as_str().unwrap().to_uppercase())
                .collect();
            assert_eq!(methods, [route.method.as_str()], "{}", route.name);
            assert_eq!(described.operation.operation_id.as_deref(), Some(route.name));
        }
    }

    fn refs(value: &serde_json::Value, found: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(object) => {
                for (key, child) in object {
                    match (key.as_str(), child.as_str()) {
                        ("$ref", Some(target)) => found.push(target.to_owned()),
                        _ => refs(child, found),
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|item| refs(item, found)),
            _ => {}
        }
    }

    #[test]
    fn numeric_path_ids_are_positive_and_their_400_is_documented() {
        let document: serde_json::Value = serde_json::from_str(&document(&RouteTable::default())).unwrap();
        let find_user = &document["paths"]["/api/users/{id}"]["get"];
        let id = find_user["parameters"].as_array().unwrap().iter().find(|p| p["name"] == "id").unwrap();
        assert_eq!(id["schema"]["minimum"], 1, "{id}");
        assert!(find_user["responses"].get("400").is_some());
        let count = &document["paths"]["/api/users/count"]["get"]["responses"]["200"]["content"];
        assert!(count.get("application/json").is_some(), "{count}");
    }

    #[test]
    fn every_schema_reference_resolves() {
        let document: serde_json::Value = serde_json::from_str(&document(&RouteTable::default())).unwrap();
        let mut found = Vec::new();
        refs(&document, &mut found);
        assert!(!found.is_empty());
        for target in found {
            let name = target.strip_prefix("#/components/schemas/").unwrap();
            assert!(document["components"]["schemas"].get(name).is_some(), "{target} is not in the document");
        }
    }
}
