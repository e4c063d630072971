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
        let v6: Ipv6Addr = std::str::from_utf8(text).ok()?.parse().ok()?;
        Some(Addr(u128::from(v6)))
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
/// leading `+`, nothing after.
fn parse_v4(text: &[u8]) -> Option<Ipv4Addr> {
    if text.len() < 7 || text.len() > 15 {
        return None;
    }
    let mut parts = [0u8; 4];
    let mut part = 0;
    let mut value: u32 = 0;
    let mut digits = 0;
    for &b in text {
        match b {
            b'0'..=b'9' => {
                value = value * 10 + u32::from(b - b'0');
                digits += 1;
                if digits > 3 || value > 255 {
                    return None;
                }
            }
            b'.' => {
                if digits == 0 || part == 3 {
                    return None;
                }
                parts[part] = value as u8;
                part += 1;
                value = 0;
                digits = 0;
            }
            _ => return None,
        }
    }
    if digits == 0 || part != 3 {
        return None;
    }
    parts[3] = value as u8;
    Some(Ipv4Addr::from(parts))
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
