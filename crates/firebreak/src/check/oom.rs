//! `oom`: processes the kernel killed for memory within the configured time, from the kernel
//! ring buffer (/dev/kmsg). When the ring buffer cannot be read the result is unknown, never ok.

use std::path::Path;
use std::time::Duration;

use firebreak_core::check::{Outcome, Thresholds};
use jiff::{SignedDuration, Timestamp};

use super::number;

/// Counts OOM kills in the last `since`.
pub fn probe(since: Duration, limits: &Thresholds) -> Outcome {
    let from = Timestamp::now()
        .checked_sub(SignedDuration::try_from(since).unwrap_or(SignedDuration::MAX))
        .unwrap_or(Timestamp::MIN);
    let kills = match firebreak_core::snapshot::oom_kills_since(
        Path::new("/dev/kmsg"),
        Path::new("/proc"),
        from,
    ) {
        Ok(k) => k,
        Err(e) => {
            return Outcome::unknown(format!(
                "cannot read the kernel log /dev/kmsg ({e}); OOM kills cannot be counted"
            ));
        }
    };
    let count = kills.len() as f64;
    let status = limits.judge(count);
    let window = firebreak_core::duration::format(
        SignedDuration::try_from(since).unwrap_or(SignedDuration::ZERO),
    );
    let last = kills
        .last()
        .map(|(at, m)| format!("; last at {at}: {}", crate::output::clip(m, 120)))
        .unwrap_or_default();
    let reason = match limits.limit_of(status) {
        Some(limit) => format!(
            "{} OOM kill(s) in the last {window}, {} {}{last}",
            kills.len(),
            limits.operator(),
            number(limit)
        ),
        None => format!("{} OOM kill(s) in the last {window}{last}", kills.len()),
    };
    Outcome::new(status, format!("{} kills", kills.len()), reason)
}
