//! `firebreak runbook …`: list, show, lint, suggest and run Markdown runbooks.

use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use firebreak_core::IncidentId;
use firebreak_core::blob::BlobStore;
use firebreak_core::runbook::{self, Diagnostic, Level, Phase, Runbook, StepKind};
use serde_json::json;

use super::{Context, incident_id};
use crate::output::{Table, Tone};
use crate::runner::ask::Answers;
use crate::runner::execute::{self, Ending};
use crate::runner::library::{Library, Source, split_target};
use crate::runner::params;
use crate::runner::plan::{self, BeforeDestruction, Plan};
use crate::runner::practice::PracticeLog;
use crate::runner::record::Journal;

/// Runbook commands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// List the runbooks firebreak knows (built-in and from the config's directories).
    Ls,
    /// Show a runbook's procedures and steps with their safety classes.
    Show(ShowArgs),
    /// Check runbook files; prints FILE:LINE:COL diagnostics, exits 1 on errors.
    Lint(LintArgs),
    /// Rank runbooks for an incident by its title and summary.
    Suggest(SuggestArgs),
    /// Run a procedure step by step, recording every step in the incident's journal.
    Run(RunArgs),
}

/// Arguments of `runbook show`.
#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    /// NAME, NAME#procedure, or a path to a Markdown file; several are shown one after another
    /// (with --json, as an array).
    #[arg(required = true)]
    pub targets: Vec<String>,
}

/// Arguments of `runbook lint`.
#[derive(Debug, clap::Args)]
pub struct LintArgs {
    /// Files to check (default: every runbook firebreak knows).
    pub files: Vec<PathBuf>,
    /// Exit 1 on warnings too.
    #[arg(long)]
    pub strict: bool,
}

/// Arguments of `runbook suggest`.
#[derive(Debug, clap::Args)]
pub struct SuggestArgs {
    /// Incident id.
    #[arg(value_parser = incident_id)]
    pub id: IncidentId,
}

/// Arguments of `runbook run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// NAME or NAME#procedure (or a path to a Markdown file).
    pub target: String,
    /// Record the run in this incident (without it, the run is practice).
    #[arg(long, value_parser = incident_id)]
    pub incident: Option<IncidentId>,
    /// A parameter value, NAME=VALUE (repeatable).
    #[arg(long = "set", value_name = "NAME=VALUE", value_parser = params::parse_set)]
    pub sets: Vec<(String, String)>,
    /// Show what would run, run nothing, record nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Run read-only steps without asking (mutating and destructive steps still ask).
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Run destructive steps without typing their number (recorded on the run).
    #[arg(long)]
    pub allow_destructive: bool,
    /// Continue the latest unfinished run of this procedure at its first unfinished step.
    #[arg(long)]
    pub resume: bool,
    /// Only run steps of these phases (repeatable): diagnosis, evidence, containment, …
    #[arg(long = "phase", value_name = "PHASE", value_parser = parse_phase)]
    pub phases: Vec<Phase>,
    /// Per-step timeout, overriding the runbook's and the config's (e.g. 30s, 10m).
    #[arg(long, value_parser = super::positive_duration)]
    pub timeout: Option<Duration>,
}

fn parse_phase(text: &str) -> Result<Phase, String> {
    Phase::parse(text).ok_or_else(|| {
        let names: Vec<&str> = runbook::phase::ALL.iter().map(|p| p.as_str()).collect();
        format!("unknown phase {text:?}; one of: {}", names.join(", "))
    })
}

/// Runs a runbook command.
pub async fn run(ctx: &mut Context, command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Ls => list(ctx),
        Command::Show(a) => show(ctx, a),
        Command::Lint(a) => lint(ctx, a),
        Command::Suggest(a) => suggest(ctx, a).await,
        Command::Run(a) => run_procedure(ctx, a).await,
    }
}

fn library(ctx: &Context) -> anyhow::Result<Library> {
    Library::load(&ctx.settings.config.runbook_dirs)
}

/// Parses a source with the config's command knowledge.
fn parse(ctx: &Context, source: &Source) -> (Runbook, Vec<Diagnostic>) {
    source.parse(&ctx.settings.config.commands)
}

/// Parses a source, refusing one with errors.
fn parse_clean(ctx: &Context, source: &Source) -> anyhow::Result<Runbook> {
    let (runbook, diagnostics) = parse(ctx, source);
    if let Some(d) = diagnostics.iter().find(|d| d.level == Level::Error) {
        anyhow::bail!("{}:{d} (see `firebreak runbook lint`)", source.origin);
    }
    Ok(runbook)
}

/// One line telling what keeps a runbook from running: its first error and how to see all.
fn broken_hint(source: &Source, diagnostics: &[Diagnostic]) -> Option<String> {
    let mut errors = diagnostics.iter().filter(|d| d.level == Level::Error);
    let first = errors.next()?;
    let more = errors.count();
    let more = if more > 0 {
        format!(" (and {more} more)")
    } else {
        String::new()
    };
    let lint = match &source.origin {
        crate::runner::library::Origin::File(path) => path.display().to_string(),
        crate::runner::library::Origin::BuiltIn(_) => String::new(),
    };
    Some(format!(
        "{}:{first}{more}; see all with `firebreak runbook lint {lint}`",
        source.origin
    ))
}

fn list(ctx: &mut Context) -> anyhow::Result<ExitCode> {
    let library = library(ctx)?;
    let mut rows = Vec::new();
    for source in library.iter() {
        let (rb, diagnostics) = parse(ctx, source);
        let hint = broken_hint(source, &diagnostics);
        rows.push((source.origin.to_string(), rb, hint));
    }
    if ctx.out.json {
        let items: Vec<_> = rows
            .iter()
            .map(|(origin, rb, hint)| json!({"name": rb.name, "title": rb.title, "summary": rb.summary, "tags": rb.tags, "origin": origin,
                "procedures": rb.procedures.iter().map(|p| &p.slug).collect::<Vec<_>>(), "error": hint}))
            .collect();
        ctx.out
            .json(&json!({ "runbooks": items, "warnings": library.notes() }))?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut table = Table::new(&["NAME", "STEPS", "ORIGIN", "TITLE"]);
    for (origin, rb, hint) in &rows {
        let steps: usize = rb.procedures.iter().map(|p| p.steps.len()).sum();
        let (steps, tone) = match hint {
            Some(_) => ("error".to_string(), Tone::Alarm),
            None => (steps.to_string(), Tone::Plain),
        };
        table.row(vec![
            (rb.name.clone(), Tone::Plain),
            (steps, tone),
            (origin.clone(), Tone::Dim),
            (rb.title.clone(), Tone::Plain),
        ]);
    }
    ctx.out.table(&table)?;
    for hint in rows.iter().filter_map(|(_, _, hint)| hint.as_ref()) {
        ctx.out.line(format!("error: {hint}"))?;
    }
    for note in library.notes() {
        ctx.out.line(format!("warning: {note}"))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn show(ctx: &mut Context, args: ShowArgs) -> anyhow::Result<ExitCode> {
    let library = library(ctx)?;
    let mut shown = Vec::with_capacity(args.targets.len());
    for target in &args.targets {
        let (name, procedure) = split_target(target);
        let source = library.find(name)?;
        let (rb, diagnostics) = parse(ctx, &source);
        let procedures: Vec<_> = match procedure {
            Some(slug) => vec![
                rb.procedure(Some(slug))
                    .map_err(anyhow::Error::msg)?
                    .clone(),
            ],
            None => rb.procedures.clone(),
        };
        if ctx.out.json {
            shown.push(json!({ "runbook": rb.name, "title": rb.title, "digest": rb.digest, "origin": source.origin.to_string(),
                "params": rb.params, "procedures": procedures }));
        } else {
            show_text(ctx, &source, &rb, &diagnostics, &procedures)?;
        }
    }
    if ctx.out.json {
        match <[_; 1]>::try_from(shown) {
            Ok([one]) => ctx.out.json(&one)?,
            Err(all) => ctx.out.json(&all)?,
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// One runbook as `show` prints it: each procedure's notes, then its steps with their class,
/// kind, why they have their class, warnings before the steps they guard and expected output.
fn show_text(
    ctx: &mut Context,
    source: &Source,
    rb: &Runbook,
    diagnostics: &[Diagnostic],
    procedures: &[runbook::Procedure],
) -> anyhow::Result<()> {
    ctx.out.line(format!(
        "{} — {}  ({}, sha256 {})",
        rb.name,
        rb.title,
        source.origin,
        &rb.digest[..rb.digest.len().min(12)]
    ))?;
    for d in diagnostics.iter().filter(|d| d.level == Level::Error) {
        ctx.out.line(format!("  {}:{d}", source.origin))?;
    }
    for p in procedures {
        let group = p
            .group
            .as_ref()
            .map(|g| format!("  [{g}]"))
            .unwrap_or_default();
        let severity = p
            .severity
            .as_ref()
            .map(|s| format!("  severity {s}"))
            .unwrap_or_default();
        ctx.out.line(format!(
            "\n{}#{}  {}{group}{severity}",
            rb.name, p.slug, p.name
        ))?;
        for note in p.notes.iter().filter(|n| n.before_step.is_none()) {
            ctx.out.line(format!(
                "  {}: {}{}",
                note.phase,
                note_label(note.kind),
                note.text
            ))?;
        }
        let mut table = Table::new(&["  #", "PHASE", "CLASS", "KIND", "STEP"]);
        for s in &p.steps {
            for note in p.notes.iter().filter(|n| n.before_step == Some(s.number)) {
                table.row(vec![
                    (String::new(), Tone::Plain),
                    (String::new(), Tone::Plain),
                    (String::new(), Tone::Plain),
                    ("warning".to_string(), Tone::Alarm),
                    (note.text.clone(), Tone::Alarm),
                ]);
            }
            let kind = match &s.kind {
                StepKind::Command { .. } if s.interactive => "command, interactive",
                StepKind::Command { .. } => "command",
                StepKind::Piped { .. } => "piped",
                StepKind::Display { .. } => "shown",
                StepKind::Manual { .. } => "manual",
                StepKind::Check { .. } => "check",
            };
            let tone = match s.safety {
                runbook::Safety::ReadOnly => Tone::Plain,
                runbook::Safety::Mutating => Tone::Warn,
                runbook::Safety::Destructive => Tone::Alarm,
            };
            let mut what = s.title.clone();
            if let Some(script) = s.script() {
                let first = script.lines().next().unwrap_or("");
                if first != what {
                    what = format!("{what}: {first}");
                }
            }
            if !s.params.is_empty() {
                what = format!("{what}  (uses {})", s.params.join(", "));
            }
            table.row(vec![
                (format!("{:>3}", s.number), Tone::Dim),
                (s.phase.to_string(), Tone::Plain),
                (s.safety.to_string(), tone),
                (kind.to_string(), Tone::Plain),
                (what, Tone::Plain),
            ]);
            if s.runs() {
                table.row(vec![
                    (String::new(), Tone::Plain),
                    (String::new(), Tone::Plain),
                    (String::new(), Tone::Plain),
                    (String::new(), Tone::Plain),
                    (format!("  why: {}", s.reason), Tone::Dim),
                ]);
            }
            for line in expected_lines(s.expected.as_deref()) {
                table.row(vec![
                    (String::new(), Tone::Plain),
                    (String::new(), Tone::Plain),
                    (String::new(), Tone::Plain),
                    (String::new(), Tone::Plain),
                    (line, Tone::Dim),
                ]);
            }
        }
        ctx.out.table(&table)?;
    }
    Ok(())
}

/// How `show` marks a note of each kind.
fn note_label(kind: runbook::NoteKind) -> &'static str {
    match kind {
        runbook::NoteKind::Text => "",
        runbook::NoteKind::Warning => "WARNING: ",
        runbook::NoteKind::Note => "Note: ",
    }
}

/// Lines of a step's expected output as `show` prints them under the step: indented behind a
/// bar, at most [`EXPECTED_LINES`] of them, then how many more there are.
fn expected_lines(expected: Option<&str>) -> Vec<String> {
    let Some(text) = expected else {
        return Vec::new();
    };
    let total = text.lines().count();
    let mut out: Vec<String> = text
        .lines()
        .take(EXPECTED_LINES)
        .map(|l| format!("  | {l}"))
        .collect();
    if total > EXPECTED_LINES {
        out.push(format!("  | … {} more lines", total - EXPECTED_LINES));
    }
    out
}

/// Lines of expected output `show` prints per step.
const EXPECTED_LINES: usize = 8;

fn lint(ctx: &mut Context, args: LintArgs) -> anyhow::Result<ExitCode> {
    let sources: Vec<Source> = if args.files.is_empty() {
        library(ctx)?.iter().cloned().collect()
    } else {
        args.files
            .iter()
            .map(|f| Source::read(f))
            .collect::<anyhow::Result<_>>()?
    };
    let mut all: Vec<(String, Diagnostic)> = Vec::new();
    for source in &sources {
        let (rb, mut diagnostics) = parse(ctx, source);
        diagnostics.extend(runbook::lint(&rb));
        diagnostics.sort_by_key(|d| (d.line, d.col));
        all.extend(
            diagnostics
                .into_iter()
                .map(|d| (source.origin.to_string(), d)),
        );
    }
    let errors = all.iter().filter(|(_, d)| d.level == Level::Error).count();
    let warnings = all.len() - errors;
    if ctx.out.json {
        let items: Vec<_> = all.iter().map(|(file, d)| json!({"file": file, "line": d.line, "col": d.col, "level": d.level, "code": d.code, "message": d.message})).collect();
        ctx.out
            .json(&json!({ "diagnostics": items, "errors": errors, "warnings": warnings }))?;
    } else {
        for (file, d) in &all {
            ctx.out.line(format!("{file}:{d}"))?;
        }
        ctx.out.line(format!(
            "{} file(s): {errors} error(s), {warnings} warning(s)",
            sources.len()
        ))?;
    }
    Ok(if errors > 0 || (args.strict && warnings > 0) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

async fn suggest(ctx: &mut Context, args: SuggestArgs) -> anyhow::Result<ExitCode> {
    let service = ctx.service().await?;
    let (incident, _) = service.incident(&args.id).await?;
    let runbooks: Vec<Runbook> = library(ctx)?.iter().map(|s| parse(ctx, s).0).collect();
    let mut text = format!(
        "{} {}",
        incident.title,
        incident.summary.as_deref().unwrap_or("")
    );
    for d in &incident.detections {
        text.push(' ');
        text.push_str(&d.title);
        text.push(' ');
        text.push_str(&d.tags.join(" "));
    }
    let suggested: Vec<&str> = incident
        .detections
        .iter()
        .filter_map(|d| d.runbook.as_deref())
        .collect();
    let ranked = crate::runner::suggest::rank(&text, &suggested, &runbooks);
    if ctx.out.json {
        let items: Vec<_> = ranked.iter().map(|(score, rb, words)| json!({"runbook": rb.name, "title": rb.title, "score": score, "matched": words})).collect();
        ctx.out
            .json(&json!({ "incident": incident.id, "suggestions": items }))?;
        return Ok(ExitCode::SUCCESS);
    }
    if ranked.is_empty() {
        ctx.out.line(format!(
            "no runbook matches {}: {:?}; see `firebreak runbook ls`",
            incident.id, incident.title
        ))?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut table = Table::new(&["SCORE", "RUNBOOK", "TITLE", "MATCHED"]);
    for (score, rb, words) in ranked.iter().take(5) {
        table.row(vec![
            (score.to_string(), Tone::Plain),
            (rb.name.clone(), Tone::Plain),
            (rb.title.clone(), Tone::Plain),
            (words.join(", "), Tone::Dim),
        ]);
    }
    ctx.out.table(&table)?;
    Ok(ExitCode::SUCCESS)
}

async fn run_procedure(ctx: &mut Context, args: RunArgs) -> anyhow::Result<ExitCode> {
    let (name, slug) = split_target(&args.target);
    let source = library(ctx)?.find(name)?;
    let runbook = parse_clean(ctx, &source)?;
    let procedure = runbook.procedure(slug).map_err(anyhow::Error::msg)?;
    let service = match args.incident {
        Some(_) => Some(ctx.service().await?),
        None => None,
    };
    let incident_values = match (&service, &args.incident) {
        (Some(service), Some(id)) => {
            let (incident, _) = service.incident(id).await?;
            if incident.status == firebreak_core::Status::Closed {
                anyhow::bail!("{id} is closed; reopen it before running a runbook in it");
            }
            Some(params::from_incident(&incident))
        }
        _ => None,
    };
    let mut plan = Plan {
        source: &source,
        runbook: &runbook,
        procedure,
        values: Default::default(),
        phases: args.phases.clone(),
        yes: args.yes,
        allow_destructive: args.allow_destructive,
        timeout: args.timeout,
        default_timeout: ctx.settings.config.step_timeout,
        terminal: std::io::stdin().is_terminal(),
        before_destruction: BeforeDestruction::new(
            &runbook,
            args.incident.is_some(),
            ctx.settings.config.snapshot_before_destructive,
        ),
        carried: Default::default(),
    };
    let (needed, carried) = params::needs(procedure.steps.iter().filter(|s| plan.in_scope(s)));
    let found = params::find(&needed, &runbook, &args.sets, incident_values.as_ref());
    // A carried variable is never asked for; a value given anyway (say for a secret a resumed
    // run cannot restore) is passed on, and a step that sets it wins.
    let carried_names: Vec<String> = carried.keys().cloned().collect();
    let given = params::find(
        &carried_names,
        &runbook,
        &args.sets,
        incident_values.as_ref(),
    );
    plan.carried = carried;
    if args.dry_run {
        plan.values = found.values;
        plan::dry_run(&plan, &found.missing)?;
        return Ok(ExitCode::SUCCESS);
    }
    plan.values = found.complete(&runbook)?;
    for (k, v) in given.values {
        plan.values.entry(k).or_insert(v);
    }
    if let Some(values) = &incident_values {
        for (k, v) in values {
            plan.values.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    let data_dir = &ctx.settings.data_dir;
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create {}", data_dir.display()))?;
    let blobs = BlobStore::in_data_dir(data_dir);
    let journal = match (&service, args.incident) {
        (Some(service), Some(id)) => Journal::Incident { service, id },
        _ => {
            eprintln!(
                "practice run: recorded in {}, not in any incident",
                data_dir.join("practice.jsonl").display()
            );
            Journal::Practice {
                log: PracticeLog::new(data_dir),
                actor: crate::settings::actor()?,
            }
        }
    };
    let mut answers = Answers::stdin();
    let ending = execute::execute(&plan, &journal, args.resume, &blobs, &mut answers).await?;
    ctx.out.flush()?;
    match ending {
        Ending::Completed => Ok(ExitCode::SUCCESS),
        Ending::Failed(step) => {
            anyhow::bail!(
                "step {step} failed; the run is recorded up to it — fix the cause and run again with --resume"
            )
        }
        Ending::Stopped(_, why) => anyhow::bail!("{why}; continue later with --resume"),
        Ending::Interrupted(_) => Ok(ExitCode::from(130)),
    }
}
