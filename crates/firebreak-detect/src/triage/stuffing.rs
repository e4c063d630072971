//! Credential stuffing: many distinct users tried from one address, or one user tried from many
//! addresses. Every line that names both an address and a user counts — an HTTP request with a
//! user (basic auth, or a log format that records the account) and sshd attempts. Nothing here
//! depends on order, so each worker keeps its own (address, user) pairs and the sets are
//! joined at the end. Pairs are remembered up to a ceiling per table; past it, new pairs are
//! not counted and the report says so.

use std::cmp::Reverse;
use std::collections::{BTreeMap, HashSet};

use foldhash::fast::RandomState;

use super::bounded::{Bounded, Merge};
use super::options::Options;
use super::rank::top;
use super::report::{StuffingAddress, StuffingReport, StuffingUser};
use crate::Addr;

/// Distinct (address, user) pairs remembered (sized to fill a 2¹⁹-bucket table: about 17 MB).
const MAX_PAIRS: usize = 450_000;

/// Longest user name kept, in bytes.
const MAX_USER: usize = 128;

/// Users named per flagged address.
const SAMPLE: usize = 5;

#[derive(Debug, Clone, Copy, Default)]
struct ByAddr {
    attempts: u64,
    failures: u64,
}

impl Merge for ByAddr {
    fn merge(&mut self, other: ByAddr) {
        self.attempts += other.attempts;
        self.failures += other.failures;
    }
}

#[derive(Debug, Clone, Default)]
struct ByUser {
    name: Box<[u8]>,
    attempts: u64,
    failures: u64,
}

impl Merge for ByUser {
    fn merge(&mut self, other: ByUser) {
        self.attempts += other.attempts;
        self.failures += other.failures;
    }
}

/// Who tried which users.
#[derive(Debug)]
pub(crate) struct Stuffing {
    pairs: HashSet<(u128, u64), RandomState>,
    /// Attempts whose pair was new but not remembered because the set was full.
    pairs_skipped: u64,
    by_addr: Bounded<u128, ByAddr>,
    by_user: Bounded<u64, ByUser>,
    attempts: u64,
}

impl Stuffing {
    pub(crate) fn new(keep_addresses: usize, keep_users: usize) -> Stuffing {
        Stuffing {
            pairs: HashSet::default(),
            pairs_skipped: 0,
            by_addr: Bounded::new(keep_addresses),
            by_user: Bounded::new(keep_users),
            attempts: 0,
        }
    }

    /// An attempt by `addr` as the user `name`, keyed `user` (the name's hash).
    pub(crate) fn attempt(&mut self, addr: u128, user: u64, name: &[u8], failed: bool) {
        self.attempts += 1;
        if !self.pairs.contains(&(addr, user)) {
            if self.pairs.len() < MAX_PAIRS {
                self.pairs.insert((addr, user));
            } else {
                self.pairs_skipped += 1;
            }
        }
        let failed = u64::from(failed);
        self.by_addr.hit(&addr, 1, ByAddr::default, |s| {
            s.attempts += 1;
            s.failures += failed;
        });
        let make = || ByUser {
            name: name.get(..MAX_USER).unwrap_or(name).into(),
            ..ByUser::default()
        };
        self.by_user.hit(&user, 1, make, |s| {
            s.attempts += 1;
            s.failures += failed;
        });
    }

    /// Raises the ceilings to those of a lone worker.
    pub(crate) fn full_size(&mut self, options: &Options) {
        self.by_addr.keep_at_least(options.max_addresses);
        self.by_user.keep_at_least(options.max_users);
    }

    /// Adds another worker's attempts.
    pub(crate) fn absorb(&mut self, other: Stuffing) {
        self.attempts += other.attempts;
        self.pairs_skipped += other.pairs_skipped;
        for pair in other.pairs {
            if self.pairs.len() < MAX_PAIRS {
                self.pairs.insert(pair);
            } else if !self.pairs.contains(&pair) {
                self.pairs_skipped += 1;
            }
        }
        self.by_addr.absorb(other.by_addr);
        self.by_user.absorb(other.by_user);
    }

    pub(crate) fn report(&self, options: &Options, n: usize) -> StuffingReport {
        let min_users = u64::from(options.stuffing_users.max(1));
        let min_addresses = u64::from(options.stuffing_addresses.max(1));
        let mut users_of: BTreeMap<u128, Vec<u64>> = BTreeMap::new();
        let mut addresses_of: BTreeMap<u64, u64> = BTreeMap::new();
        for &(addr, user) in &self.pairs {
            users_of.entry(addr).or_default().push(user);
            *addresses_of.entry(user).or_default() += 1;
        }
        let name = |user: u64| {
            self.by_user.get(&user).map_or_else(
                || "?".to_owned(),
                |u| String::from_utf8_lossy(&u.name).into_owned(),
            )
        };
        let flagged: Vec<(u128, u64, ByAddr)> = users_of
            .iter()
            .filter(|(_, users)| users.len() as u64 >= min_users)
            .map(|(&addr, users)| {
                let counts = self.by_addr.get(&addr).copied().unwrap_or_default();
                (addr, users.len() as u64, counts)
            })
            .collect();
        let addresses = top(flagged, n, |(a, users, s)| {
            (Reverse(*users), Reverse(s.attempts), *a)
        })
        .into_iter()
        .map(|(addr, users, s)| {
            let mut sample: Vec<String> = users_of
                .get(&addr)
                .map(|keys| keys.iter().map(|k| name(*k)).collect())
                .unwrap_or_default();
            sample.sort();
            sample.truncate(SAMPLE);
            StuffingAddress {
                address: Addr(addr).to_string(),
                users,
                attempts: s.attempts,
                failures: s.failures,
                sample_users: sample,
            }
        })
        .collect();
        let flagged: Vec<(String, u64, u64, u64)> = addresses_of
            .iter()
            .filter(|(_, count)| **count >= min_addresses)
            .map(|(&user, &count)| {
                let (attempts, failures) = self
                    .by_user
                    .get(&user)
                    .map_or((0, 0), |u| (u.attempts, u.failures));
                (name(user), count, attempts, failures)
            })
            .collect();
        let users = top(flagged, n, |(user, count, attempts, _)| {
            (Reverse(*count), Reverse(*attempts), user.clone())
        })
        .into_iter()
        .map(|(user, addresses, attempts, failures)| StuffingUser {
            user,
            addresses,
            attempts,
            failures,
        })
        .collect();
        StuffingReport {
            min_users: options.stuffing_users,
            min_addresses: options.stuffing_addresses,
            attempts: self.attempts,
            addresses,
            users,
            paths: Vec::new(),
        }
    }

    /// (address table undercount, kept), (user table undercount, kept).
    pub(crate) fn undercounts(&self) -> [(u64, usize); 2] {
        [
            (self.by_addr.undercount(), self.by_addr.keep()),
            (self.by_user.undercount(), self.by_user.keep()),
        ]
    }

    /// Attempts whose (address, user) pair could not be remembered.
    pub(crate) fn pairs_skipped(&self) -> u64 {
        self.pairs_skipped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn many_users_from_one_address_and_one_user_from_many() {
        let options = Options {
            stuffing_users: 3,
            stuffing_addresses: 3,
            ..Options::default()
        };
        let mut a = Stuffing::new(100, 100);
        let mut b = Stuffing::new(100, 100);
        for (i, name) in ["ann", "bob", "cy", "dee"].iter().enumerate() {
            let half = if i % 2 == 0 { &mut a } else { &mut b };
            half.attempt(1, i as u64, name.as_bytes(), true);
            half.attempt(1, i as u64, name.as_bytes(), true);
        }
        for addr in 10..14u128 {
            b.attempt(addr, 99, b"root", addr != 13);
        }
        a.absorb(b);
        let report = a.report(&options, 10);
        assert_eq!(report.addresses.len(), 1);
        let one = &report.addresses[0];
        assert_eq!((one.users, one.attempts, one.failures), (4, 8, 8));
        assert_eq!(one.sample_users, vec!["ann", "bob", "cy", "dee"]);
        assert_eq!(report.users.len(), 1);
        let root = &report.users[0];
        assert_eq!(
            (root.user.as_str(), root.addresses, root.failures),
            ("root", 4, 3)
        );
    }
}
