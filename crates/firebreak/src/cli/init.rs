//! `firebreak init` and `firebreak policy`.

use std::process::ExitCode;

use firebreak_core::config::Config;
use firebreak_core::policy::PRESETS;
use firebreak_core::seal::{PRIVATE_KEY_FILE, SealChecker, Sealer};
use firebreak_store::{OpenMode, Store};
use serde_json::json;

use super::Context;
use crate::output::{Table, Tone, span};
use crate::settings::{CONFIG_FILE, prepare_data_dir};

/// Arguments.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Severity preset written to a new config file: default (P1–P4) or ops (P1–P3).
    #[arg(long, default_value = "default", value_parser = clap::builder::PossibleValuesParser::new(PRESETS))]
    pub preset: String,
}

fn config_template(preset: &str) -> String {
    format!(
        "# firebreak configuration. Every key is optional; see docs/guide.md.\n\
         # Precedence, lowest first: this file < environment < command-line flags.\n\
         \n\
         # database = \"postgres://firebreak@db.internal/firebreak\"  # default: firebreak.db here\n\
         \n\
         [policy]\n\
         preset = \"{preset}\"   # \"default\" (P1–P4) or \"ops\" (P1–P3)\n\
         # review_required = [\"P1\", \"P2\"]   # these close only with a published review\n\
         \n\
         # Spell out your own levels instead (replaces the preset):\n\
         # [[policy.levels]]\n\
         # name = \"P1\"\n\
         # label = \"Critical\"\n\
         # ack_within = \"15m\"\n\
         # update_every = \"30m\"\n\
         # notify = [\"security-lead\"]\n\
         \n\
         # Replace the default checklists (initial, evidence, post-incident):\n\
         # [[checklists]]\n\
         # name = \"initial\"\n\
         # title = \"First 15 minutes\"\n\
         # items = [\"Assess the situation\", \"Name a commander\"]\n\
         # severities = [\"P1\", \"P2\"]   # optional; empty means every severity\n\
         \n\
         # Alerts from Alertmanager or the webhook (firebreak serve): labels → severity and runbook.\n\
         # [alerts]\n\
         # default_severity = \"P3\"\n\
         # [alerts.severities]\n\
         # critical = \"P1\"\n\
         # [[alerts.rules]]\n\
         # match = {{ alertname = \"CheckoutSlow\", service = \"checkout\" }}\n\
         # severity = \"P1\"\n\
         # runbook = \"high-latency\"\n"
    )
}

pub async fn run(ctx: &mut Context, args: Args) -> anyhow::Result<ExitCode> {
    let dir = ctx.settings.data_dir.clone();
    prepare_data_dir(&dir)?;
    let config_path = dir.join(CONFIG_FILE);
    let wrote_config = if ctx.settings.config.source.is_none() && !config_path.exists() {
        let text = config_template(&args.preset);
        Config::parse(&config_path, &text)?;
        std::fs::write(&config_path, text)?;
        ctx.settings.config = Config::load(&config_path)?;
        true
    } else {
        false
    };
    let store = Store::open(&ctx.settings.database_url(true), OpenMode::Create).await?;
    let mut snapshot = store.snapshot().await?;
    let registry = snapshot.registry().await?;
    snapshot.finish().await?;
    let made_key = !dir.join(PRIVATE_KEY_FILE).exists();
    // A database already signed by another data directory's key (a team sharing PostgreSQL)
    // must be joined with that key, or every seal this one writes would read as forged.
    if made_key && registry.is_some() {
        anyhow::bail!(
            "{} is already in use with another journal key; copy {PRIVATE_KEY_FILE} and journal.pub \
             from the data directory that first ran init into {}",
            ctx.settings.database_display(),
            dir.display()
        );
    }
    let sealer = if made_key {
        Sealer::create(&dir)?
    } else {
        Sealer::load(&dir)?
    };
    let public = SealChecker::load(&dir)?;
    if public.fingerprint() != sealer.checker().fingerprint() {
        anyhow::bail!(
            "{}: the public key does not belong to the private key beside it",
            dir.display()
        );
    }
    if let Some(reg) = &registry
        && !public.check_registry(reg.count.max(0) as u64, &reg.signature)
    {
        anyhow::bail!(
            "{} was initialised with a different journal key than the one in {}; use that key",
            ctx.settings.database_display(),
            dir.display()
        );
    }
    store.ensure_registry(&sealer.registry(0)).await?;
    store.close().await;
    let policy = &ctx.settings.config.policy;
    if ctx.out.json {
        ctx.out.json(&json!({
            "data_dir": dir,
            "database": ctx.settings.database_display(),
            "key": public.fingerprint(),
            "created_key": made_key,
            "created_config": wrote_config,
            "policy": policy.name,
        }))?;
        return Ok(ExitCode::SUCCESS);
    }
    ctx.out
        .line(format!("firebreak is ready in {}", dir.display()))?;
    ctx.out
        .line(format!("  database    {}", ctx.settings.database_display()))?;
    let key_note = if made_key { "new" } else { "kept existing" };
    ctx.out.line(format!(
        "  journal key {} ({key_note}, private half mode 0600)",
        public.fingerprint()
    ))?;
    let config_note = if wrote_config { "written" } else { "kept" };
    let source = ctx
        .settings
        .config
        .source
        .as_ref()
        .map_or("built-in defaults".to_string(), |p| p.display().to_string());
    ctx.out.line(format!(
        "  config     {source} ({config_note}); policy {}",
        policy.name
    ))?;
    ctx.out
        .line("Declare an incident with: firebreak declare \"what is wrong\" --sev P2")?;
    Ok(ExitCode::SUCCESS)
}

pub fn policy(ctx: &mut Context) -> anyhow::Result<ExitCode> {
    let policy = ctx.settings.config.policy.clone();
    if ctx.out.json {
        ctx.out
            .json(&json!({ "name": policy.name, "levels": policy.levels() }))?;
        return Ok(ExitCode::SUCCESS);
    }
    ctx.out.line(format!("Severity policy: {}", policy.name))?;
    let mut t = Table::new(&["LEVEL", "LABEL", "ACK WITHIN", "UPDATE EVERY", "WHEN"]);
    for l in policy.levels() {
        t.row(vec![
            (l.name.clone(), Tone::Plain),
            (l.label.clone(), Tone::Plain),
            (span(l.ack_within), Tone::Plain),
            (span(l.update_every), Tone::Plain),
            (l.description.clone(), Tone::Dim),
        ]);
    }
    ctx.out.table(&t)?;
    Ok(ExitCode::SUCCESS)
}
