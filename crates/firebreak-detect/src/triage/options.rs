//! What a triage run can be told: thresholds, list sizes, table ceilings, login paths and
//! statuses — and the matchers built from them once, before any line is read.

use std::hash::BuildHasher;
use std::ops::RangeInclusive;

use foldhash::fast::RandomState;

use crate::agents::Agents;
use crate::input;

/// Most worker threads a run uses.
pub const MAX_THREADS: usize = 8;

/// How a triage run works and what it calls suspicious. [`Options::default`] holds the
/// documented defaults.
#[derive(Debug, Clone)]
pub struct Options {
    /// How inputs are cut into lines and blocks.
    pub input: input::Options,
    /// Worker threads (at least 1, at most [`MAX_THREADS`]). Default: the available cores.
    pub threads: usize,
    /// Bytes of consecutive blocks a worker takes at a time: minutes inside a run are settled
    /// by the worker, minutes on a run's edges by the main thread. Default 16 MiB, lowered
    /// when more than one worker runs so that runs in flight stay within 24 MiB.
    pub run_bytes: usize,
    /// Rows in each top list. Default 10.
    pub top: usize,
    /// Distinct addresses counted exactly; beyond this, tables are pruned and the report says
    /// by how much counts may be low. Default 100,000.
    pub max_addresses: usize,
    /// Distinct paths counted exactly. Default 20,000.
    pub max_paths: usize,
    /// Distinct user agents counted exactly. Default 5,000.
    pub max_agents: usize,
    /// Distinct users (HTTP or sshd) counted exactly. Default 50,000.
    pub max_users: usize,
    /// The agent list scanners, scripts and crawlers are named from.
    pub agents: Agents,
    /// Login endpoints: a request path (query string ignored, trailing `/` ignored, ASCII case
    /// ignored) that equals one of these or ends with one counts as a login attempt.
    pub login_paths: Vec<String>,
    /// Methods that make a request to a login path an attempt (showing the form with `GET`
    /// is not one). Empty: every method. Default `POST`, `PUT`.
    pub login_methods: Vec<String>,
    /// Statuses of a failed login. Default 401, 403.
    pub login_fail: Vec<u16>,
    /// Statuses of a successful login. Default 200–399.
    pub login_ok: Vec<RangeInclusive<u16>>,
    /// Failures from one address, before a success, that make a "failed logins then success"
    /// sequence. Default 5.
    pub login_min_failures: u32,
    /// Failures older than this many seconds before the next attempt are forgotten. Default 3600.
    pub login_window: i64,
    /// Distinct users from one address that count as credential stuffing. Default 10.
    pub stuffing_users: u32,
    /// Distinct addresses trying one user that count as credential stuffing. Default 10.
    pub stuffing_addresses: u32,
    /// Response bytes per address above which it is flagged as an export. Default 100 MiB.
    pub export_bytes: u64,
    /// A single response at least this large counts as a large response. Default 10 MiB.
    pub large_response: u64,
    /// sshd failures from one address before an accepted login that are reported. Default 5.
    pub ssh_min_failures: u32,
    /// A spike is more than this many median absolute deviations above the median. Default 5.
    pub spike_mads: f64,
    /// … and at least this many times the median. Default 1.5.
    pub spike_ratio: f64,
    /// … and at least this many lines per minute. Default 30.
    pub spike_min: u64,
}

impl Default for Options {
    fn default() -> Options {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Options {
            input: input::Options::default(),
            threads: cores.clamp(1, MAX_THREADS),
            run_bytes: 16 << 20,
            top: 10,
            max_addresses: 100_000,
            max_paths: 20_000,
            max_agents: 5_000,
            max_users: 50_000,
            agents: Agents::builtin(),
            login_paths: [
                "/login",
                "/signin",
                "/sign_in",
                "/wp-login.php",
                "/user/login",
                "/users/sign_in",
                "/api/login",
                "/auth",
                "/auth/login",
                "/session",
                "/sessions",
                "/oauth/token",
                "/admin/login",
            ]
            .into_iter()
            .map(str::to_owned)
            .collect(),
            login_methods: vec!["POST".to_owned(), "PUT".to_owned()],
            login_fail: vec![401, 403],
            login_ok: vec![200..=399],
            login_min_failures: 5,
            login_window: 3600,
            stuffing_users: 10,
            stuffing_addresses: 10,
            export_bytes: 100 * 1024 * 1024,
            large_response: 10 * 1024 * 1024,
            ssh_min_failures: 5,
            spike_mads: 5.0,
            spike_ratio: 1.5,
            spike_min: 30,
        }
    }
}

/// What a login attempt's status says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Failed,
    Succeeded,
    Other,
}

/// The matchers the options describe, built once.
#[derive(Debug)]
pub(crate) struct Plan {
    /// Login paths, lowercase, without trailing `/`.
    login_paths: Vec<Vec<u8>>,
    /// Whether some login path ends with this byte (a cheap first test per line).
    login_last_byte: [bool; 256],
    login_methods: Vec<Vec<u8>>,
    outcome: Vec<Outcome>,
    /// Keys text (paths, agents, users) by a 64-bit hash, the same in every worker; seeded
    /// afresh each run so nobody can craft two texts that collide.
    text_hasher: RandomState,
}

/// Longest path or agent text kept as a table key, in bytes.
pub(crate) const MAX_KEY: usize = 256;

impl Plan {
    pub(crate) fn new(options: &Options) -> Plan {
        let login_paths: Vec<Vec<u8>> = options
            .login_paths
            .iter()
            .map(|p| {
                let lower = p.trim().to_ascii_lowercase().into_bytes();
                trim_slash(&lower).to_vec()
            })
            .filter(|p| !p.is_empty())
            .collect();
        let mut login_last_byte = [false; 256];
        for path in &login_paths {
            if let Some(&last) = path.last() {
                login_last_byte[usize::from(last)] = true;
                login_last_byte[usize::from(last.to_ascii_uppercase())] = true;
            }
        }
        let mut outcome = vec![Outcome::Other; 1000];
        for range in &options.login_ok {
            for status in range.clone() {
                if let Some(o) = outcome.get_mut(usize::from(status)) {
                    *o = Outcome::Succeeded;
                }
            }
        }
        for &status in &options.login_fail {
            if let Some(o) = outcome.get_mut(usize::from(status)) {
                *o = Outcome::Failed;
            }
        }
        Plan {
            login_paths,
            login_last_byte,
            login_methods: options
                .login_methods
                .iter()
                .map(|m| m.trim().as_bytes().to_vec())
                .collect(),
            outcome,
            text_hasher: RandomState::default(),
        }
    }

    /// The key of a text: its 64-bit hash. Two texts share a key with odds around 2⁻⁶⁴ per
    /// pair, far below anything a count could show.
    #[inline]
    pub(crate) fn text_key(&self, text: &[u8]) -> u64 {
        self.text_hasher.hash_one(text)
    }

    /// Which configured login path `path` (query already stripped) is, if any.
    #[inline]
    pub(crate) fn login_path(&self, path: &[u8]) -> Option<u8> {
        let path = trim_slash(path);
        let &last = path.last()?;
        if !self.login_last_byte[usize::from(last)] {
            return None;
        }
        let last = last.to_ascii_lowercase();
        self.login_paths
            .iter()
            .position(|p| {
                p.last() == Some(&last)
                    && path.len() >= p.len()
                    && path
                        .get(path.len() - p.len()..)
                        .is_some_and(|tail| tail.eq_ignore_ascii_case(p))
            })
            .and_then(|i| u8::try_from(i).ok())
    }

    /// The configured login path with this index.
    pub(crate) fn login_path_name(&self, index: u8) -> String {
        self.login_paths
            .get(usize::from(index))
            .map(|p| String::from_utf8_lossy(p).into_owned())
            .unwrap_or_default()
    }

    /// Whether a request with this method to a login path is an attempt.
    pub(crate) fn login_method(&self, method: Option<&[u8]>) -> bool {
        if self.login_methods.is_empty() {
            return true;
        }
        let Some(method) = method else { return false };
        self.login_methods
            .iter()
            .any(|m| m.eq_ignore_ascii_case(method))
    }

    /// What a login response's status says.
    #[inline]
    pub(crate) fn outcome(&self, status: Option<u16>) -> Outcome {
        status
            .and_then(|s| self.outcome.get(usize::from(s)))
            .copied()
            .unwrap_or(Outcome::Other)
    }
}

fn trim_slash(path: &[u8]) -> &[u8] {
    match path {
        [rest @ .., b'/'] if !rest.is_empty() => rest,
        _ => path,
    }
}

/// The path without its query string, and whether it had one.
#[inline]
pub(crate) fn split_query(path: &[u8]) -> (&[u8], bool) {
    match memchr::memchr(b'?', path) {
        Some(at) => (path.get(..at).unwrap_or(path), true),
        None => (path, false),
    }
}

/// `text` cut to at most `max` bytes.
#[inline]
pub(crate) fn cut(text: &[u8], max: usize) -> &[u8] {
    text.get(..max).unwrap_or(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_paths_match_as_suffixes_ignoring_case_and_trailing_slash() {
        let plan = Plan::new(&Options::default());
        for path in [
            &b"/login"[..],
            b"/LOGIN/",
            b"/blog/wp-login.php",
            b"/drupal/user/login",
        ] {
            assert!(
                plan.login_path(path).is_some(),
                "{}",
                String::from_utf8_lossy(path)
            );
        }
        for path in [&b"/loginx"[..], b"/", b"", b"/logout", b"/images/login.png"] {
            assert!(
                plan.login_path(path).is_none(),
                "{}",
                String::from_utf8_lossy(path)
            );
        }
        assert_eq!(split_query(b"/login?next=/"), (&b"/login"[..], true));
    }

    #[test]
    fn statuses_decide_outcomes() {
        let plan = Plan::new(&Options::default());
        assert_eq!(plan.outcome(Some(401)), Outcome::Failed);
        assert_eq!(plan.outcome(Some(302)), Outcome::Succeeded);
        assert_eq!(plan.outcome(Some(500)), Outcome::Other);
        assert_eq!(plan.outcome(None), Outcome::Other);
        assert!(plan.login_method(Some(b"post")));
        assert!(!plan.login_method(Some(b"GET")));
    }
}
