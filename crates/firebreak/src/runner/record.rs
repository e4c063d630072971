//! Where a run is recorded: an incident's journal (through the service, so every step is a
//! hash-chained, sealed event) or, without an incident, the practice log. Both are read back
//! the same way for `--resume`.

use firebreak_core::evidence::Collected;
use firebreak_core::run::{self, Progress, RunEntry};
use firebreak_core::{Change, IncidentId, decide};

use super::practice::PracticeLog;
use crate::service::Service;

/// Where a run is recorded.
pub enum Journal<'a> {
    /// An incident's journal.
    Incident {
        /// The service that appends to it.
        service: &'a Service,
        /// The incident.
        id: IncidentId,
    },
    /// The practice log.
    Practice {
        /// The log.
        log: PracticeLog,
        /// Who is practising.
        actor: String,
    },
}

impl Journal<'_> {
    /// Appends one run entry.
    pub async fn record(&self, change: Change) -> anyhow::Result<()> {
        match self {
            Journal::Incident { service, id } => {
                service
                    .change(id, |incident| decide::run_record(incident, &change))
                    .await?;
            }
            Journal::Practice { log, actor } => log.append(actor, &change)?,
        }
        Ok(())
    }

    /// Every run this journal holds.
    pub async fn runs(&self) -> anyhow::Result<Vec<Progress>> {
        let changes: Vec<Change> = match self {
            Journal::Incident { service, id } => {
                let (_, events) = service.incident(id).await?;
                events.iter().filter_map(|e| e.change().ok()).collect()
            }
            Journal::Practice { log, .. } => log.entries()?.into_iter().map(|e| e.change).collect(),
        };
        Ok(run::runs(changes.iter().filter_map(|c| match c {
            Change::RunStarted(s) => Some(RunEntry::Started(s)),
            Change::StepRecorded(s) => Some(RunEntry::Step(s)),
            Change::RunFinished(f) => Some(RunEntry::Finished(f)),
            _ => None,
        })))
    }

    /// Records collected items as the incident's evidence and returns their ids (`E3`, …).
    /// Practice has no incident to hold evidence, so nothing is recorded there.
    pub async fn add_evidence(
        &self,
        collected: &[Collected],
        reason: &str,
    ) -> anyhow::Result<Vec<String>> {
        let Journal::Incident { service, id } = self else {
            return Ok(Vec::new());
        };
        if collected.is_empty() {
            return Ok(Vec::new());
        }
        let recorded = service
            .change(id, |incident| {
                decide::add_evidence(incident, collected, Some(reason))
            })
            .await?;
        Ok(recorded
            .events
            .iter()
            .filter_map(|e| match e.change() {
                Ok(Change::EvidenceAdded(item)) => Some(item.id),
                _ => None,
            })
            .collect())
    }

    /// How much evidence the incident holds (none for practice).
    pub async fn evidence(&self) -> anyhow::Result<u32> {
        match self {
            Journal::Incident { service, id } => Ok(service.incident(id).await?.0.evidence),
            Journal::Practice { .. } => Ok(0),
        }
    }
}
