//! Optional YAML front matter: title, summary, tags, `evidence-first`, `snapshot-first` and
//! parameter descriptions. Read with serde-saphyr (bounded, no unsafe YAML), errors positioned
//! in the file, and the block blanked out so Markdown line numbers stay true.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::diagnostic::{Diagnostic, to_u32};

/// A parameter as the front matter describes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParamSpec {
    /// What the value is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Value used when no other source gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// Masked in everything displayed and recorded.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub secret: bool,
}

/// The front matter as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct Front {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub evidence_first: bool,
    #[serde(default)]
    pub snapshot_first: Option<bool>,
    #[serde(default)]
    pub params: BTreeMap<String, ParamSpec>,
}

/// Separates front matter from the Markdown. The returned body has the front matter's lines
/// replaced by empty lines.
pub(crate) fn split(text: &str, diagnostics: &mut Vec<Diagnostic>) -> (Front, String) {
    let mut lines = text.split_inclusive('\n');
    let first = lines.next().unwrap_or("");
    if first.trim_end() != "---" {
        return (Front::default(), text.to_string());
    }
    let mut yaml = String::new();
    let mut count = 1;
    let mut closed = false;
    for line in lines.by_ref() {
        count += 1;
        if matches!(line.trim_end(), "---" | "...") {
            closed = true;
            break;
        }
        yaml.push_str(line);
    }
    if !closed {
        diagnostics.push(Diagnostic::error(
            1,
            1,
            "front-matter",
            "front matter opened with `---` is never closed",
        ));
        return (Front::default(), text.to_string());
    }
    let rest: String = lines.collect();
    let body = "\n".repeat(count) + &rest;
    let options = serde_saphyr::Options {
        with_snippet: false,
        ..Default::default()
    };
    let front = match serde_saphyr::from_str_with_options::<Option<Front>>(&yaml, options) {
        Ok(front) => front.unwrap_or_default(),
        Err(err) => {
            let (line, col) = err.location().map_or((2, 1), |l| {
                (
                    to_u32(usize::try_from(l.line()).unwrap_or(0) + 1),
                    to_u32(usize::try_from(l.column()).unwrap_or(1)),
                )
            });
            let message = err.to_string();
            let (line, col) = unknown_field_line(&message, &yaml).unwrap_or((line, col));
            let message = message
                .split(" at line ")
                .next()
                .unwrap_or(&message)
                .to_string();
            diagnostics.push(Diagnostic::error(
                line,
                col,
                "front-matter",
                format!("front matter: {message}"),
            ));
            Front::default()
        }
    };
    (front, body)
}

/// serde reports an unknown field without a position; find the key's line ourselves.
fn unknown_field_line(message: &str, yaml: &str) -> Option<(u32, u32)> {
    let field = message.split("unknown field `").nth(1)?.split('`').next()?;
    yaml.lines().enumerate().find_map(|(i, line)| {
        let trimmed = line.trim_start();
        let key = trimmed.strip_prefix(field)?;
        key.trim_start()
            .starts_with(':')
            .then(|| (to_u32(i + 2), to_u32(line.len() - trimmed.len() + 1)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter_is_read_and_blanked() {
        let mut d = Vec::new();
        let text = "---\ntitle: Disk full\ntags: [disk, space]\nevidence-first: true\nparams:\n  DATA_DIR:\n    description: where\n    default: /var/lib\n  API_TOKEN: {secret: true}\n---\n# Disk full\n";
        let (front, body) = split(text, &mut d);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(front.title.as_deref(), Some("Disk full"));
        assert_eq!(front.tags, ["disk", "space"]);
        assert!(front.evidence_first);
        assert_eq!(
            front.params["DATA_DIR"].default.as_deref(),
            Some("/var/lib")
        );
        assert!(front.params["API_TOKEN"].secret);
        assert_eq!(body.lines().position(|l| l == "# Disk full"), Some(10));
    }

    #[test]
    fn a_misspelt_field_is_located() {
        let mut d = Vec::new();
        split("---\ntitle: x\ntagz: [a]\n---\n", &mut d);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].line, 3, "{d:?}");
        assert!(d[0].message.contains("tagz"), "{d:?}");
    }

    #[test]
    fn unclosed_front_matter_is_an_error() {
        let mut d = Vec::new();
        let (_, body) = split("---\ntitle: x\n# Heading\n", &mut d);
        assert_eq!(d[0].code, "front-matter");
        assert!(body.contains("# Heading"));
    }
}
