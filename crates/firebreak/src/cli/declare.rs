//! `firebreak declare`.

use std::process::ExitCode;

use firebreak_core::decide::{self, Declaration};
use jiff::Timestamp;

use super::{Context, show, time};

/// Arguments.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// One line saying what is wrong.
    pub title: String,
    /// Severity level from the policy (see `firebreak policy`).
    #[arg(long, short = 's', alias = "severity")]
    pub sev: String,
    /// A longer description.
    #[arg(long)]
    pub summary: Option<String>,
    /// When the trouble began, if before detection ("40m ago", 2026-11-23T07:10:00Z).
    #[arg(long)]
    pub started: Option<String>,
    /// When it was noticed; the acknowledge clock starts here (default: now).
    #[arg(long)]
    pub detected: Option<String>,
    /// Name the incident commander straight away.
    #[arg(long)]
    pub commander: Option<String>,
}

pub async fn run(ctx: &mut Context, args: Args) -> anyhow::Result<ExitCode> {
    let now = Timestamp::now();
    let started_at = args
        .started
        .as_deref()
        .map(|t| time::moment(t, now))
        .transpose()
        .map_err(|e| super::usage("--started", e))?;
    let detected_at = args
        .detected
        .as_deref()
        .map(|t| time::moment(t, now))
        .transpose()
        .map_err(|e| super::usage("--detected", e))?;
    ctx.settings
        .config
        .policy
        .level(&args.sev)
        .map_err(|e| super::usage("--sev", e))?;
    let request = Declaration {
        title: &args.title,
        summary: args.summary.as_deref(),
        severity: &args.sev,
        started_at,
        detected_at,
        commander: args.commander.as_deref(),
        detection: None,
        now,
    };
    // Refuse bad input before touching the database.
    decide::declare(
        &ctx.settings.config.policy,
        &ctx.settings.config.checklists,
        &request,
    )?;
    let service = ctx.service().await?;
    let recorded = service.declare(&request).await?;
    if ctx.out.json {
        show::render(ctx, &service, &recorded.incident, &[])?;
        super::notify::tell_chain(ctx, &service, &recorded).await?;
    } else {
        let i = &recorded.incident;
        ctx.out
            .line(format!("{}  declared {} “{}”", i.id, i.severity, i.title))?;
        super::notify::tell_chain(ctx, &service, &recorded).await?;
        show::clock_lines(ctx, &service, i)?;
    }
    Ok(ExitCode::SUCCESS)
}
