//! Whether writes are currently succeeding: the state a full disk leaves behind, for the
//! server's health answer and `/metrics`. The store sets it from the outcome of every write
//! transaction; nothing else does. It clears itself on the next write that commits, so an
//! operator who frees space sees the server recover without a restart.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use crate::error::StoreError;

/// What the last write transaction met.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteState {
    /// The last write committed (or none has been tried yet).
    Ok,
    /// The last write failed because the database's disk (or quota) is full.
    DiskFull,
    /// The last write failed for another database reason (I/O error, connection lost).
    Failing,
}

impl WriteState {
    /// A stable lowercase name (`ok`, `disk_full`, `failing`).
    pub fn as_str(self) -> &'static str {
        match self {
            WriteState::Ok => "ok",
            WriteState::DiskFull => "disk_full",
            WriteState::Failing => "failing",
        }
    }
}

/// Shared between clones of one store.
#[derive(Debug, Default, Clone)]
pub(crate) struct WriteHealth(Arc<AtomicU8>);

impl WriteHealth {
    pub(crate) fn get(&self) -> WriteState {
        match self.0.load(Ordering::Relaxed) {
            1 => WriteState::DiskFull,
            2 => WriteState::Failing,
            _ => WriteState::Ok,
        }
    }

    pub(crate) fn committed(&self) {
        self.0.store(0, Ordering::Relaxed);
    }

    /// Records a failed write. Refusals that say nothing about the database's health (a lost
    /// race, a damaged chain, a taken name) leave the state as it was.
    pub(crate) fn failed(&self, e: &StoreError) {
        match e {
            StoreError::DiskFull => self.0.store(1, Ordering::Relaxed),
            StoreError::Database(sqlx::Error::Database(d))
                if d.is_unique_violation() || d.is_foreign_key_violation() => {}
            StoreError::Database(_) | StoreError::Sqlite(_) => self.0.store(2, Ordering::Relaxed),
            _ => {}
        }
    }
}

/// Whether `e` says the disk is full: SQLite's SQLITE_FULL (13), PostgreSQL's disk_full
/// (53100), or the operating system's ENOSPC/EDQUOT seen as an I/O error.
pub(crate) fn is_disk_full(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(d) => {
            let code = d.code();
            matches!(code.as_deref(), Some("13") | Some("53100"))
                || d.message().contains("database or disk is full")
        }
        sqlx::Error::Io(io) => matches!(io.raw_os_error(), Some(28) | Some(122)),
        _ => false,
    }
}
