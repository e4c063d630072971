//! `firebreak bundle verify`: checks an evidence bundle with no database and no data
//! directory — on any machine, by anyone who has the bundle (and, ideally, the key to expect).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use serde_json::json;

use crate::output::Out;

/// Bundle commands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Check a bundle: every file's digest, SHA256SUMS, the manifest's signature, the journal.
    Verify(VerifyArgs),
}

/// `bundle verify`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// The bundle (`.tar.gz`).
    pub bundle: PathBuf,
    /// The public key the bundle must be signed with (hex, or a file holding it, such as the
    /// exporting team's `journal.pub`). Without it, the bundle is only checked against the key
    /// it carries.
    #[arg(long)]
    pub key: Option<String>,
}

/// Runs a bundle command (needs no data directory).
pub fn run(out: &mut Out, command: Command) -> anyhow::Result<ExitCode> {
    let Command::Verify(args) = command;
    let expected = match &args.key {
        Some(text) => {
            let hex = match std::fs::read_to_string(text) {
                Ok(contents) => contents.trim().to_string(),
                Err(_) => text.trim().to_string(),
            };
            Some(
                firebreak_core::bundle::public_key_from_hex(&hex)
                    .map_err(|e| anyhow::anyhow!("--key: {e}"))?,
            )
        }
        None => None,
    };
    let file = std::fs::File::open(&args.bundle)
        .with_context(|| format!("cannot open {}", args.bundle.display()))?;
    match firebreak_core::bundle::verify(std::io::BufReader::new(file), expected.as_ref()) {
        Ok(report) => {
            if out.json {
                out.json(&json!({ "ok": true, "incident": report.manifest.incident, "items": report.items, "bytes": report.item_bytes, "events": report.events, "key": report.key, "key_trusted": report.key_trusted }))?;
            } else {
                let trust = if report.key_trusted {
                    "the expected key"
                } else {
                    "the key it carries; pass --key to require yours"
                };
                out.line(format!(
                    "✓ bundle intact: {} — {} item(s), {} bytes, {} journal event(s); signed by {} ({trust})",
                    report.manifest.incident, report.items, report.item_bytes, report.events, report.key
                ))?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            if out.json {
                out.json(&json!({ "ok": false, "error": e.to_string() }))?;
            } else {
                out.line(format!("✗ {}: {e}", args.bundle.display()))?;
            }
            Ok(ExitCode::from(3))
        }
    }
}
