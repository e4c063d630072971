//! What login messages mean: the events responders count (failed and accepted logins, keys
//! refused, invalid users, refusals, probes, disconnects, sudo commands and refusals), with the
//! account, the remote address and the method. This module picks the reader by program —
//! `sshd` (OpenSSH and the PAM lines it logs), `dropbear`,
//! sudo here — and owns what they share. Finding the message in a syslog line or a JSON
//! journal entry is the parsers' business.

use memchr::memmem;

use crate::addr::Addr;
use crate::record::Event;

/// What one message says.
#[derive(Debug, Clone, PartialEq)]
pub struct Auth<'m> {
    /// The event.
    pub event: Event,
    /// The account named (sshd's target user; sudo's invoking user).
    pub user: Option<&'m [u8]>,
    /// The remote address, for sshd.
    pub client: Option<Addr>,
    /// How an sshd login was tried (`password`, `publickey`, `keyboard-interactive/pam`).
    pub method: Option<&'m [u8]>,
    /// For sudo commands: the account the command ran as.
    pub run_as: Option<&'m [u8]>,
    /// For sudo: the command.
    pub command: Option<&'m [u8]>,
}

impl<'m> Auth<'m> {
    pub(crate) fn new(event: Event) -> Auth<'m> {
        Auth {
            event,
            user: None,
            client: None,
            method: None,
            run_as: None,
            command: None,
        }
    }
}

/// Whether messages from `program` are sshd's (`sshd`, OpenSSH ≥ 9.8's `sshd-session`).
pub fn is_sshd(program: &[u8]) -> bool {
    program.starts_with(b"sshd")
}

/// Reads a message from `program`; `None` when it is not one of the events understood.
pub fn understand<'m>(program: &[u8], message: &'m [u8]) -> Option<Auth<'m>> {
    let message = unwrap_repeated(trim(message));
    if is_sshd(program) {
        super::sshd::read(message)
    } else if super::dropbear::is_dropbear(program) {
        super::dropbear::read(message)
    } else if program == b"sudo" {
        sudo(message)
    } else {
        None
    }
}

/// rsyslog folds identical messages into `message repeated 3 times: [ Failed password …]`;
/// the event is the one inside (counted once).
fn unwrap_repeated(message: &[u8]) -> &[u8] {
    let Some(rest) = message.strip_prefix(b"message repeated ") else {
        return message;
    };
    let Some(open) = memmem::find(rest, b": [") else {
        return message;
    };
    let inner = &rest[open + 3..];
    trim(inner.strip_suffix(b"]").unwrap_or(inner))
}

fn trim(text: &[u8]) -> &[u8] {
    text.trim_ascii()
}

pub(crate) fn non_empty(text: &[u8]) -> Option<&[u8]> {
    (!text.is_empty()).then_some(text)
}

fn sudo(message: &[u8]) -> Option<Auth<'_>> {
    if message.starts_with(b"pam_unix(sudo:auth): authentication failure") {
        let mut auth = Auth::new(Event::SudoFailed);
        // `… ruser=bob rhost=  user=bob`: the last `user=`, which is the account tried.
        auth.user = memmem::rfind(message, b" user=")
            .map(|at| word(&message[at + 6..]))
            .and_then(non_empty);
        return Some(auth);
    }
    // `USER : WHAT ; TTY=… ; PWD=… ; USER=root ; COMMAND=…`
    let colon = memmem::find(message, b" : ")?;
    let user = trim(&message[..colon]);
    if user.is_empty() || user.contains(&b' ') {
        return None;
    }
    let rest = &message[colon + 3..];
    let first = &rest[..memmem::find(rest, b" ; ").unwrap_or(rest.len())];
    let event = if first.starts_with(b"TTY=") || first.starts_with(b"PWD=") {
        Event::SudoCommand
    } else if [
        &b"incorrect password attempt"[..],
        b"NOT in sudoers",
        b"command not allowed",
        b"a password is required",
        b"authentication failure",
        b"user NOT authorized",
    ]
    .iter()
    .any(|what| memmem::find(first, what).is_some())
    {
        Event::SudoFailed
    } else {
        return None;
    };
    let mut auth = Auth::new(event);
    auth.user = Some(user);
    auth.run_as = setting(rest, b"USER=");
    auth.command = memmem::find(rest, b"COMMAND=").map(|at| trim(&rest[at + 8..]));
    Some(auth)
}

/// The value of a `NAME=value ;` setting in sudo's message.
fn setting<'m>(text: &'m [u8], name: &[u8]) -> Option<&'m [u8]> {
    let mut from = 0;
    while let Some(at) = memmem::find(text.get(from..)?, name).map(|a| from + a) {
        // Only at the start of a setting, not inside `RUNUSER=` or a command.
        if at == 0 || text.get(at.saturating_sub(2)..at) == Some(b"; ") {
            let value = &text[at + name.len()..];
            let end = memmem::find(value, b" ; ").unwrap_or(value.len());
            return non_empty(trim(&value[..end]));
        }
        from = at + 1;
    }
    None
}

fn word(text: &[u8]) -> &[u8] {
    &text[..memchr::memchr(b' ', text).unwrap_or(text.len())]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Event, user, client and method, as text.
    type Read = (Event, Option<String>, Option<String>, Option<String>);

    fn read(program: &str, message: &str) -> Option<Read> {
        let auth = understand(program.as_bytes(), message.as_bytes())?;
        let text = |t: Option<&[u8]>| t.map(|t| String::from_utf8_lossy(t).into_owned());
        Some((
            auth.event,
            text(auth.user),
            auth.client.map(|a| a.to_string()),
            text(auth.method),
        ))
    }

    fn s(text: &str) -> Option<String> {
        Some(text.to_owned())
    }

    #[test]
    fn sshd_logins() {
        assert_eq!(
            read(
                "sshd",
                "Failed password for invalid user admin from 203.0.113.5 port 40022 ssh2"
            ),
            Some((
                Event::SshFailed,
                s("admin"),
                s("203.0.113.5"),
                s("password")
            ))
        );
        assert_eq!(
            read(
                "sshd-session",
                "Accepted publickey for alice from 2001:db8::5 port 50022 ssh2: ED25519 SHA256:abc"
            ),
            Some((
                Event::SshAccepted,
                s("alice"),
                s("2001:db8::5"),
                s("publickey")
            ))
        );
        assert_eq!(
            read(
                "sshd",
                "Failed password for x from 10.0.0.1 port 1 ssh2 from 198.51.100.7 port 2 ssh2"
            ),
            Some((
                Event::SshFailed,
                s("x from 10.0.0.1 port 1 ssh2"),
                s("198.51.100.7"),
                s("password")
            )),
            "an injected user name does not move the address"
        );
        assert_eq!(
            read("sshd", "Invalid user  from 203.0.113.5 port 1"),
            Some((Event::SshInvalidUser, None, s("203.0.113.5"), None))
        );
        assert_eq!(
            read(
                "sshd",
                "message repeated 2 times: [ Failed password for root from 203.0.113.5 port 22 ssh2]"
            ),
            Some((Event::SshFailed, s("root"), s("203.0.113.5"), s("password")))
        );
    }

    #[test]
    fn sshd_disconnects() {
        for (message, event, user, addr) in [
            (
                "Disconnected from invalid user admin 203.0.113.5 port 40000 [preauth]",
                Event::SshPreauth,
                s("admin"),
                "203.0.113.5",
            ),
            (
                "Disconnected from authenticating user root 2001:db8::9 port 22 [preauth]",
                Event::SshPreauth,
                s("root"),
                "2001:db8::9",
            ),
            (
                "Disconnected from user alice 192.0.2.1 port 5 ",
                Event::SshDisconnected,
                s("alice"),
                "192.0.2.1",
            ),
            (
                "Connection closed by 192.0.2.1 port 5 [preauth]",
                Event::SshPreauth,
                None,
                "192.0.2.1",
            ),
            (
                "Received disconnect from 192.0.2.1 port 5:11: Bye Bye [preauth]",
                Event::SshPreauth,
                None,
                "192.0.2.1",
            ),
            (
                "Received disconnect from 192.0.2.1: 11: Bye Bye [preauth]",
                Event::SshPreauth,
                None,
                "192.0.2.1",
            ),
            (
                "Received disconnect from 2001:db8::1: 11: Bye",
                Event::SshDisconnected,
                None,
                "2001:db8::1",
            ),
            (
                "Received disconnect from 192.0.2.1 port 5:11: disconnected by user",
                Event::SshDisconnected,
                None,
                "192.0.2.1",
            ),
        ] {
            assert_eq!(
                read("sshd", message),
                Some((event, user, s(addr), None)),
                "{message}"
            );
        }
        assert_eq!(read("sshd", "Server listening on 0.0.0.0 port 22."), None);
        assert_eq!(
            read("cron", "Failed password for root from 1.2.3.4 port 1 ssh2"),
            None
        );
    }

    /// Regression: the address was the last `from ADDR` in the line, so text the client
    /// chose after it (a disconnect reason, a certificate's key id) moved the blame.
    #[test]
    fn attribution_by_the_messages_fixed_position() {
        for (message, addr) in [
            (
                "Received disconnect from 192.0.2.1 port 5:11: from 10.9.9.9 port 1 [preauth]",
                s("192.0.2.1"),
            ),
            (
                "Received disconnect from 192.0.2.1 port 5:11: x 10.9.9.9 port 7 [preauth]",
                s("192.0.2.1"),
            ),
            (
                "Failed publickey for bob from 192.0.2.1 port 5 ssh2: ED25519-CERT SHA256:abc ID evil from 10.9.9.9 port 1 ssh2 (serial 1) CA ED25519 SHA256:def",
                s("192.0.2.1"),
            ),
            (
                "Accepted password for x from 10.9.9.9 port 1 ssh2 from 192.0.2.1 port 5 ssh2",
                s("192.0.2.1"),
            ),
            (
                "Failed password for x from 10.9.9.9 port 1 ssh2: RSA SHA256:a ID y from 192.0.2.1 port 5 ssh2",
                s("192.0.2.1"),
            ),
            // Both sides forged: no address is certain, so none is given.
            (
                "Failed publickey for a from 10.9.9.9 port 1 ssh2: RSA SHA256:x ID y from 192.0.2.1 port 5 ssh2: ED25519 SHA256:z",
                None,
            ),
        ] {
            let auth = understand(b"sshd", message.as_bytes()).expect(message);
            assert_eq!(auth.client.map(|a| a.to_string()), addr, "{message}");
        }
    }

    #[test]
    fn sudo_messages() {
        let auth = understand(
            b"sudo",
            b"   alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/ls -l /root",
        )
        .expect("command");
        assert_eq!(auth.event, Event::SudoCommand);
        assert_eq!(auth.user, Some(&b"alice"[..]));
        assert_eq!(auth.run_as, Some(&b"root"[..]));
        assert_eq!(auth.command, Some(&b"/bin/ls -l /root"[..]));
        for (message, user) in [
            (
                "bob : 3 incorrect password attempts ; TTY=pts/0 ; PWD=/ ; USER=root ; COMMAND=/bin/sh",
                "bob",
            ),
            (
                "bob : user NOT in sudoers ; TTY=pts/1 ; PWD=/ ; USER=root ; COMMAND=/bin/sh",
                "bob",
            ),
            (
                "pam_unix(sudo:auth): authentication failure; logname=bob uid=1000 euid=0 tty=/dev/pts/0 ruser=bob rhost=  user=bob",
                "bob",
            ),
        ] {
            assert_eq!(
                read("sudo", message),
                Some((Event::SudoFailed, s(user), None, None)),
                "{message}"
            );
        }
        assert_eq!(
            read(
                "sudo",
                "pam_unix(sudo:session): session opened for user root(uid=0) by alice(uid=1000)"
            ),
            None
        );
    }
}
