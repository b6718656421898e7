//! The query of Strapi's admin user list (`GET /admin/users`): `page`, `pageSize`, `_q`,
//! `sort=field:ASC|DESC`, `filters[$and][0][isActive][$eq]=true`,
//! `filters[$and][1][roles][id][$eq]=3`, and Gatehouse's `withDeleted`. Strapi's field names
//! are mapped onto the domain's [`AdminListQuery`] here; whatever is not understood is a 400,
//! never silently ignored.

use crate::http::content::query::{parse_tree, Node};
use gatehouse_domain::ids::AdminRoleId;
use gatehouse_domain::model::{AdminCondition, AdminListQuery, AdminSort, AdminSortField};
use gatehouse_domain::query::Window;
use gatehouse_domain::{DomainError, FieldError, FieldErrors, QueryPart};
use std::collections::BTreeMap;

/// The page size when none is asked for (Strapi's admin panel default).
pub const DEFAULT_PAGE_SIZE: u64 = 10;

/// A parsed admin list query, with the page numbers to echo.
#[derive(Debug)]
pub struct AdminList {
    /// The domain's query.
    pub query: AdminListQuery,
    /// The page asked for (from 1).
    pub page: u64,
    /// The page size served.
    pub page_size: u64,
}

pub(crate) fn invalid(path: &str, message: impl Into<String>) -> DomainError {
    DomainError::Validation(FieldErrors(vec![FieldError::new(path, message)]))
}

fn invalid_key(key: &str, path: Option<&str>, part: QueryPart) -> DomainError {
    DomainError::InvalidKey { key: key.to_owned(), path: path.map(str::to_owned), part }
}

pub(crate) fn leaf<'a>(node: Option<&'a Node>, name: &str) -> Result<Option<&'a str>, DomainError> {
    match node {
        None => Ok(None),
        Some(Node::Leaf(text)) => Ok(Some(text)),
        Some(Node::Map(_)) => Err(invalid(name, format!("{name} must be a single value"))),
    }
}

pub(crate) fn positive(node: Option<&Node>, name: &str, default: u64) -> Result<u64, DomainError> {
    match leaf(node, name)? {
        None | Some("") => Ok(default),
        Some(text) => match text.parse::<i64>() {
            Ok(value) if value >= 1 => Ok(value.unsigned_abs()),
            _ => Err(invalid(name, format!("{name} must be a positive integer"))),
        },
    }
}

/// Strapi's name of each sortable admin field.
const SORT_FIELDS: [(&str, AdminSortField); 7] = [
    ("id", AdminSortField::Id),
    ("firstname", AdminSortField::Firstname),
    ("lastname", AdminSortField::Lastname),
    ("email", AdminSortField::Email),
    ("username", AdminSortField::Username),
    ("createdAt", AdminSortField::CreatedAt),
    ("updatedAt", AdminSortField::UpdatedAt),
];

fn parse_sort(text: &str) -> Result<AdminSort, DomainError> {
    if text.contains(',') {
        return Err(invalid("sort", "the admin list sorts by one field"));
    }
    let (name, direction) = text.trim().split_once(':').unwrap_or((text.trim(), "asc"));
    let field = SORT_FIELDS
        .iter()
        .find(|(wire, _)| *wire == name)
        .map(|(_, field)| *field)
        .ok_or_else(|| invalid_key(name, None, QueryPart::Sort))?;
    let descending = match direction.to_ascii_lowercase().as_str() {
        "asc" => false,
        "desc" => true,
        _ => return Err(invalid("sort", format!("sort direction must be ASC or DESC, not {direction:?}"))),
    };
    Ok(AdminSort { field, descending })
}

fn flag(node: &Node, path: &str) -> Result<bool, DomainError> {
    let value = equal_to(node, path)?;
    match value {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(DomainError::InvalidValue { path: path.to_owned() }),
    }
}

/// The operand of `x=v` or `x[$eq]=v`, the only comparison the admin list offers.
fn equal_to<'a>(node: &'a Node, path: &str) -> Result<&'a str, DomainError> {
    match node {
        Node::Leaf(value) => Ok(value),
        Node::Map(map) => match map.iter().next() {
            Some((operator, Node::Leaf(value))) if map.len() == 1 && operator == "$eq" => Ok(value),
            Some((operator, _)) if operator != "$eq" => Err(invalid_key(operator, Some(path), QueryPart::Filter)),
            _ => Err(DomainError::InvalidValue { path: path.to_owned() }),
        },
    }
}

fn parse_filters(node: &Node, conditions: &mut Vec<AdminCondition>) -> Result<(), DomainError> {
    let Node::Map(map) = node else { return Err(invalid("filters", "filters must be an object")) };
    for (key, child) in map {
        match key.as_str() {
            "$and" => match child {
                Node::Map(items) if !items.is_empty() && items.keys().all(|key| key.parse::<u64>().is_ok()) => {
                    for item in items.values() {
                        parse_filters(item, conditions)?;
                    }
                }
                _ => return Err(DomainError::InvalidValue { path: "$and".into() }),
            },
            "isActive" => conditions.push(AdminCondition::IsActive(flag(child, "isActive")?)),
            "blocked" => conditions.push(AdminCondition::Blocked(flag(child, "blocked")?)),
            "roles" => {
                let Node::Map(role) = child else { return Err(DomainError::InvalidValue { path: "roles".into() }) };
                for (name, value) in role {
                    if name != "id" {
                        return Err(invalid_key(name, Some("roles"), QueryPart::Filter));
                    }
                    let id = equal_to(value, "roles.id")?
                        .parse::<i64>()
                        .map_err(|_| DomainError::InvalidValue { path: "roles.id".into() })?;
                    conditions.push(AdminCondition::HasRole(AdminRoleId(id)));
                }
            }
            other => return Err(invalid_key(other, None, QueryPart::Filter)),
        }
    }
    Ok(())
}

/// Parses the raw query string of `GET /admin/users`.
pub fn parse_admin_list(raw_query: &str) -> Result<AdminList, DomainError> {
    let root: BTreeMap<String, Node> = parse_tree(raw_query)?;
    for key in root.keys() {
        if !matches!(key.as_str(), "page" | "pageSize" | "_q" | "sort" | "filters" | "withDeleted") {
            return Err(invalid_key(key, None, QueryPart::Filter));
        }
    }
    let page = positive(root.get("page"), "page", 1)?;
    let page_size = positive(root.get("pageSize"), "pageSize", DEFAULT_PAGE_SIZE)?.min(Window::MAX_LIMIT);
    let window = Window::page(page, page_size)
        .ok_or_else(|| invalid("page", "page is beyond the last page that can be asked for"))?;
    let sort = match leaf(root.get("sort"), "sort")? {
        Some(text) => parse_sort(text)?,
        None => AdminSort::default(),
    };
    let mut conditions = Vec::new();
    if let Some(filters) = root.get("filters") {
        parse_filters(filters, &mut conditions)?;
    }
    let with_deleted = match leaf(root.get("withDeleted"), "withDeleted")? {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => return Err(DomainError::InvalidValue { path: "withDeleted".into() }),
    };
    let search = leaf(root.get("_q"), "_q")?.filter(|q| !q.trim().is_empty()).map(str::to_owned);
    Ok(AdminList {
        query: AdminListQuery { window, search, sort, conditions, with_deleted },
        page,
        page_size: window.limit(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strapi_admin_list_parameters_map_onto_the_domain() {
        let list = parse_admin_list(
            "page=2&pageSize=5&sort=createdAt:DESC&_q=ann&filters[$and][0][isActive][$eq]=true\
             &filters[$and][1][roles][id][$eq]=3",
        )
        .unwrap();
        assert_eq!((list.page, list.page_size), (2, 5));
        assert_eq!((list.query.window.offset(), list.query.window.limit()), (5, 5));
        assert_eq!(list.query.sort, AdminSort { field: AdminSortField::CreatedAt, descending: true });
        assert_eq!(list.query.search.as_deref(), Some("ann"));
        assert_eq!(list.query.conditions, [AdminCondition::IsActive(true), AdminCondition::HasRole(AdminRoleId(3))]);
    }

    #[test]
    fn what_the_admin_list_does_not_understand_is_refused() {
        for raw in [
            "sort=password:ASC",
            "sort=firstname:sideways",
            "sort=firstname,lastname",
            "filters[password][$eq]=x",
            "filters[isActive][$ne]=true",
            "filters[isActive][$eq]=maybe",
            "filters[$or][0][isActive][$eq]=true",
            "filters[roles][name][$eq]=Editor",
            "filters[roles][id][$eq]=abc",
            "page=0",
            "page=-1",
            "page=1e400",
            "page=18446744073709551616",
            "page=92233720368547760&pageSize=100",
            "pageSize=abc",
            "withDeleted=maybe",
            "nosuch=1",
        ] {
            assert!(parse_admin_list(raw).is_err(), "{raw}");
        }
    }
}

/// The OpenAPI schemas of this grammar, from the same tables.
pub mod schema {
    use super::SORT_FIELDS;
    use gatehouse_domain::query::Window;
    use serde_json::json;
    use utoipa::openapi::schema::Schema;

    use crate::http::openapi::raw_schema as to_schema;

    /// `page`: 1..=[`Window::MAX_PAGE`].
    pub fn page() -> Schema {
        to_schema(json!({"type": "integer", "format": "int64", "minimum": 1, "maximum": Window::MAX_PAGE}))
    }

    /// `pageSize`: a positive integer (above 100 reads as 100).
    pub fn page_size() -> Schema {
        to_schema(json!({"type": "integer", "format": "int64", "minimum": 1, "maximum": i64::MAX}))
    }

    /// `sort=field[:ASC|DESC]`, one field.
    pub fn sort() -> Schema {
        let fields = SORT_FIELDS.iter().map(|(name, _)| *name).collect::<Vec<_>>().join("|");
        to_schema(
            json!({"type": "string", "pattern": format!("^(?:{fields})(?::(?:[aA][sS][cC]|[dD][eE][sS][cC]))?$")}),
        )
    }

    /// `filters[isActive]`, `filters[blocked]`, `filters[roles][id]` (bare or `[$eq]`), and
    /// `filters[$and][n][…]` of the same.
    pub fn filters() -> Schema {
        let equal = |operand: serde_json::Value| json!({"anyOf": [operand, {"type": "object", "required": ["$eq"], "additionalProperties": false, "properties": {"$eq": operand}}]});
        let flag = equal(json!({"type": "boolean"}));
        let roles = json!({
            "type": "object", "required": ["id"], "additionalProperties": false,
            "properties": {"id": equal(json!({"type": "integer", "format": "int64"}))}
        });
        let item = json!({
            "type": "object", "minProperties": 1, "additionalProperties": false,
            "properties": {"isActive": flag, "blocked": flag, "roles": roles}
        });
        to_schema(json!({
            "type": "object", "additionalProperties": false,
            "properties": {
                "isActive": flag, "blocked": flag, "roles": roles,
                "$and": {
                    "type": "object", "minProperties": 1, "propertyNames": {"pattern": "^[0-9]{1,4}$"},
                    "additionalProperties": item
                }
            }
        }))
    }
}
