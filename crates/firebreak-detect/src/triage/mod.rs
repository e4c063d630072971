//! `firebreak triage`: one pass over whole log files answering what a responder asks first —
//! when, how much, who, what, which statuses, which scanners, which logins — as a [`Report`]
//! that prints as text ([`text::render`]), JSON (serde) or one self-contained HTML page
//! ([`html::render`]). Watching files as they grow is [`crate::follow`]'s job; rules are
//! [`crate::rule`]'s.
//!
//! # How the pass is shared out
//!
//! Each input is read by its own thread into blocks ([`crate::input`]); workers
//! ([`Options::threads`]) take runs of consecutive blocks ([`Options::run_bytes`]) and keep
//! the counts that add up in any order — per address, path, agent, status, minute and
//! (address, user) pair. Whatever depends on order is either settled inside a run or handed
//! to the main thread, which puts runs back in line order: login attempts and sshd events are
//! replayed there as compact events, and a minute split between runs has its per-address
//! counts added up there before each address's busiest minute is taken. So the report is the
//! same with one thread or eight (below the table ceilings; see below).
//!
//! Paths, agents and users are keyed by a 64-bit hash of their text, seeded afresh each run;
//! per line nothing is allocated (a text is copied once, when first seen).
//!
//! # What the report means
//!
//! - **Spikes.** Lines are counted per minute (buckets double in width only when a log spans
//!   more than about 69 days). A bucket is a spike when its count is above all of: the median
//!   plus [`Options::spike_mads`] median absolute deviations (the deviation taken as at least
//!   1), [`Options::spike_ratio`] times the median, and [`Options::spike_min`] lines per
//!   minute. The median and deviation include empty minutes between the first and last line,
//!   so a burst in a quiet log stands out.
//! - **Paths** are counted without their query string (`/search?q=x` counts as `/search`);
//!   `with_query` says how many of a path's requests had one. Paths and agents longer than
//!   256 bytes are cut.
//! - **Bots**: agents matching the agent list ([`crate::agents`]), matched case-insensitively
//!   once per distinct agent, with the addresses that used them.
//! - **Logins**: a request whose path (query and trailing `/` ignored) ends with one of
//!   [`Options::login_paths`], made with one of [`Options::login_methods`], is an attempt; its
//!   status says failed ([`Options::login_fail`]) or succeeded ([`Options::login_ok`]). A
//!   success after at least [`Options::login_min_failures`] failures from the same address
//!   (none older than [`Options::login_window`] before the next attempt) is a sequence.
//!   A login form that answers a failure with `200` (WordPress does) counts that as a success;
//!   set the statuses for such sites.
//! - **Credential stuffing**: every line naming both an address and a user — an HTTP request
//!   with a user (basic auth, or a format that logs the account) or an sshd attempt — links
//!   the two; addresses that used at least [`Options::stuffing_users`] users and users seen
//!   from at least [`Options::stuffing_addresses`] addresses are listed. Without user names,
//!   a login path whose attempts failed from at least as many addresses is listed too.
//! - **Exports**: response bytes per address; at least [`Options::export_bytes`] flags it,
//!   and single responses of at least [`Options::large_response`] are counted.
//! - **Peaks**: each address's busiest minute, exact for time-ordered logs (a line out of
//!   order across a minute's edge can only make a peak lower).
//! - **sshd**: failures and invalid users per address and user; an accepted login after at
//!   least [`Options::ssh_min_failures`] failures from its address is listed.
//!
//! # Bounded memory
//!
//! Every table has a ceiling ([`Options::max_addresses`] and friends). Below it, counts are
//! exact. Above it, the table is pruned the Misra-Gries way (see `bounded.rs`): memory stays
//! fixed whatever the number of distinct keys, counts become lower bounds, and
//! [`Report::approximate`] states the most any count can be low by.
//!
//! Multiple inputs are read one after the other in the order given; give rotated files oldest
//! first so sequences across them are seen in order.

mod assemble;
mod bounded;
mod collector;
mod events;
pub mod html;
mod logins;
mod minutes;
mod options;
mod rank;
pub mod report;
mod series;
mod sshd;
mod status;
mod stuffing;
pub mod text;
mod units;
mod worker;

pub use options::{MAX_THREADS, Options};
pub use report::Report;

use crate::format::Format;
use crate::input::Input;

use collector::Collector;
use options::Plan;
use worker::Worker;

/// Why a triage run could not finish.
#[derive(Debug, thiserror::Error)]
pub enum TriageError {
    /// No worker thread could be started.
    #[error("could not start triage worker threads: {0}")]
    Threads(String),
    /// A worker stopped with a bug while reading an input.
    #[error("a triage worker stopped unexpectedly while reading {0}")]
    Panicked(String),
}

/// How far a run has got, reported after every run of blocks and at the end of each input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress<'a> {
    /// The input being read.
    pub input: &'a str,
    /// Its index among the inputs, from 0.
    pub index: usize,
    /// Number of inputs.
    pub inputs: usize,
    /// Source bytes of this input read so far (compressed bytes for gzip).
    pub read: u64,
    /// This input's size on disk, when known.
    pub size: Option<u64>,
    /// Source bytes of the inputs before this one.
    pub read_before: u64,
    /// The inputs' total size on disk, when every size is known.
    pub total_size: Option<u64>,
    /// Lines read so far, all inputs.
    pub lines: u64,
}

/// Reads every input once and reports on it. `format` applies to every input; `None`
/// detects each input's format from its first lines (an input whose format cannot be told has
/// all its lines counted as malformed, and the report says so). `progress` is called from
/// this thread.
pub fn run(
    inputs: Vec<Input>,
    format: Option<Format>,
    options: &Options,
    progress: &dyn Fn(Progress<'_>),
) -> Result<Report, TriageError> {
    let plan = Plan::new(options);
    let threads = options.threads.clamp(1, MAX_THREADS);
    let mut workers: Vec<Worker<'_>> = (0..threads)
        .map(|_| Worker::new(options, &plan, threads))
        .collect();
    let mut collector = Collector::new(options, &inputs);
    for (index, input) in inputs.into_iter().enumerate() {
        collector.read(index, input, format.as_ref(), &mut workers, progress)?;
    }
    // Merged into the first worker's tables, raised to the full ceiling, so merging needs no
    // third copy of the largest tables.
    let mut tallies = workers.into_iter().map(|w| w.tally);
    let mut tally = tallies
        .next()
        .unwrap_or_else(|| worker::Tally::new(options, 1));
    tally.full_size(options);
    for other in tallies {
        tally.absorb(other);
    }
    Ok(assemble::assemble(collector, tally, options, &plan))
}
