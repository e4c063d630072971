//! Sliding windows over the lines' own time, one per rule and key, bounded in memory.
//!
//! An event at time `t` is inside the window of width `w` at time `now` while
//! `now - t < w`: a `1m` window at 12:01:00 holds 12:00:01 … 12:01:00. Windows slide by the
//! second, not in fixed buckets.

use std::collections::{HashMap, VecDeque};

/// Most slots a window keeps. Past it the two neighbouring slots that span the fewest
/// seconds together merge into one, which leaves the window when its last second does: a
/// key active in more seconds than this counts some lines a little longer than exact (a
/// rule may fire a little early, never late), by at most a few hundredths of the window,
/// and every line still leaves.
const MAX_SLOTS: usize = 128;

/// Seconds kept in place before spilling to the heap: most keys see few distinct seconds
/// per window, and keeping them inline saves a cache miss per line.
const INLINE: usize = 3;

/// One slot: the amount counted from its first second to its last (one second unless
/// slots were merged).
#[derive(Debug, Clone, Copy)]
struct Slot {
    /// The earliest line counted in it (a finding's first-seen time must not be late).
    first: i64,
    /// The latest second: the slot leaves the window when this one does.
    end: i64,
    amount: f64,
}

impl Slot {
    const EMPTY: Slot = Slot {
        first: 0,
        end: 0,
        amount: 0.0,
    };
}

/// Amounts per second, oldest first: lines (1 each) or a field's values.
#[derive(Debug)]
pub(crate) struct Slots {
    store: Store,
    total: f64,
}

#[derive(Debug)]
enum Store {
    Inline { slots: [Slot; INLINE], len: usize },
    Heap(VecDeque<Slot>),
}

impl Default for Slots {
    fn default() -> Slots {
        Slots {
            store: Store::Inline {
                slots: [Slot::EMPTY; INLINE],
                len: 0,
            },
            total: 0.0,
        }
    }
}

impl Store {
    fn len(&self) -> usize {
        match self {
            Store::Inline { len, .. } => *len,
            Store::Heap(deque) => deque.len(),
        }
    }

    fn front(&self) -> Option<Slot> {
        match self {
            Store::Inline { slots, len } => slots.get(..*len).and_then(|s| s.first()).copied(),
            Store::Heap(deque) => deque.front().copied(),
        }
    }

    fn back_mut(&mut self) -> Option<&mut Slot> {
        match self {
            Store::Inline { slots, len } => slots.get_mut(..*len).and_then(|s| s.last_mut()),
            Store::Heap(deque) => deque.back_mut(),
        }
    }

    fn push_back(&mut self, slot: Slot) {
        match self {
            Store::Inline { slots, len } if *len < INLINE => {
                if let Some(free) = slots.get_mut(*len) {
                    *free = slot;
                    *len += 1;
                }
            }
            Store::Inline { slots, len } => {
                let mut deque = VecDeque::with_capacity(2 * INLINE);
                deque.extend(slots.iter().take(*len).copied());
                deque.push_back(slot);
                *self = Store::Heap(deque);
            }
            Store::Heap(deque) => deque.push_back(slot),
        }
    }

    fn pop_front(&mut self) -> Option<Slot> {
        match self {
            Store::Inline { slots, len } => {
                let first = slots.get(..*len).and_then(|s| s.first()).copied()?;
                slots.copy_within(1.., 0);
                *len -= 1;
                Some(first)
            }
            Store::Heap(deque) => {
                let first = deque.pop_front();
                if deque.is_empty() {
                    // Back in place: an idle key holds no heap memory.
                    *self = Store::Inline {
                        slots: [Slot::EMPTY; INLINE],
                        len: 0,
                    };
                }
                first
            }
        }
    }
}

impl Slots {
    /// Adds an amount at `t`. A line older than the newest slot counts in the newest one.
    pub(crate) fn add(&mut self, t: i64, amount: f64) {
        match self.store.back_mut() {
            Some(back) if back.end >= t => {
                back.amount += amount;
                back.first = back.first.min(t);
            }
            _ => self.store.push_back(Slot {
                first: t,
                end: t,
                amount,
            }),
        }
        self.total += amount;
        if self.store.len() > MAX_SLOTS
            && let Store::Heap(deque) = &mut self.store
        {
            merge_closest(deque);
        }
    }

    /// Drops what has left a window of `width` seconds at `now`.
    pub(crate) fn expire(&mut self, now: i64, width: i64) {
        let cutoff = now.saturating_sub(width);
        while let Some(oldest) = self.store.front() {
            if oldest.end > cutoff {
                break;
            }
            self.store.pop_front();
            self.total -= oldest.amount;
        }
        if self.store.len() == 0 {
            // Floating-point leftovers from adding and removing fractions.
            self.total = 0.0;
        }
    }

    /// Drops the oldest seconds while the rest still reach `need`: a count only has to know
    /// that the threshold is met, so a flood keeps at most `need` seconds.
    pub(crate) fn trim(&mut self, need: f64) {
        while self.store.len() > 1 {
            let Some(oldest) = self.store.front() else {
                break;
            };
            if self.total - oldest.amount < need {
                break;
            }
            self.store.pop_front();
            self.total -= oldest.amount;
        }
    }

    pub(crate) fn total(&self) -> f64 {
        self.total
    }

    /// The time of the oldest amount still inside.
    pub(crate) fn oldest(&self) -> Option<i64> {
        self.store.front().map(|s| s.first)
    }

    pub(crate) fn clear(&mut self) {
        *self = Slots::default();
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.store.len() == 0
    }
}

/// Merges the two neighbouring slots that together span the fewest seconds.
fn merge_closest(deque: &mut VecDeque<Slot>) {
    let closest = (0..deque.len().saturating_sub(1))
        .filter_map(|i| Some((deque.get(i + 1)?.end - deque.get(i)?.first, i)))
        .min();
    let Some((_, i)) = closest else {
        return;
    };
    if let Some(next) = deque.remove(i + 1)
        && let Some(slot) = deque.get_mut(i)
    {
        slot.end = slot.end.max(next.end);
        slot.first = slot.first.min(next.first);
        slot.amount += next.amount;
    }
}

/// Different values seen (by hash), each with the first and last time it was seen. Holds at
/// most `need` values plus one: past that, the least recently seen is forgotten, since `need`
/// recent ones already meet the count.
#[derive(Debug, Default)]
pub(crate) struct Distinct {
    /// Value → (first seen, last seen).
    seen: HashMap<u64, (i64, i64), foldhash::fast::RandomState>,
}

impl Distinct {
    /// Records a value at `now` and returns how many different values are inside a window
    /// of `width` seconds, counted exactly up to `need`.
    pub(crate) fn add(&mut self, value: u64, now: i64, width: i64, need: u64) -> u64 {
        let (first, last) = self.seen.entry(value).or_insert((now, now));
        *first = (*first).min(now);
        *last = (*last).max(now);
        if self.seen.len() as u64 >= need {
            self.expire(now, width);
        }
        while self.seen.len() as u64 > need.max(1) {
            let Some(oldest) = self
                .seen
                .iter()
                .min_by_key(|(_, (_, last))| *last)
                .map(|(v, _)| *v)
            else {
                break;
            };
            self.seen.remove(&oldest);
        }
        self.seen.len() as u64
    }

    pub(crate) fn expire(&mut self, now: i64, width: i64) {
        let cutoff = now.saturating_sub(width);
        self.seen.retain(|_, (_, last)| *last > cutoff);
    }

    /// The values inside.
    pub(crate) fn values(&self) -> impl Iterator<Item = u64> + '_ {
        self.seen.keys().copied()
    }

    /// When the earliest value inside was first seen (a finding's first-seen time: a value
    /// seen again must not make it later).
    pub(crate) fn oldest(&self) -> Option<i64> {
        self.seen.values().map(|(first, _)| *first).min()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_slide_by_the_second() {
        let mut s = Slots::default();
        for t in 0..60 {
            s.add(t, 1.0);
        }
        s.expire(59, 60);
        assert_eq!(s.total(), 60.0);
        s.add(60, 1.0);
        s.expire(60, 60);
        assert_eq!(s.total(), 60.0, "second 0 left, second 60 came in");
        assert_eq!(s.oldest(), Some(1));
    }

    #[test]
    fn slots_stay_bounded() {
        let mut s = Slots::default();
        for t in 0..10_000 {
            s.add(t, 1.0);
        }
        assert!(s.store.len() <= MAX_SLOTS);
        assert_eq!(s.total(), 10_000.0, "merged, not lost");
        s.trim(5.0);
        assert!(s.total() >= 5.0 && s.store.len() <= 5);
        s.expire(20_000, 10);
        assert!(s.is_empty());
        assert!(matches!(s.store, Store::Inline { .. }), "memory returned");
    }

    /// Regression: with more than 128 distinct seconds in a window, old seconds were merged
    /// forward instead of leaving, so a client fetching every 3 s summed hours of traffic.
    #[test]
    fn window_expiry_past_128_distinct_seconds() {
        let mut s = Slots::default();
        let width = 600;
        for t in (0..6 * 3600).step_by(3) {
            s.add(t, 1.0);
            s.expire(t, width);
            assert!(s.store.len() <= MAX_SLOTS);
        }
        let exact = f64::from(600 / 3);
        assert!(
            s.total() >= exact && s.total() <= exact + 10.0,
            "a 10-minute window of one line every 3 s holds about 200, not {}",
            s.total()
        );
        let last = 6 * 3600 - 3;
        assert!(
            s.oldest()
                .is_some_and(|o| o > last - width - 5 && o <= last - 590)
        );
    }

    #[test]
    fn distinct_forgets_what_left_the_window() {
        let mut d = Distinct::default();
        assert_eq!(d.add(1, 0, 10, 3), 1);
        assert_eq!(d.add(2, 5, 10, 3), 2);
        assert_eq!(d.add(1, 6, 10, 3), 2);
        assert_eq!(d.add(3, 12, 10, 3), 3, "1 was seen again at 6");
        assert_eq!(d.add(4, 15, 10, 3), 3, "2 (seen at 5) has left");
    }

    /// Regression: a value tried again moved the window's first-seen time to its repeat, so
    /// a finding's `first_seen` came late.
    #[test]
    fn first_seen_is_a_values_first_time() {
        let mut d = Distinct::default();
        d.add(1, 100, 600, 5);
        d.add(1, 280, 600, 5);
        d.add(2, 290, 600, 5);
        assert_eq!(d.oldest(), Some(100));
    }
}
