//! The webhook dispatcher: a background task started by `serve` beside the mail sender. Each
//! round it fans new outbox events out into delivery rows, claims the deliveries that are due
//! (under a lease, so a node that dies leaves them to others), and sends each one on its own
//! task with Standard Webhooks headers. The rules (signature, schedule, claim order) are the
//! domain's ([`gatehouse_domain::webhooks`]); this module only does the HTTP.
//!
//! An endpoint's first attempts are claimed in batches ([`FIRST_BATCH`]) that one task sends in
//! event order; retries go on their own tasks. Concurrency is bounded overall
//! ([`MAX_IN_FLIGHT`] tasks) and per endpoint (one first-attempt batch and [`PER_ENDPOINT`]
//! retries, in the claim itself), so one slow endpoint holds at most its own slots. While the
//! API is busy, sends and the dispatcher's database work are paced so that delivery yields the
//! cores to requests ([`yielding`]).
//! Time comes from the domain's clock, so tests drive the retry schedule without waiting.

pub mod target;
pub mod yielding;

use crate::config::WebhooksConfig;
use crate::http::metrics::Metrics;
use gatehouse_domain::time::Timestamp;
use gatehouse_domain::webhooks::{
    sign, AttemptOutcome, ClaimLimits, Delivery, DeliveryAttempt, RetrySchedule, Webhook, WebhookId,
};
use gatehouse_domain::Domain;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_TYPE, USER_AGENT};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{Notify, Semaphore};

/// Deliveries in flight at once on this node.
pub const MAX_IN_FLIGHT: usize = 32;
/// Deliveries of one endpoint in flight at once (first attempts go one at a time, in order).
pub const PER_ENDPOINT: i64 = 4;
/// First attempts of one endpoint claimed together, sent one after the other in event order.
pub const FIRST_BATCH: usize = 16;
const FIRST_BATCH_ROWS: i64 = 16;
/// Events fanned out per transaction.
const FAN_OUT_BATCH: i64 = 500;
/// Time between two looks at the database when there was nothing to do and nothing woke the
/// dispatcher: this node's events wake it at once, so this finds retries coming due and events
/// recorded by other nodes.
const POLL: Duration = Duration::from_secs(1);
/// How long the dispatcher lets this node's commits gather once one has woken it, so that a
/// stream of writes is fanned out in batches: each round is a transaction (on PostgreSQL one
/// that locks out event writers for its length), which must not follow every write.
const GATHER: Duration = Duration::from_millis(50);
/// How long a claim is held beyond twice the request timeout before another node (or this one,
/// restarted) may take it.
const LEASE_MARGIN: Duration = Duration::from_secs(1);
/// Longest error text kept per attempt.
const MAX_ERROR_LEN: usize = 500;

/// Delivers webhooks.
#[derive(Clone)]
pub struct Dispatcher {
    inner: Arc<Inner>,
}

struct Inner {
    domain: Arc<Domain>,
    client: reqwest::Client,
    schedule: RetrySchedule,
    allow_private: bool,
    timeout: Duration,
    lease: Duration,
    lease_ms: i64,
    node: String,
    metrics: Arc<Metrics>,
    slots: Arc<Semaphore>,
    finished: Notify,
    yielding: yielding::Yielding,
}

impl Dispatcher {
    /// A dispatcher with the `[webhooks]` settings.
    pub fn new(domain: Arc<Domain>, config: &WebhooksConfig, metrics: Arc<Metrics>) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(config.timeout.0)
            .connect_timeout(config.timeout.0)
            .no_proxy()
            .use_rustls_tls()
            .dns_resolver(Arc::new(target::FilteringResolver { allow_private: config.allow_private_targets }))
            .build()?;
        let lease = config.timeout.0 * 2 + LEASE_MARGIN;
        Ok(Self {
            inner: Arc::new(Inner {
                domain,
                client,
                schedule: RetrySchedule {
                    delays: config.retry_schedule.iter().map(|delay| delay.0).collect(),
                    jitter_percent: 10,
                },
                allow_private: config.allow_private_targets,
                timeout: config.timeout.0,
                lease,
                lease_ms: i64::try_from(lease.as_millis()).unwrap_or(i64::MAX),
                node: format!("{}-{}", std::process::id(), gatehouse_domain::crypto::token::random_hex(4)),
                yielding: yielding::Yielding::new(Instant::now(), metrics.requests_answered()),
                metrics,
                slots: Arc::new(Semaphore::new(MAX_IN_FLIGHT)),
                finished: Notify::new(),
            }),
        })
    }

    /// Runs until the task is dropped.
    pub async fn run(self) {
        let queued = self.inner.domain.queued_work();
        loop {
            let more = self.round().await;
            if !more {
                // Woken early when a send finishes (its endpoint may have its next event due) or
                // when this node records events.
                tokio::select! {
                    () = self.inner.finished.notified() => {}
                    () = queued.events.notified() => tokio::time::sleep(GATHER).await,
                    () = tokio::time::sleep(POLL) => {}
                }
            }
        }
    }

    /// One round: fan out, claim, start sends. Whether more work may be waiting at once (a full
    /// fan-out batch or a full claim); otherwise the next round waits for a send to finish, for
    /// this node's next events or for [`POLL`], instead of claiming again what is in flight.
    pub async fn round(&self) -> bool {
        let started = Instant::now();
        let (jobs, more) = self.fan_out_and_claim().await;
        // The database work of delivery is paced like its sends: on PostgreSQL, a claim can
        // cost the database more than the sends it starts cost Gatehouse.
        let oldest = jobs.iter().flat_map(|(_, job)| job.iter().map(|delivery| delivery.occurred_at)).min();
        self.yield_to_requests(oldest, started.elapsed()).await;
        for (webhook, job) in jobs {
            let Ok(permit) = self.inner.slots.clone().acquire_owned().await else { return true };
            let this = self.clone();
            tokio::spawn(async move {
                this.send_job(&webhook, &job).await;
                drop(permit);
                this.inner.finished.notify_one();
            });
        }
        more
    }

    /// Fans new events out and claims what is due: the jobs to start, one per endpoint for its
    /// first attempts (in event order) and one per retry, and whether more may be waiting.
    async fn fan_out_and_claim(&self) -> (Vec<(Arc<Webhook>, Vec<Delivery>)>, bool) {
        let inner = &self.inner;
        let fanned = match inner.domain.fan_out_webhook_events(FAN_OUT_BATCH).await {
            Ok(count) => count,
            Err(error) => {
                tracing::warn!(error.cause = %error, "cannot fan webhook events out");
                0
            }
        };
        let more_events = fanned >= u64::try_from(FAN_OUT_BATCH).unwrap_or(u64::MAX);
        let free = inner.slots.available_permits();
        if free == 0 {
            return (Vec::new(), more_events);
        }
        let limit = i64::try_from(free.saturating_mul(FIRST_BATCH)).unwrap_or(i64::MAX);
        let claimed = match inner
            .domain
            .claim_webhook_deliveries(
                &inner.node,
                ClaimLimits {
                    limit,
                    per_webhook: PER_ENDPOINT,
                    first_batch: FIRST_BATCH_ROWS,
                    lease_ms: inner.lease_ms,
                },
            )
            .await
        {
            Ok(claimed) => claimed,
            Err(error) => {
                tracing::warn!(error.cause = %error, "cannot claim webhook deliveries");
                return (Vec::new(), more_events);
            }
        };
        if claimed.is_empty() {
            return (Vec::new(), more_events);
        }
        let more = more_events || i64::try_from(claimed.len()).unwrap_or(i64::MAX) >= limit;
        let webhooks: HashMap<_, _> = match inner.domain.webhooks_for_delivery().await {
            Ok(list) => list.into_iter().map(|webhook| (webhook.id, Arc::new(webhook))).collect(),
            Err(error) => {
                // The leases run out and the deliveries are claimed again.
                tracing::warn!(error.cause = %error, "cannot read webhooks");
                return (Vec::new(), more_events);
            }
        };
        let mut firsts: BTreeMap<WebhookId, Vec<Delivery>> = BTreeMap::new();
        let mut jobs: Vec<Vec<Delivery>> = Vec::new();
        for delivery in claimed {
            if delivery.attempts == 0 {
                firsts.entry(delivery.webhook_id).or_default().push(delivery);
            } else {
                jobs.push(vec![delivery]);
            }
        }
        for mut batch in firsts.into_values() {
            batch.sort_by_key(|delivery| delivery.id);
            jobs.push(batch);
        }
        let jobs = jobs
            .into_iter()
            .filter_map(|job| {
                let webhook = job.first().and_then(|delivery| webhooks.get(&delivery.webhook_id)).cloned()?;
                Some((webhook, job))
            })
            .collect();
        (jobs, more)
    }

    /// Sends one job's deliveries one after the other and records their attempts.
    async fn send_job(&self, webhook: &Webhook, job: &[Delivery]) {
        let inner = &self.inner;
        let started = Instant::now();
        let mut attempts = Vec::with_capacity(job.len());
        for (done, delivery) in job.iter().enumerate() {
            // Never send on a lease that may run out meanwhile: give the rest back, in order, to
            // be claimed again at once.
            if started.elapsed() + inner.timeout + LEASE_MARGIN > inner.lease {
                for rest in &job[done..] {
                    if let Err(error) = inner.domain.release_webhook_delivery(rest.id).await {
                        tracing::warn!(error.cause = %error, delivery.id = rest.id, "cannot release a delivery");
                    }
                }
                break;
            }
            let sent = Instant::now();
            attempts.push(self.deliver(webhook, delivery).await);
            self.yield_to_requests(Some(delivery.occurred_at), sent.elapsed()).await;
        }
        // One commit for the batch, not one per send. Should it fail, the leases run out and the
        // batch is sent again: at least once, never lost.
        let recording = Instant::now();
        if let Err(error) = inner.domain.record_webhook_attempts(&attempts).await {
            tracing::warn!(error.cause = %error, webhook.id = webhook.id.0, "cannot record webhook attempts");
        }
        self.yield_to_requests(job.first().map(|delivery| delivery.occurred_at), recording.elapsed()).await;
    }

    /// Waits, while the API is busy, after delivery work that took `spent` for events that
    /// occurred at `oldest` (see [`yielding`]).
    async fn yield_to_requests(&self, oldest: Option<Timestamp>, spent: Duration) {
        let inner = &self.inner;
        let lag_ms = oldest.map_or(0, |at| inner.domain.now().as_millis().saturating_sub(at.as_millis()));
        let lag = Duration::from_millis(u64::try_from(lag_ms).unwrap_or_default());
        if let Some(until) = inner.yielding.pause(Instant::now(), inner.metrics.requests_answered(), spent, lag) {
            tokio::time::sleep_until(until.into()).await;
        }
    }

    /// Sends one delivery: the attempt to record and its outcome.
    async fn deliver(&self, webhook: &Webhook, delivery: &Delivery) -> (DeliveryAttempt, AttemptOutcome) {
        let inner = &self.inner;
        let started_at = inner.domain.now();
        let started = Instant::now();
        let result = self.send(webhook, delivery, started_at.as_secs()).await;
        let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        let number = delivery.attempts + 1;
        let (status_code, error) = match result {
            Ok(status) if (200..300).contains(&status) => (Some(i64::from(status)), None),
            Ok(status) => (Some(i64::from(status)), Some(format!("HTTP {status}"))),
            Err(error) => (None, Some(error)),
        };
        let outcome = match &error {
            None => AttemptOutcome::Succeeded,
            Some(_) => inner.schedule.after_failure(number, inner.domain.now()),
        };
        inner.metrics.record_webhook_attempt(outcome);
        match (&outcome, &error) {
            (AttemptOutcome::Succeeded, _) => {
                tracing::debug!(webhook.id = webhook.id.0, event.id = %delivery.event_id, "webhook delivered");
            }
            (AttemptOutcome::RetryAt(at), Some(error)) => tracing::info!(
                webhook.id = webhook.id.0, event.id = %delivery.event_id, attempt = number, error.cause = %error,
                retry.at = %at.to_rfc3339(), "webhook delivery failed; will retry"
            ),
            (_, error) => tracing::warn!(
                webhook.id = webhook.id.0, event.id = %delivery.event_id, attempt = number,
                error.cause = error.as_deref().unwrap_or_default(), "webhook delivery given up"
            ),
        }
        let attempt = DeliveryAttempt {
            delivery_id: delivery.id,
            attempt: number,
            at: started_at,
            status_code,
            duration_ms,
            error,
        };
        (attempt, outcome)
    }

    /// POSTs the delivery; the status code, or why no answer came.
    async fn send(&self, webhook: &Webhook, delivery: &Delivery, timestamp: i64) -> Result<u16, String> {
        let url = reqwest::Url::parse(&webhook.url).map_err(|error| format!("invalid url: {error}"))?;
        if !self.inner.allow_private {
            // An address written in the URL is never resolved: check it here.
            let literal = match url.host() {
                Some(url::Host::Ipv4(ip)) => Some(std::net::IpAddr::V4(ip)),
                Some(url::Host::Ipv6(ip)) => Some(std::net::IpAddr::V6(ip)),
                _ => None,
            };
            if let Some(why) = literal.and_then(|ip| target::refusal(ip).map(|why| (ip, why))) {
                return Err(target::Refused(format!("{} is {}", why.0, why.1)).to_string());
            }
        }
        let mut headers = HeaderMap::new();
        for (name, value) in &webhook.headers {
            if let (Ok(name), Ok(value)) = (HeaderName::try_from(name.as_str()), HeaderValue::try_from(value.as_str()))
            {
                headers.insert(name, value);
            }
        }
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        headers.insert(USER_AGENT, HeaderValue::from_static(concat!("Gatehouse-Webhooks/", env!("CARGO_PKG_VERSION"))));
        let signature = sign(&webhook.secret, &delivery.event_id, timestamp, &delivery.payload);
        for (name, value) in [
            ("webhook-id", delivery.event_id.clone()),
            ("webhook-timestamp", timestamp.to_string()),
            ("webhook-signature", signature),
        ] {
            let value = HeaderValue::try_from(value).map_err(|error| format!("header {name}: {error}"))?;
            headers.insert(HeaderName::from_static(name), value);
        }
        let response = self
            .inner
            .client
            .post(url)
            .headers(headers)
            .body(delivery.payload.clone())
            .send()
            .await
            .map_err(|error| describe(&error))?;
        Ok(response.status().as_u16())
    }
}

/// An error and its causes on one line, cut to [`MAX_ERROR_LEN`].
fn describe(error: &reqwest::Error) -> String {
    let mut text = if error.is_timeout() { "timed out".to_owned() } else { error.to_string() };
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    if text.len() > MAX_ERROR_LEN {
        let mut cut = MAX_ERROR_LEN;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
    }
    text
}
