//! When reminders and escalations fall due, computed from an incident's listing row alone, so
//! the scheduler can look at ten thousand open incidents without reading their journals. What
//! has already fired is in the journal (`reminded`, `escalated` events keyed by the deadline);
//! the scheduler reads that only for the few incidents something is due on.

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use super::config::NotifyConfig;
use super::message::{Escalated, Reminded, Trigger};
use crate::change::Change;
use crate::journal::Event;
use crate::policy::Policy;
use crate::summary::Summary;

/// Something the scheduler owes an incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Due {
    /// Remind the commander and communications role: the update falls at `due`.
    Reminder {
        /// When the update is due.
        due: Timestamp,
    },
    /// Page step `step` of the chain: `trigger`'s deadline fell at `due`.
    Escalation {
        /// Which deadline.
        trigger: Trigger,
        /// When it fell.
        due: Timestamp,
        /// Chain step, from 1.
        step: u32,
    },
}

/// Everything due on `s` at `now`: a reminder once `remind_before` of the update window is
/// left; for an unacknowledged incident, escalation step N once N acknowledge windows have
/// passed since detection (at least one step, even with no chain, so the miss is recorded);
/// one update escalation once the update is overdue. Closed and resolved incidents owe nothing,
/// and nothing is due at all while the config names no contacts.
pub fn due_now(s: &Summary, policy: &Policy, notify: &NotifyConfig, now: Timestamp) -> Vec<Due> {
    let Some(level) = policy.find(&s.severity) else {
        return Vec::new();
    };
    // Without a contact list there is no chain to follow and nobody to remind: a team that has
    // not set up `[notify]` gets no reminder or escalation events on its timelines.
    if !s.status.is_open() || notify.directory.contacts().next().is_none() {
        return Vec::new();
    }
    let mut out = Vec::new();
    let steps = notify.escalation_steps(&level.name).len().max(1) as u32;
    if s.acknowledged_at.is_none() && level.ack_within > SignedDuration::ZERO {
        for step in 1..=steps {
            let due = s.detected_at + level.ack_within * step as i32;
            if due > now {
                break;
            }
            out.push(Due::Escalation {
                trigger: Trigger::Acknowledge,
                due,
                step,
            });
        }
    }
    let due = s.last_update_at + level.update_every;
    let lead =
        SignedDuration::try_from(notify.delivery.remind_before).unwrap_or(SignedDuration::ZERO);
    if now >= due - lead {
        out.push(Due::Reminder { due });
    }
    if now >= due {
        out.push(Due::Escalation {
            trigger: Trigger::Update,
            due,
            step: 1,
        });
    }
    out
}

/// Whether `events` already record `due`.
pub fn fired(events: &[Event], due: &Due) -> bool {
    events
        .iter()
        .filter(|e| e.kind == "reminded" || e.kind == "escalated")
        .any(|e| match (e.change(), due) {
            (Ok(Change::Reminded(Reminded { due: d, .. })), Due::Reminder { due }) => d == *due,
            (
                Ok(Change::Escalated(Escalated {
                    trigger: t,
                    due: d,
                    step: n,
                    ..
                })),
                Due::Escalation { trigger, due, step },
            ) => t == *trigger && d == *due && n == *step,
            _ => false,
        })
}
