//! Optional front matter: title, summary, tags, `evidence-first`, `snapshot-first` and parameter
//! descriptions, as YAML between `---` lines or as TOML between `+++` lines (the form Hugo sites
//! use). YAML is read with serde-saphyr (bounded, no unsafe YAML), TOML with the `toml` crate;
//! errors are positioned in the file, and the block is blanked out so Markdown line numbers
//! stay true.
//!
//! Runbooks written for a documentation site carry keys of their own (`weight`, `aliases`,
//! `sidebar_position`, …). They are kept out of the way rather than refused: one warning names
//! every key firebreak does not read. It does not own what the keys mean to the site.

use std::collections::BTreeMap;

use serde::de::IgnoredAny;
use serde::{Deserialize, Deserializer, Serialize};

use super::diagnostic::{Diagnostic, to_u32};

/// A parameter as the front matter describes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
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

/// The keys a parameter's description may have.
const PARAM_KEYS: &[&str] = &["description", "default", "secret"];

/// The front-matter keys firebreak reads; any other is reported once, together.
const KEYS: &[&str] = &[
    "title",
    "summary",
    "description",
    "tags",
    "evidence-first",
    "snapshot-first",
    "params",
];

/// The front matter as written.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct Front {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub summary: Option<String>,
    /// What site generators call the summary; used when `summary` is absent.
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "one_or_many")]
    pub tags: Vec<String>,
    #[serde(default)]
    pub evidence_first: bool,
    #[serde(default)]
    pub snapshot_first: Option<bool>,
    #[serde(default)]
    pub params: BTreeMap<String, ParamSpec>,
}

impl Front {
    /// The one-line summary: `summary`, else `description`.
    pub(crate) fn summary(&self) -> Option<String> {
        self.summary.clone().or_else(|| self.description.clone())
    }
}

/// `tags: disk` and `tags: [disk, space]` both mean a list.
fn one_or_many<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match Option::<OneOrMany>::deserialize(d)? {
        None => Vec::new(),
        Some(OneOrMany::One(tag)) => vec![tag],
        Some(OneOrMany::Many(tags)) => tags,
    })
}

/// Only the key names, to find the ones firebreak does not read.
#[derive(Default, Deserialize)]
struct Keys {
    #[serde(default)]
    params: BTreeMap<String, BTreeMap<String, IgnoredAny>>,
}

/// Which syntax the block is in.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Syntax {
    Yaml,
    Toml,
}

impl Syntax {
    fn opening(line: &str) -> Option<Syntax> {
        match line.trim_end() {
            "---" => Some(Syntax::Yaml),
            "+++" => Some(Syntax::Toml),
            _ => None,
        }
    }

    fn closes(self, line: &str) -> bool {
        match self {
            Syntax::Yaml => matches!(line.trim_end(), "---" | "..."),
            Syntax::Toml => line.trim_end() == "+++",
        }
    }

    fn fence(self) -> &'static str {
        match self {
            Syntax::Yaml => "---",
            Syntax::Toml => "+++",
        }
    }
}

/// A syntax or type error inside the block: message and position in the file.
struct Located {
    line: u32,
    col: u32,
    message: String,
}

/// Separates front matter from the Markdown. The returned body has the front matter's lines
/// replaced by empty lines. A block that does not parse is reported and read as empty; the
/// Markdown after it is still read.
pub(crate) fn split(text: &str, diagnostics: &mut Vec<Diagnostic>) -> (Front, String) {
    let mut lines = text.split_inclusive('\n');
    let Some(syntax) = Syntax::opening(lines.next().unwrap_or("")) else {
        return (Front::default(), text.to_string());
    };
    let mut inner = String::new();
    let mut count = 1;
    let mut closed = false;
    for line in lines.by_ref() {
        count += 1;
        if syntax.closes(line) {
            closed = true;
            break;
        }
        inner.push_str(line);
    }
    if !closed {
        diagnostics.push(Diagnostic::error(
            1,
            1,
            "front-matter",
            format!(
                "front matter opened with `{}` is never closed",
                syntax.fence()
            ),
        ));
        return (Front::default(), text.to_string());
    }
    let rest: String = lines.collect();
    let body = "\n".repeat(count) + &rest;
    let front = match deserialize::<Option<Front>>(syntax, &inner) {
        Ok(front) => {
            unused_keys(syntax, &inner, diagnostics);
            front.unwrap_or_default()
        }
        Err(err) => {
            diagnostics.push(Diagnostic::error(
                err.line,
                err.col,
                "front-matter",
                format!("front matter: {}", err.message),
            ));
            Front::default()
        }
    };
    (front, body)
}

/// Reads the block (which starts on the file's line 2) in its syntax.
fn deserialize<T: for<'de> Deserialize<'de>>(syntax: Syntax, inner: &str) -> Result<T, Located> {
    match syntax {
        Syntax::Yaml => {
            let options = serde_saphyr::Options {
                with_snippet: false,
                ..Default::default()
            };
            serde_saphyr::from_str_with_options::<T>(inner, options).map_err(|err| {
                let (line, col) = err.location().map_or((2, 1), |l| {
                    (
                        to_u32(usize::try_from(l.line()).unwrap_or(0) + 1),
                        to_u32(usize::try_from(l.column()).unwrap_or(1)),
                    )
                });
                let message = err.to_string();
                let message = message.split(" at line ").next().unwrap_or(&message);
                Located {
                    line,
                    col,
                    message: message.to_string(),
                }
            })
        }
        Syntax::Toml => toml::from_str::<T>(inner).map_err(|err| {
            let (line, col) = err.span().map_or((2, 1), |span| {
                let before = inner.get(..span.start).unwrap_or("");
                let line = before.matches('\n').count() + 2;
                let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
                (to_u32(line), to_u32(col))
            });
            Located {
                line,
                col,
                message: err.message().trim().to_string(),
            }
        }),
    }
}

/// Warns, once for the block and once per parameter, about keys firebreak does not read.
fn unused_keys(syntax: Syntax, inner: &str, diagnostics: &mut Vec<Diagnostic>) {
    if let Ok(Some(top)) = deserialize::<Option<BTreeMap<String, IgnoredAny>>>(syntax, inner) {
        let mut unused: Vec<&str> = Vec::new();
        for key in top.keys().map(String::as_str).filter(|k| !KEYS.contains(k)) {
            match near_miss(key, KEYS) {
                Some(meant) => {
                    let (line, col) = key_line(inner, key, 0).unwrap_or((0, 0));
                    diagnostics.push(Diagnostic::error(
                        to_u32(line + 2),
                        to_u32(col + 1),
                        "front-matter",
                        format!("front matter key {key:?} is not one firebreak reads; did you mean {meant:?}?"),
                    ));
                }
                None => unused.push(key),
            }
        }
        if !unused.is_empty() {
            let noun = if unused.len() == 1 { "key" } else { "keys" };
            diagnostics.push(Diagnostic::warning(
                1,
                1,
                "unused-key",
                format!(
                    "front matter {noun} firebreak does not use: {}",
                    unused.join(", ")
                ),
            ));
        }
    }
    let Ok(Some(keys)) = deserialize::<Option<Keys>>(syntax, inner) else {
        return;
    };
    for (param, spec) in &keys.params {
        let from = key_line(inner, param, 0).map_or(0, |(line, _)| line);
        for key in spec.keys().filter(|k| !PARAM_KEYS.contains(&k.as_str())) {
            let (line, col) = key_line(inner, key, from).unwrap_or((from, 0));
            diagnostics.push(Diagnostic::warning(
                to_u32(line + 2),
                to_u32(col + 1),
                "unused-key",
                format!(
                    "parameter {param}: key {key:?} is not used (a parameter has {})",
                    PARAM_KEYS.join(", ")
                ),
            ));
        }
    }
}

/// The firebreak key `key` is probably a misspelling of: the same but for case or `_`, or one
/// slip of the keyboard away. Such a key is an error, not a site's own key to ignore: a misspelt
/// `evidence-first` would silently drop a safety rule.
fn near_miss(key: &str, known: &[&'static str]) -> Option<&'static str> {
    let norm = key.to_ascii_lowercase().replace('_', "-");
    known
        .iter()
        .copied()
        .find(|k| norm == *k || (k.len() >= 4 && one_edit_apart(&norm, k)))
}

/// Whether `a` becomes `b` by changing, adding or removing one character, or swapping two
/// neighbours.
fn one_edit_apart(a: &str, b: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let (short, long) = if a.len() <= b.len() {
        (&a, &b)
    } else {
        (&b, &a)
    };
    if long.len() - short.len() > 1 {
        return false;
    }
    let prefix = short
        .iter()
        .zip(long.iter())
        .take_while(|(x, y)| x == y)
        .count();
    let skip = usize::from(short.len() == long.len());
    let swapped = skip == 1
        && short.get(prefix + 2..) == long.get(prefix + 2..)
        && short.get(prefix) == long.get(prefix + 1)
        && short.get(prefix + 1) == long.get(prefix);
    swapped || short.get(prefix + skip..) == long.get(prefix + 1..)
}

/// The first line (from 0, at or after `from`) where `key` is written as a key (`key:`,
/// `key =`, possibly quoted, or a TOML table header ending in it), and its column (from 0).
fn key_line(inner: &str, key: &str, from: usize) -> Option<(usize, usize)> {
    inner.lines().enumerate().skip(from).find_map(|(i, line)| {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        let unquoted = trimmed.trim_start_matches(['"', '\'']);
        let as_key = unquoted.strip_prefix(key).is_some_and(|rest| {
            let rest = rest.trim_start_matches(['"', '\'']).trim_start();
            rest.starts_with(':') || rest.starts_with('=')
        });
        let as_table = trimmed
            .strip_prefix('[')
            .and_then(|t| t.trim_end().strip_suffix(']'))
            .and_then(|t| t.rsplit('.').next())
            .is_some_and(|last| last.trim().trim_matches(['"', '\'']) == key);
        (as_key || as_table).then_some((i, indent))
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
    fn unknown_keys_are_one_warning_naming_them_all() {
        let mut d = Vec::new();
        let text = "---\ntitle: Pod crash loop\nweight: 20\naliases: [/old/crash]\ndraft: false\ndescription: Pods restart over and over.\n---\n# Crash\n";
        let (front, _) = split(text, &mut d);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!((d[0].line, d[0].level), (1, super::super::Level::Warning));
        assert_eq!(
            d[0].message,
            "front matter keys firebreak does not use: aliases, draft, weight"
        );
        assert_eq!(front.title.as_deref(), Some("Pod crash loop"));
        assert_eq!(
            front.summary().as_deref(),
            Some("Pods restart over and over.")
        );
    }

    #[test]
    fn a_near_miss_of_a_firebreak_key_is_an_error() {
        for (key, meant) in [
            ("tagz", "tags"),
            ("evidence_first", "evidence-first"),
            ("evidence-frist", "evidence-first"),
            ("param", "params"),
        ] {
            let mut d = Vec::new();
            split(&format!("---\ntitle: x\n{key}: 1\n---\n"), &mut d);
            assert_eq!(d.len(), 1, "{d:?}");
            assert_eq!((d[0].line, d[0].level), (3, super::super::Level::Error));
            assert!(d[0].message.contains(meant), "{d:?}");
        }
        for site_key in [
            "date", "slug", "hide", "weight", "aliases", "owner", "draft",
        ] {
            assert_eq!(near_miss(site_key, KEYS), None, "{site_key}");
        }
    }

    #[test]
    fn summary_wins_over_description() {
        let mut d = Vec::new();
        let (front, _) = split("---\nsummary: ours\ndescription: site's\n---\n", &mut d);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(front.summary().as_deref(), Some("ours"));
    }

    #[test]
    fn toml_front_matter_is_read_with_the_same_fields() {
        let mut d = Vec::new();
        let text = "+++\ntitle = \"Disk full\"\ntags = [\"disk\"]\nweight = 3\n\n[params.DATA_DIR]\ndescription = \"where\"\nkind = \"path\"\n+++\n# Disk full\n";
        let (front, body) = split(text, &mut d);
        assert_eq!(front.title.as_deref(), Some("Disk full"));
        assert_eq!(front.tags, ["disk"]);
        assert_eq!(
            front.params["DATA_DIR"].description.as_deref(),
            Some("where")
        );
        let found: Vec<(u32, &str)> = d.iter().map(|d| (d.line, d.message.as_str())).collect();
        assert_eq!(
            found,
            [
                (1, "front matter key firebreak does not use: weight"),
                (
                    8,
                    "parameter DATA_DIR: key \"kind\" is not used (a parameter has description, default, secret)"
                ),
            ]
        );
        assert_eq!(body.lines().position(|l| l == "# Disk full"), Some(9));
    }

    #[test]
    fn an_unknown_parameter_key_is_named_at_its_line() {
        let mut d = Vec::new();
        split(
            "---\nparams:\n  HOST:\n    description: the box\n    example: db1\n---\n",
            &mut d,
        );
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!((d[0].line, d[0].col), (5, 5), "{d:?}");
        assert!(d[0].message.contains("\"example\""), "{d:?}");
    }

    #[test]
    fn a_syntax_error_is_located_and_the_body_still_read() {
        let mut d = Vec::new();
        let (_, body) = split("---\ntitle: x\ntags: [a\n---\n# Heading\n", &mut d);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].level, super::super::Level::Error);
        assert!(d[0].line >= 3, "{d:?}");
        assert!(body.contains("# Heading"));

        let mut d = Vec::new();
        let (_, body) = split("+++\ntitle = \"x\"\nweight = \n+++\n# Heading\n", &mut d);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!((d[0].line, d[0].code), (3, "front-matter"), "{d:?}");
        assert!(body.contains("# Heading"));
    }

    #[test]
    fn a_wrong_type_for_a_known_key_is_still_an_error() {
        let mut d = Vec::new();
        split("---\nevidence-first: sometimes\n---\n", &mut d);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!((d[0].line, d[0].level), (2, super::super::Level::Error));
    }

    #[test]
    fn unclosed_front_matter_is_an_error() {
        let mut d = Vec::new();
        let (_, body) = split("---\ntitle: x\n# Heading\n", &mut d);
        assert_eq!(d[0].code, "front-matter");
        assert!(body.contains("# Heading"));
        let mut d = Vec::new();
        split("+++\ntitle = \"x\"\n", &mut d);
        assert!(d[0].message.contains("`+++`"), "{d:?}");
    }
}
