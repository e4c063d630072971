//! The engine: runs a [`RuleSet`] over records in order and raises [`Finding`]s. The same
//! engine serves one pass over a file (`scan`) and a follow that never ends (`watch`), so
//! everything it holds is bounded (see [`state`](super::state) for the per-key windows);
//! the findings kept for [`Engine::findings`] are capped.
//!
//! Time is the records' own: a line without a time counts at the last time seen. A line that
//! matches no rule costs condition checks only, no allocation; rules needing a field the line
//! lacks are not even checked.

use std::cell::RefCell;

use crate::record::Record;
use crate::rule::condition::Scratch;
use crate::rule::definition::{Counting, Rule};
use crate::rule::fields::presence;
use crate::rule::finding::Finding;
use crate::rule::key::{Key, value_hash};
use crate::rule::set::RuleSet;
use crate::rule::state::{Clock, Hit, Kept, Line, RuleState};

/// Most findings kept for [`Engine::findings`]; later ones are still returned by
/// [`Engine::push`] but not kept (see [`Stats::findings_dropped`]).
pub const MAX_FINDINGS: usize = 10_000;

/// Runs rules over records.
#[derive(Debug)]
pub struct Engine {
    rules: Vec<RuleState>,
    kept: Kept,
    last_time: Option<i64>,
    scratch: Scratch,
    /// For [`Engine::matches`], which takes `&self`.
    shared_scratch: RefCell<Scratch>,
    hasher: foldhash::fast::RandomState,
}

/// How much state the engine holds, and what it had to drop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stats {
    /// Per rule, in set order.
    pub rules: Vec<RuleStats>,
    /// Findings raised but not kept because [`MAX_FINDINGS`] were already kept.
    pub findings_dropped: u64,
}

/// One rule's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleStats {
    /// The rule id.
    pub rule: String,
    /// Keys tracked now.
    pub keys: usize,
    /// Keys dropped because the rule tracked `max-keys` of them already; their windows
    /// restart if they come back.
    pub evicted: u64,
}

impl Engine {
    /// An engine for these rules, with empty state.
    pub fn new(rules: &RuleSet) -> Engine {
        Engine {
            rules: rules.rules().iter().map(RuleState::new).collect(),
            kept: Kept::default(),
            last_time: None,
            scratch: Scratch::default(),
            shared_scratch: RefCell::new(Scratch::default()),
            hasher: foldhash::fast::RandomState::default(),
        }
    }

    /// Feeds one line, in order: `source` names the input and `line` is its line number
    /// (both for samples), `raw` the line as read, `record` its parsed fields. Returns the
    /// findings this line raised (usually none).
    pub fn push(
        &mut self,
        source: &str,
        line: u64,
        raw: &[u8],
        record: &Record<'_>,
    ) -> Vec<Finding> {
        if record.time.is_some() {
            self.last_time = record.time;
        }
        let seen = self.last_time;
        let now = seen.unwrap_or(0);
        let line = Line {
            source,
            number: line,
            raw,
        };
        let mut raised = Vec::new();
        let present = presence(record);
        for state in &mut self.rules {
            if state.required & !present != 0 {
                continue;
            }
            let Some(hit) = hit(&state.rule, record, &mut self.scratch, &self.hasher) else {
                continue;
            };
            let Some(key) = Key::of(&state.rule.group_by, record) else {
                continue;
            };
            let clock = Clock { now, seen };
            if let Some(finding) = state.count(key, hit, clock, &line, &mut self.kept) {
                raised.push(finding);
            }
        }
        raised
    }

    /// Ids of the rules whose conditions this line meets (for a sequence, either step's),
    /// whatever their counts: what `scan --lines` prints.
    pub fn matches(&self, record: &Record<'_>) -> Vec<&str> {
        let mut own = Scratch::default();
        let mut shared = self.shared_scratch.try_borrow_mut();
        let scratch = match &mut shared {
            Ok(shared) => &mut **shared,
            Err(_) => &mut own,
        };
        self.rules
            .iter()
            .filter(|state| state.rule.matches(record, scratch))
            .map(|state| state.rule.id.as_str())
            .collect()
    }

    /// Every finding raised so far (up to [`MAX_FINDINGS`]), in the order raised, with the
    /// counts they have now.
    pub fn findings(&self) -> Vec<Finding> {
        self.kept.findings.clone()
    }

    /// The state held and what was dropped to bound it.
    pub fn stats(&self) -> Stats {
        Stats {
            rules: self
                .rules
                .iter()
                .map(|state| RuleStats {
                    rule: state.rule.id.clone(),
                    keys: state.keys(),
                    evicted: state.evicted,
                })
                .collect(),
            findings_dropped: self.kept.dropped,
        }
    }
}

/// What the line is to the rule, if anything. Conditions run before any key is built.
fn hit(
    rule: &Rule,
    record: &Record<'_>,
    scratch: &mut Scratch,
    hasher: &foldhash::fast::RandomState,
) -> Option<Hit> {
    if let Some(condition) = &rule.condition
        && !condition.eval(record, scratch)
    {
        return None;
    }
    match &rule.counting {
        Counting::Every | Counting::Threshold { .. } => Some(Hit::Line),
        Counting::Sum { field, .. } => record
            .get(field)
            .and_then(|v| v.to_number())
            .filter(|n| n.is_finite())
            .map(Hit::Amount),
        Counting::Distinct { field, .. } => {
            record.get(field).map(|v| Hit::Value(value_hash(hasher, v)))
        }
        Counting::Sequence { first, then, .. } => {
            if first.condition.eval(record, scratch) {
                Some(Hit::First)
            } else if then.condition.eval(record, scratch) {
                Some(Hit::Then)
            } else {
                None
            }
        }
    }
}
