//! `runbook lint`: rules about a parsed runbook that the parser itself does not enforce.
//! Parse diagnostics (unterminated fences and quotes, bad annotations, front matter) come from
//! [`super::parse`]; these are the rest.

use std::collections::{BTreeMap, BTreeSet};

use super::diagnostic::Diagnostic;
use super::{Procedure, Runbook, Safety, script};

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
                if matches!(first, "cd" | "pushd") && !source.contains(['\n', ';', '&', '|']) {
                    out.push(Diagnostic::warning(
                        step.line,
                        step.col,
                        "no-effect",
                        format!("`{first}` alone has no effect on later steps: each step starts in the run's directory (variables carry, the directory does not); join it to the command that needs it with `&&`"),
                    ));
                }
            }
            if step.interactive && step.runs() {
                out.push(Diagnostic::warning(
                    step.line,
                    step.col,
                    "interactive",
                    format!("step {} takes over the terminal or runs until stopped ({}): a run always asks before it and runs it attached, without capturing its output; under --yes it is skipped", step.number, step.reason),
                ));
            }
            if let Some(class) = step.attrs.class
                && class < step.judged
            {
                out.push(Diagnostic::warning(
                    step.line,
                    step.col,
                    "class-lowered",
                    format!("step {} is marked {class}, but firebreak judges it {}; with --yes a {class} step may run unasked — check the annotation", step.number, step.judged),
                ));
            }
            evidence_seen |= step.collects_evidence();
        }
        carried(procedure, &mut out);
    }
    out.sort_by_key(|d| (d.line, d.col));
    out
}

/// Names each variable a step takes from an earlier step of its procedure: a run carries it,
/// so the step only works after that one (it is not asked for, and not a parameter).
fn carried(procedure: &Procedure, out: &mut Vec<Diagnostic>) {
    let mut setters: BTreeMap<&str, usize> = BTreeMap::new();
    for step in &procedure.steps {
        if let Some(text) = step.script() {
            let lexed = script::lex(text);
            for name in script::parameters(&lexed) {
                if let Some(number) = setters.get(name.as_str()) {
                    out.push(Diagnostic::warning(
                        step.line,
                        step.col,
                        "carried-variable",
                        format!("${name} comes from step {number}, which sets it; a run carries it from there, so run step {number} before this one"),
                    ));
                }
            }
        }
        for name in &step.sets {
            setters.insert(name, step.number);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::*;

    #[test]
    fn a_variable_from_an_earlier_step_is_carried_not_asked_for() {
        let text = "# Node\n\n## Diagnosis\n\n```bash\n# Find the node\nNODE=$(kubectl get pod web-1 -o jsonpath='{.spec.nodeName}')\n\n# Look at it\nkubectl describe node \"$NODE\"\n```\n";
        let (rb, parsed) = parse("t", text.as_bytes());
        assert!(parsed.is_empty(), "{parsed:?}");
        let steps = &rb.procedures[0].steps;
        assert_eq!(steps[0].sets, ["NODE"]);
        assert!(steps[1].params.is_empty(), "{:?}", steps[1].params);
        let found: Vec<(u32, &str)> = lint(&rb).iter().map(|d| (d.line, d.code)).collect();
        assert_eq!(found, [(10, "carried-variable")]);
        assert!(lint(&rb)[0].message.contains("step 1"));
    }

    #[test]
    fn a_variable_used_before_it_is_set_is_still_a_parameter() {
        let text = "# Node\n\n## Diagnosis\n\n```bash\necho \"$NODE\"\nNODE=db1\n```\n";
        let (rb, _) = parse("t", text.as_bytes());
        assert_eq!(rb.procedures[0].steps[0].params, ["NODE"]);
        let codes: Vec<&str> = lint(&rb).iter().map(|d| d.code).collect();
        assert_eq!(codes, ["undescribed-parameter"]);
    }
}
