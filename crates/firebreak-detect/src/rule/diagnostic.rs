//! Mistakes in rule files, positioned as `FILE:LINE:COL: message` (line and column from 1,
//! columns counted in characters), whether the YAML itself is wrong or a rule means nothing.

use std::fmt;
use std::path::PathBuf;

use serde_saphyr::Location;

/// One mistake in a rule file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file, as named to the loader (`built-in http-auth.yaml` for shipped rules).
    pub file: String,
    /// Line, from 1 (0 when the mistake is about the whole file).
    pub line: usize,
    /// Column in characters, from 1 (0 when unknown).
    pub column: usize,
    /// What is wrong, and what was expected.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(
                f,
                "{}:{}:{}: {}",
                self.file, self.line, self.column, self.message
            )
        }
    }
}

/// Why rules could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The rules directory could not be listed.
    #[error("cannot read rules directory {}: {source}", path.display())]
    Dir {
        /// The directory.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// One or more files have mistakes; every one found is listed.
    #[error("{}", Lines(diagnostics))]
    Invalid {
        /// The mistakes, in file order.
        diagnostics: Vec<Diagnostic>,
    },
}

struct Lines<'a>(&'a [Diagnostic]);

impl fmt::Display for Lines<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

/// A position in a rule file, as `serde_saphyr` reports it.
pub(crate) fn position(at: Location) -> (usize, usize) {
    (at.line() as usize, at.column() as usize)
}

/// Collects the mistakes of one file.
#[derive(Debug)]
pub(crate) struct Report<'f> {
    file: &'f str,
    pub(crate) found: Vec<Diagnostic>,
}

impl<'f> Report<'f> {
    pub(crate) fn new(file: &'f str) -> Report<'f> {
        Report {
            file,
            found: Vec::new(),
        }
    }

    pub(crate) fn file(&self) -> &'f str {
        self.file
    }

    /// Records a mistake at `at`.
    pub(crate) fn at(&mut self, at: Location, message: impl Into<String>) {
        let (line, column) = position(at);
        self.found.push(Diagnostic {
            file: self.file.to_owned(),
            line,
            column,
            message: message.into(),
        });
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.found.is_empty()
    }
}

/// A YAML or shape error from `serde_saphyr`, positioned. The library places "unknown field"
/// at the start of the mapping; the key itself is found in the text when it can be.
pub(crate) fn from_yaml(file: &str, text: &str, error: &serde_saphyr::Error) -> Diagnostic {
    let inner = error.without_snippet();
    let (mut line, mut column) = inner.location().map_or((0, 0), position);
    let mut message = describe(inner);
    if let Some(name) = unknown_field(&message)
        && let Some((l, c)) = find_key(text, line, column, &name)
    {
        (line, column) = (l, c);
    }
    if let Some(rest) = message.strip_prefix("unknown field ") {
        message = format!("unknown key {rest}");
    }
    Diagnostic {
        file: file.to_owned(),
        line,
        column,
        message,
    }
}

/// The library's message without its own " at line L, column C" suffix, its terse shape
/// errors said in the rule language's words.
fn describe(error: &serde_saphyr::Error) -> String {
    let shown = error.to_string();
    let message = match shown.rfind(" at line ") {
        Some(at) if shown[at..].contains(", column ") => &shown[..at],
        _ => shown.as_str(),
    };
    let plain = match message {
        "unexpected event: expected string scalar" => {
            "expected a single value (a text or a number) here"
        }
        "unexpected event: expected sequence start" => "expected a list here",
        "unexpected event: expected mapping start" => {
            "expected a mapping (`key: value` lines) here"
        }
        "invalid u64" => "expected a whole number, 0 or more",
        "invalid bool" => "expected true or false",
        other => other,
    };
    plain.to_owned()
}

/// The field name of an "unknown field `x`, expected …" message.
fn unknown_field(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    let end = rest.find('`')?;
    Some(rest[..end].to_owned())
}

/// The first place at or after (line, column) where `name` is written as a mapping key.
fn find_key(text: &str, line: usize, column: usize, name: &str) -> Option<(usize, usize)> {
    if name.is_empty() {
        return None;
    }
    for (index, row) in text.lines().enumerate().skip(line.saturating_sub(1)) {
        let chars: Vec<char> = row.chars().collect();
        let start = if index + 1 == line {
            column.saturating_sub(1)
        } else {
            0
        };
        let wanted: Vec<char> = name.chars().collect();
        let mut at = start;
        while at + wanted.len() <= chars.len() {
            if is_key_at(&chars, at, &wanted) {
                return Some((index + 1, at + 1));
            }
            at += 1;
        }
    }
    None
}

fn is_key_at(chars: &[char], at: usize, name: &[char]) -> bool {
    let before_ok = at == 0
        || chars
            .get(at - 1)
            .is_some_and(|c| c.is_whitespace() || matches!(c, '{' | ',' | '-' | '"' | '\''));
    if !before_ok || chars.get(at..at + name.len()) != Some(name) {
        return false;
    }
    let mut after = at + name.len();
    if matches!(chars.get(after), Some('"' | '\'')) {
        after += 1;
    }
    while chars.get(after).is_some_and(|c| *c == ' ') {
        after += 1;
    }
    chars.get(after) == Some(&':')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_found_after_the_mapping_start() {
        let text = "rules:\n  - id: a\n    bogus: 1\n    x: { a: 1, bogus: 2 }\n";
        assert_eq!(find_key(text, 2, 5, "bogus"), Some((3, 5)));
        assert_eq!(find_key(text, 4, 8, "bogus"), Some((4, 16)));
        assert_eq!(find_key(text, 2, 5, "nothere"), None);
    }
}
