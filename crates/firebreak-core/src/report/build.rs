//! Building a [`Report`] from folded incidents: counting, timing and judging each one once.

use std::collections::BTreeMap;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use super::compliance::{Compliance, ack_verdict, update_verdict};
use super::stats::Stats;
use super::subject::Subject;
use super::window::Scope;
use crate::clock::Clocks;
use crate::id::IncidentId;
use crate::policy::Policy;
use crate::status::Status;
use crate::summary::Summary;

/// A response report over the incidents declared in a window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// What was asked for; the window's end is the moment the report is taken at.
    pub scope: Scope,
    /// The severity policy the targets come from.
    pub policy: String,
    /// Incidents covered. An incident merged into another (`firebreak merge`) is a duplicate:
    /// it is not covered, its findings count on the incident it joined.
    pub incidents: u64,
    /// Incidents declared in the scope but merged into another, left out of every figure.
    pub merged: u64,
    /// Incidents per current severity: the policy's levels in order, then any level the policy
    /// no longer defines.
    pub by_severity: Vec<Count>,
    /// Incidents per current status, in lifecycle order.
    pub by_status: Vec<Count>,
    /// Incidents per origin (`rule ID`, `alert SOURCE`, `manual`), most first.
    pub by_origin: Vec<Count>,
    /// Durations and targets over every covered incident.
    pub overall: SeverityFigures,
    /// The same per severity, in `by_severity`'s order.
    pub per_severity: Vec<SeverityFigures>,
    /// Titles and origins (rule or source with its key) shared by two or more incidents.
    pub repeats: Vec<Repeat>,
    /// Action items of the covered incidents.
    pub actions: Actions,
    /// Incidents reopened at least once.
    pub reopened: Reopened,
    /// Incidents declared per week (Monday to Sunday, UTC), counts in `by_severity`'s order,
    /// from the week of the first covered declaration to the week of the window's end.
    pub weeks: Vec<Week>,
}

/// A named count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Count {
    /// What is counted.
    pub name: String,
    /// How many.
    pub count: u64,
}

/// Phase durations, each measured from detection (the clock's `to_acknowledge`, `to_contain`,
/// `to_resolve`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Default)]
pub struct Phases {
    /// MTTA: detection → acknowledgement, over acknowledged incidents.
    pub acknowledge: Stats,
    /// MTTC: detection → (last) containment, over incidents contained, resolved or closed now.
    pub contain: Stats,
    /// MTTR: detection → (last) resolution, over incidents resolved or closed now.
    pub resolve: Stats,
}

/// Figures for one severity, or for all (`severity` = `all`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeverityFigures {
    /// The level's name, or `all`.
    pub severity: String,
    /// Incidents counted.
    pub incidents: u64,
    /// Phase durations.
    pub phases: Phases,
    /// Acknowledge target verdicts.
    pub ack_target: Compliance,
    /// Update cadence verdicts.
    pub update_target: Compliance,
}

/// A title or origin shared by several incidents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Repeat {
    /// `title` or `origin`.
    pub by: &'static str,
    /// The shared title, or origin with its key.
    pub key: String,
    /// How many incidents.
    pub count: u64,
    /// Which, oldest first.
    pub incidents: Vec<IncidentId>,
}

/// Action items of the covered incidents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub struct Actions {
    /// Done.
    pub done: u64,
    /// Not done (overdue ones included).
    pub open: u64,
    /// Not done and past their due date on the report's day (UTC).
    pub overdue: u64,
}

/// Reopened incidents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Reopened {
    /// Incidents reopened at least once.
    pub incidents: u64,
    /// Reopenings in all.
    pub times: u64,
    /// Which, oldest first.
    pub ids: Vec<IncidentId>,
}

/// Declarations in one week.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Week {
    /// The Monday it starts on.
    pub start: Date,
    /// Incidents per severity, in `by_severity`'s order.
    pub counts: Vec<u64>,
}

/// Accumulates the figures of one group of incidents.
#[derive(Default)]
struct Tally {
    incidents: u64,
    acknowledge: Vec<SignedDuration>,
    contain: Vec<SignedDuration>,
    resolve: Vec<SignedDuration>,
    ack_target: Compliance,
    update_target: Compliance,
}

impl Tally {
    fn figures(self, severity: &str) -> SeverityFigures {
        SeverityFigures {
            severity: severity.to_string(),
            incidents: self.incidents,
            phases: Phases {
                acknowledge: Stats::of(self.acknowledge),
                contain: Stats::of(self.contain),
                resolve: Stats::of(self.resolve),
            },
            ack_target: self.ack_target,
            update_target: self.update_target,
        }
    }
}

fn week_of(at: Timestamp) -> Date {
    let day = at.to_zoned(TimeZone::UTC).date();
    let back = i64::from(day.weekday().to_monday_zero_offset());
    day.checked_sub(jiff::Span::new().days(back)).unwrap_or(day)
}

/// Builds the report over the `subjects` that `scope` covers, judging clocks at the scope's end
/// under `policy`. Subjects outside the scope are ignored, so a caller may pass more.
pub fn build(subjects: &[Subject], scope: &Scope, policy: &Policy) -> Report {
    let now = scope.window.until;
    let today = now.to_zoned(TimeZone::UTC).date();
    let (merged, mut covered): (Vec<&Subject>, Vec<&Subject>) = subjects
        .iter()
        .filter(|s| scope.covers(s.incident.declared.at, &s.incident.severity))
        .partition(|s| s.incident.merged_into.is_some());
    covered.sort_by_key(|s| (s.incident.declared.at, s.incident.id));

    // Severity columns: the policy's levels (those asked for), then unknown ones found.
    let mut severities: Vec<String> = policy
        .levels()
        .iter()
        .map(|l| l.name.clone())
        .filter(|n| scope.severities.is_empty() || scope.severities.contains(n))
        .collect();
    let mut unknown: Vec<String> = covered
        .iter()
        .map(|s| s.incident.severity.clone())
        .filter(|n| policy.find(n).is_none())
        .collect();
    unknown.sort();
    unknown.dedup();
    severities.extend(unknown);
    let column = |name: &str| {
        severities
            .iter()
            .position(|s| s.eq_ignore_ascii_case(name))
            .unwrap_or(0)
    };

    let mut overall = Tally::default();
    let mut per: Vec<Tally> = severities.iter().map(|_| Tally::default()).collect();
    let mut statuses = [0u64; 4];
    let mut origins: BTreeMap<String, u64> = BTreeMap::new();
    let mut by_title: BTreeMap<&str, Vec<IncidentId>> = BTreeMap::new();
    let mut by_origin: BTreeMap<String, Vec<IncidentId>> = BTreeMap::new();
    let mut actions = Actions::default();
    let mut reopened = Reopened::default();
    let mut weeks: BTreeMap<Date, Vec<u64>> = BTreeMap::new();

    for s in &covered {
        let i = &s.incident;
        let clocks = Clocks::of(&Summary::from(i), policy, now);
        let ack = ack_verdict(&clocks);
        let update = update_verdict(s, &clocks, policy);
        let col = column(&i.severity);
        for t in [&mut overall, &mut per[col]] {
            t.incidents += 1;
            t.acknowledge.extend(clocks.to_acknowledge);
            t.contain.extend(clocks.to_contain);
            t.resolve.extend(clocks.to_resolve);
            t.ack_target.add(ack);
            t.update_target.add(update);
        }
        statuses[match i.status {
            Status::Investigating => 0,
            Status::Contained => 1,
            Status::Resolved => 2,
            Status::Closed => 3,
        }] += 1;
        *origins.entry(s.origin.label()).or_default() += 1;
        by_title.entry(i.title.as_str()).or_default().push(i.id);
        if let Some(key) = s.origin.repeat_key() {
            by_origin.entry(key).or_default().push(i.id);
        }
        for a in &i.actions {
            if a.done.is_some() {
                actions.done += 1;
            } else {
                actions.open += 1;
                actions.overdue += u64::from(a.is_overdue(today));
            }
        }
        if i.reopened > 0 {
            reopened.incidents += 1;
            reopened.times += u64::from(i.reopened);
            reopened.ids.push(i.id);
        }
        weeks
            .entry(week_of(i.declared.at))
            .or_insert_with(|| vec![0; severities.len()])[col] += 1;
    }

    let mut repeats: Vec<Repeat> = by_title
        .into_iter()
        .map(|(k, ids)| ("title", k.to_string(), ids))
        .chain(by_origin.into_iter().map(|(k, ids)| ("origin", k, ids)))
        .filter(|(_, _, ids)| ids.len() >= 2)
        .map(|(by, key, incidents)| Repeat {
            by,
            key,
            count: incidents.len() as u64,
            incidents,
        })
        .collect();
    repeats.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then(a.by.cmp(b.by))
            .then(a.key.cmp(&b.key))
    });

    let mut by_origin: Vec<Count> = origins
        .into_iter()
        .map(|(name, count)| Count { name, count })
        .collect();
    by_origin.sort_by(|a, b| b.count.cmp(&a.count).then(a.name.cmp(&b.name)));

    // Every week from the first declaration's to the window's end, empty ones included.
    let mut week_rows = Vec::new();
    if let Some(first) = weeks.keys().next().copied() {
        let last = week_of(now - SignedDuration::from_micros(1)).max(first);
        let mut start = first;
        while start <= last {
            let counts = weeks
                .remove(&start)
                .unwrap_or_else(|| vec![0; severities.len()]);
            week_rows.push(Week { start, counts });
            match start.checked_add(jiff::Span::new().days(7)) {
                Ok(next) => start = next,
                Err(_) => break,
            }
        }
    }

    Report {
        scope: scope.clone(),
        policy: policy.name.clone(),
        incidents: overall.incidents,
        merged: merged.len() as u64,
        by_severity: severities
            .iter()
            .zip(&per)
            .map(|(name, t)| Count {
                name: name.clone(),
                count: t.incidents,
            })
            .collect(),
        by_status: [
            Status::Investigating,
            Status::Contained,
            Status::Resolved,
            Status::Closed,
        ]
        .iter()
        .zip(statuses)
        .map(|(s, count)| Count {
            name: s.to_string(),
            count,
        })
        .collect(),
        by_origin,
        overall: overall.figures("all"),
        per_severity: severities
            .iter()
            .zip(per)
            .map(|(name, t)| t.figures(name))
            .collect(),
        repeats,
        actions,
        reopened,
        weeks: week_rows,
    }
}
