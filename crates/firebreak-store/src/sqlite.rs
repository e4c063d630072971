//! SQLite's read path. sqlx's SQLite driver hands rows one at a time from a worker thread to
//! the async side (about 10 µs a row), which made `verify` over a million events take 11 s and
//! `ls` of 10,000 incidents 190 ms. Bulk reads therefore go through rusqlite on the same
//! bundled SQLite library, synchronously, in a read transaction whose WAL snapshot is the same
//! guarantee PostgreSQL's REPEATABLE READ gives. Writes stay on sqlx, where the write lock,
//! durability settings and schema checks live.
//!
//! These calls block the calling thread for as long as the read takes; a caller on a
//! multi-threaded server runs them on a blocking thread.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use crate::error::StoreError;

/// The file a `sqlite:` URL names, with `%XX` escapes decoded.
pub(crate) fn path_of(url: &str) -> Result<PathBuf, StoreError> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .ok_or_else(|| StoreError::BadUrl(url.to_string()))?;
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path.starts_with(':') {
        return Err(StoreError::BadUrl(url.to_string()));
    }
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    Ok(PathBuf::from(String::from_utf8_lossy(&out).into_owned()))
}

/// Opens a reading connection (never creating the file).
pub(crate) fn connect(path: &Path) -> Result<Connection, StoreError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(Duration::from_secs(60))?;
    // Map the file instead of copying each page through read(2); a read never writes.
    conn.execute_batch("PRAGMA mmap_size = 1073741824; PRAGMA query_only = ON;")?;
    Ok(conn)
}

/// Reading connections kept open between reads, so that a busy server does not open the file,
/// map it and prepare its statements for every request. At most [`Readers::IDLE`] are kept.
#[derive(Debug)]
pub(crate) struct Readers {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl Readers {
    const IDLE: usize = 16;

    pub(crate) fn new(path: PathBuf) -> Self {
        Self {
            path,
            idle: Mutex::new(Vec::new()),
        }
    }

    /// An idle connection, or a new one; it goes back to the idle ones when the lease ends.
    pub(crate) fn lease(self: &Arc<Self>) -> Result<Lease, StoreError> {
        let idle = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let conn = match idle {
            Some(conn) => conn,
            None => connect(&self.path)?,
        };
        Ok(Lease {
            conn: Some(conn),
            readers: Arc::clone(self),
        })
    }

    fn give_back(&self, conn: Connection) {
        // A connection left inside a transaction (a read that failed half-way) is closed.
        if conn.is_autocommit()
            && let Ok(mut idle) = self.idle.lock()
            && idle.len() < Self::IDLE
        {
            idle.push(conn);
        }
    }
}

/// A reading connection borrowed from [`Readers`].
#[derive(Debug)]
pub struct Lease {
    conn: Option<Connection>,
    readers: Arc<Readers>,
}

impl std::ops::Deref for Lease {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        // Present until drop, which is the only place that takes it.
        self.conn
            .as_ref()
            .expect("a lease holds its connection until dropped")
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            self.readers.give_back(conn);
        }
    }
}

/// Runs `sql` with positional `params`, calling `each` on every row.
pub(crate) fn each_row(
    conn: &Connection,
    sql: &str,
    params: &[&dyn rusqlite::ToSql],
    mut each: impl FnMut(&rusqlite::Row<'_>) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query(params)?;
    while let Some(row) = rows.next()? {
        each(row)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_come_back_from_urls() {
        let url = crate::backend::sqlite_url(Path::new("/tmp/a b?c#d%e.db"), true);
        assert_eq!(path_of(&url).ok(), Some(PathBuf::from("/tmp/a b?c#d%e.db")));
        assert_eq!(
            path_of("sqlite:relative.db").ok(),
            Some(PathBuf::from("relative.db"))
        );
        assert!(path_of("sqlite::memory:").is_err());
    }
}
