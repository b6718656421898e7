//! The mail outbox as a sender works it: claiming the mails that are due, and recording each
//! outcome with the retry schedule (5 s doubling up to 1 h, ten attempts). A sender that dies
//! mid-delivery leaves its claim to expire, so the mail is retried rather than lost.

use crate::error::DomainError;
use crate::model::QueuedMail;
use crate::service::Domain;
use crate::time::Timestamp;

/// How long a claimed mail is reserved for the sender that claimed it.
const LEASE_MS: i64 = 60_000;
/// Attempts before a mail is given up.
pub const MAX_ATTEMPTS: i64 = 10;

/// What happens to a mail after a failed attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MailRetry {
    /// Tried again after this many milliseconds.
    After(i64),
    /// Given up: [`MAX_ATTEMPTS`] attempts failed.
    GivenUp,
}

impl MailRetry {
    /// The schedule after `attempts` failed attempts.
    pub fn after_attempts(attempts: i64) -> Self {
        if attempts >= MAX_ATTEMPTS {
            MailRetry::GivenUp
        } else {
            MailRetry::After((5_000_i64 << (attempts.clamp(1, 20) - 1)).min(3_600_000))
        }
    }
}

impl Domain {
    /// Whether the database answers (readiness).
    pub async fn ping(&self) -> Result<(), DomainError> {
        Ok(self.store.ping().await?)
    }

    /// Claims up to `limit` mails due now, each leased to this sender for a minute.
    pub async fn claim_due_mails(&self, limit: i64) -> Result<Vec<QueuedMail>, DomainError> {
        Ok(self.store.claim_due_mails(self.clock.now(), limit, LEASE_MS).await?)
    }

    /// Records a delivered mail; `redact` drops the links it carried.
    pub async fn record_mail_sent(&self, id: i64, redact: bool) -> Result<(), DomainError> {
        Ok(self.store.mark_mail_sent(id, self.clock.now(), redact).await?)
    }

    /// Records a failed attempt and schedules the next one, if any.
    pub async fn record_mail_failure(&self, mail: &QueuedMail, error: &str) -> Result<MailRetry, DomainError> {
        let retry = MailRetry::after_attempts(mail.attempts);
        let next = match retry {
            MailRetry::After(delay_ms) => Timestamp::from_millis(self.clock.now().as_millis().saturating_add(delay_ms)),
            // Never due again; kept for `mail list`.
            MailRetry::GivenUp => Timestamp::from_millis(i64::MAX / 2),
        };
        self.store.mark_mail_failed(mail.id, error, next).await?;
        Ok(retry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_double_from_five_seconds_up_to_an_hour_then_give_up() {
        assert_eq!(MailRetry::after_attempts(1), MailRetry::After(5_000));
        assert_eq!(MailRetry::after_attempts(2), MailRetry::After(10_000));
        assert_eq!(MailRetry::after_attempts(9), MailRetry::After(1_280_000));
        assert_eq!(MailRetry::after_attempts(MAX_ATTEMPTS), MailRetry::GivenUp);
        assert_eq!(MailRetry::after_attempts(0), MailRetry::After(5_000));
    }
}
