//! Alert intake: `POST /api/v1/alerts/alertmanager` (Alertmanager's webhook, payload version
//! 4; see [`alertmanager`]) and `POST /api/v1/alerts/webhook` (a small JSON format for any other
//! sender; see [`webhook`]). Both need a token with the `SendAlerts` permission (responder or
//! above).
//!
//! Alerts land where log findings land ([`Service::record_detection`]): the firing alerts of one
//! *group* become one finding — detection rule `alertmanager` (or `webhook:SOURCE`), keyed by the
//! group — which declares a new incident, or is added to the open incident that already carries
//! that rule and key. Alertmanager's group is the one it notifies together (its `groupLabels`,
//! or the `groupKey` when the route groups by nothing); the webhook's group is its `key`. So the
//! same group firing again updates its incident, and a different group opens another. Within a
//! group, alerts are told apart by Alertmanager's `fingerprint` (the webhook's `key`). A
//! `resolved` alert is recorded on its group's open incident ([`Change::AlertResolved`]); the
//! incident's status is left to people. A resolved alert whose group has no open incident is
//! ignored, and the response says so.
//!
//! Severity and runbook come from the `[alerts]` mapping in `firebreak.toml` ([`mapping`]); a
//! group declares its incident at the most severe level among its firing alerts. Later alerts do
//! not change an incident's severity: a person does.
//!
//! Labels and annotations are untrusted: at most [`ALERTS_MAX`] alerts per request and
//! [`LABELS_MAX`] labels per alert are used, texts are cut, control characters shown as `?`, and
//! values that look like credentials (`token=…`, a label named `api_key`, `Bearer …`) are masked
//! before anything is recorded.
//!
//! The answer (200) lists what happened to each alert, in the order sent:
//!
//! ```json
//! { "received": 2,
//!   "alerts": [
//!     { "index": 0, "alert": "1a30ba71cca2921f", "status": "firing", "outcome": "declared",
//!       "incident": "INC-2026-11-23-004", "severity": "P1", "runbook": "web-errors" },
//!     { "index": 1, "alert": "7d3c0b1e5f2a9c44", "status": "resolved", "outcome": "ignored",
//!       "reason": "no open incident carries this alert's group" } ] }
//! ```
//!
//! `outcome` is `declared` (a new incident), `updated` (added to an open incident), `resolved`
//! (recorded on the incident's timeline) or `ignored` (with a `reason`). A body that is not the
//! format is a 4xx JSON error and nothing is recorded; more than [`ALERTS_MAX`] alerts is a 413.
//!
//! Two deliveries of the same *new* group at the same moment may each declare an incident (as
//! two log watchers could); Alertmanager sends a group's notifications one at a time.
//!
//! [`Service::record_detection`]: crate::service::Service::record_detection
//! [`Change::AlertResolved`]: firebreak_core::Change::AlertResolved

pub mod alertmanager;
mod land;
pub mod mapping;
pub mod webhook;

use std::collections::BTreeMap;

use firebreak_core::detection::mask_secrets;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use land::{Landing, Outcome, Report};

use super::error::{ApiError, Code};
use super::state::AppState;

/// Most alerts accepted in one request.
pub const ALERTS_MAX: usize = 1000;
/// Most labels (and, separately, annotations) used per alert; the rest are dropped.
pub const LABELS_MAX: usize = 64;
/// Longest label name kept, in characters.
const NAME_CHARS: usize = 100;
/// Longest label value kept, in characters.
const VALUE_CHARS: usize = 500;
/// Longest title or summary kept, in characters.
const TEXT_CHARS: usize = 300;
/// Longest alert id (fingerprint, key) or group key kept, in characters.
const ID_CHARS: usize = 200;

/// The intake routes, documented (merged into the API's one list of routes).
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(alertmanager::receive))
        .routes(routes!(webhook::receive))
}

/// Whether an alert is firing or has stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum AlertStatus {
    /// Firing.
    Firing,
    /// Stopped firing.
    Resolved,
}

impl AlertStatus {
    /// As sent: `firing` or `resolved`.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertStatus::Firing => "firing",
            AlertStatus::Resolved => "resolved",
        }
    }
}

/// One received alert, bounded; every text that may be recorded is already masked.
#[derive(Debug, Clone)]
struct Alert {
    /// Position in the request.
    index: usize,
    status: AlertStatus,
    /// Fingerprint or key.
    id: String,
    title: String,
    /// Bounded but unmasked: only the mapping sees these.
    labels: BTreeMap<String, String>,
    /// The labels as recorded: `name=value …`, masked.
    shown_labels: String,
    /// The runbook the sender named.
    runbook: Option<String>,
    starts_at: Option<Timestamp>,
    ends_at: Option<Timestamp>,
    /// Where the sender shows the alert (Prometheus graph), masked.
    link: Option<String>,
    /// Its `runbook_url` annotation, masked, if it is a web address.
    runbook_url: Option<String>,
}

impl Alert {
    /// The alert as the incident records it: labels masked, links only to web addresses.
    fn seen(&self) -> firebreak_core::detection::AlertSeen {
        use firebreak_core::detection::web_link;
        firebreak_core::detection::AlertSeen {
            id: self.id.clone(),
            title: self.title.clone(),
            labels: self
                .labels
                .iter()
                .map(|(k, v)| (clean(k, TEXT_CHARS), shown_value(k, v)))
                .collect(),
            since: self.starts_at,
            graph: self.link.as_deref().and_then(web_link),
            runbook_url: self.runbook_url.as_deref().and_then(web_link),
        }
    }
}

/// Alerts that land on one incident.
#[derive(Debug, Clone)]
struct Group {
    /// The detection rule: `alertmanager` or `webhook:SOURCE`.
    rule: String,
    /// The group, as the finding's key.
    key: String,
    /// Where the alerts came from, as the finding's source.
    source: String,
    /// The finding's title.
    title: String,
    alerts: Vec<Alert>,
    /// Said in the finding after its alerts (e.g. alerts the sender left out).
    note: Option<String>,
}

/// One line of at most `max` characters, masked, with `…` where it was cut.
fn clean(text: &str, max: usize) -> String {
    let masked = mask_secrets(text.trim());
    let mut out: String = masked
        .chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .take(max)
        .collect();
    if masked.chars().nth(max).is_some() {
        out.push('…');
    }
    out
}

/// Whether a label's name says its value is a credential (`api_key`, `token`, `password`).
fn secret_name(name: &str) -> bool {
    let probe = format!("{name}=x");
    mask_secrets(&probe) != probe
}

/// At most [`LABELS_MAX`] labels with bounded names and values (unmasked), and how many were
/// dropped.
fn bounded_labels(labels: BTreeMap<String, String>) -> (BTreeMap<String, String>, usize) {
    let dropped = labels.len().saturating_sub(LABELS_MAX);
    let kept = labels
        .into_iter()
        .take(LABELS_MAX)
        .map(|(k, v)| {
            (
                k.chars().take(NAME_CHARS).collect(),
                v.chars().take(VALUE_CHARS).collect(),
            )
        })
        .collect();
    (kept, dropped)
}

/// Labels as recorded: `name=value` pairs, secrets masked, each value cut.
fn show_labels(labels: &BTreeMap<String, String>, dropped: usize) -> String {
    let mut pairs: Vec<String> = labels
        .iter()
        .map(|(k, v)| clean(&format!("{k}={}", shown_value(k, v)), TEXT_CHARS))
        .collect();
    if dropped > 0 {
        pairs.push(format!("(+{dropped} more labels)"));
    }
    pairs.join(" ")
}

/// Label `name`'s value as recorded: masked whole when the name says it is a credential,
/// else cleaned (secret-looking text inside it masked, control characters shown as `?`).
fn shown_value(name: &str, value: &str) -> String {
    if secret_name(name) {
        "••••".to_string()
    } else {
        clean(value, TEXT_CHARS)
    }
}

/// A sender's time: RFC 3339; Go's zero time (`0001-01-01T00:00:00Z`, "not set") and anything
/// unreadable are no time.
fn time(text: Option<&str>) -> Option<Timestamp> {
    let t: Timestamp = text?.parse().ok()?;
    (t > Timestamp::UNIX_EPOCH).then_some(t)
}

fn too_many(n: usize) -> ApiError {
    ApiError::new(
        Code::TooLarge,
        format!("{n} alerts in one request; send at most {ALERTS_MAX}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_bounded_and_secrets_masked() {
        let mut labels: BTreeMap<String, String> = (0..70)
            .map(|i| (format!("l{i:02}"), "v".repeat(600)))
            .collect();
        labels.insert("api_key".into(), "K1 and more".into());
        labels.insert("url".into(), "https://x/?token=abc123&q=1".into());
        let (kept, dropped) = bounded_labels(labels);
        assert_eq!((kept.len(), dropped), (LABELS_MAX, 8));
        assert!(kept.values().all(|v| v.chars().count() <= VALUE_CHARS));
        let shown = show_labels(&kept, dropped);
        assert!(shown.contains("api_key=••••"), "{shown}");
        assert!(
            !shown.contains("K1") && !shown.contains("abc123"),
            "{shown}"
        );
        assert!(shown.ends_with("(+8 more labels)"));
        let url: BTreeMap<String, String> =
            [("url".to_string(), "https://x/?token=abc123&q=1".to_string())].into();
        assert_eq!(show_labels(&url, 0), "url=https://x/?token=••••&q=1");
        assert_eq!(clean("a\x1b[2Jb", 10), "a?[2Jb");
        assert_eq!(clean("abcdef", 3), "abc…");
        assert_eq!(time(Some("0001-01-01T00:00:00Z")), None);
        assert!(time(Some("2023-02-06T13:08:45.828Z")).is_some());
    }
}
