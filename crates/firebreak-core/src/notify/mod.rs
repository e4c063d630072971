//! Telling people: who is on the contact list, who the communication chain says hears about an
//! incident and when, what they are told (templates), and the notification records the journal
//! keeps (queued → attempted → delivered or failed; reminders; escalations).
//!
//! This module decides and describes; it sends nothing. Delivery over SMTP and webhooks lives in
//! the binary (`firebreak::notify`), which reads the outbox folded here from an incident's events.
//! Destinations and credentials are [`Secret`]s read from the config file or the environment at
//! delivery time; the journal names only the contact and the kind of channel.

mod chain;
mod config;
mod contacts;
mod decide;
mod message;
mod outbox;
mod schedule;
pub(crate) mod secret;
mod template;

pub use chain::{Chain, ChainLevel, Moment, Occasion, occasions};
pub use config::{DeliveryConfig, NotifyConfig, NotifyFile, SmtpConfig, SmtpSecurity};
pub use contacts::{Channel, ChannelKind, Contact, Directory, Recipient, Team};
pub use decide::{Draft, queue};
pub use message::{
    Attempted, Delivered, Escalated, Failed, Queued, Reason, Reminded, Trigger, key,
};
pub use outbox::{Entry as OutboxEntry, Outbox, Pending, State as OutboxState};
pub use schedule::{Due, due_now, fired};
pub use secret::scrub;
pub use secret::{Secret, SecretRef};
pub use template::{Facts, Rendered, TemplateError, Templates};

/// Whether a queued message is news for stakeholders, which restarts the update clock: one a
/// person sent or the chain sent on a change, not a reminder or a page.
pub fn counts_as_update(q: &Queued) -> bool {
    matches!(
        q.reason,
        Reason::Manual | Reason::Declare | Reason::Raised | Reason::Status
    )
}
