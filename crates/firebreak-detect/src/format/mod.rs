//! Log formats: turning one line into a [`Record`]. (Interface fixed; the parsers are being
//! written — see the per-format modules.)

use crate::record::Record;

/// Why a line did not parse: where (byte column from 1) and what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    /// Byte column, from 1, where parsing stopped.
    pub column: usize,
    /// What was expected there.
    pub reason: &'static str,
}

/// A log format, ready to parse lines.
#[derive(Debug, Clone)]
pub enum Format {
    /// nginx/apache `combined`.
    Combined,
    /// nginx/apache `common`.
    Common,
}

impl Format {
    /// The format's name as `--format` takes it.
    pub fn name(&self) -> &str {
        match self {
            Format::Combined => "combined",
            Format::Common => "common",
        }
    }

    /// Parses one line (without its newline).
    pub fn parse<'a>(&self, _line: &'a [u8]) -> Result<Record<'a>, Malformed> {
        Err(Malformed {
            column: 1,
            reason: "not yet implemented",
        })
    }

    /// Guesses the format from the first lines of an input (at most 64 are looked at).
    pub fn detect(_lines: &[&[u8]]) -> Option<Format> {
        None
    }
}

impl std::str::FromStr for Format {
    type Err = String;

    /// `combined`, `common`, `syslog`, `json` (default field mapping).
    fn from_str(name: &str) -> Result<Format, String> {
        match name {
            "combined" => Ok(Format::Combined),
            "common" => Ok(Format::Common),
            other => Err(format!("unknown log format {other:?}")),
        }
    }
}
