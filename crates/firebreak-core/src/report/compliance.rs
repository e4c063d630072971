//! Whether an incident met its severity's response targets, judged with the clocks of
//! [`crate::clock`] read at the report's moment.
//!
//! - **Acknowledge target**: exactly [`Clocks::sla_met`](crate::clock::Clocks::sla_met):
//!   acknowledged within the level's `ack_within` of detection is met, later is missed; still
//!   unacknowledged and open past the deadline is missed; still unacknowledged within the
//!   deadline, or resolved/closed without ever being acknowledged, has no verdict.
//! - **Update target**: every gap between two stakeholder updates while the incident was open
//!   was at most the level's `update_every`, and, if it is still open, the current update
//!   deadline (`last_update_at + update_every`, the clock's `update`) has not passed. A longer
//!   gap at any time is missed; a closed-out incident with no long gap is met; an open one with
//!   no long gap yet and its update still due has no verdict.
//!
//! Incidents whose severity the policy no longer defines have no targets and no verdict.

use serde::Serialize;

use super::subject::Subject;
use crate::clock::Clocks;
use crate::policy::Policy;

/// One incident's verdict on one target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Met.
    Met,
    /// Missed.
    Missed,
    /// No verdict yet (or none possible); not counted in the percentage.
    Pending,
}

/// How many incidents met a target.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Default)]
pub struct Compliance {
    /// Met.
    pub met: u64,
    /// Missed.
    pub missed: u64,
    /// Without a verdict, left out of `percent`.
    pub pending: u64,
    /// `met / (met + missed) × 100`; none when nothing was judged.
    pub percent: Option<f64>,
}

impl Compliance {
    /// Counts one verdict.
    pub fn add(&mut self, v: Verdict) {
        match v {
            Verdict::Met => self.met += 1,
            Verdict::Missed => self.missed += 1,
            Verdict::Pending => self.pending += 1,
        }
        let judged = self.met + self.missed;
        self.percent = (judged > 0).then(|| self.met as f64 * 100.0 / judged as f64);
    }
}

/// The acknowledge verdict: [`Clocks::sla_met`] at the report's moment.
pub fn ack_verdict(clocks: &Clocks) -> Verdict {
    match clocks.sla_met {
        Some(true) => Verdict::Met,
        Some(false) => Verdict::Missed,
        None => Verdict::Pending,
    }
}

/// The update verdict, given the subject's clocks at the report's moment (see the module
/// documentation).
pub fn update_verdict(s: &Subject, clocks: &Clocks, policy: &Policy) -> Verdict {
    let Some(level) = policy.find(&s.incident.severity) else {
        return Verdict::Pending;
    };
    let late_now = clocks.update.is_some_and(|d| d.breached());
    if late_now || s.longest_silence > level.update_every {
        Verdict::Missed
    } else if s.incident.status.is_open() {
        Verdict::Pending
    } else {
        Verdict::Met
    }
}
