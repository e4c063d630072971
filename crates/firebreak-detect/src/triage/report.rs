//! The triage report: what `--json` prints and what the text and HTML renderers draw. Field
//! names are stable; times are given both as RFC 3339 text (UTC) and unix seconds; addresses
//! as text; every list is sorted with ties broken by key, so equal inputs give equal reports.

use serde::Serialize;

pub use super::status::Classes;

/// Version of the report's JSON shape; raised when a field changes meaning or goes away.
pub const REPORT_VERSION: u32 = 1;

/// Everything one triage run found.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Report {
    /// [`REPORT_VERSION`].
    pub version: u32,
    /// Each input, in the order given.
    pub inputs: Vec<InputReport>,
    /// Totals over all inputs.
    pub totals: Totals,
    /// First and last time seen in parsed lines.
    pub time_range: Option<TimeRange>,
    /// The first lines that did not parse (a few), in input and line order.
    pub malformed: Vec<MalformedSample>,
    /// Lines per time bucket, the spike rule and the spikes.
    pub rate: Rate,
    /// Status classes and the commonest status codes.
    pub status: StatusMix,
    /// Busiest client addresses.
    pub addresses: Vec<AddressRow>,
    /// Addresses with the highest requests in one minute.
    pub peaks: Vec<PeakRow>,
    /// Most requested paths (query strings stripped; `with_query` counts the requests that had one).
    pub paths: Vec<PathRow>,
    /// Commonest user agents.
    pub agents: Vec<AgentRow>,
    /// Scanner, script and crawler agents from the agent list, with the addresses using them.
    pub bots: Vec<BotRow>,
    /// Addresses with the most 401, 403, 429 and 5xx responses.
    pub errors: ErrorTops,
    /// Logins: attempts, failing addresses, failures followed by a success.
    pub logins: LoginReport,
    /// Many users from one address, or one user from many addresses.
    pub stuffing: StuffingReport,
    /// Response volume per address.
    pub exports: ExportReport,
    /// sshd failures, invalid users and logins accepted after failures.
    pub sshd: SshdReport,
    /// Tables that outgrew their ceiling: their counts are lower bounds, low by at most the
    /// stated amount. Empty when every count is exact.
    pub approximate: Vec<Approximation>,
    /// Anything else the reader should know (undetected formats, truncated inputs, …).
    pub notes: Vec<String>,
}

/// An instant: RFC 3339 in UTC and unix seconds.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Stamp {
    /// `2026-11-23T13:47:15Z`.
    pub time: String,
    /// Seconds since 1970-01-01T00:00:00Z.
    pub unix: i64,
}

impl Stamp {
    /// The stamp of a unix time.
    pub fn at(unix: i64) -> Stamp {
        let time = jiff::Timestamp::from_second(unix)
            .map(|t| t.to_string())
            .unwrap_or_else(|_| format!("@{unix}"));
        Stamp { time, unix }
    }
}

/// One input.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct InputReport {
    /// Path as given, or `stdin`.
    pub name: String,
    /// The format used (given or detected); `None` when it could not be told.
    pub format: Option<String>,
    /// Whether the input was gzip.
    pub gzip: bool,
    /// Lines read.
    pub lines: u64,
    /// Bytes read (after decompression).
    pub bytes: u64,
    /// Lines parsed.
    pub parsed: u64,
    /// Lines that did not parse.
    pub malformed: u64,
    /// Lines longer than the line limit (cut, then parsed as far as they went).
    pub overlong: u64,
    /// Numbers of the first overlong lines.
    pub overlong_lines: Vec<u64>,
    /// Where the input stopped early, if it did (what came before was used).
    pub ended: Option<EndedEarly>,
}

/// Where an input stopped before its end.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct EndedEarly {
    /// The line being read when it stopped.
    pub line: u64,
    /// Bytes read (after decompression) before it stopped.
    pub byte: u64,
    /// Why.
    pub message: String,
}

/// Totals over all inputs.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Totals {
    /// Number of inputs.
    pub inputs: usize,
    /// Lines read.
    pub lines: u64,
    /// Lines parsed.
    pub parsed: u64,
    /// Lines that did not parse.
    pub malformed: u64,
    /// Lines cut at the line limit.
    pub overlong: u64,
    /// Bytes read (after decompression).
    pub bytes: u64,
    /// Parsed lines with an HTTP status.
    pub requests: u64,
    /// Sum of response sizes.
    pub response_bytes: u64,
}

/// First and last time seen.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TimeRange {
    /// Earliest.
    pub first: Stamp,
    /// Latest.
    pub last: Stamp,
    /// Seconds between them.
    pub seconds: i64,
}

/// A line that did not parse.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct MalformedSample {
    /// Input name.
    pub input: String,
    /// Line number, from 1.
    pub line: u64,
    /// Byte column, from 1, where parsing stopped.
    pub column: usize,
    /// What was expected there.
    pub reason: String,
    /// The line (lossily decoded, cut to 200 bytes).
    pub text: String,
}

/// Lines over time and the spikes in them.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Rate {
    /// Width of the buckets spikes were judged on, in seconds (60 unless the log spans more
    /// than about 69 days).
    pub bucket_seconds: i64,
    /// Median lines per bucket over the time range, empty buckets included.
    pub median: f64,
    /// Median absolute deviation from the median.
    pub mad: f64,
    /// Buckets with more lines than this are spikes.
    pub threshold: f64,
    /// The spike rule in words, with its parameters.
    pub rule: String,
    /// Width of the points in `series`, in seconds (buckets are merged when there would be
    /// more than 20,000 points).
    pub series_seconds: i64,
    /// Lines per point, non-empty points only, in time order.
    pub series: Vec<Point>,
    /// Spike buckets in time order (at most 100; `spike_count` counts them all).
    pub spikes: Vec<Spike>,
    /// Number of spike buckets.
    pub spike_count: u64,
}

/// Lines in one point of the series.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Point {
    /// Start of the point.
    pub start: Stamp,
    /// Lines.
    pub count: u64,
    /// Lines per status class.
    pub status: Classes,
    /// Whether a spike bucket falls in this point.
    pub spike: bool,
}

/// A spike bucket.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Spike {
    /// Start of the bucket.
    pub start: Stamp,
    /// Lines in it.
    pub count: u64,
    /// Lines divided by the median (`None` when the median is 0).
    pub times_median: Option<f64>,
}

/// Status mix.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct StatusMix {
    /// Lines per class (`other`: no status, e.g. syslog lines).
    pub classes: Classes,
    /// Commonest statuses.
    pub codes: Vec<CodeCount>,
}

/// A status and how often it was returned.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CodeCount {
    /// HTTP status.
    pub status: u16,
    /// Responses with it.
    pub count: u64,
}

/// A client address and its traffic.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct AddressRow {
    /// The address.
    pub address: String,
    /// Lines from it.
    pub requests: u64,
    /// Its lines per status class.
    pub status: Classes,
    /// Response bytes sent to it.
    pub bytes: u64,
    /// Most requests in one minute.
    pub peak_per_minute: u64,
    /// That minute.
    pub peak_minute: Option<Stamp>,
    /// 401 responses.
    pub unauthorized: u64,
    /// 403 responses.
    pub forbidden: u64,
    /// 429 responses.
    pub too_many_requests: u64,
    /// 5xx responses.
    pub server_errors: u64,
    /// Responses of at least the large-response size.
    pub large_responses: u64,
}

/// An address and its busiest minute.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PeakRow {
    /// The address.
    pub address: String,
    /// Requests in that minute.
    pub requests: u64,
    /// The minute.
    pub minute: Stamp,
}

/// A path and its traffic.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PathRow {
    /// The path without its query string (cut to 256 bytes, lossily decoded).
    pub path: String,
    /// Requests.
    pub requests: u64,
    /// Of which had a query string.
    pub with_query: u64,
    /// Per status class.
    pub status: Classes,
    /// Response bytes.
    pub bytes: u64,
}

/// A user agent.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct AgentRow {
    /// The agent (cut to 256 bytes, lossily decoded).
    pub agent: String,
    /// Requests.
    pub requests: u64,
    /// `scanner`, `script` or `crawler` when the agent list names it.
    pub kind: Option<String>,
}

/// An agent-list entry seen in the logs.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct BotRow {
    /// The list entry (a lowercase substring of the agent).
    pub pattern: String,
    /// `scanner`, `script` or `crawler`.
    pub kind: String,
    /// Requests with a matching agent.
    pub requests: u64,
    /// Distinct addresses seen using it.
    pub address_count: u64,
    /// The addresses using it most.
    pub addresses: Vec<AddrCount>,
}

/// An address and a count.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct AddrCount {
    /// The address.
    pub address: String,
    /// The count.
    pub count: u64,
}

/// Addresses with the most error responses of each kind.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct ErrorTops {
    /// 401.
    pub unauthorized: Vec<AddrCount>,
    /// 403.
    pub forbidden: Vec<AddrCount>,
    /// 429.
    pub too_many_requests: Vec<AddrCount>,
    /// 5xx.
    pub server_errors: Vec<AddrCount>,
}

/// Login attempts.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct LoginReport {
    /// Paths counted as login endpoints.
    pub paths: Vec<String>,
    /// Methods counted as attempts (empty: all).
    pub methods: Vec<String>,
    /// Statuses counted as failures.
    pub fail_statuses: Vec<u16>,
    /// Failures before a success that make a sequence.
    pub min_failures: u32,
    /// Failures older than this (seconds) before the next attempt are forgotten.
    pub window_seconds: i64,
    /// Attempts.
    pub attempts: u64,
    /// Failed attempts.
    pub failures: u64,
    /// Successful attempts.
    pub successes: u64,
    /// Addresses with the most failed attempts.
    pub failing: Vec<LoginAddress>,
    /// Failed logins followed by a success from the same address, in line order (at most
    /// 200; `sequence_count` counts them all).
    pub sequences: Vec<LoginSequence>,
    /// Number of sequences.
    pub sequence_count: u64,
}

/// An address's login attempts.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct LoginAddress {
    /// The address.
    pub address: String,
    /// Attempts.
    pub attempts: u64,
    /// Failed.
    pub failures: u64,
    /// Succeeded.
    pub successes: u64,
}

/// Failed logins followed by a success.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct LoginSequence {
    /// The address.
    pub address: String,
    /// Failures before the success.
    pub failures: u64,
    /// First of those failures.
    pub first_failure: Option<Stamp>,
    /// The success.
    pub success: Option<Stamp>,
    /// Input of the success.
    pub input: String,
    /// Line of the success.
    pub line: u64,
    /// The path the success requested (query string left out).
    pub path: String,
    /// Status of the success.
    pub status: Option<u16>,
    /// User of the success, when the log names one.
    pub user: Option<String>,
}

/// Credential stuffing.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct StuffingReport {
    /// Distinct users from one address that flag it.
    pub min_users: u32,
    /// Distinct addresses for one user that flag it.
    pub min_addresses: u32,
    /// Attempts naming a user that were looked at (logins, refused requests, sshd).
    pub attempts: u64,
    /// Flagged addresses, most users first.
    pub addresses: Vec<StuffingAddress>,
    /// Flagged users, most addresses first.
    pub users: Vec<StuffingUser>,
    /// Login paths failing from at least `min_addresses` distinct addresses, most addresses
    /// first: found from statuses alone, so also in logs that name no user.
    pub paths: Vec<StuffingPath>,
}

/// A login path failing from many addresses.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct StuffingPath {
    /// The configured login path.
    pub path: String,
    /// Distinct addresses whose attempts failed.
    pub addresses: u64,
    /// Failed attempts.
    pub failures: u64,
    /// The address count is a lower bound (too many to remember them all).
    pub at_least: bool,
}

/// An address trying many users.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct StuffingAddress {
    /// The address.
    pub address: String,
    /// Distinct users tried.
    pub users: u64,
    /// Attempts.
    pub attempts: u64,
    /// Failed attempts.
    pub failures: u64,
    /// A few of the users.
    pub sample_users: Vec<String>,
}

/// A user tried from many addresses.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct StuffingUser {
    /// The user.
    pub user: String,
    /// Distinct addresses.
    pub addresses: u64,
    /// Attempts.
    pub attempts: u64,
    /// Failed attempts.
    pub failures: u64,
}

/// Response volume per address.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct ExportReport {
    /// Bytes per address above which it is flagged.
    pub threshold_bytes: u64,
    /// Size from which one response counts as large.
    pub large_response_bytes: u64,
    /// Addresses above the threshold.
    pub flagged: u64,
    /// Addresses receiving the most bytes.
    pub top: Vec<ExportRow>,
}

/// An address's response volume.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ExportRow {
    /// The address.
    pub address: String,
    /// Response bytes.
    pub bytes: u64,
    /// Requests.
    pub requests: u64,
    /// Large responses.
    pub large_responses: u64,
    /// Above the threshold.
    pub flagged: bool,
}

/// sshd.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct SshdReport {
    /// Failed logins.
    pub failures: u64,
    /// Accepted logins.
    pub accepted: u64,
    /// Attempts for users that do not exist.
    pub invalid_users: u64,
    /// Failures before an accepted login that are reported.
    pub min_failures: u32,
    /// Addresses with the most failures.
    pub addresses: Vec<SshAddress>,
    /// Users with the most failures.
    pub users: Vec<SshUser>,
    /// Logins accepted after failures from the same address, in line order (at most 200;
    /// `accepted_after_failures_count` counts them all).
    pub accepted_after_failures: Vec<SshSequence>,
    /// Number of them.
    pub accepted_after_failures_count: u64,
}

/// An address's sshd activity.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SshAddress {
    /// The address.
    pub address: String,
    /// Failures.
    pub failures: u64,
    /// Invalid-user attempts.
    pub invalid_users: u64,
    /// Accepted logins.
    pub accepted: u64,
}

/// A user's sshd activity.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SshUser {
    /// The user.
    pub user: String,
    /// Failures.
    pub failures: u64,
    /// Accepted logins.
    pub accepted: u64,
    /// Invalid-user attempts.
    pub invalid: u64,
}

/// An sshd login accepted after failures.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SshSequence {
    /// The address.
    pub address: String,
    /// The user accepted.
    pub user: Option<String>,
    /// Failures before it.
    pub failures: u64,
    /// First of those failures.
    pub first_failure: Option<Stamp>,
    /// The accepted login.
    pub accepted: Option<Stamp>,
    /// Its input.
    pub input: String,
    /// Its line.
    pub line: u64,
}

/// A table that outgrew its ceiling.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Approximation {
    /// Which table (`addresses`, `paths`, …).
    pub table: String,
    /// Keys it keeps exactly.
    pub kept: u64,
    /// Most any count shown from it can be low by.
    pub max_undercount: u64,
    /// What that means, in words.
    pub meaning: String,
}
