//! PATCH (RFC 7644 §3.5.2) over a resource's JSON: each operation (`add`, `remove`,
//! `replace`, case-insensitive) is applied in order to the resource as it is read, and the
//! handler then writes the result exactly as a PUT would — so PATCH and PUT share every rule.
//!
//! Paths: `attr`, `attr.sub`, `urn:…:attr`, `attr[filter]` and `attr[filter].sub`. With no
//! path, the value is an object whose members are paths. A value filter that matches nothing
//! is 400 `noTarget` for `remove`; for `add` and `replace` on `attr[x eq "y"].sub` a new value
//! `{x: "y", sub: value}` is added (what identity providers expect of
//! `emails[type eq "work"].value`).

use crate::http::scim::filter::{self, matches, parse_patch_path, AttrPath, CompareOp, Expr, PatchPath};
use crate::http::scim::{ScimError, ENTERPRISE_SCHEMA, PATCH_SCHEMA, USER_SCHEMA};
use serde_json::{Map, Value};

/// One operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Add,
    Remove,
    Replace,
}

/// One operation as read: `(op, path, value)`.
pub type Operation = (String, Option<String>, Option<Value>);

/// Reads a PatchOp body into its operations.
pub fn operations(body: &Map<String, Value>) -> Result<Vec<Operation>, ScimError> {
    let schemas = body.get("schemas").and_then(Value::as_array);
    if !schemas.is_some_and(|schemas| schemas.iter().any(|schema| schema.as_str() == Some(PATCH_SCHEMA))) {
        return Err(ScimError::invalid_syntax(format!("schemas must hold {PATCH_SCHEMA}")));
    }
    let Some(Value::Array(operations)) = filter::member(&Value::Object(body.clone()), "Operations").cloned() else {
        return Err(ScimError::invalid_syntax("Operations must be a list"));
    };
    operations
        .into_iter()
        .map(|operation| {
            let op = filter::member(&operation, "op").and_then(Value::as_str).map(str::to_owned);
            let Some(op) = op else { return Err(ScimError::invalid_syntax("each operation needs an op")) };
            let path = match filter::member(&operation, "path") {
                None | Some(Value::Null) => None,
                Some(Value::String(path)) => Some(path.clone()),
                Some(_) => return Err(ScimError::bad_request("invalidPath", "path must be a string")),
            };
            Ok((op, path, filter::member(&operation, "value").cloned()))
        })
        .collect()
}

/// Applies every operation to `resource`, in order. `read_only` names attributes the client
/// may not change (`id`, `meta`, `groups`…): touching one is 400 `mutability`.
pub fn apply(resource: &mut Value, operations: &[Operation], read_only: &[&str]) -> Result<(), ScimError> {
    for (op, path, value) in operations {
        let op = match op.to_ascii_lowercase().as_str() {
            "add" => Op::Add,
            "remove" => Op::Remove,
            "replace" => Op::Replace,
            other => return Err(ScimError::invalid_syntax(format!("{other} is not a PATCH op"))),
        };
        match path {
            Some(path) => {
                let path = parse_patch_path(path)?;
                apply_one(resource, op, &path, value.clone(), read_only)?;
            }
            None => {
                if op == Op::Remove {
                    return Err(ScimError::bad_request("noTarget", "remove needs a path"));
                }
                let Some(Value::Object(members)) = value else {
                    return Err(ScimError::invalid_value("without a path, the value must be an object"));
                };
                for (key, value) in members {
                    if key.eq_ignore_ascii_case("schemas") {
                        continue;
                    }
                    if key.eq_ignore_ascii_case(ENTERPRISE_SCHEMA) {
                        // The extension as one object: each of its members in turn.
                        let Value::Object(inner) = value else {
                            return Err(ScimError::invalid_value("the extension must be an object"));
                        };
                        for (name, value) in inner {
                            let path = parse_patch_path(&format!("{ENTERPRISE_SCHEMA}:{name}"))?;
                            apply_one(resource, op, &path, Some(value.clone()), read_only)?;
                        }
                        continue;
                    }
                    let path = parse_patch_path(key)?;
                    apply_one(resource, op, &path, Some(value.clone()), read_only)?;
                }
            }
        }
    }
    Ok(())
}

/// The object holding `path`'s attribute: the resource, or the extension's object.
fn container<'a>(resource: &'a mut Value, path: &AttrPath, create: bool) -> Option<&'a mut Map<String, Value>> {
    let root = resource.as_object_mut()?;
    if !path.is_enterprise() {
        return Some(root);
    }
    let key = key_of(root, ENTERPRISE_SCHEMA).unwrap_or_else(|| ENTERPRISE_SCHEMA.to_owned());
    if !root.contains_key(&key) {
        if !create {
            return None;
        }
        root.insert(key.clone(), Value::Object(Map::new()));
    }
    root.get_mut(&key)?.as_object_mut()
}

/// The key of `object` that is `name` case-insensitively.
fn key_of(object: &Map<String, Value>, name: &str) -> Option<String> {
    object.keys().find(|key| key.eq_ignore_ascii_case(name)).cloned()
}

fn apply_one(
    resource: &mut Value,
    op: Op,
    path: &PatchPath,
    value: Option<Value>,
    read_only: &[&str],
) -> Result<(), ScimError> {
    let attr = &path.path.attr;
    if attr.is_empty() && path.path.is_enterprise() && path.filter.is_none() {
        // The extension as one object.
        let Some(root) = resource.as_object_mut() else { return Ok(()) };
        let key = key_of(root, ENTERPRISE_SCHEMA).unwrap_or_else(|| ENTERPRISE_SCHEMA.to_owned());
        return whole(root, &key, op, value);
    }
    if path.path.uri.as_deref().is_some_and(|uri| uri.eq_ignore_ascii_case(USER_SCHEMA)) && attr.is_empty() {
        return Err(ScimError::bad_request("invalidPath", "a path names an attribute"));
    }
    if read_only.iter().any(|name| name.eq_ignore_ascii_case(attr)) && !path.path.is_enterprise() {
        return Err(ScimError::bad_request("mutability", format!("{attr} cannot be changed")));
    }
    if op != Op::Remove && value.is_none() {
        return Err(ScimError::invalid_value(format!("{op:?} needs a value").to_ascii_lowercase()));
    }
    let Some(object) = container(resource, &path.path, op != Op::Remove) else {
        return Ok(());
    };
    let key = key_of(object, attr).unwrap_or_else(|| attr.clone());
    match (&path.filter, &path.path.sub) {
        (None, None) => whole(object, &key, op, value),
        (None, Some(sub)) => {
            match object.get_mut(&key) {
                Some(Value::Array(items)) => {
                    for item in items.iter_mut().filter_map(Value::as_object_mut) {
                        let sub_key = key_of(item, sub).unwrap_or_else(|| sub.clone());
                        whole(item, &sub_key, op, value.clone())?;
                    }
                }
                Some(Value::Object(inner)) => {
                    let sub_key = key_of(inner, sub).unwrap_or_else(|| sub.clone());
                    whole(inner, &sub_key, op, value)?;
                }
                _ if op == Op::Remove => {}
                _ => {
                    let mut inner = Map::new();
                    whole(&mut inner, sub, op, value)?;
                    object.insert(key.clone(), Value::Object(inner));
                }
            }
            prune(object, &key);
            Ok(())
        }
        (Some(expr), _) => filtered(object, &key, op, expr, path.sub_after_filter.as_deref(), value),
    }
}

/// An operation on a whole attribute of `object`.
fn whole(object: &mut Map<String, Value>, key: &str, op: Op, value: Option<Value>) -> Result<(), ScimError> {
    match op {
        Op::Remove => {
            // `remove members` with a value removes just those values (as some providers send).
            if let (Some(Value::Array(existing)), Some(Value::Array(gone))) = (object.get_mut(key), value.as_ref()) {
                existing.retain(|item| !gone.iter().any(|remove| same_value(item, remove)));
            } else {
                object.remove(key);
            }
        }
        Op::Add => {
            let value = value.unwrap_or(Value::Null);
            match (object.get_mut(key), value) {
                (Some(Value::Array(existing)), Value::Array(added)) => {
                    let primary = added.iter().any(is_primary);
                    if primary {
                        existing.iter_mut().for_each(clear_primary);
                    }
                    for item in added {
                        existing.retain(|present| !same_value(present, &item));
                        existing.push(item);
                    }
                }
                (Some(Value::Array(existing)), single) => {
                    existing.retain(|present| !same_value(present, &single));
                    existing.push(single);
                }
                (Some(Value::Object(existing)), Value::Object(added)) => {
                    for (name, value) in added {
                        let name = key_of(existing, &name).unwrap_or(name);
                        existing.insert(name, value);
                    }
                }
                (_, value) => {
                    object.insert(key.to_owned(), value);
                }
            }
        }
        Op::Replace => {
            let value = value.unwrap_or(Value::Null);
            match (object.get_mut(key), value) {
                (Some(Value::Object(existing)), Value::Object(added)) => {
                    for (name, value) in added {
                        let name = key_of(existing, &name).unwrap_or(name);
                        existing.insert(name, value);
                    }
                }
                (_, value) => {
                    object.insert(key.to_owned(), value);
                }
            }
        }
    }
    prune(object, key);
    Ok(())
}

/// An operation on the values of `object[key]` that match `expr` (and on their `sub`).
fn filtered(
    object: &mut Map<String, Value>,
    key: &str,
    op: Op,
    expr: &Expr,
    sub: Option<&str>,
    value: Option<Value>,
) -> Result<(), ScimError> {
    let mut items = match object.remove(key) {
        Some(Value::Array(items)) => items,
        Some(other) => vec![other],
        None => Vec::new(),
    };
    let hits: Vec<usize> = items.iter().enumerate().filter(|(_, item)| matches(expr, item)).map(|(at, _)| at).collect();
    if hits.is_empty() {
        match (op, sub, seed(expr)) {
            (Op::Add | Op::Replace, Some(sub), Some((name, wanted))) => {
                let mut item = Map::new();
                item.insert(name, wanted);
                item.insert(sub.to_owned(), value.unwrap_or(Value::Null));
                items.push(Value::Object(item));
            }
            _ => {
                restore(object, key, items);
                return Err(ScimError::bad_request("noTarget", "the value filter matches no value"));
            }
        }
    } else {
        match (op, sub) {
            (Op::Remove, None) => {
                let mut at = 0;
                items.retain(|_| {
                    let keep = !hits.contains(&at);
                    at += 1;
                    keep
                });
            }
            (_, Some(sub)) => {
                for at in &hits {
                    if let Some(item) = items.get_mut(*at).and_then(Value::as_object_mut) {
                        let sub_key = key_of(item, sub).unwrap_or_else(|| sub.to_owned());
                        whole(item, &sub_key, op, value.clone())?;
                    }
                }
            }
            (_, None) => {
                for at in &hits {
                    if let Some(item) = items.get_mut(*at) {
                        match (item.as_object_mut(), value.clone()) {
                            (Some(existing), Some(Value::Object(added))) => {
                                for (name, value) in added {
                                    let name = key_of(existing, &name).unwrap_or(name);
                                    existing.insert(name, value);
                                }
                            }
                            (_, Some(value)) => *item = value,
                            (_, None) => {}
                        }
                    }
                }
            }
        }
    }
    restore(object, key, items);
    Ok(())
}

fn restore(object: &mut Map<String, Value>, key: &str, items: Vec<Value>) {
    if !items.is_empty() {
        object.insert(key.to_owned(), Value::Array(items));
    }
}

/// `x eq "y"` (possibly under `and`): the member a new value starts with.
fn seed(expr: &Expr) -> Option<(String, Value)> {
    match expr {
        Expr::Compare(path, CompareOp::Eq, wanted) if path.sub.is_none() && path.uri.is_none() => {
            Some((path.attr.clone(), wanted.clone()))
        }
        _ => None,
    }
}

/// Drops an attribute left empty (a null, an empty list or object).
fn prune(object: &mut Map<String, Value>, key: &str) {
    let empty = match object.get(key) {
        Some(Value::Null) => true,
        Some(Value::Array(items)) => items.is_empty(),
        Some(Value::Object(members)) => members.is_empty(),
        _ => false,
    };
    if empty {
        object.remove(key);
    }
}

fn is_primary(item: &Value) -> bool {
    filter::member(item, "primary") == Some(&Value::Bool(true))
}

fn clear_primary(item: &mut Value) {
    if let Some(object) = item.as_object_mut() {
        if let Some(key) = key_of(object, "primary") {
            object.insert(key, Value::Bool(false));
        }
    }
}

/// Two values of a multi-valued attribute are the same when their `value`s are (or, without
/// one, when they are equal).
fn same_value(left: &Value, right: &Value) -> bool {
    match (filter::member(left, "value"), filter::member(right, "value")) {
        (Some(left), Some(right)) => left == right,
        _ => left == right,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn patch(resource: &mut Value, operations: Value) -> Result<(), ScimError> {
        let body = json!({"schemas": [PATCH_SCHEMA], "Operations": operations});
        let Value::Object(body) = body else { unreachable!() };
        apply(resource, &operations_of(&body)?, &["id", "meta", "groups"])
    }

    fn operations_of(body: &Map<String, Value>) -> Result<Vec<Operation>, ScimError> {
        operations(body)
    }

    #[test]
    fn a_filtered_path_replaces_the_sub_attribute_of_the_matching_value() {
        let mut user = json!({"emails": [{"type": "work", "value": "a@x.io", "primary": true}, {"type": "home", "value": "h@x.io"}]});
        patch(&mut user, json!([{"op": "replace", "path": "emails[type eq \"work\"].value", "value": "new@x.io"}]))
            .unwrap();
        assert_eq!(user["emails"][0]["value"], "new@x.io");
        assert_eq!(user["emails"][1]["value"], "h@x.io");
        let mut bare = json!({"userName": "x"});
        patch(&mut bare, json!([{"op": "add", "path": "emails[type eq \"work\"].value", "value": "w@x.io"}])).unwrap();
        assert_eq!(bare["emails"], json!([{"type": "work", "value": "w@x.io"}]));
        let missing = patch(&mut bare, json!([{"op": "remove", "path": "emails[type eq \"home\"]"}])).unwrap_err();
        assert_eq!(missing.scim_type(), Some("noTarget"));
    }

    #[test]
    fn add_appends_remove_deletes_and_replace_merges() {
        let mut group = json!({"displayName": "g", "members": [{"value": "1"}]});
        patch(&mut group, json!([{"op": "add", "path": "members", "value": [{"value": "2"}, {"value": "1"}]}]))
            .unwrap();
        assert_eq!(group["members"], json!([{"value": "2"}, {"value": "1"}]));
        patch(&mut group, json!([{"op": "remove", "path": "members[value eq \"2\"]"}])).unwrap();
        assert_eq!(group["members"], json!([{"value": "1"}]));
        patch(&mut group, json!([{"op": "remove", "path": "members"}])).unwrap();
        assert!(group.get("members").is_none());
        let mut user = json!({"name": {"givenName": "A", "familyName": "B"}});
        patch(&mut user, json!([{"op": "replace", "value": {"name.givenName": "C", "active": false}}])).unwrap();
        assert_eq!(user, json!({"name": {"givenName": "C", "familyName": "B"}, "active": false}));
        let refused = patch(&mut user, json!([{"op": "replace", "path": "id", "value": "9"}])).unwrap_err();
        assert_eq!(refused.scim_type(), Some("mutability"));
    }

    #[test]
    fn extension_attributes_are_reached_by_urn() {
        let mut user = json!({});
        let path = format!("{ENTERPRISE_SCHEMA}:department");
        patch(&mut user, json!([{"op": "add", "path": path, "value": "R&D"}])).unwrap();
        assert_eq!(user[ENTERPRISE_SCHEMA]["department"], "R&D");
        patch(&mut user, json!([{"op": "remove", "path": path}])).unwrap();
        assert!(user.get(ENTERPRISE_SCHEMA).is_none_or(|extension| extension.as_object().is_some_and(Map::is_empty)));
    }
}
