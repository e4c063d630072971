//! The incident page's timeline: the newest events in people's words, a runbook run or a
//! batch of evidence folded into one row, and the chips that narrow it to one kind of event
//! (`?timeline=notes`). The filter is read on the server, so it works without JavaScript and a
//! live update keeps it.

use firebreak_core::Incident;
use firebreak_core::journal::Event;
use serde::Serialize;

use super::{bytes, when};
use crate::server::api::incidents::Entry;

/// The newest timeline entries an incident page shows.
pub const TIMELINE_MAX: usize = 300;

/// The kinds of event a reader can narrow the timeline to: key (as in `?timeline=`), label,
/// and the event kinds it holds. Kinds listed under none of them (added by later versions)
/// show only under "everything".
const GROUPS: [(&str, &str, &[&str]); 9] = [
    ("notes", "Notes", &["note_added"]),
    (
        "decisions",
        "Decisions",
        &[
            "declared",
            "acknowledged",
            "status_changed",
            "reopened",
            "severity_changed",
            "role_assigned",
            "merged_into",
            "absorbed",
            "linked",
        ],
    ),
    (
        "tasks",
        "Checklists and actions",
        &["checklist_ticked", "action_added", "action_done"],
    ),
    (
        "runbooks",
        "Runbook runs",
        &["run_started", "step_recorded", "run_finished"],
    ),
    (
        "evidence",
        "Evidence",
        &["evidence_added", "evidence_custody", "evidence_purged"],
    ),
    (
        "signals",
        "Alerts and detections",
        &["detected", "alert_resolved"],
    ),
    (
        "containment",
        "Containment",
        &["address_blocked", "address_unblocked", "secret_rotated"],
    ),
    (
        "people",
        "Notifications and escalations",
        &[
            "notification_queued",
            "notification_attempted",
            "notification_delivered",
            "notification_failed",
            "reminded",
            "escalated",
        ],
    ),
    (
        "review",
        "Review",
        &[
            "review_written",
            "review_submitted",
            "review_published",
            "review_reopened",
        ],
    ),
];

/// The group key of event kind `kind`, if it belongs to one.
fn group_of(kind: &str) -> Option<&'static str> {
    GROUPS
        .iter()
        .find(|(_, _, kinds)| kinds.contains(&kind))
        .map(|(key, _, _)| *key)
}

/// The group `key` names, if it is one (`?timeline=` is read through this, so an unknown value
/// shows everything rather than nothing).
pub fn group(key: &str) -> Option<&'static str> {
    GROUPS
        .iter()
        .find(|(k, _, _)| *k == key)
        .map(|(k, _, _)| *k)
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

/// A filter chip above the timeline.
#[derive(Debug, Clone, Serialize)]
pub struct Chip {
    /// `?timeline=` value; empty for everything.
    pub key: &'static str,
    /// What it shows.
    pub label: &'static str,
    /// Events of the incident it would show.
    pub count: usize,
    /// It is the one shown now.
    pub current: bool,
}

/// The timeline part of the incident page.
#[derive(Debug, Clone, Serialize)]
pub struct Timeline {
    /// Entries, newest first, at most [`TIMELINE_MAX`] events before folding.
    pub entries: Vec<TimelineEntry>,
    /// Events of the shown kind that are not shown.
    pub earlier: usize,
    /// The chips: everything, then each group that has events.
    pub chips: Vec<Chip>,
    /// The group shown (`None`: everything).
    pub shown: Option<&'static str>,
}

impl Timeline {
    /// The timeline of incident `i` from its `events`, narrowed to group `shown`.
    pub fn build(i: &Incident, events: &[Event], shown: Option<&'static str>) -> Self {
        let mut counts = [0usize; GROUPS.len()];
        for e in events {
            if let Some(n) = GROUPS
                .iter()
                .position(|(_, _, k)| k.contains(&e.kind.as_str()))
            {
                counts[n] += 1;
            }
        }
        let mut chips = vec![Chip {
            key: "",
            label: "Everything",
            count: events.len(),
            current: shown.is_none(),
        }];
        chips.extend(
            GROUPS
                .iter()
                .zip(counts)
                .filter(|(_, count)| *count > 0)
                .map(|((key, label, _), count)| Chip {
                    key,
                    label,
                    count,
                    current: shown == Some(*key),
                }),
        );
        let matching = |e: &&Event| shown.is_none() || group_of(&e.kind) == shown;
        let total = events.iter().filter(matching).count();
        let newest: Vec<TimelineEntry> = events
            .iter()
            .rev()
            .filter(matching)
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
        let earlier = total.saturating_sub(newest.len());
        Self {
            entries: fold(newest),
            earlier,
            chips,
            shown,
        }
    }
}

/// Which fold an event kind belongs to: a runbook run's events, or evidence added in a row.
fn fold_group(kind: &str) -> Option<&'static str> {
    group_of(kind).filter(|g| matches!(*g, "runbooks" | "evidence"))
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
