//! Running health checks: one probe per kind (`cert`, `disk`, `port`, `process`, `http`,
//! `oom`, `sqlite`, `prometheus`, `command`), each bounded by its check's timeout, many at once
//! ([`Prober::run_all`], at most [`PARALLEL`] in flight), and the result as a finding of the same shape
//! as a log rule's ([`finding`]). What a check is and how a number becomes a status is decided
//! in `firebreak_core::check`; `firebreak check` and `serve`'s schedule both run checks here.

mod cert;
mod command;
mod disk;
pub mod finding;
mod oom;
mod port;
mod process;
mod prometheus;
mod sqlite;

use std::sync::Arc;
use std::time::{Duration, Instant};

use firebreak_core::check::{Check, Outcome, Probe, Status};
use jiff::Timestamp;
use serde::Serialize;

use crate::notify::Http;

/// Most checks running at once.
pub const PARALLEL: usize = 32;

/// Largest HTTP answer read (an `http` page, a Prometheus result).
const BODY_MAX: usize = 4 << 20;

/// One check's result.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The check's name.
    pub check: String,
    /// Its kind.
    pub kind: &'static str,
    /// What it looked at.
    pub target: String,
    /// ok, warn, critical or unknown.
    pub status: Status,
    /// What was measured.
    pub value: Option<String>,
    /// Why, in one line.
    pub reason: String,
    /// When it ran.
    pub at: Timestamp,
    /// How long it took, in milliseconds.
    pub elapsed_ms: u64,
}

/// What probes share: the HTTP client.
#[derive(Clone)]
pub struct Prober {
    http: Http,
}

impl Prober {
    /// A prober whose HTTP client allows the longest of `checks`' timeouts (each check is cut
    /// at its own).
    pub fn new(checks: &[Check]) -> anyhow::Result<Self> {
        let longest = checks
            .iter()
            .map(|c| c.timeout)
            .max()
            .unwrap_or(firebreak_core::check::config::DEFAULT_TIMEOUT);
        Ok(Self {
            http: crate::notify::http_client(longest)?,
        })
    }

    /// Runs every check, at most [`PARALLEL`] at a time; reports come back in `checks`' order.
    pub async fn run_all(&self, checks: &[Check]) -> Vec<Report> {
        let gate = Arc::new(tokio::sync::Semaphore::new(PARALLEL));
        let mut tasks = tokio::task::JoinSet::new();
        for (i, check) in checks.iter().enumerate() {
            let check = check.clone();
            let prober = self.clone();
            let gate = Arc::clone(&gate);
            tasks.spawn(async move {
                let _permit = gate.acquire_owned().await;
                (i, prober.run(&check).await)
            });
        }
        let mut out: Vec<Option<Report>> = vec![None; checks.len()];
        while let Some(done) = tasks.join_next().await {
            if let Ok((i, report)) = done
                && let Some(slot) = out.get_mut(i)
            {
                *slot = Some(report);
            }
        }
        checks
            .iter()
            .zip(out)
            .map(|(check, report)| {
                report.unwrap_or_else(|| {
                    self.report(
                        check,
                        Outcome::unknown("the probe stopped unexpectedly"),
                        Duration::ZERO,
                    )
                })
            })
            .collect()
    }

    /// Runs one check within its timeout.
    pub async fn run(&self, check: &Check) -> Report {
        let started = Instant::now();
        let outcome = match tokio::time::timeout(check.timeout, self.probe(&check.probe)).await {
            Ok(outcome) => outcome,
            Err(_) => Outcome::unknown(format!(
                "no result within the check's timeout ({} s)",
                check.timeout.as_secs_f64()
            )),
        };
        self.report(check, outcome, started.elapsed())
    }

    fn report(&self, check: &Check, outcome: Outcome, elapsed: Duration) -> Report {
        Report {
            check: check.name.clone(),
            kind: check.probe.kind(),
            target: check.probe.target(),
            status: outcome.status,
            value: outcome.value,
            reason: outcome.reason,
            at: Timestamp::now(),
            elapsed_ms: u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
        }
    }

    async fn probe(&self, probe: &Probe) -> Outcome {
        match probe.clone() {
            Probe::Cert {
                path,
                endpoint,
                server_name,
                ca,
                limits,
            } => cert::probe(path, endpoint, server_name, ca, limits).await,
            Probe::Disk { path, limits } => blocking(move || disk::probe(&path, &limits)).await,
            Probe::Port {
                port,
                protocol,
                address,
            } => blocking(move || port::probe(port, protocol, address)).await,
            Probe::Process { name, pidfile } => {
                blocking(move || process::probe(name.as_deref(), pidfile.as_deref())).await
            }
            Probe::Http {
                url,
                status,
                limits,
            } => self.http(&url, status, limits).await,
            Probe::Oom { since, limits } => blocking(move || oom::probe(since, &limits)).await,
            Probe::Sqlite { path, full } => blocking(move || sqlite::probe(&path, full)).await,
            Probe::Prometheus { url, query, limits } => {
                prometheus::probe(&self.http, &url, &query, &limits).await
            }
            Probe::Command { argv } => command::probe(&argv).await,
        }
    }

    /// `http`: the status (any 2xx, or the one expected) and, if limited, the latency. A
    /// redirect is not followed; unless it was expected it is critical and says where it
    /// pointed.
    async fn http(
        &self,
        url: &str,
        expected: Option<u16>,
        limits: Option<firebreak_core::check::Thresholds>,
    ) -> Outcome {
        let started = Instant::now();
        let answer = match self.http.get(url, BODY_MAX).await {
            Ok(a) => a,
            Err(e) => {
                return Outcome::new(Status::Critical, "no answer", format!("GET {url}: {e}"));
            }
        };
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        let value = format!("HTTP {} in {ms:.0} ms", answer.status);
        let status_ok = match expected {
            Some(code) => answer.status == code,
            None => (200..300).contains(&answer.status),
        };
        if !status_ok {
            let want = expected.map_or("2xx".to_string(), |c| c.to_string());
            let moved = answer
                .location
                .map(|l| {
                    format!(
                        " (redirect to {}, not followed)",
                        crate::output::clip(&l, 120)
                    )
                })
                .unwrap_or_default();
            return Outcome::new(
                Status::Critical,
                value,
                format!(
                    "answered {} where {want} was expected{moved}",
                    answer.status
                ),
            );
        }
        let Some(limits) = limits else {
            return Outcome::new(Status::Ok, value, format!("answered {}", answer.status));
        };
        let status = limits.judge(ms);
        let reason = match limits.limit_of(status) {
            Some(limit) => format!("took {ms:.0} ms, {} {limit} ms", limits.operator()),
            None => format!("answered {} in {ms:.0} ms", answer.status),
        };
        Outcome::new(status, value, reason)
    }
}

/// Runs a probe that reads files or blocks on the kernel off the async threads.
async fn blocking(probe: impl FnOnce() -> Outcome + Send + 'static) -> Outcome {
    tokio::task::spawn_blocking(probe)
        .await
        .unwrap_or_else(|e| Outcome::unknown(format!("the probe failed: {e}")))
}

/// A number for reasons: no trailing `.0`.
pub(crate) fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}
