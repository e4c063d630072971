//! `rotate`: replacing one secret in an env file on disk. The new file is written beside the old
//! one with the same mode and owner, flushed, and renamed over it, so the file is always either
//! the old one or the new one. The value goes nowhere else: the journal gets a keyed fingerprint
//! (`fingerprint.key` in the data directory, made on first use).

use std::io::Write as _;
use std::os::unix::fs::{MetadataExt as _, OpenOptionsExt as _};
use std::path::{Path, PathBuf};

use firebreak_core::contain::rotate;

use super::{ContainError, files};

/// Why a rotation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum RotateError {
    /// The file cannot be used.
    #[error("{path}: {1}; nothing was changed", path = .0.display())]
    File(PathBuf, String),
    /// The line could not be replaced.
    #[error("{path}: {1}; nothing was changed", path = .0.display())]
    Replace(PathBuf, rotate::ReplaceError),
    /// No random bytes.
    #[error(transparent)]
    Random(#[from] rotate::NoRandom),
    /// Writing failed (the old file is still in place).
    #[error("{0}; the old file is still in place")]
    Write(ContainError),
}

/// Replaces `name`'s value in `file` with `value`, keeping the file's mode and owner.
pub fn write(file: &Path, name: &str, value: &str) -> Result<(), RotateError> {
    let bad = |why: String| RotateError::File(file.to_path_buf(), why);
    let meta = std::fs::symlink_metadata(file).map_err(|e| bad(e.to_string()))?;
    if meta.file_type().is_symlink() {
        return Err(bad(
            "is a symbolic link; name the file it points to, so the link is not replaced by a file"
                .into(),
        ));
    }
    if !meta.is_file() {
        return Err(bad("is not a regular file".into()));
    }
    if meta.nlink() > 1 {
        return Err(bad(format!(
            "has {} hard links; replacing it would leave the others with the old value",
            meta.nlink()
        )));
    }
    let text = std::fs::read_to_string(file).map_err(|e| bad(e.to_string()))?;
    let new = rotate::replace(&text, name, value)
        .map_err(|e| RotateError::Replace(file.to_path_buf(), e))?;
    files::replace_owned(
        file,
        new.as_bytes(),
        meta.mode() & 0o7777,
        Some((meta.uid(), meta.gid())),
    )
    .map_err(RotateError::Write)
}

/// This installation's fingerprint key, made (32 random bytes, mode 0600) on first use.
pub fn fingerprint_key(data_dir: &Path) -> Result<Vec<u8>, RotateError> {
    let path = data_dir.join("fingerprint.key");
    let bad = |why: String| RotateError::File(path.clone(), why);
    match std::fs::read(&path) {
        Ok(key) if key.len() == 32 => return Ok(key),
        Ok(_) => return Err(bad("is not 32 bytes long; restore it from backup".into())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(bad(e.to_string())),
    }
    let mut key = vec![0u8; 32];
    getrandom::fill(&mut key).map_err(|e| bad(e.to_string()))?;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .map_err(|e| bad(e.to_string()))?;
    f.write_all(&key)
        .and_then(|()| f.sync_all())
        .map_err(|e| bad(e.to_string()))?;
    Ok(key)
}
