//! Groups (SCIM's free-standing groups, mapped to roles).

use super::*;

/// A free-standing group of end users (`scim.groups = "groups"`): not a role itself, but
/// mapped to one by configuration (see [`crate::groups`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Group {
    /// Integer id.
    pub id: GroupId,
    /// The name, unique case-insensitively.
    pub display_name: String,
    /// The id an identity provider gave the group, as given.
    pub external_id: Option<String>,
    /// When the group was created.
    pub created_at: Timestamp,
    /// When the group or its members last changed.
    pub updated_at: Timestamp,
}

/// A group to insert.
#[derive(Clone, Debug)]
pub struct NewGroup {
    /// The name, as given.
    pub display_name: String,
    /// Folded copy for the unique index.
    pub display_name_folded: String,
    /// The id an identity provider gave the group.
    pub external_id: Option<String>,
    /// Creation time.
    pub now: Timestamp,
}

/// A change to a group's own fields; `None` leaves a field alone.
#[derive(Clone, Debug, Default)]
pub struct GroupChanges {
    /// New name and its folded copy.
    pub display_name: Option<(String, String)>,
    /// New provisioning id (`Some(None)` clears it).
    pub external_id: Option<Option<String>>,
}
