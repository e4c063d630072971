//! `firebreak ls`.

use std::process::ExitCode;

use firebreak_core::clock::Clocks;
use firebreak_core::{Status, summary::Summary};
use firebreak_store::ListFilter;
use jiff::Timestamp;
use serde::Serialize;

use super::Context;
use super::show::clock_cell;
use crate::output::{Table, Tone, clip};

/// Arguments.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only incidents still investigating or contained.
    #[arg(long)]
    pub open: bool,
    /// Only incidents with this status.
    #[arg(long)]
    pub status: Option<Status>,
    /// Only incidents of this severity.
    #[arg(long, alias = "severity")]
    pub sev: Option<String>,
    /// Only incidents with a late acknowledgement, update or action item.
    #[arg(long)]
    pub overdue: bool,
    /// Show at most this many (newest first). The table shows the 50 newest unless told
    /// otherwise; `--json` lists every match.
    #[arg(long, conflicts_with = "all")]
    pub limit: Option<usize>,
    /// Show every matching incident in the table.
    #[arg(long)]
    pub all: bool,
}

/// How many rows the table shows by default: a screenful of the newest, not a scroll of years.
const TABLE_DEFAULT: usize = 50;

#[derive(Serialize)]
struct Row<'a> {
    #[serde(flatten)]
    summary: &'a Summary,
    clocks: Clocks,
}

pub async fn run(ctx: &mut Context, args: Args) -> anyhow::Result<ExitCode> {
    let policy = ctx.settings.config.policy.clone();
    let severity = match &args.sev {
        Some(s) => Some(
            policy
                .level(s)
                .map_err(|e| super::usage("--sev", e))?
                .name
                .clone(),
        ),
        None => None,
    };
    let service = ctx.service().await?;
    // Overdue is a clock question answered after reading, so a limit can only go to the
    // database when no overdue filter follows it.
    let wanted = match (args.limit, args.all || ctx.out.json) {
        (Some(n), _) => Some(n),
        (None, true) => None,
        (None, false) => Some(TABLE_DEFAULT),
    };
    // One more than shown tells whether anything was left out.
    let limit = wanted.filter(|_| !args.overdue).map(|n| n as u64 + 1);
    let filter = ListFilter {
        open: args.open,
        status: args.status,
        severity,
        before: None,
        limit,
    };
    let summaries = service.store().list(&filter).await?;
    let now = Timestamp::now();
    let rows: Vec<Row> = summaries
        .iter()
        .map(|s| Row {
            summary: s,
            clocks: Clocks::of(s, &policy, now),
        })
        .filter(|r| !args.overdue || r.clocks.overdue())
        .collect();
    let shown = wanted.unwrap_or(usize::MAX).min(rows.len());
    let more = rows.len() > shown;
    let rows = &rows[..shown];
    if ctx.out.json {
        ctx.out.json(rows)?;
        return Ok(ExitCode::SUCCESS);
    }
    if rows.is_empty() {
        ctx.out.line("No incidents match.")?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut table = Table::new(&["ID", "SEV", "STATUS", "TITLE", "CLOCK", "COMMANDER"]);
    for r in rows {
        let s = r.summary;
        let sev_tone = match policy.rank(&s.severity) {
            0 if s.status.is_open() => Tone::Alarm,
            1 if s.status.is_open() => Tone::Warn,
            _ => Tone::Plain,
        };
        let status_tone = if s.status.is_open() {
            Tone::Plain
        } else {
            Tone::Dim
        };
        table.row(vec![
            (s.id.to_string(), Tone::Plain),
            (s.severity.clone(), sev_tone),
            (s.status.to_string(), status_tone),
            (clip(&s.title, 48), Tone::Plain),
            clock_cell(&r.clocks),
            (
                s.commander.clone().unwrap_or_else(|| "—".into()),
                Tone::Plain,
            ),
        ]);
    }
    ctx.out.table(&table)?;
    if more {
        let note = format!("showing the {shown} newest; --all for every match, --limit N for more");
        let note = ctx.out.paint(&note, Tone::Dim);
        ctx.out.line(note)?;
    }
    Ok(ExitCode::SUCCESS)
}
