//! What the responder asked for — a procedure, its parameter values, which phases, how much
//! may run unasked — and the dry run that prints it without running or recording anything.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::time::Duration;

use anyhow::Context as _;
use firebreak_core::runbook::{Phase, Procedure, Runbook, Safety, Step, StepKind};

use super::library::Source;
use super::mask::{MASK, Masker};

/// What the responder asked for.
pub struct Plan<'a> {
    /// The runbook file.
    pub source: &'a Source,
    /// The parsed runbook.
    pub runbook: &'a Runbook,
    /// The procedure to run.
    pub procedure: &'a Procedure,
    /// Parameter values (environment variables of every step).
    pub values: BTreeMap<String, String>,
    /// Only steps in these phases run (all when empty).
    pub phases: Vec<Phase>,
    /// Run read-only steps without asking.
    pub yes: bool,
    /// Run destructive steps without typing their number.
    pub allow_destructive: bool,
    /// Per-step timeout from the command line (beats the runbook's and the config's).
    pub timeout: Option<Duration>,
    /// Per-step timeout when nothing else sets one.
    pub default_timeout: Duration,
}

impl Plan<'_> {
    /// Whether a step is in the chosen phases.
    pub fn in_scope(&self, step: &Step) -> bool {
        self.phases.is_empty() || self.phases.contains(&step.phase)
    }

    /// The secrets to mask: values of parameters that are secret.
    pub fn masker(&self) -> anyhow::Result<Masker> {
        let secrets = self
            .values
            .iter()
            .filter(|(k, _)| self.runbook.is_secret(k))
            .map(|(_, v)| v.clone());
        Masker::new(secrets).context("cannot build the secret masker")
    }

    /// Parameter values as recorded: secrets masked.
    pub fn recorded_params(&self) -> BTreeMap<String, String> {
        self.values
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    if self.runbook.is_secret(k) {
                        MASK.to_string()
                    } else {
                        v.clone()
                    },
                )
            })
            .collect()
    }
}

/// What a dry run prints: every step in scope, its class, and how it would be asked for.
pub fn dry_run(plan: &Plan<'_>, missing: &[String]) -> anyhow::Result<()> {
    let masker = plan.masker()?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "dry run of {}#{}: nothing is run or recorded",
        plan.runbook.name, plan.procedure.slug
    )?;
    for (name, value) in plan.recorded_params() {
        writeln!(out, "  env {name}={value}")?;
    }
    for name in missing {
        writeln!(
            out,
            "  env {name} is missing: a real run needs --set {name}=…"
        )?;
    }
    for step in plan.procedure.steps.iter().filter(|s| plan.in_scope(s)) {
        let how = match (&step.kind, step.safety) {
            (StepKind::Display { .. }, _) => "shown only",
            (StepKind::Manual { .. } | StepKind::Check { .. }, _) => "asks for confirmation",
            (_, Safety::ReadOnly) if plan.yes => "runs unattended (--yes)",
            (_, Safety::Mutating) if plan.yes && step.collects_evidence() => {
                "runs unattended (--yes, evidence)"
            }
            (_, Safety::Destructive) if plan.allow_destructive => "runs (--allow-destructive)",
            (_, Safety::Destructive) => "asks for the step number",
            _ => "asks y/s/q",
        };
        let evidence = if step.attrs.requires_evidence {
            ", needs evidence first"
        } else {
            ""
        };
        writeln!(
            out,
            "\n[{}] {} · {} · {} — {how}{evidence}",
            step.number, step.phase, step.safety, step.title
        )?;
        if let Some(script) = step.script() {
            for line in masker.mask_str(script).lines() {
                writeln!(out, "   │ {line}")?;
            }
        }
    }
    Ok(())
}
