//! Configuration: built-in defaults, then an optional TOML file, then `GATEHOUSE_<SECTION>__<KEY>`
//! environment variables (any of them may be given as `…_FILE`, a path holding the value), then
//! command-line flags. Unknown keys are errors that name every offending key.
//!
//! [`Config::check_from`] reads everything and reports every problem at once: unknown keys,
//! values of the wrong type, and values out of their documented range (see
//! `docs/configuration.md`, which lists each key's default and range). Keys of features that
//! are not built yet are accepted and give a warning when set.
//!
//! The sections are here; the value types (durations, sizes, rates) in `values`, reading the
//! sources in `load`, the ranges and warnings in `check`, and the database URL's target in
//! `database`.

mod check;
mod database;
mod load;
mod values;

pub use database::{mask_url_secrets, DatabaseTarget};
pub use load::{Checked, Overrides};
pub use values::{ByteSize, DurationText, RateText};

use anyhow::{bail, Context};
use gatehouse_domain::crypto::password::Argon2Settings;
use gatehouse_domain::settings::{DomainSettings, JwtMode};
use gatehouse_domain::Domain;
use serde::{Deserialize, Serialize};
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

impl Config {
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

#[cfg(test)]
mod tests;
