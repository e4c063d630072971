//! The incidents this process writes to, kept folded in memory with their verified head, and
//! the group commit that writes their changes — so that an append does not re-read and re-check
//! the incident's whole chain, and changes to one busy incident share a transaction (one
//! `fsync`) instead of queueing for one each.
//!
//! The first change to an incident reads, checks and folds its whole chain, as
//! [`Service::incident`](super::Service::incident) does; the folded state stays here. Before a
//! change is decided while none of this process's writes to the incident is under way, the
//! stored seal and any events after the verified head are read (so a change another process
//! made is seen, and a decision is not refused against an old state). A change
//! is decided against that state plus the changes decided before it and not yet written, chained
//! onto them (each change still its own events, each event linked to the previous hash), and
//! queued. One writer task per incident writes what is queued in one transaction, re-sealing
//! the new head once; changes queued while it writes go in its next transaction.
//!
//! What keeps a chain edited behind this process's back from being extended:
//! - every write is a compare-and-swap on the stored seal: it lands only if the stored head is
//!   still the verified head held here. If it is not (another process appended, or someone
//!   edited the seal or cut events off), nothing is written, the events after the verified head
//!   are read and checked against it and against the seal's signature, and a chain that does not
//!   check out is refused as damaged (after a full re-read, in case the whole store was
//!   restored). A stored seal row identical, field for field, to the one last checked or
//!   written here needs no second signature check; any other row is checked;
//! - an edit to the content of an event already checked leaves the head alone; the whole chain
//!   is read and checked again once the state held here is older than [`FULL_CHECK`], so such
//!   an edit is refused by the first write after that;
//! - `firebreak verify` checks every event of every incident.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use firebreak_core::journal::{ChainCheck, Event};
use firebreak_core::seal::{SealChecker, Sealer};
use firebreak_core::summary::Summary;
use firebreak_core::{Incident, IncidentId};
use firebreak_store::{Batch, Loaded, SealRow, Store, StoreError};
use tokio::sync::watch;

use super::ServiceError;
use super::record::{check_and_fold, check_sealed};

/// How long a folded incident is trusted before its whole chain is read and checked again.
pub(crate) const FULL_CHECK: Duration = Duration::from_secs(300);

/// How many incidents are kept folded; beyond this, the least recently used idle ones go.
const KEPT: usize = 512;

/// What became of a queued change's transaction.
#[derive(Debug, Clone)]
pub(super) enum Outcome {
    /// Not written yet.
    Waiting,
    /// Committed.
    Written,
    /// Not written because the stored head had moved (or a change before it was not written):
    /// decide again.
    Retry,
    /// Not written: the database failed.
    Failed(Failure),
}

/// Why a transaction failed, for every change that was in it.
#[derive(Debug, Clone)]
pub(super) enum Failure {
    /// The disk under the database is full.
    DiskFull,
    /// Another error, as text.
    Other(String),
}

impl From<Failure> for ServiceError {
    fn from(f: Failure) -> Self {
        match f {
            Failure::DiskFull => ServiceError::Store(StoreError::DiskFull),
            Failure::Other(what) => ServiceError::WriteFailed(what),
        }
    }
}

/// An incident as this process knows it.
pub(super) struct Known {
    /// As stored: the fold of the events up to the verified head.
    pub(super) committed: Incident,
    /// `committed` plus the changes queued and not yet written. Shared with the answers of the
    /// changes that made it (copied only when a change arrives while such an answer is still
    /// held), so an append does not copy an incident that may carry thousands of notes.
    pub(super) working: Arc<Incident>,
    /// The stored seal as last checked or written here: when the stored one is still exactly
    /// this row, its signature need not be checked again.
    pub(super) sealed: SealRow,
    /// The incident's position in the registry (signed into its seal).
    pub(super) ordinal: u64,
    /// The incident id as its seal names it.
    pub(super) sealed_as: String,
    /// When the whole chain was last read and checked.
    pub(super) checked_at: Instant,
}

/// One incident's state, queue and writer.
pub(super) struct Entry {
    pub(super) state: tokio::sync::Mutex<State>,
}

/// What is guarded by the entry's lock.
pub(super) struct State {
    /// The folded incident, once read.
    pub(super) known: Option<Known>,
    /// Events decided and chained, waiting for the next transaction.
    pub(super) pending: Vec<Event>,
    /// Where the next transaction's outcome will be told.
    pub(super) collecting: Arc<watch::Sender<Outcome>>,
    /// Whether a writer task is running.
    pub(super) writing: bool,
}

impl Entry {
    fn new() -> Self {
        Self {
            state: tokio::sync::Mutex::new(State {
                known: None,
                pending: Vec::new(),
                collecting: Arc::new(watch::channel(Outcome::Waiting).0),
                writing: false,
            }),
        }
    }
}

/// The folded incidents of this process.
#[derive(Default)]
pub(crate) struct Hot {
    entries: Mutex<HashMap<IncidentId, (Arc<Entry>, u64)>>,
    tick: std::sync::atomic::AtomicU64,
}

impl Hot {
    /// The entry of incident `id`, made if needed.
    pub(super) fn entry(&self, id: &IncidentId) -> Arc<Entry> {
        let tick = self.tick.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let Ok(mut entries) = self.entries.lock() else {
            // A poisoned map only costs the cache: an entry of one's own reads afresh.
            return Arc::new(Entry::new());
        };
        if let Some((entry, used)) = entries.get_mut(id) {
            *used = tick;
            return entry.clone();
        }
        if entries.len() >= KEPT {
            let mut idle: Vec<(u64, IncidentId)> = entries
                .iter()
                .filter(|(_, (e, _))| Arc::strong_count(e) == 1)
                .map(|(id, (_, used))| (*used, *id))
                .collect();
            idle.sort_unstable();
            for (_, old) in idle.iter().take(entries.len() + 1 - KEPT / 2) {
                entries.remove(old);
            }
        }
        let entry = Arc::new(Entry::new());
        entries.insert(*id, (entry.clone(), tick));
        entry
    }
}

/// Reads, checks and folds the whole chain.
pub(super) async fn read_all(
    store: &Store,
    id: &IncidentId,
    checker: &SealChecker,
) -> Result<Known, ServiceError> {
    let loaded = store.load(id).await?;
    let (incident, _) = check_and_fold(&loaded, checker)?;
    Ok(known(incident, &loaded))
}

fn known(incident: Incident, loaded: &Loaded) -> Known {
    Known {
        working: Arc::new(incident.clone()),
        committed: incident,
        ordinal: loaded.seal.ordinal.max(0) as u64,
        sealed_as: loaded.seal.incident.clone(),
        sealed: loaded.seal.clone(),
        checked_at: Instant::now(),
    }
}

/// Brings `known` up to the stored head by reading only the events after its verified head,
/// checking they continue it and that the stored seal signs where they end. When they do not,
/// the whole chain is read again (the store may have been restored) and refused if damaged.
pub(super) async fn catch_up(
    store: &Store,
    id: &IncidentId,
    checker: &SealChecker,
    known: &mut Known,
) -> Result<(), ServiceError> {
    let loaded = store.load_after(id, known.committed.head.seq).await?;
    if loaded.events.is_empty()
        && (loaded.seal == known.sealed
            || check_sealed(&loaded.seal, known.committed.head, checker).is_ok())
    {
        // Nobody else appended: the state held here is the stored one.
        known.sealed = loaded.seal;
        return Ok(());
    }
    let mut check = ChainCheck::after(&loaded.seal.incident, known.committed.head);
    let tail: Result<Vec<Event>, _> = loaded.events.iter().map(|e| check.next(e)).collect();
    let continued = match tail {
        Ok(events) if check_sealed(&loaded.seal, check.head(), checker).is_ok() => {
            let mut next = known.committed.clone();
            let applied = events
                .iter()
                .try_for_each(|e| e.change().map(|change| next.apply(e, &change)));
            applied.is_ok().then_some(next)
        }
        _ => None,
    };
    match continued {
        Some(next) => {
            known.working = Arc::new(next.clone());
            known.committed = next;
            known.sealed = loaded.seal;
        }
        None => *known = read_all(store, id, checker).await?,
    }
    Ok(())
}

/// Writes what is queued on `entry`, transaction after transaction, until nothing is left.
/// Runs as a task of its own, so a caller that goes away cannot leave a write half done.
pub(super) async fn write_queued(
    store: Store,
    sealer: Arc<Sealer>,
    id: IncidentId,
    entry: Arc<Entry>,
) {
    loop {
        let mut state = entry.state.lock().await;
        let Some(known) = state.known.as_ref() else {
            state.writing = false;
            return;
        };
        if state.pending.is_empty() {
            state.writing = false;
            return;
        }
        let expected = known.committed.head;
        let head = known.working.head;
        let sealed = SealRow {
            incident: known.sealed_as.clone(),
            ordinal: known.ordinal as i64,
            seq: head.seq as i64,
            hash: head.hash.to_string(),
            signature: sealer.seal(known.ordinal, &known.sealed_as, &head),
        };
        let batch = Batch {
            seal: sealed.signature.clone(),
            registry: None,
            summary: Summary::from(&*known.working),
            events: std::mem::take(&mut state.pending),
        };
        let told = std::mem::replace(
            &mut state.collecting,
            Arc::new(watch::channel(Outcome::Waiting).0),
        );
        drop(state);

        let written = store.append(&id, expected, &batch).await;

        let mut state = entry.state.lock().await;
        let state = &mut *state;
        let outcome = match written {
            Ok(()) => {
                if let Some(known) = state.known.as_mut() {
                    for e in &batch.events {
                        if let Ok(change) = e.change() {
                            known.committed.apply(e, &change);
                        }
                    }
                    known.sealed = sealed;
                }
                Outcome::Written
            }
            Err(e) => {
                // Whatever was decided on top of this batch is void too: its changes go back to
                // be decided again against the incident as stored.
                if let Some(known) = state.known.as_mut() {
                    known.working = Arc::new(known.committed.clone());
                }
                state.pending.clear();
                let later = std::mem::replace(
                    &mut state.collecting,
                    Arc::new(watch::channel(Outcome::Waiting).0),
                );
                later.send_replace(Outcome::Retry);
                match e {
                    StoreError::Conflict(_) => Outcome::Retry,
                    StoreError::DiskFull => Outcome::Failed(Failure::DiskFull),
                    other => Outcome::Failed(Failure::Other(other.to_string())),
                }
            }
        };
        told.send_replace(outcome);
    }
}
