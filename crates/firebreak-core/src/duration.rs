//! Human durations as responders write them in config and on the command line: `15m`, `1h`,
//! `1h30m`, `24h`, `2d`, `1w`, `90s`, `0`. Fixed units only (a day is 24 hours, a week 7 days);
//! response targets are about elapsed time, not calendar arithmetic.

use jiff::SignedDuration;

/// Why a duration did not parse.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{given:?} is not a duration ({why}); write e.g. 15m, 1h, 1h30m, 2d or 1w")]
pub struct BadDuration {
    given: String,
    why: &'static str,
}

/// Parses a duration such as `1h30m`.
pub fn parse(text: &str) -> Result<SignedDuration, BadDuration> {
    let bad = |why| BadDuration {
        given: text.to_string(),
        why,
    };
    let s = text.trim();
    if s == "0" {
        return Ok(SignedDuration::ZERO);
    }
    if s.is_empty() {
        return Err(bad("it is empty"));
    }
    let mut total: i64 = 0;
    let mut digits = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            if digits.len() >= 9 {
                return Err(bad("a number is too large"));
            }
            digits.push(c);
            continue;
        }
        if c == ' ' {
            continue;
        }
        let unit: i64 = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 604_800,
            _ => return Err(bad("units are s, m, h, d and w")),
        };
        if digits.is_empty() {
            return Err(bad("a unit needs a number before it"));
        }
        let n: i64 = digits.parse().map_err(|_| bad("a number is too large"))?;
        total = n
            .checked_mul(unit)
            .and_then(|v| total.checked_add(v))
            .filter(|v| *v <= 10 * 365 * 86_400)
            .ok_or_else(|| bad("it is longer than ten years"))?;
        digits.clear();
    }
    if !digits.is_empty() {
        return Err(bad("the last number has no unit"));
    }
    Ok(SignedDuration::from_secs(total))
}

/// Parses a duration that must be more than zero — a timeout, a time window — as the standard
/// library's `Duration` the code that waits on it uses.
pub fn parse_positive(text: &str) -> Result<std::time::Duration, BadDuration> {
    let d = parse(text)?;
    if d.is_zero() {
        return Err(BadDuration {
            given: text.to_string(),
            why: "it must be more than zero",
        });
    }
    // `parse` gives only whole, non-negative seconds.
    Ok(std::time::Duration::from_secs(d.as_secs().unsigned_abs()))
}

/// Formats a duration compactly for tables: `45s`, `12m`, `3h05m`, `2d04h`, `3w`.
pub fn format(d: SignedDuration) -> String {
    let secs = d.as_secs().unsigned_abs();
    let sign = if d.is_negative() { "-" } else { "" };
    let (w, d_, h, m, s) = (
        secs / 604_800,
        secs % 604_800 / 86_400,
        secs % 86_400 / 3600,
        secs % 3600 / 60,
        secs % 60,
    );
    let body = if secs < 60 {
        format!("{s}s")
    } else if secs < 3600 {
        format!("{m}m")
    } else if secs < 86_400 {
        format!("{h}h{m:02}m")
    } else if secs < 604_800 {
        format!("{d_}d{h:02}h")
    } else if d_ == 0 {
        format!("{w}w")
    } else {
        format!("{w}w{d_}d")
    };
    format!("{sign}{body}")
}

/// Serde adapter for durations written as text in config files.
pub mod text {
    use jiff::SignedDuration;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes a duration as text (`1h00m`).
    pub fn serialize<S: Serializer>(d: &SignedDuration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::format(*d))
    }

    /// Reads a duration from text such as `15m`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SignedDuration, D::Error> {
        let text = String::deserialize(d)?;
        super::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positive_durations_refuse_zero() {
        assert_eq!(
            parse_positive("90s"),
            Ok(std::time::Duration::from_secs(90))
        );
        assert!(
            parse_positive("0")
                .expect_err("zero")
                .to_string()
                .contains("more than zero")
        );
        assert!(parse_positive("5x").is_err());
    }

    #[test]
    fn parses_the_units_responders_write() {
        assert_eq!(parse("15m"), Ok(SignedDuration::from_mins(15)));
        assert_eq!(parse("1h30m"), Ok(SignedDuration::from_mins(90)));
        assert_eq!(parse("1h 30m"), Ok(SignedDuration::from_mins(90)));
        assert_eq!(parse("24h"), Ok(SignedDuration::from_hours(24)));
        assert_eq!(parse("1w"), Ok(SignedDuration::from_hours(168)));
        assert_eq!(parse("0"), Ok(SignedDuration::ZERO));
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        for bad in [
            "",
            "m",
            "15",
            "15x",
            "-5m",
            "1.5h",
            "9999999999h",
            "100000w",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn formats_compactly() {
        assert_eq!(format(SignedDuration::from_secs(45)), "45s");
        assert_eq!(format(SignedDuration::from_mins(12)), "12m");
        assert_eq!(format(SignedDuration::from_mins(185)), "3h05m");
        assert_eq!(format(SignedDuration::from_hours(52)), "2d04h");
        assert_eq!(format(SignedDuration::from_hours(168)), "1w");
        assert_eq!(format(SignedDuration::from_mins(-3)), "-3m");
    }
}
