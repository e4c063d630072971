//! An incident's current state, which is nothing but the fold of its events in order. There is
//! no other way to change it: [`crate::decide`] turns a request into changes, the journal records
//! them as events, and [`Incident::apply`] folds each one in.

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::change::Change;
use crate::checklist::Checklist;
use crate::id::IncidentId;
use crate::journal::{Event, Head};
use crate::review::State as ReviewState;
use crate::run::StepOutcome;
use crate::status::Status;

/// Who did something, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    /// When.
    pub at: Timestamp,
    /// Who.
    pub by: String,
}

/// A follow-up task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActionItem {
    /// Number within the incident, from 1.
    pub number: u32,
    /// What is to be done.
    pub text: String,
    /// Who owns it.
    pub owner: Option<String>,
    /// When it is due.
    pub due: Option<Date>,
    /// Who added it, when.
    pub added: Stamp,
    /// Who finished it, when.
    pub done: Option<Stamp>,
}

impl ActionItem {
    /// Open and past its due date on `today`.
    pub fn is_overdue(&self, today: Date) -> bool {
        self.done.is_none() && self.due.is_some_and(|d| d < today)
    }
}

/// A note on the timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Note {
    /// The text.
    pub text: String,
    /// Who wrote it, when.
    pub stamp: Stamp,
}

/// An incident as its events make it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Incident {
    /// Its id.
    pub id: IncidentId,
    /// One-line description.
    pub title: String,
    /// Longer description.
    pub summary: Option<String>,
    /// Current severity level name.
    pub severity: String,
    /// Current status.
    pub status: Status,
    /// When the trouble began.
    pub started_at: Timestamp,
    /// When it was noticed.
    pub detected_at: Timestamp,
    /// Who declared it, when.
    pub declared: Stamp,
    /// Who acknowledged it, when.
    pub acknowledged: Option<Stamp>,
    /// When it was (last) contained.
    pub contained_at: Option<Timestamp>,
    /// When it was (last) resolved.
    pub resolved_at: Option<Timestamp>,
    /// When it was (last) closed.
    pub closed_at: Option<Timestamp>,
    /// Role → person.
    pub roles: BTreeMap<String, String>,
    /// Checklists.
    pub checklists: Vec<Checklist>,
    /// Action items.
    pub actions: Vec<ActionItem>,
    /// Notes, oldest first.
    pub notes: Vec<Note>,
    /// Last time stakeholders were given news (declaration, note, status or severity change).
    pub last_update_at: Timestamp,
    /// Last event's time.
    pub updated_at: Timestamp,
    /// How often it has been reopened.
    pub reopened: u32,
    /// How many pieces of evidence have been collected (items and evidence steps of runbooks).
    pub evidence: u32,
    /// Evidence items, in the order collected.
    pub evidence_items: Vec<crate::evidence::Item>,
    /// Items whose bytes were purged.
    pub purged: Vec<String>,
    /// What log detection found, latest first-seen order; one entry per rule and key, updated
    /// as more of the same is found.
    pub detections: Vec<crate::detection::Detection>,
    /// The post-incident review: its sections, state and sign-off.
    pub review: crate::review::Document,
    /// The incident this one was merged into (`firebreak merge`), if it was.
    pub merged_into: Option<String>,
    /// Incidents merged into this one, in the order they came.
    pub merged_from: Vec<String>,
    /// Incidents marked as related to this one (`firebreak link`).
    pub links: Vec<String>,
    /// The chain head.
    pub head: Head,
}

/// Why events do not fold into an incident.
#[derive(Debug, thiserror::Error)]
pub enum FoldError {
    /// No events at all.
    #[error("the incident has no events")]
    Empty,
    /// The first event is not a declaration.
    #[error("{0} event 1 is not a declaration")]
    NotDeclared(IncidentId),
    /// A payload could not be read.
    #[error("{incident} event {seq}: {source}")]
    Payload {
        /// The incident.
        incident: IncidentId,
        /// The event.
        seq: u64,
        /// What failed.
        source: crate::change::BadPayload,
    },
}

impl Incident {
    /// Folds a complete, ordered list of events into the incident they describe.
    pub fn from_events<'a>(events: impl IntoIterator<Item = &'a Event>) -> Result<Self, FoldError> {
        let mut events = events.into_iter();
        let first = events.next().ok_or(FoldError::Empty)?;
        let payload = |e: &Event| {
            e.change().map_err(|source| FoldError::Payload {
                incident: e.incident,
                seq: e.seq,
                source,
            })
        };
        let Change::Declared(d) = payload(first)? else {
            return Err(FoldError::NotDeclared(first.incident));
        };
        let stamp = Stamp {
            at: first.at,
            by: first.actor.clone(),
        };
        let mut incident = Incident {
            id: first.incident,
            title: d.title,
            summary: d.summary,
            severity: d.severity,
            status: Status::Investigating,
            started_at: d.started_at,
            detected_at: d.detected_at,
            declared: stamp,
            acknowledged: None,
            contained_at: None,
            resolved_at: None,
            closed_at: None,
            roles: BTreeMap::new(),
            checklists: d.checklists,
            actions: Vec::new(),
            notes: Vec::new(),
            last_update_at: first.at,
            updated_at: first.at,
            reopened: 0,
            evidence: 0,
            evidence_items: Vec::new(),
            purged: Vec::new(),
            detections: Vec::new(),
            merged_into: None,
            merged_from: Vec::new(),
            links: Vec::new(),
            review: crate::review::Document::default(),
            head: first.head(),
        };
        for e in events {
            let change = payload(e)?;
            incident.apply(e, &change);
        }
        Ok(incident)
    }

    /// Takes in one finding: a repeat of a known rule and key replaces the older record.
    fn found(&mut self, d: &crate::detection::Detection) {
        match self
            .detections
            .iter_mut()
            .find(|x| x.same_as(&d.rule, &d.key))
        {
            Some(known) => *known = d.clone(),
            None => self.detections.push(d.clone()),
        }
    }

    /// Folds one more event in. Changes that no longer fit (a tick on an item a config removed)
    /// are kept on the timeline but leave the state as it was.
    pub fn apply(&mut self, e: &Event, change: &Change) {
        let stamp = || Stamp {
            at: e.at,
            by: e.actor.clone(),
        };
        match change {
            Change::Declared(_) => {}
            Change::Acknowledged {} => self.acknowledged = Some(stamp()),
            Change::StatusChanged { to, .. } => {
                self.status = *to;
                let at = Some(e.at);
                match to {
                    Status::Investigating => {}
                    Status::Contained => self.contained_at = at,
                    Status::Resolved => {
                        self.contained_at = self.contained_at.or(at);
                        self.resolved_at = at;
                    }
                    Status::Closed => {
                        self.contained_at = self.contained_at.or(at);
                        self.resolved_at = self.resolved_at.or(at);
                        self.closed_at = at;
                    }
                }
                self.last_update_at = e.at;
            }
            Change::Reopened { .. } => {
                self.status = Status::Investigating;
                self.contained_at = None;
                self.resolved_at = None;
                self.closed_at = None;
                self.reopened += 1;
                self.last_update_at = e.at;
            }
            Change::SeverityChanged { to, .. } => {
                self.severity = to.clone();
                self.last_update_at = e.at;
            }
            Change::RoleAssigned { role, person } => {
                self.roles.insert(role.clone(), person.clone());
            }
            Change::NoteAdded { text } => {
                self.notes.push(Note {
                    text: text.clone(),
                    stamp: stamp(),
                });
                self.last_update_at = e.at;
            }
            Change::ChecklistTicked { list, item, done } => {
                if let Some(it) = self
                    .checklists
                    .iter_mut()
                    .find(|c| &c.name == list)
                    .and_then(|c| c.items.get_mut(item.wrapping_sub(1)))
                {
                    it.done = done.then(stamp);
                }
            }
            Change::ActionAdded {
                number,
                text,
                owner,
                due,
            } => self.actions.push(ActionItem {
                number: *number,
                text: text.clone(),
                owner: owner.clone(),
                due: *due,
                added: stamp(),
                done: None,
            }),
            Change::ActionDone { number } => {
                if let Some(a) = self.actions.iter_mut().find(|a| a.number == *number) {
                    a.done = Some(stamp());
                }
            }
            Change::StepRecorded(s) => {
                if s.evidence && s.outcome == StepOutcome::Succeeded {
                    self.evidence += 1;
                }
            }
            Change::RunStarted(_)
            | Change::RunFinished(_)
            | Change::EvidenceCustody(_)
            | Change::AlertResolved(_)
            | Change::AddressBlocked(_)
            | Change::AddressUnblocked(_)
            | Change::SecretRotated(_) => {}
            Change::EvidenceAdded(item) => {
                self.evidence += 1;
                self.evidence_items.push(item.clone());
            }
            Change::Detected(d) => self.found(d),
            Change::Absorbed(a) => {
                for d in &a.detections {
                    self.found(d);
                }
                self.merged_from.push(a.from.clone());
            }
            Change::MergedInto(m) => {
                self.status = Status::Closed;
                self.contained_at = self.contained_at.or(Some(e.at));
                self.resolved_at = self.resolved_at.or(Some(e.at));
                self.closed_at = Some(e.at);
                self.merged_into = Some(m.into.clone());
                self.last_update_at = e.at;
            }
            Change::Linked(l) => {
                if !self.links.contains(&l.other) {
                    self.links.push(l.other.clone());
                }
            }
            Change::EvidencePurged { items, .. } => {
                self.purged.extend(items.iter().map(|t| t.id.clone()));
            }
            Change::ReviewWritten { field, text } => self.review.write(*field, text, stamp()),
            Change::ReviewSubmitted {} => {
                self.review.state = ReviewState::InReview;
                self.review.submitted = Some(stamp());
            }
            Change::ReviewPublished {} => {
                self.review.state = ReviewState::Published;
                self.review.published = Some(stamp());
            }
            Change::ReviewReopened { .. } => {
                self.review.state = ReviewState::Draft;
                self.review.submitted = None;
                self.review.published = None;
                self.review.reopened += 1;
            }
            Change::NotificationQueued(q) => {
                if crate::notify::counts_as_update(q) {
                    self.last_update_at = e.at;
                }
            }
            Change::NotificationAttempted(_)
            | Change::NotificationDelivered(_)
            | Change::NotificationFailed(_)
            | Change::Reminded(_)
            | Change::Escalated(_) => {}
        }
        self.updated_at = e.at;
        self.head = e.head();
    }

    /// The person holding the commander role, if any.
    pub fn commander(&self) -> Option<&str> {
        self.roles.get(crate::decide::COMMANDER).map(String::as_str)
    }
}
