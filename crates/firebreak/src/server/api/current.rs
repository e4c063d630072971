//! The incident as a change answers it: every field of the incident except the three histories
//! that grow without bound — notes, evidence items and findings — which are counted instead.
//! `GET /api/v1/incidents/{id}` lists them. A note added to an incident that already has ten
//! thousand would otherwise answer with all of them, most of a megabyte of JSON written for
//! every note; the note itself is in the answer's `recorded` events.

use std::collections::BTreeMap;
use std::sync::Arc;

use firebreak_core::checklist::Checklist;
use firebreak_core::incident::{ActionItem, Stamp};
use firebreak_core::journal::Head;
use firebreak_core::review::Document;
use firebreak_core::{Incident, IncidentId, Status};
use jiff::Timestamp;
use serde::{Serialize, Serializer};

/// An incident after a change, answered without its unbounded histories (see the module).
#[derive(Debug, Clone)]
pub struct Current(pub Arc<Incident>);

/// How [`Current`] is written: the incident's own field names, with counts for the lists left
/// out.
#[derive(Serialize)]
struct View<'a> {
    id: &'a IncidentId,
    title: &'a str,
    summary: Option<&'a str>,
    severity: &'a str,
    status: Status,
    started_at: Timestamp,
    detected_at: Timestamp,
    declared: &'a Stamp,
    acknowledged: Option<&'a Stamp>,
    contained_at: Option<Timestamp>,
    resolved_at: Option<Timestamp>,
    closed_at: Option<Timestamp>,
    roles: &'a BTreeMap<String, String>,
    checklists: &'a [Checklist],
    actions: &'a [ActionItem],
    last_update_at: Timestamp,
    updated_at: Timestamp,
    reopened: u32,
    evidence: u32,
    review: &'a Document,
    merged_into: Option<&'a str>,
    merged_from: &'a [String],
    links: &'a [String],
    purged: &'a [String],
    head: &'a Head,
    /// How many notes it has (`notes` of the full incident).
    note_count: usize,
    /// How many evidence items it lists (`evidence_items` of the full incident).
    evidence_item_count: usize,
    /// How many findings it carries (`detections` of the full incident).
    detection_count: usize,
}

impl Serialize for Current {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let i = &*self.0;
        View {
            id: &i.id,
            title: &i.title,
            summary: i.summary.as_deref(),
            severity: &i.severity,
            status: i.status,
            started_at: i.started_at,
            detected_at: i.detected_at,
            declared: &i.declared,
            acknowledged: i.acknowledged.as_ref(),
            contained_at: i.contained_at,
            resolved_at: i.resolved_at,
            closed_at: i.closed_at,
            roles: &i.roles,
            checklists: &i.checklists,
            actions: &i.actions,
            last_update_at: i.last_update_at,
            updated_at: i.updated_at,
            reopened: i.reopened,
            evidence: i.evidence,
            review: &i.review,
            merged_into: i.merged_into.as_deref(),
            merged_from: &i.merged_from,
            links: &i.links,
            purged: &i.purged,
            head: &i.head,
            note_count: i.notes.len(),
            evidence_item_count: i.evidence_items.len(),
            detection_count: i.detections.len(),
        }
        .serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use firebreak_core::change::{Change, Declared};
    use firebreak_core::journal::Event;

    /// Every field of the full incident is answered, under the same name, except the three
    /// histories, which are counted: a field added to `Incident` later must be placed here
    /// one way or the other, or this fails.
    #[test]
    fn a_change_answers_every_field_but_the_histories_which_it_counts() {
        let id: IncidentId = "INC-2026-12-07-001".parse().expect("id");
        let now = Timestamp::now();
        let changes = [
            Change::Declared(Declared {
                title: "Checkout down".into(),
                summary: None,
                severity: "P2".into(),
                started_at: now,
                detected_at: now,
                checklists: Vec::new(),
            }),
            Change::NoteAdded { text: "one".into() },
            Change::NoteAdded { text: "two".into() },
        ];
        let events = Event::chain(id, Head::default(), now, "dana", &changes);
        let incident = Incident::from_events(&events).expect("folds");
        let full = serde_json::to_value(&incident).expect("json");
        let answered = serde_json::to_value(Current(Arc::new(incident))).expect("json");
        let (full, answered) = (
            full.as_object().expect("map"),
            answered.as_object().expect("map"),
        );
        for (name, value) in full {
            match name.as_str() {
                "notes" | "evidence_items" | "detections" => {
                    assert!(!answered.contains_key(name), "{name} is answered")
                }
                _ => assert_eq!(answered.get(name), Some(value), "{name}"),
            }
        }
        assert_eq!(answered["note_count"], 2);
        assert_eq!(answered["evidence_item_count"], 0);
        assert_eq!(answered["detection_count"], 0);
    }
}
