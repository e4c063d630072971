//! The listing projection: one flat row per incident, derived from its folded state, stored so
//! that `ls` never has to replay journals. `reindex` rebuilds every row from the events.

use jiff::Timestamp;
use jiff::civil::Date;
use serde::Serialize;

use crate::id::IncidentId;
use crate::incident::Incident;
use crate::status::Status;

/// What a list of incidents shows about each one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Id.
    pub id: IncidentId,
    /// Title.
    pub title: String,
    /// Severity name.
    pub severity: String,
    /// Status.
    pub status: Status,
    /// When it began.
    pub started_at: Timestamp,
    /// When it was noticed.
    pub detected_at: Timestamp,
    /// When it was acknowledged.
    pub acknowledged_at: Option<Timestamp>,
    /// When it was contained.
    pub contained_at: Option<Timestamp>,
    /// When it was resolved.
    pub resolved_at: Option<Timestamp>,
    /// When it was closed.
    pub closed_at: Option<Timestamp>,
    /// Commander.
    pub commander: Option<String>,
    /// Last stakeholder update.
    pub last_update_at: Timestamp,
    /// Last event.
    pub updated_at: Timestamp,
    /// Open action items.
    pub open_actions: u32,
    /// Earliest due date among open action items.
    pub next_action_due: Option<Date>,
    /// Number of events.
    pub events: u64,
}

impl From<&Incident> for Summary {
    fn from(i: &Incident) -> Self {
        let open: Vec<_> = i.actions.iter().filter(|a| a.done.is_none()).collect();
        Summary {
            id: i.id,
            title: i.title.clone(),
            severity: i.severity.clone(),
            status: i.status,
            started_at: i.started_at,
            detected_at: i.detected_at,
            acknowledged_at: i.acknowledged.as_ref().map(|a| a.at),
            contained_at: i.contained_at,
            resolved_at: i.resolved_at,
            closed_at: i.closed_at,
            commander: i.commander().map(str::to_string),
            last_update_at: i.last_update_at,
            updated_at: i.updated_at,
            open_actions: open.len() as u32,
            next_action_due: open.iter().filter_map(|a| a.due).min(),
            events: i.head.seq,
        }
    }
}
