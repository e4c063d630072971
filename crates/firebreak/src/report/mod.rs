//! Rendering a response report (`firebreak_core::report::Report`) for people: the one-page HTML
//! document that `firebreak report --html` writes and the dashboard can serve as is. The figures
//! are computed in `firebreak-core`; this module only lays them out. The terminal table is the
//! CLI's (`cli/report.rs`).

mod html;
mod svg;
mod window;

pub use html::html;
pub use window::window;

use firebreak_core::duration;
use jiff::SignedDuration;

pub(crate) use firebreak_core::html::escape;

/// A duration in seconds as the tables show it (`3h05m`), `—` when there is none.
pub fn seconds(secs: Option<f64>) -> String {
    match secs {
        Some(s) if s.is_finite() => duration::format(SignedDuration::from_secs(s.round() as i64)),
        _ => "—".into(),
    }
}

/// A percentage as `87.5 %`, `—` when nothing was judged.
pub fn percent(p: Option<f64>) -> String {
    match p {
        Some(p) => format!("{p:.1} %"),
        None => "—".into(),
    }
}
