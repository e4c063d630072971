//! Block expiry while `serve` runs: every `[contain] expire_every` (30 s unless set), lift the
//! blocks on this host whose time is up — the same path as `firebreak block expire`, which a
//! systemd timer runs on hosts without `serve`.

use crate::contain::act;
use crate::service::Service;

/// Runs until aborted.
pub async fn run(service: Service) {
    let every = service.config().contain.expire_every;
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match act::expire(&service).await {
            Ok(lifted) => {
                for r in &lifted {
                    tracing::info!(incident = %r.incident.id, blocks = r.events.len(), "expired blocks lifted");
                }
            }
            // Nothing was recorded; the next tick tries again.
            Err(e) => tracing::warn!(error = %e, "block expiry failed; will retry"),
        }
    }
}
