//! The `users` part: who is logged in, from utmp, as `who` shows it.
//!
//! The part's JSON and its limits are documented on the collector function, which is
//! re-exported from the `snapshot` module.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;

use jiff::Timestamp;
use serde_json::{Map, Value, json};

use super::read::{self, Problems};
use super::{Options, Part};

/// Size of one utmp record.
const RECORD: usize = 384;
/// `ut_type` of a logged-in user's session.
const USER_PROCESS: i16 = 7;
/// Largest utmp read (over 20,000 records; a live utmp holds a few dozen).
const UTMP_MAX: usize = 8 << 20;

/// One session from utmp.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Session {
    pid: i32,
    line: Vec<u8>,
    id: Vec<u8>,
    user: Vec<u8>,
    host: Vec<u8>,
    login: i32,
    address: Option<IpAddr>,
}

/// Lists the sessions in [`Options::utmp`].
///
/// ```text
/// { "sessions": [ { "user": "alice", "line": "pts/0", "id": "ts/0", "host": "203.0.113.9",
///                   "address": "203.0.113.9", "pid": 4242, "pid_alive": true,
///                   "login_time": "2026-11-23T09:58:12Z" } ] }
/// ```
///
/// Only `USER_PROCESS` records (type 7) are sessions. `user`, `line` (the terminal), `id` and
/// `host` are the record's fixed-size strings up to their first NUL (with `_hex` companions when
/// not UTF-8); `address` is `ut_addr_v6` when set, else null; `pid_alive` says whether the
/// session's process still exists in `/proc` (a stale record left by a crash, or by someone
/// editing utmp, shows `false`).
///
/// The layout read is glibc's on x86_64 (384-byte records; `ut_type` i16 at 0, `ut_pid` i32
/// at 4, `ut_line` at 8 (32 bytes), `ut_id` at 40 (4), `ut_user` at 44 (32), `ut_host` at 76
/// (256), `ut_tv.tv_sec` i32 at 340, `ut_addr_v6` at 348 (16)), in the host's byte order. A
/// missing file (systems where only systemd-logind tracks sessions) gives no sessions and a
/// problem line.
pub fn users(options: &Options) -> Part {
    let mut problems = Problems::default();
    let sessions = match read::head(&options.utmp, UTMP_MAX) {
        Ok((bytes, more)) => {
            if more {
                problems.push(format!(
                    "{}: only the first {} MiB read",
                    options.utmp.display(),
                    UTMP_MAX >> 20
                ));
            }
            let leftover = bytes.len() % RECORD;
            if leftover != 0 {
                problems.push(format!(
                    "{}: {} at the end not a whole record",
                    options.utmp.display(),
                    read::count(leftover, "byte", "bytes")
                ));
            }
            parse_utmp(&bytes)
        }
        Err(e) => {
            problems.io(&options.utmp, &e);
            Vec::new()
        }
    };
    let list: Vec<Value> = sessions
        .iter()
        .map(|s| session_json(s, &options.proc_root))
        .collect();
    Part {
        name: "users",
        value: json!({ "sessions": list }),
        problems: problems.finish(),
    }
}

fn session_json(session: &Session, proc_root: &Path) -> Value {
    let mut s = Map::new();
    read::put_text(&mut s, "user", &session.user);
    read::put_text(&mut s, "line", &session.line);
    read::put_text(&mut s, "id", &session.id);
    read::put_text(&mut s, "host", &session.host);
    s.insert(
        "address".into(),
        session.address.map(|a| a.to_string()).into(),
    );
    s.insert("pid".into(), session.pid.into());
    let alive = session.pid > 0 && proc_root.join(session.pid.to_string()).exists();
    s.insert("pid_alive".into(), alive.into());
    let login = Some(session.login)
        .filter(|&t| t > 0)
        .and_then(|t| Timestamp::from_second(i64::from(t)).ok());
    s.insert("login_time".into(), json!(login));
    Value::Object(s)
}

/// The `USER_PROCESS` records among the whole records of `bytes`.
fn parse_utmp(bytes: &[u8]) -> Vec<Session> {
    bytes
        .chunks_exact(RECORD)
        .filter_map(|record| {
            let kind = i16::from_ne_bytes([record[0], record[1]]);
            (kind == USER_PROCESS).then(|| Session {
                pid: i32_at(record, 4),
                line: c_string(&record[8..40]),
                id: c_string(&record[40..44]),
                user: c_string(&record[44..76]),
                host: c_string(&record[76..332]),
                login: i32_at(record, 340),
                address: address(&record[348..364]),
            })
        })
        .collect()
}

fn i32_at(record: &[u8], at: usize) -> i32 {
    let mut word = [0u8; 4];
    word.copy_from_slice(&record[at..at + 4]);
    i32::from_ne_bytes(word)
}

/// A fixed-size field up to its first NUL (or all of it: a full field has none).
fn c_string(field: &[u8]) -> Vec<u8> {
    let end = field.iter().position(|&b| b == 0).unwrap_or(field.len());
    field[..end].to_vec()
}

/// `ut_addr_v6`: IPv4 in the first word when the other three are zero, else IPv6; unset is
/// all zeros. Stored in network byte order.
fn address(field: &[u8]) -> Option<IpAddr> {
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(field);
    if bytes == [0; 16] {
        None
    } else if bytes[4..] == [0; 12] {
        Some(IpAddr::V4(Ipv4Addr::new(
            bytes[0], bytes[1], bytes[2], bytes[3],
        )))
    } else {
        Some(IpAddr::V6(Ipv6Addr::from(bytes)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::path::PathBuf;

    /// A utmp record built field by field, as glibc lays it out.
    fn record(kind: i16, pid: i32, line: &str, user: &[u8], host: &str, time: i32) -> Vec<u8> {
        let mut r = vec![0u8; RECORD];
        r[0..2].copy_from_slice(&kind.to_ne_bytes());
        r[4..8].copy_from_slice(&pid.to_ne_bytes());
        r[8..8 + line.len()].copy_from_slice(line.as_bytes());
        r[40..44].copy_from_slice(b"ts/0");
        r[44..44 + user.len()].copy_from_slice(user);
        r[76..76 + host.len()].copy_from_slice(host.as_bytes());
        r[340..344].copy_from_slice(&time.to_ne_bytes());
        r[348..352].copy_from_slice(&[203, 0, 113, 9]);
        r
    }

    #[test]
    fn a_utmp_record_parses_to_a_session() {
        let mut bytes = record(2, 0, "~", b"reboot", "6.1.0", 1_700_000_000); // BOOT_TIME
        bytes.extend(record(
            7,
            4242,
            "pts/0",
            b"alice",
            "203.0.113.9",
            1_700_000_000,
        ));
        bytes.extend(record(8, 4000, "pts/1", b"bob", "", 1_700_000_000)); // DEAD_PROCESS
        let sessions = parse_utmp(&bytes);
        assert_eq!(
            sessions,
            [Session {
                pid: 4242,
                line: b"pts/0".to_vec(),
                id: b"ts/0".to_vec(),
                user: b"alice".to_vec(),
                host: b"203.0.113.9".to_vec(),
                login: 1_700_000_000,
                address: Some(IpAddr::V4(Ipv4Addr::new(203, 0, 113, 9))),
            }]
        );
    }

    #[test]
    fn users_from_a_fake_utmp_with_a_cut_record_and_a_full_user_field() {
        let dir = tempfile::tempdir().expect("temp dir");
        let proc_root = dir.path().join("proc");
        std::fs::create_dir_all(proc_root.join("4242")).expect("mkdir");
        let mut bytes = record(7, 4242, "pts/0", b"alice", "203.0.113.9", 1_700_000_000);
        // A user name filling all 32 bytes (no NUL), one not UTF-8, and a stale session.
        bytes.extend(record(7, 5555, "tty1", &[b'x'; 32], "", 0));
        bytes.extend(record(7, 6666, "pts/2", b"\xffme", "", 1));
        bytes.extend_from_slice(&[7, 0, 1]);
        let utmp = dir.path().join("utmp");
        std::fs::write(&utmp, &bytes).expect("write");

        let part = users(&Options {
            proc_root,
            utmp: utmp.clone(),
            ..Options::default()
        });

        let sessions = part.value["sessions"].as_array().expect("list");
        assert_eq!(
            sessions[0],
            json!({
                "user": "alice", "line": "pts/0", "id": "ts/0", "host": "203.0.113.9",
                "address": "203.0.113.9", "pid": 4242, "pid_alive": true,
                "login_time": "2023-11-14T22:13:20Z",
            })
        );
        assert_eq!(sessions[1]["user"], "x".repeat(32));
        assert_eq!(sessions[1]["pid_alive"], false);
        assert_eq!(sessions[1]["login_time"], Value::Null);
        assert_eq!(sessions[2]["user_hex"], "ff6d65");
        assert_eq!(
            part.problems,
            [format!(
                "{}: 3 bytes at the end not a whole record",
                utmp.display()
            )]
        );
    }

    #[test]
    fn a_missing_utmp_gives_no_sessions_and_says_so() {
        let part = users(&Options {
            utmp: PathBuf::from("/nonexistent/utmp"),
            ..Options::default()
        });
        assert_eq!(part.value, json!({ "sessions": [] }));
        assert_eq!(part.problems, ["/nonexistent/utmp: not found"]);
    }
}
