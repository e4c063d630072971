//! Schema versions. Version N's DDL is applied once, in a write transaction, and the version is
//! recorded in `meta`. A database whose version is newer than this build knows is refused before
//! anything is written to it.
//!
//! Tables:
//! - `events` — the journal, one row per event, keyed by (incident, seq);
//! - `seals` — per incident: its ordinal, signed head (see `firebreak_core::seal`);
//! - `registry` — one row: the signed number of incidents;
//! - `day_counters` — the last id number handed out per UTC day;
//! - `incidents` — the listing projection, rebuilt by `reindex`.
//!
//! Times are BIGINT unix microseconds, hashes and signatures hex TEXT, payloads JSON TEXT: the
//! same on both backends.

use sqlx::{AnyConnection, Executor, Row};

use crate::backend::Backend;
use crate::error::StoreError;

/// The newest schema version this build writes.
pub const CURRENT: i64 = 1;

const V1_COMMON: &str = "
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE day_counters (day TEXT PRIMARY KEY, last BIGINT NOT NULL);
CREATE TABLE registry (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    count BIGINT NOT NULL,
    signature TEXT NOT NULL
);
CREATE TABLE seals (
    incident TEXT PRIMARY KEY,
    ordinal BIGINT NOT NULL UNIQUE,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL,
    signature TEXT NOT NULL
);
";

// Listing walks the incidents newest first: keyed by (day, number), a WITHOUT ROWID table
// is read in key order with no index lookups.
const V1_SQLITE: &str = "
CREATE TABLE incidents (
    id TEXT NOT NULL UNIQUE,
    day TEXT NOT NULL,
    number BIGINT NOT NULL,
    title TEXT NOT NULL,
    severity TEXT NOT NULL,
    status TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    detected_at BIGINT NOT NULL,
    acknowledged_at BIGINT,
    contained_at BIGINT,
    resolved_at BIGINT,
    closed_at BIGINT,
    commander TEXT,
    last_update_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    open_actions BIGINT NOT NULL,
    next_action_due TEXT,
    events BIGINT NOT NULL,
    PRIMARY KEY (day, number)
) WITHOUT ROWID;
CREATE TABLE events (
    incident TEXT NOT NULL,
    seq BIGINT NOT NULL,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    prev TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (incident, seq)
) WITHOUT ROWID;
";

const V1_POSTGRES: &str = "
CREATE TABLE incidents (
    id TEXT NOT NULL UNIQUE,
    day TEXT NOT NULL,
    number BIGINT NOT NULL,
    title TEXT NOT NULL,
    severity TEXT NOT NULL,
    status TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    detected_at BIGINT NOT NULL,
    acknowledged_at BIGINT,
    contained_at BIGINT,
    resolved_at BIGINT,
    closed_at BIGINT,
    commander TEXT,
    last_update_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    open_actions BIGINT NOT NULL,
    next_action_due TEXT,
    events BIGINT NOT NULL,
    PRIMARY KEY (day, number)
);
CREATE TABLE events (
    incident TEXT NOT NULL,
    seq BIGINT NOT NULL,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    prev TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (incident, seq)
);
";

fn migration(backend: Backend, version: i64) -> Vec<&'static str> {
    match (version, backend) {
        (1, Backend::Sqlite) => vec![V1_COMMON, V1_SQLITE],
        (1, Backend::Postgres) => vec![V1_COMMON, V1_POSTGRES],
        _ => Vec::new(),
    }
}

/// The schema version recorded in the database, or `None` for an empty database.
pub(crate) async fn version(
    conn: &mut AnyConnection,
    backend: Backend,
) -> Result<Option<i64>, StoreError> {
    let exists_sql = match backend {
        Backend::Sqlite => {
            "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
        }
        Backend::Postgres => {
            "SELECT count(*) AS n FROM information_schema.tables \
             WHERE table_name = 'meta' AND table_schema = current_schema()"
        }
    };
    let n: i64 = sqlx::query(exists_sql)
        .fetch_one(&mut *conn)
        .await?
        .try_get("n")?;
    if n == 0 {
        return Ok(None);
    }
    let row = sqlx::query("SELECT value FROM meta WHERE key = 'schema_version'")
        .fetch_optional(&mut *conn)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let text: String = row.try_get("value")?;
    text.parse()
        .map(Some)
        .map_err(|_| StoreError::Corrupt(format!("schema_version is {text:?}, not a number")))
}

/// Brings an empty or older database up to [`CURRENT`] inside the caller's write transaction.
pub(crate) async fn migrate(
    conn: &mut AnyConnection,
    backend: Backend,
    from: Option<i64>,
) -> Result<(), StoreError> {
    let start = from.unwrap_or(0);
    for version in start + 1..=CURRENT {
        for ddl in migration(backend, version) {
            conn.execute(sqlx::raw_sql(ddl)).await?;
        }
    }
    sqlx::query(
        "INSERT INTO meta (key, value) VALUES ('schema_version', $1) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(CURRENT.to_string())
    .execute(&mut *conn)
    .await?;
    Ok(())
}
