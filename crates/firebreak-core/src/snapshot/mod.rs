//! Volatile-state snapshot: a host's running state read natively from `/proc`, `/sys` and a
//! few files, in order of volatility (RFC 3227), without running any other program.
//!
//! This module owns the collectors and the JSON each produces. It does not own storing,
//! hashing or presenting the result (the evidence store and the CLI do that), and it changes
//! nothing on the host: every collector only reads, and bounds what it reads.
//!
//! [`collect`] returns one [`Part`] per collector, most volatile first:
//!
//! | part | collector | reads |
//! |---|---|---|
//! | `memory` | [`memory()`] | `/proc/meminfo`, `loadavg`, `uptime`, `stat` (btime), `pressure/*` |
//! | `processes` | [`processes()`] | `/proc/PID/{stat,status,cmdline,exe}`, `/etc/passwd` |
//! | `sockets` | [`sockets()`] | `/proc/net/{tcp,tcp6,udp,udp6}`, `/proc/PID/fd` |
//! | `users` | [`users()`] | utmp |
//! | `kernel-oom` | [`kernel_oom()`] | `/proc/vmstat`, `/dev/kmsg`, kernel logs, cgroup events |
//! | `mounts` | [`mounts()`] | `/proc/self/mountinfo`, `statvfs(2)` |
//! | `modified-files` | [`modified_files()`] | the directory trees in [`Options::paths`] |
//! | `auth-log` | [`auth_log()`] | the authentication logs |
//!
//! Each collector's documentation lists its JSON fields; those names are stable. Times
//! are RFC 3339 strings in UTC. Text that may not be UTF-8 (paths, command lines, log lines)
//! is given as text with invalid bytes replaced, and, only when it was not valid UTF-8, a
//! second field with the same name and `_hex` appended holding the exact bytes.
//!
//! A collector never fails as a whole: what it could not read becomes a line in
//! [`Part::problems`] (at most 100 of them, then a count), and the rest is still collected.
//! Nothing in a part panics on odd input, however truncated or hostile.
//!
//! Files: `read` (bounded reads, text encoding, problem lists), `proc` (pid lists, boot time,
//! clock ticks), `passwd` (user names), `logtime` (syslog and RFC 3339 line timestamps), and one
//! file per collector: `memory`, `processes`, `sockets`, `users`, `kernel`, `mounts`, `files`,
//! `authlog`.

mod authlog;
mod files;
mod kernel;
mod logtime;
mod memory;
mod mounts;
mod passwd;
mod proc;
mod processes;
mod read;
mod sockets;
mod users;

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use serde::Serialize;

pub use authlog::auth_log;
pub use files::modified_files;
pub use kernel::{kernel_oom, oom_kills_since};
pub use memory::memory;
pub use mounts::mounts;
pub use processes::{alive, named, processes};
pub use sockets::{listening, sockets};
pub use users::users;

/// Where a snapshot reads from, and the time window for files and logs.
///
/// [`Options::default`] describes the running host; tests point the roots at a fake tree.
#[derive(Debug, Clone)]
pub struct Options {
    /// The proc filesystem (`/proc`).
    pub proc_root: PathBuf,
    /// The sysfs filesystem (`/sys`); cgroup memory events are read under `fs/cgroup`.
    pub sys_root: PathBuf,
    /// The user database used to name uids (`/etc/passwd`). Users known only to NSS
    /// services (LDAP, SSSD) are not named.
    pub passwd: PathBuf,
    /// The utmp file of logged-in sessions (`/var/run/utmp`).
    pub utmp: PathBuf,
    /// The kernel's log device (`/dev/kmsg`), read without blocking.
    pub kmsg: PathBuf,
    /// Kernel logs written by syslog (`/var/log/kern.log`, `/var/log/messages`).
    pub kernel_logs: Vec<PathBuf>,
    /// Authentication logs (`/var/log/auth.log`, `/var/log/secure`).
    pub auth_logs: Vec<PathBuf>,
    /// Directory trees searched for recently modified files (by default the usual places to
    /// drop or change something: `/tmp`, `/var/tmp`, `/dev/shm`, `/etc`, `/root`, `/home`).
    pub paths: Vec<PathBuf>,
    /// How far back "recently" reaches, for files and log lines (60 minutes).
    pub since: Duration,
    /// The moment the window ends; [`SystemTime::now`] by default.
    pub now: SystemTime,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            proc_root: PathBuf::from("/proc"),
            sys_root: PathBuf::from("/sys"),
            passwd: PathBuf::from("/etc/passwd"),
            utmp: PathBuf::from("/var/run/utmp"),
            kmsg: PathBuf::from("/dev/kmsg"),
            kernel_logs: vec![
                PathBuf::from("/var/log/kern.log"),
                PathBuf::from("/var/log/messages"),
            ],
            auth_logs: vec![
                PathBuf::from("/var/log/auth.log"),
                PathBuf::from("/var/log/secure"),
            ],
            paths: ["/tmp", "/var/tmp", "/dev/shm", "/etc", "/root", "/home"]
                .into_iter()
                .map(PathBuf::from)
                .collect(),
            since: Duration::from_secs(60 * 60),
            now: SystemTime::now(),
        }
    }
}

impl Options {
    /// The window for files and log lines: (`now`, `now` − `since`), clamped to what a
    /// timestamp can hold.
    fn window(&self) -> (jiff::Timestamp, jiff::Timestamp) {
        let now = jiff::Timestamp::try_from(self.now).unwrap_or(jiff::Timestamp::MAX);
        let since = jiff::SignedDuration::try_from(self.since)
            .ok()
            .and_then(|since| now.checked_sub(since).ok())
            .unwrap_or(jiff::Timestamp::MIN);
        (now, since)
    }
}

/// One collector's result.
#[derive(Debug, Clone, Serialize)]
pub struct Part {
    /// Stable name: `memory`, `processes`, `sockets`, `users`, `kernel-oom`, `mounts`,
    /// `modified-files` or `auth-log`.
    pub name: &'static str,
    /// What was collected, as documented in the collector's module.
    pub value: serde_json::Value,
    /// What could not be read, one line each (`pid 123 fd: permission denied`).
    pub problems: Vec<String>,
}

/// A collector: reads one part of the host's state.
pub type Collector = fn(&Options) -> Part;

/// Every collector under the name of the part it returns, most volatile first (RFC 3227):
/// memory and load, processes, sockets, users, kernel OOM reports, mounts and disk usage,
/// modified files, the authentication log. [`collect`] runs them in this order; a caller that
/// wants only some picks them from here.
pub const COLLECTORS: [(&str, Collector); 8] = [
    ("memory", memory),
    ("processes", processes),
    ("sockets", sockets),
    ("users", users),
    ("kernel-oom", kernel_oom),
    ("mounts", mounts),
    ("modified-files", modified_files),
    ("auth-log", auth_log),
];

/// What part `name` of a snapshot holds, in a few words for people (`running processes`);
/// `None` for a name no collector returns.
pub fn title(name: &str) -> Option<&'static str> {
    Some(match name {
        "memory" => "memory, load and pressure",
        "processes" => "running processes",
        "sockets" => "open network sockets",
        "users" => "signed-in users",
        "kernel-oom" => "kernel out-of-memory kills",
        "mounts" => "mounts and free space",
        "modified-files" => "recently changed files",
        "auth-log" => "recent sign-ins from the authentication log",
        _ => return None,
    })
}

/// Runs every collector in [`COLLECTORS`] order.
pub fn collect(options: &Options) -> Vec<Part> {
    COLLECTORS
        .iter()
        .map(|(_, collector)| collector(options))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::net::TcpListener;

    /// The snapshot of this very machine finds this test process and a socket it listens on.
    #[test]
    fn collect_on_this_machine_finds_this_process_and_its_listening_socket() {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a local port");
        let port = listener.local_addr().expect("local address").port();
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("fresh.txt"), b"new").expect("write a file");
        let options = Options {
            paths: vec![dir.path().to_path_buf()],
            ..Options::default()
        };

        let parts = collect(&options);

        let names: Vec<&str> = parts.iter().map(|p| p.name).collect();
        for name in &names {
            assert!(title(name).is_some(), "{name} has words for people");
        }
        let table: Vec<&str> = COLLECTORS.iter().map(|(name, _)| *name).collect();
        assert_eq!(
            names, table,
            "each collector returns the part it is listed under"
        );
        assert_eq!(
            names,
            [
                "memory",
                "processes",
                "sockets",
                "users",
                "kernel-oom",
                "mounts",
                "modified-files",
                "auth-log"
            ]
        );
        let part = |name: &str| {
            parts
                .iter()
                .find(|p| p.name == name)
                .unwrap_or_else(|| panic!("no {name} part"))
        };

        let me = u64::from(std::process::id());
        let processes = part("processes").value["processes"]
            .as_array()
            .expect("a process list");
        let mine = processes
            .iter()
            .find(|p| p["pid"] == me)
            .expect("this process is listed");
        let args: Vec<String> = std::env::args().collect();
        assert_eq!(mine["cmdline"], serde_json::json!(args));
        assert!(mine["start_time"].is_string(), "{mine}");
        assert!(mine["rss_bytes"].as_u64().unwrap_or(0) > 0, "{mine}");
        assert!(mine["threads"].as_u64().unwrap_or(0) >= 1, "{mine}");

        let sockets = part("sockets").value["sockets"]
            .as_array()
            .expect("a socket list");
        let socket = sockets
            .iter()
            .find(|s| {
                s["protocol"] == "tcp"
                    && s["local_address"] == "127.0.0.1"
                    && s["local_port"] == port
            })
            .expect("the listening socket is listed");
        assert_eq!(socket["state"], "LISTEN");
        assert_eq!(socket["listening"], true);
        let owners = socket["processes"].as_array().expect("owners");
        assert!(owners.iter().any(|o| o["pid"] == me), "{socket}");

        let files = part("modified-files").value["files"]
            .as_array()
            .expect("a file list");
        assert!(
            files
                .iter()
                .any(|f| f["path"].as_str().is_some_and(|p| p.ends_with("fresh.txt"))),
            "{files:?}"
        );
        assert!(
            part("memory").value["meminfo"]["MemTotal"]
                .as_u64()
                .unwrap_or(0)
                > 0
        );
        assert!(
            part("mounts").value["mounts"]
                .as_array()
                .is_some_and(|m| m.iter().any(|m| m["mount_point"] == "/"))
        );
        drop(listener);
    }
}
