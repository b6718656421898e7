//! The OpenAPI 3.1 document, generated from the handlers' annotations. Its paths come from the
//! route table (each row carries its handler's description), so a route cannot be left out;
//! a test checks that each annotation names its route's method and path.

use crate::http::routes::{Route, ROUTES};
use crate::http::surface::CredentialRule;
use gatehouse_domain::action::Access;
use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::path::{HttpMethod, Operation};
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::Schema;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::Ref;
use utoipa::openapi::RefOr;
use utoipa::{Modify, OpenApi};

/// The whole API description.
#[derive(OpenApi)]
#[openapi(
    info(title = "Gatehouse", description = "Self-hosted user management and authentication: a Strapi-compatible content API, an admin API, and operations endpoints."),
    modifiers(&BearerScheme),
    tags(
        (name = "auth", description = "End-user registration and login (Strapi Users & Permissions)"),
        (name = "users", description = "End users (Strapi Users & Permissions)"),
        (name = "roles", description = "End-user roles and their per-action permissions"),
        (name = "v1-users", description = "Generic users API: `{data, meta}` envelopes, `usr_` ids, `{error: {code, type, message}}`"),
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

/// The document as JSON text, with the running version: the common parts from [`ApiDoc`],
/// and one operation per row of the route table.
pub fn document() -> String {
    let mut doc = ApiDoc::openapi();
    let components = doc.components.get_or_insert_with(Default::default);
    for route in ROUTES {
        let mut described = (route.describe)();
        add_guard_responses(route, &mut described.operation);
        doc.paths.add_path_operation(&described.path, described.methods, described.operation);
        for (name, schema) in described.schemas {
            components.schemas.entry(name).or_insert(schema);
        }
    }
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    doc.to_json().unwrap_or_else(|_| "{}".to_owned())
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
        (_, CredentialRule::AnyBearer) => (
            Some("No bearer token, or one that is not valid".to_owned()),
            Some(match route.action.admin_counterpart() {
                Some(admin) => {
                    format!("The caller's role or token lacks `{}` (an admin's roles: `{}`)", spec.name, admin.as_str())
                }
                None => format!("The caller's role or token lacks `{}`", spec.name),
            }),
        ),
    };
    for (status, description) in [("401", unauthorized), ("403", forbidden)] {
        let Some(description) = description else { continue };
        operation.responses.responses.entry(status.to_owned()).or_insert_with(|| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    ContentBuilder::new().schema(Some(Ref::from_schema_name(route.surface.error_schema))).build(),
                )
                .build()
                .into()
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_annotation_names_its_routes_method_path_and_operation_id() {
        for route in ROUTES {
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
    fn every_schema_reference_resolves() {
        let document: serde_json::Value = serde_json::from_str(&document()).unwrap();
        let mut found = Vec::new();
        refs(&document, &mut found);
        assert!(!found.is_empty());
        for target in found {
            let name = target.strip_prefix("#/components/schemas/").unwrap();
            assert!(document["components"]["schemas"].get(name).is_some(), "{target} is not in the document");
        }
    }
}
