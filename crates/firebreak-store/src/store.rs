//! The [`Store`]: opening a database, and every read and write firebreak makes.

use firebreak_core::IncidentId;
use firebreak_core::journal::{Event, Head, StoredEvent};
use firebreak_core::summary::Summary;
use futures_util::TryStreamExt;
use std::sync::Arc;

use jiff::civil::Date;
use sqlx::{Any, AnyConnection, AnyPool, AssertSqlSafe, Connection as _, Row, Transaction};

use crate::backend::{Backend, redact};
use crate::error::StoreError;
use crate::health::{self, WriteHealth, WriteState};
use crate::projection::{self, ListFilter};
use crate::rows::EventRow;
use crate::schema;
use crate::{rows, sqlite};

/// Whether opening may create the schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenMode {
    /// Create or upgrade the schema if needed (`firebreak init`).
    Create,
    /// The schema must exist already; it may be upgraded from an older version.
    Existing,
}

/// Events and seal to record together, atomically.
#[derive(Debug, Clone)]
pub struct Batch {
    /// New events, continuing the chain.
    pub events: Vec<Event>,
    /// Signature over the incident's new head.
    pub seal: String,
    /// Signature over the new incident count (declarations only).
    pub registry: Option<String>,
    /// The incident's listing row after these events.
    pub summary: Summary,
}

/// An incident's events as stored, with its seal (whose ordinal signs the next seal).
#[derive(Debug, Clone)]
pub struct Loaded {
    /// Events in sequence order, untrusted until checked.
    pub events: Vec<StoredEvent>,
    /// The incident's seal as stored, untrusted until checked.
    pub seal: SealRow,
}

/// What [`Store::open_incidents_of_attack`] looks for.
#[derive(Debug, Clone, Copy)]
pub struct Attack<'a> {
    /// The finding's key: incidents with a finding of this key under any rule.
    pub key: &'a str,
    /// The finding's rule.
    pub rule: &'a str,
    /// Also incidents with a finding of `rule` whose key is in `[low, high)`: the text range
    /// of the neighbouring addresses' keys.
    pub neighbours: Option<(&'a str, &'a str)>,
    /// Also incidents with a finding tagged `flood` or `ddos`.
    pub flood: bool,
}

/// One row of `seals`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealRow {
    /// Incident id text.
    pub incident: String,
    /// Position in the registry, from 1.
    pub ordinal: i64,
    /// Sealed head sequence number.
    pub seq: i64,
    /// Sealed head hash, hex.
    pub hash: String,
    /// Signature, hex.
    pub signature: String,
}

/// The `registry` row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryRow {
    /// Number of incidents ever declared.
    pub count: i64,
    /// Signature, hex.
    pub signature: String,
}

/// A day counter found behind the ids already handed out, and moved past them (see
/// [`Store::declare`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CounterRecovered {
    /// The day, `YYYY-MM-DD`.
    pub day: String,
    /// What the counter said.
    pub was: i64,
    /// The highest number of that day in use, which the counter now continues from.
    pub highest: i64,
}

impl std::fmt::Display for CounterRecovered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the id counter of {} said {}, but incident number {} of that day exists (counter lowered behind firebreak's back?); ids continue after {}",
            self.day, self.was, self.highest, self.highest
        )
    }
}

/// The highest incident number of `day` that has a seal, from the seal rows themselves.
async fn highest_sealed(conn: &mut AnyConnection, day: &str) -> Result<i64, StoreError> {
    let prefix = format!("INC-{day}-");
    let mut highest = 0;
    for row in sqlx::query("SELECT incident FROM seals WHERE incident LIKE $1")
        .bind(format!("{prefix}%"))
        .fetch_all(&mut *conn)
        .await?
    {
        let id: String = row.try_get("incident")?;
        if let Ok(id) = id.parse::<IncidentId>() {
            highest = highest.max(i64::from(id.number()));
        }
    }
    Ok(highest)
}

/// A firebreak database.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// SQLite's read path (see [`crate::sqlite`]): the file and its idle reading connections.
    sqlite: Option<Arc<sqlite::Readers>>,
    /// SQLite: this process's writers take turns here. SQLite has one write lock per file, and
    /// writers that miss it wait in its busy handler, which sleeps 1, 2, 5, 10… ms rather than
    /// waking the next in line; queueing here first hands the lock on at once. (Other processes
    /// still meet the busy handler, as before.)
    writers: Option<Arc<tokio::sync::Mutex<()>>>,
    /// What the last write transaction met (see [`Store::write_state`]).
    health: WriteHealth,
}

async fn insert_events(conn: &mut AnyConnection, events: &[Event]) -> Result<(), StoreError> {
    for e in events {
        sqlx::query(
            "INSERT INTO events (incident, seq, at, actor, kind, payload, prev, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(e.incident.to_string())
        .bind(i64::try_from(e.seq).map_err(|_| StoreError::Corrupt("sequence overflow".into()))?)
        .bind(e.at.as_microsecond())
        .bind(&e.actor)
        .bind(&e.kind)
        .bind(&e.payload)
        .bind(e.prev.to_string())
        .bind(e.hash.to_string())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

fn head_of(batch: &Batch) -> Result<Head, StoreError> {
    batch
        .events
        .last()
        .map(Event::head)
        .ok_or_else(|| StoreError::Corrupt("an empty batch cannot be recorded".into()))
}

impl Store {
    /// Opens the database at `url` (`sqlite://…` or `postgres://…`), checking its schema
    /// version. A database from a newer firebreak is refused without being modified.
    pub async fn open(url: &str, mode: OpenMode) -> Result<Self, StoreError> {
        let backend = Backend::of(url)?;
        let sqlite = match backend {
            Backend::Sqlite => Some(Arc::new(sqlite::Readers::new(sqlite::path_of(url)?))),
            Backend::Postgres => None,
        };
        let pool = backend.pool(url, 4).await?;
        let store = Store {
            pool,
            backend,
            writers: sqlite
                .as_ref()
                .map(|_| Arc::new(tokio::sync::Mutex::new(()))),
            sqlite,
            health: WriteHealth::default(),
        };
        let mut conn = store.pool.acquire().await?;
        let found = schema::version(&mut conn, backend).await?;
        if schema::is_current(found, url)? {
            return Ok(store);
        }
        if found.is_none() && mode == OpenMode::Existing {
            return Err(StoreError::NotInitialized(redact(url)));
        }
        drop(conn);
        let mut tx = store.pool.begin_with(backend.begin_write()).await?;
        if let Backend::Postgres = backend {
            // Serialise concurrent first-time setups of one database.
            sqlx::query("SELECT pg_advisory_xact_lock(7474) IS NULL AS locked")
                .fetch_one(&mut *tx)
                .await?;
        }
        // Re-read under the lock: another process may have set it up meanwhile.
        let found = schema::version(&mut tx, backend).await?;
        if !schema::is_current(found, url)? {
            schema::migrate(&mut tx, backend, found).await?;
        }
        tx.commit().await?;
        Ok(store)
    }

    /// Waits for this process's turn to write (SQLite only; PostgreSQL has row locks).
    async fn write_turn(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        match &self.writers {
            Some(m) => Some(m.lock().await),
            None => None,
        }
    }

    /// Runs `work` in one write transaction on a connection of its own, in this process's turn.
    ///
    /// A connection whose transaction failed in the database is closed, not returned to the
    /// pool: after SQLite rolls a transaction back by itself (as it does when the disk fills
    /// during COMMIT), the driver's own rollback fails and the connection is left believing it
    /// is still inside a transaction, refusing every later BEGIN. A fresh connection has no
    /// such memory, so writes recover as soon as the database can take them again.
    pub(crate) async fn write<T>(
        &self,
        work: impl AsyncFnOnce(&mut AnyConnection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let _turn = self.write_turn().await;
        let mut conn = self.pool.acquire().await.map_err(StoreError::from)?;
        let result = async {
            let mut tx = conn.begin_with(self.backend.begin_write()).await?;
            let out = work(&mut *tx).await?;
            tx.commit().await?;
            Ok(out)
        }
        .await
        .map_err(|e: StoreError| match e {
            StoreError::Database(d) if health::is_disk_full(&d) => StoreError::DiskFull,
            other => other,
        });
        match &result {
            Ok(_) => self.health.committed(),
            Err(e) => {
                if matches!(
                    e,
                    StoreError::Database(_) | StoreError::Sqlite(_) | StoreError::DiskFull
                ) {
                    conn.close_on_drop();
                }
                self.health.failed(e);
            }
        }
        result
    }

    /// What the last write met: `Ok` once a write commits again after a failure.
    pub fn write_state(&self) -> WriteState {
        self.health.get()
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Closes every connection, waiting for them to finish.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Creates the registry row (zero incidents) if it does not exist yet.
    pub async fn ensure_registry(&self, zero_signature: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO registry (singleton, count, signature) VALUES (1, 0, $1) \
             ON CONFLICT (singleton) DO NOTHING",
        )
        .bind(zero_signature)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Declares a new incident on `day`: allocates the day's next number and the registry's next
    /// ordinal under the write lock, lets `build` make the first events and signatures for that
    /// id, and records everything in one transaction.
    ///
    /// A day counter that is behind the ids already handed out (lowered in the database) would
    /// hand out a used id: the number is checked against the seals first, and the counter moved
    /// past the highest number in use; what was recovered is returned for the caller to tell.
    pub async fn declare(
        &self,
        day: Date,
        build: impl FnOnce(IncidentId, u64) -> Result<Batch, StoreError>,
    ) -> Result<(Batch, Option<CounterRecovered>), StoreError> {
        self.write(async |tx| {
        let day_key = IncidentId::day_key(day);
        let mut number: i64 = sqlx::query(
            "INSERT INTO day_counters (day, last) VALUES ($1, 1) \
             ON CONFLICT (day) DO UPDATE SET last = day_counters.last + 1 RETURNING last",
        )
        .bind(&day_key)
        .fetch_one(&mut *tx)
        .await?
        .try_get("last")?;
        let candidate = u32::try_from(number)
            .map(|n| IncidentId::new(day, n).to_string())
            .unwrap_or_default();
        let used = sqlx::query("SELECT count(*) AS n FROM seals WHERE incident = $1")
            .bind(&candidate)
            .fetch_one(&mut *tx)
            .await?
            .try_get::<i64, _>("n")?;
        let mut recovered = None;
        if used > 0 {
            let highest = highest_sealed(tx, &day_key).await?;
            recovered = Some(CounterRecovered {
                day: day_key.clone(),
                was: number - 1,
                highest,
            });
            number = highest + 1;
            sqlx::query("UPDATE day_counters SET last = $1 WHERE day = $2")
                .bind(number)
                .bind(&day_key)
                .execute(&mut *tx)
                .await?;
        }
        let ordinal: i64 = sqlx::query("UPDATE registry SET count = count + 1 RETURNING count")
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| {
                StoreError::Corrupt("the registry row is missing; run `firebreak verify`".into())
            })?
            .try_get("count")?;
        let number = u32::try_from(number)
            .map_err(|_| StoreError::Corrupt("day counter overflow".into()))?;
        let id = IncidentId::new(day, number);
        let batch = build(id, ordinal as u64)?;
        let head = head_of(&batch)?;
        if let Some(sig) = &batch.registry {
            sqlx::query("UPDATE registry SET signature = $1")
                .bind(sig)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("INSERT INTO seals (incident, ordinal, seq, hash, signature) VALUES ($1, $2, $3, $4, $5)")
            .bind(id.to_string())
            .bind(ordinal)
            .bind(head.seq as i64)
            .bind(head.hash.to_string())
            .bind(&batch.seal)
            .execute(&mut *tx)
            .await?;
        insert_events(tx, &batch.events).await?;
        projection::upsert(tx, &batch.summary).await?;
        Ok((batch, recovered))
        })
        .await
    }

    /// Day counters that are behind the highest number of their day in use: (day, counter,
    /// highest number).
    pub async fn counters_behind(&self) -> Result<Vec<(String, i64, i64)>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let mut highest: std::collections::BTreeMap<String, i64> = Default::default();
        for row in sqlx::query("SELECT incident FROM seals")
            .fetch_all(&mut *conn)
            .await?
        {
            let id: String = row.try_get("incident")?;
            if let Ok(id) = id.parse::<IncidentId>() {
                let n = highest.entry(IncidentId::day_key(id.day())).or_default();
                *n = (*n).max(i64::from(id.number()));
            }
        }
        let mut behind = Vec::new();
        for row in sqlx::query("SELECT day, last FROM day_counters ORDER BY day")
            .fetch_all(&mut *conn)
            .await?
        {
            let (day, last): (String, i64) = (row.try_get("day")?, row.try_get("last")?);
            if let Some(&top) = highest.get(&day)
                && top > last
            {
                behind.push((day, last, top));
            }
        }
        for (day, &top) in &highest {
            let counted = behind.iter().any(|(d, ..)| d == day);
            if !counted {
                let has = sqlx::query("SELECT count(*) AS n FROM day_counters WHERE day = $1")
                    .bind(day)
                    .fetch_one(&mut *conn)
                    .await?
                    .try_get::<i64, _>("n")?;
                if has == 0 {
                    behind.push((day.clone(), 0, top));
                }
            }
        }
        Ok(behind)
    }

    /// Appends `batch` to `id`'s chain if its head is still `expected`; otherwise returns
    /// [`StoreError::Conflict`] and records nothing, so the caller can re-read and decide again.
    pub async fn append(
        &self,
        id: &IncidentId,
        expected: Head,
        batch: &Batch,
    ) -> Result<(), StoreError> {
        let head = head_of(batch)?;
        self.write(async |tx| {
            let moved = sqlx::query(
                "UPDATE seals SET seq = $1, hash = $2, signature = $3 \
             WHERE incident = $4 AND seq = $5 AND hash = $6",
            )
            .bind(head.seq as i64)
            .bind(head.hash.to_string())
            .bind(&batch.seal)
            .bind(id.to_string())
            .bind(expected.seq as i64)
            .bind(expected.hash.to_string())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if moved != 1 {
                return Err(StoreError::Conflict(id.to_string()));
            }
            insert_events(tx, &batch.events)
                .await
                .map_err(|e| match e {
                    StoreError::Database(sqlx::Error::Database(d)) if d.is_unique_violation() => {
                        StoreError::Conflict(id.to_string())
                    }
                    other => other,
                })?;
            projection::upsert(tx, &batch.summary).await?;
            Ok(())
        })
        .await
    }

    /// Opens a consistent read-only view: every read through it sees the database as of one
    /// moment, however many writers commit meanwhile.
    pub async fn snapshot(&self) -> Result<Snapshot, StoreError> {
        match &self.sqlite {
            Some(readers) => {
                let conn = readers.lease()?;
                conn.execute_batch(self.backend.begin_read())?;
                Ok(Snapshot::Sqlite(conn))
            }
            None => Ok(Snapshot::Sqlx(
                self.pool.begin_with(self.backend.begin_read()).await?,
            )),
        }
    }

    /// An incident's stored events and seal, read consistently.
    pub async fn load(&self, id: &IncidentId) -> Result<Loaded, StoreError> {
        self.load_after(id, 0).await
    }

    /// An incident's seal and its stored events after sequence number `seq` (all of them for
    /// 0), read consistently: how a writer that knows a verified head catches up with events
    /// other processes appended, without re-reading the whole chain.
    pub async fn load_after(&self, id: &IncidentId, seq: u64) -> Result<Loaded, StoreError> {
        let mut snapshot = self.snapshot().await?;
        let loaded = snapshot.load_after(id, seq).await;
        snapshot.finish().await?;
        loaded
    }

    /// Incident summaries, newest first.
    pub async fn list(&self, filter: &ListFilter) -> Result<Vec<Summary>, StoreError> {
        let sql = projection::list_sql(filter);
        let status = filter.status.map(|s| s.as_str());
        let before = filter
            .before
            .map(|id| (IncidentId::day_key(id.day()), i64::from(id.number())));
        let binds: Vec<&str> = status
            .into_iter()
            .chain(filter.severity.as_deref())
            .chain(before.as_ref().map(|(day, _)| day.as_str()))
            .collect();
        if let Some(readers) = &self.sqlite {
            let conn = readers.lease()?;
            let mut params: Vec<&dyn rusqlite::ToSql> =
                binds.iter().map(|b| b as &dyn rusqlite::ToSql).collect();
            if let Some((_, number)) = &before {
                params.push(number);
            }
            let mut out = Vec::new();
            sqlite::each_row(&conn, &sql, &params, |row| {
                out.push(projection::decode(row)?);
                Ok(())
            })?;
            return Ok(out);
        }
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for b in binds {
            query = query.bind(b);
        }
        if let Some((_, number)) = before {
            query = query.bind(number);
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter().map(projection::decode).collect()
    }

    /// The newest open incident with a `detected` event of this rule and key, found through the
    /// `events_by_finding` index (one index probe per candidate, however many incidents are
    /// open). The answer is a hint like any projection: the caller still reads and checks the
    /// incident before recording anything on it.
    pub async fn open_incident_with(
        &self,
        rule: &str,
        key: &str,
    ) -> Result<Option<IncidentId>, StoreError> {
        self.incident_with(rule, key, [FINDING_SQLITE, FINDING_POSTGRES])
            .await
    }

    /// The newest incident, open or not, with a `detected` event of this rule and key: where a
    /// finding last landed, so a caller can follow a merge from there.
    pub async fn latest_incident_with(
        &self,
        rule: &str,
        key: &str,
    ) -> Result<Option<IncidentId>, StoreError> {
        self.incident_with(rule, key, [FINDING_ANY_SQLITE, FINDING_ANY_POSTGRES])
            .await
    }

    /// Open incidents that may carry a finding of the same attack as `attack` describes,
    /// newest first, at most `limit`: through the `events_by_finding_key` and
    /// `events_by_finding` indexes for keys, and among the open incidents' findings for floods,
    /// never by reading every open incident. Hints, like every projection: the caller reads and
    /// checks each before recording anything on it.
    pub async fn open_incidents_of_attack(
        &self,
        attack: &Attack<'_>,
        limit: u32,
    ) -> Result<Vec<IncidentId>, StoreError> {
        let (low, high) = attack.neighbours.unwrap_or(("", ""));
        let limit = i64::from(limit);
        let mut ids: Vec<String> = Vec::new();
        let mut run = async |[on_sqlite, on_postgres]: [&'static str; 2], flood: bool| {
            match &self.sqlite {
                Some(readers) => {
                    let conn = readers.lease()?;
                    let mut take = |r: &rusqlite::Row<'_>| {
                        ids.push(r.get::<_, String>(0)?);
                        Ok(())
                    };
                    if flood {
                        sqlite::each_row(&conn, on_sqlite, &[&limit], &mut take)?;
                    } else {
                        let params: [&dyn rusqlite::ToSql; 5] =
                            [&attack.key, &attack.rule, &low, &high, &limit];
                        sqlite::each_row(&conn, on_sqlite, &params, &mut take)?;
                    }
                }
                None => {
                    let query = sqlx::query(on_postgres);
                    let query = if flood {
                        query.bind(limit)
                    } else {
                        query
                            .bind(attack.key)
                            .bind(attack.rule)
                            .bind(low)
                            .bind(high)
                            .bind(limit)
                    };
                    for row in query.fetch_all(&self.pool).await? {
                        ids.push(row.try_get(0)?);
                    }
                }
            }
            Ok::<(), StoreError>(())
        };
        run([ATTACK_SQLITE, ATTACK_POSTGRES], false).await?;
        if attack.flood {
            run([FLOODS_SQLITE, FLOODS_POSTGRES], true).await?;
        }
        let mut found: Vec<IncidentId> = Vec::with_capacity(ids.len());
        for id in ids {
            let id: IncidentId = id
                .parse()
                .map_err(|e| StoreError::Corrupt(format!("events.incident {id:?}: {e}")))?;
            if !found.contains(&id) {
                found.push(id);
            }
        }
        // Newest first across both lookups: ids of one day sort by their number.
        found.sort_by(|a, b| b.cmp(a));
        found.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        Ok(found)
    }

    /// Runs one of the finding lookups: `[sqlite, postgres]` SQL taking rule and key.
    async fn incident_with(
        &self,
        rule: &str,
        key: &str,
        [on_sqlite, on_postgres]: [&'static str; 2],
    ) -> Result<Option<IncidentId>, StoreError> {
        let mut found: Option<String> = None;
        match &self.sqlite {
            Some(readers) => {
                let conn = readers.lease()?;
                sqlite::each_row(&conn, on_sqlite, &[&rule, &key], |r| {
                    found = Some(r.get::<_, String>(0)?);
                    Ok(())
                })?;
            }
            None => {
                if let Some(row) = sqlx::query(on_postgres)
                    .bind(rule)
                    .bind(key)
                    .fetch_optional(&self.pool)
                    .await?
                {
                    found = Some(row.try_get(0)?);
                }
            }
        }
        found
            .map(|id| {
                id.parse()
                    .map_err(|e| StoreError::Corrupt(format!("events.incident {id:?}: {e}")))
            })
            .transpose()
    }

    /// Replaces the whole listing projection with `rows`, atomically.
    pub async fn replace_projection(&self, rows: &[Summary]) -> Result<(), StoreError> {
        self.write(async |tx| {
            sqlx::query("DELETE FROM incidents")
                .execute(&mut *tx)
                .await?;
            for s in rows {
                projection::upsert(tx, s).await?;
            }
            Ok(())
        })
        .await
    }
}

/// A read-only view of the database as of one moment (see [`Store::snapshot`]).
pub enum Snapshot {
    /// PostgreSQL: a REPEATABLE READ transaction.
    Sqlx(Transaction<'static, Any>),
    /// SQLite: a read transaction on the fast read path.
    Sqlite(sqlite::Lease),
}

// The expressions match the `events_by_finding` index of schema version 3 exactly.
const FINDING_SQLITE: &str = "SELECT i.id FROM events e JOIN incidents i ON i.id = e.incident \
     WHERE e.kind = 'detected' AND json_extract(e.payload, '$.rule') = $1 \
     AND json_extract(e.payload, '$.key') = $2 AND i.status IN ('investigating', 'contained') \
     ORDER BY i.day DESC, i.number DESC LIMIT 1";
const FINDING_POSTGRES: &str = "SELECT i.id FROM events e JOIN incidents i ON i.id = e.incident \
     WHERE e.kind = 'detected' AND (e.payload::jsonb ->> 'rule') = $1 \
     AND (e.payload::jsonb ->> 'key') = $2 AND i.status IN ('investigating', 'contained') \
     ORDER BY i.day DESC, i.number DESC LIMIT 1";

// The key expressions match the `events_by_finding_key` (version 5) and `events_by_finding`
// (version 3) indexes exactly. $1 key, $2 rule, [$3, $4) the range of neighbouring keys of
// that rule (empty for none), $5 limit.
const ATTACK_SQLITE: &str = "SELECT i.id FROM incidents i \
     WHERE i.status IN ('investigating', 'contained') AND i.id IN (\
     SELECT e.incident FROM events e WHERE e.kind = 'detected' \
     AND json_extract(e.payload, '$.key') = $1 \
     UNION SELECT e.incident FROM events e WHERE e.kind = 'detected' \
     AND json_extract(e.payload, '$.rule') = $2 \
     AND json_extract(e.payload, '$.key') >= $3 AND json_extract(e.payload, '$.key') < $4) \
     ORDER BY i.day DESC, i.number DESC LIMIT $5";
const ATTACK_POSTGRES: &str = "SELECT i.id FROM incidents i \
     WHERE i.status IN ('investigating', 'contained') AND i.id IN (\
     SELECT e.incident FROM events e WHERE e.kind = 'detected' \
     AND (e.payload::jsonb ->> 'key') = $1 \
     UNION SELECT e.incident FROM events e WHERE e.kind = 'detected' \
     AND (e.payload::jsonb ->> 'rule') = $2 \
     AND (e.payload::jsonb ->> 'key') >= $3 AND (e.payload::jsonb ->> 'key') < $4) \
     ORDER BY i.day DESC, i.number DESC LIMIT $5";
// Open incidents with a finding whose payload names a flood tag ($1 limit); the caller checks
// the tags themselves.
const FLOODS_SQLITE: &str = "SELECT DISTINCT i.id, i.day, i.number FROM incidents i \
     JOIN events e ON e.incident = i.id \
     WHERE i.status IN ('investigating', 'contained') AND e.kind = 'detected' \
     AND (e.payload LIKE '%\"flood\"%' OR e.payload LIKE '%\"ddos\"%') \
     ORDER BY i.day DESC, i.number DESC LIMIT $1";
const FLOODS_POSTGRES: &str = "SELECT DISTINCT i.id, i.day, i.number FROM incidents i \
     JOIN events e ON e.incident = i.id \
     WHERE i.status IN ('investigating', 'contained') AND e.kind = 'detected' \
     AND (e.payload LIKE '%\"flood\"%' OR e.payload LIKE '%\"ddos\"%') \
     ORDER BY i.day DESC, i.number DESC LIMIT $1";

const FINDING_ANY_SQLITE: &str = "SELECT i.id FROM events e JOIN incidents i ON i.id = e.incident \
     WHERE e.kind = 'detected' AND json_extract(e.payload, '$.rule') = $1 \
     AND json_extract(e.payload, '$.key') = $2 ORDER BY i.day DESC, i.number DESC LIMIT 1";
const FINDING_ANY_POSTGRES: &str = "SELECT i.id FROM events e JOIN incidents i ON i.id = e.incident \
     WHERE e.kind = 'detected' AND (e.payload::jsonb ->> 'rule') = $1 \
     AND (e.payload::jsonb ->> 'key') = $2 ORDER BY i.day DESC, i.number DESC LIMIT 1";

const SEAL_OF: &str =
    "SELECT incident, ordinal, seq, hash, signature FROM seals WHERE incident = $1";
const EVENTS_OF: &str = "SELECT incident, seq, at, actor, kind, payload, prev, hash FROM events WHERE incident = $1 AND seq > $2 ORDER BY seq";
const ALL_EVENTS: &str =
    "SELECT incident, seq, at, actor, kind, payload, prev, hash FROM events ORDER BY incident, seq";
const ALL_SEALS: &str =
    "SELECT incident, ordinal, seq, hash, signature FROM seals ORDER BY ordinal";
const REGISTRY: &str = "SELECT count, signature FROM registry WHERE singleton = 1";

impl Snapshot {
    /// An incident's stored events and seal.
    pub async fn load(&mut self, id: &IncidentId) -> Result<Loaded, StoreError> {
        self.load_after(id, 0).await
    }

    /// An incident's seal and its stored events after sequence number `seq`.
    pub async fn load_after(&mut self, id: &IncidentId, seq: u64) -> Result<Loaded, StoreError> {
        let after =
            i64::try_from(seq).map_err(|_| StoreError::Corrupt("sequence overflow".into()))?;
        let key = id.to_string();
        let missing = || StoreError::NoSuchIncident(key.clone());
        let mut events = Vec::new();
        let seal = match self {
            Snapshot::Sqlite(conn) => {
                let mut seal = None;
                sqlite::each_row(conn, SEAL_OF, &[&key], |r| {
                    seal = Some(rows::seal(r)?);
                    Ok(())
                })?;
                let seal = seal.ok_or_else(missing)?;
                sqlite::each_row(conn, EVENTS_OF, &[&key, &after], |r| {
                    events.push(rows::event(r)?);
                    Ok(())
                })?;
                seal
            }
            Snapshot::Sqlx(tx) => {
                let row = sqlx::query(SEAL_OF)
                    .bind(&key)
                    .fetch_optional(&mut **tx)
                    .await?;
                let seal = rows::seal(&row.ok_or_else(missing)?)?;
                for r in sqlx::query(EVENTS_OF)
                    .bind(&key)
                    .bind(after)
                    .fetch_all(&mut **tx)
                    .await?
                {
                    events.push(rows::event(&r)?);
                }
                seal
            }
        };
        Ok(Loaded { events, seal })
    }

    /// Calls `each` with every stored event, grouped by incident and in sequence order, reading
    /// in constant memory.
    pub async fn each_event<E: From<StoreError>>(
        &mut self,
        mut each: impl FnMut(StoredEvent) -> Result<(), E>,
    ) -> Result<(), E> {
        match self {
            Snapshot::Sqlite(conn) => {
                let mut stopped: Option<E> = None;
                let read = sqlite::each_row(conn, ALL_EVENTS, &[], |r| {
                    if let Err(e) = each(rows::event(r)?) {
                        stopped = Some(e);
                        return Err(StoreError::Corrupt("stopped".into()));
                    }
                    Ok(())
                });
                match (stopped, read) {
                    (Some(e), _) => Err(e),
                    (None, Err(e)) => Err(e.into()),
                    (None, Ok(())) => Ok(()),
                }
            }
            Snapshot::Sqlx(tx) => {
                let mut rows = sqlx::query(ALL_EVENTS).fetch(&mut **tx);
                while let Some(row) = rows.try_next().await.map_err(StoreError::from)? {
                    each(rows::event(&row)?)?;
                }
                Ok(())
            }
        }
    }

    /// Like [`Snapshot::each_event`], but only events of these `kinds`, without their `prev`
    /// and `hash`, and lent to `each` rather than copied ([`EventRow`]): for readers that fold
    /// a few kinds of change and do not check chains (`report`). Events of the kinds in
    /// `timed_only` come with the payload `{}`: their time is all the reader needs, so their
    /// text is never read out of the database. SQLite still walks every row, but the skipped
    /// ones are never decoded.
    pub async fn each_event_of<E: From<StoreError>>(
        &mut self,
        kinds: &[&str],
        timed_only: &[&str],
        mut each: impl FnMut(EventRow<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        let place = |from: usize, n: usize| -> String {
            let list: Vec<String> = (from..from + n).map(|i| format!("${i}")).collect();
            list.join(", ")
        };
        // Numbered in the order they appear, as SQLite numbers `$N` parameters by appearance.
        let payload = if timed_only.is_empty() {
            "payload".to_string()
        } else {
            format!(
                "CASE WHEN kind IN ({}) THEN '{{}}' ELSE payload END",
                place(1, timed_only.len())
            )
        };
        let sql = format!(
            "SELECT incident, seq, at, actor, kind, {payload} FROM events \
             WHERE kind IN ({}) ORDER BY incident, seq",
            place(timed_only.len() + 1, kinds.len())
        );
        let bound: Vec<&str> = timed_only.iter().chain(kinds).copied().collect();
        match self {
            Snapshot::Sqlite(conn) => {
                let params: Vec<&dyn rusqlite::ToSql> =
                    bound.iter().map(|k| k as &dyn rusqlite::ToSql).collect();
                let mut stopped: Option<E> = None;
                let read = sqlite::each_row(conn, &sql, &params, |r| {
                    if let Err(e) = each(rows::sqlite_event_row(r)?) {
                        stopped = Some(e);
                        return Err(StoreError::Corrupt("stopped".into()));
                    }
                    Ok(())
                });
                match (stopped, read) {
                    (Some(e), _) => Err(e),
                    (None, Err(e)) => Err(e.into()),
                    (None, Ok(())) => Ok(()),
                }
            }
            Snapshot::Sqlx(tx) => {
                let mut query = sqlx::query(AssertSqlSafe(sql));
                for k in &bound {
                    query = query.bind(*k);
                }
                let mut rows = query.fetch(&mut **tx);
                while let Some(row) = rows.try_next().await.map_err(StoreError::from)? {
                    each(rows::any_event_row(&row)?)?;
                }
                Ok(())
            }
        }
    }

    /// Every seal, by ordinal.
    pub async fn seals(&mut self) -> Result<Vec<SealRow>, StoreError> {
        let mut out = Vec::new();
        match self {
            Snapshot::Sqlite(conn) => sqlite::each_row(conn, ALL_SEALS, &[], |r| {
                out.push(rows::seal(r)?);
                Ok(())
            })?,
            Snapshot::Sqlx(tx) => {
                for r in sqlx::query(ALL_SEALS).fetch_all(&mut **tx).await? {
                    out.push(rows::seal(&r)?);
                }
            }
        }
        Ok(out)
    }

    /// The registry row, if present.
    pub async fn registry(&mut self) -> Result<Option<RegistryRow>, StoreError> {
        let mut out = None;
        match self {
            Snapshot::Sqlite(conn) => sqlite::each_row(conn, REGISTRY, &[], |r| {
                out = Some(rows::registry(r)?);
                Ok(())
            })?,
            Snapshot::Sqlx(tx) => {
                if let Some(r) = sqlx::query(REGISTRY).fetch_optional(&mut **tx).await? {
                    out = Some(rows::registry(&r)?);
                }
            }
        }
        Ok(out)
    }

    /// Ends the view.
    pub async fn finish(self) -> Result<(), StoreError> {
        match self {
            Snapshot::Sqlite(conn) => conn.execute_batch("COMMIT")?,
            Snapshot::Sqlx(tx) => tx.rollback().await?,
        }
        Ok(())
    }
}
