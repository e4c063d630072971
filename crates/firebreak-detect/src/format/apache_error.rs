//! Apache httpd error logs, 2.4's default `ErrorLogFormat` and 2.2's:
//!
//! ```text
//! line24 = "[" ctime "] [" module ":" level "] [pid " pid [":tid " tid] "] " [pre] "[client " addr ":" port "] " message
//! line22 = "[" ctime "] [" level "] [client " addr "] " message
//! ctime  = Www SP Mmm SP DD SP HH:MM:SS["." micro] SP YYYY   ; local time, taken as UTC
//! pre    = [file "(" line "): "] ["(" errno ")" text ": "]
//! ```
//!
//! The client is read only from its bracket in the fixed prefix, before the message: text
//! before `[client ` must be the short source-file and error-number parts (no quote, no
//! bracket), so a `[client …]` a requester wrote into a URL or user name in the message is
//! never taken. Lines without a client (server messages) have none. The message is the
//! record's `message`; level and module are the extra fields `level` and `module`.

use std::borrow::Cow;

use memchr::{memchr, memmem, memrchr};

use super::Malformed;
use crate::Addr;
use crate::record::Record;
use crate::time;

/// Parses an Apache error-log line.
pub(crate) fn parse(line: &[u8]) -> Result<Record<'_>, Malformed> {
    if line.first() != Some(&b'[') {
        return Err(Malformed::at(0, "expected `[` and a time"));
    }
    let close =
        memchr(b']', line).ok_or_else(|| Malformed::at(1, "expected `]` after the time"))?;
    const TIME: &str = "expected a time like Fri Nov 20 10:00:00.123456 2026";
    let time = ctime(&line[1..close]).ok_or_else(|| Malformed::at(1, TIME))?;
    let mut at = close + 1;
    let Bracket { module, level, end } =
        bracket(line, at).ok_or_else(|| Malformed::at(at, "expected ` [module:level]`"))?;
    let version24 = module.is_some();
    if !is_level(level) {
        return Err(Malformed::at(at, "expected a level (error, warn, …)"));
    }
    at = end;
    if line[at..].starts_with(b" [pid ") {
        let end = memchr(b']', &line[at..])
            .ok_or_else(|| Malformed::at(at, "expected `]` after the pid"))?;
        at += end + 1;
    }
    let rest = line.get(at..).unwrap_or_default();
    let rest = rest.strip_prefix(b" ").unwrap_or(rest);
    let (client, message) = match memmem::find(rest, b"[client ") {
        Some(start) if plain_prefix(&rest[..start]) => {
            let inner = &rest[start + 8..];
            match memchr(b']', inner) {
                Some(end) => {
                    let text = &inner[end + 1..];
                    (
                        address(&inner[..end], version24),
                        text.strip_prefix(b" ").unwrap_or(text),
                    )
                }
                None => (None, rest),
            }
        }
        _ => (None, rest),
    };
    let mut extra = vec![(Cow::Borrowed("level"), Cow::Borrowed(level))];
    if let Some(module) = module {
        extra.push((Cow::Borrowed("module"), Cow::Borrowed(module)));
    }
    Ok(Record {
        time: Some(time),
        client,
        message: Some(Cow::Borrowed(message)),
        extra,
        ..Record::default()
    })
}

/// The ` [module:level]` or ` [level]` bracket.
struct Bracket<'a> {
    module: Option<&'a [u8]>,
    level: &'a [u8],
    /// Where the bracket ends.
    end: usize,
}

/// ` [module:level]` or ` [level]` at `at`.
fn bracket(line: &[u8], at: usize) -> Option<Bracket<'_>> {
    let rest = line.get(at..)?.strip_prefix(b" [")?;
    let close = memchr(b']', rest)?;
    let inside = &rest[..close];
    let end = at + 2 + close + 1;
    Some(match memrchr(b':', inside) {
        Some(colon) => Bracket {
            module: Some(&inside[..colon]),
            level: &inside[colon + 1..],
            end,
        },
        None => Bracket {
            module: None,
            level: inside,
            end,
        },
    })
}

fn is_level(level: &[u8]) -> bool {
    matches!(
        level,
        b"emerg" | b"alert" | b"crit" | b"error" | b"warn" | b"notice" | b"info" | b"debug"
    ) || (level.len() == 6 && level.starts_with(b"trace") && level[5].is_ascii_digit())
}

/// What Apache may write before `[client `: nothing, or `file(line): ` and `(errno)text: `
/// parts — short, each ending in `: `, no quote or bracket.
fn plain_prefix(text: &[u8]) -> bool {
    if text.is_empty() {
        return true;
    }
    if text.len() > 160 || text.iter().any(|b| matches!(b, b'[' | b']' | b'"')) {
        return false;
    }
    let Some(parts) = text.strip_suffix(b": ") else {
        return false;
    };
    parts.split(|&b| b == b':').all(|part| {
        let part = part.trim_ascii();
        errno(part) || source_line(part)
    })
}

/// `(13)Permission denied`.
fn errno(part: &[u8]) -> bool {
    let Some(inner) = part.strip_prefix(b"(") else {
        return false;
    };
    let digits = inner.iter().take_while(|b| b.is_ascii_digit()).count();
    digits > 0 && inner.get(digits) == Some(&b')')
}

/// `mod_auth_basic.c(123)`.
fn source_line(part: &[u8]) -> bool {
    let Some(inner) = part.strip_suffix(b")") else {
        return false;
    };
    match memrchr(b'(', inner) {
        Some(open) => {
            open > 0 && inner.len() > open + 1 && inner[open + 1..].iter().all(u8::is_ascii_digit)
        }
        None => false,
    }
}

/// `ADDR:PORT` (2.4) or `ADDR` (2.2); IPv6 addresses are written without brackets.
fn address(text: &[u8], with_port: bool) -> Option<Addr> {
    if !with_port {
        return Addr::parse(text);
    }
    let colon = memrchr(b':', text)?;
    let port = &text[colon + 1..];
    if port.is_empty() || !port.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Addr::parse(&text[..colon])
}

/// `Fri Nov 20 10:00:00.123456 2026` (the day may be padded with a space).
fn ctime(text: &[u8]) -> Option<i64> {
    let mut words = text.split(|&b| b == b' ').filter(|w| !w.is_empty());
    let _weekday = words.next()?;
    let month = words.next()?;
    let day = words.next()?;
    let clock = words.next()?;
    let year = words.next()?;
    if words.next().is_some() {
        return None;
    }
    const MONTHS: [&[u8]; 12] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
        b"Dec",
    ];
    let month = MONTHS.iter().position(|m| *m == month)? + 1;
    let number = |t: &[u8]| -> Option<u32> {
        if t.is_empty() || t.len() > 4 || !t.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(t).ok()?.parse().ok()
    };
    let day = number(day)?;
    let year = number(year)?;
    if year < 1000 || !(1..=31).contains(&day) {
        return None;
    }
    let mut iso = format!("{year:04}-{month:02}-{day:02}T").into_bytes();
    iso.extend_from_slice(clock);
    time::iso8601(&iso)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_addresses() {
        assert!(ctime(b"Fri Nov 20 10:00:00.123456 2026").is_some());
        assert_eq!(
            ctime(b"Fri Nov  6 10:00:00 2026"),
            ctime(b"Fri Nov 06 10:00:00.5 2026")
        );
        assert!(ctime(b"Fri Nov 20 10:00:00").is_none());
        assert!(address(b"2001:db8::1:51234", true).is_some());
        assert_eq!(address(b"192.0.2.1", true), None);
        assert!(plain_prefix(b"(13)Permission denied: "));
        assert!(plain_prefix(b""));
        assert!(plain_prefix(
            b"mod_x.c(12): (70007)The timeout specified has expired: "
        ));
        assert!(!plain_prefix(b"AH00126: Invalid URI in request GET /x?"));
    }
}
