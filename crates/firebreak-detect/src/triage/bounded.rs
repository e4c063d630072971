//! A counting table with a ceiling on distinct keys: exact until the ceiling, then pruned the
//! Misra-Gries way so memory stays fixed whatever the input holds, with a stated bound on how
//! far any count can be low.
//!
//! Each key carries a pruning weight next to its statistics. When the table reaches twice the
//! number of keys it must keep, the weight `d` of the `keep + 1`-th heaviest key is subtracted
//! from every weight and keys left at zero or below are dropped, which leaves at most `keep`.
//! At least `keep + 1` keys lost `d` each, so the total subtracted over a run is at most
//! `total weight / (keep + 1)`, and no key's statistics miss more than that much weight (the
//! classic Misra-Gries argument; merged tables add their totals). Statistics themselves are
//! never decremented: what a table holds for a key is exactly what it saw since the key's
//! latest insertion, so every figure is a lower bound.
//!
//! Iteration order never matters: pruning drops every key at or below the threshold, so the
//! surviving keys do not depend on the hash seed.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hash, Hasher};

use foldhash::fast::RandomState;

/// A key that can be looked up by reference and turned into an owned key on insertion only.
pub(crate) trait Key: Hash + Eq + Borrow<Self::Ref> {
    /// What lookups borrow (`[u8]` for byte keys).
    type Ref: ?Sized + Hash + Eq;
    /// How the table hashes this kind of key.
    type Hasher: BuildHasher + Default + Clone;
    /// The owned key for a reference (allocates only for byte keys).
    fn own(key: &Self::Ref) -> Self;
}

impl Key for u128 {
    type Ref = u128;
    type Hasher = RandomState;
    fn own(key: &u128) -> u128 {
        *key
    }
}

/// `u64` keys are texts' keys ([`Plan::text_key`](super::options::Plan::text_key)): already
/// well-mixed hashes with a seed chosen per run (so a log cannot be written to make them
/// collide), used as they are.
impl Key for u64 {
    type Ref = u64;
    type Hasher = BuildHasherDefault<Prehashed>;
    fn own(key: &u64) -> u64 {
        *key
    }
}

impl Key for (u16, u128) {
    type Ref = (u16, u128);
    type Hasher = RandomState;
    fn own(key: &(u16, u128)) -> (u16, u128) {
        *key
    }
}

impl Key for Box<[u8]> {
    type Ref = [u8];
    type Hasher = RandomState;
    fn own(key: &[u8]) -> Box<[u8]> {
        key.into()
    }
}

/// The hasher for keys that are hashes already: the key is its own hash.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Prehashed(u64);

impl Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is expected; anything else still hashes, just not well.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, key: u64) {
        self.0 = key;
    }
}

/// Statistics that add up across tables.
pub(crate) trait Merge {
    /// Adds another table's statistics for the same key.
    fn merge(&mut self, other: Self);
}

impl Merge for u64 {
    fn merge(&mut self, other: u64) {
        *self = self.saturating_add(other);
    }
}

#[derive(Debug, Clone)]
struct Slot<V> {
    weight: u64,
    value: V,
}

/// A table of per-key statistics holding at most about `2 × keep` keys.
#[derive(Debug, Clone)]
pub(crate) struct Bounded<K: Key, V> {
    map: HashMap<K, Slot<V>, K::Hasher>,
    keep: usize,
    limit: usize,
    /// Total weight subtracted by pruning: the most any key's weight can be low by.
    decremented: u64,
    scratch: Vec<u64>,
}

impl<K: Key, V> Bounded<K, V> {
    /// An empty table that keeps at least `keep` keys (at least 1) exactly.
    pub(crate) fn new(keep: usize) -> Bounded<K, V> {
        let keep = keep.max(1);
        Bounded {
            map: HashMap::default(),
            keep,
            limit: keep.saturating_mul(2),
            decremented: 0,
            scratch: Vec::new(),
        }
    }

    /// Counts `weight` for `key` and lets `update` change its statistics (created by `make` the
    /// first time, or after the key was pruned). Allocates only when inserting an owned key.
    #[inline]
    pub(crate) fn hit<R>(
        &mut self,
        key: &K::Ref,
        weight: u64,
        make: impl FnOnce() -> V,
        update: impl FnOnce(&mut V) -> R,
    ) -> R {
        if let Some(slot) = self.map.get_mut(key) {
            slot.weight = slot.weight.saturating_add(weight);
            return update(&mut slot.value);
        }
        if self.map.len() >= self.limit {
            self.prune();
        }
        let mut value = make();
        let result = update(&mut value);
        self.map.insert(K::own(key), Slot { weight, value });
        result
    }

    /// Looks `key` up without counting and reads what `peek` takes from its statistics, so
    /// the entry is in cache for the [`hit`](Self::hit) that follows. Looking up several keys
    /// in a row lets their cache misses overlap.
    #[inline]
    pub(crate) fn warm<R>(&self, key: &K::Ref, peek: impl FnOnce(&V) -> R) {
        if let Some(slot) = self.map.get(key) {
            std::hint::black_box(peek(&slot.value));
        }
    }

    /// The statistics held for a key, to change without counting a hit.
    pub(crate) fn get_mut(&mut self, key: &K::Ref) -> Option<&mut V> {
        self.map.get_mut(key).map(|slot| &mut slot.value)
    }

    /// The statistics held for a key.
    pub(crate) fn get(&self, key: &K::Ref) -> Option<&V> {
        self.map.get(key).map(|slot| &slot.value)
    }

    /// How much weight any key's statistics may be missing (0 while nothing was pruned).
    pub(crate) fn undercount(&self) -> u64 {
        self.decremented
    }

    /// How many keys the table keeps exactly.
    pub(crate) fn keep(&self) -> usize {
        self.keep
    }

    /// Number of keys held.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }

    /// Every key with its statistics, in no particular order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.map.iter().map(|(k, slot)| (k, &slot.value))
    }

    /// Raises the number of keys kept exactly (never lowers it).
    pub(crate) fn keep_at_least(&mut self, keep: usize) {
        self.keep = self.keep.max(keep);
        self.limit = self.keep.saturating_mul(2);
    }

    /// Adds another table into this one, pruning as it goes so the table never grows past
    /// its ceiling (a prune part-way only spares the keys not merged yet, so the bound holds).
    pub(crate) fn absorb(&mut self, other: Bounded<K, V>)
    where
        V: Merge,
    {
        self.decremented = self.decremented.saturating_add(other.decremented);
        for (key, slot) in other.map {
            match self.map.get_mut(key.borrow()) {
                Some(mine) => {
                    mine.weight = mine.weight.saturating_add(slot.weight);
                    mine.value.merge(slot.value);
                }
                None => {
                    if self.map.len() >= self.limit {
                        self.prune();
                    }
                    self.map.insert(key, slot);
                }
            }
        }
    }

    /// Subtracts the `keep + 1`-th largest weight from every key and drops the keys it uses
    /// up, leaving at most `keep`.
    fn prune(&mut self) {
        if self.map.len() <= self.keep {
            return;
        }
        self.scratch.clear();
        self.scratch
            .extend(self.map.values().map(|slot| slot.weight));
        let (_, &mut threshold, _) = self
            .scratch
            .select_nth_unstable_by(self.keep, |a, b| b.cmp(a));
        self.map.retain(|_, slot| {
            slot.weight = slot.weight.saturating_sub(threshold);
            slot.weight > 0
        });
        self.decremented = self.decremented.saturating_add(threshold);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(table: &mut Bounded<u128, u64>, key: u128) {
        table.hit(&key, 1, || 0, |n| *n += 1);
    }

    #[test]
    fn exact_below_the_ceiling() {
        let mut table = Bounded::new(10);
        for key in 0..20u128 {
            for _ in 0..=key {
                count(&mut table, key);
            }
        }
        assert_eq!(table.undercount(), 0);
        assert_eq!(table.get(&19), Some(&20));
        assert_eq!(table.get(&0), Some(&1));
        assert_eq!(table.len(), 20);
    }

    #[test]
    fn heavy_keys_survive_a_flood_of_singletons_within_the_bound() {
        let mut table = Bounded::new(100);
        let mut total = 0u64;
        for i in 0..200_000u128 {
            count(&mut table, 1_000_000 + i);
            total += 1;
            if i % 10 == 0 {
                count(&mut table, 7);
                total += 1;
            }
        }
        assert!(table.len() <= 200);
        let held = *table.get(&7).expect("the heavy key is kept");
        assert!(table.undercount() > 0);
        assert!(table.undercount() <= total / 101, "{}", table.undercount());
        assert!(held + table.undercount() >= 20_000, "{held}");
        assert!(held <= 20_000);
    }

    #[test]
    fn byte_keys_are_looked_up_without_owning() {
        let mut table: Bounded<Box<[u8]>, u64> = Bounded::new(4);
        table.hit(b"/index.html".as_slice(), 1, || 0, |n| *n += 1);
        table.hit(b"/index.html".as_slice(), 1, || 0, |n| *n += 1);
        assert_eq!(table.get(b"/index.html".as_slice()), Some(&2));
    }

    #[test]
    fn merged_tables_add_counts_and_bounds() {
        let mut a = Bounded::new(10);
        let mut b = Bounded::new(10);
        count(&mut a, 1);
        count(&mut b, 1);
        count(&mut b, 2);
        a.absorb(b);
        assert_eq!(a.get(&1), Some(&2));
        assert_eq!(a.get(&2), Some(&1));
        assert_eq!(a.undercount(), 0);
    }
}
