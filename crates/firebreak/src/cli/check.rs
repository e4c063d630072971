//! `firebreak check [NAME…] [--json] [--declare]`: runs the `[[check]]`s of the config (all, or
//! those named) in parallel and prints one row each, or JSON. `--port udp/443`, `--cert FILE`,
//! `--cert-endpoint HOST:PORT` and `--disk PATH` run one-off checks instead (no config needed,
//! configured checks are not run), through the same probes, output and exit statuses. With `--declare` every result
//! that is not ok becomes a finding recorded like a log rule's: on the open incident of the
//! same check, or a new one with the check's severity and runbook.
//!
//! Exit status: 0 every check ok; 4 the worst is warn; 5 the worst is unknown (a check could
//! not be made); 6 the worst is critical. As for every command, 1 is an error (nothing ran, or
//! a finding could not be recorded) and 2 a usage error.

use std::path::PathBuf;
use std::process::ExitCode;

use firebreak_core::check::{Check, Status, adhoc};
use firebreak_core::policy::Policy;
use serde_json::json;

use super::Context;
use crate::check::{Prober, Report, finding};
use crate::output::{Table, Tone};
use crate::service::Landed;

/// Arguments.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only these checks (by name; default: every configured check).
    #[arg(value_name = "NAME", conflicts_with_all = ["port", "cert", "cert_endpoint", "disk"])]
    pub names: Vec<String>,
    /// Instead of the configured checks: is something listening on this port (`tcp/8443`,
    /// `udp/443`)? Not listening is critical. Repeatable.
    #[arg(long, value_name = "PROTO/PORT")]
    pub port: Vec<String>,
    /// Instead of the configured checks: days left on the certificate in this PEM file.
    /// Repeatable.
    #[arg(long, value_name = "FILE")]
    pub cert: Vec<PathBuf>,
    /// Instead of the configured checks: days left on the certificate served here, verified
    /// for HOST (against the system's roots unless `--ca`). Repeatable.
    #[arg(long, value_name = "HOST:PORT")]
    pub cert_endpoint: Vec<String>,
    /// With `--cert-endpoint`: the name the certificate must be valid for (sent as SNI; default:
    /// the endpoint's host).
    #[arg(long, value_name = "NAME", requires = "cert_endpoint")]
    pub server_name: Option<String>,
    /// With `--cert`/`--cert-endpoint`: trust the roots in this PEM file instead of the
    /// system's.
    #[arg(long, value_name = "FILE")]
    pub ca: Option<PathBuf>,
    /// With `--cert`/`--cert-endpoint`: warn at this many days left or fewer (default 30).
    #[arg(long, value_name = "DAYS")]
    pub warn_days: Option<u32>,
    /// With `--cert`/`--cert-endpoint`: critical at this many days left or fewer (default 7).
    #[arg(long, value_name = "DAYS")]
    pub critical_days: Option<u32>,
    /// Instead of the configured checks: space and inodes used on the filesystem holding PATH
    /// (warn at 70 %, critical at 90 %). Repeatable.
    #[arg(long, value_name = "PATH")]
    pub disk: Vec<PathBuf>,
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
    let checks = match one_off(&args, &ctx.settings.config.policy)? {
        Some(checks) => checks,
        None => chosen(&ctx.settings.config.checks, &args.names)?,
    };
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

/// The checks the ad-hoc flags ask for, in flag order (ports, certificate files, endpoints,
/// disks); `None` when none is given. A bad value is a usage error.
fn one_off(args: &Args, policy: &Policy) -> anyhow::Result<Option<Vec<Check>>> {
    let certs = !args.cert.is_empty() || !args.cert_endpoint.is_empty();
    if !certs && (args.warn_days.is_some() || args.critical_days.is_some() || args.ca.is_some()) {
        return Err(super::usage(
            "--warn-days/--critical-days/--ca",
            "only apply to --cert or --cert-endpoint",
        ));
    }
    if !certs && args.port.is_empty() && args.disk.is_empty() {
        return Ok(None);
    }
    let usage = |e: adhoc::AdhocError| super::usage(e.flag, e.why);
    let days = adhoc::days(
        args.warn_days.map(f64::from),
        args.critical_days.map(f64::from),
    )
    .map_err(usage)?;
    let mut probes = Vec::new();
    for p in &args.port {
        probes.push(adhoc::port(p).map_err(usage)?);
    }
    for c in &args.cert {
        probes.push(adhoc::cert_file(c.clone(), args.ca.clone(), days).map_err(usage)?);
    }
    for e in &args.cert_endpoint {
        probes.push(
            adhoc::cert_endpoint(e, args.server_name.clone(), args.ca.clone(), days)
                .map_err(usage)?,
        );
    }
    for d in &args.disk {
        probes.push(adhoc::disk(d.clone()).map_err(usage)?);
    }
    Ok(Some(
        probes
            .into_iter()
            .map(|p| adhoc::check(p, policy))
            .collect(),
    ))
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
