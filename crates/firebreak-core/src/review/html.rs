//! The review as one self-contained HTML page: inline CSS (with print rules), an inline SVG
//! chart of the response phases, no scripts and no external URLs. Every piece of recorded text
//! goes through [`escape`] on its way into the page.

use std::fmt::Write as _;

use super::build::{Phase, Review, Verdict, length, when};
use super::markdown::{NOT_WRITTEN, state_words};
pub use crate::html::escape;

const STYLE: &str = "
body{font:15px/1.5 system-ui,-apple-system,'Segoe UI',sans-serif;color:#1c1c1c;background:#fff;margin:0}
main{max-width:56rem;margin:0 auto;padding:1.5rem}
h1{font-size:1.6rem;margin:0 0 .2rem}h2{font-size:1.2rem;margin:1.8rem 0 .6rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
.sub{color:#555;margin:0 0 1rem}
table{border-collapse:collapse;width:100%;margin:.4rem 0}
th,td{text-align:left;vertical-align:top;padding:.3rem .5rem;border-bottom:1px solid #eee}
th{font-weight:600;color:#444}
.facts th{width:9rem}
.text{white-space:pre-wrap;margin:.2rem 0}
.empty{color:#595959;font-style:italic}
.met{color:#1a7f37}.missed{color:#c62828}.none,.pending{color:#666}
ol.timeline{list-style:none;padding:0}ol.timeline li{padding:.25rem 0;border-bottom:1px solid #f2f2f2}
.at{font-variant-numeric:tabular-nums;color:#555;margin-right:.5rem}.who{font-weight:600;margin-right:.5rem}
.kind{display:inline-block;min-width:6.5rem;color:#666;font-size:.85em}
code{font:12px ui-monospace,Menlo,Consolas,monospace;word-break:break-all}
.bad{color:#c62828;font-weight:600}
svg{max-width:100%;height:auto}
@media print{body{font-size:11pt}main{max-width:none;padding:0}h2{break-after:avoid}
tr,li,svg{break-inside:avoid}a{color:inherit;text-decoration:none}}
";

fn verdict_class(v: Verdict) -> &'static str {
    match v {
        Verdict::Met => "met",
        Verdict::Missed => "missed",
        Verdict::NoTarget => "none",
        Verdict::NotReached => "pending",
    }
}

/// Horizontal bars, one per phase, on one linear scale; a target shows as a dark tick.
fn chart(phases: &[Phase]) -> String {
    const LEFT: i64 = 110;
    const WIDTH: i64 = 460;
    const ROW: i64 = 30;
    let longest = phases
        .iter()
        .flat_map(|p| [p.secs, p.target_secs])
        .flatten()
        .max()
        .unwrap_or(0)
        .max(1);
    let x = |secs: i64| LEFT + secs.max(0) * WIDTH / longest;
    let height = ROW * phases.len() as i64 + 10;
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg viewBox=\"0 0 700 {height}\" width=\"700\" height=\"{height}\" role=\"img\" aria-label=\"Response phase durations against targets\">"
    );
    for (i, p) in phases.iter().enumerate() {
        let y = 5 + ROW * i as i64;
        let colour = match p.verdict {
            Verdict::Met => "#2e9e4f",
            Verdict::Missed => "#d64545",
            Verdict::NoTarget => "#6b8fb8",
            Verdict::NotReached => "#cccccc",
        };
        let _ = write!(
            svg,
            "<text x=\"0\" y=\"{}\" font-size=\"13\" fill=\"#333\">{}</text>",
            y + 16,
            p.name
        );
        let label = match p.secs {
            Some(s) => {
                let end = x(s);
                let _ = write!(
                    svg,
                    "<rect x=\"{LEFT}\" y=\"{}\" width=\"{}\" height=\"18\" fill=\"{colour}\"/>",
                    y + 3,
                    (end - LEFT).max(1)
                );
                (end, length(s))
            }
            None => (LEFT, "not reached".to_string()),
        };
        if let Some(t) = p.target_secs {
            let tx = x(t);
            let _ = write!(
                svg,
                "<line x1=\"{tx}\" y1=\"{}\" x2=\"{tx}\" y2=\"{}\" stroke=\"#111\" stroke-width=\"2\"/><text x=\"{}\" y=\"{}\" font-size=\"10\" fill=\"#111\">target {}</text>",
                y,
                y + 24,
                tx + 3,
                y + 8,
                length(t)
            );
        }
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" font-size=\"12\" fill=\"#333\">{} · {}</text>",
            label.0 + 6,
            y + 16,
            escape(&label.1),
            p.verdict.words()
        );
    }
    svg.push_str("</svg>");
    svg
}

/// Renders the review as one HTML page. The same review gives the same bytes.
pub fn html(r: &Review) -> String {
    let h = &r.header;
    let e = escape;
    let mut page = String::new();
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>Review {} — {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n",
        e(&h.id),
        e(&h.title)
    );
    let _ = writeln!(
        page,
        "<h1>Post-incident review</h1>\n<p class=\"sub\">{} — {}</p>",
        e(&h.id),
        e(&h.title)
    );
    page.push_str("<table class=\"facts\">\n");
    let mut fact = |k: &str, v: &str| {
        let _ = writeln!(page, "<tr><th>{k}</th><td>{}</td></tr>", e(v));
    };
    let severity = match &h.severity_label {
        Some(l) => format!("{} ({l})", h.severity),
        None => h.severity.clone(),
    };
    fact("Severity", &severity);
    fact("Status", &h.status.to_string());
    fact(
        "Declared",
        &format!("by {} at {}", h.declared.by, when(h.declared.at)),
    );
    fact("Started", &when(h.started_at));
    fact("Detected", &when(h.detected_at));
    fact("Resolved", &h.resolved_at.map_or("not yet".into(), when));
    if let Some(c) = h.closed_at {
        fact("Closed", &when(c));
    }
    fact(
        "Duration",
        &h.duration_secs.map_or("not resolved yet".into(), |s| {
            format!("{} (started → resolved)", length(s))
        }),
    );
    if !h.roles.is_empty() {
        let roles: Vec<String> = h.roles.iter().map(|(r, p)| format!("{r} {p}")).collect();
        fact("Roles", &roles.join(", "));
    }
    fact("Review", &state_words(r));
    page.push_str("</table>\n");

    page.push_str("<h2>Response phases</h2>\n");
    page.push_str(&chart(&r.phases));
    page.push_str("\n<table>\n<tr><th>Phase</th><th>Measured</th><th>Took</th><th>Target</th><th>Result</th></tr>\n");
    for p in &r.phases {
        let _ = writeln!(
            page,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"{}\">{}</td></tr>",
            p.name,
            p.span,
            p.secs.map_or("—".into(), length),
            p.target_secs.map_or("—".into(), length),
            verdict_class(p.verdict),
            p.verdict.words()
        );
    }
    page.push_str("</table>\n");

    for s in &r.sections {
        let _ = writeln!(page, "<h2>{}</h2>", e(s.heading));
        match &s.text {
            Some(t) => {
                let _ = writeln!(page, "<div class=\"text\">{}</div>", e(t));
            }
            None => {
                let _ = writeln!(page, "<p class=\"empty\">{NOT_WRITTEN}</p>");
            }
        }
    }

    page.push_str("<h2>Timeline</h2>\n<ol class=\"timeline\">\n");
    for t in &r.timeline {
        let _ = writeln!(
            page,
            "<li><span class=\"at\">{}</span><span class=\"who\">{}</span><span class=\"kind\">{}</span><span class=\"text\">{}</span></li>",
            when(t.at),
            e(&t.actor),
            t.kind,
            e(&t.text)
        );
    }
    page.push_str("</ol>\n");
    if !r.also_recorded.is_empty() {
        let also: Vec<String> = r
            .also_recorded
            .iter()
            .map(|(what, n)| format!("{n} {what}"))
            .collect();
        let _ = writeln!(page, "<p>Also in the journal: {}.</p>", e(&also.join(", ")));
    }

    page.push_str("<h2>Action items</h2>\n");
    if r.actions.is_empty() {
        page.push_str("<p class=\"empty\">None recorded.</p>\n");
    } else {
        page.push_str(
            "<table>\n<tr><th>#</th><th>Action</th><th>Owner</th><th>Due</th><th>Done</th></tr>\n",
        );
        for a in &r.actions {
            let done = a.done.as_ref().map_or("open".into(), |s| {
                format!("done by {} at {}", s.by, when(s.at))
            });
            let _ = writeln!(
                page,
                "<tr><td>{}</td><td class=\"text\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                a.number,
                e(&a.text),
                e(a.owner.as_deref().unwrap_or("—")),
                a.due.map_or("—".into(), |d| d.to_string()),
                e(&done)
            );
        }
        page.push_str("</table>\n");
    }

    if !r.evidence.is_empty() {
        page.push_str("<h2>Evidence</h2>\n<table>\n<tr><th>Id</th><th>Kind</th><th>Source</th><th>Bytes</th><th>SHA-256</th></tr>\n");
        for item in &r.evidence {
            let _ = writeln!(
                page,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code>{}</td></tr>",
                e(&item.id),
                e(&item.kind),
                e(&item.source),
                item.size,
                e(&item.sha256),
                if item.purged { " (bytes purged)" } else { "" }
            );
        }
        page.push_str("</table>\n");
    }

    let c = &r.chain;
    page.push_str("<h2>Journal</h2>\n<ul>\n");
    let _ = writeln!(
        page,
        "<li>{} events; head is event {} with SHA-256 <code>{}</code></li>",
        c.events,
        c.head_seq,
        e(&c.head_hash)
    );
    if c.verified {
        let _ = writeln!(
            page,
            "<li>The hash chain and its signed seal verify (journal key <code>{}</code>)</li>",
            e(&c.key)
        );
    } else {
        page.push_str("<li class=\"bad\">The journal does not verify:<ul>");
        for f in &c.faults {
            let _ = write!(page, "<li>{}</li>", e(f));
        }
        page.push_str("</ul></li>\n");
    }
    let _ = writeln!(
        page,
        "<li>Check it: <code>firebreak verify {}</code></li>\n</ul>",
        e(&h.id)
    );
    page.push_str("</main>\n</body>\n</html>\n");
    page
}
