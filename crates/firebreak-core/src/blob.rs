//! The content-addressed store evidence lives in: `ROOT/sha256/ab/cdef…`, one file per
//! distinct content, written once (temporary file, fsync, rename) and never changed. A blob's
//! name is its SHA-256, so checking it means hashing it again.

use std::fs;
use std::io::{self, Read, Write as _};
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};

/// Read and write in blocks this large: big enough for SHA-NI to run at full speed, small
/// enough that memory stays flat for any file size.
const BUFFER: usize = 1 << 20;

/// Buffers between the reading and the writing thread.
const IN_FLIGHT: usize = 8;

/// Start writing back to the disk after this many bytes rather than all at the end.
const FLUSH_EVERY: usize = 32 << 20;

/// Copies `reader` into `file` while hashing it, as a pipeline: one thread reads, this one
/// hashes, one writes, and one pushes what was written to the disk every [`FLUSH_EVERY`] bytes,
/// so reading, hashing, writing and the disk's own work overlap instead of taking turns. Memory
/// stays at [`IN_FLIGHT`] buffers.
fn copy_hashing(mut reader: impl Read + Send, file: &fs::File) -> io::Result<(String, u64)> {
    type Filled = (Vec<u8>, usize);
    let (read_tx, read_rx) = std::sync::mpsc::sync_channel::<Filled>(IN_FLIGHT);
    let (hashed_tx, hashed_rx) = std::sync::mpsc::sync_channel::<Filled>(IN_FLIGHT);
    let (empty_tx, empty_rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(IN_FLIGHT);
    for _ in 0..IN_FLIGHT {
        let _ = empty_tx.send(vec![0u8; BUFFER]);
    }
    std::thread::scope(|scope| {
        let reading = scope.spawn(move || -> io::Result<()> {
            // Ends when the input does, or when the hasher stops taking buffers.
            while let Ok(mut buffer) = empty_rx.recv() {
                let n = match reader.read(&mut buffer) {
                    Ok(n) => n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {
                        let _ = read_tx.send((buffer, usize::MAX));
                        continue;
                    }
                    Err(e) => return Err(e),
                };
                if read_tx.send((buffer, n)).is_err() || n == 0 {
                    break;
                }
            }
            Ok(())
        });
        // A flushing thread pushes written data to the disk while writing goes on; a request made
        // while one is already pending is dropped, since the pending flush will cover it.
        let (flush_tx, flush_rx) = std::sync::mpsc::sync_channel::<()>(1);
        let flusher = scope.spawn(move || -> io::Result<()> {
            while flush_rx.recv().is_ok() {
                file.sync_data()?;
            }
            Ok(())
        });
        let writing = scope.spawn(move || -> io::Result<()> {
            let mut out = file;
            let mut unflushed = 0usize;
            while let Ok((buffer, n)) = hashed_rx.recv() {
                out.write_all(&buffer[..n])?;
                unflushed += n;
                if unflushed >= FLUSH_EVERY {
                    let _ = flush_tx.try_send(());
                    unflushed = 0;
                }
                // The reader may have stopped; then nobody needs the buffer back.
                let _ = empty_tx.send(buffer);
            }
            drop(flush_tx);
            flusher
                .join()
                .unwrap_or_else(|_| Err(io::Error::other("the flushing thread panicked")))
        });
        // This thread hashes, in order, between the reader and the writer.
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        while let Ok((buffer, n)) = read_rx.recv() {
            match n {
                0 => break,
                usize::MAX => {
                    let _ = hashed_tx.send((buffer, 0));
                    continue;
                }
                n => {
                    hasher.update(&buffer[..n]);
                    size += n as u64;
                    if hashed_tx.send((buffer, n)).is_err() {
                        break;
                    }
                }
            }
        }
        drop(read_rx);
        drop(hashed_tx);
        let joined = |r: std::thread::Result<io::Result<()>>, who: &str| {
            r.unwrap_or_else(|_| Err(io::Error::other(format!("the {who} thread panicked"))))
        };
        let read_result = joined(reading.join(), "reading");
        let write_result = joined(writing.join(), "writing");
        read_result?;
        write_result?;
        Ok((hex::encode(hasher.finalize()), size))
    })
}

/// What `check` found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// Present, and its bytes still hash to its name.
    Intact,
    /// Present, but its bytes no longer hash to its name.
    Altered,
    /// Not in the store.
    Missing,
}

/// A content-addressed directory of blobs.
#[derive(Debug, Clone)]
pub struct BlobStore {
    root: PathBuf,
}

impl BlobStore {
    /// The store under `root` (created on first write).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        BlobStore { root: root.into() }
    }

    /// The evidence store of a data directory: `DATA_DIR/evidence`.
    pub fn in_data_dir(data_dir: &Path) -> Self {
        BlobStore::new(data_dir.join("evidence"))
    }

    /// Where the blob with hex digest `sha256` lives. `None` for anything but 64 hex digits,
    /// so a digest read from elsewhere can never name a path outside the store.
    pub fn path(&self, sha256: &str) -> Option<PathBuf> {
        let ok = sha256.len() == 64
            && sha256
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase());
        ok.then(|| {
            self.root
                .join("sha256")
                .join(&sha256[..2])
                .join(&sha256[2..])
        })
    }

    /// Stores bytes already in memory (a step's output, a snapshot part), returning their hex
    /// SHA-256. Storing the same bytes twice is a no-op. Small and common, so no threads.
    pub fn put(&self, bytes: &[u8]) -> io::Result<String> {
        let digest = hex::encode(Sha256::digest(bytes));
        if self.holds(&digest) {
            return Ok(digest);
        }
        let mut tmp = self.incoming()?;
        tmp.write_all(bytes)?;
        self.settle(tmp, &digest)?;
        Ok(digest)
    }

    /// Streams `reader` into the store with bounded memory, returning the hex SHA-256 and the
    /// length. The bytes go to a temporary file that is fsynced and renamed into place only when
    /// complete, so a failure (a full disk, a read error) leaves nothing under a digest's name.
    pub fn put_reader(&self, reader: impl Read + Send) -> io::Result<(String, u64)> {
        let tmp = self.incoming()?;
        let (digest, size) = copy_hashing(reader, tmp.as_file())?;
        self.settle(tmp, &digest)?;
        Ok((digest, size))
    }

    fn holds(&self, digest: &str) -> bool {
        self.path(digest).is_some_and(|p| p.exists())
    }

    /// A temporary file in the store, removed again unless [`settle`](Self::settle)d.
    fn incoming(&self) -> io::Result<tempfile::NamedTempFile> {
        let tmp_dir = self.root.join("tmp");
        fs::create_dir_all(&tmp_dir)?;
        tempfile::Builder::new()
            .prefix("incoming-")
            .tempfile_in(&tmp_dir)
    }

    /// Makes a complete temporary file the blob `digest`: read-only, fsynced, renamed into place,
    /// directory fsynced. If the store already holds it, the temporary file is just dropped.
    fn settle(&self, tmp: tempfile::NamedTempFile, digest: &str) -> io::Result<()> {
        let path = self
            .path(digest)
            .unwrap_or_else(|| unreachable!("a SHA-256 is 64 hex digits"));
        if path.exists() {
            return Ok(());
        }
        let file = tmp.as_file();
        // Evidence is written once; read-only says so to anyone (and any tool) that opens it.
        file.set_permissions(fs::Permissions::from_mode(0o400))?;
        file.sync_all()?;
        let dir = path.parent().unwrap_or(Path::new("."));
        fs::create_dir_all(dir)?;
        tmp.persist(&path).map_err(|e| e.error)?;
        fs::File::open(dir)?.sync_all()
    }

    /// Whether the blob is present and still hashes to its name (streamed, bounded memory).
    pub fn verify(&self, sha256: &str) -> io::Result<bool> {
        Ok(self.check(sha256)? == Check::Intact)
    }

    /// What became of the blob with this digest.
    pub fn check(&self, sha256: &str) -> io::Result<Check> {
        let Some(path) = self.path(sha256) else {
            return Ok(Check::Missing);
        };
        let mut file = match fs::File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Check::Missing),
            Err(e) => return Err(e),
        };
        let mut hasher = Sha256::new();
        let mut buffer = vec![0u8; BUFFER];
        loop {
            match file.read(&mut buffer) {
                Ok(0) => break,
                Ok(n) => hasher.update(&buffer[..n]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(if hex::encode(hasher.finalize()) == sha256 {
            Check::Intact
        } else {
            Check::Altered
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blobs_are_named_by_content_and_verified() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = BlobStore::new(dir.path());
        let digest = store.put(b"df -h output").expect("put");
        assert_eq!(store.put(b"df -h output").expect("again"), digest);
        assert!(store.verify(&digest).expect("verify"));
        let path = store.path(&digest).expect("path");
        assert_eq!(
            fs::metadata(&path).expect("meta").permissions().mode() & 0o777,
            0o400
        );
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).expect("chmod");
        fs::write(&path, b"edited").expect("tamper");
        assert!(!store.verify(&digest).expect("verify"));
        assert!(store.path("../../etc/passwd").is_none());
    }
}
