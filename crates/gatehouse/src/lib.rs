//! Gatehouse, the server: configuration, the HTTP surfaces, and the CLI behind `main`.
//!
//! [`App::build`] wires the store, the domain and the router from a [`config::Config`];
//! `main` and the integration tests both use it, so tests run the real application.

pub mod cli;
pub mod config;
pub mod http;
pub mod mail;
pub mod telemetry;

use anyhow::Context;
use gatehouse_domain::crypto::password::{HashPool, PasswordHasher};
use gatehouse_domain::time::{Clock, SystemClock};
use gatehouse_domain::Domain;
use gatehouse_store::StoreOptions;
use std::future::Future;
use std::sync::Arc;
use tokio::net::TcpListener;

/// A built application, ready to serve.
pub struct App {
    state: http::AppState,
    body_limit: usize,
    mail_sender: mail::sender::MailSender,
}

impl App {
    /// Opens the store (applying migrations), wires the domain and renders the OpenAPI document.
    pub async fn build(config: &config::Config) -> anyhow::Result<App> {
        Self::build_with_clock(config, Arc::new(SystemClock)).await
    }

    /// [`App::build`] with an injected clock (tests move time instead of sleeping).
    pub async fn build_with_clock(config: &config::Config, clock: Arc<dyn Clock>) -> anyhow::Result<App> {
        let mut options = StoreOptions::new(config.database.url.clone());
        options.max_connections = config.database.max_connections;
        let store = gatehouse_store::connect(&options).await.context("cannot open the database")?;
        let settings = config.domain_settings();
        let threads =
            config.auth.hash_pool_size.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from));
        let pool = HashPool::start(threads, config.auth.hash_queue)?;
        let hasher = PasswordHasher::new(settings.argon2, pool)?;
        let domain = Arc::new(Domain::new(store, clock, settings, hasher).await?);
        let warm = domain.clone();
        tokio::spawn(async move {
            if let Err(error) = warm.hasher().warm_up().await {
                tracing::warn!(error.cause = %error, "could not precompute the dummy password hash");
            }
        });
        let templates = Arc::new(mail::Templates::load(config.mail.templates_dir.as_deref())?);
        let mailer = mail::mailer_for(&config.mail)?;
        let mail_sender = mail::sender::MailSender::new(domain.clone(), templates, mailer);
        let state = http::AppState {
            domain,
            metrics: Arc::new(http::metrics::Metrics::default()),
            openapi: axum::body::Bytes::from(http::openapi::document()),
            surface: Arc::new(http::SurfaceSettings {
                refresh_cookie: config.auth.refresh_cookie,
                refresh_cookie_max_age: config.auth.refresh_ttl.0,
                email_confirmation_redirect: config.email_confirmation_redirect(),
            }),
        };
        Ok(App { state, body_limit: config.server.body_limit.0, mail_sender })
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
        let router = http::app(self.state, self.body_limit);
        // The mail sender runs alongside the server and stops with it.
        let sender = tokio::spawn(self.mail_sender.run());
        let served = axum::serve(listener, router.into_make_service_with_connect_info::<std::net::SocketAddr>())
            .with_graceful_shutdown(shutdown)
            .await
            .context("server error");
        sender.abort();
        served
    }
}
