//! Strapi's bracket query language (`filters[email][$eq]=…`, `sort[0]=createdAt:desc`,
//! `pagination[page]=2`, `populate=role`, `fields[0]=username`) parsed into the domain's
//! [`UserQuery`]. Only the syntax lives here; which fields exist and which are private is the
//! domain's field registry.

use gatehouse_domain::query::{FieldRef, Filter, Operator, RoleField, SortKey, UserField, UserQuery, Window};
use gatehouse_domain::{DomainError, FieldError, FieldErrors, QueryPart};
use std::collections::BTreeMap;

/// The most parameters one query string may hold.
const MAX_PARAMETERS: usize = 200;
/// The deepest bracket nesting accepted.
const MAX_DEPTH: usize = 12;

/// A parsed bracket tree: text leaves, and maps (arrays are maps with numeric keys).
#[derive(Clone, Debug, PartialEq)]
pub enum Node {
    /// A value.
    Leaf(String),
    /// Nested keys.
    Map(BTreeMap<String, Node>),
}

fn invalid(path: &str, message: impl Into<String>) -> DomainError {
    DomainError::Validation(FieldErrors(vec![FieldError::new(path, message)]))
}

fn split_key(raw: &str) -> Option<Vec<String>> {
    let (head, mut rest) = match raw.find('[') {
        Some(index) => (&raw[..index], &raw[index..]),
        None => (raw, ""),
    };
    let mut parts = vec![head.to_owned()];
    while !rest.is_empty() {
        let inner = rest.strip_prefix('[')?;
        let close = inner.find(']')?;
        parts.push(inner[..close].to_owned());
        rest = &inner[close + 1..];
    }
    (!head.is_empty()).then_some(parts)
}

fn insert(map: &mut BTreeMap<String, Node>, path: &[String], value: String) -> Result<(), DomainError> {
    let Some((first, rest)) = path.split_first() else { return Ok(()) };
    // `key[]` appends, as in `filters[id][$in][]=1`.
    let key = if first.is_empty() { map.len().to_string() } else { first.clone() };
    if rest.is_empty() {
        match map.get_mut(&key) {
            None => {
                map.insert(key, Node::Leaf(value));
            }
            // A repeated key (`sort=a&sort=b`) becomes a list.
            Some(existing @ Node::Leaf(_)) => {
                let previous = std::mem::replace(existing, Node::Map(BTreeMap::new()));
                if let Node::Map(list) = existing {
                    list.insert("0".into(), previous);
                    list.insert("1".into(), Node::Leaf(value));
                }
            }
            Some(Node::Map(list)) => {
                list.insert(list.len().to_string(), Node::Leaf(value));
            }
        }
        return Ok(());
    }
    let child = map.entry(key.clone()).or_insert_with(|| Node::Map(BTreeMap::new()));
    match child {
        Node::Map(inner) => insert(inner, rest, value),
        Node::Leaf(_) => Err(invalid(&key, format!("{key} is given both as a value and as an object"))),
    }
}

/// Parses a raw query string into its bracket tree.
pub fn parse_tree(raw_query: &str) -> Result<BTreeMap<String, Node>, DomainError> {
    let mut root = BTreeMap::new();
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(raw_query.as_bytes()).into_owned().collect();
    if pairs.len() > MAX_PARAMETERS {
        return Err(invalid("query", format!("at most {MAX_PARAMETERS} query parameters are accepted")));
    }
    for (key, value) in pairs {
        let path = split_key(&key).ok_or_else(|| invalid("query", format!("malformed query key {key:?}")))?;
        if path.len() > MAX_DEPTH {
            return Err(invalid("query", format!("query key {key:?} is nested too deeply")));
        }
        insert(&mut root, &path, value)?;
    }
    Ok(root)
}

fn list_items(node: &Node) -> Vec<&Node> {
    match node {
        Node::Leaf(_) => vec![node],
        Node::Map(map) => {
            let mut items: Vec<(u64, &Node)> =
                map.iter().filter_map(|(key, value)| key.parse::<u64>().ok().map(|index| (index, value))).collect();
            items.sort_by_key(|(index, _)| *index);
            items.into_iter().map(|(_, value)| value).collect()
        }
    }
}

fn is_list(map: &BTreeMap<String, Node>) -> bool {
    !map.is_empty() && map.keys().all(|key| key.parse::<u64>().is_ok())
}

fn leaves(node: &Node, path: &str) -> Result<Vec<String>, DomainError> {
    match node {
        Node::Leaf(value) => Ok(vec![value.clone()]),
        Node::Map(map) if is_list(map) => list_items(node)
            .into_iter()
            .map(|item| match item {
                Node::Leaf(value) => Ok(value.clone()),
                Node::Map(_) => Err(DomainError::InvalidValue { path: path.to_owned() }),
            })
            .collect(),
        Node::Map(_) => Err(DomainError::InvalidValue { path: path.to_owned() }),
    }
}

fn invalid_key(key: &str, path: Option<&str>, part: QueryPart) -> DomainError {
    DomainError::InvalidKey { key: key.to_owned(), path: path.map(str::to_owned), part }
}

/// Strapi's name of each public user field; the domain's own names are snake_case.
const USER_FIELD_NAMES: [(UserField, &str); 10] = [
    (UserField::Id, "id"),
    (UserField::DocumentId, "documentId"),
    (UserField::Username, "username"),
    (UserField::Email, "email"),
    (UserField::Provider, "provider"),
    (UserField::Confirmed, "confirmed"),
    (UserField::Blocked, "blocked"),
    (UserField::CreatedAt, "createdAt"),
    (UserField::UpdatedAt, "updatedAt"),
    (UserField::PublishedAt, "publishedAt"),
];

/// The user field Strapi calls `name`; private and unknown names are `None` alike.
pub fn user_field(name: &str) -> Option<UserField> {
    USER_FIELD_NAMES.iter().find(|(_, wire)| *wire == name).map(|(field, _)| *field)
}

/// Strapi's name of a user field.
pub fn user_field_name(field: UserField) -> &'static str {
    USER_FIELD_NAMES.iter().find(|(known, _)| *known == field).map_or("id", |(_, wire)| wire)
}

/// The role field Strapi calls `name`.
fn role_field(name: &str) -> Option<RoleField> {
    match name {
        "documentId" => Some(RoleField::DocumentId),
        "document_id" => None,
        other => RoleField::from_name(other),
    }
}

/// `filters[…]` into a [`Filter`].
pub fn parse_filters(node: &Node) -> Result<Filter, DomainError> {
    let Node::Map(map) = node else { return Err(invalid("filters", "filters must be an object")) };
    let mut all = Vec::new();
    for (key, child) in map {
        all.push(match key.as_str() {
            "$and" => Filter::All(filter_list(child, "$and")?),
            "$or" => Filter::Any(filter_list(child, "$or")?),
            "$not" => Filter::Not(Box::new(parse_filters(child)?)),
            "role" => parse_role_filters(child)?,
            name => {
                let field = user_field(name).ok_or_else(|| invalid_key(name, None, QueryPart::Filter))?;
                parse_conditions(FieldRef::User(field), child, name)?
            }
        });
    }
    Ok(if all.len() == 1 { all.remove(0) } else { Filter::All(all) })
}

/// The filters of `$and`/`$or`: a list (`[0]`, `[1]`, …); other keys are a 400, not ignored.
fn filter_list(node: &Node, path: &str) -> Result<Vec<Filter>, DomainError> {
    match node {
        Node::Map(map) if is_list(map) => list_items(node).into_iter().map(parse_filters).collect(),
        _ => Err(DomainError::InvalidValue { path: path.to_owned() }),
    }
}

fn parse_role_filters(node: &Node) -> Result<Filter, DomainError> {
    match node {
        // `filters[role]=3` means the role's id.
        Node::Leaf(_) => parse_conditions(FieldRef::Role(RoleField::Id), node, "role"),
        Node::Map(map) => {
            let mut all = Vec::new();
            for (key, child) in map {
                if Operator::from_name(key).is_some() {
                    let mut single = BTreeMap::new();
                    single.insert(key.clone(), child.clone());
                    all.push(parse_conditions(FieldRef::Role(RoleField::Id), &Node::Map(single), "role")?);
                    continue;
                }
                let path = format!("role.{key}");
                let field = role_field(key).ok_or_else(|| invalid_key(key, Some("role"), QueryPart::Filter))?;
                all.push(parse_conditions(FieldRef::Role(field), child, &path)?);
            }
            Ok(if all.len() == 1 { all.remove(0) } else { Filter::All(all) })
        }
    }
}

fn parse_conditions(field: FieldRef, node: &Node, path: &str) -> Result<Filter, DomainError> {
    let map = match node {
        Node::Leaf(value) => return Filter::compare(field, Operator::Eq, std::slice::from_ref(value), path),
        Node::Map(map) => map,
    };
    let mut all = Vec::new();
    for (key, child) in map {
        all.push(match key.as_str() {
            "$not" => Filter::Not(Box::new(parse_conditions(field, child, path)?)),
            "$and" => Filter::All(
                list_items(child)
                    .into_iter()
                    .map(|item| parse_conditions(field, item, path))
                    .collect::<Result<_, _>>()?,
            ),
            "$or" => Filter::Any(
                list_items(child)
                    .into_iter()
                    .map(|item| parse_conditions(field, item, path))
                    .collect::<Result<_, _>>()?,
            ),
            name => {
                let operator =
                    Operator::from_name(name).ok_or_else(|| invalid_key(name, Some(path), QueryPart::Filter))?;
                Filter::compare(field, operator, &leaves(child, path)?, path)?
            }
        });
    }
    if all.is_empty() {
        return Err(DomainError::InvalidValue { path: path.to_owned() });
    }
    Ok(if all.len() == 1 { all.remove(0) } else { Filter::All(all) })
}

fn parse_sort(node: &Node) -> Result<Vec<SortKey>, DomainError> {
    let mut keys = Vec::new();
    let mut push = |text: &str| -> Result<(), DomainError> {
        for part in text.split(',').map(str::trim).filter(|part| !part.is_empty()) {
            let (name, direction) = part.split_once(':').unwrap_or((part, "asc"));
            let field = user_field(name).ok_or_else(|| invalid_key(name, None, QueryPart::Sort))?;
            let descending = match direction.to_ascii_lowercase().as_str() {
                "asc" => false,
                "desc" => true,
                _ => return Err(invalid("sort", format!("sort direction must be asc or desc, not {direction:?}"))),
            };
            keys.push(SortKey { field, descending });
        }
        Ok(())
    };
    match node {
        Node::Leaf(text) => push(text)?,
        Node::Map(map) if is_list(map) => {
            for item in list_items(node) {
                match item {
                    Node::Leaf(text) => push(text)?,
                    Node::Map(_) => return Err(invalid("sort", "sort entries must be field:direction")),
                }
            }
        }
        // `sort[username]=desc`
        Node::Map(map) => {
            for (name, direction) in map {
                match direction {
                    Node::Leaf(direction) => push(&format!("{name}:{direction}"))?,
                    Node::Map(_) => return Err(invalid_key(name, None, QueryPart::Sort)),
                }
            }
        }
    }
    if keys.len() > 8 {
        return Err(invalid("sort", "at most 8 sort keys are accepted"));
    }
    Ok(keys)
}

fn number(node: Option<&Node>, name: &str) -> Result<Option<i64>, DomainError> {
    match node {
        None => Ok(None),
        Some(Node::Leaf(text)) => {
            text.trim().parse::<i64>().map(Some).map_err(|_| invalid(name, format!("{name} must be an integer")))
        }
        Some(Node::Map(_)) => Err(invalid(name, format!("{name} must be an integer"))),
    }
}

/// A page size or limit: `-1` (Strapi's "all") and anything above the maximum are clamped;
/// other negatives are refused.
fn size(value: i64, name: &str, minimum: i64) -> Result<u64, DomainError> {
    if value == -1 {
        return Ok(Window::MAX_LIMIT);
    }
    if value < minimum {
        return Err(invalid(name, format!("{name} must be at least {minimum}")));
    }
    Ok(u64::try_from(value).unwrap_or_default().min(Window::MAX_LIMIT))
}

fn parse_window(root: &BTreeMap<String, Node>) -> Result<Window, DomainError> {
    let empty = BTreeMap::new();
    let pagination = match root.get("pagination") {
        None => &empty,
        Some(Node::Map(map)) => map,
        Some(Node::Leaf(_)) => return Err(invalid("pagination", "pagination must be an object")),
    };
    for key in pagination.keys() {
        if !matches!(key.as_str(), "page" | "pageSize" | "start" | "limit" | "withCount") {
            return Err(invalid_key(key, None, QueryPart::Window));
        }
    }
    let page = number(pagination.get("page"), "pagination.page")?;
    let page_size = number(pagination.get("pageSize"), "pagination.pageSize")?;
    let start = number(pagination.get("start").or_else(|| root.get("start")), "start")?;
    let limit = number(pagination.get("limit").or_else(|| root.get("limit")), "limit")?;
    let page_style = page.is_some() || page_size.is_some();
    let offset_style = start.is_some() || limit.is_some();
    if page_style && offset_style {
        return Err(invalid("pagination", "page/pageSize cannot be combined with start/limit"));
    }
    if page_style {
        let page = page.unwrap_or(1);
        if page < 1 {
            return Err(invalid("pagination.page", "pagination.page must be at least 1"));
        }
        let page_size = size(page_size.unwrap_or(Window::DEFAULT_LIMIT as i64), "pagination.pageSize", 1)?;
        return Window::page(u64::try_from(page).unwrap_or(1), page_size).ok_or_else(|| {
            invalid("pagination.page", "pagination.page is beyond the last page that can be asked for")
        });
    }
    let start = start.unwrap_or(0);
    if start < 0 {
        return Err(invalid("start", "start must be at least 0"));
    }
    let limit = size(limit.unwrap_or(Window::DEFAULT_LIMIT as i64), "limit", 0)?;
    Window::starting_at(u64::try_from(start).unwrap_or_default(), limit)
        .ok_or_else(|| invalid("start", "start is beyond the last row that can be asked for"))
}

fn parse_populate(node: &Node) -> Result<bool, DomainError> {
    let wants = |name: &str| -> Result<bool, DomainError> {
        match name {
            "role" | "*" => Ok(true),
            "" | "false" => Ok(false),
            other => Err(invalid_key(other, None, QueryPart::Relations)),
        }
    };
    match node {
        Node::Leaf(text) => {
            let mut any = false;
            for name in text.split(',').map(str::trim) {
                any |= wants(name)?;
            }
            Ok(any)
        }
        Node::Map(map) if is_list(map) => {
            let mut any = false;
            for item in list_items(node) {
                match item {
                    Node::Leaf(name) => any |= wants(name)?,
                    Node::Map(_) => return Err(invalid_key("populate", None, QueryPart::Relations)),
                }
            }
            Ok(any)
        }
        Node::Map(map) => {
            let mut any = false;
            for (name, child) in map {
                wants(name)?;
                match child {
                    Node::Leaf(flag) => any |= flag != "false",
                    // Nothing is populated below the role (`populate[role][populate]=users`).
                    Node::Map(inner) => {
                        let key = inner.keys().next().map(String::as_str).unwrap_or("populate");
                        return Err(invalid_key(key, Some(name), QueryPart::Relations));
                    }
                }
            }
            Ok(any)
        }
    }
}

fn parse_fields(node: &Node) -> Result<Vec<UserField>, DomainError> {
    let names: Vec<String> = match node {
        Node::Leaf(text) => text.split(',').map(|name| name.trim().to_owned()).collect(),
        Node::Map(_) => leaves(node, "fields")?,
    };
    names
        .iter()
        .filter(|name| !name.is_empty())
        .map(|name| user_field(name).ok_or_else(|| invalid_key(name, None, QueryPart::Fields)))
        .collect()
}

/// The whole users query of a raw query string. Unknown top-level parameters are ignored (they
/// never change anything); malformed known ones are 400.
pub fn parse_user_query(raw_query: &str) -> Result<UserQuery, DomainError> {
    let root = parse_tree(raw_query)?;
    let mut query = UserQuery { window: parse_window(&root)?, ..UserQuery::default() };
    if let Some(filters) = root.get("filters") {
        query.filter = parse_filters(filters)?;
    }
    if let Some(sort) = root.get("sort") {
        query.sort = parse_sort(sort)?;
    }
    if let Some(populate) = root.get("populate") {
        query.with_role = parse_populate(populate)?;
    }
    if let Some(fields) = root.get("fields") {
        query.fields = Some(parse_fields(fields)?);
    }
    Ok(query)
}

/// The OpenAPI schemas of the same grammar, built from the tables the parser reads, so the
/// document states exactly what is accepted: which fields filter and sort, which operators a
/// field's type takes, what a value must parse as, and which pagination styles combine.
pub mod schema {
    use super::USER_FIELD_NAMES;
    use gatehouse_domain::query::{FieldType, Operator, Window};
    use serde_json::{json, Map, Value};
    use utoipa::openapi::schema::Schema;

    /// Every operator name the parser knows.
    pub const OPERATOR_NAMES: [&str; 21] = [
        "$eq",
        "$eqi",
        "$ne",
        "$nei",
        "$lt",
        "$lte",
        "$gt",
        "$gte",
        "$in",
        "$notIn",
        "$contains",
        "$notContains",
        "$containsi",
        "$notContainsi",
        "$null",
        "$notNull",
        "$between",
        "$startsWith",
        "$startsWithi",
        "$endsWith",
        "$endsWithi",
    ];

    /// The public role fields `filters[role][…]` takes, with their types.
    const ROLE_FIELDS: [(&str, FieldType); 5] = [
        ("id", FieldType::Integer),
        ("documentId", FieldType::Text),
        ("name", FieldType::Text),
        ("type", FieldType::Text),
        ("description", FieldType::Text),
    ];

    use crate::http::openapi::raw_schema as to_schema;

    /// One operand of a field of `field_type`, as the query string carries it.
    fn operand(field_type: FieldType) -> Value {
        match field_type {
            FieldType::Integer => json!({"type": "integer", "format": "int64"}),
            FieldType::Text => json!({"type": "string"}),
            FieldType::Boolean => json!({"type": "boolean"}),
            FieldType::Timestamp => json!({
                "type": "integer", "format": "int64",
                "description": "Milliseconds since the Unix epoch (an RFC 3339 time or a date is read too)"
            }),
        }
    }

    /// `operator: operand` for each operator a field of `field_type` takes.
    fn operator_properties(field_type: FieldType) -> Map<String, Value> {
        let mut properties = Map::new();
        for name in OPERATOR_NAMES {
            let Some(operator) = Operator::from_name(name) else { continue };
            if operator.is_textual() && field_type != FieldType::Text {
                continue;
            }
            let value = match operator {
                Operator::Null | Operator::NotNull => json!({"type": "boolean"}),
                // An empty list is spelled like one empty value, a valid text operand.
                Operator::In | Operator::NotIn if field_type == FieldType::Text => {
                    json!({"type": "array", "items": operand(field_type)})
                }
                Operator::In | Operator::NotIn => json!({"type": "array", "minItems": 1, "items": operand(field_type)}),
                Operator::Between => {
                    json!({"type": "array", "minItems": 2, "maxItems": 2, "items": operand(field_type)})
                }
                _ => operand(field_type),
            };
            properties.insert(name.to_owned(), value);
        }
        properties
    }

    fn closed_object(properties: Map<String, Value>) -> Value {
        json!({"type": "object", "minProperties": 1, "additionalProperties": false, "properties": properties})
    }

    /// `{operator: operand}` for the operators a field of `field_type` takes. An empty object
    /// is spelled `filters[field]=` in brackets, the same as the bare empty value: for a text
    /// field that is a valid `$eq ""`, so the document cannot call it invalid there.
    fn conditions(field_type: FieldType) -> Value {
        let mut object = closed_object(operator_properties(field_type));
        if field_type == FieldType::Text {
            if let Value::Object(map) = &mut object {
                map.remove("minProperties");
            }
        }
        object
    }

    /// A field's filter: a bare value (`$eq`) or its conditions.
    fn field_filter(field_type: FieldType) -> Value {
        json!({"anyOf": [operand(field_type), conditions(field_type)]})
    }

    fn role_filter() -> Value {
        // Operators right under `role` compare its id.
        let mut properties = operator_properties(FieldType::Integer);
        for (name, field_type) in ROLE_FIELDS {
            properties.insert(name.to_owned(), field_filter(field_type));
        }
        json!({"anyOf": [operand(FieldType::Integer), closed_object(properties)]})
    }

    /// The fields of one filter object (`$and`/`$or` items are such objects).
    fn field_filters() -> Map<String, Value> {
        let mut properties = Map::new();
        for (field, name) in USER_FIELD_NAMES {
            properties.insert(name.to_owned(), field_filter(field.field_type()));
        }
        properties.insert("role".to_owned(), role_filter());
        properties
    }

    /// `filters[…]`: fields, `role`, and `$and`/`$or`/`$not` over filter objects. (The parser
    /// nests these to any depth; the document shows one level.)
    pub fn filters() -> Schema {
        let item =
            json!({"type": "object", "minProperties": 1, "additionalProperties": false, "properties": field_filters()});
        // A list in brackets (`[$and][0][…]`): an object whose keys are indexes.
        let list = json!({
            "type": "object", "minProperties": 1, "propertyNames": {"pattern": "^[0-9]{1,4}$"},
            "additionalProperties": item
        });
        let mut properties = field_filters();
        properties.insert("$and".into(), list.clone());
        properties.insert("$or".into(), list);
        properties.insert("$not".into(), item);
        to_schema(json!({"type": "object", "additionalProperties": false, "properties": properties}))
    }

    fn field_alternatives() -> String {
        USER_FIELD_NAMES.iter().map(|(_, name)| *name).collect::<Vec<_>>().join("|")
    }

    /// `sort=field[:asc|desc][,…]`, at most 8 keys.
    pub fn sort() -> Schema {
        let key = format!("(?:{})(?::(?:[aA][sS][cC]|[dD][eE][sS][cC]))?", field_alternatives());
        to_schema(json!({"type": "string", "pattern": format!("^(?:{key}(?:,{key}){{0,7}})?$")}))
    }

    /// `fields=name[,…]` of public fields.
    pub fn fields() -> Schema {
        let name = format!("(?:{})", field_alternatives());
        to_schema(json!({"type": "string", "pattern": format!("^(?:{name}(?:,{name})*)?$")}))
    }

    /// `populate=role` (or `*`); empty or `false` loads nothing.
    pub fn populate() -> Schema {
        to_schema(json!({"type": "string", "enum": ["role", "*", "", "false"]}))
    }

    /// `pagination[page]`/`[pageSize]` or `pagination[start]`/`[limit]`, never both styles.
    pub fn pagination() -> Schema {
        let max = i64::MAX;
        let size = |minimum: i64| json!({"type": "integer", "format": "int64", "anyOf": [{"const": -1}, {"minimum": minimum, "maximum": max}]});
        let with_count = json!({"description": "Accepted and ignored"});
        to_schema(json!({
            "anyOf": [
                {
                    "type": "object", "additionalProperties": false,
                    "properties": {
                        "page": {"type": "integer", "format": "int64", "minimum": 1, "maximum": Window::MAX_PAGE},
                        "pageSize": size(1),
                        "withCount": with_count,
                    }
                },
                {
                    "type": "object", "additionalProperties": false,
                    "properties": {
                        "start": {"type": "integer", "format": "int64", "minimum": 0, "maximum": max},
                        "limit": size(0),
                        "withCount": with_count,
                    }
                }
            ]
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gatehouse_domain::query::Operand;

    #[test]
    fn brackets_nest_and_arrays_keep_their_order() {
        let query =
            parse_user_query("filters[$or][1][username][$eq]=bob&filters[$or][0][username][$eq]=alice").unwrap();
        let Filter::Any(children) = query.filter else { panic!("an $or") };
        assert_eq!(children.len(), 2);
        assert!(
            matches!(&children[0], Filter::Compare { operands, .. } if operands == &[Operand::Text("alice".into())])
        );
    }

    #[test]
    fn in_lists_take_indexed_and_appended_forms() {
        for raw in ["filters[id][$in][0]=1&filters[id][$in][1]=2", "filters[id][$in][]=1&filters[id][$in][]=2"] {
            let query = parse_user_query(raw).unwrap();
            assert!(
                matches!(&query.filter, Filter::Compare { operator: Operator::In, operands, .. } if operands.len() == 2),
                "{raw}"
            );
        }
    }

    #[test]
    fn private_and_unknown_keys_are_refused_with_their_parameter() {
        for (raw, key, param) in [
            ("filters[password][$startsWith]=$", "password", QueryPart::Filter),
            ("sort=password:asc", "password", QueryPart::Sort),
            ("fields[0]=resetPasswordToken", "resetPasswordToken", QueryPart::Fields),
            ("populate[role][populate]=users", "populate", QueryPart::Relations),
            ("filters[username][$foo]=x", "$foo", QueryPart::Filter),
            ("populate=secrets", "secrets", QueryPart::Relations),
        ] {
            match parse_user_query(raw) {
                Err(DomainError::InvalidKey { key: found, part: found_part, .. }) => {
                    assert_eq!((found.as_str(), found_part), (key, param), "{raw}")
                }
                other => panic!("{raw}: {other:?}"),
            }
        }
    }

    #[test]
    fn pagination_styles_clamp_and_refuse_nonsense() {
        let window = |raw: &str| {
            let window = parse_user_query(raw).unwrap().window;
            (window.offset(), window.limit())
        };
        assert_eq!(window("pagination[pageSize]=1000"), (0, 100));
        assert_eq!(window("pagination[page]=3&pagination[pageSize]=10"), (20, 10));
        assert_eq!(window("start=5&limit=-1"), (5, 100));
        assert_eq!(window(""), (0, 25));
        for raw in [
            "pagination[page]=0",
            "pagination[page]=-1",
            "pagination[page]=abc",
            "pagination[page]=1&pagination[start]=0",
            "pagination[page]=1&limit=3",
            "limit=-5",
            "start=-1",
            "pagination[page]=92233720368547760&pagination[pageSize]=100",
            "pagination[page]=18446744073709551615",
            "pagination[page]=1e400",
            "start=18446744073709551615",
        ] {
            assert!(parse_user_query(raw).is_err(), "{raw}");
        }
    }

    #[test]
    fn sort_fields_and_populate_read_every_form() {
        let query = parse_user_query("sort[0]=createdAt:desc&sort[1]=id&fields=username,email&populate=*").unwrap();
        assert_eq!(
            query.sort,
            [
                SortKey { field: UserField::CreatedAt, descending: true },
                SortKey { field: UserField::Id, descending: false }
            ]
        );
        assert_eq!(query.fields, Some(vec![UserField::Username, UserField::Email]));
        assert!(query.with_role);
        assert!(parse_user_query("populate[0]=role").unwrap().with_role);
        assert!(parse_user_query("populate[role]=true").unwrap().with_role);
        assert_eq!(parse_user_query("sort=username:desc,email").unwrap().sort.len(), 2);
    }

    #[test]
    fn every_documented_operator_is_one_the_parser_reads() {
        for name in schema::OPERATOR_NAMES {
            assert!(Operator::from_name(name).is_some(), "{name}");
        }
    }

    #[test]
    fn too_many_parameters_are_refused() {
        let raw: Vec<String> = (0..201).map(|n| format!("filters[id][$in][{n}]={n}")).collect();
        assert!(parse_user_query(&raw.join("&")).is_err());
    }
}
