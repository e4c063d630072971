//! What the user writes to choose a log format, and its checks: a [`FormatConfig`] (from a
//! config file or flags) builds into a [`Format`], or says precisely what is wrong with it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{CriFormat, Format, JsonFormat, LogFormat, SyslogFormat};

/// Names of the built-in formats.
const BUILT_IN: [&str; 8] = [
    "combined",
    "common",
    "json",
    "syslog",
    "vhost_combined",
    "nginx_error",
    "apache_error",
    "auditd",
];

/// A log format as the user describes it.
///
/// ```toml
/// name = "json"
/// fields = { client = "remote.ip", time = "ts" }
/// ```
///
/// `name` picks a built-in format (`combined`, `common`, `vhost_combined`, `nginx_error`,
/// `apache_error`, `auditd`, `json`, `syslog`),
/// or one of them wrapped by a container runtime (`cri+json`, `cri+combined`, …); with
/// `log_format` it is only the custom format's label. `fields` is for `json`, `year` for `syslog`; either
/// alone implies its format.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormatConfig {
    /// A built-in format's name, or the label of a custom `log_format`.
    #[serde(default)]
    pub name: Option<String>,
    /// An nginx `log_format` string, e.g.
    /// `$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent`.
    #[serde(default)]
    pub log_format: Option<String>,
    /// For JSON lines: record field name → JSON key (dotted for nested objects). Names that
    /// are not record fields become extra fields.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, String>,
    /// For syslog: the year of BSD dates (`Nov 23 13:47:15`), which carry none. Without it,
    /// the most likely year is guessed from the current date.
    #[serde(default)]
    pub year: Option<i32>,
}

/// What is wrong with a format description.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    /// A name that is no built-in format.
    #[error(
        "unknown log format {name:?}: expected combined, common, vhost_combined, nginx_error, apache_error, json or syslog, or a log_format string"
    )]
    Unknown {
        /// The name given.
        name: String,
    },
    /// `auto` names no format: detection is what happens when none is given.
    #[error("\"auto\" is not a log format: leave the format out to detect it")]
    Auto,
    /// Neither a name nor a `log_format`.
    #[error("no log format given: set `name` or `log_format`")]
    Missing,
    /// A mistake in a `log_format` string.
    #[error("log_format, column {column}: {reason}")]
    LogFormat {
        /// Byte column in the string, from 1.
        column: usize,
        /// What was expected there.
        reason: &'static str,
    },
    /// A `log_format` labelled with a built-in format's name.
    #[error("a log_format cannot be named {name:?}, which is a built-in format")]
    LabelTaken {
        /// The name given.
        name: String,
    },
    /// A bad entry in the JSON field mapping.
    #[error("fields.{field}: {reason}")]
    JsonField {
        /// The record field the entry maps.
        field: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// A setting that does not apply to the chosen format.
    #[error("`{setting}` does not apply to the {format} format")]
    NotApplicable {
        /// `fields` or `year`.
        setting: &'static str,
        /// The format chosen.
        format: String,
    },
    /// A year out of range.
    #[error("year {0} is out of range (1 to 9999)")]
    Year(i32),
}

impl FormatConfig {
    /// The format this describes.
    pub fn build(&self) -> Result<Format, FormatError> {
        let name = self.name.as_deref();
        if let Some(source) = &self.log_format {
            if let Some(name) = name.filter(|n| BUILT_IN.contains(n) || *n == "auto") {
                return Err(FormatError::LabelTaken {
                    name: name.to_owned(),
                });
            }
            self.only("log_format", false, false)?;
            return Ok(Format::LogFormat(LogFormat::compile(
                name.unwrap_or("log_format"),
                source,
            )?));
        }
        let name = match name {
            Some(name) => name,
            None if !self.fields.is_empty() => "json",
            None if self.year.is_some() => "syslog",
            None => return Err(FormatError::Missing),
        };
        if let Some(inner) = name.strip_prefix("cri+") {
            let inner = FormatConfig {
                name: Some(inner.to_owned()),
                ..self.clone()
            }
            .build()?;
            if matches!(inner, Format::Cri(_)) {
                return Err(FormatError::Unknown {
                    name: name.to_owned(),
                });
            }
            return Ok(Format::Cri(Box::new(CriFormat::new(inner))));
        }
        match name {
            "combined" => self.only(name, false, false).map(|()| Format::Combined),
            "common" => self.only(name, false, false).map(|()| Format::Common),
            "nginx_error" => self.only(name, false, false).map(|()| Format::NginxError),
            "apache_error" => self.only(name, false, false).map(|()| Format::ApacheError),
            "auditd" => self.only(name, false, false).map(|()| Format::Audit),
            "vhost_combined" => self
                .only(name, false, false)
                .map(|()| Format::VhostCombined),
            "json" => {
                self.only(name, true, false)?;
                Ok(Format::Json(JsonFormat::with_fields(&self.fields)?))
            }
            "syslog" => {
                self.only(name, false, true)?;
                let year = match self.year {
                    Some(year) if !(1..=9999).contains(&year) => {
                        return Err(FormatError::Year(year));
                    }
                    year => year.map(i64::from),
                };
                Ok(Format::Syslog(SyslogFormat::new(year)))
            }
            "auto" => Err(FormatError::Auto),
            other => Err(FormatError::Unknown {
                name: other.to_owned(),
            }),
        }
    }

    /// Checks that `fields` and `year` are only set where `format` takes them.
    fn only(&self, format: &str, fields: bool, year: bool) -> Result<(), FormatError> {
        let misplaced = if !fields && !self.fields.is_empty() {
            Some("fields")
        } else if !year && self.year.is_some() {
            Some("year")
        } else {
            None
        };
        match misplaced {
            Some(setting) => Err(FormatError::NotApplicable {
                setting,
                format: format.to_owned(),
            }),
            None => Ok(()),
        }
    }
}
