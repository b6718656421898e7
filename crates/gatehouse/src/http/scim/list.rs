//! List and search parameters (RFC 7644 §3.4.2 and §3.4.3): `filter`, `startIndex` (from 1),
//! `count` (default 100, at most 1000; 0 answers the total alone), `sortBy`/`sortOrder`,
//! `attributes`/`excludedAttributes` — from a query string or a `SearchRequest` body alike —
//! and the `ListResponse` they answer with.

use crate::http::scim::discovery::MAX_RESULTS;
use crate::http::scim::filter::{self, matches, member, AttrPath, Expr};
use crate::http::scim::{resources, scim_json, ScimError, LIST_SCHEMA, SEARCH_SCHEMA};
use axum::http::StatusCode;
use axum::response::Response;
use gatehouse_domain::query::{SortKey, UserField};
use serde_json::{json, Map, Value};

/// Page size when none is asked for.
pub const DEFAULT_COUNT: u64 = 100;

/// What a list or search asks for.
#[derive(Debug, Default)]
pub struct ListParams {
    /// The parsed filter.
    pub filter: Option<Expr>,
    /// Where the page starts (from 1).
    pub start_index: u64,
    /// How many resources at most.
    pub count: u64,
    /// The attribute to sort by.
    pub sort_by: Option<AttrPath>,
    /// Descending order.
    pub descending: bool,
    /// Only these attributes.
    pub attributes: Vec<AttrPath>,
    /// All but these attributes.
    pub excluded: Vec<AttrPath>,
}

fn paths(raw: &str, name: &str) -> Result<Vec<AttrPath>, ScimError> {
    raw.split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| AttrPath::parse(part).map_err(|why| ScimError::invalid_value(format!("{name}: {why}"))))
        .collect()
}

fn number(raw: &str, name: &str) -> Result<i64, ScimError> {
    raw.trim().parse::<i64>().map_err(|_| ScimError::invalid_value(format!("{name} must be an integer")))
}

impl ListParams {
    fn with_defaults() -> Self {
        Self { start_index: 1, count: DEFAULT_COUNT, ..Self::default() }
    }

    fn set(&mut self, key: &str, value: &str) -> Result<(), ScimError> {
        match key.to_ascii_lowercase().as_str() {
            "filter" => self.filter = Some(filter::parse(value)?),
            // Below 1 counts as 1 (RFC 7644 §3.4.2.4).
            "startindex" => self.start_index = number(value, "startIndex")?.max(1).unsigned_abs(),
            // Negative counts as 0; above the maximum, the maximum.
            "count" => self.count = number(value, "count")?.max(0).unsigned_abs().min(MAX_RESULTS),
            "sortby" => {
                self.sort_by = Some(
                    AttrPath::parse(value.trim()).map_err(|why| ScimError::invalid_value(format!("sortBy: {why}")))?,
                )
            }
            "sortorder" => {
                self.descending = match value.to_ascii_lowercase().as_str() {
                    "ascending" => false,
                    "descending" => true,
                    _ => return Err(ScimError::invalid_value("sortOrder must be ascending or descending")),
                }
            }
            "attributes" => self.attributes = paths(value, "attributes")?,
            "excludedattributes" => self.excluded = paths(value, "excludedAttributes")?,
            _ => {}
        }
        Ok(())
    }

    /// Reads a query string; unknown parameters are ignored.
    pub fn from_query(raw: Option<&str>) -> Result<Self, ScimError> {
        let mut params = Self::with_defaults();
        for (key, value) in url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
            params.set(&key, &value)?;
        }
        Ok(params)
    }

    /// Reads a `SearchRequest` body.
    pub fn from_search(body: &Map<String, Value>) -> Result<Self, ScimError> {
        let schemas = body.get("schemas").and_then(Value::as_array);
        if !schemas.is_some_and(|schemas| schemas.iter().any(|schema| schema.as_str() == Some(SEARCH_SCHEMA))) {
            return Err(ScimError::invalid_syntax(format!("schemas must hold {SEARCH_SCHEMA}")));
        }
        let mut params = Self::with_defaults();
        for (key, value) in body {
            let text = match value {
                Value::Null => continue,
                Value::String(text) => text.clone(),
                Value::Number(number) => number.to_string(),
                Value::Array(items) if key == "attributes" || key == "excludedAttributes" => items
                    .iter()
                    .map(|item| item.as_str().map(str::to_owned))
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| ScimError::invalid_value(format!("{key} must be a list of strings")))?
                    .join(","),
                _ if key == "schemas" => continue,
                _ => return Err(ScimError::invalid_value(format!("{key} has the wrong type"))),
            };
            params.set(key, &text)?;
        }
        Ok(params)
    }

    /// The domain's sort for Users (`userName`, `emails.value`, `displayName`, `externalId`,
    /// `id`, `meta.created`, `meta.lastModified`); another attribute is 400 `invalidValue`.
    pub fn user_sort(&self) -> Result<Vec<SortKey>, ScimError> {
        let Some(path) = &self.sort_by else { return Ok(Vec::new()) };
        let field = match path.dotted().as_str() {
            "id" => UserField::Id,
            "username" => UserField::Username,
            "emails" | "emails.value" => UserField::Email,
            "displayname" => UserField::Name,
            "externalid" => UserField::ExternalId,
            "meta.created" => UserField::CreatedAt,
            "meta.lastmodified" => UserField::UpdatedAt,
            other => return Err(ScimError::invalid_value(format!("cannot sort by {other}"))),
        };
        Ok(vec![SortKey { field, descending: self.descending }])
    }

    /// The resources the filter matches, sorted by `sortBy`: for the resource types read
    /// whole into memory (free-standing Groups, the admin realm). A multi-valued attribute
    /// sorts by its primary (else first) value.
    pub fn select(&self, resources: Vec<Value>) -> Vec<Value> {
        let mut selected: Vec<Value> = resources
            .into_iter()
            .filter(|resource| self.filter.as_ref().is_none_or(|expr| matches(expr, resource)))
            .collect();
        if let Some(sort) = &self.sort_by {
            let key = |resource: &Value| {
                let mut value = resource.clone();
                for part in std::iter::once(sort.attr.as_str()).chain(sort.sub.as_deref()) {
                    value = match &value {
                        Value::Array(items) => items
                            .iter()
                            .find(|item| member(item, "primary") == Some(&Value::Bool(true)))
                            .or_else(|| items.first())
                            .cloned()
                            .unwrap_or(Value::Null),
                        _ => value,
                    };
                    value = member(&value, part).cloned().unwrap_or(Value::Null);
                }
                value.as_str().map(str::to_lowercase).unwrap_or_else(|| value.to_string())
            };
            selected.sort_by_key(key);
            if self.descending {
                selected.reverse();
            }
        }
        selected
    }

    /// The `ListResponse` answer for the page this list asks for out of every selected
    /// resource.
    pub fn page_response(&self, selected: Vec<Value>) -> Response {
        let total = selected.len() as u64;
        let page: Vec<Value> = selected
            .into_iter()
            .skip(usize::try_from(self.offset()).unwrap_or(usize::MAX))
            .take(usize::try_from(self.count).unwrap_or(usize::MAX))
            .collect();
        scim_json(StatusCode::OK, &self.list_response(total, page))
    }

    /// The rows skipped.
    pub fn offset(&self) -> u64 {
        self.start_index.saturating_sub(1)
    }

    /// The `ListResponse` of a page.
    pub fn list_response(&self, total: u64, page: Vec<Value>) -> Value {
        let page: Vec<Value> =
            page.into_iter().map(|resource| resources::project(resource, &self.attributes, &self.excluded)).collect();
        let mut response = json!({
            "schemas": [LIST_SCHEMA],
            "totalResults": total,
            "itemsPerPage": page.len(),
            "startIndex": self.start_index,
        });
        if !page.is_empty() {
            response["Resources"] = Value::Array(page);
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_parameters_are_bounded() {
        let params =
            ListParams::from_query(Some("startIndex=0&count=5000&sortBy=userName&sortOrder=descending")).unwrap();
        assert_eq!((params.start_index, params.count, params.descending), (1, MAX_RESULTS, true));
        assert_eq!(params.user_sort().unwrap()[0].field, UserField::Username);
        assert_eq!(ListParams::from_query(Some("count=-3")).unwrap().count, 0);
        assert!(ListParams::from_query(Some("count=x")).is_err());
        let bad = ListParams::from_query(Some("filter=userName%20zz%20%22x%22")).unwrap_err();
        assert_eq!(bad.scim_type(), Some("invalidFilter"));
    }

    #[test]
    fn a_search_body_reads_like_the_query() {
        let body =
            json!({"schemas": [SEARCH_SCHEMA], "filter": "userName eq \"a\"", "attributes": ["userName"], "count": 10});
        let params = ListParams::from_search(body.as_object().unwrap()).unwrap();
        assert!(params.filter.is_some());
        assert_eq!((params.count, params.attributes.len()), (10, 1));
    }
}
