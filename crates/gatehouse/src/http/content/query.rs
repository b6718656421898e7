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
            "$and" => Filter::All(list_items(child).into_iter().map(parse_filters).collect::<Result<_, _>>()?),
            "$or" => Filter::Any(list_items(child).into_iter().map(parse_filters).collect::<Result<_, _>>()?),
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
    fn too_many_parameters_are_refused() {
        let raw: Vec<String> = (0..201).map(|n| format!("filters[id][$in][{n}]={n}")).collect();
        assert!(parse_user_query(&raw.join("&")).is_err());
    }
}
