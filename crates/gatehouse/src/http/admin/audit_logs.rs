//! `GET /admin/audit-logs`: the audit log, newest first, paged like the other admin lists
//! (`page`, `pageSize`, answered as `{data: {results, pagination}}`), with the filters `action`,
//! `actor` (`admin:3`, `api_token:5`, `system`, or an email), `subject` (`user:12`), `from` and
//! `to` (RFC 3339). Anything else, or a value that does not parse, is a 400.

use crate::http::admin::list_query;
use crate::http::admin::list_query::{invalid, leaf, positive, DEFAULT_PAGE_SIZE};
use crate::http::admin::views::{Data, PageView};
use crate::http::admin::DataResponse;
use crate::http::content::query::{parse_tree, Node};
use crate::http::content::ErrorResponse;
use crate::http::error::ApiError;
use crate::http::AppState;
use axum::extract::{RawQuery, State};
use axum::{Extension, Json};
use gatehouse_domain::audit::{AuditEntry, AuditFilter};
use gatehouse_domain::query::Window;
use gatehouse_domain::time::Timestamp;
use gatehouse_domain::{Caller, DomainError, QueryPart};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

/// Query of `GET /admin/audit-logs`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditLogParams {
    /// Page from 1 (default 1).
    #[param(schema_with = list_query::schema::page)]
    pub page: Option<String>,
    /// Page size (default 10, at most 100).
    #[serde(rename = "pageSize")]
    #[param(schema_with = list_query::schema::page_size)]
    pub page_size: Option<String>,
    /// Exact action, e.g. `user.blocked` or `admin.login_failed`.
    #[param(pattern = r"\S")]
    pub action: Option<String>,
    /// `kind:id` (`admin:3`, `user:9`, `api_token:5`), a bare kind (`system`, `anonymous`), or
    /// the actor's label (an email).
    pub actor: Option<String>,
    /// `kind` or `kind:id` (`user:12`, `identifier:<sha256 of a login identifier>`).
    pub subject: Option<String>,
    /// At or after this time (RFC 3339); not after `to`.
    #[param(format = DateTime)]
    pub from: Option<String>,
    /// At or before this time (RFC 3339).
    #[param(format = DateTime)]
    pub to: Option<String>,
}

fn time(root: &BTreeMap<String, Node>, name: &str) -> Result<Option<Timestamp>, DomainError> {
    match leaf(root.get(name), name)? {
        None => Ok(None),
        Some(text) => Timestamp::parse(text.trim())
            .map(Some)
            .ok_or_else(|| invalid(name, format!("{name} must be an RFC 3339 date-time"))),
    }
}

/// The filter, page and page size of a query string.
fn parse(raw: &str) -> Result<(AuditFilter, u64, Window), DomainError> {
    let root = parse_tree(raw)?;
    for key in root.keys() {
        if !matches!(key.as_str(), "page" | "pageSize" | "action" | "actor" | "subject" | "from" | "to") {
            return Err(DomainError::InvalidKey { key: key.clone(), path: None, part: QueryPart::Filter });
        }
    }
    let page = positive(root.get("page"), "page", 1)?;
    let page_size = positive(root.get("pageSize"), "pageSize", DEFAULT_PAGE_SIZE)?;
    let window = Window::page(page, page_size)
        .ok_or_else(|| invalid("page", "page is beyond the last page that can be asked for"))?;
    let mut filter = AuditFilter::default();
    if let Some(action) = leaf(root.get("action"), "action")? {
        if action.trim().is_empty() {
            return Err(invalid("action", "action must not be empty"));
        }
        filter.action = Some(action.trim().to_owned());
    }
    if let Some(actor) = leaf(root.get("actor"), "actor")? {
        filter = filter.with_actor(actor)?;
    }
    if let Some(subject) = leaf(root.get("subject"), "subject")? {
        filter = filter.with_subject(subject)?;
    }
    filter.from = time(&root, "from")?;
    filter.to = time(&root, "to")?;
    if let (Some(from), Some(to)) = (filter.from, filter.to) {
        if from > to {
            return Err(invalid("from", "from must not be after to"));
        }
    }
    Ok((filter, page, window))
}

/// Who did it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditActorView {
    /// `admin`, `user`, `api_token`, `system` or `anonymous`.
    #[serde(rename = "type")]
    #[schema(value_type = String, pattern = "^(admin|user|api_token|system|anonymous)$")]
    pub kind: &'static str,
    /// The actor's id, for admins, users and API tokens.
    pub id: Option<i64>,
    /// A display label (an email), when known.
    pub label: Option<String>,
}

/// What it was done to.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditSubjectView {
    /// `user`, `admin`, `role`, `admin_role`, `api_token`, `invite` or `identifier`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Its id (for `identifier`, the SHA-256 of a login identifier).
    pub id: Option<String>,
}

/// One row of the audit log as the admin API shows it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntryView {
    /// Position in the log (increasing).
    pub id: i64,
    /// RFC 3339 UTC with milliseconds.
    #[schema(value_type = String, format = DateTime)]
    pub time: Timestamp,
    /// Who.
    pub actor: AuditActorView,
    /// An event type (`user.blocked`) or an action without an event (`admin.login_failed`).
    pub action: String,
    /// What.
    pub subject: AuditSubjectView,
    /// The client's address.
    pub ip: Option<String>,
    /// The client's user agent (capped).
    pub user_agent: Option<String>,
    /// `success` or `failure`.
    #[schema(value_type = String, pattern = "^(success|failure)$")]
    pub outcome: &'static str,
    /// The event this row records, if any.
    pub event_id: Option<String>,
}

impl From<&AuditEntry> for AuditEntryView {
    fn from(row: &AuditEntry) -> Self {
        let entry = &row.entry;
        let (kind, id) = entry.actor.parts();
        Self {
            id: row.id,
            time: entry.occurred_at,
            actor: AuditActorView { kind, id, label: entry.actor_label.clone() },
            action: entry.action.clone(),
            subject: AuditSubjectView { kind: entry.subject_type.clone(), id: entry.subject_id.clone() },
            ip: entry.client_ip.clone(),
            user_agent: entry.user_agent.clone(),
            outcome: entry.outcome.as_str(),
            event_id: entry.event_id.clone(),
        }
    }
}

/// One row as the admin API shows it.
pub fn audit_entry_json(row: &AuditEntry) -> Value {
    serde_json::to_value(AuditEntryView::from(row)).unwrap_or_default()
}

/// A page of the audit log, newest first:
/// `{data: {results, pagination: {page, pageSize, pageCount, total}}}`.
#[utoipa::path(get, path = "/admin/audit-logs", tag = "admin", operation_id = "list_audit_logs",
    params(AuditLogParams),
    responses(
        (status = 200, description = "A page, newest first", body = Data<PageView<AuditEntryView>>),
        (status = 400, description = "Bad paging or filter", body = ErrorResponse),
    ))]
pub async fn list_audit_logs(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> Result<Json<DataResponse>, ApiError> {
    let (filter, page, window) = parse(raw.as_deref().unwrap_or_default())?;
    let found = state.domain.list_audit_logs(&caller, &filter, window).await?;
    let page_size = window.limit();
    let results: Vec<Value> = found.entries.iter().map(audit_entry_json).collect();
    let pagination = json!({"page": page, "pageSize": page_size, "pageCount": found.total.div_ceil(page_size), "total": found.total});
    Ok(Json(DataResponse { data: json!({"results": results, "pagination": pagination}) }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_parse_and_bad_values_are_refused() {
        let (filter, page, window) =
            parse("page=2&pageSize=5&action=user.blocked&actor=admin:1&subject=user:7&from=2026-01-01T00:00:00Z")
                .unwrap();
        assert_eq!((page, window.offset(), window.limit()), (2, 5, 5));
        assert_eq!(filter.action.as_deref(), Some("user.blocked"));
        assert_eq!((filter.actor_kind.as_deref(), filter.actor_id), (Some("admin"), Some(1)));
        assert_eq!((filter.subject_type.as_deref(), filter.subject_id.as_deref()), (Some("user"), Some("7")));
        assert!(filter.from.is_some() && filter.to.is_none());
        for bad in [
            "from=yesterday",
            "to=2026-13-01T00:00:00Z",
            "page=0",
            "pageSize=x",
            "actor=admin:x",
            "sort=id",
            "subject=",
        ] {
            assert!(parse(bad).is_err(), "{bad} is refused");
        }
    }
}
