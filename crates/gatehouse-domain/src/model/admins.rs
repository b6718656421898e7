//! The admin realm: admins, their roles, sessions and invites, and the admin list query.

use super::*;

/// An admin role (`strapi-super-admin`, `strapi-editor`, `strapi-author`, or custom).
#[derive(Clone, Debug, PartialEq)]
pub struct AdminRole {
    /// Integer id.
    pub id: crate::ids::AdminRoleId,
    /// Stable public id.
    pub document_id: String,
    /// Display name.
    pub name: String,
    /// Unique code.
    pub code: String,
    /// Free text.
    pub description: String,
    /// Creation time.
    pub created_at: Timestamp,
    /// Last change.
    pub updated_at: Timestamp,
    /// The provisioning id an identity provider gave it (a role pushed as a SCIM Group).
    pub external_id: Option<String>,
}

impl AdminRole {
    /// The code of the role that holds every admin action.
    pub const SUPER_ADMIN: &'static str = "strapi-super-admin";
    /// The code of the built-in Editor role.
    pub const EDITOR: &'static str = "strapi-editor";
    /// The code of the built-in Author role.
    pub const AUTHOR: &'static str = "strapi-author";
}

/// An admin user. Holds no secret.
#[derive(Clone, Debug, PartialEq)]
pub struct Admin {
    /// Integer id.
    pub id: crate::ids::AdminId,
    /// Stable public id.
    pub document_id: String,
    /// First name.
    pub firstname: String,
    /// Last name.
    pub lastname: Option<String>,
    /// Optional username.
    pub username: Option<String>,
    /// Lower-cased email.
    pub email: String,
    /// False until an invite is accepted, or when deactivated.
    pub is_active: bool,
    /// Blocked admins cannot log in.
    pub blocked: bool,
    /// Strapi's `preferedLanguage` (sic).
    pub prefered_language: Option<String>,
    /// Creation time.
    pub created_at: Timestamp,
    /// Last change.
    pub updated_at: Timestamp,
    /// The publication time; the creation time here.
    pub published_at: Timestamp,
    /// Set while soft-deleted.
    pub deleted_at: Option<Timestamp>,
    /// Its roles.
    pub roles: Vec<AdminRole>,
}

impl Admin {
    /// Whether it holds the Super Admin role.
    pub fn is_super_admin(&self) -> bool {
        self.roles.iter().any(|role| role.code == AdminRole::SUPER_ADMIN)
    }
}

/// An admin to insert.
#[derive(Clone, Debug)]
pub struct NewAdmin {
    /// Stable public id.
    pub document_id: String,
    /// First name.
    pub firstname: String,
    /// Last name.
    pub lastname: Option<String>,
    /// Lower-cased email.
    pub email: String,
    /// Folded email.
    pub email_folded: String,
    /// argon2id PHC string; `None` for a pending invite.
    pub password_hash: Option<Secret>,
    /// Active (false for a pending invite).
    pub is_active: bool,
    /// Creation time.
    pub now: Timestamp,
}

/// Columns an admin update writes; `None` leaves a column alone.
#[derive(Clone, Debug, Default)]
pub struct AdminChanges {
    /// New first name.
    pub firstname: Option<String>,
    /// New last name.
    pub lastname: Option<String>,
    /// New email and its folded copy.
    pub email: Option<(String, String)>,
    /// New password hash.
    pub password_hash: Option<Secret>,
    /// New active state.
    pub is_active: Option<bool>,
    /// New blocked state.
    pub blocked: Option<bool>,
}

/// What an identity provider keeps about an admin beside the admin's own columns (SCIM with
/// `scim.realm = "admins"`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AdminProvisioning {
    /// The provider's id for it, as given.
    pub external_id: Option<String>,
    /// The attributes the admin realm has no column for (a JSON object), as given.
    pub profile: Option<serde_json::Value>,
}

/// A stored admin session.
#[derive(Clone, Debug, PartialEq)]
pub struct AdminSessionRecord {
    /// Random id (the JWT's `sessionId`).
    pub id: SessionId,
    /// Whose.
    pub admin_id: crate::ids::AdminId,
    /// End of life (2 h, or 14 days with "remember me").
    pub expires_at: Timestamp,
    /// Set once ended.
    pub revoked_at: Option<Timestamp>,
}

/// An admin invite.
#[derive(Clone, Debug, PartialEq)]
pub struct Invite {
    /// Integer id.
    pub id: crate::ids::InviteId,
    /// The invited (pending) admin.
    pub admin_id: crate::ids::AdminId,
    /// Creation (or last resend) time.
    pub created_at: Timestamp,
    /// After this the token is refused.
    pub expires_at: Timestamp,
    /// Set once accepted.
    pub accepted_at: Option<Timestamp>,
    /// Set once revoked.
    pub revoked_at: Option<Timestamp>,
    /// A JSON object given when inviting, or `None`.
    pub metadata: Option<serde_json::Value>,
}

impl Invite {
    /// `pending`, `accepted`, `expired` or `revoked` at `now`.
    pub fn status(&self, now: Timestamp) -> &'static str {
        if self.accepted_at.is_some() {
            "accepted"
        } else if self.revoked_at.is_some() {
            "revoked"
        } else if now >= self.expires_at {
            "expired"
        } else {
            "pending"
        }
    }
}

/// A field admins can be listed in the order of (Gatehouse's names; surfaces map theirs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AdminSortField {
    /// `id`
    Id,
    /// `firstname`
    Firstname,
    /// `lastname`
    Lastname,
    /// `email`
    Email,
    /// `username`
    Username,
    /// `created_at`
    CreatedAt,
    /// `updated_at`
    UpdatedAt,
}

/// The order of an admin list: one field, then the id to break ties.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AdminSort {
    /// The field.
    pub field: AdminSortField,
    /// Descending when true.
    pub descending: bool,
}

impl Default for AdminSort {
    fn default() -> Self {
        Self { field: AdminSortField::Id, descending: false }
    }
}

/// One condition an admin list can be narrowed by (all of a list's conditions must hold).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AdminCondition {
    /// Active (registered) or pending.
    IsActive(bool),
    /// Blocked or not.
    Blocked(bool),
    /// Holds this role.
    HasRole(crate::ids::AdminRoleId),
}

/// Admin list parameters: which slice, a search text, an order and conditions.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AdminListQuery {
    /// Which rows (bounded, so any page can be rendered).
    pub window: crate::query::Window,
    /// Search in first name, last name and email (case-insensitive).
    pub search: Option<String>,
    /// The order.
    pub sort: AdminSort,
    /// Conditions that must all hold.
    pub conditions: Vec<AdminCondition>,
    /// Include soft-deleted admins.
    pub with_deleted: bool,
}
