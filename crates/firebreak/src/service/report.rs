//! Reading the store for a response report: the events that matter once, in one read snapshot, folding
//! the incidents declared in the report's window as of its end. The figures themselves are
//! `firebreak_core::report`'s.

use firebreak_core::journal::{Digest, Event, StoredEvent};
use firebreak_core::report::{self, Report, Scope, Subject};
use firebreak_core::{Change, IncidentId};
use firebreak_store::StoreError;
use jiff::Timestamp;

use super::{Service, ServiceError};

/// The incident being folded, or one being skipped.
enum Current {
    None,
    Skipping(String),
    Folding(String, Box<Subject>),
}

/// The kinds of change that bear on a report's figures; the others (checklist ticks, roles,
/// runbook runs, evidence, resolved alerts) are not read at all.
const KINDS: [&str; 9] = [
    "declared",
    "acknowledged",
    "status_changed",
    "reopened",
    "severity_changed",
    "note_added",
    "action_added",
    "action_done",
    "detected",
];

/// A stored event as the fold takes it; the report never looks at hashes.
fn event(id: IncidentId, stored: StoredEvent) -> Result<Event, String> {
    Ok(Event {
        incident: id,
        seq: u64::try_from(stored.seq).map_err(|e| e.to_string())?,
        at: Timestamp::from_microsecond(stored.at)
            .map_err(|_| format!("{id} event {}: time out of range", stored.seq))?,
        actor: stored.actor,
        kind: stored.kind,
        payload: stored.payload,
        prev: Digest::default(),
        hash: Digest::default(),
    })
}

/// The change an event records. A note counts only by its time (it is a stakeholder update),
/// so its text is not decoded.
fn change(e: &Event) -> Result<Change, String> {
    if e.kind == "note_added" {
        return Ok(Change::NoteAdded {
            text: String::new(),
        });
    }
    e.change()
        .map_err(|err| format!("{} event {}: {err}", e.incident, e.seq))
}

impl Service {
    /// The response report over `scope` under the configured policy.
    ///
    /// The events that bear on the figures are read once, in key order, in one read snapshot;
    /// events of incidents whose id day lies outside the window are skipped unparsed, and
    /// events after the window's end are not folded in. Chains and seals are not checked here
    /// (`verify` does that): checking every hash cost 0.7 s of 2.9 s over a million events.
    /// A payload that cannot be read stops the report.
    pub async fn report(&self, scope: &Scope) -> Result<Report, ServiceError> {
        let subjects = self.report_subjects(scope).await?;
        Ok(report::build(&subjects, scope, &self.config.policy))
    }

    /// The incidents a report over `scope` folds, each as of the window's end.
    pub async fn report_subjects(&self, scope: &Scope) -> Result<Vec<Subject>, ServiceError> {
        let window = scope.window;
        let utc = jiff::tz::TimeZone::UTC;
        // An id carries its declaration's UTC day; a day's margin either side is only caution.
        let first_day = window.since.to_zoned(utc.clone()).date().yesterday().ok();
        let last_day = window.until.to_zoned(utc).date().tomorrow().ok();
        let in_days = |id: &IncidentId| {
            first_day.is_none_or(|d| id.day() >= d) && last_day.is_none_or(|d| id.day() <= d)
        };
        let mut subjects = Vec::new();
        let mut current = Current::None;
        let mut failure: Option<String> = None;
        let mut snapshot = self.store.snapshot().await?;
        snapshot
            .each_event_of(&KINDS, |stored| {
                if failure.is_some() {
                    return Ok::<(), StoreError>(());
                }
                let same = match &current {
                    Current::None => false,
                    Current::Skipping(id) | Current::Folding(id, _) => *id == stored.incident,
                };
                if !same {
                    if let Current::Folding(_, done) =
                        std::mem::replace(&mut current, Current::None)
                    {
                        subjects.push(*done);
                    }
                    let id = match stored.incident.parse::<IncidentId>() {
                        Ok(id) if in_days(&id) => id,
                        _ => {
                            current = Current::Skipping(stored.incident);
                            return Ok(());
                        }
                    };
                    let name = stored.incident.clone();
                    let step = event(id, stored)
                        .and_then(|first| Subject::start(&first).map_err(|e| e.to_string()));
                    match step {
                        Ok(subject) if window.contains(subject.incident.declared.at) => {
                            current = Current::Folding(name, Box::new(subject));
                        }
                        Ok(_) => current = Current::Skipping(name),
                        Err(e) => failure = Some(e),
                    }
                    return Ok(());
                }
                if let Current::Folding(_, subject) = &mut current {
                    let id = subject.incident.id;
                    // Later events are not folded: the report is as of `until`.
                    if stored.at >= window.until.as_microsecond() {
                        return Ok(());
                    }
                    let step = event(id, stored).and_then(|e| {
                        subject.apply(&e, &change(&e)?);
                        Ok(())
                    });
                    failure = step.err();
                }
                Ok(())
            })
            .await?;
        snapshot.finish().await?;
        if let Some(f) = failure {
            return Err(ServiceError::Damaged(f));
        }
        if let Current::Folding(_, done) = current {
            subjects.push(*done);
        }
        Ok(subjects)
    }
}
