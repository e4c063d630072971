//! What an incident records when log detection raised it or added to it: the rule, the key it
//! counted by (`client=203.0.113.9`), how many lines and when, a few sample lines, and the
//! runbook the rule suggests. The detection engine itself lives in `firebreak-detect`; this is
//! only its trace in the journal.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Most sample lines kept per detection.
pub const SAMPLES_MAX: usize = 5;
/// Longest sample line kept, in characters; longer lines are cut and marked with `…`.
pub const SAMPLE_CHARS_MAX: usize = 500;

/// A finding from log detection, as recorded on an incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Detection {
    /// The rule's id.
    pub rule: String,
    /// The rule's title.
    pub title: String,
    /// What the rule counted by, as `field=value` pairs joined with spaces.
    pub key: String,
    /// Matching lines counted so far.
    pub count: u64,
    /// Time of the first counted line, if the log had times.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_seen: Option<Timestamp>,
    /// Time of the last counted line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<Timestamp>,
    /// Where the lines came from (file names).
    pub source: String,
    /// A few of the lines, each `FILE:LINE: text`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub samples: Vec<String>,
    /// The runbook the rule suggests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runbook: Option<String>,
    /// The rule's tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}

impl Detection {
    /// Whether this is the same rule and key as another detection.
    pub fn same_as(&self, rule: &str, key: &str) -> bool {
        self.rule == rule && self.key == key
    }

    /// Keeps samples within [`SAMPLES_MAX`] lines of [`SAMPLE_CHARS_MAX`] characters, with
    /// control characters shown as `?` so a log line cannot rewrite the terminal.
    pub fn bounded(mut self) -> Detection {
        self.samples.truncate(SAMPLES_MAX);
        for sample in &mut self.samples {
            let mut cut: String = sample
                .chars()
                .take(SAMPLE_CHARS_MAX)
                .map(|c| if c.is_control() { '?' } else { c })
                .collect();
            if sample.chars().nth(SAMPLE_CHARS_MAX).is_some() {
                cut.push('…');
            }
            *sample = cut;
        }
        self
    }

    /// One line for the timeline.
    pub fn describe(&self) -> String {
        let when = match (self.first_seen, self.last_seen) {
            (Some(a), Some(b)) if a != b => format!(", {a} – {b}"),
            (Some(a), _) => format!(", at {a}"),
            _ => String::new(),
        };
        let runbook = self
            .runbook
            .as_ref()
            .map(|r| format!("; suggested runbook {r}"))
            .unwrap_or_default();
        format!(
            "detected by rule {}: {} ({}, {} line{}{when}) in {}{runbook}",
            self.rule,
            self.title,
            self.key,
            self.count,
            if self.count == 1 { "" } else { "s" },
            self.source
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_are_bounded_and_inert() {
        let d = Detection {
            rule: "r".into(),
            title: "t".into(),
            key: "client=192.0.2.1".into(),
            count: 7,
            first_seen: None,
            last_seen: None,
            source: "access.log".into(),
            samples: (0..9)
                .map(|i| format!("line {i}\x1b[2J"))
                .chain(["x".repeat(900)])
                .collect(),
            runbook: None,
            tags: vec![],
        }
        .bounded();
        assert_eq!(d.samples.len(), SAMPLES_MAX);
        assert_eq!(d.samples[0], "line 0?[2J");
        let long = Detection {
            samples: vec!["y".repeat(900)],
            ..d.clone()
        }
        .bounded();
        assert_eq!(long.samples[0].chars().count(), SAMPLE_CHARS_MAX + 1);
        assert!(d.describe().contains("client=192.0.2.1, 7 lines"));
    }
}
