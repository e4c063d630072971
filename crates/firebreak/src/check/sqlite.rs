//! `sqlite`: `PRAGMA quick_check` (or `integrity_check`) on a database opened read-only, so
//! the check never creates, changes or locks the file for writers.

use std::path::Path;

use firebreak_core::check::{Outcome, Status};
use rusqlite::{Connection, OpenFlags};

/// Most problem lines read from the check.
const PROBLEMS_MAX: usize = 10;

/// Checks the database at `path`.
pub fn probe(path: &Path, full: bool) -> Outcome {
    if let Err(e) = std::fs::metadata(path) {
        return Outcome::new(
            Status::Critical,
            "missing",
            format!("{}: {e}", path.display()),
        );
    }
    let pragma = if full {
        "integrity_check"
    } else {
        "quick_check"
    };
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = match Connection::open_with_flags(path, flags) {
        Ok(c) => c,
        Err(e) => return Outcome::unknown(format!("cannot open {}: {e}", path.display())),
    };
    let _ = conn.busy_timeout(std::time::Duration::from_secs(5));
    let sql = format!("PRAGMA {pragma}({PROBLEMS_MAX})");
    let lines: Result<Vec<String>, rusqlite::Error> = conn
        .prepare(&sql)
        .and_then(|mut st| st.query_map([], |row| row.get::<_, String>(0))?.collect());
    match lines {
        Ok(lines) if lines.len() == 1 && lines[0] == "ok" => {
            Outcome::new(Status::Ok, "ok", format!("{pragma} found no problem"))
        }
        Ok(lines) => Outcome::new(
            Status::Critical,
            format!("{} problem(s)", lines.len()),
            format!("{pragma}: {}", crate::output::clip(&lines.join("; "), 300)),
        ),
        // Not a database, or too damaged to read its schema: as bad as a failed check.
        Err(e @ rusqlite::Error::SqliteFailure(..)) if !is_busy(&e) => {
            Outcome::new(Status::Critical, "unreadable", format!("{pragma}: {e}"))
        }
        Err(e) => Outcome::unknown(format!("{pragma} could not run: {e}")),
    }
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}
