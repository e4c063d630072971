//! Which rules a line's status lets through, looked up once per line: most HTTP rules test
//! the status before anything else (`status: [401, 403]`, `between: [500, 599]`), and a
//! [`Matcher`](super::Matcher) skips those that cannot hold for the line's status without
//! evaluating anything. The gate only ever lets through too much: a rule it admits still has
//! its whole condition checked, so answers are the same as without it.

use crate::record::{Field, Record};
use crate::rule::condition::{Check, Cond, Scratch, Test};
use crate::rule::definition::{Counting, Rule};

/// Statuses with their own entry; a line with another status (or none) meets every rule.
const STATUSES: usize = 1000;

/// Per status, the rules (a bit each, in set order) whose conditions may hold.
#[derive(Debug, Clone)]
pub(crate) struct StatusGate {
    /// `words` words per status, one after the other.
    admitted: Vec<u64>,
    /// Every rule, for lines the table does not cover.
    all: Vec<u64>,
    words: usize,
}

impl StatusGate {
    pub(crate) fn new(rules: &[impl AsRef<Rule>]) -> StatusGate {
        let words = rules.len().div_ceil(64);
        let mut all = vec![0u64; words];
        let mut admitted = vec![0u64; words * STATUSES];
        let mut scratch = Scratch::default();
        for (index, rule) in rules.iter().enumerate() {
            let (word, bit) = (index / 64, 1u64 << (index % 64));
            if let Some(w) = all.get_mut(word) {
                *w |= bit;
            }
            for status in 0..STATUSES {
                if may_hold(rule.as_ref(), status as u16, &mut scratch)
                    && let Some(w) = admitted.get_mut(status * words + word)
                {
                    *w |= bit;
                }
            }
        }
        StatusGate {
            admitted,
            all,
            words,
        }
    }

    /// The rules a line with this status may count for, as bit words in rule order.
    pub(crate) fn admitted(&self, status: Option<u16>) -> &[u64] {
        status
            .map(usize::from)
            .filter(|s| *s < STATUSES)
            .and_then(|s| self.admitted.get(s * self.words..(s + 1) * self.words))
            .unwrap_or(&self.all)
    }
}

/// Whether a line with `status` could meet the rule, judging by its status tests alone.
fn may_hold(rule: &Rule, status: u16, scratch: &mut Scratch) -> bool {
    let condition = rule
        .condition
        .as_ref()
        .is_none_or(|c| admits(c, status, scratch));
    let steps = match &rule.counting {
        Counting::Sequence { first, then, .. } => {
            admits(&first.condition, status, scratch) || admits(&then.condition, status, scratch)
        }
        _ => true,
    };
    condition && steps
}

/// Whether the condition may hold on a line with this status: exact for tests on the
/// status, `true` (unknown) for anything else.
fn admits(cond: &Cond, status: u16, scratch: &mut Scratch) -> bool {
    match cond {
        Cond::All(all) => all.iter().all(|c| admits(c, status, scratch)),
        Cond::Any(any) => any.iter().any(|c| admits(c, status, scratch)),
        // A `not` of a status test could be judged too, but none of the shipped rules needs it.
        Cond::Not(_) => true,
        Cond::Test(
            test @ Test {
                field: Field::Status,
                check: Check::NumberIn(_) | Check::Range { .. } | Check::Present(_),
                ..
            },
        ) => {
            let record = Record {
                status: Some(status),
                ..Record::default()
            };
            test.eval(&record, scratch)
        }
        Cond::Test(_) => true,
    }
}
