//! What a step's output says about failure when its exit status does not. A step that exits 0
//! succeeded, and stays so: the exit status is what the runbook's author chose to trust. But a
//! script whose last command succeeded may have printed "health check failed" first, and a
//! responder reading `→ ok` would not look. [`failure_line`] finds such a line so the verdict can
//! quote it; it decides nothing.
//!
//! The rule, kept narrow so it can be explained: a line holding the word `failed`, `failure` or
//! `failures` (any case, as a whole word), unless the word follows `0` or `no` ("0 failed",
//! "no failures"), which report the absence of failure.

/// The words that report a failure.
const WORDS: &[&str] = &["failed", "failure", "failures"];

/// The first line of `output` that reports a failure, trimmed and at most 100 characters.
pub fn failure_line(output: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(output);
    let line = text.lines().find(|line| reports_failure(line))?;
    let line = line.trim();
    Some(match line.char_indices().nth(100) {
        Some((at, _)) => format!("{}…", &line[..at]),
        None => line.to_string(),
    })
}

fn reports_failure(line: &str) -> bool {
    let mut previous = "";
    for word in line
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let lower = word.to_lowercase();
        if WORDS.contains(&lower.as_str()) && !matches!(previous, "0" | "no") {
            return true;
        }
        previous = if lower == "no" {
            "no"
        } else if word == "0" {
            "0"
        } else {
            ""
        };
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_reporting_failure_is_found_and_absence_of_failure_is_not() {
        assert_eq!(
            failure_line(b"checking db-1\nhealth check failed: 503\nbye\n").as_deref(),
            Some("health check failed: 503")
        );
        assert_eq!(
            failure_line(b"Login FAILED for user x").as_deref(),
            Some("Login FAILED for user x")
        );
        assert!(failure_line(b"12 passed, 0 failed\nno failures found\n").is_none());
        assert!(failure_line(b"failover complete; unfailed-ish\n").is_none());
        assert!(failure_line(b"all good\n").is_none());
        let long = format!("failed {}", "x".repeat(300));
        assert_eq!(
            failure_line(long.as_bytes()).map(|l| l.chars().count()),
            Some(101)
        );
    }
}
