//! The engine: runs a [`RuleSet`] over records in order and raises [`Finding`]s. The same
//! engine serves one pass over a file (`scan`) and a follow that never ends (`watch`), so
//! everything it holds is bounded (see [`state`](super::state) for the per-key windows);
//! the findings kept for [`Engine::findings`] are capped.
//!
//! Each line is matched first (which rules it counts for, with what key: [`Matcher`], no
//! state touched) and then counted in order; `scan` matches blocks on several threads and
//! counts on one with [`Engine::count`].
//!
//! Time is the records' own: a line without a time counts at the last time seen. A line that
//! matches no rule costs condition checks only, no allocation; rules needing a field the line
//! lacks are not even checked.

use std::cell::RefCell;

use crate::record::Record;
use crate::rule::condition::Scratch;
use crate::rule::finding::Finding;
use crate::rule::hits::{Entry, Hits, Matcher};
use crate::rule::set::RuleSet;
use crate::rule::state::{Clock, Kept, Line, RuleState};

/// Most findings kept for [`Engine::findings`]; later ones are still returned by
/// [`Engine::push`] but not kept (see [`Stats::findings_dropped`]).
pub const MAX_FINDINGS: usize = 10_000;

/// Runs rules over records.
#[derive(Debug)]
pub struct Engine {
    rules: Vec<RuleState>,
    kept: Kept,
    last_time: Option<i64>,
    matcher: Matcher,
    scratch: Scratch,
    /// One line's answers, kept for its buffer.
    entries: Vec<Entry>,
    /// For [`Engine::matches`], which takes `&self`.
    shared_scratch: RefCell<Scratch>,
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
            matcher: Matcher::new(rules.rules()),
            scratch: Scratch::default(),
            entries: Vec::new(),
            shared_scratch: RefCell::new(Scratch::default()),
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
        let mut entries = std::mem::take(&mut self.entries);
        self.matcher
            .answers(record, &mut self.scratch, &mut entries);
        let line = Line {
            source,
            number: line,
            raw,
        };
        let raised = self.count_line(&line, &mut entries.drain(..));
        self.entries = entries;
        raised
    }

    /// What decides each line's answers, for matching lines on other threads: lines added to
    /// a [`Hits`] with [`Matcher::add`] and then given to [`Engine::count`] in order count
    /// exactly as if each had been given to [`Engine::push`].
    pub fn matcher(&self) -> &Matcher {
        &self.matcher
    }

    /// Counts a run of lines matched by [`Engine::matcher`], in order after every line given
    /// before; `source` names their input. Empties `hits` and returns the findings raised.
    pub fn count(&mut self, source: &str, hits: &mut Hits) -> Vec<Finding> {
        let mut raised = Vec::new();
        let last_time = hits.last_time();
        hits.drain(|line, raw, entries| {
            if line.time.is_some() {
                self.last_time = line.time;
            }
            let line = Line {
                source,
                number: line.number,
                raw,
            };
            raised.extend(self.count_line(&line, entries));
        });
        if last_time.is_some() {
            self.last_time = last_time;
        }
        raised
    }

    /// Counts one line's answers at the last time seen.
    fn count_line(
        &mut self,
        line: &Line<'_>,
        entries: &mut dyn Iterator<Item = Entry>,
    ) -> Vec<Finding> {
        let seen = self.last_time;
        let clock = Clock {
            now: seen.unwrap_or(0),
            seen,
        };
        let mut raised = Vec::new();
        for Entry { rule, hit, key } in entries {
            let Some(state) = self.rules.get_mut(rule) else {
                continue;
            };
            if let Some(finding) = state.count(key, hit, clock, line, &mut self.kept) {
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
