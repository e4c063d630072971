//! `block ADDR|CIDR… --incident ID --reason …` (or `--from-finding FILE [--top N]`), `block ls`,
//! `block expire`, and `unblock`.

use std::process::ExitCode;

use firebreak_core::IncidentId;
use firebreak_core::contain::{Net, Via};
use serde_json::json;

use super::{Context, incident_id, positive_duration};
use crate::contain::act::{self, BlockRequest, Outcome};
use crate::output::{Table, Tone, when};

/// `block` arguments.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    /// List or expire blocks instead.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Addresses or CIDR ranges (203.0.113.9, 198.51.100.0/24, 2001:db8::/64).
    #[arg(value_parser = net, required_unless_present = "from_finding", conflicts_with = "from_finding")]
    pub targets: Vec<Net>,
    /// Block the addresses a `scan --json`, `watch --json` or `triage --json` result names
    /// (`-` reads standard input): lists them, proposes ranges, and asks first.
    #[arg(long, value_name = "FILE")]
    pub from_finding: Option<std::path::PathBuf>,
    /// With --from-finding: only the N addresses seen most.
    #[arg(long, value_name = "N", requires = "from_finding")]
    pub top: Option<usize>,
    /// With --from-finding: block without asking.
    #[arg(long, requires = "from_finding")]
    pub yes: bool,
    /// The incident the block is recorded on.
    #[arg(long, value_parser = incident_id, required = true)]
    pub incident: Option<IncidentId>,
    /// Why (one line, on the timeline and in `block ls`).
    #[arg(long, required = true)]
    pub reason: Option<String>,
    /// How long it lasts (default: `[contain] ttl`, 24h unless set).
    #[arg(long, value_parser = positive_duration, value_name = "DURATION")]
    pub ttl: Option<std::time::Duration>,
    /// Where it is enforced: nginx, nftables or iptables (default: `[contain] via`).
    #[arg(long, value_parser = via)]
    pub via: Option<Via>,
    /// Print the exact change and do nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// `block ls` and `block expire`.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// The blocks in force: what, where, why, by whom, until when, which incident.
    Ls,
    /// Lift every block on this host whose time is up (what `serve` does on its own; for a
    /// systemd timer on hosts without `serve`).
    Expire,
}

/// `unblock` arguments.
#[derive(Debug, clap::Args)]
pub struct UnblockArgs {
    /// Addresses or ranges exactly as blocked.
    #[arg(value_parser = net, required = true)]
    pub targets: Vec<Net>,
    /// Only from this backend (default: every backend holding them).
    #[arg(long, value_parser = via)]
    pub via: Option<Via>,
    /// Why (on the timeline).
    #[arg(long)]
    pub reason: Option<String>,
    /// Print the exact change and do nothing.
    #[arg(long)]
    pub dry_run: bool,
}

fn net(text: &str) -> Result<Net, String> {
    text.parse()
        .map_err(|e: firebreak_core::contain::net::BadNet| e.to_string())
}

fn via(text: &str) -> Result<Via, String> {
    text.parse()
}

/// How many addresses in one /24 (IPv4) or /64 (IPv6) make `block` suggest the range.
const RANGE_HINT_AT: usize = 4;

/// Runs `block`.
pub async fn run(ctx: &mut Context, a: Args) -> anyhow::Result<ExitCode> {
    match a.command {
        Some(Command::Ls) => return list(ctx).await,
        Some(Command::Expire) => return expire(ctx).await,
        None => {}
    }
    let (Some(incident), Some(reason)) = (a.incident, a.reason) else {
        anyhow::bail!("block needs --incident and --reason");
    };
    let config = &ctx.settings.config.contain;
    let via = a.via.unwrap_or(config.via);
    let targets = match &a.from_finding {
        Some(path) => {
            let chosen = Chosen {
                top: a.top,
                yes: a.yes || a.dry_run,
                via,
                incident: &incident,
            };
            match from_finding(ctx, path, chosen)? {
                Some(targets) => targets,
                None => return Ok(ExitCode::FAILURE),
            }
        }
        None => {
            for hint in range_hints(&a.targets) {
                let hint = ctx.out.paint(&hint, Tone::Dim);
                eprintln!("{hint}");
            }
            a.targets
        }
    };
    let config = &ctx.settings.config.contain;
    let request = BlockRequest {
        incident,
        via,
        ttl: a.ttl.unwrap_or(config.ttl),
        targets,
        reason,
        dry_run: a.dry_run,
    };
    let service = ctx.service().await?;
    let outcome = act::block(&service, request).await?;
    report(ctx, outcome)
}

/// Runs `unblock`.
pub async fn unblock(ctx: &mut Context, a: UnblockArgs) -> anyhow::Result<ExitCode> {
    let service = ctx.service().await?;
    let outcome = act::unblock(&service, &a.targets, a.via, a.reason.as_deref(), a.dry_run).await?;
    report(ctx, outcome)
}

fn report(ctx: &mut Context, outcome: Outcome) -> anyhow::Result<ExitCode> {
    match outcome {
        Outcome::DryRun(lines) => {
            if ctx.out.json {
                ctx.out.json(&json!({ "dry_run": true, "change": lines }))?;
            } else {
                ctx.out
                    .line("dry run — nothing changed; this would be done:")?;
                for l in lines {
                    ctx.out.line(format!("  {l}"))?;
                }
            }
        }
        Outcome::Recorded(all) => {
            if ctx.out.json {
                let recorded: Vec<_> = all.iter().flat_map(|r| r.events.iter()).collect();
                ctx.out.json(&json!({ "recorded": recorded }))?;
            } else {
                for r in &all {
                    for e in &r.events {
                        let what = e.change().map(|c| c.describe()).unwrap_or_default();
                        ctx.out.line(format!("{}  {what}", r.incident.id))?;
                    }
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn list(ctx: &mut Context) -> anyhow::Result<ExitCode> {
    let service = ctx.service().await?;
    let blocks = service.blocks().await?;
    let all: Vec<_> = blocks.all().collect();
    if ctx.out.json {
        ctx.out.json(&all)?;
        return Ok(ExitCode::SUCCESS);
    }
    if all.is_empty() {
        ctx.out.line("No blocks in force.")?;
        return Ok(ExitCode::SUCCESS);
    }
    let now = jiff::Timestamp::now();
    let mut table = Table::new(&["TARGET", "VIA", "HOST", "UNTIL", "INCIDENT", "BY", "REASON"]);
    for b in all {
        let until_tone = if b.until <= now {
            Tone::Warn
        } else {
            Tone::Plain
        };
        table.row(vec![
            (b.target.to_string(), Tone::Plain),
            (b.via.to_string(), Tone::Plain),
            (b.host.clone(), Tone::Dim),
            (when(b.until), until_tone),
            (b.incident.clone(), Tone::Plain),
            (b.by.clone(), Tone::Plain),
            (crate::output::clip(&b.reason, 40), Tone::Plain),
        ]);
    }
    ctx.out.table(&table)?;
    Ok(ExitCode::SUCCESS)
}

async fn expire(ctx: &mut Context) -> anyhow::Result<ExitCode> {
    let service = ctx.service().await?;
    let recorded = act::expire(&service).await?;
    let outcome = Outcome::Recorded(recorded);
    if !ctx.out.json
        && let Outcome::Recorded(r) = &outcome
        && r.is_empty()
    {
        ctx.out.line("No block has expired.")?;
        return Ok(ExitCode::SUCCESS);
    }
    report(ctx, outcome)
}

/// Notes for groups of addresses that share a /24 (or /64): the range may be the better block.
fn range_hints(targets: &[Net]) -> Vec<String> {
    let mut groups: std::collections::BTreeMap<Net, usize> = Default::default();
    for t in targets.iter().filter(|t| t.is_host()) {
        let prefix = if t.is_v4() { 24 } else { 64 };
        *groups.entry(t.widen(prefix)).or_default() += 1;
    }
    groups
        .into_iter()
        .filter(|(_, n)| *n >= RANGE_HINT_AT)
        .map(|(range, n)| {
            format!("note: {n} of these addresses lie in {range}; consider blocking the range instead (firebreak block {range} …)")
        })
        .collect()
}

/// What `--from-finding` was asked for.
struct Chosen<'a> {
    top: Option<usize>,
    yes: bool,
    via: Via,
    incident: &'a IncidentId,
}

/// Most bytes read from a `--from-finding` result.
const FINDINGS_MAX_BYTES: u64 = 256 << 20;

/// Reads the result, lists what would be blocked and what is refused, proposes ranges, and asks.
/// `None` when the responder said no.
fn from_finding(
    ctx: &mut Context,
    path: &std::path::Path,
    chosen: Chosen<'_>,
) -> anyhow::Result<Option<Vec<Net>>> {
    use std::io::{IsTerminal as _, Read as _, Write as _};

    let (text, name) = if path.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin()
            .take(FINDINGS_MAX_BYTES)
            .read_to_string(&mut text)
            .map_err(|e| anyhow::anyhow!("standard input: {e}"))?;
        (text, "standard input".to_string())
    } else {
        let mut text = String::new();
        std::fs::File::open(path)
            .and_then(|f| f.take(FINDINGS_MAX_BYTES).read_to_string(&mut text))
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        (text, path.display().to_string())
    };
    let found = crate::contain::findings::read(&text, &name)?;
    let mut candidates = found.candidates;
    if let Some(n) = chosen.top {
        candidates.truncate(n);
    }
    let guard = firebreak_core::contain::Guard::for_this_host(&ctx.settings.config.contain.allow);
    let mut table = Table::new(&["ADDRESS", "COUNT", "RULES"]);
    let mut targets = Vec::new();
    let mut refused = Vec::new();
    for c in &candidates {
        let net = Net::host(c.address);
        match guard.check(&net) {
            Ok(()) => {
                targets.push(net);
                let rules: Vec<&str> = c.rules.iter().map(String::as_str).collect();
                table.row(vec![
                    (c.address.to_string(), Tone::Plain),
                    (c.count.to_string(), Tone::Plain),
                    (crate::output::clip(&rules.join(", "), 60), Tone::Dim),
                ]);
            }
            Err(r) => refused.push(r),
        }
    }
    // The list goes to standard error, with the question: standard output keeps the result.
    let mut err = std::io::stderr();
    if !targets.is_empty() {
        writeln!(err, "{name} names {} address(es) to block:", targets.len())?;
        crate::output::Out::writer(Box::new(std::io::stderr()), false).table(&table)?;
    }
    for r in &refused {
        writeln!(err, "not blocked: {r}")?;
    }
    if found.without_address > 0 {
        writeln!(
            err,
            "note: {} finding(s) name no address (grouped by a path or a user) and are left out",
            found.without_address
        )?;
    }
    if !found.unusable.is_empty() {
        writeln!(
            err,
            "note: {} address field(s) held no address and are left out (first: {:?})",
            found.unusable.len(),
            found.unusable[0]
        )?;
    }
    for hint in range_hints(&targets) {
        writeln!(err, "{}", ctx.out.paint(&hint, Tone::Dim))?;
    }
    if targets.is_empty() {
        anyhow::bail!("{name}: no address to block");
    }
    if chosen.yes {
        return Ok(Some(targets));
    }
    if !std::io::stderr().is_terminal() {
        anyhow::bail!(
            "block --from-finding asks before blocking, and there is no terminal to ask on; re-run with --yes to block these {} address(es)",
            targets.len()
        );
    }
    let question = format!(
        "Block these {} address(es) via {} on {}?",
        targets.len(),
        chosen.via,
        chosen.incident
    );
    let yes = dialoguer::Confirm::new()
        .with_prompt(question)
        .default(false)
        .interact()
        .map_err(|e| {
            anyhow::anyhow!(
                "could not read an answer ({e}); re-run with --yes to block without asking"
            )
        })?;
    if !yes {
        writeln!(err, "nothing blocked")?;
        return Ok(None);
    }
    Ok(Some(targets))
}
