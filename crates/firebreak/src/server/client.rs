//! Who the client of a request is, for the sign-in throttle and the log.
//!
//! The client is the TCP peer, unless the peer is one of the trusted proxies the server was
//! started with (`firebreak serve --trusted-proxy`). Then the proxy's forwarding header says who
//! it forwarded: `X-Forwarded-For` (every such header, in order) or `Forwarded` (its `for=`
//! values). Each proxy appends the address it received from, so the list is read from the right:
//! the client is the rightmost address that is not itself a trusted proxy. Entries to its left
//! were written by the client and are never believed.
//!
//! Where that cannot be decided, the answer is the nearest trusted proxy, never a guess: a
//! request carrying both headers (the proxy writes one; the client may have sent the other), an
//! entry that is not an address (`unknown`, an obfuscated `_name`), or no header at all. All
//! such requests share that proxy's address, as every request did before proxies could be
//! trusted. A proxy must therefore always set one of the two headers.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use firebreak_core::contain::Net;

use super::state::AppState;

/// The client's address as decided above; one shared "unspecified" address when the server
/// does not know the peer (requests driven in-process have none).
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub IpAddr);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(a)| a.ip())
            .unwrap_or(IpAddr::V6(Ipv6Addr::UNSPECIFIED));
        Ok(ClientAddr(client_of(
            peer,
            &parts.headers,
            &state.options.trusted_proxies,
        )))
    }
}

/// The client of a request from `peer` with `headers`, believing the forwarding headers of
/// `trusted` peers only.
pub fn client_of(peer: IpAddr, headers: &HeaderMap, trusted: &[Net]) -> IpAddr {
    let is_trusted = |addr: IpAddr| trusted.iter().any(|net| net.contains(addr));
    if !is_trusted(peer) {
        return peer;
    }
    let xff: Vec<&str> = values(headers, "x-forwarded-for")
        .flat_map(|v| v.split(','))
        .collect();
    let fwd: Vec<&str> = values(headers, "forwarded")
        .flat_map(|v| v.split(','))
        .collect();
    let hops: Vec<Option<IpAddr>> = match (xff.is_empty(), fwd.is_empty()) {
        (false, true) => xff.iter().map(|h| address(h)).collect(),
        (true, false) => fwd.iter().map(|h| forwarded_for(h)).collect(),
        _ => return peer,
    };
    let mut nearest = peer;
    for hop in hops.iter().rev() {
        match hop {
            Some(addr) if is_trusted(*addr) => nearest = *addr,
            Some(addr) => return *addr,
            None => return nearest,
        }
    }
    nearest
}

fn values<'a>(headers: &'a HeaderMap, name: &'static str) -> impl Iterator<Item = &'a str> {
    // A header that is not visible ASCII is kept as one unreadable hop, not skipped.
    headers
        .get_all(name)
        .iter()
        .map(|v| v.to_str().unwrap_or("?"))
}

/// One hop as proxies write it: `192.0.2.1`, `2001:db8::1`, `[2001:db8::1]`, with or without a
/// port (`192.0.2.1:4711`, `[2001:db8::1]:4711`).
fn address(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    if let Ok(addr) = hop.parse::<IpAddr>() {
        return Some(addr);
    }
    if let Ok(sock) = hop.parse::<SocketAddr>() {
        return Some(sock.ip());
    }
    hop.strip_prefix('[')?.strip_suffix(']')?.parse().ok()
}

/// The `for=` address of one `Forwarded` element (`for=192.0.2.60;proto=https`); `None` when it
/// has none or it is not an address.
fn forwarded_for(element: &str) -> Option<IpAddr> {
    let value = element
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| key.trim().eq_ignore_ascii_case("for"))?
        .1
        .trim();
    let value = value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(value);
    address(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                axum::http::HeaderName::from_bytes(name.as_bytes()).expect("name"),
                value.parse().expect("value"),
            );
        }
        map
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("address")
    }

    #[test]
    fn the_rightmost_untrusted_hop_of_a_trusted_peer_is_the_client() {
        let trusted: Vec<Net> = vec![
            "127.0.0.1".parse().expect("net"),
            "10.0.0.0/8".parse().expect("net"),
        ];
        let peer = ip("127.0.0.1");
        let h = headers(&[("x-forwarded-for", "203.0.113.66, 198.51.100.7, 10.1.2.3")]);
        assert_eq!(client_of(peer, &h, &trusted), ip("198.51.100.7"));
        let h = headers(&[
            ("x-forwarded-for", "203.0.113.66"),
            ("x-forwarded-for", "198.51.100.7:4711"),
        ]);
        assert_eq!(client_of(peer, &h, &trusted), ip("198.51.100.7"));
        let h = headers(&[(
            "forwarded",
            "for=203.0.113.66, for=\"[2001:db8:cafe::17]:4711\";proto=https",
        )]);
        assert_eq!(client_of(peer, &h, &trusted), ip("2001:db8:cafe::17"));
        // Every hop trusted: the leftmost is the nearest thing to a client.
        let h = headers(&[("x-forwarded-for", "10.0.0.9, 10.1.1.1")]);
        assert_eq!(client_of(peer, &h, &trusted), ip("10.0.0.9"));
    }

    #[test]
    fn what_cannot_be_decided_is_the_nearest_trusted_proxy() {
        let trusted: Vec<Net> = vec![
            "127.0.0.1".parse().expect("net"),
            "10.0.0.0/8".parse().expect("net"),
        ];
        let peer = ip("127.0.0.1");
        assert_eq!(client_of(peer, &headers(&[]), &trusted), peer);
        let both = headers(&[
            ("x-forwarded-for", "198.51.100.7"),
            ("forwarded", "for=198.51.100.8"),
        ]);
        assert_eq!(client_of(peer, &both, &trusted), peer);
        let unknown = headers(&[("x-forwarded-for", "198.51.100.7, unknown, 10.2.2.2")]);
        assert_eq!(client_of(peer, &unknown, &trusted), ip("10.2.2.2"));
        let hidden = headers(&[("forwarded", "for=_hidden")]);
        assert_eq!(client_of(peer, &hidden, &trusted), peer);
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let trusted: Vec<Net> = vec!["127.0.0.1".parse().expect("net")];
        let h = headers(&[("x-forwarded-for", "198.51.100.7")]);
        assert_eq!(client_of(ip("192.0.2.9"), &h, &trusted), ip("192.0.2.9"));
        assert_eq!(client_of(ip("127.0.0.1"), &h, &[]), ip("127.0.0.1"));
    }
}
