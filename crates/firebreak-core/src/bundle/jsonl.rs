//! journal.jsonl: stored events written one JSON object per line, and read back through the
//! journal's own [`ChainCheck`], so a bundle's chain is checked by exactly the code that checks
//! the database's. Payloads stay the exact stored text (a JSON string), as the hash covers it.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::BundleError;
use crate::journal::{ChainCheck, ChainFault, Digest, Head, StoredEvent};

/// One line: the [`StoredEvent`] fields, in this order.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Line<'a> {
    #[serde(borrow)]
    incident: Cow<'a, str>,
    seq: i64,
    at: i64,
    #[serde(borrow)]
    actor: Cow<'a, str>,
    #[serde(borrow)]
    kind: Cow<'a, str>,
    #[serde(borrow)]
    payload: Cow<'a, str>,
    #[serde(borrow)]
    prev: Cow<'a, str>,
    #[serde(borrow)]
    hash: Cow<'a, str>,
}

impl<'a> From<&'a StoredEvent> for Line<'a> {
    fn from(e: &'a StoredEvent) -> Self {
        Line {
            incident: Cow::Borrowed(&e.incident),
            seq: e.seq,
            at: e.at,
            actor: Cow::Borrowed(&e.actor),
            kind: Cow::Borrowed(&e.kind),
            payload: Cow::Borrowed(&e.payload),
            prev: Cow::Borrowed(&e.prev),
            hash: Cow::Borrowed(&e.hash),
        }
    }
}

impl Line<'_> {
    fn into_stored(self) -> StoredEvent {
        StoredEvent {
            incident: self.incident.into_owned(),
            seq: self.seq,
            at: self.at,
            actor: self.actor.into_owned(),
            kind: self.kind.into_owned(),
            payload: self.payload.into_owned(),
            prev: self.prev.into_owned(),
            hash: self.hash.into_owned(),
        }
    }
}

/// Checks that `events` are `incident`'s intact chain from its first event, returning its head.
pub(super) fn check_chain<'e>(
    incident: &str,
    events: impl IntoIterator<Item = &'e StoredEvent>,
) -> Result<Head, ChainFault> {
    let mut check = ChainCheck::new(incident);
    for e in events {
        advance(&mut check, incident, e)?;
    }
    Ok(check.head())
}

/// One event of `incident`'s chain: the chain check itself, plus that the event is the
/// incident's (a chain spliced in whole from another incident would otherwise link up).
fn advance(check: &mut ChainCheck, incident: &str, e: &StoredEvent) -> Result<(), ChainFault> {
    if e.incident != incident {
        return Err(ChainFault {
            incident: incident.to_string(),
            seq: e.seq,
            what: format!("it belongs to incident {:?} (spliced?)", e.incident),
        });
    }
    check.next(e).map(|_| ())
}

/// journal.jsonl's bytes for `events`.
pub(super) fn encode(events: &[StoredEvent]) -> Vec<u8> {
    let mut out = Vec::with_capacity(events.len() * 256);
    for e in events {
        // Strings and integers only: serialising cannot fail.
        if serde_json::to_writer(&mut out, &Line::from(e)).is_ok() {
            out.push(b'\n');
        }
    }
    out
}

/// Reads journal.jsonl and checks it is `incident`'s intact chain, returning the event count and
/// head. Events are checked one at a time as they are parsed.
pub(super) fn check(incident: &str, bytes: &[u8]) -> Result<(u64, Digest), BundleError> {
    if bytes.is_empty() {
        return Ok((0, Digest::default()));
    }
    let Some(body) = bytes.strip_suffix(b"\n") else {
        return Err(BundleError::Journal(
            "the last line has no newline (truncated?)".into(),
        ));
    };
    let mut check = ChainCheck::new(incident);
    let mut count = 0u64;
    for (i, line) in body.split(|&b| b == b'\n').enumerate() {
        let parsed: Line<'_> =
            serde_json::from_slice(line).map_err(|e| BundleError::JournalLine {
                line: i + 1,
                what: format!("not an event: {e}"),
            })?;
        advance(&mut check, incident, &parsed.into_stored()).map_err(BundleError::Chain)?;
        count += 1;
    }
    Ok((count, check.head().hash))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_journal_has_no_events_and_a_zero_head() {
        let (count, head) = check("INC-2026-11-23-001", b"").expect("empty is fine");
        assert_eq!((count, head), (0, Digest::default()));
        let err = check("INC-2026-11-23-001", b"{").expect_err("no newline");
        assert!(err.to_string().contains("no newline"), "{err}");
    }
}
