//! `gatehouse dev seed`: bulk users for benchmarks and demos, in chunks, with progress: a
//! progress bar on a terminal, plain periodic lines otherwise (logs, CI).

use super::domain_error;
use super::open::{self, Access};
use crate::config::Config;
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::{IsTerminal, Write};
use std::time::Instant;

/// Users inserted per domain call (the domain inserts them in one transaction).
const CHUNK: u64 = 50_000;

#[derive(Debug, Subcommand)]
pub(crate) enum DevCommand {
    /// Bulk-insert N users for benchmarks and demos, without events. They are numbered on from
    /// the number of users already there: seed<K>, seed<K>@example.com with K zero-padded to
    /// seven digits (seed0000000 first on an empty database), all confirmed, with one password.
    Seed {
        /// How many users.
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
        users: u64,
        /// Their password.
        #[arg(long, default_value = "seed-password")]
        password: String,
    },
}

pub(crate) async fn run(config: &Config, command: DevCommand) -> anyhow::Result<()> {
    let DevCommand::Seed { users, password } = command;
    let domain = open::domain(config, Access::Write).await?;
    let started = Instant::now();
    let progress = Progress::new(users);
    let mut inserted = 0;
    while inserted < users {
        let chunk = (users - inserted).min(CHUNK);
        let added = domain.seed_users(chunk, &password).await.map_err(domain_error)?;
        if added == 0 {
            anyhow::bail!("no users were inserted after {inserted}");
        }
        inserted += added;
        progress.set(inserted);
    }
    progress.finish();
    println!("inserted {inserted} users in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// A bar on a terminal; lines such as `seeded 50000 of 1000000 users` otherwise.
enum Progress {
    Bar(ProgressBar),
    Lines { total: u64 },
}

impl Progress {
    fn new(total: u64) -> Self {
        if !std::io::stdout().is_terminal() {
            return Self::Lines { total };
        }
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stdout());
        let style =
            ProgressStyle::with_template("{bar:40} {human_pos}/{human_len} users  {elapsed} elapsed, eta {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        Self::Bar(bar)
    }

    fn set(&self, done: u64) {
        match self {
            Self::Bar(bar) => bar.set_position(done),
            Self::Lines { total } => {
                let mut out = std::io::stdout().lock();
                let _ = writeln!(out, "seeded {done} of {total} users");
                let _ = out.flush();
            }
        }
    }

    fn finish(&self) {
        if let Self::Bar(bar) = self {
            bar.finish();
        }
    }
}
