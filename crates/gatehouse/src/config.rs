//! Configuration: built-in defaults, then an optional TOML file, then `GATEHOUSE_<SECTION>__<KEY>`
//! environment variables (any of them may be given as `…_FILE`, a path holding the value), then
//! command-line flags. Unknown keys are errors that name every offending key.
//!
//! [`Config::check_from`] reads everything and reports every problem at once: unknown keys,
//! values of the wrong type, and values out of their documented range (see
//! `docs/configuration.md`, which lists each key's default and range). Keys of features that
//! are not built yet are accepted and give a warning when set.

use anyhow::{bail, Context};
use gatehouse_domain::crypto::password::Argon2Settings;
use gatehouse_domain::settings::{DomainSettings, JwtMode};
use gatehouse_domain::Domain;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
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
    /// `[medusa]`
    pub medusa: MedusaConfig,
    /// `[scim]`
    pub scim: ScimConfig,
    /// `[routes."<handler>"]`: per-route policies, enabled flag and rate limit.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub routes: BTreeMap<String, RouteConfig>,
}

/// `[routes."<handler>"]` (handler names as `gatehouse routes list` prints them): what this
/// installation changes about one route. Takes effect on restart.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(default)]
pub struct RouteConfig {
    /// Built-in policies run after the permission check, in order (`is-authenticated`,
    /// `is-own-user`, `has-role(<type>,…)`, `ip-allow(<cidr>,…)`, `deny`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub policies: Vec<String>,
    /// `false`: the route answers 404 as if it never existed, and OpenAPI leaves it out.
    pub enabled: bool,
    /// Requests per window per client (`5/min`, `10/1m`): the route's per-client limit, as
    /// `[rate_limit.routes."<handler>"] per_client`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<RateText>,
}

impl Default for RouteConfig {
    fn default() -> Self {
        Self { policies: Vec::new(), enabled: true, rate_limit: None }
    }
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
    /// Origins allowed cross-origin access, exactly as a browser sends them
    /// (`https://app.example.com`); listed origins may send credentials, `*` allows any origin
    /// without credentials.
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
#[derive(Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct DatabaseConfig {
    /// `sqlite://PATH` or `postgres://…`.
    pub url: String,
    /// Pool size.
    pub max_connections: u32,
}

/// The URL's password never reaches a log through `{:?}`.
impl std::fmt::Debug for DatabaseConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatabaseConfig")
            .field("url", &mask_url_secrets(&self.url))
            .field("max_connections", &self.max_connections)
            .finish()
    }
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
    /// Most keys (clients, identifiers) one limiter tracks; beyond it, new keys are refused
    /// until idle ones are evicted. Bounds the limiter's memory.
    pub max_keys: usize,
    /// Per route handler (`gatehouse routes list` names them): change, disable or add limits.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub routes: BTreeMap<String, RouteRateLimitConfig>,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        Self { enabled: true, auth_per_minute: 10, api_per_minute: 600, max_keys: 50_000, routes: BTreeMap::new() }
    }
}

/// `[rate_limit.routes."<handler>"]`: one route's limits; what is not set keeps the route's
/// default policy.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(default)]
pub struct RouteRateLimitConfig {
    /// `false`: this route is not limited at all.
    pub enabled: bool,
    /// Requests per window per client: the IP on auth routes, the token (else the IP) elsewhere.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub per_client: Option<RateText>,
    /// Requests per window per identifier (routes whose body names an account).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub per_identifier: Option<RateText>,
}

impl Default for RouteRateLimitConfig {
    fn default() -> Self {
        Self { enabled: true, per_client: None, per_identifier: None }
    }
}

/// A rate written `COUNT/WINDOW`: `10/1m`, `5/5m`, `600/1m`, `1000/1h`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateText {
    /// Requests allowed in a window (also the burst).
    pub count: u32,
    /// The window over which `count` requests are replenished.
    pub window: Duration,
}

impl RateText {
    /// `count` requests per minute.
    pub fn per_minute(count: u32) -> Self {
        Self { count, window: MINUTE }
    }

    /// Parses `COUNT/WINDOW`; the window may also be a bare unit (`5/min`, `100/hour`).
    pub fn parse(text: &str) -> Option<Self> {
        let (count, window) = text.split_once('/')?;
        let count = count.trim().parse().ok()?;
        let window = window.trim();
        let window = match window {
            "ms" | "s" | "m" | "h" | "d" => DurationText::parse(&format!("1{window}"))?,
            "sec" | "second" => SECOND,
            "min" | "minute" => MINUTE,
            "hour" => HOUR,
            "day" => DAY,
            _ => DurationText::parse(window)?,
        };
        Some(Self { count, window })
    }
}

impl<'de> Deserialize<'de> for RateText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("invalid rate {text:?} (use COUNT/WINDOW, e.g. 10/1m)")))
    }
}

impl std::fmt::Display for RateText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.count, DurationText(self.window))
    }
}

impl Serialize for RateText {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string())
    }
}

/// The sender of mails when `mail.from` is not set.
pub const DEFAULT_MAIL_FROM: &str = "Gatehouse <no-reply@localhost>";

/// `[mail]`
#[derive(Clone, Deserialize, Serialize)]
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

/// The SMTP password never reaches a log through `{:?}`.
impl std::fmt::Debug for MailConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailConfig")
            .field("smtp_url", &self.smtp_url.as_deref().map(mask_url_secrets))
            .field("from", &self.from)
            .field("templates_dir", &self.templates_dir)
            .finish()
    }
}

impl Default for MailConfig {
    fn default() -> Self {
        Self { smtp_url: None, from: Some(DEFAULT_MAIL_FROM.to_owned()), templates_dir: None }
    }
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
    /// Base URL of the admin reset-password page (mails add `?token=…&email=…`).
    pub reset_password_url: Option<String>,
    /// `[admin.access_requests]`
    pub access_requests: AccessRequestsConfig,
}

impl Default for AdminConfig {
    fn default() -> Self {
        Self {
            jwt_ttl: DurationText(Duration::from_secs(1800)),
            invite_ttl: DurationText(Duration::from_secs(7 * 86_400)),
            invite_url: None,
            reset_password_url: None,
            access_requests: AccessRequestsConfig::default(),
        }
    }
}

/// `[admin.access_requests]`: requests for admin access through a public form, confirmed by
/// mail and decided by an admin.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(default)]
pub struct AccessRequestsConfig {
    /// Open the form (`POST /admin/access-requests`) and its routes; off: they are 404.
    pub enabled: bool,
    /// The role an approval gives when the approver names none (a code or short name).
    pub default_role: String,
    /// How long a request waits for a decision.
    pub ttl: DurationText,
}

impl Default for AccessRequestsConfig {
    fn default() -> Self {
        Self { enabled: false, default_role: "author".to_owned(), ttl: DurationText(Duration::from_secs(30 * 86_400)) }
    }
}

/// `[webhooks]`
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(default)]
pub struct WebhooksConfig {
    /// Allow targets on loopback, private and link-local addresses (tests, internal receivers).
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

/// `[medusa]`: the Medusa v2 dialect.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(default)]
pub struct MedusaConfig {
    /// Serve the Medusa dialect.
    pub enabled: bool,
    /// The path it is mounted under (a Medusa client's base URL ends with it).
    pub prefix: String,
}

impl Default for MedusaConfig {
    fn default() -> Self {
        Self { enabled: true, prefix: "/medusa".to_owned() }
    }
}

impl MedusaConfig {
    /// Why `prefix` cannot be a mount point, if it cannot: it is `/` and one or more segments
    /// of letters, digits, `-` and `_`, and it is not under (nor over) another surface's paths.
    pub fn prefix_problem(&self) -> Option<String> {
        let prefix = &self.prefix;
        let well_formed = prefix.len() <= 64
            && prefix.strip_prefix('/').is_some_and(|rest| {
                rest.split('/').all(|segment| {
                    !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                })
            });
        if !well_formed {
            return Some(format!(
                "medusa.prefix: {prefix:?} must be `/` and path segments of letters, digits, `-` and `_` (at most 64 characters)"
            ));
        }
        let first = prefix.split('/').nth(1).unwrap_or_default();
        let taken = ["admin", "api", "users-permissions", "_health", "readyz", "metrics", "openapi.json", "docs"];
        taken.contains(&first).then(|| format!("medusa.prefix: {prefix:?} overlaps the paths of another surface"))
    }

    /// The mount point when the dialect is served.
    pub fn mount(&self) -> Option<&str> {
        self.enabled.then_some(self.prefix.as_str())
    }
}

/// `[scim]`: what the SCIM surface provisions, what its DELETE does and what its Groups are.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(default)]
pub struct ScimConfig {
    /// `delete` or `deactivate`.
    pub delete: ScimDelete,
    /// `end-users` or `admins`.
    pub realm: ScimRealm,
    /// `roles` or `groups`.
    pub groups: ScimGroups,
    /// With `groups = "groups"`: which role the members of which group hold, first match wins.
    pub group_roles: Vec<GroupRoleConfig>,
}

/// `scim.groups`: what a SCIM Group is in the end-user realm.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ScimGroups {
    /// A group is an end-user role; a user is in one group at most (its role).
    #[default]
    Roles,
    /// Groups are a table of their own; `scim.group_roles` maps them to roles.
    Groups,
}

/// One entry of `scim.group_roles`: `{ group = "Engineering", role = "editor" }`.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
pub struct GroupRoleConfig {
    /// A group's displayName, compared case-insensitively.
    pub group: String,
    /// The type of the end-user role its members hold (`editor`, `authenticated`), as
    /// `has-role(…)` policies name roles.
    pub role: String,
}

/// `scim.delete`: what `DELETE /scim/v2/Users/{id}` does.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ScimDelete {
    /// The user is deleted, with their sessions.
    #[default]
    Delete,
    /// The user is blocked (their sessions end) and stays, `active: false`.
    Deactivate,
}

/// `scim.realm`: whose accounts `/scim/v2/Users` provisions.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum ScimRealm {
    /// The end users; groups are the end-user roles.
    #[default]
    EndUsers,
    /// The admin users; groups are the admin roles.
    Admins,
}

/// `[audit]`
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
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

impl AuditConfig {
    /// How long an audit row is kept.
    pub fn retention(&self) -> Duration {
        Duration::from_secs(u64::from(self.retention_days) * 86_400)
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

impl std::fmt::Display for DurationText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let millis = self.0.as_millis();
        if millis == 0 {
            return f.write_str("0s");
        }
        match [(86_400_000, "d"), (3_600_000, "h"), (60_000, "m"), (1000, "s")]
            .iter()
            .find(|(unit, _)| millis > 0 && millis.is_multiple_of(*unit))
        {
            Some((unit, suffix)) => write!(f, "{}{suffix}", millis / unit),
            None => write!(f, "{millis}ms"),
        }
    }
}

impl Serialize for DurationText {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string())
    }
}

/// A size in bytes, written as a number or `64KiB`, `1MiB`, `64KB`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
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

impl std::fmt::Display for ByteSize {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0.is_multiple_of(1024 * 1024) && self.0 > 0 {
            write!(f, "{}MiB", self.0 / (1024 * 1024))
        } else if self.0.is_multiple_of(1024) && self.0 > 0 {
            write!(f, "{}KiB", self.0 / 1024)
        } else {
            write!(f, "{}", self.0)
        }
    }
}

impl Serialize for ByteSize {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.0 >= 1024 && self.0.is_multiple_of(1024) {
            serializer.serialize_str(&self.to_string())
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

/// What reading the configuration found: the values (a refused key keeps its default), every
/// problem (unknown keys, wrong types, values out of range) and warnings (keys that have no
/// effect yet, mail links to pages nothing serves, weak argon2 parameters).
#[derive(Clone, Debug)]
pub struct Checked {
    /// The configuration read.
    pub config: Config,
    /// Every problem, `key: what is wrong`; the configuration is usable only without any.
    pub problems: Vec<String>,
    /// Warnings, `key …`; the configuration is usable.
    pub warnings: Vec<String>,
}

impl Checked {
    /// The configuration, or an error naming every problem.
    pub fn into_result(self) -> anyhow::Result<Config> {
        if self.problems.is_empty() {
            Ok(self.config)
        } else {
            Err(problems_error(&self.problems))
        }
    }
}

fn problems_error(problems: &[String]) -> anyhow::Error {
    anyhow::anyhow!("invalid configuration ({} problems):\n  {}", problems.len(), problems.join("\n  "))
}

const SECOND: Duration = Duration::from_secs(1);
const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);
const DAY: Duration = Duration::from_secs(86_400);

/// Collects range problems, one line per key.
#[derive(Default)]
struct Problems(Vec<String>);

impl Problems {
    fn push(&mut self, key: &str, message: impl std::fmt::Display) {
        self.0.push(format!("{key}: {message}"));
    }

    fn range<T: PartialOrd + std::fmt::Display>(&mut self, key: &str, value: T, min: T, max: T) {
        if value < min || value > max {
            self.push(key, format!("{value} is out of range (allowed: {min} to {max})"));
        }
    }

    fn duration(&mut self, key: &str, value: Duration, min: Duration, max: Duration) {
        if value < min || value > max {
            let (value, min, max) = (DurationText(value), DurationText(min), DurationText(max));
            self.push(key, format!("{value} is out of range (allowed: {min} to {max})"));
        }
    }

    fn http_url(&mut self, key: &str, value: Option<&str>) {
        let Some(value) = value else { return };
        match url::Url::parse(value) {
            Ok(url) if matches!(url.scheme(), "http" | "https") && url.has_host() => {}
            _ => self.push(key, format!("{value:?} is not an absolute http(s) URL")),
        }
    }
}

impl Config {
    /// Loads the configuration from file, environment and flags; an error names every problem.
    pub fn load(overrides: &Overrides) -> anyhow::Result<Config> {
        Self::check(overrides)?.into_result()
    }

    /// Reads file, environment and flags and checks every key; fails only when the file cannot
    /// be read or is not TOML (or a `…_FILE` variable names an unreadable file).
    pub fn check(overrides: &Overrides) -> anyhow::Result<Checked> {
        Self::check_with(overrides, &crate::extend::Extensions::default())
    }

    /// [`Config::check`] knowing an application's routes and policies (see [`crate::extend`]).
    pub fn check_with(overrides: &Overrides, extensions: &crate::extend::Extensions) -> anyhow::Result<Checked> {
        let env: Vec<(String, String)> = std::env::vars().collect();
        Self::check_from_with(overrides, &env, extensions)
    }

    /// [`Config::check`] with the environment given explicitly (for tests).
    pub fn check_from(overrides: &Overrides, env: &[(String, String)]) -> anyhow::Result<Checked> {
        Self::check_from_with(overrides, env, &crate::extend::Extensions::default())
    }

    /// [`Config::check_from`] knowing an application's routes and policies.
    pub fn check_from_with(
        overrides: &Overrides,
        env: &[(String, String)],
        extensions: &crate::extend::Extensions,
    ) -> anyhow::Result<Checked> {
        let (config, mut problems) = parse_table(merged_table(overrides, env)?);
        problems.extend(config.problems_with(extensions));
        let warnings = config.warnings();
        Ok(Checked { config, problems, warnings })
    }

    /// The configuration from file, environment and flags (environment given explicitly, for
    /// tests), refusing unknown keys and wrong types but without range checks.
    pub fn load_from(overrides: &Overrides, env: &[(String, String)]) -> anyhow::Result<Config> {
        let (config, problems) = parse_table(merged_table(overrides, env)?);
        if problems.is_empty() {
            Ok(config)
        } else {
            Err(problems_error(&problems))
        }
    }

    /// Checks values that parse but would break the server; an error names every bad key.
    pub fn validate(&self) -> anyhow::Result<()> {
        let problems = self.problems();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems_error(&problems))
        }
    }

    /// Every value out of its range (the ranges `docs/configuration.md` documents), one line
    /// per problem.
    pub fn problems(&self) -> Vec<String> {
        self.problems_with(&crate::extend::Extensions::default())
    }

    /// [`Config::problems`], knowing an application's routes and policies.
    pub fn problems_with(&self, extensions: &crate::extend::Extensions) -> Vec<String> {
        let mut p = Problems::default();

        if self.server.bind.parse::<SocketAddr>().is_err() {
            p.push("server.bind", format!("{:?} is not an ADDR:PORT", self.server.bind));
        }
        p.http_url("server.public_url", self.server.public_url.as_deref());
        p.range("server.body_limit", self.server.body_limit, ByteSize(1024), ByteSize(16 * 1024 * 1024));
        for proxy in &self.server.trusted_proxies {
            if !is_ip_or_cidr(proxy) {
                p.push("server.trusted_proxies", format!("{proxy:?} is not an IP address or CIDR block"));
            }
        }
        for origin in &self.server.cors_origins {
            if !is_origin(origin) {
                p.push("server.cors_origins", format!("{origin:?} is not an origin such as https://app.example.com"));
            }
        }

        if let Err(error) = self.database.target() {
            p.push("database.url", format!("{error:#}"));
        }
        p.range("database.max_connections", self.database.max_connections, 1, 500);

        if tracing_subscriber::EnvFilter::try_new(&self.log.level).is_err() {
            p.push("log.level", format!("{:?} is not a log filter (e.g. info, gatehouse=debug)", self.log.level));
        }

        let auth = &self.auth;
        p.range("auth.password_min_length", auth.password_min_length, 6, 256);
        if let Some(ttl) = auth.jwt_ttl {
            p.duration("auth.jwt_ttl", ttl.0, MINUTE, 365 * DAY);
        }
        p.duration("auth.refresh_ttl", auth.refresh_ttl.0, MINUTE, 365 * DAY);
        let jwt_ttl = self.domain_settings().jwt_ttl;
        if auth.jwt_mode == JwtModeConfig::Refresh && auth.refresh_ttl.0 <= jwt_ttl {
            p.push(
                "auth.refresh_ttl",
                format!(
                    "{} must be longer than auth.jwt_ttl ({}) in refresh mode",
                    auth.refresh_ttl,
                    DurationText(jwt_ttl)
                ),
            );
        }
        p.duration("auth.refresh_reuse_grace", auth.refresh_reuse_grace.0, Duration::ZERO, 5 * MINUTE);
        p.http_url("auth.email_confirmation_redirect", auth.email_confirmation_redirect.as_deref());
        p.http_url("auth.reset_password_url", auth.reset_password_url.as_deref());
        p.duration("auth.reset_code_ttl", auth.reset_code_ttl.0, MINUTE, 7 * DAY);
        p.range("auth.argon2.parallelism", auth.argon2.parallelism, 1, 16);
        p.range("auth.argon2.iterations", auth.argon2.iterations, 1, 64);
        p.range("auth.argon2.memory_kib", auth.argon2.memory_kib, 8 * auth.argon2.parallelism.max(1), 1024 * 1024);
        if let Some(threads) = auth.hash_pool_size {
            p.range("auth.hash_pool_size", threads, 1, 256);
        }
        p.range("auth.hash_queue", auth.hash_queue, 1, 100_000);
        p.duration("auth.cache_ttl", auth.cache_ttl.0, Duration::ZERO, MINUTE);

        for field in &self.register.allowed_fields {
            if Domain::NEVER_REGISTRABLE.contains(&field.as_str()) {
                p.push("register.allowed_fields", format!("{field:?} can never be set at registration"));
            } else if field.is_empty() || !field.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                p.push("register.allowed_fields", format!("{field:?} is not a field name"));
            }
        }

        p.range("rate_limit.auth_per_minute", self.rate_limit.auth_per_minute, 1, 10_000);
        p.range("rate_limit.api_per_minute", self.rate_limit.api_per_minute, 1, 1_000_000_000);
        p.range("rate_limit.max_keys", self.rate_limit.max_keys, 1_000, 10_000_000);
        for (name, route) in &self.rate_limit.routes {
            let key = format!("rate_limit.routes.{name}");
            let Some(found) = crate::http::routes::ROUTES
                .iter()
                .find(|route| route.name == name.as_str() || route.handler == name.as_str())
            else {
                p.push(&key, "no route handler has this name (gatehouse routes list names them)");
                continue;
            };
            for (field, rate) in [("per_client", route.per_client), ("per_identifier", route.per_identifier)] {
                if let Some(rate) = rate {
                    p.range(&format!("{key}.{field} (count)"), rate.count, 1, 1_000_000);
                    p.duration(&format!("{key}.{field} (window)"), rate.window, SECOND, DAY);
                }
            }
            if route.per_identifier.is_some() && crate::http::ratelimit::identifier_field(found.name).is_none() {
                p.push(&format!("{key}.per_identifier"), "this route reads no identifier from its body");
            }
        }

        if let Some(smtp) = &self.mail.smtp_url {
            if let Err(error) = crate::mail::SmtpSettings::parse(smtp) {
                p.push("mail.smtp_url", error);
            }
        }
        if let Some(from) = &self.mail.from {
            if from.parse::<lettre::message::Mailbox>().is_err() {
                p.push("mail.from", format!("{from:?} is not an email address"));
            }
        }
        if let Err(error) = crate::mail::Templates::load(self.mail.templates_dir.as_deref()) {
            p.push("mail.templates_dir", format!("{error:#}"));
        }

        p.duration("admin.jwt_ttl", self.admin.jwt_ttl.0, MINUTE, DAY);
        p.duration("admin.invite_ttl", self.admin.invite_ttl.0, HOUR, 90 * DAY);
        p.http_url("admin.invite_url", self.admin.invite_url.as_deref());
        p.http_url("admin.reset_password_url", self.admin.reset_password_url.as_deref());
        let requests = &self.admin.access_requests;
        p.duration("admin.access_requests.ttl", requests.ttl.0, DAY, 365 * DAY);
        let role = requests.default_role.trim();
        if role.is_empty() || !role.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            p.push(
                "admin.access_requests.default_role",
                format!("{role:?} is not an admin role code or short name (author, editor, strapi-author, …)"),
            );
        }

        p.range("webhooks.retry_schedule (entries)", self.webhooks.retry_schedule.len(), 0, 20);
        for (index, delay) in self.webhooks.retry_schedule.iter().enumerate() {
            p.duration(&format!("webhooks.retry_schedule[{index}]"), delay.0, SECOND, 7 * DAY);
        }
        p.duration("webhooks.timeout", self.webhooks.timeout.0, SECOND, 5 * MINUTE);

        p.range("audit.retention_days", self.audit.retention_days, 1, 3650);

        if let Some(problem) = self.medusa.prefix_problem() {
            p.0.push(problem);
        }
        self.scim_group_problems(&mut p);
        if let Err(problems) = crate::http::routes::RouteTable::from_config_with(&self.routes, extensions) {
            p.0.extend(problems);
        }
        for (handler, route) in &self.routes {
            if let Some(rate) = route.rate_limit {
                let key = format!("routes.{handler:?}.rate_limit");
                p.range(&format!("{key} (count)"), rate.count, 1, 1_000_000);
                p.duration(&format!("{key} (window)"), rate.window, SECOND, DAY);
            }
        }
        p.0
    }

    /// `scim.groups` and `scim.group_roles`: free-standing groups serve the end-user realm
    /// only, and each mapping names a group and a role type.
    fn scim_group_problems(&self, p: &mut Problems) {
        if self.scim.groups == ScimGroups::Groups && self.scim.realm == ScimRealm::Admins {
            p.push(
                "scim.groups",
                "\"groups\" serves the end-user realm only: with scim.realm = \"admins\" a Group is an admin role (use scim.groups = \"roles\")",
            );
        }
        let mut seen = Vec::new();
        for (index, mapping) in self.scim.group_roles.iter().enumerate() {
            let key = format!("scim.group_roles[{index}]");
            let group = mapping.group.trim();
            if group.is_empty() {
                p.push(&format!("{key}.group"), "must name a group (its displayName)");
            } else if seen.contains(&gatehouse_domain::values::fold(group)) {
                p.push(
                    &format!("{key}.group"),
                    format!("{group:?} is mapped twice (the first mapping would always win)"),
                );
            } else {
                seen.push(gatehouse_domain::values::fold(group));
            }
            let role = mapping.role.trim();
            if role.is_empty() || !role.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '_') {
                p.push(
                    &format!("{key}.role"),
                    format!("{role:?} is not an end-user role type (authenticated, editor, content_editors, …)"),
                );
            }
        }
    }

    /// `[rate_limit]` with `[routes."<handler>"] rate_limit` folded in (as each route's
    /// per-client limit) and every route keyed by its route name, as the limiters read it.
    pub fn effective_rate_limit(&self) -> RateLimitConfig {
        let mut effective = self.rate_limit.clone();
        let route_name = |name: &str| {
            crate::http::routes::ROUTES
                .iter()
                .find(|route| route.name == name || route.handler.eq_ignore_ascii_case(name))
                .map(|route| route.name.to_owned())
        };
        effective.routes = self
            .rate_limit
            .routes
            .iter()
            .map(|(name, limits)| (route_name(name).unwrap_or_else(|| name.clone()), limits.clone()))
            .collect();
        for (handler, route) in &self.routes {
            let (Some(rate), Some(name)) = (route.rate_limit, route_name(handler)) else { continue };
            effective.routes.entry(name).or_default().per_client = Some(rate);
        }
        effective
    }

    /// Keys that are accepted but do nothing (yet), rate limiting switched off, mail links to pages Gatehouse does not
    /// serve, and argon2 parameters under OWASP's floor.
    pub fn warnings(&self) -> Vec<String> {
        let mut warnings = Vec::new();
        if !self.rate_limit.enabled {
            warnings.push("rate_limit.enabled = false: no request is rate limited".into());
        }
        let owasp = Argon2Settings::OWASP;
        let argon2 = &self.auth.argon2;
        if argon2.memory_kib < owasp.memory_kib || argon2.iterations < owasp.iterations {
            warnings.push(format!(
                "auth.argon2 is weaker than OWASP's minimum (memory_kib {}, iterations {}): fine for tests, not for production",
                owasp.memory_kib, owasp.iterations
            ));
        }
        warnings.extend(self.link_warnings());
        warnings.extend(self.route_warnings());
        if self.scim.groups == ScimGroups::Roles && !self.scim.group_roles.is_empty() {
            warnings.push("scim.group_roles has no effect: scim.groups = \"roles\" (a group is a role)".into());
        }
        warnings
    }

    /// `[routes]` settings that cannot do what they say: a rate limit while rate limiting is
    /// off, and a policy that needs a caller on a route open to everyone (which resolves none,
    /// so the policy refuses every request).
    pub fn route_warnings(&self) -> Vec<String> {
        let mut warnings = Vec::new();
        for (handler, route) in &self.routes {
            if route.rate_limit.is_some() && !self.rate_limit.enabled {
                warnings.push(format!("routes.{handler:?}.rate_limit has no effect: rate_limit.enabled = false"));
            }
            let open = crate::http::routes::ROUTES
                .iter()
                .find(|known| known.handler.eq_ignore_ascii_case(handler))
                .is_some_and(|known| known.action.is_open());
            let needs_caller = route.policies.iter().filter(|policy| {
                let name = policy.split('(').next().unwrap_or_default().trim();
                matches!(name, "is-authenticated" | "is-own-user" | "has-role")
            });
            for policy in needs_caller.filter(|_| open) {
                warnings.push(format!(
                    "routes.{handler:?}.policies: {policy:?} refuses every request, as the route is open to everyone and resolves no caller"
                ));
            }
        }
        warnings
    }

    /// One warning for each mail link that points at a page Gatehouse does not serve.
    pub fn link_warnings(&self) -> Vec<String> {
        let settings = self.domain_settings();
        let mut warnings = Vec::new();
        if self.admin.invite_url.is_none() {
            warnings.push(format!(
                "admin.invite_url is unset: invite mails link to {}, a page Gatehouse does not serve",
                settings.invite_url
            ));
        }
        if self.auth.reset_password_url.is_none() {
            warnings.push(format!(
                "auth.reset_password_url is unset: reset-password mails link to {}, a page Gatehouse does not serve",
                settings.reset_password_url
            ));
        }
        if self.auth.email_confirmation_redirect.is_none() {
            warnings.push(format!(
                "auth.email_confirmation_redirect is unset: confirmed users are sent to {}, a page Gatehouse does not serve",
                self.email_confirmation_redirect()
            ));
        }
        warnings
    }

    /// The listen address.
    pub fn bind_addr(&self) -> anyhow::Result<SocketAddr> {
        self.server.bind.parse().with_context(|| format!("server.bind {:?}", self.server.bind))
    }

    /// Password-hashing threads: `auth.hash_pool_size`, else the CPU count.
    pub fn hash_pool_size(&self) -> usize {
        self.auth.hash_pool_size.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
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
            admin_reset_password_url: self
                .admin
                .reset_password_url
                .clone()
                .unwrap_or_else(|| format!("{}/app/reset-password", self.public_url())),
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
            scim_admins: self.scim.realm == ScimRealm::Admins,
            group_roles: self
                .scim
                .group_roles
                .iter()
                .map(|mapping| gatehouse_domain::settings::GroupRole {
                    group: mapping.group.trim().to_owned(),
                    role: mapping.role.trim().to_owned(),
                })
                .collect(),
            access_requests: gatehouse_domain::settings::AccessRequestSettings {
                enabled: self.admin.access_requests.enabled,
                default_role: self.admin.access_requests.default_role.trim().to_owned(),
                ttl: self.admin.access_requests.ttl.0,
            },
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

    /// Every effective value as TOML (defaults filled in, so nothing is left out), passwords
    /// in URLs masked; keys that stay unset are listed as comments saying what that means.
    pub fn to_effective_toml(&self) -> anyhow::Result<String> {
        let settings = self.domain_settings();
        let mut shown = self.clone();
        shown.database.url = mask_url_secrets(&self.database.url);
        shown.mail.smtp_url = self.mail.smtp_url.as_deref().map(mask_url_secrets);
        shown.server.public_url = Some(self.public_url());
        shown.auth.jwt_ttl = Some(DurationText(settings.jwt_ttl));
        shown.auth.hash_pool_size = Some(self.hash_pool_size());
        shown.auth.email_confirmation_redirect = Some(self.email_confirmation_redirect());
        shown.auth.reset_password_url = Some(settings.reset_password_url);
        shown.admin.invite_url = Some(settings.invite_url);
        shown.admin.reset_password_url = Some(settings.admin_reset_password_url);
        let mut text = toml::to_string_pretty(&shown)?;
        let mut mail_notes = String::from("[mail]\n");
        if self.mail.smtp_url.is_none() {
            mail_notes
                .push_str("# smtp_url: unset, so mails are logged and kept in the outbox (gatehouse mail list)\n");
        }
        if self.mail.templates_dir.is_none() {
            mail_notes.push_str("# templates_dir: unset, so the built-in templates are used\n");
        }
        text = text.replacen("[mail]\n", &mail_notes, 1);
        if self.rate_limit.routes.is_empty() {
            text = text.replacen(
                "[rate_limit]\n",
                "[rate_limit]\n# routes: unset, so every route has its class's default limits\n",
                1,
            );
        }
        Ok(text)
    }
}

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

/// `ADDR` or `ADDR/PREFIX`.
fn is_ip_or_cidr(text: &str) -> bool {
    match text.split_once('/') {
        None => text.parse::<IpAddr>().is_ok(),
        Some((addr, prefix)) => match (addr.parse::<IpAddr>(), prefix.parse::<u8>()) {
            (Ok(IpAddr::V4(_)), Ok(bits)) => bits <= 32,
            (Ok(IpAddr::V6(_)), Ok(bits)) => bits <= 128,
            _ => false,
        },
    }
}

/// `*` or `scheme://host[:port]` without a path.
fn is_origin(text: &str) -> bool {
    if text == "*" {
        return true;
    }
    match url::Url::parse(text) {
        Ok(url) => {
            matches!(url.scheme(), "http" | "https")
                && url.has_host()
                && url.path() == "/"
                && !text.ends_with('/')
                && url.query().is_none()
        }
        Err(_) => false,
    }
}

/// The file, then the environment, then the flags, as one TOML table.
fn merged_table(overrides: &Overrides, env: &[(String, String)]) -> anyhow::Result<toml::Table> {
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
    Ok(table)
}

/// Deserializes `table`, collecting every unknown key and every value of the wrong type: a
/// refused value is named, removed (its default applies) and the rest read again.
fn parse_table(mut table: toml::Table) -> (Config, Vec<String>) {
    let mut problems = Vec::new();
    loop {
        let mut unknown = Vec::new();
        let value = toml::Value::Table(table.clone());
        let mut record = |path: serde_ignored::Path<'_>| unknown.push(path.to_string());
        let result =
            serde_path_to_error::deserialize::<_, Config>(serde_ignored::Deserializer::new(value, &mut record));
        match result {
            Ok(config) => {
                problems.extend(unknown.into_iter().map(|key| format!("{key}: unknown key")));
                return (config, problems);
            }
            Err(error) => {
                let mut keys = Vec::new();
                for segment in error.path().iter() {
                    match segment {
                        serde_path_to_error::Segment::Map { key } => keys.push(key.clone()),
                        _ => break,
                    }
                }
                problems.push(format!("{}: {}", error.path(), error.inner().message()));
                if !remove_path(&mut table, &keys) {
                    return (Config::default(), problems);
                }
            }
        }
    }
}

/// Removes the value at `path`; false when there is nothing to remove.
fn remove_path(table: &mut toml::Table, path: &[String]) -> bool {
    match path {
        [] => false,
        [last] => table.remove(last).is_some(),
        [first, rest @ ..] => match table.get_mut(first) {
            Some(toml::Value::Table(inner)) => remove_path(inner, rest),
            Some(_) => table.remove(first).is_some(),
            None => false,
        },
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
        assert!(config.rate_limit.enabled, "rate limiting is on by default");
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
        assert!(config.to_effective_toml().unwrap().contains("postgres://u:****@db/x"));
    }

    #[test]
    fn a_postgres_url_names_its_socket_folder_and_port_by_parameters() {
        let target = |url: &str| DatabaseConfig { url: url.into(), ..DatabaseConfig::default() }.target().unwrap();
        let postgres =
            |host: &str, port: u16| DatabaseTarget::Postgres { host: host.into(), port, database: "g".into() };
        assert_eq!(target("postgres://u@db:6000/g"), postgres("db", 6000));
        assert_eq!(target("postgres://u@db/g"), postgres("db", 5432));
        assert_eq!(target("postgres:///g?host=/run/pg&port=6001"), postgres("/run/pg", 6001));
        assert_eq!(target("postgresql://u@localhost:1/g?host=/run/pg&port=6002"), postgres("/run/pg", 6002));
        let bad = DatabaseConfig { url: "postgres://db/g?port=x".into(), ..DatabaseConfig::default() };
        assert!(bad.target().is_err());
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
    fn route_settings_that_cannot_work_are_warned_about() {
        let mut config = Config::load_from(&Overrides::default(), &[]).unwrap();
        config.rate_limit.enabled = false;
        config.routes.insert(
            "admin.login".into(),
            RouteConfig {
                policies: vec!["is-own-user".into(), "ip-allow(10.0.0.0/8)".into()],
                rate_limit: RateText::parse("5/min"),
                ..RouteConfig::default()
            },
        );
        let warnings = config.route_warnings();
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(warnings[0].contains("rate_limit has no effect"), "{warnings:?}");
        assert!(warnings[1].contains("\"is-own-user\" refuses every request"), "{warnings:?}");
        assert_eq!(RateText::parse("5/min"), Some(RateText { count: 5, window: MINUTE }));
        assert_eq!(RateText::parse("100/hour"), Some(RateText { count: 100, window: HOUR }));
        assert_eq!(RateText::parse("5/fortnight"), None);
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
