//! sshd: failures per address and per user, attempts on users that do not exist, and logins
//! accepted after failures from the same address — replayed in line order, like logins.

use std::cmp::Reverse;

use super::bounded::{Bounded, Merge};
use super::events::{At, Event, Kind, Names};
use super::options::Options;
use super::rank::top;
use super::report::{SshAddress, SshSequence, SshUser, SshdReport, Stamp};
use crate::Addr;

/// Sequences kept for the report.
const MAX_SEQUENCES: usize = 200;

#[derive(Debug, Clone, Default)]
struct ByAddr {
    failures: u64,
    invalid: u64,
    accepted: u64,
    run: u64,
    run_first: Option<i64>,
}

impl Merge for ByAddr {
    fn merge(&mut self, other: ByAddr) {
        self.failures += other.failures;
        self.invalid += other.invalid;
        self.accepted += other.accepted;
    }
}

#[derive(Debug, Clone, Default)]
struct ByUser {
    failures: u64,
    accepted: u64,
    invalid: u64,
}

impl Merge for ByUser {
    fn merge(&mut self, other: ByUser) {
        self.failures += other.failures;
        self.accepted += other.accepted;
        self.invalid += other.invalid;
    }
}

#[derive(Debug, Clone)]
struct Sequence {
    addr: u128,
    user: Option<u64>,
    failures: u64,
    first_failure: Option<i64>,
    at: At,
}

/// sshd events seen so far.
#[derive(Debug)]
pub(crate) struct Sshd {
    by_addr: Bounded<u128, ByAddr>,
    by_user: Bounded<u64, ByUser>,
    failures: u64,
    accepted: u64,
    invalid: u64,
    sequences: Vec<Sequence>,
    sequence_count: u64,
    min_failures: u64,
}

impl Sshd {
    pub(crate) fn new(options: &Options) -> Sshd {
        Sshd {
            by_addr: Bounded::new(options.max_addresses),
            by_user: Bounded::new(options.max_users),
            failures: 0,
            accepted: 0,
            invalid: 0,
            sequences: Vec::new(),
            sequence_count: 0,
            min_failures: u64::from(options.ssh_min_failures.max(1)),
        }
    }

    /// Takes the next sshd event; `user` is the user's key in [`Names`].
    pub(crate) fn event(&mut self, at: At, event: &Event, user: Option<u64>) {
        let (failed, accepted, invalid) = match event.kind {
            Kind::SshFailed => (1, 0, 0),
            Kind::SshAccepted => (0, 1, 0),
            Kind::SshInvalidUser => (0, 0, 1),
            _ => return,
        };
        self.failures += failed;
        self.accepted += accepted;
        self.invalid += invalid;
        if let Some(user) = user {
            self.by_user.hit(&user, 1, ByUser::default, |s| {
                s.failures += failed;
                s.accepted += accepted;
                s.invalid += invalid;
            });
        }
        let Some(addr) = event.addr else { return };
        let min = self.min_failures;
        let found = self.by_addr.hit(&addr, 1, ByAddr::default, |s| {
            s.failures += failed;
            s.accepted += accepted;
            s.invalid += invalid;
            if failed == 1 {
                if s.run == 0 {
                    s.run_first = at.time;
                }
                s.run += 1;
                None
            } else if accepted == 1 {
                let found = (s.run >= min).then_some((s.run, s.run_first));
                s.run = 0;
                s.run_first = None;
                found
            } else {
                None
            }
        });
        if let Some((failures, first_failure)) = found {
            self.sequence_count += 1;
            if self.sequences.len() < MAX_SEQUENCES {
                self.sequences.push(Sequence {
                    addr,
                    user,
                    failures,
                    first_failure,
                    at,
                });
            }
        }
    }

    pub(crate) fn report(
        &self,
        options: &Options,
        names: &Names,
        inputs: &[String],
        n: usize,
    ) -> SshdReport {
        let addresses: Vec<(u128, &ByAddr)> = self
            .by_addr
            .iter()
            .filter(|(_, s)| s.failures + s.invalid > 0)
            .map(|(a, s)| (*a, s))
            .collect();
        let addresses = top(addresses, n, |(a, s)| {
            (Reverse(s.failures), Reverse(s.invalid), *a)
        })
        .into_iter()
        .map(|(a, s)| SshAddress {
            address: Addr(a).to_string(),
            failures: s.failures,
            invalid_users: s.invalid,
            accepted: s.accepted,
        })
        .collect();
        let users: Vec<(String, &ByUser)> = self
            .by_user
            .iter()
            .filter(|(_, s)| s.failures + s.invalid > 0)
            .map(|(k, s)| (names.name(*k), s))
            .collect();
        let users = top(users, n, |(u, s)| {
            (Reverse(s.failures + s.invalid), u.clone())
        })
        .into_iter()
        .map(|(user, s)| SshUser {
            user,
            failures: s.failures,
            accepted: s.accepted,
            invalid: s.invalid,
        })
        .collect();
        let accepted_after_failures = self
            .sequences
            .iter()
            .map(|s| SshSequence {
                address: Addr(s.addr).to_string(),
                user: s.user.map(|k| names.name(k)),
                failures: s.failures,
                first_failure: s.first_failure.map(Stamp::at),
                accepted: s.at.time.map(Stamp::at),
                input: inputs.get(s.at.input).cloned().unwrap_or_default(),
                line: s.at.line,
            })
            .collect();
        SshdReport {
            failures: self.failures,
            accepted: self.accepted,
            invalid_users: self.invalid,
            min_failures: options.ssh_min_failures,
            addresses,
            users,
            accepted_after_failures,
            accepted_after_failures_count: self.sequence_count,
        }
    }

    /// (address table undercount, kept), (user table undercount, kept).
    pub(crate) fn undercounts(&self) -> [(u64, usize); 2] {
        [
            (self.by_addr.undercount(), self.by_addr.keep()),
            (self.by_user.undercount(), self.by_user.keep()),
        ]
    }
}
