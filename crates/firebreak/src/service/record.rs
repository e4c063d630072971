//! Declaring incidents and recording changes to them.

use std::time::Duration;

use firebreak_core::decide::{self, Declaration};
use firebreak_core::journal::{ChainCheck, Digest, Event, Head};
use firebreak_core::seal::SealChecker;
use firebreak_core::summary::Summary;
use firebreak_core::{Change, DomainError, Incident, IncidentId};
use firebreak_store::{Batch, Loaded, StoreError};
use jiff::Timestamp;

use super::{Service, ServiceError};

/// How many times a change is re-decided after losing a race to another writer.
const ATTEMPTS: u32 = 64;

/// What a recorded change left behind.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// The incident after the change.
    pub incident: Incident,
    /// The events that were appended (the chain's queued messages among them).
    pub events: Vec<Event>,
    /// Why the communication chain could not be told of the change (a template that does not
    /// load or render); the change was recorded all the same.
    pub untold: Option<String>,
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
    let head = check.head();
    let seal = &loaded.seal;
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
    Ok((fold(&events)?, events))
}

fn applied(incident: &Incident, events: &[Event]) -> Result<Incident, ServiceError> {
    let mut next = incident.clone();
    for e in events {
        let change = e
            .change()
            .map_err(|err| ServiceError::Damaged(err.to_string()))?;
        next.apply(e, &change);
    }
    Ok(next)
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
        let batch = self
            .store
            .declare(day, |id, ordinal| {
                let events = Event::chain(id, Head::default(), now, &self.actor, &changes);
                let incident = Incident::from_events(&events)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                let (incident, events) = self
                    .with_chain(incident, events, &mut templates, &mut untold, now)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                Ok(Batch {
                    seal: sealer.seal(ordinal, &id.to_string(), &incident.head),
                    registry: Some(sealer.registry(ordinal)),
                    summary: Summary::from(&incident),
                    events,
                })
            })
            .await?;
        let incident = fold(&batch.events)?;
        Ok(Recorded {
            incident,
            events: batch.events,
            untold,
        })
    }

    /// `events` (just decided, leaving the incident as `after`) followed by the messages they
    /// owe the communication chain, and the incident after those too.
    fn with_chain(
        &self,
        after: Incident,
        mut events: Vec<Event>,
        templates: &mut Option<firebreak_core::notify::Templates>,
        untold: &mut Option<String>,
        now: Timestamp,
    ) -> Result<(Incident, Vec<Event>), ServiceError> {
        let told = self.tell_chain(&after, &events, templates, now);
        *untold = told.trouble;
        if told.changes.is_empty() {
            return Ok((after, events));
        }
        let more = Event::chain(after.id, after.head, now, &self.actor, &told.changes);
        let after = applied(&after, &more)?;
        events.extend(more);
        Ok((after, events))
    }

    /// Reads, checks and folds an incident.
    pub async fn incident(&self, id: &IncidentId) -> Result<(Incident, Vec<Event>), ServiceError> {
        let loaded = self.store.load(id).await?;
        check_and_fold(&loaded, &self.checker()?)
    }

    /// Records what `decide` makes of the incident's current state. If another writer appends
    /// first, the incident is re-read and `decide` asked again, so a decision is always made
    /// against the state it is appended to.
    pub async fn change(
        &self,
        id: &IncidentId,
        decide: impl Fn(&Incident) -> Result<Vec<Change>, DomainError>,
    ) -> Result<Recorded, ServiceError> {
        let sealer = self.sealer()?;
        let checker = sealer.checker();
        // Changes to one incident through this process go one at a time: racing each other to
        // the same head would only make all but one re-read and retry.
        let turn = self.turns.of(id);
        let _turn = turn.lock().await;
        let mut templates = None;
        let mut untold = None;
        for attempt in 0..ATTEMPTS {
            let loaded = self.store.load(id).await?;
            let (incident, _) = check_and_fold(&loaded, &checker)?;
            let changes = decide(&incident)?;
            let now = Timestamp::now();
            let events = Event::chain(*id, incident.head, now, &self.actor, &changes);
            let next = applied(&incident, &events)?;
            let (next, events) = self.with_chain(next, events, &mut templates, &mut untold, now)?;
            let batch = Batch {
                seal: sealer.seal(
                    loaded.seal.ordinal as u64,
                    &loaded.seal.incident,
                    &next.head,
                ),
                registry: None,
                summary: Summary::from(&next),
                events,
            };
            match self.store.append(id, incident.head, &batch).await {
                Ok(()) => {
                    return Ok(Recorded {
                        incident: next,
                        events: batch.events,
                        untold,
                    });
                }
                Err(StoreError::Conflict(_)) => {
                    // Spread retries out so writers that collided do not collide again.
                    let jitter = u64::from(attempt.min(8)) * 3
                        + u64::from(Timestamp::now().subsec_nanosecond().unsigned_abs() % 7);
                    tokio::time::sleep(Duration::from_millis(jitter)).await;
                }
                Err(other) => return Err(other.into()),
            }
        }
        Err(ServiceError::Busy(id.to_string(), ATTEMPTS))
    }
}
