//! Every kind of change an incident can undergo. A change is what a decision produces and what an
//! event records: the journal stores its `kind` and its payload as canonical JSON (keys sorted,
//! no insignificant white space), and folding changes in order yields the incident's state.

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::checklist::Checklist;
use crate::detection::Detection;
use crate::evidence::{Custody, Item, Tombstone};
use crate::run::{RunFinished, RunStarted, StepOutcome, StepRecorded};
use crate::status::Status;

/// One change to an incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "payload", rename_all = "snake_case")]
pub enum Change {
    /// The incident was declared; always the first event.
    Declared(Declared),
    /// Someone took ownership of responding.
    Acknowledged {},
    /// The status moved forward.
    StatusChanged {
        /// Status before.
        from: Status,
        /// Status after.
        to: Status,
        /// Why, if given.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// A resolved or closed incident was explicitly reopened (back to investigating).
    Reopened {
        /// Status before.
        from: Status,
        /// Why it was reopened.
        reason: String,
    },
    /// The severity was changed.
    SeverityChanged {
        /// Level before.
        from: String,
        /// Level after.
        to: String,
        /// Why, if given.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// Someone was given a role (commander, first-responder, communications, or any other).
    RoleAssigned {
        /// The role.
        role: String,
        /// Who holds it now.
        person: String,
    },
    /// A free-text note, which also counts as a stakeholder update.
    NoteAdded {
        /// The note.
        text: String,
    },
    /// A checklist item was ticked or unticked.
    ChecklistTicked {
        /// The list's short name.
        list: String,
        /// The item, counting from 1.
        item: usize,
        /// Ticked (true) or unticked (false).
        done: bool,
    },
    /// An action item was added.
    ActionAdded {
        /// Its number within the incident, counting from 1.
        number: u32,
        /// What is to be done.
        text: String,
        /// Who owns it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        owner: Option<String>,
        /// When it is due.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        due: Option<Date>,
    },
    /// An action item was completed.
    ActionDone {
        /// Its number.
        number: u32,
    },
    /// A runbook run began in this incident.
    RunStarted(RunStarted),
    /// A runbook step was run, confirmed, declined or skipped.
    StepRecorded(StepRecorded),
    /// A runbook run ended.
    RunFinished(RunFinished),
    /// A piece of evidence was collected.
    EvidenceAdded(Item),
    /// Evidence was viewed, exported, verified or handed over.
    EvidenceCustody(Custody),
    /// Log detection raised this incident or found more of the same (same rule and key); alerts
    /// from Alertmanager and the generic webhook land the same way.
    Detected(Detection),
    /// An alert that raised or joined this incident stopped firing, as its sender reported. The
    /// incident's status is left alone: a person decides when it is resolved.
    AlertResolved(AlertResolved),
    /// A closed incident's evidence bytes were deleted; the tombstone keeps their digests.
    EvidencePurged {
        /// The items whose bytes were deleted.
        items: Vec<Tombstone>,
        /// Why.
        reason: String,
    },
    /// A section of the post-incident review was written (empty text clears it).
    ReviewWritten {
        /// Which section.
        field: crate::review::Field,
        /// Its whole new text (Markdown).
        text: String,
    },
    /// The review was submitted for sign-off (draft → in-review).
    ReviewSubmitted {},
    /// The review was signed off and published (in-review → published); the event's actor is
    /// the signer.
    ReviewPublished {},
    /// An address or range was blocked (`firebreak block`).
    AddressBlocked(crate::contain::Blocked),
    /// A block was lifted: by hand, or because its time was up.
    AddressUnblocked(crate::contain::Unblocked),
    /// A secret was replaced in a file (`firebreak rotate`); names and a fingerprint only.
    SecretRotated(crate::contain::rotate::Rotated),
    /// The review went back to draft (from in-review or published).
    ReviewReopened {
        /// Why, if given.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// A message to a contact entered the outbox (see [`crate::notify`]).
    NotificationQueued(crate::notify::Queued),
    /// A try to deliver a message failed; it will be tried again.
    NotificationAttempted(crate::notify::Attempted),
    /// A message was accepted by its receiver.
    NotificationDelivered(crate::notify::Delivered),
    /// Every try to deliver a message failed.
    NotificationFailed(crate::notify::Failed),
    /// The commander and communications role were reminded that an update is due.
    Reminded(crate::notify::Reminded),
    /// A deadline was missed and the chain's next step was paged.
    Escalated(crate::notify::Escalated),
    /// This incident was merged into another (`firebreak merge`): it is closed, and findings of
    /// its rules and keys now land there.
    MergedInto(crate::related::MergedInto),
    /// Another incident was merged into this one; its findings joined this one's.
    Absorbed(crate::related::Absorbed),
    /// This incident was marked as related to another (`firebreak link`); both record it.
    Linked(crate::related::Linked),
}

/// What a declaration records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Declared {
    /// One-line description.
    pub title: String,
    /// Longer description, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Severity level name.
    pub severity: String,
    /// When the trouble began (may be before detection).
    pub started_at: Timestamp,
    /// When it was noticed; the acknowledge clock starts here.
    pub detected_at: Timestamp,
    /// The checklists this incident works through.
    pub checklists: Vec<Checklist>,
}

/// An alert's sender reported it resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertResolved {
    /// The detection rule its firing was recorded under (`alertmanager`, `webhook:SOURCE`).
    pub rule: String,
    /// The alert within its group: Alertmanager's fingerprint, or the webhook's key.
    pub alert: String,
    /// What the alert was about.
    pub title: String,
    /// When it stopped firing, if the sender said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<Timestamp>,
}

impl AlertResolved {
    /// Longest text kept in each field, in characters.
    pub const CHARS_MAX: usize = 200;

    /// The same record with every field one line of at most [`Self::CHARS_MAX`] characters and
    /// credential-looking values masked: senders' labels are not trusted.
    pub fn bounded(self) -> Self {
        let clean = |s: &str| -> String {
            crate::detection::mask_secrets(s)
                .chars()
                .map(|c| if c.is_control() { '?' } else { c })
                .take(Self::CHARS_MAX)
                .collect()
        };
        Self {
            rule: clean(&self.rule),
            alert: clean(&self.alert),
            title: clean(&self.title),
            ended_at: self.ended_at,
        }
    }
}

/// Sorts object keys at every depth. serde_json keeps insertion order when any crate in the
/// build enables its `preserve_order` feature, so the canonical order is made here, not
/// assumed.
fn canonical(value: serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::Object(map) => {
            let mut entries: Vec<(String, serde_json::Value)> =
                map.into_iter().map(|(k, v)| (k, canonical(v))).collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            serde_json::Value::Object(entries.into_iter().collect())
        }
        serde_json::Value::Array(items) => {
            serde_json::Value::Array(items.into_iter().map(canonical).collect())
        }
        other => other,
    }
}

/// Why an event's payload could not be read back as a change.
#[derive(Debug, thiserror::Error)]
#[error("event kind {kind:?}: {source}")]
pub struct BadPayload {
    kind: String,
    source: serde_json::Error,
}

impl Change {
    /// Splits the change into the `kind` and canonical payload text the journal stores.
    pub fn encode(&self) -> (String, String) {
        let value = serde_json::to_value(self).unwrap_or_default();
        let (kind, payload) = match value {
            serde_json::Value::Object(mut map) => (map.remove("kind"), map.remove("payload")),
            _ => (None, None),
        };
        let kind = kind
            .and_then(|k| k.as_str().map(str::to_string))
            .unwrap_or_default();
        let payload = payload.unwrap_or_else(|| serde_json::Value::Object(Default::default()));
        (kind, canonical(payload).to_string())
    }

    /// Reads a change back from its stored kind and payload.
    ///
    /// Folds read every event of a kind (`block` folds all address events), so this decodes
    /// straight from the text instead of through a `serde_json::Value` tree: the payload is
    /// first checked to be exactly one JSON value (so no text can reach outside the `payload`
    /// field), then `{"kind":…,"payload":…}` is deserialized in one pass, tag first.
    pub fn decode(kind: &str, payload: &str) -> Result<Self, BadPayload> {
        let bad = |source| BadPayload {
            kind: kind.to_string(),
            source,
        };
        let mut one = serde_json::Deserializer::from_str(payload);
        serde::de::IgnoredAny::deserialize(&mut one).map_err(bad)?;
        one.end().map_err(bad)?;
        let tag = serde_json::to_string(kind).map_err(bad)?;
        let text = format!(r#"{{"kind":{tag},"payload":{payload}}}"#);
        serde_json::from_str(&text).map_err(bad)
    }
}

impl Change {
    /// One line describing the change for a timeline.
    pub fn describe(&self) -> String {
        let why = |r: &Option<String>| r.as_ref().map(|r| format!(" — {r}")).unwrap_or_default();
        match self {
            Change::Declared(d) => format!("declared {} “{}”", d.severity, d.title),
            Change::Acknowledged {} => "acknowledged".into(),
            Change::StatusChanged { from, to, reason } => {
                format!("status {from} → {to}{}", why(reason))
            }
            Change::Reopened { from, reason } => format!("reopened from {from} — {reason}"),
            Change::SeverityChanged { from, to, reason } => {
                format!("severity {from} → {to}{}", why(reason))
            }
            Change::RoleAssigned { role, person } => format!("{person} is {role}"),
            Change::NoteAdded { text } => format!("note: {text}"),
            Change::ChecklistTicked {
                list,
                item,
                done: true,
            } => format!("ticked {list} item {item}"),
            Change::ChecklistTicked {
                list,
                item,
                done: false,
            } => format!("unticked {list} item {item}"),
            Change::ActionAdded {
                number,
                text,
                owner,
                due,
            } => {
                let owner = owner
                    .as_ref()
                    .map(|o| format!(" (owner {o})"))
                    .unwrap_or_default();
                let due = due.map(|d| format!(" due {d}")).unwrap_or_default();
                format!("action item {number} added: {text}{owner}{due}")
            }
            Change::ActionDone { number } => format!("action item {number} done"),
            Change::RunStarted(r) => {
                let commit = r
                    .commit
                    .as_ref()
                    .map(|c| format!(" at commit {}", &c[..c.len().min(12)]))
                    .unwrap_or_default();
                format!(
                    "runbook {}#{} started (run {}, runbook sha256 {}{commit})",
                    r.runbook,
                    r.procedure,
                    r.run,
                    &r.digest[..r.digest.len().min(12)]
                )
            }
            Change::StepRecorded(s) => {
                let outcome = match s.outcome {
                    StepOutcome::Succeeded => "succeeded".to_string(),
                    StepOutcome::Failed => match (s.exit_code, s.signal) {
                        (Some(code), _) => format!("failed (exit {code})"),
                        (None, Some(sig)) => format!("failed (signal {sig})"),
                        _ => "failed".to_string(),
                    },
                    StepOutcome::TimedOut => "timed out, killed".to_string(),
                    StepOutcome::Interrupted => "interrupted".to_string(),
                    StepOutcome::Confirmed => "confirmed".to_string(),
                    StepOutcome::Declined => "declined".to_string(),
                    StepOutcome::Skipped => "skipped".to_string(),
                    StepOutcome::Refused => "refused: no evidence yet".to_string(),
                };
                let output = s
                    .stdout
                    .as_ref()
                    .map(|o| format!(", output sha256 {}", &o.sha256[..o.sha256.len().min(12)]))
                    .unwrap_or_default();
                let snapshot = s
                    .snapshot
                    .map(|b| format!(" ({})", b.describe()))
                    .unwrap_or_default();
                let note = s
                    .note
                    .as_ref()
                    .map(|n| format!("; {n}"))
                    .unwrap_or_default();
                let carried = if s.carried.is_empty() {
                    String::new()
                } else {
                    let pairs: Vec<String> = s
                        .carried
                        .iter()
                        .map(|(k, v)| match v.char_indices().nth(60) {
                            Some((cut, _)) => format!("{k}={}…", &v[..cut]),
                            None => format!("{k}={v}"),
                        })
                        .collect();
                    format!("; carries {}", pairs.join(" "))
                };
                format!(
                    "step {} “{}” [{}]{snapshot} {outcome}{output}{note}{carried}",
                    s.step, s.title, s.safety
                )
            }
            Change::RunFinished(f) => format!("run {} {}", f.run, f.outcome),
            Change::EvidenceAdded(item) => format!(
                "evidence {} collected: {} {}, {} bytes, sha256 {}",
                item.id,
                item.kind,
                item.source(),
                item.size,
                &item.sha256[..item.sha256.len().min(12)]
            ),
            Change::EvidenceCustody(c) => {
                let detail = c
                    .detail
                    .as_ref()
                    .map(|d| format!(" — {d}"))
                    .unwrap_or_default();
                format!(
                    "evidence {} {} on {}{}{detail}",
                    c.items.join(", "),
                    c.action,
                    c.host,
                    why(&c.reason)
                )
            }
            Change::Detected(d) => d.describe(),
            Change::AlertResolved(r) => {
                let when = r.ended_at.map(|t| format!(" at {t}")).unwrap_or_default();
                format!(
                    "alert resolved{when}: {} ({}, rule {})",
                    r.title, r.alert, r.rule
                )
            }
            Change::EvidencePurged { items, reason } => {
                let ids: Vec<&str> = items.iter().map(|t| t.id.as_str()).collect();
                format!(
                    "evidence {} purged (tombstone keeps the digests) — {reason}",
                    ids.join(", ")
                )
            }
            Change::ReviewWritten { field, text } => {
                let heading = field.heading().to_lowercase();
                match text.lines().find(|l| !l.trim().is_empty()) {
                    None => format!("review: {heading} cleared"),
                    Some(first) => {
                        let first = first.trim();
                        let clipped: String = first.chars().take(80).collect();
                        let more = if clipped.len() < first.len() || text.trim() != first {
                            "…"
                        } else {
                            ""
                        };
                        format!("review: {heading} written — {clipped}{more}")
                    }
                }
            }
            Change::ReviewSubmitted {} => "review submitted for sign-off".into(),
            Change::ReviewPublished {} => "review signed off and published".into(),
            Change::ReviewReopened { reason } => {
                format!("review reopened as a draft{}", why(reason))
            }
            Change::AddressBlocked(b) => b.describe(),
            Change::AddressUnblocked(u) => u.describe(),
            Change::SecretRotated(r) => r.describe(),
            Change::NotificationQueued(q) => q.describe(),
            Change::NotificationAttempted(a) => {
                format!(
                    "notification {} try {} failed: {}",
                    a.key, a.attempt, a.error
                )
            }
            Change::NotificationDelivered(d) => {
                format!("notification {} delivered (try {})", d.key, d.attempts)
            }
            Change::NotificationFailed(f) => format!(
                "notification {} FAILED after {} tries: {}",
                f.key, f.attempts, f.error
            ),
            Change::Reminded(r) => format!("update due {} — reminded {}", r.due, r.to.join(", ")),
            Change::Escalated(e) => format!(
                "{} deadline {} missed — escalation step {}: {}",
                match e.trigger {
                    crate::notify::Trigger::Acknowledge => "acknowledge",
                    crate::notify::Trigger::Update => "update",
                },
                e.due,
                e.step,
                if e.to.is_empty() {
                    "nobody left on the chain".to_string()
                } else {
                    format!("paged {}", e.to.join(", "))
                }
            ),
            Change::MergedInto(m) => format!("merged into {}{}", m.into, why(&m.reason)),
            Change::Absorbed(a) => format!(
                "took in {} “{}” ({}, {} finding{}){}",
                a.from,
                a.title,
                a.severity,
                a.detections.len(),
                if a.detections.len() == 1 { "" } else { "s" },
                why(&a.reason)
            ),
            Change::Linked(l) => format!("linked with {}{}", l.other, why(&l.reason)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_is_canonical_and_round_trips() {
        let c = Change::StatusChanged {
            from: Status::Investigating,
            to: Status::Contained,
            reason: Some("blocked 203.0.113.9".into()),
        };
        let (kind, payload) = c.encode();
        assert_eq!(kind, "status_changed");
        assert_eq!(
            payload,
            r#"{"from":"investigating","reason":"blocked 203.0.113.9","to":"contained"}"#
        );
        assert_eq!(Change::decode(&kind, &payload).expect("decodes"), c);
        let (kind, payload) = Change::Acknowledged {}.encode();
        assert_eq!((kind.as_str(), payload.as_str()), ("acknowledged", "{}"));
    }

    #[test]
    fn nested_payloads_are_canonical_too() {
        let c = Change::RunStarted(crate::run::RunStarted {
            run: "r".into(),
            runbook: "disk".into(),
            procedure: "disk".into(),
            digest: "d".into(),
            commit: None,
            steps: 2,
            params: [
                ("ZED".to_string(), "1".to_string()),
                ("ALPHA".to_string(), "2".to_string()),
            ]
            .into(),
            allow_destructive: true,
            phases: vec![],
        });
        let (_, payload) = c.encode();
        assert_eq!(
            payload,
            r#"{"allow_destructive":true,"digest":"d","params":{"ALPHA":"2","ZED":"1"},"procedure":"disk","run":"r","runbook":"disk","steps":2}"#
        );
    }

    #[test]
    fn resolved_alerts_round_trip_and_are_bounded() {
        let r = AlertResolved {
            rule: "alertmanager".into(),
            alert: "1a30ba71cca2921f".into(),
            title: format!(
                "Probe failed for https://x/?token=abc123 \x1b[2J{}",
                "y".repeat(300)
            ),
            ended_at: Some("2026-11-23T10:05:00Z".parse().expect("time")),
        }
        .bounded();
        assert!(!r.title.contains("abc123"), "{}", r.title);
        assert!(!r.title.contains('\x1b'));
        assert_eq!(r.title.chars().count(), AlertResolved::CHARS_MAX);
        let c = Change::AlertResolved(r);
        let (kind, payload) = c.encode();
        assert_eq!(kind, "alert_resolved");
        assert_eq!(Change::decode(&kind, &payload).expect("decodes"), c);
        assert!(
            c.describe()
                .starts_with("alert resolved at 2026-11-23T10:05:00Z: Probe failed"),
            "{}",
            c.describe()
        );
    }

    #[test]
    fn review_changes_have_stable_payloads_and_wording() {
        let c = Change::ReviewWritten {
            field: crate::review::Field::RootCause,
            text: "A certificate expired.\nNobody was paged.".into(),
        };
        let (kind, payload) = c.encode();
        assert_eq!(kind, "review_written");
        assert_eq!(
            payload,
            r#"{"field":"root-cause","text":"A certificate expired.\nNobody was paged."}"#
        );
        assert_eq!(Change::decode(&kind, &payload).expect("decodes"), c);
        assert_eq!(
            c.describe(),
            "review: root cause written — A certificate expired.…"
        );
        let (kind, payload) = Change::ReviewPublished {}.encode();
        assert_eq!(
            (kind.as_str(), payload.as_str()),
            ("review_published", "{}")
        );
        let (kind, payload) = Change::ReviewReopened { reason: None }.encode();
        assert_eq!((kind.as_str(), payload.as_str()), ("review_reopened", "{}"));
        assert_eq!(Change::ReviewSubmitted {}.encode().0, "review_submitted");
    }

    #[test]
    fn unknown_kind_is_an_error_not_a_panic() {
        assert!(Change::decode("teleported", "{}").is_err());
        assert!(Change::decode("note_added", "not json").is_err());
    }

    #[test]
    fn a_payload_is_one_value_and_cannot_reach_outside_its_field() {
        // Text that would close the payload and add a second one is refused, not read as the
        // note it smuggles in.
        let smuggled = r#"{"text":"a"},"payload":{"text":"b"}"#;
        assert!(Change::decode("note_added", smuggled).is_err());
        assert!(Change::decode("note_added", r#"{"text":"a"} {}"#).is_err());
        assert!(Change::decode("note_added", "").is_err());
        assert_eq!(
            Change::decode("note_added", r#" {"text":"a\"}"} "#).expect("decodes"),
            Change::NoteAdded {
                text: "a\"}".into()
            }
        );
        // A kind with a quote in it is an unknown kind, not broken JSON.
        let err = Change::decode("note\"added", r#"{"text":"a"}"#).expect_err("unknown");
        assert!(err.to_string().contains("unknown variant"), "{err}");
    }
}
