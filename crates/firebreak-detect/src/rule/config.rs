//! What a rule file says, as written: serde types that mirror the YAML (the grammar is in
//! [`crate::rule`]). Nothing here is checked beyond its shape; [`RuleConfig::build`] turns a
//! rule into something that runs and reports every mistake with its position.
//!
//! Values that can be wrong in meaning (field names, patterns, durations, …) are kept as
//! [`Spanned`] text so that the build step can say where they are.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::{Location, Spanned};

/// One rule file: its rules and the test cases that exercise them.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// The rules, at least one.
    pub rules: Spanned<Vec<Spanned<RuleConfig>>>,
    /// Test cases run by `firebreak rules test`.
    #[serde(default)]
    pub tests: Vec<Spanned<TestCaseConfig>>,
}

/// One rule as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RuleConfig {
    /// Stable identifier: lowercase letters, digits, `-`, `_`, `.`.
    pub id: Spanned<String>,
    /// One line saying what was seen.
    pub title: Spanned<String>,
    /// What the finding means and what to look at next.
    #[serde(default)]
    pub description: String,
    /// `P1` (most urgent) to `P4`.
    pub severity: Spanned<String>,
    /// Free labels (`auth`, `brute-force`, …).
    #[serde(default)]
    pub tags: Vec<Spanned<String>>,
    /// Name of the runbook to follow (`unauthorized-access`, `connection-flood`, …).
    pub runbook: Option<Spanned<String>>,
    /// The log format the rule is written for; also the default format of the file's tests.
    pub format: Option<Spanned<String>>,
    /// Which lines count.
    #[serde(rename = "match")]
    pub condition: Option<Spanned<ConditionConfig>>,
    /// Fields whose values make the key counted apart (`[client]`).
    #[serde(default)]
    pub group_by: Option<Spanned<Texts>>,
    /// N matching lines within a sliding window.
    pub threshold: Option<Spanned<ThresholdConfig>>,
    /// N different values of a field within a sliding window.
    pub distinct: Option<Spanned<DistinctConfig>>,
    /// A field's total over a sliding window.
    pub sum: Option<Spanned<SumConfig>>,
    /// At least N lines of one kind, then a line of another, for the same key.
    pub sequence: Option<Spanned<SequenceConfig>>,
    /// No second finding for the same key within this duration (default `1h`).
    pub dedup: Option<Spanned<String>>,
    /// Most keys tracked at once; the least recently active are dropped beyond it.
    pub max_keys: Option<Spanned<u64>>,
}

/// `threshold: { count, window }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThresholdConfig {
    /// Lines needed.
    pub count: Spanned<u64>,
    /// Window length (`1m`).
    pub window: Spanned<String>,
}

/// `distinct: { field, count, window }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DistinctConfig {
    /// The field whose different values are counted.
    pub field: Spanned<String>,
    /// Different values needed.
    pub count: Spanned<u64>,
    /// Window length.
    pub window: Spanned<String>,
}

/// `sum: { field, over, window }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SumConfig {
    /// The numeric field added up (`bytes`).
    pub field: Spanned<String>,
    /// The total that must be exceeded: a number or a size (`500MB`).
    pub over: Spanned<String>,
    /// Window length.
    pub window: Spanned<String>,
}

/// `sequence: { first, then, within }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SequenceConfig {
    /// The lines that must come first, and how many.
    pub first: Spanned<StepConfig>,
    /// The line that completes the sequence.
    pub then: Spanned<StepConfig>,
    /// How far back the first lines may be.
    pub within: Spanned<String>,
}

/// One step of a sequence.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct StepConfig {
    /// Which lines are this step.
    #[serde(rename = "match")]
    pub condition: Spanned<ConditionConfig>,
    /// How many (first step only; default 1).
    pub at_least: Option<Spanned<u64>>,
}

/// A condition: a mapping whose entries must all hold.
#[derive(Debug)]
pub struct ConditionConfig {
    /// Entries in the order written; the key is a field name or `all`/`any`/`not`.
    pub entries: Vec<(Spanned<String>, ConditionEntry)>,
}

/// One entry of a condition mapping.
#[derive(Debug)]
pub enum ConditionEntry {
    /// `all: [condition…]`.
    All(Spanned<Vec<Spanned<ConditionConfig>>>),
    /// `any: [condition…]`.
    Any(Spanned<Vec<Spanned<ConditionConfig>>>),
    /// `not: condition`.
    Not(Box<Spanned<ConditionConfig>>),
    /// `FIELD: tests` (or a bare value for `equals`, a list for `in`).
    Field(Spanned<FieldTestInput>),
}

impl<'de> Deserialize<'de> for ConditionConfig {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ConditionVisitor;

        impl<'de> Visitor<'de> for ConditionVisitor {
            type Value = ConditionConfig;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a mapping of field names (or all/any/not) to tests")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ConditionConfig, A::Error> {
                let mut entries = Vec::new();
                while let Some(key) = map.next_key::<Spanned<String>>()? {
                    let entry = match key.value.as_str() {
                        "all" => ConditionEntry::All(map.next_value()?),
                        "any" => ConditionEntry::Any(map.next_value()?),
                        "not" => ConditionEntry::Not(Box::new(map.next_value()?)),
                        _ => ConditionEntry::Field(map.next_value()?),
                    };
                    entries.push((key, entry));
                }
                Ok(ConditionConfig { entries })
            }
        }

        deserializer.deserialize_map(ConditionVisitor)
    }
}

/// The tests applied to one field. Several tests must all hold.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct FieldTestConfig {
    /// Exactly this value.
    pub equals: Option<Spanned<String>>,
    /// One of these values.
    #[serde(rename = "in")]
    pub one_of: Option<Spanned<Texts>>,
    /// Starts with one of these.
    pub prefix: Option<Spanned<Texts>>,
    /// Contains one of these, ignoring case; `@scanners`, `@scripts`, `@crawlers` name the
    /// shipped agent lists.
    pub contains_any: Option<Spanned<Texts>>,
    /// Matches this regular expression (anywhere in the value).
    pub regex: Option<Spanned<String>>,
    /// An address within one of these networks.
    pub cidr: Option<Spanned<Texts>>,
    /// Greater than.
    pub gt: Option<Spanned<String>>,
    /// Greater than or equal.
    pub ge: Option<Spanned<String>>,
    /// Less than.
    pub lt: Option<Spanned<String>>,
    /// Less than or equal.
    pub le: Option<Spanned<String>>,
    /// Within `[low, high]`, both included.
    pub between: Option<Spanned<Vec<Spanned<String>>>>,
    /// Whether the line has the field at all.
    pub present: Option<Spanned<bool>>,
}

/// A field's tests as written: a mapping of tests, or the shorthand of a bare value (`equals`)
/// or a list (`in`).
#[derive(Debug)]
pub enum FieldTestInput {
    /// `{ equals: …, prefix: …, … }`.
    Tests(Box<FieldTestConfig>),
    /// `FIELD: value` or `FIELD: [values]`.
    Shorthand(Texts),
}

impl<'de> Deserialize<'de> for FieldTestInput {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct InputVisitor;

        impl<'de> Visitor<'de> for InputVisitor {
            type Value = FieldTestInput;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a mapping of tests (equals, in, prefix, …), a value or a list of values",
                )
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<FieldTestInput, A::Error> {
                FieldTestConfig::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(|tests| FieldTestInput::Tests(Box::new(tests)))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<FieldTestInput, A::Error> {
                TextsVisitor.visit_seq(seq).map(FieldTestInput::Shorthand)
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<FieldTestInput, E> {
                TextsVisitor.visit_str(v).map(FieldTestInput::Shorthand)
            }

            fn visit_bool<E: de::Error>(self, v: bool) -> Result<FieldTestInput, E> {
                TextsVisitor.visit_bool(v).map(FieldTestInput::Shorthand)
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<FieldTestInput, E> {
                TextsVisitor.visit_i64(v).map(FieldTestInput::Shorthand)
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<FieldTestInput, E> {
                TextsVisitor.visit_u64(v).map(FieldTestInput::Shorthand)
            }

            fn visit_f64<E: de::Error>(self, v: f64) -> Result<FieldTestInput, E> {
                TextsVisitor.visit_f64(v).map(FieldTestInput::Shorthand)
            }
        }

        deserializer.deserialize_any(InputVisitor)
    }
}

/// One text or a list of them. List items keep their own positions; a lone text is
/// positioned by the [`Spanned`] around it.
#[derive(Debug, Clone)]
pub enum Texts {
    /// A single scalar.
    One(String),
    /// A list of scalars.
    Many(Vec<Spanned<String>>),
}

impl Texts {
    /// The texts with their positions, `at` standing in for a lone scalar's.
    pub fn items(&self, at: Location) -> Vec<(&str, Location)> {
        match self {
            Texts::One(text) => vec![(text.as_str(), at)],
            Texts::Many(items) => items
                .iter()
                .map(|item| (item.value.as_str(), item.referenced))
                .collect(),
        }
    }
}

struct TextsVisitor;

impl<'de> Visitor<'de> for TextsVisitor {
    type Value = Texts;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a value or a list of values")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Texts, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<String>>()? {
            items.push(item);
        }
        Ok(Texts::Many(items))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Texts, E> {
        Ok(Texts::One(v.to_owned()))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Texts, E> {
        self.visit_str(&v.to_string())
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Texts, E> {
        self.visit_str(&v.to_string())
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Texts, E> {
        self.visit_str(&v.to_string())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Texts, E> {
        self.visit_str(&v.to_string())
    }
}

impl<'de> Deserialize<'de> for Texts {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TextsVisitor)
    }
}

/// One test case of a rule file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestCaseConfig {
    /// What the case shows.
    pub name: Spanned<String>,
    /// The lines' format (`combined`, `syslog`, …); default: the rules' `format`, else
    /// detected from the lines.
    pub format: Option<Spanned<String>>,
    /// The input: text (one line per line) or a list of texts and repeated lines.
    pub lines: Spanned<LinesConfig>,
    /// The findings the rules of this file must raise, and no others.
    #[serde(default)]
    pub expect: Vec<Spanned<ExpectConfig>>,
}

/// The input lines of a test case.
#[derive(Debug, Default)]
pub struct LinesConfig {
    /// Pieces in order.
    pub pieces: Vec<LinePiece>,
}

/// A piece of test input.
#[derive(Debug)]
pub enum LinePiece {
    /// Text; each of its lines is a log line.
    Text(String),
    /// `{ line, repeat }`: one line written `repeat` times, `{n}` replaced by 1, 2, ….
    Repeat(RepeatConfig),
}

/// `{ line: TEXT, repeat: N }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RepeatConfig {
    /// The line; `{n}` is replaced by the repetition number, from 1.
    pub line: String,
    /// How many times (default 1).
    #[serde(default = "one")]
    pub repeat: u64,
}

fn one() -> u64 {
    1
}

impl<'de> Deserialize<'de> for LinePiece {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct PieceVisitor;

        impl<'de> Visitor<'de> for PieceVisitor {
            type Value = LinePiece;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a log line or { line: TEXT, repeat: N }")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<LinePiece, E> {
                Ok(LinePiece::Text(v.to_owned()))
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<LinePiece, A::Error> {
                RepeatConfig::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(LinePiece::Repeat)
            }
        }

        deserializer.deserialize_any(PieceVisitor)
    }
}

impl<'de> Deserialize<'de> for LinesConfig {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct LinesVisitor;

        impl<'de> Visitor<'de> for LinesVisitor {
            type Value = LinesConfig;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("log lines: a text or a list of lines and { line, repeat } entries")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<LinesConfig, E> {
                Ok(LinesConfig {
                    pieces: vec![LinePiece::Text(v.to_owned())],
                })
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<LinesConfig, A::Error> {
                let mut pieces = Vec::new();
                while let Some(piece) = seq.next_element::<LinePiece>()? {
                    pieces.push(piece);
                }
                Ok(LinesConfig { pieces })
            }
        }

        deserializer.deserialize_any(LinesVisitor)
    }
}

/// One expected finding.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ExpectConfig {
    /// The rule id.
    pub rule: Spanned<String>,
    /// The key: field name to value (`{ client: 203.0.113.7 }`); none for rules without
    /// `group-by`.
    #[serde(default)]
    pub key: KeyConfig,
    /// The exact count.
    pub count: Option<u64>,
    /// The least count.
    pub at_least: Option<u64>,
}

/// An expected key: field names to values, in the order written.
#[derive(Debug, Default)]
pub struct KeyConfig {
    /// `(field, value)` pairs.
    pub pairs: Vec<(Spanned<String>, String)>,
}

impl<'de> Deserialize<'de> for KeyConfig {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;

        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = KeyConfig;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a mapping of field names to values")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<KeyConfig, A::Error> {
                let mut pairs = Vec::new();
                while let Some(field) = map.next_key::<Spanned<String>>()? {
                    pairs.push((field, map.next_value::<String>()?));
                }
                Ok(KeyConfig { pairs })
            }
        }

        deserializer.deserialize_map(KeyVisitor)
    }
}
