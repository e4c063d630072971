//! A volatile-state snapshot, stored: every collector of [`firebreak_core::snapshot`] run in
//! order (most volatile first), each part stamped with the moment its capture began and put in
//! the evidence store. Recording the parts in an incident is the caller's: `evidence snapshot`
//! does it on request, `runbook run` before the first destructive step of a run.

use anyhow::Context as _;
use firebreak_core::blob::BlobStore;
use firebreak_core::evidence::{Collected, ItemKind, Origin};
use firebreak_core::snapshot::{COLLECTORS, Options};
use serde_json::json;

/// A snapshot's stored parts, and what could not be read.
pub struct Snapshot {
    /// One item per part, in capture order.
    pub items: Vec<Collected>,
    /// What could not be read, as `part: problem`.
    pub problems: Vec<String>,
}

/// Takes a snapshot of this host (`host` is its name as recorded) into `store`.
pub fn take(options: &Options, store: &BlobStore, host: &str) -> anyhow::Result<Snapshot> {
    let mut items = Vec::new();
    let mut problems = Vec::new();
    for (_, collector) in COLLECTORS {
        let captured_at = jiff::Timestamp::now();
        let part = collector(options);
        let bytes = serde_json::to_vec_pretty(&json!({
            "part": part.name, "host": host, "captured_at": captured_at,
            "value": part.value, "problems": part.problems,
        }))?;
        let size = bytes.len() as u64;
        let sha256 = store.put(&bytes).context("cannot store the snapshot")?;
        let origin = Origin {
            host: host.to_string(),
            part: Some(part.name.to_string()),
            ..Default::default()
        };
        items.push(Collected {
            kind: ItemKind::Snapshot,
            sha256,
            size,
            origin,
            changed_while_reading: false,
        });
        problems.extend(part.problems.iter().map(|p| format!("{}: {p}", part.name)));
    }
    Ok(Snapshot { items, problems })
}
