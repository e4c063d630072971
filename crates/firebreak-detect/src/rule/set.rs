//! Sets of rules and where they come from: the built-in files (embedded at build time from
//! `rules/*.yaml`), a directory of the user's files, or one text. Loading checks every file
//! completely and reports all mistakes; a set with any mistake is not returned.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use crate::agents::Agents;
use crate::rule::config::FileConfig;
use crate::rule::definition::Rule;
use crate::rule::diagnostic::{self, Diagnostic, LoadError, Report};
use crate::rule::test::TestCase;

/// Largest rule file read.
const MAX_FILE_BYTES: u64 = 1 << 20;
/// Deepest YAML nesting a rule file may use.
const MAX_YAML_DEPTH: usize = 64;

mod embedded {
    // `BUILTIN_FILES: &[(&str, &str)]`: (file name, text) of every `rules/*.yaml`.
    include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));
}

/// Rules ready to run, with the test cases their files carry.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    rules: Vec<Arc<Rule>>,
    tests: Vec<TestCase>,
}

impl RuleSet {
    /// The rules shipped with firebreak (`rules/*.yaml`), with the shipped agent lists.
    /// A shipped file with a mistake is left out (the crate's tests keep that from happening).
    pub fn builtin() -> RuleSet {
        let agents = Agents::builtin();
        let mut set = RuleSet::default();
        let mut seen = HashMap::new();
        for (name, text) in RuleSet::builtin_files() {
            let origin = format!("built-in {name}");
            if let Ok(file) = parse_file(&origin, text, &agents, &mut seen) {
                set.extend(file);
            }
        }
        set
    }

    /// The shipped rule files, as `(file name, text)`, in name order.
    pub fn builtin_files() -> &'static [(&'static str, &'static str)] {
        embedded::BUILTIN_FILES
    }

    /// The shipped rules built with other agent lists, every mistake reported.
    pub fn builtin_with(agents: &Agents) -> Result<RuleSet, LoadError> {
        let files = RuleSet::builtin_files()
            .iter()
            .map(|(name, text)| (format!("built-in {name}"), Ok((*text).to_owned())));
        load_all(files, agents)
    }

    /// Every `*.yaml` and `*.yml` file in a directory (not its subdirectories), in name
    /// order, with the shipped agent lists.
    pub fn load_dir(dir: &Path) -> Result<RuleSet, LoadError> {
        RuleSet::load_dir_with(dir, &Agents::builtin())
    }

    /// [`RuleSet::load_dir`] with other agent lists.
    pub fn load_dir_with(dir: &Path, agents: &Agents) -> Result<RuleSet, LoadError> {
        let listing = std::fs::read_dir(dir).map_err(|source| LoadError::Dir {
            path: dir.to_owned(),
            source,
        })?;
        let mut paths = Vec::new();
        for entry in listing {
            let entry = entry.map_err(|source| LoadError::Dir {
                path: dir.to_owned(),
                source,
            })?;
            let path = entry.path();
            let is_yaml = path.extension().is_some_and(|e| e == "yaml" || e == "yml");
            if is_yaml && path.is_file() {
                paths.push(path);
            }
        }
        paths.sort();
        let files = paths
            .into_iter()
            .map(|path| (path.display().to_string(), read_bounded(&path)));
        load_all(files, agents)
    }

    /// One file's text, named `file` in diagnostics, with the shipped agent lists.
    pub fn parse(file: &str, text: &str) -> Result<RuleSet, LoadError> {
        RuleSet::parse_with(file, text, &Agents::builtin())
    }

    /// [`RuleSet::parse`] with other agent lists.
    pub fn parse_with(file: &str, text: &str, agents: &Agents) -> Result<RuleSet, LoadError> {
        parse_file(file, text, agents, &mut HashMap::new())
            .map_err(|diagnostics| LoadError::Invalid { diagnostics })
    }

    /// This set with `other`'s rules added; a rule of `other` with the id of one here
    /// replaces it (in place). Test cases of both are kept; each runs its own file's rules.
    pub fn with(mut self, other: RuleSet) -> RuleSet {
        for rule in other.rules {
            match self.rules.iter_mut().find(|r| r.id == rule.id) {
                Some(slot) => *slot = rule,
                None => self.rules.push(rule),
            }
        }
        self.tests.extend(other.tests);
        self
    }

    /// A set of exactly these rules, without test cases.
    pub fn from_rules(rules: Vec<Rule>) -> RuleSet {
        RuleSet {
            rules: rules.into_iter().map(Arc::new).collect(),
            tests: Vec::new(),
        }
    }

    /// The rules, in load order.
    pub fn rules(&self) -> &[Arc<Rule>] {
        &self.rules
    }

    /// The rule with this id.
    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id).map(|r| &**r)
    }

    /// The test cases the files carry.
    pub fn tests(&self) -> &[TestCase] {
        &self.tests
    }

    /// How many rules.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Whether there are no rules.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    fn extend(&mut self, other: RuleSet) {
        self.rules.extend(other.rules);
        self.tests.extend(other.tests);
    }

    pub(crate) fn shared(rules: Vec<Arc<Rule>>) -> RuleSet {
        RuleSet {
            rules,
            tests: Vec::new(),
        }
    }
}

fn read_bounded(path: &Path) -> Result<String, String> {
    let size = std::fs::metadata(path)
        .map_err(|e| format!("cannot read: {e}"))?
        .len();
    if size > MAX_FILE_BYTES {
        return Err(format!(
            "the file is {size} bytes; rule files are limited to {MAX_FILE_BYTES}"
        ));
    }
    std::fs::read_to_string(path).map_err(|e| format!("cannot read: {e}"))
}

/// Loads files in order, ids unique across all of them, every mistake collected.
fn load_all(
    files: impl Iterator<Item = (String, Result<String, String>)>,
    agents: &Agents,
) -> Result<RuleSet, LoadError> {
    let mut set = RuleSet::default();
    let mut diagnostics = Vec::new();
    let mut seen = HashMap::new();
    for (name, text) in files {
        let parsed = text
            .map_err(|message| {
                vec![Diagnostic {
                    file: name.clone(),
                    line: 0,
                    column: 0,
                    message,
                }]
            })
            .and_then(|text| parse_file(&name, &text, agents, &mut seen));
        match parsed {
            Ok(file) => set.extend(file),
            Err(found) => diagnostics.extend(found),
        }
    }
    if diagnostics.is_empty() {
        Ok(set)
    } else {
        Err(LoadError::Invalid { diagnostics })
    }
}

/// Parses and builds one file. `seen` maps rule ids already loaded to where they were
/// defined, so a second definition is reported.
fn parse_file(
    name: &str,
    text: &str,
    agents: &Agents,
    seen: &mut HashMap<String, String>,
) -> Result<RuleSet, Vec<Diagnostic>> {
    let options = serde_saphyr::Options {
        with_snippet: false,
        // Conditions nest at most 16 deep (two YAML levels each); a shallow limit keeps
        // hostile nesting from exhausting the stack while the YAML is read.
        budget: Some(serde_saphyr::Budget {
            max_depth: MAX_YAML_DEPTH,
            ..serde_saphyr::Budget::default()
        }),
        ..serde_saphyr::Options::default()
    };
    let config: FileConfig = serde_saphyr::from_str_with_options(text, options)
        .map_err(|error| vec![diagnostic::from_yaml(name, text, &error)])?;
    let mut report = Report::new(name);
    if config.rules.value.is_empty() {
        report.at(
            config.rules.referenced,
            "a rule file holds at least one rule",
        );
    }
    let mut rules = Vec::new();
    for rule in &config.rules.value {
        let Some(built) = rule.value.build_into(&mut report, agents) else {
            continue;
        };
        if let Some(first) = seen.get(&built.id) {
            report.at(
                rule.value.id.referenced,
                format!(
                    "duplicate rule id {:?} (first defined at {first})",
                    built.id
                ),
            );
            continue;
        }
        seen.insert(built.id.clone(), built.origin.clone());
        rules.push(Arc::new(built));
    }
    let mut tests = Vec::new();
    for case in &config.tests {
        if let Some(built) = TestCase::build(case, &rules, &mut report) {
            tests.push(built);
        }
    }
    if report.is_empty() {
        Ok(RuleSet { rules, tests })
    } else {
        Err(report.found)
    }
}
