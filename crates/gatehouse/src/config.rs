//! Configuration: built-in defaults, then an optional TOML file, then `GATEHOUSE_<SECTION>__<KEY>`
//! environment variables (any of them may be given as `…_FILE`, a path holding the value), then
//! command-line flags. Unknown keys are errors that name every offending key.

use anyhow::{bail, Context};
use gatehouse_domain::crypto::password::Argon2Settings;
use gatehouse_domain::settings::{DomainSettings, JwtMode};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The whole configuration. Every documented key exists here, even those a later feature reads.
/// Unknown keys are collected (all of them, not just the first) by `serde_ignored` in [`Config::load_from`].
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Config {
    /// `[server]`
    pub server: ServerConfig,
    /// `[database]`
    pub database: DatabaseConfig,
    /// `[log]`
    pub log: LogConfig,
    /// `[auth]`
    pub auth: AuthConfig,
    /// `[register]`
    pub register: RegisterConfig,
    /// `[rate_limit]`
    pub rate_limit: RateLimitConfig,
    /// `[mail]`
    pub mail: MailConfig,
    /// `[admin]`
    pub admin: AdminConfig,
    /// `[webhooks]`
    pub webhooks: WebhooksConfig,
    /// `[audit]`
    pub audit: AuditConfig,
}

/// `[server]`
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(default)]
pub struct ServerConfig {
    /// Listen address.
    pub bind: String,
    /// The public base URL (mail links); defaults to `http://<bind>`.
    pub public_url: Option<String>,
    /// Largest accepted request body.
    pub body_limit: ByteSize,
    /// Proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<String>,
    /// Origins allowed cross-origin access.
    pub cors_origins: Vec<String>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:1337".into(),
            public_url: None,
            body_limit: ByteSize(64 * 1024),
            trusted_proxies: Vec::new(),
            cors_origins: Vec::new(),
        }
    }
}

/// `[database]`
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(default)]
pub struct DatabaseConfig {
    /// `sqlite://PATH` or `postgres://…`.
    pub url: String,
    /// Pool size.
    pub max_connections: u32,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self { url: "sqlite://./gatehouse.db".into(), max_connections: 16 }
    }
}

/// Log output format.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Pretty,
    /// One JSON object per line.
    Json,
}

/// `[log]`
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(default)]
pub struct LogConfig {
    /// `pretty` or `json`.
    pub format: LogFormat,
    /// A tracing filter, e.g. `info` or `gatehouse=debug`; `RUST_LOG` wins when set.
    pub level: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self { format: LogFormat::Pretty, level: "info".into() }
    }
}

/// `auth.jwt_mode`
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum JwtModeConfig {
    /// One long-lived JWT.
    #[default]
    Legacy,
    /// Short access JWT plus refresh token.
    Refresh,
}

/// `[auth.argon2]`
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(default)]
pub struct Argon2Config {
    /// KiB of memory per hash.
    pub memory_kib: u32,
    /// Passes.
    pub iterations: u32,
    /// Lanes.
    pub parallelism: u32,
}

impl Default for Argon2Config {
    fn default() -> Self {
        let owasp = Argon2Settings::OWASP;
        Self { memory_kib: owasp.memory_kib, iterations: owasp.iterations, parallelism: owasp.parallelism }
    }
}

/// `[auth]`
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(default)]
pub struct AuthConfig {
    /// Whether self-registration is open.
    pub allow_register: bool,
    /// Minimum password length (characters).
    pub password_min_length: usize,
    /// `legacy` or `refresh`.
    pub jwt_mode: JwtModeConfig,
    /// Access JWT lifetime (default 30 d in legacy mode, 10 min in refresh mode).
    pub jwt_ttl: Option<DurationText>,
    /// Refresh token lifetime.
    pub refresh_ttl: DurationText,
    /// Window in which replaying the just-rotated refresh token is a plain 401.
    pub refresh_reuse_grace: DurationText,
    /// Put the refresh token in an httpOnly cookie by default.
    pub refresh_cookie: bool,
    /// Require email confirmation before login.
    pub email_confirmation: bool,
    /// Where the confirmation link redirects.
    pub email_confirmation_redirect: Option<String>,
    /// Base URL of the reset-password page.
    pub reset_password_url: Option<String>,
    /// Lifetime of a reset code.
    pub reset_code_ttl: DurationText,
    /// argon2id parameters.
    pub argon2: Argon2Config,
    /// Hashing threads (default: CPU count).
    pub hash_pool_size: Option<usize>,
    /// Hash jobs allowed to wait; beyond it requests get 503.
    pub hash_queue: usize,
    /// How long cached sessions and role grants are trusted (bounds cross-node revocation delay).
    pub cache_ttl: DurationText,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            allow_register: true,
            password_min_length: 8,
            jwt_mode: JwtModeConfig::Legacy,
            jwt_ttl: None,
            refresh_ttl: DurationText(Duration::from_secs(14 * 86_400)),
            refresh_reuse_grace: DurationText(Duration::from_secs(10)),
            refresh_cookie: false,
            email_confirmation: false,
            email_confirmation_redirect: None,
            reset_password_url: None,
            reset_code_ttl: DurationText(Duration::from_secs(3600)),
            argon2: Argon2Config::default(),
            hash_pool_size: None,
            hash_queue: 64,
            cache_ttl: DurationText(Duration::from_secs(1)),
        }
    }
}

/// `[register]`
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct RegisterConfig {
    /// Extra body fields registration accepts.
    pub allowed_fields: Vec<String>,
}

/// `[rate_limit]`
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(default)]
pub struct RateLimitConfig {
    /// Master switch.
    pub enabled: bool,
    /// Auth endpoints, per IP and per identifier.
    pub auth_per_minute: u32,
    /// Everything else, per token or IP.
    pub api_per_minute: u32,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        Self { enabled: true, auth_per_minute: 10, api_per_minute: 600 }
    }
}

/// `[mail]`
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct MailConfig {
    /// `smtp://user:pass@host:port`, `?tls=starttls`, or `smtps://`; unset: log + outbox.
    pub smtp_url: Option<String>,
    /// Sender address.
    pub from: Option<String>,
    /// A folder whose files override the built-in templates (`email_confirmation.subject`,
    /// `email_confirmation.txt`, `email_confirmation.html`, the same for `reset_password` and
    /// `invite`).
    pub templates_dir: Option<String>,
}

/// `[admin]`
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(default)]
pub struct AdminConfig {
    /// Admin JWT lifetime.
    pub jwt_ttl: DurationText,
    /// Invite lifetime.
    pub invite_ttl: DurationText,
    /// Base URL of the invite-accept page.
    pub invite_url: Option<String>,
}

impl Default for AdminConfig {
    fn default() -> Self {
        Self {
            jwt_ttl: DurationText(Duration::from_secs(1800)),
            invite_ttl: DurationText(Duration::from_secs(7 * 86_400)),
            invite_url: None,
        }
    }
}

/// `[webhooks]`
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(default)]
pub struct WebhooksConfig {
    /// Allow targets on loopback/private addresses (tests).
    pub allow_private_targets: bool,
    /// Delays between delivery attempts.
    pub retry_schedule: Vec<DurationText>,
    /// Per-attempt timeout.
    pub timeout: DurationText,
}

impl Default for WebhooksConfig {
    fn default() -> Self {
        let schedule = [5, 30, 120, 600, 3600, 21_600, 86_400];
        Self {
            allow_private_targets: false,
            retry_schedule: schedule.iter().map(|secs| DurationText(Duration::from_secs(*secs))).collect(),
            timeout: DurationText(Duration::from_secs(10)),
        }
    }
}

/// `[audit]`
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(default)]
pub struct AuditConfig {
    /// Days an audit record is kept.
    pub retention_days: u32,
}

impl Default for AuditConfig {
    fn default() -> Self {
        Self { retention_days: 90 }
    }
}

/// A duration written as `500ms`, `30s`, `10m`, `2h`, `14d` (or a bare number of seconds).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DurationText(pub Duration);

impl DurationText {
    /// Parses the text form.
    pub fn parse(text: &str) -> Option<Duration> {
        let text = text.trim();
        let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
        let (number, unit) = text.split_at(split);
        let number: u64 = number.parse().ok()?;
        let millis_per_unit = match unit.trim() {
            "ms" => 1,
            "" | "s" => 1000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            _ => return None,
        };
        number.checked_mul(millis_per_unit).map(Duration::from_millis)
    }
}

impl<'de> Deserialize<'de> for DurationText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Seconds(u64),
            Text(String),
        }
        match Raw::deserialize(deserializer)? {
            Raw::Seconds(seconds) => Ok(Self(Duration::from_secs(seconds))),
            Raw::Text(text) => Self::parse(&text)
                .map(Self)
                .ok_or_else(|| serde::de::Error::custom(format!("invalid duration {text:?} (use e.g. 30s, 10m, 14d)"))),
        }
    }
}

impl Serialize for DurationText {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let millis = self.0.as_millis();
        let text = [(86_400_000, "d"), (3_600_000, "h"), (60_000, "m"), (1000, "s")]
            .iter()
            .find(|(unit, _)| millis > 0 && millis.is_multiple_of(*unit))
            .map(|(unit, suffix)| format!("{}{suffix}", millis / unit))
            .unwrap_or_else(|| format!("{millis}ms"));
        serializer.serialize_str(&text)
    }
}

/// A size in bytes, written as a number or `64KiB`, `1MiB`, `64KB`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ByteSize(pub usize);

impl<'de> Deserialize<'de> for ByteSize {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Bytes(usize),
            Text(String),
        }
        let text = match Raw::deserialize(deserializer)? {
            Raw::Bytes(bytes) => return Ok(Self(bytes)),
            Raw::Text(text) => text,
        };
        let trimmed = text.trim();
        let split = trimmed.find(|c: char| !c.is_ascii_digit()).unwrap_or(trimmed.len());
        let (number, unit) = trimmed.split_at(split);
        let factor = match unit.trim().to_ascii_lowercase().as_str() {
            "" | "b" => 1,
            "kib" | "kb" | "k" => 1024,
            "mib" | "mb" | "m" => 1024 * 1024,
            _ => return Err(serde::de::Error::custom(format!("invalid size {text:?} (use e.g. 64KiB)"))),
        };
        number
            .parse::<usize>()
            .ok()
            .and_then(|n| n.checked_mul(factor))
            .map(Self)
            .ok_or_else(|| serde::de::Error::custom(format!("invalid size {text:?}")))
    }
}

impl Serialize for ByteSize {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.0.is_multiple_of(1024 * 1024) && self.0 > 0 {
            serializer.serialize_str(&format!("{}MiB", self.0 / (1024 * 1024)))
        } else if self.0.is_multiple_of(1024) && self.0 > 0 {
            serializer.serialize_str(&format!("{}KiB", self.0 / 1024))
        } else {
            serializer.serialize_u64(self.0 as u64)
        }
    }
}

/// Overrides given on the command line; they win over file and environment.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    /// `--config FILE`
    pub config_file: Option<PathBuf>,
    /// `--database-url URL`
    pub database_url: Option<String>,
    /// `--bind ADDR:PORT`
    pub bind: Option<String>,
}

impl Config {
    /// Loads the configuration from file, environment and flags, and validates it.
    pub fn load(overrides: &Overrides) -> anyhow::Result<Config> {
        let env: Vec<(String, String)> = std::env::vars().collect();
        let config = Self::load_from(overrides, &env)?;
        config.validate()?;
        Ok(config)
    }

    /// [`Config::load`] with the environment given explicitly (for tests), without validation.
    pub fn load_from(overrides: &Overrides, env: &[(String, String)]) -> anyhow::Result<Config> {
        let file = overrides
            .config_file
            .clone()
            .or_else(|| env.iter().find(|(key, _)| key == "GATEHOUSE_CONFIG").map(|(_, value)| PathBuf::from(value)));
        let mut table = match file {
            Some(path) => read_table(&path)?,
            None if Path::new("gatehouse.toml").exists() => read_table(Path::new("gatehouse.toml"))?,
            None => toml::Table::new(),
        };
        for (path, value) in env_overrides(env)? {
            set_path(&mut table, &path, value)?;
        }
        if let Some(url) = &overrides.database_url {
            set_path(&mut table, &["database".into(), "url".into()], toml::Value::String(url.clone()))?;
        }
        if let Some(bind) = &overrides.bind {
            set_path(&mut table, &["server".into(), "bind".into()], toml::Value::String(bind.clone()))?;
        }
        let mut unknown = Vec::new();
        let config: Config =
            serde_ignored::deserialize(toml::Value::Table(table), |path| unknown.push(path.to_string()))
                .context("invalid configuration")?;
        if !unknown.is_empty() {
            bail!("unknown configuration keys: {}", unknown.join(", "));
        }
        Ok(config)
    }

    /// Checks values that parse but make no sense; names each bad key.
    pub fn validate(&self) -> anyhow::Result<()> {
        let mut problems = Vec::new();
        if self.server.bind.parse::<SocketAddr>().is_err() {
            problems.push(format!("server.bind: {:?} is not an ADDR:PORT", self.server.bind));
        }
        let url = &self.database.url;
        if !(url.starts_with("sqlite:") || url.starts_with("postgres:") || url.starts_with("postgresql:")) {
            problems.push("database.url: must start with sqlite: or postgres:".to_owned());
        }
        if self.server.body_limit.0 < 1024 {
            problems.push("server.body_limit: must be at least 1KiB".to_owned());
        }
        if argon2_params_invalid(&self.auth.argon2) {
            problems.push(
                "auth.argon2: memory_kib must be at least 8 × parallelism, iterations ≥ 1, parallelism ≥ 1".into(),
            );
        }
        if self.auth.hash_queue == 0 {
            problems.push("auth.hash_queue: must be at least 1".to_owned());
        }
        if self.auth.hash_pool_size == Some(0) {
            problems.push("auth.hash_pool_size: must be at least 1".to_owned());
        }
        if let Some(smtp) = &self.mail.smtp_url {
            if let Err(error) = crate::mail::SmtpSettings::parse(smtp) {
                problems.push(format!("mail.smtp_url: {error}"));
            }
        }
        if let Some(from) = &self.mail.from {
            if from.parse::<lettre::message::Mailbox>().is_err() {
                problems.push(format!("mail.from: {from:?} is not an email address"));
            }
        }
        if let Err(error) = crate::mail::Templates::load(self.mail.templates_dir.as_deref()) {
            problems.push(format!("mail.templates_dir: {error:#}"));
        }
        if self.auth.password_min_length > 1024 {
            problems.push("auth.password_min_length: must be at most 1024".to_owned());
        }
        for (key, value) in [
            ("server.public_url", &self.server.public_url),
            ("auth.email_confirmation_redirect", &self.auth.email_confirmation_redirect),
            ("auth.reset_password_url", &self.auth.reset_password_url),
            ("admin.invite_url", &self.admin.invite_url),
        ] {
            if let Some(value) = value {
                if url::Url::parse(value).is_err() {
                    problems.push(format!("{key}: {value:?} is not an absolute URL"));
                }
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            bail!("invalid configuration:\n  {}", problems.join("\n  "))
        }
    }

    /// The listen address.
    pub fn bind_addr(&self) -> anyhow::Result<SocketAddr> {
        self.server.bind.parse().with_context(|| format!("server.bind {:?}", self.server.bind))
    }

    /// The settings of the domain rules.
    pub fn domain_settings(&self) -> DomainSettings {
        let jwt_mode = match self.auth.jwt_mode {
            JwtModeConfig::Legacy => JwtMode::Legacy,
            JwtModeConfig::Refresh => JwtMode::Refresh,
        };
        let default_ttl = match jwt_mode {
            JwtMode::Legacy => Duration::from_secs(30 * 86_400),
            JwtMode::Refresh => Duration::from_secs(600),
        };
        DomainSettings {
            jwt_mode,
            jwt_ttl: self.auth.jwt_ttl.map(|ttl| ttl.0).unwrap_or(default_ttl),
            allow_register: self.auth.allow_register,
            email_confirmation: self.auth.email_confirmation,
            password_min_length: self.auth.password_min_length,
            register_allowed_fields: self.register.allowed_fields.clone(),
            refresh_ttl: self.auth.refresh_ttl.0,
            refresh_reuse_grace: self.auth.refresh_reuse_grace.0,
            reset_code_ttl: self.auth.reset_code_ttl.0,
            confirmation_ttl: Duration::from_secs(7 * 86_400),
            public_url: self.public_url(),
            admin_jwt_ttl: self.admin.jwt_ttl.0,
            invite_ttl: self.admin.invite_ttl.0,
            invite_url: self
                .admin
                .invite_url
                .clone()
                .unwrap_or_else(|| format!("{}/admin/auth/register", self.public_url())),
            reset_password_url: self
                .auth
                .reset_password_url
                .clone()
                .unwrap_or_else(|| format!("{}/reset-password", self.public_url())),
            argon2: Argon2Settings {
                memory_kib: self.auth.argon2.memory_kib,
                iterations: self.auth.argon2.iterations,
                parallelism: self.auth.argon2.parallelism,
            },
            cache_ttl: self.auth.cache_ttl.0,
        }
    }

    /// The public base URL without a trailing slash (`server.public_url`, else `http://<bind>`).
    pub fn public_url(&self) -> String {
        self.server
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.server.bind))
            .trim_end_matches('/')
            .to_owned()
    }

    /// Where `GET /api/auth/email-confirmation` redirects (default: the public URL).
    pub fn email_confirmation_redirect(&self) -> String {
        self.auth.email_confirmation_redirect.clone().unwrap_or_else(|| format!("{}/", self.public_url()))
    }

    /// The effective configuration as TOML, with passwords in URLs masked.
    pub fn to_masked_toml(&self) -> anyhow::Result<String> {
        let mut masked = self.clone();
        masked.database.url = mask_url_password(&masked.database.url);
        masked.mail.smtp_url = masked.mail.smtp_url.as_deref().map(mask_url_password);
        Ok(toml::to_string_pretty(&masked)?)
    }
}

fn argon2_params_invalid(argon2: &Argon2Config) -> bool {
    argon2.parallelism == 0 || argon2.iterations == 0 || argon2.memory_kib < 8 * argon2.parallelism
}

fn mask_url_password(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("****"));
            parsed.to_string()
        }
        _ => raw.to_owned(),
    }
}

fn read_table(path: &Path) -> anyhow::Result<toml::Table> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("{} is not valid TOML", path.display()))
}

/// `GATEHOUSE_<SECTION>__<KEY>[__<KEY>…][_FILE]` variables as key paths and values. Variables
/// without `__` (such as `GATEHOUSE_CONFIG`) are not configuration keys.
fn env_overrides(env: &[(String, String)]) -> anyhow::Result<Vec<(Vec<String>, toml::Value)>> {
    let mut found = BTreeMap::new();
    for (name, raw) in env {
        let Some(rest) = name.strip_prefix("GATEHOUSE_") else {
            continue;
        };
        if !rest.contains("__") {
            continue;
        }
        let lowered = rest.to_ascii_lowercase();
        let (key, value) = match lowered.strip_suffix("_file") {
            Some(key) => {
                let content = std::fs::read_to_string(raw).with_context(|| format!("{name}: cannot read {raw}"))?;
                (key.to_owned(), content.trim_end_matches(['\n', '\r']).to_owned())
            }
            None => (lowered, raw.clone()),
        };
        let path: Vec<String> = key.split("__").map(str::to_owned).collect();
        found.insert(path, parse_env_value(&value));
    }
    Ok(found.into_iter().collect())
}

/// An environment value as a TOML literal when it is one (`true`, `8`, `["a","b"]`), else a string.
fn parse_env_value(raw: &str) -> toml::Value {
    toml::from_str::<toml::Table>(&format!("value = {raw}"))
        .ok()
        .and_then(|mut table| table.remove("value"))
        .unwrap_or_else(|| toml::Value::String(raw.to_owned()))
}

fn set_path(table: &mut toml::Table, path: &[String], value: toml::Value) -> anyhow::Result<()> {
    let Some((last, parents)) = path.split_last() else {
        return Ok(());
    };
    let mut current = table;
    for key in parents {
        let entry = current.entry(key.clone()).or_insert_with(|| toml::Value::Table(toml::Table::new()));
        current = match entry {
            toml::Value::Table(inner) => inner,
            _ => bail!("configuration key {} is not a section", path.join(".")),
        };
    }
    current.insert(last.clone(), value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn zero_configuration_gives_the_documented_defaults() {
        let config = Config::load_from(&Overrides::default(), &[]).unwrap();
        assert_eq!(config.database.url, "sqlite://./gatehouse.db");
        assert_eq!(config.server.bind, "127.0.0.1:1337");
        assert!(config.rate_limit.enabled);
        assert_eq!(config.server.body_limit, ByteSize(65_536));
        assert_eq!(config.domain_settings().jwt_ttl, Duration::from_secs(30 * 86_400));
        config.validate().unwrap();
    }

    #[test]
    fn environment_overrides_file_and_flags_override_environment() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("gatehouse.toml");
        std::fs::write(&file, "[server]\nbind = \"127.0.0.1:1\"\n[auth]\nhash_queue = 3\n").unwrap();
        let secret = dir.path().join("url");
        std::fs::write(&secret, "postgres://u:pw@db/x\n").unwrap();
        let overrides = Overrides { config_file: Some(file), bind: Some("127.0.0.1:9".into()), ..Overrides::default() };
        let vars = env(&[
            ("GATEHOUSE_SERVER__BIND", "127.0.0.1:2"),
            ("GATEHOUSE_RATE_LIMIT__ENABLED", "false"),
            ("GATEHOUSE_AUTH__JWT_TTL", "10m"),
            ("GATEHOUSE_DATABASE__URL_FILE", secret.to_str().unwrap()),
            ("GATEHOUSE_TEST_DATABASE_URL", "ignored: not a configuration key"),
        ]);
        let config = Config::load_from(&overrides, &vars).unwrap();
        assert_eq!(config.server.bind, "127.0.0.1:9");
        assert!(!config.rate_limit.enabled);
        assert_eq!(config.auth.hash_queue, 3);
        assert_eq!(config.auth.jwt_ttl, Some(DurationText(Duration::from_secs(600))));
        assert_eq!(config.database.url, "postgres://u:pw@db/x");
        assert!(config.to_masked_toml().unwrap().contains("postgres://u:****@db/x"));
    }

    #[test]
    fn every_unknown_key_is_named() {
        let vars = env(&[("GATEHOUSE_SERVER__BINDD", "x"), ("GATEHOUSE_NOPE__KEY", "1")]);
        let error = format!("{:#}", Config::load_from(&Overrides::default(), &vars).unwrap_err());
        assert!(error.contains("server.bindd") && error.contains("nope"), "{error}");
    }

    #[test]
    fn nonsense_values_are_refused_by_key() {
        let vars = env(&[("GATEHOUSE_SERVER__BIND", "nowhere"), ("GATEHOUSE_DATABASE__URL", "mysql://x")]);
        let config = Config::load_from(&Overrides::default(), &vars).unwrap();
        let error = config.validate().unwrap_err().to_string();
        assert!(error.contains("server.bind") && error.contains("database.url"), "{error}");
    }

    #[test]
    fn durations_and_sizes_read_their_units() {
        assert_eq!(DurationText::parse("14d"), Some(Duration::from_secs(14 * 86_400)));
        assert_eq!(DurationText::parse("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(DurationText::parse("10 lightyears"), None);
        let size: ByteSize = toml::from_str::<toml::Table>("v = \"1MiB\"").unwrap()["v"].clone().try_into().unwrap();
        assert_eq!(size, ByteSize(1024 * 1024));
    }
}
