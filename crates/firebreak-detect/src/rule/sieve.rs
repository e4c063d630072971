//! One search per field and line shared by every `contains-any` test on that field. Many
//! rules sieve the same field (most HTTP attack rules look for their texts in the path), so a
//! [`Matcher`](super::Matcher) gathers the patterns of all its rules' tests on one field into
//! one automaton, lowercases and searches the field once per line, and each test then only
//! asks whether one of its own patterns was found. This module owns that rewrite of the
//! matcher's copy of the conditions and the per-line memo of what was found; the answers are
//! the ones each test gives alone (`Rule::matches` still evaluates them that way, and the
//! tests below compare the two).

use std::sync::Arc;

use aho_corasick::{AhoCorasick, MatchKind};

use crate::record::{Field, Value};
use crate::rule::condition::{Check, Cond, Scratch, Test, lowercase_into};
use crate::rule::definition::{Counting, Rule};

/// Most tests one shared search answers (one bit each); tests past it keep their own.
const MAX_SHARING: usize = 64;

/// The shared search of one field.
#[derive(Debug)]
pub(crate) struct Sieve {
    /// The field it searches.
    pub(crate) field: Field,
    /// Its place in [`SieveMemo`].
    slot: usize,
    /// Whether what was found is worth remembering by value (the field takes few values).
    cached: bool,
    /// Every test's patterns, each once, lowercase.
    automaton: AhoCorasick,
    /// Per pattern: the tests (bits) that list it.
    owners: Vec<u64>,
}

/// A `contains-any` test answered by a shared [`Sieve`]: its bit among the sieve's tests.
#[derive(Debug, Clone)]
pub(crate) struct Sieved {
    sieve: Arc<Sieve>,
    bit: u64,
}

/// What the shared searches found on the current line, per sieve; one per [`Scratch`].
#[derive(Debug, Default)]
pub(crate) struct SieveMemo {
    /// Counts lines, so that a new line forgets the previous one's answers without clearing.
    line: u64,
    slots: Vec<MemoSlot>,
}

#[derive(Debug, Default, Clone, Copy)]
struct MemoSlot {
    line: u64,
    /// The sieve's address: a scratch could serve two matchers.
    sieve: usize,
    found: u64,
}

impl SieveMemo {
    /// Forgets what was found: the next tests are on another line.
    pub(crate) fn next_line(&mut self) {
        self.line = self.line.wrapping_add(1);
    }

    fn get(&self, sieve: &Sieve) -> Option<u64> {
        let slot = self.slots.get(sieve.slot)?;
        (slot.line == self.line && slot.sieve == address(sieve)).then_some(slot.found)
    }

    fn set(&mut self, sieve: &Sieve, found: u64) {
        if self.slots.len() <= sieve.slot {
            self.slots.resize(sieve.slot + 1, MemoSlot::default());
        }
        if let Some(slot) = self.slots.get_mut(sieve.slot) {
            *slot = MemoSlot {
                line: self.line,
                sieve: address(sieve),
                found,
            };
        }
    }
}

fn address(sieve: &Sieve) -> usize {
    std::ptr::from_ref(sieve) as usize
}

impl Sieved {
    /// The shared search and the test's bit among its tests.
    pub(crate) fn parts(&self) -> (&Arc<Sieve>, u64) {
        (&self.sieve, self.bit)
    }

    /// Whether the value (the line's value of the sieve's field) holds one of the test's
    /// patterns, ignoring case.
    pub(crate) fn holds(&self, value: Value<'_>, scratch: &mut Scratch) -> bool {
        self.sieve.found(value, scratch) & self.bit != 0
    }
}

impl Sieve {
    /// The tests (bits) whose patterns the value holds; searched once per line.
    pub(crate) fn found(&self, value: Value<'_>, scratch: &mut Scratch) -> u64 {
        if let Some(found) = scratch.sieves.get(self) {
            return found;
        }
        let text = value.to_text();
        let found = if self.cached {
            scratch.remembered(address(self), &text, |lower| self.search(&text, lower))
        } else {
            self.search(&text, &mut scratch.lower)
        };
        scratch.sieves.set(self, found);
        found
    }

    fn search(&self, text: &[u8], lower: &mut Vec<u8>) -> u64 {
        lowercase_into(lower, text);
        let mut found = 0;
        for hit in self.automaton.find_overlapping_iter(lower.as_slice()) {
            found |= self
                .owners
                .get(hit.pattern().as_usize())
                .copied()
                .unwrap_or(0);
        }
        found
    }
}

/// One field's `contains-any` tests, while gathering.
struct Gathered {
    field: Field,
    cached: bool,
    patterns: Vec<Box<[u8]>>,
    owners: Vec<u64>,
    tests: usize,
}

/// Rewrites the rules' `contains-any` tests so that those on the same field share one search
/// (fields with a single such test keep it as it is). The rules are the matcher's own copies.
pub(crate) fn share(rules: &mut [Rule]) {
    let mut gathered: Vec<Gathered> = Vec::new();
    for rule in rules.iter() {
        for cond in conditions(rule) {
            gather(cond, &mut gathered);
        }
    }
    let mut sieves: Vec<Option<Arc<Sieve>>> = Vec::new();
    let mut slot = 0;
    for group in &gathered {
        if group.tests < 2 {
            sieves.push(None);
            continue;
        }
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(&group.patterns);
        // A union of automata that each built will build too; if not, tests keep their own.
        sieves.push(automaton.ok().map(|automaton| {
            slot += 1;
            Arc::new(Sieve {
                field: group.field.clone(),
                slot: slot - 1,
                cached: group.cached,
                automaton,
                owners: group.owners.clone(),
            })
        }));
    }
    let mut next_bit = vec![0usize; gathered.len()];
    for rule in rules.iter_mut() {
        for cond in conditions_mut(rule) {
            replace(cond, &gathered, &sieves, &mut next_bit);
        }
    }
}

fn conditions(rule: &Rule) -> impl Iterator<Item = &Cond> {
    let steps = match &rule.counting {
        Counting::Sequence { first, then, .. } => [Some(&first.condition), Some(&then.condition)],
        _ => [None, None],
    };
    rule.condition.iter().chain(steps.into_iter().flatten())
}

fn conditions_mut(rule: &mut Rule) -> impl Iterator<Item = &mut Cond> {
    let steps = match &mut rule.counting {
        Counting::Sequence { first, then, .. } => {
            [Some(&mut first.condition), Some(&mut then.condition)]
        }
        _ => [None, None],
    };
    rule.condition.iter_mut().chain(steps.into_iter().flatten())
}

fn gather(cond: &Cond, gathered: &mut Vec<Gathered>) {
    match cond {
        Cond::All(list) | Cond::Any(list) => list.iter().for_each(|c| gather(c, gathered)),
        Cond::Not(inner) => gather(inner, gathered),
        Cond::Test(Test {
            field,
            check: Check::ContainsAny(needles),
            cached,
        }) => {
            let index = match gathered.iter().position(|g| g.field == *field) {
                Some(index) => index,
                None => {
                    gathered.push(Gathered {
                        field: field.clone(),
                        cached: *cached,
                        patterns: Vec::new(),
                        owners: Vec::new(),
                        tests: 0,
                    });
                    gathered.len() - 1
                }
            };
            let Some(group) = gathered.get_mut(index) else {
                return;
            };
            if group.tests >= MAX_SHARING {
                return;
            }
            let bit = 1u64 << group.tests;
            group.tests += 1;
            for pattern in &needles.patterns {
                match group.patterns.iter().position(|p| p == pattern) {
                    Some(known) => {
                        if let Some(owners) = group.owners.get_mut(known) {
                            *owners |= bit;
                        }
                    }
                    None => {
                        group.patterns.push(pattern.clone());
                        group.owners.push(bit);
                    }
                }
            }
        }
        Cond::Test(_) => {}
    }
}

/// Visits the tests in the order [`gather`] did, so each gets the bit it was given there.
fn replace(
    cond: &mut Cond,
    gathered: &[Gathered],
    sieves: &[Option<Arc<Sieve>>],
    next_bit: &mut [usize],
) {
    match cond {
        Cond::All(list) | Cond::Any(list) => list
            .iter_mut()
            .for_each(|c| replace(c, gathered, sieves, next_bit)),
        Cond::Not(inner) => replace(inner, gathered, sieves, next_bit),
        Cond::Test(test) if matches!(test.check, Check::ContainsAny(_)) => {
            let Some(index) = gathered.iter().position(|g| g.field == test.field) else {
                return;
            };
            let (Some(Some(sieve)), Some(next)) = (sieves.get(index), next_bit.get_mut(index))
            else {
                return;
            };
            if *next >= MAX_SHARING {
                return;
            }
            test.check = Check::Sieved(Sieved {
                sieve: Arc::clone(sieve),
                bit: 1u64 << *next,
            });
            *next += 1;
        }
        Cond::Test(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use proptest::prelude::*;

    use crate::record::Record;
    use crate::rule::condition::Scratch;
    use crate::rule::hits::Matcher;
    use crate::rule::set::RuleSet;

    /// A line: path, agent (none if empty) and status.
    type Line = (String, String, Option<u16>);

    /// The rules (by index) each line counts for through the matcher, whose `contains-any`
    /// tests share searches and which skips rules by status, and through each rule's own
    /// conditions.
    fn both_ways(set: &RuleSet, lines: &[Line]) -> (Vec<Vec<usize>>, Vec<Vec<usize>>) {
        let matcher = Matcher::new(set.rules());
        let mut shared = Scratch::default();
        let mut alone = Scratch::default();
        let mut via_matcher = Vec::new();
        let mut via_rules = Vec::new();
        for (path, agent, status) in lines {
            let record = Record {
                status: *status,
                path: Some(Cow::Borrowed(path.as_bytes())),
                agent: (!agent.is_empty()).then_some(Cow::Borrowed(agent.as_bytes())),
                ..Record::default()
            };
            let mut entries = Vec::new();
            matcher.answers(&record, &mut shared, &mut entries);
            via_matcher.push(entries.iter().map(|e| e.rule).collect());
            via_rules.push(
                set.rules()
                    .iter()
                    .enumerate()
                    .filter(|(_, rule)| rule.matches(&record, &mut alone))
                    .map(|(i, _)| i)
                    .collect(),
            );
        }
        (via_matcher, via_rules)
    }

    /// A rule file: per rule, the shape of its condition (plain, `not`, `any` of two
    /// searches, a sequence, `any` of a search and a status test), whether it
    /// tests the agent or the path, the texts, and which status test it adds (none, `in`,
    /// `between`, or one inside an `any`).
    fn rule_file(rules: &[(u8, bool, Vec<String>, u8)]) -> String {
        let mut text = String::from("rules:\n");
        for (i, (shape, on_agent, patterns, status)) in rules.iter().enumerate() {
            let field = if *on_agent { "agent" } else { "path" };
            let list: Vec<String> = patterns.iter().map(|p| format!("'{p}'")).collect();
            let test = format!("{field}: {{ contains-any: [{}] }}", list.join(", "));
            if shape % 5 == 3 {
                // A sequence counts lines meeting either step.
                text.push_str(&format!(
                    "  - id: r{i}\n    title: r{i}\n    severity: P3\n    sequence: {{ first: {{ match: {{ {test} }} }}, then: {{ match: {{ any: [{{ path: {{ contains-any: ['zz'] }} }}, {{ agent: {{ contains-any: ['b'] }} }}] }} }}, within: 1m }}\n"
                ));
                continue;
            }
            let condition = match shape % 5 {
                0 => test,
                1 => format!("not: {{ {test} }}"),
                // An `any` one of whose branches no search decides.
                4 => format!("any: [{{ {test} }}, {{ status: 404 }}]"),
                _ => format!("any: [{{ {test} }}, {{ path: {{ contains-any: ['zz'] }} }}]"),
            };
            let condition = match status % 4 {
                0 => condition,
                1 => format!("{condition}, status: [401, 404]"),
                2 => format!("{condition}, status: {{ between: [400, 499] }}"),
                _ => format!(
                    "all: [{{ {condition} }}, {{ any: [{{ status: 200 }}, {{ agent: {{ present: false }} }}] }}]"
                ),
            };
            text.push_str(&format!(
                "  - id: r{i}\n    title: r{i}\n    severity: P3\n    match: {{ {condition} }}\n"
            ));
        }
        text
    }

    proptest! {
        /// Tests sharing one search per field, behind the status and search gates, answer as each
        /// rule alone, whatever the patterns (overlapping, repeated across rules, differing
        /// in case), status tests and lines.
        #[test]
        fn shared_searches_answer_like_each_test_alone(
            rules in proptest::collection::vec(
                (
                    0u8..5,
                    any::<bool>(),
                    proptest::collection::vec("[abAB./%]{1,3}", 1..5),
                    0u8..4,
                ),
                1..8,
            ),
            lines in proptest::collection::vec(
                (
                    "[abAB./%z]{0,12}",
                    "[abAB./%]{0,8}",
                    proptest::option::of(proptest::sample::select(vec![200u16, 401, 404, 500, 1200])),
                ),
                1..30,
            ),
        ) {
            let set = RuleSet::parse("generated.yaml", &rule_file(&rules)).expect("rules build");
            let (via_matcher, via_rules) = both_ways(&set, &lines);
            prop_assert_eq!(via_matcher, via_rules);
        }
    }

    /// Past the most tests one search answers, the rest keep their own search and still
    /// answer.
    #[test]
    fn tests_past_the_shared_limit_still_answer() {
        let rules: Vec<(u8, bool, Vec<String>, u8)> = (0..70)
            .map(|i| (0, false, vec![format!("p{i}x")], 0))
            .collect();
        let set = RuleSet::parse("many.yaml", &rule_file(&rules)).expect("rules build");
        let lines = vec![
            ("/P69X".to_owned(), String::new(), None),
            ("/p3x/p65x".to_owned(), String::new(), Some(200)),
            ("/none".to_owned(), String::new(), None),
        ];
        let (via_matcher, via_rules) = both_ways(&set, &lines);
        assert_eq!(via_matcher, vec![vec![69], vec![3, 65], vec![]]);
        assert_eq!(via_matcher, via_rules);
    }
}
