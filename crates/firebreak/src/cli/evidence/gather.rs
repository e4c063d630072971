//! Collecting: `evidence add` (files and trees), `capture` (a command's output) and
//! `snapshot` (volatile state from /proc), each stored and then recorded in one journal change.

use super::*;

pub(super) async fn add(
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

pub(super) async fn capture(
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

pub(super) async fn snapshot(
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
    let collect::snapshot::Snapshot {
        items: collected,
        problems,
    } = collect::snapshot::take(&options, store, &host)?;
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
