//! `firebreak rules ls` and `firebreak rules test [DIR…]`: which detection rules are in force,
//! and whether each rule file's own test cases still pass.

use std::path::PathBuf;
use std::process::ExitCode;

use firebreak_detect::rule::{self, RuleSet};
use serde_json::json;

use super::RuleArgs;
use crate::cli::Context;
use crate::output::{Table, Tone};

/// Rule commands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// List the rules in force: built-in, then the config's and `--rules` directories.
    Ls(LsArgs),
    /// Run the test cases rule files carry. Without DIR: the rules in force.
    Test(TestArgs),
}

/// Arguments of `rules ls`.
#[derive(Debug, clap::Args)]
pub struct LsArgs {
    #[command(flatten)]
    pub rules: RuleArgs,
}

/// Arguments of `rules test`.
#[derive(Debug, clap::Args)]
pub struct TestArgs {
    /// Directories of rule files to test (only these: no built-in rules).
    #[arg(value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
    /// More user agents to recognise, in the `agents.txt` format. Repeatable.
    #[arg(long = "agents", value_name = "FILE")]
    pub agents: Vec<PathBuf>,
}

pub fn run(ctx: &mut Context, command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Ls(args) => ls(ctx, args),
        Command::Test(args) => test(ctx, args),
    }
}

fn ls(ctx: &mut Context, args: LsArgs) -> anyhow::Result<ExitCode> {
    let agents = super::agents(ctx, &args.rules.agents)?;
    let set = super::rule_set(ctx, &args.rules, &agents)?;
    if ctx.out.json {
        let rules: Vec<_> = set
            .rules()
            .iter()
            .map(|r| {
                json!({
                    "id": r.id,
                    "title": r.title,
                    "severity": r.severity.as_str(),
                    "tags": r.tags,
                    "runbook": r.runbook,
                    "counting": r.summary(),
                    "origin": r.origin,
                })
            })
            .collect();
        ctx.out.json(&json!({ "rules": rules }))?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut table = Table::new(&["RULE", "SEV", "COUNTS", "RUNBOOK", "TITLE"]);
    for r in set.rules() {
        table.row(vec![
            (r.id.clone(), Tone::Plain),
            (r.severity.as_str().to_owned(), Tone::Plain),
            (r.summary(), Tone::Dim),
            (r.runbook.clone().unwrap_or_default(), Tone::Plain),
            (r.title.clone(), Tone::Plain),
        ]);
    }
    ctx.out.table(&table)?;
    Ok(ExitCode::SUCCESS)
}

fn test(ctx: &mut Context, args: TestArgs) -> anyhow::Result<ExitCode> {
    let agents = super::agents(ctx, &args.agents)?;
    let set = if args.dirs.is_empty() {
        super::rule_set(ctx, &RuleArgs::default(), &agents)?
    } else {
        let mut set = RuleSet::from_rules(Vec::new());
        for dir in &args.dirs {
            set = set.with(RuleSet::load_dir_with(dir, &agents)?);
        }
        set
    };
    let outcomes = rule::test::run(&set);
    let failed = outcomes.iter().filter(|o| !o.passed()).count();
    if ctx.out.json {
        let cases: Vec<_> = outcomes
            .iter()
            .map(|o| {
                json!({
                    "file": o.file, "line": o.line, "column": o.column, "name": o.name,
                    "passed": o.passed(), "failures": o.failures,
                })
            })
            .collect();
        ctx.out.json(
            &json!({ "cases": cases, "passed": outcomes.len() - failed, "failed": failed }),
        )?;
    } else {
        for outcome in &outcomes {
            ctx.out.line(outcome.to_string())?;
        }
        ctx.out.line(format!(
            "{} test case{}: {} passed, {failed} failed ({} rules)",
            outcomes.len(),
            if outcomes.len() == 1 { "" } else { "s" },
            outcomes.len() - failed,
            set.len()
        ))?;
    }
    Ok(if failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
