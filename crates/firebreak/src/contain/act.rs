//! The one path that changes blocks: `block`, `unblock` and expiry. Each takes this host's
//! containment lock, reads the blocks in force from the journal, asks the backend to enforce
//! the new set, and only then records the change. If the backend refuses (a failed `nginx -t`),
//! nothing is recorded; if recording fails, the backend is put back.

use std::collections::BTreeMap;
use std::time::Duration;

use firebreak_core::IncidentId;
use firebreak_core::contain::{self, Active, Blocks, Guard, Lifted, Net, Via};
use jiff::Timestamp;

use super::{ContainError, backend};
use crate::service::{Recorded, Service};

/// A request to block.
#[derive(Debug, Clone)]
pub struct BlockRequest {
    /// The incident it is recorded on.
    pub incident: IncidentId,
    /// Addresses and ranges.
    pub targets: Vec<Net>,
    /// Backend.
    pub via: Via,
    /// Why.
    pub reason: String,
    /// How long.
    pub ttl: Duration,
    /// Only show the change.
    pub dry_run: bool,
}

/// What a change did.
#[derive(Debug)]
pub enum Outcome {
    /// `--dry-run`: the exact change, nothing done.
    DryRun(Vec<String>),
    /// Enforced and recorded, per incident.
    Recorded(Vec<Recorded>),
}

/// Holds this host's containment lock (a file in the data directory) while alive.
struct Lock(#[allow(dead_code)] std::fs::File);

async fn lock(service: &Service) -> Result<Lock, ContainError> {
    let path = service.data_dir().join("contain.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|source| ContainError::Io {
            path: path.clone(),
            source,
        })?;
    for _ in 0..600 {
        match rustix::fs::flock(&file, rustix::fs::FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => return Ok(Lock(file)),
            Err(rustix::io::Errno::WOULDBLOCK) => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => {
                return Err(ContainError::Io {
                    path,
                    source: e.into(),
                });
            }
        }
    }
    Err(ContainError::Locked(path))
}

fn host() -> String {
    crate::collect::host()
}

/// Blocks `request.targets`.
pub async fn block(service: &Service, request: BlockRequest) -> Result<Outcome, ContainError> {
    let config = &service.config().contain;
    let guard = Guard::for_this_host(&config.allow);
    for t in &request.targets {
        guard.check(t)?;
    }
    let now = Timestamp::now();
    let ttl = jiff::SignedDuration::try_from(request.ttl).unwrap_or(jiff::SignedDuration::MAX);
    let until = now.checked_add(ttl).unwrap_or(Timestamp::MAX);
    let host = host();
    // Checked before touching anything: a closed incident or a bad reason changes nothing.
    let (incident, _) = service.incident(&request.incident).await?;
    contain::block::block(
        &incident,
        &host,
        &request.targets,
        request.via,
        &request.reason,
        until,
        now,
    )
    .map_err(crate::service::ServiceError::from)?;
    let backend = backend(request.via, config)?;
    let _lock = lock(service).await?;
    let before = service.blocks().await?.via(&host, request.via);
    let mut after: BTreeMap<Net, Active> = before.iter().map(|a| (a.target, a.clone())).collect();
    for t in &request.targets {
        after.insert(
            *t,
            Active {
                host: host.clone(),
                target: *t,
                via: request.via,
                reason: request.reason.clone(),
                by: service.actor().to_string(),
                at: now,
                until,
                incident: request.incident.to_string(),
            },
        );
    }
    let after: Vec<Active> = after.into_values().collect();
    if request.dry_run {
        return Ok(Outcome::DryRun(backend.preview(&after)?));
    }
    backend.enforce(&after)?;
    let recorded = service
        .change(&request.incident, |i| {
            contain::block::block(
                i,
                &host,
                &request.targets,
                request.via,
                &request.reason,
                until,
                now,
            )
        })
        .await;
    match recorded {
        Ok(r) => Ok(Outcome::Recorded(vec![r])),
        Err(e) => Err(undo(&*backend, &before, e.into())),
    }
}

/// Puts `before` back after recording failed.
fn undo(backend: &dyn super::Backend, before: &[Active], failure: ContainError) -> ContainError {
    match backend.enforce(before) {
        Ok(()) => ContainError::NotRecorded(Box::new(failure)),
        Err(e) => ContainError::NotRolledBack(Box::new(failure), Box::new(e)),
    }
}

/// Lifts blocks of `targets` on this host (through `via`, or every backend holding them).
pub async fn unblock(
    service: &Service,
    targets: &[Net],
    via: Option<Via>,
    reason: Option<&str>,
    dry_run: bool,
) -> Result<Outcome, ContainError> {
    let host = host();
    let _lock = lock(service).await?;
    let blocks = service.blocks().await?;
    let mut lifting = Vec::new();
    for t in targets {
        let found: Vec<Active> = Via::ALL
            .into_iter()
            .filter(|v| via.is_none_or(|w| w == *v))
            .filter_map(|v| blocks.get(&host, v, t).cloned())
            .collect();
        if found.is_empty() {
            let through = via.map(|v| format!(" via {v}")).unwrap_or_default();
            return Err(ContainError::NotBlocked(*t, through));
        }
        lifting.extend(found);
    }
    lift(
        service,
        &blocks,
        &host,
        &lifting,
        Lifted::Unblocked,
        reason,
        dry_run,
    )
    .await
}

/// Lifts every block on this host whose time is up; returns what was recorded.
pub async fn expire(service: &Service) -> Result<Vec<Recorded>, ContainError> {
    let host = host();
    let _lock = lock(service).await?;
    let blocks = service.blocks().await?;
    let due = blocks.due(&host, Timestamp::now());
    if due.is_empty() {
        return Ok(Vec::new());
    }
    match lift(service, &blocks, &host, &due, Lifted::Expired, None, false).await? {
        Outcome::Recorded(r) => Ok(r),
        Outcome::DryRun(_) => Ok(Vec::new()),
    }
}

async fn lift(
    service: &Service,
    blocks: &Blocks,
    host: &str,
    lifting: &[Active],
    how: Lifted,
    reason: Option<&str>,
    dry_run: bool,
) -> Result<Outcome, ContainError> {
    let config = &service.config().contain;
    let mut preview = Vec::new();
    let mut recorded = Vec::new();
    for via in Via::ALL {
        let going: Vec<&Active> = lifting.iter().filter(|a| a.via == via).collect();
        if going.is_empty() {
            continue;
        }
        let backend = backend(via, config)?;
        let before = blocks.via(host, via);
        let gone: std::collections::BTreeSet<Net> = going.iter().map(|g| g.target).collect();
        let after: Vec<Active> = before
            .iter()
            .filter(|a| !gone.contains(&a.target))
            .cloned()
            .collect();
        if dry_run {
            preview.extend(backend.preview(&after)?);
            continue;
        }
        backend.enforce(&after)?;
        let mut by_incident: BTreeMap<String, Vec<Active>> = BTreeMap::new();
        for g in going {
            by_incident
                .entry(g.incident.clone())
                .or_default()
                .push(g.clone());
        }
        for (incident, gone) in by_incident {
            let Ok(id) = incident.parse::<IncidentId>() else {
                continue;
            };
            let r = service
                .change(&id, |i| {
                    contain::block::unblock(i, &gone, how.clone(), reason)
                })
                .await;
            match r {
                Ok(r) => recorded.push(r),
                Err(e) => {
                    // Put back the blocks whose lifting was not recorded.
                    let mut keep = after.clone();
                    keep.extend(gone);
                    return Err(undo(&*backend, &keep, e.into()));
                }
            }
        }
    }
    if dry_run {
        Ok(Outcome::DryRun(preview))
    } else {
        Ok(Outcome::Recorded(recorded))
    }
}
