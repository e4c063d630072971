//! Aligned plain-text tables, and log text made safe to print on a terminal.

use std::fmt::Write as _;

/// Columns padded to their widest cell; numbers right-aligned. When the table is wider than
/// the terminal, the `flex` column is cut to fit.
pub(super) struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
    flex: usize,
    pub(super) indent: usize,
}

impl Table {
    pub(super) fn new(headers: &[&str], flex: usize) -> Table {
        Table {
            headers: headers.iter().map(|h| (*h).to_owned()).collect(),
            rows: Vec::new(),
            flex,
            indent: 2,
        }
    }

    pub(super) fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub(super) fn render(&self, out: &mut String, width: usize) {
        let columns = self.headers.len();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let total: usize =
            self.indent + widths.iter().sum::<usize>() + 2 * columns.saturating_sub(1);
        if total > width
            && let Some(w) = widths.get_mut(self.flex)
        {
            *w = w.saturating_sub(total - width).max(12);
        }
        let numeric: Vec<bool> = (0..columns)
            .map(|c| {
                !self.rows.is_empty()
                    && self.rows.iter().all(|row| {
                        row.get(c).is_none_or(|cell| {
                            cell.is_empty() || cell.starts_with(|ch: char| ch.is_ascii_digit())
                        })
                    })
                    && c != 0
            })
            .collect();
        let line = |cells: &[String], out: &mut String| {
            let mut text = " ".repeat(self.indent);
            for (c, cell) in cells.iter().enumerate() {
                let w = widths.get(c).copied().unwrap_or(0);
                let cell = fit(cell, w);
                let pad = w.saturating_sub(cell.chars().count());
                let last = c + 1 == cells.len();
                if numeric.get(c).copied().unwrap_or(false) {
                    text.push_str(&" ".repeat(pad));
                    text.push_str(&cell);
                } else {
                    text.push_str(&cell);
                    if !last {
                        text.push_str(&" ".repeat(pad));
                    }
                }
                if !last {
                    text.push_str("  ");
                }
            }
            let _ = writeln!(out, "{}", text.trim_end());
        };
        line(&self.headers, out);
        for row in &self.rows {
            line(row, out);
        }
    }
}

/// `text` cut to `width` characters, ending in `…` when cut.
pub(super) fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// Log text made safe for a terminal: control characters become `\xNN`.
pub(super) fn clean(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        if ch.is_control() {
            let _ = write!(out, "\\x{:02x}", u32::from(ch));
        } else {
            out.push(ch);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_shown_not_obeyed() {
        assert_eq!(clean("evil\x1b]0;pwned\x07"), "evil\\x1b]0;pwned\\x07");
        assert_eq!(fit("abcdef", 4), "abc…");
    }

    #[test]
    fn tables_align_and_fit() {
        let mut table = Table::new(&["PATH", "N"], 0);
        table.row(vec!["/a".into(), "5".into()]);
        table.row(vec!["/".to_owned() + &"x".repeat(200), "12,345".into()]);
        let mut out = String::new();
        table.render(&mut out, 60);
        for line in out.lines() {
            assert!(line.chars().count() <= 60, "{line}");
        }
        assert!(out.contains("     5\n"));
    }
}
