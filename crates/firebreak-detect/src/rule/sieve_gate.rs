//! Which rules a line's shared `contains-any` searches (see [`sieve`](super::sieve)) let
//! through, decided once per line before any rule's condition is walked. Most attack rules
//! cannot hold unless one of their `contains-any` tests does (`all` of a test and more, `any`
//! of such tests), and on the common line those searches find nothing: a
//! [`Matcher`](super::Matcher) then skips those rules without evaluating anything. Like the
//! status [`gate`](super::gate) this only ever lets through too much: a rule it admits still
//! has its whole condition checked, so answers are the same as without it.

use std::sync::Arc;

use crate::record::Record;
use crate::rule::condition::{Check, Cond, Scratch, Test};
use crate::rule::definition::{Counting, Rule};
use crate::rule::sieve::Sieve;

/// Per shared search, the rules each of its tests lets through; and the rules that need no
/// search at all.
#[derive(Debug, Clone, Default)]
pub(crate) struct SieveGate {
    sieves: Vec<Shared>,
    /// Rules (a bit each, in set order) that no search decides.
    free: Vec<u64>,
    words: usize,
}

#[derive(Debug, Clone)]
struct Shared {
    sieve: Arc<Sieve>,
    /// The rules that need this search: it is run only when one of them is still admitted.
    users: Vec<u64>,
    /// Per test bit of the search, `words` words: the rules that test lets through.
    lets: Vec<u64>,
}

/// Tests (a shared search and a test's bit in it) of which one must hold.
type Need = Vec<(Arc<Sieve>, u64)>;

impl SieveGate {
    /// The gate for the matcher's own rules, whose tests [`sieve::share`](super::sieve::share)
    /// has already rewritten.
    pub(crate) fn new(rules: &[Arc<Rule>]) -> SieveGate {
        let words = rules.len().div_ceil(64);
        let mut gate = SieveGate {
            sieves: Vec::new(),
            free: vec![0; words],
            words,
        };
        for (index, rule) in rules.iter().enumerate() {
            let (word, bit) = (index / 64, 1u64 << (index % 64));
            let Some(need) = rule_need(rule) else {
                set(&mut gate.free, word, bit);
                continue;
            };
            for (sieve, test) in need {
                let Some(shared) = gate.shared(&sieve) else {
                    // Not reached (the entry was just made); letting the rule through is safe.
                    set(&mut gate.free, word, bit);
                    continue;
                };
                set(&mut shared.users, word, bit);
                let at = test.trailing_zeros() as usize * words + word;
                set(&mut shared.lets, at, bit);
            }
        }
        gate
    }

    /// The entry for a search, made on first use.
    fn shared(&mut self, sieve: &Arc<Sieve>) -> Option<&mut Shared> {
        if !self.sieves.iter().any(|s| Arc::ptr_eq(&s.sieve, sieve)) {
            self.sieves.push(Shared {
                sieve: Arc::clone(sieve),
                users: vec![0; self.words],
                lets: vec![0; 64 * self.words],
            });
        }
        self.sieves
            .iter_mut()
            .find(|s| Arc::ptr_eq(&s.sieve, sieve))
    }

    /// Narrows `admitted` (rule bits, as [`StatusGate`](super::gate::StatusGate) gives them)
    /// to the rules whose searches found something on this line, running the searches those
    /// rules need; `met` is a buffer.
    pub(crate) fn narrow(
        &self,
        record: &Record<'_>,
        scratch: &mut Scratch,
        admitted: &mut [u64],
        met: &mut Vec<u64>,
    ) {
        if self.sieves.is_empty() {
            return;
        }
        met.clear();
        met.extend_from_slice(&self.free);
        for shared in &self.sieves {
            if !shared.users.iter().zip(&*admitted).any(|(u, a)| u & a != 0) {
                continue;
            }
            let found = record
                .get(&shared.sieve.field)
                .map_or(0, |value| shared.sieve.found(value, scratch));
            let mut left = found;
            while left != 0 {
                let test = left.trailing_zeros() as usize;
                left &= left - 1;
                let lets = shared
                    .lets
                    .get(test * self.words..(test + 1) * self.words)
                    .unwrap_or_default();
                met.iter_mut().zip(lets).for_each(|(m, l)| *m |= l);
            }
        }
        admitted.iter_mut().zip(&*met).for_each(|(a, m)| *a &= m);
    }
}

fn set(words: &mut [u64], word: usize, bit: u64) {
    if let Some(w) = words.get_mut(word) {
        *w |= bit;
    }
}

/// The tests of which one must hold for the line to count for the rule, if there are such.
fn rule_need(rule: &Rule) -> Option<Need> {
    rule.condition
        .as_ref()
        .and_then(need)
        .or_else(|| match &rule.counting {
            // A sequence counts lines meeting either step.
            Counting::Sequence { first, then, .. } => {
                let mut either = need(&first.condition)?;
                either.extend(need(&then.condition)?);
                Some(either)
            }
            _ => None,
        })
}

/// The shared tests of which one must hold for the condition to, if there are such.
fn need(cond: &Cond) -> Option<Need> {
    match cond {
        Cond::Test(Test {
            check: Check::Sieved(sieved),
            ..
        }) => {
            let (sieve, bit) = sieved.parts();
            Some(vec![(Arc::clone(sieve), bit)])
        }
        Cond::All(all) => all.iter().find_map(need),
        Cond::Any(any) => {
            let mut either = Vec::new();
            for cond in any {
                either.extend(need(cond)?);
            }
            Some(either)
        }
        Cond::Not(_) | Cond::Test(_) => None,
    }
}
