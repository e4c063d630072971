//! Log timestamps to unix seconds (UTC), parsed by hand from bytes: no allocation, no `str`
//! conversion, `None` for anything that is not a real instant (month 13, 31 February, hour 25).
//!
//! The forms logs use: nginx/apache `$time_local` ([`clf`], with [`ClfCache`] for the hot path,
//! where lines are time-ordered and the same minute repeats), ISO 8601 / RFC 3339 with an
//! optional fraction and offset ([`iso8601`], [`iso8601_prefix`]), BSD syslog's year-less
//! `Nov 23 13:47:15` ([`bsd_prefix`]) and epoch numbers ([`epoch`]). Fractions of a second are
//! dropped (rounded towards the past). Which form a field holds is the parser's business, not
//! this module's.

/// Days since 1970-01-01 of a proleptic Gregorian date. The date is not checked: callers pass
/// a month in 1..=12 and a day that exists in it.
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let month = i64::from(month);
    // Counting years from March puts the leap day last, so a year's day number needs no table.
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = if month > 2 { month - 3 } else { month + 9 };
    let day_of_year = (153 * month_from_march + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The proleptic Gregorian date (year, month, day) of a day number since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_from_march + 2) / 5 + 1) as u32;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// The year (UTC) a unix time falls in.
pub fn year_of(unix: i64) -> i64 {
    civil_from_days(unix.div_euclid(86_400)).0
}

/// Whether `year` is a Gregorian leap year.
fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// The number of days in a month (1..=12) of a year.
fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Unix seconds of a checked civil date and time, or `None` when any part is out of range.
/// A leap second (`:60`) is accepted and lands on the next minute's first second.
fn unix(year: i64, month: u32, day: u32, hour: u32, minute: u32, second: u32) -> Option<i64> {
    if !(1..=12).contains(&month)
        || day == 0
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(days * 86_400 + i64::from(hour * 3600 + minute * 60 + second))
}

/// Two ASCII digits at `at`.
fn two(text: &[u8], at: usize) -> Option<u32> {
    match text.get(at..at + 2)? {
        [a @ b'0'..=b'9', b @ b'0'..=b'9'] => Some(u32::from(a - b'0') * 10 + u32::from(b - b'0')),
        _ => None,
    }
}

/// Four ASCII digits at `at`.
fn four(text: &[u8], at: usize) -> Option<i64> {
    Some(i64::from(two(text, at)? * 100 + two(text, at + 2)?))
}

/// An English three-letter month abbreviation (`Jan`..`Dec`, as CLF and syslog write them).
fn month(text: &[u8], at: usize) -> Option<u32> {
    Some(match text.get(at..at + 3)? {
        b"Jan" => 1,
        b"Feb" => 2,
        b"Mar" => 3,
        b"Apr" => 4,
        b"May" => 5,
        b"Jun" => 6,
        b"Jul" => 7,
        b"Aug" => 8,
        b"Sep" => 9,
        b"Oct" => 10,
        b"Nov" => 11,
        b"Dec" => 12,
        _ => return None,
    })
}

/// `HH:MM:SS` at `at`.
fn clock(text: &[u8], at: usize) -> Option<(u32, u32, u32)> {
    if text.get(at + 2) != Some(&b':') || text.get(at + 5) != Some(&b':') {
        return None;
    }
    Some((two(text, at)?, two(text, at + 3)?, two(text, at + 6)?))
}

/// A `+HHMM` / `-HH:MM` style offset in seconds east of UTC, sign included.
fn offset(sign: u8, hours: u32, minutes: u32) -> Option<i64> {
    if hours > 23 || minutes > 59 {
        return None;
    }
    let seconds = i64::from(hours * 3600 + minutes * 60);
    match sign {
        b'+' => Some(seconds),
        b'-' => Some(-seconds),
        _ => None,
    }
}

/// Common Log Format time, as inside the brackets of `[10/Oct/2000:13:55:36 -0700]`: exactly
/// 26 bytes.
pub fn clf(text: &[u8]) -> Option<i64> {
    if text.len() != 26
        || text[2] != b'/'
        || text[6] != b'/'
        || text[11] != b':'
        || text[20] != b' '
    {
        return None;
    }
    let local = unix(
        four(text, 7)?,
        month(text, 3)?,
        two(text, 0)?,
        two(text, 12)?,
        two(text, 15)?,
        two(text, 18)?,
    )?;
    Some(local - offset(text[21], two(text, 22)?, two(text, 24)?)?)
}

/// A one-entry cache in front of [`clf`]: access logs are time-ordered, so consecutive lines
/// almost always share the minute and zone, and only the seconds need reading.
#[derive(Debug, Clone)]
pub struct ClfCache {
    /// The last parsed text with its seconds zeroed.
    key: [u8; 26],
    /// Unix time of `key` (second 00), when the cache holds one.
    minute: Option<i64>,
}

impl Default for ClfCache {
    fn default() -> ClfCache {
        ClfCache::new()
    }
}

impl ClfCache {
    /// A cache holding nothing yet.
    pub const fn new() -> ClfCache {
        ClfCache {
            key: [0; 26],
            minute: None,
        }
    }

    /// [`clf`], answered from the cache when the minute and zone match the previous call.
    pub fn parse(&mut self, text: &[u8]) -> Option<i64> {
        if let Some(minute) = self.minute
            && text.len() == 26
            && text[..18] == self.key[..18]
            && text[20..] == self.key[20..]
        {
            let second = two(text, 18)?;
            return (second <= 60).then_some(minute + i64::from(second));
        }
        let value = clf(text)?;
        let second = two(text, 18)?;
        self.key.copy_from_slice(text);
        self.key[18] = b'0';
        self.key[19] = b'0';
        self.minute = Some(value - i64::from(second));
        Some(value)
    }
}

thread_local! {
    static CLF_CACHE: std::cell::RefCell<ClfCache> = const { std::cell::RefCell::new(ClfCache::new()) };
}

/// [`clf`] through a per-thread [`ClfCache`], for parsers that take `&self` and run on
/// several threads.
pub fn clf_cached(text: &[u8]) -> Option<i64> {
    CLF_CACHE
        .with(|cache| cache.try_borrow_mut().ok().map(|mut c| c.parse(text)))
        .unwrap_or_else(|| clf(text))
}

/// An ISO 8601 / RFC 3339 date-time at the start of `text`, and how many bytes it took:
/// `2026-11-23T13:47:15`, `T` or a space between date and time, an optional fraction, then
/// `Z`, `+01:00`, `+0100`, `+01` or nothing (taken as UTC).
pub fn iso8601_prefix(text: &[u8]) -> Option<(i64, usize)> {
    if text.get(4) != Some(&b'-') || text.get(7) != Some(&b'-') {
        return None;
    }
    if !matches!(text.get(10), Some(b'T' | b't' | b' ')) {
        return None;
    }
    let (hour, minute, second) = clock(text, 11)?;
    let local = unix(
        four(text, 0)?,
        two(text, 5)?,
        two(text, 8)?,
        hour,
        minute,
        second,
    )?;
    let mut at = 19;
    if text.get(at) == Some(&b'.') || text.get(at) == Some(&b',') {
        let digits = text
            .get(at + 1..)?
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if digits == 0 {
            return None;
        }
        at += 1 + digits;
    }
    match text.get(at) {
        Some(b'Z' | b'z') => Some((local, at + 1)),
        Some(&sign @ (b'+' | b'-')) => {
            let hours = two(text, at + 1)?;
            let (minutes, used) = if text.get(at + 3) == Some(&b':') {
                (two(text, at + 4)?, 6)
            } else if let Some(minutes) = two(text, at + 3) {
                (minutes, 5)
            } else {
                (0, 3)
            };
            Some((local - offset(sign, hours, minutes)?, at + used))
        }
        _ => Some((local, at)),
    }
}

/// [`iso8601_prefix`] over the whole of `text`.
pub fn iso8601(text: &[u8]) -> Option<i64> {
    match iso8601_prefix(text)? {
        (value, used) if used == text.len() => Some(value),
        _ => None,
    }
}

/// BSD syslog's `Nov 23 13:47:15` (also `Nov  3 …` and `Nov 3 …`, with an optional fraction
/// after the seconds) at the start of `text`, in `year` (the format has none), and how many
/// bytes it took.
pub fn bsd_prefix(text: &[u8], year: i64) -> Option<(i64, usize)> {
    let month = month(text, 0)?;
    if text.get(3) != Some(&b' ') {
        return None;
    }
    let (day, clock_at) = match (text.get(4)?, text.get(5)?) {
        (b' ', d @ b'0'..=b'9') => (u32::from(d - b'0'), 7),
        (d @ b'0'..=b'9', b' ') => (u32::from(d - b'0'), 6),
        _ => (two(text, 4)?, 7),
    };
    if text.get(clock_at - 1) != Some(&b' ') {
        return None;
    }
    let (hour, minute, second) = clock(text, clock_at)?;
    let value = unix(year, month, day, hour, minute, second)?;
    let mut used = clock_at + 8;
    if text.get(used) == Some(&b'.') {
        let digits = text
            .get(used + 1..)?
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if digits > 0 {
            used += 1 + digits;
        }
    }
    Some((value, used))
}

/// An epoch number (`1700000000`, `1700000000.123`, as `$msec` or a JSON timestamp writes it),
/// in seconds; integers this large are taken as milliseconds (≥ 10¹¹), microseconds (≥ 10¹⁴)
/// or nanoseconds (≥ 10¹⁷), because no log is from the year 5000.
pub fn epoch(text: &[u8]) -> Option<i64> {
    let (whole, fraction) = match memchr::memchr(b'.', text) {
        Some(dot) => (text.get(..dot)?, text.get(dot + 1..)?),
        None => (text, &[][..]),
    };
    if whole.is_empty()
        || whole.len() > 19
        || !whole.iter().all(u8::is_ascii_digit)
        || !fraction.iter().all(u8::is_ascii_digit)
    {
        return None;
    }
    let mut value: i64 = 0;
    for &b in whole {
        value = value.checked_mul(10)?.checked_add(i64::from(b - b'0'))?;
    }
    Some(epoch_units(value))
}

/// An epoch integer in seconds, taking large ones as milli-, micro- or nanoseconds as
/// [`epoch`] does.
pub fn epoch_units(value: i64) -> i64 {
    match value {
        v if v >= 100_000_000_000_000_000 => v / 1_000_000_000,
        v if v >= 100_000_000_000_000 => v / 1_000_000,
        v if v >= 100_000_000_000 => v / 1000,
        v => v,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trips() {
        for days in [-800_000, -1, 0, 1, 10_957, 11_016, 20_415, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days, "{y}-{m}-{d}");
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(year_of(1_795_422_435), 2026);
    }

    #[test]
    fn clf_with_zones() {
        assert_eq!(clf(b"10/Oct/2000:13:55:36 -0700"), Some(971_211_336));
        assert_eq!(clf(b"10/Oct/2000:20:55:36 +0000"), Some(971_211_336));
        assert_eq!(clf(b"29/Feb/2024:00:00:00 +0000"), Some(1_709_164_800));
        for bad in [
            &b"29/Feb/2023:00:00:00 +0000"[..],
            b"10/Oct/2000:24:00:00 +0000",
            b"10/Okt/2000:13:55:36 +0000",
            b"32/Oct/2000:13:55:36 +0000",
            b"10/Oct/2000:13:55:36 *0000",
            b"10/Oct/2000:13:55:36 +0000]",
            b"1/Oct/2000:13:55:36 +0000",
        ] {
            assert_eq!(clf(bad), None, "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn clf_cache_agrees_with_clf() {
        let mut cache = ClfCache::new();
        for text in [
            &b"10/Oct/2000:13:55:36 -0700"[..],
            b"10/Oct/2000:13:55:59 -0700",
            b"10/Oct/2000:13:56:00 -0700",
            b"10/Oct/2000:13:56:00 +0100",
            b"10/Oct/2000:13:56:9x +0100",
            b"10/Oct/2000:13:56:01 +0100",
        ] {
            assert_eq!(cache.parse(text), clf(text));
        }
    }

    #[test]
    fn iso8601_forms() {
        let utc = Some(1_795_422_435);
        assert_eq!(iso8601(b"2026-11-23T08:27:15Z"), utc);
        assert_eq!(iso8601(b"2026-11-23T09:27:15.123+01:00"), utc);
        assert_eq!(iso8601(b"2026-11-23 09:27:15+0100"), utc);
        assert_eq!(iso8601(b"2026-11-23T03:27:15-05"), utc);
        assert_eq!(iso8601(b"2026-11-23T08:27:15"), utc);
        assert_eq!(
            iso8601_prefix(b"2026-11-23T08:27:15.5Z host"),
            Some((1_795_422_435, 22))
        );
        for bad in [
            &b"2026-13-01T00:00:00Z"[..],
            b"2026-11-31T00:00:00Z",
            b"2026-11-23T25:00:00Z",
            b"2026-11-23T08:27:15.Z",
            b"2026-11-23T08:27:15+1",
            b"2026-11-23",
            b"2026-11-23T08:27:15Zjunk",
        ] {
            assert_eq!(iso8601(bad), None, "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn bsd_syslog_forms() {
        let at = days_from_civil(2026, 11, 3) * 86_400 + 13 * 3600 + 47 * 60 + 15;
        assert_eq!(bsd_prefix(b"Nov  3 13:47:15 host", 2026), Some((at, 15)));
        assert_eq!(bsd_prefix(b"Nov 03 13:47:15 host", 2026), Some((at, 15)));
        assert_eq!(bsd_prefix(b"Nov 3 13:47:15 host", 2026), Some((at, 14)));
        assert_eq!(
            bsd_prefix(b"Nov  3 13:47:15.250 host", 2026),
            Some((at, 19))
        );
        assert_eq!(bsd_prefix(b"Feb 29 00:00:00", 2026), None);
        assert_eq!(bsd_prefix(b"Nov 23 13:60:00", 2026), None);
        assert_eq!(bsd_prefix(b"Nov 23", 2026), None);
    }

    #[test]
    fn epoch_units() {
        assert_eq!(epoch(b"1700000000"), Some(1_700_000_000));
        assert_eq!(epoch(b"1700000000.987"), Some(1_700_000_000));
        assert_eq!(epoch(b"1700000000123"), Some(1_700_000_000));
        assert_eq!(epoch(b"1700000000123456"), Some(1_700_000_000));
        assert_eq!(epoch(b"1700000000123456789"), Some(1_700_000_000));
        for bad in [&b""[..], b".5", b"17e8", b"-1", b"99999999999999999999"] {
            assert_eq!(epoch(bad), None);
        }
    }
}
