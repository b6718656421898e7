//! End-user roles.

use super::*;

/// An end-user role.
#[derive(Clone, Debug, PartialEq)]
pub struct Role {
    /// Integer id.
    pub id: RoleId,
    /// Stable public id.
    pub document_id: String,
    /// Display name, e.g. "Authenticated".
    pub name: String,
    /// Free text.
    pub description: String,
    /// Unique machine name, e.g. `authenticated`, `public`, `editors`.
    pub role_type: String,
    /// When the role was created.
    pub created_at: Timestamp,
    /// When the role last changed.
    pub updated_at: Timestamp,
    /// The publication time; the creation time here.
    pub published_at: Timestamp,
    /// The id an identity provider gave the role (as a group), as given.
    pub external_id: Option<String>,
}

impl Role {
    /// The type of the role unauthenticated callers act with.
    pub const PUBLIC: &'static str = "public";
    /// The type of the default role of new users.
    pub const AUTHENTICATED: &'static str = "authenticated";
}

/// A role to insert.
#[derive(Clone, Debug)]
pub struct NewRole {
    /// Stable public id.
    pub document_id: String,
    /// Display name.
    pub name: String,
    /// Free text.
    pub description: String,
    /// Unique machine name.
    pub role_type: String,
    /// The id an identity provider gave the role.
    pub external_id: Option<String>,
    /// Creation time.
    pub now: Timestamp,
}

/// A role with how many users hold it.
#[derive(Clone, Debug, PartialEq)]
pub struct RoleWithCount {
    /// The role.
    pub role: Role,
    /// Users holding it.
    pub users: u64,
}
