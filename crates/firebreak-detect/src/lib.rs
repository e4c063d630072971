//! firebreak's log engine: it reads logs, answers the responder's questions about them and
//! watches them for trouble. No async runtime, no database: the binary turns what this crate
//! finds into incidents.
//!
//! - [`input`]: bytes to lines — files or stdin, plain or gzip, overlong lines cut and counted,
//!   blocks for parallel work.
//! - [`format`](mod@format): lines to [`Record`]s — nginx/apache `combined` and `common`, nginx
//!   `log_format` strings, JSON lines with a field mapping, syslog (RFC 3164, RFC 5424,
//!   journald short-iso) with sshd and sudo messages understood; format detection.
//! - [`triage`]: one pass over whole files, answering volume, top talkers, status mix, scanners,
//!   logins, exports; reports as JSON and self-contained HTML.
//! - [`rule`]: YAML detection rules (their grammar is in that module), the engine that runs them
//!   over records in order, and the test cases each rule file carries.
//! - [`follow`]: following growing files across rotation and truncation, with saved offsets.
//! - [`generate`]: deterministic, realistic nginx logs with planted attacks, for tests and
//!   benchmarks.

pub mod addr;
pub mod agents;
pub mod follow;
pub mod format;
pub mod generate;
pub mod input;
pub mod record;
pub mod rule;
pub mod time;
pub mod triage;

pub use addr::Addr;
pub use record::{Event, Field, Record, Value};
