//! Each address's busiest minute, exactly, although workers see the log in pieces.
//!
//! A worker takes runs of consecutive blocks. Each address's table entry holds the count of
//! the minute the address is in ([`MinuteCount`]), so counting costs no second lookup. When
//! the address moves on to a later minute within the run, the minute it leaves is complete
//! unless it is the run's first minute — in a time-ordered log no other run can hold it — and
//! may become the address's peak. Counts for a run's first and last minute may continue in the
//! neighbouring runs, which other workers read: they go to the main thread as a [`Boundary`],
//! which adds them up in run order and settles a minute once a later run starts after it.
//! A line out of order (an older minute after a newer one) sends its count to the main thread
//! too; if part of that minute was already settled inside a run, the two parts are not added
//! up, which can only make a peak lower than the truth — servers write time-ordered logs, so
//! this needs lines shuffled across a minute's edge.

use std::collections::HashMap;

use foldhash::fast::RandomState;

use super::series::MINUTE;

/// Boundary counts the main thread holds before it stops taking new addresses (sized to fill
/// a 2¹⁹-bucket table: about 25 MB).
const MAX_PENDING: usize = 450_000;

/// The busiest minute of one address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Peak {
    /// Requests in that minute.
    pub(crate) count: u32,
    /// The minute (unix seconds / 60).
    pub(crate) minute: i64,
}

impl Peak {
    /// Whether `self` beats `other`: more requests, or as many earlier (so the answer does not
    /// depend on which worker saw what).
    fn beats(&self, other: &Peak) -> bool {
        self.count > other.count || (self.count == other.count && self.minute < other.minute)
    }
}

/// Busiest minute per address, for at most about `2 × keep` addresses: when full, the
/// addresses with the lowest peaks are dropped and the highest dropped peak is remembered.
#[derive(Debug, Clone)]
pub(crate) struct Peaks {
    map: HashMap<u128, Peak, RandomState>,
    keep: usize,
    /// The highest peak ever dropped: any address's peak may be understated up to this.
    dropped: u32,
    scratch: Vec<u32>,
}

impl Peaks {
    /// An empty table keeping at least `keep` addresses.
    pub(crate) fn new(keep: usize) -> Peaks {
        Peaks {
            map: HashMap::default(),
            keep: keep.max(1),
            dropped: 0,
            scratch: Vec::new(),
        }
    }

    /// Records `count` requests from `addr` in `minute`.
    pub(crate) fn offer(&mut self, addr: u128, peak: Peak) {
        if let Some(held) = self.map.get_mut(&addr) {
            if peak.beats(held) {
                *held = peak;
            }
            return;
        }
        if self.map.len() >= self.keep.saturating_mul(2) {
            self.prune();
        }
        if peak.count > self.dropped || self.map.len() < self.keep {
            self.map.insert(addr, peak);
        }
    }

    /// The busiest minute known for an address.
    pub(crate) fn get(&self, addr: u128) -> Option<Peak> {
        self.map.get(&addr).copied()
    }

    /// The highest peak dropped to stay bounded (0 when none was).
    pub(crate) fn dropped(&self) -> u32 {
        self.dropped
    }

    /// Every address with its peak.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (u128, Peak)> + '_ {
        self.map.iter().map(|(a, p)| (*a, *p))
    }

    fn prune(&mut self) {
        self.scratch.clear();
        self.scratch.extend(self.map.values().map(|p| p.count));
        if self.scratch.len() <= self.keep {
            return;
        }
        let (_, &mut threshold, _) = self
            .scratch
            .select_nth_unstable_by(self.keep, |a, b| b.cmp(a));
        self.map.retain(|_, p| p.count > threshold);
        self.dropped = self.dropped.max(threshold);
    }
}

/// One address's count for the minute it is in, and its busiest settled minute, kept inside
/// the address's own table entry so counting needs no second lookup (worker side).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct MinuteCount {
    /// The worker's run the open count belongs to (0: none open).
    run: u32,
    /// The open count's minute (unix seconds / 60).
    minute: u32,
    count: u32,
    /// Busiest minute settled so far.
    peak: u32,
    peak_minute: u32,
}

impl MinuteCount {
    /// Counts one request in `minute` during the worker's current run.
    #[inline]
    pub(crate) fn add(&mut self, addr: u128, minute: u32, runs: &mut Runs) {
        if self.run == runs.number && self.minute == minute {
            self.count = self.count.saturating_add(1);
            return;
        }
        if self.run == runs.number {
            self.close(addr, Some(minute), runs);
        } else {
            runs.touched.push(addr);
        }
        self.run = runs.number;
        self.minute = minute;
        self.count = 1;
    }

    /// Closes the open count: a minute strictly inside the run is complete and may be the
    /// peak; one on the run's edges (or left behind by a line out of order) goes to the main
    /// thread. `next` is the minute the address moved on to, `None` at the end of the run.
    fn close(&mut self, addr: u128, next: Option<u32>, runs: &mut Runs) {
        let minute = self.minute;
        let inside = runs.first.is_some_and(|first| minute > first)
            && match next {
                Some(next) => next > minute,
                None => runs.last.is_some_and(|last| minute < last),
            };
        if inside {
            self.offer(Peak {
                count: self.count,
                minute: i64::from(minute),
            });
        } else {
            runs.boundary.push((i64::from(minute), addr, self.count));
        }
        self.run = 0;
    }

    fn offer(&mut self, peak: Peak) {
        let held = Peak {
            count: self.peak,
            minute: i64::from(self.peak_minute),
        };
        if self.peak == 0 || peak.beats(&held) {
            self.peak = peak.count;
            self.peak_minute = u32::try_from(peak.minute).unwrap_or(0);
        }
    }

    /// The busiest settled minute, if any.
    pub(crate) fn peak(&self) -> Option<Peak> {
        (self.peak > 0).then_some(Peak {
            count: self.peak,
            minute: i64::from(self.peak_minute),
        })
    }

    /// Keeps the busier of two workers' settled minutes.
    pub(crate) fn merge(&mut self, other: &MinuteCount) {
        if let Some(peak) = other.peak() {
            self.offer(peak);
        }
    }
}

/// The minute of a unix time as the per-address counts keep it (`None` before 1970 or after
/// the year 10000: such a line still counts, only not towards a peak).
#[inline]
pub(crate) fn minute_of(time: i64) -> Option<u32> {
    u32::try_from(time.div_euclid(MINUTE)).ok()
}

/// A worker's current run of consecutive blocks.
#[derive(Debug, Default)]
pub(crate) struct Runs {
    number: u32,
    first: Option<u32>,
    last: Option<u32>,
    /// Addresses with a count open in this run.
    touched: Vec<u128>,
    boundary: Vec<(i64, u128, u32)>,
}

impl Runs {
    /// Starts the next run.
    pub(crate) fn start(&mut self) {
        self.number = self.number.wrapping_add(1).max(1);
        self.first = None;
        self.last = None;
        self.touched.clear();
    }

    /// Notes the minute of a timed line, in line order.
    #[inline]
    pub(crate) fn saw(&mut self, minute: u32) {
        if self.first.is_none() {
            self.first = Some(minute);
        }
        self.last = Some(minute);
    }

    /// The addresses with a count open in this run (to be settled with [`Runs::settle`]).
    pub(crate) fn touched(&mut self) -> Vec<u128> {
        std::mem::take(&mut self.touched)
    }

    /// Closes an address's open count at the end of the run.
    pub(crate) fn settle(&mut self, addr: u128, count: &mut MinuteCount) {
        if count.run == self.number {
            count.close(addr, None, self);
        }
    }

    /// Ends the run: the counts of its edge minutes, for the main thread.
    pub(crate) fn end(&mut self, touched: Vec<u128>) -> Boundary {
        self.touched = touched;
        self.touched.clear();
        Boundary {
            first: self.first.map(i64::from),
            counts: std::mem::take(&mut self.boundary),
        }
    }
}

/// The counts of a run's edge minutes, which neighbouring runs may continue.
#[derive(Debug, Default)]
pub(crate) struct Boundary {
    /// The minute of the run's first timed line.
    pub(crate) first: Option<i64>,
    /// `(minute, address, requests)`.
    pub(crate) counts: Vec<(i64, u128, u32)>,
}

/// The main thread's side: boundary counts added up in run order.
#[derive(Debug)]
pub(crate) struct Boundaries {
    pending: HashMap<(i64, u128), u32, RandomState>,
    oldest: Option<i64>,
    peaks: Peaks,
    /// Boundary counts not held because the pending table was full.
    pub(crate) skipped: u64,
}

impl Boundaries {
    /// Nothing pending yet.
    pub(crate) fn new(keep: usize) -> Boundaries {
        Boundaries {
            pending: HashMap::default(),
            oldest: None,
            peaks: Peaks::new(keep),
            skipped: 0,
        }
    }

    /// Takes the next run's boundary (runs must come in order).
    pub(crate) fn push(&mut self, boundary: Boundary) {
        if let (Some(first), Some(oldest)) = (boundary.first, self.oldest)
            && oldest < first
        {
            self.settle(|minute| minute < first);
        }
        for (minute, addr, count) in boundary.counts {
            if let Some(held) = self.pending.get_mut(&(minute, addr)) {
                *held = held.saturating_add(count);
            } else if self.pending.len() < MAX_PENDING {
                self.pending.insert((minute, addr), count);
                self.oldest = Some(self.oldest.map_or(minute, |o| o.min(minute)));
            } else {
                self.skipped += u64::from(count);
            }
        }
    }

    /// Settles everything (an input ended).
    pub(crate) fn flush(&mut self) {
        self.settle(|_| true);
    }

    fn settle(&mut self, done: impl Fn(i64) -> bool) {
        let peaks = &mut self.peaks;
        let mut oldest: Option<i64> = None;
        self.pending.retain(|&(minute, addr), &mut count| {
            if done(minute) {
                peaks.offer(addr, Peak { count, minute });
                false
            } else {
                oldest = Some(oldest.map_or(minute, |o| o.min(minute)));
                true
            }
        });
        self.oldest = oldest;
    }

    /// The settled peaks (call [`Boundaries::flush`] first).
    pub(crate) fn into_peaks(self) -> Peaks {
        self.peaks
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Counts one address's `times` in runs of `run` lines, alternating between two workers,
    /// and returns the peak found.
    fn peak_over_runs(times: &[i64], run: usize) -> Option<Peak> {
        let mut workers = [
            (Runs::default(), MinuteCount::default()),
            (Runs::default(), MinuteCount::default()),
        ];
        let mut main = Boundaries::new(10);
        for (i, chunk) in times.chunks(run).enumerate() {
            let (runs, count) = &mut workers[i % 2];
            runs.start();
            for &t in chunk {
                let minute = minute_of(t).expect("a minute");
                runs.saw(minute);
                count.add(7, minute, runs);
            }
            let touched = runs.touched();
            for &addr in &touched {
                runs.settle(addr, count);
            }
            main.push(runs.end(touched));
        }
        main.flush();
        let mut peaks = main.into_peaks();
        for (_, count) in &workers {
            if let Some(peak) = count.peak() {
                peaks.offer(7, peak);
            }
        }
        peaks.get(7)
    }

    #[test]
    fn a_minute_split_over_many_runs_is_added_up() {
        // Minute 10 has 25 requests spread over several runs; minute 12 has 20.
        let mut times: Vec<i64> = (0..25).map(|i| 600 + i).collect();
        times.extend((0..20).map(|i| 720 + i));
        times.extend((0..3).map(|i| 840 + i));
        for run in [1, 3, 5, 7, 30, 100] {
            assert_eq!(
                peak_over_runs(&times, run),
                Some(Peak {
                    count: 25,
                    minute: 10
                }),
                "runs of {run}"
            );
        }
    }

    #[test]
    fn inner_minutes_are_settled_by_the_worker() {
        let mut runs = Runs::default();
        let mut count = MinuteCount::default();
        runs.start();
        for t in [0, 60, 61, 62, 120] {
            let minute = minute_of(t).expect("a minute");
            runs.saw(minute);
            count.add(1, minute, &mut runs);
        }
        let touched = runs.touched();
        for &addr in &touched {
            runs.settle(addr, &mut count);
        }
        let boundary = runs.end(touched);
        assert_eq!(
            count.peak(),
            Some(Peak {
                count: 3,
                minute: 1
            })
        );
        assert_eq!(boundary.counts, vec![(0, 1, 1), (2, 1, 1)]);
    }

    #[test]
    fn peaks_stay_bounded_and_keep_the_highest() {
        let mut peaks = Peaks::new(4);
        for addr in 0..100u128 {
            peaks.offer(
                addr,
                Peak {
                    count: addr as u32 + 1,
                    minute: 0,
                },
            );
        }
        assert!(peaks.iter().count() <= 8);
        assert_eq!(peaks.get(99).map(|p| p.count), Some(100));
        assert!(peaks.dropped() > 0);
    }
}
