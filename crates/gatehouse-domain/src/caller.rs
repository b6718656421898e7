//! [`Caller`]: who is asking, resolved once per request from the credentials, after the
//! revocation check, together with what they may do.

use crate::action::Action;
use crate::error::DomainError;
use crate::events::Actor;
use crate::ids::{ApiTokenId, SessionId};
use crate::model::{Admin, User};
use std::collections::HashSet;
use std::sync::Arc;

/// The set of actions a caller holds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Grants(HashSet<Action>);

impl Grants {
    /// Grants holding exactly `actions`.
    pub fn from_actions<I: IntoIterator<Item = Action>>(actions: I) -> Self {
        Self(actions.into_iter().collect())
    }

    /// Whether `action` is held.
    pub fn contains(&self, action: Action) -> bool {
        self.0.contains(&action)
    }
}

/// Who the caller is.
#[derive(Clone, Debug)]
pub enum Principal {
    /// No credentials: acts with the `public` role.
    Anonymous,
    /// An end user with a live session.
    EndUser {
        /// The user as of the last cache fill.
        user: Arc<User>,
        /// The session the token belongs to.
        session: SessionId,
    },
    /// An API token: acts with its own permissions, never as a user.
    ApiToken {
        /// Which token.
        id: ApiTokenId,
        /// Whether it is an identity provider's provisioning credential (a `scim` token):
        /// its changes also emit the `scim.*` and `group.*` events.
        provisioning: bool,
    },
    /// The operator at the command line, who holds every action (never over HTTP).
    System,
    /// An admin with a live admin session.
    Admin {
        /// The admin as of the last cache fill.
        admin: Arc<Admin>,
        /// The admin session.
        session: SessionId,
    },
}

/// Where a request came from, as its surface saw it: wire-neutral, for the audit log. The
/// HTTP guard sets it on every request (the client address after the trusted-proxy rule, the
/// `User-Agent` capped at [`RequestContext::USER_AGENT_MAX`] characters); the command line says
/// `cli` and has no address.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestContext {
    /// The client's address, as text (`203.0.113.9`, `::1`).
    pub client_ip: Option<String>,
    /// The client's user agent.
    pub user_agent: Option<String>,
}

impl RequestContext {
    /// The longest user agent kept, in characters.
    pub const USER_AGENT_MAX: usize = 256;

    /// A context with an address and a user agent (cut to [`Self::USER_AGENT_MAX`]; control
    /// characters dropped).
    pub fn new(client_ip: Option<std::net::IpAddr>, user_agent: Option<&str>) -> Self {
        let user_agent = user_agent
            .map(|agent| agent.chars().filter(|c| !c.is_control()).take(Self::USER_AGENT_MAX).collect::<String>())
            .filter(|agent| !agent.is_empty());
        Self { client_ip: client_ip.map(|ip| ip.to_string()), user_agent }
    }

    /// The command line's context.
    pub fn cli() -> Self {
        Self { client_ip: None, user_agent: Some("cli".to_owned()) }
    }
}

/// The resolved caller of one request.
#[derive(Clone, Debug)]
pub struct Caller {
    principal: Principal,
    grants: Arc<Grants>,
    context: Arc<RequestContext>,
}

impl Caller {
    /// A caller with its principal and grants (and an empty request context: see
    /// [`Caller::with_context`]).
    pub fn new(principal: Principal, grants: Arc<Grants>) -> Self {
        Self { principal, grants, context: Arc::new(RequestContext::default()) }
    }

    /// The same caller, with where its request came from.
    pub fn with_context(mut self, context: RequestContext) -> Self {
        self.context = Arc::new(context);
        self
    }

    /// Where the caller's request came from.
    pub fn context(&self) -> &RequestContext {
        &self.context
    }

    /// Where the caller's request came from, shared.
    pub fn context_arc(&self) -> Arc<RequestContext> {
        self.context.clone()
    }

    /// Who the caller is.
    pub fn principal(&self) -> &Principal {
        &self.principal
    }

    /// The operator at the command line: holds every action, acts as [`Actor::System`].
    pub fn system() -> Self {
        Self {
            principal: Principal::System,
            grants: Arc::new(Grants::default()),
            context: Arc::new(RequestContext::cli()),
        }
    }

    /// Whether the caller may perform `action`. Operations endpoints are open to all.
    pub fn may(&self, action: Action) -> bool {
        action.is_open() || matches!(self.principal, Principal::System) || self.grants.contains(action)
    }

    /// `Ok` when the caller may perform `action`, else [`DomainError::Forbidden`] (as Strapi,
    /// anonymous callers get 403 too: they act with the public role). An API token asking for
    /// an action about "oneself" is [`DomainError::Unauthorized`]: it is not a user at all.
    pub fn authorize(&self, action: Action) -> Result<(), DomainError> {
        if action.needs_end_user() && matches!(self.principal, Principal::ApiToken { .. } | Principal::System) {
            return Err(DomainError::Unauthorized);
        }
        if self.may(action) {
            Ok(())
        } else {
            Err(DomainError::Forbidden)
        }
    }

    /// `Ok` when the caller may perform `action` — or, being an admin, the action's admin-realm
    /// counterpart ([`Action::admin_counterpart`]): one use case, one check, whichever realm
    /// the caller belongs to. For any other caller, or an action without a counterpart, this
    /// is [`Caller::authorize`].
    pub fn authorize_in_realm(&self, action: Action) -> Result<(), DomainError> {
        match (&self.principal, action.admin_counterpart()) {
            (Principal::Admin { .. }, Some(counterpart)) => self.authorize(counterpart),
            _ => self.authorize(action),
        }
    }

    /// The end user and session, or [`DomainError::Unauthorized`] for any other caller
    /// (an API token or an admin has no "me").
    pub fn end_user(&self) -> Result<(&Arc<User>, &SessionId), DomainError> {
        match &self.principal {
            Principal::EndUser { user, session } => Ok((user, session)),
            _ => Err(DomainError::Unauthorized),
        }
    }

    /// The admin and session, or [`DomainError::Unauthorized`] for any other caller.
    pub fn admin(&self) -> Result<(&Arc<Admin>, &SessionId), DomainError> {
        match &self.principal {
            Principal::Admin { admin, session } => Ok((admin, session)),
            _ => Err(DomainError::Unauthorized),
        }
    }

    /// Whether the caller is an identity provider's provisioning credential.
    pub fn is_provisioning(&self) -> bool {
        matches!(self.principal, Principal::ApiToken { provisioning: true, .. })
    }

    /// Who to name as the actor of the events this caller causes.
    pub fn actor(&self) -> Actor {
        match &self.principal {
            Principal::Anonymous => Actor::Anonymous,
            Principal::EndUser { user, .. } => Actor::EndUser(user.id),
            Principal::ApiToken { id, .. } => Actor::ApiToken(*id),
            Principal::Admin { admin, .. } => Actor::Admin(admin.id),
            Principal::System => Actor::System,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::ApiTokenId;

    fn token_caller(actions: &[Action]) -> Caller {
        Caller::new(
            Principal::ApiToken { id: ApiTokenId(7), provisioning: false },
            Arc::new(Grants::from_actions(actions.iter().copied())),
        )
    }

    #[test]
    fn a_grant_allows_its_action_and_nothing_else() {
        let caller = token_caller(&[Action::USER_FIND]);
        assert!(caller.authorize(Action::USER_FIND).is_ok());
        assert!(matches!(caller.authorize(Action::USER_DESTROY), Err(DomainError::Forbidden)));
        assert!(caller.authorize(Action::HEALTH).is_ok(), "open actions need no grant");
    }

    #[test]
    fn an_api_token_asking_for_me_is_unauthorized_not_forbidden() {
        let caller = token_caller(&[Action::USER_ME]);
        assert!(matches!(caller.authorize(Action::USER_ME), Err(DomainError::Unauthorized)));
        assert!(matches!(caller.end_user(), Err(DomainError::Unauthorized)));
    }

    #[test]
    fn admins_hold_content_user_actions_through_their_counterparts() {
        use crate::ids::{AdminId, SessionId};
        use crate::model::Admin;
        use crate::time::Timestamp;
        let admin = Admin {
            id: AdminId(1),
            document_id: "a".into(),
            firstname: "Ada".into(),
            lastname: None,
            username: None,
            email: "ada@example.com".into(),
            is_active: true,
            blocked: false,
            prefered_language: None,
            created_at: Timestamp::from_millis(0),
            updated_at: Timestamp::from_millis(0),
            published_at: Timestamp::from_millis(0),
            deleted_at: None,
            roles: Vec::new(),
        };
        let admin = Arc::new(admin);
        let caller = Caller::new(
            Principal::Admin { admin: admin.clone(), session: SessionId("s".into()) },
            Arc::new(Grants::from_actions([Action::END_USERS_READ])),
        );
        let role_reader = Caller::new(
            Principal::Admin { admin, session: SessionId("r".into()) },
            Arc::new(Grants::from_actions([Action::END_USER_ROLES_READ])),
        );
        assert!(role_reader.authorize_in_realm(Action::ROLE_FIND).is_ok());
        assert!(role_reader.authorize_in_realm(Action::ROLE_FIND_ONE).is_ok());
        assert!(matches!(role_reader.authorize_in_realm(Action::ROLE_CREATE), Err(DomainError::Forbidden)));
        assert!(caller.authorize_in_realm(Action::USER_FIND).is_ok());
        assert!(caller.authorize_in_realm(Action::USER_FIND_ONE).is_ok());
        assert!(matches!(caller.authorize_in_realm(Action::USER_DESTROY), Err(DomainError::Forbidden)));
        assert!(matches!(caller.authorize(Action::USER_FIND), Err(DomainError::Forbidden)));
        let token = token_caller(&[Action::END_USERS_READ]);
        assert!(matches!(token.authorize_in_realm(Action::USER_FIND), Err(DomainError::Forbidden)));
    }

    #[test]
    fn a_request_context_caps_the_user_agent_and_drops_control_characters() {
        let long = "a".repeat(1000);
        let context = RequestContext::new(Some([127, 0, 0, 1].into()), Some(&long));
        assert_eq!(context.client_ip.as_deref(), Some("127.0.0.1"));
        assert_eq!(context.user_agent.map(|agent| agent.len()), Some(RequestContext::USER_AGENT_MAX));
        let forged = RequestContext::new(None, Some("Agent\t1\r\nX-Fake: y"));
        assert_eq!(forged.user_agent.as_deref(), Some("Agent1X-Fake: y"));
        assert_eq!(RequestContext::new(None, Some("\n")).user_agent, None);
        assert_eq!(Caller::system().context(), &RequestContext::cli());
    }

    #[test]
    fn the_command_line_holds_every_action_and_acts_as_the_system() {
        let system = Caller::system();
        assert!(system.authorize(Action::ADMIN_USERS_PURGE).is_ok());
        assert!(system.authorize(Action::ADMIN_API_TOKENS_CREATE).is_ok());
        assert!(matches!(system.authorize(Action::USER_ME), Err(DomainError::Unauthorized)));
        assert!(matches!(system.actor(), Actor::System));
    }
}
