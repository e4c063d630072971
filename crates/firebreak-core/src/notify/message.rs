//! What the journal records about telling people. Each is the payload of one `Change` kind:
//! a queued message (with its full text, so a restart can still deliver it, but never its
//! destination), each failed try, the outcome, and the reminders and escalations the
//! scheduler fired — keyed by the deadline they were for, so none is repeated or dropped.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::contacts::ChannelKind;

/// Why a message was queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Someone sent it (`firebreak notify`, the dashboard, the API).
    Manual,
    /// The chain's `declare` step.
    Declare,
    /// The chain's `raised` step.
    Raised,
    /// The chain's `status` step.
    Status,
    /// An update is about to be due.
    Reminder,
    /// A deadline was missed.
    Escalation,
}

/// A message entered the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Queued {
    /// Unique key (`INC-…-001.7`: the incident and this event's sequence number); sent as the
    /// `Idempotency-Key` header and in the e-mail Message-ID, so a receiver can drop a repeat.
    pub key: String,
    /// The contact's name.
    pub to: String,
    /// Which of their channels.
    pub channel: ChannelKind,
    /// The template it was rendered from.
    pub template: String,
    /// Why it was sent.
    pub reason: Reason,
    /// Subject line.
    pub subject: String,
    /// Body text.
    pub body: String,
    /// For a message the chain sent on a change: the sequence number of the event that caused
    /// it, recorded in the same append, so one change tells each recipient once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<u64>,
}

/// One try failed; another will follow unless the tries are used up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempted {
    /// The message's key.
    pub key: String,
    /// Which try, from 1.
    pub attempt: u32,
    /// What went wrong (secrets scrubbed).
    pub error: String,
}

/// The receiver accepted the message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivered {
    /// The message's key.
    pub key: String,
    /// Tries it took, this one included.
    pub attempts: u32,
}

/// Every try failed; `firebreak notify --flush` tries again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failed {
    /// The message's key.
    pub key: String,
    /// Tries made.
    pub attempts: u32,
    /// The last error (secrets scrubbed).
    pub error: String,
}

/// The commander and communications role were reminded that an update is due.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reminded {
    /// When the update is due.
    pub due: Timestamp,
    /// Who was reminded.
    pub to: Vec<String>,
}

/// What deadline an escalation is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// Nobody acknowledged in time.
    Acknowledge,
    /// The stakeholder update was not given in time.
    Update,
}

/// A deadline was missed and the chain's next step was paged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Escalated {
    /// Which deadline.
    pub trigger: Trigger,
    /// When it fell.
    pub due: Timestamp,
    /// The step of the chain, from 1.
    pub step: u32,
    /// Who was paged (none when the chain has no step left: the miss is still recorded).
    pub to: Vec<String>,
}

impl Queued {
    /// One timeline line.
    pub fn describe(&self) -> String {
        format!(
            "notification {} queued for {} by {} ({}, {}): {}",
            self.key,
            self.to,
            self.channel,
            self.template,
            serde_json::to_value(self.reason)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            self.subject
        )
    }
}

/// The key of the message queued by the event at `seq` of `incident`.
pub fn key(incident: &str, seq: u64) -> String {
    format!("{incident}.{seq}")
}
