//! Failed logins followed by a success, per address, from login-path requests replayed in line
//! order. Failures older than the window before the next attempt are forgotten, so a user who
//! mistyped a password last week and logs in today is not a finding.
//!
//! Also the spread of failures over addresses per login path: credential stuffing spread over
//! many addresses, each under any per-address threshold, needs no user names to be seen.

use std::cmp::Reverse;
use std::collections::{BTreeMap, HashSet};

use foldhash::fast::RandomState;

use super::bounded::{Bounded, Merge};
use super::events::{At, Event, Kind};
use super::options::{Options, Outcome, Plan};
use super::rank::top;
use super::report::{LoginAddress, LoginReport, LoginSequence, Stamp, StuffingPath};
use crate::Addr;

/// Sequences kept for the report.
const MAX_SEQUENCES: usize = 200;

/// Distinct failing addresses remembered per login path; past it the count is a lower bound.
const MAX_SPREAD: usize = 100_000;

/// Failures on one login path, and from how many addresses.
#[derive(Debug, Default)]
struct Spread {
    addresses: HashSet<u128, RandomState>,
    failures: u64,
    /// Failures from an address not remembered because the set was full.
    unremembered: u64,
}

#[derive(Debug, Clone, Default)]
struct State {
    attempts: u64,
    failures: u64,
    successes: u64,
    /// Failures since the last success (or since the window expired).
    run: u64,
    run_first: Option<i64>,
    run_last: Option<i64>,
}

impl Merge for State {
    fn merge(&mut self, other: State) {
        self.attempts += other.attempts;
        self.failures += other.failures;
        self.successes += other.successes;
    }
}

#[derive(Debug, Clone)]
struct Sequence {
    addr: u128,
    failures: u64,
    first_failure: Option<i64>,
    at: At,
    /// The configured login path matched, and the path requested.
    path: u8,
    requested: Option<String>,
    status: Option<u16>,
    user: Option<String>,
}

/// Login attempts seen so far.
#[derive(Debug)]
pub(crate) struct Logins {
    by_addr: Bounded<u128, State>,
    attempts: u64,
    failures: u64,
    successes: u64,
    sequences: Vec<Sequence>,
    sequence_count: u64,
    min_failures: u64,
    window: i64,
    /// Per configured login path (its index).
    spread: BTreeMap<u8, Spread>,
}

impl Logins {
    pub(crate) fn new(options: &Options) -> Logins {
        Logins {
            by_addr: Bounded::new(options.max_addresses),
            attempts: 0,
            failures: 0,
            successes: 0,
            sequences: Vec::new(),
            sequence_count: 0,
            min_failures: u64::from(options.login_min_failures.max(1)),
            window: options.login_window.max(0),
            spread: BTreeMap::new(),
        }
    }

    /// Takes the next login event.
    pub(crate) fn event(
        &mut self,
        at: At,
        event: &Event,
        user: Option<&[u8]>,
        requested: Option<&[u8]>,
    ) {
        let Kind::Login(outcome, path) = event.kind else {
            return;
        };
        self.attempts += 1;
        match outcome {
            Outcome::Failed => self.failures += 1,
            Outcome::Succeeded => self.successes += 1,
            Outcome::Other => {}
        }
        let Some(addr) = event.addr else { return };
        if outcome == Outcome::Failed {
            let spread = self.spread.entry(path).or_default();
            spread.failures += 1;
            if spread.addresses.len() < MAX_SPREAD {
                spread.addresses.insert(addr);
            } else if !spread.addresses.contains(&addr) {
                spread.unremembered += 1;
            }
        }
        let window = self.window;
        let min = self.min_failures;
        let found = self.by_addr.hit(&addr, 1, State::default, |state| {
            state.attempts += 1;
            if let (Some(last), Some(now)) = (state.run_last, at.time)
                && now.saturating_sub(last) > window
            {
                state.run = 0;
                state.run_first = None;
            }
            match outcome {
                Outcome::Failed => {
                    state.failures += 1;
                    if state.run == 0 {
                        state.run_first = at.time;
                    }
                    state.run += 1;
                    state.run_last = at.time.or(state.run_last);
                    None
                }
                Outcome::Succeeded => {
                    state.successes += 1;
                    let found = (state.run >= min).then_some((state.run, state.run_first));
                    state.run = 0;
                    state.run_first = None;
                    state.run_last = None;
                    found
                }
                Outcome::Other => None,
            }
        });
        if let Some((failures, first_failure)) = found {
            self.sequence_count += 1;
            if self.sequences.len() < MAX_SEQUENCES {
                self.sequences.push(Sequence {
                    addr,
                    failures,
                    first_failure,
                    at,
                    path,
                    requested: requested.map(|p| String::from_utf8_lossy(p).into_owned()),
                    status: event.status,
                    user: user.map(|u| String::from_utf8_lossy(u).into_owned()),
                });
            }
        }
    }

    /// The report section; `inputs` names inputs by index.
    pub(crate) fn report(
        self,
        options: &Options,
        plan: &Plan,
        inputs: &[String],
        n: usize,
    ) -> LoginReport {
        let rows: Vec<(u128, State)> = self
            .by_addr
            .iter()
            .filter(|(_, s)| s.failures > 0)
            .map(|(a, s)| (*a, s.clone()))
            .collect();
        let failing = top(rows, n, |(a, s)| (Reverse(s.failures), *a))
            .into_iter()
            .map(|(a, s)| LoginAddress {
                address: Addr(a).to_string(),
                attempts: s.attempts,
                failures: s.failures,
                successes: s.successes,
            })
            .collect();
        let sequences = self
            .sequences
            .into_iter()
            .map(|s| LoginSequence {
                address: Addr(s.addr).to_string(),
                failures: s.failures,
                first_failure: s.first_failure.map(Stamp::at),
                success: s.at.time.map(Stamp::at),
                input: inputs.get(s.at.input).cloned().unwrap_or_default(),
                line: s.at.line,
                path: s.requested.unwrap_or_else(|| plan.login_path_name(s.path)),
                status: s.status,
                user: s.user,
            })
            .collect();
        LoginReport {
            paths: options.login_paths.clone(),
            methods: options.login_methods.clone(),
            fail_statuses: options.login_fail.clone(),
            min_failures: options.login_min_failures,
            window_seconds: options.login_window,
            attempts: self.attempts,
            failures: self.failures,
            successes: self.successes,
            failing,
            sequences,
            sequence_count: self.sequence_count,
        }
    }

    /// Login paths that failed from at least `stuffing_addresses` distinct addresses, most
    /// addresses first: stuffing spread thin enough that no one address stands out.
    pub(crate) fn spread(&self, options: &Options, plan: &Plan, n: usize) -> Vec<StuffingPath> {
        let min = options.stuffing_addresses.max(1) as usize;
        let rows: Vec<(u8, &Spread)> = self
            .spread
            .iter()
            .filter(|(_, s)| s.addresses.len() >= min)
            .map(|(p, s)| (*p, s))
            .collect();
        top(rows, n, |(p, s)| {
            (Reverse(s.addresses.len()), Reverse(s.failures), *p)
        })
        .into_iter()
        .map(|(p, s)| StuffingPath {
            path: plan.login_path_name(p),
            addresses: s.addresses.len() as u64,
            failures: s.failures,
            at_least: s.unremembered > 0,
        })
        .collect()
    }

    /// How far per-address login counts may be low (0 when exact).
    pub(crate) fn undercount(&self) -> (u64, usize) {
        (self.by_addr.undercount(), self.by_addr.keep())
    }
}
