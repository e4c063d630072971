//! `serve`'s health checks: each `[[check]]` runs every `every` (60 s unless set), its result
//! goes to `/metrics` (`firebreak_check_status`, `firebreak_check_last_run_timestamp_seconds`),
//! and a result that is not ok is recorded as a finding — the same path as
//! `firebreak check --declare` — when it differs from that check's previous result, so a check
//! that stays critical adds one finding, not one a minute.

use std::collections::HashMap;

use firebreak_core::check::Status;
use tokio::time::Instant;

use super::state::AppState;
use crate::check::{Prober, finding};

/// Runs until aborted; returns at once when no check is configured.
pub async fn run(state: AppState) {
    let checks = state.service.config().checks.clone();
    if checks.is_empty() {
        return;
    }
    let prober = match Prober::new(&checks) {
        Ok(p) => p,
        Err(e) => {
            tracing::error!("health checks are off: {}", crate::cli::one_line(&e));
            return;
        }
    };
    let mut due = vec![Instant::now(); checks.len()];
    let mut last: HashMap<String, Status> = HashMap::new();
    loop {
        let now = Instant::now();
        let ready: Vec<usize> = (0..checks.len()).filter(|i| due[*i] <= now).collect();
        let batch: Vec<_> = ready.iter().map(|i| checks[*i].clone()).collect();
        let reports = prober.run_all(&batch).await;
        for ((i, check), report) in ready.iter().zip(&batch).zip(&reports) {
            due[*i] = Instant::now() + check.every;
            state.metrics.checked(report);
            let before = last.insert(check.name.clone(), report.status);
            if before == Some(report.status) {
                continue;
            }
            let Some(found) = finding::of(check, report) else {
                continue;
            };
            let detection = crate::cli::detection(&found);
            match state
                .service
                .record_detection(&detection, &found.severity, None)
                .await
            {
                Ok(landed) => {
                    state.metrics.appended(landed.events());
                    state.feed.changed(&landed.incident().id);
                    tracing::info!(check = %check.name, status = report.status.as_str(), incident = %landed.incident().id, "check finding recorded");
                }
                Err(e) => {
                    // Recorded next time the status changes; the metric already says it.
                    last.remove(&check.name);
                    tracing::warn!(check = %check.name, error = %e, "could not record a check finding");
                }
            }
        }
        let next = due.iter().min().copied().unwrap_or_else(Instant::now);
        tokio::time::sleep_until(next).await;
    }
}
