//! Id newtypes. Each realm and entity has its own type so an end-user id can never be passed
//! where an admin or role id is expected.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! integer_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

integer_id!(
    /// An end user (content-API realm).
    UserId
);
integer_id!(
    /// An end-user role (`public`, `authenticated`, custom roles).
    RoleId
);

integer_id!(
    /// A free-standing group of end users (SCIM Groups with `scim.groups = "groups"`).
    GroupId
);

integer_id!(
    /// An API token (acts with its own permissions, not a user's).
    ApiTokenId
);

integer_id!(
    /// An admin user (admin realm).
    AdminId
);
integer_id!(
    /// An admin role.
    AdminRoleId
);
integer_id!(
    /// An admin invite.
    InviteId
);

/// A login session of an end user: an opaque random string carried in the JWT's `sid` claim.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SessionId(pub String);

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

integer_id!(
    /// A request for admin access (made through the public form).
    AccessRequestId
);
