//! Runbook runs as the incident page shows them: the API's reading of the runs
//! ([`api::runs::views`](crate::server::api::runs::views)), with a smaller output allowance,
//! worded for the page.

use firebreak_core::blob::BlobStore;
use firebreak_core::journal::Event;
use serde::Serialize;

use super::{Stamp, bytes, span, when};
use crate::server::api::runs::{self as api, Limits};

/// Captured output shown per stream of a step, and on one page in all.
pub const OUTPUT: Limits = Limits {
    per_stream: 8 * 1024,
    in_all: 256 * 1024,
};

/// Captured output of one stream, cut to what a page shows.
#[derive(Debug, Clone, Serialize)]
pub struct Captured {
    /// `stdout` or `stderr`.
    pub stream: &'static str,
    /// The text shown.
    pub text: String,
    /// Bytes not shown here (shown with `firebreak evidence`).
    pub more: Option<String>,
    /// The run itself kept only the start of the stream.
    pub capped: bool,
    /// The bytes are not in the evidence store (purged), or were left off this page.
    pub missing: Option<&'static str>,
    /// Digest of the stored bytes.
    pub sha256: String,
}

/// One recorded step of a run.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    /// Step number.
    pub number: usize,
    /// Title.
    pub title: String,
    /// Outcome, e.g. `succeeded`.
    pub outcome: String,
    /// The command, secrets masked.
    pub command: Option<String>,
    /// Exit code.
    pub exit_code: Option<i32>,
    /// Wall time.
    pub took: String,
    /// Captured output.
    pub output: Vec<Captured>,
    /// When it was recorded.
    pub at: String,
}

/// One runbook run.
#[derive(Debug, Clone, Serialize)]
pub struct Run {
    /// Run id.
    pub id: String,
    /// `runbook#procedure`.
    pub name: String,
    /// Who started it, when.
    pub started: Stamp,
    /// Parameter values it was given (secrets masked when the run was recorded).
    pub params: Vec<(String, String)>,
    /// Steps moved past, of all.
    pub done: usize,
    /// Number of steps.
    pub steps: usize,
    /// How it ended (`completed`, `failed`, `stopped`), or `in progress`.
    pub outcome: String,
    /// Step records, in order.
    pub records: Vec<Step>,
}

/// The runs recorded in `events`, newest first, with each step's record and an excerpt of its
/// captured output. Reads files: the caller runs it off the async threads.
pub fn runs(events: &[Event], blobs: &BlobStore) -> Vec<Run> {
    let mut runs: Vec<Run> = api::views(events, blobs, OUTPUT)
        .into_iter()
        .map(|r| Run {
            name: format!("{}#{}", r.runbook, r.procedure),
            started: Stamp {
                by: r.started_by,
                at: when(r.started_at),
            },
            params: r.params.into_iter().collect(),
            done: r.steps_done,
            steps: r.steps_total,
            outcome: r.outcome.unwrap_or_else(|| "in progress".to_string()),
            records: r.steps.into_iter().map(step).collect(),
            id: r.run,
        })
        .collect();
    runs.reverse();
    runs
}

fn step(s: api::StepView) -> Step {
    let output = [("stdout", s.stdout), ("stderr", s.stderr)]
        .into_iter()
        .filter_map(|(stream, c)| c.map(|c| captured(stream, c)))
        .collect();
    Step {
        number: s.step,
        title: s.title,
        outcome: s.outcome,
        command: s.command,
        exit_code: s.exit_code,
        took: span(s.duration_ms / 1000),
        output,
        at: when(s.at),
    }
}

fn captured(stream: &'static str, c: api::Captured) -> Captured {
    let missing = match (&c.text, c.left_off) {
        (_, true) => Some("not shown: this page already shows as much output as it can"),
        (None, false) => Some("the output is no longer in the evidence store"),
        (Some(_), false) => None,
    };
    let shown = c.text.as_ref().map_or(0, |t| t.len() as u64);
    Captured {
        stream,
        more: (missing.is_none() && c.truncated).then(|| bytes(c.size.saturating_sub(shown))),
        text: c.text.unwrap_or_default(),
        capped: c.capped,
        missing,
        sha256: c.sha256,
    }
}
