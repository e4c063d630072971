//! The `kernel-oom` part: whether the kernel has been killing processes for memory, and which.
//!
//! The part's JSON and its limits are documented on the collector function, which is
//! re-exported from the `snapshot` module.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use rustix::fs::{Mode, OFlags};
use serde_json::{Map, Value, json};

use super::logtime::LineClock;
use super::read::{self, Problems};
use super::{Options, Part, proc};

/// Most of the kernel ring buffer read, and of each kernel log file (from its end).
const LOG_MAX: usize = 4 << 20;
/// One `/dev/kmsg` read returns one record; records are at most 8 KiB.
const RECORD_MAX: usize = 16 * 1024;
/// Most events kept.
const EVENTS_MAX: usize = 1_000;
/// Most cgroup directories walked.
const CGROUPS_MAX: usize = 10_000;
/// What OOM-killer messages contain (compared ignoring ASCII case).
const OOM_WORDS: [&[u8]; 5] = [
    b"out of memory",
    b"oom-kill",
    b"oom_reaper",
    b"invoked oom-killer",
    b"killed process",
];

/// One message about the OOM killer.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Event {
    source: String,
    time: Option<Timestamp>,
    message: Vec<u8>,
}

/// Collects OOM-killer counts and messages.
///
/// ```text
/// { "oom_kills_since_boot": 2,
///   "events": [ { "source": "/dev/kmsg", "time": "2026-11-23T09:12:44Z",
///                 "message": "Out of memory: Killed process 4321 (java) total-vm:…" } ],
///   "events_dropped": 0,
///   "killed": [ { "pid": 4321, "comm": "java", "time": "2026-11-23T09:12:44Z",
///                 "source": "/dev/kmsg" } ],
///   "cgroups": [ { "path": "/system.slice/app.service", "oom": 3, "oom_kill": 2 } ] }
/// ```
///
/// - `oom_kills_since_boot` is `oom_kill` in `/proc/vmstat` (kernel 4.13 and later; else null):
///   a count that needs no log at all.
/// - `events` are kernel messages about the OOM killer (`invoked oom-killer`, `Out of memory`,
///   `oom-kill:`, `oom_reaper`, `Killed process`), the last 1,000 kept (`events_dropped`
///   counts older ones). They come from [`Options::kmsg`] (this boot's ring buffer, read without
///   blocking and at most 4 MiB; times are boot time + the message's monotonic stamp, so a
///   host that slept shows them early) and then from each of [`Options::kernel_logs`] (the
///   last 4 MiB of each; these reach back before this boot, and repeat what `/dev/kmsg` holds
///   for this one). `message` gets a `message_hex` companion when not UTF-8.
/// - `killed` lists each `Killed process PID (COMM)` among the events.
/// - `cgroups` are the memory cgroups under [`Options::sys_root`]`/fs/cgroup` whose own
///   counters show an OOM (`memory.events.local` or `memory.events` on cgroup v2,
///   `memory.oom_control` on v1), at most 10,000 cgroups walked: which container or service
///   ran out, even when the log has rotated away.
///
/// Reading `/dev/kmsg` needs root where `kernel.dmesg_restrict` is set; a refusal is a problem
/// line and the rest is still read.
pub fn kernel_oom(options: &Options) -> Part {
    let mut problems = Problems::default();
    let vmstat = options.proc_root.join("vmstat");
    let oom_kills = match read::head(&vmstat, 64 * 1024) {
        Ok((bytes, _)) => vmstat_oom_kills(&bytes),
        Err(e) => {
            problems.io(&vmstat, &e);
            None
        }
    };
    let boot = proc::boot_time(&options.proc_root).ok().flatten();
    let mut events = Events::default();

    match read_kmsg(&options.kmsg) {
        Ok(kmsg) => {
            if kmsg.cut {
                problems.push(format!(
                    "{}: only the first {} MiB read",
                    options.kmsg.display(),
                    LOG_MAX >> 20
                ));
            }
            if kmsg.lost > 0 {
                problems.push(format!(
                    "{}: {} overwritten while being read",
                    options.kmsg.display(),
                    read::count(kmsg.lost, "record", "records")
                ));
            }
            let source = options.kmsg.display().to_string();
            for (stamp, message) in kmsg_records(&kmsg.bytes) {
                if is_oom(message) {
                    let time = boot.and_then(|boot| {
                        let stamp = SignedDuration::from_micros(i64::try_from(stamp).ok()?);
                        boot.checked_add(stamp).ok()
                    });
                    events.push(Event {
                        source: source.clone(),
                        time,
                        message: message.to_vec(),
                    });
                }
            }
        }
        Err(e) => problems.io(&options.kmsg, &e),
    }

    let (now, _) = options.window();
    let clock = LineClock::new(now, TimeZone::system());
    let mut missing = 0;
    for path in &options.kernel_logs {
        match read::tail(path, LOG_MAX) {
            Ok((bytes, _)) => {
                let source = path.display().to_string();
                for line in read::lines(&bytes).filter(|l| is_oom(l)) {
                    events.push(Event {
                        source: source.clone(),
                        time: clock.time(line),
                        message: line.to_vec(),
                    });
                }
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => missing += 1,
            Err(e) => problems.io(path, &e),
        }
    }
    if missing > 0 && missing == options.kernel_logs.len() {
        problems
            .push("no kernel log file found: OOM messages from before this boot are not available");
    }

    let cgroups = cgroup_ooms(&options.sys_root, &mut problems);
    let killed: Vec<Value> = events
        .list
        .iter()
        .filter_map(|e| {
            let (pid, comm) = killed_process(&e.message)?;
            let mut k = Map::new();
            k.insert("pid".into(), pid.into());
            read::put_text(&mut k, "comm", comm);
            k.insert("time".into(), json!(e.time));
            k.insert("source".into(), e.source.clone().into());
            Some(Value::Object(k))
        })
        .collect();
    let list: Vec<Value> = events
        .list
        .iter()
        .map(|e| {
            let mut v = Map::new();
            v.insert("source".into(), e.source.clone().into());
            v.insert("time".into(), json!(e.time));
            read::put_text(&mut v, "message", &e.message);
            Value::Object(v)
        })
        .collect();
    Part {
        name: "kernel-oom",
        value: json!({
            "oom_kills_since_boot": oom_kills,
            "events": list,
            "events_dropped": events.dropped,
            "killed": killed,
            "cgroups": cgroups,
        }),
        problems: problems.finish(),
    }
}

/// The kernel's `Killed process PID (COMM)` messages in `kmsg` (`/dev/kmsg`: this boot's ring
/// buffer) at or after `since`, each with its time (boot time from `proc_root`/stat plus the
/// record's monotonic stamp) and text. An error when the ring buffer cannot be read (root is
/// needed where `kernel.dmesg_restrict` is set) or the boot time is unknown: no answer is not
/// the same as no kills.
pub fn oom_kills_since(
    kmsg: &Path,
    proc_root: &Path,
    since: Timestamp,
) -> io::Result<Vec<(Timestamp, String)>> {
    let boot = proc::boot_time(proc_root)?
        .ok_or_else(|| io::Error::other("no btime line in /proc/stat"))?;
    let records = read_kmsg(kmsg)?;
    let mut out = Vec::new();
    for (stamp, message) in kmsg_records(&records.bytes) {
        if killed_process(message).is_none() {
            continue;
        }
        let at = i64::try_from(stamp)
            .ok()
            .and_then(|s| boot.checked_add(SignedDuration::from_micros(s)).ok());
        if let Some(at) = at.filter(|t| *t >= since) {
            out.push((at, String::from_utf8_lossy(message).into_owned()));
        }
    }
    Ok(out)
}

/// The last [`EVENTS_MAX`] events.
#[derive(Debug, Default)]
struct Events {
    list: VecDeque<Event>,
    dropped: u64,
}

impl Events {
    fn push(&mut self, event: Event) {
        if self.list.len() == EVENTS_MAX {
            self.list.pop_front();
            self.dropped += 1;
        }
        self.list.push_back(event);
    }
}

/// `oom_kill N` in `/proc/vmstat`.
fn vmstat_oom_kills(bytes: &[u8]) -> Option<u64> {
    read::lines(bytes).find_map(|line| {
        let n = line.strip_prefix(b"oom_kill ")?;
        std::str::from_utf8(n).ok()?.trim().parse().ok()
    })
}

/// Whether a message is about the OOM killer.
fn is_oom(message: &[u8]) -> bool {
    OOM_WORDS.iter().any(|word| {
        message
            .windows(word.len())
            .any(|w| w.eq_ignore_ascii_case(word))
    })
}

/// `Killed process 4321 (java) total-vm:…` → (4321, `java`).
fn killed_process(message: &[u8]) -> Option<(u32, &[u8])> {
    const WORDS: &[u8] = b"Killed process ";
    let at = message.windows(WORDS.len()).position(|w| w == WORDS)?;
    let rest = &message[at + WORDS.len()..];
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    let pid = std::str::from_utf8(&rest[..digits]).ok()?.parse().ok()?;
    let rest = rest[digits..].strip_prefix(b" (")?;
    // A comm may hold ") ": the name ends where the kernel's figures start, or at a final ")".
    const FIGURES: &[u8] = b") total-vm:";
    let end = rest
        .windows(FIGURES.len())
        .rposition(|w| w == FIGURES)
        .or_else(|| rest.ends_with(b")").then(|| rest.len() - 1))
        .or_else(|| rest.windows(2).rposition(|w| w == b") "))?;
    Some((pid, &rest[..end]))
}

/// What was read from the kernel's log device.
#[derive(Debug, Default)]
struct Kmsg {
    bytes: Vec<u8>,
    /// Records overwritten before they could be read (`EPIPE`).
    lost: usize,
    /// Whether reading stopped at [`LOG_MAX`].
    cut: bool,
}

/// Reads `/dev/kmsg` from its oldest record until it has nothing more (`EAGAIN`), never
/// waiting for new messages. A regular file (tests) is read to its end.
fn read_kmsg(path: &Path) -> io::Result<Kmsg> {
    let fd = rustix::fs::open(
        path,
        OFlags::RDONLY | OFlags::NONBLOCK | OFlags::CLOEXEC,
        Mode::empty(),
    )?;
    let mut file = File::from(fd);
    let mut kmsg = Kmsg::default();
    let mut record = vec![0u8; RECORD_MAX];
    loop {
        if kmsg.bytes.len() >= LOG_MAX {
            kmsg.cut = true;
            break;
        }
        match file.read(&mut record) {
            Ok(0) => break,
            Ok(n) => kmsg.bytes.extend_from_slice(&record[..n]),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if e.raw_os_error() == Some(rustix::io::Errno::PIPE.raw_os_error()) => {
                // The record under the reader was overwritten; the next read goes on after it.
                kmsg.lost += 1;
                if kmsg.lost > 100_000 {
                    break;
                }
            }
            Err(e) if kmsg.bytes.is_empty() => return Err(e),
            Err(_) => break,
        }
    }
    Ok(kmsg)
}

/// The records of `/dev/kmsg`: `PRIORITY,SEQUENCE,MICROSECONDS,FLAGS[,…];MESSAGE`, each
/// followed by ` KEY=value` continuation lines, which are skipped.
fn kmsg_records(bytes: &[u8]) -> impl Iterator<Item = (u64, &[u8])> {
    read::lines(bytes).filter_map(|line| {
        if line.starts_with(b" ") {
            return None;
        }
        let semicolon = line.iter().position(|&b| b == b';')?;
        let header = std::str::from_utf8(&line[..semicolon]).ok()?;
        let stamp = header.split(',').nth(2)?.parse().ok()?;
        Some((stamp, &line[semicolon + 1..]))
    })
}

/// The memory cgroups whose own counters show OOM events.
fn cgroup_ooms(sys_root: &Path, problems: &mut Problems) -> Vec<Value> {
    let base = sys_root.join("fs/cgroup");
    let (root, v2) = if base.join("cgroup.controllers").is_file() {
        (base, true)
    } else if base.join("memory").is_dir() {
        (base.join("memory"), false)
    } else {
        return Vec::new();
    };
    let mut found = Vec::new();
    let mut queue: VecDeque<PathBuf> = VecDeque::from([root.clone()]);
    let mut walked = 0usize;
    while let Some(dir) = queue.pop_front() {
        walked += 1;
        if walked > CGROUPS_MAX {
            problems.push(format!(
                "{}: stopped after {CGROUPS_MAX} cgroups",
                root.display()
            ));
            break;
        }
        let counters = if v2 {
            read::head(&dir.join("memory.events.local"), 4096)
                .or_else(|_| read::head(&dir.join("memory.events"), 4096))
        } else {
            read::head(&dir.join("memory.oom_control"), 4096)
        };
        if let Ok((bytes, _)) = counters {
            let (oom, oom_kill) = oom_counters(&bytes);
            if oom.unwrap_or(0) > 0 || oom_kill.unwrap_or(0) > 0 {
                let relative = dir.strip_prefix(&root).unwrap_or(&dir);
                let mut path = b"/".to_vec();
                path.extend_from_slice(std::os::unix::ffi::OsStrExt::as_bytes(
                    relative.as_os_str(),
                ));
                let mut v = Map::new();
                read::put_text(&mut v, "path", &path);
                v.insert("oom".into(), oom.into());
                v.insert("oom_kill".into(), oom_kill.into());
                found.push(Value::Object(v));
            }
        }
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                queue.push_back(entry.path());
            }
        }
    }
    found
}

/// `oom N` and `oom_kill N` lines (`memory.events`; v1's `memory.oom_control` has only the
/// second).
fn oom_counters(bytes: &[u8]) -> (Option<u64>, Option<u64>) {
    let mut oom = None;
    let mut oom_kill = None;
    for line in read::lines(bytes) {
        let Ok(line) = std::str::from_utf8(line) else {
            continue;
        };
        match line.split_once(' ') {
            Some(("oom", n)) => oom = n.trim().parse().ok(),
            Some(("oom_kill", n)) => oom_kill = n.trim().parse().ok(),
            _ => {}
        }
    }
    (oom, oom_kill)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oom_messages_are_recognised_in_any_case() {
        assert!(is_oom(b"stress invoked oom-killer: gfp_mask=0x140cca"));
        assert!(is_oom(
            b"Out of memory: Killed process 4321 (java) total-vm:1kB"
        ));
        assert!(is_oom(b"Memory cgroup out of memory: Killed process 9"));
        assert!(is_oom(b"oom_reaper: reaped process 4321 (java)"));
        assert!(!is_oom(b"EXT4-fs (vda1): mounted filesystem"));
        assert!(!is_oom(b"a roomy boom"));
    }

    #[test]
    fn killed_process_gives_pid_and_comm() {
        assert_eq!(
            killed_process(b"Out of memory: Killed process 4321 (java) total-vm:1kB, anon-rss:2kB"),
            Some((4321, &b"java"[..]))
        );
        assert_eq!(
            killed_process(b"Killed process 7 (a) b)"),
            Some((7, &b"a) b"[..]))
        );
        assert_eq!(
            killed_process(b"Killed process 7 (a) b) total-vm:1kB, UID:0"),
            Some((7, &b"a) b"[..]))
        );
        assert_eq!(
            killed_process(b"Killed process 7 (x) anon-rss:1kB"),
            Some((7, &b"x"[..]))
        );
        assert_eq!(killed_process(b"Killed process x (java)"), None);
        assert_eq!(killed_process(b"Killed process 7 (java"), None);
        assert_eq!(killed_process(b"Killed process 7"), None);
    }

    #[test]
    fn kmsg_records_skip_continuations_and_garbage() {
        let bytes = b"6,1,0,-;Linux version 6.18\n\
                      3,2,5000000,-;Out of memory: Killed process 9 (x) total-vm:1kB\n \
                      SUBSYSTEM=mem\n\
                      garbage without a header\n\
                      4,3,notanumber,-;oom\n";
        let records: Vec<(u64, &[u8])> = kmsg_records(bytes).collect();
        assert_eq!(
            records,
            [
                (0, &b"Linux version 6.18"[..]),
                (
                    5_000_000,
                    &b"Out of memory: Killed process 9 (x) total-vm:1kB"[..]
                ),
            ]
        );
    }

    #[test]
    fn counters_from_vmstat_and_cgroup_files() {
        assert_eq!(
            vmstat_oom_kills(b"nr_free_pages 1\noom_kill 3\nnuma_hit 4\n"),
            Some(3)
        );
        assert_eq!(vmstat_oom_kills(b"nr_free_pages 1\n"), None);
        assert_eq!(
            oom_counters(b"low 0\nhigh 0\nmax 12\noom 3\noom_kill 2\noom_group_kill 0\n"),
            (Some(3), Some(2))
        );
        assert_eq!(
            oom_counters(b"oom_kill_disable 0\nunder_oom 0\noom_kill 1\n"),
            (None, Some(1))
        );
    }

    #[test]
    fn kernel_oom_from_fake_kmsg_logs_and_cgroups() {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        let proc_root = root.join("proc");
        std::fs::create_dir(&proc_root).expect("mkdir");
        std::fs::write(proc_root.join("vmstat"), "oom_kill 2\n").expect("write");
        std::fs::write(proc_root.join("stat"), "btime 1700000000\n").expect("write");
        let kmsg = root.join("kmsg");
        std::fs::write(
            &kmsg,
            "6,1,0,-;Linux version 6.18\n\
             4,2,2500000,-;stress invoked oom-killer: gfp_mask=0x1\n\
             3,3,2600000,-;Out of memory: Killed process 4321 (stress) total-vm:1kB\n",
        )
        .expect("write");
        let kern_log = root.join("kern.log");
        std::fs::write(
            &kern_log,
            "2023-11-13T10:00:00+00:00 h kernel: [1.0] Memory cgroup out of memory: Killed process 77 (java) total-vm:1kB\n\
             2023-11-13T10:00:01+00:00 h kernel: [1.1] eth0: link up\n",
        )
        .expect("write");
        let cgroup = root.join("sys/fs/cgroup");
        std::fs::create_dir_all(cgroup.join("system.slice/app.service")).expect("mkdir");
        std::fs::create_dir_all(cgroup.join("system.slice/quiet.service")).expect("mkdir");
        std::fs::write(cgroup.join("cgroup.controllers"), "memory\n").expect("write");
        std::fs::write(
            cgroup.join("system.slice/app.service/memory.events"),
            "low 0\nhigh 0\nmax 5\noom 3\noom_kill 2\n",
        )
        .expect("write");
        std::fs::write(
            cgroup.join("system.slice/quiet.service/memory.events"),
            "oom 0\noom_kill 0\n",
        )
        .expect("write");

        let part = kernel_oom(&Options {
            proc_root,
            sys_root: root.join("sys"),
            kmsg: kmsg.clone(),
            kernel_logs: vec![kern_log.clone(), root.join("messages")],
            ..Options::default()
        });

        assert!(part.problems.is_empty(), "{:?}", part.problems);
        let v = &part.value;
        assert_eq!(v["oom_kills_since_boot"], 2);
        assert_eq!(v["events"].as_array().map(Vec::len), Some(3));
        assert_eq!(
            v["events"][1],
            json!({
                "source": kmsg.display().to_string(),
                "time": "2023-11-14T22:13:22.6Z",
                "message": "Out of memory: Killed process 4321 (stress) total-vm:1kB",
            })
        );
        assert_eq!(
            v["killed"],
            json!([
                { "pid": 4321, "comm": "stress", "time": "2023-11-14T22:13:22.6Z",
                  "source": kmsg.display().to_string() },
                { "pid": 77, "comm": "java", "time": "2023-11-13T10:00:00Z",
                  "source": kern_log.display().to_string() },
            ])
        );
        assert_eq!(
            v["cgroups"],
            json!([{ "path": "/system.slice/app.service", "oom": 3, "oom_kill": 2 }])
        );
    }

    #[test]
    fn an_unreadable_kmsg_is_a_problem_and_the_rest_is_read() {
        let part = kernel_oom(&Options {
            kmsg: PathBuf::from("/nonexistent/kmsg"),
            kernel_logs: vec![],
            ..Options::default()
        });
        assert!(
            part.problems
                .iter()
                .any(|p| p == "/nonexistent/kmsg: not found"),
            "{:?}",
            part.problems
        );
        assert!(part.value["oom_kills_since_boot"].is_u64());
    }
}
