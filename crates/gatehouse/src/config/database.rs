//! Where `database.url` points, for messages, never with its password.

use super::DatabaseConfig;
use anyhow::bail;
use std::path::PathBuf;

/// Where `database.url` points, for messages: never with its password.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DatabaseTarget {
    /// A SQLite file (`sqlite://PATH`).
    SqliteFile(PathBuf),
    /// A SQLite database in memory (`sqlite::memory:`).
    SqliteMemory,
    /// A PostgreSQL database.
    Postgres {
        /// Host name, address or socket folder.
        host: String,
        /// Port.
        port: u16,
        /// Database name (empty: the server's default, the user's name).
        database: String,
    },
}

impl DatabaseConfig {
    /// What the URL names: a SQLite file, or a PostgreSQL host, port and database.
    pub fn target(&self) -> anyhow::Result<DatabaseTarget> {
        let url = self.url.trim();
        if let Some(rest) = url.strip_prefix("sqlite:") {
            let rest = rest.strip_prefix("//").unwrap_or(rest);
            let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
            if path == ":memory:" || query.split('&').any(|pair| pair == "mode=memory") {
                return Ok(DatabaseTarget::SqliteMemory);
            }
            if path.is_empty() {
                bail!("{url:?} names no file (use e.g. sqlite://./gatehouse.db)");
            }
            return Ok(DatabaseTarget::SqliteFile(PathBuf::from(path)));
        }
        if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let parsed = url::Url::parse(url)
                .map_err(|error| anyhow::anyhow!("not a PostgreSQL URL ({error}): {}", mask_url_secrets(url)))?;
            // As in libpq and the driver, `host` and `port` parameters win over the URL's own
            // (`postgres://localhost/db?host=/run/postgresql` connects through the socket).
            let param =
                |name: &str| parsed.query_pairs().find(|(key, _)| key == name).map(|(_, value)| value.into_owned());
            let host = param("host")
                .filter(|host| !host.is_empty())
                .or_else(|| parsed.host_str().filter(|host| !host.is_empty()).map(str::to_owned))
                .unwrap_or_else(|| "localhost".to_owned());
            let port = match param("port") {
                Some(port) => port.parse().map_err(|_| anyhow::anyhow!("port {port:?} is not a port number"))?,
                None => parsed.port().unwrap_or(5432),
            };
            let database = parsed.path().trim_start_matches('/').to_owned();
            return Ok(DatabaseTarget::Postgres { host, port, database });
        }
        bail!("must start with sqlite: or postgres:")
    }
}

impl std::fmt::Display for DatabaseTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::SqliteFile(path) => write!(f, "SQLite file {}", path.display()),
            Self::SqliteMemory => f.write_str("SQLite in memory"),
            Self::Postgres { host, port, database } if database.is_empty() => {
                write!(f, "PostgreSQL at {host}:{port} (default database)")
            }
            Self::Postgres { host, port, database } => write!(f, "PostgreSQL database {database} at {host}:{port}"),
        }
    }
}

/// `raw` with the password of a URL (and any `password` query parameter) replaced by `****`.
pub fn mask_url_secrets(raw: &str) -> String {
    let Ok(mut parsed) = url::Url::parse(raw) else {
        return if raw.contains('@') {
            "(unparsable URL, hidden: it may hold a password)".to_owned()
        } else {
            raw.to_owned()
        };
    };
    if parsed.password().is_some() {
        let _ = parsed.set_password(Some("****"));
    }
    if parsed.query_pairs().any(|(key, _)| key.contains("password")) {
        let pairs: Vec<(String, String)> = parsed
            .query_pairs()
            .map(|(key, value)| {
                let value = if key.contains("password") { "****".to_owned() } else { value.into_owned() };
                (key.into_owned(), value)
            })
            .collect();
        parsed.query_pairs_mut().clear().extend_pairs(pairs);
    }
    parsed.to_string()
}
