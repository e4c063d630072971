//! Signatures over the journal's heads, so that cutting the tail off a chain or deleting a whole
//! incident is detectable, not just editing inside a chain.
//!
//! Two kinds of signed statement are kept beside the events, both with the ed25519 key made at
//! `firebreak init` (private key file mode 0600 in the data directory):
//!
//! - a **seal** per incident: "incident number `ordinal` is `id` and its head is (`seq`, `hash`)",
//!   re-signed whenever the incident gets events;
//! - the **registry**: "there are `count` incidents", re-signed when one is declared.
//!
//! Verification checks every chain against its seal, that ordinals run 1..=count without gaps,
//! and both signatures. Someone who can edit the database but lacks the key can no longer drop
//! events or incidents unnoticed; they can at most roll the whole store back to an earlier
//! signed state, which only an outside copy of the registry (e.g. an exported bundle) reveals.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};

use crate::journal::{Digest, Head};

/// File names inside the data directory.
pub const PRIVATE_KEY_FILE: &str = "journal.key";
/// The public half, safe to share with whoever verifies.
pub const PUBLIC_KEY_FILE: &str = "journal.pub";

/// Problems with the signing key files.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// Reading or writing a key file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A key file's content is not a key.
    #[error("{path}: not a firebreak journal key (expected 64 hex characters)")]
    Malformed {
        /// The file.
        path: PathBuf,
    },
    /// The operating system could not provide randomness.
    #[error("no randomness available to make a key: {0}")]
    Random(String),
}

/// The private key, able to seal.
pub struct Sealer {
    key: SigningKey,
}

/// The public key, able to check seals.
#[derive(Clone)]
pub struct SealChecker {
    key: VerifyingKey,
}

fn seal_message(ordinal: u64, incident: &str, head: &Head) -> Vec<u8> {
    let mut m = Vec::with_capacity(64 + incident.len());
    m.extend_from_slice(b"firebreak-seal-v1");
    m.extend_from_slice(&ordinal.to_be_bytes());
    m.extend_from_slice(&(incident.len() as u32).to_be_bytes());
    m.extend_from_slice(incident.as_bytes());
    m.extend_from_slice(&head.seq.to_be_bytes());
    m.extend_from_slice(&head.hash.0);
    m
}

fn registry_message(count: u64) -> Vec<u8> {
    let mut m = b"firebreak-registry-v1".to_vec();
    m.extend_from_slice(&count.to_be_bytes());
    m
}

fn token_record_message(hash: &Digest) -> Vec<u8> {
    let mut m = b"firebreak-token-record-v1".to_vec();
    m.extend_from_slice(&hash.0);
    m
}

fn token_head_message(head: &Head) -> Vec<u8> {
    let mut m = b"firebreak-token-head-v1".to_vec();
    m.extend_from_slice(&head.seq.to_be_bytes());
    m.extend_from_slice(&head.hash.0);
    m
}

fn read_hex_key(path: &Path) -> Result<[u8; 32], KeyError> {
    let text = fs::read_to_string(path).map_err(|source| KeyError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut bytes = [0u8; 32];
    hex::decode_to_slice(text.trim(), &mut bytes).map_err(|_| KeyError::Malformed {
        path: path.to_path_buf(),
    })?;
    Ok(bytes)
}

/// Whether `secret` (hex, as `journal.key` holds it) is the private key whose public half is
/// `public` (hex, as `journal.pub` holds it): how a private key given where a public one is
/// expected is recognised without printing either.
pub fn is_private_half_of(secret: &str, public: &str) -> bool {
    let mut seed = [0u8; 32];
    hex::decode_to_slice(secret.trim(), &mut seed).is_ok()
        && hex::encode(SigningKey::from_bytes(&seed).verifying_key().to_bytes()) == public.trim()
}

impl Sealer {
    /// Makes a new key pair in `dir`: the private key with mode 0600, created exclusively so an
    /// existing key is never overwritten.
    pub fn create(dir: &Path) -> Result<Self, KeyError> {
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).map_err(|e| KeyError::Random(e.to_string()))?;
        let key = SigningKey::from_bytes(&secret);
        let private = dir.join(PRIVATE_KEY_FILE);
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| KeyError::Io { path, source }
        };
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&private).map_err(io(&private))?;
        file.write_all(format!("{}\n", hex::encode(secret)).as_bytes())
            .and_then(|_| file.sync_all())
            .map_err(io(&private))?;
        let public = dir.join(PUBLIC_KEY_FILE);
        fs::write(
            &public,
            format!("{}\n", hex::encode(key.verifying_key().to_bytes())),
        )
        .map_err(io(&public))?;
        // The public key is meant to be handed out (bundle verifiers, other replicas): readable
        // by all, whatever the umask; the data directory itself stays 0700.
        #[cfg(unix)]
        fs::set_permissions(&public, std::os::unix::fs::PermissionsExt::from_mode(0o644))
            .map_err(io(&public))?;
        Ok(Self { key })
    }

    /// Loads the private key from `dir`.
    pub fn load(dir: &Path) -> Result<Self, KeyError> {
        let bytes = read_hex_key(&dir.join(PRIVATE_KEY_FILE))?;
        Ok(Self {
            key: SigningKey::from_bytes(&bytes),
        })
    }

    /// Signs an incident's head.
    pub fn seal(&self, ordinal: u64, incident: &str, head: &Head) -> String {
        hex::encode(
            self.key
                .sign(&seal_message(ordinal, incident, head))
                .to_bytes(),
        )
    }

    /// Signs the incident count.
    pub fn registry(&self, count: u64) -> String {
        hex::encode(self.key.sign(&registry_message(count)).to_bytes())
    }

    /// Signs a token record's hash (see [`crate::token_record`]).
    pub fn token_record(&self, hash: &Digest) -> String {
        hex::encode(self.key.sign(&token_record_message(hash)).to_bytes())
    }

    /// Signs the head of the token records' chain.
    pub fn token_head(&self, head: &Head) -> String {
        hex::encode(self.key.sign(&token_head_message(head)).to_bytes())
    }

    /// The journal key itself, for signing what leaves the store (evidence bundles). The same
    /// key signs seals, so a bundle is vouched for by the key `verify` trusts.
    pub fn signing_key(&self) -> &SigningKey {
        &self.key
    }

    /// The matching public key.
    pub fn checker(&self) -> SealChecker {
        SealChecker {
            key: self.key.verifying_key(),
        }
    }
}

impl SealChecker {
    /// Loads the public key from `dir`.
    pub fn load(dir: &Path) -> Result<Self, KeyError> {
        let path = dir.join(PUBLIC_KEY_FILE);
        let bytes = read_hex_key(&path)?;
        let key = VerifyingKey::from_bytes(&bytes).map_err(|_| KeyError::Malformed { path })?;
        Ok(Self { key })
    }

    /// The public key as hex.
    pub fn fingerprint(&self) -> String {
        hex::encode(self.key.to_bytes())
    }

    fn check(&self, message: &[u8], signature: &str) -> bool {
        let mut bytes = [0u8; 64];
        if hex::decode_to_slice(signature, &mut bytes).is_err() {
            return false;
        }
        self.key
            .verify(message, &Signature::from_bytes(&bytes))
            .is_ok()
    }

    /// Whether `signature` seals this incident head.
    pub fn check_seal(
        &self,
        ordinal: u64,
        incident: &str,
        seq: u64,
        hash: &Digest,
        signature: &str,
    ) -> bool {
        self.check(
            &seal_message(ordinal, incident, &Head { seq, hash: *hash }),
            signature,
        )
    }

    /// Whether `signature` signs this token record hash.
    pub fn check_token_record(&self, hash: &Digest, signature: &str) -> bool {
        self.check(&token_record_message(hash), signature)
    }

    /// Whether `signature` signs this head of the token records' chain.
    pub fn check_token_head(&self, head: &Head, signature: &str) -> bool {
        self.check(&token_head_message(head), signature)
    }

    /// Whether `signature` signs this incident count.
    pub fn check_registry(&self, count: u64, signature: &str) -> bool {
        self.check(&registry_message(count), signature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_verify_and_any_change_breaks_them() {
        let dir = tempfile::tempdir().expect("tempdir");
        let sealer = Sealer::create(dir.path()).expect("key");
        let checker = SealChecker::load(dir.path()).expect("public key");
        let head = Head {
            seq: 4,
            hash: Digest([7; 32]),
        };
        let sig = sealer.seal(1, "INC-2026-11-23-001", &head);
        assert!(checker.check_seal(1, "INC-2026-11-23-001", 4, &head.hash, &sig));
        assert!(!checker.check_seal(1, "INC-2026-11-23-001", 3, &head.hash, &sig));
        assert!(!checker.check_seal(2, "INC-2026-11-23-001", 4, &head.hash, &sig));
        assert!(!checker.check_seal(1, "INC-2026-11-23-002", 4, &head.hash, &sig));
        let reg = sealer.registry(3);
        assert!(checker.check_registry(3, &reg));
        assert!(!checker.check_registry(2, &reg));
        assert!(!checker.check_registry(3, "zz"));
    }

    #[cfg(unix)]
    #[test]
    fn private_key_is_owner_only_and_never_overwritten() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        Sealer::create(dir.path()).expect("key");
        let mode = fs::metadata(dir.path().join(PRIVATE_KEY_FILE))
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        assert!(Sealer::create(dir.path()).is_err());
    }
}
