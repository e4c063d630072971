//! `firebreak show`, and the clock wording shared with `ls`.

use std::process::ExitCode;

use firebreak_core::clock::{Clocks, Deadline};
use firebreak_core::notify::OutboxState;
use firebreak_core::summary::Summary;
use firebreak_core::{Event, Incident, IncidentId};
use jiff::Timestamp;
use serde_json::json;

use super::{Context, incident_id};
use crate::output::{Tone, clip, span, when};
use crate::service::Service;

/// Messages listed by `show`; `notify ID --log` lists them all.
const TOLD_SHOWN: usize = 8;

/// Arguments.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Incident id, e.g. INC-2026-11-23-001.
    #[arg(value_parser = incident_id)]
    pub id: IncidentId,
}

/// "ack in 12m" / "ACK OVERDUE 3m".
pub(super) fn deadline(what: &str, d: &Deadline) -> (String, Tone) {
    if d.breached() {
        (
            format!("{} OVERDUE {}", what.to_uppercase(), span(-d.left)),
            Tone::Alarm,
        )
    } else {
        let tone = if d.left.as_secs() < 300 {
            Tone::Warn
        } else {
            Tone::Plain
        };
        (format!("{what} in {}", span(d.left)), tone)
    }
}

/// The clock column: deadlines while open, outcomes once resolved.
pub(super) fn clock_cell(c: &Clocks) -> (String, Tone) {
    let mut parts = Vec::new();
    let mut tone = Tone::Plain;
    let mut add = |(text, t): (String, Tone)| {
        if t == Tone::Alarm || (t == Tone::Warn && tone != Tone::Alarm) {
            tone = t;
        }
        parts.push(text);
    };
    if let Some(d) = &c.ack {
        add(deadline("ack", d));
    }
    if let Some(d) = &c.update {
        add(deadline("update", d));
    }
    if c.ack.is_none() && c.update.is_none() {
        let took = [
            ("ack", c.to_acknowledge),
            ("contain", c.to_contain),
            ("resolve", c.to_resolve),
        ];
        for (what, d) in took {
            if let Some(d) = d {
                add((format!("{what} {}", span(d)), Tone::Plain));
            }
        }
        match c.sla_met {
            Some(true) => add(("target met".into(), Tone::Good)),
            Some(false) => add(("TARGET MISSED".into(), Tone::Alarm)),
            None => {}
        }
    }
    if c.actions_overdue {
        add(("ACTION OVERDUE".into(), Tone::Alarm));
    }
    (parts.join(" · "), tone)
}

/// Prints the clock line of an incident.
pub(super) fn clock_lines(
    ctx: &mut Context,
    service: &Service,
    i: &Incident,
) -> anyhow::Result<()> {
    let clocks = Clocks::of(
        &Summary::from(i),
        &service.config().policy,
        Timestamp::now(),
    );
    let (text, tone) = clock_cell(&clocks);
    let line = format!("  clock      {}", ctx.out.paint(&text, tone));
    ctx.out.line(line)?;
    Ok(())
}

/// Prints an incident in full (JSON: the incident, its clocks, and — given its events — their
/// count and who was told what).
pub(super) fn render(
    ctx: &mut Context,
    service: &Service,
    i: &Incident,
    events: &[Event],
) -> anyhow::Result<()> {
    let policy = &service.config().policy;
    let clocks = Clocks::of(&Summary::from(i), policy, Timestamp::now());
    let told = crate::notify::log::log(&service.config().notify, events);
    if ctx.out.json {
        let mut value = json!({ "incident": i, "clocks": clocks });
        if !events.is_empty() {
            value["events"] = json!(events.len());
            value["notifications"] = json!(told);
        }
        ctx.out.json(&value)?;
        return Ok(());
    }
    let label = policy
        .find(&i.severity)
        .map(|l| l.label.as_str())
        .unwrap_or("not in policy");
    let head = format!("{}  {}", i.id, i.title);
    ctx.out.line(ctx.out.paint(&head, Tone::Plain))?;
    ctx.out.line(format!(
        "  severity   {} ({label})    status {}",
        i.severity, i.status
    ))?;
    let mut times = vec![format!("detected {}", when(i.detected_at))];
    if i.started_at != i.detected_at {
        times.insert(0, format!("started {}", when(i.started_at)));
    }
    ctx.out
        .line(format!("  times      {}", times.join(" · ")))?;
    let ack = match &i.acknowledged {
        Some(a) => format!("acknowledged by {} at {}", a.by, when(a.at)),
        None => "not acknowledged".into(),
    };
    ctx.out.line(format!(
        "  declared   by {} at {} · {ack}",
        i.declared.by,
        when(i.declared.at)
    ))?;
    let (text, tone) = clock_cell(&clocks);
    let clock = ctx.out.paint(&text, tone);
    ctx.out.line(format!("  clock      {clock}"))?;
    if let Some(s) = &i.summary {
        ctx.out.line(format!("  summary    {s}"))?;
    }
    let roles = if i.roles.is_empty() {
        "none assigned (firebreak assign INC commander NAME)".to_string()
    } else {
        i.roles
            .iter()
            .map(|(r, p)| format!("{r} {p}"))
            .collect::<Vec<_>>()
            .join(" · ")
    };
    ctx.out.line(format!("  roles      {roles}"))?;
    if let Some(into) = &i.merged_into {
        ctx.out
            .line(format!("  merged     into {into} (work goes on there)"))?;
    }
    if !i.merged_from.is_empty() {
        ctx.out
            .line(format!("  took in    {}", i.merged_from.join(" · ")))?;
    }
    if !i.links.is_empty() {
        ctx.out
            .line(format!("  related    {}", i.links.join(" · ")))?;
    }
    let lists: Vec<String> = i
        .checklists
        .iter()
        .map(|c| format!("{} {}/{}", c.name, c.done_count(), c.items.len()))
        .collect();
    if !lists.is_empty() {
        ctx.out
            .line(format!("  checklists {}", lists.join(" · ")))?;
    }
    let today = Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date();
    if !i.actions.is_empty() {
        ctx.out.line("  action items")?;
        for a in &i.actions {
            let state = match (&a.done, a.is_overdue(today)) {
                (Some(_), _) => ("done".to_string(), Tone::Good),
                (None, true) => ("OVERDUE".to_string(), Tone::Alarm),
                (None, false) => ("open".to_string(), Tone::Plain),
            };
            let owner = a
                .owner
                .as_deref()
                .map(|o| format!(" · {o}"))
                .unwrap_or_default();
            let due = a.due.map(|d| format!(" · due {d}")).unwrap_or_default();
            let state = ctx.out.paint(&state.0, state.1);
            ctx.out.line(format!(
                "    {:>3}. [{state}] {}{owner}{due}",
                a.number,
                clip(&a.text, 80)
            ))?;
        }
    }
    if !i.detections.is_empty() {
        ctx.out.line("  detections")?;
        for d in &i.detections {
            let runbook = d
                .runbook
                .as_deref()
                .map(|r| format!(" · runbook {r}"))
                .unwrap_or_default();
            ctx.out.line(format!(
                "    {} · {} · {} lines{runbook}",
                d.rule,
                clip(&d.key, 60),
                d.count
            ))?;
        }
    }
    if !i.notes.is_empty() {
        let shown = i.notes.len().min(5);
        ctx.out
            .line(format!("  notes (latest {shown} of {})", i.notes.len()))?;
        for n in &i.notes[i.notes.len() - shown..] {
            let meta = ctx
                .out
                .paint(&format!("{} {}", when(n.stamp.at), n.stamp.by), Tone::Dim);
            ctx.out.line(format!(
                "    {meta}  {}",
                clip(&n.text.replace('\n', " "), 100)
            ))?;
        }
    }
    if !told.is_empty() {
        let shown = told.len().min(TOLD_SHOWN);
        let heading = if shown < told.len() {
            format!(
                "  told (latest {shown} of {}; all: firebreak notify {} --log)",
                told.len(),
                i.id
            )
        } else {
            "  told".to_string()
        };
        ctx.out.line(heading)?;
        for t in &told[told.len() - shown..] {
            let tone = match t.state {
                OutboxState::Delivered => Tone::Good,
                OutboxState::Queued => Tone::Warn,
                OutboxState::Failed => Tone::Alarm,
            };
            let standing = ctx.out.paint(&clip(&t.standing(), 90), tone);
            ctx.out.line(format!(
                "    {} · {} · {} ({}) · {standing}",
                t.to,
                t.destination,
                t.template,
                t.why()
            ))?;
        }
    }
    ctx.out.line(ctx.out.paint(
        &format!("  journal    {} events, head {}", i.head.seq, i.head.hash),
        Tone::Dim,
    ))?;
    Ok(())
}

pub async fn run(ctx: &mut Context, args: Args) -> anyhow::Result<ExitCode> {
    let service = ctx.service().await?;
    let (incident, events) = service.incident(&args.id).await?;
    render(ctx, &service, &incident, &events)?;
    Ok(ExitCode::SUCCESS)
}
