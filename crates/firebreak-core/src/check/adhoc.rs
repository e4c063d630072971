//! One-off checks from `firebreak check` flags (`--port udp/443`, `--cert FILE`,
//! `--cert-endpoint HOST:PORT`, `--disk PATH`), so a runbook can ask on any host without a
//! `[[check]]` in the config. They become the same [`Check`]s the config builds, with the
//! config's default limits, levels and timeout, and run through the same probes.

use std::path::PathBuf;

use super::config::{self, Check, Probe, Protocol};
use super::status::{Direction, Thresholds};
use crate::policy::Policy;

/// A flag value that does not describe a check; the message names the flag.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{flag}: {why}")]
pub struct AdhocError {
    /// The flag, as typed (`--port`).
    pub flag: &'static str,
    /// What is wrong with its value.
    pub why: String,
}

fn bad(flag: &'static str, why: impl Into<String>) -> AdhocError {
    AdhocError {
        flag,
        why: why.into(),
    }
}

/// `tcp/PORT` or `udp/PORT`: a listener on that port, any address.
pub fn port(text: &str) -> Result<Probe, AdhocError> {
    let (proto, number) = text
        .trim()
        .split_once('/')
        .ok_or_else(|| bad("--port", format!("{text:?}: write tcp/PORT or udp/PORT")))?;
    let protocol = match proto {
        "tcp" => Protocol::Tcp,
        "udp" => Protocol::Udp,
        other => {
            return Err(bad(
                "--port",
                format!("{text:?}: {other:?} is not tcp or udp"),
            ));
        }
    };
    let port = number
        .parse::<u16>()
        .ok()
        .filter(|p| *p > 0)
        .ok_or_else(|| bad("--port", format!("{text:?}: the port must be 1 to 65535")))?;
    Ok(Probe::Port {
        port,
        protocol,
        address: None,
    })
}

/// Days-left limits from `--warn-days` / `--critical-days` (the config's defaults when not
/// given).
pub fn days(warn: Option<f64>, critical: Option<f64>) -> Result<Thresholds, AdhocError> {
    let t = Thresholds {
        warn: Some(warn.unwrap_or(config::CERT_DAYS.0)),
        critical: Some(critical.unwrap_or(config::CERT_DAYS.1)),
        direction: Direction::Below,
        inclusive: true,
    };
    if [t.warn, t.critical]
        .iter()
        .flatten()
        .any(|v| !v.is_finite() || *v < 0.0)
    {
        return Err(bad(
            "--warn-days/--critical-days",
            "give whole days, 0 or more",
        ));
    }
    t.ordered()
        .map(|()| t)
        .map_err(|m| bad("--warn-days/--critical-days", m))
}

/// The certificate in the PEM file `path`, its chain checked against the roots in `ca` (the
/// system's when `None`).
pub fn cert_file(
    path: PathBuf,
    ca: Option<PathBuf>,
    limits: Thresholds,
) -> Result<Probe, AdhocError> {
    if path.as_os_str().is_empty() {
        return Err(bad("--cert", "give a PEM file"));
    }
    Ok(Probe::Cert {
        path: Some(path),
        endpoint: None,
        server_name: None,
        ca,
        limits,
    })
}

/// The certificate served at `host:port`, valid for `server_name` (`host` when `None`), against
/// the roots in `ca` (the system's when `None`).
pub fn cert_endpoint(
    text: &str,
    server_name: Option<String>,
    ca: Option<PathBuf>,
    limits: Thresholds,
) -> Result<Probe, AdhocError> {
    let (host, port) =
        config::host_port(text).map_err(|m| bad("--cert-endpoint", format!("{text:?}: {m}")))?;
    Ok(Probe::Cert {
        path: None,
        server_name: Some(server_name.unwrap_or_else(|| host.clone())),
        endpoint: Some((host, port)),
        ca,
        limits,
    })
}

/// Space and inodes of the filesystem holding `path`, with the config's default limits.
pub fn disk(path: PathBuf) -> Result<Probe, AdhocError> {
    if path.as_os_str().is_empty() {
        return Err(bad("--disk", "give a path on the filesystem"));
    }
    Ok(Probe::Disk {
        path,
        limits: Thresholds {
            warn: Some(config::DISK_PERCENT.0),
            critical: Some(config::DISK_PERCENT.1),
            direction: Direction::Above,
            inclusive: true,
        },
    })
}

/// `probe` as a check named for what it looks at (`port udp 443`), with the policy's default
/// levels and the default timeout.
pub fn check(probe: Probe, policy: &Policy) -> Check {
    let (severity, warn_severity) = config::default_levels(policy);
    Check {
        name: format!("{} {}", probe.kind(), probe.target()),
        every: config::DEFAULT_EVERY,
        timeout: config::DEFAULT_TIMEOUT,
        severity,
        warn_severity,
        runbook: None,
        probe,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_are_protocol_slash_number() {
        assert_eq!(
            port("udp/443"),
            Ok(Probe::Port {
                port: 443,
                protocol: Protocol::Udp,
                address: None
            })
        );
        assert_eq!(
            check(
                port("tcp/8443").expect("valid"),
                &Policy::preset("default").expect("preset")
            )
            .name,
            "port tcp 8443"
        );
        for wrong in ["443", "sctp/443", "udp/0", "udp/70000", "udp/", "UDP 443"] {
            let e = port(wrong).expect_err(wrong);
            assert_eq!(e.flag, "--port", "{wrong}");
        }
    }

    #[test]
    fn day_limits_default_to_the_configs_and_must_be_in_order() {
        let t = days(None, None).expect("defaults");
        assert_eq!((t.warn, t.critical), (Some(30.0), Some(7.0)));
        assert_eq!(days(Some(10.0), None).expect("valid").warn, Some(10.0));
        assert!(days(Some(3.0), Some(7.0)).is_err(), "warn after critical");
        assert!(days(Some(-1.0), Some(-2.0)).is_err());
        assert!(cert_endpoint("example.org", None, None, t).is_err());
    }
}
