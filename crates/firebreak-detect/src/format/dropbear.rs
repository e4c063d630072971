//! dropbear's server messages, as its sources (`svr-auth.c`, `svr-authpasswd.c`,
//! `svr-authpubkey.c`, `svr-session.c`) print them. dropbear writes the client as `ADDR:PORT`
//! (`[ADDR]:PORT` for IPv6) at the end of a message, after the quoted user name, except in
//! `Exit before auth from <ADDR:PORT>: …`, where the client's own text follows it.

use memchr::memmem;

use super::auth::{Auth, non_empty};
use crate::addr::Addr;
use crate::record::Event;

/// Whether messages from `program` are dropbear's.
pub(crate) fn is_dropbear(program: &[u8]) -> bool {
    program == b"dropbear"
}

/// Reads one dropbear message.
pub(crate) fn read(message: &[u8]) -> Option<Auth<'_>> {
    for (prefix, event, method) in [
        (
            &b"Bad password attempt for "[..],
            Event::SshFailed,
            &b"password"[..],
        ),
        (
            b"Too-long password attempt for ",
            Event::SshFailed,
            b"password",
        ),
        (
            b"Password auth succeeded for ",
            Event::SshAccepted,
            b"password",
        ),
        (
            b"Pubkey auth succeeded for ",
            Event::SshAccepted,
            b"publickey",
        ),
        (
            b"Pubkey auth bad signature for ",
            Event::SshKeyFailed,
            b"publickey",
        ),
        (
            b"Login attempt for nonexistent user",
            Event::SshInvalidUser,
            b"",
        ),
        (
            b"Login attempt with wrong user ",
            Event::SshInvalidUser,
            b"",
        ),
    ] {
        if let Some(rest) = message.strip_prefix(prefix) {
            let rest = rest.strip_suffix(b", extra auth required").unwrap_or(rest);
            let from = memmem::rfind(rest, b" from ")?;
            let mut auth = Auth::new(event);
            auth.client = addr_colon_port(&rest[from + 6..]);
            auth.user = quoted_user(&rest[..from]);
            auth.method = non_empty(method);
            return Some(auth);
        }
    }
    if let Some(rest) = message.strip_prefix(b"Exit before auth from <") {
        let end = memchr::memchr(b'>', rest)?;
        let mut auth = Auth::new(if memmem::find(rest, b"Max auth tries reached").is_some() {
            Event::SshMaxAttempts
        } else {
            Event::SshPreauth
        });
        auth.client = addr_colon_port(&rest[..end]);
        let after = &rest[end..];
        auth.user = memmem::find(after, b"(user '")
            .map(|at| &after[at + 7..])
            .and_then(|u| Some(&u[..memmem::find(u, b"', ")?]))
            .and_then(non_empty);
        return Some(auth);
    }
    if message == b"root login rejected" {
        let mut auth = Auth::new(Event::SshRefused);
        auth.user = Some(b"root");
        return Some(auth);
    }
    None
}

/// `'USER'` (or, for a pubkey, `'USER' with … key …`): the text between the first quote and
/// the last `'` that is followed by nothing or ` with `.
fn quoted_user(text: &[u8]) -> Option<&[u8]> {
    let text = text.trim_ascii_start();
    let inner = text.strip_prefix(b"'")?;
    let end = memmem::rfind(inner, b"' with ")
        .or_else(|| inner.ends_with(b"'").then(|| inner.len() - 1))?;
    non_empty(&inner[..end])
}

/// `ADDR:PORT` or `[ADDR]:PORT`.
pub(crate) fn addr_colon_port(text: &[u8]) -> Option<Addr> {
    let text = text.trim_ascii();
    if let Some(v6) = text.strip_prefix(b"[") {
        return Addr::parse(&v6[..memchr::memchr(b']', v6)?]);
    }
    let colon = memchr::memrchr(b':', text)?;
    Addr::parse(&text[..colon])
}
