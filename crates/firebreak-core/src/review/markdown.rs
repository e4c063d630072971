//! The review as Markdown: the default export, and what `firebreak review ID` prints.

use std::fmt::Write as _;

use super::State;
use super::build::{Review, length, when};
use crate::incident::Stamp;

/// Shown in place of a human section nobody has written.
pub(super) const NOT_WRITTEN: &str = "(not written yet)";

/// Text made safe for one Markdown table cell.
fn cell(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
}

fn stamp(s: &Stamp) -> String {
    format!("{} at {}", s.by, when(s.at))
}

/// What the review's sign-off line says, in words.
pub(super) fn state_words(r: &Review) -> String {
    let s = &r.sign_off;
    match s.state {
        State::Draft => "draft".to_string(),
        State::InReview => format!(
            "in review{}",
            s.submitted
                .as_ref()
                .map(|x| format!(" (submitted by {})", stamp(x)))
                .unwrap_or_default()
        ),
        State::Published => format!(
            "published{}",
            s.published
                .as_ref()
                .map(|x| format!(" (signed off by {})", stamp(x)))
                .unwrap_or_default()
        ),
    }
}

/// Renders the review as Markdown. The same review gives the same bytes.
pub fn markdown(r: &Review) -> String {
    let mut md = String::new();
    let h = &r.header;
    let _ = writeln!(md, "# Post-incident review: {} — {}\n", h.id, h.title);
    md.push_str("| | |\n|---|---|\n");
    let mut fact = |k: &str, v: String| {
        let _ = writeln!(md, "| {k} | {} |", cell(&v));
    };
    fact("Incident", h.id.clone());
    fact("Title", h.title.clone());
    fact(
        "Severity",
        match &h.severity_label {
            Some(l) => format!("{} ({l})", h.severity),
            None => h.severity.clone(),
        },
    );
    fact("Status", h.status.to_string());
    fact("Declared", format!("by {}", stamp(&h.declared)));
    fact("Started", when(h.started_at));
    fact("Detected", when(h.detected_at));
    fact("Resolved", h.resolved_at.map_or("not yet".into(), when));
    if let Some(c) = h.closed_at {
        fact("Closed", when(c));
    }
    fact(
        "Duration",
        h.duration_secs.map_or("not resolved yet".into(), |s| {
            format!("{} (started → resolved)", length(s))
        }),
    );
    if !h.roles.is_empty() {
        let roles: Vec<String> = h.roles.iter().map(|(r, p)| format!("{r} {p}")).collect();
        fact("Roles", roles.join(", "));
    }
    if h.reopened > 0 {
        fact("Reopened", format!("{} time(s)", h.reopened));
    }
    fact("Review", state_words(r));

    md.push_str("\n## Response phases\n\n");
    md.push_str("| Phase | Measured | Took | Target | Result |\n|---|---|---|---|---|\n");
    for p in &r.phases {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} |",
            p.name,
            p.span,
            p.secs.map_or("—".into(), length),
            p.target_secs.map_or("—".into(), length),
            p.verdict.words()
        );
    }

    for s in &r.sections {
        let _ = writeln!(md, "\n## {}\n", s.heading);
        let _ = writeln!(md, "{}", s.text.as_deref().unwrap_or(NOT_WRITTEN));
    }

    md.push_str("\n## Timeline\n\n");
    for t in &r.timeline {
        let mut lines = t.text.lines();
        let first = lines.next().unwrap_or("");
        let _ = writeln!(md, "- **{}** {} — {first}", when(t.at), t.actor);
        for more in lines {
            let _ = writeln!(md, "  {more}");
        }
    }
    if !r.also_recorded.is_empty() {
        let also: Vec<String> = r
            .also_recorded
            .iter()
            .map(|(what, n)| format!("{n} {what}"))
            .collect();
        let _ = writeln!(md, "\nAlso in the journal: {}.", also.join(", "));
    }

    md.push_str("\n## Action items\n\n");
    if r.actions.is_empty() {
        md.push_str("None recorded.\n");
    } else {
        md.push_str("| # | Action | Owner | Due | Done |\n|---|---|---|---|---|\n");
        for a in &r.actions {
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {} |",
                a.number,
                cell(&a.text),
                cell(a.owner.as_deref().unwrap_or("—")),
                a.due.map_or("—".into(), |d| d.to_string()),
                a.done
                    .as_ref()
                    .map_or("open".into(), |s| cell(&format!("done by {}", stamp(s))))
            );
        }
    }

    if !r.evidence.is_empty() {
        md.push_str("\n## Evidence\n\n");
        md.push_str("| Id | Kind | Source | Bytes | SHA-256 |\n|---|---|---|---|---|\n");
        for e in &r.evidence {
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | `{}`{} |",
                e.id,
                e.kind,
                cell(&e.source),
                e.size,
                e.sha256,
                if e.purged { " (bytes purged)" } else { "" }
            );
        }
    }

    let c = &r.chain;
    md.push_str("\n## Journal\n\n");
    let _ = writeln!(
        md,
        "- {} events; head is event {} with SHA-256 `{}`",
        c.events, c.head_seq, c.head_hash
    );
    if c.verified {
        let _ = writeln!(
            md,
            "- The hash chain and its signed seal verify (journal key {})",
            c.key
        );
    } else {
        let _ = writeln!(md, "- **The journal does not verify:**");
        for f in &c.faults {
            let _ = writeln!(md, "  - {f}");
        }
    }
    let _ = writeln!(md, "- Check it: `firebreak verify {}`", h.id);
    md
}
