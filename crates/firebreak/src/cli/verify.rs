//! `firebreak verify` and `firebreak reindex`.

use std::process::ExitCode;

use firebreak_core::IncidentId;

use super::{Context, incident_id};
use crate::output::Tone;

/// Exit code when verification finds tampering.
pub const TAMPERED: u8 = 3;

/// Arguments.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Check only this incident (default: everything, including deleted incidents).
    #[arg(value_parser = incident_id)]
    pub id: Option<IncidentId>,
}

pub async fn run(ctx: &mut Context, args: Args) -> anyhow::Result<ExitCode> {
    let service = ctx.service().await?;
    let report = service.verify(args.id.as_ref()).await?;
    let code = if report.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(TAMPERED)
    };
    if ctx.out.json {
        ctx.out.json(&report)?;
        return Ok(code);
    }
    for f in &report.faults {
        let line = ctx.out.paint(&format!("✗ {f}"), Tone::Alarm);
        ctx.out.line(line)?;
    }
    let scope = format!(
        "{}, {}",
        count(report.incidents, "incident"),
        count(report.events, "event")
    );
    if report.ok() {
        let line = ctx.out.paint(
            &format!(
                "✓ journal intact: {scope}; seals and registry signed by {}",
                report.key
            ),
            Tone::Good,
        );
        ctx.out.line(line)?;
    } else {
        ctx.out
            .line(format!("{} problem(s) in {scope}", report.faults.len()))?;
    }
    Ok(code)
}

/// "1 incident", "2 incidents".
fn count(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

pub async fn reindex(ctx: &mut Context) -> anyhow::Result<ExitCode> {
    let service = ctx.service().await?;
    let report = service.reindex().await?;
    if ctx.out.json {
        ctx.out.json(&report)?;
    } else {
        let (incidents, events) = (
            count(report.incidents, "incident"),
            count(report.events, "event"),
        );
        ctx.out
            .line(format!("rebuilt the list of {incidents} from {events}"))?;
    }
    Ok(ExitCode::SUCCESS)
}
