//! Health checks, decided: what a team declares in `[[check]]` ([`config`]) or asks for once
//! with `firebreak check` flags ([`adhoc`]), how a measured
//! value becomes ok / warn / critical ([`status`]), and reading a certificate's validity from
//! its DER bytes ([`validity`]). Running a probe (reading /proc, opening a socket, asking
//! Prometheus) is the binary's job (`firebreak::check`); nothing here does I/O.

pub mod adhoc;
pub mod config;
pub mod status;
pub mod validity;

pub use config::{Check, CheckConfig, Probe, Protocol, build_checks};
pub use status::{Direction, Outcome, Status, Thresholds};
