//! Addresses and ranges as responders type them: `203.0.113.9`, `2001:db8::1`, `198.51.100.0/24`.
//! A bare address is a range of one (`/32`, `/128`). Ranges are kept in canonical form (host
//! bits cleared), so `10.1.2.3/8` is refused rather than silently widened.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An address or a CIDR range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Net {
    addr: IpAddr,
    prefix: u8,
}

/// Why a text is not an address or range.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{given:?} is not an address or CIDR range: {why}")]
pub struct BadNet {
    given: String,
    why: String,
}

impl Net {
    /// The range of one address.
    pub fn host(addr: IpAddr) -> Self {
        Self {
            addr,
            prefix: Self::width(&addr),
        }
    }

    fn width(addr: &IpAddr) -> u8 {
        match addr {
            IpAddr::V4(_) => 32,
            IpAddr::V6(_) => 128,
        }
    }

    /// Its first address.
    pub fn addr(&self) -> IpAddr {
        self.addr
    }

    /// Its prefix length.
    pub fn prefix(&self) -> u8 {
        self.prefix
    }

    /// Whether it is IPv4.
    pub fn is_v4(&self) -> bool {
        self.addr.is_ipv4()
    }

    /// Whether it is a single address.
    pub fn is_host(&self) -> bool {
        self.prefix == Self::width(&self.addr)
    }

    fn bits(addr: &IpAddr) -> u128 {
        match addr {
            IpAddr::V4(a) => u128::from(u32::from(*a)),
            IpAddr::V6(a) => u128::from(*a),
        }
    }

    fn mask(&self) -> u128 {
        let width = u32::from(Self::width(&self.addr));
        let host_bits = width - u32::from(self.prefix);
        let all = if width == 128 {
            u128::MAX
        } else {
            (1u128 << width) - 1
        };
        if host_bits >= 128 {
            0
        } else {
            all & !((1u128 << host_bits).wrapping_sub(1))
        }
    }

    /// Whether `addr` lies in this range (an IPv4-mapped IPv6 address counts as IPv4).
    pub fn contains(&self, addr: IpAddr) -> bool {
        let addr = match addr {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(addr, IpAddr::V4),
            v4 => v4,
        };
        if addr.is_ipv4() != self.addr.is_ipv4() {
            return false;
        }
        Self::bits(&addr) & self.mask() == Self::bits(&self.addr)
    }

    /// Whether the two ranges share any address.
    pub fn overlaps(&self, other: &Net) -> bool {
        if self.is_v4() != other.is_v4() {
            return false;
        }
        let (wide, narrow) = if self.prefix <= other.prefix {
            (self, other)
        } else {
            (other, self)
        };
        wide.contains(narrow.addr)
    }
}

impl FromStr for Net {
    type Err = BadNet;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = |why: &str| BadNet {
            given: text.to_string(),
            why: why.to_string(),
        };
        let (addr, prefix) = match text.trim().split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text.trim(), None),
        };
        let addr: IpAddr = addr
            .parse()
            .map_err(|_| bad("write an IPv4 or IPv6 address, optionally with /PREFIX"))?;
        let width = Self::width(&addr);
        let prefix = match prefix {
            None => width,
            Some(p) => match p.parse::<u8>() {
                Ok(n) if n <= width && p.bytes().all(|b| b.is_ascii_digit()) => n,
                _ => {
                    return Err(bad(&format!(
                        "the prefix must be a number from 0 to {width}"
                    )));
                }
            },
        };
        let net = Net { addr, prefix };
        if Self::bits(&addr) & net.mask() != Self::bits(&addr) {
            let base = Net::from_bits(Self::bits(&addr) & net.mask(), addr.is_ipv4());
            return Err(bad(&format!(
                "it has host bits set; the range is {base}/{prefix}"
            )));
        }
        Ok(net)
    }
}

impl Net {
    fn from_bits(bits: u128, v4: bool) -> IpAddr {
        if v4 {
            IpAddr::V4(std::net::Ipv4Addr::from(
                u32::try_from(bits).unwrap_or(u32::MAX),
            ))
        } else {
            IpAddr::V6(std::net::Ipv6Addr::from(bits))
        }
    }

    /// The range of `prefix` bits holding this one (itself if it is already that wide or wider).
    pub fn widen(&self, prefix: u8) -> Net {
        if prefix >= self.prefix {
            return *self;
        }
        let wider = Net {
            addr: self.addr,
            prefix,
        };
        Net {
            addr: Self::from_bits(Self::bits(&self.addr) & wider.mask(), self.is_v4()),
            prefix,
        }
    }

    /// The smallest range holding every one of `nets` (all of one family), or `None` for an
    /// empty or mixed list.
    pub fn covering(nets: &[Net]) -> Option<Net> {
        let first = nets.first()?;
        if nets.iter().any(|n| n.is_v4() != first.is_v4()) {
            return None;
        }
        let mut prefix = nets.iter().map(|n| n.prefix).min()?;
        let base = Self::bits(&first.addr);
        loop {
            let candidate = Net {
                addr: first.addr,
                prefix,
            };
            let masked = Net {
                addr: Self::from_bits(base & candidate.mask(), first.is_v4()),
                prefix,
            };
            if nets.iter().all(|n| masked.contains(n.addr)) {
                return Some(masked);
            }
            if prefix == 0 {
                return None;
            }
            prefix -= 1;
        }
    }
}

impl fmt::Display for Net {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_host() {
            write!(f, "{}", self.addr)
        } else {
            write!(f, "{}/{}", self.addr, self.prefix)
        }
    }
}

impl Serialize for Net {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Net {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(s: &str) -> Net {
        s.parse().expect("net")
    }

    #[test]
    fn parses_addresses_and_ranges() {
        assert_eq!(net("203.0.113.9").to_string(), "203.0.113.9");
        assert_eq!(net("203.0.113.9/32").to_string(), "203.0.113.9");
        assert_eq!(net("198.51.100.0/24").to_string(), "198.51.100.0/24");
        assert_eq!(net("2001:db8::/32").to_string(), "2001:db8::/32");
        assert!(net("2001:db8::1").is_host());
        for bad in [
            "",
            "nope",
            "1.2.3.4/33",
            "1.2.3.4/-1",
            "1.2.3.4/ 8",
            "::1/129",
        ] {
            assert!(bad.parse::<Net>().is_err(), "{bad}");
        }
        let e = "10.1.2.3/8".parse::<Net>().expect_err("host bits");
        assert!(e.to_string().contains("10.0.0.0/8"), "{e}");
    }

    #[test]
    fn containment_and_overlap() {
        assert!(net("127.0.0.0/8").contains("127.0.0.1".parse().expect("ip")));
        assert!(!net("127.0.0.2").contains("127.0.0.1".parse().expect("ip")));
        assert!(net("0.0.0.0/0").contains("::ffff:10.0.0.1".parse().expect("ip")));
        assert!(!net("0.0.0.0/0").contains("::1".parse().expect("ip")));
        assert!(net("::/0").contains("::1".parse().expect("ip")));
        assert!(net("10.0.0.0/8").overlaps(&net("10.2.0.0/16")));
        assert!(net("10.2.0.0/16").overlaps(&net("10.0.0.0/8")));
        assert!(!net("10.0.0.0/8").overlaps(&net("11.0.0.0/8")));
    }

    #[test]
    fn covering_range() {
        let nets = [
            net("203.0.113.9"),
            net("203.0.113.77"),
            net("203.0.113.200"),
        ];
        assert_eq!(Net::covering(&nets), Some(net("203.0.113.0/24")));
        assert_eq!(Net::covering(&[net("10.0.0.1")]), Some(net("10.0.0.1")));
        assert_eq!(Net::covering(&[net("10.0.0.1"), net("::1")]), None);
        assert_eq!(net("203.0.113.77").widen(24), net("203.0.113.0/24"));
        assert_eq!(net("2001:db8::5").widen(64), net("2001:db8::/64"));
    }
}
