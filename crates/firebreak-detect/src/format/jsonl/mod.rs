//! JSON lines: one object per line, its keys mapped to [`Record`] fields.
//!
//! The mapping names, for each record field, the JSON key that holds it; a dotted key
//! (`remote.ip`) is looked up as a flat key first, then as a path through nested objects. The
//! default mapping knows the keys nginx JSON formats, common web frameworks, ECS,
//! `journalctl -o json`, Caddy (`request.client_ip`, `request.uri`, header lists) and Traefik
//! (`ClientHost`, `RequestPath`, `DownstreamStatus`, `request_User-Agent`) use (listed in [`JsonFormat::DEFAULT_KEYS`], first present wins); a configured
//! mapping replaces the defaults of the fields it names, and names that are not record fields
//! become extra fields. Keys nobody mapped are skipped without being copied.
//!
//! Values are read straight from the line, nothing is built for keys nobody mapped: a
//! hand-written walk (`walk.rs`) reads the lines it is sure of, and serde_json (driving a
//! visitor) reads the rest and is the judge of malformed ones. strings without escapes are borrowed, times may be
//! RFC 3339 strings, CLF strings or epoch numbers (seconds, or milli/micro/nanoseconds, by
//! magnitude), and status and sizes may be numbers or strings. A `request` key holding a
//! request line fills method, path and protocol where those are not mapped themselves. When
//! the program is sshd or sudo, the message is read for login events as in syslog.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

mod keys;
mod slots;
mod walk;

use slots::{Fields, Held, Slots};

use super::fields;
use super::{Counted, FormatError, Malformed, auth, syslog};
use crate::Addr;
use crate::record::{Field, Record};
use crate::time;

/// The default keys of each record field, first present wins.
const DEFAULT_KEYS: &[(&str, &[&str])] = &[
    (
        "time",
        &[
            "time",
            "timestamp",
            "@timestamp",
            "ts",
            "time_local",
            "time_iso8601",
            "datetime",
            "date",
            "__REALTIME_TIMESTAMP",
            // Traefik: when the request started.
            "StartUTC",
        ],
    ),
    (
        "client",
        &[
            "remote_addr",
            "client_ip",
            "clientip",
            "remote_ip",
            "ip",
            "client",
            "src_ip",
            "client.ip",
            "source.ip",
            "realip_remote_addr",
            // Caddy (the client after trusted proxies, else the peer), Traefik.
            "request.client_ip",
            "request.remote_ip",
            "ClientHost",
        ],
    ),
    (
        "method",
        &[
            "method",
            "request_method",
            "http_method",
            "verb",
            "http.request.method",
            "request.method",
            "RequestMethod",
        ],
    ),
    (
        "path",
        &[
            "path",
            "uri",
            "request_uri",
            "url",
            "url.path",
            "url.original",
            "request.uri",
            "RequestPath",
        ],
    ),
    (
        "protocol",
        &[
            "protocol",
            "server_protocol",
            "http_version",
            "http.version",
            "request.proto",
            "RequestProtocol",
        ],
    ),
    (
        "status",
        &[
            "status",
            "status_code",
            "response_status",
            "http_status",
            "response",
            "http.response.status_code",
            "DownstreamStatus",
        ],
    ),
    (
        "bytes",
        &[
            "body_bytes_sent",
            "bytes",
            "bytes_sent",
            "size",
            "response_size",
            "http.response.body.bytes",
            "DownstreamContentSize",
        ],
    ),
    (
        "referer",
        &[
            "referer",
            "http_referer",
            "referrer",
            "http.request.referrer",
            "request.headers.Referer",
            "request_Referer",
        ],
    ),
    (
        "agent",
        &[
            "user_agent",
            "http_user_agent",
            "agent",
            "useragent",
            "user_agent.original",
            "request.headers.User-Agent",
            "request_User-Agent",
        ],
    ),
    (
        "user",
        &[
            "user",
            "remote_user",
            "username",
            "user.name",
            "user_id",
            "ClientUsername",
        ],
    ),
    ("request_time", &["request_time", "response_time"]),
    (
        "upstream_time",
        &["upstream_response_time", "upstream_time"],
    ),
    (
        "forwarded_for",
        &[
            "http_x_forwarded_for",
            "x_forwarded_for",
            "forwarded_for",
            "xff",
        ],
    ),
    (
        "host",
        &[
            "host",
            "hostname",
            "http_host",
            "server_name",
            "_HOSTNAME",
            "host.name",
        ],
    ),
    (
        "program",
        &[
            "program",
            "ident",
            "appname",
            "SYSLOG_IDENTIFIER",
            "syslog_identifier",
        ],
    ),
    ("message", &["message", "msg", "MESSAGE"]),
    ("request", &["request"]),
];

/// The record fields a key can fill (`request` fills method, path and protocol).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Time,
    Client,
    Method,
    Path,
    Protocol,
    Status,
    Bytes,
    Referer,
    Agent,
    User,
    RequestTime,
    UpstreamTime,
    ForwardedFor,
    Host,
    Program,
    Message,
    AuthMethod,
    Request,
}

const TARGETS: usize = 18;

impl Target {
    /// Whether triage counts what this target fills ([`Counted`]'s fields, and what they are
    /// read from).
    fn counted(self) -> bool {
        match self {
            Target::Time
            | Target::Client
            | Target::Method
            | Target::Path
            | Target::Status
            | Target::Bytes
            | Target::Agent
            | Target::User
            | Target::Program
            | Target::Message
            | Target::Request => true,
            Target::Protocol
            | Target::Referer
            | Target::RequestTime
            | Target::UpstreamTime
            | Target::ForwardedFor
            | Target::Host
            | Target::AuthMethod => false,
        }
    }

    fn named(name: &str) -> Result<Option<Target>, &'static str> {
        if name == "request" {
            return Ok(Some(Target::Request));
        }
        Ok(Some(match Field::named(name) {
            Field::Time => Target::Time,
            Field::Client => Target::Client,
            Field::Method => Target::Method,
            Field::Path => Target::Path,
            Field::Protocol => Target::Protocol,
            Field::Status => Target::Status,
            Field::Bytes => Target::Bytes,
            Field::Referer => Target::Referer,
            Field::Agent => Target::Agent,
            Field::User => Target::User,
            Field::RequestTime => Target::RequestTime,
            Field::UpstreamTime => Target::UpstreamTime,
            Field::ForwardedFor => Target::ForwardedFor,
            Field::Host => Target::Host,
            Field::Program => Target::Program,
            Field::Message => Target::Message,
            Field::AuthMethod => Target::AuthMethod,
            Field::Event => return Err("`event` is read from sshd and sudo messages, not mapped"),
            Field::Extra(_) => return Ok(None),
        }))
    }
}

#[derive(Debug, Clone, Copy)]
enum Slot {
    Known(Target),
    Extra(usize),
}

/// Keys at one level of the object, and what each fills.
#[derive(Debug, Default)]
struct Node {
    keys: keys::Keys<Entry>,
}

#[derive(Debug, Default)]
struct Entry {
    /// What this key's value fills, with its precedence (lower wins).
    targets: Vec<(Slot, u16)>,
    /// Keys inside this key's object, for dotted paths.
    children: Option<Box<Node>>,
}

impl Node {
    /// Registers `path` (dotted) for `slot`: as a flat key at `rank * 2`, and as a nested path
    /// at `rank * 2 + 1`, so an exact flat key wins over the same path through objects.
    fn add(&mut self, path: &str, slot: Slot, rank: u16) {
        self.entry(path).targets.push((slot, rank * 2));
        if path.contains('.') {
            let mut node = self;
            let mut parts = path.split('.').peekable();
            while let Some(part) = parts.next() {
                let entry = node.entry(part);
                if parts.peek().is_none() {
                    entry.targets.push((slot, rank * 2 + 1));
                    break;
                }
                node = entry.children.get_or_insert_with(Box::default);
            }
        }
    }

    fn entry(&mut self, key: &str) -> &mut Entry {
        self.keys.entry(key.as_bytes())
    }
}

#[derive(Debug)]
struct Mapping {
    root: Node,
    extras: Vec<Cow<'static, str>>,
    /// Whether method/path/protocol were mapped themselves (then `request` does not fill them).
    has: [bool; TARGETS],
}

/// JSON lines with a field mapping.
#[derive(Debug, Clone)]
pub struct JsonFormat {
    mapping: Arc<Mapping>,
}

impl Default for JsonFormat {
    /// The default mapping ([`JsonFormat::DEFAULT_KEYS`]).
    fn default() -> JsonFormat {
        // The default keys are all valid, so this cannot fail; an empty mapping is the fallback.
        JsonFormat::with_fields(&BTreeMap::new()).unwrap_or_else(|_| JsonFormat {
            mapping: Arc::new(Mapping {
                root: Node::default(),
                extras: Vec::new(),
                has: [false; TARGETS],
            }),
        })
    }
}

impl JsonFormat {
    /// The default keys of each record field, first present wins.
    pub const DEFAULT_KEYS: &'static [(&'static str, &'static [&'static str])] = DEFAULT_KEYS;

    /// The default mapping with `fields` (record field name → JSON key, dotted for nested
    /// objects) replacing the defaults of the fields it names; names that are not record
    /// fields become extra fields.
    pub fn with_fields(fields: &BTreeMap<String, String>) -> Result<JsonFormat, FormatError> {
        let mut root = Node::default();
        let mut extras = Vec::new();
        let mut has = [false; TARGETS];
        let mut configured = Vec::new();
        for (name, key) in fields {
            let bad = |reason: &'static str| FormatError::JsonField {
                field: name.clone(),
                reason,
            };
            if key.is_empty() || key.split('.').any(str::is_empty) {
                return Err(bad(
                    "the JSON key is empty or has an empty part between dots",
                ));
            }
            let slot = match Target::named(name).map_err(bad)? {
                Some(target) => {
                    configured.push(target);
                    Slot::Known(target)
                }
                None => {
                    extras.push(Cow::Owned(name.clone()));
                    Slot::Extra(extras.len() - 1)
                }
            };
            root.add(key, slot, 0);
            if let Slot::Known(target) = slot {
                has[target as usize] = true;
            }
        }
        for (name, keys) in DEFAULT_KEYS {
            let Ok(Some(target)) = Target::named(name) else {
                continue;
            };
            if configured.contains(&target) {
                continue;
            }
            for (rank, key) in keys.iter().enumerate() {
                root.add(key, Slot::Known(target), rank as u16 + 1);
            }
        }
        Ok(JsonFormat {
            mapping: Arc::new(Mapping { root, extras, has }),
        })
    }

    /// Parses one line.
    pub fn parse<'a>(&self, line: &'a [u8]) -> Result<Record<'a>, Malformed> {
        let mut slots = Slots::new(line, Fields::All);
        self.fill(line, &mut slots)?;
        self.record(&mut slots)
    }

    /// Reads one line's counted fields into `out` without building a [`Record`]. A line is
    /// malformed exactly when [`JsonFormat::parse`] says so (only the time, status and byte
    /// count can make it so, and those are always read); `out` may then hold part of it.
    pub(crate) fn read_counted<'a>(
        &self,
        line: &'a [u8],
        out: &mut Counted<'a>,
    ) -> Result<(), Malformed> {
        let mut slots = Slots::new(line, Fields::Counted);
        self.fill(line, &mut slots)?;
        if slots.holds(Target::Message) && slots.holds(Target::Program) {
            // An sshd or sudo message can name the user and client: read as the record does.
            *out = Counted::from(self.record(&mut slots)?);
            return Ok(());
        }
        (out.time, out.status, out.bytes) = checked(&mut slots)?;
        out.client = client_of(&mut slots);
        let mut text = |t: Target| slots.take(t as usize).and_then(|h| h.value.text());
        out.method = text(Target::Method);
        out.path = text(Target::Path);
        out.agent = text(Target::Agent);
        out.user = text(Target::User);
        out.event = None;
        if let Some(parts) = text(Target::Request).as_ref().and_then(request_parts) {
            let has = |t: Target| self.mapping.has[t as usize];
            if !has(Target::Method) {
                out.method = Some(parts.method);
            }
            if !has(Target::Path) {
                out.path = Some(parts.path);
            }
        }
        Ok(())
    }

    /// Keeps the mapped values of one line in `slots`: by the fast walk where it is sure,
    /// else by serde_json, which says why a malformed line is malformed. Filled in place, as
    /// the slots are too large to hand back cheaply.
    fn fill<'a>(&self, line: &'a [u8], slots: &mut Slots<'a>) -> Result<(), Malformed> {
        if walk::walk(line, &self.mapping.root, slots).is_some() {
            return Ok(());
        }
        slots.clear();
        self.fill_by_serde(line, slots)
    }

    /// [`JsonFormat::fill`] with serde_json driving the walk: the reference the fast walk is
    /// held to, and the reader of every line that walk gives up on.
    fn fill_by_serde<'a>(&self, line: &'a [u8], slots: &mut Slots<'a>) -> Result<(), Malformed> {
        let mut de = serde_json::Deserializer::from_slice(line);
        Object {
            node: &self.mapping.root,
            slots,
        }
        .deserialize(&mut de)
        .and_then(|()| de.end())
        .map_err(|e| Malformed::at(e.column().saturating_sub(1), json_reason(&e)))
    }

    /// The record from the values the walk kept.
    fn record<'a>(&self, slots: &mut Slots<'a>) -> Result<Record<'a>, Malformed> {
        let (time, status, bytes) = checked(slots)?;
        let mut record = Record {
            time,
            status,
            bytes,
            client: client_of(slots),
            ..Record::default()
        };
        let mut take = |t: Target| slots.take(t as usize);
        record.request_time =
            take(Target::RequestTime).and_then(|h| h.value.seconds(fields::seconds));
        record.upstream_time =
            take(Target::UpstreamTime).and_then(|h| h.value.seconds(fields::first_seconds));
        let mut text = |t: Target| take(t).and_then(|h| h.value.text());
        record.method = text(Target::Method);
        record.path = text(Target::Path);
        record.protocol = text(Target::Protocol);
        record.agent = text(Target::Agent);
        record.user = text(Target::User);
        record.program = text(Target::Program);
        record.referer = text(Target::Referer);
        record.forwarded_for = text(Target::ForwardedFor);
        record.host = text(Target::Host);
        record.auth_method = text(Target::AuthMethod);
        let request = text(Target::Request);
        let message = text(Target::Message);
        if let Some(request) = request {
            self.split_request(&mut record, request);
        }
        for (name, held) in self.mapping.extras.iter().zip(slots.take_extra()) {
            if let Some(value) = held.and_then(|h| h.value.text()) {
                record.extra.push((name.clone(), value));
            }
        }
        if let Some(message) = message {
            if let Some(program) = record.program.clone() {
                match &message {
                    Cow::Borrowed(m) => {
                        if let Some(a) = auth::understand(&program, m) {
                            syslog::apply(&mut record, a, Cow::Borrowed);
                        }
                    }
                    Cow::Owned(m) => {
                        if let Some(a) = auth::understand(&program, m) {
                            syslog::apply(&mut record, a, |t| Cow::Owned(t.to_vec()));
                        }
                    }
                }
            }
            record.message = Some(message);
        }
        Ok(record)
    }

    /// Fills method, path and protocol from a request line, where they were not mapped.
    fn split_request<'a>(&self, record: &mut Record<'a>, request: Cow<'a, [u8]>) {
        let Some(parts) = request_parts(&request) else {
            if fields::present(&request).is_some() {
                record.extra.push((Cow::Borrowed("request"), request));
            }
            return;
        };
        let has = |t: Target| self.mapping.has[t as usize];
        if !has(Target::Method) {
            record.method = Some(parts.method);
        }
        if !has(Target::Path) {
            record.path = Some(parts.path);
        }
        if !has(Target::Protocol) {
            record.protocol = parts.protocol;
        }
    }
}

/// The parts of a request line, borrowed from the line where its text was.
struct RequestParts<'a> {
    method: Cow<'a, [u8]>,
    path: Cow<'a, [u8]>,
    protocol: Option<Cow<'a, [u8]>>,
}

fn request_parts<'a>(request: &Cow<'a, [u8]>) -> Option<RequestParts<'a>> {
    match request {
        Cow::Borrowed(text) => fields::request(text).map(|parts| RequestParts {
            method: Cow::Borrowed(parts.method),
            path: Cow::Borrowed(parts.path),
            protocol: parts.protocol.map(Cow::Borrowed),
        }),
        Cow::Owned(text) => fields::request(text).map(|parts| RequestParts {
            method: Cow::Owned(parts.method.to_vec()),
            path: Cow::Owned(parts.path.to_vec()),
            protocol: parts.protocol.map(|p| Cow::Owned(p.to_vec())),
        }),
    }
}

/// The time, status and byte count kept for a line: the only values that can make it
/// malformed, each with the reason it gives.
type Checked = (Option<i64>, Option<u16>, Option<u64>);

fn checked(slots: &mut Slots<'_>) -> Result<Checked, Malformed> {
    Ok((
        kept(
            slots,
            Target::Time,
            Scalar::time,
            "expected a time: an RFC 3339 string or epoch seconds or milliseconds",
        )?,
        kept(
            slots,
            Target::Status,
            Scalar::status,
            "expected a status from 100 to 999",
        )?,
        kept(slots, Target::Bytes, Scalar::count, "expected a byte count")?,
    ))
}

/// The value kept for `target` as `read` reads it; one it refuses makes the line malformed
/// at its key, for `reason`.
fn kept<'a, T>(
    slots: &mut Slots<'a>,
    target: Target,
    read: impl FnOnce(Scalar<'a>) -> Result<Option<T>, ()>,
    reason: &'static str,
) -> Result<Option<T>, Malformed> {
    let Some(held) = slots.take(target as usize) else {
        return Ok(None);
    };
    read(held.value).map_err(|()| Malformed::at(held.key_at, reason))
}

fn client_of(slots: &mut Slots<'_>) -> Option<Addr> {
    let held = slots.take(Target::Client as usize)?;
    held.value.text().and_then(|t| fields::client_with_port(&t))
}

/// What serde_json's error means for the user, in a word.
fn json_reason(error: &serde_json::Error) -> &'static str {
    match error.classify() {
        serde_json::error::Category::Io | serde_json::error::Category::Syntax => {
            "expected JSON: one object per line"
        }
        serde_json::error::Category::Data => "expected a JSON object",
        serde_json::error::Category::Eof => "the JSON object ends early",
    }
}

/// A JSON scalar as read, strings borrowed from the line unless they had escapes.
#[derive(Debug, Clone)]
enum Scalar<'de> {
    Text(Cow<'de, [u8]>),
    Unsigned(u64),
    Signed(i64),
    Float(f64),
    Bool(bool),
}

impl<'de> Scalar<'de> {
    /// The value as text (numbers as JSON writes them); `-` and empty strings are absent.
    fn text(self) -> Option<Cow<'de, [u8]>> {
        let text = match self {
            Scalar::Text(text) => text,
            Scalar::Unsigned(n) => Cow::Owned(n.to_string().into_bytes()),
            Scalar::Signed(n) => Cow::Owned(n.to_string().into_bytes()),
            Scalar::Float(n) => Cow::Owned(n.to_string().into_bytes()),
            Scalar::Bool(b) => Cow::Borrowed(if b { &b"true"[..] } else { b"false" }),
        };
        fields::present(&text)?;
        Some(text)
    }

    /// A time: RFC 3339, CLF or epoch digits in a string, or an epoch number. `Ok(None)` for
    /// `-` and empty strings.
    fn time(self) -> Result<Option<i64>, ()> {
        match self {
            Scalar::Unsigned(n) => Ok(Some(time::epoch_units(i64::try_from(n).map_err(|_| ())?))),
            Scalar::Float(n) if n.is_finite() && (0.0..9.2e18).contains(&n) => {
                Ok(Some(time::epoch_units(n as i64)))
            }
            Scalar::Text(text) => match fields::present(&text) {
                None => Ok(None),
                Some(text) => time::iso8601(text)
                    .or_else(|| time::epoch(text))
                    .or_else(|| time::clf_cached(text))
                    .map(Some)
                    .ok_or(()),
            },
            _ => Err(()),
        }
    }

    fn status(self) -> Result<Option<u16>, ()> {
        match self {
            Scalar::Unsigned(n) if n <= 999 => Ok(u16::try_from(n).ok().filter(|s| *s >= 100)),
            Scalar::Text(text) if text.is_empty() => Ok(None),
            Scalar::Text(text) => fields::status(&text),
            _ => Err(()),
        }
    }

    fn count(self) -> Result<Option<u64>, ()> {
        match self {
            Scalar::Unsigned(n) => Ok(Some(n)),
            Scalar::Text(text) if text.is_empty() => Ok(None),
            Scalar::Text(text) => fields::count(&text),
            _ => Err(()),
        }
    }

    /// Seconds from a number, or from text read by `read`.
    fn seconds(self, read: fn(&[u8]) -> Option<f64>) -> Option<f64> {
        match self {
            Scalar::Unsigned(n) => Some(n as f64),
            Scalar::Float(n) if n.is_finite() && n >= 0.0 => Some(n),
            Scalar::Text(text) => read(&text),
            _ => None,
        }
    }
}

/// Walks one JSON object, offering the values of mapped keys to the slots.
struct Object<'m, 's, 'de> {
    node: &'m Node,
    slots: &'s mut Slots<'de>,
}

impl<'de> DeserializeSeed<'de> for Object<'_, '_, 'de> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Object<'_, '_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(Key(key)) = map.next_key()? {
            match self.node.keys.get(key.as_bytes()) {
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
                Some(entry) => {
                    let key_at = self.slots.key_at(&key);
                    map.next_value_seed(Mapped {
                        entry,
                        slots: &mut *self.slots,
                        key_at,
                    })?;
                }
            }
        }
        Ok(())
    }
}

/// The value of a mapped key: a scalar for its targets, or an object to walk for the keys
/// below it. Other values (arrays, objects nobody maps into, null) are skipped.
struct Mapped<'m, 's, 'de> {
    entry: &'m Entry,
    slots: &'s mut Slots<'de>,
    key_at: usize,
}

impl<'de> Mapped<'_, '_, 'de> {
    fn offer<E>(self, value: Scalar<'de>) -> Result<(), E> {
        for &(slot, rank) in &self.entry.targets {
            self.slots.offer(
                slot,
                Held {
                    value: value.clone(),
                    rank,
                    key_at: self.key_at,
                },
            );
        }
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for Mapped<'_, '_, 'de> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Mapped<'_, '_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<(), E> {
        self.offer(Scalar::Text(Cow::Borrowed(v.as_bytes())))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.offer(Scalar::Text(Cow::Owned(v.as_bytes().to_vec())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<(), E> {
        self.offer(Scalar::Text(Cow::Owned(v.into_bytes())))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.offer(Scalar::Unsigned(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.offer(Scalar::Signed(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        self.offer(Scalar::Float(v))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        self.offer(Scalar::Bool(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    /// A list of one scalar (Caddy logs each header as a list of its values) is that scalar;
    /// a longer list names no single value and is skipped, never guessed from.
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let first = seq.next_element::<Single<'de>>()?;
        let more = seq.next_element::<IgnoredAny>()?.is_some();
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        match first {
            Some(Single(Some(value))) if !more => self.offer(value),
            _ => Ok(()),
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        match &self.entry.children {
            Some(children) => Object {
                node: children,
                slots: self.slots,
            }
            .visit_map(map),
            None => IgnoredAny.visit_map(map).map(|_| ()),
        }
    }
}

/// A list element: a scalar, or `None` for anything else (skipped).
struct Single<'de>(Option<Scalar<'de>>);

impl<'de> de::Deserialize<'de> for Single<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Single<'de>, D::Error> {
        struct SingleVisitor;
        impl<'de> Visitor<'de> for SingleVisitor {
            type Value = Single<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }

            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Single<'de>, E> {
                Ok(Single(Some(Scalar::Text(Cow::Borrowed(v.as_bytes())))))
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Single<'de>, E> {
                Ok(Single(Some(Scalar::Text(Cow::Owned(
                    v.as_bytes().to_vec(),
                )))))
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Single<'de>, E> {
                Ok(Single(Some(Scalar::Unsigned(v))))
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Single<'de>, E> {
                Ok(Single(Some(Scalar::Signed(v))))
            }

            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Single<'de>, E> {
                Ok(Single(Some(Scalar::Float(v))))
            }

            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Single<'de>, E> {
                Ok(Single(Some(Scalar::Bool(v))))
            }

            fn visit_unit<E: de::Error>(self) -> Result<Single<'de>, E> {
                Ok(Single(None))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Single<'de>, A::Error> {
                IgnoredAny.visit_seq(seq).map(|_| Single(None))
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Single<'de>, A::Error> {
                IgnoredAny.visit_map(map).map(|_| Single(None))
            }
        }
        deserializer.deserialize_any(SingleVisitor)
    }
}

/// An object key, borrowed unless it had escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Key<'de>, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key")
            }

            fn visit_borrowed_str<E: de::Error>(self, key: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(key)))
            }

            fn visit_str<E: de::Error>(self, key: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(key.to_owned())))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}
