//! `firebreak contacts`: who is on the contact list, the teams, and the communication chain per
//! severity — destinations masked.

use std::process::ExitCode;

use serde_json::json;

use super::Context;
use crate::output::{Table, Tone};

pub fn run(ctx: &mut Context) -> anyhow::Result<ExitCode> {
    let config = &ctx.settings.config;
    let n = &config.notify;
    if ctx.out.json {
        let contacts: Vec<_> = n
            .directory
            .contacts()
            .map(|c| {
                json!({
                    "name": c.name, "role": c.role, "backup": c.backup,
                    "channels": c.channels.iter().map(|ch| ch.shown()).collect::<Vec<_>>(),
                })
            })
            .collect();
        let chain: Vec<_> = config
            .policy
            .levels()
            .iter()
            .map(|l| {
                let c = n.chain.level(&l.name);
                json!({
                    "severity": l.name, "declare": c.declare, "raised": c.raised,
                    "status": c.status, "escalate": n.escalation_steps(&l.name),
                    "not_contacts": n.unknown_policy_names.get(&l.name),
                })
            })
            .collect();
        let teams: Vec<_> = n.directory.teams().collect();
        ctx.out
            .json(&json!({ "contacts": contacts, "teams": teams, "chain": chain }))?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut people = Table::new(&["CONTACT", "ROLE", "CHANNELS", "BACKUP"]);
    for c in n.directory.contacts() {
        people.row(vec![
            (c.name.clone(), Tone::Plain),
            (c.role.clone().unwrap_or_default(), Tone::Plain),
            (
                c.channels
                    .iter()
                    .map(|ch| ch.shown())
                    .collect::<Vec<_>>()
                    .join("; "),
                Tone::Plain,
            ),
            (c.backup.clone().unwrap_or_else(|| "—".into()), Tone::Plain),
        ]);
    }
    if people.is_empty() {
        ctx.out.line("No contacts: add [[notify.contacts]] to firebreak.toml (see docs/guide.md, “Telling people”).")?;
    } else {
        ctx.out.table(&people)?;
    }
    let mut teams = Table::new(&["TEAM", "MEMBERS"]);
    for t in n.directory.teams() {
        teams.row(vec![
            (t.name.clone(), Tone::Plain),
            (t.members.join(", "), Tone::Plain),
        ]);
    }
    if !teams.is_empty() {
        ctx.out.line("")?;
        ctx.out.table(&teams)?;
    }
    ctx.out.line("")?;
    let list = |v: &[String]| {
        if v.is_empty() {
            "—".to_string()
        } else {
            v.join(", ")
        }
    };
    let mut chain = Table::new(&[
        "SEV",
        "ON DECLARE",
        "ON RAISE",
        "ON STATUS",
        "ESCALATION STEPS",
    ]);
    for l in config.policy.levels() {
        let c = n.chain.level(&l.name);
        let steps: Vec<String> = n
            .escalation_steps(&l.name)
            .iter()
            .map(|s| s.join("+"))
            .collect();
        chain.row(vec![
            (l.name.clone(), Tone::Plain),
            (
                list(&c.declare),
                if c.declare.is_empty() {
                    Tone::Warn
                } else {
                    Tone::Plain
                },
            ),
            (list(&c.raised), Tone::Plain),
            (list(&c.status), Tone::Plain),
            (
                if steps.is_empty() {
                    "—".into()
                } else {
                    steps.join(" → ")
                },
                Tone::Plain,
            ),
        ]);
    }
    ctx.out.table(&chain)?;
    for (level, names) in &n.unknown_policy_names {
        let line = format!(
            "note: the policy's {level} notify list names {} — not contacts or teams, so nobody is told through them",
            names.join(", ")
        );
        let painted = ctx.out.paint(&line, Tone::Warn);
        ctx.out.line(painted)?;
    }
    Ok(ExitCode::SUCCESS)
}
