//! `firebreak action add|done|ls`.

use std::process::ExitCode;

use firebreak_core::incident::ActionItem;
use firebreak_core::{IncidentId, decide};
use firebreak_store::ListFilter;
use jiff::Timestamp;
use serde::Serialize;

use super::{Context, incident_id, time};
use crate::output::{Table, Tone, clip};

/// Action item commands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Add an action item.
    Add {
        /// Incident id.
        #[arg(value_parser = incident_id)]
        id: IncidentId,
        /// What is to be done.
        text: String,
        /// Who owns it.
        #[arg(long)]
        owner: Option<String>,
        /// When it is due: 2026-12-01, +3d, 2w.
        #[arg(long)]
        due: Option<String>,
    },
    /// Mark an action item done.
    Done {
        /// Incident id.
        #[arg(value_parser = incident_id)]
        id: IncidentId,
        /// The item's number.
        number: u32,
    },
    /// List action items of one incident, or open ones of every incident.
    Ls {
        /// Incident id (default: every incident with open items).
        #[arg(value_parser = incident_id)]
        id: Option<IncidentId>,
        /// Only items past their due date.
        #[arg(long)]
        overdue: bool,
    },
}

#[derive(Serialize)]
struct Listed {
    incident: IncidentId,
    #[serde(flatten)]
    item: ActionItem,
    overdue: bool,
}

pub async fn run(ctx: &mut Context, command: Command) -> anyhow::Result<ExitCode> {
    let now = Timestamp::now();
    let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
    match command {
        Command::Add {
            id,
            text,
            owner,
            due,
        } => {
            let due = due
                .as_deref()
                .map(|d| time::due(d, now))
                .transpose()
                .map_err(|e| super::usage("--due", e))?;
            let service = ctx.service().await?;
            let r = service
                .change(&id, |i| decide::add_action(i, &text, owner.as_deref(), due))
                .await?;
            report(ctx, &id, r.incident.actions.last())
        }
        Command::Done { id, number } => {
            let service = ctx.service().await?;
            let r = service
                .change(&id, |i| decide::finish_action(i, number))
                .await?;
            report(
                ctx,
                &id,
                r.incident.actions.iter().find(|a| a.number == number),
            )
        }
        Command::Ls { id, overdue } => {
            let service = ctx.service().await?;
            let ids: Vec<IncidentId> = match id {
                Some(id) => vec![id],
                None => service
                    .store()
                    .list(&ListFilter::default())
                    .await?
                    .into_iter()
                    .filter(|s| s.open_actions > 0)
                    .map(|s| s.id)
                    .collect(),
            };
            let every_incident = id.is_none();
            let mut listed = Vec::new();
            for id in ids {
                let (incident, _) = service.incident(&id).await?;
                for item in incident.actions {
                    let late = item.is_overdue(today);
                    if (overdue && !late) || (every_incident && item.done.is_some()) {
                        continue;
                    }
                    listed.push(Listed {
                        incident: id,
                        item,
                        overdue: late,
                    });
                }
            }
            if ctx.out.json {
                ctx.out.json(&listed)?;
                return Ok(ExitCode::SUCCESS);
            }
            if listed.is_empty() {
                ctx.out.line("No action items match.")?;
                return Ok(ExitCode::SUCCESS);
            }
            let mut table = Table::new(&["INCIDENT", "#", "STATE", "ITEM", "OWNER", "DUE"]);
            for l in &listed {
                let state = match (&l.item.done, l.overdue) {
                    (Some(_), _) => ("done", Tone::Good),
                    (None, true) => ("OVERDUE", Tone::Alarm),
                    (None, false) => ("open", Tone::Plain),
                };
                table.row(vec![
                    (l.incident.to_string(), Tone::Plain),
                    (l.item.number.to_string(), Tone::Plain),
                    (state.0.to_string(), state.1),
                    (clip(&l.item.text, 60), Tone::Plain),
                    (
                        l.item.owner.clone().unwrap_or_else(|| "—".into()),
                        Tone::Plain,
                    ),
                    (
                        l.item
                            .due
                            .map(|d| d.to_string())
                            .unwrap_or_else(|| "—".into()),
                        Tone::Plain,
                    ),
                ]);
            }
            ctx.out.table(&table)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn report(
    ctx: &mut Context,
    id: &IncidentId,
    item: Option<&ActionItem>,
) -> anyhow::Result<ExitCode> {
    let Some(item) = item else {
        anyhow::bail!("the action item was recorded but cannot be found; run firebreak verify")
    };
    if ctx.out.json {
        ctx.out
            .json(&serde_json::json!({ "incident": id, "action": item }))?;
    } else {
        let state = if item.done.is_some() { "done" } else { "open" };
        ctx.out.line(format!(
            "{id}  action item {} ({state}): {}",
            item.number, item.text
        ))?;
    }
    Ok(ExitCode::SUCCESS)
}
