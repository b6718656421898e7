//! [`DomainError`]: what went wrong, in terms of the rules. Each surface maps it to its own
//! wire format (Strapi envelope, `{error:{code,type}}`, SCIM); driver and framework errors
//! never appear here, and internal causes are for the log only.

use crate::ports::{ConflictKey, StoreError};
use serde_json::Value;
use std::fmt;

/// One invalid input field.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldError {
    /// Where the field is, e.g. `["email"]`.
    pub path: Vec<String>,
    /// A human sentence, e.g. "email must be a valid email".
    pub message: String,
    /// The offending value, echoed back as Strapi does (never for secrets).
    pub value: Option<Value>,
}

impl FieldError {
    /// An error on a top-level field.
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        Self { path: vec![field.to_owned()], message: message.into(), value: None }
    }

    /// The same error, echoing the value the caller sent.
    pub fn with_value(mut self, value: Value) -> Self {
        self.value = Some(value);
        self
    }
}

/// Every invalid field of one request, in the order they were checked.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    /// Adds one error.
    pub fn push(&mut self, error: FieldError) {
        self.0.push(error);
    }

    /// `Ok(())` when nothing was recorded, else the validation error.
    pub fn into_result(self) -> Result<(), DomainError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(DomainError::Validation(self))
        }
    }

    /// The summary sentence: the only error's message, or "N errors occurred" (as Strapi's yup).
    pub fn summary(&self) -> String {
        match self.0.as_slice() {
            [only] => only.message.clone(),
            errors => format!("{} errors occurred", errors.len()),
        }
    }
}

/// A business rule that refused the request. Surfaces choose the wording and error name; the
/// `Display` text is Gatehouse's code for the rule, for logs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// Unknown identifier or wrong password; the two are indistinguishable on purpose.
    InvalidCredentials,
    /// The account is blocked; said only after the password checked out.
    AccountBlocked,
    /// Email confirmation is required and still pending; said only after the password checked out.
    EmailNotConfirmed,
    /// Self-registration is switched off by configuration.
    RegistrationDisabled,
    /// The `public` and `authenticated` roles cannot be deleted.
    BuiltInRole,
    /// A wrong, used, superseded or expired password-reset code (indistinguishable).
    IncorrectResetCode,
    /// Unknown email, wrong password, inactive, blocked or deleted admin (indistinguishable).
    AdminInvalidCredentials,
    /// An admin login without email or password.
    AdminMissingCredentials,
    /// The first admin exists already.
    AdminExists,
    /// The last active super admin cannot be deleted, blocked, deactivated or demoted.
    LastSuperAdmin,
    /// An admin cannot change its own roles.
    OwnRoles,
    /// An unknown, used, revoked, resent-away or expired registration token.
    InvalidRegistration,
    /// The built-in admin roles cannot be deleted, nor Super Admin's permissions changed.
    BuiltInAdminRole,
    /// A password change whose current password is wrong.
    WrongCurrentPassword,
    /// A password change to the password already in use.
    PasswordUnchanged,
    /// An unknown, used or expired access-request confirmation token (indistinguishable).
    InvalidAccessRequestConfirmation,
    /// An access request that is no longer pending (decided or expired) cannot be decided.
    AccessRequestNotPending,
}

impl Rule {
    /// Gatehouse's stable code for the rule (`invalid_credentials`, …).
    pub const fn code(self) -> &'static str {
        match self {
            Rule::InvalidCredentials => "invalid_credentials",
            Rule::AccountBlocked => "account_blocked",
            Rule::EmailNotConfirmed => "email_not_confirmed",
            Rule::RegistrationDisabled => "registration_disabled",
            Rule::BuiltInRole => "built_in_role",
            Rule::IncorrectResetCode => "incorrect_reset_code",
            Rule::AdminInvalidCredentials => "admin_invalid_credentials",
            Rule::AdminMissingCredentials => "admin_missing_credentials",
            Rule::AdminExists => "admin_exists",
            Rule::LastSuperAdmin => "last_super_admin",
            Rule::OwnRoles => "own_roles",
            Rule::InvalidRegistration => "invalid_registration",
            Rule::BuiltInAdminRole => "built_in_admin_role",
            Rule::WrongCurrentPassword => "wrong_current_password",
            Rule::PasswordUnchanged => "password_unchanged",
            Rule::InvalidAccessRequestConfirmation => "invalid_access_request_confirmation",
            Rule::AccessRequestNotPending => "access_request_not_pending",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// The part of a list query a key was found in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueryPart {
    /// Which records match.
    Filter,
    /// In which order.
    Sort,
    /// Which fields are shown.
    Fields,
    /// Which relations are loaded.
    Relations,
    /// Which window of the results.
    Window,
}

/// What a use case can fail with. Each variant's doc names the answer surfaces give.
#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    /// 400: the input is malformed; `details.errors` lists each field.
    #[error("{}", .0.summary())]
    Validation(FieldErrors),
    /// 400: the body holds keys the caller may not set; nothing was written.
    #[error("keys that may not be set: {}", .0.join(", "))]
    InvalidParameters(Vec<String>),
    /// 400: a query names a field or operator that does not exist or may not be used
    /// (private fields are refused exactly like unknown ones).
    #[error("unknown or private query key {key}")]
    InvalidKey {
        /// The offending key.
        key: String,
        /// Where it was found (`username` for an operator under a field), if nested.
        path: Option<String>,
        /// Which part of the query.
        part: QueryPart,
    },
    /// 400: a query value is malformed for its field (a non-number id, an unknown boolean).
    #[error("malformed query value at {path}")]
    InvalidValue {
        /// Where the value was found.
        path: String,
    },
    /// 400 (or 403 where the surface says so): a business rule refused the request.
    #[error("{0}")]
    Rule(Rule),
    /// 400 on Strapi surfaces, 409 on `/api/v1`: a unique value is already in use.
    #[error("{0:?} already taken")]
    Conflict(ConflictKey),
    /// 404: the thing does not exist (or the caller may not know it does).
    #[error("{0}")]
    NotFound(&'static str),
    /// 401: credentials were presented but are not valid (bad, expired, revoked, wrong realm).
    #[error("missing or invalid credentials")]
    Unauthorized,
    /// 403: the caller is known but lacks the permission.
    #[error("forbidden")]
    Forbidden,
    /// 403: a policy attached to the route by configuration refused the caller; the message
    /// says why (`You can only modify your own account`).
    #[error("refused by a route policy: {0}")]
    PolicyRefused(std::borrow::Cow<'static, str>),
    /// 429 with `Retry-After`.
    #[error("rate limited for {retry_after_secs} s")]
    RateLimited {
        /// Seconds until a retry can succeed.
        retry_after_secs: u64,
    },
    /// 503 with `Retry-After`: a bounded resource (hash pool, busy database) is saturated.
    #[error("unavailable; retry after {retry_after_secs} s")]
    Unavailable {
        /// Seconds after which a retry is sensible.
        retry_after_secs: u64,
    },
    /// 500: a bug or an outage; the cause goes to the log, never to a body.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<StoreError> for DomainError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Conflict(key) => DomainError::Conflict(key),
            StoreError::NotFound => DomainError::NotFound("Not Found"),
            StoreError::Busy => DomainError::Unavailable { retry_after_secs: 1 },
            StoreError::InvalidData(_) => DomainError::Validation(FieldErrors(vec![FieldError::new(
                "body",
                "contains a character that cannot be stored",
            )])),
            StoreError::Other(cause) => DomainError::Internal(cause),
        }
    }
}
