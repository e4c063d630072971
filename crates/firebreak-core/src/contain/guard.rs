//! What may never be blocked: loopback (`127.0.0.1`, `::1`), this host's own addresses, the
//! address of the SSH session doing the blocking, and the configured allow-list. A range is
//! refused when it contains any of them, so `0.0.0.0/0` is refused on every host.
//!
//! Other `127.x.y.z` addresses may be blocked: nothing on a host uses them unless told to, which
//! is what makes them useful for drills and tests.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::net::Net;

/// Why an address is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protected {
    /// `127.0.0.1` or `::1`.
    Loopback,
    /// An address of one of this host's interfaces.
    OwnAddress,
    /// The client of the SSH session running the command (`$SSH_CONNECTION`).
    SshClient,
    /// The `[contain] allow` list.
    AllowList,
}

impl fmt::Display for Protected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Protected::Loopback => "loopback, and blocking it cuts this host off from itself",
            Protected::OwnAddress => "one of this host's own addresses",
            Protected::SshClient => "the address this SSH session comes from",
            Protected::AllowList => "on the allow-list ([contain] allow)",
        })
    }
}

/// A block that was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("refusing to block {target}: {detail}; nothing was changed")]
pub struct Refusal {
    /// What was asked for.
    pub target: Net,
    /// Why, naming the protected address or range.
    pub detail: String,
}

/// The protected addresses and ranges.
#[derive(Debug, Clone, Default)]
pub struct Guard {
    entries: Vec<(Net, Protected)>,
}

impl Guard {
    /// Loopback and `allow`, without looking at the host.
    pub fn new(allow: &[Net]) -> Self {
        let mut entries = vec![
            (
                Net::host(IpAddr::V4(Ipv4Addr::LOCALHOST)),
                Protected::Loopback,
            ),
            (
                Net::host(IpAddr::V6(Ipv6Addr::LOCALHOST)),
                Protected::Loopback,
            ),
        ];
        entries.extend(allow.iter().map(|n| (*n, Protected::AllowList)));
        Self { entries }
    }

    /// Adds addresses protected for `why`.
    pub fn protect(&mut self, addrs: impl IntoIterator<Item = IpAddr>, why: Protected) {
        self.entries
            .extend(addrs.into_iter().map(|a| (Net::host(a), why)));
    }

    /// Loopback, `allow`, this host's addresses (from /proc) and `$SSH_CONNECTION`'s client.
    pub fn for_this_host(allow: &[Net]) -> Self {
        let mut guard = Self::new(allow);
        guard.protect(own_addresses(), Protected::OwnAddress);
        if let Some(client) = std::env::var("SSH_CONNECTION")
            .ok()
            .and_then(|s| s.split_whitespace().next().and_then(|a| a.parse().ok()))
        {
            guard.protect([client], Protected::SshClient);
        }
        guard
    }

    /// Refuses `target` if it is, or contains, or lies in a protected range.
    pub fn check(&self, target: &Net) -> Result<(), Refusal> {
        for (net, why) in &self.entries {
            if !target.overlaps(net) {
                continue;
            }
            let detail = if net.is_host() && target.is_host() {
                format!("it is {why}")
            } else if net.is_host() {
                format!("it contains {net}, {why}")
            } else {
                format!("it overlaps {net}, {why}")
            };
            return Err(Refusal {
                target: *target,
                detail,
            });
        }
        Ok(())
    }
}

/// This host's interface addresses: IPv4 from `/proc/net/fib_trie` (the `/32 host LOCAL`
/// entries), IPv6 from `/proc/net/if_inet6`. Unreadable files give none; loopback is protected
/// regardless.
pub fn own_addresses() -> Vec<IpAddr> {
    let mut out = Vec::new();
    if let Ok(text) = std::fs::read_to_string("/proc/net/fib_trie") {
        out.extend(fib_trie_locals(&text).into_iter().map(IpAddr::V4));
    }
    if let Ok(text) = std::fs::read_to_string("/proc/net/if_inet6") {
        for line in text.lines() {
            let Some(hex) = line.split_whitespace().next() else {
                continue;
            };
            if let Ok(bits) = u128::from_str_radix(hex, 16) {
                out.push(IpAddr::V6(Ipv6Addr::from(bits)));
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

fn fib_trie_locals(text: &str) -> Vec<Ipv4Addr> {
    let mut out = Vec::new();
    let mut last: Option<Ipv4Addr> = None;
    for line in text.lines() {
        let t = line.trim();
        if let Some(addr) = t.strip_prefix("|-- ") {
            last = addr.parse().ok();
        } else if t.starts_with("/32 host LOCAL")
            && let Some(a) = last
        {
            out.push(a);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(s: &str) -> Net {
        s.parse().expect("net")
    }

    #[test]
    fn refuses_loopback_own_and_allowed() {
        let mut g = Guard::new(&[net("10.20.0.0/16")]);
        g.protect(["192.0.2.10".parse().expect("ip")], Protected::OwnAddress);
        for (target, needle) in [
            ("127.0.0.1", "loopback"),
            ("::1", "loopback"),
            ("127.0.0.0/8", "contains 127.0.0.1"),
            ("0.0.0.0/0", "contains"),
            ("192.0.2.10", "own addresses"),
            ("10.20.3.4", "allow-list"),
            ("10.0.0.0/8", "overlaps 10.20.0.0/16"),
        ] {
            let e = g.check(&net(target)).expect_err(target).to_string();
            assert!(e.contains(needle), "{target}: {e}");
            assert!(e.starts_with(&format!("refusing to block {target}")), "{e}");
        }
        for ok in ["127.0.0.2", "203.0.113.9", "2001:db8::/64", "10.21.0.0/16"] {
            assert!(g.check(&net(ok)).is_ok(), "{ok}");
        }
    }

    #[test]
    fn reads_local_addresses_from_fib_trie() {
        let text = "Main:\n  +-- 0.0.0.0/0 3 0 5\n     |-- 0.0.0.0\n        /0 universe UNICAST\n     |-- 10.0.2.15\n        /32 host LOCAL\n     |-- 10.0.2.255\n        /32 link BROADCAST\n";
        assert_eq!(fib_trie_locals(text), vec![Ipv4Addr::new(10, 0, 2, 15)]);
    }
}
