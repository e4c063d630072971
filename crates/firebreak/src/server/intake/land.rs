//! Landing received alert groups on incidents through the service, and the answer saying what
//! happened to each alert.

use firebreak_core::IncidentId;
use firebreak_core::change::AlertResolved;
use firebreak_core::detection::{ALERTS_MAX, Detection, SAMPLES_MAX};
use jiff::Timestamp;
use serde::Serialize;

use super::mapping::{self, Mapped};
use super::{Alert, AlertStatus, Group};
use crate::server::auth::Caller;
use crate::server::error::ApiError;
use crate::server::state::AppState;
use crate::service::{Service, ServiceError};

/// What happened to one alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Landing {
    /// A new incident was declared for its group.
    Declared,
    /// It was added to its group's open incident.
    Updated,
    /// Its resolution was recorded on its group's incident.
    Resolved,
    /// Nothing was recorded; `reason` says why.
    Ignored,
}

/// The answer for one alert.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Outcome {
    /// Its position in the request, from 0.
    pub index: usize,
    /// Its fingerprint (Alertmanager) or key (webhook).
    pub alert: String,
    /// As sent.
    pub status: AlertStatus,
    /// What happened.
    pub outcome: Landing,
    /// The incident it landed on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incident: Option<String>,
    /// The level the mapping gave it (firing alerts).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
    /// The runbook the mapping suggests for it (firing alerts).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runbook: Option<String>,
    /// Why it was ignored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The answer to one delivery.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Report {
    /// How many alerts the request carried.
    pub received: usize,
    /// One entry per alert, in the order sent.
    pub alerts: Vec<Outcome>,
}

fn outcome(alert: &Alert, landing: Landing, incident: Option<&IncidentId>) -> Outcome {
    Outcome {
        index: alert.index,
        alert: alert.id.clone(),
        status: alert.status,
        outcome: landing,
        incident: incident.map(ToString::to_string),
        severity: None,
        runbook: None,
        reason: None,
    }
}

/// Records `groups` from `source` (`alertmanager`, `webhook`) in the caller's name.
pub(super) async fn land(
    state: &AppState,
    caller: &Caller,
    source: &str,
    groups: Vec<Group>,
) -> Result<Report, ApiError> {
    let service = state.service_for(caller);
    let received = groups.iter().map(|g| g.alerts.len()).sum();
    for alert in groups.iter().flat_map(|g| &g.alerts) {
        state.metrics.alert(source, alert.status.as_str());
    }
    let mut alerts = Vec::with_capacity(received);
    for group in groups {
        let sent: Vec<Alert> = group.alerts.clone();
        match land_group(state, &service, group).await {
            Ok(landed) => alerts.extend(landed),
            // One damaged incident refuses only the alerts of its own group; the other groups of
            // the delivery still land. The alerts are answered as ignored, with the reason.
            Err(ServiceError::Damaged(why)) => {
                tracing::error!(%why, "alert group not recorded: its incident does not verify");
                let reason = format!(
                    "not recorded: its group's incident does not verify ({why}); run `firebreak verify`"
                );
                alerts.extend(sent.iter().map(|a| Outcome {
                    reason: Some(reason.clone()),
                    ..outcome(a, Landing::Ignored, None)
                }));
            }
            Err(other) => return Err(other.into()),
        }
    }
    alerts.sort_by_key(|o| o.index);
    Ok(Report { received, alerts })
}

async fn land_group(
    state: &AppState,
    service: &Service,
    group: Group,
) -> Result<Vec<Outcome>, ServiceError> {
    let config = service.config();
    let mut target = service.open_incident_for(&group.rule, &group.key).await?;
    let mut outcomes = Vec::new();
    let (firing, resolved): (Vec<&Alert>, Vec<&Alert>) = group
        .alerts
        .iter()
        .partition(|a| a.status == AlertStatus::Firing);
    if !firing.is_empty() {
        let mapped: Vec<Mapped> = firing
            .iter()
            .map(|a| {
                mapping::map(
                    &config.alerts,
                    &config.policy,
                    &a.labels,
                    a.runbook.as_deref(),
                )
            })
            .collect();
        let severity = mapped
            .iter()
            .map(|m| m.severity.as_str())
            .min_by_key(|s| config.policy.rank(s))
            .unwrap_or(config.alerts.default_severity.as_str())
            .to_string();
        let found = finding(&group, &firing, &mapped);
        let landed = service.land_finding(&found, &severity, target).await?;
        let id = landed.incident().id;
        state.feed.changed(&id);
        state.metrics.appended(landed.events());
        // A declaration may have queued the chain's messages.
        if matches!(landed, crate::service::Landed::Declared(_)) {
            state.deliver(id);
        }
        target = Some(id);
        let landing = match landed {
            crate::service::Landed::Declared(_) => Landing::Declared,
            crate::service::Landed::Added(..) => Landing::Updated,
        };
        for (alert, m) in firing.iter().zip(mapped) {
            outcomes.push(Outcome {
                severity: Some(m.severity),
                runbook: m.runbook,
                ..outcome(alert, landing, Some(&id))
            });
        }
    }
    if resolved.is_empty() {
        return Ok(outcomes);
    }
    let Some(id) = target else {
        outcomes.extend(resolved.iter().map(|a| Outcome {
            reason: Some("no open incident carries this alert's group".into()),
            ..outcome(a, Landing::Ignored, None)
        }));
        return Ok(outcomes);
    };
    let records: Vec<AlertResolved> = resolved
        .iter()
        .map(|a| AlertResolved {
            rule: group.rule.clone(),
            alert: a.id.clone(),
            title: a.title.clone(),
            ended_at: a.ends_at.filter(|t| *t <= Timestamp::now()),
        })
        .collect();
    match service.record_resolved(&id, &records).await {
        Ok(recorded) => {
            state.feed.changed(&id);
            state.metrics.appended(recorded.events.len());
            outcomes.extend(
                resolved
                    .iter()
                    .map(|a| outcome(a, Landing::Resolved, Some(&id))),
            );
        }
        Err(ServiceError::Refused(why)) => {
            outcomes.extend(resolved.iter().map(|a| Outcome {
                reason: Some(why.to_string()),
                ..outcome(a, Landing::Ignored, Some(&id))
            }));
        }
        Err(other) => return Err(other),
    }
    Ok(outcomes)
}

/// The finding for a group's firing alerts: one sample line per alert (as many as a detection
/// keeps), counted, timed from the earliest start.
fn finding(group: &Group, firing: &[&Alert], mapped: &[Mapped]) -> Detection {
    let now = Timestamp::now();
    let starts = firing
        .iter()
        .filter_map(|a| a.starts_at)
        .filter(|t| *t <= now);
    let mut room = SAMPLES_MAX - usize::from(group.note.is_some());
    if firing.len() > room {
        room -= 1; // for the "… and N more" line
    }
    let mut samples: Vec<String> = firing
        .iter()
        .take(room)
        .map(|a| {
            let since = a
                .starts_at
                .map(|t| format!(" since {t}"))
                .unwrap_or_default();
            let link = a.link.as_ref().map(|l| format!(" {l}")).unwrap_or_default();
            format!(
                "{} firing{since}: {} [{}]{link}",
                a.id, a.title, a.shown_labels
            )
        })
        .collect();
    if firing.len() > room {
        samples.push(format!("… and {} more firing", firing.len() - room));
    }
    samples.extend(group.note.clone());
    Detection {
        rule: group.rule.clone(),
        title: group.title.clone(),
        key: group.key.clone(),
        count: u64::try_from(firing.len()).unwrap_or(u64::MAX),
        first_seen: starts.clone().min(),
        last_seen: starts.max(),
        source: group.source.clone(),
        samples,
        runbook: mapped.iter().find_map(|m| m.runbook.clone()),
        tags: vec!["alert".into()],
        alerts: firing.iter().take(ALERTS_MAX).map(|a| a.seen()).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert(index: usize) -> Alert {
        Alert {
            index,
            status: AlertStatus::Firing,
            id: format!("fp{index}"),
            title: "Disk full".into(),
            labels: Default::default(),
            shown_labels: "alertname=DiskFull".into(),
            runbook: None,
            starts_at: Some("2026-11-23T09:00:00Z".parse().expect("time")),
            ends_at: None,
            link: None,
            runbook_url: None,
        }
    }

    #[test]
    fn a_large_group_keeps_a_few_samples_and_says_how_many_more() {
        let alerts: Vec<Alert> = (0..8).map(alert).collect();
        let group = Group {
            rule: "alertmanager".into(),
            key: "alertname=DiskFull".into(),
            source: "Alertmanager receiver firebreak".into(),
            title: "DiskFull".into(),
            alerts: alerts.clone(),
            note: Some("Alertmanager left out 3 more alerts".into()),
        };
        let firing: Vec<&Alert> = alerts.iter().collect();
        let mapped = vec![
            Mapped {
                severity: "P3".into(),
                runbook: None
            };
            8
        ];
        let found = finding(&group, &firing, &mapped);
        assert_eq!(found.count, 8);
        assert_eq!(found.samples.len(), SAMPLES_MAX);
        assert_eq!(
            found.samples[0],
            "fp0 firing since 2026-11-23T09:00:00Z: Disk full [alertname=DiskFull]"
        );
        assert_eq!(found.samples[3], "… and 5 more firing");
        assert_eq!(found.samples[4], "Alertmanager left out 3 more alerts");
    }
}
