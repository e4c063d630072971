//! What the engine reports: a rule fired for a key, with counts, times and a few of the lines
//! that made it.

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

/// Most sample lines kept per finding.
pub const MAX_SAMPLES: usize = 5;
/// Longest sample line kept, in bytes (longer lines are cut).
pub const MAX_SAMPLE_BYTES: usize = 2_048;

/// A rule fired for a key.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// The rule id.
    pub rule: String,
    /// The rule's title.
    pub title: String,
    /// `P1` … `P4`.
    pub severity: String,
    /// The rule's tags.
    pub tags: Vec<String>,
    /// The runbook the rule suggests.
    pub runbook: Option<String>,
    /// The key: `group-by` field names and their values (empty for rules without one).
    /// Serialized as a JSON object in field order.
    #[serde(serialize_with = "key_as_map")]
    pub key: Vec<(String, String)>,
    /// What the rule counts, from the window that fired plus everything after it while the
    /// finding stays open (its dedup period): lines for thresholds, sequences (first-step
    /// lines) and rules without counting; different values for `distinct`; the field's
    /// total (rounded) for `sum`.
    pub count: u64,
    /// What `count` counts, for labelling it.
    pub counted: Counted,
    /// Time (unix seconds) of the earliest line counted, when lines have times.
    pub first_seen: Option<i64>,
    /// Time of the latest line counted.
    pub last_seen: Option<i64>,
    /// The first few lines behind the finding.
    pub samples: Vec<Sample>,
}

/// What a finding's `count` is: serialized as `{"of": "lines"}`, `{"of": "distinct", "field":
/// "path"}` or `{"of": "total", "field": "bytes"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "of", rename_all = "snake_case")]
pub enum Counted {
    /// Matching lines.
    Lines,
    /// Different values of a field.
    Distinct {
        /// The field.
        field: String,
    },
    /// The total of a field (rounded).
    Total {
        /// The field.
        field: String,
    },
}

impl Counted {
    /// The label shown before the number: `count`, `distinct path`, `total bytes`.
    pub fn label(&self) -> String {
        match self {
            Counted::Lines => "count".to_owned(),
            Counted::Distinct { field } => format!("distinct {field}"),
            Counted::Total { field } => format!("total {field}"),
        }
    }
}

/// One log line behind a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sample {
    /// The input it came from, as named to the engine.
    pub source: String,
    /// Its line number, from 1.
    pub line: u64,
    /// The line, lossily decoded and cut at [`MAX_SAMPLE_BYTES`].
    pub text: String,
}

impl Sample {
    pub(crate) fn new(source: &str, line: u64, raw: &[u8]) -> Sample {
        let cut = raw.get(..MAX_SAMPLE_BYTES).unwrap_or(raw);
        Sample {
            source: source.to_owned(),
            line,
            text: String::from_utf8_lossy(cut).into_owned(),
        }
    }
}

impl Sample {
    /// Overwrites this sample, reusing its buffers.
    pub(crate) fn refill(&mut self, source: &str, line: u64, raw: &[u8]) {
        let cut = raw.get(..MAX_SAMPLE_BYTES).unwrap_or(raw);
        self.source.clear();
        self.source.push_str(source);
        self.line = line;
        self.text.clear();
        self.text.push_str(&String::from_utf8_lossy(cut));
    }
}

fn key_as_map<S: Serializer>(key: &[(String, String)], serializer: S) -> Result<S::Ok, S::Error> {
    let mut map = serializer.serialize_map(Some(key.len()))?;
    for (field, value) in key {
        map.serialize_entry(field, value)?;
    }
    map.end()
}

impl Finding {
    /// The key as `client=203.0.113.7 user=root`, or `(all lines)` without one.
    pub fn key_text(&self) -> String {
        if self.key.is_empty() {
            return "(all lines)".into();
        }
        let parts: Vec<String> = self.key.iter().map(|(f, v)| format!("{f}={v}")).collect();
        parts.join(" ")
    }
}
