//! Files a backend owns: read if present, replaced atomically (temporary file in the same
//! directory, fsync, rename, fsync of the directory).

use std::io::Write as _;
use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;

use super::ContainError;

/// The file's text, or `None` when it does not exist.
pub fn read_optional(path: &Path) -> Result<Option<String>, ContainError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(ContainError::Io {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Replaces `path` with `bytes` (mode `mode`) so that a reader sees the old file or the new one.
pub fn replace(path: &Path, bytes: &[u8], mode: u32) -> Result<(), ContainError> {
    replace_owned(path, bytes, mode, None)
}

/// [`replace`], giving the new file `owner` (uid, gid) before it takes the old one's place.
pub fn replace_owned(
    path: &Path,
    bytes: &[u8],
    mode: u32,
    owner: Option<(u32, u32)>,
) -> Result<(), ContainError> {
    let io = |source| ContainError::Io {
        path: path.to_path_buf(),
        source,
    };
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut temp = tempfile::Builder::new()
        .prefix(".firebreak-")
        .tempfile_in(dir)
        .map_err(io)?;
    temp.write_all(bytes).map_err(io)?;
    temp.as_file()
        .set_permissions(std::fs::Permissions::from_mode(mode))
        .map_err(io)?;
    if let Some((uid, gid)) = owner {
        rustix::fs::fchown(
            temp.as_file(),
            Some(rustix::fs::Uid::from_raw(uid)),
            Some(rustix::fs::Gid::from_raw(gid)),
        )
        .map_err(|e| io(e.into()))?;
    }
    temp.as_file().sync_all().map_err(io)?;
    temp.persist(path).map_err(|e| io(e.error))?;
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io)?;
    Ok(())
}
