//! `gatehouse webhook create | list | delete | deliveries`: webhook endpoints through the same
//! domain functions as the admin API. The signing secret is printed once, alone on standard
//! output.

use super::domain_error;
use super::open::{self, Access};
use crate::config::Config;
use clap::Subcommand;
use gatehouse_domain::webhooks::{Webhook, WebhookId, WebhookInput};
use gatehouse_domain::Caller;
use std::collections::BTreeMap;
use std::io::Write;

#[derive(Debug, Subcommand)]
pub(crate) enum WebhookCommand {
    /// Create an endpoint and print its signing secret (shown this once).
    Create {
        /// Free name.
        #[arg(long)]
        name: String,
        /// Target URL (http or https).
        #[arg(long)]
        url: String,
        /// Comma-separated event types, or * for every event.
        #[arg(long, value_delimiter = ',', default_value = "*")]
        events: Vec<String>,
        /// An extra request header, `Name: value` (repeatable).
        #[arg(long = "header", value_name = "NAME: VALUE")]
        headers: Vec<String>,
        /// Create it disabled.
        #[arg(long)]
        disabled: bool,
    },
    /// List endpoints (never their secrets).
    List,
    /// Delete an endpoint and its deliveries.
    Delete {
        /// Webhook id.
        id: i64,
    },
    /// The most recent deliveries of an endpoint with their attempts.
    Deliveries {
        /// Webhook id.
        id: i64,
        /// How many deliveries, newest first.
        #[arg(long, default_value_t = 20)]
        limit: i64,
    },
}

pub(crate) async fn run(config: &Config, command: WebhookCommand) -> anyhow::Result<()> {
    let access = match command {
        WebhookCommand::List | WebhookCommand::Deliveries { .. } => Access::Read,
        _ => Access::Write,
    };
    let domain = open::domain(config, access).await?;
    let caller = Caller::system();
    let mut out = std::io::stdout().lock();
    match command {
        WebhookCommand::Create { name, url, events, headers, disabled } => {
            let mut parsed = BTreeMap::new();
            for header in headers {
                let Some((key, value)) = header.split_once(':') else {
                    anyhow::bail!("--header {header:?} must be written `Name: value`");
                };
                parsed.insert(key.trim().to_owned(), value.trim().to_owned());
            }
            let events = events.iter().map(|name| name.trim().to_owned()).filter(|name| !name.is_empty()).collect();
            let input = WebhookInput { name, url, events, headers: parsed, enabled: !disabled };
            let created = domain.create_webhook(&caller, input).await.map_err(domain_error)?;
            eprintln!("{}", describe(&created.webhook));
            writeln!(out, "{}", created.secret.expose())?;
        }
        WebhookCommand::List => {
            let webhooks = domain.list_webhooks(&caller).await.map_err(domain_error)?;
            eprintln!("id\tname\turl\tevents\tstate");
            if webhooks.is_empty() {
                eprintln!("no webhooks");
            }
            for webhook in webhooks {
                writeln!(out, "{}", describe(&webhook))?;
            }
        }
        WebhookCommand::Delete { id } => {
            let webhook = domain.delete_webhook(&caller, WebhookId(id)).await.map_err(domain_error)?;
            writeln!(out, "deleted {}", describe(&webhook))?;
        }
        WebhookCommand::Deliveries { id, limit } => {
            let deliveries = domain
                .list_webhook_deliveries(&caller, WebhookId(id), limit.clamp(1, 500))
                .await
                .map_err(domain_error)?;
            eprintln!("delivery\tevent id\ttype\tstatus\tattempts\tnext attempt / attempt\tat\tcode\tms\terror");
            if deliveries.is_empty() {
                eprintln!("no deliveries");
            }
            for (delivery, attempts) in deliveries {
                let next = if delivery.status == gatehouse_domain::webhooks::DeliveryStatus::Pending {
                    delivery.next_attempt_at.to_rfc3339()
                } else {
                    "-".to_owned()
                };
                writeln!(
                    out,
                    "{}\t{}\t{}\t{}\t{}\t{next}",
                    delivery.id,
                    delivery.event_id,
                    delivery.event_type,
                    delivery.status.as_str(),
                    delivery.attempts
                )?;
                for attempt in attempts {
                    writeln!(
                        out,
                        "\t\t\t\t\t#{}\t{}\t{}\t{}\t{}",
                        attempt.attempt,
                        attempt.at.to_rfc3339(),
                        attempt.status_code.map_or_else(|| "-".to_owned(), |code| code.to_string()),
                        attempt.duration_ms,
                        attempt.error.as_deref().unwrap_or("")
                    )?;
                }
            }
        }
    }
    Ok(())
}

fn describe(webhook: &Webhook) -> String {
    let state = if webhook.enabled { "enabled" } else { "disabled" };
    format!("{}\t{}\t{}\t{}\t{state}", webhook.id.0, webhook.name, webhook.url, webhook.events.join(","))
}
