//! The traffic sections of the terminal report: volume over time, status mix, addresses,
//! paths, agents, bots, error responses and response volume.

use std::fmt::Write as _;

use super::table::{Table, clean, fit};
use super::{addr_list, heading, list};
use crate::triage::report::Report;
use crate::triage::status::CLASS_NAMES;
use crate::triage::units::{bytes, count, percent};

/// Levels of the sparkline, lowest first.
const SPARKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

pub(super) fn rate(out: &mut String, r: &Report, width: usize) {
    let rate = &r.rate;
    if rate.series.is_empty() {
        return;
    }
    let per = if rate.bucket_seconds == 60 {
        "minute".to_owned()
    } else {
        format!("{} s", rate.bucket_seconds)
    };
    heading(out, &format!("Lines per {per}"));
    let _ = writeln!(
        out,
        "  median {:.1}, median absolute deviation {:.1}; spikes are above {:.0}",
        rate.median, rate.mad, rate.threshold
    );
    let _ = writeln!(out, "  {}", sparkline(r, width.saturating_sub(2)));
    if rate.spikes.is_empty() {
        out.push_str("  No spikes.\n");
        return;
    }
    let _ = writeln!(out, "  Spikes ({}):", count(rate.spike_count));
    let mut table = Table::new(&["START", "LINES", "× MEDIAN"], usize::MAX);
    for spike in &rate.spikes {
        table.row(vec![
            spike.start.time.clone(),
            count(spike.count),
            spike
                .times_median
                .map_or_else(|| "-".to_owned(), |x| format!("{x:.1}")),
        ]);
    }
    table.indent = 4;
    table.render(out, width);
}

/// The series squeezed into `columns` characters, each the busiest point it covers; spikes
/// are marked underneath with `^`.
fn sparkline(r: &Report, columns: usize) -> String {
    let series = &r.rate.series;
    let (Some(first), Some(last)) = (series.first(), series.last()) else {
        return String::new();
    };
    let columns = columns.max(10);
    let span = (last.start.unix - first.start.unix).max(1) as f64;
    let mut levels = vec![0u64; columns];
    let mut spikes = vec![false; columns];
    for point in series {
        let at =
            ((point.start.unix - first.start.unix) as f64 / span * (columns - 1) as f64) as usize;
        if let Some(level) = levels.get_mut(at) {
            *level = (*level).max(point.count);
        }
        if point.spike
            && let Some(spike) = spikes.get_mut(at)
        {
            *spike = true;
        }
    }
    let max = levels.iter().copied().max().unwrap_or(0).max(1) as f64;
    let line: String = levels
        .iter()
        .map(|&n| {
            if n == 0 {
                ' '
            } else {
                let i = ((n as f64 / max) * (SPARKS.len() - 1) as f64).round() as usize;
                SPARKS.get(i).copied().unwrap_or('█')
            }
        })
        .collect();
    let marks: String = spikes.iter().map(|&s| if s { '^' } else { ' ' }).collect();
    if spikes.iter().any(|&s| s) {
        format!("{line}\n  {}", marks.trim_end())
    } else {
        line
    }
}

pub(super) fn status(out: &mut String, r: &Report, width: usize) {
    let classes = &r.status.classes;
    let total = classes.total();
    if total == 0 {
        return;
    }
    heading(out, "Status");
    let parts: Vec<String> = classes
        .named()
        .filter(|(_, n)| *n > 0)
        .map(|(name, n)| format!("{name} {} ({})", count(n), percent(n, total)))
        .collect();
    list(out, &parts, width);
    if !r.status.codes.is_empty() {
        let codes: Vec<String> = r
            .status
            .codes
            .iter()
            .map(|c| format!("{} × {}", c.status, count(c.count)))
            .collect();
        list(out, &codes, width);
    }
}

pub(super) fn addresses(out: &mut String, r: &Report, width: usize) {
    if r.addresses.is_empty() {
        return;
    }
    heading(out, "Top addresses");
    let mut headers = vec!["ADDRESS", "REQUESTS"];
    headers.extend(CLASS_NAMES.iter().skip(1).take(4));
    headers.extend(["BYTES", "PEAK/MIN"]);
    let mut table = Table::new(&headers, 0);
    for row in &r.addresses {
        let mut cells = vec![row.address.clone(), count(row.requests)];
        for class in 1..5 {
            cells.push(count(row.status.get(class)));
        }
        cells.push(bytes(row.bytes));
        cells.push(count(row.peak_per_minute));
        table.row(cells);
    }
    table.render(out, width);
    if !r.peaks.is_empty() {
        heading(out, "Busiest minute per address");
        let mut table = Table::new(&["ADDRESS", "REQUESTS", "MINUTE"], usize::MAX);
        for peak in &r.peaks {
            table.row(vec![
                peak.address.clone(),
                count(peak.requests),
                peak.minute.time.clone(),
            ]);
        }
        table.render(out, width);
    }
}

pub(super) fn paths_and_agents(out: &mut String, r: &Report, width: usize) {
    if !r.paths.is_empty() {
        heading(out, "Top paths (query strings stripped)");
        let mut table = Table::new(
            &["PATH", "REQUESTS", "WITH QUERY", "4xx", "5xx", "BYTES"],
            0,
        );
        for row in &r.paths {
            table.row(vec![
                clean(&row.path),
                count(row.requests),
                count(row.with_query),
                count(row.status.get(3)),
                count(row.status.get(4)),
                bytes(row.bytes),
            ]);
        }
        table.render(out, width);
    }
    if !r.agents.is_empty() {
        heading(out, "Top user agents");
        let mut table = Table::new(&["AGENT", "REQUESTS", "KIND"], 0);
        for row in &r.agents {
            table.row(vec![
                clean(&row.agent),
                count(row.requests),
                row.kind.clone().unwrap_or_default(),
            ]);
        }
        table.render(out, width);
    }
}

pub(super) fn bots(out: &mut String, r: &Report, width: usize) {
    if r.bots.is_empty() {
        return;
    }
    heading(out, "Scanners, scripts and crawlers");
    let mut table = Table::new(
        &["MATCH", "KIND", "REQUESTS", "ADDRESSES", "MOST ACTIVE"],
        4,
    );
    for bot in &r.bots {
        table.row(vec![
            clean(&bot.pattern),
            bot.kind.clone(),
            count(bot.requests),
            count(bot.address_count),
            addr_list(&bot.addresses, 3),
        ]);
    }
    table.render(out, width);
}

pub(super) fn errors(out: &mut String, r: &Report, width: usize) {
    let e = &r.errors;
    let lists = [
        ("401 Unauthorized", &e.unauthorized),
        ("403 Forbidden", &e.forbidden),
        ("429 Too Many Requests", &e.too_many_requests),
        ("5xx", &e.server_errors),
    ];
    if lists.iter().all(|(_, l)| l.is_empty()) {
        return;
    }
    heading(out, "Error responses by address");
    for (name, list) in lists {
        if list.is_empty() {
            continue;
        }
        let line = format!("  {name}: {}", addr_list(list, usize::MAX));
        let _ = writeln!(out, "{}", fit(&line, width));
    }
}

pub(super) fn exports(out: &mut String, r: &Report, width: usize) {
    let e = &r.exports;
    if e.top.is_empty() {
        return;
    }
    heading(
        out,
        &format!("Response volume (flagged at {})", bytes(e.threshold_bytes)),
    );
    let mut table = Table::new(
        &["ADDRESS", "BYTES", "REQUESTS", "LARGE", "FLAG"],
        usize::MAX,
    );
    for row in &e.top {
        table.row(vec![
            row.address.clone(),
            bytes(row.bytes),
            count(row.requests),
            count(row.large_responses),
            if row.flagged {
                "EXPORT".to_owned()
            } else {
                String::new()
            },
        ]);
    }
    table.render(out, width);
}
