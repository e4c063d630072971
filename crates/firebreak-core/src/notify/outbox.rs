//! The outbox of one incident, folded from its events: every message queued, how many tries it
//! has had, and whether it was delivered or failed. Nothing else holds this state, so what the
//! journal says is what will be delivered after a crash.

use jiff::Timestamp;
use serde::Serialize;

use super::message::Queued;
use crate::change::Change;
use crate::journal::Event;

/// Where a message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Waiting for a (first or next) try.
    Queued,
    /// The receiver accepted it.
    Delivered,
    /// Every try failed.
    Failed,
}

/// One message and its progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// What was queued.
    pub message: Queued,
    /// When.
    pub queued_at: Timestamp,
    /// Where it stands.
    pub state: State,
    /// Tries so far.
    pub attempts: u32,
    /// Time of the last try, if any.
    pub last_try_at: Option<Timestamp>,
    /// The last error, if any.
    pub error: Option<String>,
}

/// Every message of one incident, in the order queued.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Outbox {
    /// The messages.
    pub entries: Vec<Entry>,
}

/// A message still to be delivered.
pub type Pending<'a> = &'a Entry;

impl Outbox {
    /// Folds the notification events among `events`.
    pub fn from_events(events: &[Event]) -> Self {
        let mut entries: Vec<Entry> = Vec::new();
        for e in events {
            if !e.kind.starts_with("notification_") {
                continue;
            }
            let Ok(change) = e.change() else { continue };
            let find = |entries: &mut Vec<Entry>, key: &str| {
                entries.iter().position(|x| x.message.key == key)
            };
            match change {
                Change::NotificationQueued(q) => entries.push(Entry {
                    message: q,
                    queued_at: e.at,
                    state: State::Queued,
                    attempts: 0,
                    last_try_at: None,
                    error: None,
                }),
                Change::NotificationAttempted(a) => {
                    if let Some(i) = find(&mut entries, &a.key) {
                        let x = &mut entries[i];
                        x.attempts = x.attempts.max(a.attempt);
                        x.last_try_at = Some(e.at);
                        x.error = Some(a.error);
                    }
                }
                Change::NotificationDelivered(d) => {
                    if let Some(i) = find(&mut entries, &d.key) {
                        let x = &mut entries[i];
                        x.attempts = x.attempts.max(d.attempts);
                        x.last_try_at = Some(e.at);
                        x.state = State::Delivered;
                    }
                }
                Change::NotificationFailed(f) => {
                    if let Some(i) = find(&mut entries, &f.key)
                        && entries[i].state != State::Delivered
                    {
                        let x = &mut entries[i];
                        x.attempts = x.attempts.max(f.attempts);
                        x.last_try_at = Some(e.at);
                        x.error = Some(f.error);
                        x.state = State::Failed;
                    }
                }
                _ => {}
            }
        }
        Self { entries }
    }

    /// Messages not yet delivered: queued ones, and failed ones too when `failed_too` (a flush).
    pub fn pending(&self, failed_too: bool) -> Vec<Pending<'_>> {
        self.entries
            .iter()
            .filter(|e| match e.state {
                State::Queued => true,
                State::Failed => failed_too,
                State::Delivered => false,
            })
            .collect()
    }

    /// How many messages failed for good.
    pub fn failed(&self) -> usize {
        self.entries
            .iter()
            .filter(|e| e.state == State::Failed)
            .count()
    }
}
