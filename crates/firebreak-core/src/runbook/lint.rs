//! `runbook lint`: rules about a parsed runbook that the parser itself does not enforce.
//! Parse diagnostics (unterminated fences and quotes, bad annotations, front matter) come from
//! [`super::parse`]; these are the rest.

use std::collections::{BTreeMap, BTreeSet};

use super::diagnostic::Diagnostic;
use super::{Runbook, Safety};

/// Parameters a run always provides, so they need no description.
pub const PROVIDED: &[&str] = &["INCIDENT_ID", "INCIDENT_TITLE", "INCIDENT_SEVERITY"];

/// Checks a parsed runbook. The result is sorted by position.
pub fn lint(runbook: &Runbook) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if runbook.procedures.is_empty() {
        out.push(Diagnostic::warning(
            1,
            1,
            "no-procedures",
            "no procedures found: no heading has commands, checklist items or phases under it",
        ));
    }
    let mut seen: BTreeMap<&str, u32> = BTreeMap::new();
    let mut undescribed: BTreeSet<&str> = BTreeSet::new();
    for procedure in &runbook.procedures {
        if let Some(first) = seen.insert(&procedure.slug, procedure.line) {
            out.push(Diagnostic::error(
                procedure.line,
                1,
                "duplicate-procedure",
                format!("procedure {:?} has the same name as the one on line {first}, so it cannot be chosen on the command line", procedure.name),
            ));
            seen.insert(&procedure.slug, first);
        }
        for mark in procedure.marks.iter().filter(|m| m.items == 0) {
            out.push(Diagnostic::warning(
                mark.line,
                1,
                "empty-phase",
                format!("the {} phase has no steps or notes", mark.phase),
            ));
        }
        let mut evidence_seen = false;
        for step in &procedure.steps {
            for param in &step.params {
                let described =
                    runbook.params.contains_key(param) || PROVIDED.contains(&param.as_str());
                if !described && undescribed.insert(param) {
                    out.push(Diagnostic::warning(
                        step.line,
                        step.col,
                        "undescribed-parameter",
                        format!("parameter {param} is used but not described under `params` in the front matter"),
                    ));
                }
            }
            if runbook.evidence_first
                && step.runs()
                && step.safety == Safety::Destructive
                && !evidence_seen
                && !step.collects_evidence()
            {
                out.push(Diagnostic::error(
                    step.line,
                    step.col,
                    "evidence-first",
                    format!("destructive step {} ({}) comes before any evidence step; this runbook asks for evidence first", step.number, step.title),
                ));
            }
            if let super::StepKind::Command { source, .. } = &step.kind {
                let first = source.split_whitespace().next().unwrap_or("");
                if matches!(first, "cd" | "export" | "pushd")
                    && !source.contains(['\n', ';', '&', '|'])
                {
                    out.push(Diagnostic::warning(
                        step.line,
                        step.col,
                        "no-effect",
                        format!("`{first}` alone has no effect on later steps: each step runs in its own shell; join it to the command that needs it with `&&`"),
                    ));
                }
            }
            evidence_seen |= step.collects_evidence();
        }
    }
    out.sort_by_key(|d| (d.line, d.col));
    out
}
