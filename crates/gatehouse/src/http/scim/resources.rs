//! Users and roles as SCIM resources, and back.
//!
//! A user: `userName` ↔ username, the primary (else first) of `emails` ↔ email, `displayName`
//! ↔ name, `active` ↔ not blocked, `externalId` ↔ the provisioning id; the other published
//! attributes (`name`, `title`, every email with its type, the enterprise extension…) are kept
//! as given in the user's provisioned profile, so they read back unchanged. `groups` is the
//! user's role unless it is a built-in one. A group is a role other than the built-in
//! `public` and `authenticated`: `displayName` ↔ name, `members` ↔ the users holding it.

use crate::http::scim::filter::{member, AttrPath};
use crate::http::scim::{ScimError, ENTERPRISE_SCHEMA, GROUP_SCHEMA, USER_SCHEMA};
use gatehouse_domain::model::{Role, User, UserWithRole};
use gatehouse_domain::values::fold;
use serde_json::{json, Map, Value};

/// Core attributes kept in the profile, by their canonical names.
const PROFILE_ATTRIBUTES: [&str; 8] =
    ["name", "nickName", "title", "userType", "preferredLanguage", "locale", "timezone", "emails"];

/// Enterprise extension attributes kept in the profile.
const ENTERPRISE_ATTRIBUTES: [&str; 6] =
    ["employeeNumber", "costCenter", "organization", "division", "department", "manager"];

/// The domain where a user provisioned without an email gets a placeholder address (an
/// email is required of every Gatehouse user); such addresses are never shown over SCIM.
pub const PLACEHOLDER_DOMAIN: &str = "provisioned.invalid";

/// Whether a role is a group (the built-in roles are not).
pub fn is_group(role: &Role) -> bool {
    role.role_type != Role::PUBLIC && role.role_type != Role::AUTHENTICATED
}

/// A user's `meta.version`: a weak entity tag from its last change.
pub fn user_version(user: &User) -> String {
    format!("W/\"{}\"", user.updated_at.as_millis())
}

/// A group's `meta.version`: its last change and who its members are (membership is written
/// on the users).
pub fn group_version(role: &Role, members: &[User]) -> String {
    // FNV-1a over the member ids and their last changes.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for user in members {
        for byte in user.id.0.to_le_bytes().into_iter().chain(user.updated_at.as_millis().to_le_bytes()) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("W/\"{}-{hash:x}\"", role.updated_at.as_millis())
}

/// The SCIM User for `found`; `base` is the surface's absolute URL.
pub fn user_resource(found: &UserWithRole, base: &str) -> Value {
    let user = &found.user;
    let profile = user.profile.as_ref().and_then(Value::as_object);
    let mut resource = Map::new();
    let mut schemas = vec![json!(USER_SCHEMA)];
    resource.insert("id".into(), json!(user.id.0.to_string()));
    if let Some(external_id) = &user.external_id {
        resource.insert("externalId".into(), json!(external_id));
    }
    resource.insert("userName".into(), json!(user.username));
    if let Some(name) = &user.name {
        resource.insert("displayName".into(), json!(name));
    }
    resource.insert("active".into(), json!(!user.blocked));
    if let Some(profile) = profile {
        insert_profile(&mut resource, &mut schemas, profile);
    }
    let emails = emails_shown(&user.email, profile);
    if !emails.is_empty() {
        resource.insert("emails".into(), Value::Array(emails));
    }
    if let Some(role) = found.role.as_ref().filter(|role| is_group(role)) {
        resource.insert(
            "groups".into(),
            json!([{"value": role.id.0.to_string(), "$ref": format!("{base}/Groups/{}", role.id.0), "display": role.name}]),
        );
    }
    resource.insert("schemas".into(), Value::Array(schemas));
    resource.insert(
        "meta".into(),
        json!({
            "resourceType": "User",
            "created": user.created_at.to_rfc3339(),
            "lastModified": user.updated_at.to_rfc3339(),
            "location": format!("{base}/Users/{}", user.id.0),
            "version": user_version(user),
        }),
    );
    Value::Object(resource)
}

/// Puts the attributes kept in a provisioned `profile` (but its `emails`) into `resource`, and
/// the enterprise extension, which `schemas` then names.
pub fn insert_profile(resource: &mut Map<String, Value>, schemas: &mut Vec<Value>, profile: &Map<String, Value>) {
    for name in PROFILE_ATTRIBUTES.iter().filter(|name| **name != "emails") {
        if let Some(value) = profile.get(*name) {
            resource.insert((*name).to_owned(), value.clone());
        }
    }
    if let Some(Value::Object(extension)) = profile.get(ENTERPRISE_SCHEMA) {
        if !extension.is_empty() {
            resource.insert(ENTERPRISE_SCHEMA.to_owned(), Value::Object(extension.clone()));
            schemas.push(json!(ENTERPRISE_SCHEMA));
        }
    }
}

/// The `emails` shown for an account whose email is `email`: the provisioned list (its
/// primary, else first, value kept in step with the email, which another surface may have
/// changed), else the email alone (none for a placeholder).
pub fn emails_shown(email_now: &str, profile: Option<&Map<String, Value>>) -> Vec<Value> {
    match profile.and_then(|profile| profile.get("emails")) {
        Some(Value::Array(emails)) => {
            let mut emails = emails.clone();
            let main = emails
                .iter()
                .position(|email| member(email, "primary") == Some(&Value::Bool(true)))
                .or(if emails.is_empty() { None } else { Some(0) });
            if let Some(email) = main.and_then(|at| emails.get_mut(at)).and_then(Value::as_object_mut) {
                let current = email.get("value").and_then(Value::as_str).map(fold);
                if current.as_deref() != Some(fold(email_now).as_str()) {
                    email.insert("value".into(), json!(email_now));
                }
            }
            emails
        }
        _ if email_now.ends_with(PLACEHOLDER_DOMAIN) => Vec::new(),
        _ => vec![json!({"value": email_now, "primary": true})],
    }
}

/// What a User body (POST, PUT, or the result of a PATCH) writes.
#[derive(Debug, Default)]
pub struct UserWrite {
    /// `userName`.
    pub username: String,
    /// The primary (else first) email's value.
    pub email: Option<String>,
    /// `displayName`.
    pub name: Option<String>,
    /// `active` (true when absent).
    pub active: bool,
    /// `externalId`.
    pub external_id: Option<String>,
    /// The attributes kept as given.
    pub profile: Value,
    /// `password`, when given.
    pub password: Option<String>,
}

fn text(resource: &Value, name: &str) -> Result<Option<String>, ScimError> {
    match member(resource, name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(_) => Err(ScimError::invalid_value(format!("{name} must be a string"))),
    }
}

/// Reads a User body. `userName` is required; unknown attributes are ignored.
pub fn user_write(resource: &Value) -> Result<UserWrite, ScimError> {
    if !resource.is_object() {
        return Err(ScimError::invalid_syntax("the body must be a JSON object"));
    }
    let username = text(resource, "userName")?
        .filter(|name| !name.trim().is_empty())
        .ok_or_else(|| ScimError::invalid_value("userName is required"))?;
    let active = match member(resource, "active") {
        None | Some(Value::Null) => true,
        Some(Value::Bool(active)) => *active,
        // Some providers send the boolean as a string.
        Some(Value::String(word)) if word.eq_ignore_ascii_case("true") => true,
        Some(Value::String(word)) if word.eq_ignore_ascii_case("false") => false,
        Some(_) => return Err(ScimError::invalid_value("active must be a boolean")),
    };
    let mut profile = Map::new();
    for name in PROFILE_ATTRIBUTES {
        match member(resource, name) {
            None | Some(Value::Null) => {}
            Some(value) => {
                let expected_ok = match name {
                    "name" => value
                        .as_object()
                        .is_some_and(|parts| parts.values().all(|part| part.is_string() || part.is_null())),
                    "emails" => value.as_array().is_some_and(|emails| emails.iter().all(valid_email_entry)),
                    _ => value.is_string(),
                };
                if !expected_ok {
                    return Err(ScimError::invalid_value(format!("{name} has the wrong type")));
                }
                profile.insert(name.to_owned(), value.clone());
            }
        }
    }
    let emails = profile.get("emails").and_then(Value::as_array).cloned().unwrap_or_default();
    let email = emails
        .iter()
        .find(|email| member(email, "primary") == Some(&Value::Bool(true)))
        .or_else(|| emails.first())
        .and_then(|email| member(email, "value"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    // An absent list is kept as an empty one: the user's email is then not shown.
    profile.entry("emails").or_insert_with(|| Value::Array(Vec::new()));
    if let Some(extension) = member(resource, ENTERPRISE_SCHEMA) {
        let Value::Object(extension) = extension else {
            return Err(ScimError::invalid_value("the enterprise extension must be an object"));
        };
        let mut kept = Map::new();
        for name in ENTERPRISE_ATTRIBUTES {
            if let Some(value) =
                extension.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| value)
            {
                let expected_ok = if name == "manager" {
                    value.is_object() || value.is_null()
                } else {
                    value.is_string() || value.is_null()
                };
                if !expected_ok {
                    return Err(ScimError::invalid_value(format!("{name} has the wrong type")));
                }
                if !value.is_null() {
                    kept.insert(name.to_owned(), value.clone());
                }
            }
        }
        if !kept.is_empty() {
            profile.insert(ENTERPRISE_SCHEMA.to_owned(), Value::Object(kept));
        }
    }
    Ok(UserWrite {
        username,
        email,
        name: text(resource, "displayName")?,
        active,
        external_id: text(resource, "externalId")?,
        profile: Value::Object(profile),
        password: text(resource, "password")?,
    })
}

fn valid_email_entry(email: &Value) -> bool {
    email.as_object().is_some_and(|entry| {
        entry.iter().all(|(key, value)| match key.to_ascii_lowercase().as_str() {
            "primary" => value.is_boolean(),
            _ => value.is_string() || value.is_null(),
        })
    })
}

/// The SCIM Group for a role and the users holding it.
pub fn group_resource(role: &Role, members: &[User], base: &str) -> Value {
    let mut resource = Map::new();
    resource.insert("schemas".into(), json!([GROUP_SCHEMA]));
    resource.insert("id".into(), json!(role.id.0.to_string()));
    if let Some(external_id) = &role.external_id {
        resource.insert("externalId".into(), json!(external_id));
    }
    resource.insert("displayName".into(), json!(role.name));
    if !members.is_empty() {
        let members: Vec<Value> = members
            .iter()
            .map(|user| json!({"value": user.id.0.to_string(), "$ref": format!("{base}/Users/{}", user.id.0)}))
            .collect();
        resource.insert("members".into(), Value::Array(members));
    }
    resource.insert(
        "meta".into(),
        json!({
            "resourceType": "Group",
            "created": role.created_at.to_rfc3339(),
            "lastModified": role.updated_at.to_rfc3339(),
            "location": format!("{base}/Groups/{}", role.id.0),
            "version": group_version(role, members),
        }),
    );
    Value::Object(resource)
}

/// What a Group body writes.
#[derive(Debug, Default)]
pub struct GroupWrite {
    /// `displayName`.
    pub name: String,
    /// `externalId`.
    pub external_id: Option<String>,
    /// The ids `members` names (values that name no user are ignored).
    pub members: Vec<i64>,
}

/// Reads a Group body. `displayName` is required.
pub fn group_write(resource: &Value) -> Result<GroupWrite, ScimError> {
    if !resource.is_object() {
        return Err(ScimError::invalid_syntax("the body must be a JSON object"));
    }
    let name = text(resource, "displayName")?
        .filter(|name| !name.trim().is_empty())
        .ok_or_else(|| ScimError::invalid_value("displayName is required"))?;
    let members = match member(resource, "members") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(members)) => members
            .iter()
            .map(|entry| match member(entry, "value") {
                Some(Value::String(id)) => Ok(id.parse::<i64>().ok()),
                _ => Err(ScimError::invalid_value("each member needs a value")),
            })
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .flatten()
            .collect(),
        Some(_) => return Err(ScimError::invalid_value("members must be a list")),
    };
    Ok(GroupWrite { name, external_id: text(resource, "externalId")?, members })
}

/// `attributes` / `excludedAttributes` (RFC 7644 §3.4.2.5) applied to a resource: `id` and
/// `schemas` are always returned.
pub fn project(resource: Value, attributes: &[AttrPath], excluded: &[AttrPath]) -> Value {
    let Value::Object(source) = resource else { return resource };
    if !attributes.is_empty() {
        let mut kept = Map::new();
        for always in ["schemas", "id"] {
            if let Some(value) = source.get(always) {
                kept.insert(always.to_owned(), value.clone());
            }
        }
        for path in attributes {
            copy_path(&source, &mut kept, path);
        }
        return Value::Object(kept);
    }
    let mut kept = source;
    for path in excluded {
        if matches!(path.attr.to_ascii_lowercase().as_str(), "id" | "schemas") && !path.is_enterprise() {
            continue;
        }
        remove_path(&mut kept, path);
    }
    Value::Object(kept)
}

fn key_in(object: &Map<String, Value>, name: &str) -> Option<String> {
    object.keys().find(|key| key.eq_ignore_ascii_case(name)).cloned()
}

fn copy_path(source: &Map<String, Value>, target: &mut Map<String, Value>, path: &AttrPath) {
    if path.is_enterprise() {
        let Some(Value::Object(extension)) = source.get(ENTERPRISE_SCHEMA) else { return };
        let mut inner = match target.remove(ENTERPRISE_SCHEMA) {
            Some(Value::Object(inner)) => inner,
            _ => Map::new(),
        };
        if path.attr.is_empty() {
            inner = extension.clone();
        } else {
            copy_path(extension, &mut inner, &AttrPath { uri: None, ..path.clone() });
        }
        if !inner.is_empty() {
            target.insert(ENTERPRISE_SCHEMA.to_owned(), Value::Object(inner));
        }
        return;
    }
    let Some(key) = key_in(source, &path.attr) else { return };
    let Some(value) = source.get(&key) else { return };
    match (&path.sub, value) {
        (None, value) => {
            target.insert(key, value.clone());
        }
        (Some(sub), Value::Object(inner)) => {
            if let Some(sub_key) = key_in(inner, sub) {
                let entry = target.entry(key).or_insert_with(|| Value::Object(Map::new()));
                if let (Some(entry), Some(value)) = (entry.as_object_mut(), inner.get(&sub_key)) {
                    entry.insert(sub_key, value.clone());
                }
            }
        }
        (Some(sub), Value::Array(items)) => {
            let picked: Vec<Value> = items
                .iter()
                .filter_map(|item| {
                    let item = item.as_object()?;
                    let sub_key = key_in(item, sub)?;
                    let mut one = Map::new();
                    one.insert(sub_key.clone(), item.get(&sub_key)?.clone());
                    Some(Value::Object(one))
                })
                .collect();
            if !picked.is_empty() {
                target.insert(key, Value::Array(picked));
            }
        }
        _ => {}
    }
}

fn remove_path(object: &mut Map<String, Value>, path: &AttrPath) {
    if path.is_enterprise() {
        if path.attr.is_empty() {
            object.remove(ENTERPRISE_SCHEMA);
            return;
        }
        if let Some(Value::Object(extension)) = object.get_mut(ENTERPRISE_SCHEMA) {
            remove_path(extension, &AttrPath { uri: None, ..path.clone() });
        }
        return;
    }
    let Some(key) = key_in(object, &path.attr) else { return };
    match &path.sub {
        None => {
            object.remove(&key);
        }
        Some(sub) => match object.get_mut(&key) {
            Some(Value::Object(inner)) => {
                if let Some(sub_key) = key_in(inner, sub) {
                    inner.remove(&sub_key);
                }
            }
            Some(Value::Array(items)) => {
                for item in items.iter_mut().filter_map(Value::as_object_mut) {
                    if let Some(sub_key) = key_in(item, sub) {
                        item.remove(&sub_key);
                    }
                }
            }
            _ => {}
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_body_splits_into_columns_and_a_profile() {
        let body = json!({
            "schemas": [USER_SCHEMA, ENTERPRISE_SCHEMA],
            "userName": "bjensen", "displayName": "Babs", "active": false, "externalId": "x1",
            "name": {"givenName": "Barbara", "familyName": "Jensen"},
            "emails": [{"value": "home@x.io", "type": "home"}, {"value": "Work@x.io", "type": "work", "primary": true}],
            ENTERPRISE_SCHEMA: {"department": "R&D", "unknown": "dropped"},
            "unknownAttribute": 1
        });
        let write = user_write(&body).unwrap();
        assert_eq!(write.username, "bjensen");
        assert_eq!(write.email.as_deref(), Some("Work@x.io"));
        assert!(!write.active);
        assert_eq!(write.profile[ENTERPRISE_SCHEMA], json!({"department": "R&D"}));
        assert!(write.profile.get("unknownAttribute").is_none());
        assert!(user_write(&json!({"displayName": "no userName"})).is_err());
        assert!(user_write(&json!({"userName": "x", "emails": "not a list"})).is_err());
    }

    #[test]
    fn attributes_keep_id_and_schemas() {
        let resource = json!({"schemas": [USER_SCHEMA], "id": "1", "userName": "a", "name": {"givenName": "A", "familyName": "B"}, "emails": [{"value": "a@x.io", "type": "work"}]});
        let only = project(resource.clone(), &[AttrPath::parse("name.givenName").unwrap()], &[]);
        assert_eq!(only, json!({"schemas": [USER_SCHEMA], "id": "1", "name": {"givenName": "A"}}));
        let without = project(resource, &[], &[AttrPath::parse("emails").unwrap(), AttrPath::parse("id").unwrap()]);
        assert!(without.get("emails").is_none() && without.get("id").is_some());
    }
}
