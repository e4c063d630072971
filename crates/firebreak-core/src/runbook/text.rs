//! Turning a runbook file's bytes into text the Markdown parser can read, repairing what
//! copying runbooks around tends to break — without moving any line, so positions stay true.
//!
//! * Bytes that are not UTF-8 become U+FFFD, with a warning at the first one.
//! * "Mojibake" — UTF-8 that was decoded as Windows-1252 and encoded again, so `→` reads `â†’`
//!   — is reversed where the reversal is unambiguous, with a warning.
//! * Lines holding only `|` (the gutter a web page's code view leaves when copied) are blanked.
//! * Documentation-site containers are opened up so CommonMark reads their content: MkDocs
//!   content tabs (`=== "Linux"`) and admonitions (`!!! warning "Title"`, `??? note`), whose
//!   content is indented four spaces, lose that indentation (a fence in a tab would otherwise
//!   be an indented code block); Docusaurus admonitions (`:::danger` … `:::`) lose their marker
//!   lines. Each container is returned as a [`Region`] of lines, and the removed indentation is
//!   remembered so columns can be reported in the file's terms.

use super::diagnostic::{Diagnostic, to_u32};

/// Decoded text and, for each of its lines, the line of the file it came from.
pub(crate) struct Decoded {
    pub text: String,
    /// The tab and admonition containers, in order of their marker lines.
    pub regions: Vec<Region>,
    line_map: Vec<u32>,
    /// For each line of `text`, how many columns of indentation were taken out.
    shifts: Vec<u32>,
}

/// The lines of `text` a documentation-site container covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Region {
    pub kind: RegionKind,
    /// Line of its marker (`=== "Linux"`, `!!! warning`), now blank.
    pub line: u32,
    /// Last line of its content.
    pub last: u32,
}

/// What a container is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RegionKind {
    /// A MkDocs content tab, with its name.
    Tab(String),
    /// An admonition: whether it warns, and its title (may be empty).
    Admonition { warning: bool, title: String },
}

impl Decoded {
    /// The file line of decoded line `line` (both from 1).
    pub(crate) fn file_line(&self, line: u32) -> u32 {
        let index = usize::try_from(line)
            .unwrap_or(usize::MAX)
            .saturating_sub(1);
        self.line_map
            .get(index)
            .copied()
            .unwrap_or_else(|| self.line_map.last().copied().unwrap_or(0) + 1)
    }

    /// The file column of column `col` on decoded line `line`, adding back indentation that
    /// was taken out of a container's content.
    pub(crate) fn file_col(&self, line: u32, col: u32) -> u32 {
        let index = usize::try_from(line)
            .unwrap_or(usize::MAX)
            .saturating_sub(1);
        col.saturating_add(self.shifts.get(index).copied().unwrap_or(0))
    }
}

/// Decodes `bytes`, reporting what had to be repaired.
pub(crate) fn decode(bytes: &[u8], diagnostics: &mut Vec<Diagnostic>) -> Decoded {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(err) => {
            let (line, col) = position(bytes, err.valid_up_to());
            diagnostics.push(Diagnostic::warning(
                line,
                col,
                "invalid-utf8",
                "bytes that are not UTF-8 were replaced with U+FFFD",
            ));
            String::from_utf8_lossy(bytes)
        }
    };
    // A lone CR ends a line for Markdown; make it end one for positions too (same length).
    let text = if text.contains('\r') {
        std::borrow::Cow::Owned(lone_cr_to_lf(&text))
    } else {
        text
    };
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let gutter = lines.iter().filter(|l| is_gutter(l)).count();
    let gutter_mode = gutter >= 3 && gutter * 3 >= lines.len();
    let mut out = String::with_capacity(text.len());
    let mut line_map = Vec::with_capacity(lines.len());
    let mut repaired = None;
    let mut index = 0;
    while index < lines.len() {
        let line = lines[index];
        if gutter_mode && is_gutter(line) {
            // A copied code view puts two gutter lines after every line of the original, and
            // an original blank line shows as two more: a run of k stands for k/2 - 1 blanks.
            let run = lines[index..].iter().take_while(|l| is_gutter(l)).count();
            for _ in 0..(run / 2).saturating_sub(1) {
                out.push('\n');
                line_map.push(to_u32(index + 1));
            }
            index += run;
            continue;
        }
        let content = line.trim_end_matches(['\n', '\r']);
        match repair_mojibake(content) {
            Some(fixed) => {
                repaired.get_or_insert(index);
                out.push_str(&fixed);
                out.push_str(&line[content.len()..]);
            }
            None => out.push_str(line),
        }
        line_map.push(to_u32(index + 1));
        index += 1;
    }
    if let Some(index) = repaired {
        diagnostics.push(Diagnostic::warning(
            to_u32(index + 1),
            1,
            "mis-encoded",
            "text that was encoded twice (UTF-8 read as Windows-1252) was repaired",
        ));
    }
    if gutter_mode {
        let first = lines.iter().position(|l| is_gutter(l)).unwrap_or(0);
        diagnostics.push(Diagnostic::warning(
            to_u32(first + 1),
            1,
            "gutter-lines",
            "lines holding only `|` (a web page's code view, copied) were taken out",
        ));
    }
    let opened = open_containers(&out);
    Decoded {
        text: opened.text,
        regions: opened.regions,
        line_map,
        shifts: opened.shifts,
    }
}

struct Opened {
    text: String,
    regions: Vec<Region>,
    shifts: Vec<u32>,
}

/// An open container while lines are read.
struct Open {
    /// Index into the regions found so far.
    region: usize,
    /// For MkDocs, the marker's indentation in the file (content sits 4 columns further);
    /// `None` for Docusaurus, which ends at a `:::` line.
    indent: Option<usize>,
}

/// Opens up MkDocs and Docusaurus containers (see the module docs), keeping every line.
fn open_containers(text: &str) -> Opened {
    let mut out = Opened {
        text: String::with_capacity(text.len()),
        regions: Vec::new(),
        shifts: Vec::new(),
    };
    let mut stack: Vec<Open> = Vec::new();
    let mut fence: Option<(char, usize)> = None;
    for (index, raw) in text.split_inclusive('\n').enumerate() {
        let line_no = to_u32(index + 1);
        let content = raw.trim_end_matches(['\n', '\r']);
        let end = &raw[content.len()..];
        let indent = content.bytes().take_while(|&b| b == b' ').count();
        let blank = content.trim().is_empty();
        if !blank {
            while stack
                .last()
                .is_some_and(|o| o.indent.is_some_and(|d| indent < d + 4))
            {
                stack.pop();
            }
        }
        let depth = stack.iter().filter(|o| o.indent.is_some()).count();
        let removed = indent.min(4 * depth);
        let line = &content[removed..];
        out.shifts.push(to_u32(removed));
        let marker = if fence.is_none() {
            marker(line.trim_start())
        } else {
            None
        };
        if !blank && !matches!(marker, Some(Marker::Close)) {
            for open in &stack {
                if let Some(region) = out.regions.get_mut(open.region) {
                    region.last = line_no;
                }
            }
        }
        match marker {
            Some(Marker::Open(kind, mkdocs)) => {
                stack.push(Open {
                    region: out.regions.len(),
                    indent: mkdocs.then_some(indent),
                });
                out.regions.push(Region {
                    kind,
                    line: line_no,
                    last: line_no,
                });
                out.text.push_str(end);
            }
            Some(Marker::Close) if stack.last().is_some_and(|o| o.indent.is_none()) => {
                stack.pop();
                out.text.push_str(end);
            }
            _ => {
                fence = next_fence(fence, line.trim_start());
                out.text.push_str(line);
                out.text.push_str(end);
            }
        }
    }
    out
}

enum Marker {
    /// A container opens; `true` for MkDocs (indented content).
    Open(RegionKind, bool),
    /// A Docusaurus `:::` line.
    Close,
}

/// Admonition types that warn; every other type is a note.
const WARNING_TYPES: &[&str] = &[
    "warning",
    "caution",
    "danger",
    "attention",
    "error",
    "important",
    "failure",
    "fail",
    "bug",
];

fn marker(line: &str) -> Option<Marker> {
    if let Some(rest) = line.strip_prefix("=== ") {
        let name = rest.trim().trim_matches('"').trim();
        return (rest.trim().starts_with('"') && !name.is_empty())
            .then(|| Marker::Open(RegionKind::Tab(name.to_string()), true));
    }
    let mkdocs = ["!!! ", "???+ ", "??? "]
        .iter()
        .find_map(|p| line.strip_prefix(p));
    if let Some(rest) = mkdocs {
        let (kind, title) = rest.trim().split_once(' ').unwrap_or((rest.trim(), ""));
        return admonition(kind, title.trim().trim_matches('"')).map(|k| Marker::Open(k, true));
    }
    let colons = line.bytes().take_while(|&b| b == b':').count();
    if colons < 3 {
        return None;
    }
    let rest = line[colons..].trim();
    if rest.is_empty() {
        return Some(Marker::Close);
    }
    let (kind, title) = rest.split_once(' ').unwrap_or((rest, ""));
    admonition(kind, title.trim()).map(|k| Marker::Open(k, false))
}

fn admonition(kind: &str, title: &str) -> Option<RegionKind> {
    let kind = kind.trim_end_matches(['"', ':']).to_ascii_lowercase();
    let word = !kind.is_empty() && kind.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    word.then(|| RegionKind::Admonition {
        warning: WARNING_TYPES.contains(&kind.as_str()),
        title: title.to_string(),
    })
}

/// Tracks code fences so a marker inside one is left alone.
fn next_fence(open: Option<(char, usize)>, line: &str) -> Option<(char, usize)> {
    let Some(c) = line.chars().next().filter(|c| matches!(c, '`' | '~')) else {
        return open;
    };
    let width = line.chars().take_while(|&x| x == c).count();
    if width < 3 {
        return open;
    }
    match open {
        None => Some((c, width)),
        Some((o, w)) if o == c && width >= w && line[width..].trim().is_empty() => None,
        other => other,
    }
}

fn lone_cr_to_lf(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.char_indices() {
        if c == '\r' && bytes.get(i + 1) != Some(&b'\n') {
            out.push('\n');
        } else {
            out.push(c);
        }
    }
    out
}

fn is_gutter(line: &str) -> bool {
    line.trim() == "|"
}

fn position(bytes: &[u8], offset: usize) -> (u32, u32) {
    let before = &bytes[..offset.min(bytes.len())];
    let is_break =
        |i: usize| before[i] == b'\n' || (before[i] == b'\r' && bytes.get(i + 1) != Some(&b'\n'));
    let breaks: Vec<usize> = (0..before.len()).filter(|&i| is_break(i)).collect();
    let start = breaks.last().map_or(0, |&i| i + 1);
    let col = String::from_utf8_lossy(&before[start..]).chars().count() + 1;
    (to_u32(breaks.len() + 1), to_u32(col))
}

/// Reverses double encoding in `line`: each run of non-ASCII characters that all map to
/// Windows-1252 bytes, and whose bytes form valid UTF-8 of fewer characters, is replaced by
/// that UTF-8. `None` when nothing changed.
fn repair_mojibake(line: &str) -> Option<String> {
    if line.is_ascii() {
        return None;
    }
    let mut out = String::with_capacity(line.len());
    let mut changed = false;
    let mut run: Vec<char> = Vec::new();
    let flush = |run: &mut Vec<char>, out: &mut String, changed: &mut bool| {
        if run.is_empty() {
            return;
        }
        let bytes: Option<Vec<u8>> = run.iter().map(|&c| cp1252_byte(c)).collect();
        match bytes.and_then(|b| String::from_utf8(b).ok()) {
            Some(fixed) if fixed.chars().count() < run.len() => {
                out.push_str(&fixed);
                *changed = true;
            }
            _ => out.extend(run.iter()),
        }
        run.clear();
    };
    for c in line.chars() {
        if c.is_ascii() {
            flush(&mut run, &mut out, &mut changed);
            out.push(c);
        } else {
            run.push(c);
        }
    }
    flush(&mut run, &mut out, &mut changed);
    changed.then_some(out)
}

/// The Windows-1252 byte that decodes to `c`, if any.
fn cp1252_byte(c: char) -> Option<u8> {
    const HIGH: [(char, u8); 27] = [
        ('€', 0x80),
        ('‚', 0x82),
        ('ƒ', 0x83),
        ('„', 0x84),
        ('…', 0x85),
        ('†', 0x86),
        ('‡', 0x87),
        ('ˆ', 0x88),
        ('‰', 0x89),
        ('Š', 0x8a),
        ('‹', 0x8b),
        ('Œ', 0x8c),
        ('Ž', 0x8e),
        ('‘', 0x91),
        ('’', 0x92),
        ('“', 0x93),
        ('”', 0x94),
        ('•', 0x95),
        ('–', 0x96),
        ('—', 0x97),
        ('˜', 0x98),
        ('™', 0x99),
        ('š', 0x9a),
        ('›', 0x9b),
        ('œ', 0x9c),
        ('ž', 0x9e),
        ('Ÿ', 0x9f),
    ];
    let code = u32::from(c);
    if (0xa0..=0xff).contains(&code) {
        return u8::try_from(code).ok();
    }
    HIGH.iter().find(|(ch, _)| *ch == c).map(|&(_, b)| b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrows_and_emoji_encoded_twice_are_repaired() {
        let mut d = Vec::new();
        let text = decode_text(
            "First \u{e2}\u{2020}\u{2019} Second\n\u{f0}\u{178}\u{161}\u{a8} ALERT\n".as_bytes(),
            &mut d,
        );
        assert_eq!(text, "First → Second\n🚨 ALERT\n");
        assert_eq!(d.len(), 1);
        assert_eq!((d[0].line, d[0].code), (1, "mis-encoded"));
    }

    #[test]
    fn real_accents_are_left_alone() {
        let mut d = Vec::new();
        assert_eq!(
            decode_text("café naïve — ok\n".as_bytes(), &mut d),
            "café naïve — ok\n"
        );
        assert!(d.is_empty());
    }

    #[test]
    fn invalid_bytes_are_replaced_and_located() {
        let mut d = Vec::new();
        let text = decode_text(b"ok\nab\xffcd\n", &mut d);
        assert_eq!(text, "ok\nab\u{fffd}cd\n");
        assert_eq!((d[0].line, d[0].col), (2, 3));
    }

    #[test]
    fn gutter_runs_collapse_and_lines_map_back_to_the_file() {
        let mut d = Vec::new();
        let decoded = decode(b"# A\n|\n|\n|\n|\ntext\n|\n|\nmore\n", &mut d);
        assert_eq!(decoded.text, "# A\n\ntext\nmore\n");
        assert_eq!(d[0].code, "gutter-lines");
        assert_eq!([1, 2, 3, 4].map(|l| decoded.file_line(l)), [1, 2, 6, 9]);
    }

    #[test]
    fn mkdocs_tab_content_loses_its_indent_and_columns_map_back() {
        let mut d = Vec::new();
        let decoded = decode(
            b"# A\n\n=== \"Linux\"\n\n    ```bash\n    ls\n    ```\n\nafter\n",
            &mut d,
        );
        assert_eq!(decoded.text, "# A\n\n\n\n```bash\nls\n```\n\nafter\n");
        assert_eq!(
            decoded.regions,
            [Region {
                kind: RegionKind::Tab("Linux".to_string()),
                line: 3,
                last: 7
            }]
        );
        assert_eq!(decoded.file_col(6, 1), 5);
        assert_eq!(decoded.file_col(9, 1), 1);
    }

    #[test]
    fn admonitions_of_both_sites_become_regions_and_markers_in_code_stay() {
        let mut d = Vec::new();
        let decoded = decode(
            b"!!! danger \"Data loss\"\n    Deletes it.\n\n:::tip\nOne at a time.\n:::\n\n```\n!!! note\n```\n",
            &mut d,
        );
        assert_eq!(
            decoded.text,
            "\nDeletes it.\n\n\nOne at a time.\n\n\n```\n!!! note\n```\n"
        );
        let kinds: Vec<(RegionKind, u32, u32)> = decoded
            .regions
            .into_iter()
            .map(|r| (r.kind, r.line, r.last))
            .collect();
        assert_eq!(
            kinds,
            [
                (
                    RegionKind::Admonition {
                        warning: true,
                        title: "Data loss".to_string()
                    },
                    1,
                    2
                ),
                (
                    RegionKind::Admonition {
                        warning: false,
                        title: String::new()
                    },
                    4,
                    5
                ),
            ]
        );
    }

    #[test]
    fn a_setext_underline_is_not_a_tab() {
        let mut d = Vec::new();
        let decoded = decode(b"Title\n===\n", &mut d);
        assert_eq!(decoded.text, "Title\n===\n");
        assert!(decoded.regions.is_empty());
    }

    fn decode_text(bytes: &[u8], d: &mut Vec<Diagnostic>) -> String {
        decode(bytes, d).text
    }
}
