//! The changes that queue messages and record their fate. Pure, like [`crate::decide`]: the
//! caller appends what these return.

use crate::change::Change;
use crate::error::DomainError;
use crate::incident::Incident;
use crate::status::Status;

use super::contacts::ChannelKind;
use super::message::{Queued, Reason, key};

/// One message to queue, before it has a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    /// Contact name.
    pub to: String,
    /// Their channel.
    pub channel: ChannelKind,
    /// Template name.
    pub template: String,
    /// Why.
    pub reason: Reason,
    /// Subject.
    pub subject: String,
    /// Body.
    pub body: String,
    /// The event that caused it, when the chain sends it on a change.
    pub cause: Option<u64>,
}

/// Queues `drafts` on `incident`, each keyed by the sequence number its event will have.
/// Refused on a closed incident, and when there is nobody to tell.
pub fn queue(incident: &Incident, drafts: &[Draft]) -> Result<Vec<Change>, DomainError> {
    if incident.status == Status::Closed {
        return Err(DomainError::Closed);
    }
    if drafts.is_empty() {
        return Err(DomainError::Invalid(
            "nobody to notify: no recipient has a channel".into(),
        ));
    }
    let first = incident.head.seq + 1;
    Ok(drafts
        .iter()
        .enumerate()
        .map(|(i, d)| {
            Change::NotificationQueued(Queued {
                key: key(&incident.id.to_string(), first + i as u64),
                to: d.to.clone(),
                channel: d.channel,
                template: d.template.clone(),
                reason: d.reason,
                subject: d.subject.clone(),
                body: d.body.clone(),
                cause: d.cause,
            })
        })
        .collect())
}
