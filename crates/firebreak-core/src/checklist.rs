//! Checklists a responder works through: the first fifteen minutes, preserving evidence, and
//! the post-incident wrap-up. The default items are firebreak's own wording; a config file may
//! replace them and limit a list to some severities. The lists an incident gets are fixed when
//! it is declared (recorded in the declared event), so a later config change never rewrites a
//! past incident's record.

use serde::{Deserialize, Serialize};

/// A checklist template as written in config.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChecklistTemplate {
    /// Short name used on the command line, e.g. `initial`.
    pub name: String,
    /// Heading shown to people.
    pub title: String,
    /// The items, in order.
    pub items: Vec<String>,
    /// Severities that get this list; empty means all.
    #[serde(default)]
    pub severities: Vec<String>,
}

impl ChecklistTemplate {
    /// Whether an incident of `severity` gets this list.
    pub fn applies_to(&self, severity: &str) -> bool {
        self.severities.is_empty()
            || self
                .severities
                .iter()
                .any(|s| s.eq_ignore_ascii_case(severity))
    }
}

fn template(name: &str, title: &str, items: &[&str]) -> ChecklistTemplate {
    ChecklistTemplate {
        name: name.into(),
        title: title.into(),
        items: items.iter().map(|s| s.to_string()).collect(),
        severities: Vec::new(),
    }
}

/// firebreak's default lists.
pub fn defaults() -> Vec<ChecklistTemplate> {
    vec![
        template(
            "initial",
            "First 15 minutes",
            &[
                "Work out what is happening and what it touches",
                "Pick a severity from the policy and record it",
                "Name an incident commander and tell them",
                "Leave logs and systems as they are until evidence is captured",
                "Keep the timeline: note each finding and action as it happens",
                "Talk over a channel the incident cannot reach",
                "Check the host: service status, CPU, memory, disk, listening ports",
                "Look for OOM kills and crash loops in the kernel and service logs",
            ],
        ),
        template(
            "evidence",
            "Preserve evidence",
            &[
                "Application and service logs",
                "Container or unit logs",
                "Web server access and error logs",
                "Database query and audit logs",
                "Network captures or connection lists",
                "Running processes, sockets and logged-in users",
                "Digests (SHA-256) of everything collected",
            ],
        ),
        template(
            "post-incident",
            "After the incident",
            &[
                "Confirm the threat or fault is gone",
                "Rebuild or restore affected systems from a known-good state",
                "Rotate every credential that may have been exposed",
                "Remove temporary blocks and rate limits that are no longer needed",
                "Add the controls or alerts that would have caught this sooner",
                "Hold the post-incident review and assign action items",
                "Update the runbook with what was learned",
                "Tell stakeholders it is resolved",
            ],
        ),
    ]
}

/// An item as it stands in an incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChecklistItem {
    /// What to do.
    pub text: String,
    /// Who ticked it and when, if done.
    pub done: Option<crate::incident::Stamp>,
}

/// A list as it stands in an incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checklist {
    /// Short name, e.g. `initial`.
    pub name: String,
    /// Heading.
    pub title: String,
    /// Items in order.
    pub items: Vec<ChecklistItem>,
}

impl Checklist {
    /// A fresh list from a template.
    pub fn from_template(t: &ChecklistTemplate) -> Self {
        Self {
            name: t.name.clone(),
            title: t.title.clone(),
            items: t
                .items
                .iter()
                .map(|text| ChecklistItem {
                    text: text.clone(),
                    done: None,
                })
                .collect(),
        }
    }

    /// How many items are ticked.
    pub fn done_count(&self) -> usize {
        self.items.iter().filter(|i| i.done.is_some()).count()
    }
}
