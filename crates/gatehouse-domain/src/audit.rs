//! The audit log: who did what to whom, from where, and whether it worked. Every admin-realm
//! action and every security-relevant end-user event (logins and failed logins, password
//! changes, blocks, role changes, token changes, ended sessions) is kept, written in the same
//! transaction as its change (a failed login in its own small one). Rows are derived from the
//! domain event and the [`Origin`] of the change, so the two never disagree.
//!
//! Nothing here knows about HTTP: a surface hands the client address and user agent over as a
//! [`RequestContext`] on the [`Caller`].

use crate::action::Action;
use crate::caller::{Caller, Principal, RequestContext};
use crate::error::{DomainError, FieldError, FieldErrors};
use crate::events::{Actor, DomainEvent, EventType};
use crate::ports::StoreTx;
use crate::query::Window;
use crate::service::Domain;
use crate::time::Timestamp;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

/// Who caused a change and from where: the event's actor, a label a reader recognises (an
/// admin's or user's email), and the request context.
#[derive(Clone, Debug)]
pub struct Origin {
    /// The events' actor.
    pub actor: Actor,
    /// A display label for the audit log.
    pub label: Option<String>,
    /// Client address and user agent.
    pub context: Arc<RequestContext>,
    /// Whether the change comes from an identity provider's provisioning credential, so also
    /// emits the provisioning events ([`emit_provisioning`]).
    pub provisioning: bool,
}

impl Origin {
    /// An origin with every part given.
    pub fn new(actor: Actor, label: Option<String>, context: Arc<RequestContext>) -> Self {
        Self { actor, label, context, provisioning: false }
    }

    /// Gatehouse itself, outside any request (background work).
    pub fn system() -> Self {
        Self::new(Actor::System, None, Arc::new(RequestContext::default()))
    }

    /// The same request context with another actor.
    pub fn as_actor(&self, actor: Actor, label: Option<String>) -> Self {
        Self::new(actor, label, self.context.clone())
    }
}

impl Caller {
    /// The origin of the changes this caller makes.
    pub fn origin(&self) -> Origin {
        let label = match self.principal() {
            Principal::EndUser { user, .. } => Some(user.email.clone()),
            Principal::Admin { admin, .. } => Some(admin.email.clone()),
            Principal::ApiToken { id, .. } => Some(format!("api token {}", id.0)),
            Principal::System => Some("cli".to_owned()),
            Principal::Anonymous => None,
        };
        Origin { provisioning: self.is_provisioning(), ..Origin::new(self.actor(), label, self.context_arc()) }
    }
}

/// Whether an audited action worked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// It was done.
    Success,
    /// It was refused (a failed login).
    Failure,
}

impl Outcome {
    /// The stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
        }
    }

    /// The outcome of a stored name.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "success" => Some(Outcome::Success),
            "failure" => Some(Outcome::Failure),
            _ => None,
        }
    }
}

/// An audit row to write.
#[derive(Clone, Debug, PartialEq)]
pub struct NewAuditEntry {
    /// When.
    pub occurred_at: Timestamp,
    /// Who.
    pub actor: Actor,
    /// A display label for the actor (an email), when known.
    pub actor_label: Option<String>,
    /// What: an event type (`user.blocked`) or an action without an event (`admin.login_failed`).
    pub action: String,
    /// The kind of subject (`user`, `admin`, `role`, `admin_role`, `api_token`, `invite`,
    /// `identifier` for a failed login).
    pub subject_type: Option<String>,
    /// The subject's id (for `identifier`: the SHA-256 of the identifier, never the text).
    pub subject_id: Option<String>,
    /// The client address.
    pub client_ip: Option<String>,
    /// The client's user agent (capped).
    pub user_agent: Option<String>,
    /// Whether it worked.
    pub outcome: Outcome,
    /// The event this row records, if any.
    pub event_id: Option<String>,
}

/// An audit row as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditEntry {
    /// Position (monotonic).
    pub id: i64,
    /// The row.
    pub entry: NewAuditEntry,
}

/// Which audit rows to read; every given part must match.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AuditFilter {
    /// Exact action.
    pub action: Option<String>,
    /// Actor kind (`admin`, `user`, `api_token`, `system`, `anonymous`).
    pub actor_kind: Option<String>,
    /// Actor id (with `actor_kind`).
    pub actor_id: Option<i64>,
    /// Actor label, exactly (an email).
    pub actor_label: Option<String>,
    /// Subject kind.
    pub subject_type: Option<String>,
    /// Subject id.
    pub subject_id: Option<String>,
    /// At or after.
    pub from: Option<Timestamp>,
    /// At or before.
    pub to: Option<Timestamp>,
}

impl AuditFilter {
    /// Reads the `actor` filter: `kind:id` (`admin:3`, `api_token:5`, `user:9`), a bare kind
    /// (`system`, `anonymous`, `admin`), or anything else as a label (an email).
    pub fn with_actor(mut self, text: &str) -> Result<Self, DomainError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(invalid("actor", "actor must not be empty"));
        }
        match text.split_once(':') {
            Some((kind, id)) if ACTOR_KINDS.contains(&kind) => {
                let id = id.parse::<i64>().map_err(|_| invalid("actor", "actor must be kind:id with a numeric id"))?;
                self.actor_kind = Some(kind.to_owned());
                self.actor_id = Some(id);
            }
            None if ACTOR_KINDS.contains(&text) => self.actor_kind = Some(text.to_owned()),
            _ => self.actor_label = Some(text.to_owned()),
        }
        Ok(self)
    }

    /// Reads the `subject` filter: `kind` or `kind:id` (`user:12`, `identifier:<sha256>`).
    pub fn with_subject(mut self, text: &str) -> Result<Self, DomainError> {
        let text = text.trim();
        let (kind, id) = match text.split_once(':') {
            Some((kind, id)) => (kind, Some(id)),
            None => (text, None),
        };
        if kind.is_empty() || id == Some("") {
            return Err(invalid("subject", "subject must be kind or kind:id"));
        }
        self.subject_type = Some(kind.to_owned());
        self.subject_id = id.map(str::to_owned);
        Ok(self)
    }
}

/// The actor kinds as stored.
pub const ACTOR_KINDS: [&str; 5] = ["admin", "user", "api_token", "system", "anonymous"];

fn invalid(path: &str, message: &str) -> DomainError {
    DomainError::Validation(FieldErrors(vec![FieldError::new(path, message)]))
}

impl Actor {
    /// The stored kind and id.
    pub fn parts(&self) -> (&'static str, Option<i64>) {
        match self {
            Actor::Admin(id) => ("admin", Some(id.0)),
            Actor::EndUser(id) => ("user", Some(id.0)),
            Actor::ApiToken(id) => ("api_token", Some(id.0)),
            Actor::System => ("system", None),
            Actor::Anonymous => ("anonymous", None),
        }
    }

    /// The actor of stored parts (an unknown kind reads as anonymous).
    pub fn from_parts(kind: &str, id: Option<i64>) -> Self {
        use crate::ids::{AdminId, ApiTokenId, UserId};
        match (kind, id) {
            ("admin", Some(id)) => Actor::Admin(AdminId(id)),
            ("user", Some(id)) => Actor::EndUser(UserId(id)),
            ("api_token", Some(id)) => Actor::ApiToken(ApiTokenId(id)),
            ("system", _) => Actor::System,
            _ => Actor::Anonymous,
        }
    }
}

/// Whether the audit log keeps an event: every event an admin or the operator caused, every
/// change to an admin (whoever made it: a provisioning token too), and the security events of
/// end users.
fn audited(event: &DomainEvent) -> bool {
    matches!(event.actor, Actor::Admin(_) | Actor::System)
        || matches!(
            event.event_type,
            EventType::AdminCreated
                | EventType::AdminUpdated
                | EventType::AdminDeleted
                | EventType::UserLoggedIn
                | EventType::UserLoginFailed
                | EventType::UserPasswordChanged
                | EventType::UserBlocked
                | EventType::UserUnblocked
                | EventType::UserRoleChanged
                | EventType::SessionRevoked
                | EventType::AdminLoggedIn
                | EventType::ApiTokenCreated
                | EventType::ApiTokenUpdated
                | EventType::ApiTokenRegenerated
                | EventType::ApiTokenDeleted
                | EventType::AccessRequestCreated
        )
}

fn id_text(value: &Value) -> Option<String> {
    match value {
        Value::Number(number) => Some(number.to_string()),
        Value::String(text) => Some(text.clone()),
        _ => None,
    }
}

/// The subject (kind, id) an event is about, read from its data.
fn subject_of(event: &DomainEvent) -> (Option<String>, Option<String>) {
    let data = &event.data;
    let name = event.event_type.as_str();
    let (kind, id) = match event.event_type {
        EventType::UserLoginFailed => ("identifier", id_text(&data["identifierHash"])),
        EventType::SessionRevoked => {
            let kind = if data["subject"]["realm"] == "admin" { "admin" } else { "user" };
            (kind, id_text(&data["subject"]["id"]))
        }
        EventType::AdminLoggedIn => ("admin", id_text(&data["adminId"])),
        _ if name.starts_with("user.") => {
            ("user", id_text(&data["id"]).or_else(|| id_text(&data["user"]["id"])).or_else(|| id_text(&data["userId"])))
        }
        _ if name.starts_with("admin.") => ("admin", id_text(&data["id"])),
        _ if name.starts_with("invite.") => ("invite", id_text(&data["id"])),
        _ if name.starts_with("access_request.") => ("access_request", id_text(&data["id"])),
        _ if name.starts_with("api_token.") => ("api_token", id_text(&data["id"])),
        _ if name.starts_with("role.") && data["realm"] == "admin" => ("admin_role", id_text(&data["role"])),
        _ if name.starts_with("role.") => ("role", id_text(&data["role"]["id"])),
        _ => return (None, None),
    };
    (Some(kind.to_owned()), id)
}

/// The audit row of `event` caused from `origin`.
fn entry_for(event: &DomainEvent, origin: &Origin) -> NewAuditEntry {
    let (subject_type, subject_id) = subject_of(event);
    let outcome = if event.event_type == EventType::UserLoginFailed { Outcome::Failure } else { Outcome::Success };
    NewAuditEntry {
        occurred_at: event.occurred_at,
        actor: event.actor.clone(),
        actor_label: if event.actor == origin.actor { origin.label.clone() } else { None },
        action: event.event_type.as_str().to_owned(),
        subject_type,
        subject_id,
        client_ip: origin.context.client_ip.clone(),
        user_agent: origin.context.user_agent.clone(),
        outcome,
        event_id: Some(event.id.clone()),
    }
}

/// Writes an event to the outbox and, when the audit log keeps it, its audit row, both in `tx`.
pub(crate) async fn emit(
    tx: &mut dyn StoreTx,
    origin: &Origin,
    kind: EventType,
    now: Timestamp,
    data: Value,
) -> Result<(), DomainError> {
    let event = DomainEvent::new(kind, origin.actor.clone(), now, data);
    tx.insert_event(&event).await?;
    if audited(&event) {
        tx.insert_audit_entry(&entry_for(&event, origin)).await?;
    }
    Ok(())
}

/// Emits a provisioning event (`scim.user.*`, `group.*`) after the events of the same change,
/// when the change comes from a provisioning credential; nothing otherwise.
pub(crate) async fn emit_provisioning(
    tx: &mut dyn StoreTx,
    origin: &Origin,
    kind: EventType,
    now: Timestamp,
    data: Value,
) -> Result<(), DomainError> {
    if origin.provisioning {
        emit(tx, origin, kind, now, data).await?;
    }
    Ok(())
}

/// Writes the audit row of an admin-realm change that has no event of its own (the contract
/// lists none for webhook endpoints), in `tx`, so it exists if and only if the change does.
pub(crate) async fn record(
    tx: &mut dyn StoreTx,
    origin: &Origin,
    action: &str,
    subject: (&str, String),
    now: Timestamp,
) -> Result<(), DomainError> {
    let entry = NewAuditEntry {
        occurred_at: now,
        actor: origin.actor.clone(),
        actor_label: origin.label.clone(),
        action: action.to_owned(),
        subject_type: Some(subject.0.to_owned()),
        subject_id: Some(subject.1),
        client_ip: origin.context.client_ip.clone(),
        user_agent: origin.context.user_agent.clone(),
        outcome: Outcome::Success,
        event_id: None,
    };
    tx.insert_audit_entry(&entry).await?;
    Ok(())
}

/// One page of the audit log, newest first.
#[derive(Clone, Debug)]
pub struct AuditPage {
    /// The rows.
    pub entries: Vec<AuditEntry>,
    /// Rows matching the filter.
    pub total: u64,
}

impl Domain {
    /// A page of the audit log, newest first.
    pub async fn list_audit_logs(
        &self,
        caller: &Caller,
        filter: &AuditFilter,
        window: Window,
    ) -> Result<AuditPage, DomainError> {
        caller.authorize(Action::ADMIN_AUDIT_LOGS_READ)?;
        let (entries, total) = self.store.list_audit_entries(filter, window.offset(), window.limit()).await?;
        Ok(AuditPage { entries, total })
    }

    /// Deletes the rows older than `retention` by the injected clock; returns how many went.
    pub async fn prune_audit_log(&self, retention: Duration) -> Result<u64, DomainError> {
        let cutoff_ms =
            self.clock.now().as_millis().saturating_sub(i64::try_from(retention.as_millis()).unwrap_or(i64::MAX));
        Ok(self.store.prune_audit_entries(Timestamp::from_millis(cutoff_ms)).await?)
    }

    /// Records that an admin was refused `action` for want of the grant (outcome `failure`,
    /// the action's permission name as the audit action). Other callers are not recorded: a
    /// refused end user or token is no admin-realm action. Best effort: a failed write is
    /// returned for the caller to log, never to answer with.
    pub async fn audit_refused(&self, caller: &Caller, action: Action) -> Result<(), DomainError> {
        let Principal::Admin { .. } = caller.principal() else { return Ok(()) };
        let origin = caller.origin();
        let entry = NewAuditEntry {
            occurred_at: self.clock.now(),
            actor: origin.actor,
            actor_label: origin.label,
            action: action.as_str().to_owned(),
            subject_type: None,
            subject_id: None,
            client_ip: origin.context.client_ip.clone(),
            user_agent: origin.context.user_agent.clone(),
            outcome: Outcome::Failure,
            event_id: None,
        };
        let mut tx = self.store.begin().await?;
        tx.insert_audit_entry(&entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records a refused admin login (no event: the contract has none) in its own transaction.
    pub(crate) async fn audit_failed_admin_login(
        &self,
        context: &Arc<RequestContext>,
        identifier_hash: String,
    ) -> Result<(), DomainError> {
        let entry = NewAuditEntry {
            occurred_at: self.clock.now(),
            actor: Actor::Anonymous,
            actor_label: None,
            action: "admin.login_failed".to_owned(),
            subject_type: Some("identifier".to_owned()),
            subject_id: Some(identifier_hash),
            client_ip: context.client_ip.clone(),
            user_agent: context.user_agent.clone(),
            outcome: Outcome::Failure,
            event_id: None,
        };
        let mut tx = self.store.begin().await?;
        tx.insert_audit_entry(&entry).await?;
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actor_filters_read_kind_and_id_or_a_label() {
        let admin = AuditFilter::default().with_actor("admin:3").unwrap();
        assert_eq!((admin.actor_kind.as_deref(), admin.actor_id), (Some("admin"), Some(3)));
        let system = AuditFilter::default().with_actor("system").unwrap();
        assert_eq!(system.actor_kind.as_deref(), Some("system"));
        let label = AuditFilter::default().with_actor("ada@example.com").unwrap();
        assert_eq!(label.actor_label.as_deref(), Some("ada@example.com"));
        assert!(AuditFilter::default().with_actor("admin:x").is_err());
        assert!(AuditFilter::default().with_subject("user:").is_err());
        assert!(AuditFilter::default().with_subject(":1").is_err());
    }

    #[test]
    fn failed_logins_name_the_hashed_identifier_and_fail() {
        let data = serde_json::json!({"identifierHash": "ab12", "userId": null});
        let event = DomainEvent::new(EventType::UserLoginFailed, Actor::Anonymous, Timestamp::from_millis(0), data);
        let entry = entry_for(&event, &Origin::system().as_actor(Actor::Anonymous, None));
        assert_eq!((entry.subject_type.as_deref(), entry.subject_id.as_deref()), (Some("identifier"), Some("ab12")));
        assert_eq!(entry.outcome, Outcome::Failure);
        assert!(audited(&event));
    }
}
