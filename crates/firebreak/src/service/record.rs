//! Declaring incidents and recording changes to them.

use std::sync::Arc;
use std::time::Duration;

use firebreak_core::decide::{self, Declaration};
use firebreak_core::journal::{ChainCheck, Digest, Event, Head};
use firebreak_core::seal::SealChecker;
use firebreak_core::summary::Summary;
use firebreak_core::{Change, DomainError, Incident, IncidentId};
use firebreak_store::{Batch, Loaded, SealRow, StoreError};
use jiff::Timestamp;

use super::{Service, ServiceError, hot};

/// How many times a change is re-decided after losing a race to another writer.
const ATTEMPTS: u32 = 64;

/// What a recorded change left behind.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// The incident after the change (shared with the service's folded copy: cloning it is
    /// cheap, and the fold is copied only if it changes while this is held).
    pub incident: Arc<Incident>,
    /// The events that were appended (the chain's queued messages among them).
    pub events: Vec<Event>,
    /// Why the communication chain could not be told of the change (a template that does not
    /// load or render); the change was recorded all the same.
    pub untold: Option<String>,
}

/// Folds freshly chained `events` into `incident`.
fn apply_all(incident: &mut Incident, events: &[Event]) -> Result<(), ServiceError> {
    for e in events {
        let change = e
            .change()
            .map_err(|err| ServiceError::Damaged(err.to_string()))?;
        incident.apply(e, &change);
    }
    Ok(())
}

fn fold(events: &[Event]) -> Result<Incident, ServiceError> {
    Incident::from_events(events).map_err(|e| ServiceError::Damaged(e.to_string()))
}

/// Checks an incident's stored chain and seal, and folds it; returns it with its events.
pub(super) fn check_and_fold(
    loaded: &Loaded,
    checker: &SealChecker,
) -> Result<(Incident, Vec<Event>), ServiceError> {
    let mut check = ChainCheck::new(&loaded.seal.incident);
    let events = loaded
        .events
        .iter()
        .map(|e| check.next(e))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|f| ServiceError::Damaged(f.to_string()))?;
    check_sealed(&loaded.seal, check.head(), checker)?;
    Ok((fold(&events)?, events))
}

/// Checks that the stored seal signs `head`, the head its events were checked up to.
pub(super) fn check_sealed(
    seal: &SealRow,
    head: Head,
    checker: &SealChecker,
) -> Result<(), ServiceError> {
    let sealed_hash: Option<Digest> = seal.hash.parse().ok();
    let sealed = seal.seq == head.seq as i64
        && sealed_hash == Some(head.hash)
        && checker.check_seal(
            seal.ordinal as u64,
            &seal.incident,
            head.seq,
            &head.hash,
            &seal.signature,
        );
    if !sealed {
        return Err(ServiceError::Damaged(format!(
            "{}: its events end at {} but its signed seal says {} (events removed, or the seal edited)",
            seal.incident, head.seq, seal.seq
        )));
    }
    Ok(())
}

impl Service {
    /// Declares a new incident; returns it as recorded.
    pub async fn declare(&self, request: &Declaration<'_>) -> Result<Recorded, ServiceError> {
        let changes = decide::declare(&self.config.policy, &self.config.checklists, request)?;
        let sealer = self.sealer()?;
        let now = request.now;
        let day = now.to_zoned(jiff::tz::TimeZone::UTC).date();
        let mut templates = None;
        let mut untold = None;
        let (batch, recovered) = self
            .store
            .declare(day, |id, ordinal| {
                let mut events = Event::chain(id, Head::default(), now, &self.actor, &changes);
                let mut incident = Incident::from_events(&events)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                untold = self
                    .with_chain(&mut incident, &mut events, &mut templates, now)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                Ok(Batch {
                    seal: sealer.seal(ordinal, &id.to_string(), &incident.head),
                    registry: Some(sealer.registry(ordinal)),
                    summary: Summary::from(&incident),
                    events,
                })
            })
            .await?;
        if let Some(recovered) = recovered {
            tracing::warn!("{recovered}");
        }
        let incident = fold(&batch.events)?;
        Ok(Recorded {
            incident: Arc::new(incident),
            events: batch.events,
            untold,
        })
    }

    /// Adds to `events` (just decided, and already folded into `incident`) the messages they
    /// owe the communication chain, folding those in too; returns why the chain could not be
    /// told, if it could not.
    fn with_chain(
        &self,
        incident: &mut Incident,
        events: &mut Vec<Event>,
        templates: &mut Option<firebreak_core::notify::Templates>,
        now: Timestamp,
    ) -> Result<Option<String>, ServiceError> {
        let told = self.tell_chain(incident, events, templates, now);
        if !told.changes.is_empty() {
            let more = Event::chain(incident.id, incident.head, now, &self.actor, &told.changes);
            apply_all(incident, &more)?;
            events.extend(more);
        }
        Ok(told.trouble)
    }

    /// Reads, checks and folds an incident.
    pub async fn incident(&self, id: &IncidentId) -> Result<(Incident, Vec<Event>), ServiceError> {
        let loaded = self.store.load(id).await?;
        check_and_fold(&loaded, &self.checker()?)
    }

    /// Records what `decide` makes of the incident's current state. The state is the one this
    /// process holds folded (see the `hot` module) — brought up to the stored seal first when no
    /// write of this process is under way — plus the changes queued before this one; the
    /// change is queued and written with them. If another writer appended first, or the write
    /// failed for a change queued before it, the incident is caught up and `decide` asked again,
    /// so a decision is always made against the state it is appended to.
    pub async fn change(
        &self,
        id: &IncidentId,
        decide: impl Fn(&Incident) -> Result<Vec<Change>, DomainError>,
    ) -> Result<Recorded, ServiceError> {
        let checker = self.checker()?;
        let entry = self.hot.entry(id);
        let mut templates = None;
        for attempt in 0..ATTEMPTS {
            let (recorded, mut told) = {
                let mut state = entry.state.lock().await;
                let state = &mut *state;
                let idle = state.pending.is_empty() && !state.writing;
                match state.known.as_mut() {
                    None => state.known = Some(hot::read_all(&self.store, id, &checker).await?),
                    Some(known) if idle && known.checked_at.elapsed() > hot::FULL_CHECK => {
                        state.known = Some(hot::read_all(&self.store, id, &checker).await?);
                    }
                    Some(known) if idle => {
                        hot::catch_up(&self.store, id, &checker, known).await?;
                    }
                    Some(_) => {}
                }
                let Some(known) = state.known.as_mut() else {
                    continue;
                };
                let changes = decide(&known.working)?;
                if changes.is_empty() {
                    // Nothing to record: the incident as it is (no transaction, no new seal).
                    return Ok(Recorded {
                        incident: known.working.clone(),
                        events: Vec::new(),
                        untold: None,
                    });
                }
                let now = Timestamp::now();
                let mut events = Event::chain(*id, known.working.head, now, &self.actor, &changes);
                let working = Arc::make_mut(&mut known.working);
                apply_all(working, &events)?;
                // The messages the change owes the communication chain join it, in the same
                // write.
                let untold = self.with_chain(working, &mut events, &mut templates, now)?;
                state.pending.extend_from_slice(&events);
                let recorded = Recorded {
                    incident: known.working.clone(),
                    events,
                    untold,
                };
                let told = state.collecting.subscribe();
                if !state.writing {
                    state.writing = true;
                    tokio::spawn(hot::write_queued(
                        self.store.clone(),
                        self.sealer()?,
                        *id,
                        entry.clone(),
                    ));
                }
                (recorded, told)
            };
            let outcome = told
                .wait_for(|o| !matches!(o, hot::Outcome::Waiting))
                .await
                .map(|o| o.clone())
                .unwrap_or(hot::Outcome::Retry);
            match outcome {
                hot::Outcome::Written => return Ok(recorded),
                hot::Outcome::Failed(f) => return Err(f.into()),
                hot::Outcome::Waiting | hot::Outcome::Retry => {
                    // Spread retries out so writers of other processes that collided do not
                    // collide again.
                    let jitter = u64::from(attempt.min(8)) * 3
                        + u64::from(Timestamp::now().subsec_nanosecond().unsigned_abs() % 7);
                    tokio::time::sleep(Duration::from_millis(jitter)).await;
                }
            }
        }
        Err(ServiceError::Busy(id.to_string(), ATTEMPTS))
    }
}
