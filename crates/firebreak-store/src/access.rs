//! The `tokens` and `sessions` tables: API tokens (kept as digests, never as secrets) and the
//! dashboard sessions signed in with them. Deciding what a role may do is not done here (see
//! `firebreak_core::access`); this module only records and finds.

use firebreak_core::access::Role;
use jiff::Timestamp;
use sqlx::Row;

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

/// A dashboard session: which token signed in, its CSRF token, and until when it is good.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    /// The token that signed in (still checked on every use: revoking it ends the session).
    pub token: TokenRow,
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

impl Store {
    /// Records a new token. A name already in use (even by a revoked token) is refused with
    /// [`StoreError::Taken`], so names stay unambiguous in the audit trail.
    pub async fn add_token(&self, token: &TokenRow, digest: &str) -> Result<(), StoreError> {
        let taken = sqlx::query("SELECT count(*) AS n FROM tokens WHERE name = $1")
            .bind(&token.name)
            .fetch_one(self.pool())
            .await?
            .try_get::<i64, _>("n")?;
        if taken > 0 {
            return Err(StoreError::Taken(format!(
                "a token named {:?} exists already",
                token.name
            )));
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
        .execute(self.pool())
        .await
        .map_err(|e| match e {
            sqlx::Error::Database(d) if d.is_unique_violation() => {
                StoreError::Taken(format!("a token named {:?} exists already", token.name))
            }
            other => other.into(),
        })?;
        Ok(())
    }

    /// Every token, oldest first, revoked ones included.
    pub async fn tokens(&self) -> Result<Vec<TokenRow>, StoreError> {
        let sql = format!("SELECT {TOKEN_COLUMNS} FROM tokens t ORDER BY t.created_at, t.id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(token_of).collect()
    }

    /// The live (unrevoked) token whose secret has this digest.
    pub async fn token_by_digest(&self, digest: &str) -> Result<Option<TokenRow>, StoreError> {
        let sql = format!(
            "SELECT {TOKEN_COLUMNS} FROM tokens t WHERE t.digest = $1 AND t.revoked_at IS NULL"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(digest)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(token_of).transpose()
    }

    /// Revokes the token with this id or name, and ends its sessions. Returns it as it now is,
    /// or `None` when there is no such token.
    pub async fn revoke_token(
        &self,
        id_or_name: &str,
        at: Timestamp,
    ) -> Result<Option<TokenRow>, StoreError> {
        let mut tx = self.pool().begin().await?;
        let sql = format!("SELECT {TOKEN_COLUMNS} FROM tokens t WHERE t.id = $1 OR t.name = $1");
        let Some(row) = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id_or_name)
            .fetch_optional(&mut *tx)
            .await?
        else {
            return Ok(None);
        };
        let mut token = token_of(&row)?;
        if token.revoked_at.is_none() {
            sqlx::query("UPDATE tokens SET revoked_at = $1 WHERE id = $2")
                .bind(at.as_microsecond())
                .bind(&token.id)
                .execute(&mut *tx)
                .await?;
            token.revoked_at = Some(at);
        }
        sqlx::query("DELETE FROM sessions WHERE token = $1")
            .bind(&token.id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Some(token))
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
        let sql = format!(
            "SELECT {TOKEN_COLUMNS}, s.csrf, s.expires_at AS session_end FROM sessions s \
             JOIN tokens t ON t.id = s.token \
             WHERE s.digest = $1 AND s.expires_at > $2 AND t.revoked_at IS NULL"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(digest)
            .bind(now.as_microsecond())
            .fetch_optional(self.pool())
            .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(SessionRow {
            token: token_of(&row)?,
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
