//! The report as one self-contained HTML page: inline CSS, inline SVG, no scripts and no
//! external URLs. Every piece of text from the store is escaped. The page depends only on the
//! report, which is taken as of its window's end, so the same store and the same `--until` give
//! the same bytes.

use std::fmt::Write as _;

use firebreak_core::report::{Compliance, Count, Report, SeverityFigures, Stats};

use super::{escape, percent, seconds, svg};

const STYLE: &str = "body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:60em;\
color:#222;padding:0 1em}h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.15em;\
margin-top:1.8em;border-bottom:1px solid #ddd}.meta{color:#666}table{border-collapse:collapse;\
margin:.5em 0}th,td{padding:.25em .7em;text-align:right;border-bottom:1px solid #eee}\
th:first-child,td:first-child{text-align:left}thead th{background:#f4f4f4}\
.tiles{display:flex;flex-wrap:wrap;gap:.8em}.tile{border:1px solid #ddd;border-radius:6px;\
padding:.5em 1em;min-width:8em}.tile b{display:block;font-size:1.4em}.legend span{display:inline-block;\
width:.8em;height:.8em;margin:0 .3em 0 1em;vertical-align:middle}svg{max-width:100%;height:auto}";

/// The whole page for `report`.
pub fn html(report: &Report) -> String {
    let mut out = String::with_capacity(16 * 1024);
    let w = report.scope.window;
    let severities = if report.scope.severities.is_empty() {
        "all severities".to_string()
    } else {
        report.scope.severities.join(", ")
    };
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>Response report {since} – {until}</title><style>{STYLE}</style></head><body>\
<h1>Response report</h1><p class=\"meta\">Incidents declared from {since} to {until} (UTC), \
{sev}; targets from the <b>{policy}</b> policy, clocks read at {until}.</p>",
        since = escape(&w.since.strftime("%Y-%m-%d %H:%M").to_string()),
        until = escape(&w.until.strftime("%Y-%m-%d %H:%M").to_string()),
        sev = escape(&severities),
        policy = escape(&report.policy),
    );

    let o = &report.overall;
    out.push_str("<div class=\"tiles\">");
    for (label, value) in [
        ("incidents", report.incidents.to_string()),
        ("MTTA", seconds(o.phases.acknowledge.mean)),
        ("MTTC", seconds(o.phases.contain.mean)),
        ("MTTR", seconds(o.phases.resolve.mean)),
        ("acknowledged in time", percent(o.ack_target.percent)),
        ("updates on time", percent(o.update_target.percent)),
        ("reopened", report.reopened.incidents.to_string()),
        ("merged away", report.merged.to_string()),
    ] {
        let _ = write!(
            out,
            "<div class=\"tile\">{}<b>{}</b></div>",
            escape(label),
            escape(&value)
        );
    }
    out.push_str("</div>");

    out.push_str("<h2>Incidents per week</h2><p class=\"legend\">");
    for (col, c) in report.by_severity.iter().enumerate() {
        let _ = write!(
            out,
            "<span style=\"background:{}\"></span>{}",
            svg::colour(col),
            escape(&c.name)
        );
    }
    out.push_str("</p>");
    out.push_str(&svg::weekly(report));

    out.push_str("<h2>Time to acknowledge, contain and resolve (mean)</h2>");
    out.push_str(&svg::phases(report));

    out.push_str(
        "<h2>Response times and targets</h2><table><thead><tr><th>severity</th><th>incidents</th>\
<th>MTTA</th><th>median</th><th>p90</th><th>MTTC</th><th>median</th><th>p90</th>\
<th>MTTR</th><th>median</th><th>p90</th><th>ack target</th><th>update target</th></tr></thead><tbody>",
    );
    for f in report.per_severity.iter().chain([&report.overall]) {
        figures_row(&mut out, f);
    }
    out.push_str("</tbody></table>");

    counts(&mut out, "By status", "status", &report.by_status);
    counts(&mut out, "By origin", "origin", &report.by_origin);

    out.push_str("<h2>Repeat incidents</h2>");
    if report.repeats.is_empty() {
        out.push_str("<p>None: no title or origin occurs twice.</p>");
    } else {
        out.push_str(
            "<table><thead><tr><th>shared</th><th>by</th><th>incidents</th><th>ids</th></tr></thead><tbody>",
        );
        for r in &report.repeats {
            let ids: Vec<String> = r.incidents.iter().map(|i| i.to_string()).collect();
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&r.key),
                r.by,
                r.count,
                escape(&ids.join(" "))
            );
        }
        out.push_str("</tbody></table>");
    }

    let a = &report.actions;
    let _ = write!(
        out,
        "<h2>Action items</h2><table><tbody><tr><td>done</td><td>{}</td></tr>\
<tr><td>open</td><td>{}</td></tr><tr><td>of which overdue</td><td>{}</td></tr></tbody></table>",
        a.done, a.open, a.overdue
    );
    let r = &report.reopened;
    let ids: Vec<String> = r.ids.iter().map(|i| i.to_string()).collect();
    let _ = write!(
        out,
        "<h2>Reopened</h2><p>{} incident(s) reopened {} time(s){}{}</p>",
        r.incidents,
        r.times,
        if ids.is_empty() { "" } else { ": " },
        escape(&ids.join(" "))
    );
    out.push_str("</body></html>\n");
    out
}

fn stats_cells(out: &mut String, s: &Stats) {
    for v in [s.mean, s.median, s.p90] {
        let _ = write!(out, "<td>{}</td>", escape(&seconds(v)));
    }
}

fn target_cell(out: &mut String, c: &Compliance) {
    let _ = write!(
        out,
        "<td title=\"{} met, {} missed, {} not judged\">{}</td>",
        c.met,
        c.missed,
        c.pending,
        escape(&percent(c.percent))
    );
}

fn figures_row(out: &mut String, f: &SeverityFigures) {
    let _ = write!(
        out,
        "<tr><td>{}</td><td>{}</td>",
        escape(&f.severity),
        f.incidents
    );
    stats_cells(out, &f.phases.acknowledge);
    stats_cells(out, &f.phases.contain);
    stats_cells(out, &f.phases.resolve);
    target_cell(out, &f.ack_target);
    target_cell(out, &f.update_target);
    out.push_str("</tr>");
}

fn counts(out: &mut String, title: &str, what: &str, rows: &[Count]) {
    let _ = write!(
        out,
        "<h2>{title}</h2><table><thead><tr><th>{what}</th><th>incidents</th></tr></thead><tbody>"
    );
    for c in rows {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td></tr>",
            escape(&c.name),
            c.count
        );
    }
    out.push_str("</tbody></table>");
}
