//! Lines over time: counts per time bucket (one minute, widened by doubling only when a log
//! spans more buckets than the ceiling allows), split by status class, and the spike rule.
//!
//! Buckets are kept sparse, so a stray timestamp from 1970 costs one bucket, not fifty years of
//! empty ones. The widening is deterministic — the narrowest power-of-two multiple of a minute
//! that fits — so workers that saw different parts of a log agree once merged.

use std::collections::HashMap;

use foldhash::fast::RandomState;

use super::status::Classes;

/// Distinct buckets held before the width doubles (about 69 days of minutes).
pub(crate) const MAX_BUCKETS: usize = 100_000;

/// The narrowest bucket, in seconds.
pub(crate) const MINUTE: i64 = 60;

/// Counts per bucket.
#[derive(Debug, Clone)]
pub(crate) struct Series {
    width: i64,
    slots: HashMap<i64, usize, RandomState>,
    counts: Vec<(i64, Classes)>,
    last: Option<(i64, usize)>,
    max_buckets: usize,
}

impl Default for Series {
    fn default() -> Series {
        Series::with_max(MAX_BUCKETS)
    }
}

impl Series {
    /// An empty series that widens past `max_buckets` buckets.
    pub(crate) fn with_max(max_buckets: usize) -> Series {
        Series {
            width: MINUTE,
            slots: HashMap::default(),
            counts: Vec::new(),
            last: None,
            max_buckets: max_buckets.max(8),
        }
    }

    /// Bucket width in seconds.
    pub(crate) fn width(&self) -> i64 {
        self.width
    }

    /// Counts one line at `time` with status class `class`.
    #[inline]
    pub(crate) fn add(&mut self, time: i64, class: usize) {
        let index = match self.last {
            Some((bucket, index)) if bucket == time.div_euclid(self.width) => index,
            _ => self.slot(time),
        };
        if let Some((_, classes)) = self.counts.get_mut(index) {
            classes.add(class, 1);
        }
    }

    fn slot(&mut self, time: i64) -> usize {
        loop {
            let bucket = time.div_euclid(self.width);
            if let Some(&index) = self.slots.get(&bucket) {
                self.last = Some((bucket, index));
                return index;
            }
            if self.slots.len() < self.max_buckets {
                let index = self.slot_for_merge(bucket);
                self.last = Some((bucket, index));
                return index;
            }
            self.widen(self.width.saturating_mul(2));
        }
    }

    /// Re-buckets everything at a wider `width` (a multiple of the current one).
    fn widen(&mut self, width: i64) {
        if width <= self.width {
            return;
        }
        let factor = width / self.width;
        let old = std::mem::take(&mut self.counts);
        self.slots.clear();
        self.last = None;
        self.width = width;
        for (bucket, classes) in old {
            let wider = bucket.div_euclid(factor);
            let index = match self.slots.get(&wider) {
                Some(&index) => index,
                None => {
                    self.counts.push((wider, Classes::default()));
                    self.slots.insert(wider, self.counts.len() - 1);
                    self.counts.len() - 1
                }
            };
            if let Some((_, mine)) = self.counts.get_mut(index) {
                mine.merge(&classes);
            }
        }
        while self.slots.len() > self.max_buckets {
            self.widen(self.width * 2);
        }
    }

    /// Adds another series (widening both to the wider of the two first).
    pub(crate) fn absorb(&mut self, mut other: Series) {
        if other.width < self.width {
            other.widen(self.width);
        } else {
            self.widen(other.width);
        }
        for (bucket, classes) in other.counts {
            let index = self.slot_for_merge(bucket);
            if let Some((_, mine)) = self.counts.get_mut(index) {
                mine.merge(&classes);
            }
        }
        while self.slots.len() > self.max_buckets {
            self.widen(self.width * 2);
        }
    }

    fn slot_for_merge(&mut self, bucket: i64) -> usize {
        match self.slots.get(&bucket) {
            Some(&index) => index,
            None => {
                self.counts.push((bucket, Classes::default()));
                self.slots.insert(bucket, self.counts.len() - 1);
                self.counts.len() - 1
            }
        }
    }

    /// The buckets in time order: (bucket start in unix seconds, counts per class).
    pub(crate) fn sorted(&self) -> Vec<(i64, Classes)> {
        let mut all: Vec<(i64, Classes)> = self
            .counts
            .iter()
            .map(|(bucket, classes)| (bucket.saturating_mul(self.width), *classes))
            .collect();
        all.sort_by_key(|(start, _)| *start);
        all
    }
}

/// How spikes are told apart from ordinary traffic.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct SpikeRule {
    /// How many median absolute deviations above the median a bucket must be.
    pub(crate) mads: f64,
    /// How many times the median a bucket must be.
    pub(crate) ratio: f64,
    /// The fewest lines per minute a spike can have (scaled to wider buckets).
    pub(crate) floor: u64,
}

/// The typical level of a series and the count above which a bucket is a spike.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Level {
    /// Median lines per bucket over the whole time range, empty buckets included.
    pub(crate) median: f64,
    /// Median absolute deviation from it.
    pub(crate) mad: f64,
    /// Counts strictly above this are spikes.
    pub(crate) threshold: f64,
}

impl SpikeRule {
    /// The level of `totals` (per non-empty bucket, in time order) across `span` buckets.
    pub(crate) fn level(&self, totals: &[u64], span: u64, width: i64) -> Level {
        let empty = span.saturating_sub(totals.len() as u64);
        let mut values: Vec<(f64, u64)> = totals.iter().map(|&n| (n as f64, 1)).collect();
        values.push((0.0, empty));
        let median = weighted_median(&mut values);
        let mut deviations: Vec<(f64, u64)> = totals
            .iter()
            .map(|&n| ((n as f64 - median).abs(), 1))
            .collect();
        deviations.push((median, empty));
        let mad = weighted_median(&mut deviations);
        let floor = self.floor as f64 * (width as f64 / MINUTE as f64);
        let threshold = (median + self.mads * mad.max(1.0))
            .max(self.ratio * median)
            .max(floor - 1.0);
        Level {
            median,
            mad,
            threshold,
        }
    }
}

/// The median of values with weights (how many times each occurs); 0 when there are none.
/// Between two middle values it takes their mean.
fn weighted_median(values: &mut [(f64, u64)]) -> f64 {
    values.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total: u64 = values.iter().map(|(_, w)| *w).sum();
    if total == 0 {
        return 0.0;
    }
    // 1-based ranks of the middle element(s).
    let low = total.div_ceil(2);
    let high = total / 2 + 1;
    let at = |rank: u64| {
        let mut seen = 0u64;
        for (value, weight) in values.iter() {
            seen += weight;
            if seen >= rank {
                return *value;
            }
        }
        0.0
    };
    (at(low) + at(high)) / 2.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_count_empty_buckets() {
        assert_eq!(weighted_median(&mut [(1.0, 1), (3.0, 1), (2.0, 1)]), 2.0);
        assert_eq!(weighted_median(&mut [(1.0, 1), (3.0, 1)]), 2.0);
        assert_eq!(weighted_median(&mut [(5.0, 1), (0.0, 4)]), 0.0);
        assert_eq!(weighted_median(&mut []), 0.0);
    }

    #[test]
    fn a_flood_minute_is_a_spike_and_ordinary_noise_is_not() {
        let rule = SpikeRule {
            mads: 5.0,
            ratio: 1.5,
            floor: 30,
        };
        let mut totals: Vec<u64> = (0..100).map(|i| 100 + (i % 7) * 3).collect();
        totals[50] = 2000;
        let level = rule.level(&totals, 100, 60);
        assert!(level.threshold < 2000.0);
        assert!(
            totals
                .iter()
                .filter(|&&n| n as f64 > level.threshold)
                .count()
                == 1
        );
        // A quiet log never spikes below the floor.
        let level = rule.level(&[1, 1, 1, 12], 4, 60);
        assert!(level.threshold >= 29.0);
    }

    #[test]
    fn widening_keeps_every_count_and_agrees_across_merges() {
        let mut one = Series::with_max(8);
        let mut a = Series::with_max(8);
        let mut b = Series::with_max(8);
        for minute in 0..20i64 {
            one.add(minute * 60, 1);
            if minute % 2 == 0 {
                a.add(minute * 60, 1);
            } else {
                b.add(minute * 60, 1);
            }
        }
        a.absorb(b);
        assert_eq!(one.width(), a.width());
        assert_eq!(one.sorted(), a.sorted());
        let sum: u64 = one.sorted().iter().map(|(_, c)| c.total()).sum();
        assert_eq!(sum, 20);
        assert!(one.sorted().len() <= 8);
    }
}
