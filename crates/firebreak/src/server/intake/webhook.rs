//! `POST /api/v1/alerts/webhook`: a small JSON format for senders other than Alertmanager
//! (uptime checkers, CI, scripts). The body is one alert, or `{ "alerts": [ … ] }` with up to
//! [`ALERTS_MAX`](super::ALERTS_MAX) of them:
//!
//! ```json
//! { "source": "uptime",               // required: the sender, 1–64 of A–Z a–z 0–9 . _ -
//!   "key": "checkout-https",          // required: the group; one open incident per source+key
//!   "title": "Checkout is down",      // required
//!   "status": "firing",               // "firing" (default) or "resolved"
//!   "severity": "critical",           // optional: mapped like a `severity` label, or a level (P1)
//!   "runbook": "web-errors",          // optional: used when no [alerts] rule names one
//!   "labels": { "service": "checkout" }, // optional: matched by [[alerts.rules]]
//!   "summary": "3 of 3 probes failed",   // optional: one more line of detail
//!   "started_at": "2026-11-23T16:02:00Z" // optional: RFC 3339
//! }
//! ```
//!
//! Unknown fields are refused (a typo should not pass silently). For the mapping, the alert's
//! labels also carry `source`, and `severity` as the configured severity label.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use jiff::Timestamp;
use serde::Deserialize;

use super::land::{Report, land};
use super::{
    Alert, AlertStatus, Group, ID_CHARS, TEXT_CHARS, bounded_labels, clean, show_labels, too_many,
};
use crate::server::api::JsonBody;
use crate::server::auth::{Allowed, need};
use crate::server::error::{ApiError, Code, ErrorBody};
use crate::server::state::AppState;

/// Longest source name.
const SOURCE_CHARS: usize = 64;

/// One alert in the generic format.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookAlert {
    /// The sender.
    pub source: String,
    /// The group: alerts with the same source and key land on one incident.
    pub key: String,
    /// What is wrong, in one line.
    pub title: String,
    /// `firing` (default) or `resolved`.
    #[serde(default = "firing")]
    pub status: AlertStatus,
    /// The sender's severity: mapped like a severity label, or a level name.
    pub severity: Option<String>,
    /// The runbook the sender suggests.
    pub runbook: Option<String>,
    /// Labels for the `[alerts]` rules.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// One more line of detail.
    pub summary: Option<String>,
    /// When it began.
    pub started_at: Option<Timestamp>,
}

fn firing() -> AlertStatus {
    AlertStatus::Firing
}

/// Several alerts at once.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Batch {
    /// The alerts.
    pub alerts: Vec<serde_json::Value>,
}

/// The generic webhook: one alert, or `{"alerts": [...]}` (the format is in the module doc).
#[utoipa::path(
    post,
    path = "/api/v1/alerts/webhook",
    tag = "alerts",
    request_body(content = Object, description = "One alert, or {\"alerts\": [...]}"),
    extensions(("x-permission" = json!("send-alerts"))),
    responses(
        (status = 200, description = "What happened to each alert", body = Report),
        (status = "4XX", description = "Malformed, too large, or not allowed", body = ErrorBody),
    )
)]
pub(super) async fn receive(
    Allowed(caller, _): Allowed<need::SendAlerts>,
    State(state): State<AppState>,
    JsonBody(body): JsonBody<serde_json::Value>,
) -> Result<Json<Report>, ApiError> {
    let alerts = parse(body)?;
    let mapping = &state.service.config().alerts;
    let groups = groups(alerts, &mapping.severity_label)?;
    Ok(Json(land(&state, &caller, "webhook", groups).await?))
}

fn invalid(message: String) -> ApiError {
    ApiError::new(Code::Invalid, message)
}

/// One alert or a batch, each read strictly.
fn parse(body: serde_json::Value) -> Result<Vec<WebhookAlert>, ApiError> {
    let values = if body.get("alerts").is_some() {
        let batch: Batch = serde_json::from_value(body).map_err(|e| invalid(e.to_string()))?;
        if batch.alerts.len() > super::ALERTS_MAX {
            return Err(too_many(batch.alerts.len()));
        }
        batch.alerts
    } else {
        vec![body]
    };
    if values.is_empty() {
        return Err(invalid("no alerts in the request".into()));
    }
    values
        .into_iter()
        .enumerate()
        .map(|(i, v)| serde_json::from_value(v).map_err(|e| invalid(format!("alert {i}: {e}"))))
        .collect()
}

fn groups(alerts: Vec<WebhookAlert>, severity_label: &str) -> Result<Vec<Group>, ApiError> {
    let mut groups: Vec<Group> = Vec::new();
    for (index, a) in alerts.into_iter().enumerate() {
        let source = a.source.trim();
        let valid = !source.is_empty()
            && source.len() <= SOURCE_CHARS
            && source
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
        if !valid {
            return Err(invalid(format!(
                "alert {index}: source must be 1–{SOURCE_CHARS} letters, digits, '.', '_' or '-'"
            )));
        }
        let key = clean(&a.key, ID_CHARS);
        let title = clean(&a.title, TEXT_CHARS);
        if key.is_empty() || title.is_empty() {
            return Err(invalid(format!(
                "alert {index}: key and title must not be empty"
            )));
        }
        let rule = format!("webhook:{source}");
        let (mut labels, dropped) = bounded_labels(a.labels);
        labels.insert("source".into(), source.to_string());
        if let Some(severity) = &a.severity {
            labels.insert(severity_label.to_string(), clean(severity, ID_CHARS));
        }
        let shown_title = match a.summary.as_deref().map(|s| clean(s, TEXT_CHARS)) {
            Some(summary) if !summary.is_empty() => format!("{title} — {summary}"),
            _ => title.clone(),
        };
        let alert = Alert {
            index,
            status: a.status,
            id: key.clone(),
            title: shown_title,
            shown_labels: show_labels(&labels, dropped),
            labels,
            runbook: a
                .runbook
                .map(|r| clean(&r, ID_CHARS))
                .filter(|r| !r.is_empty()),
            starts_at: a.started_at,
            ends_at: None,
            link: None,
            runbook_url: None,
        };
        match groups.iter_mut().find(|g| g.rule == rule && g.key == key) {
            Some(g) => g.alerts.push(alert),
            None => groups.push(Group {
                rule,
                key,
                source: format!("{source} webhook"),
                title,
                alerts: vec![alert],
                note: None,
            }),
        }
    }
    Ok(groups)
}
