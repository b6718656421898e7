//! `gatehouse audit tail [--follow] [--limit N]`: the latest audit rows, oldest of them first,
//! read from the store alone; with `--follow`, new rows as they are written (polled).

use super::open::{self, Access};
use crate::config::Config;
use clap::Subcommand;
use gatehouse_domain::audit::{AuditEntry, AuditFilter};
use std::io::Write;
use std::time::Duration;

/// How often `--follow` looks for new rows.
const POLL: Duration = Duration::from_secs(1);
/// Rows read per poll.
const BATCH: u64 = 500;

#[derive(Debug, Subcommand)]
pub(crate) enum AuditCommand {
    /// Print the latest rows (oldest of them first), tab-separated: id, time, actor, action,
    /// subject, IP, user agent, outcome.
    Tail {
        /// How many rows to print first (1 to 1000).
        #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=1000))]
        limit: u64,
        /// Keep printing new rows as they are written, until interrupted.
        #[arg(long)]
        follow: bool,
    },
}

/// One row as a line.
fn line(row: &AuditEntry) -> String {
    let entry = &row.entry;
    let (kind, id) = entry.actor.parts();
    let actor = match (&entry.actor_label, id) {
        (Some(label), Some(id)) => format!("{kind}:{id} ({label})"),
        (Some(label), None) => format!("{kind} ({label})"),
        (None, Some(id)) => format!("{kind}:{id}"),
        (None, None) => kind.to_owned(),
    };
    let subject = match (&entry.subject_type, &entry.subject_id) {
        (Some(kind), Some(id)) => format!("{kind}:{id}"),
        (Some(kind), None) => kind.clone(),
        _ => "-".to_owned(),
    };
    // A user agent is the client's text: tabs and line breaks were dropped when it was kept.
    format!(
        "{}\t{}\t{actor}\t{}\t{subject}\t{}\t{}\t{}",
        row.id,
        entry.occurred_at.to_rfc3339(),
        entry.action,
        entry.client_ip.as_deref().unwrap_or("-"),
        entry.user_agent.as_deref().unwrap_or("-"),
        entry.outcome.as_str(),
    )
}

pub(crate) async fn run(config: &Config, command: AuditCommand) -> anyhow::Result<()> {
    let AuditCommand::Tail { limit, follow } = command;
    let store = open::store(config, Access::Read).await?;
    let (mut latest, _) = store.list_audit_entries(&AuditFilter::default(), 0, limit).await?;
    latest.reverse();
    eprintln!("id\ttime\tactor\taction\tsubject\tip\tuser_agent\toutcome");
    if latest.is_empty() && !follow {
        eprintln!("no audit rows");
    }
    let mut last = latest.last().map_or(0, |row| row.id);
    print(&latest)?;
    if !follow {
        return Ok(());
    }
    loop {
        tokio::time::sleep(POLL).await;
        let rows = store.audit_entries_after(last, BATCH).await?;
        if let Some(row) = rows.last() {
            last = row.id;
        }
        print(&rows)?;
    }
}

fn print(rows: &[AuditEntry]) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    for row in rows {
        writeln!(out, "{}", line(row))?;
    }
    out.flush()?;
    Ok(())
}
