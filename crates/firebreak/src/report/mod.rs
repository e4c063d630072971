//! Rendering a response report (`firebreak_core::report::Report`) for people: the one-page HTML
//! document that `firebreak report --html` writes and the dashboard can serve as is. The figures
//! are computed in `firebreak-core`; this module only lays them out. The terminal table is the
//! CLI's (`cli/report.rs`).

mod html;
mod svg;

pub use html::html;

use firebreak_core::duration;
use jiff::SignedDuration;

/// Escapes text for HTML element content and double-quoted attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A duration in seconds as the tables show it (`3h05m`), `—` when there is none.
pub fn seconds(secs: Option<f64>) -> String {
    match secs {
        Some(s) if s.is_finite() => duration::format(SignedDuration::from_secs(s.round() as i64)),
        _ => "—".into(),
    }
}

/// A percentage as `87.5 %`, `—` when nothing was judged.
pub fn percent(p: Option<f64>) -> String {
    match p {
        Some(p) => format!("{p:.1} %"),
        None => "—".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_markup_and_quotes() {
        assert_eq!(
            escape(r#"<script>"a" & 'b'</script>"#),
            "&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/script&gt;"
        );
    }
}
