//! Picking the top rows of a table: one way, with ties broken by the key, so reports do not
//! depend on hash order or on how work was shared between threads.

/// The `n` smallest items by `key`, sorted (for "most first", make the key sort descending,
/// e.g. `(Reverse(count), address)`).
pub(crate) fn top<T, K: Ord>(mut items: Vec<T>, n: usize, mut key: impl FnMut(&T) -> K) -> Vec<T> {
    if n == 0 {
        return Vec::new();
    }
    if items.len() > n {
        items.select_nth_unstable_by(n - 1, |a, b| key(a).cmp(&key(b)));
        items.truncate(n);
    }
    items.sort_by_key(|a| key(a));
    items
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cmp::Reverse;

    #[test]
    fn most_first_with_ties_by_key() {
        let rows = vec![(1u64, "b"), (5, "z"), (5, "a"), (3, "c")];
        let best = top(rows, 3, |(n, k)| (Reverse(*n), *k));
        assert_eq!(best, vec![(5, "a"), (5, "z"), (3, "c")]);
    }
}
