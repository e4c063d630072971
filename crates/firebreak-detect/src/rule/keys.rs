//! One rule's table from [`Key`] to its counting state. Most rules group by the client
//! address alone, and every line of a busy log looks one up, so while all of a rule's keys are
//! single addresses the table holds them as plain `u128`s: half the bytes per entry, so more
//! of the table stays in cache, and no enum to hash or compare. The first other key moves
//! everything to a general table; answers are the same either way.

use std::collections::HashMap;

use crate::rule::key::{Key, Part};

type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// Keys and their values, for one rule.
#[derive(Debug)]
pub(crate) enum Keys<V> {
    /// Every key so far is one address.
    Addrs(FastMap<u128, V>),
    Any(FastMap<Key, V>),
}

impl<V> Default for Keys<V> {
    fn default() -> Keys<V> {
        Keys::Addrs(FastMap::default())
    }
}

/// The key as one address, if it is one.
fn addr(key: &Key) -> Option<u128> {
    match key {
        Key::One(Part::Addr(high, low)) => Some((u128::from(*high) << 64) | u128::from(*low)),
        _ => None,
    }
}

fn addr_key(addr: u128) -> Key {
    Key::One(Part::Addr((addr >> 64) as u64, addr as u64))
}

impl<V> Keys<V> {
    pub(crate) fn len(&self) -> usize {
        match self {
            Keys::Addrs(map) => map.len(),
            Keys::Any(map) => map.len(),
        }
    }

    pub(crate) fn contains(&self, key: &Key) -> bool {
        match (self, addr(key)) {
            (Keys::Addrs(map), Some(a)) => map.contains_key(&a),
            (Keys::Addrs(_), None) => false,
            (Keys::Any(map), _) => map.contains_key(key),
        }
    }

    /// The key's value; a new one from `make` if it has none, unless `make` gives none.
    pub(crate) fn get_or_insert(
        &mut self,
        key: &Key,
        make: impl FnOnce() -> Option<V>,
    ) -> Option<&mut V> {
        let a = addr(key);
        if let (Keys::Addrs(map), None) = (&mut *self, a) {
            let general = std::mem::take(map)
                .into_iter()
                .map(|(a, v)| (addr_key(a), v))
                .collect();
            *self = Keys::Any(general);
        }
        match (self, a) {
            (Keys::Addrs(map), Some(a)) => match map.entry(a) {
                std::collections::hash_map::Entry::Occupied(slot) => Some(slot.into_mut()),
                std::collections::hash_map::Entry::Vacant(slot) => Some(slot.insert(make()?)),
            },
            (Keys::Addrs(_), None) => None,
            (Keys::Any(map), _) => {
                // Looked up before cloning: most lines find their key.
                if map.contains_key(key) {
                    return map.get_mut(key);
                }
                Some(map.entry(key.clone()).or_insert(make()?))
            }
        }
    }

    pub(crate) fn retain(&mut self, mut keep: impl FnMut(&mut V) -> bool) {
        match self {
            Keys::Addrs(map) => map.retain(|_, v| keep(v)),
            Keys::Any(map) => map.retain(|_, v| keep(v)),
        }
    }

    pub(crate) fn values(&self) -> Box<dyn Iterator<Item = &V> + '_> {
        match self {
            Keys::Addrs(map) => Box::new(map.values()),
            Keys::Any(map) => Box::new(map.values()),
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// A key from a small space: addresses most of the time, some text or many-part keys.
    fn key(kind: u8, n: u8) -> Key {
        match kind % 8 {
            0 => Key::One(Part::Text(vec![n].into_boxed_slice())),
            1 => Key::Many(vec![Part::Number(u64::from(n)), Part::Addr(0, 1)].into_boxed_slice()),
            2 => Key::Empty,
            _ => addr_key(u128::from(n) << (n % 128)),
        }
    }

    proptest! {
        /// The table answers as one plain map would, whatever keys come in and whenever the
        /// first key that is not an address moves it to the general table.
        #[test]
        fn answers_like_a_plain_map(
            ops in proptest::collection::vec((0u8..4, 0u8..16, any::<u8>(), any::<bool>()), 1..200),
        ) {
            let mut keys: Keys<u32> = Keys::default();
            let mut plain: HashMap<Key, u32> = HashMap::new();
            for (i, (op, kind, n, insert)) in ops.into_iter().enumerate() {
                let k = key(kind, n);
                let value = i as u32;
                match op {
                    0 => {
                        let got = keys.get_or_insert(&k, || insert.then_some(value)).map(|v| *v);
                        let want = match plain.get(&k) {
                            Some(v) => Some(*v),
                            None if insert => {
                                plain.insert(k.clone(), value);
                                Some(value)
                            }
                            None => None,
                        };
                        prop_assert_eq!(got, want);
                    }
                    1 => {
                        if let Some(v) = keys.get_or_insert(&k, || None) {
                            *v += 1;
                        }
                        if let Some(v) = plain.get_mut(&k) {
                            *v += 1;
                        }
                    }
                    2 => {
                        let cut = u32::from(n);
                        keys.retain(|v| *v % 7 != cut % 7);
                        plain.retain(|_, v| *v % 7 != cut % 7);
                    }
                    _ => prop_assert_eq!(keys.contains(&k), plain.contains_key(&k)),
                }
                prop_assert_eq!(keys.len(), plain.len());
                let mut a: Vec<u32> = keys.values().copied().collect();
                let mut b: Vec<u32> = plain.values().copied().collect();
                a.sort_unstable();
                b.sort_unstable();
                prop_assert_eq!(a, b);
            }
        }
    }
}
