//! The incident page's view: summary and clocks (the stakeholder update's among them),
//! checklists, action items, roles, notes, evidence, runbook runs, the notification log and
//! the newest part of the timeline (see [`super::timeline`]).

use firebreak_core::blob::BlobStore;
use firebreak_core::clock::Clocks;
use firebreak_core::journal::Event;
use firebreak_core::notify::{NotifyConfig, OutboxState};
use firebreak_core::policy::Policy;
use firebreak_core::{Incident, IncidentId};
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use super::runs::{Run, runs};
use super::timeline::Timeline;
use super::{Countdown, Sev, Stamp, bytes, countdowns, first_due, open_for, since, span, when};
use crate::server::api::incidents::Detail;
use crate::server::error::ApiError;
use crate::server::state::AppState;

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

/// One alert of the groups that raised or joined the incident, for the alert card.
#[derive(Debug, Clone, Serialize)]
pub struct AlertCard {
    /// The alert's summary, else its name.
    pub title: String,
    /// The group it came in (`alertname=DiskFull`), and from where.
    pub group: String,
    /// Its labels.
    pub labels: Vec<(String, String)>,
    /// Firing since, exact.
    pub since: Option<String>,
    /// Firing for (`2h 05m`).
    pub firing_for: Option<String>,
    /// Its graph, an `http(s)` address.
    pub graph: Option<String>,
    /// Its runbook, an `http(s)` address.
    pub runbook_url: Option<String>,
}

/// The alerts recorded by the incident's detections, latest group first.
fn alerts(i: &Incident, now: Timestamp) -> Vec<AlertCard> {
    i.detections
        .iter()
        .rev()
        .flat_map(|d| {
            d.alerts.iter().map(move |a| AlertCard {
                title: a.title.clone(),
                group: format!("{} · {}", d.key, d.source),
                labels: a
                    .labels
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
                since: a.since.map(when),
                firing_for: a.since.map(|t| since(t, now)),
                graph: a.graph.clone(),
                runbook_url: a.runbook_url.clone(),
            })
        })
        .collect()
}

/// One notification in the incident's log.
#[derive(Debug, Clone, Serialize)]
pub struct ToldRow {
    /// Contact.
    pub to: String,
    /// Channel and destination, masked.
    pub destination: String,
    /// Template and why (`internal · declare`).
    pub template: String,
    /// Why it was sent (`declare`, `manual`, …).
    pub why: String,
    /// Subject line.
    pub subject: String,
    /// `queued`, `delivered` or `failed`.
    pub state: &'static str,
    /// Where it stands in words, with the tries and the last error.
    pub standing: String,
    /// When it was queued.
    pub queued: String,
}

fn told(notify: &NotifyConfig, events: &[Event]) -> Vec<ToldRow> {
    crate::notify::log::log(notify, events)
        .into_iter()
        .rev()
        .map(|t| ToldRow {
            standing: t.standing(),
            why: t.why(),
            state: match t.state {
                OutboxState::Queued => "queued",
                OutboxState::Delivered => "delivered",
                OutboxState::Failed => "failed",
            },
            queued: when(t.queued_at),
            to: t.to,
            destination: t.destination,
            template: t.template,
            subject: t.subject,
        })
        .collect()
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
    /// When the next stakeholder update is due, while open.
    pub update: Option<Countdown>,
    /// The same for the page's head: `due in 25m 00s`, `overdue by 3m 10s`.
    pub update_words: Option<String>,
    /// Notifications, newest first.
    pub told: Vec<ToldRow>,
    /// Failed notifications among them.
    pub told_failed: usize,
    /// Alerts that raised or joined it, each with labels and links.
    pub alerts: Vec<AlertCard>,
    /// The deadline that falls first, for the page's head.
    pub next: Option<Countdown>,
    /// How long it has been open since it was noticed (`3h 05m`), while open.
    pub open_for: Option<String>,
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
    /// Timeline, newest first, with its filter chips.
    pub timeline: Timeline,
    /// Number of events.
    pub events: u64,
}

impl IncidentView {
    /// The page's view of `incident` and its `events`, reading captured output from `blobs`.
    /// Blocking (it reads files): call it off the async runtime.
    pub fn build(
        policy: &Policy,
        notify: &NotifyConfig,
        detail: &Detail,
        events: &[Event],
        blobs: &BlobStore,
        shown: Option<&'static str>,
    ) -> Self {
        let i = &detail.incident;
        let clocks = &detail.clocks;
        let today = Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date();
        let told = told(notify, events);
        let update = countdowns(clocks)
            .into_iter()
            .find(|c| c.label == "Next update");
        Self {
            update_words: update.as_ref().map(|c| {
                let secs = c.left.unsigned_abs();
                if c.left < 0 {
                    format!("overdue by {}", span(secs))
                } else {
                    format!("due in {}", span(secs))
                }
            }),
            update,
            told_failed: told.iter().filter(|t| t.state == "failed").count(),
            told,

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
            alerts: alerts(i, Timestamp::now()),
            next: first_due(clocks),
            open_for: open_for(i.status, i.detected_at, Timestamp::now()),
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
            timeline: Timeline::build(i, events, shown),
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

/// The incident page's view of incident `id`, read now, its timeline narrowed to group `shown`.
pub async fn incident(
    state: &AppState,
    id: &IncidentId,
    shown: Option<&'static str>,
) -> Result<IncidentView, ApiError> {
    let (incident, events) = state.service.incident(id).await?;
    let detail = Detail::of(state, incident);
    let policy = state.service.config().policy.clone();
    let notify = state.service.config().notify.clone();
    let blobs = BlobStore::in_data_dir(state.service.data_dir());
    tokio::task::spawn_blocking(move || {
        IncidentView::build(&policy, &notify, &detail, &events, &blobs, shown)
    })
    .await
    .map_err(ApiError::internal)
}
