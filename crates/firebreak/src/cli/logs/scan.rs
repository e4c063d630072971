//! `firebreak scan FILE…`: the detection rules over whole files, in order, once. Prints each
//! finding (rule, key, count, first and last seen, sample lines), or with `--lines` every line
//! a rule's conditions match, as JSON lines. Files are read oldest first whatever order they
//! are given in, so a window or sequence that spans a rotation is still seen.

use std::path::PathBuf;
use std::process::ExitCode;

use firebreak_detect::input::Input;
use firebreak_detect::rule::{Engine, Finding, RuleSet};
use serde_json::json;

use super::{FormatArgs, RuleArgs};
use crate::cli::Context;
use crate::output::Tone;

/// Arguments.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Log files (plain or gzip); `-` reads stdin.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Print every line a rule's conditions match (before any threshold), as JSON lines with
    /// the rule id, file, line number and client address.
    #[arg(long)]
    pub lines: bool,
    /// Threads matching lines against the rules (default: one per core, at most 8). Windows
    /// are counted in line order whatever the number, so the findings are the same.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub threads: Option<u16>,
    /// Only these rules (by id). Repeatable.
    #[arg(long = "rule", value_name = "ID")]
    pub only: Vec<String>,
    #[command(flatten)]
    pub format: FormatArgs,
    #[command(flatten)]
    pub rules: RuleArgs,
}

pub fn run(ctx: &mut Context, args: Args) -> anyhow::Result<ExitCode> {
    let format = args.format.build()?;
    let agents = super::agents(ctx, &args.rules.agents)?;
    let mut set = super::rule_set(ctx, &args.rules, &agents)?;
    if !args.only.is_empty() {
        if let Some(unknown) = args.only.iter().find(|id| set.get(id).is_none()) {
            anyhow::bail!("--rule {unknown}: no such rule; see `firebreak rules ls`");
        }
        let chosen = set
            .rules()
            .iter()
            .filter(|r| args.only.contains(&r.id))
            .map(|r| (**r).clone())
            .collect();
        set = RuleSet::from_rules(chosen);
    }
    let mut engine = Engine::new(&set);
    let mut reads = Vec::new();
    let threads = args.threads.map_or_else(
        || std::thread::available_parallelism().map_or(1, |n| n.get().min(8)),
        usize::from,
    );
    // Windows and sequences follow the lines' own time: feed rotated files oldest first.
    for path in &super::oldest_first(&args.files, format.as_ref()) {
        let input = Input::open(path)?;
        let name = input.name().to_owned();
        if threads > 1 && !args.lines {
            let matcher = engine.matcher().clone();
            let read =
                super::parallel::match_blocks(input, format.as_ref(), threads, &matcher, |hits| {
                    engine.count(&name, hits);
                    Ok(())
                })?;
            reads.push(read);
            continue;
        }
        let out = &mut ctx.out;
        let read = super::each_record(input, format.as_ref(), |number, raw, record| {
            if args.lines {
                for rule in engine.matches(record) {
                    let line = json!({
                        "rule": rule,
                        "source": name,
                        "line": number,
                        "client": record.client.map(|a| a.to_string()),
                        "text": String::from_utf8_lossy(raw),
                    });
                    out.line(line.to_string())?;
                }
            }
            engine.push(&name, number, raw, record);
            Ok(())
        })?;
        reads.push(read);
    }
    for read in &reads {
        for warning in read.warnings() {
            eprintln!("firebreak: {warning}");
        }
    }
    if args.lines {
        return Ok(ExitCode::SUCCESS);
    }
    let findings = engine.findings();
    if ctx.out.json {
        ctx.out.json(&json!({
            "inputs": reads.iter().map(|r| json!({
                "name": r.name,
                "format": r.format,
                "skipped": r.undetected.map(|_| "the log format could not be told from the first lines"),
                "lines": r.summary.lines,
                "unparsed": r.unparsed,
                "unattributed": r.unattributed,
                "overlong": r.summary.overlong,
                "ended_early": r.summary.ended.as_ref().map(|e| json!({"line": e.line, "byte": e.byte, "message": e.message})),
            })).collect::<Vec<_>>(),
            "findings": findings,
        }))?;
        return Ok(ExitCode::SUCCESS);
    }
    let lines: u64 = reads.iter().map(|r| r.summary.lines).sum();
    if findings.is_empty() {
        ctx.out.line(format!(
            "no findings in {lines} lines ({} rules)",
            set.len()
        ))?;
        return Ok(ExitCode::SUCCESS);
    }
    for finding in &findings {
        render(ctx, finding)?;
    }
    ctx.out.line(format!(
        "{} finding{} in {lines} lines ({} rules)",
        findings.len(),
        if findings.len() == 1 { "" } else { "s" },
        set.len()
    ))?;
    Ok(ExitCode::SUCCESS)
}

/// One finding as a short block: a headline, then when and which lines.
pub fn render(ctx: &mut Context, f: &Finding) -> anyhow::Result<()> {
    let tone = match f.severity.as_str() {
        "P1" => Tone::Alarm,
        "P2" => Tone::Warn,
        _ => Tone::Plain,
    };
    let head = format!(
        "{}  {}  {}  {}",
        ctx.out.paint(&f.severity, tone),
        f.rule,
        f.key_text(),
        f.title
    );
    ctx.out.line(head)?;
    let when = match (f.first_seen, f.last_seen) {
        (Some(a), Some(b)) => format!("{} – {}", seen(a), seen(b)),
        _ => "no times in the lines".to_owned(),
    };
    let runbook = f
        .runbook
        .as_ref()
        .map(|r| format!(", runbook {r}"))
        .unwrap_or_default();
    ctx.out.line(ctx.out.paint(
        &format!("    {} {}, {when}{runbook}", f.counted.label(), f.count),
        Tone::Dim,
    ))?;
    for s in &f.samples {
        let text = crate::output::clip(&s.text.replace(|c: char| c.is_control(), "?"), 160);
        ctx.out
            .line(format!("    {}:{}: {text}", s.source, s.line))?;
    }
    Ok(())
}

/// A log time for people.
pub fn seen(unix: i64) -> String {
    jiff::Timestamp::from_second(unix)
        .map(|t| t.to_string())
        .unwrap_or_else(|_| unix.to_string())
}
