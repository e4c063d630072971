//! Durations (`90s`, `5m`, `1h30m`, `2d`) and sizes (`500MB`, `1.5GiB`) as rule files write
//! them. Decimal units are powers of 1000 and binary ones powers of 1024, as `ls -h --si`
//! and `ls -h` print them.

/// The longest window or dedup period a rule may ask for: state lives this long.
pub(crate) const MAX_DURATION: i64 = 30 * 86_400;

/// Parses a duration into seconds: one or more `<integer><unit>` with units `s`, `m`, `h`,
/// `d`. A unit is required so that `10` never silently means seconds when minutes were meant.
pub(crate) fn duration(text: &str) -> Result<i64, String> {
    let text = text.trim();
    let bad = || {
        format!(
            "bad duration {text:?}: write numbers with units s, m, h or d and no spaces, \
             e.g. 30s, 5m, 1h30m"
        )
    };
    if text.is_empty() {
        return Err(bad());
    }
    let mut total: i64 = 0;
    let mut digits = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3_600,
            'd' => 86_400,
            _ => return Err(bad()),
        };
        if digits.is_empty() {
            return Err(bad());
        }
        let too_long = || format!("duration {text:?} is longer than the 30d limit");
        let n: i64 = digits.parse().map_err(|_| too_long())?;
        total = n
            .checked_mul(unit)
            .and_then(|s| total.checked_add(s))
            .ok_or_else(too_long)?;
        digits.clear();
    }
    if !digits.is_empty() {
        return Err(bad());
    }
    if total > MAX_DURATION {
        return Err(format!("duration {text:?} is longer than the 30d limit"));
    }
    Ok(total)
}

/// Parses a number, optionally with a size unit (`B`, `KB`, `MB`, `GB`, `TB`, `KiB`, `MiB`,
/// `GiB`, `TiB`; case of the `B` and `i` as written, prefix letters in either case).
pub(crate) fn number(text: &str) -> Result<f64, String> {
    let trimmed = text.trim();
    let split = trimmed
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E')))
        .unwrap_or(trimmed.len());
    // `1e3` is a number; `1E` alone would not be, so fall back to the whole text first.
    if let Ok(n) = trimmed.parse::<f64>()
        && n.is_finite()
    {
        return Ok(n);
    }
    let (digits, unit) = trimmed.split_at(split);
    let value: f64 = digits
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a number"))?;
    let factor: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "kb" | "k" => 1e3,
        "mb" | "m" => 1e6,
        "gb" | "g" => 1e9,
        "tb" | "t" => 1e12,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        "tib" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        other => {
            return Err(format!(
                "{text:?}: unknown size unit {other:?} (use KB, MB, GB, TB or KiB, MiB, GiB, TiB)"
            ));
        }
    };
    let n = value * factor;
    if n.is_finite() {
        Ok(n)
    } else {
        Err(format!("{text:?} is out of range"))
    }
}

/// A duration for people: `90s` → `1m30s`.
pub(crate) fn show_duration(seconds: i64) -> String {
    if seconds == 0 {
        return "0s".into();
    }
    let mut out = String::new();
    let mut rest = seconds;
    for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] {
        if rest >= size {
            out.push_str(&format!("{}{unit}", rest / size));
            rest %= size;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(duration("30s"), Ok(30));
        assert_eq!(duration("5m"), Ok(300));
        assert_eq!(duration("1h30m"), Ok(5_400));
        assert_eq!(duration("2d"), Ok(172_800));
        assert_eq!(duration("0s"), Ok(0));
        assert!(duration("10").is_err());
        assert!(duration("m").is_err());
        assert!(duration("5 minutes").is_err());
        assert!(duration("31d").is_err());
        assert!(duration("99999999999999999999s").is_err());
        assert_eq!(show_duration(5_400), "1h30m");
    }

    #[test]
    fn sizes() {
        assert_eq!(number("500MB"), Ok(500e6));
        assert_eq!(number("1GiB"), Ok(1_073_741_824.0));
        assert_eq!(number("2.5"), Ok(2.5));
        assert_eq!(number("1e3"), Ok(1000.0));
        assert_eq!(number("10 kb"), Ok(10_000.0));
        assert!(number("5 parsecs").is_err());
        assert!(number("").is_err());
    }
}
