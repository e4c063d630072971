//! `[[check]]` entries: what a team writes ([`CheckConfig`]) and what runs ([`Check`]).
//!
//! ```toml
//! [[check]]
//! name = "root-disk"
//! kind = "disk"            # cert, disk, port, process, http, oom, sqlite, prometheus, command
//! path = "/"
//! warn = 70                # % used (space or inodes, whichever is fuller)
//! critical = 90
//! every = "1m"             # how often `serve` runs it (default 60 s)
//! timeout = "10s"          # the probe's time limit (default 10 s); past it the result is unknown
//! severity = "P2"          # the incident level of a critical result (default: the policy's second level)
//! warn_severity = "P3"     # the level of a warn or unknown result (default: the third level)
//! runbook = "disk-full"    # suggested on the incident `--declare` opens
//! ```
//!
//! What each kind takes (`warn`/`critical` are numbers whose meaning depends on the kind):
//!
//! | kind | fields | `warn` / `critical` |
//! |---|---|---|
//! | `cert` | `path` (PEM file) or `endpoint` (`host:port`), `server_name`, `ca` (PEM roots) | days left, at or below (default 30 / 7) |
//! | `disk` | `path` | % used, at or above (default 70 / 90) |
//! | `port` | `port`, `protocol` (`tcp` or `udp`, default `tcp`), `address` | — (not listening is critical) |
//! | `process` | `process` (a name) or `pidfile` | — (not running is critical) |
//! | `http` | `url`, `status` (expected; default any 2xx) | latency in ms, at or above (optional) |
//! | `oom` | `since` (how far back, default `1h`) | OOM kills counted, at or above (default — / 1) |
//! | `sqlite` | `path`, `integrity` (`quick` or `full`, default `quick`) | — (any problem is critical) |
//! | `prometheus` | `url` (the server), `query` (PromQL), `compare` (`>`, `>=`, `<`, `<=`; default `>`) | the query's value |
//! | `command` | `command` (an argument list, run without a shell) | — (exit 0 ok, 1 warn, 2 critical, other unknown) |
//!
//! Mistakes (an unknown kind, a missing or foreign field, limits out of order, a level the
//! policy lacks) are reported with file:line:column when the config is loaded.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use super::status::{Direction, Thresholds};
use crate::policy::Policy;

/// How often `serve` runs a check when `every` is not given.
pub const DEFAULT_EVERY: Duration = Duration::from_secs(60);
/// A probe's time limit when `timeout` is not given.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// A certificate's default limits in days left: warn, critical.
pub const CERT_DAYS: (f64, f64) = (30.0, 7.0);
/// A disk's default limits in percent used: warn, critical.
pub const DISK_PERCENT: (f64, f64) = (70.0, 90.0);

/// The levels of a check that gives none: the policy's second for a critical result, its third
/// for warn and unknown (its last, when it has fewer).
pub fn default_levels(policy: &Policy) -> (String, String) {
    let levels = policy.levels();
    let nth = |i: usize| {
        levels
            .get(i.min(levels.len().saturating_sub(1)))
            .map(|l| l.name.clone())
            .unwrap_or_default()
    };
    (nth(1), nth(2))
}

/// One `[[check]]` entry as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckConfig {
    /// Unique name (letters, digits, `-`, `_`, `.`).
    pub name: Spanned<String>,
    /// What kind of check.
    pub kind: Spanned<String>,
    /// How often `serve` runs it.
    pub every: Option<Spanned<String>>,
    /// The probe's time limit.
    pub timeout: Option<Spanned<String>>,
    /// The incident level of a critical result.
    pub severity: Option<Spanned<String>>,
    /// The incident level of a warn or unknown result.
    pub warn_severity: Option<Spanned<String>>,
    /// The runbook suggested on the incident.
    pub runbook: Option<Spanned<String>>,
    /// The warning limit (meaning per kind).
    pub warn: Option<Spanned<f64>>,
    /// The critical limit (meaning per kind).
    pub critical: Option<Spanned<f64>>,
    /// `cert`: a PEM file; `disk`: a path on the filesystem; `sqlite`: the database file.
    pub path: Option<Spanned<PathBuf>>,
    /// `cert`: a TLS endpoint, `host:port`.
    pub endpoint: Option<Spanned<String>>,
    /// `cert`: the name the certificate must be valid for (an endpoint's host by default).
    pub server_name: Option<Spanned<String>>,
    /// `cert`: PEM file of the roots to trust instead of the system's.
    pub ca: Option<Spanned<PathBuf>>,
    /// `port`: the port number.
    pub port: Option<Spanned<i64>>,
    /// `port`: `tcp` or `udp`.
    pub protocol: Option<Spanned<String>>,
    /// `port`: only a listener on this address counts (any address by default).
    pub address: Option<Spanned<String>>,
    /// `process`: a process name (as in /proc/PID/comm, or the program of its command line).
    pub process: Option<Spanned<String>>,
    /// `process`: a file holding the process's PID.
    pub pidfile: Option<Spanned<PathBuf>>,
    /// `http`: the URL fetched; `prometheus`: the server's base URL.
    pub url: Option<Spanned<String>>,
    /// `http`: the expected status.
    pub status: Option<Spanned<i64>>,
    /// `prometheus`: the PromQL instant query.
    pub query: Option<Spanned<String>>,
    /// `prometheus`: how the value compares with the limits.
    pub compare: Option<Spanned<String>>,
    /// `oom`: how far back kills count.
    pub since: Option<Spanned<String>>,
    /// `sqlite`: `quick` or `full`.
    pub integrity: Option<Spanned<String>>,
    /// `command`: the program and its arguments.
    pub command: Option<Spanned<Vec<String>>>,
}

/// A check ready to run.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// Its name.
    pub name: String,
    /// How often `serve` runs it.
    pub every: Duration,
    /// The probe's time limit.
    pub timeout: Duration,
    /// The incident level of a critical result.
    pub severity: String,
    /// The incident level of a warn or unknown result.
    pub warn_severity: String,
    /// The runbook suggested on the incident.
    pub runbook: Option<String>,
    /// What it probes.
    pub probe: Probe,
}

/// `tcp` or `udp`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// A listening TCP socket.
    Tcp,
    /// A bound UDP socket (QUIC servers listen this way).
    Udp,
}

impl Protocol {
    /// `tcp` or `udp`.
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
        }
    }
}

/// What a check probes, per kind.
#[derive(Debug, Clone, PartialEq)]
pub enum Probe {
    /// A certificate in a PEM file, or served by a TLS endpoint.
    Cert {
        /// The PEM file, if the certificate is read from one.
        path: Option<PathBuf>,
        /// `(host, port)`, if it is fetched from a TLS endpoint.
        endpoint: Option<(String, u16)>,
        /// The name it must be valid for.
        server_name: Option<String>,
        /// Roots to trust instead of the system's.
        ca: Option<PathBuf>,
        /// Days left.
        limits: Thresholds,
    },
    /// Space and inodes of a filesystem.
    Disk {
        /// A path on it.
        path: PathBuf,
        /// Percent used.
        limits: Thresholds,
    },
    /// A listening socket.
    Port {
        /// The port.
        port: u16,
        /// TCP or UDP.
        protocol: Protocol,
        /// Only this local address counts.
        address: Option<IpAddr>,
    },
    /// A running process.
    Process {
        /// By name.
        name: Option<String>,
        /// By PID file.
        pidfile: Option<PathBuf>,
    },
    /// An HTTP answer.
    Http {
        /// The URL.
        url: String,
        /// The expected status (any 2xx when unset).
        status: Option<u16>,
        /// Latency in milliseconds, if limited.
        limits: Option<Thresholds>,
    },
    /// Kernel OOM kills.
    Oom {
        /// How far back.
        since: Duration,
        /// Kills counted.
        limits: Thresholds,
    },
    /// An SQLite integrity check.
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// `PRAGMA integrity_check` instead of `quick_check`.
        full: bool,
    },
    /// A Prometheus instant query.
    Prometheus {
        /// The server's base URL.
        url: String,
        /// The query.
        query: String,
        /// The value's limits.
        limits: Thresholds,
    },
    /// A program's exit status.
    Command {
        /// Program and arguments.
        argv: Vec<String>,
    },
}

impl Probe {
    /// The kind's name.
    pub fn kind(&self) -> &'static str {
        match self {
            Probe::Cert { .. } => "cert",
            Probe::Disk { .. } => "disk",
            Probe::Port { .. } => "port",
            Probe::Process { .. } => "process",
            Probe::Http { .. } => "http",
            Probe::Oom { .. } => "oom",
            Probe::Sqlite { .. } => "sqlite",
            Probe::Prometheus { .. } => "prometheus",
            Probe::Command { .. } => "command",
        }
    }

    /// What it looks at, in a few words (`/srv`, `udp 443`, `https://…`).
    pub fn target(&self) -> String {
        match self {
            Probe::Cert { path: Some(p), .. } => p.display().to_string(),
            Probe::Cert {
                endpoint: Some((h, p)),
                ..
            } => format!("{h}:{p}"),
            Probe::Cert { .. } => "?".into(),
            Probe::Disk { path, .. } | Probe::Sqlite { path, .. } => path.display().to_string(),
            Probe::Port {
                port,
                protocol,
                address,
            } => match address {
                Some(a) => format!("{} {a}:{port}", protocol.as_str()),
                None => format!("{} {port}", protocol.as_str()),
            },
            Probe::Process { name: Some(n), .. } => n.clone(),
            Probe::Process {
                pidfile: Some(p), ..
            } => p.display().to_string(),
            Probe::Process { .. } => "?".into(),
            Probe::Http { url, .. } => url.clone(),
            Probe::Oom { since, .. } => format!(
                "last {}",
                crate::duration::format(
                    jiff::SignedDuration::try_from(*since).unwrap_or(jiff::SignedDuration::ZERO),
                )
            ),
            Probe::Prometheus { query, .. } => query.clone(),
            Probe::Command { argv } => argv.join(" "),
        }
    }
}

/// The kinds there are.
pub const KINDS: &[&str] = &[
    "cert",
    "disk",
    "port",
    "process",
    "http",
    "oom",
    "sqlite",
    "prometheus",
    "command",
];

type Located = (usize, String);

/// Builds every `[[check]]` against `policy`; relative paths are relative to `base` (the config
/// file's directory). An error carries the byte offset it is about.
pub fn build_checks(
    entries: Vec<Spanned<CheckConfig>>,
    policy: &Policy,
    base: &Path,
) -> Result<Vec<Check>, Located> {
    let mut out: Vec<Check> = Vec::with_capacity(entries.len());
    for entry in entries {
        let at = entry.span().start;
        let entry = entry.into_inner();
        let name_at = entry.name.span().start;
        let check = entry.build(policy, base).map_err(|(o, m)| (o.max(at), m))?;
        if out.iter().any(|c| c.name == check.name) {
            return Err((name_at, format!("check {:?} is defined twice", check.name)));
        }
        out.push(check);
    }
    Ok(out)
}

impl CheckConfig {
    /// The fields given, by name, with where they are (for "does not apply" errors).
    fn given(&self) -> Vec<(&'static str, usize)> {
        fn at<T>(v: &Option<Spanned<T>>) -> Option<usize> {
            v.as_ref().map(|s| s.span().start)
        }
        [
            ("warn", at(&self.warn)),
            ("critical", at(&self.critical)),
            ("path", at(&self.path)),
            ("endpoint", at(&self.endpoint)),
            ("server_name", at(&self.server_name)),
            ("ca", at(&self.ca)),
            ("port", at(&self.port)),
            ("protocol", at(&self.protocol)),
            ("address", at(&self.address)),
            ("process", at(&self.process)),
            ("pidfile", at(&self.pidfile)),
            ("url", at(&self.url)),
            ("status", at(&self.status)),
            ("query", at(&self.query)),
            ("compare", at(&self.compare)),
            ("since", at(&self.since)),
            ("integrity", at(&self.integrity)),
            ("command", at(&self.command)),
        ]
        .into_iter()
        .filter_map(|(n, a)| a.map(|a| (n, a)))
        .collect()
    }

    fn build(self, policy: &Policy, base: &Path) -> Result<Check, Located> {
        let name = self.name.get_ref().trim().to_string();
        let name_at = self.name.span().start;
        if name.is_empty()
            || name.len() > 64
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        {
            return Err((
                name_at,
                "check.name: use up to 64 letters, digits, '-', '_' or '.'".into(),
            ));
        }
        let what = |field: &str| format!("check {name:?}: {field}");
        let kind = self.kind.get_ref().as_str();
        let kind_at = self.kind.span().start;
        let allowed: &[&str] = match kind {
            "cert" => &["warn", "critical", "path", "endpoint", "server_name", "ca"],
            "disk" => &["warn", "critical", "path"],
            "port" => &["port", "protocol", "address"],
            "process" => &["process", "pidfile"],
            "http" => &["warn", "critical", "url", "status"],
            "oom" => &["warn", "critical", "since"],
            "sqlite" => &["path", "integrity"],
            "prometheus" => &["warn", "critical", "url", "query", "compare"],
            "command" => &["command"],
            other => {
                return Err((
                    kind_at,
                    format!(
                        "{}: unknown kind {other:?}; use one of {}",
                        what("kind"),
                        KINDS.join(", ")
                    ),
                ));
            }
        };
        if let Some((field, at)) = self.given().into_iter().find(|(f, _)| !allowed.contains(f)) {
            return Err((
                at,
                format!("{}: does not apply to a {kind} check", what(field)),
            ));
        }
        let duration = |field: &str, v: &Option<Spanned<String>>, default: Duration| match v {
            Some(v) => crate::duration::parse_positive(v.get_ref())
                .map_err(|e| (v.span().start, format!("{}: {e}", what(field)))),
            None => Ok(default),
        };
        let every = duration("every", &self.every, DEFAULT_EVERY)?;
        let timeout = duration("timeout", &self.timeout, DEFAULT_TIMEOUT)?;
        let (default_severity, default_warn_severity) = default_levels(policy);
        let level = |field: &str, v: &Option<Spanned<String>>, default: String| match v {
            Some(v) => policy
                .level(v.get_ref())
                .map(|l| l.name.clone())
                .map_err(|e| (v.span().start, format!("{}: {e}", what(field)))),
            None => Ok(default),
        };
        let severity = level("severity", &self.severity, default_severity)?;
        let warn_severity = level("warn_severity", &self.warn_severity, default_warn_severity)?;
        let runbook = match &self.runbook {
            Some(r) => {
                let text = r.get_ref().trim();
                if text.is_empty() || text.len() > 100 || text.chars().any(char::is_control) {
                    return Err((
                        r.span().start,
                        format!("{}: give a runbook name of one line", what("runbook")),
                    ));
                }
                Some(text.to_string())
            }
            None => None,
        };
        let missing =
            |field: &str, hint: &str| (kind_at, format!("{}: missing ({hint})", what(field)));
        let text =
            |v: &Option<Spanned<String>>, field: &str, hint: &str| -> Result<String, Located> {
                match v {
                    Some(v) if !v.get_ref().trim().is_empty() => Ok(v.get_ref().trim().to_string()),
                    Some(v) => Err((v.span().start, format!("{}: is empty", what(field)))),
                    None => Err(missing(field, hint)),
                }
            };
        let path = |v: &Option<Spanned<PathBuf>>| v.as_ref().map(|p| base.join(p.get_ref()));
        let limits = |direction, inclusive, warn: Option<f64>, critical: Option<f64>| {
            let t = Thresholds {
                warn: self.warn.as_ref().map(|w| *w.get_ref()).or(warn),
                critical: self.critical.as_ref().map(|c| *c.get_ref()).or(critical),
                direction,
                inclusive,
            };
            let at = self
                .warn
                .as_ref()
                .or(self.critical.as_ref())
                .map_or(kind_at, |s| s.span().start);
            if [t.warn, t.critical]
                .iter()
                .flatten()
                .any(|v| !v.is_finite())
            {
                return Err((
                    at,
                    format!("{}: limits must be numbers", what("warn/critical")),
                ));
            }
            t.ordered()
                .map(|()| t)
                .map_err(|m| (at, format!("{}: {m}", what("warn/critical"))))
        };
        let url = |field: &str| -> Result<String, Located> {
            let u = text(&self.url, field, "an http:// or https:// URL")?;
            let lower = u.to_ascii_lowercase();
            if !(lower.starts_with("http://") || lower.starts_with("https://"))
                || u.chars().any(|c| c.is_whitespace() || c.is_control())
            {
                let at = self.url.as_ref().map_or(kind_at, |s| s.span().start);
                return Err((
                    at,
                    format!("{}: give an http:// or https:// URL", what(field)),
                ));
            }
            Ok(u)
        };
        let probe = match kind {
            "cert" => {
                let endpoint = match &self.endpoint {
                    Some(e) => Some(
                        host_port(e.get_ref())
                            .map_err(|m| (e.span().start, format!("{}: {m}", what("endpoint"))))?,
                    ),
                    None => None,
                };
                let file = path(&self.path);
                if file.is_some() == endpoint.is_some() {
                    return Err(missing(
                        "path/endpoint",
                        "give exactly one of path (a PEM file) or endpoint (host:port)",
                    ));
                }
                let server_name = match &self.server_name {
                    Some(_) => Some(text(&self.server_name, "server_name", "")?),
                    None => endpoint.as_ref().map(|(h, _)| h.clone()),
                };
                Probe::Cert {
                    path: file,
                    endpoint,
                    server_name,
                    ca: path(&self.ca),
                    limits: limits(Direction::Below, true, Some(CERT_DAYS.0), Some(CERT_DAYS.1))?,
                }
            }
            "disk" => {
                let t = limits(
                    Direction::Above,
                    true,
                    Some(DISK_PERCENT.0),
                    Some(DISK_PERCENT.1),
                )?;
                if [t.warn, t.critical]
                    .iter()
                    .flatten()
                    .any(|v| !(0.0..=100.0).contains(v))
                {
                    let at = self
                        .warn
                        .as_ref()
                        .or(self.critical.as_ref())
                        .map_or(kind_at, |s| s.span().start);
                    return Err((
                        at,
                        format!("{}: percentages are 0 to 100", what("warn/critical")),
                    ));
                }
                Probe::Disk {
                    path: path(&self.path)
                        .ok_or_else(|| missing("path", "a path on the filesystem"))?,
                    limits: t,
                }
            }
            "port" => {
                let port = self
                    .port
                    .as_ref()
                    .ok_or_else(|| missing("port", "1 to 65535"))?;
                let number = u16::try_from(*port.get_ref())
                    .ok()
                    .filter(|p| *p > 0)
                    .ok_or_else(|| {
                        (
                            port.span().start,
                            format!("{}: give 1 to 65535", what("port")),
                        )
                    })?;
                let protocol = match self.protocol.as_ref().map(|p| p.get_ref().as_str()) {
                    None | Some("tcp") => Protocol::Tcp,
                    Some("udp") => Protocol::Udp,
                    Some(other) => {
                        let at = self.protocol.as_ref().map_or(kind_at, |s| s.span().start);
                        return Err((
                            at,
                            format!("{}: {other:?} is not tcp or udp", what("protocol")),
                        ));
                    }
                };
                let address = match &self.address {
                    Some(a) => Some(a.get_ref().trim().parse::<IpAddr>().map_err(|_| {
                        (
                            a.span().start,
                            format!("{}: not an IP address", what("address")),
                        )
                    })?),
                    None => None,
                };
                Probe::Port {
                    port: number,
                    protocol,
                    address,
                }
            }
            "process" => {
                let name = match &self.process {
                    Some(_) => Some(text(&self.process, "process", "")?),
                    None => None,
                };
                let pidfile = path(&self.pidfile);
                if name.is_some() == pidfile.is_some() {
                    return Err(missing(
                        "process/pidfile",
                        "give exactly one of process (a name) or pidfile",
                    ));
                }
                Probe::Process { name, pidfile }
            }
            "http" => {
                let status = match &self.status {
                    Some(s) => Some(
                        u16::try_from(*s.get_ref())
                            .ok()
                            .filter(|c| (100..=599).contains(c))
                            .ok_or_else(|| {
                                (
                                    s.span().start,
                                    format!("{}: give an HTTP status, 100 to 599", what("status")),
                                )
                            })?,
                    ),
                    None => None,
                };
                let limits = if self.warn.is_some() || self.critical.is_some() {
                    Some(limits(Direction::Above, true, None, None)?)
                } else {
                    None
                };
                Probe::Http {
                    url: url("url")?,
                    status,
                    limits,
                }
            }
            "oom" => Probe::Oom {
                since: duration("since", &self.since, Duration::from_secs(3600))?,
                limits: limits(Direction::Above, true, None, Some(1.0))?,
            },
            "sqlite" => Probe::Sqlite {
                path: path(&self.path).ok_or_else(|| missing("path", "the database file"))?,
                full: match self.integrity.as_ref().map(|i| i.get_ref().as_str()) {
                    None | Some("quick") => false,
                    Some("full") => true,
                    Some(other) => {
                        let at = self.integrity.as_ref().map_or(kind_at, |s| s.span().start);
                        return Err((
                            at,
                            format!("{}: {other:?} is not quick or full", what("integrity")),
                        ));
                    }
                },
            },
            "prometheus" => {
                let (direction, inclusive) = match self.compare.as_ref().map(|c| c.get_ref().trim())
                {
                    None | Some(">") => (Direction::Above, false),
                    Some(">=") => (Direction::Above, true),
                    Some("<") => (Direction::Below, false),
                    Some("<=") => (Direction::Below, true),
                    Some(other) => {
                        let at = self.compare.as_ref().map_or(kind_at, |s| s.span().start);
                        return Err((
                            at,
                            format!("{}: {other:?} is not one of >, >=, <, <=", what("compare")),
                        ));
                    }
                };
                Probe::Prometheus {
                    url: url("url")?,
                    query: text(&self.query, "query", "a PromQL expression")?,
                    limits: limits(direction, inclusive, None, None)?,
                }
            }
            "command" => {
                let argv = self.command.as_ref().ok_or_else(|| {
                    missing(
                        "command",
                        "an argument list such as [\"systemctl\", \"is-active\", \"nginx\"]",
                    )
                })?;
                if argv.get_ref().first().is_none_or(|p| p.trim().is_empty()) {
                    return Err((
                        argv.span().start,
                        format!("{}: needs a program to run", what("command")),
                    ));
                }
                Probe::Command {
                    argv: argv.get_ref().clone(),
                }
            }
            _ => unreachable!("kinds are matched above"),
        };
        Ok(Check {
            name,
            every,
            timeout,
            severity,
            warn_severity,
            runbook,
            probe,
        })
    }
}

/// `host:port` or `[v6]:port`.
pub(crate) fn host_port(text: &str) -> Result<(String, u16), String> {
    let text = text.trim();
    let (host, port) = match text.strip_prefix('[') {
        Some(rest) => {
            let (h, p) = rest.split_once("]:").ok_or("write [address]:port")?;
            (h, p)
        }
        None => text.rsplit_once(':').ok_or("write host:port")?,
    };
    let port: u16 = port
        .parse()
        .ok()
        .filter(|p| *p > 0)
        .ok_or("the port must be 1 to 65535")?;
    if host.is_empty() || host.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("write host:port".into());
    }
    Ok((host.to_string(), port))
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use std::path::Path;

    use super::*;

    fn parse(text: &str) -> Result<Config, crate::config::ConfigError> {
        Config::parse(Path::new("/etc/firebreak/firebreak.toml"), text)
    }

    #[test]
    fn every_kind_builds_with_its_defaults() {
        let c = parse(
            r#"
[[check]]
name = "root"
kind = "disk"
path = "data"

[[check]]
name = "quic"
kind = "port"
port = 443
protocol = "udp"

[[check]]
name = "site-cert"
kind = "cert"
endpoint = "example.org:443"

[[check]]
name = "queue"
kind = "prometheus"
url = "http://127.0.0.1:9090"
query = "delivery_queue_depth"
critical = 1000
severity = "P1"
runbook = "queue-backlog"

[[check]]
name = "nginx-up"
kind = "command"
command = ["systemctl", "is-active", "nginx"]
"#,
        )
        .expect("valid");
        assert_eq!(c.checks.len(), 5);
        let disk = &c.checks[0];
        assert_eq!(disk.every, DEFAULT_EVERY);
        assert_eq!(
            (disk.severity.as_str(), disk.warn_severity.as_str()),
            ("P2", "P3")
        );
        match &disk.probe {
            Probe::Disk { path, limits } => {
                assert_eq!(path, Path::new("/etc/firebreak/data"));
                assert_eq!((limits.warn, limits.critical), (Some(70.0), Some(90.0)));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(c.checks[1].probe.target(), "udp 443");
        match &c.checks[2].probe {
            Probe::Cert { server_name, .. } => {
                assert_eq!(server_name.as_deref(), Some("example.org"))
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(c.checks[3].severity, "P1");
        assert_eq!(c.checks[3].runbook.as_deref(), Some("queue-backlog"));
    }

    #[test]
    fn mistakes_are_located() {
        let cases = [
            (
                "[[check]]\nname = \"a\"\nkind = \"dsik\"\n",
                "firebreak.toml:3:8: check \"a\": kind: unknown kind \"dsik\"",
            ),
            (
                "[[check]]\nname = \"a\"\nkind = \"disk\"\n",
                "firebreak.toml:3:8: check \"a\": path: missing",
            ),
            (
                "[[check]]\nname = \"a\"\nkind = \"disk\"\npath = \"/\"\nwarn = 95\ncritical = 90\n",
                "firebreak.toml:5:8: check \"a\": warn/critical: warn (95) must come before critical (90)",
            ),
            (
                "[[check]]\nname = \"a\"\nkind = \"disk\"\npath = \"/\"\nport = 3\n",
                "firebreak.toml:5:8: check \"a\": port: does not apply to a disk check",
            ),
            (
                "[[check]]\nname = \"a\"\nkind = \"port\"\nport = 70000\n",
                "firebreak.toml:4:8: check \"a\": port: give 1 to 65535",
            ),
            (
                "[[check]]\nname = \"a\"\nkind = \"prometheus\"\nurl = \"http://p:9090\"\nquery = \"up\"\n",
                "firebreak.toml:3:8: check \"a\": warn/critical: give warn, critical or both",
            ),
            (
                "[[check]]\nname = \"a\"\nkind = \"oom\"\nseverity = \"P9\"\n",
                "firebreak.toml:4:12: check \"a\": severity: unknown severity",
            ),
            (
                "[[check]]\nname = \"a\"\nkind = \"command\"\ncommand = []\n",
                "firebreak.toml:4:11: check \"a\": command: needs a program",
            ),
            (
                "[[check]]\nname = \"a\"\nkind = \"oom\"\n[[check]]\nname = \"a\"\nkind = \"oom\"\n",
                "firebreak.toml:5:8: check \"a\" is defined twice",
            ),
            (
                "[[check]]\nkind = \"oom\"\n",
                "firebreak.toml:1:1: missing field `name`",
            ),
            (
                "[[check]]\nname = \"a\"\nkind = \"oom\"\nwarn = \"high\"\n",
                "firebreak.toml:4:8: ",
            ),
        ];
        for (text, expected) in cases {
            let e = parse(text).expect_err(text).to_string();
            let e = e.trim_start_matches("/etc/firebreak/");
            assert!(
                e.starts_with(expected),
                "{text:?}\n got {e}\nwant {expected}"
            );
        }
    }

    #[test]
    fn endpoints_are_host_and_port() {
        assert_eq!(
            host_port("mail.example:993"),
            Ok(("mail.example".into(), 993))
        );
        assert_eq!(host_port("[::1]:8443"), Ok(("::1".into(), 8443)));
        assert!(host_port("example.org").is_err());
        assert!(host_port("example.org:0").is_err());
        assert!(host_port(":443").is_err());
    }
}
