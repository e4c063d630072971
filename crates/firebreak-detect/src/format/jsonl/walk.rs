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

use super::{Entry, Held, Node, Scalar, Slots};

/// Deepest nesting the walk follows (serde_json's own limit is 128).
const DEPTH: usize = 100;

/// Most integer digits of a number the walk reads (an `f64` holds up to 309).
const DIGITS: usize = 300;

/// Bytes of a string looked at a word at a time before a vector search takes over.
const SHORT: usize = 32;

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
                let (raw, escaped) = self.string()?;
                // serde_json checks the UTF-8 of the strings it hands out (keys and mapped
                // values), not of those it skips; so does this walk.
                if !raw.is_ascii() {
                    std::str::from_utf8(raw).ok()?;
                }
                Some(Scalar::Text(if escaped {
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
                    serde_json::from_slice::<f64>(text).ok().map(Scalar::Float)
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
        let (key, escaped) = self.string()?;
        if escaped {
            return None;
        }
        // Nearly every key is ASCII, which is UTF-8 and is checked without a call.
        if !key.is_ascii() {
            std::str::from_utf8(key).ok()?;
        }
        Some(key)
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
    /// passed), and whether it holds escapes. Escapes must be JSON's; control bytes may not
    /// appear raw.
    #[inline]
    fn string(&mut self) -> Option<(&'de [u8], bool)> {
        let start = self.at;
        // Most strings are keys and short values, ended before a vector search has set up:
        // the first bytes are looked at eight at a time for the quote, a backslash or a
        // control byte. A backslash, or no stop in sight, takes the long way from the start.
        if let Some(stop) = short_stop(self.line.get(start..)?) {
            match self.line.get(start + stop)? {
                b'"' => {
                    self.at = start + stop + 1;
                    return Some((self.line.get(start..start + stop)?, false));
                }
                b'\\' => {}
                _ => return None,
            }
        }
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
                return Some((raw, escaped));
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

/// Where the first `"`, `\\` or control byte is among the first [`SHORT`] bytes of `text`, if
/// there is one. Each word of eight bytes is tested for all three at once: `x - 0x01…` borrows
/// into a byte's top bit where the byte is zero (here: where it equals the byte sought) and
/// `x - 0x20…` where it is below 0x20; a borrow can only mark bytes above a true find, so the
/// lowest mark is exact.
#[inline]
fn short_stop(text: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::from_le_bytes([0x01; 8]);
    const TOPS: u64 = u64::from_le_bytes([0x80; 8]);
    const QUOTES: u64 = u64::from_le_bytes([b'"'; 8]);
    const SLASHES: u64 = u64::from_le_bytes([b'\\'; 8]);
    const SPACES: u64 = u64::from_le_bytes([0x20; 8]);
    let mut at = 0;
    while at < SHORT {
        let word = match text.get(at..).and_then(|rest| rest.first_chunk::<8>()) {
            Some(word) => u64::from_le_bytes(*word),
            None => {
                return text
                    .get(at..)?
                    .iter()
                    .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
                    .map(|p| at + p);
            }
        };
        let quote = word ^ QUOTES;
        let slash = word ^ SLASHES;
        let marks = (quote.wrapping_sub(ONES) & !quote
            | slash.wrapping_sub(ONES) & !slash
            | word.wrapping_sub(SPACES) & !word)
            & TOPS;
        if marks != 0 {
            return Some(at + (marks.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::super::{Fields, JsonFormat};
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
    ];

    fn walked(format: &JsonFormat, line: &[u8]) -> bool {
        walk(line, &format.mapping.root, &mut Slots::new(line)).is_some()
    }

    #[test]
    fn access_lines_of_nginx_and_caddy_take_the_fast_walk() {
        let format = JsonFormat::default();
        let nginx = br#"{"time_local":"01/Mar/2025:00:00:00 +0000","remote_addr":"203.0.113.9","remote_user":"","request":"GET /a?q=\"x\" HTTP/1.1","status":"200","body_bytes_sent":"512","request_time":"0.012","http_referer":"","http_user_agent":"curl/8 \u00e9"}"#;
        let caddy = br#"{"level":"info","ts":1740787200.5,"logger":"http.log.access","msg":"handled request","request":{"remote_ip":"2001:db8::1","remote_port":"4242","client_ip":"2001:db8::1","proto":"HTTP/2.0","method":"POST","host":"x","uri":"/login","headers":{"User-Agent":["sqlmap/1.8"],"Accept":["*/*"]}},"bytes_read":0,"user_id":"","duration":0.001,"size":48,"status":401,"resp_headers":{"Server":["Caddy"]}}"#;
        for line in [&nginx[..], caddy] {
            assert!(walked(&format, line), "{}", String::from_utf8_lossy(line));
            assert_eq!(
                format.parse(line),
                format.parse_with_serde(line, Fields::All)
            );
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
            assert_eq!(
                format.parse(skipped),
                format.parse_with_serde(skipped, Fields::All)
            );
        }
        let deep = format!("{{\"a\":{}1{}}}", "[".repeat(200), "]".repeat(200));
        assert!(!walked(&format, deep.as_bytes()));
        assert_eq!(
            format.parse(deep.as_bytes()),
            format.parse_with_serde(deep.as_bytes(), Fields::All)
        );
    }

    fn leaf() -> impl Strategy<Value = Value> {
        prop_oneof![
            ".{0,12}".prop_map(Value::from),
            "[\"\\\\/\u{0}-\u{1f} a-z\u{e9}\u{1F600}]{0,8}".prop_map(Value::from),
            prop_oneof![
                Just("200"),
                Just("-"),
                Just(""),
                Just("2025-03-01T00:00:00Z")
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
        /// The word-at-a-time search stops where a byte-by-byte one does, within its reach.
        #[test]
        fn short_stops_are_found_as_byte_by_byte(text in prop::collection::vec(
            prop_oneof![Just(b'"'), Just(b'\\'), Just(0x1f_u8), Just(0x20_u8), Just(0x21_u8),
                Just(0x7f_u8), Just(0x80_u8), Just(0xdc_u8), Just(0x5c_u8 ^ 1), any::<u8>()],
            0..48,
        ), filler in 0usize..40) {
            let mut text = text;
            text.splice(0..0, std::iter::repeat_n(b'a', filler.min(40)));
            // The search reaches the first SHORT bytes, and all of a shorter text.
            let slow = text
                .iter()
                .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
                .filter(|&p| p < SHORT);
            prop_assert_eq!(short_stop(&text), slow);
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
                prop_assert_eq!(format.parse(&line), format.parse_with_serde(&line, Fields::All));
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
                let counted = |r: crate::Record<'_>| {
                    format!(
                        "{:?}",
                        (r.time, r.client, r.method, r.path, r.status, r.bytes, r.agent, r.user, r.event)
                    )
                };
                prop_assert_eq!(
                    format.parse(&line).map(counted),
                    format.parse_counted(&line).map(counted)
                );
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
            prop_assert_eq!(format.parse(&line), format.parse_with_serde(&line, Fields::All));
        }
    }
}
