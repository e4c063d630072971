//! The test cases rule files carry, and running them: each case feeds its lines, parsed in
//! its format, to an engine holding only its own file's rules, then compares the findings
//! with the ones it expects — every expected finding raised with its count, and nothing else.
//! `firebreak rules test` prints the outcomes.

use std::fmt;
use std::sync::Arc;

use serde_saphyr::Spanned;

use crate::addr::Addr;
use crate::format::Format;
use crate::record::Field;
use crate::rule::config::{LinePiece, TestCaseConfig};
use crate::rule::definition::Rule;
use crate::rule::diagnostic::{Report, position};
use crate::rule::engine::Engine;
use crate::rule::fields::resolve_field;
use crate::rule::finding::Finding;
use crate::rule::set::RuleSet;

/// Most input lines one test case may expand to.
const MAX_TEST_LINES: u64 = 200_000;
/// Lines that fail to parse are reported up to this many per case.
const MAX_PARSE_FAILURES: usize = 5;

/// A test case, checked and expanded.
#[derive(Debug, Clone)]
pub struct TestCase {
    /// The rule file.
    pub file: String,
    /// What the case shows.
    pub name: String,
    /// Where the case starts in the file.
    pub line: usize,
    /// Its column.
    pub column: usize,
    /// The lines' format, when the case or its rules name one (else detected).
    pub format: Option<String>,
    /// The input, one log line each.
    pub lines: Vec<String>,
    /// The findings expected.
    pub expect: Vec<Expected>,
    rules: Vec<Arc<Rule>>,
}

/// One expected finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    /// The rule id.
    pub rule: String,
    /// The key, canonical field names, in the order written.
    pub key: Vec<(String, String)>,
    /// The exact count, if given.
    pub count: Option<u64>,
    /// The least count, if given.
    pub at_least: Option<u64>,
}

/// How one test case went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestOutcome {
    /// The rule file.
    pub file: String,
    /// The case's name.
    pub name: String,
    /// Where the case starts.
    pub line: usize,
    /// Its column.
    pub column: usize,
    /// What differed from what the case expects; empty when it passed.
    pub failures: Vec<String>,
}

impl TestOutcome {
    /// Whether everything was as expected.
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

impl fmt::Display for TestOutcome {
    /// `ok   FILE:LINE name`, or `FAIL FILE:LINE name` followed by one indented line per
    /// difference.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verdict = if self.passed() { "ok  " } else { "FAIL" };
        write!(f, "{verdict} {}:{} {}", self.file, self.line, self.name)?;
        for failure in &self.failures {
            write!(f, "\n       {failure}")?;
        }
        Ok(())
    }
}

/// Runs every test case of a set, in order.
pub fn run(set: &RuleSet) -> Vec<TestOutcome> {
    set.tests().iter().map(run_case).collect()
}

/// Runs one test case.
pub fn run_case(case: &TestCase) -> TestOutcome {
    let mut outcome = TestOutcome {
        file: case.file.clone(),
        name: case.name.clone(),
        line: case.line,
        column: case.column,
        failures: Vec::new(),
    };
    match findings_of(case) {
        Ok(findings) => outcome.failures = compare(&case.expect, &findings),
        Err(failures) => outcome.failures = failures,
    }
    outcome
}

/// Parses and feeds the case's lines; the findings, or why the lines could not be read.
fn findings_of(case: &TestCase) -> Result<Vec<Finding>, Vec<String>> {
    let raw: Vec<&[u8]> = case.lines.iter().map(|l| l.as_bytes()).collect();
    let format = match &case.format {
        Some(name) => name
            .parse::<Format>()
            .map_err(|e| vec![format!("format {name:?}: {e}")])?,
        None => {
            let head = raw.get(..64).unwrap_or(&raw);
            Format::detect(head).ok_or_else(|| {
                vec!["cannot tell the lines' format: add `format:` to the case".to_owned()]
            })?
        }
    };
    let set = RuleSet::shared(case.rules.clone());
    let mut engine = Engine::new(&set);
    let mut failures = Vec::new();
    for (index, line) in raw.iter().enumerate() {
        let number = index as u64 + 1;
        match format.parse(line) {
            Ok(record) => {
                engine.push(&case.file, number, line, &record);
            }
            Err(malformed) => {
                if failures.len() < MAX_PARSE_FAILURES {
                    failures.push(format!(
                        "input line {number} is not {} (column {}: {})",
                        format.name(),
                        malformed.column,
                        malformed.reason
                    ));
                }
            }
        }
    }
    if failures.is_empty() {
        Ok(engine.findings())
    } else {
        Err(failures)
    }
}

/// Every difference between the findings expected and those raised.
fn compare(expect: &[Expected], findings: &[Finding]) -> Vec<String> {
    let mut failures = Vec::new();
    let mut used = vec![false; findings.len()];
    for wanted in expect {
        let wanted_key = normalized(&wanted.key);
        let found = findings
            .iter()
            .enumerate()
            .find(|(i, f)| !used[*i] && f.rule == wanted.rule && normalized(&f.key) == wanted_key);
        let Some((index, finding)) = found else {
            let others: Vec<String> = findings
                .iter()
                .filter(|f| f.rule == wanted.rule)
                .map(Finding::key_text)
                .collect();
            let also = if others.is_empty() {
                String::new()
            } else {
                format!(" (it was raised for {})", others.join("; "))
            };
            failures.push(format!(
                "expected {} for {}, but it was not raised{also}",
                wanted.rule,
                key_text(&wanted.key)
            ));
            continue;
        };
        used[index] = true;
        if let Some(count) = wanted.count
            && finding.count != count
        {
            failures.push(format!(
                "{} for {}: count {}, expected {count}",
                wanted.rule,
                key_text(&wanted.key),
                finding.count
            ));
        }
        if let Some(least) = wanted.at_least
            && finding.count < least
        {
            failures.push(format!(
                "{} for {}: count {}, expected at least {least}",
                wanted.rule,
                key_text(&wanted.key),
                finding.count
            ));
        }
    }
    for (finding, used) in findings.iter().zip(used) {
        if !used {
            failures.push(format!(
                "unexpected {} for {} (count {})",
                finding.rule,
                finding.key_text(),
                finding.count
            ));
        }
    }
    failures
}

/// A key for comparison: sorted by field, addresses in one spelling.
fn normalized(key: &[(String, String)]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = key
        .iter()
        .map(|(field, value)| {
            let value = match Addr::parse(value.trim().as_bytes()) {
                Some(addr) if field == Field::Client.name() => addr.to_string(),
                _ => value.clone(),
            };
            (field.clone(), value)
        })
        .collect();
    out.sort();
    out
}

fn key_text(key: &[(String, String)]) -> String {
    if key.is_empty() {
        return "(all lines)".into();
    }
    let parts: Vec<String> = key.iter().map(|(f, v)| format!("{f}={v}")).collect();
    parts.join(" ")
}

impl TestCase {
    /// Checks a case against its file's rules; `None` (with mistakes reported) when it names
    /// rules or fields that do not exist, or expands to too many lines.
    pub(crate) fn build(
        config: &Spanned<TestCaseConfig>,
        rules: &[Arc<Rule>],
        report: &mut Report<'_>,
    ) -> Option<TestCase> {
        let case = &config.value;
        let mut ok = true;
        let format = match &case.format {
            Some(name) => {
                if let Err(error) = name.value.parse::<Format>() {
                    report.at(name.referenced, error.to_string());
                    ok = false;
                }
                Some(name.value.clone())
            }
            None => {
                let mut named = rules.iter().filter_map(|r| r.format.clone());
                let first = named.next();
                match first {
                    Some(f) if named.all(|other| other == f) => Some(f),
                    _ => None,
                }
            }
        };
        let mut lines = Vec::new();
        let mut total: u64 = 0;
        for piece in &case.lines.value.pieces {
            match piece {
                LinePiece::Text(text) => {
                    for line in text.lines().filter(|l| !l.trim().is_empty()) {
                        total += 1;
                        if total <= MAX_TEST_LINES {
                            lines.push(line.to_owned());
                        }
                    }
                }
                LinePiece::Repeat(repeat) => {
                    total = total.saturating_add(repeat.repeat);
                    if total <= MAX_TEST_LINES {
                        for n in 1..=repeat.repeat {
                            lines.push(repeat.line.replace("{n}", &n.to_string()));
                        }
                    }
                }
            }
        }
        if total > MAX_TEST_LINES {
            report.at(
                case.lines.referenced,
                format!("a test case has at most {MAX_TEST_LINES} lines; this one has {total}"),
            );
            ok = false;
        }
        let mut expect = Vec::new();
        for wanted in &case.expect {
            let wanted_rule = &wanted.value.rule;
            if !rules.iter().any(|r| r.id == wanted_rule.value) {
                let ids: Vec<&str> = rules.iter().map(|r| r.id.as_str()).collect();
                report.at(
                    wanted_rule.referenced,
                    format!(
                        "no rule {:?} in this file (its rules: {})",
                        wanted_rule.value,
                        ids.join(", ")
                    ),
                );
                ok = false;
            }
            let mut key = Vec::new();
            for (field, value) in &wanted.value.key.pairs {
                match resolve_field(&field.value) {
                    Ok(resolved) => key.push((resolved.name().to_owned(), value.clone())),
                    Err(message) => {
                        report.at(field.referenced, message);
                        ok = false;
                    }
                }
            }
            expect.push(Expected {
                rule: wanted_rule.value.clone(),
                key,
                count: wanted.value.count,
                at_least: wanted.value.at_least,
            });
        }
        let (line, column) = position(config.referenced);
        ok.then(|| TestCase {
            file: report.file().to_owned(),
            name: case.name.value.clone(),
            line,
            column,
            format,
            lines,
            expect,
            rules: rules.to_vec(),
        })
    }
}
