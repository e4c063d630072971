//! Turning the merged tables into a [`Report`]: top lists, the time series and its spikes,
//! and the list of tables whose counts are approximate.

use std::cmp::Reverse;
use std::collections::BTreeMap;

use crate::Addr;

use super::collector::Collector;
use super::minutes::Peaks;
use super::options::{Options, Plan};
use super::rank::top;
use super::report::{
    AddrCount, AddressRow, AgentRow, Approximation, BotRow, CodeCount, ErrorTops, ExportReport,
    ExportRow, MalformedSample, PathRow, PeakRow, Point, REPORT_VERSION, Rate, Report, Spike,
    Stamp, StatusMix, StuffingReport, TimeRange, Totals,
};
use super::series::{MINUTE, Series, SpikeRule};
use super::worker::{AddrStats, Tally};

/// Most points in the reported series.
const MAX_POINTS: i64 = 20_000;

/// Most spikes listed.
const MAX_SPIKES: usize = 100;

/// Builds the report from the main thread's state and the workers' merged tally.
pub(crate) fn assemble(
    collector: Collector<'_>,
    tally: Tally,
    options: &Options,
    plan: &Plan,
) -> Report {
    let n = options.top;
    let mut boundaries = collector.boundaries;
    boundaries.flush();
    let skipped_minutes = boundaries.skipped;
    let mut peaks = boundaries.into_peaks();
    // Each address's busiest minute: the larger of what its workers settled inside runs and
    // what the main thread settled across them.
    for (addr, stats) in tally.addresses.iter() {
        if let Some(peak) = stats.minutes.peak() {
            peaks.offer(*addr, peak);
        }
    }
    let names: Vec<String> = collector.inputs.iter().map(|i| i.name.clone()).collect();

    let mut totals = Totals {
        inputs: collector.inputs.len(),
        requests: tally.requests,
        response_bytes: tally.response_bytes,
        ..Totals::default()
    };
    for input in &collector.inputs {
        totals.lines += input.lines;
        totals.parsed += input.parsed;
        totals.malformed += input.malformed;
        totals.overlong += input.overlong;
        totals.bytes += input.bytes;
    }
    let time_range = match (tally.first_time, tally.last_time) {
        (Some(first), Some(last)) => Some(TimeRange {
            first: Stamp::at(first),
            last: Stamp::at(last),
            seconds: last.saturating_sub(first),
        }),
        _ => None,
    };
    let malformed = tally
        .samples
        .iter()
        .map(|s| MalformedSample {
            input: names.get(s.input).cloned().unwrap_or_default(),
            line: s.line,
            column: s.column,
            reason: s.reason.clone(),
            text: s.text.clone(),
        })
        .collect();

    let mut codes: Vec<CodeCount> = tally
        .codes
        .iter()
        .enumerate()
        .filter(|(_, n)| **n > 0)
        .filter_map(|(status, &count)| {
            Some(CodeCount {
                status: u16::try_from(status).ok()?,
                count,
            })
        })
        .collect();
    codes = top(codes, n.max(10), |c| (Reverse(c.count), c.status));

    let rows: Vec<(u128, &AddrStats)> = tally.addresses.iter().map(|(a, s)| (*a, s)).collect();
    let addresses = top(rows.clone(), n, |(a, s)| (Reverse(s.requests()), *a))
        .into_iter()
        .map(|(a, s)| address_row(a, s, &peaks))
        .collect();
    let errors = ErrorTops {
        unauthorized: top_by(&rows, n, |s| u64::from(s.unauthorized)),
        forbidden: top_by(&rows, n, |s| u64::from(s.forbidden)),
        too_many_requests: top_by(&rows, n, |s| u64::from(s.too_many)),
        server_errors: top_by(&rows, n, |s| s.classes.get(4)),
    };
    let threshold = options.export_bytes;
    let exports = ExportReport {
        threshold_bytes: threshold,
        large_response_bytes: options.large_response,
        flagged: rows.iter().filter(|(_, s)| s.bytes >= threshold).count() as u64,
        top: top(
            rows.iter().filter(|(_, s)| s.bytes > 0).copied().collect(),
            n,
            |(a, s)| (Reverse(s.bytes), *a),
        )
        .into_iter()
        .map(|(a, s)| ExportRow {
            address: Addr(a).to_string(),
            bytes: s.bytes,
            requests: s.requests(),
            large_responses: u64::from(s.large),
            flagged: s.bytes >= threshold,
        })
        .collect(),
    };
    let peak_rows = top(peaks.iter().collect(), n, |(a, p)| {
        (Reverse(p.count), p.minute, *a)
    })
    .into_iter()
    .map(|(a, p)| PeakRow {
        address: Addr(a).to_string(),
        requests: u64::from(p.count),
        minute: Stamp::at(p.minute.saturating_mul(MINUTE)),
    })
    .collect();

    let paths = top(tally.paths.iter().map(|(_, s)| s).collect(), n, |s| {
        (Reverse(s.classes.total()), &s.text)
    })
    .into_iter()
    .map(|s| PathRow {
        path: String::from_utf8_lossy(&s.text).into_owned(),
        requests: s.classes.total(),
        with_query: u64::from(s.with_query),
        status: s.classes.wide(),
        bytes: s.bytes,
    })
    .collect();
    let entries = options.agents.entries();
    let agents = top(tally.agents.iter().map(|(_, s)| s).collect(), n, |s| {
        (Reverse(s.requests), &s.text)
    })
    .into_iter()
    .map(|s| AgentRow {
        agent: String::from_utf8_lossy(&s.text).into_owned(),
        requests: s.requests,
        kind: s
            .entry
            .and_then(|e| entries.get(usize::from(e)))
            .map(|e| e.kind.as_str().to_owned()),
    })
    .collect();
    let mut by_entry: BTreeMap<u16, Vec<(u128, u64)>> = BTreeMap::new();
    for (&(entry, addr), &count) in tally.bots.iter() {
        by_entry.entry(entry).or_default().push((addr, count));
    }
    let mut bots: Vec<BotRow> = tally
        .bot_totals
        .iter()
        .enumerate()
        .filter(|(_, n)| **n > 0)
        .filter_map(|(index, &requests)| {
            let entry = entries.get(index)?;
            let users = u16::try_from(index)
                .ok()
                .and_then(|i| by_entry.remove(&i))
                .unwrap_or_default();
            Some(BotRow {
                pattern: entry.pattern.clone(),
                kind: entry.kind.as_str().to_owned(),
                requests,
                address_count: users.len() as u64,
                addresses: top(users, n, |(a, c)| (Reverse(*c), *a))
                    .into_iter()
                    .map(|(a, c)| AddrCount {
                        address: Addr(a).to_string(),
                        count: c,
                    })
                    .collect(),
            })
        })
        .collect();
    bots.sort_by(|a, b| {
        let rank = |kind: &str| match kind {
            "scanner" => 0,
            "script" => 1,
            _ => 2,
        };
        (rank(&a.kind), Reverse(a.requests), &a.pattern).cmp(&(
            rank(&b.kind),
            Reverse(b.requests),
            &b.pattern,
        ))
    });

    let rule = SpikeRule {
        mads: options.spike_mads,
        ratio: options.spike_ratio,
        floor: options.spike_min,
    };
    let rate = rate(&tally.series, &rule);

    let mut approximate = Vec::new();
    let mut table = |name: &str, (under, kept): (u64, usize), meaning: String| {
        if under > 0 {
            approximate.push(Approximation {
                table: name.to_owned(),
                kept: kept as u64,
                max_undercount: under,
                meaning,
            });
        }
    };
    let under = tally.addresses.undercount();
    table(
        "addresses",
        (under, tally.addresses.keep()),
        format!(
            "more distinct addresses than are counted exactly: each address's requests may be \
             low by up to {under} (and its bytes by up to {under} MiB); an address not listed \
             had at most that many"
        ),
    );
    table(
        "paths",
        (tally.paths.undercount(), tally.paths.keep()),
        format!(
            "each path's requests may be low by up to {}",
            tally.paths.undercount()
        ),
    );
    table(
        "agents",
        (tally.agents.undercount(), tally.agents.keep()),
        format!(
            "each agent's requests may be low by up to {}",
            tally.agents.undercount()
        ),
    );
    table(
        "bot addresses",
        (tally.bots.undercount(), tally.bots.keep()),
        format!(
            "requests per bot and address may be low by up to {}; distinct address counts are \
             lower bounds",
            tally.bots.undercount()
        ),
    );
    let (under, kept) = collector.logins.undercount();
    table(
        "login addresses",
        (under, kept),
        format!("login attempts per address may be low by up to {under}; sequences may be missed"),
    );
    let [by_addr, by_user] = tally.stuffing.undercounts();
    table(
        "stuffing addresses",
        by_addr,
        format!("users per address may be low by up to {}", by_addr.0),
    );
    table(
        "stuffing users",
        by_user,
        format!("addresses per user may be low by up to {}", by_user.0),
    );
    let [by_addr, by_user] = collector.sshd.undercounts();
    table(
        "sshd addresses",
        by_addr,
        format!("sshd counts per address may be low by up to {}", by_addr.0),
    );
    table(
        "sshd users",
        by_user,
        format!("sshd counts per user may be low by up to {}", by_user.0),
    );
    if peaks.dropped() > 0 {
        let dropped = u64::from(peaks.dropped());
        table(
            "peaks",
            (dropped, options.max_addresses),
            format!(
                "an address's busiest minute may be shown low when it had at most {dropped} requests"
            ),
        );
    }
    if skipped_minutes > 0 {
        table(
            "minute boundaries",
            (skipped_minutes, 0),
            format!(
                "{skipped_minutes} requests in minutes shared between runs were left out of per-address peaks"
            ),
        );
    }
    if tally.stuffing.pairs_skipped() > 0 {
        let skipped = tally.stuffing.pairs_skipped();
        table(
            "user pairs",
            (skipped, 0),
            format!(
                "{skipped} attempts came after the (address, user) table was full; distinct counts are lower bounds"
            ),
        );
    }

    Report {
        version: REPORT_VERSION,
        totals,
        time_range,
        malformed,
        rate,
        status: StatusMix {
            classes: tally.classes,
            codes,
        },
        addresses,
        peaks: peak_rows,
        paths,
        agents,
        bots,
        errors,
        stuffing: StuffingReport {
            paths: collector.logins.spread(options, plan, n),
            ..tally.stuffing.report(options, n)
        },
        logins: collector.logins.report(options, plan, &names, n),
        exports,
        sshd: collector.sshd.report(options, &collector.names, &names, n),
        approximate,
        notes: collector.notes,
        inputs: collector.inputs,
    }
}

fn address_row(addr: u128, s: &AddrStats, peaks: &Peaks) -> AddressRow {
    let peak = peaks.get(addr);
    AddressRow {
        address: Addr(addr).to_string(),
        requests: s.requests(),
        status: s.classes.wide(),
        bytes: s.bytes,
        peak_per_minute: peak.map_or(0, |p| u64::from(p.count)),
        peak_minute: peak.map(|p| Stamp::at(p.minute.saturating_mul(MINUTE))),
        unauthorized: u64::from(s.unauthorized),
        forbidden: u64::from(s.forbidden),
        too_many_requests: u64::from(s.too_many),
        server_errors: s.classes.get(4),
        large_responses: u64::from(s.large),
    }
}

/// The addresses with the highest non-zero `count`.
fn top_by(
    rows: &[(u128, &AddrStats)],
    n: usize,
    count: impl Fn(&AddrStats) -> u64,
) -> Vec<AddrCount> {
    let hits: Vec<(u128, u64)> = rows
        .iter()
        .map(|(a, s)| (*a, count(s)))
        .filter(|(_, c)| *c > 0)
        .collect();
    top(hits, n, |(a, c)| (Reverse(*c), *a))
        .into_iter()
        .map(|(a, count)| AddrCount {
            address: Addr(a).to_string(),
            count,
        })
        .collect()
}

/// The series, its level and its spikes.
fn rate(series: &Series, rule: &SpikeRule) -> Rate {
    let width = series.width();
    let buckets = series.sorted();
    let totals: Vec<u64> = buckets.iter().map(|(_, c)| c.total()).collect();
    let span = match (buckets.first(), buckets.last()) {
        (Some((first, _)), Some((last, _))) => ((last - first) / width).unsigned_abs() + 1,
        _ => 0,
    };
    let level = rule.level(&totals, span, width);
    let spike_starts: Vec<(i64, u64)> = buckets
        .iter()
        .zip(&totals)
        .filter(|(_, total)| **total as f64 > level.threshold)
        .map(|((start, _), total)| (*start, *total))
        .collect();
    let spikes = spike_starts
        .iter()
        .take(MAX_SPIKES)
        .map(|&(start, count)| Spike {
            start: Stamp::at(start),
            count,
            times_median: (level.median > 0.0).then(|| count as f64 / level.median),
        })
        .collect();

    let mut step = width;
    while (span as i64).saturating_mul(width) / step > MAX_POINTS {
        step = step.saturating_mul(2);
    }
    let mut points: Vec<Point> = Vec::new();
    let mut spike_iter = spike_starts.iter().peekable();
    for (start, classes) in &buckets {
        let point_start = start.div_euclid(step).saturating_mul(step);
        let mut spike = false;
        while let Some(&&(s, _)) = spike_iter.peek() {
            if s.div_euclid(step).saturating_mul(step) == point_start {
                spike = true;
                spike_iter.next();
            } else if s < point_start {
                spike_iter.next();
            } else {
                break;
            }
        }
        match points.last_mut() {
            Some(last) if last.start.unix == point_start => {
                last.count += classes.total();
                last.status.merge(classes);
                last.spike |= spike;
            }
            _ => points.push(Point {
                start: Stamp::at(point_start),
                count: classes.total(),
                status: *classes,
                spike,
            }),
        }
    }
    Rate {
        bucket_seconds: width,
        median: level.median,
        mad: level.mad,
        threshold: level.threshold,
        rule: format!(
            "a {}-second bucket is a spike when its lines exceed the median by more than {} median \
             absolute deviations (the deviation taken as at least 1), reach {}× the median and \
             number at least {} per minute; the median counts empty buckets between the first \
             and last line",
            width, rule.mads, rule.ratio, rule.floor
        ),
        series_seconds: step,
        series: points,
        spikes,
        spike_count: spike_starts.len() as u64,
    }
}
