//! What an incident records when log detection raised it or added to it: the rule, the key it
//! counted by (`client=203.0.113.9`), how many lines and when, a few sample lines, and the
//! runbook the rule suggests; for a group of alerts an alert sender posted, each alert with its
//! labels and links ([`AlertSeen`]). The detection engine itself lives in `firebreak-detect`;
//! this is only its trace in the journal.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Most sample lines kept per detection.
pub const SAMPLES_MAX: usize = 5;
/// Longest sample line kept, in characters; longer lines are cut and marked with `…`.
pub const SAMPLE_CHARS_MAX: usize = 500;

/// Most alerts of one group kept with their labels and links.
pub const ALERTS_MAX: usize = 20;

/// One firing alert of a group an alert sender (Alertmanager) posted, as the incident page
/// shows it. Its texts are masked and bounded by the intake before they get here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertSeen {
    /// Fingerprint, or the sender's key.
    pub id: String,
    /// The alert's summary annotation, else its name.
    pub title: String,
    /// Its labels, secret-looking values masked.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// When it started firing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<Timestamp>,
    /// Where the sender graphs it (Prometheus's expression browser); `http(s)` only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub graph: Option<String>,
    /// The `runbook_url` annotation; `http(s)` only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runbook_url: Option<String>,
}

/// `url` if it is a web address a page may link to (`http://` or `https://`, no spaces or
/// control characters); anything else (`javascript:`, `data:`) is not a link.
pub fn web_link(url: &str) -> Option<String> {
    let url = url.trim();
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    let web = lower.starts_with("http://") || lower.starts_with("https://");
    let plain = !url.chars().any(|c| c.is_whitespace() || c.is_control());
    (web && plain && url.len() > 8).then(|| url.to_string())
}

/// A finding from log detection, as recorded on an incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Detection {
    /// The rule's id.
    pub rule: String,
    /// The rule's title.
    pub title: String,
    /// What the rule counted by, as `field=value` pairs joined with spaces.
    pub key: String,
    /// Matching lines counted so far.
    pub count: u64,
    /// Time of the first counted line, if the log had times.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_seen: Option<Timestamp>,
    /// Time of the last counted line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<Timestamp>,
    /// Where the lines came from (file names).
    pub source: String,
    /// A few of the lines, each `FILE:LINE: text`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub samples: Vec<String>,
    /// The runbook the rule suggests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runbook: Option<String>,
    /// The rule's tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// For alerts: the firing alerts, at most [`ALERTS_MAX`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alerts: Vec<AlertSeen>,
}

impl Detection {
    /// Whether this is the same rule and key as another detection.
    pub fn same_as(&self, rule: &str, key: &str) -> bool {
        self.rule == rule && self.key == key
    }

    /// Keeps samples within [`SAMPLES_MAX`] lines of [`SAMPLE_CHARS_MAX`] characters, with
    /// control characters shown as `?` so a log line cannot rewrite the terminal, and the
    /// values of secret-looking parameters (`?token=…`, `password=…`) masked in the samples and
    /// the key: the journal
    /// keeps evidence of what happened, not credentials that leaked into a log.
    pub fn bounded(mut self) -> Detection {
        // A key can be a logged path with its query string.
        self.key = mask_secrets(&self.key);
        self.samples.truncate(SAMPLES_MAX);
        for sample in &mut self.samples {
            let masked = mask_secrets(sample);
            let mut cut: String = masked
                .chars()
                .take(SAMPLE_CHARS_MAX)
                .map(|c| if c.is_control() { '?' } else { c })
                .collect();
            if masked.chars().nth(SAMPLE_CHARS_MAX).is_some() {
                cut.push('…');
            }
            *sample = cut;
        }
        self.alerts.truncate(ALERTS_MAX);
        self
    }

    /// One line for the timeline.
    pub fn describe(&self) -> String {
        let when = match (self.first_seen, self.last_seen) {
            (Some(a), Some(b)) if a != b => format!(", {a} – {b}"),
            (Some(a), _) => format!(", at {a}"),
            _ => String::new(),
        };
        let runbook = self
            .runbook
            .as_ref()
            .map(|r| format!("; suggested runbook {r}"))
            .unwrap_or_default();
        // Alert intake counts alerts, log detection counts lines.
        let unit = if self.tags.iter().any(|t| t == "alert") {
            "alert"
        } else {
            "line"
        };
        format!(
            "detected by rule {}: {} ({}, {} {unit}{}{when}) in {}{runbook}",
            self.rule,
            self.title,
            self.key,
            self.count,
            if self.count == 1 { "" } else { "s" },
            self.source
        )
    }
}

/// Parameter names whose values are credentials, matched as lowercase substrings of the name.
const SECRET_NAMES: &[&str] = &[
    "pass",
    "pwd",
    "token",
    "secret",
    "key",
    "auth",
    "session",
    "sid",
    "sig",
    "credential",
    "cookie",
    "otp",
    "code",
];

/// The mask shown instead of a secret value.
const MASK: &str = "••••";

/// Token shapes recognised wherever they appear, whatever surrounds them: a prefix, and the
/// fewest characters after it that make it a credential rather than a word. Our own API tokens
/// (`fbk_` + 64 hex) come first.
const TOKEN_SHAPES: &[(&str, usize)] = &[
    (crate::access::TOKEN_PREFIX, 16),
    ("ghp_", 20),
    ("gho_", 20),
    ("ghu_", 20),
    ("ghs_", 20),
    ("ghr_", 20),
    ("github_pat_", 20),
    ("glpat-", 16),
    ("xoxb-", 10),
    ("xoxp-", 10),
    ("xoxa-", 10),
    ("xoxr-", 10),
    ("xoxs-", 10),
    ("sk_live_", 16),
    ("rk_live_", 16),
    ("AKIA", 16),
    ("ASIA", 16),
];

/// Masks credentials recognisable by their shape alone: the [`TOKEN_SHAPES`], and JSON Web
/// Tokens (`eyJ…` with two dots).
fn mask_token_shapes(text: &str) -> String {
    let is_word = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.');
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(|c: char| is_word(c)) {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        let end = tail.find(|c: char| !is_word(c)).unwrap_or(tail.len());
        let word = &tail[..end];
        let secret =
            TOKEN_SHAPES.iter().any(|(prefix, min)| {
                word.strip_prefix(prefix).is_some_and(|body| {
                    body.len() >= *min
                        && body
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'))
                })
            }) || (word.starts_with("eyJ") && word.matches('.').count() == 2 && word.len() >= 24);
        out.push_str(if secret { MASK } else { word });
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// Masks the values of `name=value` pairs whose name looks like a credential (query strings,
/// form bodies, `key=value` log fields), what follows `Bearer ` or `Basic `, and credentials
/// recognisable by their shape anywhere (our own `fbk_` API tokens, GitHub, GitLab, Slack,
/// Stripe and AWS keys, JSON Web Tokens). The one masking function for text that comes from
/// outside: log samples, alert labels and annotations, change payloads.
pub fn mask_secrets(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(eq) = rest.find('=') {
        let (before, after) = rest.split_at(eq);
        let name_start = before
            .char_indices()
            .rev()
            .find(|(_, c)| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))
            .map_or(0, |(i, c)| i + c.len_utf8());
        let name = before[name_start..].to_ascii_lowercase();
        out.push_str(before);
        out.push('=');
        let value = &after[1..];
        let end = value
            .find(['&', ';', ',', '"', '\'', ' ', '\t'])
            .unwrap_or(value.len());
        if !name.is_empty() && end > 0 && SECRET_NAMES.iter().any(|s| name.contains(s)) {
            out.push_str(MASK);
            rest = &value[end..];
        } else {
            rest = value;
        }
    }
    out.push_str(rest);
    for scheme in ["Bearer ", "Basic "] {
        let mut masked = String::with_capacity(out.len());
        let mut rest = out.as_str();
        while let Some(at) = rest.find(scheme) {
            let (before, after) = rest.split_at(at + scheme.len());
            masked.push_str(before);
            let end = after
                .find(['"', '\'', ' ', ',', ';'])
                .unwrap_or(after.len());
            if end > 0 {
                masked.push_str(MASK);
            }
            rest = &after[end..];
        }
        masked.push_str(rest);
        out = masked;
    }
    mask_token_shapes(&out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_masked_by_their_shape() {
        let ours = format!("fbk_{}", "3f".repeat(32));
        let text = format!(
            "leaked {ours} and ghp_{} AKIAIOSFODNN7EXAMPLE eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln ok",
            "a".repeat(36)
        );
        assert_eq!(mask_secrets(&text), "leaked •••• and •••• •••• •••• ok");
        // Words that merely start alike stay.
        assert_eq!(
            mask_secrets("fbk_ AKIA ghp_short akiaxyz"),
            "fbk_ AKIA ghp_short akiaxyz"
        );
    }

    #[test]
    fn samples_are_bounded_and_inert() {
        let d = Detection {
            rule: "r".into(),
            title: "t".into(),
            key: "client=192.0.2.1".into(),
            count: 7,
            first_seen: None,
            last_seen: None,
            source: "access.log".into(),
            samples: (0..9)
                .map(|i| format!("line {i}\x1b[2J"))
                .chain(["x".repeat(900)])
                .collect(),
            runbook: None,
            tags: vec![],
            alerts: vec![],
        }
        .bounded();
        assert_eq!(d.samples.len(), SAMPLES_MAX);
        assert_eq!(d.samples[0], "line 0?[2J");
        let long = Detection {
            samples: vec!["y".repeat(900)],
            ..d.clone()
        }
        .bounded();
        assert_eq!(long.samples[0].chars().count(), SAMPLE_CHARS_MAX + 1);
        assert!(d.describe().contains("client=192.0.2.1, 7 lines"));
        let alert = Detection {
            tags: vec!["alert".into()],
            ..d.clone()
        };
        assert!(alert.describe().contains("client=192.0.2.1, 7 alerts"));
    }

    #[test]
    fn only_web_addresses_become_links() {
        assert_eq!(
            web_link(" https://prom.example/graph?g0.expr=up "),
            Some("https://prom.example/graph?g0.expr=up".into())
        );
        assert!(web_link("HTTP://grafana.example/d/1").is_some());
        for bad in [
            "javascript:alert(1)",
            "data:text/html,x",
            "//evil.example",
            "https://",
            "https://a b",
            "",
        ] {
            assert_eq!(web_link(bad), None, "{bad}");
        }
    }

    proptest::proptest! {
        #[test]
        fn masking_never_panics_and_keeps_plain_text(line in "\\PC{0,80}") {
            let masked = mask_secrets(&line);
            if !line.contains('=') && !line.contains("Bearer ") && !line.contains("Basic ") {
                proptest::prop_assert_eq!(masked, line);
            }
        }
    }

    #[test]
    fn secrets_in_sample_lines_are_masked() {
        let line = r#"192.0.2.1 - - [x] "GET /reset?user=ana&token=abc123&next=/home HTTP/1.1" 200 5 "-" "curl" password=hunter2; api_key=K1 Authorization: Bearer eyJhbGci.x"#;
        let masked = mask_secrets(line);
        for secret in ["abc123", "hunter2", "K1", "eyJhbGci"] {
            assert!(!masked.contains(secret), "{secret} in {masked}");
        }
        assert!(
            masked.contains("user=ana&token=••••&next=/home"),
            "{masked}"
        );
        assert!(masked.contains("password=••••;"), "{masked}");
        let plain = "GET /search?q=shoes&page=2 HTTP/1.1 a=b = =x •=1 é=2";
        assert_eq!(mask_secrets(plain), plain);
        let d = Detection {
            rule: "r".into(),
            title: "t".into(),
            key: "k".into(),
            count: 1,
            first_seen: None,
            last_seen: None,
            source: "s".into(),
            samples: vec![line.into()],
            runbook: None,
            tags: vec![],
            alerts: vec![],
        }
        .bounded();
        assert!(!d.samples[0].contains("hunter2"));
    }
}
