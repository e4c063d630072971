//! The incident page's view: summary and clocks, checklists, action items, roles, notes,
//! evidence, runbook runs and the newest part of the timeline.

use firebreak_core::blob::BlobStore;
use firebreak_core::clock::Clocks;
use firebreak_core::journal::Event;
use firebreak_core::policy::Policy;
use firebreak_core::{Incident, IncidentId};
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use super::runs::{Run, runs};
use super::{Countdown, Sev, Stamp, bytes, countdowns, span, when};
use crate::server::api::incidents::{Detail, Entry};
use crate::server::error::ApiError;
use crate::server::state::AppState;

/// The newest timeline entries an incident page shows.
pub const TIMELINE_MAX: usize = 300;

/// One checklist item.
#[derive(Debug, Clone, Serialize)]
pub struct Item {
    /// Number, from 1.
    pub number: usize,
    /// What to do.
    pub text: String,
    /// Who ticked it, when.
    pub done: Option<Stamp>,
}

/// One checklist.
#[derive(Debug, Clone, Serialize)]
pub struct List {
    /// Short name (what the tick form sends).
    pub name: String,
    /// Heading.
    pub title: String,
    /// Items ticked.
    pub done: usize,
    /// Items.
    pub items: Vec<Item>,
}

/// One action item.
#[derive(Debug, Clone, Serialize)]
pub struct Action {
    /// Number.
    pub number: u32,
    /// What.
    pub text: String,
    /// Owner.
    pub owner: Option<String>,
    /// Due date.
    pub due: Option<String>,
    /// Past due and open.
    pub overdue: bool,
    /// Who added it.
    pub added: Stamp,
    /// Who finished it.
    pub done: Option<Stamp>,
}

/// One note.
#[derive(Debug, Clone, Serialize)]
pub struct NoteView {
    /// Text.
    pub text: String,
    /// Who, when.
    pub stamp: Stamp,
}

/// One piece of evidence.
#[derive(Debug, Clone, Serialize)]
pub struct Evidence {
    /// `E1`, …
    pub id: String,
    /// What kind.
    pub kind: String,
    /// SHA-256, hex.
    pub sha256: String,
    /// Size in words.
    pub size: String,
    /// Where it came from.
    pub source: String,
    /// Why it was collected.
    pub reason: Option<String>,
    /// Its bytes were purged.
    pub purged: bool,
}

/// One timeline entry.
#[derive(Debug, Clone, Serialize)]
pub struct TimelineEntry {
    /// Position.
    pub seq: u64,
    /// When.
    pub at: String,
    /// Who.
    pub actor: String,
    /// Kind.
    pub kind: String,
    /// What happened, in words.
    pub what: String,
    /// Older events folded under this one (a runbook run's steps, a batch of evidence), newest
    /// first; the page shows them when the row is opened.
    pub folded: Vec<TimelineEntry>,
}

/// Which fold an event kind belongs to: a runbook run's events, or evidence added in a row.
fn fold_group(kind: &str) -> Option<&'static str> {
    match kind {
        "run_started" | "step_recorded" | "run_finished" => Some("runbook"),
        "evidence_added" => Some("evidence"),
        _ => None,
    }
}

/// A timeline line in people's words where the journal's own wording is terse: a checklist
/// tick names the item (`ticked “Preserve the logs” (Initial response, 3)`) rather than its
/// list and number, and evidence gives its size as `12.3 KiB` rather than in bytes.
fn in_words(i: &Incident, e: &Event) -> Option<String> {
    match e.change().ok()? {
        firebreak_core::Change::ChecklistTicked { list, item, done } => {
            let checklist = i.checklists.iter().find(|c| c.name == list)?;
            let text = &checklist.items.get(item.checked_sub(1)?)?.text;
            let verb = if done { "ticked" } else { "unticked" };
            Some(format!("{verb} “{text}” ({}, {item})", checklist.title))
        }
        firebreak_core::Change::EvidenceAdded(item) => Some(format!(
            "evidence {} collected: {} {}, {}, sha256 {}…",
            item.id,
            item.kind,
            item.source(),
            bytes(item.size),
            &item.sha256[..item.sha256.len().min(12)]
        )),
        _ => None,
    }
}

/// Folds runs of consecutive events of the same group (newest first) into their newest entry.
fn fold(entries: Vec<TimelineEntry>) -> Vec<TimelineEntry> {
    let mut out: Vec<TimelineEntry> = Vec::with_capacity(entries.len());
    for entry in entries {
        let group = fold_group(&entry.kind);
        match out.last_mut() {
            Some(last) if group.is_some() && fold_group(&last.kind) == group => {
                last.folded.push(entry);
            }
            _ => out.push(entry),
        }
    }
    out
}

/// One step of the phase bar.
#[derive(Debug, Clone, Serialize)]
pub struct PhaseStep {
    /// `detected`, `acknowledged`, `contained`, `resolved`.
    pub name: &'static str,
    /// How long after detection it was reached (`12m 05s`), if it was.
    pub after: Option<String>,
    /// The policy's target for it, if there is one (`15m 00s`).
    pub target: Option<String>,
    /// Reached later than the target, or not reached and the target has passed.
    pub late: bool,
}

/// The phase bar of an incident: the acknowledgement target is the policy's; the other steps
/// have none.
fn phases(clocks: &Clocks, ack_within: Option<SignedDuration>) -> Vec<PhaseStep> {
    let took = |d: Option<SignedDuration>| d.map(|d| span(d.as_secs().unsigned_abs()));
    let ack_late = match (clocks.to_acknowledge, ack_within) {
        (Some(took), Some(target)) => took > target,
        (None, _) => clocks.ack.is_some_and(|d| d.breached()),
        _ => false,
    };
    vec![
        PhaseStep {
            name: "detected",
            after: Some("0s".into()),
            target: None,
            late: false,
        },
        PhaseStep {
            name: "acknowledged",
            after: took(clocks.to_acknowledge),
            target: ack_within.map(|t| span(t.as_secs().unsigned_abs())),
            late: ack_late,
        },
        PhaseStep {
            name: "contained",
            after: took(clocks.to_contain),
            target: None,
            late: false,
        },
        PhaseStep {
            name: "resolved",
            after: took(clocks.to_resolve),
            target: None,
            late: false,
        },
    ]
}

/// Everything the incident page shows.
#[derive(Debug, Clone, Serialize)]
pub struct IncidentView {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Summary.
    pub summary: Option<String>,
    /// Severity.
    pub sev: Sev,
    /// Status.
    pub status: &'static str,
    /// Investigating or contained.
    pub open: bool,
    /// The statuses it may move to now (the status form offers only these).
    pub moves: Vec<&'static str>,
    /// Commander.
    pub commander: Option<String>,
    /// Declared by, at.
    pub declared: Stamp,
    /// Acknowledged by, at.
    pub acknowledged: Option<Stamp>,
    /// When the trouble began.
    pub started: String,
    /// When it was noticed.
    pub detected: String,
    /// Running deadlines.
    pub countdowns: Vec<Countdown>,
    /// The response as a bar: detected, acknowledged, contained, resolved, each reached or not.
    pub phases: Vec<PhaseStep>,
    /// Whether acknowledgement met the target.
    pub sla_met: Option<bool>,
    /// Role → person.
    pub roles: Vec<(String, String)>,
    /// Checklists.
    pub checklists: Vec<List>,
    /// Action items.
    pub actions: Vec<Action>,
    /// Notes, newest first.
    pub notes: Vec<NoteView>,
    /// Evidence.
    pub evidence: Vec<Evidence>,
    /// Runbook runs, newest first.
    pub runs: Vec<Run>,
    /// Timeline, newest first, at most [`TIMELINE_MAX`].
    pub timeline: Vec<TimelineEntry>,
    /// Events not shown on the timeline.
    pub earlier: usize,
    /// Number of events.
    pub events: u64,
}

impl IncidentView {
    /// The page's view of `incident` and its `events`, reading captured output from `blobs`.
    /// Blocking (it reads files): call it off the async runtime.
    pub fn build(policy: &Policy, detail: &Detail, events: &[Event], blobs: &BlobStore) -> Self {
        let i = &detail.incident;
        let clocks = &detail.clocks;
        let today = Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date();
        let shown: Vec<TimelineEntry> = events
            .iter()
            .rev()
            .take(TIMELINE_MAX)
            .map(|e| {
                let entry = Entry::from(e);
                TimelineEntry {
                    seq: entry.seq,
                    at: when(entry.at),
                    actor: entry.actor,
                    what: in_words(i, e).unwrap_or(entry.what),
                    kind: entry.kind,
                    folded: Vec::new(),
                }
            })
            .collect();
        let shown_count = shown.len();
        let timeline = fold(shown);
        Self {
            id: i.id.to_string(),
            title: i.title.clone(),
            summary: i.summary.clone(),
            sev: Sev::of(policy, &i.severity),
            status: i.status.as_str(),
            open: i.status.is_open(),
            moves: firebreak_core::decide::status_moves(i.status)
                .into_iter()
                .map(firebreak_core::Status::as_str)
                .collect(),
            commander: i.commander().map(str::to_string),
            declared: Stamp::from(&i.declared),
            acknowledged: i.acknowledged.as_ref().map(Stamp::from),
            started: when(i.started_at),
            detected: when(i.detected_at),
            countdowns: countdowns(clocks),
            phases: phases(clocks, policy.find(&i.severity).map(|l| l.ack_within)),
            sla_met: clocks.sla_met,
            roles: i
                .roles
                .iter()
                .map(|(r, p)| (r.clone(), p.clone()))
                .collect(),
            checklists: i
                .checklists
                .iter()
                .map(|c| List {
                    name: c.name.clone(),
                    title: c.title.clone(),
                    done: c.done_count(),
                    items: c
                        .items
                        .iter()
                        .enumerate()
                        .map(|(n, it)| Item {
                            number: n + 1,
                            text: it.text.clone(),
                            done: it.done.as_ref().map(Stamp::from),
                        })
                        .collect(),
                })
                .collect(),
            actions: i
                .actions
                .iter()
                .map(|a| Action {
                    number: a.number,
                    text: a.text.clone(),
                    owner: a.owner.clone(),
                    due: a.due.map(|d| d.to_string()),
                    overdue: a.is_overdue(today),
                    added: Stamp::from(&a.added),
                    done: a.done.as_ref().map(Stamp::from),
                })
                .collect(),
            notes: i
                .notes
                .iter()
                .rev()
                .map(|n| NoteView {
                    text: n.text.clone(),
                    stamp: Stamp::from(&n.stamp),
                })
                .collect(),
            evidence: evidence(i),
            runs: runs(events, blobs),
            earlier: events.len().saturating_sub(shown_count),
            timeline,
            events: i.head.seq,
        }
    }
}

fn evidence(i: &Incident) -> Vec<Evidence> {
    i.evidence_items
        .iter()
        .map(|item| Evidence {
            id: item.id.clone(),
            kind: serde_json::to_value(item.kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            sha256: item.sha256.clone(),
            size: bytes(item.size),
            source: item.source(),
            reason: item.reason.clone(),
            purged: i.purged.contains(&item.id),
        })
        .collect()
}

/// The incident page's view of incident `id`, read now.
pub async fn incident(state: &AppState, id: &IncidentId) -> Result<IncidentView, ApiError> {
    let (incident, events) = state.service.incident(id).await?;
    let detail = Detail::of(state, incident);
    let policy = state.service.config().policy.clone();
    let blobs = BlobStore::in_data_dir(state.service.data_dir());
    tokio::task::spawn_blocking(move || IncidentView::build(&policy, &detail, &events, &blobs))
        .await
        .map_err(ApiError::internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(seq: u64, kind: &str) -> TimelineEntry {
        TimelineEntry {
            seq,
            at: String::new(),
            actor: "ana".into(),
            kind: kind.into(),
            what: kind.into(),
            folded: Vec::new(),
        }
    }

    #[test]
    fn a_run_and_a_batch_of_evidence_fold_into_their_newest_row() {
        // Newest first, as the page lists them.
        let kinds = [
            "note_added",
            "run_finished",
            "step_recorded",
            "step_recorded",
            "run_started",
            "evidence_added",
            "evidence_added",
            "acknowledged",
        ];
        let entries = kinds
            .iter()
            .enumerate()
            .map(|(n, k)| entry(100 - n as u64, k))
            .collect();
        let folded = fold(entries);
        let rows: Vec<(&str, usize)> = folded
            .iter()
            .map(|e| (e.kind.as_str(), e.folded.len()))
            .collect();
        assert_eq!(
            rows,
            [
                ("note_added", 0),
                ("run_finished", 3),
                ("evidence_added", 1),
                ("acknowledged", 0)
            ]
        );
        assert_eq!(folded[1].folded[2].kind, "run_started");
    }
}
