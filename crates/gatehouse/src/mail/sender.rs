//! The background sender: claims due mails from the outbox, renders and delivers them, and
//! records the outcome. A failed delivery is retried with a growing delay (5 s doubling up to
//! 1 h, ten attempts); a sender that dies mid-delivery leaves its claim to expire, so the mail
//! is retried rather than lost.

use crate::mail::{Mailer, Templates};
use gatehouse_domain::model::MailKind;
use gatehouse_domain::time::Timestamp;
use gatehouse_domain::Domain;
use std::sync::Arc;
use std::time::Duration;

/// How long a claimed mail is reserved for the sender that claimed it.
const LEASE_MS: i64 = 60_000;
/// Attempts before a mail is given up.
const MAX_ATTEMPTS: i64 = 10;
/// Time between two looks at the outbox.
const POLL: Duration = Duration::from_millis(250);

/// Delivers the mail outbox.
pub struct MailSender {
    domain: Arc<Domain>,
    templates: Arc<Templates>,
    mailer: Arc<dyn Mailer>,
}

impl MailSender {
    /// A sender over the domain's store.
    pub fn new(domain: Arc<Domain>, templates: Arc<Templates>, mailer: Arc<dyn Mailer>) -> Self {
        Self { domain, templates, mailer }
    }

    /// Delivers what is due now; returns how many mails were attempted.
    pub async fn deliver_due(&self) -> usize {
        let now = self.domain.clock().now();
        let claimed = match self.domain.store().claim_due_mails(now, 16, LEASE_MS).await {
            Ok(claimed) => claimed,
            Err(error) => {
                tracing::warn!(error.cause = %error, "cannot read the mail outbox");
                return 0;
            }
        };
        for mail in &claimed {
            let rendered = match (MailKind::from_name(&mail.kind), &mail.variables) {
                (Some(kind), Some(variables)) => {
                    self.templates.render(kind, variables).map_err(|error| format!("{error:#}"))
                }
                _ => Err(format!("cannot render a {:?} mail without its variables", mail.kind)),
            };
            let outcome = match rendered {
                Ok(rendered) => self.mailer.send(&mail.recipient, &rendered).await,
                Err(error) => Err(error),
            };
            let store = self.domain.store();
            let now = self.domain.clock().now();
            let recorded = match outcome {
                Ok(()) => {
                    tracing::info!(mail.id = mail.id, mail.kind = %mail.kind, "mail delivered");
                    store.mark_mail_sent(mail.id, now, self.mailer.redacts_after_send()).await
                }
                Err(error) => {
                    let next = if mail.attempts >= MAX_ATTEMPTS {
                        tracing::error!(mail.id = mail.id, error.cause = %error, "mail given up after {MAX_ATTEMPTS} attempts");
                        Timestamp::from_millis(i64::MAX / 2)
                    } else {
                        let delay_ms = (5_000_i64 << (mail.attempts.clamp(1, 20) - 1)).min(3_600_000);
                        tracing::warn!(mail.id = mail.id, error.cause = %error, retry.in_ms = delay_ms, "mail delivery failed");
                        Timestamp::from_millis(now.as_millis() + delay_ms)
                    };
                    store.mark_mail_failed(mail.id, &error, next).await
                }
            };
            if let Err(error) = recorded {
                tracing::warn!(error.cause = %error, mail.id = mail.id, "cannot record a mail outcome");
            }
        }
        claimed.len()
    }

    /// Runs until the task is dropped.
    pub async fn run(self) {
        loop {
            if self.deliver_due().await == 0 {
                tokio::time::sleep(POLL).await;
            }
        }
    }
}
