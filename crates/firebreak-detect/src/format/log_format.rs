//! Custom nginx `log_format` strings, compiled once into literals and variables and matched
//! left to right against each line:
//!
//! ```text
//! format   = 1*( literal / variable )      ; no two variables side by side
//! variable = "$" name / "${" name "}"
//! name     = 1*( ALPHA / DIGIT / "_" )
//! literal  = 1*( any byte but "$" )
//! ```
//!
//! A variable's value runs up to the next occurrence of the literal after it (to the end of
//! the line for a final variable); between double quotes it runs to the first unescaped `"`.
//! Known variables fill [`Record`] fields — the first variable in the format that names a
//! field wins it, so `$request` beats `$request_uri` for the path — and every other variable
//! becomes an extra field under its own name (`-` values are left out). Text after the last
//! literal is ignored, like fields appended to `combined`.

use std::borrow::Cow;

use super::fields::{self, Client};
use super::{FormatError, Malformed};
use crate::record::Record;
use crate::time;

/// A compiled `log_format`.
#[derive(Debug, Clone)]
pub struct LogFormat {
    label: String,
    source: String,
    pieces: Vec<Piece>,
}

#[derive(Debug, Clone)]
enum Piece {
    Literal(Box<Literal>),
    Variable(Variable),
}

#[derive(Debug, Clone)]
struct Variable {
    role: Role,
    /// An `$upstream_*` variable: one value per upstream tried, joined with `, ` and ` : `,
    /// which a following space must not cut.
    list: bool,
}

#[derive(Debug, Clone)]
struct Literal {
    text: Vec<u8>,
    /// The variable before it sits between double quotes: its end is the first unescaped `"`.
    closes_quote: bool,
}

/// What a variable's value becomes.
#[derive(Debug, Clone)]
enum Role {
    Client,
    User,
    TimeLocal,
    TimeIso,
    Msec,
    Request,
    Method,
    Path,
    Protocol,
    Status,
    Bytes,
    Referer,
    Agent,
    RequestTime,
    UpstreamTime,
    ForwardedFor,
    Host,
    Extra(Cow<'static, str>),
}

/// The record field a variable fills (several variables can name the same one), and its
/// precedence among them: lower wins.
fn claim(name: &str) -> Option<(Role, &'static str, u8)> {
    Some(match name {
        "remote_addr" => (Role::Client, "client", 0),
        "realip_remote_addr" => (Role::Client, "client", 1),
        "remote_user" => (Role::User, "user", 0),
        "time_local" => (Role::TimeLocal, "time", 0),
        "time_iso8601" => (Role::TimeIso, "time", 0),
        "msec" => (Role::Msec, "time", 1),
        "request" => (Role::Request, "path", 0),
        "request_uri" => (Role::Path, "path", 1),
        "uri" => (Role::Path, "path", 2),
        "document_uri" => (Role::Path, "path", 3),
        "request_method" => (Role::Method, "method", 1),
        "server_protocol" => (Role::Protocol, "protocol", 1),
        "status" => (Role::Status, "status", 0),
        "body_bytes_sent" => (Role::Bytes, "bytes", 0),
        "bytes_sent" => (Role::Bytes, "bytes", 1),
        "http_referer" => (Role::Referer, "referer", 0),
        "http_user_agent" => (Role::Agent, "agent", 0),
        "request_time" => (Role::RequestTime, "request_time", 0),
        "upstream_response_time" => (Role::UpstreamTime, "upstream_time", 0),
        "http_x_forwarded_for" => (Role::ForwardedFor, "forwarded_for", 0),
        "proxy_add_x_forwarded_for" => (Role::ForwardedFor, "forwarded_for", 1),
        "host" => (Role::Host, "host", 0),
        "http_host" => (Role::Host, "host", 1),
        "server_name" => (Role::Host, "host", 2),
        _ => return None,
    })
}

/// Fields a `$request` fills besides the path, which `$request_method` and
/// `$server_protocol` then leave to it.
const REQUEST_ALSO: [&str; 2] = ["method", "protocol"];

/// Variables often logged that name no record field: their names need no allocation per line.
const COMMON_EXTRAS: &[&str] = &[
    "args",
    "bytes_received",
    "connection",
    "connection_requests",
    "content_length",
    "content_type",
    "gzip_ratio",
    "hostname",
    "http_cookie",
    "http_x_real_ip",
    "http_x_request_id",
    "pipe",
    "query_string",
    "request_id",
    "request_length",
    "scheme",
    "server_addr",
    "server_port",
    "ssl_cipher",
    "ssl_protocol",
    "upstream_addr",
    "upstream_cache_status",
    "upstream_connect_time",
    "upstream_header_time",
    "upstream_status",
    "remote_port",
    "uri",
    "document_uri",
    "request_uri",
    "request_method",
    "server_protocol",
    "msec",
    "bytes_sent",
    "body_bytes_sent",
    "realip_remote_addr",
    "proxy_add_x_forwarded_for",
    "http_host",
    "server_name",
    "host",
    "time_iso8601",
    "time_local",
];

fn extra_name(name: &str) -> Cow<'static, str> {
    match COMMON_EXTRAS.iter().find(|known| **known == name) {
        Some(known) => Cow::Borrowed(known),
        None => Cow::Owned(name.to_owned()),
    }
}

fn error(column: usize, reason: &'static str) -> FormatError {
    FormatError::LogFormat { column, reason }
}

impl LogFormat {
    /// Compiles a `log_format` string; `label` is the name `--format` output shows.
    pub fn compile(label: &str, source: &str) -> Result<LogFormat, FormatError> {
        let bytes = source.as_bytes();
        if bytes.is_empty() {
            return Err(error(1, "the log_format is empty"));
        }
        enum Raw<'s> {
            Literal(&'s [u8]),
            Variable(&'s str),
        }
        let mut raw = Vec::new();
        let mut at = 0;
        while at < bytes.len() {
            let Some(dollar) = memchr::memchr(b'$', &bytes[at..]).map(|d| at + d) else {
                raw.push(Raw::Literal(&bytes[at..]));
                break;
            };
            if dollar > at {
                raw.push(Raw::Literal(&bytes[at..dollar]));
            }
            let (name_at, braced) = match bytes.get(dollar + 1) {
                Some(b'{') => (dollar + 2, true),
                _ => (dollar + 1, false),
            };
            let len = bytes
                .get(name_at..)
                .unwrap_or_default()
                .iter()
                .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
                .count();
            if len == 0 {
                return Err(error(name_at + 1, "expected a variable name after `$`"));
            }
            let name = &source[name_at..name_at + len];
            at = name_at + len;
            if braced {
                if bytes.get(at) != Some(&b'}') {
                    return Err(error(at + 1, "expected `}` to close `${`"));
                }
                at += 1;
            }
            if let Some(Raw::Variable(_)) = raw.last() {
                return Err(error(dollar + 1, "two variables need text between them"));
            }
            raw.push(Raw::Variable(name));
        }

        // Which variable wins each record field.
        let mut winners: Vec<(&'static str, u8, usize)> = Vec::new();
        for (index, piece) in raw.iter().enumerate() {
            let Raw::Variable(name) = piece else { continue };
            let Some((_, field, rank)) = claim(name) else {
                continue;
            };
            let mut fields = vec![field];
            if *name == "request" {
                fields.extend(REQUEST_ALSO);
            }
            for field in fields {
                match winners.iter_mut().find(|(f, ..)| *f == field) {
                    Some(winner) if winner.1 <= rank => {}
                    Some(winner) => *winner = (field, rank, index),
                    None => winners.push((field, rank, index)),
                }
            }
        }

        let mut pieces = Vec::with_capacity(raw.len());
        for (index, piece) in raw.iter().enumerate() {
            match piece {
                Raw::Literal(text) => {
                    let opens = index.checked_sub(2).and_then(|i| match raw.get(i) {
                        Some(Raw::Literal(before)) => before.last(),
                        _ => None,
                    }) == Some(&b'"');
                    pieces.push(Piece::Literal(Box::new(Literal {
                        text: text.to_vec(),
                        closes_quote: opens && text.first() == Some(&b'"'),
                    })));
                }
                Raw::Variable(name) => {
                    let role = match claim(name) {
                        Some((role, _, _)) if winners.iter().any(|w| w.2 == index) => role,
                        _ => Role::Extra(extra_name(name)),
                    };
                    pieces.push(Piece::Variable(Variable {
                        role,
                        list: name.starts_with("upstream_"),
                    }));
                }
            }
        }
        Ok(LogFormat {
            label: label.to_owned(),
            source: source.to_owned(),
            pieces,
        })
    }

    /// The name shown for this format.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The `log_format` string it was compiled from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Parses one line.
    pub fn parse<'a>(&self, line: &'a [u8]) -> Result<Record<'a>, Malformed> {
        let mut record = Record::default();
        let mut at = 0;
        for (index, piece) in self.pieces.iter().enumerate() {
            match piece {
                Piece::Literal(literal) => {
                    if !line
                        .get(at..)
                        .unwrap_or_default()
                        .starts_with(&literal.text)
                    {
                        return Err(Malformed::at(
                            at,
                            "the line does not match the log_format here",
                        ));
                    }
                    at += literal.text.len();
                }
                Piece::Variable(variable) => {
                    let rest = line.get(at..).unwrap_or_default();
                    let len = match self.pieces.get(index + 1) {
                        None => rest.len(),
                        Some(Piece::Literal(next)) => {
                            value_len(rest, next, variable.list).ok_or(Malformed::at(
                                at,
                                "the text after this variable in the log_format is missing",
                            ))?
                        }
                        Some(Piece::Variable(_)) => {
                            return Err(Malformed::at(at, "two variables need text between them"));
                        }
                    };
                    let value = &rest[..len];
                    fill(&mut record, &variable.role, value)
                        .map_err(|reason| Malformed::at(at, reason))?;
                    at += len;
                }
            }
        }
        Ok(record)
    }
}

/// How long the value before literal `next` is.
fn value_len(rest: &[u8], next: &Literal, list: bool) -> Option<usize> {
    if !next.closes_quote {
        let mut from = 0;
        loop {
            let end = from + find(rest.get(from..)?, &next.text)?;
            let joined = list
                && (matches!(rest.get(..end)?.last(), Some(b',' | b':'))
                    || rest.get(end..)?.starts_with(b" : "));
            if !joined {
                return Some(end);
            }
            from = end + 1;
        }
    }
    let mut from = 0;
    loop {
        let quote = from + fields::closing_quote(rest.get(from..)?)?.0;
        if rest.get(quote..)?.starts_with(&next.text) {
            return Some(quote);
        }
        from = quote + 1;
    }
}

/// The first occurrence of `literal` in `text`. Literals between fields are short and their
/// first byte rare (a space, a quote, a bracket), so finding that byte and comparing the rest
/// beats a general substring search set up per call.
fn find(text: &[u8], literal: &[u8]) -> Option<usize> {
    let (&first, tail) = literal.split_first()?;
    let mut from = 0;
    loop {
        let at = from + memchr::memchr(first, text.get(from..)?)?;
        if text.get(at + 1..)?.starts_with(tail) {
            return Some(at);
        }
        from = at + 1;
    }
}

/// Stores one variable's value.
fn fill<'a>(record: &mut Record<'a>, role: &Role, value: &'a [u8]) -> Result<(), &'static str> {
    match role {
        Role::Client => match fields::client(value) {
            Some(Client::Addr(addr)) => record.client = Some(addr),
            Some(Client::Absent) => {}
            Some(Client::Name(name)) => record
                .extra
                .push((Cow::Borrowed("remote_host"), Cow::Borrowed(name))),
            None => return Err("expected a client address"),
        },
        Role::User => record.user = fields::present(value).map(Cow::Borrowed),
        Role::TimeLocal => {
            record.time = Some(
                time::clf_cached(value).ok_or("expected a time like 10/Oct/2000:13:55:36 -0700")?,
            )
        }
        Role::TimeIso => {
            record.time =
                Some(time::iso8601(value).ok_or("expected a time like 2026-11-23T13:47:15+00:00")?)
        }
        Role::Msec => {
            record.time =
                Some(time::epoch(value).ok_or("expected epoch seconds like 1700000000.123")?)
        }
        Role::Request => match fields::request(value) {
            Some(parts) => {
                record.method = Some(Cow::Borrowed(parts.method));
                record.path = Some(fields::unquote(parts.path));
                record.protocol = parts.protocol.map(Cow::Borrowed);
            }
            None => {
                if let Some(text) = fields::quoted_text(value) {
                    record.extra.push((Cow::Borrowed("request"), text));
                }
            }
        },
        Role::Method => record.method = fields::quoted_text(value),
        Role::Path => record.path = fields::quoted_text(value),
        Role::Protocol => record.protocol = fields::quoted_text(value),
        Role::Status => {
            record.status = fields::status(value).map_err(|()| "expected a three-digit status")?
        }
        Role::Bytes => {
            record.bytes = fields::count(value).map_err(|()| "expected a byte count or `-`")?
        }
        Role::Referer => record.referer = fields::quoted_text(value),
        Role::Agent => record.agent = fields::quoted_text(value),
        Role::RequestTime => record.request_time = fields::seconds(value),
        Role::UpstreamTime => record.upstream_time = fields::first_seconds(value),
        Role::ForwardedFor => record.forwarded_for = fields::quoted_text(value),
        Role::Host => record.host = fields::quoted_text(value),
        Role::Extra(name) => {
            if let Some(text) = fields::quoted_text(value) {
                record.extra.push((name.clone(), text));
            }
        }
    }
    Ok(())
}
