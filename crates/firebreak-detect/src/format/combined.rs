//! nginx/apache `combined` and `common` access-log lines — the hot path of triage:
//!
//! ```text
//! common   = client SP ident SP user SP "[" clf-time "]" SP quoted-request SP status SP bytes
//! combined = common SP quoted-referer SP quoted-agent [SP anything]
//! ```
//!
//! Fields are found with `memchr` and borrowed from the line; nothing is allocated unless a
//! field needs unescaping or the client is a name rather than an address. A request that is
//! not `METHOD TARGET [PROTO]` (`"-"`, a TLS handshake sent to the HTTP port) leaves method
//! and path empty and is kept as the extra field `request`; the line still counts. Fields
//! nginx configurations often append after the agent are ignored.

use std::borrow::Cow;

use memchr::memchr;

use super::Malformed;
use super::fields::{self, Client, Request};
use crate::record::{Record, Text};
use crate::time;

/// A `combined` or `common` line's fields as found: texts borrowed from the line, quoting
/// escapes not yet removed. [`Access::into_record`] makes the general [`Record`]; triage reads
/// the fields it counts straight from here, which saves building and moving a whole record on
/// its hot path.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Access<'a> {
    pub time: i64,
    pub client: Client<'a>,
    /// The remote user (`-` is `None`).
    pub user: Option<&'a [u8]>,
    /// The quoted request's text.
    pub request: Quoted<'a>,
    /// The request split into method, target and protocol, when it is `METHOD TARGET [PROTO]`.
    pub parts: Option<Request<'a>>,
    pub status: Option<u16>,
    pub bytes: Option<u64>,
    /// Empty for `common`.
    pub referer: Quoted<'a>,
    /// Empty for `common`.
    pub agent: Quoted<'a>,
}

/// A quoted field's text between its quotes, and whether it holds escapes.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Quoted<'a> {
    pub raw: &'a [u8],
    pub escaped: bool,
}

impl<'a> Quoted<'a> {
    /// The field's text, unescaped; `-` or empty is `None`.
    #[inline]
    pub fn text(self) -> Option<Text<'a>> {
        let mut text = None;
        self.text_into(&mut text);
        text
    }

    /// [`text`](Self::text), written into `slot`. On a hot path this keeps the borrowed case
    /// in registers: returning either a borrowed or an unescaped text made the compiler merge
    /// the two through memory, and the store-then-reload stalled every line.
    #[inline]
    pub fn text_into(self, slot: &mut Option<Text<'a>>) {
        match fields::present(self.raw) {
            None => *slot = None,
            Some(raw) if !self.escaped => *slot = Some(Cow::Borrowed(raw)),
            Some(raw) => *slot = Some(fields::unquote(raw)),
        }
    }
}

impl<'a> Access<'a> {
    /// The request target, quoted as the request was.
    #[inline]
    pub fn path(&self) -> Quoted<'a> {
        Quoted {
            raw: self.parts.map_or(&[][..], |parts| parts.path),
            escaped: self.request.escaped,
        }
    }

    /// The general record of the line.
    pub fn into_record(self) -> Record<'a> {
        let mut extra = Vec::new();
        let client = match self.client {
            Client::Addr(addr) => Some(addr),
            Client::Absent => None,
            Client::Name(name) => {
                extra.push((Cow::Borrowed("remote_host"), Cow::Borrowed(name)));
                None
            }
        };
        let path = self.path().text();
        let (method, protocol) = match self.parts {
            Some(parts) => (
                Some(Cow::Borrowed(parts.method)),
                parts.protocol.map(Cow::Borrowed),
            ),
            None => {
                if let Some(text) = self.request.text() {
                    extra.push((Cow::Borrowed("request"), text));
                }
                (None, None)
            }
        };
        Record {
            time: Some(self.time),
            client,
            user: self.user.map(Cow::Borrowed),
            method,
            path,
            protocol,
            status: self.status,
            bytes: self.bytes,
            referer: self.referer.text(),
            agent: self.agent.text(),
            extra,
            ..Record::default()
        }
    }
}

/// Parses a `combined` line (`with_agent`) or a `common` one.
pub(crate) fn parse(line: &[u8], with_agent: bool) -> Result<Record<'_>, Malformed> {
    access(line, with_agent).map(Access::into_record)
}

/// Finds the fields of a `combined` line (`with_agent`) or a `common` one.
pub(crate) fn access(line: &[u8], with_agent: bool) -> Result<Access<'_>, Malformed> {
    let fail = Malformed::at;

    let client_end = memchr(b' ', line)
        .ok_or_else(|| fail(line.len(), "expected a space after the client address"))?;
    let client =
        fields::client(&line[..client_end]).ok_or_else(|| fail(0, "expected a client address"))?;

    // `ident user [`: the ident is one token, the user anything but `[`; nearly always `- - [`.
    let after_client = client_end + 1;
    let rest = line.get(after_client..).unwrap_or_default();
    let mut user = None;
    let open = if rest.starts_with(b"- - [") {
        after_client + 4
    } else {
        let open = after_client
            + memchr(b'[', rest)
                .ok_or_else(|| fail(after_client, "expected `[` before the time"))?;
        let names = line
            .get(after_client..open)
            .and_then(|n| n.strip_suffix(b" "))
            .ok_or_else(|| fail(open, "expected a space before `[`"))?;
        let ident_end = memchr(b' ', names)
            .ok_or_else(|| fail(after_client, "expected `ident user` before the time"))?;
        user = fields::present(&names[ident_end + 1..]);
        open
    };

    const TIME: &str = "expected a time like 10/Oct/2000:13:55:36 -0700";
    let time_text = line
        .get(open + 1..open + 27)
        .ok_or_else(|| fail(open + 1, TIME))?;
    let time = time::clf_cached(time_text).ok_or_else(|| fail(open + 1, TIME))?;
    if line.get(open + 27..open + 30) != Some(b"] \"") {
        return Err(fail(open + 27, "expected `] \"` after the time"));
    }

    let request_at = open + 30;
    let (request_len, escaped) = fields::closing_quote(&line[request_at..])
        .ok_or_else(|| fail(request_at, "expected the request's closing quote"))?;
    let request_end = request_at + request_len;
    let request = Quoted {
        raw: &line[request_at..request_end],
        escaped,
    };
    let parts = fields::request(request.raw);

    // ` status bytes`: the status is three digits.
    if line.get(request_end + 1) != Some(&b' ') {
        return Err(fail(request_end + 1, "expected a space after the request"));
    }
    let status_at = request_end + 2;
    let status_end = match line.get(status_at + 3) {
        Some(b' ') => status_at + 3,
        _ => {
            status_at
                + memchr(b' ', line.get(status_at..).unwrap_or_default())
                    .ok_or_else(|| fail(status_at, "expected a space after the status"))?
        }
    };
    let status = fields::status(&line[status_at..status_end])
        .map_err(|()| fail(status_at, "expected a three-digit status"))?;
    let bytes_at = status_end + 1;
    const BYTES: &str = "expected a byte count or `-`";
    let (bytes, bytes_len) = fields::leading_count(line.get(bytes_at..).unwrap_or_default())
        .map_err(|()| fail(bytes_at, BYTES))?;
    let bytes_end = bytes_at + bytes_len;
    if !matches!(line.get(bytes_end), None | Some(b' ')) {
        return Err(fail(bytes_at, BYTES));
    }
    let (referer, agent) = if with_agent {
        quoted_tail(line, bytes_end)?
    } else {
        (Quoted::default(), Quoted::default())
    };
    Ok(Access {
        time,
        client,
        user,
        request,
        parts,
        status,
        bytes,
        referer,
        agent,
    })
}

/// ` "referer" "agent"`, then anything, from `at` (just after the byte count).
#[inline]
fn quoted_tail(line: &[u8], at: usize) -> Result<(Quoted<'_>, Quoted<'_>), Malformed> {
    let fail = Malformed::at;
    let referer_at = at + 2;
    if line.get(at..referer_at) != Some(b" \"") {
        return Err(fail(at, "expected the quoted referer"));
    }
    let (referer_len, escaped) = fields::closing_quote(&line[referer_at..])
        .ok_or_else(|| fail(referer_at, "expected the referer's closing quote"))?;
    let referer_end = referer_at + referer_len;
    let referer = Quoted {
        raw: &line[referer_at..referer_end],
        escaped,
    };
    let agent_at = referer_end + 3;
    if line.get(referer_end + 1..agent_at) != Some(b" \"") {
        return Err(fail(referer_end + 1, "expected the quoted user agent"));
    }
    let (agent_len, escaped) = fields::closing_quote(&line[agent_at..])
        .ok_or_else(|| fail(agent_at, "expected the user agent's closing quote"))?;
    let agent_end = agent_at + agent_len;
    let agent = Quoted {
        raw: &line[agent_at..agent_end],
        escaped,
    };
    match line.get(agent_end + 1) {
        None | Some(b' ' | b'\t') => Ok((referer, agent)),
        Some(_) => Err(fail(
            agent_end + 1,
            "expected the end of the line or a space after the agent",
        )),
    }
}
