//! HTTP status classes: the one place that decides which class a status belongs to and how the
//! classes are named in reports.

use serde::ser::{Serialize, SerializeMap, Serializer};

/// Number of classes: 1xx, 2xx, 3xx, 4xx, 5xx and "other" (no status, or outside 100–599).
pub const CLASSES: usize = 6;

/// The class names, as JSON keys and table headings.
pub const CLASS_NAMES: [&str; CLASSES] = ["1xx", "2xx", "3xx", "4xx", "5xx", "other"];

/// Index of "other" in [`CLASS_NAMES`].
pub const OTHER: usize = 5;

/// The class index of a status.
#[inline]
pub fn class_of(status: Option<u16>) -> usize {
    match status {
        Some(s @ 100..=599) => usize::from(s / 100 - 1),
        _ => OTHER,
    }
}

/// Counts per status class; serialized as `{"1xx": n, …, "other": n}`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Classes([u64; CLASSES]);

impl Classes {
    /// Adds `n` to a class.
    #[inline]
    pub fn add(&mut self, class: usize, n: u64) {
        if let Some(count) = self.0.get_mut(class) {
            *count = count.saturating_add(n);
        }
    }

    /// The count of a class (0 for an unknown index).
    pub fn get(&self, class: usize) -> u64 {
        self.0.get(class).copied().unwrap_or(0)
    }

    /// Adds every class of another count.
    pub fn merge(&mut self, other: &Classes) {
        for (mine, theirs) in self.0.iter_mut().zip(other.0) {
            *mine = mine.saturating_add(theirs);
        }
    }

    /// The sum over all classes.
    pub fn total(&self) -> u64 {
        self.0.iter().fold(0u64, |sum, n| sum.saturating_add(*n))
    }

    /// `(name, count)` for every class.
    pub fn named(&self) -> impl Iterator<Item = (&'static str, u64)> + '_ {
        CLASS_NAMES.iter().copied().zip(self.0.iter().copied())
    }
}

impl Serialize for Classes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(CLASSES))?;
        for (name, count) in self.named() {
            map.serialize_entry(name, &count)?;
        }
        map.end()
    }
}

/// Counts per status class in 32 bits each (saturating): half the size of [`Classes`], for
/// tables with an entry per address or path, where the cache is what limits speed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct SmallClasses([u32; CLASSES]);

impl SmallClasses {
    /// Counts one line in a class.
    #[inline]
    pub(crate) fn add(&mut self, class: usize) {
        if let Some(count) = self.0.get_mut(class) {
            *count = count.saturating_add(1);
        }
    }

    /// The count of a class.
    pub(crate) fn get(&self, class: usize) -> u64 {
        self.0.get(class).map_or(0, |n| u64::from(*n))
    }

    /// Adds another count.
    pub(crate) fn merge(&mut self, other: &SmallClasses) {
        for (mine, theirs) in self.0.iter_mut().zip(other.0) {
            *mine = mine.saturating_add(theirs);
        }
    }

    /// The sum over all classes.
    pub(crate) fn total(&self) -> u64 {
        self.0.iter().map(|n| u64::from(*n)).sum()
    }

    /// As full-width counts.
    pub(crate) fn wide(&self) -> Classes {
        let mut classes = Classes::default();
        for (class, n) in self.0.iter().enumerate() {
            classes.add(class, u64::from(*n));
        }
        classes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_fall_in_their_class() {
        assert_eq!(class_of(Some(200)), 1);
        assert_eq!(class_of(Some(404)), 3);
        assert_eq!(class_of(Some(599)), 4);
        assert_eq!(class_of(Some(600)), OTHER);
        assert_eq!(class_of(Some(99)), OTHER);
        assert_eq!(class_of(None), OTHER);
    }
}
