//! Failed dashboard sign-ins, counted per client address: after [`Throttle::LIMIT`] failures
//! within [`Throttle::WINDOW`] that address is refused until the window has passed. Kept in
//! memory per replica; the table is bounded.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The failure counts.
#[derive(Debug, Default)]
pub struct Throttle {
    failures: Mutex<HashMap<IpAddr, (u32, Instant)>>,
}

impl Throttle {
    /// Failures allowed per window.
    pub const LIMIT: u32 = 10;
    /// The window.
    pub const WINDOW: Duration = Duration::from_secs(300);
    const MAX_ADDRESSES: usize = 65_536;

    /// How long `addr` must still wait, if it is being refused.
    pub fn blocked(&self, addr: IpAddr) -> Option<Duration> {
        let failures = self.failures.lock().ok()?;
        let (count, since) = failures.get(&addr)?;
        let elapsed = since.elapsed();
        (*count >= Self::LIMIT && elapsed < Self::WINDOW).then(|| Self::WINDOW - elapsed)
    }

    /// Counts a failed sign-in from `addr`.
    pub fn failed(&self, addr: IpAddr) {
        let Ok(mut failures) = self.failures.lock() else {
            return;
        };
        if failures.len() >= Self::MAX_ADDRESSES {
            failures.retain(|_, (_, since)| since.elapsed() < Self::WINDOW);
        }
        let entry = failures.entry(addr).or_insert((0, Instant::now()));
        if entry.1.elapsed() >= Self::WINDOW {
            *entry = (0, Instant::now());
        }
        entry.0 += 1;
    }

    /// Forgets `addr`'s failures after a successful sign-in.
    pub fn succeeded(&self, addr: IpAddr) {
        if let Ok(mut failures) = self.failures.lock() {
            failures.remove(&addr);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_refused_after_the_limit_and_others_are_not() {
        let t = Throttle::default();
        let a: IpAddr = [192, 0, 2, 1].into();
        let b: IpAddr = [192, 0, 2, 2].into();
        for _ in 0..Throttle::LIMIT - 1 {
            t.failed(a);
        }
        assert!(t.blocked(a).is_none());
        t.failed(a);
        assert!(t.blocked(a).is_some());
        assert!(t.blocked(b).is_none());
        t.succeeded(a);
        assert!(t.blocked(a).is_none());
    }
}
