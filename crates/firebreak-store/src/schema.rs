//! Schema versions. Version N's DDL is applied once, in a write transaction, and the version is
//! recorded in `meta`. A database whose version is newer than this build knows is refused before
//! anything is written to it.
//!
//! Tables:
//! - `events` — the journal, one row per event, keyed by (incident, seq);
//! - `seals` — per incident: its ordinal, signed head (see `firebreak_core::seal`);
//! - `registry` — one row: the signed number of incidents;
//! - `day_counters` — the last id number handed out per UTC day;
//! - `incidents` — the listing projection, rebuilt by `reindex`;
//! - `tokens` — API tokens: name, role, SHA-256 of the secret (version 2);
//! - `sessions` — dashboard sign-ins: SHA-256 of the cookie, token, CSRF token (version 2);
//! - `events_by_finding` — an index of `detected` events by rule and key (version 3);
//! - `token_records` — the signed hash chain of token creations and revocations, and
//!   `token_head` — its signed head (version 4; see `firebreak_core::token_record`);
//! - `events_by_finding_key` — an index of `detected` events by key alone (version 5).
//!
//! Times are BIGINT unix microseconds, hashes and signatures hex TEXT, payloads JSON TEXT: the
//! same on both backends.

use sqlx::{AnyConnection, Executor, Row};

use crate::backend::Backend;
use crate::error::StoreError;

/// The newest schema version this build writes.
pub const CURRENT: i64 = 5;

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

// Listing walks the incidents newest first: keyed by (day, number), it is a backward walk of
// the key. On SQLite both big tables are WITHOUT ROWID, so reads in key order need no lookups.
const V1_INCIDENTS: &str = "
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
)";

const V1_EVENTS: &str = "
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
)";

const V2_ACCESS: &str = "
CREATE TABLE tokens (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    digest TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    revoked_at BIGINT
);
CREATE TABLE sessions (
    digest TEXT PRIMARY KEY,
    token TEXT NOT NULL,
    csrf TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_by_token ON sessions (token);
";

/// Version 4: tamper-evident token records. Tokens made before it have no record until the
/// first process holding the signing key records them once (see `Store::adopt_tokens`).
const V4_TOKEN_RECORDS: &str = "
CREATE TABLE token_records (
    seq BIGINT PRIMARY KEY,
    at BIGINT NOT NULL,
    what TEXT NOT NULL,
    token TEXT NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    digest TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    revoked_at BIGINT,
    prev TEXT NOT NULL,
    hash TEXT NOT NULL,
    signature TEXT NOT NULL
);
CREATE INDEX token_records_by_token ON token_records (token, seq);
CREATE TABLE token_head (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL,
    signature TEXT NOT NULL
);
";

/// Version 3: alert intake and log watchers look up the open incident carrying a finding
/// (detection rule and key) by key, instead of folding every open incident. The index is over
/// the `detected` events themselves, so the database keeps it exact with no code of ours; the
/// expressions here must match [`crate::store`]'s `FINDING_*` queries character for character,
/// or the planner will not use it.
fn v3_findings(backend: Backend) -> String {
    match backend {
        Backend::Sqlite => "CREATE INDEX events_by_finding ON events \
            (json_extract(payload, '$.rule'), json_extract(payload, '$.key')) \
            WHERE kind = 'detected'"
            .to_string(),
        Backend::Postgres => "CREATE INDEX events_by_finding ON events \
            ((payload::jsonb ->> 'rule'), (payload::jsonb ->> 'key')) \
            WHERE kind = 'detected'"
            .to_string(),
    }
}

/// Version 5: a log watcher looks for the open incident of the same attack — a finding of the
/// same key under any rule — by key, instead of folding every open incident. Like version 3's,
/// the expression must match [`crate::store`]'s `ATTACK_*` queries character for character.
fn v5_finding_keys(backend: Backend) -> String {
    match backend {
        Backend::Sqlite => "CREATE INDEX events_by_finding_key ON events \
            (json_extract(payload, '$.key')) WHERE kind = 'detected'"
            .to_string(),
        Backend::Postgres => "CREATE INDEX events_by_finding_key ON events \
            ((payload::jsonb ->> 'key')) WHERE kind = 'detected'"
            .to_string(),
    }
}

fn migration(backend: Backend, version: i64) -> Vec<String> {
    let clustered = match backend {
        Backend::Sqlite => " WITHOUT ROWID",
        Backend::Postgres => "",
    };
    match version {
        1 => vec![
            V1_COMMON.to_string(),
            format!("{V1_INCIDENTS}{clustered};"),
            format!("{V1_EVENTS}{clustered};"),
        ],
        2 => vec![V2_ACCESS.to_string()],
        3 => vec![v3_findings(backend)],
        4 => vec![V4_TOKEN_RECORDS.to_string()],
        5 => vec![v5_finding_keys(backend)],
        _ => Vec::new(),
    }
}

/// Whether `found` is this build's version; a newer one is an error that leaves it untouched.
pub(crate) fn is_current(found: Option<i64>, url: &str) -> Result<bool, StoreError> {
    match found {
        Some(v) if v > CURRENT => Err(StoreError::TooNew {
            url: crate::backend::redact(url),
            found: v,
            known: CURRENT,
        }),
        Some(v) => Ok(v == CURRENT),
        None => Ok(false),
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
            conn.execute(sqlx::raw_sql(sqlx::AssertSqlSafe(ddl)))
                .await?;
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
