//! The command line: one file per command group, each turning parsed arguments into calls on the
//! [`Service`] and rendering the result as a table or JSON.
//!
//! Exit codes: 0 success, 1 error (one line on stderr, nothing recorded), 2 usage error,
//! 3 `verify` found tampering; `check` says its worst result with 4 warn, 5 unknown, 6 critical.

mod action;
mod block;
mod bundle;
mod check;
mod checklist;
mod completions;
mod contacts;
mod declare;
mod escalate;
mod evidence;
mod init;
mod list;
mod logs;
mod notify;
mod related;
mod report;
mod review;
mod rotate;
mod runbook;
mod serve;
mod show;
pub mod time;
mod timeline;
mod token;
mod update;
mod verify;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use firebreak_core::IncidentId;
use firebreak_store::{OpenMode, Store, StoreError};

pub use logs::watch::detection;

use crate::output::Out;
use crate::service::Service;
use crate::settings::{self, Overrides, Settings};

/// The heading the options every command takes are listed under in `--help`, apart from the
/// command's own.
const GLOBAL: &str = "Global options";

/// Incident response in one binary: declare, follow against the severity clock, record
/// everything in a tamper-evident journal.
#[derive(Debug, Parser)]
#[command(
    name = "firebreak",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    /// Where keys, config and the SQLite database live.
    #[arg(
        long,
        global = true,
        help_heading = GLOBAL,
        env = "FIREBREAK_DATA_DIR",
        value_name = "DIR"
    )]
    pub data_dir: Option<PathBuf>,
    /// Config file (default: firebreak.toml in the data directory, if present).
    #[arg(
        long,
        global = true,
        help_heading = GLOBAL,
        env = "FIREBREAK_CONFIG",
        value_name = "FILE"
    )]
    pub config: Option<PathBuf>,
    /// Database URL: sqlite://PATH or postgres://USER@HOST/DB (default: SQLite in the data directory).
    #[arg(
        long,
        global = true,
        help_heading = GLOBAL,
        env = "FIREBREAK_DATABASE_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    pub database: Option<String>,
    /// Print JSON instead of tables.
    #[arg(long, global = true, help_heading = GLOBAL)]
    pub json: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create the data directory, signing key, config and database.
    Init(init::Args),
    /// Declare a new incident.
    Declare(declare::Args),
    /// List incidents with their response clocks.
    Ls(list::Args),
    /// Show one incident.
    Show(show::Args),
    /// Acknowledge an incident (stops the acknowledge clock).
    Ack(update::AckArgs),
    /// Move an incident forward: investigating → contained → resolved → closed.
    Status(update::StatusArgs),
    /// Reopen a resolved or closed incident.
    Reopen(update::ReopenArgs),
    /// Change an incident's severity.
    Sev(update::SevArgs),
    /// Give someone a role: commander, first-responder, communications, or any other.
    Assign(update::AssignArgs),
    /// Merge a duplicate incident into another: it is closed, and its findings (and later ones
    /// of the same rules and keys) land on the one that stays.
    Merge(related::MergeArgs),
    /// Mark two incidents as related; both timelines say so.
    Link(related::LinkArgs),
    /// Add a note to the timeline (counts as a stakeholder update).
    Note(update::NoteArgs),
    /// Show or tick checklist items.
    #[command(subcommand)]
    Checklist(checklist::Command),
    /// Add, finish and list action items.
    #[command(subcommand)]
    Action(action::Command),
    /// The post-incident review: print it drafted from the journal (Markdown, --html, --json),
    /// write its sections, submit and publish it.
    Review(review::Args),
    /// Show an incident's timeline, every event in order.
    Timeline(timeline::Args),
    /// Check every event's hash, every chain's seal and the incident registry.
    Verify(verify::Args),
    /// Rebuild the incident list from the journal.
    Reindex,
    /// Response report over a window: MTTA, MTTC, MTTR per severity, response targets met,
    /// origins, repeats, action items (`--json`, `--html`).
    Report(report::Args),
    /// Show the severity policy in force.
    Policy,
    /// Evidence: collect, list, show, verify, hand over, purge — with a chain of custody.
    #[command(subcommand)]
    Evidence(evidence::Command),
    /// Evidence bundles: verify one anywhere, without the database.
    #[command(subcommand)]
    Bundle(bundle::Command),
    /// Markdown runbooks: list, show, lint, suggest, run.
    #[command(subcommand)]
    Runbook(runbook::Command),
    /// Read logs once and report: volume and spikes, top addresses, statuses, scanners,
    /// logins, exports, sshd.
    Triage(logs::triage::Args),
    /// Run the detection rules over log files and print what they find.
    Scan(logs::scan::Args),
    /// Follow log files and turn what the rules find into incidents (`--declare`).
    Watch(logs::watch::Args),
    /// Detection rules: list them, run the tests rule files carry.
    #[command(subcommand)]
    Rules(logs::rules::Command),
    /// Run the team server: JSON API, web dashboard, alert intake, metrics.
    Serve(serve::Args),
    /// API tokens for the team server: create (secret shown once), list, revoke.
    #[command(subcommand)]
    Token(token::Command),
    /// Block addresses or ranges at nginx or the firewall, with expiry; `block ls` lists them.
    Block(block::Args),
    /// Lift blocks before their time.
    Unblock(block::UnblockArgs),
    /// Replace one secret in an env file atomically; the journal gets a fingerprint, never the value.
    Rotate(rotate::Args),
    /// Run the configured health checks (cert, disk, port, process, http, oom, sqlite,
    /// prometheus, command); `--declare` turns bad results into incidents.
    Check(check::Args),
    /// Tell people: preview (--dry-run), send and list (--log) notifications; --flush the outbox.
    Notify(notify::Args),
    /// List contacts, teams and the communication chain per severity.
    Contacts,
    /// Fire due update reminders and escalations once (for a systemd timer; `serve` does it itself).
    Escalate,
    /// Print shell completions.
    Completions(completions::Args),
}

/// What every command gets: resolved settings and the output.
pub struct Context {
    settings: Settings,
    out: Out,
}

impl Context {
    /// Opens the existing database and the service over it.
    async fn service(&self) -> anyhow::Result<Service> {
        if let Some(file) = self.settings.database_file()
            && !file.exists()
        {
            anyhow::bail!(
                "no firebreak data in {}; run `firebreak init` first (or point --data-dir / FIREBREAK_DATA_DIR elsewhere)",
                self.settings.data_dir.display()
            );
        }
        let store = Store::open(&self.settings.database_url(false), OpenMode::Existing)
            .await
            .map_err(|e| match e {
                StoreError::Database(_) => {
                    let shown = self.settings.database_display();
                    anyhow::Error::new(e).context(format!("cannot open {shown}"))
                }
                other => other.into(),
            })?;
        Ok(Service::new(
            store,
            self.settings.config.clone(),
            self.settings.data_dir.clone(),
            settings::actor()?,
        ))
    }
}

/// Parses a duration argument that must be more than zero (timeouts, time windows).
fn positive_duration(text: &str) -> Result<std::time::Duration, String> {
    firebreak_core::duration::parse_positive(text).map_err(|e| e.to_string())
}

/// Parses an incident id argument.
fn incident_id(text: &str) -> Result<IncidentId, String> {
    text.parse()
        .map_err(|e: firebreak_core::id::BadId| e.to_string())
}

/// An error and its causes as one line, each cause once: a message that already quotes its
/// cause (as many library errors do) is not followed by it again.
pub fn one_line(err: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if line.contains(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    crate::output::inert(&line.replace('\n', " ")).into_owned()
}

/// Whether an error is only a closed output pipe.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain()
        .filter_map(|e| e.downcast_ref::<std::io::Error>())
        .any(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
}

/// An argument that parsed but means nothing here (a severity the policy does not define, a time
/// that cannot be read): exit code 2, like the usage errors clap finds itself.
#[derive(Debug, thiserror::Error)]
#[error("{flag}: {why}")]
pub struct UsageError {
    /// The argument, as typed on the command line (`--sev`, `SEVERITY`).
    pub flag: &'static str,
    /// What is wrong with its value.
    pub why: String,
}

/// A [`UsageError`] for `flag`.
pub fn usage(flag: &'static str, why: impl std::fmt::Display) -> anyhow::Error {
    UsageError {
        flag,
        why: why.to_string(),
    }
    .into()
}

/// Whether `err` is (or was caused by) a [`UsageError`].
pub fn is_usage_error(err: &anyhow::Error) -> bool {
    err.chain().any(|e| e.is::<UsageError>())
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    if let Command::Completions(args) = &cli.command {
        return completions::run(args);
    }
    if let Command::Bundle(command) = cli.command {
        // Needs no settings, data directory or database: a bundle is checked on its own.
        let mut out = Out::stdout(cli.json);
        let code = bundle::run(&mut out, command)?;
        out.flush()?;
        return Ok(code);
    }
    let overrides = Overrides {
        data_dir: cli.data_dir,
        config: cli.config,
        database: cli.database,
    };
    let settings = Settings::resolve(&overrides)?;
    let mut ctx = Context {
        settings,
        out: Out::stdout(cli.json),
    };
    // The server uses every core; every other command is one task at a time.
    let runtime = match cli.command {
        Command::Serve(_) => tokio::runtime::Builder::new_multi_thread(),
        _ => tokio::runtime::Builder::new_current_thread(),
    }
    .enable_all()
    .build()
    .context("cannot start the async runtime")?;
    let code = runtime.block_on(async move {
        let code = match cli.command {
            Command::Init(a) => init::run(&mut ctx, a).await,
            Command::Declare(a) => declare::run(&mut ctx, a).await,
            Command::Ls(a) => list::run(&mut ctx, a).await,
            Command::Show(a) => show::run(&mut ctx, a).await,
            Command::Ack(a) => update::ack(&mut ctx, a).await,
            Command::Status(a) => update::status(&mut ctx, a).await,
            Command::Reopen(a) => update::reopen(&mut ctx, a).await,
            Command::Sev(a) => update::sev(&mut ctx, a).await,
            Command::Assign(a) => update::assign(&mut ctx, a).await,
            Command::Merge(a) => related::merge(&mut ctx, a).await,
            Command::Link(a) => related::link(&mut ctx, a).await,
            Command::Note(a) => update::note(&mut ctx, a).await,
            Command::Checklist(c) => checklist::run(&mut ctx, c).await,
            Command::Action(c) => action::run(&mut ctx, c).await,
            Command::Review(a) => review::run(&mut ctx, a).await,
            Command::Timeline(a) => timeline::run(&mut ctx, a).await,
            Command::Verify(a) => verify::run(&mut ctx, a).await,
            Command::Reindex => verify::reindex(&mut ctx).await,
            Command::Report(a) => report::run(&mut ctx, a).await,
            Command::Policy => init::policy(&mut ctx),
            Command::Runbook(c) => runbook::run(&mut ctx, c).await,
            Command::Evidence(c) => evidence::run(&mut ctx, c).await,
            Command::Triage(a) => logs::triage::run(&mut ctx, a),
            Command::Scan(a) => logs::scan::run(&mut ctx, a),
            Command::Watch(a) => logs::watch::run(&mut ctx, a).await,
            Command::Rules(c) => logs::rules::run(&mut ctx, c),
            Command::Serve(a) => serve::run(&mut ctx, a).await,
            Command::Token(c) => token::run(&mut ctx, c).await,
            Command::Notify(a) => notify::run(&mut ctx, a).await,
            Command::Contacts => contacts::run(&mut ctx),
            Command::Escalate => escalate::run(&mut ctx).await,
            Command::Bundle(_) => Ok(ExitCode::SUCCESS),
            Command::Completions(_) => Ok(ExitCode::SUCCESS),
            Command::Block(a) => block::run(&mut ctx, a).await,
            Command::Unblock(a) => block::unblock(&mut ctx, a).await,
            Command::Rotate(a) => rotate::run(&mut ctx, a).await,
            Command::Check(a) => check::run(&mut ctx, a).await,
        };
        ctx.out.flush()?;
        code
    })?;
    Ok(code)
}
