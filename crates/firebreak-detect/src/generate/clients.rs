//! The client population: distinct addresses (about one in ten IPv6), each with the agent and
//! protocol it keeps, and how often each visits — a Zipf-like skew, so a few addresses make
//! a good share of the traffic and most appear a handful of times.
//!
//! Addresses avoid private, reserved and documentation ranges: the documentation ranges
//! (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32) belong to the planted
//! attackers, so no ordinary client is ever mistaken for one.

use std::collections::HashSet;
use std::net::{Ipv4Addr, Ipv6Addr};

use super::catalog::Catalog;
use super::rng::{Rng, Weighted};

/// Skew of visits: rank `i` weighs `1 / (i + 10)`.
const ZIPF_EXPONENT: f64 = 1.0;
const ZIPF_OFFSET: f64 = 10.0;

#[derive(Debug, Clone)]
pub(super) struct Clients {
    /// Every address as text, back to back.
    text: Vec<u8>,
    /// (start in `text`, length) per client.
    spans: Vec<(u32, u8)>,
    /// Agent index per client.
    agents: Vec<u8>,
    /// Whether the client speaks HTTP/2.
    http2: Vec<bool>,
    visits: Weighted,
}

impl Clients {
    /// `count` clients; `wide` makes a third of them crawlers and scripts.
    pub fn new(count: usize, wide: bool, rng: &mut Rng, catalog: &Catalog) -> Clients {
        let count = count.max(1);
        let mut seen = HashSet::with_capacity(count);
        let mut clients = Clients {
            text: Vec::with_capacity(count * 16),
            spans: Vec::with_capacity(count),
            agents: Vec::with_capacity(count),
            http2: Vec::with_capacity(count),
            visits: Weighted::zipf(count, ZIPF_EXPONENT, ZIPF_OFFSET),
        };
        while clients.spans.len() < count {
            let text = if rng.chance(100) {
                let ip = ipv6(rng);
                if !seen.insert(u128::from(ip)) {
                    continue;
                }
                ip.to_string()
            } else {
                let Some(ip) = ipv4(rng) else { continue };
                if !seen.insert(u128::from(u32::from(ip))) {
                    continue;
                }
                ip.to_string()
            };
            clients
                .spans
                .push((clients.text.len() as u32, text.len() as u8));
            clients.text.extend_from_slice(text.as_bytes());
            let agent = if wide && rng.chance(333) {
                catalog.bot_for_client(rng)
            } else {
                catalog.agent_for_client(rng)
            };
            clients.agents.push(agent);
            clients.http2.push(rng.chance(300));
        }
        clients
    }

    /// A client, by how often clients visit.
    pub fn visitor(&self, rng: &mut Rng) -> usize {
        self.visits.sample(rng)
    }

    pub fn addr(&self, client: usize) -> &[u8] {
        let (start, len) = self.spans.get(client).copied().unwrap_or((0, 0));
        let start = start as usize;
        self.text
            .get(start..start + usize::from(len))
            .unwrap_or(b"-")
    }

    pub fn agent(&self, client: usize) -> u8 {
        self.agents.get(client).copied().unwrap_or(0)
    }

    pub fn protocol(&self, client: usize) -> &'static [u8] {
        if self.http2.get(client).copied().unwrap_or(false) {
            b"HTTP/2.0"
        } else {
            b"HTTP/1.1"
        }
    }
}

/// A public-looking IPv4 address, or `None` for one in a range no real client comes from.
fn ipv4(rng: &mut Rng) -> Option<Ipv4Addr> {
    let ip = Ipv4Addr::from(rng.next_u64() as u32);
    let [a, b, c, _] = ip.octets();
    let reserved = a == 0
        || a == 10
        || a == 127
        || a >= 224
        || (a == 100 && (64..128).contains(&b))
        || (a == 169 && b == 254)
        || (a == 172 && (16..32).contains(&b))
        || (a == 192 && b == 168)
        || (a == 192 && b == 0 && c == 2)
        || (a == 198 && (b == 18 || b == 19))
        || (a == 198 && b == 51 && c == 100)
        || (a == 203 && b == 0 && c == 113);
    (!reserved).then_some(ip)
}

/// A global-unicast IPv6 address from the ranges ISPs hand out (2400::/8 to 2a0f::/16): a
/// random /64, and a host part that is random or small (as SLAAC and static setups give).
fn ipv6(rng: &mut Rng) -> Ipv6Addr {
    let first = 0x2400 + rng.below(0x0610) as u128;
    let network = (first << 112) | (u128::from(rng.next_u64() >> 16) << 64);
    let host = if rng.chance(300) {
        rng.between(1, 0x1ff) as u128
    } else {
        u128::from(rng.next_u64())
    };
    Ipv6Addr::from(network | host)
}
