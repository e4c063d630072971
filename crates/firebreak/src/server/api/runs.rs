//! Runbook runs over the API: every run recorded in an incident's journal, each step as it was
//! recorded (a step run again on `--resume` appears once per attempt) with its captured output
//! read back from the evidence store. Output is bounded by [`Limits`] ([`Limits::API`] here;
//! the dashboard shows less); `truncated` says when more exists. The dashboard's incident page
//! is built from the same [`views`].

use std::io::Read as _;

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use firebreak_core::blob::BlobStore;
use firebreak_core::run::{self, Output, RunEntry, StepRecorded};
use firebreak_core::{Change, Event};
use jiff::Timestamp;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::incident_id;
use super::incidents::tagged_json;
use crate::server::auth::{Allowed, need};
use crate::server::error::{ApiError, ErrorBody};
use crate::server::state::AppState;

/// The routes.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list))
}

/// How much captured output is read back.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The most of one stream.
    pub per_stream: usize,
    /// The most of all streams together.
    pub in_all: usize,
}

impl Limits {
    /// An API response: 64 KiB a stream, 4 MiB in all.
    pub const API: Limits = Limits {
        per_stream: 64 * 1024,
        in_all: 4 * 1024 * 1024,
    };
}

/// A step's captured stream.
#[derive(Debug, Serialize, ToSchema)]
pub struct Captured {
    /// SHA-256 of the stored bytes, hex (its evidence digest).
    pub sha256: String,
    /// Their length.
    pub size: u64,
    /// The stream went past the runner's capture cap, so only its start was stored.
    pub capped: bool,
    /// The start of the stored bytes as text (invalid UTF-8 replaced); absent when the bytes are
    /// not in this server's evidence store, or were left off (`left_off`).
    pub text: Option<String>,
    /// `text` is shorter than the stored bytes.
    pub truncated: bool,
    /// Not read: the response already carries as much output as it may.
    pub left_off: bool,
}

/// One step as recorded.
#[derive(Debug, Serialize, ToSchema)]
pub struct StepView {
    /// Step number, from 1.
    pub step: usize,
    /// Its title.
    pub title: String,
    /// Its phase.
    pub phase: String,
    /// Its safety class.
    pub safety: String,
    /// succeeded, failed, timed-out, interrupted, confirmed, declined, skipped or refused.
    pub outcome: String,
    /// The run moved past it.
    pub done: bool,
    /// The command as written (secrets masked).
    pub command: Option<String>,
    /// Exit code.
    pub exit_code: Option<i32>,
    /// The signal that killed it.
    pub signal: Option<i32>,
    /// Wall time, milliseconds.
    pub duration_ms: u64,
    /// The step collects evidence.
    pub evidence: bool,
    /// When it was recorded.
    pub at: Timestamp,
    /// Who ran it.
    pub by: String,
    /// Standard output.
    pub stdout: Option<Captured>,
    /// Standard error.
    pub stderr: Option<Captured>,
}

/// One run.
#[derive(Debug, Serialize, ToSchema)]
pub struct RunView {
    /// The run's id.
    pub run: String,
    /// Runbook name.
    pub runbook: String,
    /// Procedure slug.
    pub procedure: String,
    /// SHA-256 of the runbook file.
    pub digest: String,
    /// Git commit of the runbook file, if known.
    pub commit: Option<String>,
    /// Steps in the procedure.
    pub steps_total: usize,
    /// Parameters (secrets masked).
    #[schema(value_type = Object)]
    pub params: std::collections::BTreeMap<String, String>,
    /// When it began.
    pub started_at: Timestamp,
    /// Who began it.
    pub started_by: String,
    /// completed, failed or stopped; absent while it has not ended.
    pub outcome: Option<String>,
    /// The step a resume would start from, if any is left.
    pub next_step: Option<usize>,
    /// How many steps the run has moved past.
    pub steps_done: usize,
    /// The steps as recorded, in order.
    pub steps: Vec<StepView>,
}

/// An incident's runs.
#[derive(Debug, Serialize, ToSchema)]
pub struct RunList {
    /// The incident.
    pub incident: String,
    /// Its runs, in the order they began.
    pub runs: Vec<RunView>,
}

/// Lists an incident's runbook runs with each step's outcome and captured output.
#[utoipa::path(
    get,
    path = "/api/v1/incidents/{id}/runs",
    tag = "runs",
    params(("id" = String, Path, description = "Incident id")),
    extensions(("x-permission" = json!("read"))),
    responses(
        (status = 200, description = "The incident's runs", body = RunList),
        (status = 304, description = "Unchanged since the ETag sent"),
        (status = "4XX", description = "Refused or not found", body = ErrorBody),
    )
)]
async fn list(
    _: Allowed<need::Read>,
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = incident_id(&id)?;
    let (_, events) = state.service.incident(&id).await?;
    let blobs = BlobStore::in_data_dir(state.service.data_dir());
    // Output is read from disk: off the async threads.
    let runs = tokio::task::spawn_blocking(move || views(&events, &blobs, Limits::API))
        .await
        .map_err(ApiError::internal)?;
    tagged_json(
        &headers,
        &RunList {
            incident: id.to_string(),
            runs,
        },
    )
}

/// The runs in `events`, in the order they began, their outputs read from `blobs` within
/// `limits` (shared with the dashboard). Reads files: call it off the async threads.
pub fn views(events: &[Event], blobs: &BlobStore, limits: Limits) -> Vec<RunView> {
    let changes: Vec<(&Event, Change)> = events
        .iter()
        .filter_map(|e| Some((e, e.change().ok()?)))
        .collect();
    let progress = run::runs(changes.iter().filter_map(|(_, c)| match c {
        Change::RunStarted(s) => Some(RunEntry::Started(s)),
        Change::StepRecorded(s) => Some(RunEntry::Step(s)),
        Change::RunFinished(f) => Some(RunEntry::Finished(f)),
        _ => None,
    }));
    let mut runs: Vec<RunView> = Vec::new();
    let mut budget = limits.in_all;
    for (event, change) in &changes {
        match change {
            Change::RunStarted(s) => {
                // A run's progress is the one at the same position among the starts.
                let p = progress.get(runs.len());
                runs.push(RunView {
                    run: s.run.clone(),
                    runbook: s.runbook.clone(),
                    procedure: s.procedure.clone(),
                    digest: s.digest.clone(),
                    commit: s.commit.clone(),
                    steps_total: s.steps,
                    params: s.params.clone(),
                    started_at: event.at,
                    started_by: event.actor.clone(),
                    outcome: p.and_then(|p| p.finished.clone()),
                    next_step: p.and_then(|p| p.next_step()),
                    steps_done: p.map_or(0, |p| p.done.len()),
                    steps: Vec::new(),
                })
            }
            Change::StepRecorded(s) => {
                if let Some(run) = runs.iter_mut().rev().find(|r| r.run == s.run) {
                    run.steps
                        .push(step(s, event, blobs, limits.per_stream, &mut budget));
                }
            }
            _ => {}
        }
    }
    runs
}

fn step(
    s: &StepRecorded,
    event: &Event,
    blobs: &BlobStore,
    per_stream: usize,
    budget: &mut usize,
) -> StepView {
    let outcome = serde_json::to_value(s.outcome)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    StepView {
        step: s.step,
        title: s.title.clone(),
        phase: s.phase.clone(),
        safety: s.safety.clone(),
        outcome,
        done: s.done,
        command: s.command.clone(),
        exit_code: s.exit_code,
        signal: s.signal,
        duration_ms: s.duration_ms,
        evidence: s.evidence,
        at: event.at,
        by: event.actor.clone(),
        stdout: s
            .stdout
            .as_ref()
            .map(|o| captured(o, blobs, per_stream, budget)),
        stderr: s
            .stderr
            .as_ref()
            .map(|o| captured(o, blobs, per_stream, budget)),
    }
}

fn captured(output: &Output, blobs: &BlobStore, per_stream: usize, budget: &mut usize) -> Captured {
    let want = (output.size as usize).min(per_stream);
    let left_off = want > *budget;
    let limit = if left_off { 0 } else { want };
    let text = blobs
        .path(&output.sha256)
        .filter(|_| !left_off)
        .and_then(|path| std::fs::File::open(path).ok())
        .and_then(|file| {
            let mut bytes = Vec::with_capacity(limit.min(output.size as usize));
            file.take(limit as u64).read_to_end(&mut bytes).ok()?;
            Some(bytes)
        });
    let shown = text.as_ref().map_or(0, Vec::len);
    *budget -= shown;
    Captured {
        sha256: output.sha256.clone(),
        size: output.size,
        capped: output.truncated,
        truncated: (shown as u64) < output.size,
        left_off,
        text: text.map(|b| String::from_utf8_lossy(&b).into_owned()),
    }
}
