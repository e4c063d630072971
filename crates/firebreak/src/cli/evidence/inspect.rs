//! Looking at evidence: `evidence ls`, `show` (recorded as a view, with the custody history)
//! and `verify` (re-hashing, recorded as a verification).

use super::*;

pub(super) async fn list(
    ctx: &mut Context,
    service: &Service,
    id: &IncidentId,
) -> anyhow::Result<ExitCode> {
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

pub(super) async fn show(
    ctx: &mut Context,
    service: &Service,
    args: ShowArgs,
) -> anyhow::Result<ExitCode> {
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

pub(super) async fn verify(
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
