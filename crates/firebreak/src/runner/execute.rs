//! Running a procedure: the step loop behind `firebreak runbook run`. For each step it shows
//! what is about to happen, asks as much as the step's safety class demands, runs it through
//! [`shell`], stores the (masked) output as evidence and records the step — in
//! the incident's journal, or in the practice log when there is no incident. A run can stop
//! anywhere (a failure, a "quit", kill -9) and `--resume` carries on at the first step the
//! record does not show as done.

use std::collections::BTreeSet;
use std::io::Write as _;

use anyhow::Context as _;
use firebreak_core::Change;
use firebreak_core::blob::BlobStore;
use firebreak_core::run::{self, Output, RunFinished, RunStarted, StepOutcome, StepRecorded};
use firebreak_core::runbook::{Step, StepKind};

use super::ask::{Answers, Decision, ask_done, confirm};
use super::interrupt::Interrupts;
use super::plan::Plan;
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
    let masker = plan.masker()?;
    let interrupts = Interrupts::install().context("cannot watch for Ctrl-C")?;
    let procedure = plan.procedure;
    let (run_id, done) = if resume {
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
        (found.started.run.clone(), found.done.clone())
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
        (run_id, BTreeSet::new())
    };
    let todo: Vec<&Step> = procedure
        .steps
        .iter()
        .filter(|s| plan.in_scope(s) && !done.contains(&s.number))
        .collect();
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
    let env: Vec<(String, String)> = plan
        .values
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .chain([("FIREBREAK_RUN".to_string(), run_id.clone())])
        .collect();
    let total = procedure.steps.len();

    for step in todo {
        header(step, total)?;
        let base = StepRecorded {
            run: run_id.clone(),
            step: step.number,
            title: masker.mask_str(&step.title),
            phase: step.phase.to_string(),
            safety: step.safety.to_string(),
            outcome: StepOutcome::Skipped,
            done: true,
            command: step.script().map(|_| masker.mask_str(step.body())),
            exit_code: None,
            signal: None,
            duration_ms: 0,
            stdout: None,
            stderr: None,
            evidence: step.collects_evidence(),
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
        writeln!(err, "{}", indent(&masker.mask_str(step.body())))?;
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
            Decision::Quit(why) => return stop(journal, &run_id, step.number, why).await,
        }
        let stdin = match &step.kind {
            StepKind::Piped { body, .. } => Some(body.as_bytes()),
            _ => None,
        };
        let timeout = plan
            .timeout
            .unwrap_or_else(|| step.timeout(plan.default_timeout));
        let mut live_out = masker.stream();
        let mut live_err = masker.stream();
        let outcome = interrupts
            .during(|cancel| {
                let shell_step = shell::Step {
                    script: step.script().unwrap_or(""),
                    args: &[],
                    stdin,
                    env: &env,
                    cwd: None,
                    timeout,
                    cancel: Some(cancel),
                };
                shell::run(&shell_step, &mut |stream, chunk| {
                    let _ = match stream {
                        shell::Stream::Stdout => std::io::stdout().write_all(&live_out.push(chunk)),
                        shell::Stream::Stderr => std::io::stderr().write_all(&live_err.push(chunk)),
                    };
                })
            })
            .with_context(|| format!("step {}: cannot start the shell", step.number))?;
        let _ = std::io::stdout().write_all(&live_out.finish());
        let _ = std::io::stderr().write_all(&live_err.finish());
        let _ = std::io::stdout().flush();
        let stdout = store(
            blobs,
            &masker.mask_bytes(&outcome.stdout),
            outcome.stdout_truncated,
        )?;
        let stderr = store(
            blobs,
            &masker.mask_bytes(&outcome.stderr),
            outcome.stderr_truncated,
        )?;
        let (result, exit_code, signal) = match outcome.exit {
            shell::Exit::Code(0) => (StepOutcome::Succeeded, Some(0), None),
            shell::Exit::Code(c) => (StepOutcome::Failed, Some(c), None),
            shell::Exit::Signal(s) => (StepOutcome::Failed, None, Some(s)),
            shell::Exit::TimedOut => (StepOutcome::TimedOut, None, None),
            shell::Exit::Interrupted => (StepOutcome::Interrupted, None, None),
        };
        let ok = result == StepOutcome::Succeeded;
        let moved_on = ok || step.attrs.continue_on_error;
        journal
            .record(Change::StepRecorded(StepRecorded {
                outcome: result,
                done: moved_on,
                exit_code,
                signal,
                duration_ms: u64::try_from(outcome.duration.as_millis()).unwrap_or(u64::MAX),
                stdout: Some(stdout.clone()),
                stderr: Some(stderr),
                ..base
            }))
            .await?;
        let verdict = match (result, exit_code, signal) {
            (StepOutcome::Succeeded, _, _) => "ok".to_string(),
            (StepOutcome::TimedOut, _, _) => format!(
                "timed out after {}s; its processes were killed",
                timeout.as_secs()
            ),
            (StepOutcome::Interrupted, _, _) => "interrupted".to_string(),
            (_, Some(c), _) => format!("failed with exit code {c}"),
            (_, _, Some(s)) => format!("killed by signal {s}"),
            _ => "failed".to_string(),
        };
        writeln!(
            err,
            "   → {verdict} in {} ms · output sha256 {}",
            outcome.duration.as_millis(),
            short(&stdout.sha256)
        )?;
        if ok && step.collects_evidence() {
            evidence += 1;
        }
        if result == StepOutcome::Interrupted {
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
        if !ok {
            writeln!(err, "   (continue-on-error: going on)")?;
        }
    }
    finish(journal, &run_id, "completed").await?;
    writeln!(err, "run {run_id} completed")?;
    Ok(Ending::Completed)
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

fn header(step: &Step, total: usize) -> std::io::Result<()> {
    let mut err = std::io::stderr();
    writeln!(err)?;
    writeln!(
        err,
        "[{}/{total}] {} · {} · {}",
        step.number, step.phase, step.safety, step.title
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
