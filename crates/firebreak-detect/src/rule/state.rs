//! Per-rule, per-key counting state: sliding windows, open findings and their dedup period,
//! and the sweeping and eviction that keep it bounded — each rule tracks at most its
//! `max-keys` keys, dropping the least recently active (counted), and windows forget what
//! slid out.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::rule::definition::{Counting, Rule};
use crate::rule::finding::{Counted, Finding, MAX_SAMPLES, Sample};
use crate::rule::key::Key;
use crate::rule::window::{Distinct, Slots};

use crate::rule::engine::MAX_FINDINGS;

/// Most different values an open `distinct` finding keeps counting.
const MAX_OPEN_DISTINCT: usize = 100_000;
/// A rule's keys are swept for emptied windows once they number this many, and after each
/// sweep again only when they have doubled: sweeping costs one visit per key, paid for by
/// the insertions since the last one.
const SWEEP_ABOVE: usize = 1_024;

type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

#[derive(Debug)]
pub(crate) struct RuleState {
    pub(crate) rule: Arc<Rule>,
    keys: FastMap<Key, KeyState>,
    /// Keys dropped to stay within `max-keys`.
    pub(crate) evicted: u64,
    /// Sweep when this many keys are tracked.
    sweep_at: usize,
}

#[derive(Debug)]
struct KeyState {
    /// Latest activity, for choosing what to evict.
    last: i64,
    window: Window,
    /// Boxed: few keys ever fire, and a small state keeps the key table in cache.
    open: Option<Box<Open>>,
}

/// A raised finding still collecting counts (until its dedup period ends).
#[derive(Debug)]
struct Open {
    /// Where it is in [`Engine::findings`], unless it was not kept.
    index: Option<usize>,
    until: i64,
    /// Values already counted, for `distinct`.
    seen: Option<HashSet<u64>>,
}

#[derive(Debug)]
enum Window {
    None,
    Slots(Slots),
    Distinct(Box<Distinct>),
    Sequence {
        firsts: Slots,
        /// The latest first-step line, shown as a sample when the sequence completes.
        pending: Option<Box<Sample>>,
    },
}

/// What one line is to one rule.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Hit {
    Line,
    Amount(f64),
    Value(u64),
    First,
    Then,
}

/// What a window says after a line: whether the rule fires, the amount it measured and the
/// time of the oldest line inside.
pub(crate) struct Measure {
    fires: bool,
    amount: f64,
    oldest: Option<i64>,
}

/// One line as the engine was given it.
pub(crate) struct Line<'l> {
    pub(crate) source: &'l str,
    pub(crate) number: u64,
    pub(crate) raw: &'l [u8],
}

impl Line<'_> {
    fn sample(&self) -> Sample {
        Sample::new(self.source, self.number, self.raw)
    }
}

/// The time a line counts at (`now`), and whether any line so far had a time (`seen`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Clock {
    pub(crate) now: i64,
    pub(crate) seen: Option<i64>,
}

/// The findings kept for [`Engine::findings`], bounded.
#[derive(Debug, Default)]
pub(crate) struct Kept {
    pub(crate) findings: Vec<Finding>,
    pub(crate) dropped: u64,
}

impl Kept {
    /// Keeps a copy of a new finding; where it is, unless the store is full.
    fn keep(&mut self, finding: &Finding) -> Option<usize> {
        if self.findings.len() < MAX_FINDINGS {
            self.findings.push(finding.clone());
            Some(self.findings.len() - 1)
        } else {
            self.dropped += 1;
            None
        }
    }
}

impl RuleState {
    pub(crate) fn new(rule: &Arc<Rule>) -> RuleState {
        RuleState {
            rule: Arc::clone(rule),
            keys: FastMap::default(),
            evicted: 0,
            sweep_at: SWEEP_ABOVE,
        }
    }

    /// Keys tracked now.
    pub(crate) fn keys(&self) -> usize {
        self.keys.len()
    }

    /// Counts one line for a key; the finding it raises, if it raises one.
    pub(crate) fn count(
        &mut self,
        key: Key,
        hit: Hit,
        clock: Clock,
        line: &Line<'_>,
        kept: &mut Kept,
    ) -> Option<Finding> {
        let now = clock.now;
        if self.keys.len() >= self.rule.max_keys && !self.keys.contains_key(&key) {
            if matches!(hit, Hit::Then) {
                // Nothing came first for this key: nothing to complete.
                return None;
            }
            make_room(self, now);
        }
        let rule = &*self.rule;
        let entry = match self.keys.entry(key.clone()) {
            Entry::Occupied(slot) => slot.into_mut(),
            Entry::Vacant(_) if matches!(hit, Hit::Then) => return None,
            Entry::Vacant(slot) => slot.insert(KeyState {
                last: now,
                window: Window::for_rule(rule),
                open: None,
            }),
        };
        entry.last = entry.last.max(now);
        let measure = entry.window.count(rule, hit, now, line);
        let raised = match entry.open.as_mut().filter(|o| now < o.until) {
            Some(open) => {
                open.add(hit, clock, line, kept);
                None
            }
            None if measure.fires => {
                let finding = entry.raise(rule, &key, &measure, clock, line);
                entry.open = Some(Box::new(Open {
                    index: kept.keep(&finding),
                    until: now.saturating_add(rule.dedup),
                    seen: match &entry.window {
                        Window::Distinct(d) => Some(d.values().collect()),
                        _ => None,
                    },
                }));
                Some(finding)
            }
            None => None,
        };
        if self.keys.len() >= self.sweep_at {
            sweep(self, now);
        }
        raised
    }
}

impl KeyState {
    /// The finding for a window that just fired.
    fn raise(
        &mut self,
        rule: &Rule,
        key: &Key,
        measure: &Measure,
        clock: Clock,
        line: &Line<'_>,
    ) -> Finding {
        let mut samples = Vec::new();
        if let Window::Sequence { pending, .. } = &mut self.window
            && let Some(first) = pending.take()
        {
            samples.push(*first);
        }
        samples.push(line.sample());
        Finding {
            rule: rule.id.clone(),
            title: rule.title.clone(),
            severity: rule.severity.as_str().to_owned(),
            tags: rule.tags.clone(),
            runbook: rule.runbook.clone(),
            key: key.describe(&rule.group_by),
            count: measure.amount.round() as u64,
            counted: match &rule.counting {
                Counting::Distinct { field, .. } => Counted::Distinct {
                    field: field.name().to_owned(),
                },
                Counting::Sum { field, .. } => Counted::Total {
                    field: field.name().to_owned(),
                },
                _ => Counted::Lines,
            },
            first_seen: clock
                .seen
                .map(|_| measure.oldest.unwrap_or(clock.now).min(clock.now)),
            last_seen: clock.seen,
            samples,
        }
    }
}

impl Open {
    /// Adds a line counted while the finding is open.
    fn add(&mut self, hit: Hit, clock: Clock, line: &Line<'_>, kept: &mut Kept) {
        let added = match hit {
            Hit::Line | Hit::First => 1.0,
            Hit::Amount(a) => a,
            Hit::Value(v) => {
                let new = self
                    .seen
                    .as_mut()
                    .is_some_and(|set| set.len() < MAX_OPEN_DISTINCT && set.insert(v));
                if new { 1.0 } else { 0.0 }
            }
            Hit::Then => 0.0,
        };
        let Some(finding) = self.index.and_then(|i| kept.findings.get_mut(i)) else {
            return;
        };
        finding.count = finding.count.saturating_add(added.round() as u64);
        finding.last_seen = clock.seen;
        if finding.samples.len() < MAX_SAMPLES {
            finding.samples.push(line.sample());
        }
    }
}

impl Window {
    fn for_rule(rule: &Rule) -> Window {
        match rule.counting {
            Counting::Every => Window::None,
            Counting::Threshold { .. } | Counting::Sum { .. } => Window::Slots(Slots::default()),
            Counting::Distinct { .. } => Window::Distinct(Box::default()),
            Counting::Sequence { .. } => Window::Sequence {
                firsts: Slots::default(),
                pending: None,
            },
        }
    }

    /// Adds the line and says whether the rule's count is met.
    fn count(&mut self, rule: &Rule, hit: Hit, now: i64, line: &Line<'_>) -> Measure {
        let quiet = Measure {
            fires: false,
            amount: 0.0,
            oldest: None,
        };
        match (&rule.counting, hit, self) {
            (Counting::Every, _, _) => Measure {
                fires: true,
                amount: 1.0,
                oldest: Some(now),
            },
            (Counting::Threshold { count, window }, _, Window::Slots(slots)) => {
                let need = *count as f64;
                slots.add(now, 1.0);
                slots.expire(now, *window);
                slots.trim(need);
                Measure {
                    fires: slots.total() >= need,
                    amount: slots.total(),
                    oldest: slots.oldest(),
                }
            }
            (Counting::Sum { over, window, .. }, Hit::Amount(amount), Window::Slots(slots)) => {
                slots.add(now, amount);
                slots.expire(now, *window);
                Measure {
                    fires: slots.total() > *over,
                    amount: slots.total(),
                    oldest: slots.oldest(),
                }
            }
            (Counting::Distinct { count, window, .. }, Hit::Value(v), Window::Distinct(d)) => {
                let n = d.add(v, now, *window, *count);
                Measure {
                    fires: n >= *count,
                    amount: n as f64,
                    oldest: d.oldest(),
                }
            }
            (
                Counting::Sequence { within, .. },
                Hit::First,
                Window::Sequence { firsts, pending },
            ) => {
                firsts.add(now, 1.0);
                firsts.expire(now, *within);
                match pending {
                    Some(sample) => sample.refill(line.source, line.number, line.raw),
                    None => *pending = Some(Box::new(line.sample())),
                }
                quiet
            }
            (
                Counting::Sequence {
                    at_least, within, ..
                },
                Hit::Then,
                Window::Sequence { firsts, pending },
            ) => {
                firsts.expire(now, *within);
                let measure = Measure {
                    fires: firsts.total() >= *at_least as f64,
                    amount: firsts.total(),
                    oldest: firsts.oldest(),
                };
                // A completing line ends the sequence, fired or not.
                firsts.clear();
                if !measure.fires {
                    *pending = None;
                }
                measure
            }
            _ => quiet,
        }
    }

    /// Whether nothing is left inside at `now`.
    fn is_empty_at(&mut self, rule: &Rule, now: i64) -> bool {
        match (&rule.counting, self) {
            (
                Counting::Threshold { window, .. } | Counting::Sum { window, .. },
                Window::Slots(s),
            ) => {
                s.expire(now, *window);
                s.is_empty()
            }
            (Counting::Distinct { window, .. }, Window::Distinct(d)) => {
                d.expire(now, *window);
                d.is_empty()
            }
            (Counting::Sequence { within, .. }, Window::Sequence { firsts, .. }) => {
                firsts.expire(now, *within);
                firsts.is_empty()
            }
            _ => true,
        }
    }
}

/// Drops keys with empty windows and no open finding.
fn sweep(state: &mut RuleState, now: i64) {
    let rule = &*state.rule;
    state.keys.retain(|_, key| {
        let open = key.open.as_ref().is_some_and(|o| now < o.until);
        open || !key.window.is_empty_at(rule, now)
    });
    state.sweep_at = state.keys.len().saturating_mul(2).max(SWEEP_ABOVE);
}

/// Makes room for a new key: first sweeps, then drops the least recently active eighth of
/// the keys (at least one), counting them.
fn make_room(state: &mut RuleState, now: i64) {
    sweep(state, now);
    let max = state.rule.max_keys;
    if state.keys.len() < max {
        return;
    }
    let remove = (max / 8).max(1).min(state.keys.len());
    let mut lasts: Vec<i64> = state.keys.values().map(|k| k.last).collect();
    let (_, cutoff, _) = lasts.select_nth_unstable(remove - 1);
    let cutoff = *cutoff;
    let mut removed = 0;
    state.keys.retain(|_, key| {
        if removed < remove && key.last <= cutoff {
            removed += 1;
            false
        } else {
            true
        }
    });
    state.evicted += removed as u64;
}
