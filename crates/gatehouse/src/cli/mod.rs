//! The command line: `serve`, `migrate`, `config check`, `routes list`, `admin …`, `token …`,
//! `webhook …`, `mail list`, `dev seed`, `audit tail`. Flags override the environment, which overrides the configuration
//! file.
//!
//! Module map:
//! - this file: the argument grammar (clap), configuration loading and the exit codes;
//! - `open`: opening only what a command uses (the store, or the store and the domain with a
//!   one-thread hash pool), never creating a database for a command that only reads;
//! - `admin`, `token`, `mail`, `seed`, `audit`, `webhook`: one file per command group;
//! - `serve`: the server and its start-up banner.
//!
//! Exit codes: 0 success, 1 failure, 2 invalid configuration or arguments. Data goes to
//! standard output; headers, notes and progress that a script should not parse go to standard
//! error (except the progress lines of `dev seed` when standard output is not a terminal).
//! The HTTP layer is not imported here except the route table.

mod admin;
mod audit;
mod mail;
mod open;
mod seed;
mod serve;
mod token;
mod webhook;

use crate::config::{Config, Overrides};
use crate::http::ratelimit::{LimiterClock, RateLimits};
use crate::http::routes::RouteTable;
use clap::{Args, Parser, Subcommand};
use gatehouse_domain::DomainError;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Gatehouse: self-hosted user management and authentication.
#[derive(Debug, Parser)]
#[command(name = "gatehouse", version, about)]
pub struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Args)]
struct GlobalArgs {
    /// Configuration file (default ./gatehouse.toml when present).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Database URL: sqlite://PATH or postgres://…
    #[arg(long, global = true, value_name = "URL")]
    database_url: Option<String>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server.
    Serve {
        /// Listen address (ADDR:PORT; port 0 picks a free one).
        #[arg(long, value_name = "ADDR:PORT")]
        bind: Option<String>,
    },
    /// Apply pending database migrations and exit (creates a SQLite file when missing).
    Migrate,
    /// Configuration tools.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Route table tools.
    Routes {
        #[command(subcommand)]
        command: RoutesCommand,
    },
    /// Manage admins (works on a stopped or running server's database).
    Admin {
        #[command(subcommand)]
        command: admin::AdminCommand,
    },
    /// Development helpers.
    Dev {
        #[command(subcommand)]
        command: seed::DevCommand,
    },
    /// Mail outbox tools.
    Mail {
        #[command(subcommand)]
        command: mail::MailCommand,
    },
    /// Manage API tokens (works on a stopped or running server's database).
    Token {
        #[command(subcommand)]
        command: token::TokenCommand,
    },
    /// Read the audit log.
    Audit {
        #[command(subcommand)]
        command: audit::AuditCommand,
    },
    /// Manage webhook endpoints and read their deliveries.
    Webhook {
        #[command(subcommand)]
        command: webhook::WebhookCommand,
    },
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Check every key, report every problem (exit 2), print every effective value (secrets
    /// masked) and warnings.
    Check,
}

#[derive(Debug, Subcommand)]
enum RoutesCommand {
    /// Print the effective route table: handler, method, path, action, policies, rate limit,
    /// enabled and surface of every route, as configured.
    List {
        /// Print a JSON array of `{handler, method, path, action, policies, rate_limit,
        /// enabled, surface}` instead of a table.
        #[arg(long)]
        json: bool,
    },
}

impl Cli {
    /// Runs the command; the exit code follows the documented convention (2: bad config).
    pub async fn run(self) -> ExitCode {
        self.run_with(crate::extend::Extensions::default()).await
    }

    /// [`Cli::run`] for an application that embeds Gatehouse: `serve`, `config check` and
    /// `routes list` see its routes, policies, wraps and hooks.
    pub async fn run_with(self, extensions: crate::extend::Extensions) -> ExitCode {
        let bind = match &self.command {
            Command::Serve { bind } => bind.clone(),
            _ => None,
        };
        let overrides =
            Overrides { config_file: self.global.config.clone(), database_url: self.global.database_url.clone(), bind };
        let checked = match Config::check_with(&overrides, &extensions) {
            Ok(checked) => checked,
            Err(error) => {
                eprintln!("gatehouse: {error:#}");
                return ExitCode::from(2);
            }
        };
        let warnings = checked.warnings.clone();
        let config = match checked.into_result() {
            Ok(config) => config,
            Err(error) => {
                eprintln!("gatehouse: {error:#}");
                return ExitCode::from(2);
            }
        };
        let result = match self.command {
            Command::Config { command: ConfigCommand::Check } => check_config(&config, &warnings),
            Command::Routes { command: RoutesCommand::List { json } } => list_routes(&config, json, &extensions),
            Command::Migrate => migrate(&config).await,
            Command::Token { command } => token::run(&config, command).await,
            Command::Mail { command } => mail::run(&config, command).await,
            Command::Dev { command } => seed::run(&config, command).await,
            Command::Admin { command } => admin::run(&config, command).await,
            Command::Serve { .. } => serve::run(&config, &extensions).await,
            Command::Audit { command } => audit::run(&config, command).await,
            Command::Webhook { command } => webhook::run(&config, command).await,
        };
        match result {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("gatehouse: {error:#}");
                ExitCode::FAILURE
            }
        }
    }
}

fn check_config(config: &Config, warnings: &[String]) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    write!(out, "{}", config.to_effective_toml()?)?;
    for warning in warnings {
        writeln!(out, "# warning: {warning}")?;
    }
    writeln!(out, "# configuration is valid")?;
    Ok(())
}

fn list_routes(config: &Config, json: bool, extensions: &crate::extend::Extensions) -> anyhow::Result<()> {
    let table =
        RouteTable::for_config(config, extensions).map_err(|problems| anyhow::anyhow!("{}", problems.join("; ")))?;
    let added: Vec<_> = extensions.added_routes().collect();
    let limits = RateLimits::with_routes(&config.effective_rate_limit(), &LimiterClock::monotonic(), &added);
    let views = table.views(&limits);
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut out, &views)?;
        writeln!(out)?;
        return Ok(());
    }
    let policies = |view: &crate::http::routes::RouteView| {
        if view.policies.is_empty() {
            "-".to_owned()
        } else {
            view.policies.join(" ")
        }
    };
    let header = ["HANDLER", "METHOD", "PATH", "ACTION", "POLICIES", "RATE LIMIT", "ENABLED", "SURFACE"];
    let rows: Vec<[String; 8]> = views
        .iter()
        .map(|view| {
            [
                view.handler.clone(),
                view.method.clone(),
                view.path.clone(),
                view.action.clone(),
                policies(view),
                view.rate_limit.clone().unwrap_or_else(|| "-".to_owned()),
                if view.enabled { "yes" } else { "no" }.to_owned(),
                view.surface.clone(),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let padded: Vec<String> = cells.iter().zip(widths).map(|(cell, width)| format!("{cell:<width$}")).collect();
        padded.join("  ").trim_end().to_owned()
    };
    writeln!(out, "{}", line(&header.map(str::to_owned)))?;
    for row in &rows {
        writeln!(out, "{}", line(row))?;
    }
    Ok(())
}

async fn migrate(config: &Config) -> anyhow::Result<()> {
    let _log = crate::telemetry::init(&config.log);
    crate::open_store(config, 2, true).await?;
    println!("migrations applied");
    Ok(())
}

/// A domain error as one line: each field error as `field: message`.
fn domain_error(error: DomainError) -> anyhow::Error {
    match error {
        DomainError::Validation(errors) => {
            let lines: Vec<String> =
                errors.0.iter().map(|error| format!("{}: {}", error.path.join("."), error.message)).collect();
            anyhow::anyhow!("{}", lines.join("; "))
        }
        DomainError::Conflict(key) => anyhow::anyhow!("{key} already taken"),
        other => anyhow::anyhow!("{other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_grammar_is_consistent() {
        Cli::command().debug_assert();
    }
}
