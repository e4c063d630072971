//! `reindex`: rebuild the listing projection from the journal alone.

use firebreak_core::Incident;
use firebreak_core::journal::ChainCheck;
use firebreak_core::summary::Summary;
use firebreak_store::StoreError;
use serde::Serialize;

use super::{Service, ServiceError};

/// What a reindex did.
#[derive(Debug, Clone, Serialize)]
pub struct ReindexReport {
    /// Incidents rebuilt.
    pub incidents: u64,
    /// Events folded.
    pub events: u64,
}

impl Service {
    /// Rebuilds every listing row by folding every incident's events. Refuses, changing nothing,
    /// if any chain is damaged.
    pub async fn reindex(&self) -> Result<ReindexReport, ServiceError> {
        let mut rows: Vec<Summary> = Vec::new();
        let mut current: Option<(ChainCheck, Incident)> = None;
        let mut events = 0u64;
        let mut failure: Option<String> = None;
        let mut snapshot = self.store.snapshot().await?;
        snapshot
            .each_event(|stored| {
                events += 1;
                if failure.is_some() {
                    return Ok::<(), StoreError>(());
                }
                let step = (|| -> Result<(), String> {
                    if current
                        .as_ref()
                        .is_none_or(|(_, i)| i.id.to_string() != stored.incident)
                    {
                        if let Some((_, done)) = current.take() {
                            rows.push(Summary::from(&done));
                        }
                        let mut check = ChainCheck::new(&stored.incident);
                        let first = check.next(&stored).map_err(|f| f.to_string())?;
                        let incident =
                            Incident::from_events([&first]).map_err(|e| e.to_string())?;
                        current = Some((check, incident));
                        return Ok(());
                    }
                    if let Some((check, incident)) = current.as_mut() {
                        let event = check.next(&stored).map_err(|f| f.to_string())?;
                        let change = event.change().map_err(|e| {
                            format!("{} event {}: {e}", stored.incident, stored.seq)
                        })?;
                        incident.apply(&event, &change);
                    }
                    Ok(())
                })();
                failure = step.err();
                Ok(())
            })
            .await?;
        snapshot.finish().await?;
        if let Some(f) = failure {
            return Err(ServiceError::Damaged(f));
        }
        if let Some((_, done)) = current.take() {
            rows.push(Summary::from(&done));
        }
        self.store.replace_projection(&rows).await?;
        Ok(ReindexReport {
            incidents: rows.len() as u64,
            events,
        })
    }
}
