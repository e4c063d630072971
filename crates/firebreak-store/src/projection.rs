//! The `incidents` table: one [`Summary`] row per incident, written in the same transaction as
//! the events it summarises, and rebuilt wholesale by `reindex`.

use firebreak_core::Status;
use firebreak_core::summary::Summary;
use jiff::Timestamp;
use sqlx::AnyConnection;

use crate::rows::Columns;

use crate::error::StoreError;

/// Which incidents to list. Clock-based filters (overdue) are applied by the caller, who knows
/// the policy in force.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// Only investigating or contained.
    pub open: bool,
    /// Only this status.
    pub status: Option<Status>,
    /// Only this severity (exact name).
    pub severity: Option<String>,
    /// Only incidents older than this one (the next page after it).
    pub before: Option<firebreak_core::IncidentId>,
    /// At most this many, newest first.
    pub limit: Option<u64>,
}

const COLUMNS: &str = "id, title, severity, status, started_at, detected_at, acknowledged_at, \
    contained_at, resolved_at, closed_at, commander, last_update_at, updated_at, open_actions, \
    next_action_due, events";

pub(crate) fn list_sql(filter: &ListFilter) -> String {
    let mut sql = format!("SELECT {COLUMNS} FROM incidents WHERE 1 = 1");
    let mut n = 0;
    if filter.open {
        sql.push_str(" AND status IN ('investigating', 'contained')");
    }
    if filter.status.is_some() {
        n += 1;
        sql.push_str(&format!(" AND status = ${n}"));
    }
    if filter.severity.is_some() {
        n += 1;
        sql.push_str(&format!(" AND severity = ${n}"));
    }
    if filter.before.is_some() {
        // Row-value comparison works on both backends and walks the primary key.
        sql.push_str(&format!(" AND (day, number) < (${}, ${})", n + 1, n + 2));
    }
    sql.push_str(" ORDER BY day DESC, number DESC");
    if let Some(limit) = filter.limit {
        sql.push_str(&format!(" LIMIT {limit}"));
    }
    sql
}

fn ts(micros: i64, column: &str) -> Result<Timestamp, StoreError> {
    Timestamp::from_microsecond(micros)
        .map_err(|_| StoreError::Corrupt(format!("incidents.{column} = {micros} is not a time")))
}

fn opt_ts(micros: Option<i64>, column: &str) -> Result<Option<Timestamp>, StoreError> {
    micros.map(|m| ts(m, column)).transpose()
}

/// A summary row selected with the list query's columns.
pub(crate) fn decode(row: &impl Columns) -> Result<Summary, StoreError> {
    let corrupt = |what: String| StoreError::Corrupt(what);
    let id = row.text(0)?;
    let status = row.text(3)?;
    let due = row.opt_text(14)?;
    Ok(Summary {
        id: id
            .parse()
            .map_err(|e| corrupt(format!("incidents.id: {e}")))?,
        title: row.text(1)?,
        severity: row.text(2)?,
        status: status
            .parse()
            .map_err(|e| corrupt(format!("incidents.status: {e}")))?,
        started_at: ts(row.int(4)?, "started_at")?,
        detected_at: ts(row.int(5)?, "detected_at")?,
        acknowledged_at: opt_ts(row.opt_int(6)?, "acknowledged_at")?,
        contained_at: opt_ts(row.opt_int(7)?, "contained_at")?,
        resolved_at: opt_ts(row.opt_int(8)?, "resolved_at")?,
        closed_at: opt_ts(row.opt_int(9)?, "closed_at")?,
        commander: row.opt_text(10)?,
        last_update_at: ts(row.int(11)?, "last_update_at")?,
        updated_at: ts(row.int(12)?, "updated_at")?,
        open_actions: u32::try_from(row.int(13)?).unwrap_or(u32::MAX),
        next_action_due: due
            .map(|d| {
                d.parse()
                    .map_err(|_| corrupt(format!("incidents.next_action_due = {d:?}")))
            })
            .transpose()?,
        events: u64::try_from(row.int(15)?).unwrap_or(0),
    })
}

/// Inserts or replaces a summary row.
pub(crate) async fn upsert(conn: &mut AnyConnection, s: &Summary) -> Result<(), StoreError> {
    let micros = |t: Timestamp| t.as_microsecond();
    sqlx::query(
        "INSERT INTO incidents (id, day, number, title, severity, status, started_at, detected_at, \
             acknowledged_at, contained_at, resolved_at, closed_at, commander, last_update_at, \
             updated_at, open_actions, next_action_due, events) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) \
         ON CONFLICT (id) DO UPDATE SET title = excluded.title, severity = excluded.severity, \
             status = excluded.status, started_at = excluded.started_at, \
             detected_at = excluded.detected_at, acknowledged_at = excluded.acknowledged_at, \
             contained_at = excluded.contained_at, resolved_at = excluded.resolved_at, \
             closed_at = excluded.closed_at, commander = excluded.commander, \
             last_update_at = excluded.last_update_at, updated_at = excluded.updated_at, \
             open_actions = excluded.open_actions, next_action_due = excluded.next_action_due, \
             events = excluded.events",
    )
    .bind(s.id.to_string())
    .bind(firebreak_core::IncidentId::day_key(s.id.day()))
    .bind(i64::from(s.id.number()))
    .bind(&s.title)
    .bind(&s.severity)
    .bind(s.status.as_str())
    .bind(micros(s.started_at))
    .bind(micros(s.detected_at))
    .bind(s.acknowledged_at.map(micros))
    .bind(s.contained_at.map(micros))
    .bind(s.resolved_at.map(micros))
    .bind(s.closed_at.map(micros))
    .bind(s.commander.clone())
    .bind(micros(s.last_update_at))
    .bind(micros(s.updated_at))
    .bind(i64::from(s.open_actions))
    .bind(s.next_action_due.map(|d| d.to_string()))
    .bind(i64::try_from(s.events).unwrap_or(i64::MAX))
    .execute(conn)
    .await?;
    Ok(())
}
