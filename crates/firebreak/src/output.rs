//! How results reach the terminal: plain aligned tables, colour only on a terminal (and never
//! with `NO_COLOR`), and JSON for `--json`. Every write goes through a `Write` and returns its
//! error, so a closed pipe (`firebreak ls | head`) ends the command quietly instead of panicking.
//!
//! Incident text is hostile: a note can carry ESC, BEL or NUL (OSC 52 clipboard writes, title
//! changes, erased lines). Every line, table cell and document written through [`Out`] passes
//! through [`inert`], which renders control characters visibly (`^[`, `^G`, `<U+202E>`); the
//! only escapes that reach a terminal are the few colour codes [`Out::paint`] itself writes.

use std::borrow::Cow;
use std::io::{self, IsTerminal, Write};

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

/// Text emphasis, rendered as ANSI only when enabled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// As is.
    Plain,
    /// Something late or broken.
    Alarm,
    /// Something needing attention soon.
    Warn,
    /// Something fine.
    Good,
    /// Secondary information.
    Dim,
}

/// Output settings and the stream to write to.
pub struct Out {
    stream: Box<dyn Write>,
    colour: bool,
    /// Whether `--json` was given.
    pub json: bool,
}

impl Out {
    /// Standard output, colour decided by the terminal and `NO_COLOR`.
    pub fn stdout(json: bool) -> Self {
        let colour = !json
            && io::stdout().is_terminal()
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        Self {
            // Block-buffered: a 10,000-row listing is a few writes, not one per line.
            stream: Box::new(io::BufWriter::with_capacity(64 * 1024, io::stdout().lock())),
            colour,
            json,
        }
    }

    /// Any writer (a file named with `-o`), without colour.
    pub fn writer(stream: Box<dyn Write>, json: bool) -> Self {
        Self {
            stream,
            colour: false,
            json,
        }
    }

    /// Paints `text` in `tone` (its own control characters already made inert).
    pub fn paint(&self, text: &str, tone: Tone) -> String {
        let text = inert(text);
        let code = match tone {
            Tone::Plain => return text.into_owned(),
            _ if !self.colour => return text.into_owned(),
            tone => sgr(tone),
        };
        format!("\x1b[{code}m{text}\x1b[0m")
    }

    /// `text` as it may reach the terminal: control characters inert, except (with colour on)
    /// the exact colour codes [`Out::paint`] writes.
    fn render<'t>(&self, text: &'t str) -> Cow<'t, str> {
        if !self.colour || !text.contains('\x1b') {
            return inert(text);
        }
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(at) = rest.find('\x1b') {
            out.push_str(&inert(&rest[..at]));
            let tail = &rest[at..];
            match PAINT_CODES.iter().find(|code| tail.starts_with(**code)) {
                Some(code) => {
                    out.push_str(code);
                    rest = &tail[code.len()..];
                }
                None => {
                    out.push_str("^[");
                    rest = &tail[1..];
                }
            }
        }
        out.push_str(&inert(rest));
        Cow::Owned(out)
    }

    /// Writes one line.
    pub fn line(&mut self, text: impl AsRef<str>) -> io::Result<()> {
        let text = self.render(text.as_ref());
        writeln!(self.stream, "{text}")
    }

    /// Writes a value as pretty JSON.
    pub fn json<T: Serialize + ?Sized>(&mut self, value: &T) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut self.stream, value).map_err(io::Error::other)?;
        writeln!(self.stream)
    }

    /// Writes a table.
    pub fn table(&mut self, table: &Table) -> io::Result<()> {
        let widths: Vec<usize> = (0..table.headers.len())
            .map(|i| {
                table
                    .rows
                    .iter()
                    .map(|r| r.get(i).map_or(0, |c| c.0.chars().count()))
                    .chain([table.headers[i].len()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let last = widths.len().saturating_sub(1);
        let mut header = String::new();
        for (i, h) in table.headers.iter().enumerate() {
            header.push_str(h);
            if i < last {
                header.push_str(&" ".repeat(widths[i] - h.len() + 2));
            }
        }
        let header = self.paint(&header, Tone::Dim);
        self.line(header)?;
        let mut buf = String::with_capacity(128);
        for row in &table.rows {
            buf.clear();
            for (i, (text, tone)) in row.iter().enumerate() {
                if self.colour && *tone != Tone::Plain {
                    buf.push_str(&self.paint(text, *tone));
                } else {
                    buf.push_str(text);
                }
                if i < last {
                    let pad = widths[i] - text.chars().count() + 2;
                    buf.extend(std::iter::repeat_n(' ', pad));
                }
            }
            writeln!(self.stream, "{}", buf.trim_end())?;
        }
        Ok(())
    }

    /// Writes text as it is (a rendered document that carries its own line ends).
    pub fn text(&mut self, text: &str) -> io::Result<()> {
        let text = self.render(text);
        self.stream.write_all(text.as_bytes())
    }

    /// Flushes buffered output.
    pub fn flush(&mut self) -> io::Result<()> {
        self.stream.flush()
    }
}

/// Rows of cells, each with a tone.
#[derive(Debug, Default)]
pub struct Table {
    headers: Vec<&'static str>,
    rows: Vec<Vec<(String, Tone)>>,
}

impl Table {
    /// A table with these column headings.
    pub fn new(headers: &[&'static str]) -> Self {
        Self {
            headers: headers.to_vec(),
            rows: Vec::new(),
        }
    }

    /// Adds a row; its cells' control characters are made inert here, before widths are
    /// measured and colours added.
    pub fn row(&mut self, cells: Vec<(String, Tone)>) {
        self.rows.push(
            cells
                .into_iter()
                .map(|(text, tone)| match inert(&text) {
                    Cow::Borrowed(_) => (text, tone),
                    Cow::Owned(shown) => (shown, tone),
                })
                .collect(),
        );
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// The SGR parameters of each tone.
fn sgr(tone: Tone) -> &'static str {
    match tone {
        Tone::Plain => "0",
        Tone::Alarm => "1;31",
        Tone::Warn => "33",
        Tone::Good => "32",
        Tone::Dim => "2",
    }
}

/// Every escape sequence [`Out::paint`] can write: the only ones let through to a terminal.
const PAINT_CODES: [&str; 5] = ["\x1b[1;31m", "\x1b[33m", "\x1b[32m", "\x1b[2m", "\x1b[0m"];

/// Whether `c` must not reach a terminal as it is: C0 and C1 controls (line feed and tab
/// excepted), DEL, and the invisible marks that reorder text (bidirectional overrides).
fn unsafe_char(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Text with its control characters rendered visibly and harmlessly: C0 controls in caret
/// notation (ESC as `^[`, BEL as `^G`, NUL as `^@`, CR as `^M`), DEL as `^?`, C1 controls and
/// bidirectional overrides as `<U+XXXX>`. Line feeds and tabs are kept. This is the one function
/// that stands between incident text and a terminal.
pub fn inert(text: &str) -> Cow<'_, str> {
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            c if !unsafe_char(c) => out.push(c),
            '\u{7f}' => out.push_str("^?"),
            c if (c as u32) < 0x20 => {
                out.push('^');
                out.push(char::from(c as u8 + 0x40));
            }
            c => out.push_str(&format!("<U+{:04X}>", c as u32)),
        }
    }
    Cow::Owned(out)
}

/// Shortens text to `max` characters, marking the cut with `…`.
pub fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut s: String = text.chars().take(max.saturating_sub(1)).collect();
    s.push('…');
    s
}

/// A timestamp as responders read it: `2026-11-23 07:40 UTC`.
pub fn when(t: Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M UTC").to_string()
}

/// A duration as `12m`, `3h05m`.
pub fn span(d: SignedDuration) -> String {
    firebreak_core::duration::format(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_shown_not_obeyed() {
        assert_eq!(inert("plain ✓ text"), "plain ✓ text");
        assert_eq!(
            inert("a\x1b]52;c;ZXZpbA==\x07b\0c\rd\u{7f}\u{9b}2J\u{202e}e\n\tf"),
            "a^[]52;c;ZXZpbA==^Gb^@c^Md^?<U+009B>2J<U+202E>e\n\tf"
        );
    }

    #[test]
    fn with_colour_only_our_own_codes_pass() {
        let out = Out {
            stream: Box::new(io::sink()),
            colour: true,
            json: false,
        };
        let painted = out.paint("late \x1b[8mhidden", Tone::Alarm);
        assert_eq!(painted, "\x1b[1;31mlate ^[[8mhidden\x1b[0m");
        let line = format!("{painted} \x1b[2J\x1b]0;title\x07");
        assert_eq!(
            out.render(&line),
            "\x1b[1;31mlate ^[[8mhidden\x1b[0m ^[[2J^[]0;title^G"
        );
    }
}
