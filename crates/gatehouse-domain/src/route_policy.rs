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
use std::fmt;
use std::net::IpAddr;

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

    /// Whether the policy needs the caller's role types (a store read for end users).
    fn needs_role(&self) -> bool {
        matches!(self, Self::HasRole(_))
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
    /// message saying why. `has-role` reads the end user's role (one store read, only when a
    /// route has that policy).
    pub async fn check_route_policies(
        &self,
        policies: &[RoutePolicy],
        request: PolicyRequest<'_>,
    ) -> Result<(), DomainError> {
        let mut roles: Option<Vec<String>> = None;
        for policy in policies {
            if policy.needs_role() && roles.is_none() {
                roles = Some(self.role_names(request.caller).await?);
            }
            let allowed = match policy {
                RoutePolicy::IsAuthenticated => {
                    request.caller.is_some_and(|caller| !matches!(caller.principal(), Principal::Anonymous))
                }
                RoutePolicy::IsOwnUser => {
                    request.caller.and_then(own_id).is_some_and(|own| request.path_id == Some(own))
                }
                RoutePolicy::HasRole(types) => {
                    roles.as_deref().unwrap_or_default().iter().any(|role| types.iter().any(|kind| kind == role))
                }
                RoutePolicy::IpAllow(nets) => request
                    .client_ip
                    .map(canonical)
                    .is_some_and(|address| nets.iter().any(|net| net.contains(&address))),
                RoutePolicy::Deny => false,
            };
            if !allowed {
                return Err(DomainError::PolicyRefused(refusal_message(policy)));
            }
        }
        Ok(())
    }

    /// The end user's role type, or the admin's role codes; nothing for other callers.
    async fn role_names(&self, caller: Option<&Caller>) -> Result<Vec<String>, DomainError> {
        match caller.map(Caller::principal) {
            Some(Principal::EndUser { user, .. }) => {
                Ok(self.store.find_role(user.role_id).await?.map(|role| role.role_type).into_iter().collect())
            }
            Some(Principal::Admin { admin, .. }) => Ok(admin.roles.iter().map(|role| role.code.clone()).collect()),
            _ => Ok(Vec::new()),
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
        RoutePolicy::Deny => "This route is closed",
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
