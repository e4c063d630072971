//! The report's two inline SVG charts: incidents declared per week, stacked by severity, and the
//! mean phase durations per severity as bars. Plain SVG text, no scripts, fixed sizes, so the
//! page stays self-contained and byte-for-byte deterministic.

use std::fmt::Write as _;

use firebreak_core::report::Report;

use super::{escape, seconds};

/// Fill colours by severity column, most severe first; later columns reuse the last.
pub const PALETTE: [&str; 6] = [
    "#c0392b", "#e67e22", "#f1c40f", "#7f8c8d", "#2980b9", "#8e44ad",
];

pub fn colour(column: usize) -> &'static str {
    PALETTE[column.min(PALETTE.len() - 1)]
}

/// Stacked bars of incidents per week.
pub fn weekly(report: &Report) -> String {
    let (w, h, left, bottom, top) = (720.0, 220.0, 36.0, 28.0, 10.0);
    let weeks = &report.weeks;
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" aria-label="Incidents declared per week by severity">"#
    );
    if weeks.is_empty() {
        out.push_str(r#"<text x="10" y="20">No incidents in the window.</text></svg>"#);
        return out;
    }
    let max = weeks
        .iter()
        .map(|wk| wk.counts.iter().sum::<u64>())
        .max()
        .unwrap_or(0)
        .max(1);
    let plot_h = h - bottom - top;
    let slot = (w - left - 4.0) / weeks.len() as f64;
    let bar = (slot * 0.8).max(1.0);
    let _ = write!(
        out,
        r##"<line x1="{left}" y1="{top}" x2="{left}" y2="{y0}" stroke="#888"/><line x1="{left}" y1="{y0}" x2="{w}" y2="{y0}" stroke="#888"/><text x="{tx}" y="{ty}" font-size="10" text-anchor="end">{max}</text><text x="{tx}" y="{y0}" font-size="10" text-anchor="end">0</text>"##,
        y0 = h - bottom,
        tx = left - 4.0,
        ty = top + 8.0,
    );
    let label_every = (weeks.len() / 8).max(1);
    for (k, wk) in weeks.iter().enumerate() {
        let x = left + 2.0 + slot * k as f64;
        let mut y = h - bottom;
        for (col, &n) in wk.counts.iter().enumerate() {
            if n == 0 {
                continue;
            }
            let bh = plot_h * n as f64 / max as f64;
            y -= bh;
            let name = report
                .by_severity
                .get(col)
                .map(|c| c.name.as_str())
                .unwrap_or("?");
            let _ = write!(
                out,
                r#"<rect x="{x:.1}" y="{y:.1}" width="{bar:.1}" height="{bh:.1}" fill="{}"><title>week of {}: {n} {}</title></rect>"#,
                colour(col),
                wk.start,
                escape(name)
            );
        }
        if k % label_every == 0 {
            let _ = write!(
                out,
                r#"<text x="{:.1}" y="{:.1}" font-size="10">{}</text>"#,
                x,
                h - bottom + 14.0,
                &wk.start.strftime("%m-%d")
            );
        }
    }
    out.push_str("</svg>");
    out
}

/// Horizontal bars of mean time to acknowledge, contain and resolve per severity.
pub fn phases(report: &Report) -> String {
    let rows: Vec<_> = report
        .per_severity
        .iter()
        .filter(|f| f.incidents > 0)
        .collect();
    let (w, left, row_h, gap) = (720.0, 120.0, 14.0, 10.0);
    let h = 20.0 + rows.len() as f64 * (3.0 * row_h + gap);
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" aria-label="Mean time to acknowledge, contain and resolve per severity">"#
    );
    let max = rows
        .iter()
        .flat_map(|f| {
            let p = &f.phases;
            [p.acknowledge.mean, p.contain.mean, p.resolve.mean]
        })
        .flatten()
        .fold(0.0f64, f64::max)
        .max(1.0);
    let shades = [("acknowledge", 1.0), ("contain", 0.7), ("resolve", 0.45)];
    let mut y = 10.0;
    for f in &rows {
        let col = report
            .by_severity
            .iter()
            .position(|c| c.name == f.severity)
            .unwrap_or(0);
        let _ = write!(
            out,
            r#"<text x="0" y="{:.1}" font-size="12" font-weight="bold">{}</text>"#,
            y + row_h,
            escape(&f.severity)
        );
        let p = &f.phases;
        for ((phase, opacity), mean) in
            shades
                .iter()
                .zip([p.acknowledge.mean, p.contain.mean, p.resolve.mean])
        {
            let len = mean.map_or(0.0, |m| (w - left - 90.0) * m.max(0.0) / max);
            let _ = write!(
                out,
                r#"<text x="40" y="{ty:.1}" font-size="10">{phase}</text><rect x="{left}" y="{y:.1}" width="{len:.1}" height="{bh:.1}" fill="{fill}" fill-opacity="{opacity}"><title>{sev} mean time to {phase}: {text}</title></rect><text x="{lx:.1}" y="{ty:.1}" font-size="10">{text}</text>"#,
                ty = y + row_h - 3.0,
                bh = row_h - 2.0,
                fill = colour(col),
                sev = escape(&f.severity),
                text = seconds(mean),
                lx = left + len + 4.0,
            );
            y += row_h;
        }
        y += gap;
    }
    out.push_str("</svg>");
    out
}
