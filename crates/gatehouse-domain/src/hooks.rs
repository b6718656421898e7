//! [`UserHooks`]: code an embedding application runs around the user use cases — before a user
//! is created, updated or deleted (a hook may reject the change with a validation error, and
//! then nothing is written and no event is emitted), and after the change is committed.
//!
//! Hooks run on every use case that creates a user (registration and `user.create`, on every
//! surface), that changes one through the user-management rules (`user.update` and the use
//! cases built on it, such as blocking a user), and that deletes one.
//!
//! ```
//! use gatehouse_domain::hooks::{UserHooks, UserOp};
//! use gatehouse_domain::FieldError;
//!
//! let mut hooks = UserHooks::default();
//! hooks.before(UserOp::Create, |draft| match draft.email {
//!     Some(email) if email.ends_with("@example.org") => {
//!         Err(FieldError::new("email", "example.org addresses cannot sign up"))
//!     }
//!     _ => Ok(()),
//! });
//! assert!(!hooks.is_empty());
//! ```

use crate::error::{DomainError, FieldError, FieldErrors};
use crate::ids::UserId;
use crate::model::User;
use std::sync::Arc;

/// Which user use case a hook runs around.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UserOp {
    /// A user is created (registration, `user.create`).
    Create,
    /// A user is changed (`user.update`, blocking).
    Update,
    /// A user is deleted.
    Delete,
}

/// What a before-hook sees of the change: the user's id (update, delete), and the email and
/// username the change sets (create: always the email; update: only the fields it changes).
#[derive(Clone, Copy, Debug)]
pub struct UserDraft<'a> {
    /// The use case.
    pub op: UserOp,
    /// The user's id, when it exists already.
    pub id: Option<UserId>,
    /// The email being set.
    pub email: Option<&'a str>,
    /// The username being set.
    pub username: Option<&'a str>,
}

/// A before-hook: `Err` rejects the change with a validation error on that field.
pub type BeforeUserHook = dyn Fn(&UserDraft<'_>) -> Result<(), FieldError> + Send + Sync;
/// An after-hook: runs once the change is committed, with the user as it now is (as it was,
/// for a deletion).
pub type AfterUserHook = dyn Fn(UserOp, &User) + Send + Sync;

/// The hooks registered on the user use cases, in registration order.
#[derive(Clone, Default)]
pub struct UserHooks {
    before: Vec<(UserOp, Arc<BeforeUserHook>)>,
    after: Vec<(UserOp, Arc<AfterUserHook>)>,
}

impl std::fmt::Debug for UserHooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserHooks").field("before", &self.before.len()).field("after", &self.after.len()).finish()
    }
}

impl UserHooks {
    /// Runs `hook` before every `op`; its error rejects the change (400, nothing written).
    pub fn before(
        &mut self,
        op: UserOp,
        hook: impl Fn(&UserDraft<'_>) -> Result<(), FieldError> + Send + Sync + 'static,
    ) {
        self.before.push((op, Arc::new(hook)));
    }

    /// Runs `hook` after every committed `op`.
    pub fn after(&mut self, op: UserOp, hook: impl Fn(UserOp, &User) + Send + Sync + 'static) {
        self.after.push((op, Arc::new(hook)));
    }

    /// Whether no hook is registered.
    pub fn is_empty(&self) -> bool {
        self.before.is_empty() && self.after.is_empty()
    }

    /// Runs the before-hooks of `draft.op`; every rejection is one field error of the
    /// validation error returned.
    pub(crate) fn run_before(&self, draft: &UserDraft<'_>) -> Result<(), DomainError> {
        let mut errors = FieldErrors::default();
        for (_, hook) in self.before.iter().filter(|(op, _)| *op == draft.op) {
            if let Err(error) = hook(draft) {
                errors.push(error);
            }
        }
        errors.into_result()
    }

    /// Runs the after-hooks of `op` (the change is committed).
    pub(crate) fn run_after(&self, op: UserOp, user: &User) {
        for (_, hook) in self.after.iter().filter(|(registered, _)| *registered == op) {
            hook(op, user);
        }
    }
}
