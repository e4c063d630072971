//! The severity policy: which levels exist, what each means, and the clocks each sets — how soon
//! an incident must be acknowledged and how often stakeholders must hear an update.
//!
//! Two presets ship: `default`, four levels P1–P4 for a security-minded team (acknowledge within
//! 15 minutes, 1 hour, 24 hours, 1 week), and `ops`, three levels for an operations team
//! (15 minutes, 15 minutes, 1 hour). A config file may replace the levels entirely.

use jiff::SignedDuration;
use serde::{Deserialize, Serialize};

use crate::error::DomainError;

/// One severity level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Severity {
    /// Short name used everywhere, e.g. `P1`.
    pub name: String,
    /// One line describing the level, e.g. `Critical`.
    pub label: String,
    /// When to choose this level.
    #[serde(default)]
    pub description: String,
    /// Typical incidents at this level.
    #[serde(default)]
    pub examples: Vec<String>,
    /// How long after detection someone must acknowledge the incident.
    #[serde(with = "crate::duration::text")]
    pub ack_within: SignedDuration,
    /// How often an open incident owes stakeholders an update.
    #[serde(with = "crate::duration::text")]
    pub update_every: SignedDuration,
    /// Who is told when an incident of this level is declared (names, teams or channels).
    #[serde(default)]
    pub notify: Vec<String>,
}

/// The ordered list of levels, most severe first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Policy {
    /// The preset it came from, or `custom`.
    pub name: String,
    levels: Vec<Severity>,
    /// Levels whose incidents close only with a published review (`[policy] review_required`);
    /// empty by default.
    review_required: Vec<String>,
}

/// The names of the shipped presets.
pub const PRESETS: [&str; 2] = ["default", "ops"];

fn level(
    name: &str,
    label: &str,
    description: &str,
    examples: &[&str],
    ack_within: SignedDuration,
    update_every: SignedDuration,
    notify: &[&str],
) -> Severity {
    Severity {
        name: name.into(),
        label: label.into(),
        description: description.into(),
        examples: examples.iter().map(|s| s.to_string()).collect(),
        ack_within,
        update_every,
        notify: notify.iter().map(|s| s.to_string()).collect(),
    }
}

impl Policy {
    /// A policy from explicit levels. Names must be unique and non-empty.
    pub fn new(name: impl Into<String>, levels: Vec<Severity>) -> Result<Self, String> {
        if levels.is_empty() {
            return Err("a severity policy needs at least one level".into());
        }
        for (i, l) in levels.iter().enumerate() {
            if l.name.trim().is_empty() || l.name.chars().any(char::is_whitespace) {
                return Err(format!(
                    "level {} has an empty name or one with spaces",
                    i + 1
                ));
            }
            if levels[..i]
                .iter()
                .any(|o| o.name.eq_ignore_ascii_case(&l.name))
            {
                return Err(format!("level {} is defined twice", l.name));
            }
            if l.update_every <= SignedDuration::ZERO {
                return Err(format!(
                    "level {}: update_every must be more than 0",
                    l.name
                ));
            }
        }
        Ok(Self {
            name: name.into(),
            levels,
            review_required: Vec::new(),
        })
    }

    /// A shipped preset by name.
    pub fn preset(name: &str) -> Option<Self> {
        let m = SignedDuration::from_mins;
        let h = SignedDuration::from_hours;
        let levels = match name {
            "default" => vec![
                level(
                    "P1",
                    "Critical",
                    "Active breach, data leaving, or the service is down for everyone.",
                    &[
                        "attacker inside the network",
                        "database exfiltration",
                        "full outage",
                    ],
                    m(15),
                    m(30),
                    &["incident-commander", "security-lead", "engineering-lead"],
                ),
                level(
                    "P2",
                    "High",
                    "A weakness is being exploited or data may be exposed; service degraded.",
                    &[
                        "injection attempts that reach the database",
                        "authentication bypass",
                    ],
                    h(1),
                    h(1),
                    &["incident-commander", "security-lead"],
                ),
                level(
                    "P3",
                    "Medium",
                    "A weakness is known but nobody is exploiting it yet.",
                    &["vulnerable dependency", "misconfigured access rule"],
                    h(24),
                    h(24),
                    &["security-lead"],
                ),
                level(
                    "P4",
                    "Low",
                    "A small hardening task with no exposure today.",
                    &["missing security header", "verbose error page"],
                    h(168),
                    h(168),
                    &[],
                ),
            ],
            "ops" => vec![
                level(
                    "P1",
                    "Critical",
                    "The service is down, data is lost, or a key is compromised.",
                    &["crash loop", "corrupt database", "leaked signing key"],
                    m(15),
                    m(30),
                    &["on-call", "engineering-lead"],
                ),
                level(
                    "P2",
                    "Major",
                    "The service is degraded or partly down.",
                    &["high latency", "disk full", "certificate about to expire"],
                    m(15),
                    h(1),
                    &["on-call"],
                ),
                level(
                    "P3",
                    "Minor",
                    "A warning with no user impact yet.",
                    &["rate-limit spikes", "non-critical alerts"],
                    h(1),
                    h(4),
                    &[],
                ),
            ],
            _ => return None,
        };
        Some(Self {
            name: name.to_string(),
            levels,
            review_required: Vec::new(),
        })
    }

    /// The same policy, requiring a published review before closing incidents of `levels`
    /// (each must name a level; names are kept in the policy's spelling).
    pub fn with_review_required(mut self, levels: &[&str]) -> Result<Self, DomainError> {
        let mut names = Vec::new();
        for l in levels {
            let name = self.level(l)?.name.clone();
            if !names.contains(&name) {
                names.push(name);
            }
        }
        self.review_required = names;
        Ok(self)
    }

    /// Levels whose incidents close only with a published review.
    pub fn review_required(&self) -> &[String] {
        &self.review_required
    }

    /// Whether an incident at `severity` needs a published review before it closes.
    pub fn requires_review(&self, severity: &str) -> bool {
        self.review_required
            .iter()
            .any(|l| l.eq_ignore_ascii_case(severity))
    }

    /// Levels, most severe first.
    pub fn levels(&self) -> &[Severity] {
        &self.levels
    }

    /// The level called `name` (case-insensitive), or a clear error naming the known levels.
    pub fn level(&self, name: &str) -> Result<&Severity, DomainError> {
        self.levels
            .iter()
            .find(|l| l.name.eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| DomainError::UnknownSeverity {
                given: name.to_string(),
                known: self.names(),
            })
    }

    /// The level called `name` if the policy still defines it (records may outlive a policy).
    pub fn find(&self, name: &str) -> Option<&Severity> {
        self.levels
            .iter()
            .find(|l| l.name.eq_ignore_ascii_case(name))
    }

    /// The position of a level: 0 is the most severe. Unknown levels sort last.
    pub fn rank(&self, name: &str) -> usize {
        self.levels
            .iter()
            .position(|l| l.name.eq_ignore_ascii_case(name))
            .unwrap_or(self.levels.len())
    }

    fn names(&self) -> String {
        self.levels
            .iter()
            .map(|l| l.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_preset_has_the_four_response_targets() {
        let p = Policy::preset("default").expect("preset");
        let acks: Vec<_> = p.levels().iter().map(|l| l.ack_within.as_secs()).collect();
        assert_eq!(acks, [15 * 60, 3600, 86_400, 7 * 86_400]);
    }

    #[test]
    fn ops_preset_has_three_levels() {
        let p = Policy::preset("ops").expect("preset");
        let acks: Vec<_> = p.levels().iter().map(|l| l.ack_within.as_secs()).collect();
        assert_eq!(acks, [15 * 60, 15 * 60, 3600]);
    }

    #[test]
    fn unknown_level_names_the_known_ones() {
        let p = Policy::preset("ops").expect("preset");
        let err = p.level("P4").expect_err("no P4 in ops");
        assert_eq!(
            err.to_string(),
            "unknown severity \"P4\"; the policy defines P1, P2, P3"
        );
        assert_eq!(p.level("p2").map(|l| l.name.as_str()), Ok("P2"));
    }

    #[test]
    fn duplicate_levels_are_refused() {
        let p = Policy::preset("ops").expect("preset");
        let mut levels = p.levels().to_vec();
        levels.push(levels[0].clone());
        assert!(Policy::new("custom", levels).is_err());
    }
}
