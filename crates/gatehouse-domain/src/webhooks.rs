//! Webhooks: the endpoints events are delivered to, their validation, and the delivery rules the
//! dispatcher follows (Standard Webhooks signature, retry schedule with jitter, outcomes).
//!
//! The delivery itself (HTTP, DNS, SSRF checks) lives in the server crate; nothing here sends a
//! request. Each event becomes one delivery row per subscribed endpoint, fanned out from the
//! outbox; its body is fixed at fan-out so every retry sends the same bytes with the same
//! `webhook-id`.

use crate::action::Action;
use crate::audit;
use crate::caller::Caller;
use crate::error::{DomainError, FieldError, FieldErrors};
use crate::events::{EventType, StoredEvent};
use crate::secret::Secret;
use crate::service::Domain;
use crate::time::{Clock, Timestamp};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::rngs::OsRng;
use rand::{Rng, RngCore};
use serde_json::{json, Value};
use sha2::Sha256;
use std::collections::BTreeMap;
use std::time::Duration;

/// The prefix of every signing secret (Standard Webhooks); the rest is the base64 key.
pub const SECRET_PREFIX: &str = "whsec_";
/// The type of the event `trigger` sends.
pub const TEST_EVENT_TYPE: &str = "webhook.test";
/// A subscription to every event type.
pub const ALL_EVENTS: &str = "*";
/// Longest accepted URL.
pub const MAX_URL_LEN: usize = 2048;
/// Most extra headers on one endpoint.
pub const MAX_HEADERS: usize = 20;

/// Headers an endpoint may not set: hop-by-hop ones, those the transport computes, and the
/// Standard Webhooks ones the dispatcher writes (`webhook-*`, checked by prefix).
pub const RESERVED_HEADERS: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
    "content-type",
];

/// A webhook endpoint's id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WebhookId(pub i64);

/// A webhook endpoint.
#[derive(Clone, Debug)]
pub struct Webhook {
    /// Id.
    pub id: WebhookId,
    /// Free name.
    pub name: String,
    /// Where events are POSTed (`http`/`https`).
    pub url: String,
    /// Subscribed event types, or `["*"]`.
    pub events: Vec<String>,
    /// Extra request headers.
    pub headers: BTreeMap<String, String>,
    /// Whether deliveries are sent.
    pub enabled: bool,
    /// The signing secret (`whsec_…`); never shown after creation.
    pub secret: Secret,
    /// Creation time.
    pub created_at: Timestamp,
    /// Last change.
    pub updated_at: Timestamp,
}

impl Webhook {
    /// Whether events of `event_type` go to this endpoint.
    pub fn subscribes_to(&self, event_type: &str) -> bool {
        self.events.iter().any(|name| name == ALL_EVENTS || name == event_type)
    }
}

/// A webhook as written by the store (validated).
#[derive(Clone, Debug)]
pub struct NewWebhook {
    /// Free name.
    pub name: String,
    /// Target URL.
    pub url: String,
    /// Event types or `*`.
    pub events: Vec<String>,
    /// Extra headers (lower-case names).
    pub headers: BTreeMap<String, String>,
    /// Whether deliveries are sent.
    pub enabled: bool,
    /// Signing secret (ignored by updates).
    pub secret: Secret,
    /// The time of the write.
    pub now: Timestamp,
}

/// A webhook as a caller creates it.
#[derive(Clone, Debug, Default)]
pub struct WebhookInput {
    /// Free name.
    pub name: String,
    /// Target URL.
    pub url: String,
    /// Event types or `*`.
    pub events: Vec<String>,
    /// Extra headers.
    pub headers: BTreeMap<String, String>,
    /// Whether deliveries are sent (default true).
    pub enabled: bool,
}

/// A change to a webhook: `None` keeps the current value.
#[derive(Clone, Debug, Default)]
pub struct WebhookPatch {
    /// New name.
    pub name: Option<String>,
    /// New URL.
    pub url: Option<String>,
    /// New subscriptions.
    pub events: Option<Vec<String>>,
    /// New headers (replace the old ones).
    pub headers: Option<BTreeMap<String, String>>,
    /// Enable or disable.
    pub enabled: Option<bool>,
}

/// A webhook with its secret, in the one answer that shows it.
#[derive(Clone, Debug)]
pub struct CreatedWebhook {
    /// The endpoint.
    pub webhook: Webhook,
    /// `whsec_…`, shown once.
    pub secret: Secret,
}

/// Where a delivery stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeliveryStatus {
    /// Waiting for its first attempt or a retry.
    Pending,
    /// Answered 2xx.
    Succeeded,
    /// Every scheduled attempt failed (re-sendable by hand).
    Failed,
}

impl DeliveryStatus {
    /// The stored and wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Succeeded => "succeeded",
            DeliveryStatus::Failed => "failed",
        }
    }

    /// Parses the stored name.
    pub fn from_name(name: &str) -> Option<Self> {
        [DeliveryStatus::Pending, DeliveryStatus::Succeeded, DeliveryStatus::Failed]
            .into_iter()
            .find(|status| status.as_str() == name)
    }
}

/// One event on its way to one endpoint.
#[derive(Clone, Debug, PartialEq)]
pub struct Delivery {
    /// Id.
    pub id: i64,
    /// The endpoint.
    pub webhook_id: WebhookId,
    /// The event id, sent as `webhook-id` on every attempt.
    pub event_id: String,
    /// The event type.
    pub event_type: String,
    /// When the event happened (the outbox lag is measured from it).
    pub occurred_at: Timestamp,
    /// The exact body sent.
    pub payload: String,
    /// Where it stands.
    pub status: DeliveryStatus,
    /// Attempts made.
    pub attempts: i64,
    /// When the next attempt is due (pending only).
    pub next_attempt_at: Timestamp,
    /// The last answer's status code.
    pub last_status_code: Option<i64>,
    /// The last failure.
    pub last_error: Option<String>,
    /// When it was created.
    pub created_at: Timestamp,
}

/// A delivery to insert.
#[derive(Clone, Debug)]
pub struct NewDelivery {
    /// The endpoint.
    pub webhook_id: WebhookId,
    /// The event id.
    pub event_id: String,
    /// The event type.
    pub event_type: String,
    /// When the event happened.
    pub occurred_at: Timestamp,
    /// The body.
    pub payload: String,
    /// Due time of the first attempt, and creation time.
    pub now: Timestamp,
}

/// One attempt of a delivery, as recorded.
#[derive(Clone, Debug, PartialEq)]
pub struct DeliveryAttempt {
    /// The delivery.
    pub delivery_id: i64,
    /// 1 for the first attempt.
    pub attempt: i64,
    /// When it started.
    pub at: Timestamp,
    /// The answer's status code (none on a network error or refusal).
    pub status_code: Option<i64>,
    /// How long it took.
    pub duration_ms: i64,
    /// Why it failed (none on 2xx).
    pub error: Option<String>,
}

/// What becomes of a delivery after an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// 2xx: done.
    Succeeded,
    /// Failed; tried again at this time.
    RetryAt(Timestamp),
    /// Failed for the last time.
    Failed,
}

/// How much one claim may take (see [`crate::ports::Store::claim_deliveries`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClaimLimits {
    /// Deliveries in all.
    pub limit: i64,
    /// Retries of one endpoint leased at once.
    pub per_webhook: i64,
    /// First attempts of one endpoint claimed together.
    pub first_batch: i64,
    /// Lease length, in milliseconds of real time.
    pub lease_ms: i64,
}

/// What the delivery queue holds, for metrics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DeliveryStats {
    /// Deliveries waiting for their first attempt.
    pub pending_first: u64,
    /// Deliveries waiting for a retry.
    pub retrying: u64,
    /// Deliveries given up.
    pub failed: u64,
    /// When the oldest event not yet delivered (nor given up) happened, fanned out or not.
    pub oldest_undelivered: Option<Timestamp>,
}

/// The retry schedule: the delay after each failed attempt, each stretched by up to
/// `jitter_percent` either way; past the last, the delivery fails.
#[derive(Clone, Debug)]
pub struct RetrySchedule {
    /// Delay after attempt 1, 2, …
    pub delays: Vec<Duration>,
    /// ± percentage of random spread, so retries of many deliveries do not land at once.
    pub jitter_percent: u32,
}

impl Default for RetrySchedule {
    /// 5 s, 30 s, 2 min, 10 min, 1 h, 6 h, 24 h, ±10 %.
    fn default() -> Self {
        let secs = [5, 30, 120, 600, 3_600, 21_600, 86_400];
        Self { delays: secs.iter().map(|s| Duration::from_secs(*s)).collect(), jitter_percent: 10 }
    }
}

impl RetrySchedule {
    /// The outcome of failed attempt number `attempt` (1-based) made at `now`.
    pub fn after_failure(&self, attempt: i64, now: Timestamp) -> AttemptOutcome {
        let index = usize::try_from(attempt.saturating_sub(1)).unwrap_or(usize::MAX);
        let Some(delay) = self.delays.get(index) else { return AttemptOutcome::Failed };
        let millis = i64::try_from(delay.as_millis()).unwrap_or(i64::MAX);
        let spread = millis.saturating_mul(i64::from(self.jitter_percent)) / 100;
        let jitter = if spread > 0 { OsRng.gen_range(-spread..=spread) } else { 0 };
        AttemptOutcome::RetryAt(Timestamp::from_millis(now.as_millis().saturating_add(millis + jitter)))
    }
}

/// The body POSTed for an event: `{type, timestamp, data}` (Standard Webhooks).
pub fn delivery_body(event_type: &str, occurred_at: Timestamp, data: &Value) -> String {
    json!({"type": event_type, "timestamp": occurred_at.to_rfc3339(), "data": data}).to_string()
}

/// The delivery of `event` to `webhook`, due at once.
pub fn delivery_for(webhook: &Webhook, event: &StoredEvent, now: Timestamp) -> NewDelivery {
    NewDelivery {
        webhook_id: webhook.id,
        event_id: event.id.clone(),
        event_type: event.event_type.clone(),
        occurred_at: event.occurred_at,
        payload: delivery_body(&event.event_type, event.occurred_at, &event.data),
        now,
    }
}

/// A new signing secret: `whsec_` and 32 random bytes in base64.
pub fn new_secret() -> Secret {
    let mut key = [0u8; 32];
    OsRng.fill_bytes(&mut key);
    Secret::new(format!("{SECRET_PREFIX}{}", BASE64.encode(key)))
}

/// The `webhook-signature` header value: `v1,` and the base64 HMAC-SHA256 of
/// `"{id}.{timestamp}.{body}"`, keyed with the secret's base64 part decoded (as Standard
/// Webhooks says). A secret that is not base64 keys with its bytes as they are.
pub fn sign(secret: &Secret, id: &str, timestamp_secs: i64, body: &str) -> String {
    let encoded = secret.expose().strip_prefix(SECRET_PREFIX).unwrap_or(secret.expose());
    let key = BASE64.decode(encoded).unwrap_or_else(|_| encoded.as_bytes().to_vec());
    // HMAC takes keys of any length; `new_from_slice` cannot fail for it.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&key) else { return String::new() };
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp_secs.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!("v1,{}", BASE64.encode(mac.finalize().into_bytes()))
}

/// Checks a webhook's fields; every problem is reported at once.
fn validate(input: &WebhookInput, secret: Secret, now: Timestamp) -> Result<NewWebhook, DomainError> {
    let mut errors = FieldErrors::default();
    let name = input.name.trim().to_owned();
    if name.is_empty() {
        errors.push(FieldError::new("name", "name is a required field"));
    } else if name.chars().count() > 200 {
        errors.push(FieldError::new("name", "name must be at most 200 characters"));
    }
    if let Err(message) = check_url(&input.url) {
        errors.push(FieldError::new("url", message).with_value(json!(input.url)));
    }
    let mut events: Vec<String> = Vec::new();
    if input.events.is_empty() {
        errors.push(FieldError::new("events", "events must name at least one event type, or \"*\""));
    }
    for name in &input.events {
        let known = name == ALL_EVENTS || EventType::ALL.iter().any(|kind| kind.as_str() == name);
        if !known {
            errors.push(
                FieldError::new(
                    "events",
                    format!("{name:?} is not an event type (see the events contract), nor \"*\""),
                )
                .with_value(json!(name)),
            );
        } else if !events.contains(name) {
            events.push(name.clone());
        }
    }
    let mut headers = BTreeMap::new();
    if input.headers.len() > MAX_HEADERS {
        errors.push(FieldError::new("headers", format!("headers may hold at most {MAX_HEADERS} entries")));
    }
    for (header, value) in &input.headers {
        match check_header(header, value) {
            Ok(lower) => {
                headers.insert(lower, value.clone());
            }
            Err(message) => errors.push(FieldError::new("headers", message).with_value(json!(header))),
        }
    }
    errors.into_result()?;
    Ok(NewWebhook { name, url: input.url.trim().to_owned(), events, headers, enabled: input.enabled, secret, now })
}

/// An `http`/`https` URL with a host, at most [`MAX_URL_LEN`] long. Where it points is checked
/// at send time, on the resolved address.
pub fn check_url(raw: &str) -> Result<(), String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err("url is a required field".into());
    }
    if raw.len() > MAX_URL_LEN {
        return Err(format!("url must be at most {MAX_URL_LEN} characters"));
    }
    let parsed = url::Url::parse(raw).map_err(|error| format!("url is not a valid URL ({error})"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err("url must use http or https".into());
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err("url must name a host".into());
    }
    Ok(())
}

/// A header name (an RFC 9110 token, not reserved) and a value without control characters; the
/// name comes back lower-cased.
fn check_header(name: &str, value: &str) -> Result<String, String> {
    let is_tchar = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    if name.is_empty() || !name.chars().all(is_tchar) {
        return Err(format!("{name:?} is not a valid header name"));
    }
    let lower = name.to_ascii_lowercase();
    if RESERVED_HEADERS.contains(&lower.as_str()) || lower.starts_with("webhook-") {
        return Err(format!("header {name:?} is set by Gatehouse and may not be overridden"));
    }
    if value.len() > 4096 || value.chars().any(|c| (c.is_control() && c != '\t') || !c.is_ascii()) {
        return Err(format!("the value of header {name:?} must be printable ASCII, at most 4096 characters"));
    }
    Ok(lower)
}

const NOT_FOUND: DomainError = DomainError::NotFound("Webhook not found");

impl Domain {
    /// Every webhook endpoint.
    pub async fn list_webhooks(&self, caller: &Caller) -> Result<Vec<Webhook>, DomainError> {
        caller.authorize(Action::ADMIN_WEBHOOKS_READ)?;
        Ok(self.store.list_webhooks().await?)
    }

    /// One webhook endpoint.
    pub async fn find_webhook(&self, caller: &Caller, id: WebhookId) -> Result<Webhook, DomainError> {
        caller.authorize(Action::ADMIN_WEBHOOKS_READ)?;
        self.store.find_webhook(id).await?.ok_or(NOT_FOUND)
    }

    /// Creates an endpoint with a new signing secret, returned once. The events written after
    /// it are delivered to it, never older ones.
    pub async fn create_webhook(&self, caller: &Caller, input: WebhookInput) -> Result<CreatedWebhook, DomainError> {
        caller.authorize(Action::ADMIN_WEBHOOKS_CREATE)?;
        let secret = new_secret();
        let row = validate(&input, secret.clone(), self.clock.now())?;
        let mut tx = self.store.begin().await?;
        let webhook = tx.insert_webhook(&row).await?;
        audit::record(&mut *tx, &caller.origin(), "webhook.created", ("webhook", webhook.id.0.to_string()), row.now)
            .await?;
        tx.commit().await?;
        Ok(CreatedWebhook { webhook, secret })
    }

    /// Changes what `patch` names (the secret stays).
    pub async fn update_webhook(
        &self,
        caller: &Caller,
        id: WebhookId,
        patch: WebhookPatch,
    ) -> Result<Webhook, DomainError> {
        caller.authorize(Action::ADMIN_WEBHOOKS_UPDATE)?;
        let current = self.store.find_webhook(id).await?.ok_or(NOT_FOUND)?;
        let input = WebhookInput {
            name: patch.name.unwrap_or(current.name),
            url: patch.url.unwrap_or(current.url),
            events: patch.events.unwrap_or(current.events),
            headers: patch.headers.unwrap_or(current.headers),
            enabled: patch.enabled.unwrap_or(current.enabled),
        };
        let row = validate(&input, current.secret, self.clock.now())?;
        let mut tx = self.store.begin().await?;
        let webhook = tx.update_webhook(id, &row).await?.ok_or(NOT_FOUND)?;
        audit::record(&mut *tx, &caller.origin(), "webhook.updated", ("webhook", id.0.to_string()), row.now).await?;
        tx.commit().await?;
        Ok(webhook)
    }

    /// Deletes an endpoint and its deliveries.
    pub async fn delete_webhook(&self, caller: &Caller, id: WebhookId) -> Result<Webhook, DomainError> {
        caller.authorize(Action::ADMIN_WEBHOOKS_DELETE)?;
        let mut tx = self.store.begin().await?;
        let webhook = tx.delete_webhook(id).await?.ok_or(NOT_FOUND)?;
        audit::record(&mut *tx, &caller.origin(), "webhook.deleted", ("webhook", id.0.to_string()), self.clock.now())
            .await?;
        tx.commit().await?;
        Ok(webhook)
    }

    /// Queues a `webhook.test` event for this endpoint alone, whatever it subscribes to (a
    /// disabled endpoint gets it once enabled again).
    pub async fn trigger_webhook(&self, caller: &Caller, id: WebhookId) -> Result<Delivery, DomainError> {
        caller.authorize(Action::ADMIN_WEBHOOKS_TRIGGER)?;
        let webhook = self.store.find_webhook(id).await?.ok_or(NOT_FOUND)?;
        let now = self.clock.now();
        let event_id = format!("evt_{}", crate::crypto::token::random_alphanumeric(24));
        let data = json!({"webhook": {"id": webhook.id.0, "name": webhook.name}, "actor": caller.actor().to_json()});
        let delivery = NewDelivery {
            webhook_id: webhook.id,
            payload: delivery_body(TEST_EVENT_TYPE, now, &data),
            event_id,
            event_type: TEST_EVENT_TYPE.to_owned(),
            occurred_at: now,
            now,
        };
        Ok(self.store.insert_delivery(&delivery).await?)
    }

    /// The most recent deliveries of an endpoint (newest first) with their attempts (newest
    /// first).
    pub async fn list_webhook_deliveries(
        &self,
        caller: &Caller,
        id: WebhookId,
        limit: i64,
    ) -> Result<Vec<(Delivery, Vec<DeliveryAttempt>)>, DomainError> {
        caller.authorize(Action::ADMIN_WEBHOOKS_READ)?;
        self.store.find_webhook(id).await?.ok_or(NOT_FOUND)?;
        let deliveries = self.store.list_deliveries(id, limit).await?;
        let mut attempts = self.store.list_webhook_attempts(id, limit.saturating_mul(10)).await?;
        Ok(deliveries
            .into_iter()
            .map(|delivery| {
                let (mine, rest): (Vec<_>, Vec<_>) =
                    attempts.drain(..).partition(|attempt| attempt.delivery_id == delivery.id);
                attempts = rest;
                (delivery, mine)
            })
            .collect())
    }

    /// Sends a delivery again now (a failed one gets one more attempt; the schedule goes on
    /// from its attempt count).
    pub async fn resend_webhook_delivery(
        &self,
        caller: &Caller,
        id: WebhookId,
        delivery: i64,
    ) -> Result<Delivery, DomainError> {
        caller.authorize(Action::ADMIN_WEBHOOKS_TRIGGER)?;
        let found = self.store.find_delivery(delivery).await?.filter(|found| found.webhook_id == id);
        if found.is_none() {
            return Err(DomainError::NotFound("Delivery not found"));
        }
        self.store.resend_delivery(delivery, self.clock.now()).await?.ok_or(DomainError::NotFound("Delivery not found"))
    }

    /// Fans out up to `limit` outbox events past the cursor into deliveries (dispatcher);
    /// returns how many events it consumed.
    pub async fn fan_out_webhook_events(&self, limit: i64) -> Result<u64, DomainError> {
        Ok(self.store.fan_out_events(limit, self.clock.now()).await?)
    }

    /// Claims due deliveries of enabled endpoints (dispatcher): up to `limit` in all, the
    /// next `first_batch` first attempts of each endpoint whose first attempts are not in
    /// flight (to be sent one after the other, in event order), and due retries, at most
    /// `per_webhook` in flight per endpoint ([`ClaimLimits`]); each leased to `node` for `lease_ms` of real time.
    /// Due times follow the injected clock; leases the real one, so a test that moves the clock
    /// does not expire the lease of a request still in flight.
    pub async fn claim_webhook_deliveries(
        &self,
        node: &str,
        limits: ClaimLimits,
    ) -> Result<Vec<Delivery>, DomainError> {
        let lease_now = crate::time::SystemClock.now();
        Ok(self.store.claim_deliveries(self.clock.now(), lease_now, node, limits).await?)
    }

    /// Gives back a claimed delivery that will not be sent now (dispatcher), so it is claimed
    /// again at once rather than when its lease ends.
    pub async fn release_webhook_delivery(&self, id: i64) -> Result<(), DomainError> {
        Ok(self.store.release_delivery(id).await?)
    }

    /// Records attempts and what follows from each, in one transaction (dispatcher).
    pub async fn record_webhook_attempts(
        &self,
        attempts: &[(DeliveryAttempt, AttemptOutcome)],
    ) -> Result<(), DomainError> {
        Ok(self.store.record_delivery_attempts(attempts, self.clock.now()).await?)
    }

    /// The queue's state (metrics).
    pub async fn webhook_delivery_stats(&self) -> Result<DeliveryStats, DomainError> {
        Ok(self.store.delivery_stats().await?)
    }

    /// Every endpoint with its secret, for signing (dispatcher; no caller).
    pub async fn webhooks_for_delivery(&self) -> Result<Vec<Webhook>, DomainError> {
        Ok(self.store.list_webhooks().await?)
    }

    /// The current time of the injected clock (the dispatcher times attempts with it).
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_matches_the_standard_webhooks_example() {
        // The example of the Standard Webhooks specification.
        let secret = Secret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        let body = r#"{"test": 2432232314}"#;
        assert_eq!(
            sign(&secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn retries_follow_the_schedule_with_bounded_jitter_then_fail() {
        let schedule = RetrySchedule::default();
        let now = Timestamp::from_millis(1_000_000);
        for _ in 0..50 {
            let AttemptOutcome::RetryAt(at) = schedule.after_failure(1, now) else { panic!("retry expected") };
            assert!((4_500..=5_500).contains(&(at.as_millis() - now.as_millis())));
        }
        assert!(matches!(schedule.after_failure(7, now), AttemptOutcome::RetryAt(_)));
        assert_eq!(schedule.after_failure(8, now), AttemptOutcome::Failed);
    }

    #[test]
    fn urls_events_and_headers_are_checked() {
        let input = WebhookInput {
            name: " hook ".into(),
            url: "ftp://example.com".into(),
            events: vec!["user.created".into(), "user.nope".into()],
            headers: BTreeMap::from([("Webhook-Id".into(), "x".into()), ("X-Ok".into(), "1".into())]),
            enabled: true,
        };
        let Err(DomainError::Validation(errors)) = validate(&input, new_secret(), Timestamp::from_millis(0)) else {
            panic!("validation error expected")
        };
        let fields: Vec<_> = errors.0.iter().map(|error| error.path[0].as_str()).collect();
        assert_eq!(fields, ["url", "events", "headers"]);
        assert!(check_url("https://example.com/hook").is_ok());
        assert!(check_url(&format!("https://example.com/{}", "a".repeat(MAX_URL_LEN))).is_err());
        assert!(new_secret().expose().starts_with(SECRET_PREFIX));
        assert_eq!(format!("{:?}", new_secret()), "Secret(\"[redacted]\")");
    }
}
