//! `merge` and `link`: telling firebreak that two incidents are one, or related.

use std::process::ExitCode;

use firebreak_core::IncidentId;
use serde_json::json;

use super::{Context, incident_id};
use crate::service::Recorded;

/// `merge` arguments.
#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// The incident that is a duplicate: it is closed, and its findings move.
    #[arg(value_parser = incident_id)]
    pub from: IncidentId,
    /// The incident that stays and takes the other's findings.
    #[arg(long, value_parser = incident_id)]
    pub into: IncidentId,
    /// Why (recorded on both timelines).
    #[arg(long)]
    pub reason: Option<String>,
}

/// `link` arguments.
#[derive(Debug, clap::Args)]
pub struct LinkArgs {
    /// One incident.
    #[arg(value_parser = incident_id)]
    pub a: IncidentId,
    /// The other.
    #[arg(value_parser = incident_id)]
    pub b: IncidentId,
    /// Why (recorded on both timelines).
    #[arg(long)]
    pub reason: Option<String>,
}

/// Prints what was recorded, one line per event, or all of it as JSON.
fn report(ctx: &mut Context, recorded: &[Recorded]) -> anyhow::Result<ExitCode> {
    if ctx.out.json {
        let all: Vec<_> = recorded
            .iter()
            .map(|r| json!({ "incident": r.incident.id.to_string(), "recorded": r.events }))
            .collect();
        ctx.out.json(&all)?;
        return Ok(ExitCode::SUCCESS);
    }
    for r in recorded {
        for e in &r.events {
            let what = e
                .change()
                .map(|c| c.describe())
                .unwrap_or_else(|_| e.kind.clone());
            ctx.out.line(format!("{}  {what}", r.incident.id))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn merge(ctx: &mut Context, a: MergeArgs) -> anyhow::Result<ExitCode> {
    let service = ctx.service().await?;
    let (taken, closed) = service.merge(&a.from, &a.into, a.reason.as_deref()).await?;
    let all: Vec<Recorded> = taken.into_iter().chain(closed).collect();
    report(ctx, &all)
}

pub async fn link(ctx: &mut Context, a: LinkArgs) -> anyhow::Result<ExitCode> {
    let service = ctx.service().await?;
    let recorded = service.link(&a.a, &a.b, a.reason.as_deref()).await?;
    report(ctx, &recorded)
}
