//! The change feed: tells open dashboards (server-sent events) that something changed, whether
//! through this replica or another one on the same database.
//!
//! Writes through this replica notify at once. Other replicas' writes are noticed by polling
//! [`firebreak_store::Store::version`] (incident and event counts, which grow with every
//! change) every [`super::state::Options::poll`]; PostgreSQL's LISTEN is not reachable through
//! sqlx's `Any` driver, and a count query a second is cheap.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use firebreak_core::IncidentId;
use serde::Serialize;
use tokio::sync::broadcast;

use crate::service::Service;

/// The counts before the first look at the database.
const NOT_YET: u64 = u64::MAX;

/// One change notice.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Changed {
    /// The incident that changed, when known (a change seen by polling names none).
    pub incident: Option<String>,
}

/// The feed.
#[derive(Debug)]
pub struct Feed {
    tx: broadcast::Sender<Changed>,
    closing: tokio::sync::watch::Sender<bool>,
    events_seen: AtomicU64,
    incidents_seen: AtomicU64,
}

impl Default for Feed {
    fn default() -> Self {
        Self::new()
    }
}

impl Feed {
    /// A feed nobody listens to yet.
    pub fn new() -> Self {
        let (tx, _) = broadcast::channel(256);
        Self {
            tx,
            closing: tokio::sync::watch::Sender::new(false),
            events_seen: AtomicU64::new(NOT_YET),
            incidents_seen: AtomicU64::new(NOT_YET),
        }
    }

    /// Announces a change to `incident` made through this replica.
    pub fn changed(&self, incident: &IncidentId) {
        // No receivers is not an error: nobody is watching.
        let _ = self.tx.send(Changed {
            incident: Some(incident.to_string()),
        });
    }

    /// Tells every live stream to end (the server is shutting down).
    pub fn close(&self) {
        self.closing.send_replace(true);
    }

    /// Becomes true when the server shuts down; live streams end then, so that a graceful
    /// shutdown does not wait for them forever.
    pub fn closing(&self) -> tokio::sync::watch::Receiver<bool> {
        self.closing.subscribe()
    }

    /// A receiver of every later notice.
    pub fn subscribe(&self) -> broadcast::Receiver<Changed> {
        self.tx.subscribe()
    }

    /// Compares the database's counts with the last ones seen and announces a change when they
    /// moved. Returns whether they did.
    pub async fn check(&self, service: &Service) -> bool {
        let Ok((incidents, events)) = service.store().version().await else {
            return false;
        };
        let before_events = self.events_seen.swap(events, Ordering::Relaxed);
        let before_incidents = self.incidents_seen.swap(incidents, Ordering::Relaxed);
        let moved = (before_events, before_incidents) != (events, incidents);
        // The first look only sets the baseline (an empty database is a baseline too).
        if moved && before_events != NOT_YET {
            let _ = self.tx.send(Changed { incident: None });
        }
        moved
    }

    /// Polls until the process ends (spawned by `serve`).
    pub async fn poll(&self, service: &Service, every: Duration) {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            self.check(service).await;
        }
    }
}
