//! The structured review: what the journal says, arranged for a reader. Everything here is
//! drawn from recorded events and the policy — never from the clock on the wall — so the same
//! journal always gives the same review.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use super::{Field, State};
use crate::change::Change;
use crate::incident::{Incident, Stamp};
use crate::journal::Event;
use crate::policy::Policy;
use crate::run::{self, RunEntry, StepOutcome};
use crate::status::Status;

/// A post-incident review drafted from an incident's journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Review {
    /// Who, what, when.
    pub header: Header,
    /// How long each phase of the response took, against the policy's targets.
    pub phases: Vec<Phase>,
    /// What mattered, oldest first.
    pub timeline: Vec<TimelineLine>,
    /// Events left off the timeline, counted by what they were (`checklist ticks` → 4).
    pub also_recorded: BTreeMap<String, u32>,
    /// Action items, in number order.
    pub actions: Vec<ActionLine>,
    /// Evidence items with their digests.
    pub evidence: Vec<EvidenceLine>,
    /// The human sections, in [`Field::ALL`] order.
    pub sections: Vec<Section>,
    /// Where the review stands and who signed it off.
    pub sign_off: SignOff,
    /// The journal's head and whether its chain verifies.
    pub chain: Chain,
}

/// The incident's facts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Header {
    /// Incident id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Severity level name.
    pub severity: String,
    /// The level's label (`Critical`), if the policy still defines it.
    pub severity_label: Option<String>,
    /// Status now.
    pub status: Status,
    /// Who declared it, when.
    pub declared: Stamp,
    /// When the trouble began.
    pub started_at: Timestamp,
    /// When it was noticed.
    pub detected_at: Timestamp,
    /// When it was resolved, if it is.
    pub resolved_at: Option<Timestamp>,
    /// When it was closed, if it is.
    pub closed_at: Option<Timestamp>,
    /// Start to resolution, in seconds (absent while unresolved).
    pub duration_secs: Option<i64>,
    /// Role → person.
    pub roles: BTreeMap<String, String>,
    /// How often the incident was reopened.
    pub reopened: u32,
}

/// Whether a phase met its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Done within the target.
    Met,
    /// Done, later than the target.
    Missed,
    /// Done; the policy sets no target for it.
    NoTarget,
    /// Not done (yet).
    NotReached,
}

impl Verdict {
    /// Words for a reader.
    pub fn words(self) -> &'static str {
        match self {
            Verdict::Met => "target met",
            Verdict::Missed => "target missed",
            Verdict::NoTarget => "no target",
            Verdict::NotReached => "not reached",
        }
    }
}

/// One phase of the response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Phase {
    /// `detect`, `acknowledge`, `contain` or `resolve`.
    pub name: &'static str,
    /// What it measures, e.g. `started → detected`.
    pub span: &'static str,
    /// When it began.
    pub from: Timestamp,
    /// When it ended, if it did.
    pub to: Option<Timestamp>,
    /// Its length in seconds.
    pub secs: Option<i64>,
    /// The policy's target in seconds, if it sets one.
    pub target_secs: Option<i64>,
    /// Met, missed, no target, not reached.
    pub verdict: Verdict,
}

/// One line of the timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimelineLine {
    /// The first event it stands for.
    pub seq: u64,
    /// When.
    pub at: Timestamp,
    /// Who.
    pub actor: String,
    /// What sort of line: `declared`, `acknowledged`, `status`, `severity`, `role`, `note`,
    /// `action`, `evidence`, `runbook`, `detection`, `alert`.
    pub kind: &'static str,
    /// What happened (may span lines: notes keep theirs).
    pub text: String,
}

/// An action item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActionLine {
    /// Its number.
    pub number: u32,
    /// What is to be done.
    pub text: String,
    /// Who owns it.
    pub owner: Option<String>,
    /// When it is due.
    pub due: Option<Date>,
    /// Who finished it, when.
    pub done: Option<Stamp>,
}

/// An evidence item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EvidenceLine {
    /// `E1`, `E2`, …
    pub id: String,
    /// file, link, command, snapshot.
    pub kind: String,
    /// Where it came from.
    pub source: String,
    /// Its size in bytes.
    pub size: u64,
    /// Its SHA-256, hex.
    pub sha256: String,
    /// Whether its bytes were purged (the digest stays).
    pub purged: bool,
}

/// A human section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Section {
    /// Which.
    pub field: Field,
    /// Its heading.
    pub heading: &'static str,
    /// Its text, absent when not written yet.
    pub text: Option<String>,
}

/// The review's state and sign-off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignOff {
    /// draft, in-review, published.
    pub state: State,
    /// Who last wrote a section, when.
    pub written: Option<Stamp>,
    /// Who submitted it for sign-off, when.
    pub submitted: Option<Stamp>,
    /// Who signed it off, when.
    pub published: Option<Stamp>,
}

/// The journal as a reader can check it: its head and what verification found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Chain {
    /// Events in the incident's journal.
    pub events: u64,
    /// The last event's sequence number.
    pub head_seq: u64,
    /// The last event's hash, hex.
    pub head_hash: String,
    /// Whether every hash and the signed seal check out.
    pub verified: bool,
    /// What verification found wrong, if anything.
    pub faults: Vec<String>,
    /// The public key's fingerprint the seal was checked against.
    pub key: String,
}

fn secs_between(from: Timestamp, to: Timestamp) -> i64 {
    to.duration_since(from).as_secs()
}

fn phase(
    name: &'static str,
    span: &'static str,
    from: Timestamp,
    to: Option<Timestamp>,
    target: Option<SignedDuration>,
) -> Phase {
    let secs = to.map(|t| secs_between(from, t));
    let target_secs = target.map(|t| t.as_secs());
    let verdict = match (secs, target_secs) {
        (None, _) => Verdict::NotReached,
        (Some(_), None) => Verdict::NoTarget,
        (Some(s), Some(t)) if s <= t => Verdict::Met,
        (Some(_), Some(_)) => Verdict::Missed,
    };
    Phase {
        name,
        span,
        from,
        to,
        secs,
        target_secs,
        verdict,
    }
}

/// One line per runbook run, placed at its start: how it ended and what its steps did.
fn run_lines(events: &[(&Event, Change)]) -> BTreeMap<String, String> {
    let entries = events.iter().filter_map(|(_, c)| match c {
        Change::RunStarted(s) => Some(RunEntry::Started(s)),
        Change::StepRecorded(s) => Some(RunEntry::Step(s)),
        Change::RunFinished(f) => Some(RunEntry::Finished(f)),
        _ => None,
    });
    run::runs(entries)
        .into_iter()
        .map(|p| {
            let mut outcomes: BTreeMap<&str, u32> = BTreeMap::new();
            for s in &p.steps {
                let word = match s.outcome {
                    StepOutcome::Succeeded => "succeeded",
                    StepOutcome::Failed => "failed",
                    StepOutcome::TimedOut => "timed out",
                    StepOutcome::Interrupted => "interrupted",
                    StepOutcome::Confirmed => "confirmed",
                    StepOutcome::Declined => "declined",
                    StepOutcome::Skipped => "skipped",
                    StepOutcome::Refused => "refused",
                };
                *outcomes.entry(word).or_default() += 1;
            }
            let counts: Vec<String> = outcomes.iter().map(|(w, n)| format!("{n} {w}")).collect();
            let ended = p
                .finished
                .as_deref()
                .map_or("not finished".to_string(), str::to_string);
            let s = &p.started;
            let text = format!(
                "runbook {}#{} (run {}): {ended} — {} of {} steps recorded{}",
                s.runbook,
                s.procedure,
                s.run,
                p.done.len(),
                s.steps,
                if counts.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", counts.join(", "))
                }
            );
            (s.run.clone(), text)
        })
        .collect()
}

impl Review {
    /// Drafts the review of `incident` from its ordered `events`, measuring phases against
    /// `policy`; `chain` is what verifying its journal found.
    pub fn build(incident: &Incident, events: &[Event], policy: &Policy, chain: Chain) -> Self {
        let level = policy.find(&incident.severity);
        let i = incident;
        let header = Header {
            id: i.id.to_string(),
            title: i.title.clone(),
            severity: i.severity.clone(),
            severity_label: level.map(|l| l.label.clone()),
            status: i.status,
            declared: i.declared.clone(),
            started_at: i.started_at,
            detected_at: i.detected_at,
            resolved_at: i.resolved_at,
            closed_at: i.closed_at,
            duration_secs: i.resolved_at.map(|r| secs_between(i.started_at, r)),
            roles: i.roles.clone(),
            reopened: i.reopened,
        };
        let phases = vec![
            phase(
                "detect",
                "started → detected",
                i.started_at,
                Some(i.detected_at),
                None,
            ),
            phase(
                "acknowledge",
                "detected → acknowledged",
                i.detected_at,
                i.acknowledged.as_ref().map(|a| a.at),
                level.map(|l| l.ack_within),
            ),
            phase(
                "contain",
                "detected → contained",
                i.detected_at,
                i.contained_at,
                None,
            ),
            phase(
                "resolve",
                "detected → resolved",
                i.detected_at,
                i.resolved_at,
                None,
            ),
        ];

        let decoded: Vec<(&Event, Change)> = events
            .iter()
            .filter_map(|e| e.change().ok().map(|c| (e, c)))
            .collect();
        let runs = run_lines(&decoded);
        let mut timeline = Vec::new();
        let mut also: BTreeMap<String, u32> = BTreeMap::new();
        let mut seen_detections = BTreeSet::new();
        for (e, change) in &decoded {
            let (kind, text) = match change {
                Change::Declared(_) => ("declared", change.describe()),
                Change::Acknowledged {} => ("acknowledged", change.describe()),
                Change::StatusChanged { .. } | Change::Reopened { .. } => {
                    ("status", change.describe())
                }
                Change::SeverityChanged { .. } => ("severity", change.describe()),
                Change::RoleAssigned { .. } => ("role", change.describe()),
                Change::NoteAdded { .. } => ("note", change.describe()),
                Change::ActionAdded { .. } | Change::ActionDone { .. } => {
                    ("action", change.describe())
                }
                Change::EvidenceAdded(item) => (
                    "evidence",
                    format!(
                        "evidence {} collected: {} {}, {} bytes, sha256 {}",
                        item.id,
                        item.kind,
                        item.source(),
                        item.size,
                        item.sha256
                    ),
                ),
                Change::EvidencePurged { .. } => ("evidence", change.describe()),
                Change::RunStarted(s) => (
                    "runbook",
                    runs.get(&s.run)
                        .cloned()
                        .unwrap_or_else(|| change.describe()),
                ),
                Change::StepRecorded(_) | Change::RunFinished(_) => continue,
                Change::Detected(d) => {
                    if seen_detections.insert((d.rule.clone(), d.key.clone())) {
                        ("detection", change.describe())
                    } else {
                        *also.entry("repeat detections".into()).or_default() += 1;
                        continue;
                    }
                }
                Change::AlertResolved(_) => ("alert", change.describe()),
                Change::MergedInto(_) => ("status", change.describe()),
                Change::Absorbed(_) | Change::Linked(_) => ("related", change.describe()),
                Change::AddressBlocked(_)
                | Change::AddressUnblocked(_)
                | Change::SecretRotated(_) => ("containment", change.describe()),
                Change::ChecklistTicked { .. } => {
                    *also.entry("checklist ticks".into()).or_default() += 1;
                    continue;
                }
                Change::EvidenceCustody(_) => {
                    *also.entry("evidence custody records".into()).or_default() += 1;
                    continue;
                }
                Change::NotificationQueued(_)
                | Change::NotificationFailed(_)
                | Change::Reminded(_)
                | Change::Escalated(_) => ("notify", change.describe()),
                Change::NotificationAttempted(_) | Change::NotificationDelivered(_) => {
                    *also
                        .entry("notification tries and deliveries".into())
                        .or_default() += 1;
                    continue;
                }
                Change::ReviewWritten { .. }
                | Change::ReviewSubmitted {}
                | Change::ReviewPublished {}
                | Change::ReviewReopened { .. } => {
                    *also.entry("review edits and sign-offs".into()).or_default() += 1;
                    continue;
                }
            };
            timeline.push(TimelineLine {
                seq: e.seq,
                at: e.at,
                actor: e.actor.clone(),
                kind,
                text,
            });
        }

        let mut actions: Vec<ActionLine> = i
            .actions
            .iter()
            .map(|a| ActionLine {
                number: a.number,
                text: a.text.clone(),
                owner: a.owner.clone(),
                due: a.due,
                done: a.done.clone(),
            })
            .collect();
        actions.sort_by_key(|a| a.number);
        let evidence = i
            .evidence_items
            .iter()
            .map(|item| EvidenceLine {
                id: item.id.clone(),
                kind: item.kind.to_string(),
                source: item.source(),
                size: item.size,
                sha256: item.sha256.clone(),
                purged: i.purged.contains(&item.id),
            })
            .collect();
        let sections = Field::ALL
            .into_iter()
            .map(|field| Section {
                field,
                heading: field.heading(),
                text: Some(i.review.text(field).to_string()).filter(|t| !t.is_empty()),
            })
            .collect();
        Review {
            header,
            phases,
            timeline,
            also_recorded: also,
            actions,
            evidence,
            sections,
            sign_off: SignOff {
                state: i.review.state,
                written: i.review.written.clone(),
                submitted: i.review.submitted.clone(),
                published: i.review.published.clone(),
            },
            chain,
        }
    }
}

/// A time as the review prints it: `2026-11-23 10:04:05 UTC`.
pub(super) fn when(t: Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// A length in seconds as the review prints it (`14m`, `2h05m`).
pub(super) fn length(secs: i64) -> String {
    crate::duration::format(SignedDuration::from_secs(secs))
}
