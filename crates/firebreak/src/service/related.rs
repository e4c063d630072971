//! Merging and linking incidents (see [`firebreak_core::related`]): two appends, one on each
//! incident's journal, in an order that can be repeated. A merge records the taking-in on the
//! incident that stays first and the closing on the one merged away second, so a merge stopped
//! between the two is finished by running it again; a link records on both.

use firebreak_core::{DomainError, IncidentId, related};

use super::{Recorded, Service, ServiceError};

/// How many merges a finding's lookup follows before giving up (a merges into b into c …).
const MERGE_HOPS: usize = 8;

impl Service {
    /// Merges `from` into `into`: `into` takes `from`'s findings, `from` is closed pointing at
    /// `into`. Returns both records (`into`'s first); either may be empty when a first run had
    /// already recorded it.
    pub async fn merge(
        &self,
        from: &IncidentId,
        into: &IncidentId,
        reason: Option<&str>,
    ) -> Result<(Vec<Recorded>, Vec<Recorded>), ServiceError> {
        let (source, _) = self.incident(from).await?;
        let taken = match self
            .change(into, |i| related::merge_into(i, &source, reason))
            .await
        {
            Ok(r) => vec![r],
            // A first run recorded this half and stopped: finish the other half.
            Err(ServiceError::Refused(DomainError::NoChange(_)))
                if source.merged_into.is_none() =>
            {
                let (target, _) = self.incident(into).await?;
                if !target.merged_from.contains(&from.to_string()) {
                    self.change(into, |i| related::merge_into(i, &source, reason))
                        .await?;
                }
                Vec::new()
            }
            Err(e) => return Err(e),
        };
        let closed = self
            .change(from, |i| related::merge_from(i, into, reason))
            .await?;
        Ok((taken, vec![closed]))
    }

    /// Records on both `a` and `b` that they are related. A side that already records the link
    /// is left as it is; refused only when both do.
    pub async fn link(
        &self,
        a: &IncidentId,
        b: &IncidentId,
        reason: Option<&str>,
    ) -> Result<Vec<Recorded>, ServiceError> {
        let (first, _) = self.incident(a).await?;
        let (second, _) = self.incident(b).await?;
        let mut recorded = Vec::new();
        let mut refusal = None;
        for (this, other) in [(a, &second), (b, &first)] {
            match self.change(this, |i| related::link(i, other, reason)).await {
                Ok(r) => recorded.push(r),
                Err(ServiceError::Refused(e @ DomainError::NoChange(_))) => refusal = Some(e),
                Err(e) => return Err(e),
            }
        }
        match (recorded.is_empty(), refusal) {
            (true, Some(e)) => Err(ServiceError::Refused(e)),
            _ => Ok(recorded),
        }
    }

    /// Where a finding of `rule` and `key` belongs when no open incident carries it: the
    /// incident it last landed on, followed through merges to the one still open.
    pub async fn merged_home_of(
        &self,
        rule: &str,
        key: &str,
    ) -> Result<Option<IncidentId>, ServiceError> {
        let Some(mut id) = self.store.latest_incident_with(rule, key).await? else {
            return Ok(None);
        };
        for _ in 0..MERGE_HOPS {
            // A damaged incident is not followed: the finding opens a new one instead.
            let Ok((incident, _)) = self.incident(&id).await else {
                return Ok(None);
            };
            match &incident.merged_into {
                Some(next) => match next.parse() {
                    Ok(next) => id = next,
                    Err(_) => return Ok(None),
                },
                None => return Ok(incident.status.is_open().then_some(id)),
            }
        }
        Ok(None)
    }
}
