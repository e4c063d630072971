//! `firebreak.toml`: what a team writes ([`FileConfig`]) and what runs ([`Config`]).
//!
//! ```toml
//! # Where incidents are stored. Omit for the SQLite file in the data directory.
//! database = "postgres://firebreak@db.internal/firebreak"
//!
//! [policy]
//! preset = "ops"            # "default" (P1–P4) or "ops" (P1–P3)
//! review_required = ["P1"]  # closing these needs a published post-incident review
//! # [[policy.levels]]       # or spell out every level; this replaces the preset
//! # name = "P1"; label = "Critical"; ack_within = "15m"; update_every = "30m"
//!
//! [runbooks]
//! dirs = ["runbooks"]       # user runbooks, relative to this file
//! timeout = "10m"           # per-step timeout when the runbook sets none
//! snapshot_before_destructive = false  # default true: see RunbooksConfig
//!
//! [[checklists]]            # replaces the default lists when present
//! name = "initial"
//! title = "First 15 minutes"
//! items = ["Assess", "Name a commander"]
//! severities = ["P1", "P2"] # optional; empty means every severity
//!
//! [runbooks.commands.acmectl]   # teach the safety classifier a tool (format: commands.toml)
//! class = "mutating"
//! verbs = { status = "read-only", purge = "destructive" }
//!
//! [[check]]                 # health checks `firebreak check` and `serve` run (see check::config)
//! name = "root-disk"
//! kind = "disk"
//! path = "/"
//!
//! [alerts]                  # how alerts from Alertmanager and webhooks map (see AlertsConfig)
//! severities = { critical = "P1", warning = "P3" }
//! [[alerts.rules]]
//! match = { alertname = "HighErrorRate", service = "checkout" }
//! severity = "P1"
//! runbook = "web-errors"
//! ```
//!
//! Precedence, lowest first: this file < environment (`FIREBREAK_DATABASE_URL`, …) < command-line
//! flags. This module only reads the file; the binary applies the two layers above it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use toml::Spanned;

use crate::checklist::{self, ChecklistTemplate};
use crate::policy::{Policy, Severity};
use crate::runbook::{CommandSpec, Commands};

/// The config file as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// Database URL (`sqlite://…` or `postgres://…`).
    pub database: Option<String>,
    /// Severity policy.
    #[serde(default)]
    pub policy: PolicyConfig,
    /// Checklist templates; when given they replace the defaults.
    pub checklists: Option<Spanned<Vec<ChecklistTemplate>>>,
    /// Runbook settings.
    #[serde(default)]
    pub runbooks: RunbooksConfig,
    /// Log detection settings.
    #[serde(default)]
    pub detect: DetectConfig,
    /// How alerts from Alertmanager and the generic webhook are given a severity and a runbook.
    #[serde(default)]
    pub alerts: AlertsConfig,
    /// Blocking addresses: backends, default expiry, allow-list (see `contain::config`).
    #[serde(default)]
    pub contain: crate::contain::ContainConfig,
    /// Contacts, teams, the communication chain and delivery settings (see [`crate::notify`]).
    #[serde(default)]
    pub notify: crate::notify::NotifyFile,
    /// Health checks (`[[check]]`, see [`crate::check::config`]).
    #[serde(default, rename = "check")]
    pub checks: Vec<Spanned<crate::check::CheckConfig>>,
}

/// The `[alerts]` table: how an alert received by `firebreak serve` (Alertmanager or the
/// generic webhook) is given a severity and a suggested runbook. Every key is optional.
///
/// ```toml
/// [alerts]
/// severity_label = "severity"   # the label carrying the sender's own severity
/// default_severity = "P4"       # when nothing else applies (default: the least severe level)
///
/// [alerts.severities]           # values of that label → policy levels (replaces the default)
/// critical = "P1"               # default: critical → the most severe level,
/// warning = "P3"                #          warning  → the middle level
///
/// [[alerts.rules]]              # checked in order
/// match = { alertname = "HighErrorRate", service = "checkout" }
/// severity = "P1"
/// runbook = "web-errors"
/// ```
///
/// An alert's severity is, in order: the `severity` of the first rule whose `match` labels all
/// equal the alert's labels and that sets one; its severity label's value looked up in
/// `severities` (ignoring case); that value itself when it names a policy level (`P2`); else
/// `default_severity`. Its runbook is the `runbook` of the first matching rule that sets one,
/// else the runbook the sender named (generic webhook only). Every level named here must exist
/// in the policy; a mistake is reported with file:line:column when the config is loaded.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertsConfig {
    /// The label whose value is the sender's own severity (`severity` when unset).
    pub severity_label: Option<String>,
    /// That label's values (matched ignoring case) → policy level names. When given it replaces
    /// the default table, which maps `critical` to the most severe level and `warning` to the
    /// middle one (`P3` of the default policy's P1–P4, `P2` of the `ops` preset's P1–P3).
    pub severities: Option<BTreeMap<String, Spanned<String>>>,
    /// The level of an alert nothing else maps (the policy's least severe level when unset).
    pub default_severity: Option<Spanned<String>>,
    /// Rules on labels, checked in order.
    #[serde(default)]
    pub rules: Vec<AlertRuleConfig>,
}

/// One `[[alerts.rules]]` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertRuleConfig {
    /// Labels the alert must carry, each with exactly this value. An empty table matches every
    /// alert (a catch-all at the end of the list).
    #[serde(rename = "match", default)]
    pub matches: BTreeMap<String, String>,
    /// The policy level given to matching alerts.
    pub severity: Option<Spanned<String>>,
    /// The runbook suggested for matching alerts (its name, as `firebreak runbook ls` shows it).
    pub runbook: Option<Spanned<String>>,
}

/// How alerts are mapped, built from [`AlertsConfig`] against the policy (every level name here
/// is the policy's own spelling).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertMapping {
    /// The label carrying the sender's severity.
    pub severity_label: String,
    /// Lower-cased values of that label → level names.
    pub severities: BTreeMap<String, String>,
    /// The level when nothing else applies.
    pub default_severity: String,
    /// Rules, in order.
    pub rules: Vec<AlertRule>,
}

/// A built `[[alerts.rules]]` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertRule {
    /// Labels that must all be equal.
    pub matches: BTreeMap<String, String>,
    /// The level it gives, if any.
    pub severity: Option<String>,
    /// The runbook it suggests, if any.
    pub runbook: Option<String>,
}

impl AlertMapping {
    /// The mapping when `[alerts]` says nothing: `critical` → the most severe level, `warning`
    /// → the middle one, anything else → the least severe.
    pub fn defaults(policy: &Policy) -> Self {
        let levels = policy.levels();
        let name = |i: usize| levels.get(i).map(|l| l.name.clone()).unwrap_or_default();
        let severities = [
            ("critical".to_string(), name(0)),
            ("warning".to_string(), name(levels.len() / 2)),
        ]
        .into();
        Self {
            severity_label: "severity".into(),
            severities,
            default_severity: name(levels.len().saturating_sub(1)),
            rules: Vec::new(),
        }
    }
}

/// The `[detect]` table.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DetectConfig {
    /// Directories of user detection rules (relative paths are relative to the config file). A
    /// user rule with a built-in's id replaces it.
    #[serde(default)]
    pub rules: Vec<PathBuf>,
    /// More user-agent lists in the `agents.txt` format, added to the shipped one.
    #[serde(default)]
    pub agents: Vec<PathBuf>,
}

/// The `[runbooks]` table.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunbooksConfig {
    /// Directories of user runbooks (relative paths are relative to the config file). A user
    /// runbook with a built-in's name replaces it.
    #[serde(default)]
    pub dirs: Vec<PathBuf>,
    /// Default per-step timeout (`5m` when unset).
    pub timeout: Option<Spanned<String>>,
    /// What the safety classifier should know about the team's own tools, in the format of
    /// the shipped `commands.toml` (`[runbooks.commands.acmectl]`, `class = "mutating"`,
    /// `verbs = { status = "read-only" }`). An entry replaces the shipped one of the same name.
    #[serde(default)]
    pub commands: BTreeMap<String, Spanned<CommandSpec>>,
    /// Whether `runbook run` in an incident takes a volatile-state snapshot (the same as
    /// `firebreak evidence snapshot`) before the first destructive step, unless evidence was
    /// already collected in the run. Default true; `false` turns it off for every runbook (a
    /// runbook's own `snapshot-first: false` turns it off for that runbook alone).
    pub snapshot_before_destructive: Option<bool>,
}

/// The `[policy]` table.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyConfig {
    /// A shipped preset: `default` or `ops`.
    pub preset: Option<Spanned<String>>,
    /// Explicit levels, most severe first; replace the preset's.
    pub levels: Option<Spanned<Vec<Severity>>>,
    /// Levels whose incidents may only close once their post-incident review is published
    /// (`["P1", "P2"]`). Default: none.
    #[serde(default)]
    pub review_required: Vec<Spanned<String>>,
}

/// Settings in force.
#[derive(Debug, Clone)]
pub struct Config {
    /// Database URL from the file, if any (env and flags may still override it).
    pub database: Option<String>,
    /// Severity policy.
    pub policy: Policy,
    /// Checklist templates.
    pub checklists: Vec<ChecklistTemplate>,
    /// User runbook directories, absolute.
    pub runbook_dirs: Vec<PathBuf>,
    /// Default per-step timeout.
    pub step_timeout: std::time::Duration,
    /// What the safety classifier knows: the shipped knowledge and `[runbooks.commands]`.
    pub commands: Arc<Commands>,
    /// Snapshot before the first destructive step of an incident run
    /// (`[runbooks] snapshot_before_destructive`, default true).
    pub snapshot_before_destructive: bool,
    /// How received alerts map to severities and runbooks.
    pub alerts: AlertMapping,
    /// Contacts, chain and delivery settings.
    pub notify: crate::notify::NotifyConfig,
    /// User detection rule directories, absolute.
    pub rule_dirs: Vec<PathBuf>,
    /// User agent lists, absolute.
    pub agent_files: Vec<PathBuf>,
    /// Blocking addresses (`[contain]`).
    pub contain: crate::contain::Contain,
    /// Health checks (`[[check]]`), in the order written.
    pub checks: Vec<crate::check::Check>,
    /// The file it came from, if any.
    pub source: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        let policy = Policy::preset("default").unwrap_or_else(|| unreachable!("shipped preset"));
        let notify = crate::notify::NotifyFile::default()
            .build(&policy)
            .unwrap_or_default();
        Self {
            database: None,
            alerts: AlertMapping::defaults(&policy),
            policy,
            checklists: checklist::defaults(),
            runbook_dirs: Vec::new(),
            step_timeout: DEFAULT_STEP_TIMEOUT,
            commands: Arc::new(Commands::shipped().clone()),
            snapshot_before_destructive: true,
            notify,
            rule_dirs: Vec::new(),
            agent_files: Vec::new(),
            contain: crate::contain::Contain::default(),
            checks: Vec::new(),
            source: None,
        }
    }
}

/// Per-step timeout when neither the config, the runbook nor the command line sets one.
pub const DEFAULT_STEP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(300);

/// A config file that cannot be used, located as `file:line:col` where possible.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{path}: cannot read config: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid, or a value is not acceptable.
    #[error("{path}:{line}:{col}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column (in characters).
        col: usize,
        /// What is wrong.
        message: String,
    },
}

fn locate(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

impl Config {
    /// Reads and builds the config at `path`.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(path, &text)
    }

    /// Builds the config from `text`, naming `path` in errors.
    pub fn parse(path: &Path, text: &str) -> Result<Self, ConfigError> {
        let invalid = |offset: usize, message: String| {
            let (line, col) = locate(text, offset);
            ConfigError::Invalid {
                path: path.to_path_buf(),
                line,
                col,
                message,
            }
        };
        let file: FileConfig = toml::from_str(text).map_err(|e| {
            let offset = e.span().map_or(0, |s| s.start);
            invalid(offset, e.message().trim().replace('\n', "; "))
        })?;
        let policy = match (file.policy.levels, file.policy.preset) {
            (Some(levels), _) => {
                let at = levels.span().start;
                Policy::new("custom", levels.into_inner()).map_err(|m| invalid(at, m))?
            }
            (None, Some(preset)) => {
                let at = preset.span().start;
                Policy::preset(preset.get_ref()).ok_or_else(|| {
                    invalid(
                        at,
                        format!(
                            "unknown policy preset {:?}; use \"default\" or \"ops\"",
                            preset.get_ref()
                        ),
                    )
                })?
            }
            (None, None) => Config::default().policy,
        };
        let mut review_required = Vec::new();
        for level in &file.policy.review_required {
            let name = policy
                .level(level.get_ref())
                .map_err(|e| invalid(level.span().start, format!("policy.review_required: {e}")))?
                .name
                .clone();
            review_required.push(name);
        }
        let names: Vec<&str> = review_required.iter().map(String::as_str).collect();
        let policy = policy
            .with_review_required(&names)
            .map_err(|e| invalid(0, e.to_string()))?;
        let checklists = match file.checklists {
            Some(lists) => {
                let at = lists.span().start;
                let lists = lists.into_inner();
                for (i, l) in lists.iter().enumerate() {
                    if l.name.trim().is_empty() || l.items.is_empty() {
                        return Err(invalid(
                            at,
                            format!("checklist {} needs a name and at least one item", i + 1),
                        ));
                    }
                    if lists[..i].iter().any(|o| o.name == l.name) {
                        return Err(invalid(
                            at,
                            format!("checklist {:?} is defined twice", l.name),
                        ));
                    }
                    if let Some(s) = l.severities.iter().find(|s| policy.find(s).is_none()) {
                        return Err(invalid(
                            at,
                            format!(
                                "checklist {:?} names severity {s:?}, which the policy does not define",
                                l.name
                            ),
                        ));
                    }
                }
                lists
            }
            None => checklist::defaults(),
        };
        let base = path.parent().unwrap_or(Path::new("."));
        let runbook_dirs = file.runbooks.dirs.iter().map(|d| base.join(d)).collect();
        let step_timeout = match file.runbooks.timeout {
            Some(t) => {
                let at = t.span().start;
                crate::duration::parse_positive(t.get_ref())
                    .map_err(|e| invalid(at, format!("runbooks.timeout: {e}")))?
            }
            None => DEFAULT_STEP_TIMEOUT,
        };
        let commands =
            command_knowledge(&file.runbooks.commands).map_err(|(at, m)| invalid(at, m))?;
        let alerts = alert_mapping(file.alerts, &policy).map_err(|(at, m)| invalid(at, m))?;
        let contain = file.contain.build().map_err(|(at, m)| invalid(at, m))?;
        let notify = file
            .notify
            .build(&policy)
            .map_err(|(at, m)| invalid(at, m))?;
        let checks = crate::check::build_checks(file.checks, &policy, base)
            .map_err(|(at, m)| invalid(at, m))?;
        Ok(Config {
            database: file.database,
            alerts,
            policy,
            checklists,
            runbook_dirs,
            step_timeout,
            commands: Arc::new(commands),
            snapshot_before_destructive: file.runbooks.snapshot_before_destructive.unwrap_or(true),
            notify,
            rule_dirs: file.detect.rules.iter().map(|d| base.join(d)).collect(),
            agent_files: file.detect.agents.iter().map(|d| base.join(d)).collect(),
            contain,
            checks,
            source: Some(path.to_path_buf()),
        })
    }
}

/// The classifier's knowledge with `[runbooks.commands]` laid over it; an error carries the
/// byte offset of the entry it is about.
fn command_knowledge(
    entries: &BTreeMap<String, Spanned<CommandSpec>>,
) -> Result<Commands, (usize, String)> {
    if entries.is_empty() {
        return Ok(Commands::shipped().clone());
    }
    for (name, spec) in entries {
        let one = BTreeMap::from([(name.clone(), spec.get_ref().clone())]);
        Commands::with(&one).map_err(|e| (spec.span().start, format!("runbooks.{e}")))?;
    }
    let all = entries
        .iter()
        .map(|(name, spec)| (name.clone(), spec.get_ref().clone()))
        .collect();
    Commands::with(&all).map_err(|e| (0, format!("runbooks.{e}")))
}

/// Builds `[alerts]` against `policy`; an error carries the byte offset it is about.
fn alert_mapping(file: AlertsConfig, policy: &Policy) -> Result<AlertMapping, (usize, String)> {
    let level = |what: &str, given: &Spanned<String>| -> Result<String, (usize, String)> {
        policy
            .level(given.get_ref())
            .map(|l| l.name.clone())
            .map_err(|e| (given.span().start, format!("{what}: {e}")))
    };
    let mut mapping = AlertMapping::defaults(policy);
    if let Some(label) = file.severity_label {
        mapping.severity_label = label;
    }
    if let Some(table) = file.severities {
        mapping.severities = table
            .iter()
            .map(|(value, to)| {
                Ok((
                    value.to_lowercase(),
                    level(&format!("alerts.severities.{value}"), to)?,
                ))
            })
            .collect::<Result<_, _>>()?;
    }
    if let Some(default) = &file.default_severity {
        mapping.default_severity = level("alerts.default_severity", default)?;
    }
    for (i, rule) in file.rules.into_iter().enumerate() {
        let what = format!("alerts.rules[{}]", i + 1);
        let severity = rule
            .severity
            .as_ref()
            .map(|s| level(&format!("{what}.severity"), s))
            .transpose()?;
        let runbook = match rule.runbook {
            Some(r) => {
                let name = r.get_ref().trim();
                if name.is_empty() || name.len() > 100 || name.chars().any(char::is_control) {
                    return Err((
                        r.span().start,
                        format!("{what}.runbook: give a runbook name of one line"),
                    ));
                }
                Some(name.to_string())
            }
            None => None,
        };
        mapping.rules.push(AlertRule {
            matches: rule.matches,
            severity,
            runbook,
        });
    }
    Ok(mapping)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(Path::new("firebreak.toml"), text)
    }

    #[test]
    fn detect_paths_are_relative_to_the_config_file() {
        let c = Config::parse(
            Path::new("/etc/firebreak/firebreak.toml"),
            "[detect]\nrules = [\"rules\"]\nagents = [\"/srv/agents.txt\"]\n",
        )
        .expect("valid");
        assert_eq!(c.rule_dirs, vec![PathBuf::from("/etc/firebreak/rules")]);
        assert_eq!(c.agent_files, vec![PathBuf::from("/srv/agents.txt")]);
        let err = parse("[detect]\nrule = [\"x\"]\n").expect_err("unknown key");
        assert!(err.to_string().starts_with("firebreak.toml:2:1"), "{err}");
    }

    #[test]
    fn team_tools_teach_the_classifier() {
        use crate::runbook::{Safety, judge};
        let c = parse(
            "[runbooks.commands.acmectl]\nclass = \"mutating\"\nverbs = { status = \"read-only\" }\n",
        )
        .expect("valid");
        assert_eq!(
            judge("acmectl status", None, &c.commands).safety,
            Safety::ReadOnly
        );
        assert_eq!(
            judge("acmectl wipe", None, &c.commands).safety,
            Safety::Mutating
        );
        let err = parse("\n[runbooks.commands.acmectl]\nverbs = { status = \"read-only\" }\n")
            .expect_err("no class");
        assert!(err.to_string().starts_with("firebreak.toml:2:"), "{err}");
        assert!(err.to_string().contains("give a class"), "{err}");
        let err = parse("[runbooks.commands.x]\nclass = \"harmless\"\n").expect_err("bad class");
        assert!(err.to_string().starts_with("firebreak.toml:"), "{err}");
    }

    #[test]
    fn the_snapshot_before_destructive_steps_is_on_unless_turned_off() {
        assert!(parse("").expect("valid").snapshot_before_destructive);
        let off = parse("[runbooks]\nsnapshot_before_destructive = false\n").expect("valid");
        assert!(!off.snapshot_before_destructive);
        assert!(parse("[runbooks]\nsnapshot_before_destructive = \"no\"\n").is_err());
    }

    #[test]
    fn empty_file_is_the_default() {
        let c = parse("").expect("valid");
        assert_eq!(c.policy.name, "default");
        assert_eq!(c.checklists.len(), 3);
    }

    #[test]
    fn preset_and_custom_levels() {
        assert_eq!(
            parse("[policy]\npreset = \"ops\"\n")
                .expect("valid")
                .policy
                .levels()
                .len(),
            3
        );
        let custom = parse(
            "[[policy.levels]]\nname = \"SEV1\"\nlabel = \"Bad\"\nack_within = \"5m\"\nupdate_every = \"20m\"\n",
        )
        .expect("valid");
        assert_eq!(custom.policy.levels()[0].ack_within.as_secs(), 300);
    }

    #[test]
    fn alert_mapping_defaults_follow_the_policy() {
        let c = parse("").expect("valid");
        assert_eq!(c.alerts.severities["critical"], "P1");
        assert_eq!(c.alerts.severities["warning"], "P3");
        assert_eq!(c.alerts.default_severity, "P4");
        let ops = parse("[policy]\npreset = \"ops\"\n").expect("valid");
        assert_eq!(ops.alerts.severities["warning"], "P2");
        assert_eq!(ops.alerts.default_severity, "P3");
    }

    #[test]
    fn alert_mapping_is_built_and_checked_against_the_policy() {
        let c = parse(
            "[alerts]\nseverity_label = \"priority\"\ndefault_severity = \"p2\"\n\
             [alerts.severities]\nPage = \"P1\"\n\
             [[alerts.rules]]\nmatch = { alertname = \"DiskFull\" }\nrunbook = \"disk\"\n",
        )
        .expect("valid");
        assert_eq!(c.alerts.severity_label, "priority");
        assert_eq!(c.alerts.default_severity, "P2");
        assert_eq!(
            c.alerts.severities,
            [("page".to_string(), "P1".to_string())].into()
        );
        assert_eq!(c.alerts.rules[0].runbook.as_deref(), Some("disk"));
        assert_eq!(c.alerts.rules[0].severity, None);
        let e = parse("[alerts]\n[[alerts.rules]]\nmatch = {}\nseverity = \"SEV9\"\n")
            .expect_err("unknown level");
        assert!(
            e.to_string()
                .starts_with("firebreak.toml:4:12: alerts.rules[1].severity: "),
            "{e}"
        );
        let e = parse("[alerts]\nseverity = \"P1\"\n").expect_err("unknown key");
        assert!(e.to_string().starts_with("firebreak.toml:2:1: "), "{e}");
    }

    #[test]
    fn errors_point_at_line_and_column() {
        let e = parse("database = \"x\"\n[policy]\npreset = 3\n").expect_err("bad type");
        assert!(e.to_string().starts_with("firebreak.toml:3:10: "), "{e}");
        let e = parse("[policy]\npreset = \"nope\"\n").expect_err("bad preset");
        assert!(
            e.to_string()
                .starts_with("firebreak.toml:2:10: unknown policy preset"),
            "{e}"
        );
        let e = parse("colour = true\n").expect_err("unknown key");
        assert!(e.to_string().starts_with("firebreak.toml:1:1: "), "{e}");
        let e = parse("[[policy.levels]]\nname = \"P1\"\nlabel = \"x\"\nack_within = \"soon\"\nupdate_every = \"1h\"\n")
            .expect_err("bad duration");
        assert!(e.to_string().contains("not a duration"), "{e}");
    }

    #[test]
    fn review_required_names_real_levels() {
        let c = parse("[policy]\npreset = \"ops\"\nreview_required = [\"p1\", \"P2\"]\n")
            .expect("valid");
        assert_eq!(c.policy.review_required(), ["P1", "P2"]);
        assert!(c.policy.requires_review("P1") && !c.policy.requires_review("P3"));
        assert!(Config::default().policy.review_required().is_empty());
        let e = parse("[policy]\npreset = \"ops\"\nreview_required = [\"P1\", \"P4\"]\n")
            .expect_err("ops has no P4");
        assert_eq!(
            e.to_string(),
            "firebreak.toml:3:26: policy.review_required: unknown severity \"P4\"; the policy defines P1, P2, P3"
        );
    }
}
