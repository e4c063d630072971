//! API tokens: the one place a secret is drawn and its digest stored (for `firebreak token
//! create` and `POST /api/v1/tokens` alike), the one place tokens are revoked, and the check
//! that a token row is what its signed record says before anyone is let in with it (see
//! `firebreak_core::token_record`). Checking the name and role is the caller's job, since each
//! reports bad input its own way.

use firebreak_core::access::{self, Role};
use firebreak_core::journal::Digest;
use firebreak_core::seal::{SealChecker, Sealer};
use firebreak_core::token_record::{TokenRecord, what};
use firebreak_store::{SessionRow, Signed, TokenRow};
use jiff::Timestamp;

use super::{Service, ServiceError};

/// Signs a record and the chain head it makes.
fn signed(sealer: &Sealer, mut record: TokenRecord) -> Signed {
    let head = record.head().unwrap_or_default();
    record.signature = sealer.token_record(&head.hash);
    (record, sealer.token_head(&head))
}

/// Why a token row is not what its record says, in words; `None` when it is.
pub(super) fn mismatch(
    checker: &SealChecker,
    token: &TokenRow,
    digest: &str,
    record: Option<&TokenRecord>,
) -> Option<String> {
    let Some(record) = record else {
        return Some("it has no signed record (inserted behind firebreak's back?)".into());
    };
    let Some(hash) = record.checked_hash() else {
        return Some(format!(
            "its record #{} does not match its hash (record edited?)",
            record.seq
        ));
    };
    if !checker.check_token_record(&hash, &record.signature) {
        return Some(format!(
            "the signature of its record #{} does not match the journal key (record forged?)",
            record.seq
        ));
    }
    let row = token.state(digest);
    let said = &record.state;
    let differs = [
        ("id", row.id != said.id),
        ("name", row.name != said.name),
        ("role", row.role != said.role),
        ("secret digest", row.digest != said.digest),
        ("creation time", row.created_at != said.created_at),
        ("creator", row.created_by != said.created_by),
        ("revocation", row.revoked_at != said.revoked_at),
    ];
    let fields: Vec<&str> = differs
        .iter()
        .filter(|(_, d)| *d)
        .map(|(name, _)| *name)
        .collect();
    if fields.is_empty() {
        return None;
    }
    let role = if row.role != said.role {
        format!(
            " (the row says {}, the record {})",
            access_word(&row.role),
            access_word(&said.role)
        )
    } else {
        String::new()
    };
    Some(format!(
        "its row differs from its signed record #{} in its {}{role} (edited behind firebreak's back?)",
        record.seq,
        fields.join(", ")
    ))
}

/// A role name fit for a message (a stored role is whatever the database holds).
fn access_word(role: &str) -> String {
    role.chars().take(20).filter(|c| !c.is_control()).collect()
}

impl Service {
    /// Records a new token named `name` with `role`, made by this service's actor, with its
    /// signed record; returns it with its secret, which is not kept anywhere and cannot be
    /// shown again.
    pub async fn create_token(
        &self,
        name: String,
        role: Role,
    ) -> Result<(TokenRow, String), ServiceError> {
        let sealer = self.sealer()?;
        self.adopt_tokens().await?;
        let secret = access::new_secret()?;
        let token = TokenRow {
            id: access::random_hex(4)?,
            name,
            role,
            created_at: jiff_micros(Timestamp::now()),
            created_by: self.actor.clone(),
            revoked_at: None,
        };
        let state = token.state(&secret.digest);
        let at = token.created_at.as_microsecond();
        self.store
            .add_token(&token, &secret.digest, |head| {
                signed(&sealer, TokenRecord::next(head, at, what::CREATED, state))
            })
            .await?;
        Ok((token, secret.secret))
    }

    /// Revokes the token with this id or name (with its signed record) and ends its sessions;
    /// `None` when there is no such token.
    pub async fn revoke_token(&self, id_or_name: &str) -> Result<Option<TokenRow>, ServiceError> {
        let sealer = self.sealer()?;
        self.adopt_tokens().await?;
        let at = jiff_micros(Timestamp::now());
        Ok(self
            .store
            .revoke_token(id_or_name, at, |head, token, digest| {
                let record = TokenRecord::next(
                    head,
                    at.as_microsecond(),
                    what::REVOKED,
                    token.state(digest),
                );
                signed(&sealer, record)
            })
            .await?)
    }

    /// Records the tokens made before token records were kept, once: the first time a store
    /// upgraded to records is opened with the signing key (the server's start, `verify`, any
    /// token command). Returns how many were recorded (0 once done).
    pub async fn adopt_tokens(&self) -> Result<usize, ServiceError> {
        let sealer = self.sealer()?;
        let at = Timestamp::now().as_microsecond();
        let adopted = self
            .store
            .adopt_tokens(|mut head, tokens| {
                let mut records = Vec::with_capacity(tokens.len());
                for (token, digest) in tokens {
                    let (record, _) = signed(
                        &sealer,
                        TokenRecord::next(head, at, what::ADOPTED, token.state(digest)),
                    );
                    head = record.head().unwrap_or(head);
                    records.push(record);
                }
                let head_signature = sealer.token_head(&head);
                (records, head_signature)
            })
            .await?;
        if adopted > 0 {
            tracing::warn!(
                adopted,
                "recorded {adopted} API token(s) made before token records were kept, as they are now (done once)"
            );
        }
        Ok(adopted)
    }

    /// The live token whose secret has this digest, if its row is what its signed record says.
    /// A token whose row differs is refused (and the refusal logged): someone changed it in the
    /// database behind firebreak's back.
    pub async fn token_by_digest(&self, digest: &str) -> Result<Option<TokenRow>, ServiceError> {
        let Some(found) = self.store.token_by_digest(digest).await? else {
            return Ok(None);
        };
        Ok(self
            .trusted(&found.token, &found.digest, found.record.as_ref())?
            .then_some(found.token))
    }

    /// The unexpired session with this digest, if its token is live and is what its signed
    /// record says.
    pub async fn session(
        &self,
        digest: &str,
        now: Timestamp,
    ) -> Result<Option<SessionRow>, ServiceError> {
        let Some(session) = self.store.session(digest, now).await? else {
            return Ok(None);
        };
        Ok(self
            .trusted(&session.token, &session.digest, session.record.as_ref())?
            .then_some(session))
    }

    fn trusted(
        &self,
        token: &TokenRow,
        digest: &str,
        record: Option<&TokenRecord>,
    ) -> Result<bool, ServiceError> {
        let known = record
            .and_then(|r| r.hash.parse::<Digest>().ok())
            .is_some_and(|h| self.verified_records.contains(&h));
        if known && record.is_some_and(|r| r.state == token.state(digest)) {
            return Ok(true);
        }
        match mismatch(&self.checker()?, token, digest, record) {
            None => {
                if let Some(hash) = record.and_then(|r| r.checked_hash()) {
                    self.verified_records.insert(hash);
                }
                Ok(true)
            }
            Some(why) => {
                tracing::error!(
                    token = %token.id,
                    "refused API token {} ({}): {why}; run `firebreak verify`",
                    token.id,
                    access_word(&token.name)
                );
                Ok(false)
            }
        }
    }
}

/// A time at the microsecond precision the store keeps, so a row reads back as recorded.
fn jiff_micros(at: Timestamp) -> Timestamp {
    firebreak_core::journal::precise(at)
}

/// Hashes of token records whose signature was checked, so a token in steady use costs one
/// signature check, not one per request. Cleared when it grows large.
#[derive(Debug, Default)]
pub(crate) struct Verified(std::sync::Mutex<std::collections::HashSet<Digest>>);

impl Verified {
    const MAX: usize = 4096;

    fn contains(&self, hash: &Digest) -> bool {
        self.0.lock().is_ok_and(|set| set.contains(hash))
    }

    fn insert(&self, hash: Digest) {
        if let Ok(mut set) = self.0.lock() {
            if set.len() >= Self::MAX {
                set.clear();
            }
            set.insert(hash);
        }
    }
}
