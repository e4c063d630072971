//! A check's result as a finding of the same shape as a log rule's (`firebreak_detect`'s
//! `Finding`): rule `check:NAME`, key `check=NAME` (so each check has at most one open
//! incident, which later results update), the check's severity for critical and its
//! `warn_severity` for warn and unknown, its runbook, and the reason as the one sample. An ok
//! result is no finding. `--declare` and `serve` record it through the same path as `scan`
//! and `watch` (`Service::record_detection`).

use firebreak_core::check::{Check, Status};
use firebreak_detect::rule::{Counted, Finding, Sample};

use super::Report;

/// The rule id findings of the check `name` carry.
pub fn rule_id(name: &str) -> String {
    format!("check:{name}")
}

/// The finding for `report`, unless it is ok.
pub fn of(check: &Check, report: &Report) -> Option<Finding> {
    let severity = match report.status {
        Status::Ok => return None,
        Status::Critical => check.severity.clone(),
        Status::Warn | Status::Unknown => check.warn_severity.clone(),
    };
    let at = report.at.as_second();
    Some(Finding {
        rule: rule_id(&check.name),
        title: format!(
            "Check {} ({} {}) is {}",
            check.name,
            report.kind,
            report.target,
            report.status.as_str()
        ),
        severity,
        tags: vec![
            "check".into(),
            report.kind.into(),
            report.status.as_str().into(),
        ],
        runbook: check.runbook.clone(),
        key: vec![("check".into(), check.name.clone())],
        count: 1,
        counted: Counted::Lines,
        first_seen: Some(at),
        last_seen: Some(at),
        samples: vec![Sample {
            source: format!("check {}", check.name),
            line: 1,
            text: firebreak_core::detection::mask_secrets(&report.reason),
        }],
    })
}
