//! What can stop a [`Follower`](super::Follower): only problems with the offsets file or a
//! read failing on a file already open. A file that is missing or unreadable is a
//! [`Notice`](super::Notice), not an error: it may appear or become readable later.

use std::io;
use std::path::PathBuf;

/// Why following failed.
#[derive(Debug, thiserror::Error)]
pub enum FollowError {
    /// Reading a followed file (already open) failed.
    #[error("{path}: {source}")]
    Read {
        /// The followed path.
        path: PathBuf,
        /// What the system said.
        source: io::Error,
    },
    /// The saved offsets file could not be read or written.
    #[error("offsets file {path}: {source}")]
    Offsets {
        /// The offsets file.
        path: PathBuf,
        /// What the system said.
        source: io::Error,
    },
    /// The saved offsets file is not what `save` writes.
    #[error("offsets file {path} is damaged: {reason}")]
    Damaged {
        /// The offsets file.
        path: PathBuf,
        /// What was wrong with it.
        reason: String,
    },
}
