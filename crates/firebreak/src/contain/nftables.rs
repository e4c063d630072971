//! The nftables backend: firebreak's own `inet firebreak` table, replaced whole in one `nft -f -`
//! transaction on every change, so the kernel holds the old table or the new one and a failing
//! `nft` changes nothing. Two interval sets with timeouts (`blocked4`, `blocked6`) hold the
//! blocks; an input chain drops every packet whose source lies in them. Each element carries the
//! time its block has left, so the kernel lifts it on time even if firebreak never runs again;
//! `block expire` (or `serve`) still records the expiry on the journal.
//!
//! An interval set cannot hold overlapping ranges, so an address or range inside another block
//! is left out of the kernel's set (the wider block covers it). If the wider block lifts first,
//! the next enforcement — the expiry that records it — puts the narrower one back.

use firebreak_core::contain::config::NftablesConfig;
use firebreak_core::contain::{Active, Net};
use jiff::Timestamp;

use super::{Backend, ContainError, command, seconds_left};

/// The table firebreak owns.
pub const TABLE: &str = "firebreak";

/// nftables through `nft -f -`.
pub struct Nftables<'a> {
    config: &'a NftablesConfig,
}

impl<'a> Nftables<'a> {
    /// The backend under `config`.
    pub fn new(config: &'a NftablesConfig) -> Self {
        Self { config }
    }

    fn argv(&self) -> Vec<String> {
        vec![self.config.nft.clone(), "-f".into(), "-".into()]
    }

    /// The `nft` script that makes the table enforce exactly `blocks` at `now`.
    pub fn render(blocks: &[Active], now: Timestamp) -> String {
        let mut text = String::from(
            "# Written by firebreak: the table is replaced whole on every change; do not edit.\n\
             add table inet firebreak\n\
             delete table inet firebreak\n\
             table inet firebreak {\n",
        );
        for (name, kind, v4) in [
            ("blocked4", "ipv4_addr", true),
            ("blocked6", "ipv6_addr", false),
        ] {
            text.push_str(&format!(
                "\tset {name} {{\n\t\ttype {kind}\n\t\tflags interval, timeout\n"
            ));
            let elements: Vec<String> = outermost(blocks, now, v4)
                .into_iter()
                .map(|(net, left)| match left {
                    Some(s) => format!("{net} timeout {s}s"),
                    None => net.to_string(),
                })
                .collect();
            if !elements.is_empty() {
                text.push_str(&format!("\t\telements = {{ {} }}\n", elements.join(", ")));
            }
            text.push_str("\t}\n");
        }
        text.push_str(
            "\tchain input {\n\
             \t\ttype filter hook input priority filter - 10; policy accept;\n\
             \t\tip saddr @blocked4 drop\n\
             \t\tip6 saddr @blocked6 drop\n\
             \t}\n\
             }\n",
        );
        text
    }
}

/// The blocks of one family still in force at `now`, without those inside another, each with
/// the whole seconds it has left (`None`: longer than the kernel is asked to keep it).
fn outermost(blocks: &[Active], now: Timestamp, v4: bool) -> Vec<(Net, Option<i64>)> {
    let mut live: Vec<(Net, Option<i64>)> = blocks
        .iter()
        .filter(|a| a.target.is_v4() == v4)
        .filter_map(|a| seconds_left(a.until, now).map(|left| (a.target, left)))
        .collect();
    // In address order a range comes before the ranges inside it, and CIDR ranges either nest
    // or are apart, so comparing with the last kept one is enough.
    live.sort_by_key(|(net, _)| *net);
    let mut kept: Vec<(Net, Option<i64>)> = Vec::with_capacity(live.len());
    for (net, left) in live {
        if kept
            .last()
            .is_some_and(|(outer, _)| outer.prefix() <= net.prefix() && outer.contains(net.addr()))
        {
            continue;
        }
        kept.push((net, left));
    }
    kept
}

impl Backend for Nftables<'_> {
    fn preview(&self, blocks: &[Active]) -> Result<Vec<String>, ContainError> {
        let mut lines = vec![format!("{} <<'EOF'", self.argv().join(" "))];
        lines.extend(
            Self::render(blocks, Timestamp::now())
                .lines()
                .map(str::to_string),
        );
        lines.push("EOF".into());
        Ok(lines)
    }

    fn enforce(&self, blocks: &[Active]) -> Result<(), ContainError> {
        let script = Self::render(blocks, Timestamp::now());
        command::run(&self.argv(), Some(script.as_bytes()))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn active(target: &str, until: &str) -> Active {
        Active {
            host: "web1".into(),
            target: target.parse().expect("net"),
            via: firebreak_core::contain::Via::Nftables,
            reason: "r".into(),
            by: "ann".into(),
            at: "2026-01-01T00:00:00Z".parse().expect("time"),
            until: until.parse().expect("time"),
            incident: "INC-1".into(),
        }
    }

    #[test]
    fn renders_sets_with_time_left_and_leaves_out_nested_and_expired() {
        let now: Timestamp = "2026-01-01T00:00:00Z".parse().expect("time");
        let blocks = [
            active("198.51.100.0/24", "2026-01-01T01:00:00Z"),
            active("198.51.100.7", "2026-01-01T02:00:00Z"),
            active("203.0.113.9", "2026-01-01T00:00:00.500Z"),
            active("192.0.2.1", "2025-12-31T00:00:00Z"),
            active("2001:db8::/64", "2027-01-01T00:00:00Z"),
        ];
        let text = Nftables::render(&blocks, now);
        assert!(
            text.contains("elements = { 198.51.100.0/24 timeout 3600s, 203.0.113.9 timeout 1s }"),
            "{text}"
        );
        assert!(text.contains("elements = { 2001:db8::/64 }"), "{text}");
        assert!(!text.contains("192.0.2.1"), "{text}");
        assert!(text.contains("ip saddr @blocked4 drop"), "{text}");
    }

    #[test]
    fn an_empty_set_has_no_elements_line() {
        let text = Nftables::render(&[], Timestamp::now());
        assert!(!text.contains("elements"), "{text}");
        assert!(text.contains("set blocked6 {"), "{text}");
    }
}
