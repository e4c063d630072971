//! `firebreak check [NAME…] [--json] [--declare]`: runs the `[[check]]`s of the config (all, or
//! those named) in parallel and prints one row each, or JSON. With `--declare` every result
//! that is not ok becomes a finding recorded like a log rule's: on the open incident of the
//! same check, or a new one with the check's severity and runbook.
//!
//! Exit status: 0 every check ok; 4 the worst is warn; 5 the worst is unknown (a check could
//! not be made); 6 the worst is critical. As for every command, 1 is an error (nothing ran, or
//! a finding could not be recorded) and 2 a usage error.

use std::process::ExitCode;

use firebreak_core::check::{Check, Status};
use serde_json::json;

use super::Context;
use crate::check::{Prober, Report, finding};
use crate::output::{Table, Tone};
use crate::service::Landed;

/// Arguments.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only these checks (by name; default: every configured check).
    #[arg(value_name = "NAME")]
    pub names: Vec<String>,
    /// Record results that are not ok as findings: open an incident with the check's severity
    /// and runbook, or update the one already open for that check.
    #[arg(long)]
    pub declare: bool,
}

/// The exit status for the worst result (see the module docs).
pub fn exit_status(worst: Status) -> u8 {
    match worst {
        Status::Ok => 0,
        Status::Warn => 4,
        Status::Unknown => 5,
        Status::Critical => 6,
    }
}

/// Runs `check`.
pub async fn run(ctx: &mut Context, args: Args) -> anyhow::Result<ExitCode> {
    let checks = chosen(&ctx.settings.config.checks, &args.names)?;
    // Opened first: a database that cannot record findings stops us before anything runs.
    let service = if args.declare {
        Some(ctx.service().await?)
    } else {
        None
    };
    let reports = Prober::new(&checks)?.run_all(&checks).await;
    let mut landed: Vec<Option<Landed>> = vec![None; reports.len()];
    let mut failed = None;
    if let Some(service) = &service {
        for ((check, report), slot) in checks.iter().zip(&reports).zip(&mut landed) {
            let Some(found) = finding::of(check, report) else {
                continue;
            };
            let detection = super::detection(&found);
            match service
                .record_detection(&detection, &found.severity, None)
                .await
            {
                Ok(l) => *slot = Some(l),
                Err(e) => {
                    let e = anyhow::Error::new(e);
                    eprintln!(
                        "firebreak: could not record check {}: {}",
                        check.name,
                        super::one_line(&e)
                    );
                    failed = Some(e);
                }
            }
        }
    }
    let worst = Status::worst(reports.iter().map(|r| r.status));
    if ctx.out.json {
        let list: Vec<_> = checks
            .iter()
            .zip(&reports)
            .zip(&landed)
            .map(|((check, report), landed)| {
                let mut value = json!(report);
                if let Some(map) = value.as_object_mut() {
                    map.insert("finding".into(), json!(finding::of(check, report)));
                    if let Some(l) = landed {
                        map.insert("incident".into(), json!(l.incident().id.to_string()));
                        map.insert(
                            "landed".into(),
                            json!(match l {
                                Landed::Declared(_) => "declared",
                                Landed::Added(..) => "added",
                            }),
                        );
                    }
                }
                value
            })
            .collect();
        ctx.out.json(&json!({ "worst": worst, "checks": list }))?;
    } else {
        table(ctx, &reports, &landed, args.declare)?;
    }
    if let Some(e) = failed {
        return Err(e.context("some findings were not recorded"));
    }
    Ok(ExitCode::from(exit_status(worst)))
}

/// The configured checks named in `names` (all when empty), in config order.
fn chosen(all: &[Check], names: &[String]) -> anyhow::Result<Vec<Check>> {
    if all.is_empty() {
        anyhow::bail!(
            "no checks are configured; add [[check]] entries to firebreak.toml (see the guide's \"Checks\")"
        );
    }
    if let Some(unknown) = names.iter().find(|n| !all.iter().any(|c| &c.name == *n)) {
        let known: Vec<&str> = all.iter().map(|c| c.name.as_str()).collect();
        anyhow::bail!(
            "no check named {unknown:?}; configured: {}",
            known.join(", ")
        );
    }
    Ok(all
        .iter()
        .filter(|c| names.is_empty() || names.contains(&c.name))
        .cloned()
        .collect())
}

fn tone(status: Status) -> Tone {
    match status {
        Status::Ok => Tone::Good,
        Status::Warn => Tone::Warn,
        Status::Critical | Status::Unknown => Tone::Alarm,
    }
}

fn table(
    ctx: &mut Context,
    reports: &[Report],
    landed: &[Option<Landed>],
    declare: bool,
) -> anyhow::Result<()> {
    let mut headers = vec!["CHECK", "KIND", "STATUS", "VALUE", "REASON"];
    if declare {
        headers.push("INCIDENT");
    }
    let mut table = Table::new(&headers);
    for (r, l) in reports.iter().zip(landed) {
        let mut row = vec![
            (r.check.clone(), Tone::Plain),
            (r.kind.to_string(), Tone::Dim),
            (r.status.as_str().to_string(), tone(r.status)),
            (r.value.clone().unwrap_or_else(|| "-".into()), Tone::Plain),
            (crate::output::clip(&r.reason, 90), Tone::Plain),
        ];
        if declare {
            let cell = match l {
                Some(Landed::Declared(i)) => format!("{} (declared)", i.id),
                Some(Landed::Added(i, _)) => format!("{} (updated)", i.id),
                None => "-".into(),
            };
            row.push((cell, Tone::Plain));
        }
        table.row(row);
    }
    ctx.out.table(&table)?;
    Ok(())
}
