//! `firebreak watch FILE…`: the detection rules over growing files. Files are followed across
//! rotation and truncation from their end (or from saved offsets, so a restart neither misses
//! nor double-counts lines); each finding prints one line and, with `--declare`, becomes an
//! incident or lands on the open incident with the same rule and key. SIGINT/SIGTERM stop it
//! cleanly: lines read are finished, findings recorded, offsets saved.
//!
//! Reading, parsing and matching run on a thread of their own; findings cross to the async
//! side, which records them through the service, over a channel.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use firebreak_core::IncidentId;
use firebreak_core::detection::Detection;
use firebreak_detect::follow::{FollowOptions, Follower, Notice};
use firebreak_detect::format::Format;
use firebreak_detect::rule::{Engine, Finding, RuleSet};
use serde_json::json;
use signal_hook::consts::{SIGINT, SIGTERM};
use tokio::sync::mpsc;

use super::{FormatArgs, RuleArgs};
use crate::cli::Context;
use crate::service::{Landed, Service};

/// How long the reader waits for news before checking whether to stop.
const TICK: Duration = Duration::from_millis(100);
/// Unparsed lines reported per file; the rest are skipped quietly.
const UNPARSED_SHOWN: u64 = 5;
/// Offsets are saved at most this often while lines keep coming (and always at the end).
const SAVE_EVERY: Duration = Duration::from_secs(1);

/// Arguments.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Log files to follow (they may not exist yet).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Turn findings into incidents (or add them to the open incident with the same rule and
    /// key). Without it findings are only printed.
    #[arg(long)]
    pub declare: bool,
    /// Read files without a saved offset from their start instead of their end.
    #[arg(long)]
    pub from_start: bool,
    /// Where read positions are kept between runs (default: watch-offsets.json in the data
    /// directory).
    #[arg(long, value_name = "FILE")]
    pub offsets: Option<PathBuf>,
    #[command(flatten)]
    pub format: FormatArgs,
    #[command(flatten)]
    pub rules: RuleArgs,
}

/// What the reader thread tells the recorder.
enum News {
    Finding(Box<Finding>),
    Notice(Notice),
    Unparsed {
        path: PathBuf,
        line: u64,
        reason: String,
    },
}

pub async fn run(ctx: &mut Context, args: Args) -> anyhow::Result<ExitCode> {
    let format = args.format.build()?;
    let agents = super::agents(ctx, &args.rules.agents)?;
    let set = super::rule_set(ctx, &args.rules, &agents)?;
    let service = if args.declare {
        let service = ctx.service().await?;
        check_severities(&set, &service)?;
        Some(service)
    } else {
        None
    };
    let offsets = match &args.offsets {
        Some(path) => path.clone(),
        None => {
            crate::settings::prepare_data_dir(&ctx.settings.data_dir)?;
            ctx.settings.data_dir.join("watch-offsets.json")
        }
    };
    let follower = Follower::open(
        &args.files,
        FollowOptions {
            offsets: Some(offsets.clone()),
            from_start: args.from_start,
            ..FollowOptions::default()
        },
    )?;
    // Save once now, so an offsets file that cannot be written stops us before watching, not
    // after hours of it.
    follower.save()?;
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [SIGINT, SIGTERM] {
        // A second signal while stopping ends at once.
        signal_hook::flag::register_conditional_shutdown(signal, 130, Arc::clone(&stop))?;
        signal_hook::flag::register(signal, Arc::clone(&stop))?;
    }
    let (tx, mut rx) = mpsc::unbounded_channel();
    let formats = initial_formats(&args.files, format.as_ref());
    let reader = {
        let stop = Arc::clone(&stop);
        std::thread::Builder::new()
            .name("watch".into())
            .spawn(move || read_loop(follower, Engine::new(&set), formats, &stop, &tx))
            .context("cannot start the watch thread")?
    };
    eprintln!(
        "firebreak: watching {} file{} ({}); offsets in {}; Ctrl-C stops",
        args.files.len(),
        if args.files.len() == 1 { "" } else { "s" },
        if args.declare {
            "findings become incidents"
        } else {
            "findings are printed only"
        },
        offsets.display()
    );
    let mut known: HashMap<(String, String), IncidentId> = HashMap::new();
    let mut failed = None;
    while let Some(news) = rx.recv().await {
        match news {
            News::Notice(n) => eprintln!("firebreak: {n}"),
            News::Unparsed { path, line, reason } => {
                eprintln!(
                    "firebreak: {}:{line}: line did not parse: {reason}",
                    path.display()
                );
            }
            News::Finding(finding) => {
                let landed = match &service {
                    Some(service) => match land(service, &mut known, &finding).await {
                        Ok(landed) => Some(landed),
                        Err(e) => {
                            // Keep reading: one refused finding must not blind the watch.
                            eprintln!(
                                "firebreak: could not record finding {}: {}",
                                finding.rule,
                                crate::cli::one_line(&e)
                            );
                            failed = Some(e);
                            None
                        }
                    },
                    None => None,
                };
                announce(ctx, &finding, landed.as_ref())?;
            }
        }
    }
    let outcome = reader
        .join()
        .map_err(|_| anyhow::anyhow!("the watch thread stopped unexpectedly"))?;
    outcome?;
    eprintln!("firebreak: stopped; offsets saved in {}", offsets.display());
    Ok(if failed.is_some() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// Every rule's severity must be a level of the policy before anything is declared.
fn check_severities(set: &RuleSet, service: &Service) -> anyhow::Result<()> {
    let policy = &service.config().policy;
    for rule in set.rules() {
        let level = rule.severity.as_str();
        if policy.find(level).is_none() {
            anyhow::bail!(
                "rule {} ({}) has severity {level}, which the severity policy does not define",
                rule.id,
                rule.origin
            );
        }
    }
    Ok(())
}

/// Formats known before reading: the one asked for, or the one each existing file's first
/// lines show. Files that do not exist yet are detected from their first line read.
fn initial_formats(files: &[PathBuf], asked: Option<&Format>) -> Vec<Option<Format>> {
    files
        .iter()
        .map(|path| {
            asked
                .cloned()
                .or_else(|| super::head(path, None).map(|(f, _)| f))
        })
        .collect()
}

/// The reader thread: follow, parse, match, send; save offsets as lines are dealt with.
fn read_loop(
    mut follower: Follower,
    mut engine: Engine,
    mut formats: Vec<Option<Format>>,
    stop: &AtomicBool,
    tx: &mpsc::UnboundedSender<News>,
) -> anyhow::Result<()> {
    let mut last_save = Instant::now();
    let mut unsaved = false;
    let names: Vec<String> = follower.paths().map(|p| p.display().to_string()).collect();
    // Unparsed lines are reported, per file, up to a few: a file in the wrong format must not
    // flood the terminal at the rate it grows.
    let mut unparsed = vec![0u64; names.len()];
    let mut report = |file: usize, path: &std::path::Path, line: u64, reason: String| {
        let Some(seen) = unparsed.get_mut(file) else {
            return;
        };
        *seen += 1;
        let reason = match *seen {
            n if n < UNPARSED_SHOWN => reason,
            UNPARSED_SHOWN => {
                format!("{reason} (further unparsed lines of this file are not shown)")
            }
            _ => return,
        };
        let _ = tx.send(News::Unparsed {
            path: path.to_owned(),
            line,
            reason,
        });
    };
    loop {
        let stopping = stop.load(Ordering::SeqCst);
        let read = follower.read(&mut |line| {
            let Some(slot) = formats.get_mut(line.file) else {
                return;
            };
            if slot.is_none() {
                *slot = Format::detect(&[line.text]);
            }
            let Some(format) = slot.as_ref() else {
                report(
                    line.file,
                    line.path,
                    line.line,
                    "cannot tell the log format; give --format".into(),
                );
                return;
            };
            match format.parse(line.text) {
                Ok(record) => {
                    let name = names.get(line.file).map_or("?", String::as_str);
                    for finding in engine.push(name, line.line, line.text, &record) {
                        let _ = tx.send(News::Finding(Box::new(finding)));
                    }
                }
                Err(bad) => {
                    report(
                        line.file,
                        line.path,
                        line.line,
                        format!("column {}: {}", bad.column, bad.reason),
                    );
                }
            }
        })?;
        for notice in follower.take_notices() {
            let _ = tx.send(News::Notice(notice));
        }
        unsaved |= read > 0;
        if unsaved && (stopping || last_save.elapsed() >= SAVE_EVERY) {
            follower.save()?;
            last_save = Instant::now();
            unsaved = false;
        }
        if stopping {
            follower.save()?;
            return Ok(());
        }
        if read == 0 {
            follower.wait(TICK);
        }
    }
}

/// Records a finding: on the incident it landed on before (if still open), or wherever the
/// service puts it.
async fn land(
    service: &Service,
    known: &mut HashMap<(String, String), IncidentId>,
    finding: &Finding,
) -> anyhow::Result<Landed> {
    let detection = detection(finding);
    let slot = (detection.rule.clone(), detection.key.clone());
    let landed = service
        .record_detection(&detection, &finding.severity, known.get(&slot).copied())
        .await?;
    known.insert(slot, landed.incident().id);
    // A declaration may have queued the chain's messages: try them now, like `declare` does.
    if let Landed::Declared(i) = &landed
        && service
            .config()
            .notify
            .directory
            .contacts()
            .next()
            .is_some()
    {
        let courier = crate::notify::Courier::new(&service.config().notify)?;
        let within = crate::cli::notify::TELL_WITHIN;
        if let Err(e) = crate::notify::drain_within(service, &courier, &i.id, within).await {
            eprintln!("firebreak: {}: delivering the chain's messages: {e}", i.id);
        }
    }
    Ok(landed)
}

/// A finding as the incident records it.
pub fn detection(f: &Finding) -> Detection {
    let at = |t: Option<i64>| t.and_then(|s| jiff::Timestamp::from_second(s).ok());
    let mut sources: Vec<&str> = f.samples.iter().map(|s| s.source.as_str()).collect();
    sources.dedup();
    Detection {
        rule: f.rule.clone(),
        title: f.title.clone(),
        key: f.key_text(),
        count: f.count,
        first_seen: at(f.first_seen),
        last_seen: at(f.last_seen),
        source: if sources.is_empty() {
            "?".into()
        } else {
            sources.join(", ")
        },
        samples: f
            .samples
            .iter()
            .map(|s| format!("{}:{}: {}", s.source, s.line, s.text))
            .collect(),
        runbook: f.runbook.clone(),
        tags: f.tags.clone(),
        alerts: Vec::new(),
    }
    .bounded()
}

/// One line per finding (a JSON line with `--json`), flushed at once.
fn announce(ctx: &mut Context, f: &Finding, landed: Option<&Landed>) -> anyhow::Result<()> {
    let (incident, how) = match landed {
        Some(Landed::Declared(i)) => (Some(i.id.to_string()), "declared"),
        Some(Landed::Added(i, _)) => (Some(i.id.to_string()), "added"),
        None => (None, "printed"),
    };
    if ctx.out.json {
        let mut value = serde_json::to_value(f)?;
        if let Some(map) = value.as_object_mut() {
            map.insert("incident".into(), json!(incident));
            map.insert("landed".into(), json!(how));
        }
        ctx.out.line(value.to_string())?;
    } else {
        let now = jiff::Zoned::now().strftime("%H:%M:%S");
        let target = match (&incident, how) {
            (Some(id), "declared") => format!("  → {id} declared"),
            (Some(id), _) => format!("  → added to {id}"),
            _ => String::new(),
        };
        let runbook = f
            .runbook
            .as_ref()
            .map(|r| format!("  runbook {r}"))
            .unwrap_or_default();
        ctx.out.line(format!(
            "{now}  {}  {}  {}  {} {}{runbook}{target}",
            f.severity,
            f.rule,
            crate::output::clip(&f.key_text().replace(|c: char| c.is_control(), "?"), 80),
            f.counted.label(),
            f.count
        ))?;
    }
    ctx.out.flush()?;
    Ok(())
}
