//! Conditions on one record, as built from a rule's `match` (see [`builder`](super::builder)):
//! field tests combined with all/any/not, cheap tests ordered first, evaluated per line without
//! allocating. Costly results on fields with few distinct values (user agents) are remembered
//! by value in [`Scratch`].

use aho_corasick::AhoCorasick;
use regex::bytes::Regex;

use crate::addr::Addr;
use crate::record::{Field, Record, Value};
use crate::rule::fields::field_bit;
use crate::rule::sieve::{SieveMemo, Sieved};

/// A built condition.
#[derive(Debug, Clone)]
pub(crate) enum Cond {
    All(Vec<Cond>),
    Any(Vec<Cond>),
    Not(Box<Cond>),
    Test(Test),
}

/// One test on one field.
#[derive(Debug, Clone)]
pub(crate) struct Test {
    pub(crate) field: Field,
    pub(crate) check: Check,
    /// Whether results are worth remembering by value: the field takes few distinct values
    /// (agents, methods, hosts) and the check is costly.
    pub(crate) cached: bool,
}

/// Entries of [`Scratch`]'s result cache.
const CACHE_SLOTS: usize = 512;
/// Longest value whose result is cached.
const CACHE_MAX_VALUE: usize = 512;

/// What evaluation reuses from line to line: a buffer for lowercasing and a small
/// direct-mapped cache of costly results by value (the same user agent comes back all day).
/// One per thread that matches lines (see [`Matcher`](super::Matcher)).
#[derive(Debug, Default)]
pub struct Scratch {
    pub(crate) lower: Vec<u8>,
    cache: Vec<CacheSlot>,
    hasher: foldhash::fast::FixedState,
    /// This line's shared `contains-any` searches (see [`sieve`](super::sieve)).
    pub(crate) sieves: SieveMemo,
    /// The rules still in question for this line, and a buffer for narrowing them (bit
    /// words, see [`Matcher`](super::Matcher)).
    pub(crate) admitted: Vec<u64>,
    pub(crate) met: Vec<u64>,
}

#[derive(Debug, Default)]
struct CacheSlot {
    /// The test's (or shared search's) address: tests live in rules behind `Arc`s the engine
    /// holds, so it names one test for the engine's whole life.
    test: usize,
    hash: u64,
    value: Vec<u8>,
    /// A test's answer as 0 or 1, or a shared search's tests that hold.
    result: u64,
}

/// An IPv4 or IPv6 network in the 128-bit address space.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Net {
    pub(crate) base: u128,
    pub(crate) mask: u128,
}

impl Net {
    pub(crate) fn contains(self, addr: Addr) -> bool {
        addr.0 & self.mask == self.base
    }
}

#[derive(Debug, Clone)]
pub(crate) enum Check {
    Present(bool),
    TextIn(Vec<Box<[u8]>>),
    NumberIn(Vec<f64>),
    AddrIn(Vec<Addr>),
    Prefix(Vec<Box<[u8]>>),
    /// Lowercase patterns; the value is lowercased before searching.
    ContainsAny(Needles),
    /// A `contains-any` answered by a search shared with other tests on the same field.
    Sieved(Sieved),
    Regex(Regex),
    Cidr(Vec<Net>),
    Range {
        low: Option<(f64, bool)>,
        high: Option<(f64, bool)>,
    },
}

/// A `contains-any` test's patterns (lowercase) and their automaton.
#[derive(Debug, Clone)]
pub(crate) struct Needles {
    pub(crate) patterns: Vec<Box<[u8]>>,
    pub(crate) automaton: AhoCorasick,
}

impl Cond {
    /// The fields (as [`field_bit`]s) a line must have for the condition to hold.
    pub(crate) fn required(&self) -> u32 {
        match self {
            Cond::All(all) => all.iter().fold(0, |mask, c| mask | c.required()),
            Cond::Any(any) => any.iter().fold(u32::MAX, |mask, c| mask & c.required()),
            Cond::Not(_) => 0,
            Cond::Test(Test {
                check: Check::Present(false),
                ..
            }) => 0,
            Cond::Test(test) => field_bit(&test.field),
        }
    }

    /// Whether the record meets the condition.
    pub(crate) fn eval(&self, record: &Record<'_>, scratch: &mut Scratch) -> bool {
        match self {
            Cond::All(all) => all.iter().all(|c| c.eval(record, scratch)),
            Cond::Any(any) => any.iter().any(|c| c.eval(record, scratch)),
            Cond::Not(inner) => !inner.eval(record, scratch),
            Cond::Test(test) => test.eval(record, scratch),
        }
    }

    /// A rough relative cost, so that cheap tests run first and can short-circuit.
    fn cost(&self) -> u32 {
        match self {
            Cond::All(list) | Cond::Any(list) => list.iter().map(Cond::cost).sum(),
            Cond::Not(inner) => inner.cost(),
            Cond::Test(test) => test.check.cost(),
        }
    }

    pub(crate) fn all(mut list: Vec<Cond>) -> Cond {
        if list.len() == 1 {
            return list.pop().unwrap_or(Cond::All(Vec::new()));
        }
        list.sort_by_key(Cond::cost);
        Cond::All(list)
    }

    pub(crate) fn any(mut list: Vec<Cond>) -> Cond {
        if list.len() == 1 {
            return list.pop().unwrap_or(Cond::Any(Vec::new()));
        }
        list.sort_by_key(Cond::cost);
        Cond::Any(list)
    }
}

impl Test {
    pub(crate) fn eval(&self, record: &Record<'_>, scratch: &mut Scratch) -> bool {
        let value = record.get(&self.field);
        match (&self.check, value) {
            (Check::Present(want), value) => value.is_some() == *want,
            (_, None) => false,
            (Check::Sieved(sieved), Some(value)) => sieved.holds(value, scratch),
            (check, Some(Value::Text(text))) if self.cached && text.len() <= CACHE_MAX_VALUE => {
                self.cached_holds(check, text, scratch)
            }
            (check, Some(value)) => check.holds(value, &mut scratch.lower),
        }
    }

    fn cached_holds(&self, check: &Check, text: &[u8], scratch: &mut Scratch) -> bool {
        let id = std::ptr::from_ref(self) as usize;
        scratch.remembered(id, text, |lower| {
            u64::from(check.holds(Value::Text(text), lower))
        }) != 0
    }
}

impl Scratch {
    /// `answer(text)` for the test or search at address `id`, remembered by value when the
    /// value is short enough; `answer` gets the lowercasing buffer.
    pub(crate) fn remembered(
        &mut self,
        id: usize,
        text: &[u8],
        answer: impl FnOnce(&mut Vec<u8>) -> u64,
    ) -> u64 {
        use std::hash::BuildHasher;
        if text.len() > CACHE_MAX_VALUE {
            return answer(&mut self.lower);
        }
        let hash = self.hasher.hash_one((id, text));
        if self.cache.is_empty() {
            self.cache.resize_with(CACHE_SLOTS, CacheSlot::default);
        }
        let index = (hash as usize) % CACHE_SLOTS;
        if let Some(slot) = self.cache.get(index)
            && slot.test == id
            && slot.hash == hash
            && slot.value == text
        {
            return slot.result;
        }
        let result = answer(&mut self.lower);
        if let Some(slot) = self.cache.get_mut(index) {
            slot.test = id;
            slot.hash = hash;
            slot.value.clear();
            slot.value.extend_from_slice(text);
            slot.result = result;
        }
        result
    }
}

impl Check {
    fn cost(&self) -> u32 {
        match self {
            Check::Present(_) | Check::NumberIn(_) | Check::AddrIn(_) | Check::Range { .. } => 1,
            Check::TextIn(_) | Check::Prefix(_) => 2,
            Check::Cidr(_) => 3,
            Check::ContainsAny(_) | Check::Sieved(_) => 6,
            Check::Regex(_) => 10,
        }
    }

    fn holds(&self, value: Value<'_>, scratch: &mut Vec<u8>) -> bool {
        match self {
            Check::Present(want) => *want,
            Check::TextIn(list) => {
                let text = value.to_text();
                list.iter().any(|v| **v == *text)
            }
            Check::NumberIn(list) => value.to_number().is_some_and(|n| list.contains(&n)),
            Check::AddrIn(list) => match value {
                Value::Addr(addr) => list.contains(&addr),
                Value::Text(text) => addresses(text).any(|a| list.contains(&a)),
                Value::Number(_) => false,
            },
            Check::Prefix(list) => {
                let text = value.to_text();
                list.iter().any(|p| text.starts_with(p))
            }
            Check::ContainsAny(needles) => {
                lowercase_into(scratch, &value.to_text());
                needles.automaton.is_match(scratch.as_slice())
            }
            // Answered in `Test::eval`, which has the line's shared searches.
            Check::Sieved(_) => false,
            Check::Regex(regex) => regex.is_match(&value.to_text()),
            Check::Cidr(nets) => match value {
                Value::Addr(addr) => nets.iter().any(|n| n.contains(addr)),
                Value::Text(text) => addresses(text).any(|a| nets.iter().any(|n| n.contains(a))),
                Value::Number(_) => false,
            },
            Check::Range { low, high } => value.to_number().is_some_and(|n| {
                let above = match low {
                    Some((l, true)) => n >= *l,
                    Some((l, false)) => n > *l,
                    None => true,
                };
                let below = match high {
                    Some((h, true)) => n <= *h,
                    Some((h, false)) => n < *h,
                    None => true,
                };
                above && below
            }),
        }
    }
}

/// `text` lowercased (ASCII) into `buffer`: what `contains-any` searches.
pub(crate) fn lowercase_into(buffer: &mut Vec<u8>, text: &[u8]) {
    buffer.clear();
    buffer.extend_from_slice(text);
    buffer.make_ascii_lowercase();
}

/// Addresses in a text field: one, or a comma-separated list (`X-Forwarded-For`).
fn addresses(text: &[u8]) -> impl Iterator<Item = Addr> + '_ {
    text.split(|b| *b == b',')
        .filter_map(|part| Addr::parse(part.trim_ascii()))
}
