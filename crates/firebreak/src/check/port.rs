//! `port`: whether something listens on a TCP port, or is bound to a UDP one (a QUIC server),
//! read from /proc/net like `ss -tuln`, in this host's network namespace.

use std::net::IpAddr;
use std::path::Path;

use firebreak_core::check::{Outcome, Protocol, Status};

/// Checks for a listener on `port`.
pub fn probe(port: u16, protocol: Protocol, address: Option<IpAddr>) -> Outcome {
    let udp = protocol == Protocol::Udp;
    let listening = match firebreak_core::snapshot::listening(Path::new("/proc"), udp) {
        Ok(l) => l,
        Err(e) => return Outcome::unknown(format!("cannot read the socket table: {e}")),
    };
    let what = format!("{} port {port}", protocol.as_str());
    let mut on: Vec<IpAddr> = listening
        .iter()
        .filter(|(ip, p)| *p == port && address.is_none_or(|a| covers(*ip, a)))
        .map(|(ip, _)| *ip)
        .collect();
    on.sort();
    on.dedup();
    if on.is_empty() {
        let at = address.map(|a| format!(" on {a}")).unwrap_or_default();
        return Outcome::new(
            Status::Critical,
            "not listening",
            format!("nothing listens on {what}{at}"),
        );
    }
    let shown: Vec<String> = on.iter().map(ToString::to_string).collect();
    Outcome::new(
        Status::Ok,
        "listening",
        format!("{what} is listening on {}", shown.join(", ")),
    )
}

/// Whether a socket bound to `bound` receives what is sent to `wanted`: the same address, or
/// a wildcard of the same family (an IPv6 wildcard also takes IPv4 unless `bindv6only` is set,
/// which is not checked here).
fn covers(bound: IpAddr, wanted: IpAddr) -> bool {
    bound == wanted
        || bound.is_unspecified() && (bound.is_ipv4() == wanted.is_ipv4() || bound.is_ipv6())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_cover_their_family() {
        let v4: IpAddr = "127.0.0.1".parse().expect("ip");
        assert!(covers("0.0.0.0".parse().expect("ip"), v4));
        assert!(covers("::".parse().expect("ip"), v4));
        assert!(covers(v4, v4));
        assert!(!covers("127.0.0.2".parse().expect("ip"), v4));
        assert!(!covers(
            "0.0.0.0".parse().expect("ip"),
            "::1".parse().expect("ip")
        ));
    }
}
