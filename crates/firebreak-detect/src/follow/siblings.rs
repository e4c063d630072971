//! Finding where a followed file went: rotation renames it within its directory
//! (`access.log.1`, `access.log-20250101`), and copytruncate leaves a copy there. Only names
//! that start with the followed file's name are looked at.

use std::fs::{self, File};
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};

/// Directory entries looked at, at most.
const MAX_ENTRIES: usize = 10_000;

/// Rotated siblings of `path`: regular files in its directory whose names start with its
/// name (the name itself excluded).
fn siblings(path: &Path) -> Vec<(PathBuf, fs::Metadata)> {
    let Some(name) = path.file_name().map(|n| n.as_encoded_bytes().to_vec()) else {
        return Vec::new();
    };
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .take(MAX_ENTRIES)
        .filter_map(Result::ok)
        .filter(|entry| {
            let other = entry.file_name();
            let other = other.as_encoded_bytes();
            other.len() > name.len() && other.starts_with(&name)
        })
        .filter_map(|entry| {
            let meta = fs::metadata(entry.path()).ok()?;
            meta.is_file().then(|| (entry.path(), meta))
        })
        .collect()
}

/// The sibling that is the file with this (device, inode), if rotation renamed it.
pub(super) fn find_inode(path: &Path, dev: u64, inode: u64) -> Option<PathBuf> {
    siblings(path)
        .into_iter()
        .find(|(_, meta)| meta.dev() == dev && meta.ino() == inode)
        .map(|(found, _)| found)
}

/// A copy of the file's content as it was: a sibling other than (`dev`, `inode`) at least
/// `size` bytes long that starts with `first`.
pub(super) fn find_copy(
    path: &Path,
    first: &[u8],
    size: u64,
    (dev, inode): (u64, u64),
) -> Option<PathBuf> {
    if first.is_empty() {
        return None;
    }
    siblings(path)
        .into_iter()
        .filter(|(_, meta)| meta.len() >= size && !(meta.dev() == dev && meta.ino() == inode))
        .find(|(candidate, _)| starts_with(candidate, first))
        .map(|(found, _)| found)
}

fn starts_with(path: &Path, first: &[u8]) -> bool {
    let Ok(file) = File::open(path) else {
        return false;
    };
    let mut head = vec![0; first.len()];
    let mut filled = 0;
    while let Some(space) = head.get_mut(filled..) {
        if space.is_empty() {
            break;
        }
        match file.read_at(space, filled as u64) {
            Ok(0) | Err(_) => return false,
            Ok(n) => filled += n,
        }
    }
    head == first
}
