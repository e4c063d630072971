//! The scheduler `serve` runs beside the API: at start it delivers whatever a previous process
//! left queued, then fires update reminders and escalations as they fall due and delivers
//! their messages. It wakes at the next deadline it knows of, when the change feed reports a
//! change (here or on another replica), and at least every `IDLE`, so a deadline is met
//! within milliseconds without re-reading every incident on a timer. With no contacts
//! configured it does not run at all.

use std::time::Duration;

use firebreak_store::ListFilter;
use jiff::Timestamp;

use super::AppState;
use crate::notify::escalate::Watch;

/// Longest sleep between passes.
const IDLE: Duration = Duration::from_secs(30);
/// Changes arriving together are handled in one pass.
const SETTLE: Duration = Duration::from_millis(50);

/// Runs until the task is aborted.
pub async fn run(state: AppState) {
    let service = state.service.clone();
    // When there is no courier, `AppState::new` has logged why.
    if state.courier.is_none() {
        return;
    }
    let contacts = service
        .config()
        .notify
        .directory
        .contacts()
        .next()
        .is_some();
    // Without contacts nothing queued could be delivered (it stays queued for a config that
    // has them) and nothing falls due (`notify::due_now`): there is no work, and re-listing
    // the open incidents after every change would only cost the writers CPU.
    if !contacts {
        return;
    }
    match service.store().list(&ListFilter::default()).await {
        Ok(all) => {
            for s in all {
                state.deliver(s.id);
            }
        }
        Err(e) => tracing::warn!("cannot list incidents to deliver queued notifications: {e}"),
    }
    let mut feed = state.feed.subscribe();
    let mut watch = Watch::default();
    loop {
        if let Err(e) = watch.refresh(&service).await {
            tracing::warn!("scheduler: {e}");
        }
        let now = Timestamp::now();
        match watch.pass(&service, now).await {
            Ok(fired) => {
                for f in fired {
                    state.feed.changed(&f.incident);
                    state.deliver(f.incident);
                }
            }
            Err(e) => tracing::warn!("scheduler: {e}"),
        }
        let wait = watch
            .next_due(&service, Timestamp::now())
            .and_then(|t| Duration::try_from(t.duration_since(Timestamp::now())).ok())
            .map_or(IDLE, |d| d.min(IDLE));
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            notice = feed.recv() => {
                if notice.is_err() {
                    // Lagged or closed: a pass re-reads everything anyway.
                    feed = feed.resubscribe();
                }
                tokio::time::sleep(SETTLE).await;
                while feed.try_recv().is_ok() {}
            }
        }
    }
}
