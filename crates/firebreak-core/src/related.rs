//! Related incidents: what a merge and a link record, and the rules for them.
//!
//! Detection tries to put one attacker on one incident, but people know things rules do not:
//! two incidents declared by two responders about the same outage, or a flood and the scan
//! before it. `firebreak merge A --into B` closes `A` as a duplicate and carries its findings
//! to `B` (so later findings of `A`'s rules and keys land on `B`); `firebreak link A B` only
//! records on both that they are related. Both incidents' journals say what happened; neither
//! loses an event.

use serde::{Deserialize, Serialize};

use crate::detection::Detection;
use crate::{Change, DomainError, Incident, IncidentId, Status};

/// Longest reason kept, in characters.
const REASON_CHARS: usize = 500;

/// Recorded on the incident merged away: it is closed and points at the one it joined.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergedInto {
    /// The incident it now lives on.
    pub into: String,
    /// Why, if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Recorded on the incident that takes another in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Absorbed {
    /// The incident merged into this one.
    pub from: String,
    /// Its title, so this timeline reads without opening the other.
    pub title: String,
    /// Its severity when merged.
    pub severity: String,
    /// Its findings, which join this incident's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub detections: Vec<Detection>,
    /// Why, if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Recorded on both of two related incidents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Linked {
    /// The other incident.
    pub other: String,
    /// Why, if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// One line of a reason, bounded; blank means none.
fn reason_of(reason: Option<&str>) -> Option<String> {
    let r: String = reason?
        .trim()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(REASON_CHARS)
        .collect();
    (!r.is_empty()).then_some(r)
}

/// Refuses a pair that is one incident.
fn two(a: &Incident, b: &Incident) -> Result<(), DomainError> {
    if a.id == b.id {
        return Err(DomainError::Invalid(format!(
            "{} cannot be merged into or linked with itself",
            a.id
        )));
    }
    Ok(())
}

/// What `merge FROM --into INTO` records on `into`: `from`'s findings join it. Refused when
/// `into` is closed or merged away itself, when `from` was merged already, or when `into`
/// already took `from` in (then only `from` still needs its record: see [`merge_from`]).
pub fn merge_into(
    into: &Incident,
    from: &Incident,
    reason: Option<&str>,
) -> Result<Vec<Change>, DomainError> {
    two(into, from)?;
    if let Some(next) = &into.merged_into {
        return Err(DomainError::Invalid(format!(
            "{} was itself merged into {next}; merge into {next} instead",
            into.id
        )));
    }
    if into.status == Status::Closed {
        return Err(DomainError::Invalid(format!(
            "{} is closed; merge into an incident that is still being worked",
            into.id
        )));
    }
    if let Some(next) = &from.merged_into {
        return Err(DomainError::NoChange(format!(
            "{} was already merged into {next}",
            from.id
        )));
    }
    if into.merged_from.iter().any(|m| *m == from.id.to_string()) {
        return Err(DomainError::NoChange(format!(
            "{} already took {} in",
            into.id, from.id
        )));
    }
    Ok(vec![Change::Absorbed(Absorbed {
        from: from.id.to_string(),
        title: from.title.clone(),
        severity: from.severity.clone(),
        detections: from.detections.clone(),
        reason: reason_of(reason),
    })])
}

/// What `merge FROM --into INTO` records on `from`: it is closed as part of `into`. Refused
/// when it was merged already.
pub fn merge_from(
    from: &Incident,
    into: &IncidentId,
    reason: Option<&str>,
) -> Result<Vec<Change>, DomainError> {
    if from.id == *into {
        return Err(DomainError::Invalid(format!(
            "{} cannot be merged into itself",
            from.id
        )));
    }
    if let Some(next) = &from.merged_into {
        return Err(DomainError::NoChange(format!(
            "{} was already merged into {next}",
            from.id
        )));
    }
    Ok(vec![Change::MergedInto(MergedInto {
        into: into.to_string(),
        reason: reason_of(reason),
    })])
}

/// What `link A B` records on `this` about `other`. Refused when they are linked already;
/// closed incidents may still be linked (a new incident often recalls an old one).
pub fn link(
    this: &Incident,
    other: &Incident,
    reason: Option<&str>,
) -> Result<Vec<Change>, DomainError> {
    two(this, other)?;
    let other_id = other.id.to_string();
    if this.links.contains(&other_id) {
        return Err(DomainError::NoChange(format!(
            "{} is already linked with {other_id}",
            this.id
        )));
    }
    Ok(vec![Change::Linked(Linked {
        other: other_id,
        reason: reason_of(reason),
    })])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_one_bounded_line_or_none() {
        assert_eq!(reason_of(Some("  ")), None);
        assert_eq!(reason_of(None), None);
        assert_eq!(
            reason_of(Some("same outage\nas INC-1")).as_deref(),
            Some("same outage as INC-1")
        );
        assert_eq!(
            reason_of(Some(&"x".repeat(900))).map(|r| r.len()),
            Some(REASON_CHARS)
        );
    }
}
