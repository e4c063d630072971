//! Reading times and dates from the command line.

use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};

/// A moment: RFC 3339 (`2026-11-23T07:40:00Z`), `YYYY-MM-DD HH:MM` in UTC, or a duration ago
/// (`20m ago`, `-20m`).
pub fn moment(text: &str, now: Timestamp) -> Result<Timestamp, String> {
    let t = text.trim();
    let ago = t
        .strip_suffix("ago")
        .map(str::trim)
        .or_else(|| t.strip_prefix('-'));
    if let Some(d) = ago {
        let d = firebreak_core::duration::parse(d).map_err(|e| e.to_string())?;
        return Ok(now - d);
    }
    if let Ok(ts) = t.parse::<Timestamp>() {
        return Ok(ts);
    }
    if let Ok(dt) = t.replace(' ', "T").parse::<jiff::civil::DateTime>() {
        return dt
            .to_zoned(jiff::tz::TimeZone::UTC)
            .map(|z| z.timestamp())
            .map_err(|e| e.to_string());
    }
    Err(format!(
        "{text:?} is not a time; use 2026-11-23T07:40:00Z, \"2026-11-23 07:40\" (UTC) or \"20m ago\""
    ))
}

/// A due date: `YYYY-MM-DD`, or days/weeks from today (`+3d`, `2w`).
pub fn due(text: &str, now: Timestamp) -> Result<Date, String> {
    let t = text.trim();
    if let Ok(d) = t.parse::<Date>() {
        return Ok(d);
    }
    let rel = t.strip_prefix('+').unwrap_or(t);
    let d = firebreak_core::duration::parse(rel)
        .map_err(|_| format!("{text:?} is not a date; use 2026-12-01 or +3d"))?;
    let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
    let days = d.as_secs() / 86_400;
    today
        .checked_add(SignedDuration::from_hours(days * 24))
        .map_err(|_| format!("{text:?} is too far away"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_in_the_forms_responders_type() {
        let now: Timestamp = "2026-11-23T08:00:00Z".parse().expect("ts");
        assert_eq!(
            moment("20m ago", now),
            Ok("2026-11-23T07:40:00Z".parse().expect("ts"))
        );
        assert_eq!(
            moment("-1h", now),
            Ok("2026-11-23T07:00:00Z".parse().expect("ts"))
        );
        assert_eq!(
            moment("2026-11-23 07:15", now),
            Ok("2026-11-23T07:15:00Z".parse().expect("ts"))
        );
        assert!(moment("yesterday-ish", now).is_err());
        assert_eq!(due("+3d", now), Ok(jiff::civil::date(2026, 11, 26)));
        assert_eq!(due("2026-12-01", now), Ok(jiff::civil::date(2026, 12, 1)));
        assert!(due("soon", now).is_err());
    }
}
