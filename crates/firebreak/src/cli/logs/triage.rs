//! `firebreak triage FILE…`: one pass over whole logs, answering what a responder asks first —
//! volume over time with spikes, top addresses with their status mix and peak rate, paths,
//! agents, scanners, auth failures, logins, credential stuffing, export volume, sshd — as a
//! terminal report, `--json`, or a self-contained HTML page (`--html FILE`).

use std::io::{IsTerminal, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use firebreak_detect::input::Input;
use firebreak_detect::triage::{self, Options, Progress};
use indicatif::{ProgressBar, ProgressStyle};

use super::FormatArgs;
use crate::cli::Context;

/// Inputs smaller than this finish before a progress bar would be worth drawing.
const PROGRESS_FROM: u64 = 64 << 20;
/// Report width when the output is not a terminal.
const DEFAULT_WIDTH: usize = 100;

/// Arguments.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Log files (plain or gzip); `-` reads stdin.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// How many entries each top list shows.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..=1000))]
    pub top: u16,
    /// Worker threads (default: one per core, at most 8).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub threads: Option<u16>,
    /// Also write the report as one self-contained HTML page with charts.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// A login path for the failed-logins-then-success analysis (replaces the defaults:
    /// /login, /signin, /wp-login.php, …). Repeatable.
    #[arg(long = "login-path", value_name = "PATH")]
    pub login_paths: Vec<String>,
    /// More user agents to recognise, in the `agents.txt` format. Repeatable.
    #[arg(long = "agents", value_name = "FILE")]
    pub agents: Vec<PathBuf>,
    /// No progress bar, even on a terminal.
    #[arg(long)]
    pub quiet: bool,
    #[command(flatten)]
    pub format: FormatArgs,
}

pub fn run(ctx: &mut Context, args: Args) -> anyhow::Result<ExitCode> {
    let format = args.format.build()?;
    let mut options = Options {
        top: usize::from(args.top),
        agents: super::agents(ctx, &args.agents)?,
        ..Options::default()
    };
    if let Some(threads) = args.threads {
        options.threads = usize::from(threads);
    }
    if !args.login_paths.is_empty() {
        options.login_paths = args.login_paths.clone();
    }
    if let Some(html) = &args.html {
        check_target(html)?;
    }
    // Logins and sequences are replayed in line order: read rotated files oldest first.
    let inputs = super::oldest_first(&args.files, format.as_ref())
        .iter()
        .map(|p| Input::open(p))
        .collect::<Result<Vec<_>, _>>()?;
    let total: u64 = inputs.iter().filter_map(Input::size).sum();
    let bar = (!args.quiet && std::io::stderr().is_terminal() && total >= PROGRESS_FROM)
        .then(|| progress_bar(total));
    let report = triage::run(inputs, format, &options, &|p: Progress<'_>| {
        if let Some(bar) = &bar {
            bar.set_position(p.read_before + p.read);
            bar.set_message(p.input.to_owned());
        }
    })?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    if let Some(path) = &args.html {
        write_html(path, &triage::html::render(&report))?;
    }
    if ctx.out.json {
        ctx.out.json(&report)?;
    } else {
        let width = terminal_width().unwrap_or(DEFAULT_WIDTH);
        ctx.out
            .line(triage::text::render(&report, width).trim_end())?;
        if let Some(path) = &args.html {
            ctx.out.line(format!("HTML report: {}", path.display()))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn progress_bar(total: u64) -> ProgressBar {
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} {bar:30} {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

/// Refuses an HTML target that is a directory or sits in a missing directory, before any
/// reading starts.
fn check_target(path: &std::path::Path) -> anyhow::Result<()> {
    if path.is_dir() {
        anyhow::bail!("--html {}: is a directory", path.display());
    }
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => std::path::Path::new("."),
    };
    if !parent.is_dir() {
        anyhow::bail!(
            "--html {}: no directory {}",
            path.display(),
            parent.display()
        );
    }
    Ok(())
}

/// Writes the page whole or not at all: a temporary file beside the target, renamed over it.
fn write_html(path: &std::path::Path, html: &str) -> anyhow::Result<()> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => std::path::Path::new("."),
    };
    let what = || format!("cannot write {}", path.display());
    let mut file = tempfile::NamedTempFile::new_in(parent).with_context(what)?;
    file.write_all(html.as_bytes()).with_context(what)?;
    file.as_file().sync_all().with_context(what)?;
    file.persist(path).map_err(|e| e.error).with_context(what)?;
    Ok(())
}

fn terminal_width() -> Option<usize> {
    let stdout = std::io::stdout();
    if !stdout.is_terminal() {
        return None;
    }
    let size = rustix::termios::tcgetwinsize(&stdout).ok()?;
    (size.ws_col >= 40).then_some(usize::from(size.ws_col))
}
