//! Failed dashboard sign-ins, counted per client address: after [`Throttle::LIMIT`] failures
//! within [`Throttle::WINDOW`] that address is refused until the window has passed. Kept in
//! memory per replica.
//!
//! An IPv6 client is counted by its /64 (one host usually holds a whole /64, and could otherwise
//! rotate through it), an IPv4-mapped IPv6 address as the IPv4 address it is. The table holds at
//! most [`Throttle::MAX_ADDRESSES`] keys; when it is full, the key whose window began first is
//! forgotten, found in constant time from a queue kept in the order windows began.

use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, Ipv6Addr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The failure counts.
#[derive(Debug, Default)]
pub struct Throttle {
    table: Mutex<Table>,
}

#[derive(Debug, Default)]
struct Table {
    failures: HashMap<IpAddr, (u32, Instant)>,
    /// Keys in the order their windows began; an entry whose time no longer matches the table's
    /// is stale and skipped.
    order: VecDeque<(IpAddr, Instant)>,
}

/// The key an address is counted under.
fn key(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V4(_) => addr,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let prefix = u128::from(v6) & !((1u128 << 64) - 1);
                IpAddr::V6(Ipv6Addr::from(prefix))
            }
        },
    }
}

impl Table {
    /// Forgets the key whose window began first.
    fn evict_oldest(&mut self) {
        while let Some((addr, since)) = self.order.pop_front() {
            if self.failures.get(&addr).is_some_and(|(_, s)| *s == since) {
                self.failures.remove(&addr);
                return;
            }
        }
    }
}

impl Throttle {
    /// Failures allowed per window.
    pub const LIMIT: u32 = 10;
    /// The window.
    pub const WINDOW: Duration = Duration::from_secs(300);
    /// Most keys remembered at once.
    pub const MAX_ADDRESSES: usize = 65_536;

    /// How long `addr` must still wait, if it is being refused.
    pub fn blocked(&self, addr: IpAddr) -> Option<Duration> {
        let table = self.table.lock().ok()?;
        let (count, since) = table.failures.get(&key(addr))?;
        let elapsed = since.elapsed();
        (*count >= Self::LIMIT && elapsed < Self::WINDOW).then(|| Self::WINDOW - elapsed)
    }

    /// Counts a failed sign-in from `addr`.
    pub fn failed(&self, addr: IpAddr) {
        let Ok(mut table) = self.table.lock() else {
            return;
        };
        let addr = key(addr);
        let now = Instant::now();
        let fresh = match table.failures.get(&addr) {
            None => true,
            Some((_, since)) => since.elapsed() >= Self::WINDOW,
        };
        if fresh {
            if !table.failures.contains_key(&addr) {
                while table.failures.len() >= Self::MAX_ADDRESSES {
                    table.evict_oldest();
                }
            }
            table.failures.insert(addr, (0, now));
            table.order.push_back((addr, now));
            // Stale queue entries (windows restarted) are dropped once they outnumber live ones.
            if table.order.len() > 2 * Self::MAX_ADDRESSES {
                let Table { failures, order } = &mut *table;
                order.retain(|(a, s)| failures.get(a).is_some_and(|(_, since)| since == s));
            }
        }
        if let Some(entry) = table.failures.get_mut(&addr) {
            entry.0 += 1;
        }
    }

    /// Forgets `addr`'s failures after a successful sign-in.
    pub fn succeeded(&self, addr: IpAddr) {
        if let Ok(mut table) = self.table.lock() {
            table.failures.remove(&key(addr));
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

    #[test]
    fn ipv6_is_counted_per_64_and_mapped_ipv4_as_ipv4() {
        let t = Throttle::default();
        for i in 0..Throttle::LIMIT {
            t.failed(format!("2001:db8:1:2::{:x}", i + 1).parse().expect("v6"));
        }
        assert!(
            t.blocked("2001:db8:1:2:ffff::9".parse().expect("v6"))
                .is_some()
        );
        assert!(t.blocked("2001:db8:1:3::1".parse().expect("v6")).is_none());
        for _ in 0..Throttle::LIMIT {
            t.failed("::ffff:192.0.2.7".parse().expect("mapped"));
        }
        assert!(t.blocked([192, 0, 2, 7].into()).is_some());
    }

    #[test]
    fn a_full_table_forgets_its_oldest_window_first() {
        let t = Throttle::default();
        let first: IpAddr = [198, 51, 100, 1].into();
        for _ in 0..Throttle::LIMIT {
            t.failed(first);
        }
        assert!(t.blocked(first).is_some());
        for i in 0..Throttle::MAX_ADDRESSES as u32 {
            t.failed(IpAddr::V4((0x0a00_0000 + i).into()));
        }
        let table = t.table.lock().expect("lock");
        assert_eq!(table.failures.len(), Throttle::MAX_ADDRESSES);
        drop(table);
        assert!(t.blocked(first).is_none(), "the oldest key was evicted");
        assert!(t.blocked([10, 0, 0, 5].into()).is_none());
    }
}
