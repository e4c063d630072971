//! Response reports: how a team responded over a window of time — incidents per severity, status
//! and origin; how long acknowledging, containing and resolving took (mean, median, p90); how
//! often the severity's acknowledge and update targets were met; repeat incidents; action items;
//! reopened incidents.
//!
//! Everything here is pure: the caller folds each incident's events into a [`Subject`] (the
//! folded [`crate::Incident`] plus the two facts a report needs that the incident does not keep:
//! where it came from and its longest silence towards stakeholders) and [`build`] turns a slice
//! of them into a [`Report`]. Reading the store is the binary's job; so is rendering.
//!
//! The report is taken *as of* the end of its window: events after it are not folded in, and
//! every clock is read at that moment, so the same store and the same end give the same report.
//! How each figure is counted — which incidents are left out of which figure — is written on
//! the figure's type and in `docs/guide.md` ("Reports").

mod build;
mod compliance;
mod stats;
mod subject;
mod window;

#[cfg(test)]
mod tests;

pub use build::{Actions, Count, Phases, Reopened, Repeat, Report, SeverityFigures, Week, build};
pub use compliance::{Compliance, Verdict, ack_verdict, update_verdict};
pub use stats::{Stats, percentile};
pub use subject::{Origin, OriginKind, Subject};
pub use window::{Scope, Window};
