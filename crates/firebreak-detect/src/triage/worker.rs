//! One worker's share of a triage run: it parses whole runs of blocks and keeps the counts
//! that add up in any order (a [`Tally`]), the per-minute counts of its runs, and the rare
//! events the main thread replays in order. This is the hot loop: nothing here allocates per
//! line (keys are owned only when first inserted) and every table is bounded. Lines are parsed
//! in small batches and their address and path entries looked up together before any is
//! counted: the tables outgrow the CPU cache, and misses that overlap cost about one.

use crate::agents::Agents;
use crate::format::{Counted, Format, Malformed};
use crate::input::Block;
use crate::record::Event as RecordEvent;

use super::bounded::{Bounded, Merge};
use super::events::{Events, Kind};
use super::minutes::{Boundary, MinuteCount, Runs, minute_of};
use super::options::{MAX_KEY, Options, Outcome, Plan, cut, split_query};
use super::series::Series;
use super::status::{Classes, SmallClasses, class_of};
use super::stuffing::Stuffing;

/// Malformed lines kept as samples.
pub(crate) const SAMPLES: usize = 5;

/// Parsed lines counted together (see [`Worker::warm`]).
const BATCH: usize = 16;

/// Bytes of a malformed line kept in its sample.
const SAMPLE_TEXT: usize = 200;

/// Statuses counted one by one; others count as "other codes".
const CODES: usize = 1000;

/// Per-address counts.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct AddrStats {
    pub(crate) bytes: u64,
    pub(crate) classes: SmallClasses,
    pub(crate) unauthorized: u32,
    pub(crate) forbidden: u32,
    pub(crate) too_many: u32,
    pub(crate) large: u32,
    pub(crate) minutes: MinuteCount,
}

impl AddrStats {
    #[inline]
    fn add(&mut self, class: usize, status: Option<u16>, bytes: u64, large: bool) {
        self.bytes = self.bytes.saturating_add(bytes);
        self.classes.add(class);
        match status {
            Some(401) => self.unauthorized = self.unauthorized.saturating_add(1),
            Some(403) => self.forbidden = self.forbidden.saturating_add(1),
            Some(429) => self.too_many = self.too_many.saturating_add(1),
            _ => {}
        }
        if large {
            self.large = self.large.saturating_add(1);
        }
    }

    /// Lines from the address.
    pub(crate) fn requests(&self) -> u64 {
        self.classes.total()
    }
}

impl Merge for AddrStats {
    fn merge(&mut self, other: AddrStats) {
        self.bytes = self.bytes.saturating_add(other.bytes);
        self.minutes.merge(&other.minutes);
        self.classes.merge(&other.classes);
        self.unauthorized = self.unauthorized.saturating_add(other.unauthorized);
        self.forbidden = self.forbidden.saturating_add(other.forbidden);
        self.too_many = self.too_many.saturating_add(other.too_many);
        self.large = self.large.saturating_add(other.large);
    }
}

/// Per-path counts, keyed by the path's hash; the text is kept for the report.
#[derive(Debug, Clone, Default)]
pub(crate) struct PathStats {
    pub(crate) text: Box<[u8]>,
    pub(crate) with_query: u32,
    pub(crate) classes: SmallClasses,
    pub(crate) bytes: u64,
}

impl Merge for PathStats {
    fn merge(&mut self, other: PathStats) {
        self.with_query = self.with_query.saturating_add(other.with_query);
        self.classes.merge(&other.classes);
        self.bytes = self.bytes.saturating_add(other.bytes);
    }
}

/// Per-agent counts, keyed by the agent's hash, with the agent-list entry it matched (decided
/// once per distinct agent) and the text for the report.
#[derive(Debug, Clone, Default)]
pub(crate) struct AgentStats {
    pub(crate) text: Box<[u8]>,
    pub(crate) requests: u64,
    pub(crate) entry: Option<u16>,
}

impl Merge for AgentStats {
    fn merge(&mut self, other: AgentStats) {
        self.requests += other.requests;
        self.entry = self.entry.or(other.entry);
    }
}

/// A malformed line, as found.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct RawSample {
    pub(crate) input: usize,
    pub(crate) line: u64,
    pub(crate) column: usize,
    pub(crate) reason: String,
    pub(crate) text: String,
}

/// Counts that add up across workers in any order.
#[derive(Debug)]
pub(crate) struct Tally {
    /// Parsed lines per status class.
    pub(crate) classes: Classes,
    pub(crate) requests: u64,
    pub(crate) response_bytes: u64,
    pub(crate) first_time: Option<i64>,
    pub(crate) last_time: Option<i64>,
    pub(crate) samples: Vec<RawSample>,
    pub(crate) codes: Vec<u64>,
    pub(crate) series: Series,
    pub(crate) addresses: Bounded<u128, AddrStats>,
    pub(crate) paths: Bounded<u64, PathStats>,
    pub(crate) agents: Bounded<u64, AgentStats>,
    /// Requests per (agent-list entry, address).
    pub(crate) bots: Bounded<(u16, u128), u64>,
    /// Requests per agent-list entry.
    pub(crate) bot_totals: Vec<u64>,
    pub(crate) stuffing: Stuffing,
}

impl Tally {
    /// Empty tables sized for one of `share` workers.
    pub(crate) fn new(options: &Options, share: usize) -> Tally {
        // Up to two workers keep the full ceiling each; more share twice that, so memory stays
        // flat however many threads run.
        let scale = |n: usize| (n.saturating_mul(2) / share.max(2)).max(1024);
        Tally {
            classes: Classes::default(),
            requests: 0,
            response_bytes: 0,
            first_time: None,
            last_time: None,
            samples: Vec::new(),
            codes: vec![0; CODES],
            series: Series::default(),
            addresses: Bounded::new(scale(options.max_addresses)),
            paths: Bounded::new(scale(options.max_paths)),
            agents: Bounded::new(scale(options.max_agents)),
            bots: Bounded::new(scale(bot_addresses(options))),
            bot_totals: vec![0; options.agents.entries().len()],
            stuffing: Stuffing::new(scale(options.max_addresses), scale(options.max_users)),
        }
    }

    /// Lets the tables keep as many keys as one worker alone would (after sharing them out).
    pub(crate) fn full_size(&mut self, options: &Options) {
        self.addresses.keep_at_least(options.max_addresses);
        self.paths.keep_at_least(options.max_paths);
        self.agents.keep_at_least(options.max_agents);
        self.bots.keep_at_least(bot_addresses(options));
        self.stuffing.full_size(options);
    }

    /// Adds another worker's tally.
    pub(crate) fn absorb(&mut self, other: Tally) {
        self.classes.merge(&other.classes);
        self.requests += other.requests;
        self.response_bytes = self.response_bytes.saturating_add(other.response_bytes);
        self.first_time = min_some(self.first_time, other.first_time);
        self.last_time = max_some(self.last_time, other.last_time);
        self.samples.extend(other.samples);
        self.samples.sort();
        self.samples.truncate(SAMPLES);
        for (mine, theirs) in self.codes.iter_mut().zip(other.codes) {
            *mine += theirs;
        }
        self.series.absorb(other.series);
        self.addresses.absorb(other.addresses);
        self.paths.absorb(other.paths);
        self.agents.absorb(other.agents);
        self.bots.absorb(other.bots);
        for (mine, theirs) in self.bot_totals.iter_mut().zip(other.bot_totals) {
            *mine += theirs;
        }
        self.stuffing.absorb(other.stuffing);
    }
}

/// (agent-list entry, address) pairs counted exactly: a quarter of the address ceiling, as
/// they only feed each bot's list of its busiest addresses.
fn bot_addresses(options: &Options) -> usize {
    options.max_addresses / 4
}

fn min_some(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn max_some(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// What a worker hands the main thread after a run of blocks.
#[derive(Debug)]
pub(crate) struct RunDone {
    /// Index of the run's first block.
    pub(crate) first_block: u64,
    /// Blocks in the run.
    pub(crate) blocks: u64,
    pub(crate) lines: u64,
    pub(crate) parsed: u64,
    pub(crate) malformed: u64,
    /// Source bytes read when the run's last block was read.
    pub(crate) consumed: u64,
    pub(crate) events: Events,
    pub(crate) boundary: Boundary,
}

/// One worker.
pub(crate) struct Worker<'p> {
    plan: &'p Plan,
    agents: &'p Agents,
    large_response: u64,
    pub(crate) tally: Tally,
    runs: Runs,
    scratch: Vec<u8>,
}

/// Line counts of one run.
#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    lines: u64,
    parsed: u64,
    malformed: u64,
}

impl<'p> Worker<'p> {
    pub(crate) fn new(options: &'p Options, plan: &'p Plan, share: usize) -> Worker<'p> {
        Worker {
            plan,
            agents: &options.agents,
            large_response: options.large_response.max(1),
            tally: Tally::new(options, share),
            runs: Runs::default(),
            scratch: Vec::with_capacity(MAX_KEY),
        }
    }

    /// Works through a run of consecutive blocks of input `input`. Without a format every
    /// line is malformed.
    pub(crate) fn run(
        &mut self,
        input: usize,
        blocks: &[Block],
        format: Option<&Format>,
    ) -> RunDone {
        let mut counts = Counts::default();
        let mut events = Events::default();
        self.runs.start();
        // Slots reused batch after batch: lines are read into them in place, as moving a
        // parsed line into a list cost a copy of it.
        let mut slots: Vec<Parsed<'_>> = std::iter::repeat_with(Parsed::default)
            .take(BATCH)
            .collect();
        for block in blocks {
            let mut lines = block.lines();
            loop {
                let mut taken = 0u64;
                let mut filled = 0usize;
                let mut blank = 0u64;
                for (number, line) in lines.by_ref().take(BATCH) {
                    taken += 1;
                    if line.is_empty() {
                        // A blank line says nothing; it is not a line in a wrong format.
                        blank += 1;
                        continue;
                    }
                    let Some(slot) = slots.get_mut(filled) else {
                        break;
                    };
                    match slot.read(self.plan, format, number, line) {
                        Ok(()) => filled += 1,
                        Err(malformed) => {
                            if self.tally.samples.len() < SAMPLES {
                                self.tally.samples.push(RawSample {
                                    input,
                                    line: number,
                                    column: malformed.column,
                                    reason: malformed.reason.to_owned(),
                                    text: String::from_utf8_lossy(cut(line, SAMPLE_TEXT))
                                        .into_owned(),
                                });
                            }
                        }
                    }
                }
                if taken == 0 {
                    break;
                }
                counts.lines += taken;
                counts.parsed += filled as u64;
                counts.malformed += taken - blank - filled as u64;
                let batch = slots.get(..filled).unwrap_or_default();
                self.warm(batch);
                for parsed in batch {
                    self.record(parsed, &mut events);
                }
            }
        }
        let touched = self.runs.touched();
        for addr in &touched {
            if let Some(stats) = self.tally.addresses.get_mut(addr) {
                self.runs.settle(*addr, &mut stats.minutes);
            }
        }
        let boundary = self.runs.end(touched);
        RunDone {
            first_block: blocks.first().map_or(0, |b| b.index),
            blocks: blocks.len() as u64,
            lines: counts.lines,
            parsed: counts.parsed,
            malformed: counts.malformed,
            consumed: blocks.last().map_or(0, |b| b.consumed),
            events,
            boundary,
        }
    }

    /// Looks up the table entries a batch of lines will count in, one after another, so
    /// their cache misses overlap rather than each stalling its own line.
    #[inline]
    fn warm(&self, batch: &[Parsed<'_>]) {
        let tally = &self.tally;
        for parsed in batch {
            if let Some(addr) = &parsed.hit.client {
                tally.addresses.warm(&addr.0, |s| *s);
            }
            if let Some(path) = &parsed.path {
                tally.paths.warm(&path.key, |s| s.bytes);
            }
        }
    }

    /// Counts one parsed line.
    #[inline]
    fn record(&mut self, parsed: &Parsed<'_>, events: &mut Events) {
        let Parsed {
            number,
            hit: ref record,
            path: path_key,
            agent: agent_key,
        } = *parsed;
        let tally = &mut self.tally;
        let status = record.status;
        let class = class_of(status);
        let bytes = record.bytes.unwrap_or(0);
        tally.classes.add(class, 1);
        if let Some(time) = record.time {
            tally.first_time = Some(tally.first_time.map_or(time, |t| t.min(time)));
            tally.last_time = Some(tally.last_time.map_or(time, |t| t.max(time)));
            tally.series.add(time, class);
        }
        let minute = record.time.and_then(minute_of);
        if let Some(minute) = minute {
            self.runs.saw(minute);
        }
        if let Some(status) = status {
            tally.requests += 1;
            tally.response_bytes = tally.response_bytes.saturating_add(bytes);
            if let Some(n) = tally.codes.get_mut(usize::from(status)) {
                *n += 1;
            }
        }
        let addr = record.client.map(|a| a.0);
        if let Some(addr) = addr {
            let large = bytes >= self.large_response;
            // Bytes weigh in too, so a few huge exports are not pruned away (1 per MiB).
            let weight = 1 + (bytes >> 20);
            let runs = &mut self.runs;
            tally.addresses.hit(&addr, weight, AddrStats::default, |s| {
                s.add(class, status, bytes, large);
                if let Some(minute) = minute {
                    s.minutes.add(addr, minute, runs);
                }
            });
        }
        if let (Some(path), Some(PathKey { key, bare, query })) = (record.path.as_deref(), path_key)
        {
            let bare = path.get(..bare).unwrap_or(path);
            let make = || PathStats {
                text: cut(bare, MAX_KEY).into(),
                ..PathStats::default()
            };
            tally.paths.hit(&key, 1, make, |s| {
                s.with_query = s.with_query.saturating_add(u32::from(query));
                s.classes.add(class);
                s.bytes = s.bytes.saturating_add(bytes);
            });
            if let Some(which) = self.plan.login_path(bare)
                && self.plan.login_method(record.method.as_deref())
            {
                events.push(
                    number,
                    record.time,
                    addr,
                    Kind::Login(self.plan.outcome(status), which),
                    status,
                    user(record),
                    Some(bare),
                );
            }
        }
        if let (Some(agent), Some(key)) = (record.agent.as_deref(), agent_key) {
            let agents = self.agents;
            let scratch = &mut self.scratch;
            let entry = tally.agents.hit(
                &key,
                1,
                || AgentStats {
                    text: cut(agent, MAX_KEY).into(),
                    requests: 0,
                    entry: classify(agents, agent, scratch),
                },
                |s| {
                    s.requests += 1;
                    s.entry
                },
            );
            if let Some(entry) = entry {
                if let Some(n) = tally.bot_totals.get_mut(usize::from(entry)) {
                    *n += 1;
                }
                if let Some(addr) = addr {
                    tally.bots.hit(&(entry, addr), 1, || 0, |n| *n += 1);
                }
            }
        }
        let kind = match record.event {
            Some(RecordEvent::SshFailed) => Some(Kind::SshFailed),
            Some(RecordEvent::SshAccepted) => Some(Kind::SshAccepted),
            Some(RecordEvent::SshInvalidUser) => Some(Kind::SshInvalidUser),
            _ => None,
        };
        if let Some(kind) = kind {
            events.push(number, record.time, addr, kind, status, user(record), None);
        }
        // Credential stuffing: any request or sshd attempt naming both an address and a user.
        if let (Some(addr), Some(name)) = (addr, user(record)) {
            let failed = match kind {
                Some(Kind::SshFailed | Kind::SshInvalidUser) => Some(true),
                Some(_) => Some(false),
                None => status.map(|_| self.plan.outcome(status) == Outcome::Failed),
            };
            if let Some(failed) = failed {
                let key = self.plan.text_key(name);
                tally.stuffing.attempt(addr, key, name, failed);
            }
        }
    }
}

/// A parsed line waiting in a batch, with the keys of its path and agent.
#[derive(Default)]
pub(crate) struct Parsed<'a> {
    number: u64,
    hit: Counted<'a>,
    path: Option<PathKey>,
    agent: Option<u64>,
}

/// A request path's key (the path without its query) and where its query starts.
#[derive(Clone, Copy, Default)]
struct PathKey {
    key: u64,
    bare: usize,
    query: bool,
}

impl<'a> Parsed<'a> {
    #[cfg(test)]
    fn new(plan: &Plan, number: u64, hit: Counted<'a>) -> Parsed<'a> {
        let mut parsed = Parsed {
            number,
            hit,
            path: None,
            agent: None,
        };
        parsed.key(plan);
        parsed
    }

    /// Reads line `number` into this slot; without a format every line is malformed.
    #[inline]
    fn read(
        &mut self,
        plan: &Plan,
        format: Option<&Format>,
        number: u64,
        line: &'a [u8],
    ) -> Result<(), Malformed> {
        let format = format.ok_or(Malformed {
            column: 1,
            reason: "the log format was not recognised",
        })?;
        self.hit.read(format, line)?;
        self.number = number;
        self.key(plan);
        Ok(())
    }

    /// Works out the path and agent keys.
    #[inline]
    fn key(&mut self, plan: &Plan) {
        let hit = &self.hit;
        self.path = hit.path.as_deref().map(|path| {
            let (bare, query) = split_query(path);
            PathKey {
                key: plan.text_key(bare),
                bare: bare.len(),
                query,
            }
        });
        self.agent = hit.agent.as_deref().map(|agent| plan.text_key(agent));
    }
}

/// The user a line names, if any (`-` is none).
fn user<'r>(record: &'r Counted<'_>) -> Option<&'r [u8]> {
    match record.user.as_deref() {
        None | Some(b"" | b"-") => None,
        Some(name) => Some(name),
    }
}

/// The agent-list entry an agent matches, by index.
fn classify(agents: &Agents, agent: &[u8], scratch: &mut Vec<u8>) -> Option<u16> {
    let found = agents.find(agent, scratch)?;
    let index = agents
        .entries()
        .iter()
        .position(|e| std::ptr::eq(e, found))?;
    u16::try_from(index).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Addr;
    use crate::record::Record;
    use std::borrow::Cow;

    fn request<'a>(
        addr: &str,
        time: i64,
        path: &'a str,
        status: u16,
        agent: &'a str,
    ) -> Record<'a> {
        Record {
            time: Some(time),
            client: Addr::parse(addr.as_bytes()),
            method: Some(Cow::Borrowed(b"GET")),
            path: Some(Cow::Borrowed(path.as_bytes())),
            status: Some(status),
            bytes: Some(100),
            agent: Some(Cow::Borrowed(agent.as_bytes())),
            ..Record::default()
        }
    }

    #[test]
    fn a_record_lands_in_every_table() {
        let options = Options::default();
        let plan = Plan::new(&options);
        let mut worker = Worker::new(&options, &plan, 1);
        let mut events = Events::default();
        let records = [
            request("10.0.0.1", 60, "/a?x=1", 200, "Mozilla/5.0"),
            request("10.0.0.1", 61, "/a", 401, "sqlmap/1.7"),
            request("10.0.0.2", 62, "/b", 503, "Mozilla/5.0"),
        ];
        for (i, r) in records.iter().enumerate() {
            worker.record(
                &Parsed::new(&plan, i as u64 + 1, r.clone().into()),
                &mut events,
            );
        }
        let tally = &worker.tally;
        assert_eq!(tally.requests, 3);
        let one = tally
            .addresses
            .get(&Addr::parse(b"10.0.0.1").expect("addr").0)
            .expect("counted");
        assert_eq!((one.requests(), one.unauthorized, one.bytes), (2, 1, 200));
        let a = tally.paths.get(&plan.text_key(b"/a")).expect("path");
        assert_eq!((a.classes.total(), a.with_query), (2, 1));
        assert_eq!(tally.codes[503], 1);
        let sqlmap = tally
            .agents
            .get(&plan.text_key(b"sqlmap/1.7"))
            .expect("agent");
        assert!(sqlmap.entry.is_some());
        assert_eq!(tally.bot_totals.iter().sum::<u64>(), 1);
        assert_eq!(events.len(), 0);
    }

    #[test]
    fn login_posts_become_events_and_users_count_for_stuffing() {
        let options = Options::default();
        let plan = Plan::new(&options);
        let mut worker = Worker::new(&options, &plan, 1);
        let mut events = Events::default();
        let mut post = request("10.0.0.9", 60, "/login?next=/", 401, "curl/8");
        post.method = Some(Cow::Borrowed(b"POST"));
        worker.record(&Parsed::new(&plan, 1, post.into()), &mut events);
        let get = request("10.0.0.9", 61, "/login", 200, "curl/8");
        worker.record(&Parsed::new(&plan, 2, get.into()), &mut events);
        let mut basic = request("10.0.0.9", 62, "/admin", 401, "curl/8");
        basic.user = Some(Cow::Borrowed(b"admin"));
        worker.record(&Parsed::new(&plan, 3, basic.into()), &mut events);
        let kinds: Vec<Kind> = events.iter().map(|e| e.kind).collect();
        assert_eq!(kinds, vec![Kind::Login(Outcome::Failed, 0)]);
        assert_eq!(worker.tally.stuffing.report(&options, 10).attempts, 1);
    }
}
