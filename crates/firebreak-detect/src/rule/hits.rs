//! The half of the engine that needs no counting state: [`Matcher`] decides, for one line,
//! which rules it counts for, with what and under which key; [`Hits`] holds those answers for
//! a run of lines (with the raw text of the lines that count, for samples) until the
//! [`Engine`](super::Engine) counts them in line order. Matching takes `&self`, so workers can
//! match blocks of a file in parallel while windows, which need order, are counted on one
//! thread; [`Engine::push`](super::Engine::push) is the same two steps for one line.

use std::hash::BuildHasher;
use std::sync::Arc;

use crate::record::Record;
use crate::rule::condition::Scratch;
use crate::rule::definition::{Counting, Rule};
use crate::rule::fields::presence;
use crate::rule::gate::StatusGate;
use crate::rule::key::{Key, value_hash};
use crate::rule::sieve;
use crate::rule::sieve_gate::SieveGate;
use crate::rule::state::Hit;

/// Decides what each line is to each rule of a set. Shared by reference between threads;
/// each thread brings its own [`Scratch`].
#[derive(Debug, Clone)]
pub struct Matcher {
    rules: Vec<Arc<Rule>>,
    /// Per rule: the fields a line must have (see [`Rule::required`]).
    required: Vec<u32>,
    /// The rules each status lets through.
    gate: StatusGate,
    /// The rules the line's shared searches let through.
    sieve_gate: SieveGate,
    /// Hashes `distinct` values; one for all threads, so their hashes agree.
    hasher: foldhash::fast::RandomState,
}

/// One rule's answer for one line: the rule (by index in the set), what the line is to it and
/// the key it counts under.
#[derive(Debug)]
pub(crate) struct Entry {
    pub(crate) rule: usize,
    pub(crate) hit: Hit,
    pub(crate) key: Key,
}

/// What the rules say about a run of lines, in order: the lines that count for any rule (their
/// numbers, text and answers) and the times of all of them, since a line without a time counts
/// at the last time seen.
#[derive(Debug, Default)]
pub struct Hits {
    /// The text of the lines that count, one after the other.
    raw: Vec<u8>,
    lines: Vec<HitLine>,
    entries: Vec<Entry>,
    /// The time of the latest line so far that had one.
    last_time: Option<i64>,
}

/// A line that counts for at least one rule.
#[derive(Debug)]
pub(crate) struct HitLine {
    pub(crate) number: u64,
    /// Where its text ends in [`Hits::raw`] (it starts where the previous line's ends).
    raw_end: usize,
    /// Where its answers end in [`Hits::entries`].
    entries_end: usize,
    /// The time it counts at: the latest time among the run's lines up to it, if any had one.
    pub(crate) time: Option<i64>,
}

impl Matcher {
    pub(crate) fn new(rules: &[Arc<Rule>]) -> Matcher {
        // The matcher's own copies, whose tests share work across rules.
        let mut own: Vec<Rule> = rules.iter().map(|rule| (**rule).clone()).collect();
        sieve::share(&mut own);
        let own: Vec<Arc<Rule>> = own.into_iter().map(Arc::new).collect();
        Matcher {
            sieve_gate: SieveGate::new(&own),
            rules: own,
            required: rules.iter().map(|r| r.required()).collect(),
            gate: StatusGate::new(rules),
            hasher: foldhash::fast::RandomState::default(),
        }
    }

    /// A copy for one more matching thread, answering the same: its regular expressions get
    /// their own search caches (threads sharing one regex take turns at a shared cache).
    pub fn for_thread(&self) -> Matcher {
        Matcher {
            rules: self
                .rules
                .iter()
                .map(|rule| Arc::new((**rule).clone()))
                .collect(),
            ..self.clone()
        }
    }

    /// Adds one line, in order, to `hits`: `line` is its number, `raw` its text (kept only if
    /// it counts for some rule), `record` its parsed fields.
    pub fn add(
        &self,
        hits: &mut Hits,
        scratch: &mut Scratch,
        line: u64,
        raw: &[u8],
        record: &Record<'_>,
    ) {
        if record.time.is_some() {
            hits.last_time = record.time;
        }
        let before = hits.entries.len();
        self.answers(record, scratch, &mut hits.entries);
        if hits.entries.len() > before {
            hits.raw.extend_from_slice(raw);
            hits.lines.push(HitLine {
                number: line,
                raw_end: hits.raw.len(),
                entries_end: hits.entries.len(),
                time: hits.last_time,
            });
        }
    }

    /// Every rule's answer for one line, appended to `out` in rule order. Rules needing a
    /// field the line lacks, or ruled out by the line's status or shared searches, are not
    /// checked; conditions run before any key is built.
    pub(crate) fn answers(&self, record: &Record<'_>, scratch: &mut Scratch, out: &mut Vec<Entry>) {
        let present = presence(record);
        scratch.sieves.next_line();
        let mut admitted = std::mem::take(&mut scratch.admitted);
        let mut met = std::mem::take(&mut scratch.met);
        admitted.clear();
        admitted.extend_from_slice(self.gate.admitted(record.status));
        self.sieve_gate
            .narrow(record, scratch, &mut admitted, &mut met);
        for (word, admitted) in admitted.iter().enumerate() {
            let mut left = *admitted;
            while left != 0 {
                let index = word * 64 + left.trailing_zeros() as usize;
                left &= left - 1;
                let (Some(rule), Some(required)) =
                    (self.rules.get(index), self.required.get(index))
                else {
                    continue;
                };
                if required & !present != 0 {
                    continue;
                }
                let Some(hit) = hit(rule, record, scratch, &self.hasher) else {
                    continue;
                };
                let Some(key) = Key::of(&rule.group_by, record) else {
                    continue;
                };
                out.push(Entry {
                    rule: index,
                    hit,
                    key,
                });
            }
        }
        scratch.admitted = admitted;
        scratch.met = met;
    }
}

impl Hits {
    /// Empties it for the next run of lines, keeping its buffers.
    pub fn clear(&mut self) {
        self.raw.clear();
        self.lines.clear();
        self.entries.clear();
        self.last_time = None;
    }

    /// How many lines count for at least one rule.
    pub fn lines(&self) -> usize {
        self.lines.len()
    }

    /// The time of the run's latest line that had one.
    pub(crate) fn last_time(&self) -> Option<i64> {
        self.last_time
    }

    /// Takes the lines out in order, each with its text and its answers, leaving it empty.
    pub(crate) fn drain(
        &mut self,
        mut each: impl FnMut(&HitLine, &[u8], &mut dyn Iterator<Item = Entry>),
    ) {
        let mut entries = self.entries.drain(..);
        let mut raw_start = 0;
        let mut entries_start = 0;
        for line in &self.lines {
            let raw = self.raw.get(raw_start..line.raw_end).unwrap_or_default();
            let mut these = entries.by_ref().take(line.entries_end - entries_start);
            each(line, raw, &mut these);
            // Answers the callback left are dropped, so the next line starts at its own.
            these.for_each(drop);
            raw_start = line.raw_end;
            entries_start = line.entries_end;
        }
        drop(entries);
        self.clear();
    }
}

/// What the line is to the rule, if anything.
fn hit(
    rule: &Rule,
    record: &Record<'_>,
    scratch: &mut Scratch,
    hasher: &impl BuildHasher,
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
