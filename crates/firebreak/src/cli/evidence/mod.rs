//! `firebreak evidence …`: collect, list, show, verify, hand over and purge an incident's
//! evidence. Every one of them is recorded in the incident's journal (its chain of custody).

mod gather;
mod handover;
mod inspect;

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
        Command::Add(a) => gather::add(ctx, &service, &store, a).await,
        Command::Capture(a) => gather::capture(ctx, &service, &store, a).await,
        Command::Snapshot(a) => gather::snapshot(ctx, &service, &store, a).await,
        Command::Ls(a) => inspect::list(ctx, &service, &a.id).await,
        Command::Show(a) => inspect::show(ctx, &service, a).await,
        Command::Verify(a) => inspect::verify(ctx, &service, &store, a).await,
        Command::Export(a) => handover::export(ctx, &service, &store, a).await,
        Command::Transfer(a) => handover::transfer(ctx, &service, a).await,
        Command::Purge(a) => handover::purge(ctx, &service, &store, a).await,
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

async fn all_incidents(service: &Service) -> anyhow::Result<Vec<IncidentId>> {
    let rows = service.store().list(&Default::default()).await?;
    Ok(rows.into_iter().map(|row| row.id).collect())
}
