//! The document `firebreak review edit` opens in an editor: one `## Heading` per human section,
//! pre-filled, and the parser that reads it back.
//!
//! A section runs from its heading to the next known heading. A `## ` line that is not one of
//! the headings is text (so a section may hold its own `##` subheadings); a heading that was
//! deleted leaves its section as it was; an HTML comment before the first heading is the
//! instructions and is ignored.

use std::collections::BTreeMap;

use super::{Document, Field};

/// The editor's document for `review` of incident `id`.
pub fn document(id: &str, review: &Document) -> String {
    let mut doc = format!(
        "<!-- Post-incident review of {id}.\n     Write under each heading; save and quit to record what changed.\n     Keep the headings as they are. Empty a section to clear it. -->\n"
    );
    for field in Field::ALL {
        doc.push_str(&format!("\n## {}\n\n", field.heading()));
        let text = review.text(field);
        if !text.is_empty() {
            doc.push_str(text);
            doc.push('\n');
        }
    }
    doc
}

fn heading(line: &str) -> Option<Field> {
    let title = line.strip_prefix("## ")?.trim();
    Field::ALL
        .into_iter()
        .find(|f| f.heading().eq_ignore_ascii_case(title))
}

/// The sections an edited document holds, trimmed; fields whose heading is missing are absent.
pub fn parse(doc: &str) -> BTreeMap<Field, String> {
    let mut sections: BTreeMap<Field, String> = BTreeMap::new();
    let mut current: Option<Field> = None;
    for line in doc.lines() {
        if let Some(field) = heading(line) {
            current = Some(field);
            sections.entry(field).or_default();
            continue;
        }
        if let Some(field) = current {
            let text = sections.entry(field).or_default();
            text.push_str(line);
            text.push('\n');
        }
    }
    sections
        .into_iter()
        .map(|(f, t)| (f, t.trim().to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incident::Stamp;

    #[test]
    fn a_document_reads_back_as_written_and_missing_headings_change_nothing() {
        let mut review = Document::default();
        let stamp = Stamp {
            at: jiff::Timestamp::UNIX_EPOCH,
            by: "a".into(),
        };
        review.write(
            Field::Summary,
            "Line one.\n\n## Not a heading\nmore",
            stamp.clone(),
        );
        review.write(Field::Lessons, "Renew certs.", stamp);
        let doc = document("INC-2026-11-23-001", &review);
        let back = parse(&doc);
        assert_eq!(back.len(), Field::ALL.len());
        assert_eq!(back[&Field::Summary], "Line one.\n\n## Not a heading\nmore");
        assert_eq!(back[&Field::Lessons], "Renew certs.");
        assert_eq!(back[&Field::Impact], "");
        let partial = parse("## Impact\nall users\n");
        assert_eq!(partial.len(), 1);
        assert_eq!(partial[&Field::Impact], "all users");
    }
}
