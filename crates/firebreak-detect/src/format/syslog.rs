//! Syslog lines as they land in files and on the wire, with sshd and sudo messages read by
//! [`auth`](super::auth) and access-log lines relayed by web servers by
//! [`relayed`](super::relayed):
//!
//! ```text
//! line     = [pri] ( rfc5424 / stamped )
//! pri      = "<" 1*3DIGIT ">"
//! rfc5424  = version SP (iso-time / "-") SP host SP app SP procid SP msgid SP sd [SP msg]
//! sd       = "-" / 1*( "[" id *( SP name "=" quoted ) "]" )
//! stamped  = (bsd-time / iso-time) SP [host SP] [tag ":" SP] msg   ; RFC 3164, journald short-iso
//! tag      = program [ "[" pid "]" ]
//! ```
//!
//! BSD times (`Nov 23 13:47:15`) carry no year or zone: the year is the configured one, or
//! else the current one (the previous one for dates more than two days ahead, so December's
//! lines read in January land in the right year); the zone is taken as UTC. A line without
//! a tag is still a syslog line: its program is empty and all of it is the message.

use std::borrow::Cow;

use super::Malformed;
use super::auth;
use crate::record::Record;
use crate::time;

/// Seconds a BSD date may lie ahead of the reading time before it is taken as last year's.
const FUTURE_SLACK: i64 = 2 * 86_400;

/// Syslog in its three common shapes.
#[derive(Debug, Clone)]
pub struct SyslogFormat {
    year: Option<i64>,
    /// Unix time the format was built at, for guessing BSD years.
    now: i64,
}

impl SyslogFormat {
    /// Syslog with BSD dates read in `year`, or (`None`) in the year they most likely fall in,
    /// judged against the current time.
    pub fn new(year: Option<i64>) -> SyslogFormat {
        SyslogFormat::at(year, jiff::Timestamp::now().as_second())
    }

    /// As [`SyslogFormat::new`], with the current time given (unix seconds).
    pub fn at(year: Option<i64>, now: i64) -> SyslogFormat {
        SyslogFormat { year, now }
    }

    /// The year BSD dates are read in, when one was configured.
    pub fn year(&self) -> Option<i64> {
        self.year
    }

    /// Parses one line.
    pub fn parse<'a>(&self, line: &'a [u8]) -> Result<Record<'a>, Malformed> {
        let mut at = 0;
        if line.first() == Some(&b'<') {
            at = priority(line)?;
        }
        let rest = line.get(at..).unwrap_or_default();
        let is_5424 = matches!(
            rest,
            [b'1'..=b'9', b' ', ..] | [b'1'..=b'9', b'0'..=b'9', b' ', ..]
        );
        if is_5424 {
            return rfc5424(line, at + memchr::memchr(b' ', rest).unwrap_or(0) + 1);
        }
        // journalctl -o short-full: `Fri 2026-11-20 10:00:00 UTC host …`.
        let weekday = matches!(rest, [a, b, c, b' ', b'0'..=b'9', _, _, _, b'-', ..]
            if [a, b, c].iter().all(|l| l.is_ascii_alphabetic()));
        if weekday {
            at += 4;
        }
        let rest = line.get(at..).unwrap_or_default();
        let stamped = match rest.first() {
            Some(b'0'..=b'9') => time::iso8601_prefix(rest),
            _ => self.bsd(rest),
        };
        let Some((time, used)) = stamped else {
            if !weekday && let Some(record) = untimed(rest) {
                return Ok(record);
            }
            return Err(Malformed::at(
                at,
                "expected a syslog time like `Nov 23 13:47:15` or `2026-11-23T13:47:15Z`",
            ));
        };
        at += used;
        let mut time = Some(time);
        if weekday {
            let zone = zone_word(line.get(at..).unwrap_or_default());
            // Only UTC is certain; another zone's abbreviation does not say its offset.
            if zone.is_some_and(|z| z != b"UTC" && z != b"GMT") {
                time = None;
            }
            at += zone.map_or(0, |z| z.len() + 1);
        }
        if line.get(at) != Some(&b' ') {
            return Err(Malformed::at(at, "expected a space after the time"));
        }
        at += 1;
        let mut record = Record {
            time,
            ..Record::default()
        };
        let rest = line.get(at..).unwrap_or_default();
        // The first word is the host, unless it already is the tag (`sshd[1]:`, `kernel:`).
        let word = &rest[..memchr::memchr(b' ', rest).unwrap_or(rest.len())];
        let is_tag = word.ends_with(b":") || memchr::memchr(b'[', word).is_some();
        if !is_tag && word.len() < rest.len() {
            record.host = Some(Cow::Borrowed(word));
            at += word.len() + 1;
        }
        message(&mut record, line.get(at..).unwrap_or_default());
        Ok(record)
    }

    /// A BSD date in the configured or guessed year.
    fn bsd(&self, text: &[u8]) -> Option<(i64, usize)> {
        if let Some(year) = self.year {
            return time::bsd_prefix(text, year);
        }
        let year = time::year_of(self.now);
        let (value, used) = time::bsd_prefix(text, year)?;
        if value > self.now + FUTURE_SLACK {
            // Feb 29 of a leap year does not exist in the year before it.
            if let Some(last_year) = time::bsd_prefix(text, year - 1) {
                return Some(last_year);
            }
        }
        Some((value, used))
    }
}

/// ` ABC ` after a short-full time: the zone's abbreviation.
fn zone_word(text: &[u8]) -> Option<&[u8]> {
    let word = text.strip_prefix(b" ")?;
    let end = memchr::memchr(b' ', word)?;
    let zone = &word[..end];
    ((2..=5).contains(&zone.len()) && zone.iter().all(u8::is_ascii_uppercase)).then_some(zone)
}

/// `journalctl -o cat`-like output with the host kept but no time: `host prog[pid]: msg`.
/// Only this strict shape is taken (a host word, then a tag with a pid), so ordinary text is
/// not read as syslog; the line has no time and counts at the last one seen.
fn untimed(rest: &[u8]) -> Option<Record<'_>> {
    let host_end = memchr::memchr(b' ', rest)?;
    let host = &rest[..host_end];
    if host.is_empty() || host.iter().any(|b| matches!(b, b':' | b'[' | b']' | b'"')) {
        return None;
    }
    let after = &rest[host_end + 1..];
    let tag_end = memchr::memchr(b' ', after)?;
    let tag = after[..tag_end].strip_suffix(b"]:")?;
    let open = memchr::memchr(b'[', tag)?;
    let pid = &tag[open + 1..];
    if open == 0 || pid.is_empty() || !pid.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut record = Record {
        host: Some(Cow::Borrowed(host)),
        ..Record::default()
    };
    message(&mut record, after);
    Some(record)
}

/// `<PRI>`: returns the index after `>`.
fn priority(line: &[u8]) -> Result<usize, Malformed> {
    let digits = line
        .get(1..)
        .unwrap_or_default()
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    if !(1..=3).contains(&digits) || line.get(1 + digits) != Some(&b'>') {
        return Err(Malformed::at(0, "expected a priority like <34>"));
    }
    let value = line[1..1 + digits]
        .iter()
        .fold(0u32, |v, b| v * 10 + u32::from(b - b'0'));
    if value > 191 {
        return Err(Malformed::at(1, "a syslog priority is at most 191"));
    }
    Ok(digits + 2)
}

/// RFC 5424 from the time on (`at` is just after the version).
fn rfc5424(line: &[u8], mut at: usize) -> Result<Record<'_>, Malformed> {
    let mut record = Record::default();
    let (time_at, stamp) = field(
        line,
        &mut at,
        "expected the time, host, app, procid and msgid",
    )?;
    if stamp != b"-" {
        record.time = Some(
            time::iso8601(stamp)
                .ok_or(Malformed::at(time_at, "expected an RFC 3339 time or `-`"))?,
        );
    }
    let (_, host) = field(line, &mut at, "expected the host, app, procid and msgid")?;
    let (_, app) = field(line, &mut at, "expected the app, procid and msgid")?;
    let (_, _procid) = field(line, &mut at, "expected the procid and msgid")?;
    let (_, _msgid) = field(line, &mut at, "expected the msgid and structured data")?;
    record.host = super::fields::present(host).map(Cow::Borrowed);
    record.program = super::fields::present(app).map(Cow::Borrowed);

    let sd_at = at;
    let rest = line.get(at..).unwrap_or_default();
    let sd_len = structured_data(rest).ok_or(Malformed::at(
        sd_at,
        "expected structured data: `-` or `[id name=\"value\"]`",
    ))?;
    let msg = match rest.get(sd_len..) {
        Some([b' ', msg @ ..]) => msg.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(msg),
        Some([]) | None => &[][..],
        Some(_) => {
            return Err(Malformed::at(
                sd_at + sd_len,
                "expected a space after the structured data",
            ));
        }
    };
    record.message = Some(Cow::Borrowed(msg));
    understand(&mut record, msg);
    Ok(record)
}

/// The space-ended field at `*at`, and where it started; `*at` moves past the space.
fn field<'a>(
    line: &'a [u8],
    at: &mut usize,
    what: &'static str,
) -> Result<(usize, &'a [u8]), Malformed> {
    let start = *at;
    let rest = line.get(start..).ok_or(Malformed::at(line.len(), what))?;
    let end = memchr::memchr(b' ', rest).ok_or(Malformed::at(line.len(), what))?;
    *at = start + end + 1;
    Ok((start, &rest[..end]))
}

/// The length of the structured data at the start of `text`; `None` when it is not well formed.
fn structured_data(text: &[u8]) -> Option<usize> {
    if text.first() == Some(&b'-') {
        return Some(1);
    }
    let mut at = 0;
    while text.get(at) == Some(&b'[') {
        at += 1;
        let mut quoted = false;
        loop {
            match *text.get(at)? {
                b'\\' if quoted => at += 2,
                b'"' => {
                    quoted = !quoted;
                    at += 1;
                }
                b']' if !quoted => {
                    at += 1;
                    break;
                }
                _ => at += 1,
            }
        }
    }
    (at > 0).then_some(at)
}

/// `tag: msg` or a bare message, then what it means.
fn message<'a>(record: &mut Record<'a>, text: &'a [u8]) {
    let tag_end = text
        .iter()
        .take(64)
        .position(|b| matches!(b, b' ' | b':' | b'['));
    let body = match tag_end.map(|end| (end, text[end])) {
        Some((end, b':')) if end > 0 => {
            record.program = Some(Cow::Borrowed(&text[..end]));
            &text[end + 1..]
        }
        Some((end, b'[')) if end > 0 => {
            let pid = &text[end + 1..];
            match memchr::memchr(b']', pid) {
                Some(close) if pid.get(close + 1) == Some(&b':') => {
                    record.program = Some(Cow::Borrowed(&text[..end]));
                    &pid[close + 2..]
                }
                _ => text,
            }
        }
        _ => text,
    };
    let body = body.strip_prefix(b" ").unwrap_or(body);
    record.message = Some(Cow::Borrowed(body));
    understand(record, body);
}

/// Fills the HTTP fields when the program is a web server relaying access lines, the login
/// fields when it is sshd or sudo.
fn understand<'a>(record: &mut Record<'a>, message: &'a [u8]) {
    if super::relayed::understand(record, message) {
        return;
    }
    let Some(program) = record.program.as_deref() else {
        return;
    };
    let Some(auth) = auth::understand(program, message) else {
        return;
    };
    apply(record, auth, Cow::Borrowed);
}

/// Copies what an auth message says into a record, turning each piece of text into the
/// record's text with `text` (borrowed from a syslog line, copied from an owned JSON string).
pub(crate) fn apply<'a, 'm>(
    record: &mut Record<'a>,
    auth: auth::Auth<'m>,
    text: impl Fn(&'m [u8]) -> Cow<'a, [u8]>,
) {
    record.event = Some(auth.event);
    record.user = auth.user.map(&text);
    record.client = auth.client.or(record.client);
    record.auth_method = auth.method.map(&text);
    if let Some(run_as) = auth.run_as {
        record.extra.push((Cow::Borrowed("run_as"), text(run_as)));
    }
    if let Some(command) = auth.command {
        record.extra.push((Cow::Borrowed("command"), text(command)));
    }
}
