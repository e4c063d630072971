//! nginx error logs (`error_log`):
//!
//! ```text
//! line    = date SP time SP "[" level "]" SP pid "#" tid ":" SP ["*" conn SP] message context
//! date    = YYYY "/" MM "/" DD            ; local time, no zone (taken as UTC)
//! context = [", client: " addr] [", server: " name] [", request: " DQUOTE request DQUOTE] …
//! ```
//!
//! The client is the address nginx appends after the message as `, client: ADDR, server: `.
//! The message before it and the request after it carry text a client chose (a basic-auth user
//! name, a request line), which may repeat that pattern: every occurrence is read, and the line
//! is blamed on its client only when all of them name the same address. Otherwise it is counted
//! as unattributed — never guessed. The message (without the context) is the record's
//! `message`, the level the extra field `level`; the request fills method, path and protocol.

use std::borrow::Cow;

use memchr::memmem;

use super::Malformed;
use super::fields;
use crate::Addr;
use crate::record::Record;
use crate::time;

const LEVELS: [&[u8]; 8] = [
    b"debug", b"info", b"notice", b"warn", b"error", b"crit", b"alert", b"emerg",
];

/// Parses an nginx error-log line.
pub(crate) fn parse(line: &[u8]) -> Result<Record<'_>, Malformed> {
    const TIME: &str = "expected a time like 2026/11/20 10:00:00";
    let stamp = line.get(..19).ok_or_else(|| Malformed::at(0, TIME))?;
    let time = slashed(stamp).ok_or_else(|| Malformed::at(0, TIME))?;
    if line.get(19..21) != Some(b" [") {
        return Err(Malformed::at(19, "expected ` [` and a level"));
    }
    let level_end =
        21 + memchr::memchr(b']', &line[21..]).ok_or_else(|| Malformed::at(21, "expected `]`"))?;
    let level = &line[21..level_end];
    if !LEVELS.contains(&level) {
        return Err(Malformed::at(21, "expected a level (error, warn, …)"));
    }
    // ` PID#TID: `
    let mut at = level_end + 1;
    if line.get(at) != Some(&b' ') {
        return Err(Malformed::at(at, "expected a space after the level"));
    }
    at += 1;
    let digits = |from: usize| {
        line.get(from..)
            .unwrap_or_default()
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
    };
    let pid = digits(at);
    if pid == 0 || line.get(at + pid) != Some(&b'#') {
        return Err(Malformed::at(at, "expected `PID#TID: `"));
    }
    at += pid + 1;
    let tid = digits(at);
    if tid == 0 || line.get(at + tid..at + tid + 2) != Some(b": ") {
        return Err(Malformed::at(at, "expected `PID#TID: `"));
    }
    at += tid + 2;
    if line.get(at) == Some(&b'*') {
        let conn = digits(at + 1);
        if conn > 0 && line.get(at + 1 + conn) == Some(&b' ') {
            at += conn + 2;
        }
    }
    let text = &line[at..];
    let (client, message_end) = client(text);
    let mut record = Record {
        time: Some(time),
        client,
        message: Some(Cow::Borrowed(&text[..message_end])),
        extra: vec![(Cow::Borrowed("level"), Cow::Borrowed(level))],
        ..Record::default()
    };
    if let Some(request) = request(&text[message_end..])
        && let Some(parts) = fields::request(request)
    {
        record.method = Some(Cow::Borrowed(parts.method));
        record.path = Some(Cow::Borrowed(parts.path));
        record.protocol = parts.protocol.map(Cow::Borrowed);
    }
    Ok(record)
}

/// The client every `, client: ADDR, server: ` in `text` names (none when they disagree or
/// one is no address), and where the first starts (the message's end).
fn client(text: &[u8]) -> (Option<Addr>, usize) {
    const MARK: &[u8] = b", client: ";
    let mut found: Option<Option<Addr>> = None;
    let mut first = text.len();
    for at in memmem::find_iter(text, MARK) {
        let rest = &text[at + MARK.len()..];
        let Some(end) = memmem::find(rest, b", server: ") else {
            continue;
        };
        first = first.min(at);
        let addr = Addr::parse(&rest[..end]);
        found = match found {
            None => Some(addr),
            Some(seen) if seen == addr => Some(seen),
            Some(_) => Some(None),
        };
    }
    (found.flatten(), first)
}

/// The quoted request of the context (what follows the message), at its first
/// `, request: "`: the host and referer nginx writes after it may hold the pattern too.
fn request(context: &[u8]) -> Option<&[u8]> {
    let at = memmem::find(context, b", request: \"")? + 12;
    let rest = context.get(at..)?;
    let (len, _) = fields::closing_quote(rest)?;
    Some(&rest[..len])
}

/// `YYYY/MM/DD HH:MM:SS`.
fn slashed(text: &[u8]) -> Option<i64> {
    if text.len() != 19 || text[4] != b'/' || text[7] != b'/' || text[10] != b' ' {
        return None;
    }
    let mut iso = [0u8; 19];
    iso.copy_from_slice(text);
    iso[4] = b'-';
    iso[7] = b'-';
    iso[10] = b'T';
    time::iso8601(&iso)
}
