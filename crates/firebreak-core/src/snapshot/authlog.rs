//! The `auth-log` part: authentication log lines from the last [`Options::since`], and who
//! failed or succeeded to log in over SSH, from where.
//!
//! The part's JSON and its limits are documented on the collector function, which is
//! re-exported from the `snapshot` module.

use std::collections::{HashMap, VecDeque};
use std::path::Path;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde_json::{Map, Value, json};

use super::logtime::LineClock;
use super::read::{self, Problems};
use super::{Options, Part};

/// Most of a file read, from its end.
const TAIL_MAX: usize = 16 << 20;
/// Most lines kept.
const LINES_MAX: usize = 5_000;
/// Most distinct (outcome, user, address, method) tallies kept.
const TALLIES_MAX: usize = 10_000;
/// Longest user name or address kept in a tally.
const FIELD_MAX: usize = 256;

/// Reads [`Options::auth_logs`] for the window ending at [`Options::now`].
///
/// ```text
/// { "since": "2026-11-23T09:00:00Z",
///   "lines": [ { "file": "/var/log/auth.log", "time": "2026-11-23T09:58:12Z",
///                "line": "2026-11-23T09:58:12.041+00:00 web1 sshd[4242]: Accepted publickey …" } ],
///   "lines_dropped": 0,
///   "failed": [ { "user": "admin", "invalid_user": true, "address": "198.51.100.7",
///                 "method": "password", "count": 412,
///                 "first": "2026-11-23T09:01:00Z", "last": "2026-11-23T09:57:59Z" } ],
///   "accepted": [ { "user": "alice", "invalid_user": false, "address": "203.0.113.9",
///                   "method": "publickey", "count": 1, "first": "…", "last": "…" } ],
///   "tallies_dropped": 0 }
/// ```
///
/// - `lines` are the last 5,000 lines (in time order) whose timestamp is within the window;
///   `lines_dropped` counts older matching lines left out. Lines without a readable timestamp
///   are skipped. Each file is read from its end, at most its last 16 MiB; when the window
///   reaches further back than that, a problem line says so.
/// - `failed` and `accepted` count sshd's `Failed METHOD for [invalid user] USER from ADDRESS`
///   and `Accepted METHOD for USER from ADDRESS` over *every* line in the window (not only the
///   5,000 kept), per user, address, method; rsyslog's `message repeated N times: [ … ]`
///   counts N. Most first. At most 10,000 distinct keys are kept (`tallies_dropped` counts the
///   lines about others): user names in failed logins are chosen by whoever is guessing.
///
/// Timestamps are RFC 3339 (rsyslog's high-precision format) or traditional syslog
/// (`Nov 23 10:00:01`), read in the host's time zone with the year of [`Options::now`]. Logs
/// kept only in the systemd journal are not read.
pub fn auth_log(options: &Options) -> Part {
    let mut problems = Problems::default();
    let (now, since) = options.window();
    let clock = LineClock::new(now, TimeZone::system());
    let mut log = Log::default();
    let mut missing = Vec::new();
    for path in &options.auth_logs {
        match read::tail(path, TAIL_MAX) {
            Ok((bytes, more)) => {
                let first = log.read(path, &bytes, &clock, since);
                if more && first.is_some_and(|t| t >= since) {
                    problems.push(format!(
                        "{}: only the last {} MiB read; earlier lines in the window were not",
                        path.display(),
                        TAIL_MAX >> 20
                    ));
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => missing.push(path),
            Err(e) => problems.io(path, &e),
        }
    }
    if !missing.is_empty() && missing.len() == options.auth_logs.len() {
        let names: Vec<String> = missing.iter().map(|p| p.display().to_string()).collect();
        problems.push(format!(
            "no authentication log found ({}); is it kept only in the systemd journal?",
            names.join(", ")
        ));
    }
    let value = log.into_json(since);
    Part {
        name: "auth-log",
        value,
        problems: problems.finish(),
    }
}

/// Whether a login was refused or let in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Outcome {
    Failed,
    Accepted,
}

/// One sshd login line.
#[derive(Debug, PartialEq, Eq)]
struct Login<'a> {
    outcome: Outcome,
    method: &'a str,
    user: &'a str,
    invalid_user: bool,
    address: &'a str,
    /// How many times rsyslog says the line was repeated.
    count: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    outcome: Outcome,
    user: String,
    invalid_user: bool,
    address: String,
    method: String,
}

#[derive(Debug)]
struct Tally {
    count: u64,
    first: Timestamp,
    last: Timestamp,
}

/// What the logs held, as it is read.
#[derive(Debug, Default)]
struct Log {
    /// The files read, in order; lines refer to them by index.
    files: Vec<String>,
    /// Time, file index, line: turned into JSON only once, for those kept.
    lines: VecDeque<(Timestamp, usize, Vec<u8>)>,
    lines_dropped: u64,
    tallies: HashMap<Key, Tally>,
    tallies_dropped: u64,
}

impl Log {
    /// Takes in one file's bytes; returns the time of its first timestamped line.
    fn read(
        &mut self,
        path: &Path,
        bytes: &[u8],
        clock: &LineClock,
        since: Timestamp,
    ) -> Option<Timestamp> {
        let mut first = None;
        let file = self.files.len();
        self.files.push(path.display().to_string());
        for line in read::lines(bytes) {
            let Some(time) = clock.time(line) else {
                continue;
            };
            first.get_or_insert(time);
            if time < since {
                continue;
            }
            if let Some(login) = std::str::from_utf8(line).ok().and_then(parse_login) {
                self.count(&login, time);
            }
            if self.lines.len() == LINES_MAX {
                self.lines.pop_front();
                self.lines_dropped += 1;
            }
            self.lines.push_back((time, file, line.to_vec()));
        }
        first
    }

    fn count(&mut self, login: &Login<'_>, time: Timestamp) {
        let cut = |s: &str| s.chars().take(FIELD_MAX).collect::<String>();
        let key = Key {
            outcome: login.outcome,
            user: cut(login.user),
            invalid_user: login.invalid_user,
            address: cut(login.address),
            method: cut(login.method),
        };
        if let Some(tally) = self.tallies.get_mut(&key) {
            tally.count = tally.count.saturating_add(login.count);
            tally.first = tally.first.min(time);
            tally.last = tally.last.max(time);
        } else if self.tallies.len() < TALLIES_MAX {
            self.tallies.insert(
                key,
                Tally {
                    count: login.count,
                    first: time,
                    last: time,
                },
            );
        } else {
            self.tallies_dropped += 1;
        }
    }

    fn into_json(self, since: Timestamp) -> Value {
        let mut lines: Vec<_> = self.lines.into_iter().collect();
        lines.sort_by_key(|(time, _, _)| *time);
        let lines: Vec<Value> = lines
            .into_iter()
            .map(|(time, file, text)| {
                let mut line = Map::new();
                line.insert("file".into(), self.files.get(file).cloned().into());
                line.insert("time".into(), json!(time));
                read::put_text(&mut line, "line", &text);
                Value::Object(line)
            })
            .collect();
        let mut tallies: Vec<(Key, Tally)> = self.tallies.into_iter().collect();
        tallies.sort_by(|(ka, a), (kb, b)| {
            b.count
                .cmp(&a.count)
                .then_with(|| (&ka.user, &ka.address).cmp(&(&kb.user, &kb.address)))
        });
        let tally_list = |outcome: Outcome| -> Vec<Value> {
            tallies
                .iter()
                .filter(|(k, _)| k.outcome == outcome)
                .map(|(k, t)| {
                    json!({
                        "user": k.user,
                        "invalid_user": k.invalid_user,
                        "address": k.address,
                        "method": k.method,
                        "count": t.count,
                        "first": t.first,
                        "last": t.last,
                    })
                })
                .collect()
        };
        json!({
            "since": since,
            "lines": lines,
            "lines_dropped": self.lines_dropped,
            "failed": tally_list(Outcome::Failed),
            "accepted": tally_list(Outcome::Accepted),
            "tallies_dropped": self.tallies_dropped,
        })
    }
}

/// Reads `Failed METHOD for [invalid user ]USER from ADDRESS port …` or
/// `Accepted METHOD for USER from ADDRESS port …`, possibly inside rsyslog's
/// `message repeated N times: [ … ]`.
fn parse_login(line: &str) -> Option<Login<'_>> {
    let (count, message) = match line.find("message repeated ") {
        Some(at) => {
            let rest = &line[at + "message repeated ".len()..];
            let (count, rest) = rest.split_once(" times: [ ")?;
            (count.parse().ok()?, rest)
        }
        None => (1, line),
    };
    let (outcome, rest) = if let Some(at) = message.find("Failed ") {
        (Outcome::Failed, &message[at + "Failed ".len()..])
    } else if let Some(at) = message.find("Accepted ") {
        (Outcome::Accepted, &message[at + "Accepted ".len()..])
    } else {
        return None;
    };
    let (method, rest) = rest.split_once(" for ")?;
    if method.is_empty() || method.contains(' ') {
        return None;
    }
    let (invalid_user, rest) = match rest.strip_prefix("invalid user ") {
        Some(rest) => (true, rest),
        None => (false, rest),
    };
    // The user name is chosen by the client and may itself hold " from ": sshd writes the
    // real address last, so split at the last one.
    let (user, rest) = rest.rsplit_once(" from ")?;
    let address = rest.split(' ').next()?;
    if address.is_empty() {
        return None;
    }
    Some(Login {
        outcome,
        method,
        user,
        invalid_user,
        address,
        count,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::path::PathBuf;
    use std::time::{Duration, SystemTime};

    #[test]
    fn sshd_login_lines() {
        assert_eq!(
            parse_login(
                "Nov 23 10:00:01 web1 sshd[1]: Failed password for invalid user admin from 198.51.100.7 port 4242 ssh2"
            ),
            Some(Login {
                outcome: Outcome::Failed,
                method: "password",
                user: "admin",
                invalid_user: true,
                address: "198.51.100.7",
                count: 1,
            })
        );
        assert_eq!(
            parse_login(
                "web1 sshd[1]: Accepted publickey for alice from 2001:db8::9 port 51514 ssh2: ED25519 SHA256:abc"
            ),
            Some(Login {
                outcome: Outcome::Accepted,
                method: "publickey",
                user: "alice",
                invalid_user: false,
                address: "2001:db8::9",
                count: 1,
            })
        );
        let repeated = parse_login(
            "web1 sshd[1]: message repeated 5 times: [ Failed password for root from 198.51.100.7 port 22 ssh2]",
        )
        .expect("parses");
        assert_eq!((repeated.user, repeated.count), ("root", 5));
        // A user name made to look like an address.
        let tricky = parse_login(
            "sshd[1]: Failed password for invalid user x from 6.6.6.6 from 198.51.100.7 port 22 ssh2",
        )
        .expect("parses");
        assert_eq!(
            (tricky.user, tricky.address),
            ("x from 6.6.6.6", "198.51.100.7")
        );
        for line in [
            "sshd[1]: Failed password for root",
            "sshd[1]: Failed for root from 1.2.3.4",
            "sshd[1]: Accepted publickey for alice from  port 22",
            "sshd[1]: Connection closed by 1.2.3.4",
            "sshd[1]: message repeated x times: [ Failed password for root from 1.2.3.4 port 22]",
            "",
        ] {
            assert_eq!(parse_login(line), None, "{line}");
        }
    }

    #[test]
    fn auth_log_keeps_the_window_and_counts_logins() {
        let dir = tempfile::tempdir().expect("temp dir");
        let log = dir.path().join("auth.log");
        let mut bytes = "2026-11-23T08:00:00+00:00 web1 sshd[1]: Failed password for root from 198.51.100.7 port 22 ssh2\n\
             2026-11-23T09:30:00+00:00 web1 sshd[1]: Failed password for root from 198.51.100.7 port 22 ssh2\n\
             a continuation line without a time\n\
             2026-11-23T09:31:00+00:00 web1 sshd[1]: message repeated 3 times: [ Failed password for root from 198.51.100.7 port 22 ssh2]\n\
             2026-11-23T09:40:00+00:00 web1 sshd[1]: Accepted password for root from 198.51.100.7 port 22 ssh2\n"
            .as_bytes()
            .to_vec();
        bytes.extend_from_slice(
            b"2026-11-23T09:41:00+00:00 web1 sudo: root : TTY=pts/0 ; COMMAND=/bin/\xffsh\n",
        );
        std::fs::write(&log, bytes).expect("write");
        let now = SystemTime::UNIX_EPOCH
            + Duration::from_secs(
                "2026-11-23T10:00:00Z"
                    .parse::<Timestamp>()
                    .expect("ts")
                    .as_second()
                    .unsigned_abs(),
            );
        let part = auth_log(&Options {
            auth_logs: vec![log.clone(), PathBuf::from("/nonexistent/secure")],
            now,
            since: Duration::from_secs(3600),
            ..Options::default()
        });
        assert!(part.problems.is_empty(), "{:?}", part.problems);
        let v = &part.value;
        assert_eq!(v["since"], "2026-11-23T09:00:00Z");
        let lines = v["lines"].as_array().expect("lines");
        assert_eq!(lines.len(), 4);
        assert_eq!(lines[0]["time"], "2026-11-23T09:30:00Z");
        assert_eq!(lines[0]["file"], log.display().to_string());
        assert!(lines[3]["line_hex"].is_string());
        assert_eq!(
            v["failed"],
            json!([{
                "user": "root", "invalid_user": false, "address": "198.51.100.7",
                "method": "password", "count": 4,
                "first": "2026-11-23T09:30:00Z", "last": "2026-11-23T09:31:00Z",
            }])
        );
        assert_eq!(v["accepted"][0]["count"], 1);
    }

    #[test]
    fn no_auth_log_at_all_is_one_problem() {
        let part = auth_log(&Options {
            auth_logs: vec![
                PathBuf::from("/nonexistent/a"),
                PathBuf::from("/nonexistent/b"),
            ],
            ..Options::default()
        });
        assert_eq!(part.value["lines"], json!([]));
        assert_eq!(
            part.problems,
            [
                "no authentication log found (/nonexistent/a, /nonexistent/b); is it kept only in the systemd journal?"
            ]
        );
    }

    #[test]
    fn only_the_last_lines_are_kept_but_all_are_counted() {
        let clock = LineClock::new("2026-11-23T10:00:00Z".parse().expect("ts"), TimeZone::UTC);
        let mut text = String::new();
        for i in 0..LINES_MAX + 10 {
            text.push_str(&format!(
                "2026-11-23T09:59:00Z h sshd[1]: Failed password for u from 10.0.0.{} port 1 ssh2\n",
                i % 2
            ));
        }
        let mut log = Log::default();
        log.read(
            Path::new("x"),
            text.as_bytes(),
            &clock,
            "2026-11-23T09:00:00Z".parse().expect("ts"),
        );
        let v = log.into_json("2026-11-23T09:00:00Z".parse().expect("ts"));
        assert_eq!(v["lines"].as_array().map(Vec::len), Some(LINES_MAX));
        assert_eq!(v["lines_dropped"], 10);
        let counts: u64 = v["failed"]
            .as_array()
            .expect("failed")
            .iter()
            .filter_map(|t| t["count"].as_u64())
            .sum();
        assert_eq!(counts, (LINES_MAX + 10) as u64);
    }
}
