//! Tamper-evident records of API tokens. A token row says what a token may do; the record
//! firebreak signed when it made or revoked the token says what it should say. Each creation
//! and revocation (and, once, each token made before records were kept) is one record in a
//! single hash chain, like an incident's events, and each record's hash is signed with the
//! journal key, as is the chain's head. So an edited row (`UPDATE tokens SET role = 'admin'`),
//! an inserted row, an un-revoked token or an edited record no longer match a signed record:
//! the server refuses such a token, and `verify` names it.
//!
//! The hash is SHA-256 over this encoding (`field` as in [`crate::journal`]):
//!
//! ```text
//! "firebreak-token-v1" ‖ u64be(seq) ‖ i64be(at) ‖ field(what) ‖ field(id) ‖ field(name)
//!     ‖ field(role) ‖ field(digest) ‖ i64be(created_at) ‖ field(created_by)
//!     ‖ u8(revoked?) ‖ i64be(revoked_at or 0) ‖ prev(32 bytes)
//! ```
//!
//! This module only defines the records and their hash; signing is [`crate::seal`]'s, storing
//! is the store's.

use sha2::{Digest as _, Sha256};

use crate::journal::{Digest, Head};

/// What a record records.
pub mod what {
    /// The token was made.
    pub const CREATED: &str = "created";
    /// The token was revoked.
    pub const REVOKED: &str = "revoked";
    /// The token existed before records were kept, and was recorded as it then was.
    pub const ADOPTED: &str = "adopted";
}

/// A token as a record states it: every column of its row that decides what it may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenState {
    /// Short id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Role name.
    pub role: String,
    /// SHA-256 of the secret, hex.
    pub digest: String,
    /// Creation time, unix microseconds.
    pub created_at: i64,
    /// Who made it.
    pub created_by: String,
    /// Revocation time, unix microseconds, if revoked.
    pub revoked_at: Option<i64>,
}

/// One record, as stored (untrusted until its hash and signature are checked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    /// Position in the chain, from 1.
    pub seq: i64,
    /// When it was recorded, unix microseconds.
    pub at: i64,
    /// `created`, `revoked` or `adopted` (see [`what`]).
    pub what: String,
    /// The token after this change.
    pub state: TokenState,
    /// Hash of the previous record, hex (zeros for the first).
    pub prev: String,
    /// Hash of this record, hex.
    pub hash: String,
    /// Signature over the hash, hex.
    pub signature: String,
}

fn field(h: &mut Sha256, bytes: &[u8]) {
    h.update((bytes.len() as u32).to_be_bytes());
    h.update(bytes);
}

/// Computes a record's hash from its fields.
pub fn hash_record(seq: u64, at: i64, what: &str, state: &TokenState, prev: &Digest) -> Digest {
    let mut h = Sha256::new();
    h.update(b"firebreak-token-v1");
    h.update(seq.to_be_bytes());
    h.update(at.to_be_bytes());
    field(&mut h, what.as_bytes());
    field(&mut h, state.id.as_bytes());
    field(&mut h, state.name.as_bytes());
    field(&mut h, state.role.as_bytes());
    field(&mut h, state.digest.as_bytes());
    h.update(state.created_at.to_be_bytes());
    field(&mut h, state.created_by.as_bytes());
    h.update([u8::from(state.revoked_at.is_some())]);
    h.update(state.revoked_at.unwrap_or(0).to_be_bytes());
    h.update(prev.0);
    Digest(h.finalize().into())
}

impl TokenRecord {
    /// A new record after `head` (the chain's current head), not yet signed.
    pub fn next(head: Head, at: i64, what: &str, state: TokenState) -> Self {
        let seq = head.seq + 1;
        let hash = hash_record(seq, at, what, &state, &head.hash);
        Self {
            seq: seq as i64,
            at,
            what: what.to_string(),
            state,
            prev: head.hash.to_string(),
            hash: hash.to_string(),
            signature: String::new(),
        }
    }

    /// This record's hash as computed from its fields, if its stored hash and previous hash are
    /// digests and the computed hash is the stored one.
    pub fn checked_hash(&self) -> Option<Digest> {
        let prev: Digest = self.prev.parse().ok()?;
        let stored: Digest = self.hash.parse().ok()?;
        let seq = u64::try_from(self.seq).ok()?;
        (hash_record(seq, self.at, &self.what, &self.state, &prev) == stored).then_some(stored)
    }

    /// This record as the chain's head.
    pub fn head(&self) -> Option<Head> {
        Some(Head {
            seq: u64::try_from(self.seq).ok()?,
            hash: self.hash.parse().ok()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> TokenState {
        TokenState {
            id: "a1b2c3d4".into(),
            name: "alice".into(),
            role: "viewer".into(),
            digest: "00".repeat(32),
            created_at: 1_700_000_000_000_000,
            created_by: "root".into(),
            revoked_at: None,
        }
    }

    #[test]
    fn any_edited_field_breaks_the_hash() {
        let record = TokenRecord::next(Head::default(), 5, what::CREATED, state());
        assert!(record.checked_hash().is_some());
        let mut role = record.clone();
        role.state.role = "admin".into();
        assert_eq!(role.checked_hash(), None);
        let mut unrevoked = TokenRecord::next(
            record.head().expect("head"),
            6,
            what::REVOKED,
            TokenState {
                revoked_at: Some(6),
                ..state()
            },
        );
        assert!(unrevoked.checked_hash().is_some());
        unrevoked.state.revoked_at = None;
        assert_eq!(unrevoked.checked_hash(), None);
        let mut moved = record;
        moved.seq = 2;
        assert_eq!(moved.checked_hash(), None);
    }
}
