//! Reminders and escalations: one pass over the open incidents fires what is due and not yet
//! recorded, queues the messages it implies and delivers them. `firebreak escalate` runs one
//! pass (from a systemd timer on hosts without a server); `serve` runs passes from its
//! scheduler task. Both take the same path, so a restart neither repeats nor drops one: what
//! fired is in the journal, keyed by its deadline.

use std::collections::HashSet;

use firebreak_core::notify::{self, Due, Escalated, Reason, Reminded, Trigger};
use firebreak_core::summary::Summary;
use firebreak_core::{Change, DomainError, Incident, IncidentId};
use firebreak_store::ListFilter;
use jiff::Timestamp;
use serde::Serialize;

use super::compose::{self, Request};
use crate::service::{Service, ServiceError};

/// One reminder or escalation that fired.
#[derive(Debug, Clone, Serialize)]
pub struct Fired {
    /// The incident.
    pub incident: IncidentId,
    /// What it was.
    pub due: Due,
    /// Who was told.
    pub to: Vec<String>,
}

/// What the scheduler remembers between passes: the open incidents' rows, and the deadlines
/// already seen recorded (so their journals are not read again).
#[derive(Default)]
pub struct Watch {
    open: Vec<Summary>,
    seen: HashSet<(IncidentId, Due)>,
}

impl Watch {
    /// Re-reads the open incidents' rows.
    pub async fn refresh(&mut self, service: &Service) -> Result<(), ServiceError> {
        let filter = ListFilter {
            open: true,
            ..ListFilter::default()
        };
        self.open = service.store().list(&filter).await?;
        Ok(())
    }

    /// The next moment something falls due after `now`, from the rows held.
    pub fn next_due(&self, service: &Service, now: Timestamp) -> Option<Timestamp> {
        let config = service.config();
        let horizon = now + jiff::SignedDuration::from_hours(24 * 7);
        self.open
            .iter()
            .filter_map(|s| {
                // The earliest future deadline of this incident: probe the due list at
                // the candidate times the policy implies.
                let level = config.policy.find(&s.severity)?;
                let lead =
                    jiff::SignedDuration::try_from(config.notify.delivery.remind_before).ok()?;
                let update = s.last_update_at + level.update_every;
                let mut times = vec![update - lead, update];
                if s.acknowledged_at.is_none() {
                    let steps = config.notify.escalation_steps(&level.name).len().max(1) as i32;
                    times.extend((1..=steps).map(|k| s.detected_at + level.ack_within * k));
                }
                times.into_iter().filter(|t| *t > now && *t < horizon).min()
            })
            .min()
    }

    /// Fires everything due at `now` that the journal does not already record, queuing its
    /// messages; the caller drains the incidents returned.
    pub async fn pass(
        &mut self,
        service: &Service,
        now: Timestamp,
    ) -> Result<Vec<Fired>, ServiceError> {
        let config = service.config().clone();
        let mut fired = Vec::new();
        for s in &self.open {
            for due in notify::due_now(s, &config.policy, &config.notify, now) {
                if self.seen.contains(&(s.id, due)) {
                    continue;
                }
                let (incident, events) = service.incident(&s.id).await?;
                if notify::fired(&events, &due) || !still_due(&incident, &config, &due) {
                    self.seen.insert((s.id, due));
                    continue;
                }
                match fire(service, &incident, due, now).await {
                    Ok(to) => {
                        self.seen.insert((s.id, due));
                        fired.push(Fired {
                            incident: s.id,
                            due,
                            to,
                        });
                    }
                    // Someone else changed the incident first: look again next pass.
                    Err(ServiceError::Refused(_)) => {}
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(fired)
    }
}

/// Whether `due` still applies to the incident as it is now (acknowledged since, updated
/// since, closed since — then not).
fn still_due(i: &Incident, config: &firebreak_core::config::Config, due: &Due) -> bool {
    let Some(level) = config.policy.find(&i.severity) else {
        return false;
    };
    if !i.status.is_open() {
        return false;
    }
    match due {
        Due::Escalation {
            trigger: Trigger::Acknowledge,
            ..
        } => i.acknowledged.is_none(),
        Due::Reminder { due }
        | Due::Escalation {
            trigger: Trigger::Update,
            due,
            ..
        } => i.last_update_at + level.update_every == *due,
    }
}

/// Records `due` and queues its messages in one append, refused if the incident moved on
/// since it was read (the next pass looks again).
async fn fire(
    service: &Service,
    incident: &Incident,
    due: Due,
    now: Timestamp,
) -> Result<Vec<String>, ServiceError> {
    let config = service.config();
    let level = config.policy.find(&incident.severity).cloned();
    let (names, template, message, record) = match due {
        Due::Reminder { due } => {
            let mut names: Vec<String> = ["commander", "communications"]
                .iter()
                .filter_map(|r| incident.roles.get(*r))
                .filter(|p| config.notify.directory.knows(p))
                .cloned()
                .collect();
            names.dedup();
            if names.is_empty() {
                names = config
                    .notify
                    .chain
                    .at(&incident.severity, notify::Moment::Declare);
            }
            let record = Change::Reminded(Reminded {
                due,
                to: names.clone(),
            });
            (names, "reminder", None, record)
        }
        Due::Escalation { trigger, due, step } => {
            let steps = config.notify.escalation_steps(&incident.severity);
            let names = steps.get(step as usize - 1).cloned().unwrap_or_default();
            let every = level.as_ref().map(|l| match trigger {
                Trigger::Acknowledge => l.ack_within,
                Trigger::Update => l.update_every,
            });
            let span = every
                .map(firebreak_core::duration::format)
                .unwrap_or_default();
            let message = match trigger {
                Trigger::Acknowledge => format!("nobody acknowledged it within {span}"),
                Trigger::Update => format!("the stakeholder update due every {span} is overdue"),
            };
            let record = Change::Escalated(Escalated {
                trigger,
                due,
                step,
                to: names.clone(),
            });
            (names, "escalation", Some(message), record)
        }
    };
    let drafts = if names.is_empty() {
        Vec::new()
    } else {
        let templates = compose::templates(service.data_dir())
            .map_err(|e| ServiceError::Refused(DomainError::Invalid(crate::cli::one_line(&e))))?;
        let request = Request {
            to: &names,
            template,
            message: message.as_deref(),
            reason: if matches!(due, Due::Reminder { .. }) {
                Reason::Reminder
            } else {
                Reason::Escalation
            },
            sender: service.actor(),
        };
        compose::compose(config, &templates, incident, &request, now)
            .map_err(|e| ServiceError::Refused(DomainError::Invalid(crate::cli::one_line(&e))))?
            .into_iter()
            .map(|(d, _)| d)
            .collect()
    };
    let head = incident.head;
    service
        .change(&incident.id, |now_incident| {
            if now_incident.head != head {
                return Err(DomainError::Invalid(
                    "the incident changed; looking again".into(),
                ));
            }
            let mut changes = vec![record.clone()];
            if !drafts.is_empty() {
                // Keys count from the sequence number after the record's own event.
                let mut shifted = now_incident.clone();
                shifted.head.seq += 1;
                changes.extend(notify::queue(&shifted, &drafts)?);
            }
            Ok(changes)
        })
        .await?;
    Ok(names)
}
