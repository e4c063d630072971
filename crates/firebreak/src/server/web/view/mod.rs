//! What the templates are given: incidents turned into plain, already-worded values (times as
//! text, countdowns with their remaining seconds, severities with a colour tone), so that the
//! templates only lay things out. This file holds what every page shares and the list's rows;
//! the incident page's view is in `incident`, its timeline in `timeline`, runbook runs with
//! their output in `runs`.

mod incident;
mod runs;
mod timeline;

use firebreak_core::Status;
use firebreak_core::access::Permission;
use firebreak_core::clock::{Clocks, Deadline};
use firebreak_core::policy::Policy;
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use crate::server::api::incidents::Row;
use crate::server::auth::{Caller, Via};
pub use incident::{IncidentView, incident};
pub use timeline::group as timeline_group;

/// What every page knows about who is looking.
#[derive(Debug, Clone, Serialize)]
pub struct Frame {
    /// Signed-in name and role.
    pub me: Option<Me>,
    /// The session's form token (absent for bearer callers, who cannot use forms).
    pub csrf: Option<String>,
    /// Which forms to show.
    pub may: May,
}

/// The caller, as the header shows them.
#[derive(Debug, Clone, Serialize)]
pub struct Me {
    /// Token name.
    pub name: String,
    /// Role name.
    pub role: &'static str,
}

/// Which groups of forms the caller's role allows.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct May {
    /// Declare an incident.
    pub declare: bool,
    /// Acknowledge, note, tick, action items.
    pub work: bool,
    /// Status, severity, roles, reopen.
    pub steer: bool,
    /// Download evidence (each download is recorded as custody).
    pub download: bool,
    /// Send with the external (customer) template.
    pub notify_externally: bool,
}

impl Frame {
    /// The frame of a page shown to `caller`.
    pub fn of(caller: &Caller) -> Self {
        let csrf = match &caller.via {
            Via::Session { csrf, .. } => Some(csrf.clone()),
            Via::Bearer => None,
        };
        let may = |p| csrf.is_some() && caller.role.may(p);
        Self {
            may: May {
                declare: may(Permission::Declare),
                work: may(Permission::Work),
                steer: may(Permission::Steer),
                download: may(Permission::DownloadEvidence),
                notify_externally: may(Permission::NotifyExternally),
            },
            csrf,
            me: Some(Me {
                name: caller.name.clone(),
                role: caller.role.as_str(),
            }),
        }
    }

    /// The frame of a page shown to someone not signed in.
    pub fn anonymous() -> Self {
        Self {
            me: None,
            csrf: None,
            may: May::default(),
        }
    }
}

/// A time as the dashboard prints it.
pub fn when(t: Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// `secs` as the countdowns print it: `45s`, `12m 05s`, `3h 05m`, `2d 04h`. `app.js` prints
/// the same form as it ticks.
pub fn span(secs: u64) -> String {
    let (d, h, m, s) = (
        secs / 86_400,
        secs % 86_400 / 3600,
        secs % 3600 / 60,
        secs % 60,
    );
    if secs < 60 {
        format!("{s}s")
    } else if secs < 3600 {
        format!("{m}m {s:02}s")
    } else if secs < 86_400 {
        format!("{h}h {m:02}m")
    } else {
        format!("{d}d {h:02}h")
    }
}

/// What is left of a deadline, in words.
pub fn remaining(left: SignedDuration) -> String {
    let secs = left.as_secs();
    if secs >= 0 {
        format!("{} left", span(secs.unsigned_abs()))
    } else {
        format!("overdue by {}", span(secs.unsigned_abs()))
    }
}

/// A live countdown.
#[derive(Debug, Clone, Serialize)]
pub struct Countdown {
    /// What falls due: `Acknowledge`, `Next update`.
    pub label: &'static str,
    /// When (RFC 3339, for `<time datetime>`).
    pub due: String,
    /// Seconds left when the page was made (negative once passed); `app.js` counts from it.
    pub left: i64,
    /// The same in words.
    pub text: String,
    /// Whether it has passed.
    pub breached: bool,
}

impl Countdown {
    fn of(label: &'static str, d: &Deadline) -> Self {
        Self {
            label,
            due: d.due.to_string(),
            left: d.left.as_secs(),
            text: remaining(d.left),
            breached: d.breached(),
        }
    }
}

/// The countdowns of some clocks: acknowledgement first while it runs, then the next update.
pub fn countdowns(clocks: &Clocks) -> Vec<Countdown> {
    let mut out = Vec::new();
    if let Some(d) = &clocks.ack {
        out.push(Countdown::of("Acknowledge", d));
    }
    if let Some(d) = &clocks.update {
        out.push(Countdown::of("Next update", d));
    }
    out
}

/// The countdown that falls first (the most overdue, or the nearest).
pub fn first_due(clocks: &Clocks) -> Option<Countdown> {
    countdowns(clocks).into_iter().min_by_key(|c| c.left)
}

/// How long an incident in `status`, noticed at `detected`, has been open at `now`
/// (`3h 05m`); `None` once it is no longer open.
pub fn open_for(status: Status, detected: Timestamp, now: Timestamp) -> Option<String> {
    status.is_open().then(|| since(detected, now))
}

/// A severity with the colour tone of its rank (0 = most severe; 4 = everything past the
/// fourth level and levels the policy no longer knows).
#[derive(Debug, Clone, Serialize)]
pub struct Sev {
    /// Name, e.g. `P1`.
    pub name: String,
    /// Label, e.g. `Critical`.
    pub label: String,
    /// CSS tone, 0–4.
    pub tone: usize,
}

impl Sev {
    /// `name` under `policy`.
    pub fn of(policy: &Policy, name: &str) -> Self {
        Self {
            name: name.to_string(),
            label: policy
                .find(name)
                .map(|l| l.label.clone())
                .unwrap_or_default(),
            tone: policy.rank(name).min(4),
        }
    }
}

/// The levels of the policy, for the severity selects.
pub fn levels(policy: &Policy) -> Vec<Sev> {
    policy
        .levels()
        .iter()
        .map(|l| Sev::of(policy, &l.name))
        .collect()
}

/// Every status, for the filter.
pub fn statuses() -> Vec<&'static str> {
    Status::ALL.iter().map(|s| s.as_str()).collect()
}

/// One row of the incident list.
#[derive(Debug, Clone, Serialize)]
pub struct ListRow {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Severity.
    pub sev: Sev,
    /// Status.
    pub status: &'static str,
    /// Commander, if assigned.
    pub commander: Option<String>,
    /// The deadline that falls first.
    pub deadline: Option<Countdown>,
    /// An action item is past due.
    pub actions_overdue: bool,
    /// Someone has acknowledged it.
    pub acknowledged: bool,
    /// How long it has been open since it was noticed (`3h 05m`), while open.
    pub open_for: Option<String>,
    /// Last change, exact (for the tooltip).
    pub updated: String,
    /// Last change, relative (`5m 10s ago`).
    pub updated_ago: String,
}

impl ListRow {
    /// A row of the list under `policy`, as seen at `now`.
    pub fn of(policy: &Policy, row: &Row, now: Timestamp) -> Self {
        let s = &row.summary;
        Self {
            id: s.id.to_string(),
            title: s.title.clone(),
            sev: Sev::of(policy, &s.severity),
            status: s.status.as_str(),
            commander: s.commander.clone(),
            deadline: first_due(&row.clocks),
            actions_overdue: row.clocks.actions_overdue,
            acknowledged: s.acknowledged_at.is_some(),
            open_for: open_for(s.status, s.detected_at, now),
            updated: when(s.updated_at),
            updated_ago: format!("{} ago", since(s.updated_at, now)),
        }
    }
}

/// The time from `then` to `now` as the countdowns print it (`0s` if `then` is later).
pub fn since(then: Timestamp, now: Timestamp) -> String {
    span(now.duration_since(then).as_secs().max(0).unsigned_abs())
}

/// What needs someone now, over the open incidents of a list: the header strip.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Strip {
    /// Open incidents per severity, most severe first (levels with none are left out).
    pub open: Vec<(Sev, u64)>,
    /// Open incidents whose acknowledgement is overdue.
    pub ack_overdue: u64,
    /// Open incidents whose next update is overdue.
    pub update_overdue: u64,
    /// Open incidents with an overdue action item.
    pub actions_overdue: u64,
    /// Incidents with anything overdue (the tab title counts them).
    pub overdue: u64,
}

impl Strip {
    /// The strip over `rows` under `policy`.
    pub fn of(policy: &Policy, rows: &[Row]) -> Self {
        let open: Vec<&Row> = rows.iter().filter(|r| r.summary.status.is_open()).collect();
        let count = |f: &dyn Fn(&Row) -> bool| open.iter().filter(|r| f(r)).count() as u64;
        let breached = |d: Option<Deadline>| d.is_some_and(|d| d.breached());
        Self {
            open: policy
                .levels()
                .iter()
                .map(|l| {
                    (
                        Sev::of(policy, &l.name),
                        count(&|r| r.summary.severity == l.name),
                    )
                })
                .filter(|(_, n)| *n > 0)
                .collect(),
            ack_overdue: count(&|r| breached(r.clocks.ack)),
            update_overdue: count(&|r| breached(r.clocks.update)),
            actions_overdue: count(&|r| r.clocks.actions_overdue),
            overdue: count(&|r| r.clocks.overdue()),
        }
    }
}

/// Who did something, when.
#[derive(Debug, Clone, Serialize)]
pub struct Stamp {
    /// Who.
    pub by: String,
    /// When.
    pub at: String,
}

impl From<&firebreak_core::incident::Stamp> for Stamp {
    fn from(s: &firebreak_core::incident::Stamp) -> Self {
        Self {
            by: s.by.clone(),
            at: when(s.at),
        }
    }
}

/// A byte count in words.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut v = n as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn countdowns_read_the_same_as_app_js_prints_them() {
        assert_eq!(span(5), "5s");
        assert_eq!(span(754), "12m 34s");
        assert_eq!(span(3 * 3600 + 5 * 60 + 9), "3h 05m");
        assert_eq!(span(2 * 86_400 + 4 * 3600), "2d 04h");
        assert_eq!(
            remaining(SignedDuration::from_secs(-61)),
            "overdue by 1m 01s"
        );
        assert_eq!(remaining(SignedDuration::from_secs(61)), "1m 01s left");
    }

    #[test]
    fn sizes_read_in_binary_units() {
        assert_eq!(bytes(12), "12 B");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(3 << 20), "3.0 MiB");
    }
}
