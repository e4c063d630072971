//! The keys one level of a JSON mapping knows, found by their bytes. Every line asks for each
//! of its keys, so the lookup is the JSON reader's most frequent operation: a general hash map
//! hashed every key in full. This table reads a key's length and its first and last eight
//! bytes once (its [`Print`]), hashes that, and compares it with the prints kept beside the
//! entries. A print of a key of at most sixteen bytes (nearly every key) is the whole key, so
//! only longer keys have their bytes compared.

/// Keys and their values, with an open-addressing index over them.
#[derive(Debug)]
pub(super) struct Keys<V> {
    entries: Vec<(Print, Box<[u8]>, V)>,
    /// Positions in `entries` by hash, [`EMPTY`] where none; its length is a power of two
    /// at least twice the number of entries, so every probe meets an empty place.
    index: Box<[u32]>,
}

const EMPTY: u32 = u32::MAX;

impl<V> Default for Keys<V> {
    fn default() -> Keys<V> {
        Keys {
            entries: Vec::new(),
            index: vec![EMPTY; 4].into_boxed_slice(),
        }
    }
}

impl<V: Default> Keys<V> {
    /// The value for `key`, inserted as the default when new. Building a mapping is rare, so
    /// each new key simply rebuilds the index.
    pub(super) fn entry(&mut self, key: &[u8]) -> &mut V {
        let at = match self.position(key) {
            Some(at) => at,
            None => {
                self.entries
                    .push((Print::of(key), key.into(), V::default()));
                self.reindex();
                self.entries.len() - 1
            }
        };
        &mut self.entries[at].2
    }
}

impl<V> Keys<V> {
    /// The value for `key`.
    #[inline]
    pub(super) fn get(&self, key: &[u8]) -> Option<&V> {
        let at = self.position(key)?;
        self.entries.get(at).map(|(_, _, value)| value)
    }

    #[inline]
    fn position(&self, key: &[u8]) -> Option<usize> {
        let print = Print::of(key);
        let mask = self.index.len() - 1;
        let mut place = print.hash() as usize & mask;
        // Bounded: the index has more places than entries, so an empty one comes.
        for _ in 0..self.index.len() {
            let at = *self.index.get(place)?;
            if at == EMPTY {
                return None;
            }
            let at = at as usize;
            if self
                .entries
                .get(at)
                .is_some_and(|(p, k, _)| *p == print && (print.is_whole() || **k == *key))
            {
                return Some(at);
            }
            place = (place + 1) & mask;
        }
        None
    }

    fn reindex(&mut self) {
        let size = (self.entries.len() * 2).next_power_of_two().max(4);
        let mut index = vec![EMPTY; size].into_boxed_slice();
        let mask = size - 1;
        for (at, (print, _, _)) in self.entries.iter().enumerate() {
            let mut place = print.hash() as usize & mask;
            while index.get(place).is_some_and(|p| *p != EMPTY) {
                place = (place + 1) & mask;
            }
            if let Some(free) = index.get_mut(place) {
                *free = at as u32;
            }
        }
        self.index = index;
    }
}

/// A key's length with its first and last eight bytes, or four, or three bytes in all for the
/// shortest (the pieces overlap when the key is short). Every load has a fixed size, so none
/// goes through a copy to the stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Print {
    len: usize,
    head: u64,
    tail: u64,
}

impl Print {
    #[inline]
    fn of(key: &[u8]) -> Print {
        let len = key.len();
        let (head, tail) = if let (Some(head), Some(tail)) =
            (key.first_chunk::<8>(), key.last_chunk::<8>())
        {
            (u64::from_le_bytes(*head), u64::from_le_bytes(*tail))
        } else if let (Some(head), Some(tail)) = (key.first_chunk::<4>(), key.last_chunk::<4>()) {
            (
                u64::from(u32::from_le_bytes(*head)),
                u64::from(u32::from_le_bytes(*tail)),
            )
        } else {
            let byte = |i: usize| u64::from(key.get(i).copied().unwrap_or(0));
            let few = byte(0) | byte(len / 2) << 8 | byte(len.saturating_sub(1)) << 16;
            (few, 0)
        };
        Print { len, head, tail }
    }

    /// Whether the print holds every byte of its key: up to sixteen bytes, its pieces cover
    /// the whole key, so equal prints are equal keys.
    #[inline]
    fn is_whole(self) -> bool {
        self.len <= 16
    }

    /// Multiplying carries every bit of the print up into the high half, which is the part
    /// used (turned around to the bottom, where the index's mask takes it).
    #[inline]
    fn hash(self) -> u64 {
        (self.head ^ self.tail.rotate_left(23) ^ (self.len as u64).rotate_left(56))
            .wrapping_mul(0x9e37_79b9_7f4a_7c15)
            .rotate_left(32)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Answers exactly as a hash map holding the same keys, for keys it holds and keys it
        /// does not (including ones sharing a length and both ends with a held key).
        #[test]
        fn finds_what_a_hash_map_finds(
            held in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..24), 0..200),
            asked in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..24), 0..50),
        ) {
            let mut keys: Keys<usize> = Keys::default();
            let mut map = HashMap::new();
            for (n, key) in held.iter().enumerate() {
                *keys.entry(key) = n;
                map.insert(key.clone(), n);
            }
            let mut lookalikes = Vec::new();
            // Keys that differ from a held one in a single byte, wherever it lies.
            for key in &held {
                for at in [0, key.len() / 2, 8, key.len().saturating_sub(1)] {
                    if let Some(byte) = key.get(at) {
                        let mut other = key.clone();
                        other[at] = byte ^ 1;
                        lookalikes.push(other);
                    }
                }
            }
            for key in held.iter().chain(&asked).chain(&lookalikes) {
                prop_assert_eq!(keys.get(key), map.get(key));
            }
        }
    }
}
