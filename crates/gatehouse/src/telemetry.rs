//! Logging: human-readable lines by default, JSON by `log.format = "json"`. `RUST_LOG` wins
//! over `log.level`. Never log a secret, a token or a password.
//!
//! Lines go to standard error through a background writer thread, so a request never waits on
//! a `write` to a slow terminal or pipe (the access log writes one line per request). The writer
//! blocks rather than drops lines when it falls behind. It writes the lines queued at each
//! wake-up with one `write` (a buffer flushed whenever the queue is empty), not one per line.

use crate::config::{LogConfig, LogFormat};
use std::io::IsTerminal;
use tracing_appender::non_blocking::{NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber (once; later calls are ignored). Keep the returned guard for
/// the life of the process: dropping it flushes the lines still queued.
#[must_use = "dropping the guard stops the log writer"]
pub fn init(config: &LogConfig) -> Option<WorkerGuard> {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&config.level));
    let (writer, guard) = NonBlockingBuilder::default().lossy(false).finish(std::io::BufWriter::new(std::io::stderr()));
    // Colour codes only for a person at a terminal, never in a file or a log collector.
    let ansi = std::io::stderr().is_terminal();
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_ansi(ansi).with_writer(writer);
    let installed = match config.format {
        LogFormat::Pretty => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
    installed.ok().map(|()| guard)
}
