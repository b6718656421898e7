//! The data the domain works on, as the domain sees it, and the inputs that create it: one file
//! per aggregate, all re-exported here.

use crate::ids::{GroupId, RoleId, SessionId, UserId};
use crate::secret::Secret;
use crate::time::Timestamp;
use crate::values::UserSettings;

mod access_requests;
mod admins;
mod groups;
mod mail;
mod roles;
mod sessions;
mod tokens;
mod users;

pub use access_requests::*;
pub use admins::*;
pub use groups::*;
pub use mail::*;
pub use roles::*;
pub use sessions::*;
pub use tokens::*;
pub use users::*;
