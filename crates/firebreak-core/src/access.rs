//! Who may do what on the team server: the four roles, the permission each request needs, and
//! the API token secrets that carry a role. The table in [`Permission::least_role`] is the one
//! place a route's required role is decided; the server asks it on every request and
//! `docs/guide.md` prints it.
//!
//! This module does not own storage of tokens (see `firebreak-store`) or how a request proves
//! which token it holds (bearer header or session cookie; see the server).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

/// A token's role. Each role may do everything the roles before it may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads incidents, timelines, evidence metadata and runbook runs.
    Viewer,
    /// Works an incident: declares, acknowledges, notes, ticks, action items, evidence download,
    /// sends alerts.
    Responder,
    /// Steers an incident: status, severity, roles, reopening, verification.
    Commander,
    /// Runs the server: tokens and reindexing.
    Admin,
}

impl Role {
    /// Every role, lowest first.
    pub const ALL: [Role; 4] = [Role::Viewer, Role::Responder, Role::Commander, Role::Admin];

    /// The role's name as written in commands and stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Responder => "responder",
            Role::Commander => "commander",
            Role::Admin => "admin",
        }
    }

    /// Whether this role may do what `permission` guards.
    pub fn may(self, permission: Permission) -> bool {
        self >= permission.least_role()
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A role name that is not one of the four.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("unknown role {0:?}; use viewer, responder, commander or admin")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownRole(s.to_string()))
    }
}

/// What a request wants to do. Every route names exactly one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Permission {
    /// List and read incidents, timelines, checklists, evidence metadata, runbook runs.
    Read,
    /// Declare an incident.
    Declare,
    /// Acknowledge, add notes, tick checklist items, add and finish action items.
    Work,
    /// Download evidence bytes (recorded as a custody event).
    DownloadEvidence,
    /// Send alerts to the intake webhooks.
    SendAlerts,
    /// Change status or severity, assign roles, reopen.
    Steer,
    /// Re-check every journal and seal.
    Verify,
    /// Create, list and revoke API tokens; rebuild the incident list.
    Administer,
    /// Send a notification with a template meant for people outside the team (`external`):
    /// what customers read is the commander's call.
    NotifyExternally,
}

impl Permission {
    /// Every permission, in the order the table is documented.
    pub const ALL: [Permission; 9] = [
        Permission::Read,
        Permission::Declare,
        Permission::Work,
        Permission::DownloadEvidence,
        Permission::SendAlerts,
        Permission::Steer,
        Permission::Verify,
        Permission::Administer,
        Permission::NotifyExternally,
    ];

    /// The lowest role that holds this permission: the permission table.
    pub fn least_role(self) -> Role {
        match self {
            Permission::Read => Role::Viewer,
            Permission::Declare
            | Permission::Work
            | Permission::DownloadEvidence
            | Permission::SendAlerts => Role::Responder,
            Permission::Steer | Permission::Verify | Permission::NotifyExternally => {
                Role::Commander
            }
            Permission::Administer => Role::Admin,
        }
    }

    /// A few words on what it allows, for the documented table and error messages.
    pub fn describe(self) -> &'static str {
        match self {
            Permission::Read => {
                "read incidents, timelines, evidence metadata, runbook runs, reviews and reports"
            }
            Permission::Declare => "declare incidents",
            Permission::Work => {
                "acknowledge, add notes, tick checklist items, add and finish action items; write and submit reviews"
            }
            Permission::DownloadEvidence => "download evidence (recorded as custody)",
            Permission::SendAlerts => "send alerts to the intake webhooks",
            Permission::Steer => {
                "change status and severity, assign roles, reopen; publish (sign off) and reopen reviews"
            }
            Permission::Verify => "verify journals and seals",
            Permission::Administer => "manage API tokens and rebuild the incident list",
            Permission::NotifyExternally => {
                "send notifications with the external (customer) template"
            }
        }
    }
}

/// A token name that cannot be used.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error(
    "invalid token name {0:?}: use 1–64 letters, digits, '-', '_', '.' or '@' (e.g. alice, alertmanager)"
)]
pub struct BadTokenName(pub String);

/// Checks a token name and returns it trimmed. The name is recorded as the actor of every change
/// made with the token, so it is one short line of plain characters. One check for the CLI and
/// the API.
pub fn token_name(name: &str) -> Result<String, BadTokenName> {
    let name = name.trim();
    let ok = !name.is_empty()
        && name.chars().count() <= 64
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '@'));
    if ok {
        Ok(name.to_string())
    } else {
        Err(BadTokenName(name.to_string()))
    }
}

/// The prefix of every API token, so a leaked one is recognisable (and greppable) for what it is.
pub const TOKEN_PREFIX: &str = "fbk_";

/// A newly made secret: the text shown once to its owner, and the digest that is stored.
#[derive(Debug)]
pub struct NewSecret {
    /// `fbk_` followed by 64 hex digits (256 random bits). Shown once, never stored.
    pub secret: String,
    /// SHA-256 of the secret, hex: what the database keeps.
    pub digest: String,
}

/// Random bytes could not be had from the operating system.
#[derive(Debug, thiserror::Error)]
#[error("cannot get random bytes from the operating system: {0}")]
pub struct NoRandomness(String);

/// Makes a new token secret.
pub fn new_secret() -> Result<NewSecret, NoRandomness> {
    let secret = format!("{TOKEN_PREFIX}{}", random_hex(32)?);
    let digest = secret_digest(&secret);
    Ok(NewSecret { secret, digest })
}

/// `n` random bytes as hex (ids, session secrets, CSRF tokens).
pub fn random_hex(n: usize) -> Result<String, NoRandomness> {
    let mut bytes = vec![0u8; n];
    getrandom::fill(&mut bytes).map_err(|e| NoRandomness(e.to_string()))?;
    Ok(hex::encode(bytes))
}

/// The stored form of a secret: SHA-256, hex. A secret is long and random, so a plain digest
/// (not a slow password hash) is enough to make a stolen table useless.
pub fn secret_digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_ordered_and_parse_from_their_names() {
        for pair in Role::ALL.windows(2) {
            assert!(pair[0] < pair[1]);
        }
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert_eq!("Admin".parse::<Role>(), Ok(Role::Admin));
        assert!("root".parse::<Role>().is_err());
    }

    #[test]
    fn each_role_holds_exactly_the_permissions_at_or_below_it() {
        assert!(Role::Viewer.may(Permission::Read));
        assert!(!Role::Viewer.may(Permission::Work));
        assert!(Role::Responder.may(Permission::Declare));
        assert!(!Role::Responder.may(Permission::Steer));
        assert!(Role::Commander.may(Permission::Steer));
        assert!(!Role::Commander.may(Permission::Administer));
        for p in Permission::ALL {
            assert!(Role::Admin.may(p));
        }
    }

    #[test]
    fn token_names_are_one_short_plain_line() {
        assert_eq!(token_name(" alice "), Ok("alice".to_string()));
        assert_eq!(
            token_name("ops@example.org").as_deref(),
            Ok("ops@example.org")
        );
        for bad in ["", "  ", "two words", "new\nline", "a;b", &"x".repeat(65)] {
            assert!(token_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn secrets_are_random_and_only_their_digest_is_kept() {
        let a = new_secret().expect("random");
        let b = new_secret().expect("random");
        assert_ne!(a.secret, b.secret);
        assert!(a.secret.starts_with(TOKEN_PREFIX));
        assert_eq!(a.secret.len(), TOKEN_PREFIX.len() + 64);
        assert_eq!(a.digest, secret_digest(&a.secret));
        assert!(!a.digest.contains(&a.secret[TOKEN_PREFIX.len()..]));
    }
}
