//! `firebreak.toml`: what a team writes ([`FileConfig`]) and what runs ([`Config`]).
//!
//! ```toml
//! # Where incidents are stored. Omit for the SQLite file in the data directory.
//! database = "postgres://firebreak@db.internal/firebreak"
//!
//! [policy]
//! preset = "ops"            # "default" (P1–P4) or "ops" (P1–P3)
//! # [[policy.levels]]       # or spell out every level; this replaces the preset
//! # name = "P1"; label = "Critical"; ack_within = "15m"; update_every = "30m"
//!
//! [[checklists]]            # replaces the default lists when present
//! name = "initial"
//! title = "First 15 minutes"
//! items = ["Assess", "Name a commander"]
//! severities = ["P1", "P2"] # optional; empty means every severity
//! ```
//!
//! Precedence, lowest first: this file < environment (`FIREBREAK_DATABASE_URL`, …) < command-line
//! flags. This module only reads the file; the binary applies the two layers above it.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::checklist::{self, ChecklistTemplate};
use crate::policy::{Policy, Severity};

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
}

/// The `[policy]` table.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyConfig {
    /// A shipped preset: `default` or `ops`.
    pub preset: Option<Spanned<String>>,
    /// Explicit levels, most severe first; replace the preset's.
    pub levels: Option<Spanned<Vec<Severity>>>,
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
    /// User detection rule directories, absolute.
    pub rule_dirs: Vec<PathBuf>,
    /// User agent lists, absolute.
    pub agent_files: Vec<PathBuf>,
    /// The file it came from, if any.
    pub source: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            database: None,
            policy: Policy::preset("default").unwrap_or_else(|| unreachable!("shipped preset")),
            checklists: checklist::defaults(),
            runbook_dirs: Vec::new(),
            step_timeout: DEFAULT_STEP_TIMEOUT,
            rule_dirs: Vec::new(),
            agent_files: Vec::new(),
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
        Ok(Config {
            database: file.database,
            policy,
            checklists,
            runbook_dirs,
            step_timeout,
            rule_dirs: file.detect.rules.iter().map(|d| base.join(d)).collect(),
            agent_files: file.detect.agents.iter().map(|d| base.join(d)).collect(),
            source: Some(path.to_path_buf()),
        })
    }
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
}
