//! Draining an incident's outbox: every pending message is tried, the outcomes of a round are
//! recorded on the journal in one append (delivered, a failed try, or failed for good), and
//! failed tries wait a doubling, capped back-off before the next round. The journal is the only
//! queue: a message queued before a crash is still pending when the next process reads it, and
//! its key goes with every try so the receiver can drop a repeat.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use firebreak_core::notify::{Attempted, Delivered, Failed, Outbox, OutboxState};
use firebreak_core::{Change, IncidentId};
use serde::Serialize;
use tokio::task::JoinSet;

use super::{Courier, SendError};
use crate::service::{Service, ServiceError};

/// Messages tried at once.
const PARALLEL: usize = 32;

/// What a drain did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Drained {
    /// Messages delivered.
    pub delivered: usize,
    /// Messages that failed for good in this drain.
    pub failed: usize,
    /// Failed tries that were retried.
    pub retried: usize,
}

/// Delivers what is pending on `id` (failed messages too when `failed_too`: a flush gives each
/// a fresh set of tries). Returns when every message is delivered or out of tries.
pub async fn drain(
    service: &Service,
    courier: &Courier,
    id: &IncidentId,
    failed_too: bool,
) -> Result<Drained, ServiceError> {
    drain_until(service, courier, id, failed_too, None).await
}

/// Delivers what is queued on `id` for at most about `within`: no try starts after that (one
/// in flight runs to its timeout), and what is not delivered by then stays queued, its tries
/// on the journal, for `serve`, `firebreak notify --flush` or `firebreak escalate`. A command
/// that queued messages on a host with no server uses this so it does not hang on a receiver
/// that is down.
pub async fn drain_within(
    service: &Service,
    courier: &Courier,
    id: &IncidentId,
    within: std::time::Duration,
) -> Result<Drained, ServiceError> {
    drain_until(service, courier, id, false, Some(Instant::now() + within)).await
}

async fn drain_until(
    service: &Service,
    courier: &Courier,
    id: &IncidentId,
    failed_too: bool,
    until: Option<Instant>,
) -> Result<Drained, ServiceError> {
    let turn = courier.turns.of(id);
    let _turn = turn.lock().await;
    let delivery = courier.config().delivery;
    let mut done = Drained::default();
    // Per message in this drain: tries made, and when the next may start.
    let mut tries: HashMap<String, (u32, Instant)> = HashMap::new();
    let incident = id.to_string();
    // Each round tries every due message once; a message gets at most `attempts` rounds.
    for _round in 0..=delivery.attempts.saturating_mul(2) {
        if until.is_some_and(|u| Instant::now() >= u) {
            break;
        }
        let (_, events) = service.incident(id).await?;
        let outbox = Outbox::from_events(&events);
        let now = Instant::now();
        let mut waiting: Option<Instant> = None;
        let mut due = Vec::new();
        for entry in outbox.pending(failed_too) {
            let key = &entry.message.key;
            let (made, next) = tries.get(key).copied().unwrap_or((0, now));
            if made > 0 && entry.state == OutboxState::Failed && made >= delivery.attempts {
                continue;
            }
            // Queued ones continue the count the journal has; a flushed failure starts afresh.
            if entry.state == OutboxState::Queued && entry.attempts >= delivery.attempts {
                // Out of tries but never marked: a crash between the last try and its record.
                due.push((entry.clone(), entry.attempts, true));
                continue;
            }
            if next > now {
                waiting = Some(waiting.map_or(next, |w| w.min(next)));
                continue;
            }
            due.push((entry.clone(), entry.attempts, false));
        }
        if due.is_empty() {
            match waiting {
                Some(at) if until.is_some_and(|u| at >= u) => break,
                Some(at) => {
                    tokio::time::sleep_until(at.into()).await;
                    continue;
                }
                None => break,
            }
        }
        let mut set: JoinSet<(usize, Result<(), SendError>)> = JoinSet::new();
        let mut results: Vec<Option<Result<(), SendError>>> = vec![None; due.len()];
        let gate = Arc::new(tokio::sync::Semaphore::new(PARALLEL));
        for (i, (entry, _, exhausted)) in due.iter().enumerate() {
            if *exhausted {
                results[i] = Some(Err(SendError::permanent(
                    entry.error.clone().unwrap_or_else(|| "out of tries".into()),
                )));
                continue;
            }
            let courier = courier.clone();
            let message = entry.message.clone();
            let incident = incident.clone();
            let gate = gate.clone();
            set.spawn(async move {
                let _permit = gate.acquire_owned().await;
                (i, courier.send(&incident, &message).await)
            });
        }
        while let Some(joined) = set.join_next().await {
            if let Ok((i, r)) = joined {
                results[i] = Some(r);
            }
        }
        let mut changes = Vec::new();
        for ((entry, recorded, _), result) in due.iter().zip(results) {
            let key = entry.message.key.clone();
            let (made, _) = tries.get(&key).copied().unwrap_or((0, now));
            let made = made + 1;
            let attempt = recorded + 1;
            let result = result.unwrap_or_else(|| Err(SendError::transient("the try was lost")));
            let budget_left = if entry.state == OutboxState::Failed {
                made < delivery.attempts
            } else {
                attempt < delivery.attempts
            };
            match result {
                Ok(()) => {
                    changes.push(Change::NotificationDelivered(Delivered {
                        key,
                        attempts: attempt,
                    }));
                    done.delivered += 1;
                    tries.insert(entry.message.key.clone(), (u32::MAX, now));
                }
                Err(e) if e.retry && budget_left => {
                    changes.push(Change::NotificationAttempted(Attempted {
                        key: key.clone(),
                        attempt,
                        error: e.message,
                    }));
                    done.retried += 1;
                    tries.insert(key, (made, Instant::now() + delivery.back_off(made)));
                }
                Err(e) => {
                    changes.push(Change::NotificationFailed(Failed {
                        key: key.clone(),
                        attempts: attempt,
                        error: e.message,
                    }));
                    done.failed += 1;
                    tries.insert(key, (u32::MAX, now));
                }
            }
        }
        service.change(id, |_| Ok(changes.clone())).await?;
    }
    Ok(done)
}
