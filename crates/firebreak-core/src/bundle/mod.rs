//! Evidence bundles: one incident's journal and evidence in a signed, self-checking file that
//! can be verified on another machine without firebreak's database.
//!
//! This module owns the bundle *format* (`firebreak-bundle/1`): writing it ([`write()`]),
//! verifying it ([`verify()`]) and unpacking a verified copy ([`extract()`]). It does not gather
//! the items, decide what belongs in a bundle or name files on disk; the binary does that.
//!
//! # Format
//!
//! A gzip-compressed tar archive (GNU headers, regular files only) with exactly these members,
//! in this order:
//!
//! ```text
//! manifest.json   canonical JSON (compact, object keys sorted by their UTF-8 bytes at every
//!                 depth): format, incident, created_at (RFC 3339), created_by, host, key (hex
//!                 ed25519 public key), items [{id, file, sha256, size, …caller's metadata}],
//!                 custody […], journal {file, events, head, sha256}
//! manifest.sig    hex ed25519 signature over the exact bytes of manifest.json, then "\n"
//! key.pub         hex public key, then "\n" (the same text as the data directory's journal.pub)
//! journal.jsonl   one JSON object per event, in chain order:
//!                 {"incident","seq","at" (unix µs),"actor","kind","payload","prev","hash"}
//! items/<id>      each item's bytes, in manifest order; names are ids, never user paths
//! SHA256SUMS      "<hex>  <member>\n" for every member above, for `sha256sum -c`
//! ```
//!
//! The signature covers manifest.json, which pins the key, every item's digest and size, and the
//! journal's digest, length and head; so one signature check plus one hash per member checks
//! everything. The signed bytes start with `{`, so they can never be mistaken for a journal seal
//! or registry message, which start with `firebreak-`. SHA256SUMS is unsigned and only lets
//! standard tools check an extracted copy; [`verify()`] still requires it to agree.
//!
//! # Files
//!
//! - `manifest.rs`: the manifest's fields, canonical JSON, and the checks on a manifest read back;
//! - `jsonl.rs`: journal.jsonl, written from stored events and checked with
//!   [`ChainCheck`](crate::journal::ChainCheck);
//! - `sums.rs`: the SHA256SUMS text;
//! - `gzip.rs`: the gzip stream, stored where data is incompressible and deflated elsewhere;
//! - `digester.rs`: hashing member bytes on a second thread while the first compresses or
//!   decompresses, in fixed-size buffers;
//! - `write.rs`: [`write()`], streaming items from their sources;
//! - `verify.rs`: [`verify()`] and [`extract()`], one pass over the compressed stream.

mod digester;
mod gzip;
mod jsonl;
mod manifest;
mod sums;
mod verify;
mod write;

use std::io;
use std::path::PathBuf;

use ed25519_dalek::VerifyingKey;

use crate::journal::ChainFault;

pub use manifest::{JournalRef, Manifest, ManifestItem};
pub use verify::{Report, extract, verify};
pub use write::{ExportRequest, ItemSource, Summary, write};

/// The value of the manifest's `format` field.
pub const FORMAT: &str = "firebreak-bundle/1";

/// Member names, in the order they appear (items come between [`JOURNAL`] and [`SUMS`]).
pub const MANIFEST: &str = "manifest.json";
/// The signature member.
pub const SIGNATURE: &str = "manifest.sig";
/// The public key member.
pub const KEY: &str = "key.pub";
/// The journal member.
pub const JOURNAL: &str = "journal.jsonl";
/// The checksum list, always last.
pub const SUMS: &str = "SHA256SUMS";
/// The directory items live in.
pub const ITEMS_DIR: &str = "items";

/// Largest manifest.json [`verify()`] reads into memory.
pub const MANIFEST_LIMIT: u64 = 64 << 20;
/// Largest journal.jsonl [`verify()`] reads into memory.
pub const JOURNAL_LIMIT: u64 = 256 << 20;
/// Largest SHA256SUMS [`verify()`] reads into memory.
pub const SUMS_LIMIT: u64 = 64 << 20;
/// Largest key.pub or manifest.sig.
const SMALL_LIMIT: u64 = 4 << 10;
/// Longest item id.
const ID_LIMIT: usize = 64;

/// Everything that can go wrong writing, verifying or extracting a bundle. Each message is one
/// line and names the member and the fault.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BundleError {
    /// The input is not a gzip stream, or not a bundle inside one.
    #[error("not a firebreak bundle: {0}")]
    NotABundle(String),
    /// The input ends before the bundle does.
    #[error("the bundle is truncated: {0}")]
    Truncated(String),
    /// The compressed stream or the tar structure is damaged.
    #[error("the bundle is corrupt: {0}")]
    Corrupt(String),
    /// Reading the input failed (the file or pipe, not its content).
    #[error("reading the bundle: {0}")]
    Input(#[source] io::Error),
    /// A member's name could escape a directory or is otherwise not one the format uses.
    #[error("member {name:?} has an unsafe name: {why}")]
    UnsafeName {
        /// The name as stored (lossily decoded).
        name: String,
        /// What is wrong with it.
        why: &'static str,
    },
    /// A member is a link, directory, device or anything but a regular file.
    #[error("member {name:?} is a {kind}, not a regular file")]
    NotRegular {
        /// The member's name.
        name: String,
        /// What it is.
        kind: &'static str,
    },
    /// A member appears twice.
    #[error("member {name:?} appears twice")]
    Duplicate {
        /// The member's name.
        name: String,
    },
    /// A member the manifest does not account for.
    #[error("member {name:?} is not part of the bundle (added?)")]
    Unexpected {
        /// The member's name.
        name: String,
    },
    /// A member the format or the manifest requires is absent.
    #[error("{name} is missing from the bundle (deleted?)")]
    Missing {
        /// The member's name.
        name: String,
    },
    /// A member that is read into memory is over its limit.
    #[error("{name} is {size} bytes, over its limit of {limit} bytes")]
    TooLarge {
        /// The member's name.
        name: String,
        /// Its size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// manifest.json cannot be read as a firebreak-bundle/1 manifest.
    #[error("manifest.json: {0}")]
    Manifest(String),
    /// key.pub or manifest.sig is not well-formed.
    #[error("{member}: {what}")]
    KeyMaterial {
        /// key.pub or manifest.sig.
        member: &'static str,
        /// What is wrong.
        what: String,
    },
    /// The bundle is signed by a key other than the one the verifier trusts.
    // The trusted key is not repeated: it came from the user, who may have given the wrong file.
    #[error(
        "signed by a different key: the bundle's key is {found}, not the one given to verify against"
    )]
    DifferentKey {
        /// The bundle's key (hex).
        found: String,
        /// The trusted key (hex).
        expected: String,
    },
    /// manifest.sig does not verify.
    #[error(
        "manifest.sig is not a valid signature of manifest.json by the key in key.pub \
         (manifest.json or manifest.sig altered)"
    )]
    BadSignature,
    /// The manifest names one key and key.pub holds another.
    #[error("manifest.json names key {manifest} but key.pub holds {key_pub} (key.pub replaced?)")]
    KeyMismatch {
        /// The manifest's key.
        manifest: String,
        /// key.pub's key.
        key_pub: String,
    },
    /// A member's bytes do not hash to what the manifest says.
    #[error("{member}: its SHA-256 is {actual}, the manifest says {expected} (altered?)")]
    DigestMismatch {
        /// The member's name.
        member: String,
        /// Its actual digest.
        actual: String,
        /// The manifest's digest.
        expected: String,
    },
    /// A member's length is not what the manifest says.
    #[error("{member} is {actual} bytes, the manifest says {expected} (altered?)")]
    SizeMismatch {
        /// The member's name.
        member: String,
        /// Its actual size.
        actual: u64,
        /// The manifest's size.
        expected: u64,
    },
    /// A line of journal.jsonl is not an event.
    #[error("journal.jsonl line {line}: {what}")]
    JournalLine {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        what: String,
    },
    /// journal.jsonl's events do not form an intact chain.
    #[error("journal.jsonl: {0}")]
    Chain(#[source] ChainFault),
    /// journal.jsonl is intact but disagrees with the manifest (count, head).
    #[error("journal.jsonl: {0}")]
    Journal(String),
    /// SHA256SUMS is malformed or disagrees with the members.
    #[error("SHA256SUMS: {0}")]
    Sums(String),

    /// The export request is inconsistent (bad item id, reserved metadata key…).
    #[error("cannot export: {0}")]
    Request(String),
    /// The events given to [`write()`] do not form an intact chain.
    #[error("cannot export: the journal is broken: {0}")]
    BrokenJournal(#[source] ChainFault),
    /// An item's stored bytes could not be read.
    #[error("item {id}: cannot read its stored bytes: {source}")]
    ItemRead {
        /// The item's id.
        id: String,
        /// The error.
        source: io::Error,
    },
    /// An item's stored bytes are not the ones recorded (the evidence store was altered).
    #[error("item {id}: {what} (the evidence store was altered?)")]
    ItemAltered {
        /// The item's id.
        id: String,
        /// How they differ.
        what: String,
    },
    /// Writing the bundle failed.
    #[error("writing the bundle: {0}")]
    Output(#[source] io::Error),
    /// Writing an extracted file failed.
    #[error("extracting to {}: {source}", path.display())]
    Extract {
        /// The file or directory.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
    /// The hashing thread stopped unexpectedly.
    #[error("the hashing thread could not start or stopped unexpectedly")]
    Worker,
}

/// An ed25519 public key a bundle is checked against.
pub type PublicKey = VerifyingKey;

/// Reads a hex ed25519 public key as `journal.pub`, `key.pub` and `--key` files hold it
/// (surrounding whitespace ignored).
pub fn public_key_from_hex(text: &str) -> Result<VerifyingKey, String> {
    let mut bytes = [0u8; 32];
    hex::decode_to_slice(text.trim(), &mut bytes)
        .map_err(|_| "not an ed25519 public key (expected 64 hex characters)".to_string())?;
    VerifyingKey::from_bytes(&bytes).map_err(|_| "not a valid ed25519 public key".to_string())
}

/// The member name an item's bytes are stored under.
fn item_member(id: &str) -> String {
    format!("{ITEMS_DIR}/{id}")
}

/// Why `id` cannot name an item, if it cannot: ids become file names, so they are kept to a
/// portable set that no shell, tar or file system treats specially.
fn bad_item_id(id: &str) -> Option<&'static str> {
    if id.is_empty() || id.len() > ID_LIMIT {
        return Some("item ids are 1 to 64 characters");
    }
    if !id.as_bytes()[0].is_ascii_alphanumeric() {
        return Some("item ids start with a letter or digit");
    }
    if !id
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    {
        return Some("item ids use only letters, digits, '.', '_' and '-'");
    }
    None
}

/// Whether `name` is a lowercase hex SHA-256.
fn is_sha256_hex(name: &str) -> bool {
    name.len() == 64
        && name
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Why a tar member name is unsafe to create under a directory, if it is. Checked on every
/// member before anything else, whatever the member is.
fn unsafe_name(name: &[u8]) -> Option<&'static str> {
    let Ok(name) = std::str::from_utf8(name) else {
        return Some("it is not UTF-8");
    };
    if name.is_empty() {
        return Some("it is empty");
    }
    if name.starts_with('/') {
        return Some("it is an absolute path");
    }
    if name.chars().any(|c| c.is_control() || c == '\\') {
        return Some("it contains a control character or a backslash");
    }
    for component in name.split('/') {
        match component {
            "" => return Some("it has an empty path component"),
            "." => return Some("it has a '.' component"),
            ".." => return Some("it has a '..' component"),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests;
