//! `firebreak timeline`.

use std::process::ExitCode;

use firebreak_core::IncidentId;
use serde_json::json;

use super::{Context, incident_id};
use crate::output::{Table, Tone};

/// Arguments.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Incident id.
    #[arg(value_parser = incident_id)]
    pub id: IncidentId,
}

pub async fn run(ctx: &mut Context, args: Args) -> anyhow::Result<ExitCode> {
    let service = ctx.service().await?;
    let (incident, events) = service.incident(&args.id).await?;
    if ctx.out.json {
        let rows: Vec<_> = events
            .iter()
            .map(|e| {
                let payload: serde_json::Value =
                    serde_json::from_str(&e.payload).unwrap_or_default();
                json!({
                    "seq": e.seq, "at": e.at, "actor": e.actor, "kind": e.kind,
                    "payload": payload, "prev": e.prev, "hash": e.hash,
                })
            })
            .collect();
        ctx.out
            .json(&json!({ "incident": incident.id, "events": rows }))?;
        return Ok(ExitCode::SUCCESS);
    }
    ctx.out
        .line(format!("{}  {}", incident.id, incident.title))?;
    let mut table = Table::new(&["  #", "AT (UTC)", "BY", "WHAT"]);
    for e in &events {
        let what = e
            .change()
            .map(|c| c.describe())
            .unwrap_or_else(|_| e.kind.clone());
        table.row(vec![
            (format!("{:>3}", e.seq), Tone::Dim),
            (e.at.strftime("%Y-%m-%d %H:%M:%S").to_string(), Tone::Plain),
            (e.actor.clone(), Tone::Plain),
            (what.replace('\n', " "), Tone::Plain),
        ]);
    }
    ctx.out.table(&table)?;
    Ok(ExitCode::SUCCESS)
}
