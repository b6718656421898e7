//! Prometheus metrics, kept per server instance (no global recorder, so several servers can live
//! in one test process): requests and latency by route and status, login outcomes, and the
//! hash pool's queue depth, rendered in the Prometheus text format by `GET /metrics`.

use parking_lot::Mutex;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds of the latency histogram buckets, in seconds.
const BUCKETS: [f64; 14] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

#[derive(Default)]
struct Series {
    count: u64,
    sum_seconds: f64,
    buckets: [u64; BUCKETS.len()],
}

/// The counters of one server.
#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(&'static str, u16), Series>>,
    requests_answered: AtomicU64,
    logins_succeeded: AtomicU64,
    logins_failed: AtomicU64,
    webhooks: WebhookCounters,
}

/// Webhook attempts by outcome, counted by the dispatcher.
#[derive(Default)]
struct WebhookCounters {
    succeeded: AtomicU64,
    retried: AtomicU64,
    failed: AtomicU64,
}

/// The route name a response was produced by, left in its extensions by the route guard.
#[derive(Clone, Copy, Debug)]
pub struct RouteName(pub &'static str);

impl Metrics {
    /// Counts one answered request.
    pub fn record_request(&self, route: &'static str, status: u16, elapsed: Duration) {
        self.requests_answered.fetch_add(1, Ordering::Relaxed);
        let seconds = elapsed.as_secs_f64();
        let mut requests = self.requests.lock();
        let series = requests.entry((route, status)).or_default();
        series.count += 1;
        series.sum_seconds += seconds;
        for (bucket, bound) in series.buckets.iter_mut().zip(BUCKETS) {
            if seconds <= bound {
                *bucket += 1;
            }
        }
    }

    /// Requests answered since start-up, all routes together.
    pub fn requests_answered(&self) -> u64 {
        self.requests_answered.load(Ordering::Relaxed)
    }

    /// Counts one login attempt by outcome.
    pub fn record_login(&self, succeeded: bool) {
        let counter = if succeeded { &self.logins_succeeded } else { &self.logins_failed };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// The Prometheus text exposition.
    pub fn render(&self, hash_queue_depth: usize) -> String {
        let mut out = String::new();
        let requests = self.requests.lock();
        out.push_str("# HELP gatehouse_http_requests_total HTTP requests answered, by route and status.\n");
        out.push_str("# TYPE gatehouse_http_requests_total counter\n");
        for ((route, status), series) in requests.iter() {
            let _ = writeln!(
                out,
                "gatehouse_http_requests_total{{route=\"{route}\",status=\"{status}\"}} {}",
                series.count
            );
        }
        out.push_str("# HELP gatehouse_http_request_duration_seconds Time to answer, by route and status.\n");
        out.push_str("# TYPE gatehouse_http_request_duration_seconds histogram\n");
        for ((route, status), series) in requests.iter() {
            let labels = format!("route=\"{route}\",status=\"{status}\"");
            for (bound, count) in BUCKETS.iter().zip(series.buckets) {
                let _ =
                    writeln!(out, "gatehouse_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {count}");
            }
            let _ = writeln!(
                out,
                "gatehouse_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                series.count
            );
            let _ = writeln!(out, "gatehouse_http_request_duration_seconds_sum{{{labels}}} {}", series.sum_seconds);
            let _ = writeln!(out, "gatehouse_http_request_duration_seconds_count{{{labels}}} {}", series.count);
        }
        drop(requests);
        out.push_str("# HELP gatehouse_logins_total End-user login attempts by outcome.\n");
        out.push_str("# TYPE gatehouse_logins_total counter\n");
        let _ = writeln!(
            out,
            "gatehouse_logins_total{{outcome=\"success\"}} {}",
            self.logins_succeeded.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            out,
            "gatehouse_logins_total{{outcome=\"failure\"}} {}",
            self.logins_failed.load(Ordering::Relaxed)
        );
        out.push_str("# HELP gatehouse_hash_queue_depth Password-hash jobs waiting for a hashing thread.\n");
        out.push_str("# TYPE gatehouse_hash_queue_depth gauge\n");
        let _ = writeln!(out, "gatehouse_hash_queue_depth {hash_queue_depth}");
        out
    }
}

impl Metrics {
    /// Counts one webhook attempt by what followed it.
    pub fn record_webhook_attempt(&self, outcome: gatehouse_domain::webhooks::AttemptOutcome) {
        use gatehouse_domain::webhooks::AttemptOutcome;
        let counter = match outcome {
            AttemptOutcome::Succeeded => &self.webhooks.succeeded,
            AttemptOutcome::RetryAt(_) => &self.webhooks.retried,
            AttemptOutcome::Failed => &self.webhooks.failed,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// The webhook series: attempts by outcome, the queue's depth, and the outbox lag (age of
    /// the oldest event not yet delivered nor given up; 0 when there is none).
    pub fn render_webhooks(
        &self,
        stats: Option<gatehouse_domain::webhooks::DeliveryStats>,
        now: gatehouse_domain::time::Timestamp,
    ) -> String {
        let mut out = String::new();
        out.push_str("# HELP gatehouse_webhook_deliveries_total Webhook delivery attempts by outcome (succeeded, retried, failed: given up).\n");
        out.push_str("# TYPE gatehouse_webhook_deliveries_total counter\n");
        for (outcome, counter) in [
            ("succeeded", &self.webhooks.succeeded),
            ("retried", &self.webhooks.retried),
            ("failed", &self.webhooks.failed),
        ] {
            let _ = writeln!(
                out,
                "gatehouse_webhook_deliveries_total{{outcome=\"{outcome}\"}} {}",
                counter.load(Ordering::Relaxed)
            );
        }
        let Some(stats) = stats else { return out };
        out.push_str("# HELP gatehouse_webhook_queue_depth Webhook deliveries waiting, by state.\n");
        out.push_str("# TYPE gatehouse_webhook_queue_depth gauge\n");
        let _ = writeln!(out, "gatehouse_webhook_queue_depth{{state=\"pending\"}} {}", stats.pending_first);
        let _ = writeln!(out, "gatehouse_webhook_queue_depth{{state=\"retrying\"}} {}", stats.retrying);
        let _ = writeln!(out, "gatehouse_webhook_queue_depth{{state=\"failed\"}} {}", stats.failed);
        out.push_str("# HELP gatehouse_webhook_outbox_lag_seconds Age of the oldest event not yet delivered.\n");
        out.push_str("# TYPE gatehouse_webhook_outbox_lag_seconds gauge\n");
        let lag_ms = stats.oldest_undelivered.map_or(0, |oldest| (now.as_millis() - oldest.as_millis()).max(0));
        #[allow(clippy::cast_precision_loss)]
        let lag = lag_ms as f64 / 1000.0;
        let _ = writeln!(out, "gatehouse_webhook_outbox_lag_seconds {lag}");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_fall_into_cumulative_buckets() {
        let metrics = Metrics::default();
        metrics.record_request("find_me", 200, Duration::from_micros(700));
        metrics.record_request("find_me", 200, Duration::from_millis(30));
        metrics.record_login(false);
        let text = metrics.render(3);
        assert!(text.contains("gatehouse_http_requests_total{route=\"find_me\",status=\"200\"} 2"));
        assert!(text.contains(
            "gatehouse_http_request_duration_seconds_bucket{route=\"find_me\",status=\"200\",le=\"0.001\"} 1"
        ));
        assert!(text.contains(
            "gatehouse_http_request_duration_seconds_bucket{route=\"find_me\",status=\"200\",le=\"0.05\"} 2"
        ));
        assert!(text.contains("gatehouse_logins_total{outcome=\"failure\"} 1"));
        assert!(text.contains("gatehouse_hash_queue_depth 3"));
    }
}
