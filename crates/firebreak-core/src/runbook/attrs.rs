//! Step annotations: `class=`, `timeout=`, `continue-on-error`, `evidence`,
//! `requires-evidence`, `interactive` and `run=`, written after a fence's language, in a `# firebreak:` comment
//! above a command, or in an `<!-- firebreak: … -->` comment before a block.

use std::time::Duration;

use serde::Serialize;

use super::classify::Safety;

/// What a runbook says about a step beyond its text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Attrs {
    /// Safety class set by the author, overriding the classifier.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub class: Option<Safety>,
    /// Per-step timeout.
    #[serde(skip_serializing_if = "Option::is_none", with = "secs")]
    pub timeout: Option<Duration>,
    /// A failure does not stop the run.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub continue_on_error: bool,
    /// The step collects evidence.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub evidence: bool,
    /// The step may run only once evidence exists in the incident.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub requires_evidence: bool,
    /// For non-shell fences: the command that reads the block on standard input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run: Option<String>,
    /// The author says the step takes over a terminal or never ends on its own (a shell on
    /// another host, a pager, `tail -f`): a run asks before it and runs it attached.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub interactive: bool,
}

mod secs {
    use std::time::Duration;

    pub fn serialize<S: serde::Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_some(&d.as_secs()),
            None => s.serialize_none(),
        }
    }
}

impl Attrs {
    /// Applies the attributes written in `text` (white-space separated; values may be
    /// double-quoted). Returns one message per attribute it could not understand.
    pub fn apply(&mut self, text: &str) -> Vec<String> {
        let (mut problems, unknown) = self.apply_info(text);
        problems.extend(
            unknown
                .iter()
                .map(|key| format!("unknown attribute {key:?}")),
        );
        problems
    }

    /// Applies the attributes on a fence's info line. Unknown keys come back apart from the
    /// other problems: Markdown written for other tools puts its own there (`title="x.sh"`,
    /// `{.copy}`, `linenums="1"`), which is worth a warning, not a refusal.
    pub fn apply_info(&mut self, text: &str) -> (Vec<String>, Vec<String>) {
        let mut problems = Vec::new();
        let mut unknown = Vec::new();
        for (key, value) in tokens(text) {
            match (key.as_str(), value) {
                ("class", Some(v)) => match Safety::parse(&v) {
                    Some(class) => self.class = Some(class),
                    None => problems.push(format!(
                        "unknown class {v:?}: expected read-only, mutating or destructive"
                    )),
                },
                ("timeout", Some(v)) => match crate::duration::parse_positive(&v) {
                    Ok(d) => self.timeout = Some(d),
                    Err(_) => problems.push(format!("bad timeout {v:?}: expected e.g. 30s, 5m")),
                },
                ("continue-on-error", None) => self.continue_on_error = true,
                ("evidence", None) => self.evidence = true,
                ("requires-evidence", None) => self.requires_evidence = true,
                ("interactive", None) => self.interactive = true,
                ("run", Some(v)) if !v.trim().is_empty() => self.run = Some(v),
                (key, _) => unknown.push(key.to_string()),
            }
        }
        (problems, unknown)
    }

    /// Layers `other` (more specific) over `self`.
    pub(crate) fn merged(&self, other: &Attrs) -> Attrs {
        Attrs {
            class: other.class.or(self.class),
            timeout: other.timeout.or(self.timeout),
            continue_on_error: self.continue_on_error || other.continue_on_error,
            evidence: self.evidence || other.evidence,
            requires_evidence: self.requires_evidence || other.requires_evidence,
            run: other.run.clone().or_else(|| self.run.clone()),
            interactive: self.interactive || other.interactive,
        }
    }
}

/// `key`, `key=value` and `key="quoted value"` tokens; `{`, `}` and `,` are separators so
/// `{class=destructive, timeout=1m}` works too.
fn tokens(text: &str) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars
            .next_if(|c| c.is_whitespace() || matches!(c, '{' | '}' | ','))
            .is_some()
        {}
        let mut key = String::new();
        while let Some(c) =
            chars.next_if(|c| !c.is_whitespace() && !matches!(c, '=' | '{' | '}' | ','))
        {
            key.push(c);
        }
        if key.is_empty() {
            if chars.next().is_none() {
                break;
            }
            continue;
        }
        let value = if chars.next_if_eq(&'=').is_some() {
            let mut value = String::new();
            if chars.next_if_eq(&'"').is_some() {
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => value.extend(chars.next()),
                        c => value.push(c),
                    }
                }
            } else {
                while let Some(c) = chars.next_if(|c| !c.is_whitespace() && !matches!(c, '}' | ','))
                {
                    value.push(c);
                }
            }
            Some(value)
        } else {
            None
        };
        out.push((key.to_ascii_lowercase(), value));
    }
    out
}

/// The attribute text of a `<!-- firebreak: … -->` comment or a `# firebreak: …` line.
pub(crate) fn annotation(text: &str) -> Option<&str> {
    let text = text.trim();
    let text = text
        .strip_prefix("<!--")
        .map_or(text, |t| t.trim_end().trim_end_matches("-->"));
    text.trim().strip_prefix("firebreak:")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_parse_in_every_spelling() {
        let mut a = Attrs::default();
        let problems = a.apply(r#"{class=destructive, timeout=2m} continue-on-error run="sqlite3 -batch \"$DB\"" evidence interactive"#);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(a.class, Some(Safety::Destructive));
        assert_eq!(a.timeout, Some(Duration::from_secs(120)));
        assert!(a.continue_on_error && a.evidence && !a.requires_evidence && a.interactive);
        assert_eq!(a.run.as_deref(), Some("sqlite3 -batch \"$DB\""));
    }

    #[test]
    fn unknown_attributes_are_named() {
        let mut a = Attrs::default();
        let problems = a.apply("class=scary timout=3s");
        assert_eq!(problems.len(), 2);
        assert!(problems[0].contains("scary"), "{problems:?}");
        assert!(problems[1].contains("timout"), "{problems:?}");
    }

    #[test]
    fn other_tools_fence_text_is_set_apart_from_real_problems() {
        let mut a = Attrs::default();
        let (problems, unknown) =
            a.apply_info(r#"title="check.sh" {.copy} linenums="1" timeout=soon class=read-only"#);
        assert_eq!(unknown, ["title", ".copy", "linenums"]);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("soon"), "{problems:?}");
        assert_eq!(a.class, Some(Safety::ReadOnly));
    }

    #[test]
    fn annotations_are_found_in_both_comment_forms() {
        assert_eq!(
            annotation("<!-- firebreak: requires-evidence -->").map(str::trim),
            Some("requires-evidence")
        );
        assert_eq!(
            annotation(" firebreak: class=read-only").map(str::trim),
            Some("class=read-only")
        );
        assert_eq!(annotation("<!-- just a comment -->"), None);
    }
}
