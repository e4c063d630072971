//! `firebreak evidence …`: collect, list, show, verify, hand over and purge an incident's
//! evidence. Every one of them is recorded in the incident's journal (its chain of custody).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use firebreak_core::blob::{BlobStore, Check};
use firebreak_core::evidence::{Action, Collected, Custody, Item};
use firebreak_core::{Change, Incident, IncidentId, decide};
use serde_json::json;

use super::{Context, incident_id};
use crate::collect::{self, command, files};
use crate::output::{Table, Tone};
use crate::service::Service;

/// Evidence commands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Collect files and directory trees (links recorded, never followed).
    Add(AddArgs),
    /// Run a command and keep its standard output and standard error as evidence.
    Capture(CaptureArgs),
    /// Capture volatile state natively from /proc and /sys, most volatile first.
    Snapshot(SnapshotArgs),
    /// List an incident's evidence.
    Ls(IncidentArgs),
    /// Show one item and its chain of custody (recorded as a view).
    Show(ShowArgs),
    /// Re-hash stored evidence and name anything missing or modified (exit 3 if so).
    Verify(VerifyArgs),
    /// Write a signed bundle (items, manifest, SHA256SUMS, journal) to check elsewhere.
    Export(ExportArgs),
    /// Record that evidence was handed over to someone or something.
    Transfer(TransferArgs),
    /// Delete a closed incident's evidence bytes, leaving a tombstone with their digests.
    Purge(PurgeArgs),
}

/// An incident id.
#[derive(Debug, clap::Args)]
pub struct IncidentArgs {
    /// Incident id.
    #[arg(value_parser = incident_id)]
    pub id: IncidentId,
}

/// `evidence add`.
#[derive(Debug, clap::Args)]
pub struct AddArgs {
    /// Incident id.
    #[arg(value_parser = incident_id)]
    pub id: IncidentId,
    /// Files or directories.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Why they are collected.
    #[arg(long)]
    pub reason: Option<String>,
}

/// `evidence capture`.
#[derive(Debug, clap::Args)]
pub struct CaptureArgs {
    /// Incident id.
    #[arg(value_parser = incident_id)]
    pub id: IncidentId,
    /// Why it is captured.
    #[arg(long)]
    pub reason: Option<String>,
    /// Stop the command (and everything it started) after this long.
    #[arg(long, default_value = "5m", value_parser = super::positive_duration)]
    pub timeout: Duration,
    /// The command and its arguments, after `--`.
    #[arg(required = true, last = true)]
    pub command: Vec<String>,
}

/// `evidence snapshot`.
#[derive(Debug, clap::Args)]
pub struct SnapshotArgs {
    /// Incident id.
    #[arg(value_parser = incident_id)]
    pub id: IncidentId,
    /// Look for recently modified files under these trees (repeatable; default: /tmp, /var/tmp,
    /// /dev/shm, /etc, /root, /home).
    #[arg(long = "paths", value_name = "DIR")]
    pub paths: Vec<PathBuf>,
    /// How far back "recently" reaches, for files and log lines.
    #[arg(long, default_value = "60m", value_parser = super::positive_duration)]
    pub since: Duration,
    /// Why it is taken.
    #[arg(long)]
    pub reason: Option<String>,
}

/// `evidence export`.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// Incident id.
    #[arg(value_parser = incident_id)]
    pub id: IncidentId,
    /// The bundle to write (`.tar.gz`); refused if it exists.
    #[arg(long, short = 'o')]
    pub output: PathBuf,
    /// Why it is exported.
    #[arg(long)]
    pub reason: Option<String>,
}

/// `evidence show`.
#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    /// The item: INC-…/E3.
    pub item: String,
    /// Why you are looking (recorded).
    #[arg(long)]
    pub reason: Option<String>,
}

/// `evidence verify`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// Only this incident (default: every incident with evidence).
    #[arg(value_parser = incident_id)]
    pub id: Option<IncidentId>,
}

/// `evidence transfer`.
#[derive(Debug, clap::Args)]
pub struct TransferArgs {
    /// Incident id.
    #[arg(value_parser = incident_id)]
    pub id: IncidentId,
    /// To whom or what (a person, an agency, a medium).
    #[arg(long)]
    pub to: String,
    /// Which items (default: all that are not purged), e.g. E1,E3.
    #[arg(long, value_delimiter = ',')]
    pub items: Vec<String>,
    /// Why.
    #[arg(long)]
    pub reason: Option<String>,
}

/// `evidence purge`.
#[derive(Debug, clap::Args)]
pub struct PurgeArgs {
    /// Incident id (the incident must be closed).
    #[arg(value_parser = incident_id)]
    pub id: IncidentId,
    /// Why the evidence may go (recorded on the tombstone).
    #[arg(long)]
    pub reason: String,
    /// The incident id again, to confirm: purging cannot be undone.
    #[arg(long, value_name = "INC")]
    pub confirm: Option<String>,
}

/// Runs an evidence command.
pub async fn run(ctx: &mut Context, command: Command) -> anyhow::Result<ExitCode> {
    let service = ctx.service().await?;
    let store = BlobStore::in_data_dir(&ctx.settings.data_dir);
    match command {
        Command::Add(a) => add(ctx, &service, &store, a).await,
        Command::Capture(a) => capture(ctx, &service, &store, a).await,
        Command::Snapshot(a) => snapshot(ctx, &service, &store, a).await,
        Command::Ls(a) => list(ctx, &service, &a.id).await,
        Command::Show(a) => show(ctx, &service, a).await,
        Command::Verify(a) => verify(ctx, &service, &store, a).await,
        Command::Export(a) => export(ctx, &service, &store, a).await,
        Command::Transfer(a) => transfer(ctx, &service, a).await,
        Command::Purge(a) => purge(ctx, &service, &store, a).await,
    }
}

/// Registers collected items in the incident and prints them.
async fn record(
    ctx: &mut Context,
    service: &Service,
    id: &IncidentId,
    collected: &[Collected],
    reason: Option<&str>,
) -> anyhow::Result<Vec<Item>> {
    if collected.is_empty() {
        return Ok(Vec::new());
    }
    let recorded = service
        .change(id, |incident| {
            decide::add_evidence(incident, collected, reason)
        })
        .await?;
    let items: Vec<Item> = recorded
        .events
        .iter()
        .filter_map(|e| match e.change() {
            Ok(Change::EvidenceAdded(item)) => Some(item),
            _ => None,
        })
        .collect();
    if !ctx.out.json {
        let mut table = Table::new(&["ITEM", "KIND", "SIZE", "SHA-256", "SOURCE"]);
        for item in &items {
            table.row(item_row(id, item));
        }
        ctx.out.table(&table)?;
    }
    Ok(items)
}

fn item_row(id: &IncidentId, item: &Item) -> Vec<(String, Tone)> {
    let source = item.source();
    let tone = if item.changed_while_reading {
        Tone::Warn
    } else {
        Tone::Plain
    };
    vec![
        (format!("{id}/{}", item.id), Tone::Plain),
        (item.kind.to_string(), Tone::Plain),
        (item.size.to_string(), Tone::Plain),
        (item.sha256.chars().take(16).collect(), Tone::Dim),
        (source, tone),
    ]
}

async fn add(
    ctx: &mut Context,
    service: &Service,
    store: &BlobStore,
    args: AddArgs,
) -> anyhow::Result<ExitCode> {
    // Refuse early, before reading anything, when the incident cannot take evidence.
    let (incident, _) = service.incident(&args.id).await?;
    decide::add_evidence(&incident, &[], args.reason.as_deref())?;
    let host = collect::host();
    let collection = files::collect(&args.paths, store, &host);
    let items = record(
        ctx,
        service,
        &args.id,
        &collection.items,
        args.reason.as_deref(),
    )
    .await?;
    for problem in &collection.problems {
        eprintln!("firebreak: not collected: {problem}");
    }
    let changed = items.iter().filter(|i| i.changed_while_reading).count();
    if changed > 0 {
        eprintln!("firebreak: {changed} file(s) changed while being read; their items are flagged");
    }
    if ctx.out.json {
        ctx.out.json(
            &json!({ "incident": args.id, "items": items, "problems": collection.problems }),
        )?;
    } else {
        ctx.out.line(format!(
            "{} item(s) collected into {}",
            items.len(),
            args.id
        ))?;
    }
    Ok(if collection.problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

async fn capture(
    ctx: &mut Context,
    service: &Service,
    store: &BlobStore,
    args: CaptureArgs,
) -> anyhow::Result<ExitCode> {
    let (incident, _) = service.incident(&args.id).await?;
    decide::add_evidence(&incident, &[], args.reason.as_deref())?;
    let captured = command::capture(&args.command, args.timeout, store, &collect::host())?;
    let items = record(
        ctx,
        service,
        &args.id,
        &captured.items,
        args.reason.as_deref(),
    )
    .await?;
    let ended = match captured.exit {
        crate::runner::shell::Exit::Code(c) => format!("exit code {c}"),
        crate::runner::shell::Exit::Signal(s) => format!("killed by signal {s}"),
        crate::runner::shell::Exit::TimedOut => format!(
            "timed out after {}s and was stopped",
            args.timeout.as_secs()
        ),
        crate::runner::shell::Exit::Interrupted => "interrupted".to_string(),
    };
    if ctx.out.json {
        ctx.out
            .json(&json!({ "incident": args.id, "items": items, "ended": ended }))?;
    } else {
        ctx.out.line(format!(
            "the command ended with {ended}; its output is kept either way"
        ))?;
    }
    Ok(ExitCode::SUCCESS)
}

async fn list(ctx: &mut Context, service: &Service, id: &IncidentId) -> anyhow::Result<ExitCode> {
    let (incident, _) = service.incident(id).await?;
    if ctx.out.json {
        let items: Vec<_> = incident
            .evidence_items
            .iter()
            .map(|i| json!({ "item": i, "purged": incident.purged.contains(&i.id) }))
            .collect();
        ctx.out.json(&json!({ "incident": id, "items": items }))?;
        return Ok(ExitCode::SUCCESS);
    }
    if incident.evidence_items.is_empty() {
        ctx.out.line(format!(
            "{id} has no evidence yet; collect some with `firebreak evidence add {id} PATH…`"
        ))?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut table = Table::new(&["ITEM", "KIND", "SIZE", "SHA-256", "SOURCE"]);
    for item in &incident.evidence_items {
        let mut row = item_row(id, item);
        if incident.purged.contains(&item.id) {
            row[4] = (format!("{}  (purged)", row[4].0), Tone::Dim);
        }
        table.row(row);
    }
    ctx.out.table(&table)?;
    Ok(ExitCode::SUCCESS)
}

/// Splits `INC-…/E3`.
fn parse_item(text: &str) -> anyhow::Result<(IncidentId, String)> {
    let (incident, item) = text.split_once('/').with_context(|| {
        format!("{text:?} is not an evidence item; write it as INC-YYYY-MM-DD-NNN/E3")
    })?;
    let id: IncidentId = incident
        .parse()
        .map_err(|e: firebreak_core::id::BadId| anyhow::anyhow!("{e}"))?;
    let valid = item
        .strip_prefix('E')
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    anyhow::ensure!(
        valid,
        "{item:?} is not an evidence item number; they look like E3"
    );
    Ok((id, item.to_string()))
}

async fn custody(service: &Service, id: &IncidentId, custody: Custody) -> anyhow::Result<()> {
    service
        .change(id, |incident| decide::custody(incident, custody.clone()))
        .await?;
    Ok(())
}

async fn show(ctx: &mut Context, service: &Service, args: ShowArgs) -> anyhow::Result<ExitCode> {
    let (id, item_id) = parse_item(&args.item)?;
    let (incident, _) = service.incident(&id).await?;
    let item = incident
        .evidence_items
        .iter()
        .find(|i| i.id == item_id)
        .with_context(|| format!("{id} has no evidence item {item_id}"))?
        .clone();
    custody(
        service,
        &id,
        Custody {
            action: Action::Viewed,
            items: vec![item_id.clone()],
            host: collect::host(),
            reason: args.reason.clone(),
            detail: None,
        },
    )
    .await?;
    let (incident, events) = service.incident(&id).await?;
    let history: Vec<(String, String, String)> = events
        .iter()
        .filter_map(|e| {
            let text = match e.change().ok()? {
                Change::EvidenceAdded(i) if i.id == item_id => {
                    Some(format!("collected on {}", i.origin.host))
                }
                Change::EvidenceCustody(c) if c.items.contains(&item_id) => {
                    let why = c.reason.map(|r| format!(" — {r}")).unwrap_or_default();
                    let detail = c.detail.map(|d| format!(" ({d})")).unwrap_or_default();
                    Some(format!("{} on {}{detail}{why}", c.action, c.host))
                }
                Change::EvidencePurged { items, reason }
                    if items.iter().any(|t| t.id == item_id) =>
                {
                    Some(format!("purged — {reason}"))
                }
                _ => None,
            }?;
            Some((
                e.at.strftime("%Y-%m-%d %H:%M:%S").to_string(),
                e.actor.clone(),
                text,
            ))
        })
        .collect();
    if ctx.out.json {
        let custody: Vec<_> = history
            .iter()
            .map(|(at, by, what)| json!({"at": at, "by": by, "what": what}))
            .collect();
        ctx.out.json(&json!({ "incident": id, "item": item, "purged": incident.purged.contains(&item_id), "custody": custody }))?;
        return Ok(ExitCode::SUCCESS);
    }
    ctx.out.line(format!(
        "{id}/{}  {}  {} bytes",
        item.id, item.kind, item.size
    ))?;
    ctx.out.line(format!("  sha256   {}", item.sha256))?;
    ctx.out.line(format!("  source   {}", item.source()))?;
    if let Some(hex) = &item.origin.path_hex {
        ctx.out.line(format!("  path hex {hex}"))?;
    }
    if let (Some(mode), Some(uid), Some(gid)) = (item.origin.mode, item.origin.uid, item.origin.gid)
    {
        ctx.out
            .line(format!("  mode     {:o}  uid {uid}  gid {gid}", mode))?;
    }
    if let Some(mtime) = item.origin.mtime {
        ctx.out.line(format!("  mtime    {mtime}"))?;
    }
    if let Some(reason) = &item.reason {
        ctx.out.line(format!("  reason   {reason}"))?;
    }
    ctx.out.line("  custody:")?;
    let mut table = Table::new(&["    AT (UTC)", "BY", "WHAT"]);
    for (at, by, what) in history {
        table.row(vec![
            (format!("    {at}"), Tone::Plain),
            (by, Tone::Plain),
            (what, Tone::Plain),
        ]);
    }
    ctx.out.table(&table)?;
    Ok(ExitCode::SUCCESS)
}

/// Re-hashes one incident's items; records the verification; returns the problems.
async fn verify_incident(
    service: &Service,
    store: &BlobStore,
    incident: &Incident,
) -> anyhow::Result<(usize, Vec<String>)> {
    let live: Vec<&Item> = incident
        .evidence_items
        .iter()
        .filter(|i| !incident.purged.contains(&i.id))
        .collect();
    let mut problems = Vec::new();
    for item in &live {
        let state = store
            .check(&item.sha256)
            .with_context(|| format!("{}/{}: cannot read the stored copy", incident.id, item.id))?;
        match state {
            Check::Intact => {}
            Check::Altered => problems.push(format!(
                "{}/{}: modified — the stored bytes no longer hash to {}",
                incident.id, item.id, item.sha256
            )),
            Check::Missing => problems.push(format!(
                "{}/{}: missing from the evidence store (sha256 {})",
                incident.id, item.id, item.sha256
            )),
        }
    }
    if !live.is_empty() {
        let detail = if problems.is_empty() {
            format!("{} item(s) intact", live.len())
        } else {
            // The record names the first few; the command's output names them all.
            let shown: Vec<&str> = problems.iter().take(10).map(String::as_str).collect();
            let more = problems.len().saturating_sub(shown.len());
            let more = if more > 0 {
                format!("; and {more} more")
            } else {
                String::new()
            };
            format!("{} problem(s): {}{more}", problems.len(), shown.join("; "))
        };
        let items = live.iter().map(|i| i.id.clone()).collect();
        custody(
            service,
            &incident.id,
            Custody {
                action: Action::Verified,
                items,
                host: collect::host(),
                reason: None,
                detail: Some(detail),
            },
        )
        .await?;
    }
    Ok((live.len(), problems))
}

async fn verify(
    ctx: &mut Context,
    service: &Service,
    store: &BlobStore,
    args: VerifyArgs,
) -> anyhow::Result<ExitCode> {
    let ids: Vec<IncidentId> = match args.id {
        Some(id) => vec![id],
        None => all_incidents(service).await?,
    };
    let mut checked = 0;
    let mut problems = Vec::new();
    for id in &ids {
        let (incident, _) = service.incident(id).await?;
        let (n, mut found) = verify_incident(service, store, &incident).await?;
        checked += n;
        problems.append(&mut found);
    }
    if ctx.out.json {
        ctx.out
            .json(&json!({ "items": checked, "problems": problems }))?;
    } else if problems.is_empty() {
        ctx.out
            .line(format!("✓ evidence intact: {checked} item(s) re-hashed"))?;
    } else {
        for p in &problems {
            ctx.out.line(format!("✗ {p}"))?;
        }
    }
    Ok(if problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(3)
    })
}

async fn transfer(
    ctx: &mut Context,
    service: &Service,
    args: TransferArgs,
) -> anyhow::Result<ExitCode> {
    let (incident, _) = service.incident(&args.id).await?;
    let items = if args.items.is_empty() {
        incident
            .evidence_items
            .iter()
            .filter(|i| !incident.purged.contains(&i.id))
            .map(|i| i.id.clone())
            .collect()
    } else {
        args.items.clone()
    };
    anyhow::ensure!(!items.is_empty(), "{} has no evidence to transfer", args.id);
    let to = args.to.trim();
    anyhow::ensure!(!to.is_empty(), "--to needs a recipient");
    custody(
        service,
        &args.id,
        Custody {
            action: Action::Transferred,
            items: items.clone(),
            host: collect::host(),
            reason: args.reason,
            detail: Some(format!("to {to}")),
        },
    )
    .await?;
    ctx.out.line(format!(
        "recorded: {} transferred to {to}",
        items.join(", ")
    ))?;
    Ok(ExitCode::SUCCESS)
}

async fn purge(
    ctx: &mut Context,
    service: &Service,
    store: &BlobStore,
    args: PurgeArgs,
) -> anyhow::Result<ExitCode> {
    let (incident, _) = service.incident(&args.id).await?;
    // Ask the domain first: refuses open incidents and empty purges before anything is deleted.
    decide::purge(&incident, &args.reason)?;
    if args.confirm.as_deref() != Some(args.id.to_string().as_str()) {
        anyhow::bail!(
            "purging deletes {}'s evidence bytes for good; repeat the id to confirm: --confirm {}",
            args.id,
            args.id
        );
    }
    let recorded = service
        .change(&args.id, |incident| decide::purge(incident, &args.reason))
        .await?;
    // Bytes go only after the tombstone is recorded; a blob another live item still uses stays.
    let live = live_digests(service).await?;
    let mut deleted = 0;
    for event in &recorded.events {
        if let Ok(Change::EvidencePurged { items, .. }) = event.change() {
            for t in items.iter().filter(|t| !live.contains(&t.sha256)) {
                if let Some(path) = store.path(&t.sha256) {
                    match std::fs::remove_file(&path) {
                        Ok(()) => deleted += 1,
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                        Err(e) => {
                            return Err(e)
                                .with_context(|| format!("cannot delete {}", path.display()));
                        }
                    }
                }
            }
        }
    }
    ctx.out.line(format!(
        "purged {}: {deleted} stored file(s) deleted; the tombstone keeps their digests",
        args.id
    ))?;
    Ok(ExitCode::SUCCESS)
}

/// Digests that items not purged, in any incident, still point to.
async fn live_digests(service: &Service) -> anyhow::Result<std::collections::BTreeSet<String>> {
    let mut live = std::collections::BTreeSet::new();
    for id in all_incidents(service).await? {
        let (incident, _) = service.incident(&id).await?;
        live.extend(
            incident
                .evidence_items
                .iter()
                .filter(|i| !incident.purged.contains(&i.id))
                .map(|i| i.sha256.clone()),
        );
    }
    Ok(live)
}

async fn all_incidents(service: &Service) -> anyhow::Result<Vec<IncidentId>> {
    let rows = service.store().list(&Default::default()).await?;
    Ok(rows.into_iter().map(|row| row.id).collect())
}

async fn snapshot(
    ctx: &mut Context,
    service: &Service,
    store: &BlobStore,
    args: SnapshotArgs,
) -> anyhow::Result<ExitCode> {
    let (incident, _) = service.incident(&args.id).await?;
    decide::add_evidence(&incident, &[], args.reason.as_deref())?;
    let mut options = firebreak_core::snapshot::Options {
        since: args.since,
        ..Default::default()
    };
    if !args.paths.is_empty() {
        options.paths = args.paths.clone();
    }
    let host = collect::host();
    let mut collected = Vec::new();
    let mut problems = Vec::new();
    // Part by part, most volatile first, each stamped with the moment its capture began.
    for (_, collector) in firebreak_core::snapshot::COLLECTORS {
        let captured_at = jiff::Timestamp::now();
        let part = collector(&options);
        let bytes = serde_json::to_vec_pretty(&json!({
            "part": part.name, "host": host, "captured_at": captured_at,
            "value": part.value, "problems": part.problems,
        }))?;
        let size = bytes.len() as u64;
        let sha256 = store.put(&bytes).context("cannot store the snapshot")?;
        let origin = firebreak_core::evidence::Origin {
            host: host.clone(),
            part: Some(part.name.to_string()),
            ..Default::default()
        };
        collected.push(Collected {
            kind: firebreak_core::evidence::ItemKind::Snapshot,
            sha256,
            size,
            origin,
            changed_while_reading: false,
        });
        problems.extend(part.problems.iter().map(|p| format!("{}: {p}", part.name)));
    }
    let items = record(ctx, service, &args.id, &collected, args.reason.as_deref()).await?;
    if ctx.out.json {
        ctx.out
            .json(&json!({ "incident": args.id, "items": items, "problems": problems }))?;
    } else {
        let unread = if problems.is_empty() {
            String::new()
        } else {
            format!(
                "; {} thing(s) could not be read (see `evidence show`)",
                problems.len()
            )
        };
        ctx.out.line(format!(
            "snapshot of {host}: {} part(s) collected into {}{unread}",
            items.len(),
            args.id
        ))?;
    }
    Ok(ExitCode::SUCCESS)
}

async fn export(
    ctx: &mut Context,
    service: &Service,
    store: &BlobStore,
    args: ExportArgs,
) -> anyhow::Result<ExitCode> {
    use firebreak_core::bundle::{ExportRequest, ItemSource};
    let (incident, _) = service.incident(&args.id).await?;
    let live: Vec<&Item> = incident
        .evidence_items
        .iter()
        .filter(|i| !incident.purged.contains(&i.id))
        .collect();
    anyhow::ensure!(!live.is_empty(), "{} has no evidence to export", args.id);
    let host = collect::host();
    // The export is recorded first, so the bundle's journal shows it: custody travels with it.
    let ids: Vec<String> = live.iter().map(|i| i.id.clone()).collect();
    let detail = format!("bundle {}", args.output.display());
    custody(
        service,
        &args.id,
        Custody {
            action: Action::Exported,
            items: ids,
            host: host.clone(),
            reason: args.reason.clone(),
            detail: Some(detail),
        },
    )
    .await?;
    let loaded = service.store().load(&args.id).await?;
    let (incident, _) = service.incident(&args.id).await?;
    let mut items = Vec::new();
    for item in incident
        .evidence_items
        .iter()
        .filter(|i| !incident.purged.contains(&i.id))
    {
        let path = store
            .path(&item.sha256)
            .with_context(|| format!("{}: bad digest", item.id))?;
        let mut metadata = serde_json::to_value(item)?;
        if let Some(map) = metadata.as_object_mut() {
            for key in ["id", "sha256", "size"] {
                map.remove(key);
            }
        }
        items.push(ItemSource::from_path(
            item.id.clone(),
            item.sha256.clone(),
            item.size,
            metadata,
            path,
        ));
    }
    let custody_log: Vec<serde_json::Value> = loaded
        .events
        .iter()
        .filter(|e| e.kind.starts_with("evidence_"))
        .map(|e| json!({ "seq": e.seq, "at": e.at, "actor": e.actor, "kind": e.kind, "payload": serde_json::from_str::<serde_json::Value>(&e.payload).unwrap_or_default() }))
        .collect();
    let request = ExportRequest {
        incident: args.id,
        created_at: jiff::Timestamp::now(),
        created_by: crate::settings::actor()?,
        host,
        items,
        custody: custody_log,
        events: &loaded.events,
    };
    let sealer = service.sealer()?;
    // Written beside the target and renamed when complete: a failed export leaves no bundle.
    let dir = args
        .output
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    anyhow::ensure!(
        !args.output.exists(),
        "{} exists; choose another name",
        args.output.display()
    );
    let tmp = tempfile::Builder::new()
        .prefix(".firebreak-bundle-")
        .tempfile_in(dir)
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    let summary = firebreak_core::bundle::write(
        request,
        sealer.signing_key(),
        std::io::BufWriter::new(tmp.as_file()),
    )?;
    tmp.as_file().sync_all()?;
    tmp.persist_noclobber(&args.output)
        .map_err(|e| e.error)
        .with_context(|| format!("cannot create {}", args.output.display()))?;
    if ctx.out.json {
        ctx.out.json(&json!({ "incident": args.id, "bundle": args.output, "items": summary.manifest.items.len(), "events": summary.events, "bytes": summary.compressed_bytes, "key": summary.key }))?;
    } else {
        ctx.out.line(format!(
            "wrote {}: {} item(s), {} journal event(s), signed by {}; check it anywhere with `firebreak bundle verify {}`",
            args.output.display(),
            summary.manifest.items.len(),
            summary.events,
            summary.key,
            args.output.display()
        ))?;
    }
    Ok(ExitCode::SUCCESS)
}
