//! The status lifecycle: investigating → contained → resolved → closed. Moving forward may skip
//! steps (a false alarm goes straight to resolved); moving back is only possible by an explicit,
//! recorded reopen, which returns the incident to investigating.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Where an incident stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Declared; the cause and extent are being worked out.
    Investigating,
    /// The damage has stopped spreading; recovery is under way.
    Contained,
    /// Service is restored; follow-up remains.
    Resolved,
    /// Review done; the record is final until reopened.
    Closed,
}

impl Status {
    /// All statuses in lifecycle order.
    pub const ALL: [Status; 4] = [
        Status::Investigating,
        Status::Contained,
        Status::Resolved,
        Status::Closed,
    ];

    /// The name used in commands, storage and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Investigating => "investigating",
            Status::Contained => "contained",
            Status::Resolved => "resolved",
            Status::Closed => "closed",
        }
    }

    /// Whether the incident still needs active response (investigating or contained).
    pub fn is_open(self) -> bool {
        matches!(self, Status::Investigating | Status::Contained)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a string is not a status.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unknown status {0:?}; use investigating, contained, resolved or closed")]
pub struct BadStatus(String);

impl FromStr for Status {
    type Err = BadStatus;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Status::ALL
            .into_iter()
            .find(|st| st.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| BadStatus(s.to_string()))
    }
}
