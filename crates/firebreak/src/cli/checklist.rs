//! `firebreak checklist show|tick`.

use std::process::ExitCode;
use std::sync::Arc;

use firebreak_core::{IncidentId, decide};
use serde_json::json;

use super::{Context, incident_id};
use crate::output::{Table, Tone, when};

/// Checklist commands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Show an incident's checklists and who ticked what.
    Show {
        /// Incident id.
        #[arg(value_parser = incident_id)]
        id: IncidentId,
    },
    /// Tick an item (or untick it with --undo).
    Tick {
        /// Incident id.
        #[arg(value_parser = incident_id)]
        id: IncidentId,
        /// The list: initial, evidence, post-incident (or a configured one).
        list: String,
        /// The item's number as `checklist show` prints it.
        item: usize,
        /// Untick instead.
        #[arg(long)]
        undo: bool,
    },
}

pub async fn run(ctx: &mut Context, command: Command) -> anyhow::Result<ExitCode> {
    let service = ctx.service().await?;
    let (id, incident) = match command {
        Command::Show { id } => (id, service.incident(&id).await?.0),
        Command::Tick {
            id,
            list,
            item,
            undo,
        } => {
            let recorded = service
                .change(&id, |i| decide::tick(i, &list, item, !undo))
                .await?;
            (id, Arc::unwrap_or_clone(recorded.incident))
        }
    };
    if ctx.out.json {
        ctx.out
            .json(&json!({ "incident": id, "checklists": incident.checklists }))?;
        return Ok(ExitCode::SUCCESS);
    }
    for list in &incident.checklists {
        ctx.out.line(format!(
            "{} — {} ({}/{})",
            list.name,
            list.title,
            list.done_count(),
            list.items.len()
        ))?;
        let mut table = Table::new(&["  #", "", "ITEM", "DONE BY"]);
        for (n, item) in list.items.iter().enumerate() {
            let (mark, tone) = if item.done.is_some() {
                ("[x]", Tone::Good)
            } else {
                ("[ ]", Tone::Plain)
            };
            let by = item
                .done
                .as_ref()
                .map(|d| format!("{} {}", d.by, when(d.at)))
                .unwrap_or_default();
            table.row(vec![
                (format!("{:>3}", n + 1), Tone::Plain),
                (mark.to_string(), tone),
                (item.text.clone(), Tone::Plain),
                (by, Tone::Dim),
            ]);
        }
        ctx.out.table(&table)?;
        ctx.out.line("")?;
    }
    Ok(ExitCode::SUCCESS)
}
