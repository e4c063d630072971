//! The charts of the HTML report, drawn as inline SVG: lines over time with spikes marked,
//! the status mix, and the top addresses by status.

use std::fmt::Write as _;

use super::capitalise;
use super::table::{Cell, Table, escape};
use crate::triage::report::{Report, Stamp};
use crate::triage::status::{CLASS_NAMES, CLASSES, Classes};
use crate::triage::units::{bytes, count};

/// Colours of the status classes, in [`CLASS_NAMES`] order.
const CLASS_COLOURS: [&str; CLASSES] = [
    "#8c8c8c", "#2f9e44", "#1c7ed6", "#f08c00", "#e03131", "#ced4da",
];

/// Width of the charts, in SVG units.
const CHART_WIDTH: f64 = 960.0;

/// Columns of the time chart.
const TIME_COLUMNS: usize = 480;

pub(super) fn rate(out: &mut String, r: &Report) {
    let rate = &r.rate;
    let (Some(first), Some(last)) = (rate.series.first(), rate.series.last()) else {
        return;
    };
    out.push_str("<h2>Lines over time</h2>\n");
    let _ = writeln!(
        out,
        "<p class=\"muted\">Each bar is the busiest {}-second stretch it covers; red bars hold a \
         spike. Median {:.1} per bucket, spikes above {:.0}. {}</p>",
        rate.series_seconds,
        rate.median,
        rate.threshold,
        escape(&capitalise(&rate.rule))
    );
    let (height, top, bottom, left) = (240.0, 16.0, 28.0, 56.0);
    let plot_w = CHART_WIDTH - left - 12.0;
    let plot_h = height - top - bottom;
    let span = (last.start.unix - first.start.unix).max(1) as f64;
    let mut columns = vec![(0u64, false, 0i64); TIME_COLUMNS];
    for point in &rate.series {
        let at = ((point.start.unix - first.start.unix) as f64 / span * (TIME_COLUMNS - 1) as f64)
            as usize;
        if let Some(column) = columns.get_mut(at)
            && (point.count > column.0 || point.spike)
        {
            column.0 = column.0.max(point.count);
            column.1 |= point.spike;
            column.2 = point.start.unix;
        }
    }
    let max = columns.iter().map(|c| c.0).max().unwrap_or(0).max(1) as f64;
    let bar_w = plot_w / TIME_COLUMNS as f64;
    let _ = writeln!(
        out,
        "<svg viewBox=\"0 0 {CHART_WIDTH} {height}\" width=\"{CHART_WIDTH}\" height=\"{height}\" \
         role=\"img\" aria-label=\"Lines over time\">"
    );
    let mut plain = String::new();
    let mut spikes = String::new();
    for (i, &(n, spike, start)) in columns.iter().enumerate() {
        if n == 0 {
            continue;
        }
        let h = n as f64 / max * plot_h;
        let x = left + i as f64 * bar_w;
        let y = top + plot_h - h;
        let rect = format!(
            "M{x:.1} {y:.1}h{:.2}v{h:.1}h-{:.2}z",
            bar_w.max(0.6),
            bar_w.max(0.6)
        );
        if spike {
            let _ = write!(
                spikes,
                "<path d=\"{rect}\" fill=\"#e03131\"><title>{} — {} lines (spike)</title></path>\
                 <path d=\"M{:.1} {:.1}l4 -8h-8z\" fill=\"#e03131\"/>",
                escape(&Stamp::at(start).time),
                count(n),
                x + bar_w / 2.0,
                top + plot_h - h - 2.0
            );
        } else {
            plain.push_str(&rect);
        }
    }
    let _ = writeln!(out, "<path d=\"{plain}\" fill=\"#4dabf7\"/>");
    out.push_str(&spikes);
    // The threshold is labelled on the right, the median on the left, so the two never
    // overlap however close they are.
    for (value, label, dash, x, anchor) in [
        (
            rate.threshold,
            "spike threshold",
            "6 3",
            left + plot_w,
            "end",
        ),
        (rate.median, "median", "2 3", left + 4.0, "start"),
    ] {
        if value > 0.0 && value < max {
            let y = top + plot_h - value / max * plot_h;
            let _ = writeln!(
                out,
                "<line x1=\"{left}\" x2=\"{:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#868e96\" \
                 stroke-dasharray=\"{dash}\"/><text x=\"{x:.1}\" y=\"{:.1}\" \
                 text-anchor=\"{anchor}\">{label}</text>",
                left + plot_w,
                y - 3.0
            );
        }
    }
    axes(out, left, top, plot_w, plot_h, max);
    for tick in 0..=4 {
        let fraction = f64::from(tick) / 4.0;
        let x = left + fraction * plot_w;
        let at = (first.start.unix + (span * fraction) as i64).div_euclid(60) * 60;
        let anchor = match tick {
            0 => "start",
            4 => "end",
            _ => "middle",
        };
        let _ = writeln!(
            out,
            "<line x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#adb5bd\"/>\
             <text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"{anchor}\">{}</text>",
            top + plot_h,
            top + plot_h + 4.0,
            height - 8.0,
            escape(&Stamp::at(at).time)
        );
    }
    out.push_str("</svg>\n");
    if !rate.spikes.is_empty() {
        let _ = writeln!(out, "<h3>Spikes ({})</h3>", count(rate.spike_count));
        let mut table = Table::new(&["Start", "Lines", "× median"]);
        for spike in &rate.spikes {
            table.row(vec![
                Cell::plain(&spike.start.time),
                Cell::num(spike.count),
                Cell::right(
                    &spike
                        .times_median
                        .map_or_else(|| "–".to_owned(), |x| format!("{x:.1}")),
                ),
            ]);
        }
        table.render(out);
    }
}

/// The y axis (0 and max) and the x axis line.
fn axes(out: &mut String, left: f64, top: f64, plot_w: f64, plot_h: f64, max: f64) {
    let _ = writeln!(
        out,
        "<line x1=\"{left}\" x2=\"{left}\" y1=\"{top}\" y2=\"{:.1}\" stroke=\"#adb5bd\"/>\
         <line x1=\"{left}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#adb5bd\"/>\
         <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\
         <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">0</text>",
        top + plot_h,
        left + plot_w,
        top + plot_h,
        top + plot_h,
        left - 6.0,
        top + 8.0,
        count(max as u64),
        left - 6.0,
        top + plot_h
    );
}

pub(super) fn status(out: &mut String, r: &Report) {
    let classes = &r.status.classes;
    let total = classes.total();
    if total == 0 {
        return;
    }
    out.push_str("<h2>Status mix</h2>\n");
    let height = 44.0;
    let _ = writeln!(
        out,
        "<svg viewBox=\"0 0 {CHART_WIDTH} {height}\" width=\"{CHART_WIDTH}\" height=\"{height}\" \
         role=\"img\" aria-label=\"Status mix\">"
    );
    let mut x = 8.0;
    let w = CHART_WIDTH - 16.0;
    for (class, (name, n)) in classes.named().enumerate() {
        if n == 0 {
            continue;
        }
        let part = n as f64 / total as f64 * w;
        let _ = writeln!(
            out,
            "<rect x=\"{x:.1}\" y=\"8\" width=\"{part:.2}\" height=\"28\" fill=\"{}\"><title>{name}: {} ({:.1}%)</title></rect>",
            CLASS_COLOURS.get(class).copied().unwrap_or("#999"),
            count(n),
            n as f64 * 100.0 / total as f64
        );
        x += part;
    }
    out.push_str("</svg>\n");
    legend(out, classes);
    if !r.status.codes.is_empty() {
        let mut table = Table::new(&["Status", "Responses", "Share"]);
        for code in &r.status.codes {
            table.row(vec![
                Cell::plain(&code.status.to_string()),
                Cell::num(code.count),
                Cell::right(&format!("{:.1}%", code.count as f64 * 100.0 / total as f64)),
            ]);
        }
        table.render(out);
    }
}

fn legend(out: &mut String, classes: &Classes) {
    out.push_str("<p class=\"legend\">");
    for (class, (name, n)) in classes.named().enumerate() {
        let _ = write!(
            out,
            "<span><i style=\"background:{}\"></i>{name} {}</span>",
            CLASS_COLOURS.get(class).copied().unwrap_or("#999"),
            count(n)
        );
    }
    out.push_str("</p>\n");
}

pub(super) fn addresses(out: &mut String, r: &Report) {
    if r.addresses.is_empty() {
        return;
    }
    out.push_str("<h2>Top addresses</h2>\n");
    let row_h = 22.0;
    let left = 250.0;
    let height = 12.0 + row_h * r.addresses.len() as f64;
    let max = r
        .addresses
        .iter()
        .map(|a| a.requests)
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let plot_w = CHART_WIDTH - left - 90.0;
    let _ = writeln!(
        out,
        "<svg viewBox=\"0 0 {CHART_WIDTH} {height}\" width=\"{CHART_WIDTH}\" height=\"{height}\" \
         role=\"img\" aria-label=\"Top addresses by requests\">"
    );
    for (i, row) in r.addresses.iter().enumerate() {
        let y = 6.0 + i as f64 * row_h;
        let _ = writeln!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            left - 8.0,
            y + 14.0,
            escape(&row.address)
        );
        let mut x = left;
        for (class, (name, n)) in row.status.named().enumerate() {
            if n == 0 {
                continue;
            }
            let w = n as f64 / max * plot_w;
            let _ = writeln!(
                out,
                "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{w:.2}\" height=\"{:.1}\" fill=\"{}\"><title>{} {name}: {}</title></rect>",
                y + 2.0,
                row_h - 6.0,
                CLASS_COLOURS.get(class).copied().unwrap_or("#999"),
                escape(&row.address),
                count(n)
            );
            x += w;
        }
        let _ = writeln!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            x + 6.0,
            y + 14.0,
            count(row.requests)
        );
    }
    out.push_str("</svg>\n");
    let mut headers = vec!["Address", "Requests"];
    headers.extend(CLASS_NAMES.iter().skip(1).take(4));
    headers.extend(["Bytes", "Peak/min", "Peak minute"]);
    let mut table = Table::new(&headers);
    for row in &r.addresses {
        let mut cells = vec![Cell::text(&row.address), Cell::num(row.requests)];
        for class in 1..5 {
            cells.push(Cell::num(row.status.get(class)));
        }
        cells.push(Cell::right(&bytes(row.bytes)));
        cells.push(Cell::num(row.peak_per_minute));
        cells.push(Cell::plain(
            row.peak_minute.as_ref().map_or("", |s| s.time.as_str()),
        ));
        table.row(cells);
    }
    table.render(out);
    if !r.peaks.is_empty() {
        out.push_str("<h3>Busiest minute per address</h3>\n");
        let mut table = Table::new(&["Address", "Requests in the minute", "Minute"]);
        for peak in &r.peaks {
            table.row(vec![
                Cell::text(&peak.address),
                Cell::num(peak.requests),
                Cell::plain(&peak.minute.time),
            ]);
        }
        table.render(out);
    }
}
