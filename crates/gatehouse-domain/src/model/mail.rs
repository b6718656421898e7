//! The mail outbox: the kinds of mail, a mail to queue and a queued one.

use super::*;

/// Which mail template a queued mail uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MailKind {
    /// "Confirm your email address".
    EmailConfirmation,
    /// "Reset your password".
    ResetPassword,
    /// "You are invited" (admin realm).
    Invite,
    /// "Confirm your request for admin access" (admin realm).
    AccessRequestConfirmation,
    /// "Your request for admin access was approved".
    AccessRequestApproved,
    /// "Your request for admin access was declined".
    AccessRequestRejected,
}

impl MailKind {
    /// Every kind, each with its template.
    pub const ALL: [MailKind; 6] = [
        MailKind::EmailConfirmation,
        MailKind::ResetPassword,
        MailKind::Invite,
        MailKind::AccessRequestConfirmation,
        MailKind::AccessRequestApproved,
        MailKind::AccessRequestRejected,
    ];

    /// The stored name, also the template's file stem.
    pub const fn as_str(self) -> &'static str {
        match self {
            MailKind::EmailConfirmation => "email_confirmation",
            MailKind::ResetPassword => "reset_password",
            MailKind::Invite => "invite",
            MailKind::AccessRequestConfirmation => "access_request_confirmation",
            MailKind::AccessRequestApproved => "access_request_approved",
            MailKind::AccessRequestRejected => "access_request_rejected",
        }
    }

    /// The kind called `name`.
    pub fn from_name(name: &str) -> Option<MailKind> {
        MailKind::ALL.into_iter().find(|kind| kind.as_str() == name)
    }
}

/// A mail to queue in the outbox, in the same transaction as the token it carries.
#[derive(Clone, Debug)]
pub struct NewMail {
    /// Template.
    pub kind: MailKind,
    /// Recipient address.
    pub recipient: String,
    /// The documented template variables only (`user`, `url`, `expires_at`, …).
    pub variables: serde_json::Value,
    /// Queue time.
    pub now: Timestamp,
}

/// A mail in the outbox.
#[derive(Clone, Debug, PartialEq)]
pub struct QueuedMail {
    /// Outbox id.
    pub id: i64,
    /// Template name.
    pub kind: String,
    /// Recipient address.
    pub recipient: String,
    /// Template variables (`None` once redacted after delivery).
    pub variables: Option<serde_json::Value>,
    /// Queue time.
    pub created_at: Timestamp,
    /// Delivery attempts so far.
    pub attempts: i64,
    /// Delivery time, once delivered.
    pub sent_at: Option<Timestamp>,
    /// The last delivery error.
    pub last_error: Option<String>,
}
