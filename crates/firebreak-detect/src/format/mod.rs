//! Log formats: turning one line into a [`Record`], and guessing the format from an input's
//! first lines.
//!
//! One module per format — [`combined`](Format::Combined) (and `common`, and Apache's
//! [`vhost_combined`](Format::VhostCombined) which wraps it), nginx and Apache error logs,
//! Linux [audit records](Format::Audit), custom nginx
//! [`LogFormat`] strings, [`JsonFormat`] lines with a field mapping, [`SyslogFormat`] — plus
//! the field readers they share and [`auth`], which reads sshd and sudo messages. What the user
//! writes to choose a format is a [`FormatConfig`]; [`FormatConfig::build`] turns it into a
//! [`Format`]. Every parser treats its line as hostile: it borrows from it, allocates only to
//! unescape, and answers a line it cannot read with [`Malformed`] (never a panic), in time
//! linear in the line's length.

mod apache_error;
mod audit;
pub mod auth;
mod combined;
mod config;
mod counted;
pub(crate) mod cri;
mod detect;
mod dropbear;
mod fields;
mod jsonl;
mod log_format;
mod nginx_error;
mod relayed;
mod sshd;
mod syslog;
mod vhost;

use std::fmt;

pub(crate) use combined::Access;
pub use config::{FormatConfig, FormatError};
pub(crate) use counted::Counted;
pub use cri::CriFormat;
pub(crate) use fields::Client;
pub use jsonl::JsonFormat;
pub use log_format::LogFormat;
pub use syslog::SyslogFormat;

use crate::record::Record;

/// Why a line did not parse: where (byte column from 1) and what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    /// Byte column, from 1, where parsing stopped.
    pub column: usize,
    /// What was expected there.
    pub reason: &'static str,
}

impl Malformed {
    /// A mistake at byte index `index` (from 0) of the line.
    pub(crate) fn at(index: usize, reason: &'static str) -> Malformed {
        Malformed {
            column: index.saturating_add(1),
            reason,
        }
    }
}

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "column {}: {}", self.column, self.reason)
    }
}

impl std::error::Error for Malformed {}

/// A log format, ready to parse lines.
#[derive(Debug, Clone)]
pub enum Format {
    /// nginx/apache `combined`: `common` plus the quoted referer and user agent (fields
    /// appended after the agent are ignored).
    Combined,
    /// nginx/apache `common`: client, ident, user, time, request, status, size.
    Common,
    /// Apache `vhost_combined`: the virtual host and port, then a `combined` line.
    VhostCombined,
    /// nginx `error_log` lines: level, message, and the client nginx appends.
    NginxError,
    /// Apache httpd error-log lines (2.4's default `ErrorLogFormat`, and 2.2's).
    ApacheError,
    /// Linux audit records (`/var/log/audit/audit.log`): PAM, sshd and sudo outcomes.
    Audit,
    /// A custom nginx `log_format` string.
    LogFormat(LogFormat),
    /// JSON lines with a field mapping.
    Json(JsonFormat),
    /// Syslog: RFC 3164, RFC 5424, journald short-iso.
    Syslog(SyslogFormat),
    /// Lines of another format wrapped by a container runtime (`… stdout F {…}`).
    Cri(Box<CriFormat>),
}

impl Format {
    /// The format's name as `--format` takes it (a custom format's label).
    pub fn name(&self) -> &str {
        match self {
            Format::Combined => "combined",
            Format::Common => "common",
            Format::VhostCombined => "vhost_combined",
            Format::NginxError => "nginx_error",
            Format::ApacheError => "apache_error",
            Format::Audit => "auditd",
            Format::LogFormat(format) => format.label(),
            Format::Json(_) => "json",
            Format::Syslog(_) => "syslog",
            Format::Cri(format) => format.label(),
        }
    }

    /// Parses one line (without its newline).
    pub fn parse<'a>(&self, line: &'a [u8]) -> Result<Record<'a>, Malformed> {
        match self {
            Format::Combined => combined::parse(line, true),
            Format::Common => combined::parse(line, false),
            Format::VhostCombined => vhost::parse(line),
            Format::NginxError => nginx_error::parse(line),
            Format::ApacheError => apache_error::parse(line),
            Format::Audit => audit::parse(line),
            Format::LogFormat(format) => format.parse(line),
            Format::Json(format) => format.parse(line),
            Format::Syslog(format) => format.parse(line),
            Format::Cri(format) => format.parse(line),
        }
    }

    /// The fields of a `combined`, `common` or `vhost_combined` line as found, without building a [`Record`]
    /// (triage's hot path); `None` for the other formats.
    #[inline]
    pub(crate) fn access<'a>(&self, line: &'a [u8]) -> Option<Result<Access<'a>, Malformed>> {
        match self {
            Format::Combined => Some(combined::access(line, true)),
            Format::Common => Some(combined::access(line, false)),
            Format::VhostCombined => Some(vhost::access(line)),
            Format::Cri(format) => format.access(line),
            _ => None,
        }
    }

    /// Guesses the format from the first lines of an input: each built-in format is tried on
    /// up to 64 non-empty lines, and the one that reads the most wins if it reads at least half
    /// of them. Ties go to the more specific format: `vhost_combined` (whose lines `combined`
    /// would read with the wrong client), then `combined` (which needs the agent), `common`,
    /// the nginx and Apache error logs, audit records, syslog, JSON. Custom `log_format`s are never guessed. When at least half the lines are
    /// wrapped by a container runtime, the wrappers' full inner lines are detected instead
    /// (and nothing is guessed if they are of no known format).
    pub fn detect(lines: &[&[u8]]) -> Option<Format> {
        detect::detect(lines)
    }
}

impl std::str::FromStr for Format {
    type Err = FormatError;

    /// `combined`, `common`, `vhost_combined`, `nginx_error`, `apache_error`, `auditd`, `syslog` (BSD dates in their most likely year), `json` (default
    /// field mapping).
    fn from_str(name: &str) -> Result<Format, FormatError> {
        FormatConfig {
            name: Some(name.to_owned()),
            ..FormatConfig::default()
        }
        .build()
    }
}
