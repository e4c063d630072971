//! Prometheus metrics for `GET /metrics`: what the server counts as it runs (requests, events
//! appended, alerts received) in one explicit registry per [`Metrics`] — no global state, so
//! every app built in one process (tests build many) counts on its own — and what is computed
//! from the store at scrape time (open incidents, breached deadlines), so every replica reports
//! the same figures for the shared database.
//!
//! The names are fixed (docs, dashboards and alert rules use them):
//! `firebreak_open_incidents{severity,status}`, `firebreak_deadlines_breached{clock}`,
//! `firebreak_events_appended_total`, `firebreak_alerts_received_total{source,status}`,
//! `firebreak_http_requests_total{route,method,status}`,
//! `firebreak_notifications_total{outcome}`,
//! `firebreak_http_request_duration_seconds{route,method}`, `firebreak_up`,
//! `firebreak_build_info{version}`, `firebreak_store_writes_failing`, `firebreak_store_disk_full`,
//! `firebreak_check_status{check,kind}` (0 ok, 1 warn, 2 critical, 3 unknown) and
//! `firebreak_check_last_run_timestamp_seconds{check,kind}`.
//! The exposition is OpenMetrics text, which Prometheus reads.

use std::sync::atomic::AtomicU64;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use firebreak_core::clock::Clocks;
use firebreak_core::summary::Summary;
use firebreak_core::{Policy, Status};
use firebreak_store::{ListFilter, WriteState};
use jiff::Timestamp;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::{encode_eof, encode_registry};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use super::auth::{Allowed, need};
use super::error::ApiError;
use super::state::AppState;

/// The content type of the exposition.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The route label of a request no route matched.
pub const UNMATCHED: &str = "unmatched";

/// Request latency buckets, in seconds: API reads take about a millisecond, a durable write a
/// few; anything past a second is trouble.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    method: String,
    status: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LatencyLabels {
    route: String,
    method: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct AlertLabels {
    source: String,
    status: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OpenLabels {
    severity: String,
    status: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ClockLabels {
    clock: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CheckLabels {
    check: String,
    kind: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct BuildLabels {
    version: String,
}

type LatencyFamily = Family<LatencyLabels, Histogram, fn() -> Histogram>;

fn latency_histogram() -> Histogram {
    Histogram::new(BUCKETS)
}

/// The server's metrics: the registry of what is counted as the server runs.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: LatencyFamily,
    appended: Counter,
    alerts: Family<AlertLabels, Counter>,
    notifications: Family<OutcomeLabels, Counter>,
    checks: Family<CheckLabels, Gauge>,
    check_runs: Family<CheckLabels, Gauge<f64, AtomicU64>>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Fresh metrics: every counter at zero, `firebreak_up` and `firebreak_build_info` at 1.
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let up: Gauge = Gauge::default();
        up.set(1);
        registry.register("firebreak_up", "1 while the server runs", up);
        let build: Family<BuildLabels, Gauge> = Family::default();
        build
            .get_or_create(&BuildLabels {
                version: env!("CARGO_PKG_VERSION").to_string(),
            })
            .set(1);
        registry.register(
            "firebreak_build_info",
            "The running version, as a label; always 1",
            build,
        );
        let appended = Counter::default();
        registry.register(
            "firebreak_events_appended",
            "Events appended to incident journals through this server",
            appended.clone(),
        );
        let alerts = Family::<AlertLabels, Counter>::default();
        // Present at zero from the start, so that `rate()` and `increase()` see the first alert.
        for source in ["alertmanager", "webhook"] {
            for status in ["firing", "resolved"] {
                let _ = alerts.get_or_create(&AlertLabels {
                    source: source.to_string(),
                    status: status.to_string(),
                });
            }
        }
        registry.register(
            "firebreak_alerts_received",
            "Alerts received by the intake webhooks, by source and status",
            alerts.clone(),
        );
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "firebreak_http_requests",
            "HTTP requests by route template, method and status",
            requests.clone(),
        );
        let latency: LatencyFamily = Family::new_with_constructor(latency_histogram);
        registry.register(
            "firebreak_http_request_duration_seconds",
            "Time to answer an HTTP request (until the response starts), by route template and method",
            latency.clone(),
        );
        let notifications = Family::<OutcomeLabels, Counter>::default();
        for outcome in ["delivered", "retried", "failed"] {
            let _ = notifications.get_or_create(&OutcomeLabels {
                outcome: outcome.to_string(),
            });
        }
        registry.register(
            "firebreak_notifications",
            "Notification tries by this server: delivered, retried (a failed try), failed (out of tries)",
            notifications.clone(),
        );
        let checks = Family::<CheckLabels, Gauge>::default();
        registry.register(
            "firebreak_check_status",
            "The last result of each configured health check: 0 ok, 1 warn, 2 critical, 3 unknown",
            checks.clone(),
        );
        let check_runs = Family::<CheckLabels, Gauge<f64, AtomicU64>>::default();
        registry.register(
            "firebreak_check_last_run_timestamp_seconds",
            "When each health check last finished, in Unix seconds",
            check_runs.clone(),
        );
        Self {
            registry,
            checks,
            check_runs,
            requests,
            latency,
            appended,
            alerts,
            notifications,
        }
    }

    /// Counts events appended to journals.
    pub fn appended(&self, events: usize) {
        self.appended
            .inc_by(u64::try_from(events).unwrap_or(u64::MAX));
    }

    /// Counts what a drain of an outbox did.
    pub fn notified(&self, d: &crate::notify::Drained) {
        for (outcome, n) in [
            ("delivered", d.delivered),
            ("retried", d.retried),
            ("failed", d.failed),
        ] {
            self.notifications
                .get_or_create(&OutcomeLabels {
                    outcome: outcome.to_string(),
                })
                .inc_by(n as u64);
        }
    }

    /// Records a health check's result.
    pub fn checked(&self, report: &crate::check::Report) {
        let labels = CheckLabels {
            check: report.check.clone(),
            kind: report.kind.to_string(),
        };
        self.checks
            .get_or_create(&labels)
            .set(i64::from(report.status.code()));
        self.check_runs
            .get_or_create(&labels)
            .set(report.at.as_millisecond() as f64 / 1000.0);
    }

    /// Counts one alert received from `source` (`alertmanager`, `webhook`) with `status`
    /// (`firing`, `resolved`).
    pub fn alert(&self, source: &str, status: &str) {
        self.alerts
            .get_or_create(&AlertLabels {
                source: source.to_string(),
                status: status.to_string(),
            })
            .inc();
    }

    /// Counts and times one answered request. `route` is a route template (or
    /// [`UNMATCHED`]), never a raw path, so the number of series stays bounded.
    pub fn request(&self, route: &str, method: &Method, status: u16, took: Duration) {
        let method = method_label(method);
        self.requests
            .get_or_create(&RequestLabels {
                route: route.to_string(),
                method: method.to_string(),
                status: status.to_string(),
            })
            .inc();
        self.latency
            .get_or_create(&LatencyLabels {
                route: route.to_string(),
                method: method.to_string(),
            })
            .observe(took.as_secs_f64());
    }

    /// The whole exposition: the running counters, then the gauges computed from `open` (the
    /// open incidents) under `policy` at `now`.
    pub fn encode(
        &self,
        open: &[Summary],
        policy: &Policy,
        now: Timestamp,
        writes: WriteState,
    ) -> Result<String, std::fmt::Error> {
        let mut scrape = scrape_registry(open, policy, now);
        register_write_state(&mut scrape, writes);
        let mut text = String::new();
        encode_registry(&mut text, &self.registry)?;
        encode_registry(&mut text, &scrape)?;
        encode_eof(&mut text)?;
        Ok(text)
    }
}

/// Unusual methods share one label, so a client cannot mint series.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// The gauges read from the store: every level of the policy × every open status is present
/// (zero when none), so a dashboard never sees a series vanish.
fn scrape_registry(open: &[Summary], policy: &Policy, now: Timestamp) -> Registry {
    let mut registry = Registry::default();
    let incidents = Family::<OpenLabels, Gauge>::default();
    let labels = |severity: &str, status: Status| OpenLabels {
        severity: severity.to_string(),
        status: status.to_string(),
    };
    for level in policy.levels() {
        for status in [Status::Investigating, Status::Contained] {
            incidents.get_or_create(&labels(&level.name, status)).set(0);
        }
    }
    let (mut ack, mut update) = (0, 0);
    for s in open {
        incidents
            .get_or_create(&labels(&s.severity, s.status))
            .inc();
        let clocks = Clocks::of(s, policy, now);
        ack += i64::from(clocks.ack.is_some_and(|d| d.breached()));
        update += i64::from(clocks.update.is_some_and(|d| d.breached()));
    }
    registry.register(
        "firebreak_open_incidents",
        "Open incidents (investigating or contained) by severity and status",
        incidents,
    );
    let breached = Family::<ClockLabels, Gauge>::default();
    for (clock, n) in [("ack", ack), ("update", update)] {
        breached
            .get_or_create(&ClockLabels {
                clock: clock.to_string(),
            })
            .set(n);
    }
    registry.register(
        "firebreak_deadlines_breached",
        "Open incidents past their acknowledge (ack) or stakeholder update (update) deadline",
        breached,
    );
    registry
}

/// Whether the last write failed, and whether for a full disk: 0 again once a write commits.
fn register_write_state(registry: &mut Registry, writes: WriteState) {
    let failing: Gauge = Gauge::default();
    failing.set(i64::from(writes != WriteState::Ok));
    registry.register(
        "firebreak_store_writes_failing",
        "1 while the database refuses writes (the last write failed); 0 once one commits",
        failing,
    );
    let full: Gauge = Gauge::default();
    full.set(i64::from(writes == WriteState::DiskFull));
    registry.register(
        "firebreak_store_disk_full",
        "1 while writes fail because the database's disk is full",
        full,
    );
}

/// Middleware: counts and times every request by its route template.
pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or(UNMATCHED, MatchedPath::as_str)
        .to_string();
    let method = req.method().clone();
    let started = Instant::now();
    let res = next.run(req).await;
    state
        .metrics
        .request(&route, &method, res.status().as_u16(), started.elapsed());
    res
}

/// `GET /metrics`: needs a token that may read (Prometheus scrapes with a viewer token).
pub async fn render(
    _: Allowed<need::Read>,
    State(state): State<AppState>,
) -> Result<Response, ApiError> {
    let store = state.service.store();
    let open = store
        .list(&ListFilter {
            open: true,
            ..ListFilter::default()
        })
        .await?;
    let text = state
        .metrics
        .encode(
            &open,
            &state.service.config().policy,
            Timestamp::now(),
            store.write_state(),
        )
        .map_err(ApiError::internal)?;
    Ok(([(header::CONTENT_TYPE, CONTENT_TYPE)], text).into_response())
}
