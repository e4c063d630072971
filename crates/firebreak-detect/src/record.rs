//! One parsed log line, whatever its format: the fields responders ask about (time, client
//! address, request, status, size, agent, user, …) plus any other named fields a custom format
//! or JSON mapping carries. Parsers fill it; triage, rules and `--lines` output read it.
//!
//! Text borrows from the line wherever it can ([`Cow::Borrowed`]); only JSON strings with
//! escapes are copied. The record owns no I/O and no policy.

use std::borrow::Cow;

use crate::addr::Addr;

/// A field's text: borrowed from the line, or owned after unescaping.
pub type Text<'a> = Cow<'a, [u8]>;

/// One parsed line.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Record<'a> {
    /// Unix time in seconds (UTC), when the line has a time the parser understood.
    pub time: Option<i64>,
    /// The client address (HTTP logs), or the remote address sshd/sudo names.
    pub client: Option<Addr>,
    /// HTTP method.
    pub method: Option<Text<'a>>,
    /// Request target as logged, query string included.
    pub path: Option<Text<'a>>,
    /// HTTP protocol (`HTTP/1.1`).
    pub protocol: Option<Text<'a>>,
    /// HTTP status.
    pub status: Option<u16>,
    /// Response size in bytes (`-` is `None`).
    pub bytes: Option<u64>,
    /// Referer header.
    pub referer: Option<Text<'a>>,
    /// User-Agent header.
    pub agent: Option<Text<'a>>,
    /// The user: HTTP remote user, or the account an sshd/sudo message names.
    pub user: Option<Text<'a>>,
    /// Seconds the request took (`$request_time`).
    pub request_time: Option<f64>,
    /// Seconds the upstream took (`$upstream_response_time`, first value).
    pub upstream_time: Option<f64>,
    /// `X-Forwarded-For` as logged.
    pub forwarded_for: Option<Text<'a>>,
    /// Syslog host name.
    pub host: Option<Text<'a>>,
    /// Syslog program (`sshd`, `sudo`, …).
    pub program: Option<Text<'a>>,
    /// Syslog message text (after `program[pid]: `).
    pub message: Option<Text<'a>>,
    /// What an sshd or sudo message means, when it is one we understand.
    pub event: Option<Event>,
    /// How an sshd login was attempted (`password`, `publickey`, …).
    pub auth_method: Option<Text<'a>>,
    /// Other named fields (custom `log_format` variables, mapped JSON keys), in line order.
    pub extra: Vec<(Cow<'a, str>, Text<'a>)>,
}

/// Authentication events understood in sshd and sudo messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Event {
    /// A secret that was wrong: `Failed password|keyboard-interactive|none for …`, PAM's
    /// `Authentication failure`, pam_unix's `authentication failure; … rhost=…`, dropbear's
    /// `Bad password attempt`.
    SshFailed,
    /// `Accepted password|publickey for USER from ADDR`, dropbear's `… auth succeeded`.
    SshAccepted,
    /// `Invalid user USER from ADDR`, dropbear's `Login attempt for nonexistent user`.
    SshInvalidUser,
    /// After a login: `Disconnected from user …`, `Received disconnect from …` without
    /// `[preauth]`, `Connection closed by …`.
    SshDisconnected,
    /// A key the server does not accept: `Failed publickey|hostbased for …`. An agent offers
    /// every key it holds, so these are not guesses.
    SshKeyFailed,
    /// Refused by configuration: `User … not allowed because …`, `ROOT LOGIN REFUSED`,
    /// tcp wrappers' `refused connect from`, dropbear's `root login rejected`.
    SshRefused,
    /// The connection's limit of tries was reached: `maximum authentication attempts
    /// exceeded`, `Too many authentication failures`, dropbear's `Max auth tries reached`.
    SshMaxAttempts,
    /// A connection that ended before any login: `[preauth]` disconnects and closes, banner
    /// and key-exchange failures, `Did not receive identification string`, `Timeout before
    /// authentication`, `Bad protocol version identification`, dropbear's `Exit before auth`.
    SshPreauth,
    /// sudo ran a command (`USER : TTY=… ; COMMAND=…`).
    SudoCommand,
    /// sudo refused or failed authentication (`authentication failure`, `incorrect password
    /// attempts`, `user NOT in sudoers`).
    SudoFailed,
}

impl Event {
    /// Every event, for documentation and rule validation.
    pub const ALL: [Event; 10] = [
        Event::SshFailed,
        Event::SshAccepted,
        Event::SshInvalidUser,
        Event::SshDisconnected,
        Event::SshKeyFailed,
        Event::SshRefused,
        Event::SshMaxAttempts,
        Event::SshPreauth,
        Event::SudoCommand,
        Event::SudoFailed,
    ];

    /// The name rules and JSON use.
    pub fn as_str(self) -> &'static str {
        match self {
            Event::SshFailed => "ssh_failed",
            Event::SshAccepted => "ssh_accepted",
            Event::SshInvalidUser => "ssh_invalid_user",
            Event::SshDisconnected => "ssh_disconnected",
            Event::SshKeyFailed => "ssh_key_failed",
            Event::SshRefused => "ssh_refused",
            Event::SshMaxAttempts => "ssh_max_attempts",
            Event::SshPreauth => "ssh_preauth",
            Event::SudoCommand => "sudo_command",
            Event::SudoFailed => "sudo_failed",
        }
    }

    /// Whether the event is about a remote login, so it should name the remote address
    /// (sudo's events do not).
    pub fn is_remote_login(self) -> bool {
        !matches!(self, Event::SudoCommand | Event::SudoFailed)
    }

    /// The event a name stands for.
    pub fn from_name(name: &str) -> Option<Event> {
        Event::ALL.into_iter().find(|e| e.as_str() == name)
    }
}

/// A field a rule or an output can name. Known fields are resolved once, when a rule is built,
/// so matching never compares field names.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Field {
    /// `time` (unix seconds).
    Time,
    /// `client` (also accepted: `addr`, `remote_addr`, `ip`).
    Client,
    /// `method`.
    Method,
    /// `path`.
    Path,
    /// `protocol`.
    Protocol,
    /// `status`.
    Status,
    /// `bytes`.
    Bytes,
    /// `referer`.
    Referer,
    /// `agent` (also `user_agent`).
    Agent,
    /// `user`.
    User,
    /// `request_time`.
    RequestTime,
    /// `upstream_time`.
    UpstreamTime,
    /// `forwarded_for`.
    ForwardedFor,
    /// `host`.
    Host,
    /// `program`.
    Program,
    /// `message`.
    Message,
    /// `event`.
    Event,
    /// `auth_method`.
    AuthMethod,
    /// Any other name: looked up among [`Record::extra`].
    Extra(String),
}

impl Field {
    /// The field a name refers to; unknown names are extra fields.
    pub fn named(name: &str) -> Field {
        match name {
            "time" => Field::Time,
            "client" | "addr" | "remote_addr" | "ip" => Field::Client,
            "method" => Field::Method,
            "path" => Field::Path,
            "protocol" => Field::Protocol,
            "status" => Field::Status,
            "bytes" => Field::Bytes,
            "referer" => Field::Referer,
            "agent" | "user_agent" => Field::Agent,
            "user" => Field::User,
            "request_time" => Field::RequestTime,
            "upstream_time" => Field::UpstreamTime,
            "forwarded_for" => Field::ForwardedFor,
            "host" => Field::Host,
            "program" => Field::Program,
            "message" => Field::Message,
            "event" => Field::Event,
            "auth_method" => Field::AuthMethod,
            other => Field::Extra(other.to_owned()),
        }
    }

    /// The canonical name.
    pub fn name(&self) -> &str {
        match self {
            Field::Time => "time",
            Field::Client => "client",
            Field::Method => "method",
            Field::Path => "path",
            Field::Protocol => "protocol",
            Field::Status => "status",
            Field::Bytes => "bytes",
            Field::Referer => "referer",
            Field::Agent => "agent",
            Field::User => "user",
            Field::RequestTime => "request_time",
            Field::UpstreamTime => "upstream_time",
            Field::ForwardedFor => "forwarded_for",
            Field::Host => "host",
            Field::Program => "program",
            Field::Message => "message",
            Field::Event => "event",
            Field::AuthMethod => "auth_method",
            Field::Extra(name) => name,
        }
    }
}

/// A field's value as rules see it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'r> {
    /// Text.
    Text(&'r [u8]),
    /// A number (status, bytes, times).
    Number(f64),
    /// An address.
    Addr(Addr),
}

impl Value<'_> {
    /// The value as text, numbers and addresses formatted.
    pub fn to_text(&self) -> Cow<'_, [u8]> {
        match self {
            Value::Text(t) => Cow::Borrowed(t),
            Value::Number(n) => Cow::Owned(format_number(*n).into_bytes()),
            Value::Addr(a) => Cow::Owned(a.to_string().into_bytes()),
        }
    }

    /// The value as a number, parsing text when it is one.
    pub fn to_number(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            Value::Text(t) => std::str::from_utf8(t).ok()?.trim().parse().ok(),
            Value::Addr(_) => None,
        }
    }
}

/// Integers without a fraction, other numbers as Rust prints them.
pub fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

impl<'a> Record<'a> {
    /// A field's value, if the line has it.
    pub fn get(&self, field: &Field) -> Option<Value<'_>> {
        match field {
            Field::Time => self.time.map(|t| Value::Number(t as f64)),
            Field::Client => self.client.map(Value::Addr),
            Field::Method => text(&self.method),
            Field::Path => text(&self.path),
            Field::Protocol => text(&self.protocol),
            Field::Status => self.status.map(|s| Value::Number(f64::from(s))),
            Field::Bytes => self.bytes.map(|b| Value::Number(b as f64)),
            Field::Referer => text(&self.referer),
            Field::Agent => text(&self.agent),
            Field::User => text(&self.user),
            Field::RequestTime => self.request_time.map(Value::Number),
            Field::UpstreamTime => self.upstream_time.map(Value::Number),
            Field::ForwardedFor => text(&self.forwarded_for),
            Field::Host => text(&self.host),
            Field::Program => text(&self.program),
            Field::Message => text(&self.message),
            Field::Event => self.event.map(|e| Value::Text(e.as_str().as_bytes())),
            Field::AuthMethod => text(&self.auth_method),
            Field::Extra(name) => self
                .extra
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| Value::Text(v)),
        }
    }

    /// The record as a JSON object of the fields it has (text lossily decoded as UTF-8).
    pub fn to_json(&self) -> serde_json::Map<String, serde_json::Value> {
        use serde_json::Value as J;
        let mut map = serde_json::Map::new();
        let known = [
            Field::Time,
            Field::Client,
            Field::Method,
            Field::Path,
            Field::Protocol,
            Field::Status,
            Field::Bytes,
            Field::Referer,
            Field::Agent,
            Field::User,
            Field::RequestTime,
            Field::UpstreamTime,
            Field::ForwardedFor,
            Field::Host,
            Field::Program,
            Field::Message,
            Field::Event,
            Field::AuthMethod,
        ];
        for field in known.iter() {
            let Some(value) = self.get(field) else {
                continue;
            };
            let json = match value {
                Value::Text(t) => J::String(String::from_utf8_lossy(t).into_owned()),
                Value::Number(n) => serde_json::Number::from_f64(n).map_or(J::Null, J::Number),
                Value::Addr(a) => J::String(a.to_string()),
            };
            if let (Field::Time, Some(t)) = (field, self.time) {
                map.insert("time".into(), J::from(t));
                if let Ok(ts) = jiff::Timestamp::from_second(t) {
                    map.insert("timestamp".into(), J::String(ts.to_string()));
                }
                continue;
            }
            if let (Field::Status | Field::Bytes, Value::Number(n)) = (field, value) {
                map.insert(field.name().into(), J::from(n as u64));
                continue;
            }
            map.insert(field.name().into(), json);
        }
        for (name, value) in &self.extra {
            map.insert(
                name.to_string(),
                J::String(String::from_utf8_lossy(value).into_owned()),
            );
        }
        map
    }
}

fn text<'r>(t: &'r Option<Text<'_>>) -> Option<Value<'r>> {
    t.as_deref().map(Value::Text)
}
