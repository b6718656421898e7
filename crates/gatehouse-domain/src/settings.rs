//! The settings the rules depend on; the server builds them from its configuration.

use crate::crypto::password::Argon2Settings;
use std::time::Duration;

/// How end-user tokens are issued (`auth.jwt_mode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JwtMode {
    /// One long-lived JWT (Strapi's `legacy-support`); the default.
    Legacy,
    /// A short access JWT plus a rotating refresh token (Strapi 5's `refresh`).
    Refresh,
}

/// Settings of the domain rules.
#[derive(Clone, Debug)]
pub struct DomainSettings {
    /// Token style for end users.
    pub jwt_mode: JwtMode,
    /// Lifetime of an end-user access JWT (and of a legacy session).
    pub jwt_ttl: Duration,
    /// Whether self-registration is open.
    pub allow_register: bool,
    /// Whether a new account must confirm its email before logging in.
    pub email_confirmation: bool,
    /// Minimum password length in characters.
    pub password_min_length: usize,
    /// Extra body fields that registration accepts besides username, email and password.
    pub register_allowed_fields: Vec<String>,
    /// argon2id parameters.
    pub argon2: Argon2Settings,
    /// Lifetime of a refresh token (and of a refresh-mode session without activity).
    pub refresh_ttl: Duration,
    /// Window in which replaying the just-rotated refresh token is a plain 401.
    pub refresh_reuse_grace: Duration,
    /// Lifetime of a password-reset code.
    pub reset_code_ttl: Duration,
    /// Lifetime of an email-confirmation token.
    pub confirmation_ttl: Duration,
    /// The public base URL (confirmation links).
    pub public_url: String,
    /// The reset-password page; mails link to `<url>?code=<code>`.
    pub reset_password_url: String,
    /// Lifetime of an admin access JWT.
    pub admin_jwt_ttl: Duration,
    /// Lifetime of an admin invite.
    pub invite_ttl: Duration,
    /// The invite-accept page; mails link to `<url>?registrationToken=<token>`.
    pub invite_url: String,
    /// The admin reset-password page; mails link to `<url>?token=<token>&email=<email>`.
    pub admin_reset_password_url: String,
    /// Requests for admin access through the public form (`admin.access_requests`).
    pub access_requests: AccessRequestSettings,
    /// How long a cached session or role stays trusted without re-reading the store; bounds how
    /// late a revocation made by another node (or the CLI) is seen.
    pub cache_ttl: Duration,
    /// Whether the `scim` API tokens provision the admin realm (`scim.realm = "admins"`): they
    /// then also hold [`crate::api_tokens::SCIM_ADMIN_ACTIONS`].
    pub scim_admins: bool,
    /// How membership of a group decides an end user's role (`scim.group_roles`), in order:
    /// the first mapping whose group the user belongs to wins.
    pub group_roles: Vec<GroupRole>,
}

/// One mapping of `scim.group_roles`: members of the group named `group` (compared
/// case-insensitively) hold the end-user role of type `role`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupRole {
    /// A group's display name.
    pub group: String,
    /// An end-user role's type (`editor`, `authenticated`).
    pub role: String,
}

impl Default for DomainSettings {
    fn default() -> Self {
        Self {
            jwt_mode: JwtMode::Legacy,
            jwt_ttl: Duration::from_secs(30 * 24 * 3600),
            allow_register: true,
            email_confirmation: false,
            password_min_length: 8,
            register_allowed_fields: Vec::new(),
            argon2: Argon2Settings::OWASP,
            refresh_ttl: Duration::from_secs(14 * 24 * 3600),
            refresh_reuse_grace: Duration::from_secs(10),
            reset_code_ttl: Duration::from_secs(3600),
            confirmation_ttl: Duration::from_secs(7 * 24 * 3600),
            public_url: "http://127.0.0.1:1337".into(),
            reset_password_url: "http://127.0.0.1:1337/reset-password".into(),
            admin_jwt_ttl: Duration::from_secs(1800),
            invite_ttl: Duration::from_secs(7 * 24 * 3600),
            invite_url: "http://127.0.0.1:1337/admin/auth/register".into(),
            admin_reset_password_url: "http://127.0.0.1:1337/app/reset-password".into(),
            cache_ttl: Duration::from_secs(1),
            access_requests: AccessRequestSettings::default(),
            scim_admins: false,
            group_roles: Vec::new(),
        }
    }
}

/// Requests for admin access (`admin.access_requests.*`).
#[derive(Clone, Debug)]
pub struct AccessRequestSettings {
    /// Whether the public form is open; off by default.
    pub enabled: bool,
    /// The admin role an approval gives when the approver names none: a role code
    /// (`strapi-author`) or its short name (`author`).
    pub default_role: String,
    /// How long a request waits for a decision before it expires.
    pub ttl: Duration,
}

impl Default for AccessRequestSettings {
    fn default() -> Self {
        Self { enabled: false, default_role: "author".into(), ttl: Duration::from_secs(30 * 24 * 3600) }
    }
}
