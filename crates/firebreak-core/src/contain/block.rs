//! Blocks as the journal records them (`address_blocked`, `address_unblocked`) and the set of
//! blocks in force, folded from those events across every incident. There is no table of
//! blocks: `block ls`, expiry and every backend's rendered rules come from this fold.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::net::Net;
use crate::change::Change;
use crate::error::DomainError;
use crate::incident::Incident;
use crate::status::Status;

/// Where a block is enforced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Via {
    /// `deny` lines in an nginx include file, then `nginx -t` and a reload.
    Nginx,
    /// Timeout sets in firebreak's own `inet firebreak` table.
    Nftables,
    /// ipset sets matched by an iptables rule.
    Iptables,
}

impl Via {
    /// Every backend, in the order `block ls` shows them.
    pub const ALL: [Via; 3] = [Via::Nginx, Via::Nftables, Via::Iptables];

    /// Its name as written on the command line and in config.
    pub fn name(self) -> &'static str {
        match self {
            Via::Nginx => "nginx",
            Via::Nftables => "nftables",
            Via::Iptables => "iptables",
        }
    }
}

impl fmt::Display for Via {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Via {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Via::ALL
            .into_iter()
            .find(|v| v.name() == s)
            .ok_or_else(|| format!("unknown backend {s:?}; use nginx, nftables or iptables"))
    }
}

/// An `address_blocked` event: one address or range, enforced through one backend until a time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Blocked {
    /// The host whose nginx or firewall enforces it (blocks on one database may span hosts).
    pub host: String,
    /// The address or range.
    pub target: Net,
    /// The backend that enforces it.
    pub via: Via,
    /// Why, as the responder wrote it.
    pub reason: String,
    /// When it lifts by itself.
    pub until: Timestamp,
}

/// Why a block was lifted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lifted {
    /// Its time ran out and the expiry task removed it.
    Expired,
    /// Someone ran `unblock`.
    Unblocked,
}

/// An `address_unblocked` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unblocked {
    /// The host it was removed on.
    pub host: String,
    /// The address or range.
    pub target: Net,
    /// The backend it was removed from.
    pub via: Via,
    /// Expired or lifted by hand.
    pub lifted: Lifted,
    /// Why, when lifted by hand.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A block in force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Active {
    /// The host enforcing it.
    pub host: String,
    /// The address or range.
    pub target: Net,
    /// The backend.
    pub via: Via,
    /// Why.
    pub reason: String,
    /// Who blocked it (the event's actor).
    pub by: String,
    /// When it was (last) blocked.
    pub at: Timestamp,
    /// When it lifts.
    pub until: Timestamp,
    /// The incident it was recorded on.
    pub incident: String,
}

/// Every block in force, keyed by backend and target: blocking the same target again through
/// the same backend replaces the earlier block (a new reason, a new expiry).
#[derive(Debug, Clone, Default)]
pub struct Blocks {
    map: BTreeMap<(String, Via, Net), Active>,
}

impl Blocks {
    /// The event kinds this fold reads.
    pub const KINDS: [&'static str; 2] = ["address_blocked", "address_unblocked"];

    /// Folds one event in (events of one incident in order; incidents in any order, as the
    /// later event wins by time).
    pub fn apply(&mut self, incident: &str, actor: &str, at: Timestamp, change: &Change) {
        match change {
            Change::AddressBlocked(b) => {
                let key = (b.host.clone(), b.via, b.target);
                if self.map.get(&key).is_some_and(|a| a.at > at) {
                    return;
                }
                self.map.insert(
                    key,
                    Active {
                        host: b.host.clone(),
                        target: b.target,
                        via: b.via,
                        reason: b.reason.clone(),
                        by: actor.to_string(),
                        at,
                        until: b.until,
                        incident: incident.to_string(),
                    },
                );
            }
            Change::AddressUnblocked(u) => {
                let key = (u.host.clone(), u.via, u.target);
                if self.map.get(&key).is_some_and(|a| a.at <= at) {
                    self.map.remove(&key);
                }
            }
            _ => {}
        }
    }

    /// Every block, by backend then target.
    pub fn all(&self) -> impl Iterator<Item = &Active> {
        self.map.values()
    }

    /// The blocks one backend on one host enforces.
    pub fn via(&self, host: &str, via: Via) -> Vec<Active> {
        self.map
            .values()
            .filter(|a| a.via == via && a.host == host)
            .cloned()
            .collect()
    }

    /// The block of `target` through `via` on `host`, if any.
    pub fn get(&self, host: &str, via: Via, target: &Net) -> Option<&Active> {
        self.map.get(&(host.to_string(), via, *target))
    }

    /// Blocks on `host` whose time is up at `now`.
    pub fn due(&self, host: &str, now: Timestamp) -> Vec<Active> {
        self.map
            .values()
            .filter(|a| a.until <= now && a.host == host)
            .cloned()
            .collect()
    }
}

const REASON_MAX: usize = 500;

/// Decides a block: the incident must not be closed, the reason is one line, the expiry in the
/// future.
pub fn block(
    incident: &Incident,
    host: &str,
    targets: &[Net],
    via: Via,
    reason: &str,
    until: Timestamp,
    now: Timestamp,
) -> Result<Vec<Change>, DomainError> {
    if incident.status == Status::Closed {
        return Err(DomainError::Closed);
    }
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(DomainError::EmptyText("reason"));
    }
    if reason.chars().count() > REASON_MAX || reason.chars().any(char::is_control) {
        return Err(DomainError::Invalid(format!(
            "the reason must be one line of at most {REASON_MAX} characters"
        )));
    }
    if until <= now {
        return Err(DomainError::Invalid(
            "the block would expire at once".into(),
        ));
    }
    if targets.is_empty() {
        return Err(DomainError::Invalid("nothing to block".into()));
    }
    Ok(targets
        .iter()
        .map(|t| {
            Change::AddressBlocked(Blocked {
                host: host.to_string(),
                target: *t,
                via,
                reason: reason.to_string(),
                until,
            })
        })
        .collect())
}

/// Decides the lifting of blocks recorded on this incident. Lifting is recorded whatever the
/// incident's status: a block on a closed incident must still be able to end.
pub fn unblock(
    incident: &Incident,
    lifted: &[Active],
    how: Lifted,
    reason: Option<&str>,
) -> Result<Vec<Change>, DomainError> {
    let mine = lifted
        .iter()
        .filter(|a| a.incident == incident.id.to_string());
    let changes: Vec<Change> = mine
        .map(|a| {
            Change::AddressUnblocked(Unblocked {
                host: a.host.clone(),
                target: a.target,
                via: a.via,
                lifted: how.clone(),
                reason: reason
                    .map(|r| r.trim().to_string())
                    .filter(|r| !r.is_empty()),
            })
        })
        .collect();
    if changes.is_empty() {
        return Err(DomainError::NoChange(format!(
            "{} holds none of these blocks",
            incident.id
        )));
    }
    Ok(changes)
}

impl Blocked {
    /// The timeline line.
    pub fn describe(&self) -> String {
        format!(
            "blocked {} via {} on {} until {} — {}",
            self.target,
            self.via,
            self.host,
            self.until.strftime("%Y-%m-%d %H:%M:%S UTC"),
            self.reason
        )
    }
}

impl Unblocked {
    /// The timeline line.
    pub fn describe(&self) -> String {
        match (&self.lifted, &self.reason) {
            (Lifted::Expired, _) => format!(
                "block of {} via {} on {} expired and was lifted",
                self.target, self.via, self.host
            ),
            (Lifted::Unblocked, Some(r)) => {
                format!(
                    "unblocked {} via {} on {} — {r}",
                    self.target, self.via, self.host
                )
            }
            (Lifted::Unblocked, None) => {
                format!(
                    "unblocked {} via {} on {}",
                    self.target, self.via, self.host
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        s.parse().expect("time")
    }

    #[test]
    fn fold_keeps_the_latest_and_lifts() {
        let target: Net = "203.0.113.9".parse().expect("net");
        let b = |reason: &str, until: &str| {
            Change::AddressBlocked(Blocked {
                host: "web1".into(),
                target,
                via: Via::Nginx,
                reason: reason.into(),
                until: t(until),
            })
        };
        let mut blocks = Blocks::default();
        blocks.apply(
            "INC-A",
            "ann",
            t("2026-01-01T00:00:00Z"),
            &b("scan", "2026-01-01T01:00:00Z"),
        );
        blocks.apply(
            "INC-B",
            "bo",
            t("2026-01-01T00:30:00Z"),
            &b("again", "2026-01-02T00:00:00Z"),
        );
        let a = blocks.get("web1", Via::Nginx, &target).expect("active");
        assert_eq!((a.incident.as_str(), a.by.as_str()), ("INC-B", "bo"));
        assert!(blocks.due("web1", t("2026-01-01T02:00:00Z")).is_empty());
        assert_eq!(blocks.due("web1", t("2026-01-02T00:00:00Z")).len(), 1);
        // An unblock older than the block in force does not lift it.
        let lift = Change::AddressUnblocked(Unblocked {
            host: "web1".into(),
            target,
            via: Via::Nginx,
            lifted: Lifted::Expired,
            reason: None,
        });
        blocks.apply("INC-A", "firebreak", t("2026-01-01T00:10:00Z"), &lift);
        assert!(blocks.get("web1", Via::Nginx, &target).is_some());
        blocks.apply("INC-B", "firebreak", t("2026-01-02T00:00:01Z"), &lift);
        assert!(blocks.get("web1", Via::Nginx, &target).is_none());
    }

    #[test]
    fn payload_is_stable() {
        let c = Change::AddressBlocked(Blocked {
            host: "web1".into(),
            target: "198.51.100.0/24".parse().expect("net"),
            via: Via::Nftables,
            reason: "credential stuffing".into(),
            until: t("2026-01-01T01:00:00Z"),
        });
        let (kind, payload) = c.encode();
        assert_eq!(kind, "address_blocked");
        assert_eq!(
            payload,
            r#"{"host":"web1","reason":"credential stuffing","target":"198.51.100.0/24","until":"2026-01-01T01:00:00Z","via":"nftables"}"#
        );
        assert_eq!(Change::decode(&kind, &payload).expect("decodes"), c);
    }
}
