//! The command line: `serve`, `migrate`, `config check`, `routes list`, `admin …`, `token …`,
//! `mail list`, `dev seed`. Flags override the
//! environment, which overrides the configuration file.

use crate::config::{Config, Overrides};
use crate::http::routes::ROUTES;
use crate::{telemetry, App};
use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use gatehouse_domain::action::Action;
use gatehouse_domain::admins::AdminProfile;
use gatehouse_domain::api_tokens::ApiTokenInput;
use gatehouse_domain::events::Actor;
use gatehouse_domain::ids::ApiTokenId;
use gatehouse_domain::model::AdminListQuery;
use gatehouse_domain::model::{ApiToken, ApiTokenKind};
use gatehouse_domain::DomainError;
use gatehouse_store::StoreOptions;
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
    /// Apply pending database migrations and exit.
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
        command: AdminCommand,
    },
    /// Development helpers.
    Dev {
        #[command(subcommand)]
        command: DevCommand,
    },
    /// Mail outbox tools.
    Mail {
        #[command(subcommand)]
        command: MailCommand,
    },
    /// Manage API tokens (works on a stopped or running server's database).
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
}

#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Create an active admin, whole, in one transaction.
    Create {
        /// Email (login).
        #[arg(long)]
        email: String,
        /// Password: 8+ characters with a lower-case letter, an upper-case letter and a digit.
        #[arg(long, env = "GATEHOUSE_ADMIN_PASSWORD")]
        password: String,
        /// First name.
        #[arg(long)]
        firstname: String,
        /// Last name.
        #[arg(long)]
        lastname: Option<String>,
        /// Role code (strapi-super-admin) or short name (super-admin, editor, author).
        #[arg(long, default_value = "super-admin")]
        role: String,
    },
    /// Set an admin's password and end its sessions.
    ResetPassword {
        /// The admin's email.
        #[arg(long)]
        email: String,
        /// The new password.
        #[arg(long, env = "GATEHOUSE_ADMIN_PASSWORD")]
        password: String,
    },
    /// List admins (soft-deleted ones too, marked).
    List,
}

#[derive(Debug, Subcommand)]
enum DevCommand {
    /// Bulk-insert N users (`seed0000001@example.com`, …) for benchmarks and demos; no events.
    Seed {
        /// How many users.
        #[arg(long)]
        users: u64,
        /// Their password.
        #[arg(long, default_value = "seed-password")]
        password: String,
    },
}

#[derive(Debug, Subcommand)]
enum MailCommand {
    /// Show recent mails, newest first, with their links while they are kept (the log mailer keeps
    /// them; SMTP delivery drops them once sent).
    List {
        /// How many.
        #[arg(long, default_value_t = 20)]
        limit: i64,
    },
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Create a token and print its secret (shown this once).
    Create {
        /// Unique name.
        #[arg(long)]
        name: String,
        /// read-only, full-access or custom.
        #[arg(long = "type", value_name = "TYPE")]
        kind: String,
        /// For custom tokens: comma-separated actions (e.g. plugin::users-permissions.user.find).
        #[arg(long, value_delimiter = ',')]
        actions: Vec<String>,
        /// 7, 30 or 90; unlimited when absent.
        #[arg(long)]
        lifespan_days: Option<i64>,
        /// Free text.
        #[arg(long, default_value = "")]
        description: String,
    },
    /// List tokens (never their secrets).
    List,
    /// Give a token a new secret and print it; the old secret stops working.
    Regenerate {
        /// Token id.
        id: i64,
    },
    /// Delete a token.
    Delete {
        /// Token id.
        id: i64,
    },
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Validate the configuration and print the effective values (secrets masked).
    Check,
}

#[derive(Debug, Subcommand)]
enum RoutesCommand {
    /// Print every route with its method, path and action.
    List,
}

impl Cli {
    /// Runs the command; the exit code follows the documented convention (2: bad config).
    pub async fn run(self) -> ExitCode {
        let bind = match &self.command {
            Command::Serve { bind } => bind.clone(),
            _ => None,
        };
        let overrides =
            Overrides { config_file: self.global.config.clone(), database_url: self.global.database_url.clone(), bind };
        let config = match Config::load(&overrides) {
            Ok(config) => config,
            Err(error) => {
                eprintln!("gatehouse: {error:#}");
                return ExitCode::from(2);
            }
        };
        let result = match self.command {
            Command::Config { command: ConfigCommand::Check } => check_config(&config),
            Command::Routes { command: RoutesCommand::List } => list_routes(),
            Command::Migrate => migrate(&config).await,
            Command::Token { command } => token(&config, command).await,
            Command::Mail { command: MailCommand::List { limit } } => list_mails(&config, limit).await,
            Command::Dev { command: DevCommand::Seed { users, password } } => seed(&config, users, &password).await,
            Command::Admin { command } => admin(&config, command).await,
            Command::Serve { .. } => serve(&config).await,
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

fn check_config(config: &Config) -> anyhow::Result<()> {
    print!("{}", config.to_masked_toml()?);
    println!("# configuration is valid");
    Ok(())
}

fn list_routes() -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    for route in ROUTES {
        writeln!(out, "{:<7} {:<32} {:<12} {}", route.method.as_str(), route.path, route.name, route.action)?;
    }
    Ok(())
}

async fn token(config: &Config, command: TokenCommand) -> anyhow::Result<()> {
    let app = App::build(config).await?;
    let domain = app.domain();
    let actor = Actor::System;
    let mut out = std::io::stdout().lock();
    match command {
        TokenCommand::Create { name, kind, actions, lifespan_days, description } => {
            let kind = ApiTokenKind::from_name(&kind).context("--type must be read-only, full-access or custom")?;
            let actions = actions
                .iter()
                .map(|name| Action::from_name(name.trim()).with_context(|| format!("unknown action {name:?}")))
                .collect::<anyhow::Result<Vec<_>>>()?;
            if kind == ApiTokenKind::Custom && actions.is_empty() {
                anyhow::bail!("a custom token needs --actions");
            }
            let lifespan_ms = lifespan_days.map(|days| days * 86_400_000);
            let input = ApiTokenInput { name, description, kind, lifespan_ms, actions };
            let issued = domain.create_api_token(actor, input).await.map_err(domain_error)?;
            eprintln!("{}", describe_token(&issued.token));
            writeln!(out, "{}", issued.secret)?;
        }
        TokenCommand::List => {
            for token in domain.list_api_tokens().await.map_err(domain_error)? {
                writeln!(out, "{}", describe_token(&token))?;
            }
        }
        TokenCommand::Regenerate { id } => {
            let issued = domain.regenerate_api_token(actor, ApiTokenId(id)).await.map_err(domain_error)?;
            eprintln!("{}", describe_token(&issued.token));
            writeln!(out, "{}", issued.secret)?;
        }
        TokenCommand::Delete { id } => {
            let token = domain.delete_api_token(actor, ApiTokenId(id)).await.map_err(domain_error)?;
            writeln!(out, "deleted {}", describe_token(&token))?;
        }
    }
    Ok(())
}

fn describe_token(token: &ApiToken) -> String {
    let expires =
        token.expires_at.map_or_else(|| "never expires".to_owned(), |at| format!("expires {}", at.to_rfc3339()));
    let used =
        token.last_used_at.map_or_else(|| "never used".to_owned(), |at| format!("last used {}", at.to_rfc3339()));
    let actions = if token.actions.is_empty() { String::new() } else { format!(" [{}]", token.actions.join(", ")) };
    format!("{}\t{}\t{}\t{expires}\t{used}{actions}", token.id, token.name, token.kind.as_str())
}

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

async fn admin(config: &Config, command: AdminCommand) -> anyhow::Result<()> {
    let app = App::build(config).await?;
    let domain = app.domain();
    let mut out = std::io::stdout().lock();
    match command {
        AdminCommand::Create { email, password, firstname, lastname, role } => {
            let profile = AdminProfile { firstname, lastname, password };
            let admin = domain.create_admin_by_cli(&email, profile, &role).await.map_err(admin_error)?;
            writeln!(out, "created admin {} <{}> ({})", admin.id, admin.email, role_codes(&admin))?;
        }
        AdminCommand::ResetPassword { email, password } => {
            let admin = domain.reset_admin_password_by_cli(&email, &password).await.map_err(admin_error)?;
            writeln!(out, "password set for admin {} <{}>; its sessions are ended", admin.id, admin.email)?;
        }
        AdminCommand::List => {
            let query = AdminListQuery {
                page: 1,
                page_size: 100_000,
                search: None,
                sort: ("id".into(), false),
                with_deleted: true,
            };
            for admin in domain.list_admins(&query).await.map_err(domain_error)?.0 {
                let state = match (admin.deleted_at, admin.blocked, admin.is_active) {
                    (Some(_), _, _) => "deleted",
                    (None, true, _) => "blocked",
                    (None, false, false) => "pending",
                    (None, false, true) => "active",
                };
                writeln!(
                    out,
                    "{}\t{}\t{} {}\t{state}\t{}",
                    admin.id,
                    admin.email,
                    admin.firstname,
                    admin.lastname.as_deref().unwrap_or(""),
                    role_codes(&admin)
                )?;
            }
        }
    }
    Ok(())
}

fn role_codes(admin: &gatehouse_domain::model::Admin) -> String {
    admin.roles.iter().map(|role| role.code.as_str()).collect::<Vec<_>>().join(",")
}

fn admin_error(error: DomainError) -> anyhow::Error {
    match error {
        DomainError::Conflict(_) => anyhow::anyhow!("an admin with this email exists already"),
        DomainError::NotFound(_) => anyhow::anyhow!("no admin with this email"),
        other => domain_error(other),
    }
}

async fn seed(config: &Config, users: u64, password: &str) -> anyhow::Result<()> {
    let app = App::build(config).await?;
    let started = std::time::Instant::now();
    let inserted = app.domain().seed_users(users, password).await.map_err(domain_error)?;
    println!("inserted {inserted} users in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

async fn list_mails(config: &Config, limit: i64) -> anyhow::Result<()> {
    let mut options = StoreOptions::new(config.database.url.clone());
    options.max_connections = 2;
    let store = gatehouse_store::connect(&options).await.context("cannot open the database")?;
    let mut out = std::io::stdout().lock();
    for mail in store.list_mails(limit.clamp(1, 1000)).await? {
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

async fn migrate(config: &Config) -> anyhow::Result<()> {
    telemetry::init(&config.log);
    let mut options = StoreOptions::new(config.database.url.clone());
    options.max_connections = 2;
    gatehouse_store::connect(&options).await.context("migration failed")?;
    println!("migrations applied");
    Ok(())
}

async fn serve(config: &Config) -> anyhow::Result<()> {
    telemetry::init(&config.log);
    let app = App::build(config).await?;
    let listener = tokio::net::TcpListener::bind(config.bind_addr()?).await.context("cannot bind")?;
    let address = listener.local_addr()?;
    // A plain line on standard output, which scripts wait for.
    println!("listening on http://{address}");
    std::io::stdout().flush()?;
    tracing::info!(server.address = %address, "gatehouse started");
    app.serve(listener, shutdown_signal()).await?;
    tracing::info!("gatehouse stopped");
    Ok(())
}

/// Completes on SIGTERM or ctrl-c.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
