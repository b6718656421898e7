//! `gatehouse mail list`: the outbox, newest first, read from the store alone.

use super::open::{self, Access};
use crate::config::Config;
use clap::Subcommand;
use std::io::Write;

#[derive(Debug, Subcommand)]
pub(crate) enum MailCommand {
    /// Show recent mails, newest first, with their links while they are kept (the log mailer keeps
    /// them; SMTP delivery drops them once sent).
    List {
        /// How many (1 to 1000).
        #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(i64).range(1..=1000))]
        limit: i64,
    },
}

pub(crate) async fn run(config: &Config, command: MailCommand) -> anyhow::Result<()> {
    let MailCommand::List { limit } = command;
    let store = open::store(config, Access::Read).await?;
    let mails = store.list_mails(limit).await?;
    // The header and the empty note go to standard error: standard output holds rows only.
    eprintln!("id\tcreated\tkind\trecipient\tstatus\tlink");
    if mails.is_empty() {
        eprintln!("no mails");
    }
    let mut out = std::io::stdout().lock();
    for mail in mails {
        let status = match (&mail.sent_at, &mail.last_error) {
            (Some(at), _) => format!("sent {}", at.to_rfc3339()),
            (None, Some(error)) => format!("retrying after {} attempts: {error}", mail.attempts),
            (None, None) => "pending".to_owned(),
        };
        let url = mail.variables.as_ref().and_then(|variables| variables["url"].as_str()).unwrap_or("(link not kept)");
        writeln!(
            out,
            "{}\t{}\t{}\t{}\t{status}\t{url}",
            mail.id,
            mail.created_at.to_rfc3339(),
            mail.kind,
            mail.recipient
        )?;
    }
    Ok(())
}
