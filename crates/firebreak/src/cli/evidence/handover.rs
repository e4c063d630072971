//! Evidence leaving our hands: `evidence export` (a signed bundle), `transfer` (a recorded
//! hand-over) and `purge` (bytes deleted, a tombstone kept).

use super::*;

pub(super) async fn export(
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
    // Everything that can be checked is checked before anything is recorded: the target, the
    // key, and that every item's bytes are still in the store.
    anyhow::ensure!(
        !args.output.exists(),
        "{} exists; choose another name",
        args.output.display()
    );
    let dir = args
        .output
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    // Written beside the target and renamed when complete: a failed export leaves no bundle.
    let tmp = tempfile::Builder::new()
        .prefix(".firebreak-bundle-")
        .tempfile_in(dir)
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    let sealer = service.sealer()?;
    for item in &live {
        anyhow::ensure!(
            store.path(&item.sha256).is_some_and(|p| p.exists()),
            "{}/{} is missing from the evidence store (run `firebreak evidence verify {}`); nothing was exported",
            args.id,
            item.id,
            args.id
        );
    }
    let host = collect::host();
    // The export is recorded first, so the bundle's journal shows it: custody travels with it.
    let ids: Vec<String> = live.iter().map(|i| i.id.clone()).collect();
    let detail = format!("export to bundle {}", args.output.display());
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
    let written = firebreak_core::bundle::write(
        request,
        sealer.signing_key(),
        std::io::BufWriter::new(tmp.as_file()),
    )
    .map_err(anyhow::Error::from)
    .and_then(|summary| {
        tmp.as_file().sync_all()?;
        tmp.persist_noclobber(&args.output).map_err(|e| e.error)?;
        Ok(summary)
    });
    let summary = written.with_context(|| {
        format!(
            "the export to {} is recorded, but the bundle was not written",
            args.output.display()
        )
    })?;
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

pub(super) async fn transfer(
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

pub(super) async fn purge(
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
