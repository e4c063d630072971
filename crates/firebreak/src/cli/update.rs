//! The commands that record one change: `ack`, `status`, `reopen`, `sev`, `assign`, `note`.

use std::process::ExitCode;

use firebreak_core::{Change, DomainError, Incident, IncidentId, Status, decide};
use serde_json::json;

use super::{Context, incident_id, show};
use crate::service::Recorded;

/// `ack` arguments.
#[derive(Debug, clap::Args)]
pub struct AckArgs {
    /// Incident id.
    #[arg(value_parser = incident_id)]
    pub id: IncidentId,
}

/// `status` arguments.
#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    /// Incident id.
    #[arg(value_parser = incident_id)]
    pub id: IncidentId,
    /// contained, resolved or closed.
    pub status: Status,
    /// Why (recorded on the timeline).
    #[arg(long)]
    pub reason: Option<String>,
}

/// `reopen` arguments.
#[derive(Debug, clap::Args)]
pub struct ReopenArgs {
    /// Incident id.
    #[arg(value_parser = incident_id)]
    pub id: IncidentId,
    /// Why it is being reopened.
    #[arg(long)]
    pub reason: String,
}

/// `sev` arguments.
#[derive(Debug, clap::Args)]
pub struct SevArgs {
    /// Incident id.
    #[arg(value_parser = incident_id)]
    pub id: IncidentId,
    /// New severity level.
    pub severity: String,
    /// Why.
    #[arg(long)]
    pub reason: Option<String>,
}

/// `assign` arguments.
#[derive(Debug, clap::Args)]
pub struct AssignArgs {
    /// Incident id.
    #[arg(value_parser = incident_id)]
    pub id: IncidentId,
    /// commander (ic), first-responder, communications (comms), or any role name.
    pub role: String,
    /// Who takes it.
    pub person: String,
}

/// `note` arguments.
#[derive(Debug, clap::Args)]
pub struct NoteArgs {
    /// Incident id.
    #[arg(value_parser = incident_id)]
    pub id: IncidentId,
    /// The note.
    pub text: String,
}

/// Records what `decide` makes of the incident and reports it.
pub(super) async fn record(
    ctx: &mut Context,
    id: &IncidentId,
    decide: impl Fn(&Incident) -> Result<Vec<Change>, DomainError>,
) -> anyhow::Result<ExitCode> {
    let service = ctx.service().await?;
    let recorded = service.change(id, decide).await?;
    if ctx.out.json {
        ctx.out
            .json(&json!({ "incident": &*recorded.incident, "recorded": recorded.events }))?;
        super::notify::tell_chain(ctx, &service, &recorded).await?;
        return Ok(ExitCode::SUCCESS);
    }
    let Recorded {
        incident, events, ..
    } = &recorded;
    for e in events {
        let what = e
            .change()
            .map(|c| c.describe())
            .unwrap_or_else(|_| e.kind.clone());
        ctx.out.line(format!("{}  {what}", incident.id))?;
    }
    super::notify::tell_chain(ctx, &service, &recorded).await?;
    show::clock_lines(ctx, &service, &recorded.incident)?;
    Ok(ExitCode::SUCCESS)
}

pub async fn ack(ctx: &mut Context, a: AckArgs) -> anyhow::Result<ExitCode> {
    record(ctx, &a.id, decide::acknowledge).await
}

pub async fn status(ctx: &mut Context, a: StatusArgs) -> anyhow::Result<ExitCode> {
    let policy = ctx.settings.config.policy.clone();
    record(ctx, &a.id, |i| {
        decide::set_status(i, &policy, a.status, a.reason.as_deref())
    })
    .await
}

pub async fn reopen(ctx: &mut Context, a: ReopenArgs) -> anyhow::Result<ExitCode> {
    record(ctx, &a.id, |i| decide::reopen(i, &a.reason)).await
}

pub async fn sev(ctx: &mut Context, a: SevArgs) -> anyhow::Result<ExitCode> {
    let policy = ctx.settings.config.policy.clone();
    policy
        .level(&a.severity)
        .map_err(|e| super::usage("SEVERITY", e))?;
    record(ctx, &a.id, |i| {
        decide::set_severity(i, &policy, &a.severity, a.reason.as_deref())
    })
    .await
}

pub async fn assign(ctx: &mut Context, a: AssignArgs) -> anyhow::Result<ExitCode> {
    decide::role_name(&a.role)?;
    record(ctx, &a.id, |i| decide::assign(i, &a.role, &a.person)).await
}

pub async fn note(ctx: &mut Context, a: NoteArgs) -> anyhow::Result<ExitCode> {
    record(ctx, &a.id, |i| decide::note(i, &a.text)).await
}
