//! The list of user agents firebreak names: scanners, scripts and crawlers. One list, shipped in
//! `rules/agents.txt` and extendable from files in the same format, used by triage and by rules
//! (`contains-any: "@scanners"`).
//!
//! Matching lowercases the agent into a scratch buffer and runs one case-sensitive
//! Aho-Corasick automaton over it: much faster than the automaton's own case-insensitive mode.

use aho_corasick::{AhoCorasick, MatchKind};

/// What kind of client an agent entry names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// Vulnerability or content scanners.
    Scanner,
    /// HTTP libraries and command-line clients.
    Script,
    /// Self-declared crawlers.
    Crawler,
}

impl Kind {
    /// The kind's name in the list file.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Scanner => "scanner",
            Kind::Script => "script",
            Kind::Crawler => "crawler",
        }
    }

    /// The list name rules use: `scanners`, `scripts`, `crawlers`.
    pub fn list_name(self) -> &'static str {
        match self {
            Kind::Scanner => "scanners",
            Kind::Script => "scripts",
            Kind::Crawler => "crawlers",
        }
    }

    fn parse(text: &str) -> Option<Kind> {
        match text {
            "scanner" => Some(Kind::Scanner),
            "script" => Some(Kind::Script),
            "crawler" => Some(Kind::Crawler),
            _ => None,
        }
    }
}

/// One entry: a lowercase substring and its kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Lowercase substring of the User-Agent.
    pub pattern: String,
    /// Its kind.
    pub kind: Kind,
}

/// A mistake in an agents file.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{origin}:{line}:{column}: {message}")]
pub struct BadEntry {
    /// File name (or `built-in`).
    pub origin: String,
    /// Line, from 1.
    pub line: usize,
    /// Column, from 1.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

/// The shipped list.
pub const BUILTIN: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../rules/agents.txt"
));

/// Parses a list in the `agents.txt` format.
pub fn parse(origin: &str, text: &str) -> Result<Vec<Entry>, BadEntry> {
    let mut entries = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = raw.trim_end();
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let bad = |column: usize, message: String| BadEntry {
            origin: origin.to_owned(),
            line: index + 1,
            column,
            message,
        };
        let indent = line.len() - trimmed.len();
        let mut words = trimmed.split_whitespace();
        let pattern = words.next().unwrap_or_default();
        let Some(kind_text) = words.next() else {
            return Err(bad(
                indent + pattern.len() + 1,
                "expected a kind after the pattern: scanner, script or crawler".into(),
            ));
        };
        let kind_column = line.find(kind_text).map_or(1, |at| at + 1);
        let kind = Kind::parse(kind_text).ok_or_else(|| {
            bad(
                kind_column,
                format!("unknown kind {kind_text:?}: expected scanner, script or crawler"),
            )
        })?;
        if let Some(extra) = words.next() {
            let at = line.rfind(extra).map_or(1, |at| at + 1);
            return Err(bad(at, format!("unexpected {extra:?} after the kind")));
        }
        entries.push(Entry {
            pattern: pattern.to_lowercase(),
            kind,
        });
    }
    Ok(entries)
}

/// A compiled agent list.
#[derive(Debug, Clone)]
pub struct Agents {
    entries: Vec<Entry>,
    matcher: Option<AhoCorasick>,
}

impl Agents {
    /// The shipped list.
    pub fn builtin() -> Agents {
        Agents::new(parse("built-in agents.txt", BUILTIN).unwrap_or_default())
    }

    /// The shipped list plus more entries (later entries win nothing: the first match in the
    /// agent, leftmost-longest, decides).
    pub fn with(mut self, more: Vec<Entry>) -> Agents {
        self.entries.extend(more);
        Agents::new(std::mem::take(&mut self.entries))
    }

    /// A list of exactly these entries.
    pub fn new(entries: Vec<Entry>) -> Agents {
        // Building fails only past the automaton's size limits, far beyond any agent list.
        let matcher = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(entries.iter().map(|e| e.pattern.as_bytes()))
            .ok();
        Agents { entries, matcher }
    }

    /// Every entry.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The entry an agent matches, if any. `scratch` is reused between calls to avoid
    /// allocating.
    pub fn find(&self, agent: &[u8], scratch: &mut Vec<u8>) -> Option<&Entry> {
        scratch.clear();
        scratch.extend(agent.iter().map(u8::to_ascii_lowercase));
        let found = self.matcher.as_ref()?.find(scratch.as_slice())?;
        self.entries.get(found.pattern().as_usize())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_list_parses_and_matches_regardless_of_case() {
        parse("agents.txt", BUILTIN).expect("the shipped list parses");
        let agents = Agents::builtin();
        let mut scratch = Vec::new();
        let hit = agents
            .find(
                b"Mozilla/5.0 (compatible; Nmap Scripting Engine)",
                &mut scratch,
            )
            .expect("nmap");
        assert_eq!((hit.pattern.as_str(), hit.kind), ("nmap", Kind::Scanner));
        assert_eq!(
            agents
                .find(b"sqlmap/1.7#stable (https://sqlmap.org)", &mut scratch)
                .map(|e| e.kind),
            Some(Kind::Scanner)
        );
        assert_eq!(
            agents
                .find(b"python-requests/2.31", &mut scratch)
                .map(|e| e.kind),
            Some(Kind::Script)
        );
        assert!(
            agents
                .find(
                    b"Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0",
                    &mut scratch
                )
                .is_none()
        );
    }

    #[test]
    fn mistakes_are_positioned() {
        let err = parse("mine.txt", "# c\nfoo scanner\n  bar\n").expect_err("no kind");
        assert_eq!((err.line, err.column), (3, 6));
        let err = parse("mine.txt", "foo robot\n").expect_err("bad kind");
        assert_eq!((err.line, err.column), (1, 5));
        assert!(err.to_string().starts_with("mine.txt:1:5: unknown kind"));
        let err = parse("mine.txt", "foo scanner extra\n").expect_err("extra");
        assert_eq!((err.line, err.column), (1, 13));
    }

    #[test]
    fn extra_entries_extend_the_list() {
        let more = parse("mine.txt", "evilbot scanner\n").expect("parses");
        let agents = Agents::builtin().with(more);
        let mut scratch = Vec::new();
        assert!(agents.find(b"EvilBot/2.0", &mut scratch).is_some());
    }
}
