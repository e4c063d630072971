//! firebreak's domain, free of I/O runtimes and databases.
//!
//! This crate owns what an incident *is*: its identifier ([`id`]), the severity policy that
//! sets its clocks ([`policy`]), its status lifecycle ([`status`]), the changes that can happen
//! to it ([`change`]), the state folded from those changes ([`incident`]), the rules that decide
//! whether a requested change is allowed ([`decide`]), and the tamper-evident journal that
//! records every change ([`journal`], [`seal`]). It does not own storage (see
//! `firebreak-store`) or presentation (see the `firebreak` binary).

pub mod access;
pub mod blob;
pub mod bundle;
pub mod change;
pub mod check;
pub mod checklist;
pub mod clock;
pub mod config;
pub mod contain;
pub mod decide;
pub mod detection;
pub mod duration;
pub mod error;
pub mod evidence;
pub mod html;
pub mod id;
pub mod incident;
pub mod journal;
pub mod notify;
pub mod policy;
pub mod related;
pub mod report;
pub mod review;
pub mod run;
pub mod runbook;
pub mod seal;
pub mod snapshot;
pub mod status;
pub mod summary;
pub mod token_record;

pub use change::Change;
pub use error::DomainError;
pub use id::IncidentId;
pub use incident::Incident;
pub use journal::{Digest, Event, Head};
pub use policy::{Policy, Severity};
pub use status::Status;
