//! The content-addressed store evidence lives in: `ROOT/sha256/ab/cdef…`, one file per
//! distinct content, written once (temporary file, fsync, rename) and never changed. A blob's
//! name is its SHA-256, so checking it means hashing it again.

use std::fs;
use std::io::{self, Write as _};
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};

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

    /// Stores `bytes`, returning their hex SHA-256. Storing the same bytes twice is a no-op.
    pub fn put(&self, bytes: &[u8]) -> io::Result<String> {
        let digest = hex::encode(Sha256::digest(bytes));
        let path = self
            .path(&digest)
            .unwrap_or_else(|| unreachable!("a SHA-256 is 64 hex digits"));
        if path.exists() {
            return Ok(digest);
        }
        let dir = path.parent().unwrap_or(Path::new("."));
        fs::create_dir_all(dir)?;
        let tmp = dir.join(format!(".{}.tmp-{}", &digest[2..], std::process::id()));
        let mut file = fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        // Evidence is written once; read-only says so to anyone (and any tool) that opens it.
        file.set_permissions(fs::Permissions::from_mode(0o400))?;
        file.sync_all()?;
        drop(file);
        fs::rename(&tmp, &path)?;
        fs::File::open(dir)?.sync_all()?;
        Ok(digest)
    }

    /// Whether the blob is present and still hashes to its name.
    pub fn verify(&self, sha256: &str) -> io::Result<bool> {
        let Some(path) = self.path(sha256) else {
            return Ok(false);
        };
        match fs::read(&path) {
            Ok(bytes) => Ok(hex::encode(Sha256::digest(&bytes)) == sha256),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e),
        }
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
