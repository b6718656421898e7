//! The ranges of the values and the warnings: every problem found at once, one line per key.

use super::load::problems_error;
use super::values::{DAY, HOUR, MINUTE, SECOND};
use super::*;

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
