//! One incident as a report sees it: its folded state, where it came from, and the longest time
//! it went without a stakeholder update while open. The last two come from the order of its
//! events, which [`crate::Incident`] does not keep, so a subject is folded alongside it.

use jiff::SignedDuration;
use serde::Serialize;

use crate::change::Change;
use crate::incident::{FoldError, Incident};
use crate::journal::Event;

/// What raised an incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OriginKind {
    /// A log detection rule (`scan --declare`, `watch --declare`).
    Rule,
    /// An alert received by the server (Alertmanager, a generic webhook).
    Alert,
    /// A person ran `declare` (or the API's equivalent) with no finding attached.
    Manual,
}

/// Where an incident came from: the finding recorded with its declaration, if any.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Origin {
    /// Rule, alert or manual.
    pub kind: OriginKind,
    /// The rule id (`ssh-brute-force`) or alert source (`alertmanager`, `webhook:grafana`);
    /// `manual` for manual declarations.
    pub name: String,
    /// The finding's key within its rule (`client=203.0.113.9`), for telling repeats apart.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

impl Origin {
    fn manual() -> Self {
        Origin {
            kind: OriginKind::Manual,
            name: "manual".into(),
            key: None,
        }
    }

    /// How the origin is shown and grouped: `rule ssh-brute-force`, `alert alertmanager`,
    /// `manual`.
    pub fn label(&self) -> String {
        match self.kind {
            OriginKind::Manual => self.name.clone(),
            OriginKind::Rule => format!("rule {}", self.name),
            OriginKind::Alert => format!("alert {}", self.name),
        }
    }

    /// The rule (or source) and key together, which name one recurring finding; none for
    /// manual declarations.
    pub fn repeat_key(&self) -> Option<String> {
        match (&self.kind, &self.key) {
            (OriginKind::Manual, _) => None,
            (_, Some(key)) => Some(format!("{} {key}", self.label())),
            (_, None) => Some(self.label()),
        }
    }
}

/// An incident folded for a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Subject {
    /// The incident as its events (up to the report's moment) make it.
    pub incident: Incident,
    /// Where it came from.
    pub origin: Origin,
    /// The longest completed gap between two stakeholder updates (declaration, note, status or
    /// severity change, reopening; the same events that move [`Incident::last_update_at`])
    /// while it was open. The running gap since the last update is not included: the report
    /// reads it from the clock.
    pub longest_silence: SignedDuration,
}

impl Subject {
    /// A subject from an incident's first event (its declaration).
    pub fn start(first: &Event) -> Result<Self, FoldError> {
        Ok(Subject {
            incident: Incident::from_events([first])?,
            origin: Origin::manual(),
            longest_silence: SignedDuration::ZERO,
        })
    }

    /// Folds the next event in, in order.
    pub fn apply(&mut self, e: &Event, change: &Change) {
        let i = &self.incident;
        let (was_open, last_update) = (i.status.is_open(), i.last_update_at);
        // The declaration's own batch (declared, commander, detected) shares its time; a
        // finding recorded later is more of the same, not where the incident came from.
        if let Change::Detected(d) = change
            && self.origin.kind == OriginKind::Manual
            && e.seq <= 3
            && e.at == i.declared.at
        {
            let alert = d.rule == "alertmanager" || d.rule.starts_with("webhook:");
            self.origin = Origin {
                kind: if alert {
                    OriginKind::Alert
                } else {
                    OriginKind::Rule
                },
                name: d.rule.clone(),
                key: Some(d.key.clone()),
            };
        }
        self.incident.apply(e, change);
        if was_open {
            let gap = self.incident.last_update_at.duration_since(last_update);
            self.longest_silence = self.longest_silence.max(gap);
        }
    }

    /// Folds a complete, ordered list of events.
    pub fn from_events<'a>(events: impl IntoIterator<Item = &'a Event>) -> Result<Self, FoldError> {
        let mut events = events.into_iter();
        let mut subject = Subject::start(events.next().ok_or(FoldError::Empty)?)?;
        for e in events {
            let change = e.change().map_err(|source| FoldError::Payload {
                incident: e.incident,
                seq: e.seq,
                source,
            })?;
            subject.apply(e, &change);
        }
        Ok(subject)
    }
}
