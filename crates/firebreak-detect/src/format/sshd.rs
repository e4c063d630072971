//! OpenSSH's sshd messages, and the PAM messages logged under sshd's name, as the OpenSSH
//! (`auth.c`, `auth-pam.c`, `sshd-session.c`, `kex.c`, `packet.c`) and Linux-PAM
//! (`pam_unix/support.c`) sources print them.
//!
//! Attacker-chosen text — user names, certificate key ids, disconnect reasons, client
//! banners — sits before or after the address depending on the message, so each message is
//! read from the side where the address has a fixed position: `Invalid user NAME from ADDR
//! port N` from its end, `Received disconnect from ADDR port N:11: REASON` from its start. A
//! login message (`Failed|Accepted METHOD for USER from ADDR port N ssh2[: KEY]`) has text on
//! both sides, so every ` from ` is tried and the address is taken only when exactly one
//! reading leaves a well-formed rest; otherwise the line's client is left empty, never
//! guessed, and counted as unattributed.

use memchr::memmem;

use super::auth::{Auth, non_empty};
use crate::addr::Addr;
use crate::record::Event;

/// Reads one sshd message (already unwrapped from rsyslog's `message repeated`).
pub(crate) fn read(message: &[u8]) -> Option<Auth<'_>> {
    let message = strip_level(strip_solaris_id(message));
    if let Some(rest) = message.strip_prefix(b"Failed ") {
        let mut auth = login(Event::SshFailed, rest)?;
        if auth.method.is_some_and(is_key_method) {
            // A key the server does not know: agents offer every key they hold, so these
            // are not password guesses.
            auth.event = Event::SshKeyFailed;
        }
        return Some(auth);
    }
    if let Some(rest) = message.strip_prefix(b"Accepted ") {
        return login(Event::SshAccepted, rest);
    }
    if let Some(rest) = message.strip_prefix(b"Invalid user ") {
        // `Invalid user NAME from ADDR port N` (no port before OpenSSH 7.5).
        let (user, addr) = user_then_from(rest)?;
        return Some(with(Event::SshInvalidUser, user, addr));
    }
    if let Some(rest) = message.strip_prefix(b"User ") {
        return not_allowed(rest);
    }
    if let Some(rest) = message.strip_prefix(b"maximum authentication attempts exceeded for ") {
        let rest = rest.strip_suffix(b" [preauth]").unwrap_or(rest);
        let rest = rest.strip_suffix(b" ssh2").unwrap_or(rest);
        let (user, addr) = user_then_from(rest)?;
        let user = user.and_then(|u| non_empty(u.strip_prefix(b"invalid user ").unwrap_or(u)));
        return Some(with(Event::SshMaxAttempts, user, addr));
    }
    if let Some(rest) = message.strip_prefix(b"Disconnecting ") {
        return too_many(rest);
    }
    if let Some(rest) = message.strip_prefix(b"ROOT LOGIN REFUSED FROM ") {
        return Some(with(Event::SshRefused, Some(b"root"), leading_addr(rest)));
    }
    if let Some(rest) = message.strip_prefix(b"refused connect from ") {
        return Some(with(Event::SshRefused, None, wrapped_host(rest)));
    }
    if let Some(rest) = message.strip_prefix(b"PAM: ") {
        return pam_sshd(rest);
    }
    if message.starts_with(b"pam_unix(sshd:auth): authentication failure;")
        || (message.starts_with(b"PAM ")
            && memmem::find(message, b" more authentication failure").is_some())
    {
        return Some(pam_unix(message));
    }
    for prefix in [
        &b"Did not receive identification string from "[..],
        b"Timeout before authentication for ",
        b"Unable to negotiate with ",
        b"banner exchange: Connection from ",
        b"Received disconnect from ",
        b"Protocol major versions differ for ",
        b"scanned from ",
        b"probed from ",
        b"ssh_dispatch_run_fatal: Connection from ",
    ] {
        if let Some(rest) = message.strip_prefix(prefix) {
            // `Timeout before authentication for connection from ADDR to …` (older sshd).
            let rest = rest.strip_prefix(b"connection from ").unwrap_or(rest);
            let event = if prefix == b"Received disconnect from " && !is_preauth(message) {
                Event::SshDisconnected
            } else {
                Event::SshPreauth
            };
            // The address follows the fixed prefix; what the client chose comes after it.
            return Some(with(event, None, leading_addr(rest)));
        }
    }
    if let Some(rest) = message.strip_prefix(b"Bad protocol version identification ") {
        // `'BANNER' from ADDR port N`: the banner is the client's, so read from the end.
        let from = memmem::rfind(rest, b" from ")?;
        return Some(with(
            Event::SshPreauth,
            None,
            addr_port_tail(&rest[from + 6..]),
        ));
    }
    for prefix in [
        &b"Disconnected from "[..],
        b"Connection closed by ",
        b"Connection reset by ",
    ] {
        if let Some(rest) = message.strip_prefix(prefix) {
            return closed(rest, is_preauth(message));
        }
    }
    None
}

/// Whether a `METHOD` proves a key rather than a secret.
fn is_key_method(method: &[u8]) -> bool {
    method == b"publickey" || method == b"hostbased"
}

fn is_preauth(message: &[u8]) -> bool {
    message.ends_with(b"[preauth]")
}

fn with<'m>(event: Event, user: Option<&'m [u8]>, client: Option<Addr>) -> Auth<'m> {
    let mut auth = Auth::new(event);
    auth.user = user.and_then(non_empty);
    auth.client = client;
    auth
}

/// Solaris and illumos syslog prefix messages with `[ID 800047 auth.info] `.
fn strip_solaris_id(message: &[u8]) -> &[u8] {
    if let Some(rest) = message.strip_prefix(b"[ID ")
        && let Some(end) = memmem::find(rest, b"] ")
    {
        return &rest[end + 2..];
    }
    message
}

/// sshd prefixes `error()` and `fatal()` messages with their level.
fn strip_level(message: &[u8]) -> &[u8] {
    for level in [&b"error: "[..], b"fatal: ", b"warning: "] {
        if let Some(rest) = message.strip_prefix(level) {
            return rest;
        }
    }
    message
}

/// `METHOD for [invalid user ]USER from ADDR port N ssh2[: KEY]` after `Failed `/`Accepted `.
fn login(event: Event, rest: &[u8]) -> Option<Auth<'_>> {
    let for_at = memmem::find(rest, b" for ")?;
    let method = &rest[..for_at];
    if method.is_empty() || method.contains(&b' ') {
        return None;
    }
    let after_for = &rest[for_at + 5..];
    let key_method = is_key_method(method);
    let mut found: Option<(usize, Addr)> = None;
    let mut readings = 0;
    for from in memmem::find_iter(after_for, b" from ") {
        let Some((addr, tail)) = addr_port(&after_for[from + 6..]) else {
            continue;
        };
        let tail = tail.strip_prefix(b" ssh2").unwrap_or(tail);
        if well_formed_rest(tail, key_method) {
            readings += 1;
            found = Some((from, addr));
        }
    }
    let mut auth = Auth::new(event);
    auth.method = Some(method);
    match found {
        Some((from, addr)) if readings == 1 => {
            let user = &after_for[..from];
            auth.user = non_empty(user.strip_prefix(b"invalid user ").unwrap_or(user));
            auth.client = Some(addr);
        }
        // No reading or several: the line is an sshd login, but whose is not certain.
        _ => {}
    }
    Some(auth)
}

/// What may follow `ssh2` in a login message: nothing for a password; for a key, `: TYPE
/// FINGERPRINT`, then either the end, `, INFO`, or a certificate's ` ID …`.
fn well_formed_rest(rest: &[u8], key_method: bool) -> bool {
    if rest.is_empty() {
        return true;
    }
    let Some(key) = rest.strip_prefix(b": ") else {
        return false;
    };
    if !key_method {
        // Methods without a key may carry their own info (`: bsdauth`), but never a key.
        return !key.contains(&b' ');
    }
    let mut words = key.splitn(3, |b| *b == b' ');
    let (Some(kind), Some(fingerprint)) = (words.next(), words.next()) else {
        return false;
    };
    if kind.is_empty() || !(fingerprint.starts_with(b"SHA256:") || fingerprint.starts_with(b"MD5:"))
    {
        return false;
    }
    match words.next() {
        None => !fingerprint.ends_with(b","),
        Some(more) => fingerprint.ends_with(b",") || more.starts_with(b"ID "),
    }
}

/// `USER from ADDR[ port N]` read from the end: the user is whatever comes before.
fn user_then_from(rest: &[u8]) -> Option<(Option<&[u8]>, Option<Addr>)> {
    let from = memmem::rfind(rest, b" from ")?;
    let user = non_empty(&rest[..from]);
    Some((user, addr_port_tail(&rest[from + 6..])))
}

/// `USER from HOST not allowed because …` (AllowUsers, DenyUsers, groups) or `USER not
/// allowed because …` (locked account, bad shell: no address).
fn not_allowed(rest: &[u8]) -> Option<Auth<'_>> {
    let because = memmem::rfind(rest, b" not allowed because ")?;
    let who = &rest[..because];
    match memmem::rfind(who, b" from ") {
        Some(from) => {
            let host = &who[from + 6..];
            Some(with(
                Event::SshRefused,
                Some(&who[..from]),
                Addr::parse(host),
            ))
        }
        None => Some(with(Event::SshRefused, Some(who), None)),
    }
}

/// `[invalid user |authenticating user ]USER ADDR port N: Too many authentication failures`.
fn too_many(rest: &[u8]) -> Option<Auth<'_>> {
    let rest = rest.strip_suffix(b" [preauth]").unwrap_or(rest);
    let rest = rest.strip_suffix(b": Too many authentication failures")?;
    let (user, addr) = user_then_addr_port(rest);
    Some(with(Event::SshMaxAttempts, user, addr))
}

/// `[invalid user |authenticating user |user ]USER ADDR port N[ [preauth]]` or `ADDR port N`
/// after `Disconnected from `, `Connection closed by `, `Connection reset by `. Before a
/// login succeeds (`[preauth]`, or a user still being authenticated) it is a probe's end.
fn closed(rest: &[u8], preauth: bool) -> Option<Auth<'_>> {
    let rest = rest
        .strip_suffix(b"[preauth]")
        .unwrap_or(rest)
        .trim_ascii_end();
    let (user, addr) = user_then_addr_port(rest);
    addr?;
    let event = if preauth
        || rest.starts_with(b"invalid user ")
        || rest.starts_with(b"authenticating user ")
    {
        Event::SshPreauth
    } else {
        Event::SshDisconnected
    };
    Some(with(event, user, addr))
}

/// `[invalid user |authenticating user |user ]USER ADDR port N`, read from the end.
fn user_then_addr_port(text: &[u8]) -> (Option<&[u8]>, Option<Addr>) {
    let Some(port) = memmem::rfind(text, b" port ") else {
        return (None, None);
    };
    if !text[port + 6..].iter().all(u8::is_ascii_digit) || port + 6 == text.len() {
        return (None, None);
    }
    let before = &text[..port];
    let addr_at = memchr::memrchr(b' ', before).map_or(0, |s| s + 1);
    let addr = Addr::parse(&before[addr_at..]);
    let user = (addr_at > 0)
        .then(|| &before[..addr_at - 1])
        .map(|who| {
            [&b"invalid user "[..], b"authenticating user ", b"user "]
                .iter()
                .find_map(|prefix| who.strip_prefix(*prefix))
                .unwrap_or(who)
        })
        .and_then(non_empty);
    (user, addr)
}

/// `ADDR port N` followed by anything, or `ADDR` then `:`/space/end (OpenSSH before 7.3
/// printed no port).
fn leading_addr(text: &[u8]) -> Option<Addr> {
    if let Some((addr, _)) = addr_port(text) {
        return Some(addr);
    }
    let end = memchr::memchr(b' ', text).unwrap_or(text.len());
    let word = &text[..end];
    Addr::parse(word)
        .or_else(|| Addr::parse(word.strip_suffix(b":")?))
        // IPv6 before OpenSSH 7.3: `2001:db8::1: 11: Bye`.
        .or_else(|| Addr::parse(&text[..memmem::find(text, b": ")?]))
}

/// `ADDR port N` at the start of `text`; the address and what follows the port.
fn addr_port(text: &[u8]) -> Option<(Addr, &[u8])> {
    let end = memchr::memchr(b' ', text)?;
    let addr = Addr::parse(&text[..end])?;
    let port = text[end..].strip_prefix(b" port ")?;
    let digits = port.iter().take_while(|b| b.is_ascii_digit()).count();
    (digits > 0).then(|| (addr, &port[digits..]))
}

/// `ADDR port N` (or just `ADDR`) making up the whole of `text`.
fn addr_port_tail(text: &[u8]) -> Option<Addr> {
    match addr_port(text) {
        Some((addr, [])) => Some(addr),
        Some(_) => None,
        None => Addr::parse(text),
    }
}

/// tcp wrappers: `refused connect from HOST (ADDR)`.
fn wrapped_host(text: &[u8]) -> Option<Addr> {
    let text = text.trim_ascii_end();
    if let Some(inner) = text.strip_suffix(b")")
        && let Some(open) = memchr::memrchr(b'(', inner)
    {
        return Addr::parse(&inner[open + 1..]);
    }
    Addr::parse(text)
}

/// sshd's own PAM report: `PAM: Authentication failure for [illegal user ]USER from HOST`,
/// `PAM: User not known to the underlying authentication module for illegal user USER from
/// HOST`. HOST is last and is a name or an address; the user comes before it.
fn pam_sshd(rest: &[u8]) -> Option<Auth<'_>> {
    let for_at = memmem::find(rest, b" for ")?;
    let what = &rest[..for_at];
    let after = &rest[for_at + 5..];
    let from = memmem::rfind(after, b" from ")?;
    let user = &after[..from];
    let user = user.strip_prefix(b"illegal user ").unwrap_or(user);
    let event = if memmem::find(what, b"Authentication failure").is_some() {
        Event::SshFailed
    } else if memmem::find(what, b"not known").is_some() {
        Event::SshInvalidUser
    } else {
        return None;
    };
    Some(with(event, Some(user), Addr::parse(&after[from + 6..])))
}

/// pam_unix: `authentication failure; logname=… uid=0 euid=0 tty=ssh ruser= rhost=ADDR
/// user=USER` (and `PAM N more authentication failures; …`). Only `user=` is the client's
/// text and it comes last, so `rhost=` is its first occurrence.
fn pam_unix(message: &[u8]) -> Auth<'_> {
    let mut auth = Auth::new(Event::SshFailed);
    auth.client = memmem::find(message, b" rhost=")
        .map(|at| word(&message[at + 7..]))
        .and_then(Addr::parse);
    auth.user = memmem::find(message, b" user=")
        .map(|at| message[at + 6..].trim_ascii())
        .and_then(non_empty);
    auth
}

fn word(text: &[u8]) -> &[u8] {
    &text[..memchr::memchr(b' ', text).unwrap_or(text.len())]
}
