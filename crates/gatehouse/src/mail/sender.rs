//! The background sender: claims due mails from the outbox, renders and delivers them, and
//! records the outcome through the domain, which owns the retry schedule
//! ([`gatehouse_domain::outbox`]).

use crate::mail::{Mailer, Templates};
use gatehouse_domain::model::MailKind;
use gatehouse_domain::outbox::{MailRetry, MAX_ATTEMPTS};
use gatehouse_domain::Domain;
use std::sync::Arc;
use std::time::Duration;

/// Time between two looks at the outbox when nothing woke the sender: mail queued on this node
/// wakes it at once, so this finds retries coming due and mail queued by other nodes.
const POLL: Duration = Duration::from_secs(1);

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
        let claimed = match self.domain.claim_due_mails(16).await {
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
            let recorded = match outcome {
                Ok(()) => {
                    tracing::info!(mail.id = mail.id, mail.kind = %mail.kind, "mail delivered");
                    self.domain.record_mail_sent(mail.id, self.mailer.redacts_after_send()).await
                }
                Err(error) => self.domain.record_mail_failure(mail, &error).await.map(|retry| match retry {
                    MailRetry::After(delay_ms) => {
                        tracing::warn!(mail.id = mail.id, error.cause = %error, retry.in_ms = delay_ms, "mail delivery failed");
                    }
                    MailRetry::GivenUp => {
                        tracing::error!(mail.id = mail.id, error.cause = %error, "mail given up after {MAX_ATTEMPTS} attempts");
                    }
                }),
            };
            if let Err(error) = recorded {
                tracing::warn!(error.cause = %error, mail.id = mail.id, "cannot record a mail outcome");
            }
        }
        claimed.len()
    }

    /// Runs until the task is dropped.
    pub async fn run(self) {
        let queued = self.domain.queued_work();
        loop {
            if self.deliver_due().await == 0 {
                let _ = tokio::time::timeout(POLL, queued.mail.notified()).await;
            }
        }
    }
}
