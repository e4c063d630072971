//! The `[contain]` table: what a team writes ([`ContainConfig`]) and what runs ([`Contain`]).
//!
//! ```toml
//! [contain]
//! via = "nginx"                 # default backend for `block` (nginx, nftables or iptables)
//! ttl = "24h"                   # how long a block lasts when `--ttl` is not given
//! allow = ["10.0.0.0/8"]        # never blocked (besides loopback and this host's addresses)
//! expire_every = "30s"          # how often `serve` lifts blocks whose time is up
//!
//! [contain.nginx]
//! include = "/etc/nginx/conf.d/firebreak-deny.conf"   # included in nginx's `http` block
//! test = ["nginx", "-t", "-q"]  # run before every reload; a failure restores the old file
//! reload = ["nginx", "-s", "reload"]
//! ```
//!
//! Commands are argument lists, run without a shell.

use std::path::PathBuf;

use serde::Deserialize;
use toml::Spanned;

use super::block::Via;
use super::net::Net;

/// `[contain]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContainConfig {
    /// Default backend.
    pub via: Option<Spanned<String>>,
    /// Default time a block lasts.
    pub ttl: Option<Spanned<String>>,
    /// Addresses and ranges never blocked.
    #[serde(default)]
    pub allow: Vec<Spanned<String>>,
    /// How often `serve` lifts expired blocks.
    pub expire_every: Option<Spanned<String>>,
    /// The nginx backend.
    #[serde(default)]
    pub nginx: NginxConfig,
    /// The nftables backend.
    #[serde(default)]
    pub nftables: NftablesConfig,
    /// The iptables + ipset backend.
    #[serde(default)]
    pub iptables: IptablesConfig,
}

/// `[contain.nginx]`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct NginxConfig {
    /// The include file firebreak owns (written whole on every change).
    pub include: PathBuf,
    /// The configuration test.
    pub test: Vec<String>,
    /// The reload.
    pub reload: Vec<String>,
}

impl Default for NginxConfig {
    fn default() -> Self {
        Self {
            include: PathBuf::from("/etc/nginx/conf.d/firebreak-deny.conf"),
            test: vec!["nginx".into(), "-t".into(), "-q".into()],
            reload: vec!["nginx".into(), "-s".into(), "reload".into()],
        }
    }
}

/// `[contain.nftables]`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct NftablesConfig {
    /// The `nft` program.
    pub nft: String,
}

impl Default for NftablesConfig {
    fn default() -> Self {
        Self { nft: "nft".into() }
    }
}

/// `[contain.iptables]`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct IptablesConfig {
    /// The `iptables` program.
    pub iptables: String,
    /// The `ip6tables` program.
    pub ip6tables: String,
    /// The `ipset` program.
    pub ipset: String,
}

impl Default for IptablesConfig {
    fn default() -> Self {
        Self {
            iptables: "iptables".into(),
            ip6tables: "ip6tables".into(),
            ipset: "ipset".into(),
        }
    }
}

/// Containment settings in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contain {
    /// Default backend.
    pub via: Via,
    /// Default block duration.
    pub ttl: std::time::Duration,
    /// Never blocked.
    pub allow: Vec<Net>,
    /// Expiry period of `serve`.
    pub expire_every: std::time::Duration,
    /// nginx.
    pub nginx: NginxConfig,
    /// nftables.
    pub nftables: NftablesConfig,
    /// iptables + ipset.
    pub iptables: IptablesConfig,
}

impl Default for Contain {
    fn default() -> Self {
        Self {
            via: Via::Nginx,
            ttl: std::time::Duration::from_secs(24 * 3600),
            allow: Vec::new(),
            expire_every: std::time::Duration::from_secs(30),
            nginx: NginxConfig::default(),
            nftables: NftablesConfig::default(),
            iptables: IptablesConfig::default(),
        }
    }
}

impl ContainConfig {
    /// Builds the settings; an error carries the byte offset of the value it is about.
    pub fn build(self) -> Result<Contain, (usize, String)> {
        let mut out = Contain::default();
        if let Some(via) = self.via {
            out.via = via
                .get_ref()
                .parse()
                .map_err(|e| (via.span().start, format!("contain.via: {e}")))?;
        }
        let duration = |what: &str, v: &Spanned<String>| {
            crate::duration::parse_positive(v.get_ref())
                .map_err(|e| (v.span().start, format!("contain.{what}: {e}")))
        };
        if let Some(ttl) = &self.ttl {
            out.ttl = duration("ttl", ttl)?;
        }
        if let Some(every) = &self.expire_every {
            out.expire_every = duration("expire_every", every)?;
        }
        for a in &self.allow {
            out.allow.push(
                a.get_ref()
                    .parse()
                    .map_err(|e| (a.span().start, format!("contain.allow: {e}")))?,
            );
        }
        for (what, argv) in [
            ("nginx.test", &self.nginx.test),
            ("nginx.reload", &self.nginx.reload),
        ] {
            if argv.is_empty() || argv[0].trim().is_empty() {
                return Err((0, format!("contain.{what} needs a program to run")));
            }
        }
        out.nginx = self.nginx;
        out.nftables = self.nftables;
        out.iptables = self.iptables;
        Ok(out)
    }
}
