//! The terminal report: sections in the order a responder reads them, aligned columns, no
//! colour codes. Text from the log is shown with control characters escaped (`\x1b`), so a
//! crafted user agent cannot move the cursor or retitle the terminal.

mod auth;
mod table;
mod traffic;

use std::fmt::Write as _;

use super::report::{AddrCount, Report, Stamp};
use super::units::{bytes, count, duration};
use table::{Table, clean, fit};

/// Narrowest width laid out for.
const MIN_WIDTH: usize = 60;

/// The report as aligned plain text for a terminal `width` columns wide (at least 60 is
/// assumed); long paths and agents are cut to fit.
pub fn render(report: &Report, width: usize) -> String {
    let width = width.max(MIN_WIDTH);
    let mut out = String::new();
    overview(&mut out, report, width);
    inputs(&mut out, report, width);
    traffic::rate(&mut out, report, width);
    traffic::status(&mut out, report, width);
    traffic::addresses(&mut out, report, width);
    traffic::paths_and_agents(&mut out, report, width);
    traffic::bots(&mut out, report, width);
    traffic::errors(&mut out, report, width);
    auth::logins(&mut out, report, width);
    auth::stuffing(&mut out, report, width);
    traffic::exports(&mut out, report, width);
    auth::sshd(&mut out, report, width);
    caveats(&mut out, report, width);
    out
}

fn overview(out: &mut String, r: &Report, width: usize) {
    let t = &r.totals;
    let _ = writeln!(
        out,
        "Triage of {} input{}: {} lines, {}",
        t.inputs,
        if t.inputs == 1 { "" } else { "s" },
        count(t.lines),
        bytes(t.bytes),
    );
    para(
        out,
        &format!(
            "{} parsed, {} malformed, {} overlong",
            count(t.parsed),
            count(t.malformed),
            count(t.overlong)
        ),
        width,
    );
    match &r.time_range {
        Some(range) => para(
            out,
            &format!(
                "from {} to {} ({})",
                range.first.time,
                range.last.time,
                duration(range.seconds)
            ),
            width,
        ),
        None => para(out, "no timestamps", width),
    }
    if t.requests > 0 {
        para(
            out,
            &format!(
                "{} HTTP requests, {} sent",
                count(t.requests),
                bytes(t.response_bytes)
            ),
            width,
        );
    }
}

fn inputs(out: &mut String, r: &Report, width: usize) {
    if r.inputs.len() > 1
        || r.inputs
            .iter()
            .any(|i| i.ended.is_some() || i.format.is_none())
    {
        heading(out, "Inputs");
        let mut table = Table::new(
            &["INPUT", "FORMAT", "LINES", "MALFORMED", "OVERLONG", "BYTES"],
            0,
        );
        for input in &r.inputs {
            let format = match (&input.format, input.gzip) {
                (Some(f), true) => format!("{f}, gzip"),
                (Some(f), false) => f.clone(),
                (None, _) => "unknown".to_owned(),
            };
            table.row(vec![
                clean(&input.name),
                format,
                count(input.lines),
                count(input.malformed),
                count(input.overlong),
                bytes(input.bytes),
            ]);
        }
        table.render(out, width);
        for input in &r.inputs {
            if let Some(ended) = &input.ended {
                let _ = writeln!(
                    out,
                    "  {} ended early at line {} (byte {}): {}",
                    clean(&input.name),
                    count(ended.line),
                    count(ended.byte),
                    clean(&ended.message)
                );
            }
        }
    }
    if !r.malformed.is_empty() {
        heading(
            out,
            &format!("Malformed lines ({})", count(r.totals.malformed)),
        );
        for sample in &r.malformed {
            let place = format!(
                "{}:{}:{}: {}",
                clean(&sample.input),
                sample.line,
                sample.column,
                sample.reason
            );
            let _ = writeln!(out, "  {place}");
            let _ = writeln!(
                out,
                "    {}",
                fit(&clean(&sample.text), width.saturating_sub(4))
            );
        }
    }
}

fn caveats(out: &mut String, r: &Report, width: usize) {
    if !r.approximate.is_empty() {
        heading(out, "Approximate counts");
        for a in &r.approximate {
            wrap(out, &format!("{}: {}", a.table, a.meaning), width);
        }
    }
    if !r.notes.is_empty() {
        heading(out, "Notes");
        for note in &r.notes {
            wrap(out, &clean(note), width);
        }
    }
}

pub(super) fn heading(out: &mut String, title: &str) {
    let _ = writeln!(out, "\n{title}");
}

/// `text` as lines indented by two spaces, no wider than `width` (a word longer than the line
/// stays whole).
pub(super) fn para(out: &mut String, text: &str, width: usize) {
    let mut line = String::from(" ");
    for word in text.split_whitespace() {
        if line.chars().count() + 1 + word.chars().count() > width && line.len() > 2 {
            let _ = writeln!(out, "{line}");
            line = String::from(" ");
        }
        line.push(' ');
        line.push_str(word);
    }
    if line.len() > 1 {
        let _ = writeln!(out, "{line}");
    }
}

/// `items` joined by `, ` on lines indented by two spaces, no wider than `width`, breaking
/// only between items.
pub(super) fn list(out: &mut String, items: &[String], width: usize) {
    let mut line = String::from("  ");
    for (i, item) in items.iter().enumerate() {
        let sep = if i + 1 < items.len() { "," } else { "" };
        if line.chars().count() + item.chars().count() + 2 > width && line.len() > 2 {
            let _ = writeln!(out, "{}", line.trim_end());
            line = String::from("  ");
        }
        line.push_str(item);
        line.push_str(sep);
        line.push(' ');
    }
    if line.len() > 2 {
        let _ = writeln!(out, "{}", line.trim_end());
    }
}

/// Where a line is: `line N` when there is one input, `NAME:N` otherwise.
pub(super) fn place(r: &Report, input: &str, line: u64) -> String {
    if r.inputs.len() == 1 {
        format!("line {line}")
    } else {
        format!("{}:{line}", clean(input))
    }
}

/// `text` as `  - …` lines no wider than `width`.
fn wrap(out: &mut String, text: &str, width: usize) {
    let mut line = String::from("  -");
    for word in text.split_whitespace() {
        if line.chars().count() + 1 + word.chars().count() > width && line.len() > 4 {
            let _ = writeln!(out, "{line}");
            line = String::from("   ");
        }
        line.push(' ');
        line.push_str(word);
    }
    let _ = writeln!(out, "{line}");
}

pub(super) fn addr_list(list: &[AddrCount], most: usize) -> String {
    list.iter()
        .take(most)
        .map(|a| format!("{} ({})", a.address, count(a.count)))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) fn stamp(s: Option<&Stamp>) -> String {
    s.map_or_else(|| "-".to_owned(), |s| s.time.clone())
}
