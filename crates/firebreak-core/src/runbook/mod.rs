//! Markdown runbooks: what a runbook file means. This module owns the model (runbook →
//! procedures → steps), the parser that builds it, the safety classifier and the lint rules.
//! It runs nothing: executing a step is the binary's `runner`, and the format itself is
//! documented for users in `docs/runbooks.md`.
//!
//! Parsing never fails: whatever the input, [`parse`] returns a runbook (possibly empty) and the
//! diagnostics found on the way, each with a line and column.

mod attrs;
mod blocks;
mod classify;
mod commands;
mod diagnostic;
mod frontmatter;
mod lint;
pub mod phase;
mod script;
mod structure;
mod text;
mod transcript;
mod undo;

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;
use sha2::{Digest as _, Sha256};

pub use attrs::Attrs;
pub use classify::{Judgement, Safety, classify, judge};
pub use commands::{Commands, CommandsError, Spec as CommandSpec};
pub use diagnostic::{Diagnostic, Level};
pub use frontmatter::ParamSpec;
pub use lint::{PROVIDED, lint};
pub use phase::Phase;
pub use script::is_secret_name;
pub use undo::undo;

/// A parsed runbook file.
#[derive(Debug, Clone, Serialize)]
pub struct Runbook {
    /// Its name: the file stem (`storage-full`).
    pub name: String,
    /// Title from the front matter or the first heading.
    pub title: String,
    /// One-line summary from the front matter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Keywords for `runbook suggest`.
    pub tags: Vec<String>,
    /// Whether destructive steps need an evidence step before them (a lint rule).
    pub evidence_first: bool,
    /// `snapshot-first` from the front matter: `Some(false)` turns off the snapshot a run tied
    /// to an incident takes before its first destructive step; unset means on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snapshot_first: Option<bool>,
    /// Parameters described in the front matter.
    pub params: BTreeMap<String, ParamSpec>,
    /// The procedures, in file order.
    pub procedures: Vec<Procedure>,
    /// SHA-256 of the file's bytes, hex.
    pub digest: String,
}

/// One procedure: what to do for one kind of incident.
#[derive(Debug, Clone, Serialize)]
pub struct Procedure {
    /// Name from its heading, without numbering or an `Incident:` prefix.
    pub name: String,
    /// Lower-case, dash-separated name used on the command line.
    pub slug: String,
    /// The heading it sits under when it is one of several (`Key Compromise`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Severity the runbook suggests (`**Severity: P1**`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
    /// Line of its heading.
    pub line: u32,
    /// What the procedure says besides its steps: symptom, impact and prevention items, prose
    /// paragraphs and admonitions. Shown, never run.
    pub notes: Vec<Note>,
    /// The steps, numbered from 1 in order.
    pub steps: Vec<Step>,
    /// Where each phase starts, for lint.
    #[serde(skip)]
    pub(crate) marks: Vec<structure::PhaseMark>,
}

/// Text a procedure holds that is not a step: a descriptive list item (a symptom, an impact, a
/// prevention measure), a prose paragraph, or an admonition.
#[derive(Debug, Clone, Serialize)]
pub struct Note {
    /// The phase it sits in.
    pub phase: Phase,
    /// Plain text, a warning or a note (an admonition or a bold `**Note:**` paragraph).
    pub kind: NoteKind,
    /// Its text; links are written `text (url)`.
    pub text: String,
    /// Line where it starts.
    pub line: u32,
    /// For a warning: the number of the step right after it, which it guards. A run shows the
    /// warning before that step.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before_step: Option<usize>,
}

/// What kind of text a [`Note`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoteKind {
    /// A paragraph or a descriptive list item.
    Text,
    /// A warning, caution, danger or important admonition, or a bold `**WARNING:**` paragraph.
    Warning,
    /// A note, tip or info admonition, or a bold `**Note:**` paragraph.
    Note,
}

/// One step of a procedure.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    /// Number within the procedure, from 1.
    pub number: usize,
    /// Phase it belongs to.
    pub phase: Phase,
    /// Sub-heading or bold label it sits under, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub section: Option<String>,
    /// Title: the comment above a command, or the list item's text.
    pub title: String,
    /// What kind of step it is.
    #[serde(flatten)]
    pub kind: StepKind,
    /// Safety class: the annotation's if it has one, else the classifier's.
    pub safety: Safety,
    /// Whether it takes over the terminal or runs until stopped (`ssh HOST`, `tail -f`), so a
    /// run cannot capture it unattended.
    pub interactive: bool,
    /// Why it has its class, in a sentence (`kubectl delete` is destructive, …).
    pub reason: String,
    /// The class the classifier alone gives it, before any `class=` annotation.
    #[serde(skip)]
    pub judged: Safety,
    /// Whether the only changes it makes are new files written into the evidence directory,
    /// as the classifier read it ([`Judgement::writes_only_evidence`](classify::Judgement)).
    #[serde(skip)]
    pub writes_only_evidence: bool,
    /// Annotations.
    pub attrs: Attrs,
    /// Parameters it uses, by environment variable name: the names a run asks for. A name an
    /// earlier step of the procedure sets (see `sets`) is not one: the run carries its value.
    pub params: Vec<String>,
    /// Names the step sets and leaves set for the steps after it (`NODE=$(…)`, `export X=…`,
    /// `read X`), sorted; empty for steps that run nothing.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sets: Vec<String>,
    /// Output the runbook shows for a command (lines after a prompted command in a transcript,
    /// or output pasted under it). Shown, never run or compared.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    /// Where it starts in the file.
    pub line: u32,
    /// Column where it starts.
    pub col: u32,
}

/// The kinds of step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StepKind {
    /// A shell command.
    Command {
        /// The command as written.
        source: String,
        /// What the shell runs: `source` with placeholders turned into variable references.
        script: String,
    },
    /// A non-shell block fed on standard input to a command the fence names (`run=`).
    Piped {
        /// The fence language (`sql`).
        lang: String,
        /// The block.
        body: String,
        /// The command that reads it, as a script (placeholders rewritten).
        script: String,
    },
    /// A non-shell block: shown, never run.
    Display {
        /// The fence language, empty when unlabelled.
        lang: String,
        /// The block.
        body: String,
    },
    /// Something a person does; a run asks them to confirm it.
    Manual {
        /// What to do.
        text: String,
    },
    /// A checklist item; a run asks them to tick it.
    Check {
        /// The item.
        text: String,
    },
}

impl Step {
    /// Whether a run executes something for this step.
    pub fn runs(&self) -> bool {
        matches!(self.kind, StepKind::Command { .. } | StepKind::Piped { .. })
    }

    /// The script the shell runs, for executable steps.
    pub fn script(&self) -> Option<&str> {
        match &self.kind {
            StepKind::Command { script, .. } | StepKind::Piped { script, .. } => Some(script),
            _ => None,
        }
    }

    /// Whether this step collects evidence.
    pub fn collects_evidence(&self) -> bool {
        self.attrs.evidence || self.phase == Phase::Evidence
    }

    /// Whether `--yes` may run this step unasked although it changes something: it collects
    /// evidence and its only changes are new files in the evidence directory. A step that
    /// merely sits under an evidence heading but changes anything else is asked, as any other.
    pub fn runs_unasked_as_evidence(&self) -> bool {
        self.safety == Safety::Mutating && self.collects_evidence() && self.writes_only_evidence
    }

    /// The text to show for the step body: command, block or item text.
    pub fn body(&self) -> &str {
        match &self.kind {
            StepKind::Command { source, .. } => source,
            StepKind::Piped { body, .. } | StepKind::Display { body, .. } => body,
            StepKind::Manual { text } | StepKind::Check { text } => text,
        }
    }

    /// The step's timeout, or `default` when the runbook sets none.
    pub fn timeout(&self, default: Duration) -> Duration {
        self.attrs.timeout.unwrap_or(default)
    }
}

impl Runbook {
    /// Finds a procedure by slug, or the only one when `slug` is `None`.
    pub fn procedure(&self, slug: Option<&str>) -> Result<&Procedure, String> {
        match slug {
            Some(slug) => self
                .procedures
                .iter()
                .find(|p| p.slug == slug)
                .ok_or_else(|| {
                    format!(
                        "runbook {} has no procedure {slug:?} (it has: {})",
                        self.name,
                        self.slugs()
                    )
                }),
            None => match self.procedures.as_slice() {
                [only] => Ok(only),
                [] => Err(format!("runbook {} has no procedures", self.name)),
                _ => Err(format!(
                    "runbook {} has {} procedures; name one as {}#PROCEDURE (one of: {})",
                    self.name,
                    self.procedures.len(),
                    self.name,
                    self.slugs()
                )),
            },
        }
    }

    fn slugs(&self) -> String {
        let slugs: Vec<&str> = self.procedures.iter().map(|p| p.slug.as_str()).collect();
        slugs.join(", ")
    }

    /// Whether `name` is a secret parameter: declared secret, or named like one.
    pub fn is_secret(&self, name: &str) -> bool {
        self.params.get(name).is_some_and(|p| p.secret) || is_secret_name(name)
    }
}

/// Parses a runbook file, judging its steps with the shipped command knowledge. `name` is the
/// runbook's name (normally the file stem). Never fails: problems come back as diagnostics,
/// and what could be understood as the runbook.
pub fn parse(name: &str, bytes: &[u8]) -> (Runbook, Vec<Diagnostic>) {
    parse_with(name, bytes, Commands::shipped())
}

/// [`parse`], judging steps with `commands` (the shipped knowledge and the team's additions).
pub fn parse_with(name: &str, bytes: &[u8], commands: &Commands) -> (Runbook, Vec<Diagnostic>) {
    let digest = hex::encode(Sha256::digest(bytes));
    let mut diagnostics = Vec::new();
    let decoded = text::decode(bytes, &mut diagnostics);
    let mut later = Vec::new();
    let (front, body) = frontmatter::split(&decoded.text, &mut later);
    let blocks = blocks::read(&body, &decoded.regions, &mut later);
    let mut procedures = structure::procedures(&blocks, &mut later);
    classify::judge_steps(&mut procedures, commands);
    // Positions so far are in the decoded text; report them in the file's own lines.
    for d in &mut later {
        d.col = decoded.file_col(d.line, d.col);
        d.line = decoded.file_line(d.line);
    }
    diagnostics.append(&mut later);
    for procedure in &mut procedures {
        procedure.line = decoded.file_line(procedure.line);
        for mark in &mut procedure.marks {
            mark.line = decoded.file_line(mark.line);
        }
        for step in &mut procedure.steps {
            step.col = decoded.file_col(step.line, step.col);
            step.line = decoded.file_line(step.line);
        }
        for note in &mut procedure.notes {
            note.line = decoded.file_line(note.line);
        }
    }
    let title = front
        .title
        .clone()
        .or_else(|| blocks::first_heading(&blocks))
        .unwrap_or_else(|| name.to_string());
    let runbook = Runbook {
        name: name.to_string(),
        title,
        summary: front.summary(),
        tags: front.tags,
        evidence_first: front.evidence_first,
        snapshot_first: front.snapshot_first,
        params: front.params,
        procedures,
        digest,
    };
    (runbook, diagnostics)
}

/// Turns a heading into a command-line slug: lower case, apostrophes dropped, runs of anything
/// else as one `-` (`Service Won't Start` → `service-wont-start`).
pub fn slug(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if matches!(c, '\'' | '’') {
            continue;
        }
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> Runbook {
        let (runbook, diagnostics) = parse("t", text.as_bytes());
        assert!(
            diagnostics.iter().all(|d| d.level == Level::Warning),
            "{diagnostics:?}"
        );
        runbook
    }

    #[test]
    fn list_items_become_commands_manual_steps_and_checks() {
        let rb = parsed(
            "# Pods\n\n## Diagnosis\n\n- Check pod events via `kubectl describe pod $POD`\n- Call the on-call lead about `payments`\n- [ ] Ticket opened\n\n## Symptoms\n\n- Pods restart\n",
        );
        let p = rb.procedure(None).expect("one procedure");
        let kinds: Vec<(&str, &str)> = p
            .steps
            .iter()
            .map(|s| {
                let kind = match s.kind {
                    StepKind::Command { .. } => "command",
                    StepKind::Manual { .. } => "manual",
                    StepKind::Check { .. } => "check",
                    _ => "other",
                };
                (kind, s.script().unwrap_or(""))
            })
            .collect();
        assert_eq!(
            kinds,
            [
                ("command", "kubectl describe pod $POD"),
                ("manual", ""),
                ("check", "")
            ]
        );
        assert_eq!(
            p.steps[0].title,
            "Check pod events via `kubectl describe pod $POD`"
        );
        assert_eq!(p.steps[0].params, ["POD"]);
        assert_eq!(p.notes.len(), 1);
        assert_eq!(p.notes[0].phase, Phase::Symptoms);
    }

    #[test]
    fn a_heading_over_procedures_is_a_group() {
        let rb = parsed(
            "# Playbook\n\n## Incident: Key Compromise\n\n### Auth Token Compromised\n\n**Severity: P1**\n\n```bash\necho rotate\n```\n\n### TLS Key Compromised\n\n```bash\necho reissue\n```\n\n## Post-Incident Checklist\n\n1. Write it up\n",
        );
        let names: Vec<(&str, Option<&str>, Option<&str>)> = rb
            .procedures
            .iter()
            .map(|p| (p.slug.as_str(), p.group.as_deref(), p.severity.as_deref()))
            .collect();
        assert_eq!(
            names,
            [
                ("auth-token-compromised", Some("Key Compromise"), Some("P1")),
                ("tls-key-compromised", Some("Key Compromise"), None),
                ("post-incident-checklist", Some("Playbook"), None),
            ]
        );
        assert_eq!(rb.procedures[2].steps[0].phase, Phase::PostIncident);
    }

    #[test]
    fn a_phase_ends_with_its_section_and_bold_labels_start_phases() {
        let rb = parsed(
            "# Flood\n\n**Indicators:**\n- Traffic spike\n\n**Response Steps:**\n\n```bash\nss -s\n```\n\n**Containment:**\n1. Block the range\n\n## Notes on tooling\n\n```bash\nnft list ruleset\n```\n",
        );
        let p = rb.procedure(None).expect("one procedure");
        let phases: Vec<Phase> = p.steps.iter().map(|s| s.phase).collect();
        assert_eq!(
            phases,
            [Phase::Diagnosis, Phase::Containment, Phase::Containment]
        );
        assert_eq!(p.steps[2].section.as_deref(), Some("Notes on tooling"));
        assert_eq!(p.notes[0].text, "Traffic spike");
    }

    #[test]
    fn annotations_set_the_class_and_other_attributes() {
        let rb = parsed(
            "# A\n\n## Recovery\n\n<!-- firebreak: requires-evidence -->\n```bash timeout=30s\n# Restart\n# firebreak: class=read-only continue-on-error\nsystemctl restart app\n# Stop\nsystemctl stop app\n```\n",
        );
        let p = rb.procedure(None).expect("one procedure");
        assert_eq!(p.steps[0].safety, Safety::ReadOnly);
        assert!(p.steps[0].attrs.continue_on_error && p.steps[0].attrs.requires_evidence);
        assert_eq!(p.steps[0].attrs.timeout, Some(Duration::from_secs(30)));
        assert_eq!(p.steps[1].safety, Safety::Destructive);
        assert!(p.steps[1].attrs.requires_evidence && !p.steps[1].attrs.continue_on_error);
    }

    #[test]
    fn slugs_drop_apostrophes_and_punctuation() {
        assert_eq!(slug("Service Won't Start"), "service-wont-start");
        assert_eq!(
            slug("3.3 DDoS Attack / Service Disruption"),
            "3-3-ddos-attack-service-disruption"
        );
        assert_eq!(slug("Node Down / Unresponsive"), "node-down-unresponsive");
    }
}
