//! When a log line was written, from its leading timestamp: an RFC 3339 one
//! (`2026-11-23T10:00:01.123456+00:00`, rsyslog's default on current Debian) or a traditional
//! syslog one (`Nov 23 10:00:01`, local time, no year). Used by the auth-log and kernel-log
//! readers; nothing else here knows a log format.

use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

/// How far past `now` a yearless timestamp may fall before it is taken as last year's (clock
/// skew between the logger and the reader, a line written during the snapshot).
const FUTURE_SLACK: SignedDuration = SignedDuration::from_hours(24);

const MONTHS: [&[u8; 3]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

/// Reads line timestamps relative to one moment, in one time zone.
#[derive(Debug, Clone)]
pub(super) struct LineClock {
    now: Timestamp,
    tz: TimeZone,
    year: i16,
}

impl LineClock {
    /// Yearless times are taken to be in `now`'s year, in `tz` (the host's zone, which is what
    /// syslog wrote them in), or the year before if that would put them in the future.
    pub(super) fn new(now: Timestamp, tz: TimeZone) -> LineClock {
        let year = now.to_zoned(tz.clone()).year();
        LineClock { now, tz, year }
    }

    /// The time a line starts with, if it starts with one.
    pub(super) fn time(&self, line: &[u8]) -> Option<Timestamp> {
        match line.first()? {
            b'0'..=b'9' => rfc3339(line),
            _ => self.syslog(line),
        }
    }

    /// `Mmm dd hh:mm:ss` (the day padded with a space: `Nov  3`).
    fn syslog(&self, line: &[u8]) -> Option<Timestamp> {
        let month = MONTHS.iter().position(|m| line.get(..3) == Some(&m[..]))?;
        let rest = line.get(3..)?;
        let rest = &rest[rest.iter().position(|&b| b != b' ')?..];
        let day_len = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        if !(1..=2).contains(&day_len) || rest.get(day_len) != Some(&b' ') {
            return None;
        }
        let day = digits(&rest[..day_len])?;
        let clock = rest.get(day_len + 1..day_len + 9)?;
        if clock[2] != b':' || clock[5] != b':' {
            return None;
        }
        let (hour, minute, second) = (
            digits(&clock[0..2])?,
            digits(&clock[3..5])?,
            digits(&clock[6..8])?,
        );
        let month = i8::try_from(month + 1).ok()?;
        let at = |year: i16| -> Option<Timestamp> {
            let civil = DateTime::new(year, month, day, hour, minute, second, 0).ok()?;
            Some(civil.to_zoned(self.tz.clone()).ok()?.timestamp())
        };
        let this_year = at(self.year);
        match this_year {
            Some(t) if t.duration_since(self.now) <= FUTURE_SLACK => Some(t),
            _ => at(self.year.checked_sub(1)?),
        }
    }
}

/// The first word of the line as an RFC 3339 timestamp with an offset.
fn rfc3339(line: &[u8]) -> Option<Timestamp> {
    let end = line.iter().position(|&b| b == b' ').unwrap_or(line.len());
    if end > 64 {
        return None;
    }
    std::str::from_utf8(&line[..end]).ok()?.parse().ok()
}

/// One or two ASCII digits.
fn digits(bytes: &[u8]) -> Option<i8> {
    if bytes.is_empty() || bytes.len() > 2 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(bytes).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clock(now: &str) -> LineClock {
        LineClock::new(now.parse().expect("timestamp"), TimeZone::UTC)
    }

    fn at(text: &str) -> Option<Timestamp> {
        Some(text.parse().expect("timestamp"))
    }

    #[test]
    fn syslog_times_take_the_current_year() {
        let c = clock("2026-11-23T12:00:00Z");
        assert_eq!(
            c.time(b"Nov 23 10:00:01 host sshd[1]: x"),
            at("2026-11-23T10:00:01Z")
        );
        assert_eq!(
            c.time(b"Nov  3 09:05:00 host kernel: x"),
            at("2026-11-03T09:05:00Z")
        );
    }

    #[test]
    fn syslog_times_in_the_future_are_last_years() {
        let c = clock("2026-01-01T00:10:00Z");
        assert_eq!(
            c.time(b"Dec 31 23:59:59 host x"),
            at("2025-12-31T23:59:59Z")
        );
        // A few minutes ahead (clock skew) stays in this year.
        assert_eq!(
            c.time(b"Jan  1 00:15:00 host x"),
            at("2026-01-01T00:15:00Z")
        );
    }

    #[test]
    fn syslog_times_are_local_to_the_zone_given() {
        let tz = TimeZone::fixed(jiff::tz::offset(2));
        let c = LineClock::new("2026-06-01T12:00:00Z".parse().expect("ts"), tz);
        assert_eq!(
            c.time(b"Jun  1 10:00:00 host x"),
            at("2026-06-01T08:00:00Z")
        );
    }

    #[test]
    fn rfc3339_prefixes() {
        let c = clock("2026-11-23T12:00:00Z");
        assert_eq!(
            c.time(b"2026-11-23T10:00:01.123456+01:00 host sshd[1]: x"),
            at("2026-11-23T09:00:01.123456Z")
        );
        assert_eq!(c.time(b"2026-11-23T10:00:01Z"), at("2026-11-23T10:00:01Z"));
    }

    #[test]
    fn lines_without_a_time_have_none() {
        let c = clock("2026-11-23T12:00:00Z");
        for line in [
            &b""[..],
            b"hello",
            b"Nov",
            b"Nov 23",
            b"Nov 23 10:00",
            b"Nov 123 10:00:01 x",
            b"Nov 23 1a:00:01 x",
            b"Nov 31 10:00:01 x",
            b"Foo 23 10:00:01 x",
            b"2026-13-01T00:00:00Z x",
            b"2026-11-23 10:00:01 x",
            b"\xff\xfe",
            b"Nov 23 10\xff00:01 x",
        ] {
            assert_eq!(c.time(line), None, "{}", String::from_utf8_lossy(line));
        }
    }
}
