//! The fast way through a JSON line: a hand-written walk over one object that offers the values
//! of mapped keys to the slots exactly as the serde walk in `mod.rs` does (same values, same
//! order, same key positions), checking the JSON grammar on the way — strings and their
//! escapes, control bytes, numbers, literals, nesting, what follows the object — but building
//! nothing for keys nobody mapped.
//!
//! It answers only where it is sure. Anything else — malformed JSON, a key or mapped string
//! that is not UTF-8 (skipped strings are not checked, as serde_json does not), a key with
//! escapes, a lone surrogate in a mapped string, a number with an exponent or too
//! many digits, a negative zero, nesting deeper than [`DEPTH`], a top level that is not an
//! object — makes it give up (`None`), and the line is read again by serde_json, which then
//! says what it holds or why it is malformed. So the fast walk can never accept a line serde
//! would refuse, nor read one differently; a property test holds it to that.

use std::borrow::Cow;

use super::super::fields;
use super::{Entry, Held, Node, Scalar, Slots};

/// Deepest nesting the walk follows (serde_json's own limit is 128).
const DEPTH: usize = 100;

/// Most integer digits of a number the walk reads (an `f64` holds up to 309).
const DIGITS: usize = 300;

/// Bytes of a string looked at together (see [`has_stop`]).
const CHUNK: usize = 16;

/// Offers the mapped values of the object on `line` to `slots`; `None` when the line must be
/// left to serde_json (then `slots` may hold part of the line's values and must be dropped).
pub(super) fn walk<'de>(line: &'de [u8], root: &Node, slots: &mut Slots<'de>) -> Option<()> {
    let mut walker = Walker { line, at: 0 };
    walker.space();
    walker.expect(b'{')?;
    walker.object(root, slots, 1)?;
    walker.space();
    (walker.at == line.len()).then_some(())
}

/// A JSON number as read.
enum Number {
    Unsigned(u64),
    Signed(i64),
    /// With a fraction: its text, for serde_json to read as it would.
    Fraction(usize, usize),
}

struct Walker<'de> {
    line: &'de [u8],
    at: usize,
}

impl<'de> Walker<'de> {
    #[inline]
    fn peek(&self) -> Option<u8> {
        self.line.get(self.at).copied()
    }

    #[inline]
    fn expect(&mut self, byte: u8) -> Option<()> {
        if self.peek()? != byte {
            return None;
        }
        self.at += 1;
        Some(())
    }

    #[inline]
    fn space(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.at += 1;
        }
    }

    /// The members of an object whose `{` was just read, its keys mapped by `node`.
    fn object(&mut self, node: &Node, slots: &mut Slots<'de>, depth: usize) -> Option<()> {
        self.members(depth, |walker| {
            let key_at = walker.at;
            let key = walker.key()?;
            walker.colon()?;
            match node.keys.get(key) {
                Some(entry) => walker.mapped(entry, key_at, slots, depth),
                None => walker.skip(depth),
            }
        })
    }

    /// The members of an object whose `{` was just read, up to and past its `}`: `member`
    /// reads each one from its key to the end of its value, this reads what lies between.
    #[inline]
    fn members(
        &mut self,
        depth: usize,
        mut member: impl FnMut(&mut Self) -> Option<()>,
    ) -> Option<()> {
        if depth > DEPTH {
            return None;
        }
        self.space();
        if self.peek()? == b'}' {
            self.at += 1;
            return Some(());
        }
        loop {
            self.space();
            member(self)?;
            self.space();
            match self.peek()? {
                b',' => self.at += 1,
                b'}' => {
                    self.at += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// The `:` after a key, with the space around it.
    #[inline]
    fn colon(&mut self) -> Option<()> {
        self.space();
        self.expect(b':')?;
        self.space();
        Some(())
    }

    /// The value of a mapped key, as the serde walk's `Mapped` reads it.
    fn mapped(
        &mut self,
        entry: &Entry,
        key_at: usize,
        slots: &mut Slots<'de>,
        depth: usize,
    ) -> Option<()> {
        let value = match self.peek()? {
            b'{' => {
                self.at += 1;
                return match entry.children.as_deref() {
                    Some(children) => self.object(children, slots, depth + 1),
                    None => self.skip_object(depth + 1, true),
                };
            }
            b'[' => {
                self.at += 1;
                match self.single(depth + 1)? {
                    Some(value) => value,
                    None => return Some(()),
                }
            }
            b'n' => return self.literal(b"null"),
            _ => self.scalar()?,
        };
        // The value is copied for all but the last of the key's targets (nearly every key
        // has one), which takes it.
        let Some((&(last, rank), others)) = entry.targets.split_last() else {
            return Some(());
        };
        for &(slot, rank) in others {
            slots.offer(
                slot,
                Held {
                    value: value.clone(),
                    rank,
                    key_at,
                },
            );
        }
        slots.offer(
            last,
            Held {
                value,
                rank,
                key_at,
            },
        );
        Some(())
    }

    /// An array whose `[` was just read: its element when it has exactly one and that is a
    /// scalar (Caddy's header lists), else `Some(None)`.
    fn single(&mut self, depth: usize) -> Option<Option<Scalar<'de>>> {
        if depth > DEPTH {
            return None;
        }
        self.space();
        if self.peek()? == b']' {
            self.at += 1;
            return Some(None);
        }
        let first = match self.peek()? {
            b'{' => {
                self.at += 1;
                self.skip_object(depth + 1, true)?;
                None
            }
            b'[' | b'n' => {
                self.skip(depth)?;
                None
            }
            _ => Some(self.scalar()?),
        };
        let mut more = false;
        loop {
            self.space();
            match self.peek()? {
                b',' => {
                    self.at += 1;
                    self.space();
                    self.skip(depth)?;
                    more = true;
                }
                b']' => {
                    self.at += 1;
                    return Some(if more { None } else { first });
                }
                _ => return None,
            }
        }
    }

    /// A string, number or boolean.
    fn scalar(&mut self) -> Option<Scalar<'de>> {
        match self.peek()? {
            b'"' => {
                self.at += 1;
                let (raw, spelling) = self.string()?;
                // serde_json checks the UTF-8 of the strings it hands out (keys and mapped
                // values), not of those it skips; so does this walk.
                if spelling != Spelling::Ascii {
                    std::str::from_utf8(raw).ok()?;
                }
                Some(Scalar::Text(if spelling == Spelling::Escaped {
                    Cow::Owned(unescape(raw)?)
                } else {
                    Cow::Borrowed(raw)
                }))
            }
            b't' => self.literal(b"true").map(|()| Scalar::Bool(true)),
            b'f' => self.literal(b"false").map(|()| Scalar::Bool(false)),
            _ => match self.number()? {
                Number::Unsigned(n) => Some(Scalar::Unsigned(n)),
                Number::Signed(n) => Some(Scalar::Signed(n)),
                Number::Fraction(start, end) => {
                    let text = self.line.get(start..end)?;
                    let short = match text.split_first() {
                        Some((b'-', digits)) => fields::short_decimal(digits).map(|n| -n),
                        _ => fields::short_decimal(text),
                    };
                    short
                        .or_else(|| serde_json::from_slice::<f64>(text).ok())
                        .map(Scalar::Float)
                }
            },
        }
    }

    /// Any value, checked and passed over.
    fn skip(&mut self, depth: usize) -> Option<()> {
        if depth > DEPTH {
            return None;
        }
        match self.peek()? {
            b'"' => {
                self.at += 1;
                self.string().map(|_| ())
            }
            b'{' => {
                self.at += 1;
                self.skip_object(depth + 1, false)
            }
            b'[' => {
                self.at += 1;
                self.space();
                if self.peek()? == b']' {
                    self.at += 1;
                    return Some(());
                }
                loop {
                    self.space();
                    self.skip(depth + 1)?;
                    self.space();
                    match self.peek()? {
                        b',' => self.at += 1,
                        b']' => {
                            self.at += 1;
                            return Some(());
                        }
                        _ => return None,
                    }
                }
            }
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            _ => self.number().map(|_| ()),
        }
    }

    /// The members of an object nobody maps into, whose `{` was just read. serde_json reads
    /// the keys of an object a visitor walks as strings (checked), those of an object it
    /// skips whole as bytes (unchecked): `check_keys` says which this is.
    fn skip_object(&mut self, depth: usize, check_keys: bool) -> Option<()> {
        self.members(depth, |walker| {
            if check_keys {
                walker.key()?;
            } else {
                walker.expect(b'"')?;
                walker.string()?;
            }
            walker.colon()?;
            walker.skip(depth)
        })
    }

    /// A key read as serde_json reads the keys of objects it walks: UTF-8, and without
    /// escapes (those are left to serde_json).
    #[inline]
    fn key(&mut self) -> Option<&'de [u8]> {
        self.expect(b'"')?;
        match self.string()? {
            (key, Spelling::Ascii) => Some(key),
            (key, Spelling::Plain) => std::str::from_utf8(key).ok().map(str::as_bytes),
            (_, Spelling::Escaped) => None,
        }
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        let end = self.at + word.len();
        if self.line.get(self.at..end)? != word {
            return None;
        }
        self.at = end;
        Some(())
    }

    /// The text of a string whose `"` was just read, up to its closing quote (which is
    /// passed), and how it is spelled. Escapes must be JSON's; control bytes may not appear
    /// raw.
    #[inline]
    fn string(&mut self) -> Option<(&'de [u8], Spelling)> {
        let start = self.at;
        // Nearly every string is plain ASCII: it is searched a chunk at a time for its end,
        // stopping early at a backslash, a control byte or a byte that is not ASCII, and the
        // last bytes of the line one by one. Any stop but the quote takes the long way.
        let mut at = start;
        loop {
            match self.line.get(at..).and_then(|rest| rest.first_chunk()) {
                Some(chunk) if has_stop(chunk) => {
                    at += first_stop(chunk);
                    break;
                }
                Some(_) => at += CHUNK,
                None => {
                    while self.line.get(at).is_some_and(|&b| !stop(b)) {
                        at += 1;
                    }
                    break;
                }
            }
        }
        if self.line.get(at) == Some(&b'"') {
            self.at = at + 1;
            return Some((self.line.get(start..at)?, Spelling::Ascii));
        }
        self.string_long(start)
    }

    /// [`Walker::string`] for strings with escapes or bytes that are not ASCII, from `start`.
    #[cold]
    fn string_long(&mut self, start: usize) -> Option<(&'de [u8], Spelling)> {
        self.at = start;
        let mut escaped = false;
        loop {
            let rest = self.line.get(self.at..)?;
            let found = self.at + memchr::memchr2(b'"', b'\\', rest)?;
            if self.line.get(found)? == &b'"' {
                let raw = self.line.get(start..found)?;
                // Counted without branching, so the compiler can do it many bytes at a time.
                if raw.iter().fold(0u8, |n, &b| n | u8::from(b < 0x20)) != 0 {
                    return None;
                }
                self.at = found + 1;
                let spelling = match (escaped, raw.is_ascii()) {
                    (true, _) => Spelling::Escaped,
                    (false, true) => Spelling::Ascii,
                    (false, false) => Spelling::Plain,
                };
                return Some((raw, spelling));
            }
            escaped = true;
            match self.line.get(found + 1)? {
                b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.at = found + 2,
                b'u' => {
                    let hex = self.line.get(found + 2..found + 6)?;
                    if !hex.iter().all(u8::is_ascii_hexdigit) {
                        return None;
                    }
                    self.at = found + 6;
                }
                _ => return None,
            }
        }
    }

    /// A number, by JSON's grammar: `-`? (`0` | [1-9][0-9]*) (`.` [0-9]+)?. Exponents, integers
    /// that overflow and `-0` are left to serde_json.
    fn number(&mut self) -> Option<Number> {
        let start = self.at;
        let negative = self.peek() == Some(b'-');
        if negative {
            self.at += 1;
        }
        let digits_at = self.at;
        match self.peek()? {
            b'0' => self.at += 1,
            b'1'..=b'9' => {
                while self.peek().is_some_and(|b| b.is_ascii_digit()) {
                    self.at += 1;
                }
            }
            _ => return None,
        }
        let digits = self.line.get(digits_at..self.at)?;
        if digits.len() > DIGITS {
            return None;
        }
        let mut fraction = false;
        if self.peek() == Some(b'.') {
            self.at += 1;
            let from = self.at;
            while self.peek().is_some_and(|b| b.is_ascii_digit()) {
                self.at += 1;
            }
            if self.at == from {
                return None;
            }
            fraction = true;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            return None;
        }
        if fraction {
            return Some(Number::Fraction(start, self.at));
        }
        let mut value: u64 = 0;
        for &d in digits {
            value = value.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
        }
        if !negative {
            return Some(Number::Unsigned(value));
        }
        if value == 0 || value > i64::MAX as u64 {
            return None;
        }
        Some(Number::Signed(-(value as i64)))
    }
}

/// A string's text with its escapes decoded as serde_json decodes them; `None` for a lone
/// surrogate (serde_json refuses those in strings it reads).
#[cold]
fn unescape(raw: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(raw.len());
    let mut at = 0;
    while let Some(&b) = raw.get(at) {
        if b != b'\\' {
            out.push(b);
            at += 1;
            continue;
        }
        let plain = match raw.get(at + 1)? {
            b'"' => b'"',
            b'\\' => b'\\',
            b'/' => b'/',
            b'b' => 0x08,
            b'f' => 0x0c,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'u' => {
                let high = hex4(raw.get(at + 2..at + 6)?)?;
                at += 6;
                let code = match high {
                    0xd800..=0xdbff => {
                        if raw.get(at..at + 2)? != b"\\u" {
                            return None;
                        }
                        let low = hex4(raw.get(at + 2..at + 6)?)?;
                        if !(0xdc00..=0xdfff).contains(&low) {
                            return None;
                        }
                        at += 6;
                        0x10000 + ((high - 0xd800) << 10) + (low - 0xdc00)
                    }
                    0xdc00..=0xdfff => return None,
                    _ => high,
                };
                let c = char::from_u32(code)?;
                out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
                continue;
            }
            _ => return None,
        };
        out.push(plain);
        at += 2;
    }
    Some(out)
}

fn hex4(text: &[u8]) -> Option<u32> {
    let text = std::str::from_utf8(text).ok()?;
    if text.len() != 4 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u32::from_str_radix(text, 16).ok()
}

/// How a string is written: all ASCII without escapes (nearly every one), without escapes but
/// with other bytes (UTF-8 to be checked), or with escapes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Spelling {
    Ascii,
    Plain,
    Escaped,
}

/// Whether a string's search stops at `byte`: its end, an escape, a control byte, or a byte
/// that is not ASCII. Without short-circuits, which would keep [`has_stop`] from being done with
/// vector compares.
#[inline]
fn stop(byte: u8) -> bool {
    (byte == b'"') | (byte == b'\\') | !(0x20..0x80).contains(&byte)
}

/// Whether a string's search stops anywhere in `chunk` (see [`stop`]). Written byte by byte,
/// so the compiler does all sixteen at once with vector compares.
#[inline]
fn has_stop(chunk: &[u8; CHUNK]) -> bool {
    let mut marks = [0u8; CHUNK];
    for (mark, &byte) in marks.iter_mut().zip(chunk) {
        *mark = if stop(byte) { 0xff } else { 0 };
    }
    // Read as a whole, the marks stay in a vector register; taking their position from it
    // would go through memory and stall.
    u128::from_le_bytes(marks) != 0
}

/// Where the search stops in a `chunk` that [`has_stop`]: each word of eight bytes is tested
/// for all four stops at once. `x - 0x01…` borrows into a byte's top bit where the byte is
/// zero (here: where it equals the byte sought) and `x - 0x20…` where it is below 0x20, and a
/// byte's own top bit marks it when it is not ASCII; a borrow can only mark bytes above a true
/// find, so the lowest mark is exact.
#[inline]
fn first_stop(chunk: &[u8; CHUNK]) -> usize {
    const ONES: u64 = u64::from_le_bytes([0x01; 8]);
    const TOPS: u64 = u64::from_le_bytes([0x80; 8]);
    const QUOTES: u64 = u64::from_le_bytes([b'"'; 8]);
    const SLASHES: u64 = u64::from_le_bytes([b'\\'; 8]);
    const SPACES: u64 = u64::from_le_bytes([0x20; 8]);
    let (low, high) = chunk.split_at(8);
    for (at, word) in [(0, low), (8, high)] {
        let Ok(word) = <[u8; 8]>::try_from(word).map(u64::from_le_bytes) else {
            break;
        };
        let quote = word ^ QUOTES;
        let slash = word ^ SLASHES;
        let marks = (quote.wrapping_sub(ONES) & !quote
            | slash.wrapping_sub(ONES) & !slash
            | word.wrapping_sub(SPACES) & !word
            | word)
            & TOPS;
        if marks != 0 {
            return at + (marks.trailing_zeros() / 8) as usize;
        }
    }
    CHUNK
}

#[cfg(test)]
mod tests {
    use super::super::{Counted, Fields, JsonFormat, Malformed};
    use super::*;
    use proptest::prelude::*;
    use serde_json::{Map, Value};

    /// Keys the default mapping knows (some only nested), and some it does not.
    const KEYS: &[&str] = &[
        "remote_addr",
        "status",
        "request",
        "time",
        "ts",
        "time_local",
        "body_bytes_sent",
        "http_user_agent",
        "client_ip",
        "uri",
        "headers",
        "User-Agent",
        "request_time",
        "msg",
        "user_id",
        "level",
        "x",
        "remote_user",
        "size",
        "proto",
        "program",
    ];

    /// A line with every counted field filled, read before each line of a property test.
    const OTHER: &[u8] = br#"{"time":"2026-01-01T00:00:00Z","remote_addr":"192.0.2.1","remote_user":"bob","method":"PUT","uri":"/x","status":500,"size":9,"http_user_agent":"old"}"#;

    /// The record serde_json's walk reads from `line`.
    fn by_serde<'a>(format: &JsonFormat, line: &'a [u8]) -> Result<crate::Record<'a>, Malformed> {
        let mut slots = Slots::new(line, Fields::All);
        format.fill_by_serde(line, &mut slots)?;
        format.record(&mut slots)
    }

    fn walked(format: &JsonFormat, line: &[u8]) -> bool {
        walk(
            line,
            &format.mapping.root,
            &mut Slots::new(line, Fields::All),
        )
        .is_some()
    }

    #[test]
    fn access_lines_of_nginx_and_caddy_take_the_fast_walk() {
        let format = JsonFormat::default();
        let nginx = br#"{"time_local":"01/Mar/2025:00:00:00 +0000","remote_addr":"203.0.113.9","remote_user":"","request":"GET /a?q=\"x\" HTTP/1.1","status":"200","body_bytes_sent":"512","request_time":"0.012","http_referer":"","http_user_agent":"curl/8 \u00e9"}"#;
        let caddy = br#"{"level":"info","ts":1740787200.5,"logger":"http.log.access","msg":"handled request","request":{"remote_ip":"2001:db8::1","remote_port":"4242","client_ip":"2001:db8::1","proto":"HTTP/2.0","method":"POST","host":"x","uri":"/login","headers":{"User-Agent":["sqlmap/1.8"],"Accept":["*/*"]}},"bytes_read":0,"user_id":"","duration":0.001,"size":48,"status":401,"resp_headers":{"Server":["Caddy"]}}"#;
        for line in [&nginx[..], caddy] {
            assert!(walked(&format, line), "{}", String::from_utf8_lossy(line));
            assert_eq!(format.parse(line), by_serde(&format, line));
        }
        let record = format.parse(nginx).expect("parses");
        assert_eq!(record.path.as_deref(), Some(&br#"/a?q="x""#[..]));
        assert_eq!(record.agent.as_deref(), Some("curl/8 é".as_bytes()));
        let record = format.parse(caddy).expect("parses");
        assert_eq!(
            record.client.map(|a| a.to_string()),
            Some("2001:db8::1".to_owned())
        );
        assert_eq!(record.agent.as_deref(), Some(&b"sqlmap/1.8"[..]));
        assert_eq!(
            (record.status, record.time),
            (Some(401), Some(1_740_787_200))
        );
    }

    /// An sshd message read for triage names its user and client as the whole record does.
    #[test]
    fn counted_login_messages_name_their_user_and_client() {
        let format = JsonFormat::default();
        let line = br#"{"time":"2026-01-01T00:00:00Z","SYSLOG_IDENTIFIER":"sshd","MESSAGE":"Failed password for root from 198.51.100.7 port 22 ssh2"}"#;
        let mut counted = Counted::from(format.parse(OTHER).expect("parses"));
        format.read_counted(line, &mut counted).expect("parses");
        assert_eq!(counted.event, Some(crate::record::Event::SshFailed));
        assert_eq!(counted.user.as_deref(), Some(&b"root"[..]));
        assert_eq!(
            counted.client.map(|a| a.to_string()).as_deref(),
            Some("198.51.100.7")
        );
        assert_eq!(Ok(counted), format.parse(line).map(Counted::from));
    }

    #[test]
    fn malformed_lines_are_left_to_serde() {
        let format = JsonFormat::default();
        for line in [
            &br#"{"status":"200""#[..],
            br#"{"status":"200"} x"#,
            br#"{"status":"2\x0100"}"#,
            br#"{"status":01}"#,
            br#"{"status":1.}"#,
            br#"{"a":"\q"}"#,
            br#"{"remote_addr":"\ud800"}"#,
            br#"{"a":tru}"#,
            br#"{"a":1,}"#,
            br#"["status"]"#,
            b"{\"remote_addr\":\"\xff\"}",
            b"{\"\xff\":1}",
            // Raw control bytes, early and late in a string's chunks.
            b"{\"status\":\"2\x010\"}",
            b"{\"request\":\"GET /aaaaaaaaaaaaaaaaaaaaaa\x1fb HTTP/1.1\",\"status\":200}",
            br#"{"a":1e999}"#,
        ] {
            assert!(!walked(&format, line), "{}", String::from_utf8_lossy(line));
        }
        // A skipped string is not checked, by serde_json either.
        for skipped in [
            &b"{\"a\":\"\xff\",\"status\":200}"[..],
            br#"{"a":"\ud800","status":200}"#,
        ] {
            assert!(walked(&format, skipped));
            assert_eq!(format.parse(skipped), by_serde(&format, skipped));
        }
        let deep = format!("{{\"a\":{}1{}}}", "[".repeat(200), "]".repeat(200));
        assert!(!walked(&format, deep.as_bytes()));
        assert_eq!(
            format.parse(deep.as_bytes()),
            by_serde(&format, deep.as_bytes())
        );
    }

    fn leaf() -> impl Strategy<Value = Value> {
        prop_oneof![
            ".{0,12}".prop_map(Value::from),
            "[\"\\\\/\u{0}-\u{1f} a-z\u{e9}\u{1F600}]{0,8}".prop_map(Value::from),
            // Long enough that its escapes and other bytes fall anywhere in a search's chunks.
            "[a-z]{0,20}[\"\\\\\u{1f}\u{e9}]?[a-z]{0,20}".prop_map(Value::from),
            prop_oneof![
                Just("200"),
                Just("-"),
                Just(""),
                Just("2025-03-01T00:00:00Z"),
                Just("sshd"),
                Just("Failed password for root from 192.0.2.7 port 22 ssh2")
            ]
            .prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            (-1e6f64..1e12).prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            any::<bool>().prop_map(Value::from),
            Just(Value::Null),
        ]
    }

    fn value() -> impl Strategy<Value = Value> {
        leaf().prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
                prop::collection::vec((prop::sample::select(KEYS), inner), 0..4).prop_map(
                    |members| {
                        Value::Object(
                            members
                                .into_iter()
                                .map(|(k, v)| (k.to_owned(), v))
                                .collect::<Map<String, Value>>(),
                        )
                    }
                ),
            ]
        })
    }

    /// An object written member by member, so a key may come twice.
    fn object() -> impl Strategy<Value = Vec<u8>> {
        prop::collection::vec((prop::sample::select(KEYS), value()), 0..8).prop_map(|members| {
            let members: Vec<String> = members
                .iter()
                .map(|(k, v)| format!("{}:{v}", Value::from(*k)))
                .collect();
            format!("{{{}}}", members.join(",")).into_bytes()
        })
    }

    /// Spells some characters of a line's strings as `\uXXXX` escapes (and `/` as `\/`), as
    /// other writers do; the object means the same.
    fn respell(line: &[u8], picks: &[usize]) -> Vec<u8> {
        let text = String::from_utf8_lossy(line);
        let mut out = String::new();
        let mut in_string = false;
        let mut escaped = false;
        for (i, c) in text.chars().enumerate() {
            let pick = picks.contains(&(i % 16));
            if in_string && !escaped && c != '"' && c != '\\' && pick {
                if c == '/' {
                    out.push_str("\\/");
                } else {
                    for unit in c.encode_utf16(&mut [0; 2]) {
                        out.push_str(&format!("\\u{unit:04X}"));
                    }
                }
                continue;
            }
            if c == '"' && !escaped {
                in_string = !in_string;
            }
            escaped = c == '\\' && !escaped;
            out.push(c);
        }
        out.into_bytes()
    }

    proptest! {
        /// The chunked search stops where a byte-by-byte one does.
        #[test]
        fn string_stops_are_found_as_byte_by_byte(text in prop::collection::vec(
            prop_oneof![Just(b'"'), Just(b'\\'), Just(0x1f_u8), Just(0x20_u8), Just(0x21_u8),
                Just(0x7f_u8), Just(0x80_u8), Just(0xdc_u8), Just(0x5c_u8 ^ 1), any::<u8>()],
            0..48,
        ), filler in 0usize..40) {
            let mut text = text;
            text.splice(0..0, std::iter::repeat_n(b'a', filler.min(40)));
            let slow = text.iter().position(|&b| b == b'"' || b == b'\\' || !b.is_ascii() || b < 0x20);
            let chunked = text.chunks_exact(CHUNK).enumerate().find_map(|(i, chunk)| {
                let chunk = chunk.try_into().ok()?;
                has_stop(chunk).then(|| i * CHUNK + first_stop(chunk))
            });
            // Chunks find every stop but those in the last bytes (which are searched one by one).
            let whole = text.len() / CHUNK * CHUNK;
            prop_assert_eq!(chunked, slow.filter(|&p| p < whole));
        }

        /// The fast walk reads every object as serde_json does, escapes, nesting, key order
        /// and duplicate keys included.
        #[test]
        fn the_walk_reads_objects_as_serde_does(
            line in object(),
            picks in prop::collection::vec(0usize..16, 0..4),
        ) {
            let format = JsonFormat::default();
            for line in [line.clone(), respell(&line, &picks)] {
                prop_assert_eq!(format.parse(&line), by_serde(&format, &line));
            }
        }

        /// Reading only the fields triage counts finds a line malformed exactly when the
        /// full reading does, and fills those fields the same, broken objects included.
        #[test]
        fn the_counted_fields_read_as_the_whole_record_does(
            line in object(),
            at in any::<prop::sample::Index>(),
            byte in prop::sample::select(&b"\"\\{}[],:0 \xff"[..]),
        ) {
            let format = JsonFormat::default();
            let mut damaged = line.clone();
            damaged.insert(at.index(line.len() + 1), byte);
            for line in [line, damaged] {
                // Into a slot that held another line, as triage's are.
                let mut slot = Counted::from(format.parse(OTHER).expect("parses"));
                let read = format.read_counted(&line, &mut slot).map(|()| slot);
                prop_assert_eq!(format.parse(&line).map(Counted::from), read);
            }
        }

        /// Broken objects are malformed whichever way they are read, never guessed at.
        #[test]
        fn damaged_objects_read_as_serde_reads_them(
            line in object(),
            at in any::<prop::sample::Index>(),
            byte in prop::sample::select(&b"\"\\{}[],:e-0.1 \x01\xffntu"[..]),
            insert in any::<bool>(),
        ) {
            let format = JsonFormat::default();
            let mut line = line;
            let at = at.index(line.len() + 1);
            if insert || at == line.len() {
                line.insert(at, byte);
            } else {
                line.remove(at);
            }
            prop_assert_eq!(format.parse(&line), by_serde(&format, &line));
        }
    }
}
