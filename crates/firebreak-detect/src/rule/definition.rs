//! A rule ready to run ([`Rule`]) and how one is built from what the user wrote
//! ([`RuleConfig::build`]): every field name resolved, every value parsed, every mistake
//! reported with its position rather than the first one only.

use serde_saphyr::{Location, Spanned};

use crate::agents::Agents;
use crate::format::Format;
use crate::record::{Field, Record};
use crate::rule::builder::Builder;
use crate::rule::condition::{Cond, Scratch};
use crate::rule::config::{ConditionConfig, RuleConfig, StepConfig};
use crate::rule::diagnostic::{Diagnostic, Report};
use crate::rule::fields::{FieldKind, field_bit, kind_of, resolve_field};
use crate::rule::units;

/// Most lines, values or steps a count may ask for.
pub(crate) const MAX_COUNT: u64 = 1_000_000;
/// Keys tracked per rule unless the rule says otherwise.
pub const DEFAULT_MAX_KEYS: usize = 100_000;
/// The most keys a rule may ask to track.
const MAX_KEYS_LIMIT: u64 = 10_000_000;
/// Dedup period unless the rule says otherwise, in seconds.
pub const DEFAULT_DEDUP: i64 = 3_600;
/// Most fields in a key.
const MAX_GROUP_BY: usize = 8;

/// How urgent a finding is: P1 needs someone now, P4 can wait for the week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Active breach or outage.
    P1,
    /// Attack under way or service degraded.
    P2,
    /// Suspicious; look within the day.
    P3,
    /// Worth knowing.
    P4,
}

impl Severity {
    /// `P1` … `P4`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::P1 => "P1",
            Severity::P2 => "P2",
            Severity::P3 => "P3",
            Severity::P4 => "P4",
        }
    }

    fn parse(text: &str) -> Option<Severity> {
        match text.trim().to_ascii_uppercase().as_str() {
            "P1" => Some(Severity::P1),
            "P2" => Some(Severity::P2),
            "P3" => Some(Severity::P3),
            "P4" => Some(Severity::P4),
            _ => None,
        }
    }
}

/// One step of a sequence: which lines it is.
#[derive(Debug, Clone)]
pub struct Step {
    pub(crate) condition: Cond,
}

/// How a rule counts the lines it matches, per key. Windows slide with the lines' own time.
#[derive(Debug, Clone)]
pub enum Counting {
    /// Every matching line is a finding (subject to dedup).
    Every,
    /// `count` or more matching lines within `window` seconds.
    Threshold {
        /// Lines needed.
        count: u64,
        /// Seconds.
        window: i64,
    },
    /// `count` or more different values of `field` within `window` seconds.
    Distinct {
        /// The field whose values are told apart.
        field: Field,
        /// Different values needed.
        count: u64,
        /// Seconds.
        window: i64,
    },
    /// The total of `field` over `window` seconds exceeds `over`.
    Sum {
        /// The field added up.
        field: Field,
        /// The total to exceed.
        over: f64,
        /// Seconds.
        window: i64,
    },
    /// At least `at_least` lines of `first`, then a line of `then`, within `within` seconds.
    Sequence {
        /// The lines that come first.
        first: Step,
        /// The line that completes it.
        then: Step,
        /// How many first lines are needed.
        at_least: u64,
        /// Seconds.
        within: i64,
    },
}

/// A detection rule, built and ready to run.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Stable identifier.
    pub id: String,
    /// One line saying what was seen.
    pub title: String,
    /// What it means and what to look at next.
    pub description: String,
    /// How urgent.
    pub severity: Severity,
    /// Labels.
    pub tags: Vec<String>,
    /// The runbook to follow.
    pub runbook: Option<String>,
    /// The log format the rule is written for, if it says.
    pub format: Option<String>,
    /// The fields whose values make the key.
    pub group_by: Vec<Field>,
    /// How lines are counted.
    pub counting: Counting,
    /// No second finding for the same key within this many seconds.
    pub dedup: i64,
    /// Most keys tracked at once.
    pub max_keys: usize,
    /// Where the rule is defined: `FILE:LINE:COL`.
    pub origin: String,
    pub(crate) condition: Option<Cond>,
}

impl Rule {
    /// Whether a line meets the rule's conditions (for a sequence: either step's).
    pub(crate) fn matches(&self, record: &Record<'_>, scratch: &mut Scratch) -> bool {
        if self.required() & !crate::rule::fields::presence(record) != 0 {
            return false;
        }
        if let Some(condition) = &self.condition
            && !condition.eval(record, scratch)
        {
            return false;
        }
        match &self.counting {
            Counting::Sequence { first, then, .. } => {
                first.condition.eval(record, scratch) || then.condition.eval(record, scratch)
            }
            _ => true,
        }
    }

    /// The fields (as bits) a line must have to count for this rule at all. A rule written
    /// for an access-log format (`combined`, `common`, `vhost_combined`) counts only requests — lines with a
    /// status — so a flood rule never counts sshd lines as requests.
    pub(crate) fn required(&self) -> u32 {
        let mut mask = self.condition.as_ref().map_or(0, Cond::required);
        if matches!(
            self.format.as_deref(),
            Some("combined" | "common" | "vhost_combined")
        ) {
            mask |= field_bit(&Field::Status);
        }
        mask |= self.group_by.iter().fold(0, |m, f| m | field_bit(f));
        mask |= match &self.counting {
            Counting::Every | Counting::Threshold { .. } => 0,
            Counting::Distinct { field, .. } | Counting::Sum { field, .. } => field_bit(field),
            Counting::Sequence { first, then, .. } => {
                first.condition.required() & then.condition.required()
            }
        };
        mask
    }

    /// How the rule counts, in a few words: `20 or more lines in 1m per client`.
    pub fn summary(&self) -> String {
        let per = if self.group_by.is_empty() {
            "overall".to_owned()
        } else {
            let names: Vec<&str> = self.group_by.iter().map(Field::name).collect();
            format!("per {}", names.join(", "))
        };
        let how = match &self.counting {
            Counting::Every => "every matching line".to_owned(),
            Counting::Threshold { count, window } => {
                format!("{count} or more lines in {}", units::show_duration(*window))
            }
            Counting::Distinct {
                field,
                count,
                window,
            } => format!(
                "{count} or more different {} in {}",
                field.name(),
                units::show_duration(*window)
            ),
            Counting::Sum {
                field,
                over,
                window,
            } => format!(
                "{} over {} in {}",
                field.name(),
                crate::record::format_number(*over),
                units::show_duration(*window)
            ),
            Counting::Sequence {
                at_least, within, ..
            } => format!(
                "{at_least} or more first-step lines then a second-step line within {}",
                units::show_duration(*within)
            ),
        };
        format!("{how}, {per}")
    }
}

impl RuleConfig {
    /// Builds the rule, or says everything wrong with it. `file` names the file in
    /// diagnostics; `agents` gives the `@scanners`/`@scripts`/`@crawlers` lists.
    pub fn build(&self, file: &str, agents: &Agents) -> Result<Rule, Vec<Diagnostic>> {
        let mut report = Report::new(file);
        let rule = self.build_into(&mut report, agents);
        match rule {
            Some(rule) if report.is_empty() => Ok(rule),
            _ => Err(report.found),
        }
    }

    pub(crate) fn build_into(&self, report: &mut Report<'_>, agents: &Agents) -> Option<Rule> {
        let start = self.id.referenced;
        let id = self.id.value.trim().to_owned();
        if let Err(message) = check_id(&id) {
            report.at(self.id.referenced, message);
        }
        let title = self.title.value.trim().to_owned();
        if title.is_empty() {
            report.at(self.title.referenced, "the title is empty");
        }
        let severity = Severity::parse(&self.severity.value);
        if severity.is_none() {
            report.at(
                self.severity.referenced,
                format!(
                    "unknown severity {:?}: use P1, P2, P3 or P4",
                    self.severity.value
                ),
            );
        }
        let mut tags = Vec::new();
        for tag in &self.tags {
            let text = tag.value.trim();
            if text.is_empty() {
                report.at(tag.referenced, "empty tag");
            } else {
                tags.push(text.to_owned());
            }
        }
        if let Some(runbook) = &self.runbook
            && !is_name(&runbook.value)
        {
            report.at(
                runbook.referenced,
                format!(
                    "bad runbook name {:?}: runbooks are named with lowercase letters, digits \
                     and dashes (connection-flood, unauthorized-access, …)",
                    runbook.value
                ),
            );
        }
        if let Some(format) = &self.format
            && let Err(error) = format.value.parse::<Format>()
        {
            report.at(format.referenced, error.to_string());
        }

        let mut builder = Builder { report, agents };
        let condition = self.condition.as_ref().map(|c| builder.condition(c));
        let group_by = self.group_by(builder.report);
        let counting = self.counting(&mut builder);
        let dedup = match &self.dedup {
            None => Some(DEFAULT_DEDUP),
            Some(text) => duration(builder.report, text, true),
        };
        let max_keys = match &self.max_keys {
            None => DEFAULT_MAX_KEYS,
            Some(n) if (1..=MAX_KEYS_LIMIT).contains(&n.value) => n.value as usize,
            Some(n) => {
                builder.report.at(
                    n.referenced,
                    format!("max-keys must be between 1 and {MAX_KEYS_LIMIT}"),
                );
                DEFAULT_MAX_KEYS
            }
        };
        let (line, column) = crate::rule::diagnostic::position(start);
        Some(Rule {
            origin: format!("{}:{line}:{column}", builder.report.file()),
            id,
            title,
            description: self.description.trim().to_owned(),
            severity: severity?,
            tags,
            runbook: self.runbook.as_ref().map(|r| r.value.clone()),
            format: self.format.as_ref().map(|f| f.value.clone()),
            group_by: group_by?,
            counting: counting?,
            dedup: dedup?,
            max_keys,
            condition: match condition {
                Some(built) => Some(built?),
                None => None,
            },
        })
    }

    fn group_by(&self, report: &mut Report<'_>) -> Option<Vec<Field>> {
        let Some(group_by) = &self.group_by else {
            return Some(Vec::new());
        };
        let items = group_by.value.items(group_by.referenced);
        if items.len() > MAX_GROUP_BY {
            report.at(
                group_by.referenced,
                format!("a key has at most {MAX_GROUP_BY} fields"),
            );
            return None;
        }
        let mut fields = Vec::new();
        let mut ok = true;
        for (name, at) in items {
            match resolve_field(name) {
                Ok(field) if fields.contains(&field) => {
                    report.at(at, format!("{name:?} is already in group-by"));
                    ok = false;
                }
                Ok(field) => fields.push(field),
                Err(message) => {
                    report.at(at, message);
                    ok = false;
                }
            }
        }
        ok.then_some(fields)
    }

    fn counting(&self, builder: &mut Builder<'_, '_>) -> Option<Counting> {
        let kinds: [(&str, Option<Location>); 4] = [
            ("threshold", self.threshold.as_ref().map(|s| s.referenced)),
            ("distinct", self.distinct.as_ref().map(|s| s.referenced)),
            ("sum", self.sum.as_ref().map(|s| s.referenced)),
            ("sequence", self.sequence.as_ref().map(|s| s.referenced)),
        ];
        let given: Vec<(&str, Location)> = kinds
            .iter()
            .filter_map(|(name, at)| at.map(|at| (*name, at)))
            .collect();
        if let [(first, _), (second, at), ..] = given.as_slice() {
            builder.report.at(
                *at,
                format!(
                    "a rule counts one way: it has both `{first}` and `{second}`; split it into two rules"
                ),
            );
            return None;
        }
        let report = &mut *builder.report;
        if let Some(t) = &self.threshold {
            let count = count(report, &t.value.count, "count");
            let window = duration(report, &t.value.window, false);
            return Some(Counting::Threshold {
                count: count?,
                window: window?,
            });
        }
        if let Some(d) = &self.distinct {
            let field = field(report, &d.value.field);
            let count = count(report, &d.value.count, "count");
            let window = duration(report, &d.value.window, false);
            return Some(Counting::Distinct {
                field: field?,
                count: count?,
                window: window?,
            });
        }
        if let Some(s) = &self.sum {
            let field = field(report, &s.value.field);
            if let Some(f) = &field
                && matches!(kind_of(f), FieldKind::Address | FieldKind::Event)
            {
                report.at(
                    s.value.field.referenced,
                    format!("sum adds numbers; {} holds none", f.name()),
                );
                return None;
            }
            let over = match units::number(&s.value.over.value) {
                Ok(n) if n >= 0.0 => Some(n),
                Ok(_) => {
                    report.at(s.value.over.referenced, "`over` must not be negative");
                    None
                }
                Err(message) => {
                    report.at(s.value.over.referenced, message);
                    None
                }
            };
            let window = duration(report, &s.value.window, false);
            return Some(Counting::Sum {
                field: field?,
                over: over?,
                window: window?,
            });
        }
        if let Some(s) = &self.sequence {
            let first = step(builder, &s.value.first);
            let then = step(builder, &s.value.then);
            let report = &mut *builder.report;
            let at_least = match &s.value.first.value.at_least {
                Some(n) => count(report, n, "at-least"),
                None => Some(1),
            };
            if let Some(n) = &s.value.then.value.at_least {
                report.at(
                    n.referenced,
                    "`at-least` belongs to the first step; the second step is one line",
                );
                return None;
            }
            let within = duration(report, &s.value.within, false);
            return Some(Counting::Sequence {
                first: first?,
                then: then?,
                at_least: at_least?,
                within: within?,
            });
        }
        Some(Counting::Every)
    }
}

fn step(builder: &mut Builder<'_, '_>, step: &Spanned<StepConfig>) -> Option<Step> {
    let condition: &Spanned<ConditionConfig> = &step.value.condition;
    builder
        .condition(condition)
        .map(|condition| Step { condition })
}

fn field(report: &mut Report<'_>, name: &Spanned<String>) -> Option<Field> {
    match resolve_field(name.value.trim()) {
        Ok(field) => Some(field),
        Err(message) => {
            report.at(name.referenced, message);
            None
        }
    }
}

fn count(report: &mut Report<'_>, n: &Spanned<u64>, what: &str) -> Option<u64> {
    if (1..=MAX_COUNT).contains(&n.value) {
        Some(n.value)
    } else {
        report.at(
            n.referenced,
            format!("{what} must be between 1 and {MAX_COUNT}"),
        );
        None
    }
}

fn duration(report: &mut Report<'_>, text: &Spanned<String>, zero_ok: bool) -> Option<i64> {
    match units::duration(&text.value) {
        Ok(0) if !zero_ok => {
            report.at(text.referenced, "a window must be longer than 0s");
            None
        }
        Ok(seconds) => Some(seconds),
        Err(message) => {
            report.at(text.referenced, message);
            None
        }
    }
}

fn check_id(id: &str) -> Result<(), String> {
    let ok_chars = id
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.'));
    let ok_start = id
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if ok_chars && ok_start && id.len() <= 100 {
        Ok(())
    } else {
        Err(format!(
            "bad rule id {id:?}: use up to 100 lowercase letters, digits, '-', '_' or '.', \
             starting with a letter or digit"
        ))
    }
}

fn is_name(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 100
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}
