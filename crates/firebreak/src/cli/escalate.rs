//! `firebreak escalate`: one pass of the reminder and escalation scheduler, for hosts without a
//! server (run it from the shipped systemd timer). `serve` runs the same pass continuously.

use std::process::ExitCode;

use jiff::Timestamp;
use serde_json::json;

use super::Context;
use crate::notify::escalate::Watch;
use crate::notify::{Courier, drain};

pub async fn run(ctx: &mut Context) -> anyhow::Result<ExitCode> {
    let service = ctx.service().await?;
    let courier = Courier::new(&service.config().notify)?;
    let mut watch = Watch::default();
    watch.refresh(&service).await?;
    let fired = watch.pass(&service, Timestamp::now()).await?;
    let mut ids: Vec<_> = fired.iter().map(|f| f.incident).collect();
    ids.dedup();
    for id in ids {
        drain(&service, &courier, &id, false).await?;
    }
    if ctx.out.json {
        ctx.out.json(&json!({ "fired": fired }))?;
        return Ok(ExitCode::SUCCESS);
    }
    for f in &fired {
        let to = if f.to.is_empty() {
            "nobody on the chain".to_string()
        } else {
            f.to.join(", ")
        };
        ctx.out
            .line(format!("{}  {:?} → {to}", f.incident, f.due))?;
    }
    if fired.is_empty() {
        ctx.out.line("nothing due")?;
    }
    Ok(ExitCode::SUCCESS)
}
