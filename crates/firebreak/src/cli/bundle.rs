//! `firebreak bundle verify`: checks an evidence bundle with no database and no data
//! directory — on any machine, by anyone who has the bundle (and, ideally, the key to expect).

use std::path::{Path, PathBuf};
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

/// The public key `--key` gives: 64 hex characters, or a file holding them. A private key
/// (`journal.key`, or any key whose public half sits next to it as `journal.pub`) is refused
/// without its contents ever being printed.
fn expected_key(given: &str) -> anyhow::Result<firebreak_core::bundle::PublicKey> {
    use firebreak_core::seal::{PRIVATE_KEY_FILE, PUBLIC_KEY_FILE};
    let path = Path::new(given);
    let text = match std::fs::read_to_string(path) {
        Ok(contents) => {
            let private = "--key names a private key; give the public one (journal.pub) — \
                           the private key never leaves the data directory";
            if path.file_name().is_some_and(|n| n == PRIVATE_KEY_FILE) {
                anyhow::bail!("{private}");
            }
            let contents = contents.trim().to_string();
            if let Some(public) = path
                .parent()
                .map(|dir| dir.join(PUBLIC_KEY_FILE))
                .and_then(|p| std::fs::read_to_string(p).ok())
                && firebreak_core::seal::is_private_half_of(&contents, public.trim())
            {
                anyhow::bail!("{private}");
            }
            contents
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if given.trim().len() == 64 && given.trim().bytes().all(|b| b.is_ascii_hexdigit()) {
                given.trim().to_string()
            } else {
                anyhow::bail!(
                    "--key: there is no file {given} (give the path to journal.pub, e.g. \
                     \"$FIREBREAK_DATA_DIR/journal.pub\", or the key as 64 hex characters)"
                );
            }
        }
        Err(e) => anyhow::bail!("--key: cannot read {given}: {e}"),
    };
    firebreak_core::bundle::public_key_from_hex(&text).map_err(|e| anyhow::anyhow!("--key: {e}"))
}

/// Runs a bundle command (needs no data directory).
pub fn run(out: &mut Out, command: Command) -> anyhow::Result<ExitCode> {
    let Command::Verify(args) = command;
    let expected = args.key.as_deref().map(expected_key).transpose()?;
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
