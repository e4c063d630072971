//! The `tokens` and `sessions` tables: API tokens (kept as digests, never as secrets) and the
//! dashboard sessions signed in with them; and `token_records`/`token_head`, the signed chain of
//! what was done to tokens, written in the same transaction as the change it records. Deciding
//! what a role may do is not done here (see `firebreak_core::access`), nor making, hashing or
//! checking records (see `firebreak_core::token_record` and the service); this module only
//! records and finds.

use firebreak_core::access::Role;
use firebreak_core::journal::{Digest, Head};
use firebreak_core::token_record::{TokenRecord, TokenState};
use jiff::Timestamp;
use sqlx::{AnyConnection, Row};

use crate::error::StoreError;
use crate::store::Store;

/// One API token as stored (the secret itself never is).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TokenRow {
    /// Short id, shown in lists and used to revoke.
    pub id: String,
    /// Who or what holds it (a person, `alertmanager`, …); unique among tokens.
    pub name: String,
    /// What it may do.
    pub role: Role,
    /// When it was made.
    pub created_at: Timestamp,
    /// Who made it.
    pub created_by: String,
    /// When it was revoked, if it was.
    pub revoked_at: Option<Timestamp>,
}

impl TokenRow {
    /// The token as a record states it, with the digest of its secret.
    pub fn state(&self, digest: &str) -> TokenState {
        TokenState {
            id: self.id.clone(),
            name: self.name.clone(),
            role: self.role.as_str().to_string(),
            digest: digest.to_string(),
            created_at: self.created_at.as_microsecond(),
            created_by: self.created_by.clone(),
            revoked_at: self.revoked_at.map(|t| t.as_microsecond()),
        }
    }
}

/// A token found by its secret: its row, the digest, and its latest record (if it has one).
#[derive(Debug, Clone)]
pub struct FoundToken {
    /// The row.
    pub token: TokenRow,
    /// The digest of its secret, as stored.
    pub digest: String,
    /// Its latest record, untrusted until checked.
    pub record: Option<TokenRecord>,
}

/// The signed head of the token records' chain, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenHeadRow {
    /// Sequence number of the last record.
    pub seq: i64,
    /// Its hash, hex.
    pub hash: String,
    /// Signature, hex.
    pub signature: String,
}

/// Everything `verify` compares: every token row with its digest, every record in order, the
/// signed head — read in one transaction.
#[derive(Debug, Clone, Default)]
pub struct TokenAudit {
    /// Token rows and their digests.
    pub tokens: Vec<(TokenRow, String)>,
    /// Records by sequence number.
    pub records: Vec<TokenRecord>,
    /// The signed head, if any.
    pub head: Option<TokenHeadRow>,
}

/// A record and the signature of the chain head it makes, ready to be written.
pub type Signed = (TokenRecord, String);

/// A dashboard session: which token signed in, its CSRF token, and until when it is good.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    /// The token that signed in (still checked on every use: revoking it ends the session).
    pub token: TokenRow,
    /// The digest of the token's secret.
    pub digest: String,
    /// The token's latest record, untrusted until checked.
    pub record: Option<TokenRecord>,
    /// The form token every state-changing form must carry.
    pub csrf: String,
    /// When the session ends.
    pub expires_at: Timestamp,
}

fn time(micros: i64, column: &str) -> Result<Timestamp, StoreError> {
    Timestamp::from_microsecond(micros)
        .map_err(|_| StoreError::Corrupt(format!("{column} = {micros} is not a time")))
}

fn token_of(row: &sqlx::any::AnyRow) -> Result<TokenRow, StoreError> {
    let role: String = row.try_get("role")?;
    Ok(TokenRow {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        role: role
            .parse()
            .map_err(|e| StoreError::Corrupt(format!("tokens.role: {e}")))?,
        created_at: time(row.try_get("created_at")?, "tokens.created_at")?,
        created_by: row.try_get("created_by")?,
        revoked_at: row
            .try_get::<Option<i64>, _>("revoked_at")?
            .map(|m| time(m, "tokens.revoked_at"))
            .transpose()?,
    })
}

const TOKEN_COLUMNS: &str = "t.id, t.name, t.role, t.created_at, t.created_by, t.revoked_at";

const RECORD_COLUMNS: &str = "r.seq, r.at, r.what, r.token, r.name, r.role, r.digest, \
     r.created_at, r.created_by, r.revoked_at, r.prev, r.hash, r.signature";

fn record_of(row: &sqlx::any::AnyRow) -> Result<TokenRecord, StoreError> {
    Ok(TokenRecord {
        seq: row.try_get("seq")?,
        at: row.try_get("at")?,
        what: row.try_get("what")?,
        state: TokenState {
            id: row.try_get("token")?,
            name: row.try_get("name")?,
            role: row.try_get("role")?,
            digest: row.try_get("digest")?,
            created_at: row.try_get("created_at")?,
            created_by: row.try_get("created_by")?,
            revoked_at: row.try_get("revoked_at")?,
        },
        prev: row.try_get("prev")?,
        hash: row.try_get("hash")?,
        signature: row.try_get("signature")?,
    })
}

/// The chain's head as its signed head row says (empty when there is none yet).
async fn records_head(conn: &mut AnyConnection) -> Result<Head, StoreError> {
    let Some(row) = sqlx::query("SELECT seq, hash FROM token_head WHERE singleton = 1")
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(Head::default());
    };
    let seq: i64 = row.try_get("seq")?;
    let hash: String = row.try_get("hash")?;
    Ok(Head {
        seq: u64::try_from(seq)
            .map_err(|_| StoreError::Corrupt(format!("token_head.seq = {seq}")))?,
        hash: hash
            .parse::<Digest>()
            .map_err(|e| StoreError::Corrupt(format!("token_head.hash: {e}")))?,
    })
}

/// Writes `records` after the chain's head and signs the new head.
async fn write_records(
    conn: &mut AnyConnection,
    records: &[TokenRecord],
    head_signature: &str,
) -> Result<(), StoreError> {
    let Some(last) = records.last() else {
        return Ok(());
    };
    for r in records {
        sqlx::query(
            "INSERT INTO token_records (seq, at, what, token, name, role, digest, created_at, \
             created_by, revoked_at, prev, hash, signature) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(r.seq)
        .bind(r.at)
        .bind(&r.what)
        .bind(&r.state.id)
        .bind(&r.state.name)
        .bind(&r.state.role)
        .bind(&r.state.digest)
        .bind(r.state.created_at)
        .bind(&r.state.created_by)
        .bind(r.state.revoked_at)
        .bind(&r.prev)
        .bind(&r.hash)
        .bind(&r.signature)
        .execute(&mut *conn)
        .await?;
    }
    sqlx::query(
        "INSERT INTO token_head (singleton, seq, hash, signature) VALUES (1, $1, $2, $3) \
         ON CONFLICT (singleton) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, \
         signature = excluded.signature",
    )
    .bind(last.seq)
    .bind(&last.hash)
    .bind(head_signature)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A token's latest record.
async fn latest_record(
    conn: &mut AnyConnection,
    token: &str,
) -> Result<Option<TokenRecord>, StoreError> {
    let sql = format!(
        "SELECT {RECORD_COLUMNS} FROM token_records r WHERE r.token = $1 ORDER BY r.seq DESC LIMIT 1"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(token)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(record_of).transpose()
}

impl Store {
    /// Records a new token, and the record `sign` makes of it after the records' head, in one
    /// transaction. A name already in use (even by a revoked token) is refused with
    /// [`StoreError::Taken`], so names stay unambiguous in the audit trail.
    pub async fn add_token(
        &self,
        token: &TokenRow,
        digest: &str,
        sign: impl FnOnce(Head) -> Signed,
    ) -> Result<(), StoreError> {
        let taken = || StoreError::Taken(format!("a token named {:?} exists already", token.name));
        self.write(async |tx| {
            let n = sqlx::query("SELECT count(*) AS n FROM tokens WHERE name = $1")
                .bind(&token.name)
                .fetch_one(&mut *tx)
                .await?
                .try_get::<i64, _>("n")?;
            if n > 0 {
                return Err(taken());
            }
            sqlx::query(
                "INSERT INTO tokens (id, name, role, digest, created_at, created_by, revoked_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, NULL)",
            )
            .bind(&token.id)
            .bind(&token.name)
            .bind(token.role.as_str())
            .bind(digest)
            .bind(token.created_at.as_microsecond())
            .bind(&token.created_by)
            .execute(&mut *tx)
            .await
            .map_err(|e| match e {
                sqlx::Error::Database(d) if d.is_unique_violation() => taken(),
                other => other.into(),
            })?;
            let (record, head_signature) = sign(records_head(tx).await?);
            write_records(tx, &[record], &head_signature).await
        })
        .await
    }

    /// Records every token that has no record yet, as `sign` records them, if the chain of
    /// records has not been started (no signed head): how tokens made before records were
    /// kept are recorded, once. Returns how many were recorded.
    pub async fn adopt_tokens(
        &self,
        sign: impl FnOnce(Head, &[(TokenRow, String)]) -> (Vec<TokenRecord>, String),
    ) -> Result<usize, StoreError> {
        self.write(async |tx| {
            let started = sqlx::query("SELECT count(*) AS n FROM token_head")
                .fetch_one(&mut *tx)
                .await?
                .try_get::<i64, _>("n")?;
            if started > 0 {
                return Ok(0);
            }
            let sql = format!(
                "SELECT {TOKEN_COLUMNS}, t.digest FROM tokens t \
                 WHERE NOT EXISTS (SELECT 1 FROM token_records r WHERE r.token = t.id) \
                 ORDER BY t.created_at, t.id"
            );
            let mut tokens = Vec::new();
            for row in sqlx::query(sqlx::AssertSqlSafe(sql))
                .fetch_all(&mut *tx)
                .await?
            {
                tokens.push((token_of(&row)?, row.try_get::<String, _>("digest")?));
            }
            let (records, head_signature) = sign(records_head(tx).await?, &tokens);
            write_records(tx, &records, &head_signature).await?;
            Ok(records.len())
        })
        .await
    }

    /// Every token, oldest first, revoked ones included.
    pub async fn tokens(&self) -> Result<Vec<TokenRow>, StoreError> {
        let sql = format!("SELECT {TOKEN_COLUMNS} FROM tokens t ORDER BY t.created_at, t.id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(token_of).collect()
    }

    /// The live (unrevoked) token whose secret has this digest, with its latest record.
    pub async fn token_by_digest(&self, digest: &str) -> Result<Option<FoundToken>, StoreError> {
        let mut conn = self.pool().acquire().await?;
        let sql = format!(
            "SELECT {TOKEN_COLUMNS}, t.digest FROM tokens t WHERE t.digest = $1 AND t.revoked_at IS NULL"
        );
        let Some(row) = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(digest)
            .fetch_optional(&mut *conn)
            .await?
        else {
            return Ok(None);
        };
        let token = token_of(&row)?;
        let record = latest_record(&mut conn, &token.id).await?;
        Ok(Some(FoundToken {
            digest: row.try_get("digest")?,
            token,
            record,
        }))
    }

    /// Revokes the token with this id or name, with the record `sign` makes of it, and ends its
    /// sessions. Returns it as it now is, or `None` when there is no such token.
    pub async fn revoke_token(
        &self,
        id_or_name: &str,
        at: Timestamp,
        sign: impl FnOnce(Head, &TokenRow, &str) -> Signed,
    ) -> Result<Option<TokenRow>, StoreError> {
        self.write(async |tx| {
            let sql = format!(
                "SELECT {TOKEN_COLUMNS}, t.digest FROM tokens t WHERE t.id = $1 OR t.name = $1"
            );
            let Some(row) = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(id_or_name)
                .fetch_optional(&mut *tx)
                .await?
            else {
                return Ok(None);
            };
            let mut token = token_of(&row)?;
            let digest: String = row.try_get("digest")?;
            if token.revoked_at.is_none() {
                sqlx::query("UPDATE tokens SET revoked_at = $1 WHERE id = $2")
                    .bind(at.as_microsecond())
                    .bind(&token.id)
                    .execute(&mut *tx)
                    .await?;
                token.revoked_at = Some(at);
                let (record, head_signature) = sign(records_head(tx).await?, &token, &digest);
                write_records(tx, &[record], &head_signature).await?;
            }
            sqlx::query("DELETE FROM sessions WHERE token = $1")
                .bind(&token.id)
                .execute(&mut *tx)
                .await?;
            Ok(Some(token))
        })
        .await
    }

    /// Every token row with its digest, every token record and the signed head, read in one
    /// transaction (for `verify`).
    pub async fn token_audit(&self) -> Result<TokenAudit, StoreError> {
        let mut tx = self.pool().begin_with(self.backend().begin_read()).await?;
        let mut audit = TokenAudit::default();
        let sql = format!("SELECT {TOKEN_COLUMNS}, t.digest FROM tokens t ORDER BY t.id");
        for row in sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&mut *tx)
            .await?
        {
            audit
                .tokens
                .push((token_of(&row)?, row.try_get::<String, _>("digest")?));
        }
        let sql = format!("SELECT {RECORD_COLUMNS} FROM token_records r ORDER BY r.seq");
        for row in sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&mut *tx)
            .await?
        {
            audit.records.push(record_of(&row)?);
        }
        if let Some(row) =
            sqlx::query("SELECT seq, hash, signature FROM token_head WHERE singleton = 1")
                .fetch_optional(&mut *tx)
                .await?
        {
            audit.head = Some(TokenHeadRow {
                seq: row.try_get("seq")?,
                hash: row.try_get("hash")?,
                signature: row.try_get("signature")?,
            });
        }
        tx.rollback().await?;
        Ok(audit)
    }

    /// Records a session for `token`, keyed by the digest of the cookie's secret; sessions past
    /// their end are cleared out at the same time.
    pub async fn add_session(
        &self,
        digest: &str,
        token_id: &str,
        csrf: &str,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
            .bind(now.as_microsecond())
            .execute(self.pool())
            .await?;
        sqlx::query(
            "INSERT INTO sessions (digest, token, csrf, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(digest)
        .bind(token_id)
        .bind(csrf)
        .bind(now.as_microsecond())
        .bind(expires_at.as_microsecond())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The unexpired session with this digest, if its token is still live.
    pub async fn session(
        &self,
        digest: &str,
        now: Timestamp,
    ) -> Result<Option<SessionRow>, StoreError> {
        let mut conn = self.pool().acquire().await?;
        let sql = format!(
            "SELECT {TOKEN_COLUMNS}, t.digest, s.csrf, s.expires_at AS session_end FROM sessions s \
             JOIN tokens t ON t.id = s.token \
             WHERE s.digest = $1 AND s.expires_at > $2 AND t.revoked_at IS NULL"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(digest)
            .bind(now.as_microsecond())
            .fetch_optional(&mut *conn)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let token = token_of(&row)?;
        let record = latest_record(&mut conn, &token.id).await?;
        Ok(Some(SessionRow {
            digest: row.try_get("digest")?,
            record,
            token,
            csrf: row.try_get("csrf")?,
            expires_at: time(row.try_get("session_end")?, "sessions.expires_at")?,
        }))
    }

    /// Ends a session (sign-out).
    pub async fn end_session(&self, digest: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE digest = $1")
            .bind(digest)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// How many incidents and events there are: grows with every declaration and every append,
    /// so a change anywhere (from any replica) changes it. Cheap enough to poll.
    pub async fn version(&self) -> Result<(u64, u64), StoreError> {
        let row = sqlx::query(
            "SELECT count(*) AS incidents, CAST(coalesce(sum(events), 0) AS BIGINT) AS events \
             FROM incidents",
        )
        .fetch_one(self.pool())
        .await?;
        let incidents: i64 = row.try_get("incidents")?;
        let events: i64 = row.try_get("events")?;
        Ok((incidents.max(0) as u64, events.max(0) as u64))
    }
}
