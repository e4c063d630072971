//! An incident's notification log as people read it (`firebreak show`, the dashboard): per
//! message who it went to and by what (the destination masked as `firebreak contacts` shows
//! it: an e-mail address, never a URL or key), which template and why, where it stands and
//! the last error. Folded from the journal by [`firebreak_core::notify::Outbox`]; this only
//! adds the masked destination from the config in force.

use firebreak_core::Event;
use firebreak_core::notify::{NotifyConfig, Outbox, OutboxState, Reason};
use jiff::Timestamp;
use serde::Serialize;

/// One message.
#[derive(Debug, Clone, Serialize)]
pub struct Told {
    /// The message's key (also its idempotency key).
    pub key: String,
    /// Contact name.
    pub to: String,
    /// Channel and destination, masked.
    pub destination: String,
    /// Template.
    pub template: String,
    /// Why it was sent.
    pub reason: Reason,
    /// Subject line.
    pub subject: String,
    /// `queued`, `delivered` or `failed`.
    pub state: OutboxState,
    /// Tries so far.
    pub attempts: u32,
    /// When it was queued.
    pub queued_at: Timestamp,
    /// The last error, secrets scrubbed (kept after a delivery that needed retries).
    pub error: Option<String>,
}

impl Told {
    /// Where it stands, in a few words: "delivered (1 try)", "FAILED after 3 tries: …",
    /// "queued (2 tries so far: …)".
    pub fn standing(&self) -> String {
        let tries = |n: u32| {
            if n == 1 {
                "1 try".into()
            } else {
                format!("{n} tries")
            }
        };
        match self.state {
            OutboxState::Delivered => format!("delivered ({})", tries(self.attempts)),
            OutboxState::Failed => format!(
                "FAILED after {}: {}",
                tries(self.attempts),
                self.error.as_deref().unwrap_or("no reason recorded")
            ),
            OutboxState::Queued if self.attempts == 0 => "queued".into(),
            OutboxState::Queued => format!(
                "queued ({} so far: {})",
                tries(self.attempts),
                self.error.as_deref().unwrap_or("no reason recorded")
            ),
        }
    }

    /// The reason as its one word (`declare`, `manual`, …).
    pub fn why(&self) -> String {
        serde_json::to_value(self.reason)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    }
}

/// Every message of the incident whose `events` these are, oldest first.
pub fn log(notify: &NotifyConfig, events: &[Event]) -> Vec<Told> {
    Outbox::from_events(events)
        .entries
        .into_iter()
        .map(|e| {
            let q = e.message;
            let destination = notify
                .directory
                .contact(&q.to)
                .and_then(|c| c.channels.iter().find(|ch| ch.kind() == q.channel))
                .map_or_else(
                    || format!("{} (no longer in the config)", q.channel),
                    |ch| ch.shown(),
                );
            Told {
                key: q.key,
                to: q.to,
                destination,
                template: q.template,
                reason: q.reason,
                subject: q.subject,
                state: e.state,
                attempts: e.attempts,
                queued_at: e.queued_at,
                error: e.error,
            }
        })
        .collect()
}
