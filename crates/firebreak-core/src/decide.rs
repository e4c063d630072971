//! Decisions: given an incident's current state and a request, either the changes to record or
//! the reason the request is refused. These functions are pure; nothing is written until the
//! caller appends what they return, and a refusal leaves the record untouched.

use jiff::Timestamp;
use jiff::civil::Date;

use crate::change::{AlertResolved, Change, Declared};
use crate::checklist::{Checklist, ChecklistTemplate};
use crate::detection::Detection;
use crate::error::DomainError;
use crate::evidence::{Collected, Custody, Item, Tombstone};
use crate::incident::Incident;
use crate::policy::Policy;
use crate::review::{Field, State as ReviewState};
use crate::status::Status;

/// The role whose holder leads the response.
pub const COMMANDER: &str = "commander";
/// Well-known roles; any other name made of letters, digits, `-` and `_` is accepted too.
pub const ROLES: [&str; 3] = [COMMANDER, "first-responder", "communications"];

const TITLE_MAX: usize = 200;
const TEXT_MAX: usize = 10_000;
const NAME_MAX: usize = 100;

fn text(what: &'static str, value: &str, max: usize) -> Result<String, DomainError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(DomainError::EmptyText(what));
    }
    let len = value.chars().count();
    if len > max {
        return Err(DomainError::TooLong { what, len, max });
    }
    Ok(value.to_string())
}

fn one_line(what: &'static str, value: &str, max: usize) -> Result<String, DomainError> {
    let value = text(what, value, max)?;
    if value.chars().any(char::is_control) {
        return Err(DomainError::Invalid(format!(
            "the {what} must be a single line without control characters"
        )));
    }
    Ok(value)
}

fn open(incident: &Incident) -> Result<(), DomainError> {
    if incident.status == Status::Closed {
        return Err(DomainError::Closed);
    }
    Ok(())
}

/// What someone asks for when declaring.
#[derive(Debug, Clone)]
pub struct Declaration<'a> {
    /// One-line title.
    pub title: &'a str,
    /// Optional longer summary.
    pub summary: Option<&'a str>,
    /// Severity name.
    pub severity: &'a str,
    /// When it began; defaults to detection.
    pub started_at: Option<Timestamp>,
    /// When it was noticed; defaults to now.
    pub detected_at: Option<Timestamp>,
    /// Who commands the response, if already known.
    pub commander: Option<&'a str>,
    /// The log detection that raised it, if one did.
    pub detection: Option<&'a Detection>,
    /// Now.
    pub now: Timestamp,
}

/// Validates a declaration and returns the new incident's first changes: the declaration, and
/// the commander's assignment if one was named.
pub fn declare(
    policy: &Policy,
    templates: &[ChecklistTemplate],
    d: &Declaration<'_>,
) -> Result<Vec<Change>, DomainError> {
    let title = one_line("title", d.title, TITLE_MAX).map_err(|e| match e {
        DomainError::EmptyText(_) => DomainError::EmptyTitle,
        other => other,
    })?;
    let summary = d
        .summary
        .map(|s| text("summary", s, TEXT_MAX))
        .transpose()?;
    let severity = policy.level(d.severity)?.name.clone();
    let detected_at = crate::journal::precise(d.detected_at.unwrap_or(d.now));
    let started_at = crate::journal::precise(d.started_at.unwrap_or(detected_at));
    if detected_at > d.now || started_at > d.now {
        return Err(DomainError::Invalid(
            "start and detection times cannot be in the future".into(),
        ));
    }
    if started_at > detected_at {
        return Err(DomainError::Invalid(
            "the incident cannot start after it was detected".into(),
        ));
    }
    let checklists = templates
        .iter()
        .filter(|t| t.applies_to(&severity))
        .map(Checklist::from_template)
        .collect();
    let mut changes = vec![Change::Declared(Declared {
        title,
        summary,
        severity,
        started_at,
        detected_at,
        checklists,
    })];
    if let Some(person) = d.commander {
        changes.push(Change::RoleAssigned {
            role: COMMANDER.into(),
            person: one_line("person", person, NAME_MAX)?,
        });
    }
    if let Some(found) = d.detection {
        changes.push(Change::Detected(found.clone().bounded()));
    }
    Ok(changes)
}

/// Records more of what log detection found on an open incident (the same rule and key, or a
/// new one). Resolved and closed incidents take no more: detection declares a new incident.
pub fn detected(incident: &Incident, found: &Detection) -> Result<Vec<Change>, DomainError> {
    if matches!(incident.status, Status::Resolved | Status::Closed) {
        return Err(DomainError::Invalid(format!(
            "{} is {}: new detections open a new incident",
            incident.id, incident.status
        )));
    }
    Ok(vec![Change::Detected(found.clone().bounded())])
}

/// Records that alerts which raised or joined the incident stopped firing. Only the timeline
/// changes: resolving the incident stays a person's decision. A closed incident takes no more.
pub fn alerts_resolved(
    incident: &Incident,
    resolved: &[AlertResolved],
) -> Result<Vec<Change>, DomainError> {
    open(incident)?;
    if resolved.is_empty() {
        return Err(DomainError::NoChange("no resolved alerts to record".into()));
    }
    Ok(resolved
        .iter()
        .map(|r| Change::AlertResolved(r.clone().bounded()))
        .collect())
}

/// Acknowledges the incident.
pub fn acknowledge(incident: &Incident) -> Result<Vec<Change>, DomainError> {
    open(incident)?;
    if let Some(a) = &incident.acknowledged {
        return Err(DomainError::NoChange(format!(
            "{} was already acknowledged by {}",
            incident.id, a.by
        )));
    }
    Ok(vec![Change::Acknowledged {}])
}

/// The statuses an incident in `from` may move to with [`set_status`]: forward only, and closed
/// only from resolved. Forms offer exactly these.
pub fn status_moves(from: Status) -> Vec<Status> {
    Status::ALL
        .into_iter()
        .filter(|to| *to > from && (*to != Status::Closed || from == Status::Resolved))
        .collect()
}

/// Moves the status forward. An unacknowledged incident is acknowledged on the way, since
/// someone is plainly responding. Closing needs a published review when the policy requires
/// one at the incident's severity.
pub fn set_status(
    incident: &Incident,
    policy: &Policy,
    to: Status,
    reason: Option<&str>,
) -> Result<Vec<Change>, DomainError> {
    let from = incident.status;
    if from == Status::Closed && to != Status::Closed {
        return Err(DomainError::InvalidTransition {
            from,
            to,
            hint: "reopen it with firebreak reopen INC --reason …",
        });
    }
    if from == to {
        return Err(DomainError::NoChange(format!(
            "{} is already {to}",
            incident.id
        )));
    }
    if to < from {
        return Err(DomainError::InvalidTransition {
            from,
            to,
            hint: "status only moves forward; use firebreak reopen INC --reason … to go back",
        });
    }
    if to == Status::Closed && from != Status::Resolved {
        return Err(DomainError::InvalidTransition {
            from,
            to,
            hint: "resolve it first",
        });
    }
    if to == Status::Closed
        && policy.requires_review(&incident.severity)
        && incident.review.state != ReviewState::Published
    {
        return Err(DomainError::ReviewRequired {
            incident: incident.id.to_string(),
            severity: incident.severity.clone(),
            state: incident.review.state,
        });
    }
    let reason = reason.map(|r| text("reason", r, TEXT_MAX)).transpose()?;
    let mut changes = Vec::new();
    if incident.acknowledged.is_none() {
        changes.push(Change::Acknowledged {});
    }
    changes.push(Change::StatusChanged { from, to, reason });
    Ok(changes)
}

/// Reopens a resolved or closed incident.
pub fn reopen(incident: &Incident, reason: &str) -> Result<Vec<Change>, DomainError> {
    if let Some(into) = &incident.merged_into {
        return Err(DomainError::Invalid(format!(
            "{} was merged into {into}; work on {into} instead",
            incident.id
        )));
    }
    let from = incident.status;
    if from.is_open() {
        return Err(DomainError::NoChange(format!(
            "{} is still {from}; only resolved or closed incidents reopen",
            incident.id
        )));
    }
    let reason = text("reason", reason, TEXT_MAX)?;
    Ok(vec![Change::Reopened { from, reason }])
}

/// Changes the severity.
pub fn set_severity(
    incident: &Incident,
    policy: &Policy,
    to: &str,
    reason: Option<&str>,
) -> Result<Vec<Change>, DomainError> {
    open(incident)?;
    let to = policy.level(to)?.name.clone();
    if to == incident.severity {
        return Err(DomainError::NoChange(format!(
            "{} is already {to}",
            incident.id
        )));
    }
    let reason = reason.map(|r| text("reason", r, TEXT_MAX)).transpose()?;
    Ok(vec![Change::SeverityChanged {
        from: incident.severity.clone(),
        to,
        reason,
    }])
}

/// Normalises a role name: lower case, spaces and underscores become `-`.
pub fn role_name(role: &str) -> Result<String, DomainError> {
    let name: String = role
        .trim()
        .to_lowercase()
        .chars()
        .map(|c| if c == ' ' || c == '_' { '-' } else { c })
        .collect();
    let name = match name.as_str() {
        "ic" | "incident-commander" | "lead" => COMMANDER.to_string(),
        "fr" | "responder" => "first-responder".to_string(),
        "comms" | "communication" => "communications".to_string(),
        _ => name,
    };
    let valid = !name.is_empty()
        && name.len() <= 40
        && name.chars().all(|c| c.is_alphanumeric() || c == '-');
    if valid {
        Ok(name)
    } else {
        Err(DomainError::InvalidRole(role.to_string()))
    }
}

/// Gives someone a role.
pub fn assign(incident: &Incident, role: &str, person: &str) -> Result<Vec<Change>, DomainError> {
    open(incident)?;
    let role = role_name(role)?;
    let person = one_line("person", person, NAME_MAX)?;
    if incident.roles.get(&role) == Some(&person) {
        return Err(DomainError::NoChange(format!(
            "{person} is already {role} of {}",
            incident.id
        )));
    }
    Ok(vec![Change::RoleAssigned { role, person }])
}

/// Adds a note.
pub fn note(incident: &Incident, note: &str) -> Result<Vec<Change>, DomainError> {
    open(incident)?;
    Ok(vec![Change::NoteAdded {
        text: text("note", note, TEXT_MAX)?,
    }])
}

/// Ticks (or unticks) item `item` (from 1) of list `list`.
pub fn tick(
    incident: &Incident,
    list: &str,
    item: usize,
    done: bool,
) -> Result<Vec<Change>, DomainError> {
    open(incident)?;
    let names = || {
        incident
            .checklists
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let checklist = incident
        .checklists
        .iter()
        .find(|c| c.name.eq_ignore_ascii_case(list.trim()))
        .ok_or_else(|| {
            DomainError::NotFound(format!(
                "{} has no checklist {list:?}; it has {}",
                incident.id,
                names()
            ))
        })?;
    let entry = item
        .checked_sub(1)
        .and_then(|i| checklist.items.get(i))
        .ok_or_else(|| {
            DomainError::NotFound(format!(
                "checklist {} has items 1 to {}, not {item}",
                checklist.name,
                checklist.items.len()
            ))
        })?;
    if entry.done.is_some() == done {
        let state = if done { "already ticked" } else { "not ticked" };
        return Err(DomainError::NoChange(format!(
            "{} item {item} is {state}",
            checklist.name
        )));
    }
    Ok(vec![Change::ChecklistTicked {
        list: checklist.name.clone(),
        item,
        done,
    }])
}

/// Adds an action item.
pub fn add_action(
    incident: &Incident,
    what: &str,
    owner: Option<&str>,
    due: Option<Date>,
) -> Result<Vec<Change>, DomainError> {
    let text = text("action item", what, TEXT_MAX)?;
    let owner = owner.map(|o| one_line("owner", o, NAME_MAX)).transpose()?;
    let number = incident.actions.iter().map(|a| a.number).max().unwrap_or(0) + 1;
    Ok(vec![Change::ActionAdded {
        number,
        text,
        owner,
        due,
    }])
}

/// Marks an action item done.
pub fn finish_action(incident: &Incident, number: u32) -> Result<Vec<Change>, DomainError> {
    let action = incident
        .actions
        .iter()
        .find(|a| a.number == number)
        .ok_or_else(|| {
            DomainError::NotFound(format!(
                "{} has no action item {number} (it has {})",
                incident.id,
                incident.actions.len()
            ))
        })?;
    if action.done.is_some() {
        return Err(DomainError::NoChange(format!(
            "action item {number} is already done"
        )));
    }
    Ok(vec![Change::ActionDone { number }])
}

/// Gives collected items their ids (`E1`, `E2`, … in collection order) and records them, in
/// an open incident. The bytes are already in the store; an item is registered only here.
pub fn add_evidence(
    incident: &Incident,
    collected: &[Collected],
    reason: Option<&str>,
) -> Result<Vec<Change>, DomainError> {
    open(incident)?;
    let reason = reason.map(|r| text("reason", r, TEXT_MAX)).transpose()?;
    let first = incident.evidence_items.len() + 1;
    Ok(collected
        .iter()
        .enumerate()
        .map(|(i, c)| {
            Change::EvidenceAdded(Item {
                id: format!("E{}", first + i),
                kind: c.kind,
                sha256: c.sha256.clone(),
                size: c.size,
                origin: c.origin.clone(),
                reason: reason.clone(),
                changed_while_reading: c.changed_while_reading,
            })
        })
        .collect())
}

/// Records a custody event for items of the incident (any status: evidence is exported and
/// handed over after an incident closes, too).
pub fn custody(incident: &Incident, custody: Custody) -> Result<Vec<Change>, DomainError> {
    for id in &custody.items {
        if !incident.evidence_items.iter().any(|i| &i.id == id) {
            return Err(DomainError::Invalid(format!(
                "{} has no evidence item {id}",
                incident.id
            )));
        }
    }
    if let Some(r) = &custody.reason {
        text("reason", r, TEXT_MAX)?;
    }
    if let Some(d) = &custody.detail {
        text("detail", d, TEXT_MAX)?;
    }
    Ok(vec![Change::EvidenceCustody(custody)])
}

/// Deletes nothing itself: decides whether a purge may be recorded (only for a closed incident,
/// with a reason) and what its tombstone holds.
pub fn purge(incident: &Incident, reason: &str) -> Result<Vec<Change>, DomainError> {
    if incident.status != Status::Closed {
        return Err(DomainError::Invalid(format!(
            "{} is {}; evidence can only be purged from a closed incident",
            incident.id, incident.status
        )));
    }
    let reason = text("reason", reason, TEXT_MAX)?;
    let items: Vec<Tombstone> = incident
        .evidence_items
        .iter()
        .filter(|i| !incident.purged.contains(&i.id))
        .map(|i| Tombstone {
            id: i.id.clone(),
            sha256: i.sha256.clone(),
            size: i.size,
        })
        .collect();
    if items.is_empty() {
        return Err(DomainError::Invalid(format!(
            "{} has no evidence left to purge",
            incident.id
        )));
    }
    Ok(vec![Change::EvidencePurged { items, reason }])
}

/// Longest review section, in characters.
const REVIEW_TEXT_MAX: usize = 20_000;

fn review_error(incident: &Incident, hint: String) -> DomainError {
    DomainError::Review {
        incident: incident.id.to_string(),
        state: incident.review.state,
        hint,
    }
}

/// Whether the review may be edited now: not once published, until reopened.
pub fn editable_review(incident: &Incident) -> Result<(), DomainError> {
    if incident.review.state == ReviewState::Published {
        return Err(review_error(
            incident,
            format!(
                "reopen it first (firebreak review reopen {}) to edit it",
                incident.id
            ),
        ));
    }
    Ok(())
}

/// Writes review sections: one change per field whose text differs from what is recorded
/// (surrounding blank space ignored, empty text clears the field). A draft or a review in
/// sign-off can be edited, any incident status; a published review is frozen until reopened.
pub fn write_review(
    incident: &Incident,
    texts: &[(Field, &str)],
) -> Result<Vec<Change>, DomainError> {
    editable_review(incident)?;
    let mut changes = Vec::new();
    for (field, text) in texts {
        let text = text.replace("\r\n", "\n").trim().to_string();
        if text
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t')
        {
            return Err(DomainError::Invalid(format!(
                "the review's {field} contains control characters"
            )));
        }
        let len = text.chars().count();
        if len > REVIEW_TEXT_MAX {
            return Err(DomainError::TooLong {
                what: "review section",
                len,
                max: REVIEW_TEXT_MAX,
            });
        }
        let unchanged = incident.review.text(*field) == text
            || changes.iter().any(
                |c| matches!(c, Change::ReviewWritten { field: f, text: t } if f == field && *t == text),
            );
        if !unchanged {
            changes.push(Change::ReviewWritten {
                field: *field,
                text,
            });
        }
    }
    if changes.is_empty() {
        return Err(DomainError::NoChange(
            "the review already says that; nothing changed".into(),
        ));
    }
    Ok(changes)
}

/// Submits a draft review for sign-off. It needs at least its summary.
pub fn submit_review(incident: &Incident) -> Result<Vec<Change>, DomainError> {
    match incident.review.state {
        ReviewState::Draft if incident.review.text(Field::Summary).is_empty() => Err(review_error(
            incident,
            format!(
                "write its summary before submitting (firebreak review set {} summary TEXT)",
                incident.id
            ),
        )),
        ReviewState::Draft => Ok(vec![Change::ReviewSubmitted {}]),
        ReviewState::InReview => Err(DomainError::NoChange(format!(
            "the review of {} is already in review",
            incident.id
        ))),
        ReviewState::Published => Err(review_error(
            incident,
            format!(
                "reopen it first (firebreak review reopen {}) to change it",
                incident.id
            ),
        )),
    }
}

/// Signs off a review in review and publishes it; the actor recording this is the signer.
pub fn publish_review(incident: &Incident) -> Result<Vec<Change>, DomainError> {
    match incident.review.state {
        ReviewState::Draft => Err(review_error(
            incident,
            format!(
                "submit it for sign-off first (firebreak review submit {})",
                incident.id
            ),
        )),
        ReviewState::InReview => Ok(vec![Change::ReviewPublished {}]),
        ReviewState::Published => Err(DomainError::NoChange(format!(
            "the review of {} is already published{}",
            incident.id,
            incident
                .review
                .published
                .as_ref()
                .map(|s| format!(", signed off by {}", s.by))
                .unwrap_or_default()
        ))),
    }
}

/// Returns a review in sign-off or published to draft. A closed incident whose severity needs
/// a published review keeps it: reopen the incident first.
pub fn reopen_review(
    incident: &Incident,
    policy: &Policy,
    reason: Option<&str>,
) -> Result<Vec<Change>, DomainError> {
    if incident.review.state == ReviewState::Draft {
        return Err(DomainError::NoChange(format!(
            "the review of {} is already a draft",
            incident.id
        )));
    }
    if incident.status == Status::Closed
        && incident.review.state == ReviewState::Published
        && policy.requires_review(&incident.severity)
    {
        return Err(review_error(
            incident,
            format!(
                "{} is closed and {} incidents keep a published review; reopen the incident first (firebreak reopen {} --reason …)",
                incident.id, incident.severity, incident.id
            ),
        ));
    }
    let reason = reason.map(|r| text("reason", r, TEXT_MAX)).transpose()?;
    Ok(vec![Change::ReviewReopened { reason }])
}

/// Records part of a runbook run (a start, a step, an end) in an open incident.
pub fn run_record(incident: &Incident, change: &Change) -> Result<Vec<Change>, DomainError> {
    open(incident)?;
    Ok(vec![change.clone()])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::{Event, Head};

    fn incident(changes: &[Change]) -> Incident {
        let id = "INC-2026-11-23-001".parse().expect("id");
        let events = Event::chain(id, Head::default(), Timestamp::now(), "alice", changes);
        Incident::from_events(&events).expect("folds")
    }

    fn policy() -> Policy {
        Policy::preset("default").expect("preset")
    }

    fn declared() -> Change {
        let policy = Policy::preset("default").expect("preset");
        let d = Declaration {
            title: "Checkout returns 502",
            summary: None,
            severity: "p2",
            started_at: None,
            detected_at: None,
            commander: None,
            detection: None,
            now: Timestamp::now(),
        };
        declare(&policy, &crate::checklist::defaults(), &d)
            .expect("valid")
            .remove(0)
    }

    #[test]
    fn the_moves_forms_offer_are_exactly_those_set_status_allows() {
        let policy = policy();
        for from in Status::ALL {
            let mut changes = vec![declared()];
            if from != Status::Investigating {
                // Through resolved where needed: closed is only reached from there.
                let path: &[Status] = match from {
                    Status::Contained => &[Status::Contained],
                    Status::Resolved => &[Status::Resolved],
                    _ => &[Status::Resolved, Status::Closed],
                };
                let mut at = Status::Investigating;
                for to in path {
                    changes.push(Change::StatusChanged {
                        from: at,
                        to: *to,
                        reason: None,
                    });
                    at = *to;
                }
            }
            let i = incident(&changes);
            assert_eq!(i.status, from);
            let offered = status_moves(from);
            for to in Status::ALL {
                assert_eq!(
                    set_status(&i, &policy, to, None).is_ok(),
                    offered.contains(&to),
                    "{from} → {to}"
                );
            }
        }
    }

    #[test]
    fn resolved_alerts_go_on_the_timeline_but_not_on_closed_incidents() {
        let r = AlertResolved {
            rule: "alertmanager".into(),
            alert: "1a30ba71cca2921f".into(),
            title: "Probe failed".into(),
            ended_at: None,
        };
        let open = incident(&[declared()]);
        let changes = alerts_resolved(&open, std::slice::from_ref(&r)).expect("recorded");
        assert_eq!(changes, vec![Change::AlertResolved(r.clone())]);
        let mut after = open.clone();
        let events = Event::chain(open.id, open.head, Timestamp::now(), "am", &changes);
        after.apply(&events[0], &changes[0]);
        assert_eq!(after.status, Status::Investigating);
        assert!(matches!(
            alerts_resolved(&open, &[]),
            Err(DomainError::NoChange(_))
        ));
        let closed = incident(&[
            declared(),
            Change::StatusChanged {
                from: Status::Investigating,
                to: Status::Resolved,
                reason: None,
            },
            Change::StatusChanged {
                from: Status::Resolved,
                to: Status::Closed,
                reason: None,
            },
        ]);
        assert_eq!(alerts_resolved(&closed, &[r]), Err(DomainError::Closed));
    }

    #[test]
    fn declaration_checks_title_and_severity() {
        let policy = Policy::preset("default").expect("preset");
        let mut d = Declaration {
            title: "  ",
            summary: None,
            severity: "P1",
            started_at: None,
            detected_at: None,
            commander: Some("alice"),
            detection: None,
            now: Timestamp::now(),
        };
        assert_eq!(declare(&policy, &[], &d), Err(DomainError::EmptyTitle));
        d.title = "x";
        d.severity = "P9";
        assert!(matches!(
            declare(&policy, &[], &d),
            Err(DomainError::UnknownSeverity { .. })
        ));
        d.severity = "p1";
        let changes = declare(&policy, &[], &d).expect("valid declaration");
        let Change::Declared(ok) = &changes[0] else {
            panic!("first change is not the declaration")
        };
        assert_eq!(ok.severity, "P1");
        assert_eq!(
            changes[1],
            Change::RoleAssigned {
                role: "commander".into(),
                person: "alice".into()
            }
        );
        d.commander = Some("");
        assert!(declare(&policy, &[], &d).is_err());
    }

    #[test]
    fn status_moves_forward_and_reopen_is_explicit() {
        let inc = incident(&[declared()]);
        let changes = set_status(&inc, &policy(), Status::Resolved, None).expect("forward");
        assert_eq!(
            changes.len(),
            2,
            "resolving an unacknowledged incident acknowledges it"
        );
        let inc = incident(&[declared(), Change::Acknowledged {}, changes[1].clone()]);
        assert_eq!(inc.status, Status::Resolved);
        assert!(inc.contained_at.is_some() && inc.resolved_at.is_some());
        assert!(matches!(
            set_status(&inc, &policy(), Status::Investigating, None),
            Err(DomainError::InvalidTransition { .. })
        ));
        assert!(reopen(&inc, "symptoms are back").is_ok());
        assert!(matches!(
            reopen(&incident(&[declared()]), "x"),
            Err(DomainError::NoChange(_))
        ));
    }

    #[test]
    fn closing_needs_resolution_and_closed_takes_no_notes() {
        let inc = incident(&[declared()]);
        assert!(matches!(
            set_status(&inc, &policy(), Status::Closed, None),
            Err(DomainError::InvalidTransition { .. })
        ));
        let closed = incident(&[
            declared(),
            Change::StatusChanged {
                from: Status::Investigating,
                to: Status::Resolved,
                reason: None,
            },
            Change::StatusChanged {
                from: Status::Resolved,
                to: Status::Closed,
                reason: None,
            },
        ]);
        assert_eq!(note(&closed, "late"), Err(DomainError::Closed));
    }

    #[test]
    fn ticks_name_the_list_and_item() {
        let inc = incident(&[declared()]);
        assert!(tick(&inc, "initial", 1, true).is_ok());
        assert!(matches!(
            tick(&inc, "initial", 0, true),
            Err(DomainError::NotFound(_))
        ));
        assert!(matches!(
            tick(&inc, "initial", 99, true),
            Err(DomainError::NotFound(_))
        ));
        assert!(matches!(
            tick(&inc, "nope", 1, true),
            Err(DomainError::NotFound(_))
        ));
        assert!(matches!(
            tick(&inc, "initial", 1, false),
            Err(DomainError::NoChange(_))
        ));
    }

    #[test]
    fn roles_normalise() {
        assert_eq!(role_name("IC"), Ok("commander".into()));
        assert_eq!(role_name("First Responder"), Ok("first-responder".into()));
        assert_eq!(role_name("scribe"), Ok("scribe".into()));
        assert!(role_name("a;b").is_err());
    }

    fn resolved() -> Vec<Change> {
        vec![
            declared(),
            Change::StatusChanged {
                from: Status::Investigating,
                to: Status::Resolved,
                reason: None,
            },
        ]
    }

    fn fold_more(inc: &Incident, changes: &[Change]) -> Incident {
        let mut next = inc.clone();
        let events = Event::chain(inc.id, inc.head, Timestamp::now(), "carol", changes);
        for (e, c) in events.iter().zip(changes) {
            next.apply(e, c);
        }
        next
    }

    #[test]
    fn review_moves_draft_to_in_review_to_published_and_back_only_by_reopening() {
        let inc = incident(&resolved());
        assert!(matches!(
            publish_review(&inc),
            Err(DomainError::Review {
                state: ReviewState::Draft,
                ..
            })
        ));
        assert!(
            matches!(submit_review(&inc), Err(DomainError::Review { ref hint, .. }) if hint.contains("summary")),
            "an empty review cannot be submitted"
        );
        let written =
            write_review(&inc, &[(Field::Summary, "  TLS cert expired.\r\n")]).expect("written");
        assert_eq!(
            written,
            vec![Change::ReviewWritten {
                field: Field::Summary,
                text: "TLS cert expired.".into()
            }]
        );
        let inc = fold_more(&inc, &written);
        assert!(matches!(
            write_review(&inc, &[(Field::Summary, "TLS cert expired.")]),
            Err(DomainError::NoChange(_))
        ));
        let inc = fold_more(&inc, &submit_review(&inc).expect("submitted"));
        assert_eq!(inc.review.state, ReviewState::InReview);
        assert!(matches!(submit_review(&inc), Err(DomainError::NoChange(_))));
        // Edits during sign-off are allowed and keep the state.
        let inc = fold_more(
            &inc,
            &write_review(&inc, &[(Field::Impact, "checkout down 40m")]).expect("edited"),
        );
        assert_eq!(inc.review.state, ReviewState::InReview);
        let inc = fold_more(&inc, &publish_review(&inc).expect("published"));
        assert_eq!(inc.review.state, ReviewState::Published);
        assert_eq!(
            inc.review.published.as_ref().map(|s| s.by.as_str()),
            Some("carol")
        );
        assert!(matches!(
            write_review(&inc, &[(Field::Summary, "new")]),
            Err(DomainError::Review {
                state: ReviewState::Published,
                ..
            })
        ));
        assert!(matches!(
            publish_review(&inc),
            Err(DomainError::NoChange(_))
        ));
        let inc = fold_more(
            &inc,
            &reopen_review(&inc, &policy(), None).expect("reopened"),
        );
        assert_eq!(inc.review.state, ReviewState::Draft);
        assert!(inc.review.published.is_none());
        assert!(matches!(
            reopen_review(&inc, &policy(), None),
            Err(DomainError::NoChange(_))
        ));
        // Clearing a section is a change too.
        let cleared = write_review(&inc, &[(Field::Impact, "")]).expect("cleared");
        assert_eq!(fold_more(&inc, &cleared).review.text(Field::Impact), "");
    }

    #[test]
    fn closing_needs_a_published_review_where_the_policy_says_so() {
        let strict = policy().with_review_required(&["p2"]).expect("levels");
        assert_eq!(strict.review_required(), ["P2"]);
        assert!(policy().with_review_required(&["P9"]).is_err());
        let inc = incident(&resolved());
        assert!(set_status(&inc, &policy(), Status::Closed, None).is_ok());
        let err = set_status(&inc, &strict, Status::Closed, None).expect_err("refused");
        assert!(
            err.to_string().contains("firebreak review publish"),
            "{err}"
        );
        let inc = fold_more(
            &inc,
            &[
                Change::ReviewWritten {
                    field: Field::Summary,
                    text: "s".into(),
                },
                Change::ReviewSubmitted {},
                Change::ReviewPublished {},
            ],
        );
        let closing = set_status(&inc, &strict, Status::Closed, None).expect("allowed");
        let closed = fold_more(&inc, &closing);
        assert_eq!(closed.status, Status::Closed);
        // The published review of a closed incident that needs one stays published.
        assert!(matches!(
            reopen_review(&closed, &strict, Some("typo")),
            Err(DomainError::Review { .. })
        ));
        assert!(reopen_review(&closed, &policy(), Some("typo")).is_ok());
    }
}
