//! Linux audit records, as auditd writes them to `/var/log/audit/audit.log` (also with the
//! `node=HOST ` prefix of an aggregated log): `type=TYPE msg=audit(SECONDS.MILLIS:SERIAL):
//! FIELDS`. Records from user space (PAM, sshd, sudo) carry their own fields inside
//! `msg='…'`.
//!
//! What is understood, from how PAM and OpenSSH's `audit-linux.c` write their records:
//! - `USER_AUTH` with `res=failed` from sshd is a wrong secret (PAM's authentication step:
//!   password or keyboard-interactive), [`Event::SshFailed`]; from sudo, [`Event::SudoFailed`].
//! - `USER_LOGIN` with `res=success` from sshd is a login, [`Event::SshAccepted`].
//! - `USER_LOGIN` with `res=failed` from sshd is left without an event: sshd writes one for
//!   every refused method, the `none` method every client tries first included, so these are
//!   not guesses.
//!
//! The client is the `addr=` field (`?` is no address: the line is unattributed). Values are
//! either quoted (no quote inside: auditd hex-encodes any value holding a quote, space or
//! control character) or bare, so a user name cannot hide another field; hex-encoded account
//! names are decoded.

use std::borrow::Cow;

use super::Malformed;
use crate::addr::Addr;
use crate::record::{Event, Record};

/// Parses one audit record.
pub(crate) fn parse(line: &[u8]) -> Result<Record<'_>, Malformed> {
    let mut at = 0;
    if line.starts_with(b"node=") {
        at = memchr::memchr(b' ', line).ok_or(Malformed::at(0, "a space after node="))? + 1;
    }
    let rest = line[at..]
        .strip_prefix(b"type=")
        .ok_or(Malformed::at(at, "type= (an audit record)"))?;
    at += 5;
    let end = memchr::memchr(b' ', rest).ok_or(Malformed::at(at, "a space after the type"))?;
    let kind = &rest[..end];
    at += end + 1;
    let rest = line[at..]
        .strip_prefix(b"msg=audit(")
        .ok_or(Malformed::at(at, "msg=audit(SECONDS.MILLIS:SERIAL)"))?;
    at += 10;
    let close = memchr::memchr(b')', rest).ok_or(Malformed::at(at, "the ) of msg=audit("))?;
    let time = seconds(&rest[..close]).ok_or(Malformed::at(at, "SECONDS.MILLIS:SERIAL"))?;
    at += close + 1;
    let fields = line[at..]
        .strip_prefix(b":")
        .ok_or(Malformed::at(at, "a colon after msg=audit(…)"))?;

    let mut record = Record {
        time: Some(time),
        program: Some(Cow::Borrowed(kind)),
        message: Some(Cow::Borrowed(fields.trim_ascii_start())),
        ..Record::default()
    };
    // User-space records keep what they say inside msg='…'; kernel ones have no such part.
    let inner = field(fields, b"msg").unwrap_or(Value::Bare(b""));
    let inner = inner.bytes();
    let get = |key: &[u8]| field(inner, key);
    let exe = get(b"exe").map(|v| v.bytes()).unwrap_or_default();
    let program = exe.rsplit(|b| *b == b'/').next().unwrap_or_default();
    let result = get(b"res").map(|v| v.bytes()).unwrap_or_default();
    let failed = result == b"failed" || result == b"0";
    let succeeded = result == b"success" || result == b"1";
    let event = match (kind, super::auth::is_sshd(program), program == b"sudo") {
        (b"USER_AUTH", true, _) if failed => Some(Event::SshFailed),
        (b"USER_LOGIN", true, _) if succeeded => Some(Event::SshAccepted),
        (b"USER_AUTH", _, true) if failed => Some(Event::SudoFailed),
        _ => None,
    };
    if let Some(event) = event {
        record.event = Some(event);
        record.user = get(b"acct").and_then(|v| v.text());
        if event != Event::SudoFailed {
            record.client = get(b"addr").and_then(|v| Addr::parse(v.bytes()));
        }
    }
    Ok(record)
}

/// `SECONDS.MILLIS:SERIAL` → whole seconds.
fn seconds(stamp: &[u8]) -> Option<i64> {
    let colon = memchr::memchr(b':', stamp)?;
    let time = &stamp[..colon];
    let whole = time.split(|b| *b == b'.').next()?;
    if whole.is_empty() || whole.len() > 12 || !whole.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(whole).ok()?.parse().ok()
}

/// A field's value: quoted (`"…"` or `'…'`, as written) or bare.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Value<'a> {
    Quoted(&'a [u8]),
    Bare(&'a [u8]),
}

impl<'a> Value<'a> {
    fn bytes(self) -> &'a [u8] {
        match self {
            Value::Quoted(b) | Value::Bare(b) => b,
        }
    }

    /// The value as text: quoted as is, bare hex decoded (auditd's encoding of values with
    /// spaces or quotes), `?` and `(unknown)` as nothing.
    fn text(self) -> Option<Cow<'a, [u8]>> {
        match self {
            Value::Quoted(b) if b.is_empty() || b == b"(unknown)" => None,
            Value::Quoted(b) => Some(Cow::Borrowed(b)),
            Value::Bare(b"?") | Value::Bare(b"") => None,
            Value::Bare(b) => Some(match hex(b) {
                Some(decoded) => Cow::Owned(decoded),
                None => Cow::Borrowed(b),
            }),
        }
    }
}

/// Bare hex (an even number of hex digits) decoded; `None` when it is not hex.
fn hex(text: &[u8]) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    text.chunks(2)
        .map(|pair| {
            let digit = |b: u8| (b as char).to_digit(16);
            Some((digit(pair[0])? * 16 + digit(pair[1])?) as u8)
        })
        .collect()
}

/// The first field named `key` in a run of `key=value` fields, walking value by value so a
/// quoted value never passes for fields.
fn field<'a>(fields: &'a [u8], key: &[u8]) -> Option<Value<'a>> {
    let mut rest = fields;
    // Each turn consumes at least one byte, so this ends within the line's length.
    loop {
        rest = rest.trim_ascii_start();
        if rest.is_empty() {
            return None;
        }
        let eq = memchr::memchr(b'=', rest)?;
        let name = &rest[..eq];
        if name.contains(&b' ') {
            // A word without `=` (audit's `exit=` lists end with such): skip it.
            let space = memchr::memchr(b' ', rest)?;
            rest = &rest[space + 1..];
            continue;
        }
        let after = &rest[eq + 1..];
        let (value, next) = match after.first() {
            Some(&q @ (b'"' | b'\'')) => {
                let end = memchr::memchr(q, &after[1..]).unwrap_or(after.len() - 1);
                (
                    Value::Quoted(&after[1..1 + end]),
                    after.get(end + 2..).unwrap_or_default(),
                )
            }
            _ => {
                let end = memchr::memchr(b' ', after).unwrap_or(after.len());
                (Value::Bare(&after[..end]), &after[end..])
            }
        };
        if name == key {
            return Some(value);
        }
        rest = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAILED: &[u8] = b"type=USER_AUTH msg=audit(1763892000.123:4711): pid=2201 uid=0 auid=4294967295 ses=4294967295 subj=unconfined msg='op=PAM:authentication grantors=? acct=\"admin\" exe=\"/usr/sbin/sshd\" hostname=203.0.113.9 addr=203.0.113.9 terminal=ssh res=failed'";

    #[test]
    fn an_sshd_password_failure_is_a_failed_login_from_its_addr() {
        let r = parse(FAILED).expect("parses");
        assert_eq!(r.time, Some(1_763_892_000));
        assert_eq!(r.event, Some(Event::SshFailed));
        assert_eq!(r.client, Addr::parse(b"203.0.113.9"));
        assert_eq!(r.user.as_deref(), Some(&b"admin"[..]));
        assert_eq!(r.program.as_deref(), Some(&b"USER_AUTH"[..]));
    }

    #[test]
    fn a_user_name_cannot_move_the_address() {
        // auditd hex-encodes a value with a space or quote: the name is one bare field.
        let name = hex_of(b"x addr=198.51.100.1 y");
        let line = format!(
            "type=USER_AUTH msg=audit(1763892000.123:4712): pid=1 uid=0 msg='op=PAM:authentication acct={name} exe=\"/usr/sbin/sshd\" hostname=? addr=203.0.113.9 terminal=ssh res=failed'"
        );
        let r = parse(line.as_bytes()).expect("parses");
        assert_eq!(r.client, Addr::parse(b"203.0.113.9"));
        assert_eq!(r.user.as_deref(), Some(&b"x addr=198.51.100.1 y"[..]));
    }

    #[test]
    fn logins_sudo_and_other_records_get_their_events() {
        let login = b"node=web1 type=USER_LOGIN msg=audit(1763892001.500:4713): pid=2202 uid=0 auid=1000 ses=7 msg='op=login id=1000 exe=\"/usr/sbin/sshd\" hostname=203.0.113.9 addr=203.0.113.9 terminal=/dev/pts/0 res=success'";
        assert_eq!(
            parse(login).expect("parses").event,
            Some(Event::SshAccepted)
        );
        let none = b"type=USER_LOGIN msg=audit(1763892001.600:4714): pid=2203 uid=0 auid=4294967295 ses=4294967295 msg='op=login acct=\"(unknown)\" exe=\"/usr/sbin/sshd\" hostname=? addr=203.0.113.9 terminal=ssh res=failed'";
        let r = parse(none).expect("parses");
        assert_eq!(r.event, None, "the none method is not a guess");
        let sudo = b"type=USER_AUTH msg=audit(1763892002.000:4715): pid=3000 uid=1000 auid=1000 ses=7 msg='op=PAM:authentication grantors=? acct=\"deploy\" exe=\"/usr/bin/sudo\" hostname=? addr=? terminal=/dev/pts/0 res=failed'";
        let r = parse(sudo).expect("parses");
        assert_eq!(r.event, Some(Event::SudoFailed));
        assert_eq!(r.user.as_deref(), Some(&b"deploy"[..]));
        let syscall = b"type=SYSCALL msg=audit(1763892003.000:4716): arch=c000003e syscall=59 success=yes exit=0 a0=55 items=2 ppid=1 pid=2 comm=\"sh\" exe=\"/usr/bin/dash\" key=\"exec\"";
        let r = parse(syscall).expect("parses");
        assert_eq!((r.event, r.client), (None, None));
    }

    #[test]
    fn other_lines_are_malformed_with_a_column() {
        for line in [
            &b"Nov 23 10:00:00 host sshd[1]: Failed password"[..],
            b"type=USER_AUTH",
            b"type=USER_AUTH msg=audit(abc:1): x",
            b"type=USER_AUTH msg=audit(1763892000.1:1) no colon",
            b"node=",
        ] {
            let err = parse(line).expect_err("not an audit record");
            assert!(err.column >= 1 && err.column <= line.len() + 1, "{err}");
        }
    }

    fn hex_of(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02X}")).collect()
    }
}
