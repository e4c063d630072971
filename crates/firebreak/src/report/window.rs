//! The window a report covers, as people type it (`--since 90d`, `--until 2026-11-30`, or the
//! dashboard's and API's `since` and `until`): one reading for the CLI and the server.

use firebreak_core::report::Window;
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

use crate::cli::time;

/// The window from `since` (a length back from its end, `90d`, or a date or time) to `until` (a
/// date, meaning through the end of that day in UTC, or a time; default `now`, never later).
/// An empty window is refused.
pub fn window(
    since_text: &str,
    until_text: Option<&str>,
    now: Timestamp,
) -> Result<Window, String> {
    let until = until(until_text, now)?;
    let since = since(since_text, until)?;
    if since >= until {
        return Err("the window is empty: since must come before until".to_string());
    }
    Ok(Window { since, until })
}

/// The end of the window: a date means the midnight after it; never after `now`.
fn until(text: Option<&str>, now: Timestamp) -> Result<Timestamp, String> {
    let Some(text) = text else { return Ok(now) };
    let at = match text.trim().parse::<Date>() {
        Ok(day) => day
            .tomorrow()
            .and_then(|d| d.to_zoned(TimeZone::UTC))
            .map(|z| z.timestamp())
            .map_err(|e| e.to_string())?,
        Err(_) => time::moment(text, now).map_err(|e| format!("until: {e}"))?,
    };
    Ok(at.min(now))
}

/// The start of the window: a length back from `until`, or a date (its midnight, UTC) or time.
fn since(text: &str, until: Timestamp) -> Result<Timestamp, String> {
    let t = text.trim();
    if let Ok(d) = firebreak_core::duration::parse(t) {
        return until
            .checked_sub(d)
            .map_err(|_| format!("since {text:?} reaches too far back"));
    }
    if let Ok(day) = t.parse::<Date>() {
        return day
            .to_zoned(TimeZone::UTC)
            .map(|z| z.timestamp())
            .map_err(|e| e.to_string());
    }
    time::moment(t, until).map_err(|_| {
        format!(
            "since {text:?} is neither a length (90d, 12w) nor a date or time (2026-09-01, 2026-09-01T00:00:00Z)"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::SignedDuration;

    #[test]
    fn windows_in_the_forms_people_type() {
        let now: Timestamp = "2026-12-03T10:00:00Z".parse().expect("ts");
        let end = until(Some("2026-11-30"), now).expect("date");
        assert_eq!(
            end,
            "2026-12-01T00:00:00Z".parse::<Timestamp>().expect("ts")
        );
        assert_eq!(until(Some("2026-12-03"), now), Ok(now));
        assert_eq!(
            since("90d", now),
            Ok(now - SignedDuration::from_hours(90 * 24))
        );
        assert_eq!(
            since("2026-09-01", now),
            Ok("2026-09-01T00:00:00Z".parse().expect("ts"))
        );
        assert!(since("banana", now).is_err());
    }
}
