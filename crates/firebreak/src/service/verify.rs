//! `verify`: recompute every hash, check every chain against its signed seal, check the
//! signed registry, naming the first bad event of each incident, re-hash the runbook step
//! output the journal points to in the evidence store, check the signed chain of token records
//! and every token row against its record, and check that no day counter is behind the ids
//! already handed out.

use std::collections::BTreeMap;

use firebreak_core::IncidentId;
use firebreak_core::blob::BlobStore;
use firebreak_core::journal::{ChainCheck, Digest, Head, StoredEvent};
use firebreak_core::run::StepRecorded;
use firebreak_core::seal::SealChecker;
use firebreak_core::token_record::TokenRecord;
use firebreak_store::{SealRow, StoreError, TokenAudit};
use serde::Serialize;

use super::{Service, ServiceError};

/// One problem found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fault {
    /// The incident concerned, if one can be named.
    pub incident: Option<String>,
    /// The first bad event, if the fault is in a chain.
    pub seq: Option<i64>,
    /// What is wrong.
    pub what: String,
}

impl std::fmt::Display for Fault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.incident, self.seq) {
            (Some(i), Some(seq)) => write!(f, "{i} event {seq}: {}", self.what),
            (Some(i), None) => write!(f, "{i}: {}", self.what),
            _ => f.write_str(&self.what),
        }
    }
}

/// What verification found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct VerifyReport {
    /// Incidents checked.
    pub incidents: u64,
    /// Events whose hash was recomputed.
    pub events: u64,
    /// Problems, in the order found.
    pub faults: Vec<Fault>,
    /// The public key that signatures were checked against (hex).
    pub key: String,
}

impl VerifyReport {
    /// Whether everything checked out.
    pub fn ok(&self) -> bool {
        self.faults.is_empty()
    }
}

/// Re-hashes the output a `step_recorded` event points to. The digest is part of the hashed
/// event, so an edited or deleted output file is caught here even though the file itself is not
/// in the database.
fn check_outputs(blobs: &BlobStore, e: &StoredEvent) -> Vec<Fault> {
    if e.kind != "step_recorded" {
        return Vec::new();
    }
    let Ok(step) = serde_json::from_str::<StepRecorded>(&e.payload) else {
        return Vec::new();
    };
    let mut faults = Vec::new();
    for (stream, output) in [("stdout", &step.stdout), ("stderr", &step.stderr)] {
        let Some(output) = output else { continue };
        let what = match blobs.verify(&output.sha256) {
            Ok(true) => continue,
            Ok(false) => {
                "is missing from this data directory's evidence store (deleted, or recorded on another host) or no longer matches its digest"
            }
            Err(_) => "cannot be read from the evidence store",
        };
        faults.push(fault(
            Some(&e.incident),
            Some(e.seq),
            format!(
                "the {stream} of runbook step {} (sha256 {}) {what}",
                step.step,
                &output.sha256[..output.sha256.len().min(12)]
            ),
        ));
    }
    faults
}

fn fault(incident: Option<&str>, seq: Option<i64>, what: impl Into<String>) -> Fault {
    Fault {
        incident: incident.map(str::to_string),
        seq,
        what: what.into(),
    }
}

/// Checks a finished chain against its seal.
fn check_seal(
    checker: &SealChecker,
    seal: &SealRow,
    head_seq: u64,
    head_hash: Digest,
) -> Option<Fault> {
    let at = Some(seal.incident.as_str());
    let sealed_hash: Option<Digest> = seal.hash.parse().ok();
    if seal.seq > head_seq as i64 {
        return Some(fault(
            at,
            Some(head_seq as i64 + 1),
            format!(
                "the chain ends at event {head_seq} but its seal covers {} events (tail cut off?)",
                seal.seq
            ),
        ));
    }
    if seal.seq != head_seq as i64 || sealed_hash != Some(head_hash) {
        return Some(fault(
            at,
            Some(seal.seq.max(0) + 1),
            format!(
                "events after the sealed head ({}) were added without the signing key",
                seal.seq
            ),
        ));
    }
    if seal.ordinal < 1
        || !checker.check_seal(
            seal.ordinal as u64,
            &seal.incident,
            head_seq,
            &head_hash,
            &seal.signature,
        )
    {
        return Some(fault(
            at,
            None,
            "the seal's signature does not match the journal key (seal edited?)",
        ));
    }
    None
}

struct Walk<'a> {
    checker: &'a SealChecker,
    blobs: &'a BlobStore,
    seals: BTreeMap<String, SealRow>,
    seen: BTreeMap<String, ()>,
    current: Option<(ChainCheck, String, bool)>,
    report: VerifyReport,
}

impl Walk<'_> {
    fn finish_current(&mut self) {
        let Some((check, incident, broken)) = self.current.take() else {
            return;
        };
        self.report.incidents += 1;
        if broken {
            return;
        }
        match self.seals.get(&incident) {
            Some(seal) => {
                if let Some(f) = check_seal(self.checker, seal, check.head().seq, check.head().hash)
                {
                    self.report.faults.push(f);
                }
            }
            None => self.report.faults.push(fault(
                Some(&incident),
                Some(1),
                "these events belong to no sealed incident (inserted without the signing key?)",
            )),
        }
    }

    fn event(&mut self, e: StoredEvent) {
        self.report.events += 1;
        let outputs = check_outputs(self.blobs, &e);
        self.report.faults.extend(outputs);
        let same = self
            .current
            .as_ref()
            .is_some_and(|(_, id, _)| *id == e.incident);
        if !same {
            self.finish_current();
            self.seen.insert(e.incident.clone(), ());
            self.current = Some((ChainCheck::new(&e.incident), e.incident.clone(), false));
        }
        if let Some((check, _, broken)) = self.current.as_mut()
            && !*broken
            && let Err(f) = check.check(&e)
        {
            *broken = true;
            self.report.faults.push(Fault {
                incident: Some(f.incident),
                seq: Some(f.seq),
                what: f.what,
            });
        }
    }
}

/// Checks the token records' chain and signed head, and every token row against its latest
/// record.
fn check_tokens(checker: &SealChecker, audit: &TokenAudit) -> Vec<Fault> {
    let mut faults = Vec::new();
    let mut head = Head::default();
    let mut latest: BTreeMap<&str, &TokenRecord> = BTreeMap::new();
    for record in &audit.records {
        let problem = if record.seq != head.seq as i64 + 1 {
            Some(format!(
                "token record #{} is where #{} should be (records deleted or inserted?)",
                record.seq,
                head.seq + 1
            ))
        } else if record.prev.parse::<Digest>().ok() != Some(head.hash) {
            Some(format!(
                "token record #{} does not follow the record before it (edited?)",
                record.seq
            ))
        } else if let Some(hash) = record.checked_hash() {
            (!checker.check_token_record(&hash, &record.signature)).then(|| {
                format!(
                    "the signature of token record #{} does not match the journal key (forged?)",
                    record.seq
                )
            })
        } else {
            Some(format!(
                "token record #{} does not match its hash (edited?)",
                record.seq
            ))
        };
        if let Some(what) = problem {
            faults.push(fault(None, None, what));
            return faults;
        }
        head = record.head().unwrap_or(head);
        latest.insert(&record.state.id, record);
    }
    match &audit.head {
        None if audit.records.is_empty() && audit.tokens.is_empty() => {}
        None => faults.push(fault(
            None,
            None,
            "the signed head of the token records is missing (deleted?)",
        )),
        Some(signed) => {
            let sealed = Head {
                seq: signed.seq.max(0) as u64,
                hash: signed.hash.parse().unwrap_or_default(),
            };
            if sealed != head || !checker.check_token_head(&sealed, &signed.signature) {
                faults.push(fault(
                    None,
                    None,
                    format!(
                        "the token records end at #{} but their signed head says #{} (records removed, or the head edited)",
                        head.seq, signed.seq
                    ),
                ));
            }
        }
    }
    let mut rows: BTreeMap<&str, ()> = BTreeMap::new();
    for (token, digest) in &audit.tokens {
        rows.insert(&token.id, ());
        let record = latest.get(token.id.as_str()).copied();
        if let Some(why) = super::tokens::mismatch(checker, token, digest, record) {
            faults.push(fault(
                None,
                None,
                format!("API token {} ({}): {why}", token.id, token.name),
            ));
        }
    }
    for id in latest.keys().filter(|id| !rows.contains_key(*id)) {
        faults.push(fault(
            None,
            None,
            format!("API token {id} has a signed record but no row (deleted?)"),
        ));
    }
    faults
}

impl Service {
    /// Verifies one incident, or everything when `only` is `None`.
    pub async fn verify(&self, only: Option<&IncidentId>) -> Result<VerifyReport, ServiceError> {
        let checker = self.checker()?;
        let blobs = BlobStore::in_data_dir(&self.data_dir);
        let mut report = VerifyReport {
            key: checker.fingerprint(),
            ..Default::default()
        };
        if let Some(id) = only {
            let loaded = self.store.load(id).await?;
            let mut check = ChainCheck::new(&loaded.seal.incident);
            report.incidents = 1;
            for e in &loaded.events {
                report.events += 1;
                report.faults.extend(check_outputs(&blobs, e));
                if let Err(f) = check.check(e) {
                    report.faults.push(Fault {
                        incident: Some(f.incident),
                        seq: Some(f.seq),
                        what: f.what,
                    });
                    return Ok(report);
                }
            }
            if let Some(f) = check_seal(&checker, &loaded.seal, check.head().seq, check.head().hash)
            {
                report.faults.push(f);
            }
            return Ok(report);
        }

        self.adopt_tokens().await?;
        let tokens = self.store.token_audit().await?;
        report.faults.extend(check_tokens(&checker, &tokens));
        for (day, last, highest) in self.store.counters_behind().await? {
            report.faults.push(fault(
                None,
                None,
                format!(
                    "the id counter of {day} says {last} but incident number {highest} of that day exists (counter lowered?); the next declaration recovers it"
                ),
            ));
        }

        // One snapshot for seals, events and registry, so concurrent writers cannot make an
        // intact journal look inconsistent.
        let mut snapshot = self.store.snapshot().await?;
        let seals: BTreeMap<String, SealRow> = snapshot
            .seals()
            .await?
            .into_iter()
            .map(|s| (s.incident.clone(), s))
            .collect();
        let mut walk = Walk {
            checker: &checker,
            blobs: &blobs,
            seals,
            seen: BTreeMap::new(),
            current: None,
            report,
        };
        snapshot
            .each_event(|e| {
                walk.event(e);
                Ok::<(), StoreError>(())
            })
            .await?;
        let registry = snapshot.registry().await?;
        snapshot.finish().await?;
        walk.finish_current();
        let Walk {
            seals,
            seen,
            mut report,
            ..
        } = walk;

        for seal in seals.values().filter(|s| !seen.contains_key(&s.incident)) {
            report.faults.push(fault(
                Some(&seal.incident),
                None,
                "every event of this incident is gone (incident deleted?)",
            ));
        }
        match registry {
            None => report.faults.push(fault(
                None,
                None,
                "the signed registry of incidents is missing",
            )),
            Some(reg) => {
                if !checker.check_registry(reg.count.max(0) as u64, &reg.signature) {
                    report.faults.push(fault(None, None, "the registry's signature does not match the journal key (registry edited?)"));
                }
                let mut ordinals: Vec<i64> = seals.values().map(|s| s.ordinal).collect();
                ordinals.sort_unstable();
                let mut expected = 1;
                for o in ordinals {
                    if o > expected {
                        let gap = if o - expected == 1 {
                            format!("#{expected}")
                        } else {
                            format!("#{expected}–#{}", o - 1)
                        };
                        report.faults.push(fault(None, None, format!("incident {gap} of {} is missing from the registry (incident deleted?)", reg.count)));
                    }
                    expected = o + 1;
                }
                let found = seals.len() as i64;
                if found < reg.count && expected <= reg.count {
                    let gap = if reg.count == expected {
                        format!("#{expected}")
                    } else {
                        format!("#{expected}–#{}", reg.count)
                    };
                    report.faults.push(fault(
                        None,
                        None,
                        format!(
                            "incident {gap} of {} is missing (incident deleted?)",
                            reg.count
                        ),
                    ));
                } else if found > reg.count {
                    report.faults.push(fault(
                        None,
                        None,
                        format!(
                            "the registry counts {} incidents but {found} are sealed",
                            reg.count
                        ),
                    ));
                }
            }
        }
        Ok(report)
    }
}
