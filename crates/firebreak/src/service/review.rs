//! Drafting the post-incident review: the incident as recorded, with what verifying its journal
//! found, arranged by [`firebreak_core::review::Review::build`]. The CLI prints it; the server
//! can render the same value.

use firebreak_core::IncidentId;
use firebreak_core::review::{Chain, Review};

use super::{Service, ServiceError};

impl Service {
    /// The review of incident `id`, drafted from its journal. The journal is verified first
    /// (hashes, seal, step outputs) and the result is part of the review; a chain too damaged
    /// to read is an error, as everywhere else.
    pub async fn review(&self, id: &IncidentId) -> Result<Review, ServiceError> {
        let report = self.verify(Some(id)).await?;
        let (incident, events) = self.incident(id).await?;
        let chain = Chain {
            events: events.len() as u64,
            head_seq: incident.head.seq,
            head_hash: incident.head.hash.to_string(),
            verified: report.ok(),
            faults: report.faults.iter().map(ToString::to_string).collect(),
            key: report.key,
        };
        Ok(Review::build(
            &incident,
            &events,
            &self.config.policy,
            chain,
        ))
    }
}
