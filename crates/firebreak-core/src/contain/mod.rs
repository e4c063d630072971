//! Containment, decided: which addresses and ranges may be blocked ([`guard`]), what the journal
//! records about blocks and which are in force ([`block`]), how addresses are written
//! ([`net`]), secret rotation's text handling and fingerprints ([`rotate`]), and the `[contain]`
//! config ([`config`]). Running nginx, nft, iptables or a reload command is the binary's job
//! (`firebreak/src/contain/`).

pub mod block;
pub mod config;
pub mod guard;
pub mod net;
pub mod rotate;

pub use block::{Active, Blocked, Blocks, Lifted, Unblocked, Via};
pub use config::{Contain, ContainConfig};
pub use guard::{Guard, Protected, Refusal};
pub use net::Net;
