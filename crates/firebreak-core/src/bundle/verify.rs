//! Verifying a bundle in one pass over its compressed stream, and extracting a verified copy.
//!
//! The member order is fixed, so each member is checked as it arrives against what is already
//! trusted: the manifest is read first, its signature and key next, then the journal and every
//! item against the signed manifest, and SHA256SUMS last against everything measured. Nothing is
//! written to disk (unless extracting); item bytes are hashed in buffers on a second thread and
//! only digests, the manifest and the journal (each under a size limit) are kept in memory. The
//! first fault found is returned, naming the member.

use std::collections::HashSet;
use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use ed25519_dalek::{Signature, VerifyingKey};
use flate2::bufread::GzDecoder;
use sha2::{Digest as _, Sha256};

use super::digester::{Digester, StreamError};
use super::{
    BundleError, ITEMS_DIR, JOURNAL, JOURNAL_LIMIT, KEY, MANIFEST, MANIFEST_LIMIT, Manifest,
    SIGNATURE, SMALL_LIMIT, SUMS, SUMS_LIMIT, jsonl, public_key_from_hex, sums, unsafe_name,
};

/// What a bundle that verified holds.
#[derive(Debug, Clone)]
pub struct Report {
    /// The signed manifest (incident, items and their metadata, custody, journal).
    pub manifest: Manifest,
    /// The key that signed it, hex: compare it with a trusted copy unless `key_trusted`.
    pub key: String,
    /// Whether the key was checked against one the caller trusts; if not, the bundle is only
    /// known to be intact and signed by *some* key.
    pub key_trusted: bool,
    /// Evidence items checked.
    pub items: usize,
    /// Their total size in bytes.
    pub item_bytes: u64,
    /// Journal events checked.
    pub events: u64,
}

/// Verifies the bundle read from `input`. With `expected_key`, the bundle must be signed by
/// that key; without it, only by the key it carries (see [`Report::key_trusted`]).
pub fn verify(
    input: impl Read,
    expected_key: Option<&VerifyingKey>,
) -> Result<Report, BundleError> {
    let mut input = input;
    run(&mut input, expected_key, None)
}

/// Verifies the bundle read from `input` while unpacking it into `target_dir`, which must not
/// exist yet and is created. Only the members the format names are written, each as a new
/// regular file (`create_new`) under `target_dir`; no link, directory or device is ever made
/// from the archive. If verification fails, `target_dir` is removed again.
pub fn extract(
    input: impl Read,
    target_dir: &Path,
    expected_key: Option<&VerifyingKey>,
) -> Result<Report, BundleError> {
    fs::create_dir(target_dir).map_err(|source| BundleError::Extract {
        path: target_dir.to_path_buf(),
        source,
    })?;
    let mut input = input;
    let result = run(&mut input, expected_key, Some(target_dir));
    if result.is_err() {
        let _ = fs::remove_dir_all(target_dir);
    }
    result
}

/// Input buffer: large reads keep the per-call cost of the inflater low.
const INPUT_BUFFER: usize = 256 << 10;

fn run(
    input: &mut dyn Read,
    expected_key: Option<&VerifyingKey>,
    target: Option<&Path>,
) -> Result<Report, BundleError> {
    let mut magic = [0u8; 2];
    if let Err(e) = input.read_exact(&mut magic) {
        return Err(match e.kind() {
            io::ErrorKind::UnexpectedEof => {
                BundleError::NotABundle("the input is empty or shorter than a gzip header".into())
            }
            _ => BundleError::Input(e),
        });
    }
    if magic != [0x1f, 0x8b] {
        return Err(BundleError::NotABundle("it is not gzip data".into()));
    }
    let source = Source(io::Cursor::new(magic).chain(input));
    let inflated = Inflated(GzDecoder::new(BufReader::with_capacity(
        INPUT_BUFFER,
        source,
    )));
    let mut archive = tar::Archive::new(inflated);
    let report = Pass {
        entries: archive.entries().map_err(classify)?.raw(true),
        order: vec![
            MANIFEST.into(),
            SIGNATURE.into(),
            KEY.into(),
            JOURNAL.into(),
        ],
        position: 0,
        seen: HashSet::new(),
        measured: Vec::new(),
        target,
        digester: Digester::new().map_err(|_| BundleError::Worker)?,
    }
    .run(expected_key)?;
    check_end(&mut archive.into_inner())?;
    Ok(report)
}

/// Most zero padding accepted after the tar end marker. tar pads to its record size (10 KiB by
/// default, 1 MiB with the largest blocking factor in common use); gigabytes of zeros compress to
/// a few megabytes and would otherwise be inflated in full.
const PADDING_MAX: u64 = 1 << 20;

/// After the tar end marker: at most [`PADDING_MAX`] bytes of zero padding, then the gzip
/// trailer (whose CRC and length the decoder checks on reaching it), then nothing.
fn check_end<R: Read>(inflated: &mut Inflated<R>) -> Result<(), BundleError> {
    let mut buffer = vec![0u8; 64 << 10];
    let mut padding = 0u64;
    loop {
        let n = match inflated.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(classify(e)),
        };
        if buffer[..n].iter().any(|&b| b != 0) {
            return Err(BundleError::Corrupt(
                "there is data after the end of the tar archive".into(),
            ));
        }
        padding += n as u64;
        if padding > PADDING_MAX {
            return Err(BundleError::Corrupt(
                "more than 1 MiB of padding after the end of the tar archive".into(),
            ));
        }
    }
    match inflated.0.get_mut().fill_buf() {
        Ok([]) => Ok(()),
        Ok(_) => Err(BundleError::Corrupt(
            "there is data after the end of the gzip stream".into(),
        )),
        Err(e) => Err(classify(e)),
    }
}

/// One pass over the members, in the format's order.
struct Pass<'a, 't, R: Read + 'a> {
    entries: tar::Entries<'a, R>,
    /// The member names in order: the fixed four, then (once the manifest is read) the items
    /// and SHA256SUMS.
    order: Vec<String>,
    /// Index into `order` of the next member.
    position: usize,
    seen: HashSet<String>,
    /// Every member but SHA256SUMS, with its digest, in order.
    measured: Vec<(String, [u8; 32])>,
    /// Where to extract to, if extracting.
    target: Option<&'t Path>,
    digester: Digester,
}

impl<'a, R: Read + 'a> Pass<'a, '_, R> {
    /// The checks, in the order the members arrive; each uses only what is already trusted.
    fn run(mut self, expected_key: Option<&VerifyingKey>) -> Result<Report, BundleError> {
        let manifest_json = self.small(MANIFEST, MANIFEST_LIMIT)?;
        let manifest = Manifest::parse(&manifest_json)?;
        self.order
            .extend(manifest.items.iter().map(|item| item.file.clone()));
        self.order.push(SUMS.into());

        let signature = parse_signature(&self.small(SIGNATURE, SMALL_LIMIT)?)?;
        let key_text = self.small(KEY, SMALL_LIMIT)?;
        let key = std::str::from_utf8(&key_text)
            .map_err(|_| "not text".to_string())
            .and_then(public_key_from_hex)
            .map_err(|what| BundleError::KeyMaterial { member: KEY, what })?;
        check_trust(&manifest, &manifest_json, &signature, &key, expected_key)?;
        drop(manifest_json);

        let journal = self.small(JOURNAL, JOURNAL_LIMIT)?;
        let events = check_journal(&manifest, &journal)?;
        drop(journal);

        if let (Some(target), false) = (self.target, manifest.items.is_empty()) {
            let dir = target.join(ITEMS_DIR);
            fs::create_dir(&dir).map_err(|source| BundleError::Extract { path: dir, source })?;
        }
        let mut item_bytes = 0;
        for item in &manifest.items {
            self.item(&item.file, item.size, &item.sha256)?;
            item_bytes += item.size;
        }

        let sums = self.small(SUMS, SUMS_LIMIT)?;
        sums::check(&sums, &self.measured)?;
        self.no_more()?;
        Ok(Report {
            items: manifest.items.len(),
            manifest,
            key: hex::encode(key.to_bytes()),
            key_trusted: expected_key.is_some(),
            item_bytes,
            events,
        })
    }

    /// The next member, which must be `order[position]`; names what is wrong otherwise.
    fn next(&mut self) -> Result<tar::Entry<'a, R>, BundleError> {
        let expected = &self.order[self.position];
        let entry = match self.entries.next() {
            None if self.position == 0 => {
                return Err(BundleError::NotABundle("the archive is empty".into()));
            }
            None => {
                return Err(BundleError::Missing {
                    name: expected.clone(),
                });
            }
            Some(entry) => entry.map_err(classify)?,
        };
        let name = self.admit(&entry)?;
        if name != *expected {
            return Err(if self.position == 0 {
                BundleError::NotABundle(format!("its first member is {name:?}, not {MANIFEST}"))
            } else if self.order[self.position + 1..].contains(&name) {
                BundleError::Missing {
                    name: expected.clone(),
                }
            } else {
                BundleError::Unexpected { name }
            });
        }
        self.seen.insert(name);
        self.position += 1;
        Ok(entry)
    }

    /// The checks every member passes, whatever it is: a safe name, a regular file, and not
    /// seen before. Returns its name.
    fn admit(&self, entry: &tar::Entry<'a, R>) -> Result<String, BundleError> {
        let raw = entry.path_bytes();
        let name = String::from_utf8_lossy(&raw).into_owned();
        if let Some(why) = unsafe_name(&raw) {
            return Err(BundleError::UnsafeName { name, why });
        }
        let kind = entry.header().entry_type();
        if !kind.is_file() {
            return Err(BundleError::NotRegular {
                name,
                kind: describe(kind),
            });
        }
        if self.seen.contains(&name) {
            return Err(BundleError::Duplicate { name });
        }
        Ok(name)
    }

    /// After SHA256SUMS: the end of the archive.
    fn no_more(&mut self) -> Result<(), BundleError> {
        match self.entries.next() {
            None => Ok(()),
            Some(entry) => {
                let entry = entry.map_err(classify)?;
                Err(BundleError::Unexpected {
                    name: self.admit(&entry)?,
                })
            }
        }
    }

    /// Reads the next member, `name`, into memory (refusing it past `limit` before reading),
    /// records its digest (SHA256SUMS excepted) and, when extracting, writes it.
    fn small(&mut self, name: &str, limit: u64) -> Result<Vec<u8>, BundleError> {
        let mut entry = self.next()?;
        let size = entry.size();
        if size > limit {
            return Err(BundleError::TooLarge {
                name: name.to_string(),
                size,
                limit,
            });
        }
        let mut bytes = Vec::with_capacity(size as usize);
        entry.read_to_end(&mut bytes).map_err(classify)?;
        if (bytes.len() as u64) < size {
            return Err(BundleError::Truncated(format!(
                "{name} ends after {} of its {size} bytes",
                bytes.len()
            )));
        }
        if name != SUMS {
            self.measured
                .push((name.to_string(), Sha256::digest(&bytes).into()));
        }
        if let Some(target) = self.target {
            let path = target.join(name);
            io::Write::write_all(&mut create_new(&path)?, &bytes)
                .map_err(|source| BundleError::Extract { path, source })?;
        }
        Ok(bytes)
    }

    /// Streams the next member, item `name`, through the hashing thread and checks it.
    fn item(&mut self, name: &str, size: u64, sha256: &str) -> Result<(), BundleError> {
        let mut entry = self.next()?;
        if entry.size() != size {
            return Err(BundleError::SizeMismatch {
                member: name.to_string(),
                actual: entry.size(),
                expected: size,
            });
        }
        let path = self.target.map(|target| target.join(name));
        let sink = path.as_deref().map(create_new).transpose()?;
        let (digest, read) = self
            .digester
            .stream(&mut entry, size, sink, |_| Ok(()))
            .map_err(|e| match e {
                StreamError::Read(e) => classify(e),
                StreamError::Sink(source) => BundleError::Extract {
                    path: path.clone().unwrap_or_default(),
                    source,
                },
                StreamError::Each(_) | StreamError::Worker => BundleError::Worker,
            })?;
        if read < size {
            return Err(BundleError::Truncated(format!(
                "{name} ends after {read} of its {size} bytes"
            )));
        }
        let actual = hex::encode(digest);
        if actual != sha256 {
            return Err(BundleError::DigestMismatch {
                member: name.to_string(),
                actual,
                expected: sha256.to_string(),
            });
        }
        self.measured.push((name.to_string(), digest));
        Ok(())
    }
}

/// The trust checks, in the order that names the fault best: the key the caller trusts, then
/// the signature, then that the manifest names the key that signed it.
fn check_trust(
    manifest: &Manifest,
    manifest_json: &[u8],
    signature: &Signature,
    key: &VerifyingKey,
    expected_key: Option<&VerifyingKey>,
) -> Result<(), BundleError> {
    let found = hex::encode(key.to_bytes());
    if let Some(expected) = expected_key
        && expected != key
    {
        return Err(BundleError::DifferentKey {
            found,
            expected: hex::encode(expected.to_bytes()),
        });
    }
    key.verify_strict(manifest_json, signature)
        .map_err(|_| BundleError::BadSignature)?;
    if !manifest.key.eq_ignore_ascii_case(&found) {
        return Err(BundleError::KeyMismatch {
            manifest: manifest.key.clone(),
            key_pub: found,
        });
    }
    Ok(())
}

/// The journal is the incident's intact chain and is the one the manifest pins. Returns the
/// number of events.
fn check_journal(manifest: &Manifest, bytes: &[u8]) -> Result<u64, BundleError> {
    let pinned = &manifest.journal;
    let (events, head) = jsonl::check(&manifest.incident.to_string(), bytes)?;
    if events != pinned.events {
        return Err(BundleError::Journal(format!(
            "it holds {events} events, the manifest says {} (events removed or added?)",
            pinned.events
        )));
    }
    if !head.to_string().eq_ignore_ascii_case(&pinned.head) {
        return Err(BundleError::Journal(format!(
            "its last event's hash is {head}, the manifest says {}",
            pinned.head
        )));
    }
    let actual = hex::encode(Sha256::digest(bytes));
    if actual != pinned.sha256 {
        return Err(BundleError::DigestMismatch {
            member: JOURNAL.to_string(),
            actual,
            expected: pinned.sha256.clone(),
        });
    }
    Ok(events)
}

fn create_new(path: &Path) -> Result<File, BundleError> {
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|source| BundleError::Extract {
            path: path.to_path_buf(),
            source,
        })
}

fn parse_signature(bytes: &[u8]) -> Result<Signature, BundleError> {
    let bad = |what: &str| BundleError::KeyMaterial {
        member: SIGNATURE,
        what: what.to_string(),
    };
    let text = std::str::from_utf8(bytes).map_err(|_| bad("not text"))?;
    let mut signature = [0u8; 64];
    hex::decode_to_slice(text.trim(), &mut signature)
        .map_err(|_| bad("not an ed25519 signature (expected 128 hex characters)"))?;
    Ok(Signature::from_bytes(&signature))
}

fn describe(kind: tar::EntryType) -> &'static str {
    use tar::EntryType as T;
    match kind {
        T::Link => "hard link",
        T::Symlink => "symbolic link",
        T::Char => "character device",
        T::Block => "block device",
        T::Directory => "directory",
        T::Fifo => "FIFO",
        T::Continuous => "contiguous file",
        T::GNULongName | T::GNULongLink => "GNU long-name record",
        T::GNUSparse => "sparse file",
        T::XHeader | T::XGlobalHeader => "pax header",
        _ => "special entry",
    }
}

/// An error from the input itself (the file or pipe), as opposed to its content.
#[derive(Debug)]
struct InputError(io::Error);

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for InputError {}

/// An error from the gzip decoder: the compressed stream is damaged or cut.
#[derive(Debug)]
struct GzipError(io::Error);

impl fmt::Display for GzipError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for GzipError {}

/// The raw input, its errors marked as [`InputError`].
struct Source<R>(R);

impl<R: Read> Read for Source<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf).map_err(|e| match e.kind() {
            io::ErrorKind::Interrupted => e,
            _ => io::Error::other(InputError(e)),
        })
    }
}

/// The decompressed stream, its own errors marked as [`GzipError`].
struct Inflated<R>(GzDecoder<BufReader<Source<R>>>);

impl<R: Read> Read for Inflated<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf).map_err(|e| {
            let from_input = e.get_ref().is_some_and(|inner| inner.is::<InputError>());
            match e.kind() {
                io::ErrorKind::Interrupted => e,
                _ if from_input => e,
                _ => io::Error::other(GzipError(e)),
            }
        })
    }
}

/// Names what an I/O error during reading means: the input failed, the compressed stream is
/// cut or damaged, or (unmarked) the tar structure inside it is.
fn classify(e: io::Error) -> BundleError {
    if e.get_ref().is_some_and(|inner| inner.is::<InputError>()) {
        if let Some(Ok(input)) = e.into_inner().map(|inner| inner.downcast::<InputError>()) {
            return BundleError::Input(input.0);
        }
        return BundleError::Worker;
    }
    if e.get_ref().is_some_and(|inner| inner.is::<GzipError>()) {
        if let Some(Ok(gzip)) = e.into_inner().map(|inner| inner.downcast::<GzipError>()) {
            let gzip = gzip.0;
            return match gzip.kind() {
                io::ErrorKind::UnexpectedEof => {
                    BundleError::Truncated("the compressed stream ends early".into())
                }
                _ => BundleError::Corrupt(format!("gzip: {gzip}")),
            };
        }
        return BundleError::Worker;
    }
    BundleError::Corrupt(format!("tar: {e}"))
}
