//! HTML tables and escaping: every piece of log text goes through [`escape`] on its way into
//! the page.

use std::fmt::Write as _;

use crate::triage::units::count;

/// Text made safe for HTML element content and quoted attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters show as their Unicode pictures (␛ for escape), others as �.
            c if c.is_control() && c != '\n' && c != '\t' => out.push(
                char::from_u32(0x2400 + u32::from(c))
                    .filter(|_| u32::from(c) < 0x20)
                    .unwrap_or('\u{fffd}'),
            ),
            c => out.push(c),
        }
    }
    out
}

/// A table cell, already escaped.
pub(super) struct Cell {
    html: String,
    class: &'static str,
}

impl Cell {
    /// Text from a log: escaped, shown monospaced and allowed to break anywhere.
    pub(super) fn text(text: &str) -> Cell {
        Cell {
            html: escape(text),
            class: "t",
        }
    }

    /// Text of ours.
    pub(super) fn plain(text: &str) -> Cell {
        Cell {
            html: escape(text),
            class: "",
        }
    }

    pub(super) fn num(n: u64) -> Cell {
        Cell::right(&count(n))
    }

    pub(super) fn right(text: &str) -> Cell {
        Cell {
            html: escape(text),
            class: "n",
        }
    }

    pub(super) fn flag(on: bool, label: &str) -> Cell {
        Cell {
            html: if on {
                format!("<span class=\"flag\">{}</span>", escape(label))
            } else {
                String::new()
            },
            class: "",
        }
    }
}

pub(super) struct Table {
    headers: Vec<&'static str>,
    rows: Vec<Vec<Cell>>,
}

impl Table {
    pub(super) fn new(headers: &[&'static str]) -> Table {
        Table {
            headers: headers.to_vec(),
            rows: Vec::new(),
        }
    }

    pub(super) fn row(&mut self, cells: Vec<Cell>) {
        self.rows.push(cells);
    }

    pub(super) fn render(&self, out: &mut String) {
        out.push_str("<table>\n<thead><tr>");
        for h in &self.headers {
            let _ = write!(out, "<th>{}</th>", escape(h));
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for row in &self.rows {
            out.push_str("<tr>");
            for cell in row {
                if cell.class.is_empty() {
                    let _ = write!(out, "<td>{}</td>", cell.html);
                } else {
                    let _ = write!(out, "<td class=\"{}\">{}</td>", cell.class, cell.html);
                }
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody>\n</table>\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    pub(super) fn markup_in_log_text_is_inert() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
        assert!(!escape("a\u{1b}b").contains('\u{1b}'));
    }
}
