//! The communication chain: per severity level, who hears about an incident at each moment of
//! its life, and who is paged, step by step, when a deadline is missed; and which recorded
//! changes are such moments ([`occasions`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::message::Reason;
use crate::change::Change;
use crate::journal::Event;
use crate::policy::Policy;
use crate::status::Status;

/// The moments the chain names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Moment {
    /// The incident was declared at this level.
    Declare,
    /// The severity was raised to this level.
    Raised,
    /// The status changed.
    Status,
}

/// One level's chain, every name a contact or team.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChainLevel {
    /// Told when an incident is declared at this level. When not given, the names in the
    /// policy level's `notify` list that are contacts or teams.
    #[serde(default)]
    pub declare: Vec<String>,
    /// Told when an incident's severity is raised to this level.
    #[serde(default)]
    pub raised: Vec<String>,
    /// Told of each status change.
    #[serde(default)]
    pub status: Vec<String>,
    /// Paged in order, one step per missed deadline, after the backups of those told on
    /// declaration.
    #[serde(default)]
    pub escalate: Vec<String>,
}

/// The chain for every level, by the policy's level names.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Chain {
    pub(crate) levels: BTreeMap<String, ChainLevel>,
}

impl Chain {
    /// The chain of `level` (empty when the config names none).
    pub fn level(&self, level: &str) -> ChainLevel {
        self.levels.get(level).cloned().unwrap_or_default()
    }

    /// Who is told at `moment` for an incident at `level`.
    pub fn at(&self, level: &str, moment: Moment) -> Vec<String> {
        let l = self.level(level);
        match moment {
            Moment::Declare => l.declare,
            Moment::Raised => l.raised,
            Moment::Status => l.status,
        }
    }

    /// Every level with a chain.
    pub fn levels(&self) -> impl Iterator<Item = (&String, &ChainLevel)> {
        self.levels.iter()
    }
}

/// A recorded change the chain hears about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occasion {
    /// Which of the chain's lists is told.
    pub moment: Moment,
    /// The sequence number of the event that is the news.
    pub cause: u64,
    /// What happened, in words, for the template's `message` (none for a declaration: the
    /// template says it all).
    pub message: Option<String>,
}

impl Occasion {
    /// Why a message sent for this occasion was queued.
    pub fn reason(&self) -> Reason {
        match self.moment {
            Moment::Declare => Reason::Declare,
            Moment::Raised => Reason::Raised,
            Moment::Status => Reason::Status,
        }
    }
}

/// The occasions among freshly recorded `events`: a declaration, a severity raised (to a more
/// severe level of `policy`; lowering it tells nobody), a status change or a reopening.
/// Closing is bookkeeping after the review and tells nobody; the chain heard of the resolution.
pub fn occasions(events: &[Event], policy: &Policy) -> Vec<Occasion> {
    let with_reason = |what: String, reason: &Option<String>| match reason {
        Some(r) => format!("{what}: {r}"),
        None => what,
    };
    events
        .iter()
        .filter_map(|e| {
            let (moment, message) = match e.change().ok()? {
                Change::Declared(_) => (Moment::Declare, None),
                Change::SeverityChanged { from, to, reason }
                    if policy.rank(&to) < policy.rank(&from) =>
                {
                    let what = format!("severity raised from {from} to {to}");
                    (Moment::Raised, Some(with_reason(what, &reason)))
                }
                Change::StatusChanged { from, to, reason } if to != Status::Closed => {
                    let what = format!("status changed from {from} to {to}");
                    (Moment::Status, Some(with_reason(what, &reason)))
                }
                Change::Reopened { from, reason } => (
                    Moment::Status,
                    Some(format!("reopened (it was {from}): {reason}")),
                ),
                _ => return None,
            };
            Some(Occasion {
                moment,
                cause: e.seq,
                message,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id::IncidentId;
    use crate::journal::Head;

    fn moments(changes: &[Change]) -> Vec<(Moment, Option<String>)> {
        let policy = Policy::preset("default").expect("preset");
        let id = IncidentId::new(jiff::civil::date(2026, 12, 7), 1);
        let events = Event::chain(id, Head::default(), jiff::Timestamp::now(), "t", changes);
        occasions(&events, &policy)
            .into_iter()
            .map(|o| (o.moment, o.message))
            .collect()
    }

    #[test]
    fn raising_and_status_changes_are_news_but_lowering_and_closing_are_not() {
        let sev = |from: &str, to: &str| Change::SeverityChanged {
            from: from.into(),
            to: to.into(),
            reason: None,
        };
        let status = |from, to| Change::StatusChanged {
            from,
            to,
            reason: Some("fixed".into()),
        };
        assert_eq!(
            moments(&[sev("P2", "P1"), sev("P1", "P3")]),
            [(Moment::Raised, Some("severity raised from P2 to P1".into()))]
        );
        assert_eq!(
            moments(&[
                status(Status::Investigating, Status::Resolved),
                status(Status::Resolved, Status::Closed)
            ]),
            [(
                Moment::Status,
                Some("status changed from investigating to resolved: fixed".into())
            )]
        );
    }
}
