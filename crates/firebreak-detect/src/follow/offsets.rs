//! The offsets file: where following stopped in each file, so a restart neither misses nor
//! repeats lines. JSON, replaced atomically (temporary file, fsync, rename, fsync of the
//! directory), so a crash leaves the old or the new state, never half of one.
//!
//! Each followed path keeps one position per file still being read for it: a rotated-away
//! file still being finished, then the file at the path. A position names the file by
//! (device, inode) and by its first bytes, so a different file that recycled the inode is
//! not mistaken for it.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::FollowError;

/// Format version written today.
const VERSION: u32 = 1;

/// Offsets files larger than this are not ours.
const MAX_SIZE: u64 = 16 * 1024 * 1024;

/// Everything saved.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Saved {
    pub version: u32,
    pub paths: Vec<SavedPath>,
}

/// One followed path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SavedPath {
    pub path: PathBuf,
    /// Oldest first; the last is the file that was at the path, if there was one.
    pub files: Vec<Position>,
}

/// Where reading stopped in one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Position {
    pub dev: u64,
    pub inode: u64,
    /// Bytes consumed: every line before it was delivered.
    pub offset: u64,
    /// Lines delivered from this file.
    pub line: u64,
    /// Inside an overlong line whose kept part was delivered.
    #[serde(default)]
    pub skipping: bool,
    /// The file's first bytes (up to 256), hex.
    pub fingerprint: String,
}

impl Saved {
    pub fn new(paths: Vec<SavedPath>) -> Saved {
        Saved {
            version: VERSION,
            paths,
        }
    }

    /// Reads the offsets file; `None` when there is none yet.
    pub fn load(path: &Path) -> Result<Option<Saved>, FollowError> {
        let failed = |source| FollowError::Offsets {
            path: path.to_owned(),
            source,
        };
        let damaged = |reason: String| FollowError::Damaged {
            path: path.to_owned(),
            reason,
        };
        let meta = match fs::metadata(path) {
            Ok(meta) => meta,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(failed(e)),
        };
        if meta.len() > MAX_SIZE {
            return Err(damaged(format!("{} bytes is too large", meta.len())));
        }
        let text = fs::read(path).map_err(failed)?;
        let saved: Saved = serde_json::from_slice(&text).map_err(|e| damaged(e.to_string()))?;
        if saved.version != VERSION {
            return Err(damaged(format!("unknown version {}", saved.version)));
        }
        for position in saved.paths.iter().flat_map(|p| &p.files) {
            if unhex(&position.fingerprint).is_none() {
                return Err(damaged(format!(
                    "fingerprint {:?} is not hex",
                    position.fingerprint
                )));
            }
        }
        Ok(Some(saved))
    }

    /// Replaces the offsets file atomically.
    pub fn store(&self, path: &Path) -> Result<(), FollowError> {
        let failed = |source| FollowError::Offsets {
            path: path.to_owned(),
            source,
        };
        let text = serde_json::to_vec_pretty(self).map_err(|e| failed(io::Error::other(e)))?;
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        let mut name = path.file_name().unwrap_or_default().to_owned();
        name.push(".tmp");
        let temporary = dir.join(name);
        let mut file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&temporary)
            .map_err(failed)?;
        file.write_all(&text).map_err(failed)?;
        file.sync_all().map_err(failed)?;
        drop(file);
        fs::rename(&temporary, path).map_err(failed)?;
        File::open(dir).and_then(|d| d.sync_all()).map_err(failed)?;
        Ok(())
    }

    /// The positions saved for `path`, if it was followed.
    pub fn take(&mut self, path: &Path) -> Option<Vec<Position>> {
        let at = self.paths.iter().position(|p| p.path == path)?;
        Some(self.paths.swap_remove(at).files)
    }
}

/// Bytes as lowercase hex.
pub(super) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        text.push(char::from(DIGITS[usize::from(b >> 4)]));
        text.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    text
}

/// Hex back to bytes; `None` if it is not hex.
pub(super) fn unhex(text: &str) -> Option<Vec<u8>> {
    let digit = |c: u8| char::from(c).to_digit(16).map(|d| d as u8);
    let text = text.as_bytes();
    if !text.len().is_multiple_of(2) {
        return None;
    }
    text.chunks_exact(2)
        .map(|pair| Some(digit(pair[0])? << 4 | digit(pair[1])?))
        .collect()
}
