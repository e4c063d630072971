//! Applying the `[alerts]` mapping of `firebreak.toml` to one alert's labels: which severity
//! level and which runbook it gets. The order of the lookups is documented once, on
//! [`AlertsConfig`](firebreak_core::config::AlertsConfig); the mapping itself is built and
//! checked against the policy when the config is loaded.

use std::collections::BTreeMap;

use firebreak_core::Policy;
use firebreak_core::config::{AlertMapping, AlertRule};

/// What the mapping gives one alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapped {
    /// A level of the policy.
    pub severity: String,
    /// The suggested runbook, if any.
    pub runbook: Option<String>,
}

fn matches(rule: &AlertRule, labels: &BTreeMap<String, String>) -> bool {
    rule.matches
        .iter()
        .all(|(name, value)| labels.get(name) == Some(value))
}

/// Maps an alert with `labels`; `own_runbook` is the runbook its sender named, if any.
pub fn map(
    mapping: &AlertMapping,
    policy: &Policy,
    labels: &BTreeMap<String, String>,
    own_runbook: Option<&str>,
) -> Mapped {
    let matching = || mapping.rules.iter().filter(|r| matches(r, labels));
    let severity = matching()
        .find_map(|r| r.severity.clone())
        .or_else(|| {
            let given = labels.get(&mapping.severity_label)?.trim();
            mapping
                .severities
                .get(&given.to_lowercase())
                .cloned()
                .or_else(|| policy.find(given).map(|l| l.name.clone()))
        })
        .unwrap_or_else(|| mapping.default_severity.clone());
    let runbook = matching()
        .find_map(|r| r.runbook.clone())
        .or_else(|| own_runbook.map(str::to_string));
    Mapped { severity, runbook }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn rules_then_severity_label_then_level_names_then_default() {
        let policy = Policy::preset("default").expect("preset");
        let mut mapping = AlertMapping::defaults(&policy);
        mapping.rules.push(AlertRule {
            matches: labels(&[("alertname", "DiskFull")]),
            severity: None,
            runbook: Some("disk".into()),
        });
        mapping.rules.push(AlertRule {
            matches: labels(&[("alertname", "DiskFull"), ("service", "db")]),
            severity: Some("P1".into()),
            runbook: Some("db-disk".into()),
        });
        let m = |pairs: &[(&str, &str)]| map(&mapping, &policy, &labels(pairs), None);
        assert_eq!(
            m(&[("alertname", "DiskFull"), ("service", "db")]),
            Mapped {
                severity: "P1".into(),
                runbook: Some("disk".into())
            }
        );
        assert_eq!(m(&[("alertname", "DiskFull")]).severity, "P4");
        assert_eq!(m(&[("severity", "Critical")]).severity, "P1");
        assert_eq!(m(&[("severity", "warning")]).severity, "P3");
        assert_eq!(m(&[("severity", "p2")]).severity, "P2");
        assert_eq!(m(&[("severity", "info")]).severity, "P4");
        assert_eq!(
            map(&mapping, &policy, &labels(&[]), Some("own")).runbook,
            Some("own".into())
        );
    }
}
