//! Phases of a procedure, and the heading words that start each one.

use serde::Serialize;
use std::fmt;

/// Where in the response a step or note belongs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    /// Steps before any phase heading.
    Steps,
    /// How the incident shows itself.
    Symptoms,
    /// Who and what is affected.
    Impact,
    /// Finding out what is happening.
    Diagnosis,
    /// Preserving evidence.
    Evidence,
    /// Stopping the damage from spreading.
    Containment,
    /// Restoring service.
    Recovery,
    /// Keeping it from happening again.
    Prevention,
    /// After the incident: review and follow-up.
    PostIncident,
}

/// Heading phrases, compared with the whole heading after [`normalise`], so "Evidence of
/// tampering" is a sub-section, not the evidence phase.
const NAMES: &[(&str, Phase)] = &[
    ("symptoms", Phase::Symptoms),
    ("symptom", Phase::Symptoms),
    ("indicators", Phase::Symptoms),
    ("signs", Phase::Symptoms),
    ("what it means", Phase::Symptoms),
    ("meaning", Phase::Symptoms),
    ("detection", Phase::Symptoms),
    ("impact", Phase::Impact),
    ("blast radius", Phase::Impact),
    ("diagnosis", Phase::Diagnosis),
    ("diagnostics", Phase::Diagnosis),
    ("investigation", Phase::Diagnosis),
    ("triage", Phase::Diagnosis),
    ("response", Phase::Diagnosis),
    ("initial response", Phase::Diagnosis),
    ("immediate actions", Phase::Diagnosis),
    ("evidence", Phase::Evidence),
    ("evidence preservation", Phase::Evidence),
    ("evidence collection", Phase::Evidence),
    ("preserve evidence", Phase::Evidence),
    ("forensics", Phase::Evidence),
    ("containment", Phase::Containment),
    ("contain", Phase::Containment),
    ("mitigation", Phase::Containment),
    ("isolation", Phase::Containment),
    ("recovery", Phase::Recovery),
    ("remediation", Phase::Recovery),
    ("resolution", Phase::Recovery),
    ("fixes", Phase::Recovery),
    ("fix", Phase::Recovery),
    ("common causes", Phase::Recovery),
    ("common causes and fixes", Phase::Recovery),
    ("rotation", Phase::Recovery),
    ("eradication", Phase::Recovery),
    ("prevention", Phase::Prevention),
    ("hardening", Phase::Prevention),
    ("follow-up", Phase::Prevention),
    ("post-incident", Phase::PostIncident),
    ("post incident", Phase::PostIncident),
    ("after the incident", Phase::PostIncident),
    ("lessons learned", Phase::PostIncident),
    ("review", Phase::PostIncident),
    ("post-incident review", Phase::PostIncident),
    ("post incident review", Phase::PostIncident),
];

impl Phase {
    /// The phase a heading or bold label starts, if it names one.
    pub fn from_heading(heading: &str) -> Option<Phase> {
        let text = normalise(heading);
        NAMES
            .iter()
            .find_map(|&(name, phase)| (text == name).then_some(phase))
    }

    /// Whether list items in this phase describe the incident rather than ask for action.
    pub fn is_descriptive(self) -> bool {
        matches!(self, Phase::Symptoms | Phase::Impact | Phase::Prevention)
    }

    /// The name shown to users.
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Steps => "steps",
            Phase::Symptoms => "symptoms",
            Phase::Impact => "impact",
            Phase::Diagnosis => "diagnosis",
            Phase::Evidence => "evidence",
            Phase::Containment => "containment",
            Phase::Recovery => "recovery",
            Phase::Prevention => "prevention",
            Phase::PostIncident => "post-incident",
        }
    }

    /// Parses a phase name as users type it (`--phase diagnosis`).
    pub fn parse(name: &str) -> Option<Phase> {
        ALL.into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(name.trim()))
    }
}

/// Every phase, in response order.
pub const ALL: [Phase; 9] = [
    Phase::Steps,
    Phase::Symptoms,
    Phase::Impact,
    Phase::Diagnosis,
    Phase::Evidence,
    Phase::Containment,
    Phase::Recovery,
    Phase::Prevention,
    Phase::PostIncident,
];

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Lower case; numbering, parenthesised text, a trailing colon and a trailing "checklist",
/// "steps", "procedure(s)", "template" or "phase" removed; white space collapsed.
pub(crate) fn normalise(heading: &str) -> String {
    let mut text = String::with_capacity(heading.len());
    let mut depth = 0usize;
    for c in heading.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            _ if depth == 0 => text.extend(c.to_lowercase()),
            _ => {}
        }
    }
    let text = strip_numbering(text.trim());
    let mut words: Vec<&str> = text.split_whitespace().collect();
    if let Some(last) = words.last_mut() {
        *last = last.trim_end_matches([':', '.']);
    }
    while let Some(&last) = words.last() {
        if words.len() > 1
            && matches!(
                last,
                "checklist" | "steps" | "procedures" | "procedure" | "template" | "phase" | ""
            )
        {
            words.pop();
        } else {
            break;
        }
    }
    words.join(" ").trim_end_matches(':').to_string()
}

/// Drops leading section numbering: `3.3 `, `2. `, `1) `.
pub(crate) fn strip_numbering(text: &str) -> &str {
    let rest = text.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.');
    if rest.len() == text.len() {
        return text;
    }
    let rest = rest.strip_prefix(')').unwrap_or(rest);
    if rest.starts_with(char::is_whitespace) {
        rest.trim_start()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_name_phases() {
        let cases = [
            ("Symptoms", Some(Phase::Symptoms)),
            ("**Indicators:**", None),
            ("Indicators:", Some(Phase::Symptoms)),
            ("Response Steps:", Some(Phase::Diagnosis)),
            ("Common Causes and Fixes", Some(Phase::Recovery)),
            ("2. Initial Response Checklist", Some(Phase::Diagnosis)),
            (
                "Immediate Actions (First 15 Minutes)",
                Some(Phase::Diagnosis),
            ),
            ("3. Incident Response Procedures", None),
            ("6. Recovery Procedures", Some(Phase::Recovery)),
            ("Post-Incident Review Template", Some(Phase::PostIncident)),
            ("4. Evidence Preservation", Some(Phase::Evidence)),
            ("Severity Levels", None),
            ("Evidence of tampering to look for", None),
            ("Review the firewall rules", None),
            ("Responsibilities", None),
        ];
        for (heading, want) in cases {
            assert_eq!(Phase::from_heading(heading), want, "{heading}");
        }
    }
}
