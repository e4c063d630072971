//! Client addresses as integers: IPv4 and IPv6 in one 128-bit key (IPv4 mapped into
//! `::ffff:0:0/96`, as the standard library does), which hashes and compares far faster than
//! text and prints back in the form the log used.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// An IPv4 or IPv6 address as one integer key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Addr(pub u128);

const V4_MAPPED: u128 = 0xffff_0000_0000;

impl Addr {
    /// Parses an address from log bytes: dotted IPv4, or IPv6 (optionally in brackets, with
    /// an IPv4 tail or a `%zone`, which is dropped). `None` for anything else.
    pub fn parse(text: &[u8]) -> Option<Addr> {
        if let Some(v4) = parse_v4(text) {
            return Some(Addr::from(IpAddr::V4(v4)));
        }
        let text = text
            .strip_prefix(b"[")
            .and_then(|t| t.strip_suffix(b"]"))
            .unwrap_or(text);
        let text = match memchr::memchr(b'%', text) {
            Some(at) => &text[..at],
            None => text,
        };
        if text.len() < 2 || text.len() > 45 || !text.contains(&b':') {
            return None;
        }
        parse_v6(text).map(Addr)
    }

    /// The standard library's form of this address (IPv4 when mapped).
    pub fn ip(self) -> IpAddr {
        if self.0 >> 32 == V4_MAPPED >> 32 {
            IpAddr::V4(Ipv4Addr::from(self.0 as u32))
        } else {
            IpAddr::V6(Ipv6Addr::from(self.0))
        }
    }

    /// Whether this is an IPv4 address.
    pub fn is_v4(self) -> bool {
        matches!(self.ip(), IpAddr::V4(_))
    }
}

impl From<IpAddr> for Addr {
    fn from(ip: IpAddr) -> Addr {
        match ip {
            IpAddr::V4(v4) => Addr(V4_MAPPED | u128::from(u32::from(v4))),
            IpAddr::V6(v6) => Addr(u128::from(v6)),
        }
    }
}

impl fmt::Display for Addr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.ip().fmt(f)
    }
}

/// Dotted-quad IPv4 without going through `str`: four 1–3 digit decimal parts ≤ 255, no
/// leading `+` or `0`, nothing after (the standard library's reading). The first field of every access-log line comes through here, so
/// it avoids jumps that depend on the text: the bytes are classified eight at a time in two
/// overlapping words ([`classify`]), giving bit masks of the dots and of anything that is
/// neither dot nor digit; then each part is read from its last three bytes, the ones beyond
/// its length weighted by zero.
fn parse_v4(text: &[u8]) -> Option<Ipv4Addr> {
    let len = text.len();
    if !(7..=15).contains(&len) {
        return None;
    }
    // The first eight bytes (a 7-byte text padded with a digit, masked off below) and the last
    // eight, which overlap them by 16 - len bytes.
    let first: [u8; 8] = match text.get(..8) {
        Some(word) => word.try_into().ok()?,
        None => {
            let mut word = [b'0'; 8];
            word.get_mut(..len)?.copy_from_slice(text);
            word
        }
    };
    let (last, shift): ([u8; 8], usize) = match len.checked_sub(8) {
        Some(start) => (text.get(start..)?.try_into().ok()?, start),
        None => (first, 0),
    };
    let (first, last) = (classify(first), classify(last));
    let within = (1u32 << len) - 1;
    let dots = (first.dots | last.dots << shift) & within;
    let other = (first.other | last.other << shift) & within;
    if other != 0 || dots.count_ones() != 3 {
        return None;
    }
    let digit = |i: usize| u32::from(text.get(i).map_or(0, |b| b.wrapping_sub(b'0')));
    let mut ends = dots | (1 << len);
    let mut start = 0;
    let mut address: u32 = 0;
    let mut bad = false;
    for _ in 0..4 {
        let end = ends.trailing_zeros() as usize;
        ends &= ends - 1;
        let n = end - start;
        let value = digit(end.saturating_sub(1))
            + u32::from(n >= 2) * 10 * digit(end.saturating_sub(2))
            + u32::from(n >= 3) * 100 * digit(end.saturating_sub(3));
        // No leading zeros (`01`), as the standard library reads addresses.
        bad |= !(1..=3).contains(&n) | (value > 255) | ((n >= 2) & (digit(start) == 0));
        address = (address << 8) | value;
        start = end + 1;
    }
    (!bad).then(|| Ipv4Addr::from(address))
}

/// Eight bytes of a dotted quad, one bit per byte (bit `i` for byte `i`).
struct Classes {
    dots: u32,
    /// Bytes that are neither `.` nor a digit.
    other: u32,
}

/// Classifies eight bytes at once in a 64-bit word (SWAR). A byte with its high bit set is
/// `other`; below 0x80 adding a constant to every byte never carries into the next one.
#[inline]
fn classify(bytes: [u8; 8]) -> Classes {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let word = u64::from_le_bytes(bytes);
    let ascii = word & !HIGH;
    // A byte is zero exactly when neither its low seven bits carry into bit 7 nor bit 7 is set.
    let is_zero = |x: u64| !(((x & !HIGH) + !HIGH) | x) & HIGH;
    let dots = is_zero(ascii ^ (ONES * u64::from(b'.'))) & !(word & HIGH);
    // b ≥ '0' sets bit 7 of b + (0x80 - '0'); b ≤ '9' leaves bit 7 of b + (0x7f - '9') clear.
    let digits = (ascii + ONES * u64::from(0x80 - b'0'))
        & !(ascii + ONES * u64::from(0x7f - b'9'))
        & HIGH
        & !(word & HIGH);
    let other = !(dots | digits) & HIGH;
    Classes {
        dots: gather(dots),
        other: gather(other),
    }
}

/// Bit 7 of each byte of `word`, packed into the low eight bits (byte `i` to bit `i`): each
/// byte's bit lands on its own place in the top byte of the product, and no two partial
/// products overlap, so nothing carries.
#[inline]
fn gather(word: u64) -> u32 {
    ((word >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56) as u32
}

/// IPv6 text to its integer, without going through `str`: up to eight groups of 1–4 hex
/// digits, at most one `::`, and an optional dotted IPv4 tail in place of the last two groups
/// (RFC 4291 §2.2). The standard library's parser gives the same answers but, trying an IPv4
/// tail at every group, costs several times as much on the triage hot path.
fn parse_v6(text: &[u8]) -> Option<u128> {
    let mut head = [0u16; 8];
    let mut heads = 0;
    let mut tail = [0u16; 8];
    let mut tails = 0;
    let mut gap = false;
    let mut rest = text;
    if let Some(after) = rest.strip_prefix(b"::") {
        gap = true;
        rest = after;
    }
    while !rest.is_empty() {
        let groups = heads + tails;
        if groups >= 8 {
            return None;
        }
        let digits = rest.iter().take_while(|b| b.is_ascii_hexdigit()).count();
        let after = rest.get(digits..).unwrap_or_default();
        if after.first() == Some(&b'.') {
            // A dotted IPv4 tail: two groups, and nothing after it.
            if groups > 6 {
                return None;
            }
            let v4 = u32::from(parse_v4(rest)?);
            let (hi, lo) = ((v4 >> 16) as u16, v4 as u16);
            let (slots, used) = if gap {
                (&mut tail, &mut tails)
            } else {
                (&mut head, &mut heads)
            };
            *slots.get_mut(*used)? = hi;
            *slots.get_mut(*used + 1)? = lo;
            *used += 2;
            break;
        }
        if digits == 0 || digits > 4 {
            return None;
        }
        let mut group: u16 = 0;
        for &b in rest.get(..digits)? {
            let nibble = match b {
                b'0'..=b'9' => b - b'0',
                b'a'..=b'f' => b - b'a' + 10,
                _ => b - b'A' + 10,
            };
            group = (group << 4) | u16::from(nibble);
        }
        let (slots, used) = if gap {
            (&mut tail, &mut tails)
        } else {
            (&mut head, &mut heads)
        };
        *slots.get_mut(*used)? = group;
        *used += 1;
        rest = after;
        match rest {
            [] => break,
            [b':', b':', more @ ..] if !gap => {
                gap = true;
                rest = more;
            }
            [b':', more @ ..] if !more.is_empty() && more.first() != Some(&b':') => rest = more,
            _ => return None,
        }
    }
    let groups = heads + tails;
    if (gap && groups > 7) || (!gap && groups != 8) {
        return None;
    }
    let mut value: u128 = 0;
    for g in head.iter().take(heads) {
        value = (value << 16) | u128::from(*g);
    }
    for _ in 0..8 - groups {
        value <<= 16;
    }
    for g in tail.iter().take(tails) {
        value = (value << 16) | u128::from(*g);
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv4_and_ipv6_round_trip() {
        for text in [
            "10.0.0.1",
            "255.255.255.255",
            "0.0.0.0",
            "2001:db8::1",
            "::1",
            "::ffff:1.2.3.4",
        ] {
            let addr = Addr::parse(text.as_bytes()).expect(text);
            let shown = addr.to_string();
            if text == "::ffff:1.2.3.4" {
                assert_eq!(shown, "1.2.3.4");
            } else {
                assert_eq!(shown, text);
            }
        }
        assert_eq!(
            Addr::parse(b"[2001:db8::2]")
                .map(|a| a.to_string())
                .as_deref(),
            Some("2001:db8::2")
        );
        assert_eq!(
            Addr::parse(b"fe80::1%eth0")
                .map(|a| a.to_string())
                .as_deref(),
            Some("fe80::1")
        );
    }

    #[test]
    fn ipv6_parses_as_the_standard_library_does() {
        let cases = [
            "::",
            "::1",
            "1::",
            "2001:db8::1",
            "2001:DB8:0:0:8:800:200C:417A",
            "ff01::101",
            "1:2:3:4:5:6:7:8",
            "1::8",
            "1:2:3:4:5:6::8",
            "1::3:4:5:6:7:8",
            "::2:3:4:5:6:7:8",
            "1:2:3:4:5:6:7::",
            "::ffff:192.0.2.128",
            "::13.1.68.3",
            "64:ff9b::192.0.2.33",
            "1:2:3:4:5:6:1.2.3.4",
            "2001:db8:429::c:eadc",
            // Not addresses:
            ":",
            ":::",
            "1:::2",
            "1::2::3",
            "1:2:3:4:5:6:7:8:9",
            "1:2:3:4:5:6:7",
            "12345::",
            "g::1",
            "1:",
            ":1",
            "1::2:",
            "::1.2.3",
            "1.2.3.4::",
            "::1.2.3.4:5",
            "1:2:3:4:5:6:7:1.2.3.4",
            "::ffff:256.1.1.1",
            "fe80::1 ",
            " ::1",
        ];
        for text in cases {
            let ours = parse_v6(text.as_bytes());
            let std = text.parse::<Ipv6Addr>().ok().map(u128::from);
            assert_eq!(ours, std, "{text:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn ipv6_agrees_with_std_on_any_text(text in "[0-9a-fA-F:.]{0,45}") {
            let std = text.parse::<Ipv6Addr>().ok().map(u128::from);
            proptest::prop_assert_eq!(parse_v6(text.as_bytes()), std);
        }

        /// Texts shaped like addresses (groups, gaps, IPv4 tails), most of them nearly valid.
        #[test]
        fn ipv6_agrees_with_std_on_near_addresses(
            text in "(([0-9a-fA-F]{1,5}|):){0,9}[0-9a-fA-F]{0,4}(\\.[0-9]{1,3}){0,3}"
        ) {
            let std = text.parse::<Ipv6Addr>().ok().map(u128::from);
            proptest::prop_assert_eq!(parse_v6(text.as_bytes()), std);
        }

        #[test]
        fn ipv6_round_trips(value: u128) {
            let text = Ipv6Addr::from(value).to_string();
            proptest::prop_assert_eq!(parse_v6(text.as_bytes()), Some(value));
        }
    }

    /// The standard library's reading, for `parse_v4` to agree with.
    fn reference_v4(text: &[u8]) -> Option<Ipv4Addr> {
        std::str::from_utf8(text).ok()?.parse().ok()
    }

    proptest::proptest! {
        #[test]
        fn ipv4_agrees_with_the_reference(text in "[0-9.]{0,17}|[0-9a-z .:]{0,17}") {
            proptest::prop_assert_eq!(parse_v4(text.as_bytes()), reference_v4(text.as_bytes()));
        }

        #[test]
        fn ipv4_agrees_with_the_reference_on_any_bytes(
            bytes in proptest::collection::vec(
                proptest::prop_oneof![
                    4 => proptest::sample::select(b"0123456789.".to_vec()),
                    1 => proptest::arbitrary::any::<u8>(),
                ],
                0..17,
            )
        ) {
            proptest::prop_assert_eq!(parse_v4(&bytes), reference_v4(&bytes));
        }

        #[test]
        fn ipv4_round_trips(value: u32) {
            let text = Ipv4Addr::from(value).to_string();
            proptest::prop_assert_eq!(parse_v4(text.as_bytes()), Some(Ipv4Addr::from(value)));
        }
    }

    #[test]
    fn not_addresses() {
        for text in [
            "",
            "-",
            "1.2.3",
            "1.2.3.4.5",
            "256.1.1.1",
            "1..2.3",
            "1.2.3.4 ",
            "0001.2.3.4",
            "01.2.3.4",
            "1.2.3.00",
            "abc",
            ":",
            "example.com",
        ] {
            assert_eq!(Addr::parse(text.as_bytes()), None, "{text:?}");
        }
    }

    #[test]
    fn v4_sorts_apart_from_v6() {
        let a = Addr::parse(b"1.2.3.4").expect("v4");
        assert!(a.is_v4());
        assert!(!Addr::parse(b"2001:db8::1").expect("v6").is_v4());
    }
}
