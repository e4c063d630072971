//! `evidence add`: files and directory trees into the evidence store. Symbolic links are
//! recorded as links and never followed; devices, FIFOs and sockets are refused; a file that
//! changes while it is read is flagged; a problem with one file is reported and the rest are
//! still collected.

use std::fs::{File, Metadata, OpenOptions};
use std::os::unix::ffi::OsStrExt as _;
use std::os::unix::fs::{FileTypeExt as _, MetadataExt as _, OpenOptionsExt as _};
use std::path::{Path, PathBuf};

use firebreak_core::blob::BlobStore;
use firebreak_core::evidence::{Collected, ItemKind, Origin, path_fields};
use jiff::Timestamp;

/// How many entries one `evidence add` walks at most.
pub const MAX_ENTRIES: usize = 100_000;

/// What a collection produced.
#[derive(Debug, Default)]
pub struct Collection {
    /// Items stored, in walk order.
    pub items: Vec<Collected>,
    /// One line per path that could not be collected.
    pub problems: Vec<String>,
}

/// Collects `paths` (files, links, directory trees) into `store`.
pub fn collect(paths: &[PathBuf], store: &BlobStore, host: &str) -> Collection {
    let mut out = Collection::default();
    let mut seen = 0usize;
    for root in paths {
        // Recorded paths are absolute (not resolved: a link on the way stays visible).
        let root = std::path::absolute(root).unwrap_or_else(|_| root.clone());
        let mut stack = vec![root];
        while let Some(path) = stack.pop() {
            seen += 1;
            if seen > MAX_ENTRIES {
                out.problems.push(format!("stopped after {MAX_ENTRIES} entries; collect the rest in another `evidence add`"));
                return out;
            }
            let meta = match std::fs::symlink_metadata(&path) {
                Ok(m) => m,
                Err(e) => {
                    out.problems
                        .push(format!("{}: {}", shown(&path), describe(&e)));
                    continue;
                }
            };
            let kind = meta.file_type();
            if kind.is_dir() {
                match std::fs::read_dir(&path) {
                    Ok(entries) => {
                        let mut children: Vec<PathBuf> =
                            entries.filter_map(Result::ok).map(|e| e.path()).collect();
                        // Reverse-sorted onto a stack: files come out in name order.
                        children
                            .sort_by(|a, b| b.as_os_str().as_bytes().cmp(a.as_os_str().as_bytes()));
                        stack.extend(children);
                    }
                    Err(e) => out
                        .problems
                        .push(format!("{}: {}", shown(&path), describe(&e))),
                }
            } else if kind.is_symlink() {
                match link(&path, &meta, store, host) {
                    Ok(item) => out.items.push(item),
                    Err(e) => out
                        .problems
                        .push(format!("{}: {}", shown(&path), describe(&e))),
                }
            } else if kind.is_file() {
                match file(&path, store, host) {
                    Ok(item) => out.items.push(item),
                    Err(e) => out
                        .problems
                        .push(format!("{}: {}", shown(&path), describe(&e))),
                }
            } else {
                let what = if kind.is_char_device() {
                    "a character device"
                } else if kind.is_block_device() {
                    "a block device"
                } else if kind.is_fifo() {
                    "a FIFO"
                } else {
                    "a socket"
                };
                out.problems.push(format!("{}: is {what}; devices, FIFOs and sockets are not collected (capture what you need with `evidence capture`)", shown(&path)));
            }
        }
    }
    out
}

fn origin(path: &Path, meta: &Metadata, host: &str) -> Origin {
    let (text, hex) = path_fields(path);
    Origin {
        host: host.to_string(),
        path: text,
        path_hex: hex,
        mode: Some(meta.mode()),
        uid: Some(meta.uid()),
        gid: Some(meta.gid()),
        mtime: mtime(meta),
        ..Origin::default()
    }
}

fn mtime(meta: &Metadata) -> Option<Timestamp> {
    Timestamp::new(meta.mtime(), i32::try_from(meta.mtime_nsec()).unwrap_or(0)).ok()
}

fn link(path: &Path, meta: &Metadata, store: &BlobStore, host: &str) -> std::io::Result<Collected> {
    let target = std::fs::read_link(path)?;
    let bytes = target.as_os_str().as_bytes();
    let (sha256, size) = (store.put(bytes)?, bytes.len() as u64);
    let mut origin = origin(path, meta, host);
    origin.link_target = Some(String::from_utf8_lossy(bytes).into_owned());
    Ok(Collected {
        kind: ItemKind::Link,
        sha256,
        size,
        origin,
        changed_while_reading: false,
    })
}

fn file(path: &Path, store: &BlobStore, host: &str) -> std::io::Result<Collected> {
    // O_NOFOLLOW: the path was a regular file a moment ago; if it has been swapped for a link,
    // do not follow it. O_NONBLOCK: if it has been swapped for a FIFO, do not hang opening it.
    let flags = (rustix::fs::OFlags::NOFOLLOW | rustix::fs::OFlags::NONBLOCK).bits();
    let handle: File = OpenOptions::new()
        .read(true)
        .custom_flags(flags.cast_signed())
        .open(path)?;
    let before = handle.metadata()?;
    if !before.file_type().is_file() {
        return Err(std::io::Error::other(
            "changed into something other than a regular file while being collected",
        ));
    }
    let (sha256, size) = store.put_reader(&handle)?;
    let after = handle.metadata()?;
    // Files in /proc and /sys say they are empty and are not: only a length that moved while
    // reading, a modification time that moved, or a length that differs from what was read
    // (for a file that gave one) counts as a change.
    let read_differs = before.len() > 0 && size != before.len();
    let changed = read_differs || after.len() != before.len() || mtime(&after) != mtime(&before);
    Ok(Collected {
        kind: ItemKind::File,
        sha256,
        size,
        origin: origin(path, &before, host),
        changed_while_reading: changed,
    })
}

/// A path as shown in messages: escaped, so a newline in a name cannot fake another line.
fn shown(path: &Path) -> String {
    path.to_string_lossy().escape_debug().to_string()
}

fn describe(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    }
}
