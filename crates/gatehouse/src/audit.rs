//! Audit-log retention: `serve` prunes the rows older than `audit.retention_days` at start-up
//! and then every hour. The age is measured by the domain's injected clock, so tests prune by
//! moving the clock (through [`gatehouse_domain::Domain::prune_audit_log`]) rather than waiting.

use gatehouse_domain::Domain;
use std::sync::Arc;
use std::time::Duration;

/// How often the pruner runs.
const EVERY: Duration = Duration::from_secs(3600);

/// Prunes now, then every [`EVERY`], until the task is aborted. A failure is logged and retried
/// at the next round: retention is never worth stopping the server for.
pub async fn prune_forever(domain: Arc<Domain>, retention: Duration) {
    let mut ticks = tokio::time::interval(EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        match domain.prune_audit_log(retention).await {
            Ok(0) => {}
            Ok(pruned) => tracing::info!(audit.pruned = pruned, "audit log pruned"),
            Err(error) => tracing::warn!(error.cause = %error, "could not prune the audit log"),
        }
    }
}
