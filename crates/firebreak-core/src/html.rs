//! Text made safe for HTML: the one escaping function behind every self-contained page
//! firebreak writes (the review, the response report).

/// Text made safe for HTML element content and quoted attribute values; control characters
/// other than newline and tab become U+FFFD.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn markup_quotes_and_controls_are_neutralised() {
        assert_eq!(
            escape("<a href=\"x\" title='y'>&\u{7}</a>\n"),
            "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;\u{fffd}&lt;/a&gt;\n"
        );
    }
}
