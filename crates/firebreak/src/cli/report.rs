//! `firebreak report`: response figures over the incidents declared in a window — as a table,
//! JSON (`--json`) or one self-contained HTML page (`--html`), to standard output or `-o FILE`.

use std::fs::File;
use std::io::BufWriter;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use firebreak_core::report::{Compliance, Report, Scope, Stats};
use jiff::Timestamp;

use super::Context;
use crate::output::{Out, Table, Tone};
use crate::report::{html, percent, seconds};

/// Arguments.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Start of the window: a length back from its end (`90d`, `12w`) or a date or time
    /// (`2026-09-01`, `2026-09-01T00:00:00Z`).
    #[arg(long, default_value = "90d")]
    pub since: String,
    /// End of the window, and the moment clocks are read at: a date (through the end of that
    /// day, UTC) or a time (default: now; never later than now).
    #[arg(long)]
    pub until: Option<String>,
    /// Only these severities, comma-separated (`P1,P2`).
    #[arg(long, alias = "sev", value_delimiter = ',')]
    pub severity: Vec<String>,
    /// One self-contained HTML page (inline CSS and SVG charts) instead of the table.
    #[arg(long)]
    pub html: bool,
    /// Write the report to this file instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub async fn run(ctx: &mut Context, args: Args) -> anyhow::Result<ExitCode> {
    if args.html && ctx.out.json {
        return Err(super::usage("--html", "choose one of --json and --html"));
    }
    let window = crate::report::window(&args.since, args.until.as_deref(), Timestamp::now())
        .map_err(|e| super::usage("--since/--until", e))?;
    let policy = &ctx.settings.config.policy;
    let severities: Vec<String> = args
        .severity
        .iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    let scope =
        Scope::new(window, &severities, policy).map_err(|e| super::usage("--severity", e))?;
    let service = ctx.service().await?;
    let report = service.report(&scope).await?;

    let json = ctx.out.json;
    let mut file_out;
    let out = match &args.output {
        Some(path) => {
            let file =
                File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
            file_out = Out::writer(Box::new(BufWriter::new(file)), json);
            &mut file_out
        }
        None => &mut ctx.out,
    };
    if args.html {
        out.line(html(&report).trim_end())?;
    } else if json {
        out.json(&report)?;
    } else {
        text(out, &report)?;
    }
    out.flush()?;
    if let Some(path) = &args.output
        && !json
    {
        ctx.out.line(format!(
            "wrote the report ({} incidents) to {}",
            report.incidents,
            path.display()
        ))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `12m / 10m / 40m`: mean, median and p90.
fn triple(s: &Stats) -> String {
    if s.count == 0 {
        return "—".into();
    }
    format!(
        "{} / {} / {}",
        seconds(s.mean),
        seconds(s.median),
        seconds(s.p90)
    )
}

fn target(c: &Compliance) -> String {
    match c.percent {
        None => "—".into(),
        Some(_) => format!("{} ({}/{})", percent(c.percent), c.met, c.met + c.missed),
    }
}

fn joined(rows: &[firebreak_core::report::Count]) -> String {
    let parts: Vec<String> = rows
        .iter()
        .filter(|c| c.count > 0)
        .map(|c| format!("{} {}", c.name, c.count))
        .collect();
    if parts.is_empty() {
        "—".into()
    } else {
        parts.join(" · ")
    }
}

fn text(out: &mut Out, r: &Report) -> std::io::Result<()> {
    let w = r.scope.window;
    let sev = if r.scope.severities.is_empty() {
        "all severities".to_string()
    } else {
        r.scope.severities.join(", ")
    };
    let fmt = |t: Timestamp| t.strftime("%Y-%m-%d %H:%M").to_string();
    out.line(format!(
        "Incidents declared {} – {} UTC ({sev}; targets from the {} policy)",
        fmt(w.since),
        fmt(w.until),
        r.policy
    ))?;
    out.line(format!("incidents    {}", r.incidents))?;
    out.line(format!("by severity  {}", joined(&r.by_severity)))?;
    out.line(format!("by status    {}", joined(&r.by_status)))?;
    out.line(format!("by origin    {}", joined(&r.by_origin)))?;
    out.line("")?;
    let mut table = Table::new(&[
        "SEVERITY",
        "INCIDENTS",
        "MTTA mean/median/p90",
        "MTTC mean/median/p90",
        "MTTR mean/median/p90",
        "ACK TARGET",
        "UPDATE TARGET",
    ]);
    for f in r.per_severity.iter().chain([&r.overall]) {
        let tone = |c: &Compliance| match c.percent {
            Some(p) if p < 90.0 => Tone::Warn,
            _ => Tone::Plain,
        };
        table.row(vec![
            (f.severity.clone(), Tone::Plain),
            (f.incidents.to_string(), Tone::Plain),
            (triple(&f.phases.acknowledge), Tone::Plain),
            (triple(&f.phases.contain), Tone::Plain),
            (triple(&f.phases.resolve), Tone::Plain),
            (target(&f.ack_target), tone(&f.ack_target)),
            (target(&f.update_target), tone(&f.update_target)),
        ]);
    }
    out.table(&table)?;
    out.line("")?;
    let o = &r.overall;
    out.line(format!(
        "not judged   {} acknowledge, {} update (still within their deadline, or never acknowledged)",
        o.ack_target.pending, o.update_target.pending
    ))?;
    let a = &r.actions;
    out.line(format!(
        "actions      {} done, {} open, {} overdue",
        a.done, a.open, a.overdue
    ))?;
    let ids: Vec<String> = r.reopened.ids.iter().map(|i| i.to_string()).collect();
    out.line(format!(
        "reopened     {} incidents, {} times{}{}",
        r.reopened.incidents,
        r.reopened.times,
        if ids.is_empty() { "" } else { ": " },
        ids.join(" ")
    ))?;
    if r.merged > 0 {
        out.line(format!(
            "merged       {} incidents merged into others, left out of every figure",
            r.merged
        ))?;
    }
    if r.repeats.is_empty() {
        out.line("repeats      none")?;
    } else {
        out.line("repeats")?;
        for rep in &r.repeats {
            let shown = crate::output::clip(&rep.key, 60);
            out.line(format!("  {}× {} {shown:?}", rep.count, rep.by))?;
        }
    }
    Ok(())
}
