//! The iptables + ipset backend: two `hash:net` sets with timeouts (`firebreak4`, `firebreak6`)
//! and one rule per family, `-m set --match-set firebreakN src -j DROP`, inserted at the top of
//! `INPUT` once (checked with `-C` first).
//!
//! A change fills a second set (`firebreakN-next`) with exactly the blocks in force — each
//! `ipset add` carrying the time its block has left, so the kernel lifts it on time — through
//! one `ipset restore`, then swaps it for the live set: packets see the old set or the new one,
//! never a half-filled one. If a step after the swap fails, swapping back puts the old set in
//! place. The family's rule is only ensured when the family has entries, so an IPv4-only host
//! never needs `ip6tables`.

use firebreak_core::contain::Active;
use firebreak_core::contain::config::IptablesConfig;
use jiff::Timestamp;

use super::{Backend, ContainError, command, seconds_left};

/// One address family's set and firewall program.
struct Family<'a> {
    set: &'static str,
    next: &'static str,
    inet: &'static str,
    v4: bool,
    program: &'a str,
}

/// iptables and ipset.
pub struct Iptables<'a> {
    config: &'a IptablesConfig,
}

/// Upper bound on entries per set (ipset's default of 65,536 is too small for a large block).
const MAX_ENTRIES: u32 = 1_048_576;

impl<'a> Iptables<'a> {
    /// The backend under `config`.
    pub fn new(config: &'a IptablesConfig) -> Self {
        Self { config }
    }

    fn families(&self) -> [Family<'a>; 2] {
        [
            Family {
                set: "firebreak4",
                next: "firebreak4-next",
                inet: "inet",
                v4: true,
                program: &self.config.iptables,
            },
            Family {
                set: "firebreak6",
                next: "firebreak6-next",
                inet: "inet6",
                v4: false,
                program: &self.config.ip6tables,
            },
        ]
    }

    fn ipset(&self, args: &[&str]) -> Vec<String> {
        std::iter::once(self.config.ipset.as_str())
            .chain(args.iter().copied())
            .map(str::to_string)
            .collect()
    }

    /// The `ipset restore` input that fills both `-next` sets with exactly `blocks` at `now`.
    pub fn restore_script(&self, blocks: &[Active], now: Timestamp) -> String {
        let mut text = String::new();
        for f in self.families() {
            for name in [f.set, f.next] {
                text.push_str(&format!(
                    "create {name} hash:net family {} timeout 0 maxelem {MAX_ENTRIES}\n",
                    f.inet
                ));
            }
            text.push_str(&format!("flush {}\n", f.next));
            let mut mine: Vec<&Active> =
                blocks.iter().filter(|a| a.target.is_v4() == f.v4).collect();
            mine.sort_by_key(|a| a.target);
            for a in mine {
                match seconds_left(a.until, now) {
                    Some(Some(s)) => {
                        text.push_str(&format!("add {} {} timeout {s}\n", f.next, a.target));
                    }
                    Some(None) => text.push_str(&format!("add {} {}\n", f.next, a.target)),
                    None => {}
                }
            }
        }
        text
    }

    fn rule(f: &Family<'_>, action: &str) -> Vec<String> {
        let mut argv = vec![
            f.program.to_string(),
            "-w".into(),
            action.into(),
            "INPUT".into(),
        ];
        if action == "-I" {
            argv.push("1".into());
        }
        argv.extend(
            ["-m", "set", "--match-set", f.set, "src", "-j", "DROP"]
                .iter()
                .map(|s| s.to_string()),
        );
        argv
    }

    /// Swaps each family's live and next sets (after a failure, swapping again undoes it).
    fn swap(&self) -> Result<(), ContainError> {
        let mut done: Vec<Family<'_>> = Vec::new();
        for f in self.families() {
            if let Err(e) = command::run(&self.ipset(&["swap", f.set, f.next]), None) {
                return Err(self.swap_back(&done, e));
            }
            done.push(f);
        }
        Ok(())
    }

    fn swap_back(&self, swapped: &[Family<'_>], failure: ContainError) -> ContainError {
        for f in swapped {
            if let Err(e) = command::run(&self.ipset(&["swap", f.set, f.next]), None) {
                return ContainError::NotRolledBack(Box::new(failure), Box::new(e));
            }
        }
        ContainError::RolledBack(Box::new(failure))
    }

    fn ensure_rule(f: &Family<'_>) -> Result<(), ContainError> {
        if !command::holds(&Self::rule(f, "-C"))? {
            command::run(&Self::rule(f, "-I"), None)?;
        }
        Ok(())
    }
}

impl Backend for Iptables<'_> {
    fn preview(&self, blocks: &[Active]) -> Result<Vec<String>, ContainError> {
        let mut lines = vec![format!(
            "{} <<'EOF'",
            self.ipset(&["restore", "-exist"]).join(" ")
        )];
        lines.extend(
            self.restore_script(blocks, Timestamp::now())
                .lines()
                .map(str::to_string),
        );
        lines.push("EOF".into());
        for f in self.families() {
            lines.push(self.ipset(&["swap", f.set, f.next]).join(" "));
        }
        for f in self.families() {
            if blocks.iter().any(|a| a.target.is_v4() == f.v4) {
                lines.push(format!(
                    "{} || {}",
                    Self::rule(&f, "-C").join(" "),
                    Self::rule(&f, "-I").join(" ")
                ));
            }
        }
        for f in self.families() {
            lines.push(self.ipset(&["destroy", f.next]).join(" "));
        }
        Ok(lines)
    }

    fn enforce(&self, blocks: &[Active]) -> Result<(), ContainError> {
        let script = self.restore_script(blocks, Timestamp::now());
        // Only the -next sets are filled here: a failure leaves the live sets as they were.
        command::run(&self.ipset(&["restore", "-exist"]), Some(script.as_bytes()))?;
        self.swap()?;
        for f in self.families() {
            if blocks.iter().any(|a| a.target.is_v4() == f.v4)
                && let Err(e) = Self::ensure_rule(&f)
            {
                return Err(self.swap_back(&self.families(), e));
            }
        }
        for f in self.families() {
            // The old entries are no longer used; a leftover set is flushed by the next change.
            let _ = command::run(&self.ipset(&["destroy", f.next]), None);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restore_fills_only_the_next_sets_with_time_left() {
        let config = IptablesConfig::default();
        let backend = Iptables::new(&config);
        let now: Timestamp = "2026-01-01T00:00:00Z".parse().expect("time");
        let block = |target: &str, until: &str| Active {
            host: "web1".into(),
            target: target.parse().expect("net"),
            via: firebreak_core::contain::Via::Iptables,
            reason: "r".into(),
            by: "ann".into(),
            at: now,
            until: until.parse().expect("time"),
            incident: "INC-1".into(),
        };
        let text = backend.restore_script(
            &[
                block("203.0.113.9", "2026-01-01T00:10:00Z"),
                block("192.0.2.1", "2025-01-01T00:00:00Z"),
                block("2001:db8::/64", "2027-01-01T00:00:00Z"),
            ],
            now,
        );
        assert!(
            text.contains("flush firebreak4-next\nadd firebreak4-next 203.0.113.9 timeout 600\n"),
            "{text}"
        );
        assert!(
            text.contains("add firebreak6-next 2001:db8::/64\n"),
            "{text}"
        );
        assert!(!text.contains("192.0.2.1"), "{text}");
        assert!(!text.contains("add firebreak4 "), "{text}");
    }
}
