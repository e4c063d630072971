//! The journal: each incident's events form a hash chain.
//!
//! An event's hash is SHA-256 over this canonical encoding, so any edit to any field, any
//! insertion, removal or reordering breaks the chain at a nameable place:
//!
//! ```text
//! "firebreak-event-v1" ‖ field(incident) ‖ u64be(seq) ‖ i64be(at, unix µs)
//!                      ‖ field(actor) ‖ field(kind) ‖ field(payload) ‖ prev(32 bytes)
//! field(x) = u32be(len(x)) ‖ x
//! ```
//!
//! The first event of an incident has `seq` 1 and `prev` all zeros. Payloads are hashed as the
//! exact stored text, so verifying never re-serialises JSON. A chain alone cannot reveal a cut
//! tail or a deleted incident; [`crate::seal`] signs the heads for that.

use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use serde::Serialize;
use sha2::{Digest as _, Sha256};

use crate::change::Change;
use crate::id::IncidentId;

/// A SHA-256 digest.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Digest(pub [u8; 32]);

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digest({self})")
    }
}

/// Why text is not a digest.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("not a SHA-256 digest (64 hex characters): {0:?}")]
pub struct BadDigest(String);

impl FromStr for Digest {
    type Err = BadDigest;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut out = [0u8; 32];
        hex::decode_to_slice(s, &mut out).map_err(|_| BadDigest(s.chars().take(80).collect()))?;
        Ok(Digest(out))
    }
}

impl Serialize for Digest {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The end of a chain: the last event's sequence number and hash (0 and zeros when empty).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Head {
    /// Sequence number of the last event.
    pub seq: u64,
    /// Hash of the last event.
    pub hash: Digest,
}

/// One recorded change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Event {
    /// The incident it belongs to.
    pub incident: IncidentId,
    /// Position in the incident's chain, from 1.
    pub seq: u64,
    /// When it was recorded (UTC, microsecond precision).
    pub at: Timestamp,
    /// Who recorded it.
    pub actor: String,
    /// What kind of change (see [`Change`]).
    pub kind: String,
    /// The change's canonical JSON payload.
    pub payload: String,
    /// Hash of the previous event.
    pub prev: Digest,
    /// Hash of this event.
    pub hash: Digest,
}

fn field(h: &mut Sha256, bytes: &[u8]) {
    h.update((bytes.len() as u32).to_be_bytes());
    h.update(bytes);
}

/// Computes an event's hash from its fields.
pub fn hash_event(
    incident: &str,
    seq: u64,
    at_micros: i64,
    actor: &str,
    kind: &str,
    payload: &str,
    prev: &Digest,
) -> Digest {
    let mut h = Sha256::new();
    h.update(b"firebreak-event-v1");
    field(&mut h, incident.as_bytes());
    h.update(seq.to_be_bytes());
    h.update(at_micros.to_be_bytes());
    field(&mut h, actor.as_bytes());
    field(&mut h, kind.as_bytes());
    field(&mut h, payload.as_bytes());
    h.update(prev.0);
    Digest(h.finalize().into())
}

/// A timestamp as the journal stores it: unix microseconds.
pub fn to_micros(at: Timestamp) -> i64 {
    at.as_microsecond()
}

/// Truncates a timestamp to the journal's microsecond precision, so that a time reads back
/// exactly as it was recorded.
pub fn precise(at: Timestamp) -> Timestamp {
    Timestamp::from_microsecond(at.as_microsecond()).unwrap_or(at)
}

impl Event {
    /// Seals `changes` onto the chain ending at `head`, all stamped `at` by `actor`.
    pub fn chain(
        incident: IncidentId,
        head: Head,
        at: Timestamp,
        actor: &str,
        changes: &[Change],
    ) -> Vec<Event> {
        let at = precise(at);
        let id = incident.to_string();
        let mut head = head;
        changes
            .iter()
            .map(|change| {
                let (kind, payload) = change.encode();
                let seq = head.seq + 1;
                let hash = hash_event(&id, seq, to_micros(at), actor, &kind, &payload, &head.hash);
                let event = Event {
                    incident,
                    seq,
                    at,
                    actor: actor.to_string(),
                    kind,
                    payload,
                    prev: head.hash,
                    hash,
                };
                head = Head { seq, hash };
                event
            })
            .collect()
    }

    /// The change this event records.
    pub fn change(&self) -> Result<Change, crate::change::BadPayload> {
        Change::decode(&self.kind, &self.payload)
    }

    /// This event as a chain head.
    pub fn head(&self) -> Head {
        Head {
            seq: self.seq,
            hash: self.hash,
        }
    }
}

/// An event as read back from storage, before it is trusted: every field raw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    /// Incident id text.
    pub incident: String,
    /// Sequence number as stored.
    pub seq: i64,
    /// Unix microseconds.
    pub at: i64,
    /// Actor.
    pub actor: String,
    /// Kind.
    pub kind: String,
    /// Payload text.
    pub payload: String,
    /// Previous hash, hex.
    pub prev: String,
    /// Hash, hex.
    pub hash: String,
}

/// The first place a chain is broken, and how.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{incident} event {seq}: {what}")]
pub struct ChainFault {
    /// The incident.
    pub incident: String,
    /// The sequence number where the fault shows.
    pub seq: i64,
    /// What is wrong, in words.
    pub what: String,
}

/// Checks one incident's events in stored order, one at a time, in constant memory.
#[derive(Debug)]
pub struct ChainCheck {
    incident: String,
    head: Head,
}

impl ChainCheck {
    /// Starts checking `incident`'s chain from the beginning.
    pub fn new(incident: &str) -> Self {
        Self {
            incident: incident.to_string(),
            head: Head::default(),
        }
    }

    /// Continues checking `incident`'s chain after `head`, an already verified head: the next
    /// event must be `head.seq + 1` and link to `head.hash`.
    pub fn after(incident: &str, head: Head) -> Self {
        Self {
            incident: incident.to_string(),
            head,
        }
    }

    /// The head reached so far.
    pub fn head(&self) -> Head {
        self.head
    }

    /// Checks the next stored event and advances, or names what is wrong with it.
    pub fn check(&mut self, e: &StoredEvent) -> Result<(), ChainFault> {
        self.advance(e).map(|_| ())
    }

    /// Checks the next stored event, advances, and returns it as a trusted [`Event`].
    pub fn next(&mut self, e: &StoredEvent) -> Result<Event, ChainFault> {
        let (prev, hash) = self.advance(e)?;
        let fault = |what: &str| ChainFault {
            incident: self.incident.clone(),
            seq: e.seq,
            what: what.into(),
        };
        let incident = e
            .incident
            .parse()
            .map_err(|_| fault("the incident id is malformed (edited?)"))?;
        let at = Timestamp::from_microsecond(e.at)
            .map_err(|_| fault("its timestamp is out of range (edited?)"))?;
        Ok(Event {
            incident,
            seq: self.head.seq,
            at,
            actor: e.actor.clone(),
            kind: e.kind.clone(),
            payload: e.payload.clone(),
            prev,
            hash,
        })
    }

    fn advance(&mut self, e: &StoredEvent) -> Result<(Digest, Digest), ChainFault> {
        let fault = |what: String| ChainFault {
            incident: self.incident.clone(),
            seq: e.seq,
            what,
        };
        let expected = self.head.seq + 1;
        if e.seq < 0 || e.seq as u64 != expected {
            let what = if e.seq as u64 > expected {
                format!(
                    "expected event {expected} here; events {expected}..{} are missing (deleted?)",
                    e.seq - 1
                )
            } else {
                format!("expected event {expected} here (reordered or duplicated?)")
            };
            return Err(fault(what));
        }
        let prev: Digest = e
            .prev
            .parse()
            .map_err(|_| fault("its previous-hash field is not a digest (edited?)".into()))?;
        let hash: Digest = e
            .hash
            .parse()
            .map_err(|_| fault("its hash field is not a digest (edited?)".into()))?;
        if prev != self.head.hash {
            return Err(fault(
                "it does not follow the event before it (inserted, deleted or reordered?)".into(),
            ));
        }
        let actual = hash_event(
            &e.incident,
            expected,
            e.at,
            &e.actor,
            &e.kind,
            &e.payload,
            &prev,
        );
        if actual != hash {
            return Err(fault(
                "its content does not match its hash (edited?)".into(),
            ));
        }
        self.head = Head {
            seq: expected,
            hash,
        };
        Ok((prev, hash))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(e: &Event) -> StoredEvent {
        StoredEvent {
            incident: e.incident.to_string(),
            seq: e.seq as i64,
            at: to_micros(e.at),
            actor: e.actor.clone(),
            kind: e.kind.clone(),
            payload: e.payload.clone(),
            prev: e.prev.to_string(),
            hash: e.hash.to_string(),
        }
    }

    fn chain() -> Vec<StoredEvent> {
        let id: IncidentId = "INC-2026-11-23-001".parse().expect("id");
        let notes: Vec<Change> = (0..5)
            .map(|i| Change::NoteAdded {
                text: format!("note {i}"),
            })
            .collect();
        Event::chain(id, Head::default(), Timestamp::now(), "alice", &notes)
            .iter()
            .map(stored)
            .collect()
    }

    fn first_fault(events: &[StoredEvent]) -> Option<ChainFault> {
        let mut check = ChainCheck::new("INC-2026-11-23-001");
        events.iter().find_map(|e| check.next(e).err())
    }

    #[test]
    fn an_intact_chain_verifies() {
        assert_eq!(first_fault(&chain()), None);
    }

    #[test]
    fn each_tampering_is_named_at_the_right_event() {
        let mut edited = chain();
        edited[2].payload = r#"{"text":"nothing to see"}"#.into();
        let f = first_fault(&edited).expect("edit detected");
        assert_eq!(
            (f.seq, f.what.contains("does not match its hash")),
            (3, true)
        );

        let mut deleted = chain();
        deleted.remove(1);
        let f = first_fault(&deleted).expect("deletion detected");
        assert_eq!(f.seq, 3);
        assert!(f.what.contains("missing"), "{f}");

        let mut reordered = chain();
        reordered.swap(1, 2);
        assert_eq!(first_fault(&reordered).map(|f| f.seq), Some(3));

        let mut renumbered = chain();
        renumbered.remove(1);
        for (i, e) in renumbered.iter_mut().enumerate() {
            e.seq = i as i64 + 1;
        }
        let f = first_fault(&renumbered).expect("renumbering detected");
        assert_eq!(f.seq, 2);
    }
}
