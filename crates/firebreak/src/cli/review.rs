//! `firebreak review`: print the post-incident review drafted from the journal (Markdown,
//! `--html`, or `--json`), write its human sections (`set`, `edit` in `$VISUAL`/`$EDITOR`), and
//! move it through draft → in-review → published (`submit`, `publish`, `reopen`).

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use firebreak_core::review::{self, Field, UnknownField};
use firebreak_core::{IncidentId, decide};

use super::update::record;
use super::{Context, incident_id};

/// Arguments: an incident id to print its review, or a subcommand.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct Args {
    /// What to do besides printing.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Incident id whose review to print.
    #[arg(value_parser = incident_id, required = true)]
    pub id: Option<IncidentId>,
    /// One self-contained HTML page instead of Markdown.
    #[arg(long)]
    pub html: bool,
    /// Write to FILE instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Review subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Write one section: summary, impact, root-cause, contributing-factors, went-well,
    /// went-badly or lessons. TEXT `-` reads standard input; empty text clears the section.
    Set {
        /// Incident id.
        #[arg(value_parser = incident_id)]
        id: IncidentId,
        /// The section.
        #[arg(value_parser = field)]
        field: Field,
        /// Its text (Markdown), or `-` for standard input.
        text: String,
    },
    /// Edit every section in $VISUAL or $EDITOR (default vi); records the sections that changed.
    Edit {
        /// Incident id.
        #[arg(value_parser = incident_id)]
        id: IncidentId,
    },
    /// Submit the draft for sign-off (draft → in-review).
    Submit {
        /// Incident id.
        #[arg(value_parser = incident_id)]
        id: IncidentId,
    },
    /// Sign off and publish (in-review → published); you are recorded as the signer.
    Publish {
        /// Incident id.
        #[arg(value_parser = incident_id)]
        id: IncidentId,
    },
    /// Return the review to draft so it can be edited again.
    Reopen {
        /// Incident id.
        #[arg(value_parser = incident_id)]
        id: IncidentId,
        /// Why.
        #[arg(long)]
        reason: Option<String>,
    },
}

fn field(text: &str) -> Result<Field, String> {
    text.parse().map_err(|e: UnknownField| e.to_string())
}

pub async fn run(ctx: &mut Context, args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        None => {
            let id = args.id.context("give an incident id")?;
            print(ctx, &id, args.html, args.output.as_deref()).await
        }
        Some(Command::Set { id, field, text }) => {
            let text = if text == "-" {
                let mut all = String::new();
                std::io::stdin()
                    .read_to_string(&mut all)
                    .context("cannot read the text from standard input")?;
                all
            } else {
                text
            };
            record(ctx, &id, |i| decide::write_review(i, &[(field, &text)])).await
        }
        Some(Command::Edit { id }) => edit(ctx, &id).await,
        Some(Command::Submit { id }) => record(ctx, &id, decide::submit_review).await,
        Some(Command::Publish { id }) => record(ctx, &id, decide::publish_review).await,
        Some(Command::Reopen { id, reason }) => {
            let policy = ctx.settings.config.policy.clone();
            record(ctx, &id, |i| {
                decide::reopen_review(i, &policy, reason.as_deref())
            })
            .await
        }
    }
}

async fn print(
    ctx: &mut Context,
    id: &IncidentId,
    html: bool,
    output: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let service = ctx.service().await?;
    let review = service.review(id).await?;
    let text = if ctx.out.json {
        serde_json::to_string_pretty(&review)? + "\n"
    } else if html {
        review::html(&review)
    } else {
        review::markdown(&review)
    };
    match output {
        Some(path) => {
            std::fs::write(path, &text)
                .with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!(
                "{id}: review ({}) written to {}",
                review.sign_off.state,
                path.display()
            );
        }
        None => ctx.out.text(&text)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// The editor command: `$VISUAL`, else `$EDITOR`, else `vi`; run through `sh` so that
/// `EDITOR="code --wait"` works.
fn editor() -> String {
    ["VISUAL", "EDITOR"]
        .into_iter()
        .filter_map(std::env::var_os)
        .map(|v| v.to_string_lossy().trim().to_string())
        .find(|v| !v.is_empty())
        .unwrap_or_else(|| "vi".to_string())
}

async fn edit(ctx: &mut Context, id: &IncidentId) -> anyhow::Result<ExitCode> {
    let service = ctx.service().await?;
    let (incident, _) = service.incident(id).await?;
    decide::editable_review(&incident)?;
    let file = tempfile::Builder::new()
        .prefix(&format!("firebreak-review-{id}-"))
        .suffix(".md")
        .tempfile()
        .context("cannot create a file to edit")?;
    std::fs::write(
        file.path(),
        review::editor_document(&id.to_string(), &incident.review),
    )
    .context("cannot write the file to edit")?;
    let editor = editor();
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("sh")
        .arg(file.path())
        .status()
        .with_context(|| format!("cannot run the editor ({editor})"))?;
    if !status.success() {
        anyhow::bail!("the editor ({editor}) exited with {status}; nothing was recorded");
    }
    let edited = std::fs::read_to_string(file.path()).context("cannot read the edited file")?;
    let sections = review::parse_editor_document(&edited);
    let changed: Vec<(Field, String)> = sections
        .into_iter()
        .filter(|(f, text)| text.replace("\r\n", "\n").trim() != incident.review.text(*f))
        .collect();
    if changed.is_empty() {
        ctx.out
            .line(format!("{id}: the review is unchanged; nothing recorded"))?;
        return Ok(ExitCode::SUCCESS);
    }
    let pairs: Vec<(Field, &str)> = changed.iter().map(|(f, t)| (*f, t.as_str())).collect();
    record(ctx, id, |i| decide::write_review(i, &pairs)).await
}
