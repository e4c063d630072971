//! What a runbook run records, and how a run's progress is read back from that record — the
//! same way whether the record is an incident's journal or the practice log. Values recorded
//! here are already masked: this module never sees a secret.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

/// A run began.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunStarted {
    /// The run's id (unique, random).
    pub run: String,
    /// Runbook name.
    pub runbook: String,
    /// Procedure slug.
    pub procedure: String,
    /// SHA-256 of the runbook file.
    pub digest: String,
    /// Git commit of the runbook file, when it lives in a repository.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// Number of steps in the procedure.
    pub steps: usize,
    /// Parameter values, secrets masked.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, String>,
    /// Destructive steps were allowed without typing their number.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_destructive: bool,
    /// Only these phases run, when limited.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phases: Vec<String>,
}

/// How a step ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepOutcome {
    /// The command exited 0.
    Succeeded,
    /// The command exited non-zero or was killed by a signal.
    Failed,
    /// The command ran past its timeout and was killed with its process tree.
    TimedOut,
    /// The responder interrupted the command (Ctrl-C); its process tree was stopped.
    Interrupted,
    /// A person confirmed a manual step or ticked a checklist item.
    Confirmed,
    /// A person declined to run or confirm the step.
    Declined,
    /// Not run: outside the chosen phases, or a block that is only shown.
    Skipped,
    /// Not run: the step needs evidence and the incident has none yet.
    Refused,
}

/// Captured output, stored as evidence under its digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Output {
    /// SHA-256 of the stored (masked) bytes, hex.
    pub sha256: String,
    /// Their length.
    pub size: u64,
    /// The stream went past the capture cap; only the start was kept.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
}

/// A step was carried out or answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepRecorded {
    /// The run.
    pub run: String,
    /// Step number, from 1.
    pub step: usize,
    /// Step title.
    pub title: String,
    /// Phase name.
    pub phase: String,
    /// Safety class.
    pub safety: String,
    /// How it ended.
    pub outcome: StepOutcome,
    /// Whether the run moved past it (succeeded, confirmed, skipped, or failed with
    /// continue-on-error). `--resume` starts at the first step without this.
    pub done: bool,
    /// The command as written (secrets masked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// Exit code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    /// Signal that killed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signal: Option<i32>,
    /// Wall time, milliseconds.
    #[serde(default)]
    pub duration_ms: u64,
    /// Standard output.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stdout: Option<Output>,
    /// Standard error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stderr: Option<Output>,
    /// The step collects evidence.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub evidence: bool,
    /// Variables the step set, carried to the later steps of the run: name → value, secret
    /// values recorded as the mask (so `--resume` cannot restore them).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub carried: BTreeMap<String, String>,
    /// What happened about a volatile-state snapshot just before this (destructive) step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<SnapshotBefore>,
    /// Something the responder should know about how the step ran or why it did not
    /// ("ran attached to the terminal; output not captured").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The volatile-state snapshot firebreak takes before the first destructive step of a run
/// tied to an incident, and what became of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SnapshotBefore {
    /// Taken; its parts are the incident's evidence items added just before this record.
    Taken,
    /// The responder declined it.
    Declined,
    /// The runbook turns it off (`snapshot-first: false`).
    OffByRunbook,
    /// The config turns it off (`[runbooks] snapshot_before_destructive = false`).
    OffByConfig,
}

impl SnapshotBefore {
    /// How the timeline says it.
    pub fn describe(self) -> &'static str {
        match self {
            SnapshotBefore::Taken => "snapshot taken first",
            SnapshotBefore::Declined => "snapshot declined",
            SnapshotBefore::OffByRunbook => "no snapshot: off by the runbook",
            SnapshotBefore::OffByConfig => "no snapshot: off by the config",
        }
    }
}

/// A run ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunFinished {
    /// The run.
    pub run: String,
    /// `completed`, `failed` or `stopped`.
    pub outcome: String,
}

/// One entry of a run's record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunEntry<'a> {
    /// See [`RunStarted`].
    Started(&'a RunStarted),
    /// See [`StepRecorded`].
    Step(&'a StepRecorded),
    /// See [`RunFinished`].
    Finished(&'a RunFinished),
}

/// A run as its record shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    /// How it began.
    pub started: RunStarted,
    /// Steps the run has moved past.
    pub done: BTreeSet<usize>,
    /// How it ended, if it did.
    pub finished: Option<String>,
    /// Every step record of the run, in order (a step answered twice appears twice).
    pub steps: Vec<StepRecorded>,
}

impl Progress {
    /// The step to continue from: the first one not done.
    pub fn next_step(&self) -> Option<usize> {
        (1..=self.started.steps).find(|n| !self.done.contains(n))
    }
}

/// Every run in a record, in the order they began.
pub fn runs<'a>(entries: impl IntoIterator<Item = RunEntry<'a>>) -> Vec<Progress> {
    let mut runs: Vec<Progress> = Vec::new();
    for entry in entries {
        match entry {
            RunEntry::Started(s) => runs.push(Progress {
                started: s.clone(),
                done: BTreeSet::new(),
                finished: None,
                steps: Vec::new(),
            }),
            RunEntry::Step(s) => {
                if let Some(p) = runs.iter_mut().rev().find(|p| p.started.run == s.run) {
                    if s.done {
                        p.done.insert(s.step);
                    } else {
                        p.done.remove(&s.step);
                    }
                    p.steps.push(s.clone());
                }
            }
            RunEntry::Finished(f) => {
                if let Some(p) = runs.iter_mut().rev().find(|p| p.started.run == f.run) {
                    p.finished = Some(f.outcome.clone());
                }
            }
        }
    }
    runs
}

/// The latest run of `runbook#procedure` that did not complete, if any.
pub fn resumable<'a>(runs: &'a [Progress], runbook: &str, procedure: &str) -> Option<&'a Progress> {
    runs.iter()
        .rev()
        .find(|p| p.started.runbook == runbook && p.started.procedure == procedure)
        .filter(|p| p.finished.as_deref() != Some("completed"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn started(run: &str, steps: usize) -> RunStarted {
        RunStarted {
            run: run.into(),
            runbook: "disk".into(),
            procedure: "disk".into(),
            digest: "d".into(),
            commit: None,
            steps,
            params: BTreeMap::new(),
            allow_destructive: false,
            phases: Vec::new(),
        }
    }

    fn step(run: &str, step: usize, done: bool) -> StepRecorded {
        StepRecorded {
            run: run.into(),
            step,
            title: "t".into(),
            phase: "diagnosis".into(),
            safety: "read-only".into(),
            outcome: if done {
                StepOutcome::Succeeded
            } else {
                StepOutcome::Failed
            },
            done,
            command: None,
            exit_code: None,
            signal: None,
            duration_ms: 0,
            stdout: None,
            stderr: None,
            evidence: false,
            carried: BTreeMap::new(),
            snapshot: None,
            note: None,
        }
    }

    #[test]
    fn resume_starts_at_the_first_step_not_done() {
        let (a, s1, s2, s3) = (
            started("r1", 4),
            step("r1", 1, true),
            step("r1", 2, true),
            step("r1", 3, false),
        );
        let runs = runs([
            RunEntry::Started(&a),
            RunEntry::Step(&s1),
            RunEntry::Step(&s2),
            RunEntry::Step(&s3),
        ]);
        let p = resumable(&runs, "disk", "disk").expect("unfinished run");
        assert_eq!(p.next_step(), Some(3));
    }

    #[test]
    fn a_completed_run_is_not_resumable() {
        let a = started("r1", 1);
        let s1 = step("r1", 1, true);
        let f = RunFinished {
            run: "r1".into(),
            outcome: "completed".into(),
        };
        let runs = runs([
            RunEntry::Started(&a),
            RunEntry::Step(&s1),
            RunEntry::Finished(&f),
        ]);
        assert!(resumable(&runs, "disk", "disk").is_none());
    }
}
