//! Writing a bundle: the request (what the exporter gathered), and [`write()`], which checks the
//! journal, signs the manifest and streams every member into one gzip'd tar. Item bytes are
//! never held whole: each is read in fixed-size buffers, compressed and hashed as it goes, and
//! the bundle is refused if an item's bytes are not the ones its record names.

use std::collections::HashSet;
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::PathBuf;

use ed25519_dalek::{Signer as _, SigningKey};
use jiff::Timestamp;
use serde_json::{Map, Value};
use sha2::{Digest as _, Sha256};

use super::digester::{Digester, StreamError};
use super::gzip::GzipWriter;
use super::manifest::RESERVED_ITEM_KEYS;
use super::{
    BundleError, FORMAT, JOURNAL, JournalRef, KEY, MANIFEST, Manifest, ManifestItem, SIGNATURE,
    SUMS, bad_item_id, is_sha256_hex, item_member, jsonl, sums,
};
use crate::id::IncidentId;
use crate::journal::StoredEvent;

/// Opens an item's bytes; called once, when the item's turn comes, so a bundle of many items
/// holds one open file at a time.
pub type Opener<'a> = Box<dyn FnOnce() -> io::Result<Box<dyn Read + 'a>> + 'a>;

/// One evidence item to export, as recorded: the bundle is refused if its bytes differ.
pub struct ItemSource<'a> {
    /// Its id, e.g. `E1`: letters, digits, `.`, `_`, `-`; it becomes the member `items/<id>`.
    pub id: String,
    /// The recorded SHA-256 of its bytes, lowercase hex.
    pub sha256: String,
    /// The recorded length of its bytes.
    pub size: u64,
    /// Anything else to record about it (original path, collector, time…): a JSON object, or
    /// null for nothing. It may not use the keys `id`, `file`, `sha256` or `size`.
    pub metadata: Value,
    /// Opens its bytes.
    pub open: Opener<'a>,
}

impl<'a> ItemSource<'a> {
    /// An item whose bytes are the file at `path` (e.g. a blob in the evidence store).
    pub fn from_path(
        id: impl Into<String>,
        sha256: impl Into<String>,
        size: u64,
        metadata: Value,
        path: impl Into<PathBuf>,
    ) -> Self {
        let path = path.into();
        ItemSource {
            id: id.into(),
            sha256: sha256.into(),
            size,
            metadata,
            open: Box::new(move || {
                File::open(&path)
                    .map(|f| Box::new(f) as Box<dyn Read + 'a>)
                    .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))
            }),
        }
    }
}

/// Everything one bundle holds.
pub struct ExportRequest<'a> {
    /// The incident.
    pub incident: IncidentId,
    /// When the export happened.
    pub created_at: Timestamp,
    /// Who exported it.
    pub created_by: String,
    /// On which host.
    pub host: String,
    /// The evidence, in the order it is to appear.
    pub items: Vec<ItemSource<'a>>,
    /// Chain-of-custody records, copied into the manifest as given.
    pub custody: Vec<Value>,
    /// The incident's whole journal, from event 1, as stored.
    pub events: &'a [StoredEvent],
}

/// What [`write()`] wrote.
#[derive(Debug, Clone)]
pub struct Summary {
    /// The signed manifest.
    pub manifest: Manifest,
    /// The signing key, hex (the text of key.pub without its newline).
    pub key: String,
    /// Total bytes of evidence items.
    pub item_bytes: u64,
    /// Journal events.
    pub events: u64,
    /// Bytes written to the output (the compressed bundle).
    pub compressed_bytes: u64,
}

/// Writes `request` as a bundle signed with `key` to `out`.
///
/// Everything that can be checked before writing is (item ids, metadata, the journal's chain);
/// item bytes are checked as they stream. On an error, what was written to `out` is not a valid
/// bundle and must be discarded: write to a temporary file and rename it on success.
pub fn write(
    request: ExportRequest<'_>,
    key: &SigningKey,
    out: impl Write,
) -> Result<Summary, BundleError> {
    let ExportRequest {
        incident,
        created_at,
        created_by,
        host,
        items,
        custody,
        events,
    } = request;
    let incident_text = incident.to_string();
    let head = jsonl::check_chain(&incident_text, events).map_err(BundleError::BrokenJournal)?;
    let journal = jsonl::encode(events);
    let journal_sha: [u8; 32] = Sha256::digest(&journal).into();

    let mut manifest_items = Vec::with_capacity(items.len());
    let mut openers = Vec::with_capacity(items.len());
    let mut ids = HashSet::with_capacity(items.len());
    for item in items {
        manifest_items.push(manifest_item(&item, &mut ids)?);
        openers.push((item.id, item.sha256, item.size, item.open));
    }
    let public = hex::encode(key.verifying_key().to_bytes());
    let manifest = Manifest {
        format: FORMAT.to_string(),
        incident,
        created_at,
        created_by,
        host,
        key: public.clone(),
        items: manifest_items,
        custody,
        journal: JournalRef {
            file: JOURNAL.to_string(),
            events: events.len() as u64,
            head: head.hash.to_string(),
            sha256: hex::encode(journal_sha),
        },
    };
    let manifest_json = manifest
        .to_canonical_json()
        .map_err(|e| BundleError::Request(format!("the manifest cannot be encoded: {e}")))?;
    let signature = format!("{}\n", hex::encode(key.sign(&manifest_json).to_bytes()));
    let key_pub = format!("{public}\n");

    let mtime = u64::try_from(created_at.as_second()).unwrap_or(0);
    let mut counter = Counter {
        inner: out,
        count: 0,
    };
    let mut tar = tar::Builder::new(GzipWriter::new(&mut counter).map_err(BundleError::Output)?);
    let mut listed: Vec<(String, [u8; 32])> = Vec::with_capacity(openers.len() + 4);
    for (name, bytes) in [
        (MANIFEST, manifest_json.as_slice()),
        (SIGNATURE, signature.as_bytes()),
        (KEY, key_pub.as_bytes()),
        (JOURNAL, journal.as_slice()),
    ] {
        tar.append(&header(name, bytes.len() as u64, mtime)?, bytes)
            .map_err(BundleError::Output)?;
        listed.push((name.to_string(), Sha256::digest(bytes).into()));
    }

    let mut digester = Digester::new().map_err(|_| BundleError::Worker)?;
    let mut item_bytes = 0u64;
    for (id, sha256, size, open) in openers {
        let name = item_member(&id);
        let read_error = |source| BundleError::ItemRead {
            id: id.clone(),
            source,
        };
        let mut reader = open().map_err(read_error)?;
        let gz = tar.get_mut();
        gz.write_all(header(&name, size, mtime)?.as_bytes())
            .map_err(BundleError::Output)?;
        let (digest, copied) = digester
            .stream(&mut reader, size, None, |chunk| gz.write_all(chunk))
            .map_err(|e| match e {
                StreamError::Read(e) => read_error(e),
                StreamError::Each(e) | StreamError::Sink(e) => BundleError::Output(e),
                StreamError::Worker => BundleError::Worker,
            })?;
        let altered = |what: String| BundleError::ItemAltered {
            id: id.clone(),
            what,
        };
        if copied < size {
            return Err(altered(format!(
                "its stored bytes end after {copied} of the recorded {size} bytes"
            )));
        }
        if reader.read(&mut [0u8; 1]).map_err(read_error)? != 0 {
            return Err(altered(format!(
                "its stored bytes are longer than the recorded {size} bytes"
            )));
        }
        let actual = hex::encode(digest);
        if actual != sha256 {
            return Err(altered(format!(
                "its stored bytes hash to {actual}, not the recorded {sha256}"
            )));
        }
        pad(gz, size).map_err(BundleError::Output)?;
        item_bytes += size;
        listed.push((name, digest));
    }

    let sums = sums::encode(listed.iter().map(|(name, digest)| (name.as_str(), digest)));
    tar.append(&header(SUMS, sums.len() as u64, mtime)?, sums.as_slice())
        .map_err(BundleError::Output)?;
    tar.into_inner()
        .and_then(GzipWriter::finish)
        .and_then(|counter| counter.flush())
        .map_err(BundleError::Output)?;
    Ok(Summary {
        manifest,
        key: public,
        item_bytes,
        events: events.len() as u64,
        compressed_bytes: counter.count,
    })
}

/// The manifest entry for `item`, after checking its id, digest and metadata.
fn manifest_item(
    item: &ItemSource<'_>,
    ids: &mut HashSet<String>,
) -> Result<ManifestItem, BundleError> {
    let bad = |what: String| BundleError::Request(what);
    if let Some(why) = bad_item_id(&item.id) {
        return Err(bad(format!("item id {:?}: {why}", item.id)));
    }
    if !ids.insert(item.id.clone()) {
        return Err(bad(format!("item {} is given twice", item.id)));
    }
    if !is_sha256_hex(&item.sha256) {
        return Err(bad(format!(
            "item {}: {:?} is not a lowercase hex SHA-256",
            item.id, item.sha256
        )));
    }
    let metadata = match &item.metadata {
        Value::Null => Map::new(),
        Value::Object(map) => map.clone(),
        _ => {
            return Err(bad(format!(
                "item {}: metadata must be a JSON object",
                item.id
            )));
        }
    };
    if let Some(key) = RESERVED_ITEM_KEYS
        .iter()
        .find(|k| metadata.contains_key(**k))
    {
        return Err(bad(format!(
            "item {}: metadata may not set {key:?}, the bundle sets it",
            item.id
        )));
    }
    Ok(ManifestItem {
        id: item.id.clone(),
        file: item_member(&item.id),
        sha256: item.sha256.clone(),
        size: item.size,
        metadata,
    })
}

/// A plain-file tar header. Times are the export's, so the same export gives the same bytes.
fn header(name: &str, size: u64, mtime: u64) -> Result<tar::Header, BundleError> {
    let mut header = tar::Header::new_gnu();
    header
        .set_path(name)
        .map_err(|e| BundleError::Request(format!("member name {name:?}: {e}")))?;
    header.set_entry_type(tar::EntryType::Regular);
    header.set_size(size);
    header.set_mode(0o644);
    header.set_mtime(mtime);
    header.set_uid(0);
    header.set_gid(0);
    header.set_cksum();
    Ok(header)
}

/// Zeros after `size` bytes of data, up to the next 512-byte tar block.
fn pad(out: &mut impl Write, size: u64) -> io::Result<()> {
    let partial = (size % 512) as usize;
    if partial == 0 {
        return Ok(());
    }
    out.write_all(&[0u8; 512][partial..])
}

/// Counts the bytes written through it.
struct Counter<W> {
    inner: W,
    count: u64,
}

impl<W: Write> Write for Counter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.count += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}
