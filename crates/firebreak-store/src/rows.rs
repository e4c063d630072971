//! Reading columns by position from either driver's rows, so that each row shape (an event, a
//! seal, a summary) is decoded by exactly one function whichever path read it.

use firebreak_core::journal::StoredEvent;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::error::StoreError;
use crate::store::{RegistryRow, SealRow};

/// A row whose columns can be read by position.
pub(crate) trait Columns {
    fn text(&self, i: usize) -> Result<String, StoreError>;
    fn int(&self, i: usize) -> Result<i64, StoreError>;
    fn opt_text(&self, i: usize) -> Result<Option<String>, StoreError>;
    fn opt_int(&self, i: usize) -> Result<Option<i64>, StoreError>;
}

impl Columns for AnyRow {
    fn text(&self, i: usize) -> Result<String, StoreError> {
        Ok(self.try_get(i)?)
    }
    fn int(&self, i: usize) -> Result<i64, StoreError> {
        Ok(self.try_get(i)?)
    }
    fn opt_text(&self, i: usize) -> Result<Option<String>, StoreError> {
        Ok(self.try_get(i)?)
    }
    fn opt_int(&self, i: usize) -> Result<Option<i64>, StoreError> {
        Ok(self.try_get(i)?)
    }
}

impl Columns for rusqlite::Row<'_> {
    fn text(&self, i: usize) -> Result<String, StoreError> {
        Ok(self.get(i)?)
    }
    fn int(&self, i: usize) -> Result<i64, StoreError> {
        Ok(self.get(i)?)
    }
    fn opt_text(&self, i: usize) -> Result<Option<String>, StoreError> {
        Ok(self.get(i)?)
    }
    fn opt_int(&self, i: usize) -> Result<Option<i64>, StoreError> {
        Ok(self.get(i)?)
    }
}

/// An event row lent to a reader without copying its text (see `Snapshot::each_event_of`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventRow<'r> {
    /// Incident id text.
    pub incident: &'r str,
    /// Sequence number as stored.
    pub seq: i64,
    /// Unix microseconds.
    pub at: i64,
    /// Actor.
    pub actor: &'r str,
    /// Kind.
    pub kind: &'r str,
    /// Payload text.
    pub payload: &'r str,
}

/// An event row selected as `incident, seq, at, actor, kind, payload`, borrowed from SQLite.
pub(crate) fn sqlite_event_row<'r>(r: &'r rusqlite::Row<'_>) -> Result<EventRow<'r>, StoreError> {
    let text = |i: usize| -> Result<&'r str, StoreError> {
        Ok(r.get_ref(i)?.as_str().map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
        })?)
    };
    Ok(EventRow {
        incident: text(0)?,
        seq: r.get(1)?,
        at: r.get(2)?,
        actor: text(3)?,
        kind: text(4)?,
        payload: text(5)?,
    })
}

/// An event row selected as `incident, seq, at, actor, kind, payload`, borrowed from sqlx.
pub(crate) fn any_event_row(r: &AnyRow) -> Result<EventRow<'_>, StoreError> {
    Ok(EventRow {
        incident: r.try_get(0)?,
        seq: r.try_get(1)?,
        at: r.try_get(2)?,
        actor: r.try_get(3)?,
        kind: r.try_get(4)?,
        payload: r.try_get(5)?,
    })
}

/// An event row selected as `incident, seq, at, actor, kind, payload, prev, hash`.
pub(crate) fn event(r: &impl Columns) -> Result<StoredEvent, StoreError> {
    Ok(StoredEvent {
        incident: r.text(0)?,
        seq: r.int(1)?,
        at: r.int(2)?,
        actor: r.text(3)?,
        kind: r.text(4)?,
        payload: r.text(5)?,
        prev: r.text(6)?,
        hash: r.text(7)?,
    })
}

/// A seal row selected as `incident, ordinal, seq, hash, signature`.
pub(crate) fn seal(r: &impl Columns) -> Result<SealRow, StoreError> {
    Ok(SealRow {
        incident: r.text(0)?,
        ordinal: r.int(1)?,
        seq: r.int(2)?,
        hash: r.text(3)?,
        signature: r.text(4)?,
    })
}

/// The registry row, selected as `count, signature`.
pub(crate) fn registry(r: &impl Columns) -> Result<RegistryRow, StoreError> {
    Ok(RegistryRow {
        count: r.int(0)?,
        signature: r.text(1)?,
    })
}
