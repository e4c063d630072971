//! Reading the store for a response report: every event once, in one read snapshot, folding
//! the incidents declared in the report's window as of its end. The figures themselves are
//! `firebreak_core::report`'s.

use firebreak_core::IncidentId;
use firebreak_core::journal::ChainCheck;
use firebreak_core::report::{self, Report, Scope, Subject};
use firebreak_store::StoreError;

use super::{Service, ServiceError};

/// The incident being folded, or one being skipped.
enum Current {
    None,
    Skipping(String),
    Folding(String, ChainCheck, Box<Subject>),
}

impl Service {
    /// The response report over `scope` under the configured policy.
    ///
    /// Every event is read once in key order (the same stream `verify` and `reindex` read);
    /// events of incidents whose id day lies outside the window are skipped unparsed, and
    /// events after the window's end are not folded in. Each folded chain is checked event by
    /// event as it is read; a damaged one stops the report (`verify` names it). Seals are
    /// `verify`'s job.
    pub async fn report(&self, scope: &Scope) -> Result<Report, ServiceError> {
        let subjects = self.report_subjects(scope).await?;
        Ok(report::build(&subjects, scope, &self.config.policy))
    }

    /// The incidents a report over `scope` folds, each as of the window's end.
    pub async fn report_subjects(&self, scope: &Scope) -> Result<Vec<Subject>, ServiceError> {
        let window = scope.window;
        let utc = jiff::tz::TimeZone::UTC;
        // An id carries its declaration's UTC day; a day's margin either side is only caution.
        let first_day = window.since.to_zoned(utc.clone()).date().yesterday().ok();
        let last_day = window.until.to_zoned(utc).date().tomorrow().ok();
        let in_days = |id: &IncidentId| {
            first_day.is_none_or(|d| id.day() >= d) && last_day.is_none_or(|d| id.day() <= d)
        };
        let mut subjects = Vec::new();
        let mut current = Current::None;
        let mut failure: Option<String> = None;
        let mut snapshot = self.store.snapshot().await?;
        snapshot
            .each_event(|stored| {
                if failure.is_some() {
                    return Ok::<(), StoreError>(());
                }
                let same = match &current {
                    Current::None => false,
                    Current::Skipping(id) | Current::Folding(id, ..) => *id == stored.incident,
                };
                if !same {
                    if let Current::Folding(_, _, done) =
                        std::mem::replace(&mut current, Current::None)
                    {
                        subjects.push(*done);
                    }
                    let wanted = stored
                        .incident
                        .parse::<IncidentId>()
                        .is_ok_and(|id| in_days(&id));
                    if !wanted {
                        current = Current::Skipping(stored.incident);
                        return Ok(());
                    }
                    let mut check = ChainCheck::new(&stored.incident);
                    let step = check
                        .next(&stored)
                        .map_err(|f| f.to_string())
                        .and_then(|first| Subject::start(&first).map_err(|e| e.to_string()));
                    match step {
                        Ok(subject) if window.contains(subject.incident.declared.at) => {
                            current = Current::Folding(stored.incident, check, Box::new(subject));
                        }
                        Ok(_) => current = Current::Skipping(stored.incident),
                        Err(e) => failure = Some(e),
                    }
                    return Ok(());
                }
                if let Current::Folding(_, check, subject) = &mut current {
                    let step = check
                        .next(&stored)
                        .map_err(|f| f.to_string())
                        .and_then(|e| {
                            // Later events are checked but not folded: the report is as of `until`.
                            if e.at >= window.until {
                                return Ok(());
                            }
                            let change = e.change().map_err(|err| {
                                format!("{} event {}: {err}", stored.incident, stored.seq)
                            })?;
                            subject.apply(&e, &change);
                            Ok(())
                        });
                    failure = step.err();
                }
                Ok(())
            })
            .await?;
        snapshot.finish().await?;
        if let Some(f) = failure {
            return Err(ServiceError::Damaged(f));
        }
        if let Current::Folding(_, _, done) = current {
            subjects.push(*done);
        }
        Ok(subjects)
    }
}
