//! Which incidents a report covers: those declared within a window of time, optionally of some
//! severities only. The window's end is also the moment the report is taken at.

use jiff::Timestamp;
use serde::Serialize;

use crate::policy::Policy;

/// A half-open window `[since, until)` of declaration times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Window {
    /// First moment included.
    pub since: Timestamp,
    /// First moment excluded; the report is taken as of this moment.
    pub until: Timestamp,
}

impl Window {
    /// Whether `at` falls in the window.
    pub fn contains(&self, at: Timestamp) -> bool {
        self.since <= at && at < self.until
    }
}

/// The window and the severities asked for (none: every severity).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Scope {
    /// Declaration window.
    pub window: Window,
    /// Severity names as the policy spells them; empty means all.
    pub severities: Vec<String>,
}

impl Scope {
    /// A scope over `window` for `severities`, each checked against (and spelled as in) the
    /// policy; an unknown name is an error naming the known ones.
    pub fn new(
        window: Window,
        severities: &[String],
        policy: &Policy,
    ) -> Result<Self, crate::DomainError> {
        let severities = severities
            .iter()
            .map(|s| policy.level(s).map(|l| l.name.clone()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self { window, severities })
    }

    /// Whether an incident declared at `declared` with (current) severity `severity` is covered.
    pub fn covers(&self, declared: Timestamp, severity: &str) -> bool {
        self.window.contains(declared)
            && (self.severities.is_empty()
                || self
                    .severities
                    .iter()
                    .any(|s| s.eq_ignore_ascii_case(severity)))
    }
}
