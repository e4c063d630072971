//! A positioned finding about a runbook file: what the parser and `lint` report.

use std::fmt;

use serde::Serialize;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Worth knowing; the runbook still works as written.
    Warning,
    /// The runbook does not mean what its author meant, or cannot run safely.
    Error,
}

/// One finding, at a line and column (both from 1; the column counts characters).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Line, from 1.
    pub line: u32,
    /// Column, from 1, in characters.
    pub col: u32,
    /// Warning or error.
    pub level: Level,
    /// A stable short name for the rule (`unterminated-fence`).
    pub code: &'static str,
    /// What is wrong, in one sentence.
    pub message: String,
}

impl Diagnostic {
    /// An error at `line:col`.
    pub fn error(line: u32, col: u32, code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            line,
            col,
            level: Level::Error,
            code,
            message: message.into(),
        }
    }

    /// A warning at `line:col`.
    pub fn warning(line: u32, col: u32, code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            line,
            col,
            level: Level::Warning,
            code,
            message: message.into(),
        }
    }
}

impl fmt::Display for Diagnostic {
    /// `LINE:COL: LEVEL[CODE]: MESSAGE`; callers put the file name in front.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.level {
            Level::Warning => "warning",
            Level::Error => "error",
        };
        write!(
            f,
            "{}:{}: {level}[{}]: {}",
            self.line, self.col, self.code, self.message
        )
    }
}

/// Maps byte offsets in a text to lines and character columns.
pub(crate) struct Lines<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> Lines<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(memchr_newlines(text).map(|i| i + 1));
        Lines { text, starts }
    }

    /// Line and column (both from 1) of byte `offset`.
    pub(crate) fn position(&self, offset: usize) -> (u32, u32) {
        let offset = offset.min(self.text.len());
        let line = self
            .starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1);
        let start = self.starts[line];
        let col = self
            .text
            .get(start..offset)
            .map_or(1, |s| s.chars().count() + 1);
        (to_u32(line + 1), to_u32(col))
    }
}

fn memchr_newlines(text: &str) -> impl Iterator<Item = usize> + '_ {
    text.bytes()
        .enumerate()
        .filter(|&(_, b)| b == b'\n')
        .map(|(i, _)| i)
}

pub(crate) fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
