//! How results reach the terminal: plain aligned tables, colour only on a terminal (and never
//! with `NO_COLOR`), and JSON for `--json`. Every write goes through a `Write` and returns its
//! error, so a closed pipe (`firebreak ls | head`) ends the command quietly instead of panicking.

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

    /// Paints `text` in `tone`.
    pub fn paint(&self, text: &str, tone: Tone) -> String {
        let code = match tone {
            Tone::Plain => return text.to_string(),
            _ if !self.colour => return text.to_string(),
            Tone::Alarm => "1;31",
            Tone::Warn => "33",
            Tone::Good => "32",
            Tone::Dim => "2",
        };
        format!("\x1b[{code}m{text}\x1b[0m")
    }

    /// Writes one line.
    pub fn line(&mut self, text: impl AsRef<str>) -> io::Result<()> {
        writeln!(self.stream, "{}", text.as_ref())
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

    /// Adds a row.
    pub fn row(&mut self, cells: Vec<(String, Tone)>) {
        self.rows.push(cells);
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
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
