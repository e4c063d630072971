//! Running a procedure: the step loop behind `firebreak runbook run`. For each step it shows
//! what is about to happen, asks as much as the step's safety class demands, runs it through
//! [`shell`] (captured, or attached to the terminal for an interactive step), stores the
//! (masked) output as evidence and records the step — in the incident's journal, or in the
//! practice log when there is no incident. Variables a step sets are carried to later steps
//! ([`carry`]), and before the first destructive step of an incident run a volatile-state
//! snapshot is taken or offered. A run can stop anywhere (a failure, a "quit", kill -9) and
//! `--resume` carries on at the first step the record does not show as done, with the carried
//! values the record holds.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;

use anyhow::Context as _;
use firebreak_core::Change;
use firebreak_core::blob::BlobStore;
use firebreak_core::run::{
    self, Output, RunFinished, RunStarted, SnapshotBefore, StepOutcome, StepRecorded,
};
use firebreak_core::runbook::{Safety, Step, StepKind};

use super::ask::{Answers, Decision, ask_done, confirm, snapshot_first};
use super::carry::{self, Handover};
use super::failure_text::failure_line;
use super::interrupt::Interrupts;
use super::mask::{MASK, Masker, mask_shapes};
use super::plan::{BeforeDestruction, Plan};
use super::record::Journal;
use super::shell;

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    /// Every step in scope is done.
    Completed,
    /// A step failed and was not marked continue-on-error.
    Failed(usize),
    /// The responder quit, or no one could be asked.
    Stopped(usize, String),
    /// The responder interrupted a running step.
    Interrupted(usize),
}

/// Runs the plan, starting a new run or resuming the latest unfinished one.
pub async fn execute(
    plan: &Plan<'_>,
    journal: &Journal<'_>,
    resume: bool,
    blobs: &BlobStore,
    answers: &mut Answers,
) -> anyhow::Result<Ending> {
    let interrupts = Interrupts::install().context("cannot watch for Ctrl-C")?;
    let procedure = plan.procedure;
    let (run_id, done, earlier) = if resume {
        let runs = journal.runs().await?;
        let found =
            run::resumable(&runs, &plan.runbook.name, &procedure.slug).with_context(|| {
                format!(
                    "no unfinished run of {}#{} to resume",
                    plan.runbook.name, procedure.slug
                )
            })?;
        if found.started.digest != plan.runbook.digest {
            anyhow::bail!(
                "runbook {} changed since run {} began (sha256 {} → {}); start a new run instead",
                plan.runbook.name,
                found.started.run,
                short(&found.started.digest),
                short(&plan.runbook.digest)
            );
        }
        (
            found.started.run.clone(),
            found.done.clone(),
            found.steps.clone(),
        )
    } else {
        let run_id = new_run_id();
        journal
            .record(Change::RunStarted(RunStarted {
                run: run_id.clone(),
                runbook: plan.runbook.name.clone(),
                procedure: procedure.slug.clone(),
                digest: plan.runbook.digest.clone(),
                commit: plan.source.commit(),
                steps: procedure.steps.len(),
                params: plan.recorded_params(),
                allow_destructive: plan.allow_destructive,
                phases: plan.phases.iter().map(|p| p.to_string()).collect(),
            }))
            .await?;
        (run_id, BTreeSet::new(), Vec::new())
    };
    let todo: Vec<&Step> = procedure
        .steps
        .iter()
        .filter(|s| plan.in_scope(s) && !done.contains(&s.number))
        .collect();
    let mut session = Session::restore(plan, &earlier)?;
    session.check_restorable(plan, &todo)?;
    let mut err = std::io::stderr();
    match todo.first() {
        Some(first) if resume => writeln!(err, "resuming run {run_id} at step {}", first.number)?,
        Some(_) => writeln!(
            err,
            "run {run_id}: {}#{} ({} steps)",
            plan.runbook.name,
            procedure.slug,
            todo.len()
        )?,
        None => writeln!(err, "run {run_id}: nothing left to do")?,
    }
    let mut evidence = journal.evidence().await?;
    let total = procedure.steps.len();
    let count = todo.len();

    for (at, step) in todo.into_iter().enumerate() {
        header(step, at + 1, count, total)?;
        for note in procedure
            .notes
            .iter()
            .filter(|n| n.before_step == Some(step.number))
        {
            writeln!(err, "   WARNING: {}", session.masker.mask_str(&note.text))?;
        }
        if step.runs() {
            writeln!(err, "   why {}: {}", step.safety, step.reason)?;
        }
        let mut base = StepRecorded {
            run: run_id.clone(),
            step: step.number,
            title: session.masker.mask_str(&step.title),
            phase: step.phase.to_string(),
            safety: step.safety.to_string(),
            outcome: StepOutcome::Skipped,
            done: true,
            command: step.script().map(|_| session.masker.mask_str(step.body())),
            exit_code: None,
            signal: None,
            duration_ms: 0,
            stdout: None,
            stderr: None,
            evidence: step.collects_evidence(),
            carried: BTreeMap::new(),
            snapshot: None,
            note: None,
        };
        match &step.kind {
            StepKind::Display { body, .. } => {
                writeln!(err, "{}", indent(body))?;
                writeln!(err, "   (shown only: this block is not run)")?;
                continue;
            }
            StepKind::Manual { text } | StepKind::Check { text } => {
                writeln!(err, "   {text}")?;
                let outcome = match ask_done(answers, step) {
                    Decision::Run => StepOutcome::Confirmed,
                    Decision::Skip => StepOutcome::Skipped,
                    Decision::Quit(why) => return stop(journal, &run_id, step.number, why).await,
                };
                journal
                    .record(Change::StepRecorded(StepRecorded { outcome, ..base }))
                    .await?;
                continue;
            }
            StepKind::Command { .. } | StepKind::Piped { .. } => {}
        }
        writeln!(err, "{}", indent(&session.masker.mask_str(step.body())))?;
        for undo in firebreak_core::runbook::undo(step.body()) {
            writeln!(err, "   undo: {}", session.masker.mask_str(&undo))?;
        }
        if step.interactive
            && let Some(note) = plan.interactive_skip()
        {
            writeln!(err, "   ({note})")?;
            base.note = Some(note.to_string());
            journal.record(Change::StepRecorded(base)).await?;
            continue;
        }
        if step.safety == Safety::Destructive && !session.evidence_settled {
            session.evidence_settled = true;
            let (choice, items) = before_destruction(plan, step, journal, blobs, answers).await?;
            base.snapshot = choice;
            evidence += u32::try_from(items).unwrap_or(u32::MAX);
        }
        if step.attrs.requires_evidence && evidence == 0 {
            journal
                .record(Change::StepRecorded(StepRecorded {
                    outcome: StepOutcome::Refused,
                    done: false,
                    ..base
                }))
                .await?;
            let why = format!(
                "step {} needs evidence first and none has been collected{}; run an evidence step (or `firebreak runbook run evidence-preservation`), then --resume",
                step.number,
                if matches!(journal, Journal::Incident { .. }) {
                    " in this incident"
                } else {
                    " in this run"
                }
            );
            return stop(journal, &run_id, step.number, why).await;
        }
        match confirm(plan, answers, step) {
            Decision::Run => {}
            Decision::Skip => {
                journal.record(Change::StepRecorded(base)).await?;
                continue;
            }
            Decision::Quit(why) => {
                if base.snapshot.is_some() {
                    // Keep what was decided about the snapshot on the record of the run.
                    journal
                        .record(Change::StepRecorded(StepRecorded {
                            outcome: StepOutcome::Declined,
                            done: false,
                            ..base
                        }))
                        .await?;
                }
                return stop(journal, &run_id, step.number, why).await;
            }
        }
        let timeout = plan
            .timeout
            .unwrap_or_else(|| step.timeout(plan.default_timeout));
        let handover = Handover::new(&step.sets).with_context(|| {
            format!(
                "step {}: cannot make a place to carry its variables",
                step.number
            )
        })?;
        let script = match &handover {
            Some(h) => h.script(step.script().unwrap_or("")),
            None => step.script().unwrap_or("").to_string(),
        };
        let mut env = session.env(plan, &run_id);
        env.extend(handover.as_ref().map(Handover::env));
        let shell_step = shell::Step {
            script: &script,
            args: &[],
            stdin: match &step.kind {
                StepKind::Piped { body, .. } => Some(body.as_bytes()),
                _ => None,
            },
            env: &env,
            cwd: None,
            timeout,
            cancel: None,
        };
        let ran = if step.interactive {
            attached(&interrupts, &shell_step)
        } else {
            captured(&interrupts, &shell_step, &session.masker)
        }
        .with_context(|| format!("step {}: cannot start the shell", step.number))?;
        let (result, exit_code, signal) = match ran.exit {
            shell::Exit::Code(0) => (StepOutcome::Succeeded, Some(0), None),
            shell::Exit::Code(c) => (StepOutcome::Failed, Some(c), None),
            shell::Exit::Signal(s) => (StepOutcome::Failed, None, Some(s)),
            shell::Exit::TimedOut => (StepOutcome::TimedOut, None, None),
            shell::Exit::Interrupted => (StepOutcome::Interrupted, None, None),
        };
        let ok = result == StepOutcome::Succeeded;
        // Ctrl-C is how a responder ends `tail -f` or a remote shell: the run goes on.
        let ended_by_hand = step.interactive && result == StepOutcome::Interrupted;
        let moved_on = ok || ended_by_hand || step.attrs.continue_on_error;
        let mut notes = Vec::new();
        if step.interactive {
            notes.push(if ended_by_hand {
                "ran attached to the terminal; output not captured; ended with Ctrl-C".to_string()
            } else {
                "ran attached to the terminal; output not captured".to_string()
            });
        }
        if moved_on && let Some(handover) = &handover {
            let (carried, left) = session.carry(plan, handover.collect())?;
            base.carried = carried;
            for (name, why) in left {
                writeln!(
                    err,
                    "   warning: ${name} is not carried to later steps: {why}"
                )?;
                notes.push(format!("${name} not carried: {why}"));
            }
        }
        // Masked after the carried secrets joined the masker, so a secret the step itself
        // printed is masked in its evidence too; then credentials known by their form.
        let kept = ran.captured.as_ref().map(|out| {
            (
                mask_shapes(&session.masker.mask_bytes(&out.stdout)),
                mask_shapes(&session.masker.mask_bytes(&out.stderr)),
            )
        });
        let (stdout, stderr) = match (&ran.captured, &kept) {
            (Some(out), Some((stdout, stderr))) => (
                Some(store(blobs, stdout, out.stdout_truncated)?),
                Some(store(blobs, stderr, out.stderr_truncated)?),
            ),
            _ => (None, None),
        };
        // Exit 0 stays a success; a line of output that reports a failure is quoted beside it.
        let says_failed = kept
            .as_ref()
            .filter(|_| ok)
            .and_then(|(out, err)| failure_line(out).or_else(|| failure_line(err)));
        if let Some(line) = &says_failed {
            notes.push(format!("exit 0, but its output says {line:?}"));
        }
        let stdout_digest = stdout.as_ref().map(|o| o.sha256.clone());
        journal
            .record(Change::StepRecorded(StepRecorded {
                outcome: result,
                done: moved_on,
                exit_code,
                signal,
                duration_ms: u64::try_from(ran.duration.as_millis()).unwrap_or(u64::MAX),
                stdout,
                stderr,
                note: (!notes.is_empty()).then(|| notes.join("; ")),
                ..base
            }))
            .await?;
        let verdict = match (result, exit_code, signal) {
            (StepOutcome::Succeeded, _, _) => match &says_failed {
                // Debug quoting shows control characters escaped, never raw.
                Some(line) => format!("ok (exit 0, but its output says {line:?})"),
                None => "ok".to_string(),
            },
            (StepOutcome::TimedOut, _, _) => format!(
                "timed out after {}s; its processes were killed",
                timeout.as_secs()
            ),
            (StepOutcome::Interrupted, _, _) if ended_by_hand => "ended with Ctrl-C".to_string(),
            (StepOutcome::Interrupted, _, _) => "interrupted".to_string(),
            (_, Some(c), _) => format!("failed with exit code {c}"),
            (_, _, Some(s)) => format!("killed by signal {s}"),
            _ => "failed".to_string(),
        };
        let output = match &stdout_digest {
            Some(digest) => format!("output sha256 {}", short(digest)),
            None => "ran attached to the terminal; output not captured".to_string(),
        };
        writeln!(
            err,
            "   → {verdict} in {} ms · {output}",
            ran.duration.as_millis(),
        )?;
        if ok && step.collects_evidence() {
            evidence += 1;
            session.evidence_settled = true;
        }
        if result == StepOutcome::Interrupted && !ended_by_hand {
            finish(journal, &run_id, "stopped").await?;
            writeln!(
                err,
                "run {run_id} interrupted at step {}; continue with --resume",
                step.number
            )?;
            return Ok(Ending::Interrupted(step.number));
        }
        if !moved_on {
            finish(journal, &run_id, "failed").await?;
            writeln!(
                err,
                "run {run_id} stopped: step {} {verdict}; fix the cause and continue with --resume",
                step.number
            )?;
            return Ok(Ending::Failed(step.number));
        }
        if !ok && !ended_by_hand {
            writeln!(err, "   (continue-on-error: going on)")?;
        }
    }
    finish(journal, &run_id, "completed").await?;
    writeln!(err, "run {run_id} completed")?;
    Ok(Ending::Completed)
}

/// What a run holds between steps.
struct Session {
    /// Values of variables earlier steps set, given to later steps.
    carried: BTreeMap<String, String>,
    /// Secret values among them (and earlier ones), masked wherever they would show.
    secrets: Vec<String>,
    /// Secret variables set in an earlier part of a resumed run, whose values were not
    /// recorded → the step that set them.
    lost: BTreeMap<String, usize>,
    /// Evidence was collected in this run, or the snapshot before destruction was settled:
    /// nothing more is due before a destructive step.
    evidence_settled: bool,
    /// The masker for the parameters' secrets and `secrets`.
    masker: Masker,
}

impl Session {
    /// The state a run starts from: empty for a new run; for a resumed one, what its records
    /// show (carried values, except the masked ones, which cannot come back).
    fn restore(plan: &Plan<'_>, earlier: &[StepRecorded]) -> anyhow::Result<Session> {
        let mut carried = BTreeMap::new();
        let mut lost = BTreeMap::new();
        let mut evidence_settled = false;
        for record in earlier {
            for (name, value) in &record.carried {
                if value.contains(MASK) {
                    carried.remove(name);
                    lost.insert(name.clone(), record.step);
                } else {
                    lost.remove(name);
                    carried.insert(name.clone(), value.clone());
                }
            }
            evidence_settled |= record.snapshot.is_some()
                || (record.evidence && record.outcome == StepOutcome::Succeeded);
        }
        Ok(Session {
            carried,
            secrets: Vec::new(),
            lost,
            evidence_settled,
            masker: plan.masker(&[])?,
        })
    }

    /// Refuses to resume when a step still to run uses a secret an earlier part of the run
    /// set, and nothing else gives it: running without it would not do what the runbook says.
    fn check_restorable(&self, plan: &Plan<'_>, todo: &[&Step]) -> anyhow::Result<()> {
        for step in todo {
            for name in &step.params {
                let Some(setter) = self.lost.get(name) else {
                    continue;
                };
                if plan.values.contains_key(name) || std::env::var_os(name).is_some() {
                    continue;
                }
                anyhow::bail!(
                    "cannot resume: step {} uses ${name}, which step {setter} set; its value holds a secret and was not recorded, so step {setter} must run again — start a new run, or give the value with --set {name}=…",
                    step.number
                );
            }
        }
        Ok(())
    }

    /// The environment of the next step: parameters, the run id, then carried values (a
    /// variable a step set wins over a parameter of the same name, as in a shell).
    fn env(&self, plan: &Plan<'_>, run_id: &str) -> Vec<(String, String)> {
        plan.values
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .chain([("FIREBREAK_RUN".to_string(), run_id.to_string())])
            .chain(self.carried.iter().map(|(k, v)| (k.clone(), v.clone())))
            .collect()
    }

    /// Takes what a step handed over: carries the values, adds secret ones to the masker, and
    /// returns them as recorded (secrets masked) with the names left behind and why.
    #[allow(clippy::type_complexity)]
    fn carry(
        &mut self,
        plan: &Plan<'_>,
        handed: carry::Carried,
    ) -> anyhow::Result<(BTreeMap<String, String>, Vec<(String, String)>)> {
        let before = self.secrets.len();
        for (name, value) in &handed.values {
            if plan.runbook.is_secret(name) && !value.is_empty() {
                self.secrets.push(value.clone());
            }
        }
        if self.secrets.len() > before {
            self.masker = plan.masker(&self.secrets)?;
        }
        let mut recorded = BTreeMap::new();
        for (name, value) in handed.values {
            let shown = if plan.runbook.is_secret(&name) {
                MASK.to_string()
            } else {
                self.masker.mask_str(&value)
            };
            recorded.insert(name.clone(), shown);
            self.lost.remove(&name);
            self.carried.insert(name, value);
        }
        for (name, _) in &handed.left {
            // A stale value from an earlier step would be wrong; none is better.
            self.carried.remove(name);
        }
        Ok((recorded, handed.left))
    }
}

/// Output of a captured step.
struct Captured {
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    stdout_truncated: bool,
    stderr_truncated: bool,
}

/// How a step ran, captured or attached.
struct Ran {
    exit: shell::Exit,
    duration: std::time::Duration,
    /// `None` when it ran attached to the terminal.
    captured: Option<Captured>,
}

/// Runs a step with its output streamed (masked) and captured, Ctrl-C passed on to it.
fn captured(
    interrupts: &Interrupts,
    step: &shell::Step<'_>,
    masker: &Masker,
) -> std::io::Result<Ran> {
    let mut live_out = masker.stream();
    let mut live_err = masker.stream();
    let outcome = interrupts.during(|cancel| {
        let step = shell::Step {
            cancel: Some(cancel),
            ..*step
        };
        shell::run(&step, &mut |stream, chunk| {
            let _ = match stream {
                shell::Stream::Stdout => std::io::stdout().write_all(&live_out.push(chunk)),
                shell::Stream::Stderr => std::io::stderr().write_all(&live_err.push(chunk)),
            };
        })
    })?;
    let _ = std::io::stdout().write_all(&live_out.finish());
    let _ = std::io::stderr().write_all(&live_err.finish());
    let _ = std::io::stdout().flush();
    Ok(Ran {
        exit: outcome.exit,
        duration: outcome.duration,
        captured: Some(Captured {
            stdout: outcome.stdout,
            stderr: outcome.stderr,
            stdout_truncated: outcome.stdout_truncated,
            stderr_truncated: outcome.stderr_truncated,
        }),
    })
}

/// Runs an interactive step attached to the terminal: nothing captured, so nothing to mask.
fn attached(interrupts: &Interrupts, step: &shell::Step<'_>) -> std::io::Result<Ran> {
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    let outcome = interrupts.during(|cancel| {
        shell::attached(&shell::Step {
            cancel: Some(cancel),
            ..*step
        })
    })?;
    Ok(Ran {
        exit: outcome.exit,
        duration: outcome.duration,
        captured: None,
    })
}

/// Settles evidence before the first destructive step: takes a snapshot into the incident
/// (asking first when a person answers, taking it under `--yes`/`--allow-destructive`), or
/// says why none is taken. Returns the choice to record and how many items were added.
async fn before_destruction(
    plan: &Plan<'_>,
    step: &Step,
    journal: &Journal<'_>,
    blobs: &BlobStore,
    answers: &mut Answers,
) -> anyhow::Result<(Option<SnapshotBefore>, usize)> {
    let mut err = std::io::stderr();
    match plan.before_destruction {
        BeforeDestruction::Practice => {
            writeln!(
                err,
                "   practice run: no snapshot is taken before destructive steps (no incident to keep it in)"
            )?;
            return Ok((None, 0));
        }
        BeforeDestruction::Off(why) => {
            writeln!(
                err,
                "   {} (before this first destructive step)",
                why.describe()
            )?;
            return Ok((Some(why), 0));
        }
        BeforeDestruction::Snapshot => {}
    }
    let asked = !(plan.yes || plan.allow_destructive);
    if asked && !snapshot_first(answers) {
        writeln!(err, "   snapshot declined")?;
        return Ok((Some(SnapshotBefore::Declined), 0));
    }
    writeln!(
        err,
        "   taking a volatile-state snapshot before the first destructive step…"
    )?;
    let host = crate::collect::host();
    let taken = crate::collect::snapshot::take(&Default::default(), blobs, &host)?;
    let reason = format!(
        "before destructive step {} of runbook {}#{}",
        step.number, plan.runbook.name, plan.procedure.slug
    );
    let ids = journal.add_evidence(&taken.items, &reason).await?;
    let unread = if taken.problems.is_empty() {
        String::new()
    } else {
        format!(
            "; {} thing(s) could not be read (see `evidence show`)",
            taken.problems.len()
        )
    };
    writeln!(
        err,
        "   snapshot taken: {} part(s), {}{unread}",
        ids.len(),
        match (ids.first(), ids.last()) {
            (Some(a), Some(b)) if a != b => format!("{a}–{b}"),
            (Some(a), _) => a.clone(),
            _ => "nothing recorded".to_string(),
        }
    )?;
    Ok((Some(SnapshotBefore::Taken), ids.len()))
}

async fn stop(
    journal: &Journal<'_>,
    run_id: &str,
    step: usize,
    why: String,
) -> anyhow::Result<Ending> {
    finish(journal, run_id, "stopped").await?;
    Ok(Ending::Stopped(step, why))
}

/// Records how a run ended: `completed`, `failed` or `stopped`.
async fn finish(journal: &Journal<'_>, run_id: &str, outcome: &str) -> anyhow::Result<()> {
    let change = Change::RunFinished(RunFinished {
        run: run_id.to_string(),
        outcome: outcome.to_string(),
    });
    journal.record(change).await
}

fn store(blobs: &BlobStore, bytes: &[u8], truncated: bool) -> anyhow::Result<Output> {
    let sha256 = blobs
        .put(bytes)
        .context("cannot store step output as evidence")?;
    Ok(Output {
        sha256,
        size: bytes.len() as u64,
        truncated,
    })
}

/// A step's heading: its place among the steps this run does, and its own number in the
/// procedure when that differs (a `--phase` selection, a resumed run).
fn header(step: &Step, at: usize, count: usize, total: usize) -> std::io::Result<()> {
    let mut err = std::io::stderr();
    writeln!(err)?;
    let whole = if at == step.number && count == total {
        String::new()
    } else {
        format!(" (step {} of {total})", step.number)
    };
    writeln!(
        err,
        "[{at}/{count}] {} · {} · {}{whole}",
        step.phase, step.safety, step.title
    )
}

fn indent(text: &str) -> String {
    text.trim_end()
        .lines()
        .map(|l| format!("   │ {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn short(digest: &str) -> &str {
    &digest[..digest.len().min(12)]
}

fn new_run_id() -> String {
    let mut bytes = [0u8; 6];
    if getrandom::fill(&mut bytes).is_err() {
        let nanos = jiff::Timestamp::now().as_nanosecond();
        bytes.copy_from_slice(&nanos.to_le_bytes()[..6]);
    }
    hex::encode(bytes)
}
