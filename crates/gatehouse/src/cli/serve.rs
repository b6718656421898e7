//! `gatehouse serve`: the server, and the banner it prints once it listens.
//!
//! The first line on standard output is exactly `listening on http://ADDR:PORT` (scripts and
//! tests wait for it); the banner follows: the database (never its password), the address,
//! whether an admin exists and how to create the first, where mail goes, and a warning for
//! each setting that does not do what one might think. Colour only on a terminal. A reader
//! that stops after the first line does not make the server fail: later banner lines are
//! written on a best-effort basis.

use crate::config::{Config, DatabaseTarget};
use crate::{telemetry, App};
use anyhow::Context;
use std::io::{IsTerminal, Write};
use std::net::SocketAddr;

pub(crate) async fn run(config: &Config, extensions: &crate::extend::Extensions) -> anyhow::Result<()> {
    let _log = telemetry::init(&config.log);
    let address = config.bind_addr()?;
    let listener = tokio::net::TcpListener::bind(address).await.with_context(|| format!("cannot bind {address}"))?;
    let address = listener.local_addr()?;
    // Bound first, so that mail links name the port really listened on when `--bind` asked for
    // port 0 and no public URL is configured.
    let mut config = config.clone();
    if config.server.public_url.is_none() {
        config.server.public_url = Some(format!("http://{address}"));
    }
    let app = App::build_with(&config, extensions).await?;
    let has_admin = app.domain().has_admin().await.map_err(super::domain_error)?;
    let warnings = config.warnings();
    let mut out = std::io::stdout().lock();
    writeln!(out, "listening on http://{address}")?;
    out.flush()?;
    let banner = Banner { config: &config, address, has_admin, warnings: &warnings, colour: out.is_terminal() };
    let _ = write!(out, "{}", banner.render());
    let _ = out.flush();
    drop(out);
    tracing::info!(server.address = %address, "gatehouse started");
    app.serve(listener, shutdown_signal()).await?;
    tracing::info!("gatehouse stopped");
    Ok(())
}

/// What the start-up banner says.
struct Banner<'a> {
    config: &'a Config,
    address: SocketAddr,
    has_admin: bool,
    warnings: &'a [String],
    colour: bool,
}

impl Banner<'_> {
    fn render(&self) -> String {
        let (bold, yellow, reset) = if self.colour { ("\x1b[1m", "\x1b[33m", "\x1b[0m") } else { ("", "", "") };
        let mut lines = vec![format!("{bold}gatehouse {}{reset}", env!("CARGO_PKG_VERSION"))];
        let mut line = |label: &str, text: String| lines.push(format!("  {bold}{label:<10}{reset}{text}"));
        line("database", self.database());
        let public = self.config.public_url();
        let local = format!("http://{}", self.address);
        line("address", if public == local { local } else { format!("{local} (public URL {public})") });
        if self.has_admin {
            line("admins", "at least one admin exists".to_owned());
        } else {
            line(
                "admins",
                "none yet; create the first with\n              gatehouse admin create --email E --password P --firstname F\n              \
                 or POST /admin/register-admin {\"email\", \"password\", \"firstname\"}"
                    .to_owned(),
            );
        }
        line("mail", self.mail());
        for warning in self.warnings {
            lines.push(format!("  {yellow}warning:{reset} {warning}"));
        }
        lines.push(String::new());
        lines.join("\n")
    }

    fn database(&self) -> String {
        match self.config.database.target() {
            Ok(DatabaseTarget::SqliteFile(path)) => {
                let shown = std::fs::canonicalize(&path).unwrap_or(path);
                format!("SQLite file {}", shown.display())
            }
            Ok(target) => target.to_string(),
            Err(error) => format!("{error:#}"),
        }
    }

    fn mail(&self) -> String {
        match &self.config.mail.smtp_url {
            Some(url) => match crate::mail::SmtpSettings::parse(url) {
                Ok(smtp) => format!("SMTP server {}:{}", smtp.host, smtp.port),
                Err(error) => format!("SMTP ({error})"),
            },
            None => "the outbox only (no SMTP server); see gatehouse mail list".to_owned(),
        }
    }
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
