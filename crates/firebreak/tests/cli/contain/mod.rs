//! Blocking addresses for real: Debian's nginx on loopback, nftables and iptables+ipset in a
//! network namespace lab, refusals of what must never be blocked, dry runs and expiry.

mod firewall;
mod from_finding;
mod netns;
mod nginx;
mod refuse;
mod rotate;
mod server;
