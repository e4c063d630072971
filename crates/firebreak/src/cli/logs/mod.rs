//! The log commands: `triage` (one pass, a report), `scan` (rules over files, findings),
//! `rules` (list and test detection rules) and `watch` (rules over growing files, findings
//! become incidents). The engine is `firebreak-detect`; this module is only flags, output and,
//! for `watch`, the hand-over to the incident service.
//!
//! Shared here: the format flags, the rule and agent lists (built-in < config < flags), and
//! choosing each input's format.

mod parallel;
pub mod rules;
pub mod scan;
pub mod triage;
pub mod watch;

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::Context as _;
use firebreak_detect::agents::{self, Agents};
use firebreak_detect::format::{Format, FormatConfig};
use firebreak_detect::rule::RuleSet;

use super::Context;

/// Which format the lines are in (default: detected from each input's first lines).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct FormatArgs {
    /// Log format: combined, common, vhost_combined, nginx_error, apache_error, auditd, json or syslog,
    /// or cri+NAME for lines wrapped by a container runtime (default: detected per file).
    #[arg(long, value_name = "NAME")]
    pub format: Option<String>,
    /// An nginx `log_format` string, for access logs in a custom format.
    #[arg(long, value_name = "FORMAT")]
    pub log_format: Option<String>,
    /// For JSON lines: read FIELD from KEY (dotted for nested objects), e.g.
    /// `--field client=remote.ip`. Repeatable.
    #[arg(long = "field", value_name = "FIELD=KEY")]
    pub fields: Vec<String>,
    /// For syslog: the year of dates that carry none (default: guessed from today).
    #[arg(long)]
    pub year: Option<i32>,
}

impl FormatArgs {
    /// The format asked for, or `None` to detect it per input.
    pub fn build(&self) -> anyhow::Result<Option<Format>> {
        let mut fields = BTreeMap::new();
        for pair in &self.fields {
            let (field, key) = pair
                .split_once('=')
                .filter(|(f, k)| !f.is_empty() && !k.is_empty())
                .with_context(|| format!("--field {pair:?}: expected FIELD=KEY"))?;
            fields.insert(field.to_owned(), key.to_owned());
        }
        let config = FormatConfig {
            name: self.format.clone(),
            log_format: self.log_format.clone(),
            fields,
            year: self.year,
        };
        if config == FormatConfig::default() {
            return Ok(None);
        }
        Ok(Some(config.build().context("--format")?))
    }
}

/// Where rules and agent lists come from, beyond the built-in ones and the config's.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct RuleArgs {
    /// A directory of detection rules (`*.yaml`), added to the built-in rules and those in
    /// the config; a rule with a built-in's id replaces it. Repeatable.
    #[arg(long = "rules", value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
    /// Only the rules from `--rules` and the config, none of the built-in ones.
    #[arg(long)]
    pub no_builtin: bool,
    /// More user agents to recognise, in the `agents.txt` format. Repeatable.
    #[arg(long = "agents", value_name = "FILE")]
    pub agents: Vec<PathBuf>,
}

/// The agent list: shipped, then the config's files, then `--agents`.
pub fn agents(ctx: &Context, extra: &[PathBuf]) -> anyhow::Result<Agents> {
    let mut more = Vec::new();
    for path in ctx.settings.config.agent_files.iter().chain(extra) {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read agent list {}", path.display()))?;
        more.extend(agents::parse(&path.display().to_string(), &text)?);
    }
    Ok(Agents::builtin().with(more))
}

/// The rules in force: built-in (unless `--no-builtin`), then the config's directories, then
/// `--rules`; later ids replace earlier ones.
pub fn rule_set(ctx: &Context, args: &RuleArgs, agents: &Agents) -> anyhow::Result<RuleSet> {
    let mut set = if args.no_builtin {
        RuleSet::from_rules(Vec::new())
    } else {
        RuleSet::builtin_with(agents)?
    };
    for dir in ctx.settings.config.rule_dirs.iter().chain(&args.dirs) {
        set = set.with(RuleSet::load_dir_with(dir, agents)?);
    }
    if set.is_empty() {
        anyhow::bail!(
            "no detection rules: --no-builtin needs --rules DIR (or [detect] rules in the config)"
        );
    }
    Ok(set)
}

/// The format of an input: the one asked for, or the one its first lines show.
pub fn format_of(asked: Option<&Format>, name: &str, first: &[&[u8]]) -> anyhow::Result<Format> {
    if let Some(format) = asked {
        return Ok(format.clone());
    }
    Format::detect(first).with_context(|| {
        format!(
            "{name}: cannot tell the log format from its first lines; give --format or --log-format"
        )
    })
}

/// The files in the order their lines were written: by the time of each file's first line
/// that has one (so `access.log*`, which the shell sorts newest first, is read oldest first).
/// Files whose first lines carry no time keep their place after those that do; stdin stays
/// where it was given.
pub fn oldest_first(paths: &[PathBuf], asked: Option<&Format>) -> Vec<PathBuf> {
    let mut keyed: Vec<(Option<i64>, usize, PathBuf)> = paths
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let first = if p.as_os_str() == "-" {
                None
            } else {
                head(p, asked).and_then(|(_, time)| time)
            };
            (first, i, p.clone())
        })
        .collect();
    if keyed.iter().any(|(_, _, p)| p.as_os_str() == "-") {
        return paths.to_vec();
    }
    keyed.sort_by_key(|(time, index, _)| (time.is_none(), *time, *index));
    keyed.into_iter().map(|(_, _, p)| p).collect()
}

/// What a file's first block shows: its format (the one asked for, else detected) and the time
/// of its first line that has one. `None` when the file cannot be read, is empty, or its format
/// cannot be told.
pub fn head(path: &std::path::Path, asked: Option<&Format>) -> Option<(Format, Option<i64>)> {
    let input = firebreak_detect::input::Input::open(path).ok()?;
    let mut blocks = input.blocks(firebreak_detect::input::Options::default());
    let block = blocks.next()?;
    let lines: Vec<&[u8]> = block
        .lines()
        .map(|(_, l)| l)
        .filter(|l| !l.is_empty())
        .take(DETECT_LINES)
        .collect();
    let format = match asked {
        Some(f) => f.clone(),
        None => Format::detect(&lines)?,
    };
    let time = lines
        .iter()
        .find_map(|l| format.parse(l).ok().and_then(|r| r.time));
    Some((format, time))
}

/// Lines of one input that did not parse: how many, and the first few with where and why.
#[derive(Debug, Default, serde::Serialize)]
pub struct Unparsed {
    /// How many.
    pub count: u64,
    /// The first few: line, column, reason.
    pub samples: Vec<(u64, usize, &'static str)>,
}

/// How one input was read.
#[derive(Debug)]
pub struct Read {
    /// The input's name.
    pub name: String,
    /// The format used (`None` for an input without lines).
    pub format: Option<String>,
    /// Lines, bytes, overlong lines, and where the input ended early.
    pub summary: firebreak_detect::input::Summary,
    /// Lines that did not parse.
    pub unparsed: Unparsed,
    /// Lines read but not parsed because the input's format could not be told (the input
    /// was skipped after its first block).
    pub undetected: Option<u64>,
    /// Login lines (sshd, dropbear, PAM) whose remote address could not be told for certain
    /// (a host name instead of an address, or text forged on both sides of it): counted
    /// here, since no per-address rule can count them.
    pub unattributed: u64,
}

impl Read {
    /// Warnings worth a line on stderr: lines that did not parse, overlong lines, an early end.
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(lines) = self.undetected {
            out.push(format!(
                "{}: cannot tell the log format from its first lines, so it was skipped \
                 ({lines} line{} read, none used); give --format or --log-format",
                self.name,
                if lines == 1 { "" } else { "s" }
            ));
        }
        if let Some((line, column, reason)) = self.unparsed.samples.first() {
            out.push(format!(
                "{}: {} line{} did not parse as {} (first at {}:{line}:{column}: {reason})",
                self.name,
                self.unparsed.count,
                if self.unparsed.count == 1 { "" } else { "s" },
                self.format.as_deref().unwrap_or("?"),
                self.name
            ));
        }
        if self.unattributed > 0 {
            out.push(format!(
                "{}: {} login line{} named no address that could be trusted, so no \
                 per-address rule counted {}",
                self.name,
                self.unattributed,
                if self.unattributed == 1 { "" } else { "s" },
                if self.unattributed == 1 { "it" } else { "them" }
            ));
        }
        if self.summary.overlong > 0 {
            out.push(format!(
                "{}: {} overlong line{} cut (first at line {})",
                self.name,
                self.summary.overlong,
                if self.summary.overlong == 1 { "" } else { "s" },
                self.summary.overlong_samples.first().copied().unwrap_or(0)
            ));
        }
        if let Some(ended) = &self.summary.ended {
            out.push(format!(
                "{}: reading stopped at line {} (byte {}): {}; the lines before it were used",
                self.name, ended.line, ended.byte, ended.message
            ));
        }
        out
    }
}

/// Most lines looked at to detect a format.
const DETECT_LINES: usize = 64;
/// Unparsed lines kept as samples per input.
const UNPARSED_SAMPLES: usize = 5;

/// Reads one input in order, parsing each line with the format asked for or detected from the
/// first lines, and calls `each(line number, line, record)` for every line that parses. An
/// input whose format cannot be told is not an error: it is skipped after its first block
/// and the [`Read`] says so, so the other inputs are still read.
pub fn each_record(
    input: firebreak_detect::input::Input,
    asked: Option<&Format>,
    mut each: impl FnMut(u64, &[u8], &firebreak_detect::Record<'_>) -> anyhow::Result<()>,
) -> anyhow::Result<Read> {
    let name = input.name().to_owned();
    let mut blocks = input.blocks(firebreak_detect::input::Options::default());
    let mut format: Option<Format> = None;
    let mut unparsed = Unparsed::default();
    let mut undetected = None;
    let mut unattributed = 0;
    while let Some(block) = blocks.next() {
        if format.is_none() {
            match detect(asked, &name, &block) {
                Ok(found) => format = found,
                Err(lines) => {
                    undetected = Some(lines);
                    blocks.recycle(block);
                    break;
                }
            }
        }
        let Some(format) = &format else {
            blocks.recycle(block);
            continue;
        };
        parse_block(format, &block, &mut unparsed, &mut unattributed, &mut each)?;
        blocks.recycle(block);
    }
    Ok(Read {
        name,
        format: format.map(|f| f.name().to_owned()),
        summary: blocks.summary().clone(),
        unparsed,
        undetected,
        unattributed,
    })
}

/// The format of an input whose first block (with lines) this is: `Ok(None)` when the block
/// has no lines, `Err(lines in the block)` when the format cannot be told.
fn detect(
    asked: Option<&Format>,
    name: &str,
    block: &firebreak_detect::input::Block,
) -> Result<Option<Format>, u64> {
    let first: Vec<&[u8]> = block
        .lines()
        .map(|(_, l)| l)
        .filter(|l| !l.is_empty())
        .take(DETECT_LINES)
        .collect();
    if first.is_empty() {
        return Ok(None);
    }
    format_of(asked, name, &first)
        .map(Some)
        .map_err(|_| block.lines().count() as u64)
}

/// Parses one block's lines with `format`, counting those that do not parse in `unparsed` and
/// login lines without a trusted address in `unattributed`, and calls `each` for the others.
fn parse_block(
    format: &Format,
    block: &firebreak_detect::input::Block,
    unparsed: &mut Unparsed,
    unattributed: &mut u64,
    mut each: impl FnMut(u64, &[u8], &firebreak_detect::Record<'_>) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    for (number, line) in block.lines() {
        if line.is_empty() {
            continue;
        }
        match format.parse(line) {
            Ok(record) => {
                if record.event.is_some_and(|e| e.is_remote_login()) && record.client.is_none() {
                    *unattributed += 1;
                }
                each(number, line, &record)?
            }
            Err(bad) => {
                unparsed.count += 1;
                if unparsed.samples.len() < UNPARSED_SAMPLES {
                    unparsed.samples.push((number, bad.column, bad.reason));
                }
            }
        }
    }
    Ok(())
}
