//! [`RoutePolicy`]: the built-in checks an operator attaches to a route by configuration
//! (`[routes."<handler>"] policies = [...]`). They run after the route's permission check and
//! before its handler, in the order listed; the first refusal ends the request with
//! [`DomainError::PolicyRefused`] (a 403 in the surface's words) and nothing is written.
//!
//! Wire-neutral: a policy sees the [`Caller`], the numeric id the route's path names (each
//! surface decodes its own id format first) and the client's address (after the trusted-proxy
//! rule). No HTTP type may be imported here.

use crate::caller::{Caller, Principal};
use crate::error::DomainError;
use crate::service::Domain;
use ipnet::IpNet;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

/// One built-in policy, parsed from its configured text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RoutePolicy {
    /// `is-authenticated`: the caller presented valid credentials (an end user, an admin or an
    /// API token; not the public role).
    IsAuthenticated,
    /// `is-own-user`: the id in the path is the caller's own (an end user's, or an admin's).
    IsOwnUser,
    /// `has-role(<type>[,<type>…])`: the end user's role type, or one of the admin's role
    /// codes, is listed.
    HasRole(Vec<String>),
    /// `ip-allow(<cidr>[,<cidr>…])`: the client's address is in one of the blocks.
    IpAllow(Vec<IpNet>),
    /// `deny`: every request is refused.
    Deny,
    /// A policy an embedding application registered (see [`PolicyRegistry`]).
    Custom(CustomPolicy),
}

/// A registered policy's check: the request and the policy's configured arguments
/// (`name(a, b)`); `Err` refuses with that message.
pub type PolicyCheck = dyn Fn(&PolicyRequest<'_>, &[String]) -> Result<(), String> + Send + Sync;

/// A registered policy as a route runs it: its name, its arguments and its check.
#[derive(Clone)]
pub struct CustomPolicy {
    name: Arc<str>,
    arguments: Arc<[String]>,
    check: Arc<PolicyCheck>,
}

impl PartialEq for CustomPolicy {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.arguments == other.arguments
    }
}

impl Eq for CustomPolicy {}

impl fmt::Debug for CustomPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CustomPolicy").field("name", &self.name).field("arguments", &self.arguments).finish()
    }
}

/// The policies configuration may name: the built-in ones and those an embedding application
/// registered.
///
/// ```
/// use gatehouse_domain::route_policy::{PolicyRegistry, RoutePolicy};
///
/// let mut registry = PolicyRegistry::default();
/// registry.register("weekdays-only", |_request, _arguments| Ok(())).unwrap();
/// assert!(registry.parse("weekdays-only").is_ok());
/// assert!(registry.parse("is-own-user").is_ok());
/// let unknown = registry.parse("no-such-policy").unwrap_err().0;
/// assert!(unknown.contains("weekdays-only"));
/// // Built-in names cannot be taken.
/// assert!(registry.register("deny", |_, _| Ok(())).is_err());
/// ```
#[derive(Clone, Default)]
pub struct PolicyRegistry {
    custom: BTreeMap<String, Arc<PolicyCheck>>,
}

impl fmt::Debug for PolicyRegistry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.custom.keys()).finish()
    }
}

impl PolicyRegistry {
    /// Registers a policy under `name` (lower-case letters, digits and `-`); a built-in or
    /// already registered name is refused.
    pub fn register(
        &mut self,
        name: &str,
        check: impl Fn(&PolicyRequest<'_>, &[String]) -> Result<(), String> + Send + Sync + 'static,
    ) -> Result<(), PolicyParseError> {
        let valid = !name.is_empty()
            && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == ':');
        if !valid {
            return Err(PolicyParseError(format!("policy name {name:?}: use lower-case letters, digits, '-' and ':'")));
        }
        let built_in = POLICY_FORMS.iter().any(|form| form.split('(').next() == Some(name));
        if built_in || self.custom.contains_key(name) {
            return Err(PolicyParseError(format!("the policy {name:?} is registered twice")));
        }
        self.custom.insert(name.to_owned(), Arc::new(check));
        Ok(())
    }

    /// The registered names.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.custom.keys().map(String::as_str)
    }

    /// Parses a built-in policy or a registered one (`name` or `name(arguments)`); an unknown
    /// name lists every known form.
    pub fn parse(&self, text: &str) -> Result<RoutePolicy, PolicyParseError> {
        let trimmed = text.trim();
        let name = trimmed.split('(').next().unwrap_or_default().trim();
        let Some(check) = self.custom.get(name) else {
            return RoutePolicy::parse(trimmed).map_err(|error| {
                if self.custom.is_empty() || !error.0.starts_with("unknown policy") {
                    return error;
                }
                let mut known: Vec<&str> = POLICY_FORMS.to_vec();
                known.extend(self.names());
                PolicyParseError(format!("unknown policy {trimmed:?} (known: {})", known.join(", ")))
            });
        };
        let arguments: Vec<String> = match trimmed[name.len()..].trim() {
            "" => Vec::new(),
            rest => {
                let Some(inner) = rest.strip_prefix('(').and_then(|rest| rest.strip_suffix(')')) else {
                    return Err(PolicyParseError(format!("policy {trimmed:?}: write its arguments as {name}(…)")));
                };
                inner.split(',').map(|argument| argument.trim().to_owned()).collect()
            }
        };
        Ok(RoutePolicy::Custom(CustomPolicy {
            name: Arc::from(name),
            arguments: Arc::from(arguments),
            check: check.clone(),
        }))
    }
}

/// What a policy decides on: who asks, about which id, from where.
#[derive(Clone, Copy, Debug)]
pub struct PolicyRequest<'a> {
    /// The resolved caller; `None` on routes open to everyone (no credentials are resolved).
    pub caller: Option<&'a Caller>,
    /// The numeric id the path names (`/api/users/{id}`), when the route has one and it parses.
    pub path_id: Option<i64>,
    /// The client's address.
    pub client_ip: Option<IpAddr>,
}

/// The forms [`RoutePolicy::parse`] accepts, for messages.
pub const POLICY_FORMS: &[&str] =
    &["is-authenticated", "is-own-user", "has-role(<type>[,<type>…])", "ip-allow(<cidr>[,<cidr>…])", "deny"];

/// Why a policy's text was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyParseError(pub String);

impl fmt::Display for PolicyParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl RoutePolicy {
    /// Parses `is-own-user`, `has-role(editor, admin)`, `ip-allow(10.0.0.0/8, ::1)`, …; an
    /// unknown name or a bad argument is an error that names it and lists the known forms.
    pub fn parse(text: &str) -> Result<Self, PolicyParseError> {
        let text = text.trim();
        let (name, arguments) = match text.split_once('(') {
            Some((name, rest)) => {
                let Some(inner) = rest.strip_suffix(')') else {
                    return Err(PolicyParseError(format!("policy {text:?} lacks its closing parenthesis")));
                };
                let arguments: Vec<&str> = inner.split(',').map(str::trim).collect();
                (name.trim(), Some(arguments))
            }
            None => (text, None),
        };
        let policy = match (name, arguments) {
            ("is-authenticated", None) => Self::IsAuthenticated,
            ("is-own-user", None) => Self::IsOwnUser,
            ("deny", None) => Self::Deny,
            ("has-role", Some(types)) => {
                if types.iter().any(|kind| kind.is_empty()) {
                    return Err(PolicyParseError(format!("policy {text:?}: name at least one role, none empty")));
                }
                Self::HasRole(types.into_iter().map(str::to_owned).collect())
            }
            ("ip-allow", Some(blocks)) => {
                let mut nets = Vec::with_capacity(blocks.len());
                for block in blocks {
                    let net =
                        block.parse::<IpNet>().or_else(|_| block.parse::<IpAddr>().map(IpNet::from)).map_err(|_| {
                            PolicyParseError(format!("policy {text:?}: {block:?} is not an IP address or CIDR block"))
                        })?;
                    nets.push(net.trunc());
                }
                Self::IpAllow(nets)
            }
            ("is-authenticated" | "is-own-user" | "deny", Some(_)) => {
                return Err(PolicyParseError(format!("policy {name:?} takes no arguments")));
            }
            ("has-role" | "ip-allow", None) => {
                return Err(PolicyParseError(format!("policy {name:?} needs its arguments: {name}(…)")));
            }
            _ => {
                return Err(PolicyParseError(format!("unknown policy {text:?} (known: {})", POLICY_FORMS.join(", "))));
            }
        };
        Ok(policy)
    }

    /// Whether the policy refuses every request of a route open to everyone (such a route
    /// resolves no caller).
    pub fn needs_caller(&self) -> bool {
        matches!(self, Self::IsAuthenticated | Self::IsOwnUser | Self::HasRole(_))
    }
}

impl fmt::Display for RoutePolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::IsAuthenticated => f.write_str("is-authenticated"),
            Self::IsOwnUser => f.write_str("is-own-user"),
            Self::HasRole(types) => write!(f, "has-role({})", types.join(",")),
            Self::IpAllow(nets) => {
                let nets: Vec<String> = nets.iter().map(ToString::to_string).collect();
                write!(f, "ip-allow({})", nets.join(","))
            }
            Self::Deny => f.write_str("deny"),
            Self::Custom(custom) if custom.arguments.is_empty() => f.write_str(&custom.name),
            Self::Custom(custom) => write!(f, "{}({})", custom.name, custom.arguments.join(",")),
        }
    }
}

/// IPv4-mapped IPv6 addresses as the IPv4 address they are.
fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
        v4 => v4,
    }
}

/// The caller's own numeric id, whatever its realm.
fn own_id(caller: &Caller) -> Option<i64> {
    match caller.principal() {
        Principal::EndUser { user, .. } => Some(user.id.0),
        Principal::Admin { admin, .. } => Some(admin.id.0),
        _ => None,
    }
}

impl Domain {
    /// Runs `policies` in order; the first refusal is [`DomainError::PolicyRefused`] with a
    /// message saying why. Nothing is allocated on the way; `has-role` reads an end user's role
    /// type from the permission cache (a store read once per `cache_ttl` and role).
    pub async fn check_route_policies(
        &self,
        policies: &[RoutePolicy],
        request: PolicyRequest<'_>,
    ) -> Result<(), DomainError> {
        for policy in policies {
            let allowed = match policy {
                RoutePolicy::IsAuthenticated => {
                    request.caller.is_some_and(|caller| !matches!(caller.principal(), Principal::Anonymous))
                }
                RoutePolicy::IsOwnUser => {
                    request.caller.and_then(own_id).is_some_and(|own| request.path_id == Some(own))
                }
                RoutePolicy::HasRole(types) => self.has_role(request.caller, types).await?,
                RoutePolicy::IpAllow(nets) => request
                    .client_ip
                    .map(canonical)
                    .is_some_and(|address| nets.iter().any(|net| net.contains(&address))),
                RoutePolicy::Deny => false,
                RoutePolicy::Custom(custom) => match (custom.check)(&request, &custom.arguments) {
                    Ok(()) => true,
                    Err(message) => return Err(DomainError::PolicyRefused(Cow::Owned(message))),
                },
            };
            if !allowed {
                return Err(DomainError::PolicyRefused(Cow::Borrowed(refusal_message(policy))));
            }
        }
        Ok(())
    }

    /// Whether the end user's role type, or one of the admin's role codes, is among `types`;
    /// never for other callers.
    async fn has_role(&self, caller: Option<&Caller>, types: &[String]) -> Result<bool, DomainError> {
        match caller.map(Caller::principal) {
            Some(Principal::EndUser { user, .. }) => {
                let role_type = self.permissions.role_type(self.store.as_ref(), user.role_id).await?;
                Ok(types.iter().any(|kind| **kind == *role_type))
            }
            Some(Principal::Admin { admin, .. }) => Ok(admin.roles.iter().any(|role| types.contains(&role.code))),
            _ => Ok(false),
        }
    }
}

/// What a refused caller is told.
fn refusal_message(policy: &RoutePolicy) -> &'static str {
    match policy {
        RoutePolicy::IsAuthenticated => "You must be authenticated to use this route",
        RoutePolicy::IsOwnUser => "You can only modify your own account",
        RoutePolicy::HasRole(_) => "Your role may not use this route",
        RoutePolicy::IpAllow(_) => "Your address may not use this route",
        RoutePolicy::Deny | RoutePolicy::Custom(_) => "This route is closed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_form_parses_and_prints_back() {
        for text in
            ["is-authenticated", "is-own-user", "deny", "has-role(editor,admin)", "ip-allow(10.0.0.0/8,::1/128)"]
        {
            assert_eq!(RoutePolicy::parse(text).unwrap().to_string(), text);
        }
        assert_eq!(RoutePolicy::parse("has-role( editor )").unwrap(), RoutePolicy::HasRole(vec!["editor".into()]));
        assert_eq!(RoutePolicy::parse("ip-allow(10.1.2.3)").unwrap().to_string(), "ip-allow(10.1.2.3/32)");
    }

    #[test]
    fn unknown_names_and_bad_arguments_are_refused_by_name() {
        let unknown = RoutePolicy::parse("no-such-policy").unwrap_err().0;
        assert!(unknown.contains("no-such-policy") && unknown.contains("is-own-user"), "{unknown}");
        assert!(RoutePolicy::parse("ip-allow(10.0.0.0/33)").unwrap_err().0.contains("10.0.0.0/33"));
        assert!(RoutePolicy::parse("has-role()").is_err());
        assert!(RoutePolicy::parse("has-role").is_err());
        assert!(RoutePolicy::parse("deny(1)").is_err());
        assert!(RoutePolicy::parse("ip-allow(10.0.0.0/8").is_err());
    }
}
