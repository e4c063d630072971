//! `firebreak notify`: preview, send and list an incident's notifications, and `--flush` the
//! outbox of every incident. Also [`tell_chain`], which every command that records a change
//! calls to deliver the messages the communication chain was owed by it.

use std::process::ExitCode;

use anyhow::bail;
use firebreak_core::IncidentId;
use firebreak_core::notify::{self, Outbox, OutboxState, Reason};
use firebreak_store::ListFilter;
use jiff::Timestamp;
use serde_json::json;

use super::{Context, incident_id};
use crate::notify::compose::{self, Request};
use crate::notify::{Courier, Drained, drain, drain_within};
use crate::output::{Table, Tone};
use crate::service::{Recorded, Service};

/// How long a command that changed an incident waits for the chain's messages to go out.
pub(crate) const TELL_WITHIN: std::time::Duration = std::time::Duration::from_secs(5);

/// Arguments.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Incident id (not needed with --flush).
    #[arg(value_parser = incident_id, required_unless_present = "flush")]
    pub id: Option<IncidentId>,
    /// Template: internal, external, reminder, escalation, or one of your own in DATA_DIR/templates.
    #[arg(long, default_value = "internal")]
    pub template: String,
    /// A contact or team (repeatable); default: the chain's `declare` list for the severity.
    #[arg(long, value_name = "NAME")]
    pub to: Vec<String>,
    /// What to say (the template's `message`).
    #[arg(long)]
    pub message: Option<String>,
    /// Show exactly what each recipient would get; queue and send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// List the incident's notifications and where each stands.
    #[arg(long, conflicts_with_all = ["dry_run", "message", "to", "flush"])]
    pub log: bool,
    /// Deliver everything still queued, and retry failed messages, across all incidents (or the one given).
    #[arg(long, conflicts_with_all = ["dry_run", "message", "to"])]
    pub flush: bool,
}

pub async fn run(ctx: &mut Context, a: Args) -> anyhow::Result<ExitCode> {
    let service = ctx.service().await?;
    let config = service.config().clone();
    if a.flush {
        let courier = Courier::new(&config.notify)?;
        let ids: Vec<IncidentId> = match a.id {
            Some(id) => vec![id],
            None => service
                .store()
                .list(&ListFilter::default())
                .await?
                .iter()
                .map(|s| s.id)
                .collect(),
        };
        let mut total = Drained::default();
        for id in ids {
            let d = drain(&service, &courier, &id, true).await?;
            total.delivered += d.delivered;
            total.failed += d.failed;
            total.retried += d.retried;
        }
        return report(ctx, &total);
    }
    let Some(id) = a.id else {
        bail!("give an incident id, or --flush")
    };
    let (incident, events) = service.incident(&id).await?;
    if a.log {
        let outbox = Outbox::from_events(&events);
        if ctx.out.json {
            ctx.out
                .json(&json!({ "incident": id, "notifications": outbox.entries }))?;
            return Ok(ExitCode::SUCCESS);
        }
        let mut table = Table::new(&[
            "KEY",
            "QUEUED (UTC)",
            "TO",
            "BY",
            "STATE",
            "TRIES",
            "SUBJECT",
        ]);
        for e in &outbox.entries {
            let tone = match e.state {
                OutboxState::Delivered => Tone::Good,
                OutboxState::Queued => Tone::Warn,
                OutboxState::Failed => Tone::Alarm,
            };
            let state = match (&e.state, &e.error) {
                (OutboxState::Failed, Some(err)) => format!("failed: {err}"),
                (s, _) => serde_json::to_value(s)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
            };
            table.row(vec![
                (e.message.key.clone(), Tone::Dim),
                (
                    e.queued_at.strftime("%Y-%m-%d %H:%M:%S").to_string(),
                    Tone::Plain,
                ),
                (e.message.to.clone(), Tone::Plain),
                (e.message.channel.to_string(), Tone::Plain),
                (state, tone),
                (e.attempts.to_string(), Tone::Plain),
                (e.message.subject.clone(), Tone::Plain),
            ]);
        }
        if table.is_empty() {
            ctx.out.line(format!("{id}: nobody has been notified"))?;
        } else {
            ctx.out.table(&table)?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let templates = compose::templates(&ctx.settings.data_dir)?;
    let request = Request {
        to: &a.to,
        template: &a.template,
        message: a.message.as_deref(),
        reason: Reason::Manual,
        sender: service.actor(),
    };
    let composed = compose::compose(&config, &templates, &incident, &request, Timestamp::now())?;
    if a.dry_run {
        let previews: Vec<_> = composed.iter().map(|(_, p)| p).collect();
        if ctx.out.json {
            ctx.out
                .json(&json!({ "incident": id, "dry_run": true, "messages": previews }))?;
            return Ok(ExitCode::SUCCESS);
        }
        for p in previews {
            ctx.out
                .line(format!("── to {} by {} ──", p.to, p.destination))?;
            ctx.out.line(format!("Subject: {}", p.subject))?;
            ctx.out.line("")?;
            ctx.out.line(&p.body)?;
            ctx.out.line("")?;
        }
        ctx.out.line("(dry run: nothing was queued or sent)")?;
        return Ok(ExitCode::SUCCESS);
    }
    let courier = Courier::new(&config.notify)?;
    let drafts: Vec<_> = composed.into_iter().map(|(d, _)| d).collect();
    let recorded = service.change(&id, |i| notify::queue(i, &drafts)).await?;
    if !ctx.out.json {
        for e in &recorded.events {
            if let Ok(c) = e.change() {
                ctx.out.line(format!("{id}  {}", c.describe()))?;
            }
        }
    }
    let drained = drain(&service, &courier, &id, false).await?;
    report(ctx, &drained)
}

fn report(ctx: &mut Context, d: &Drained) -> anyhow::Result<ExitCode> {
    if ctx.out.json {
        ctx.out.json(d)?;
    } else {
        let line = format!(
            "delivered {}, failed {}, failed tries retried {}",
            d.delivered, d.failed, d.retried
        );
        let tone = if d.failed > 0 {
            Tone::Alarm
        } else {
            Tone::Good
        };
        let painted = ctx.out.paint(&line, tone);
        ctx.out.line(painted)?;
        if d.failed > 0 {
            ctx.out.line("see `firebreak notify ID --log`; `firebreak notify --flush` tries the failed ones again")?;
        }
    }
    // Failed deliveries are an error for scripts and timers.
    Ok(if d.failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// Delivers the chain's messages `recorded` queued (trying for at most [`TELL_WITHIN`]) and
/// says in one line how that went; what is not delivered stays queued for `serve`,
/// `firebreak notify --flush` or `firebreak escalate`. Says on stderr when the chain could not
/// be told at all (the change is recorded regardless).
pub(super) async fn tell_chain(
    ctx: &mut Context,
    service: &Service,
    recorded: &Recorded,
) -> anyhow::Result<()> {
    if let Some(why) = &recorded.untold {
        eprintln!("firebreak: warning: the communication chain was not told: {why}");
    }
    let queued = recorded
        .events
        .iter()
        .filter(|e| e.kind == "notification_queued")
        .count();
    if queued == 0 {
        return Ok(());
    }
    let courier = Courier::new(&service.config().notify)?;
    let d = drain_within(service, &courier, &recorded.incident.id, TELL_WITHIN).await?;
    if ctx.out.json {
        return Ok(());
    }
    let waiting = queued.saturating_sub(d.delivered + d.failed);
    let mut line = format!(
        "{}  told the chain: {} delivered",
        recorded.incident.id, d.delivered
    );
    if d.failed > 0 {
        line.push_str(&format!(", {} failed", d.failed));
    }
    if waiting > 0 {
        line.push_str(&format!(
            ", {waiting} still queued (`serve`, `firebreak notify --flush` or `firebreak escalate` delivers it)"
        ));
    }
    let tone = if d.failed + waiting > 0 {
        Tone::Alarm
    } else {
        Tone::Good
    };
    let painted = ctx.out.paint(&line, tone);
    ctx.out.line(painted)?;
    Ok(())
}
