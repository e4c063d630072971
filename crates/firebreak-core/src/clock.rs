//! Response clocks: how long is left to acknowledge, when the next stakeholder update is due,
//! and — once it is over — how long acknowledging, containing and resolving took and whether the
//! severity's response target was met. Computed at read time from the policy in force, so a
//! policy change shows at once without rewriting any record.

use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use crate::policy::Policy;
use crate::summary::Summary;

/// A deadline seen from now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Deadline {
    /// When it falls.
    pub due: Timestamp,
    /// Time left (negative once passed).
    #[serde(serialize_with = "secs")]
    pub left: SignedDuration,
}

impl Deadline {
    fn new(due: Timestamp, now: Timestamp) -> Self {
        Self {
            due,
            left: due.duration_since(now),
        }
    }

    /// Whether it has passed.
    pub fn breached(&self) -> bool {
        self.left.is_negative()
    }
}

fn secs<S: serde::Serializer>(d: &SignedDuration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_i64(d.as_secs())
}

fn opt_secs<S: serde::Serializer>(d: &Option<SignedDuration>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_some(&d.as_secs()),
        None => s.serialize_none(),
    }
}

/// Every clock of one incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Clocks {
    /// Acknowledge deadline, while unacknowledged.
    pub ack: Option<Deadline>,
    /// Next update deadline, while open.
    pub update: Option<Deadline>,
    /// Time from detection to acknowledgement, in seconds.
    #[serde(serialize_with = "opt_secs")]
    pub to_acknowledge: Option<SignedDuration>,
    /// Time from detection to containment, in seconds.
    #[serde(serialize_with = "opt_secs")]
    pub to_contain: Option<SignedDuration>,
    /// Time from detection to resolution, in seconds.
    #[serde(serialize_with = "opt_secs")]
    pub to_resolve: Option<SignedDuration>,
    /// Whether acknowledgement met the severity's target (None while pending and in time).
    pub sla_met: Option<bool>,
    /// An open action item is past due.
    pub actions_overdue: bool,
}

impl Clocks {
    /// The clocks of `s` at `now` under `policy`.
    pub fn of(s: &Summary, policy: &Policy, now: Timestamp) -> Self {
        let level = policy.find(&s.severity);
        let open = s.status.is_open();
        let since_detection = |t: Option<Timestamp>| t.map(|t| t.duration_since(s.detected_at));
        let ack = match (s.acknowledged_at, level) {
            (None, Some(l)) if open => Some(Deadline::new(s.detected_at + l.ack_within, now)),
            _ => None,
        };
        let update = match level {
            Some(l) if open => Some(Deadline::new(s.last_update_at + l.update_every, now)),
            _ => None,
        };
        let to_acknowledge = since_detection(s.acknowledged_at);
        let sla_met = match (to_acknowledge, level, ack) {
            (Some(took), Some(l), _) => Some(took <= l.ack_within),
            (None, _, Some(d)) if d.breached() => Some(false),
            _ => None,
        };
        let today: Date = now.to_zoned(jiff::tz::TimeZone::UTC).date();
        Clocks {
            ack,
            update,
            to_acknowledge,
            to_contain: since_detection(s.contained_at),
            to_resolve: since_detection(s.resolved_at),
            sla_met,
            actions_overdue: s.open_actions > 0 && s.next_action_due.is_some_and(|d| d < today),
        }
    }

    /// The deadline that falls first: acknowledgement or the next update (the most overdue one
    /// when both have passed).
    pub fn next_deadline(&self) -> Option<Deadline> {
        [self.ack, self.update]
            .into_iter()
            .flatten()
            .min_by_key(|d| d.left)
    }

    /// How urgently the incident needs someone, as a sort key (smaller first): incidents with
    /// a passed deadline (or an overdue action item) first, then by how soon the first
    /// deadline falls (the most overdue first), then by severity (`rank`: the level's place in
    /// the policy, most severe 0). Closed and resolved incidents, which have no deadline, come
    /// last.
    pub fn urgency(&self, rank: usize) -> (bool, i64, usize) {
        let left = self.next_deadline().map_or(i64::MAX, |d| d.left.as_secs());
        (!self.overdue(), left, rank)
    }

    /// Whether anything is late: acknowledgement, an update, or an action item.
    pub fn overdue(&self) -> bool {
        self.ack.is_some_and(|d| d.breached())
            || self.update.is_some_and(|d| d.breached())
            || self.actions_overdue
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::Status;

    fn summary(detected: Timestamp) -> Summary {
        Summary {
            id: "INC-2026-11-23-001".parse().expect("id"),
            title: "t".into(),
            severity: "P1".into(),
            status: Status::Investigating,
            started_at: detected,
            detected_at: detected,
            acknowledged_at: None,
            contained_at: None,
            resolved_at: None,
            closed_at: None,
            commander: None,
            last_update_at: detected,
            updated_at: detected,
            open_actions: 0,
            next_action_due: None,
            events: 1,
        }
    }

    #[test]
    fn urgency_puts_the_breached_first_then_the_nearest_deadline_then_severity() {
        let policy = Policy::preset("default").expect("preset");
        let now: Timestamp = "2026-11-23T12:00:00Z".parse().expect("ts");
        let at = |ago_min: i64, sev: &str| {
            let mut s = summary(now - SignedDuration::from_mins(ago_min));
            s.severity = sev.into();
            let rank = policy
                .levels()
                .iter()
                .position(|l| l.name == sev)
                .expect("level");
            Clocks::of(&s, &policy, now).urgency(rank)
        };
        let fresh_p3 = at(1, "P3");
        let late_p3 = at(25 * 60, "P3");
        let fresh_p1 = at(1, "P1");
        let late_p1 = at(30, "P1");
        let mut keys = [fresh_p3, late_p3, fresh_p1, late_p1];
        keys.sort();
        assert_eq!(keys, [late_p3, late_p1, fresh_p1, fresh_p3]);
        let mut resolved = summary(now - SignedDuration::from_mins(600));
        resolved.status = Status::Resolved;
        let done = Clocks::of(&resolved, &policy, now).urgency(0);
        assert!(done > fresh_p3, "an incident with no deadline comes last");
    }

    #[test]
    fn p1_ack_clock_runs_fifteen_minutes_then_breaches() {
        let policy = Policy::preset("default").expect("preset");
        let t0: Timestamp = "2026-11-23T10:00:00Z".parse().expect("ts");
        let s = summary(t0);
        let c = Clocks::of(&s, &policy, t0 + SignedDuration::from_mins(5));
        assert_eq!(c.ack.map(|d| d.left), Some(SignedDuration::from_mins(10)));
        assert!(!c.overdue());
        let late = Clocks::of(&s, &policy, t0 + SignedDuration::from_mins(16));
        assert!(late.overdue());
        assert_eq!(late.sla_met, Some(false));
    }

    #[test]
    fn acknowledged_in_time_meets_the_target() {
        let policy = Policy::preset("default").expect("preset");
        let t0: Timestamp = "2026-11-23T10:00:00Z".parse().expect("ts");
        let mut s = summary(t0);
        s.acknowledged_at = Some(t0 + SignedDuration::from_mins(14));
        s.status = Status::Resolved;
        s.resolved_at = Some(t0 + SignedDuration::from_hours(2));
        let c = Clocks::of(&s, &policy, t0 + SignedDuration::from_hours(3));
        assert_eq!((c.sla_met, c.ack, c.update), (Some(true), None, None));
        assert_eq!(c.to_resolve, Some(SignedDuration::from_hours(2)));
    }
}
