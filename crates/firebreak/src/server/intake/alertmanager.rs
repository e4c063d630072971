//! `POST /api/v1/alerts/alertmanager`: Prometheus Alertmanager's `webhook_config` receiver,
//! payload version 4. Point a receiver at it with a responder token:
//!
//! ```yaml
//! receivers:
//!   - name: firebreak
//!     webhook_configs:
//!       - url: https://firebreak.internal/api/v1/alerts/alertmanager
//!         send_resolved: true
//!         http_config:
//!           authorization: { credentials_file: /etc/alertmanager/firebreak.token }
//! ```
//!
//! The fields read are `version` (must be `"4"`), `groupKey`, `truncatedAlerts`, `status`,
//! `receiver`, `groupLabels`, `commonLabels`, `commonAnnotations`, `externalURL` and each alert's
//! `status`, `labels`, `annotations` (`summary`), `startsAt`, `endsAt`, `generatorURL` and
//! `fingerprint`. Other fields (senders such as Grafana add some) are ignored. One request is
//! one group: its firing alerts land as one finding keyed by the group labels.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use serde::Deserialize;

use super::land::{Report, land};
use super::{
    Alert, AlertStatus, Group, ID_CHARS, TEXT_CHARS, bounded_labels, clean, show_labels, time,
    too_many,
};
use crate::server::api::JsonBody;
use crate::server::auth::{Allowed, need};
use crate::server::error::{ApiError, Code, ErrorBody};
use crate::server::state::AppState;

/// The notification Alertmanager posts (the fields firebreak reads).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Notification {
    /// Payload format version; `"4"`.
    pub version: String,
    /// Identifies the group (route and group labels).
    pub group_key: String,
    /// Alerts Alertmanager left out because of the receiver's `max_alerts`.
    #[serde(default)]
    pub truncated_alerts: u64,
    /// `firing` while any alert of the group fires.
    pub status: AlertStatus,
    /// The receiver's name.
    pub receiver: String,
    /// The labels the group was formed by.
    #[serde(default)]
    pub group_labels: BTreeMap<String, String>,
    /// Labels every alert of the group carries.
    #[serde(default)]
    pub common_labels: BTreeMap<String, String>,
    /// Annotations every alert of the group carries.
    #[serde(default)]
    pub common_annotations: BTreeMap<String, String>,
    /// Alertmanager's own address.
    #[serde(rename = "externalURL", default)]
    pub external_url: String,
    /// The alerts.
    pub alerts: Vec<AmAlert>,
}

/// One alert of a notification.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AmAlert {
    /// `firing` or `resolved`.
    pub status: AlertStatus,
    /// Its labels (`alertname`, `severity`, `instance`, …).
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Its annotations (`summary`, `description`, …).
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    /// When it started firing (RFC 3339).
    #[serde(default)]
    pub starts_at: Option<String>,
    /// When it stopped (Go's zero time while firing).
    #[serde(default)]
    pub ends_at: Option<String>,
    /// The Prometheus expression browser link.
    #[serde(rename = "generatorURL", default)]
    pub generator_url: String,
    /// Identifies the alert (a hash of its labels).
    #[serde(default)]
    pub fingerprint: String,
}

/// Alertmanager's webhook (payload version 4).
#[utoipa::path(
    post,
    path = "/api/v1/alerts/alertmanager",
    tag = "alerts",
    request_body = Notification,
    extensions(("x-permission" = json!("send-alerts"))),
    responses(
        (status = 200, description = "What happened to each alert", body = Report),
        (status = "4XX", description = "Malformed, too large, or not allowed", body = ErrorBody),
    )
)]
pub(super) async fn receive(
    Allowed(caller, _): Allowed<need::SendAlerts>,
    State(state): State<AppState>,
    JsonBody(note): JsonBody<Notification>,
) -> Result<Json<Report>, ApiError> {
    let group = group(note)?;
    Ok(Json(
        land(&state, &caller, "alertmanager", vec![group]).await?,
    ))
}

/// The notification as one group, checked and bounded.
fn group(note: Notification) -> Result<Group, ApiError> {
    if note.version != "4" {
        return Err(ApiError::new(
            Code::Invalid,
            format!(
                "Alertmanager webhook payload version {:?} is not supported; firebreak reads version \"4\"",
                note.version
            ),
        ));
    }
    if note.alerts.len() > super::ALERTS_MAX {
        return Err(too_many(note.alerts.len()));
    }
    let (group_labels, dropped) = bounded_labels(note.group_labels);
    let key = if group_labels.is_empty() {
        clean(&note.group_key, ID_CHARS)
    } else {
        clean(&show_labels(&group_labels, dropped), ID_CHARS)
    };
    let title = note
        .common_annotations
        .get("summary")
        .or_else(|| note.common_labels.get("alertname"))
        .or_else(|| group_labels.get("alertname"))
        .map(|t| clean(t, TEXT_CHARS))
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| "Alertmanager alert group".into());
    let note_text = (note.truncated_alerts > 0).then(|| {
        format!(
            "Alertmanager left out {} more alerts of this group (the receiver's max_alerts)",
            note.truncated_alerts
        )
    });
    let alerts = note
        .alerts
        .into_iter()
        .enumerate()
        .map(|(index, a)| alert(index, a))
        .collect();
    Ok(Group {
        rule: "alertmanager".into(),
        key,
        source: clean(
            &format!("Alertmanager receiver {}", note.receiver),
            TEXT_CHARS,
        ),
        title,
        alerts,
        note: note_text,
    })
}

fn alert(index: usize, a: AmAlert) -> Alert {
    let (annotations, _) = bounded_labels(a.annotations);
    let (labels, dropped) = bounded_labels(a.labels);
    let id = match clean(&a.fingerprint, ID_CHARS) {
        f if f.is_empty() => format!("alert {}", index + 1),
        f => f,
    };
    let title = annotations
        .get("summary")
        .or_else(|| labels.get("alertname"))
        .map(|t| clean(t, TEXT_CHARS))
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| id.clone());
    Alert {
        index,
        status: a.status,
        id,
        title,
        shown_labels: show_labels(&labels, dropped),
        labels,
        runbook: None,
        starts_at: time(a.starts_at.as_deref()),
        ends_at: time(a.ends_at.as_deref()),
        link: Some(clean(&a.generator_url, TEXT_CHARS)).filter(|l| !l.is_empty()),
        runbook_url: annotations
            .get("runbook_url")
            .map(|u| clean(u, TEXT_CHARS))
            .filter(|u| !u.is_empty()),
    }
}
