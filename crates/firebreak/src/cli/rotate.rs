//! `rotate NAME --in FILE --incident ID [--generate hex32] [--stdin] [--show] [--then CMD…]`.

use std::io::Read as _;
use std::path::PathBuf;
use std::process::ExitCode;

use firebreak_core::IncidentId;
use firebreak_core::contain::rotate::{Generate, Rotated, fingerprint};
use firebreak_core::{Change, DomainError, Status};
use serde_json::json;

use super::{Context, incident_id};
use crate::contain::{command, rotate};

/// `rotate` arguments.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The variable to replace (`API_TOKEN`).
    pub name: String,
    /// The env file (`NAME=value` lines) it is set in.
    #[arg(long = "in", value_name = "FILE")]
    pub file: PathBuf,
    /// The incident the rotation is recorded on.
    #[arg(long, value_parser = incident_id)]
    pub incident: IncidentId,
    /// How to make the new value: hexN or base64urlN, N random bytes (default hex32).
    #[arg(long, value_parser = generator, conflicts_with = "stdin")]
    pub generate: Option<Generate>,
    /// Read the new value from standard input instead (one line).
    #[arg(long)]
    pub stdin: bool,
    /// Print the new value (it is never printed otherwise, and never recorded).
    #[arg(long)]
    pub show: bool,
    /// Run this afterwards (program and arguments, no shell), e.g. `--then systemctl restart
    /// app`. Must come last.
    #[arg(long, num_args = 1.., allow_hyphen_values = true, value_name = "CMD")]
    pub then: Vec<String>,
}

fn generator(text: &str) -> Result<Generate, String> {
    text.parse()
}

/// Runs `rotate`.
pub async fn run(ctx: &mut Context, a: Args) -> anyhow::Result<ExitCode> {
    let service = ctx.service().await?;
    // A closed incident takes nothing: check before touching the file.
    let (incident, _) = service.incident(&a.incident).await?;
    if incident.status == Status::Closed {
        return Err(DomainError::Closed.into());
    }
    let (value, source) = if a.stdin {
        let mut text = String::new();
        std::io::stdin()
            .take(64 * 1024)
            .read_to_string(&mut text)
            .map_err(|e| anyhow::anyhow!("cannot read the new value from standard input: {e}"))?;
        let value = text.trim_end_matches(['\n', '\r']).to_string();
        anyhow::ensure!(
            !value.is_empty(),
            "standard input held no value; nothing was changed"
        );
        (value, "given".to_string())
    } else {
        let g = a.generate.unwrap_or(Generate::Hex(32));
        (g.value()?, g.to_string())
    };
    let key = rotate::fingerprint_key(service.data_dir())?;
    rotate::write(&a.file, &a.name, &value)?;
    let file = std::fs::canonicalize(&a.file).unwrap_or(a.file.clone());
    let then = if a.then.is_empty() {
        None
    } else {
        Some(command::run(&a.then, None))
    };
    let rotated = Rotated {
        name: a.name.clone(),
        file: file.display().to_string(),
        fingerprint: fingerprint(&key, &value),
        source,
        then: a.then.first().cloned(),
        then_status: then.as_ref().map(|r| match r {
            Ok(_) => 0,
            Err(_) => 1,
        }),
    };
    let recorded = service
        .change(&a.incident, |_| {
            Ok(vec![Change::SecretRotated(rotated.clone())])
        })
        .await?;
    if ctx.out.json {
        let mut out = json!({ "recorded": recorded.events });
        if a.show {
            out["value"] = json!(value);
        }
        ctx.out.json(&out)?;
    } else {
        ctx.out
            .line(format!("{}  {}", recorded.incident.id, rotated.describe()))?;
        if a.show {
            ctx.out.line(format!("{}={value}", a.name))?;
        }
    }
    match then {
        Some(Err(e)) => Err(anyhow::anyhow!(
            "{} was rotated and recorded, but {e}",
            a.name
        )),
        _ => Ok(ExitCode::SUCCESS),
    }
}
