//! Containment on this host: enforcing blocks through a backend (nginx, nftables, iptables
//! behind [`Backend`]) and the one path that changes them ([`act`]): refuse what must never be
//! blocked, make the backend enforce the new set, then record it — or put the old set back.
//! What is blocked is decided in `firebreak_core::contain` and folded from the journal; a
//! backend only ever enforces a whole set, so any run of it also repairs drift.

pub mod act;
pub mod command;
pub mod files;
pub mod findings;
pub mod iptables;
pub mod nftables;
pub mod nginx;
pub mod rotate;

use std::path::PathBuf;

use firebreak_core::contain::{Active, Contain, Via};
use jiff::Timestamp;

/// Why a containment change did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ContainError {
    /// A program could not be started.
    #[error("cannot run `{command}`: {source}")]
    Spawn {
        /// The command line.
        command: String,
        /// Why.
        source: std::io::Error,
    },
    /// A program failed.
    #[error("`{command}` failed ({detail})")]
    Failed {
        /// The command line.
        command: String,
        /// Exit status and the end of its error output.
        detail: String,
    },
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A step failed and what was enforced before was put back.
    #[error("{0}; the previous rules were put back")]
    RolledBack(Box<ContainError>),
    /// A step failed and putting the previous rules back failed too.
    #[error("{0}; putting the previous rules back ALSO failed ({1}): check the backend by hand")]
    NotRolledBack(Box<ContainError>, Box<ContainError>),
    /// The target is protected.
    #[error(transparent)]
    Refused(#[from] firebreak_core::contain::Refusal),
    /// Recording failed, or the incident refused the change.
    #[error(transparent)]
    Service(#[from] crate::service::ServiceError),
    /// `unblock` named something not blocked.
    #[error("{0} is not blocked on this host{1}; `firebreak block ls` lists what is")]
    NotBlocked(firebreak_core::contain::Net, String),
    /// The backend was changed but recording failed, and the change was undone.
    #[error("could not record the change ({0}); the backend was put back as it was")]
    NotRecorded(Box<ContainError>),
    /// Another firebreak holds the containment lock for too long.
    #[error("another firebreak is changing blocks on this host ({0} is locked); try again")]
    Locked(PathBuf),
}

/// A place blocks are enforced. Both methods take the whole set the backend should enforce
/// afterwards, never a delta.
pub trait Backend: Send + Sync {
    /// The exact change enforcing `blocks` would make, as lines for `--dry-run`.
    fn preview(&self, blocks: &[Active]) -> Result<Vec<String>, ContainError>;
    /// Enforces exactly `blocks`. On failure what was enforced before stays (or the error says
    /// that it could not be put back).
    fn enforce(&self, blocks: &[Active]) -> Result<(), ContainError>;
}

/// The backend for `via` under `config`.
pub fn backend(via: Via, config: &Contain) -> Result<Box<dyn Backend + '_>, ContainError> {
    match via {
        Via::Nginx => Ok(Box::new(nginx::Nginx::new(&config.nginx))),
        Via::Nftables => Ok(Box::new(nftables::Nftables::new(&config.nftables))),
        Via::Iptables => Ok(Box::new(iptables::Iptables::new(&config.iptables))),
    }
}

/// Kernel timeouts longer than this (about 24 days, ipset's limit) are left off: such an entry
/// stays until firebreak's own expiry lifts it.
pub const MAX_KERNEL_TIMEOUT_SECONDS: i64 = 2_147_483;

/// The whole seconds (rounded up) a block lasting `until` has left at `now`, for a kernel
/// timeout: `None` when the time is already up (the entry is left out), `Some(None)` when it is
/// longer than [`MAX_KERNEL_TIMEOUT_SECONDS`] (the entry gets no kernel timeout).
pub fn seconds_left(until: Timestamp, now: Timestamp) -> Option<Option<i64>> {
    let ms = until.as_millisecond().saturating_sub(now.as_millisecond());
    if ms <= 0 {
        return None;
    }
    let seconds = (ms + 999) / 1000;
    Some((seconds <= MAX_KERNEL_TIMEOUT_SECONDS).then_some(seconds))
}
