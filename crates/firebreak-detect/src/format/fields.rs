//! Field readers shared by the parsers, so that a status, a size, a request line or a quoted
//! value means the same thing in `combined`, a custom `log_format` and JSON lines. Each reader
//! takes the field's bytes and says what they hold, or that they are not such a field; where
//! the field sits in the line is the caller's business.

use std::borrow::Cow;

use crate::addr::Addr;
use crate::record::Text;

/// `-` and the empty string mean "not logged".
#[inline]
pub(crate) fn present(text: &[u8]) -> Option<&[u8]> {
    match text {
        b"" | b"-" => None,
        text => Some(text),
    }
}

/// What a client-address field holds.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Client<'a> {
    /// An IPv4 or IPv6 address.
    Addr(Addr),
    /// `-` or nothing.
    Absent,
    /// Some other token: a host name (apache `HostnameLookups`), `unix:` for a socket client.
    Name(&'a [u8]),
}

/// A client field: an address, absent, or a name. `None` when it cannot be one (spaces,
/// control bytes).
pub(crate) fn client(text: &[u8]) -> Option<Client<'_>> {
    if present(text).is_none() {
        return Some(Client::Absent);
    }
    if let Some(addr) = Addr::parse(text) {
        return Some(Client::Addr(addr));
    }
    (text.len() <= 255 && text.iter().all(|b| b.is_ascii_graphic())).then_some(Client::Name(text))
}

/// An address with an optional port, as JSON logs and proxies write it: `1.2.3.4`,
/// `1.2.3.4:5678`, `[2001:db8::1]:443`, `2001:db8::1`.
pub(crate) fn client_with_port(text: &[u8]) -> Option<Addr> {
    if let Some(addr) = Addr::parse(text) {
        return Some(addr);
    }
    if let Some(inner) = text.strip_prefix(b"[") {
        let close = memchr::memchr(b']', inner)?;
        return Addr::parse(inner.get(..close)?);
    }
    let colon = memchr::memrchr(b':', text)?;
    let host = text.get(..colon)?;
    // One colon only: more would be an IPv6 address without brackets, already tried above.
    if memchr::memchr(b':', host).is_some() {
        return None;
    }
    Addr::parse(host)
}

/// An HTTP status: three digits. `Ok(None)` for `-` and for values below 100 (nginx's `000`,
/// `009` for HTTP/0.9), which name no response; `Err` for anything else.
pub(crate) fn status(text: &[u8]) -> Result<Option<u16>, ()> {
    match text {
        b"-" => Ok(None),
        [a @ b'0'..=b'9', b @ b'0'..=b'9', c @ b'0'..=b'9'] => {
            let value = u16::from(a - b'0') * 100 + u16::from(b - b'0') * 10 + u16::from(c - b'0');
            Ok((value >= 100).then_some(value))
        }
        _ => Err(()),
    }
}

/// A byte count: decimal digits, or `-` for none.
#[inline]
pub(crate) fn count(text: &[u8]) -> Result<Option<u64>, ()> {
    match leading_count(text)? {
        (value, len) if len == text.len() => Ok(value),
        _ => Err(()),
    }
}

/// A byte count at the start of `text` (up to the first byte that is not part of it) and
/// its length, for parsers that find the field's end this way rather than searching for the
/// space after it. `Err` when `text` does not start with one, or its digits overflow.
#[inline]
pub(crate) fn leading_count(text: &[u8]) -> Result<(Option<u64>, usize), ()> {
    if text.first() == Some(&b'-') {
        return Ok((None, 1));
    }
    let mut value: u64 = 0;
    let mut len = 0;
    // Twenty digits hold any u64; a 21st is always too many.
    for &b in text.iter().take(21) {
        let digit = b.wrapping_sub(b'0');
        if digit > 9 {
            break;
        }
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(digit)))
            .ok_or(())?;
        len += 1;
    }
    if len == 0 || len > 20 {
        return Err(());
    }
    Ok((Some(value), len))
}

/// A duration in seconds (`0.123`): finite and not negative; `-` or anything else is `None`.
pub(crate) fn seconds(text: &[u8]) -> Option<f64> {
    let text = present(text)?;
    if text.len() > 32 || !text.iter().all(|b| b.is_ascii_digit() || *b == b'.') {
        return None;
    }
    if let Some(value) = short_decimal(text) {
        return Some(value);
    }
    let value: f64 = std::str::from_utf8(text).ok()?.parse().ok()?;
    value.is_finite().then_some(value)
}

/// `digits[.digits]` whose digits, read as one integer, are exact in an `f64` (at most 2^53),
/// the way servers write times: that integer divided by a power of ten. Both are exact in an
/// `f64` and the division rounds correctly, so the answer is the one the standard parser
/// gives, without its setup (Clinger's fast path).
#[inline]
pub(crate) fn short_decimal(text: &[u8]) -> Option<f64> {
    const POWERS: [f64; 20] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
        1e17, 1e18, 1e19,
    ];
    const EXACT: u64 = 1 << 53;
    let (whole, fraction) = match memchr::memchr(b'.', text) {
        Some(dot) => (text.get(..dot)?, text.get(dot + 1..)?),
        None => (text, &b""[..]),
    };
    let digits = whole.len() + fraction.len();
    // Nineteen digits always fit in a `u64`.
    if whole.is_empty() || digits > 19 || (fraction.is_empty() && whole.len() < text.len()) {
        return None;
    }
    let mut n: u64 = 0;
    for &b in whole.iter().chain(fraction) {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u64::from(b - b'0');
    }
    if n > EXACT {
        return None;
    }
    Some(n as f64 / POWERS.get(fraction.len())?)
}

/// The first of nginx's upstream times: several upstreams are joined with `, ` and internal
/// redirects with ` : ` (`0.012, 0.340 : 0.002`).
pub(crate) fn first_seconds(text: &[u8]) -> Option<f64> {
    let end = memchr::memchr3(b',', b' ', b':', text).unwrap_or(text.len());
    seconds(text.get(..end)?)
}

/// The closing quote of a quoted field whose text starts at `text[0]` (just after the opening
/// quote), skipping characters escaped with a backslash, and whether there were any (then
/// the text needs [`unquote`]). One pass, linear in the field's length.
pub(crate) fn closing_quote(text: &[u8]) -> Option<(usize, bool)> {
    let mut from = 0;
    let mut escaped = false;
    loop {
        let at = from + memchr::memchr2(b'"', b'\\', text.get(from..)?)?;
        if text[at] == b'"' {
            return Some((at, escaped));
        }
        escaped = true;
        from = at + 2;
    }
}

/// A quoted field's text with the quoting escapes `\"` and `\\` removed (apache writes them);
/// other escapes (`\x16`, nginx's `\x22`) stay as logged. Borrowed unless there was an escape.
pub(crate) fn unquote(text: &[u8]) -> Text<'_> {
    if memchr::memchr(b'\\', text).is_none() {
        return Cow::Borrowed(text);
    }
    unescape(text)
}

/// [`unquote`] for text known to hold a backslash. Rare: kept out of line so the common,
/// borrowed case stays in registers.
#[cold]
#[inline(never)]
fn unescape(text: &[u8]) -> Text<'_> {
    let mut out = Vec::with_capacity(text.len());
    let mut bytes = text.iter().copied();
    while let Some(b) = bytes.next() {
        if b != b'\\' {
            out.push(b);
            continue;
        }
        match bytes.next() {
            Some(next @ (b'"' | b'\\')) => out.push(next),
            Some(next) => out.extend_from_slice(&[b'\\', next]),
            None => out.push(b'\\'),
        }
    }
    Cow::Owned(out)
}

/// An optional quoted field: `-` or empty is `None`, otherwise [`unquote`]d text.
pub(crate) fn quoted_text(text: &[u8]) -> Option<Text<'_>> {
    present(text).map(unquote)
}

/// A request line split into its parts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Request<'a> {
    /// The method token.
    pub method: &'a [u8],
    /// The target, spaces and all when a client sent them raw.
    pub path: &'a [u8],
    /// `HTTP/x.y` when present (HTTP/0.9 requests have none).
    pub protocol: Option<&'a [u8]>,
}

/// `METHOD TARGET [HTTP/x.y]`. `None` when it is not one (`-`, TLS handshakes sent to a
/// plain-HTTP port, other junk).
pub(crate) fn request(text: &[u8]) -> Option<Request<'_>> {
    // A method is short: a plain loop finds its end sooner than a vectorised search.
    let space = text.iter().take(33).position(|&b| b == b' ')?;
    let method = text.get(..space)?;
    if method.is_empty()
        || method.len() > 32
        || !method
            .iter()
            .all(|b| b.is_ascii_alphabetic() || *b == b'-' || *b == b'_')
    {
        return None;
    }
    let rest = text.get(space + 1..)?;
    // Nearly always ` HTTP/1.1` or ` HTTP/2.0` at the end.
    if let Some(tail) = rest.len().checked_sub(9)
        && tail > 0
        && rest.get(tail..tail + 6) == Some(b" HTTP/")
        && !rest[tail + 1..].contains(&b' ')
    {
        return Some(Request {
            method,
            path: &rest[..tail],
            protocol: rest.get(tail + 1..),
        });
    }
    let (path, protocol) = match memchr::memrchr(b' ', rest) {
        Some(last) if rest.get(last + 1..)?.starts_with(b"HTTP/") => {
            (rest.get(..last)?, rest.get(last + 1..))
        }
        _ => (rest, None),
    };
    if path.is_empty() {
        return None;
    }
    Some(Request {
        method,
        path,
        protocol,
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// The short-decimal shortcut answers exactly as the standard parser, on texts of
        /// digits and dots of every length around its limits (2^53 is 16 digits long).
        #[test]
        fn short_decimals_read_as_the_standard_parser_reads_them(text in "[0-9.]{0,22}") {
            let standard = std::str::from_utf8(text.as_bytes())
                .ok()
                .and_then(|t| t.parse::<f64>().ok())
                .filter(|v| v.is_finite());
            prop_assert_eq!(seconds(text.as_bytes()).map(f64::to_bits), standard.map(f64::to_bits));
        }
    }

    /// Past 2^53 the digits are no longer exact in an `f64`, and reading them as if they were
    /// would be off by one unit in the last place for these (found by search).
    #[test]
    fn long_decimals_are_left_to_the_standard_parser() {
        for text in [
            "8668.88579309134135",
            "870005.363815543504",
            "766.062634404024352",
        ] {
            assert_eq!(short_decimal(text.as_bytes()), None);
            let standard = text.parse::<f64>().ok();
            assert_eq!(
                seconds(text.as_bytes()).map(f64::to_bits),
                standard.map(f64::to_bits)
            );
        }
        // 2^53 itself is exact.
        assert_eq!(
            short_decimal(b"900719925474.0992"),
            Some(900_719_925_474.099_2)
        );
    }

    #[test]
    fn quotes_and_escapes() {
        assert_eq!(closing_quote(br#"abc" x"#), Some((3, false)));
        assert_eq!(closing_quote(br#"a\"b" x"#), Some((4, true)));
        assert_eq!(closing_quote(br#"a\\" x"#), Some((3, true)));
        assert_eq!(closing_quote(br#"a\\\"" x"#), Some((5, true)));
        assert_eq!(closing_quote(br#"a\""#), None);
        assert_eq!(closing_quote(br#"a\"#), None);
        assert_eq!(&*unquote(br#"say \"hi\" \\ \x22"#), br#"say "hi" \ \x22"#);
        assert!(matches!(unquote(b"plain"), Cow::Borrowed(_)));
    }

    #[test]
    fn request_lines() {
        let r = request(b"GET /a b?c=d HTTP/1.1").expect("request");
        assert_eq!(
            (r.method, r.path, r.protocol),
            (&b"GET"[..], &b"/a b?c=d"[..], Some(&b"HTTP/1.1"[..]))
        );
        let r = request(b"GET /").expect("HTTP/0.9");
        assert_eq!((r.path, r.protocol), (&b"/"[..], None));
        assert!(request(b"-").is_none());
        assert!(request(br"\x16\x03\x01\x00\xA5\x01").is_none());
        assert!(request(b"GET ").is_none());
    }

    #[test]
    fn numbers() {
        assert_eq!(status(b"404"), Ok(Some(404)));
        assert_eq!(status(b"000"), Ok(None));
        assert_eq!(status(b"20"), Err(()));
        assert_eq!(count(b"18446744073709551615"), Ok(Some(u64::MAX)));
        assert_eq!(count(b"18446744073709551616"), Err(()));
        assert_eq!(count(b"000000000000000000000"), Err(()));
        assert_eq!(count(b"-"), Ok(None));
        assert_eq!(count(b"-1"), Err(()));
        assert_eq!(count(b""), Err(()));
        assert_eq!(leading_count(b"1234 \"-\""), Ok((Some(1234), 4)));
        assert_eq!(leading_count(b"- \"-\""), Ok((None, 1)));
        assert_eq!(leading_count(b"x"), Err(()));
        assert_eq!(first_seconds(b"0.012, 0.340 : 0.002"), Some(0.012));
        assert_eq!(seconds(b"-"), None);
        assert_eq!(seconds(b"1e400"), None);
    }

    #[test]
    fn addresses_with_ports() {
        let show = |t: &[u8]| client_with_port(t).map(|a| a.to_string());
        assert_eq!(show(b"1.2.3.4:5678").as_deref(), Some("1.2.3.4"));
        assert_eq!(show(b"[2001:db8::1]:443").as_deref(), Some("2001:db8::1"));
        assert_eq!(show(b"2001:db8::1").as_deref(), Some("2001:db8::1"));
        assert_eq!(show(b"example.com:80"), None);
    }
}
