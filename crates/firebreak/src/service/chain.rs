//! Telling the chain: the messages a recorded change owes the people `[notify.chain.LEVEL]`
//! names for its moment (declare, raised, status). They are queued in the same append as the
//! change itself, so a change that is recorded has its messages queued, a crash cannot split
//! the two, and a retried or repeated command that records nothing new queues nothing new.
//! Delivery is the caller's: the CLI tries at once, the server in the background.

use firebreak_core::journal::Event;
use firebreak_core::notify::{self, Templates};
use firebreak_core::{Change, Incident};
use jiff::Timestamp;

use super::Service;
use crate::notify::compose::{self, Request};

/// The template the chain sends.
const TEMPLATE: &str = "internal";

/// The chain's messages for one append.
#[derive(Default)]
pub(super) struct Told {
    /// `NotificationQueued` changes to append after the events that caused them.
    pub changes: Vec<Change>,
    /// Why some recipients could not be told (a template that does not load or render); the
    /// change itself is recorded regardless.
    pub trouble: Option<String>,
}

impl Service {
    /// What the chain is owed for `events`, just decided, leaving the incident as `after`.
    /// Templates are read once per call of the service, and only when someone is to be told.
    pub(super) fn tell_chain(
        &self,
        after: &Incident,
        events: &[Event],
        templates: &mut Option<Templates>,
        now: Timestamp,
    ) -> Told {
        let config = self.config();
        // Teams without `[notify]` see no new events.
        if config.notify.directory.contacts().next().is_none() {
            return Told::default();
        }
        let mut told = Told::default();
        let mut drafts = Vec::new();
        for occasion in notify::occasions(events, &config.policy) {
            let names = config.notify.chain.at(&after.severity, occasion.moment);
            if names.is_empty() {
                continue;
            }
            let loaded = match templates {
                Some(t) => t,
                None => match compose::templates(self.data_dir()) {
                    Ok(t) => templates.insert(t),
                    Err(e) => {
                        told.trouble = Some(crate::cli::one_line(&e));
                        break;
                    }
                },
            };
            let request = Request {
                to: &names,
                template: TEMPLATE,
                message: occasion.message.as_deref(),
                reason: occasion.reason(),
                sender: self.actor(),
            };
            match compose::compose(config, loaded, after, &request, now) {
                Ok(composed) => drafts.extend(composed.into_iter().map(|(mut d, _)| {
                    d.cause = Some(occasion.cause);
                    d
                })),
                Err(e) => told.trouble = Some(crate::cli::one_line(&e)),
            }
        }
        if !drafts.is_empty() {
            match notify::queue(after, &drafts) {
                Ok(changes) => told.changes = changes,
                Err(e) => told.trouble = Some(e.to_string()),
            }
        }
        told
    }
}
