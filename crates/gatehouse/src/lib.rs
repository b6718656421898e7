//! Gatehouse, the server: configuration, the HTTP surfaces, and the CLI behind `main`.
//!
//! [`App::build`] wires the store, the domain and the router from a [`config::Config`];
//! `main` and the integration tests both use it, so tests run the real application.
//! [`open_store`] opens the database alone, for the CLI commands that need no server.
//!
//! An application embeds Gatehouse with its own routes, policies, wrapped handlers and user
//! lifecycle hooks through [`extend::Gatehouse::builder`]; its `main` hands the result to
//! [`cli::Cli::run_with`] (or [`App::build_with`]), and every command — `serve`, `config
//! check`, `routes list` — sees the customized table.

pub mod audit;
pub mod cli;
pub mod config;
pub mod extend;
pub mod http;
pub mod mail;
pub mod telemetry;
pub mod webhooks;

pub use extend::Gatehouse;
pub use gatehouse_domain::{Caller, Domain, DomainError, FieldError};

use anyhow::Context;
use config::DatabaseTarget;
use gatehouse_domain::crypto::password::{HashPool, PasswordHasher};
use gatehouse_domain::ports::{Store, StoreError};
use gatehouse_domain::time::{Clock, SystemClock};
use gatehouse_store::StoreOptions;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// Opens the store that `database.url` names, applying pending migrations when `migrate`. A
/// failure names the SQLite file, or the PostgreSQL host and port, and says why: never the
/// password, and never "busy" for a server that does not answer.
pub async fn open_store(
    config: &config::Config,
    max_connections: u32,
    migrate: bool,
) -> anyhow::Result<Arc<dyn Store>> {
    let target = config.database.target().context("database.url")?;
    if let DatabaseTarget::Postgres { host, port, .. } = &target {
        // Fail at once, with the reason, when nothing listens there (the pool would retry
        // for its whole acquire timeout).
        if let Err(cause) = reachable(host, *port).await {
            anyhow::bail!("cannot connect to {target}: {cause}");
        }
    }
    let mut options = StoreOptions::new(config.database.url.clone());
    options.max_connections = max_connections;
    options.migrate = migrate;
    match gatehouse_store::connect(&options).await {
        Ok(store) => Ok(store),
        Err(error) => Err(open_error(&target, error).await),
    }
}

async fn open_error(target: &DatabaseTarget, error: StoreError) -> anyhow::Error {
    match target {
        DatabaseTarget::SqliteFile(path) => {
            let missing_folder = path
                .parent()
                .filter(|folder| !folder.as_os_str().is_empty() && !folder.exists())
                .map(|folder| format!(" (the folder {} does not exist)", folder.display()))
                .unwrap_or_default();
            anyhow::anyhow!("cannot open the SQLite database {}: {error}{missing_folder}", path.display())
        }
        DatabaseTarget::SqliteMemory => anyhow::anyhow!("cannot open the SQLite database in memory: {error}"),
        DatabaseTarget::Postgres { host, port, .. } => {
            // The store reports an unreachable server like a busy one (both mean "retry later"
            // to a request); at start-up, say which it is.
            let cause = match error {
                StoreError::Busy => match reachable(host, *port).await {
                    Err(cause) => cause,
                    Ok(()) => "the server accepts TCP connections but no PostgreSQL session opened in time (is it \
                               out of connections?)"
                        .to_owned(),
                },
                other => other.to_string(),
            };
            anyhow::anyhow!("cannot connect to {target}: {cause}")
        }
    }
}

/// Whether a TCP connection to `host:port` opens; the reason when not. Socket folders are
/// taken on trust.
async fn reachable(host: &str, port: u16) -> Result<(), String> {
    if host.starts_with('/') {
        return Ok(());
    }
    match tokio::time::timeout(Duration::from_secs(5), tokio::net::TcpStream::connect((host, port))).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(error)) => Err(error.to_string()),
        Err(_) => Err("no answer within 5 s".to_owned()),
    }
}

/// A built application, ready to serve.
pub struct App {
    state: http::AppState,
    body_limit: usize,
    mail_sender: mail::sender::MailSender,
    audit_retention: Duration,
    webhooks: webhooks::Dispatcher,
}

impl App {
    /// Opens the store (applying migrations), wires the domain and renders the OpenAPI document.
    pub async fn build(config: &config::Config) -> anyhow::Result<App> {
        Self::build_with(config, &extend::Extensions::default()).await
    }

    /// [`App::build`] with an application's customizations (see [`extend`]).
    pub async fn build_with(config: &config::Config, extensions: &extend::Extensions) -> anyhow::Result<App> {
        let limiter_clock = http::ratelimit::LimiterClock::monotonic();
        Self::build_with_clocks(config, Arc::new(SystemClock), limiter_clock, extensions).await
    }

    /// [`App::build`] with an injected clock (tests move time instead of sleeping); the rate
    /// limiter follows it too.
    pub async fn build_with_clock(config: &config::Config, clock: Arc<dyn Clock>) -> anyhow::Result<App> {
        Self::build_with_clock_and(config, clock, &extend::Extensions::default()).await
    }

    /// [`App::build_with_clock`] with an application's customizations.
    pub async fn build_with_clock_and(
        config: &config::Config,
        clock: Arc<dyn Clock>,
        extensions: &extend::Extensions,
    ) -> anyhow::Result<App> {
        let limiter_clock = http::ratelimit::LimiterClock::following(clock.clone());
        Self::build_with_clocks(config, clock, limiter_clock, extensions).await
    }

    async fn build_with_clocks(
        config: &config::Config,
        clock: Arc<dyn Clock>,
        limiter_clock: http::ratelimit::LimiterClock,
        extensions: &extend::Extensions,
    ) -> anyhow::Result<App> {
        // The route table first: a bad customization is refused before the database is touched.
        let routes = http::routes::RouteTable::for_config(config, extensions)
            .map_err(|problems| anyhow::anyhow!("invalid [routes]: {}", problems.join("; ")))?;
        let actions = extensions.actions()?;
        let store = open_store(config, config.database.max_connections, true).await?;
        let settings = config.domain_settings();
        let pool = HashPool::start(config.hash_pool_size(), config.auth.hash_queue)?;
        let hasher = PasswordHasher::new(settings.argon2, pool)?;
        let domain = Arc::new(
            Domain::with_actions(store, clock, settings, hasher, actions)
                .await?
                .with_user_hooks(extensions.hooks.clone()),
        );
        if config.scim.groups == config::ScimGroups::Groups {
            // Roles may be created after start-up, so a missing one is said here and refused
            // when a change would give it.
            for role_type in domain.missing_group_roles().await? {
                tracing::warn!(role.type = %role_type, "scim.group_roles names a role that does not exist (yet)");
            }
        }
        let warm = domain.clone();
        tokio::spawn(async move {
            if let Err(error) = warm.hasher().warm_up().await {
                tracing::warn!(error.cause = %error, "could not precompute the dummy password hash");
            }
        });
        let templates = Arc::new(mail::Templates::load(config.mail.templates_dir.as_deref())?);
        let mailer = mail::mailer_for(&config.mail)?;
        let mail_sender = mail::sender::MailSender::new(domain.clone(), templates, mailer);
        let metrics = Arc::new(http::metrics::Metrics::default());
        let webhooks = webhooks::Dispatcher::new(domain.clone(), &config.webhooks, metrics.clone())?;
        let state = http::AppState::new(http::Shared {
            domain,
            metrics,
            openapi: std::sync::OnceLock::new(),
            surface: Arc::new(http::SurfaceSettings {
                refresh_cookie: config.auth.refresh_cookie,
                refresh_cookie_max_age: config.auth.refresh_ttl.0,
                email_confirmation_redirect: config.email_confirmation_redirect(),
                cors_origins: config.server.cors_origins.clone(),
                trusted_proxies: http::client_ip::TrustedProxies::parse(&config.server.trusted_proxies)
                    .map_err(|problem| anyhow::anyhow!("server.trusted_proxies: {problem}"))?,
                scim: config.scim.clone(),
            }),
            limits: Arc::new(http::ratelimit::RateLimits::with_routes(
                &config.effective_rate_limit(),
                &limiter_clock,
                &extensions.added_routes().collect::<Vec<_>>(),
            )),
            routes: Arc::new(routes),
        });
        Ok(App {
            state,
            body_limit: config.server.body_limit.0,
            mail_sender,
            audit_retention: config.audit.retention(),
            webhooks,
        })
    }

    /// The domain (tests use it to read state through the front door).
    pub fn domain(&self) -> &Arc<Domain> {
        &self.state.domain
    }

    /// Serves on `listener` until `shutdown` completes; requests in flight then finish.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let domain = self.state.domain.clone();
        let router = http::app(self.state, self.body_limit);
        // The mail sender, the audit-log pruner and the webhook dispatcher run alongside the
        // server and stop with it: the set aborts them when dropped, also when this future is
        // dropped instead of shut down.
        let mut background = tokio::task::JoinSet::new();
        background.spawn(self.mail_sender.run());
        background.spawn(audit::prune_forever(domain, self.audit_retention));
        background.spawn(self.webhooks.run());
        axum::serve(listener, router.into_make_service_with_connect_info::<std::net::SocketAddr>())
            .with_graceful_shutdown(shutdown)
            .await
            .context("server error")
    }
}
