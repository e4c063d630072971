//! The incident service: the one path by which anything is recorded. It reads an incident's
//! events, checks their chain and seal, folds them, asks [`firebreak_core::decide`] what to
//! record, seals the new events and appends them — retrying from a fresh read when another
//! writer got there first. Incidents being written to stay folded in memory between changes
//! (see `hot`), so an append does not re-read the chain.

mod chain;
mod contain;
mod detect;
mod hot;
mod record;
mod reindex;
mod related;
mod report;
mod review;
mod tokens;
mod turns;
mod verify;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use firebreak_core::config::Config;
use firebreak_core::seal::{SealChecker, Sealer};
use firebreak_store::Store;

pub use detect::Landed;
pub use record::Recorded;
pub use reindex::ReindexReport;
pub(crate) use turns::Turns;
pub use verify::{Fault, VerifyReport};

/// Errors from the service: a refused change, damaged records, or storage trouble.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The change was refused; nothing was recorded.
    #[error(transparent)]
    Refused(#[from] firebreak_core::DomainError),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] firebreak_store::StoreError),
    /// The journal of an incident does not verify; nothing more is written to it.
    #[error("{0}; nothing was recorded — run `firebreak verify` for the full picture")]
    Damaged(String),
    /// The signing key could not be used.
    #[error(transparent)]
    Key(#[from] firebreak_core::seal::KeyError),
    /// The operating system gave no random bytes (for a token secret).
    #[error(transparent)]
    Random(#[from] firebreak_core::access::NoRandomness),
    /// A write failed in the database for a change queued with this one; nothing was recorded.
    #[error(
        "the database failed while recording a change queued with this one: {0}; nothing was recorded"
    )]
    WriteFailed(String),
    /// Too many concurrent writers kept winning the race.
    #[error(
        "{0} is being changed by many writers at once; gave up after {1} attempts, nothing was recorded"
    )]
    Busy(String, u32),
}

/// The service over one store. Cloning is cheap (the store is a pool, the config shared).
#[derive(Clone)]
pub struct Service {
    store: Store,
    config: Arc<Config>,
    data_dir: PathBuf,
    actor: String,
    hot: Arc<hot::Hot>,
    verified_records: Arc<tokens::Verified>,
    /// The public key, read from the data directory once: every change checks against it.
    checker: Arc<std::sync::OnceLock<SealChecker>>,
    /// The private key, read once: every write seals with it.
    sealer: Arc<std::sync::OnceLock<Arc<Sealer>>>,
}

impl Service {
    /// A service recording as `actor`, with keys in `data_dir`.
    pub fn new(store: Store, config: Config, data_dir: PathBuf, actor: String) -> Self {
        Self {
            store,
            config: Arc::new(config),
            data_dir,
            actor,
            hot: Arc::default(),
            verified_records: Arc::default(),
            checker: Arc::default(),
            sealer: Arc::default(),
        }
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The settings in force.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Who is recorded as making changes.
    pub fn actor(&self) -> &str {
        &self.actor
    }

    /// The same service recording changes as `actor` (the server makes one per request, named
    /// for the caller's token).
    pub fn acting_as(&self, actor: &str) -> Service {
        Service {
            actor: actor.to_string(),
            ..self.clone()
        }
    }

    /// The data directory (keys, evidence bytes).
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The journal's signing key (also signs evidence bundles), read from the data directory
    /// once per process: every write seals with it (a missing or unreadable file is an error
    /// each time it is asked for, until it can be read).
    pub fn sealer(&self) -> Result<Arc<Sealer>, ServiceError> {
        if let Some(sealer) = self.sealer.get() {
            return Ok(sealer.clone());
        }
        let sealer = Arc::new(Sealer::load(&self.data_dir)?);
        Ok(self.sealer.get_or_init(|| sealer).clone())
    }

    /// The public key that checks seals, read once per process (a missing or malformed file
    /// is an error each time it is asked for, until it can be read).
    fn checker(&self) -> Result<SealChecker, ServiceError> {
        if let Some(checker) = self.checker.get() {
            return Ok(checker.clone());
        }
        let checker = SealChecker::load(&self.data_dir)?;
        Ok(self.checker.get_or_init(|| checker).clone())
    }
}
