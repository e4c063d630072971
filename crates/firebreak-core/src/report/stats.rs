//! Mean, median and 90th percentile of a set of durations.
//!
//! Percentiles are **nearest-rank**: the p-th percentile of n sorted values is the value at
//! rank ⌈p/100 · n⌉ (counting from 1), so it is always one of the observed durations. The median
//! is the nearest-rank 50th percentile: for an even count, the lower of the two middle values.

use jiff::SignedDuration;
use serde::Serialize;

/// Summary statistics of durations, in seconds (fractions keep microseconds).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Default)]
pub struct Stats {
    /// How many durations were counted.
    pub count: u64,
    /// Arithmetic mean, seconds; none without data.
    pub mean: Option<f64>,
    /// Nearest-rank 50th percentile, seconds.
    pub median: Option<f64>,
    /// Nearest-rank 90th percentile, seconds.
    pub p90: Option<f64>,
}

impl Stats {
    /// Statistics over `durations` (any order).
    pub fn of(mut durations: Vec<SignedDuration>) -> Self {
        if durations.is_empty() {
            return Self::default();
        }
        durations.sort_unstable();
        let micros: i128 = durations.iter().map(|d| d.as_micros()).sum();
        let n = durations.len();
        Stats {
            count: n as u64,
            mean: Some(micros as f64 / n as f64 / 1e6),
            median: percentile(&durations, 50).map(secs),
            p90: percentile(&durations, 90).map(secs),
        }
    }
}

/// Seconds with microsecond fractions.
fn secs(d: SignedDuration) -> f64 {
    d.as_micros() as f64 / 1e6
}

/// The nearest-rank `p`-th percentile (0 < p ≤ 100) of `sorted` (ascending): the value at rank
/// ⌈p · n / 100⌉. `None` for no values.
pub fn percentile<T: Copy>(sorted: &[T], p: u32) -> Option<T> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let rank = (p as usize * n).div_ceil(100).clamp(1, n);
    Some(sorted[rank - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_on_a_textbook_example() {
        // Wikipedia's nearest-rank example: 15, 20, 35, 40, 50.
        let v = [15, 20, 35, 40, 50];
        assert_eq!(percentile(&v, 5), Some(15));
        assert_eq!(percentile(&v, 30), Some(20));
        assert_eq!(percentile(&v, 40), Some(20));
        assert_eq!(percentile(&v, 50), Some(35));
        assert_eq!(percentile(&v, 100), Some(50));
        assert_eq!(percentile::<i32>(&[], 50), None);
    }

    #[test]
    fn the_median_of_an_even_count_is_the_lower_middle() {
        let s = Stats::of(vec![
            SignedDuration::from_secs(40),
            SignedDuration::from_secs(10),
            SignedDuration::from_secs(30),
            SignedDuration::from_secs(20),
        ]);
        assert_eq!(
            (s.count, s.mean, s.median, s.p90),
            (4, Some(25.0), Some(20.0), Some(40.0))
        );
    }
}
