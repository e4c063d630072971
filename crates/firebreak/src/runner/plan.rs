//! What the responder asked for — a procedure, its parameter values, which phases, how much
//! may run unasked, what happens before destruction — and the dry run that prints it without
//! running or recording anything.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::time::Duration;

use anyhow::Context as _;
use firebreak_core::run::SnapshotBefore;
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
    /// Someone is at a terminal (standard input is one): interactive steps can run attached.
    pub terminal: bool,
    /// What happens before the first destructive step.
    pub before_destruction: BeforeDestruction,
    /// Variables set by a step and used by a later one: name → the first step that sets it.
    pub carried: BTreeMap<String, usize>,
}

/// What a run does before its first destructive step, unless evidence was already collected
/// in the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BeforeDestruction {
    /// Take a volatile-state snapshot into the incident (asking first when a person answers).
    Snapshot,
    /// Nothing: a practice run has no incident to hold evidence.
    Practice,
    /// Nothing, and why (off by the runbook or by the config).
    Off(SnapshotBefore),
}

impl BeforeDestruction {
    /// The rule for a run: off when the runbook says `snapshot-first: false` or the config
    /// `snapshot_before_destructive = false`; nothing in practice.
    pub fn new(runbook: &Runbook, incident: bool, config_on: bool) -> Self {
        match () {
            _ if !incident => BeforeDestruction::Practice,
            _ if runbook.snapshot_first == Some(false) => {
                BeforeDestruction::Off(SnapshotBefore::OffByRunbook)
            }
            _ if !config_on => BeforeDestruction::Off(SnapshotBefore::OffByConfig),
            _ => BeforeDestruction::Snapshot,
        }
    }
}

impl Plan<'_> {
    /// Whether a step is in the chosen phases.
    pub fn in_scope(&self, step: &Step) -> bool {
        self.phases.is_empty() || self.phases.contains(&step.phase)
    }

    /// The secrets to mask: values of parameters that are secret, and `more` (secret values
    /// steps have set).
    pub fn masker(&self, more: &[String]) -> anyhow::Result<Masker> {
        let secrets = self
            .values
            .iter()
            .filter(|(k, _)| self.runbook.is_secret(k))
            .map(|(_, v)| v.clone())
            .chain(more.iter().cloned());
        Masker::new(secrets).context("cannot build the secret masker")
    }

    /// How an interactive step is handled in this run, when it is not simply run attached
    /// after a yes: the note it is skipped with.
    pub fn interactive_skip(&self) -> Option<&'static str> {
        if self.yes {
            Some("interactive: skipped under --yes; run it yourself")
        } else if !self.terminal {
            Some("interactive: skipped, no terminal to run it on; run it yourself")
        } else {
            None
        }
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
    let masker = plan.masker(&[])?;
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
    for (name, step) in &plan.carried {
        writeln!(out, "  env {name} is set by step {step} when it runs")?;
    }
    let mut first_destructive = true;
    for step in plan.procedure.steps.iter().filter(|s| plan.in_scope(s)) {
        let how = match (&step.kind, step.safety) {
            (StepKind::Display { .. }, _) => "shown only",
            _ if step.interactive => plan.interactive_skip().unwrap_or(
                "interactive: asks, then runs attached to the terminal (output not captured)",
            ),
            (StepKind::Manual { .. } | StepKind::Check { .. }, _) => "asks for confirmation",
            (_, Safety::ReadOnly) if plan.yes => "runs unattended (--yes)",
            (_, Safety::Mutating) if plan.yes && step.runs_unasked_as_evidence() => {
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
        for note in plan
            .procedure
            .notes
            .iter()
            .filter(|n| n.before_step == Some(step.number))
        {
            writeln!(out, "   WARNING: {}", masker.mask_str(&note.text))?;
        }
        if step.runs() {
            writeln!(out, "   why {}: {}", step.safety, step.reason)?;
        }
        if step.runs() && step.safety == Safety::Destructive && first_destructive {
            first_destructive = false;
            writeln!(out, "   before it: {}", before_destruction(plan))?;
        }
        if let Some(script) = step.script() {
            for line in masker.mask_str(script).lines() {
                writeln!(out, "   │ {line}")?;
            }
        }
    }
    Ok(())
}

/// What the dry run says happens before the first destructive step.
fn before_destruction(plan: &Plan<'_>) -> &'static str {
    match plan.before_destruction {
        BeforeDestruction::Practice => "no snapshot (practice run: no incident to keep it)",
        BeforeDestruction::Off(why) => why.describe(),
        BeforeDestruction::Snapshot if plan.yes || plan.allow_destructive => {
            "a volatile-state snapshot is taken, unless the run collected evidence already"
        }
        BeforeDestruction::Snapshot => {
            "asks to take a volatile-state snapshot, unless the run collected evidence already"
        }
    }
}
