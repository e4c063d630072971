//! Turning log detections into incidents: a finding attaches to the open incident that already
//! carries the same rule and key, or declares a new one with the rule's severity. Deduplication
//! across time is the detection engine's job; this only decides where a finding lands.

use firebreak_core::decide::{self, Declaration};
use firebreak_core::detection::Detection;
use firebreak_core::{Incident, IncidentId};
use firebreak_store::ListFilter;
use jiff::Timestamp;

use super::{Service, ServiceError};

/// Longest title given to an incident a detection declares.
const TITLE_CHARS: usize = 160;

/// Where a detection was recorded.
#[derive(Debug, Clone)]
pub enum Landed {
    /// A new incident was declared for it.
    Declared(Incident),
    /// It was added to this open incident (same rule and key).
    Added(Incident),
}

impl Landed {
    /// The incident it landed on.
    pub fn incident(&self) -> &Incident {
        match self {
            Landed::Declared(i) | Landed::Added(i) => i,
        }
    }
}

impl Service {
    /// The open incident that already carries this rule and key, if any.
    pub async fn open_incident_for(
        &self,
        rule: &str,
        key: &str,
    ) -> Result<Option<IncidentId>, ServiceError> {
        let open = self
            .store
            .list(&ListFilter {
                open: true,
                ..ListFilter::default()
            })
            .await?;
        for summary in open {
            let (incident, _) = self.incident(&summary.id).await?;
            if incident.detections.iter().any(|d| d.same_as(rule, key)) {
                return Ok(Some(summary.id));
            }
        }
        Ok(None)
    }

    /// Records a detection: on `known` (an open incident with the same rule and key, found
    /// earlier by the caller) or the one [`Service::open_incident_for`] finds; otherwise on a new
    /// incident of `severity`, started when the first counted line was written.
    pub async fn record_detection(
        &self,
        found: &Detection,
        severity: &str,
        known: Option<IncidentId>,
    ) -> Result<Landed, ServiceError> {
        let target = match known {
            Some(id) => Some(id),
            None => self.open_incident_for(&found.rule, &found.key).await?,
        };
        if let Some(id) = target {
            match self.change(&id, |i| decide::detected(i, found)).await {
                Ok(recorded) => return Ok(Landed::Added(recorded.incident)),
                // Resolved since we looked: the finding opens a new incident below.
                Err(ServiceError::Refused(_)) => {}
                Err(other) => return Err(other),
            }
        }
        let now = Timestamp::now();
        // Keys come from log lines: keep the title one line and within the declared maximum.
        let title: String = format!("{}: {}", found.title, found.key)
            .chars()
            .map(|c| if c.is_control() { '?' } else { c })
            .take(TITLE_CHARS)
            .collect();
        let summary = format!(
            "Raised by detection rule {} from {}.",
            found.rule, found.source
        );
        let started_at = found.first_seen.filter(|t| *t <= now);
        let request = Declaration {
            title: &title,
            summary: Some(&summary),
            severity,
            started_at,
            detected_at: None,
            commander: None,
            detection: Some(found),
            now,
        };
        Ok(Landed::Declared(self.declare(&request).await?.incident))
    }
}
