//! The communication chain: per severity level, who hears about an incident at each moment of
//! its life, and who is paged, step by step, when a deadline is missed.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The moments the chain names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Moment {
    /// The incident was declared at this level.
    Declare,
    /// The severity was raised to this level.
    Raised,
    /// The status changed.
    Status,
}

/// One level's chain, every name a contact or team.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChainLevel {
    /// Told when an incident is declared at this level. When not given, the names in the
    /// policy level's `notify` list that are contacts or teams.
    #[serde(default)]
    pub declare: Vec<String>,
    /// Told when an incident's severity is raised to this level.
    #[serde(default)]
    pub raised: Vec<String>,
    /// Told of each status change.
    #[serde(default)]
    pub status: Vec<String>,
    /// Paged in order, one step per missed deadline, after the backups of those told on
    /// declaration.
    #[serde(default)]
    pub escalate: Vec<String>,
}

/// The chain for every level, by the policy's level names.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Chain {
    pub(crate) levels: BTreeMap<String, ChainLevel>,
}

impl Chain {
    /// The chain of `level` (empty when the config names none).
    pub fn level(&self, level: &str) -> ChainLevel {
        self.levels.get(level).cloned().unwrap_or_default()
    }

    /// Who is told at `moment` for an incident at `level`.
    pub fn at(&self, level: &str, moment: Moment) -> Vec<String> {
        let l = self.level(level);
        match moment {
            Moment::Declare => l.declare,
            Moment::Raised => l.raised,
            Moment::Status => l.status,
        }
    }

    /// Every level with a chain.
    pub fn levels(&self) -> impl Iterator<Item = (&String, &ChainLevel)> {
        self.levels.iter()
    }
}
