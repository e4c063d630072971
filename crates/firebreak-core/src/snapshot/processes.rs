//! The `processes` part: every process in `/proc`, as `ps -ef` with start times and owners.
//!
//! The part's JSON and its limits are documented on the collector function, which is
//! re-exported from the `snapshot` module.

use std::collections::BTreeMap;
use std::io;
use std::os::unix::ffi::OsStrExt as _;
use std::path::Path;

use jiff::Timestamp;
use serde_json::{Map, Value, json};

use super::passwd::Names;
use super::read::{self, Problems};
use super::{Options, Part, proc};

/// A stat line is about 300 bytes; the comm in it at most 64.
const STAT_MAX: usize = 4096;
/// `/proc/PID/status` is about 1.5 KiB.
const STATUS_MAX: usize = 16 * 1024;
/// Command lines beyond this are cut (the kernel allows up to about 2 MiB).
const CMDLINE_MAX: usize = 128 * 1024;
/// `PF_KTHREAD` in the flags field of `/proc/PID/stat`.
const PF_KTHREAD: u64 = 0x0020_0000;

/// Lists every process under [`Options::proc_root`].
///
/// ```text
/// { "boot_time": "2026-11-20T09:31:02Z", "ticks_per_second": 100,
///   "processes": [ { "pid": 1234, "ppid": 1, "uid": 1000, "euid": 1000, "user": "alice",
///                    "state": "S", "comm": "sshd", "cmdline": ["sshd: alice@pts/0"],
///                    "cmdline_truncated": false, "exe": "/usr/sbin/sshd", "exe_deleted": false,
///                    "kernel_thread": false, "start_time": "2026-11-23T10:00:01Z",
///                    "start_ticks": 12345, "rss_bytes": 5242880, "threads": 1 } ] }
/// ```
///
/// - `pid`, `ppid`, `state` (the letter `ps` shows: R running, S sleeping, D uninterruptible,
///   Z zombie, T stopped, t traced, I idle kernel thread, X dead), `threads`, `rss_bytes`
///   (resident pages × page size), `start_ticks` (clock ticks after boot) come from
///   `/proc/PID/stat`. `comm` is the kernel's 15-byte name, with its parentheses and spaces
///   intact.
/// - `uid` (real) and `euid` (effective) come from `/proc/PID/status`; `user` names `uid` from
///   the passwd file, or is null.
/// - `cmdline` is the argument vector (NUL-separated in `/proc/PID/cmdline`), cut at 128 KiB
///   (`cmdline_truncated`). Kernel threads and zombies have none; theirs is `["[comm]"]`, as `ps`
///   shows them. `kernel_thread` is the kernel's own flag (`PF_KTHREAD`).
/// - `exe` is the link `/proc/PID/exe`; null for kernel threads, zombies and when not permitted
///   (other users' processes unless running as root, and processes even root may not trace).
///   `exe_deleted` is true when the binary was deleted after it started, a classic sign of
///   something covering its tracks.
/// - `start_time` is `boot_time` + `start_ticks` / `ticks_per_second`, to the second (the boot
///   time itself is only known to the second).
///
/// A process that exits while it is being read is left out without a problem line. A field
/// that cannot be read is null, and the problems say how many processes that happened to. With
/// `/proc` mounted `hidepid=`, other users' processes are invisible and cannot be listed.
pub fn processes(options: &Options) -> Part {
    let mut problems = Problems::default();
    let names = Names::load(&options.passwd, &mut problems);
    let boot = match proc::boot_time(&options.proc_root) {
        Ok(Some(boot)) => Some(boot),
        Ok(None) => {
            problems.push("no btime in /proc/stat: start times unknown");
            None
        }
        Err(e) => {
            problems.push(format!(
                "{}: {}; start times unknown",
                options.proc_root.join("stat").display(),
                read::describe(&e)
            ));
            None
        }
    };
    let context = Context {
        proc_root: &options.proc_root,
        names: &names,
        boot,
        hz: proc::ticks_per_second(),
        page_size: proc::page_size(),
    };
    let mut list = Vec::new();
    let mut denied = BTreeMap::new();
    match proc::pids(&options.proc_root) {
        Ok(pids) => {
            for pid in pids {
                let mut reader = Reader {
                    pid,
                    gone: false,
                    denied: &mut denied,
                    problems: &mut problems,
                };
                if let Some(process) = context.process(&mut reader) {
                    list.push(Value::Object(process));
                }
            }
        }
        Err(e) => problems.io(&options.proc_root, &e),
    }
    for (field, count) in denied {
        problems.push(format!(
            "{field}: permission denied for {} (shown as null)",
            read::count(count, "process", "processes")
        ));
    }
    Part {
        name: "processes",
        value: json!({
            "boot_time": boot,
            "ticks_per_second": context.hz,
            "processes": list,
        }),
        problems: problems.finish(),
    }
}

/// What is the same for every process.
struct Context<'a> {
    proc_root: &'a Path,
    names: &'a Names,
    boot: Option<Timestamp>,
    hz: u64,
    page_size: u64,
}

/// The state of reading one process: whether it seems to have gone, and where refusals and
/// other failures are counted.
struct Reader<'a> {
    pid: u32,
    gone: bool,
    denied: &'a mut BTreeMap<&'static str, usize>,
    problems: &'a mut Problems,
}

impl Reader<'_> {
    /// The value of a field, or `None` with the failure noted.
    fn field<T>(&mut self, name: &'static str, result: io::Result<T>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(e) if read::is_gone(&e) => {
                self.gone = true;
                None
            }
            Err(e) if read::is_denied(&e) => {
                *self.denied.entry(name).or_default() += 1;
                None
            }
            Err(e) => {
                self.problems
                    .push(format!("pid {} {name}: {}", self.pid, read::describe(&e)));
                None
            }
        }
    }
}

impl Context<'_> {
    fn process(&self, reader: &mut Reader<'_>) -> Option<Map<String, Value>> {
        let pid = reader.pid;
        let dir = self.proc_root.join(pid.to_string());
        let stat = match read::head(&dir.join("stat"), STAT_MAX) {
            Ok((bytes, _)) => bytes,
            Err(e) if read::is_gone(&e) => return None,
            Err(e) => {
                reader
                    .problems
                    .push(format!("pid {pid} stat: {}", read::describe(&e)));
                return None;
            }
        };
        let Some(stat) = parse_stat(&stat) else {
            reader
                .problems
                .push(format!("pid {pid} stat: not in the expected format"));
            return None;
        };
        let status = reader
            .field("status", read::head(&dir.join("status"), STATUS_MAX))
            .map(|(bytes, _)| parse_status(&bytes))
            .unwrap_or_default();
        let cmdline = reader.field("cmdline", read::head(&dir.join("cmdline"), CMDLINE_MAX));
        let kernel_thread = stat.flags & PF_KTHREAD != 0;
        // Kernel threads and zombies have no executable: not worth asking, nor a problem.
        let exe = if kernel_thread || stat.state == b'Z' {
            None
        } else {
            reader.field("exe", std::fs::read_link(dir.join("exe")))
        };
        if reader.gone && !self.still_there(&dir, stat.start_ticks) {
            return None;
        }

        let mut p = Map::new();
        p.insert("pid".into(), pid.into());
        p.insert("ppid".into(), stat.ppid.into());
        p.insert("uid".into(), status.uid.into());
        p.insert("euid".into(), status.euid.into());
        let user = status.uid.and_then(|uid| self.names.get(uid));
        p.insert("user".into(), user.into());
        p.insert("state".into(), char::from(stat.state).to_string().into());
        read::put_text(&mut p, "comm", &stat.comm);
        let (args, truncated) = match &cmdline {
            Some((bytes, more)) => (split_cmdline(bytes), *more),
            None => (Vec::new(), false),
        };
        if args.is_empty() {
            let mut bracketed = b"[".to_vec();
            bracketed.extend_from_slice(&stat.comm);
            bracketed.push(b']');
            read::put_text_list(&mut p, "cmdline", &[&bracketed]);
        } else {
            read::put_text_list(&mut p, "cmdline", &args);
        }
        p.insert("cmdline_truncated".into(), truncated.into());
        match &exe {
            Some(exe) => read::put_text(&mut p, "exe", exe.as_os_str().as_bytes()),
            None => {
                p.insert("exe".into(), Value::Null);
            }
        }
        let deleted = exe
            .as_ref()
            .is_some_and(|e| e.as_os_str().as_bytes().ends_with(b" (deleted)"));
        p.insert("exe_deleted".into(), deleted.into());
        p.insert("kernel_thread".into(), kernel_thread.into());
        let start = self.boot.and_then(|boot| {
            let seconds = i64::try_from(stat.start_ticks / self.hz).ok()?;
            Timestamp::from_second(boot.as_second().checked_add(seconds)?).ok()
        });
        p.insert("start_time".into(), json!(start));
        p.insert("start_ticks".into(), stat.start_ticks.into());
        p.insert(
            "rss_bytes".into(),
            stat.rss_pages.saturating_mul(self.page_size).into(),
        );
        p.insert("threads".into(), stat.threads.into());
        Some(p)
    }

    /// Whether the process that a read found gone is in fact still there: the same pid with
    /// the same start time (a reused pid is another process).
    fn still_there(&self, dir: &Path, start_ticks: u64) -> bool {
        read::head(&dir.join("stat"), STAT_MAX)
            .ok()
            .and_then(|(bytes, _)| parse_stat(&bytes))
            .is_some_and(|stat| stat.start_ticks == start_ticks)
    }
}

/// The fields of `/proc/PID/stat` a snapshot keeps.
#[derive(Debug, PartialEq, Eq)]
struct Stat {
    comm: Vec<u8>,
    state: u8,
    ppid: u32,
    flags: u64,
    threads: u64,
    start_ticks: u64,
    rss_pages: u64,
}

/// Parses `pid (comm) state ppid … flags … num_threads … starttime vsize rss …`. The comm may
/// hold spaces and parentheses, so it ends at the *last* `)`.
fn parse_stat(bytes: &[u8]) -> Option<Stat> {
    let open = bytes.iter().position(|&b| b == b'(')?;
    let close = bytes.iter().rposition(|&b| b == b')')?;
    if close < open {
        return None;
    }
    let comm = bytes[open + 1..close].to_vec();
    let rest = std::str::from_utf8(&bytes[close + 1..]).ok()?;
    let fields: Vec<&str> = rest.split_ascii_whitespace().collect();
    // Index 0 is field 3 of proc(5).
    let number = |field: usize| -> Option<u64> { fields.get(field - 3)?.parse().ok() };
    let state = *fields.first()?.as_bytes().first()?;
    Some(Stat {
        comm,
        state,
        ppid: u32::try_from(number(4)?).ok()?,
        flags: number(9)?,
        threads: number(20)?,
        start_ticks: number(22)?,
        // Signed in the kernel's format; a negative count is garbage, and zero is honest.
        rss_pages: fields
            .get(24 - 3)?
            .parse::<i64>()
            .ok()?
            .max(0)
            .unsigned_abs(),
    })
}

/// The ids a snapshot keeps from `/proc/PID/status`.
#[derive(Debug, Default, PartialEq, Eq)]
struct Status {
    uid: Option<u32>,
    euid: Option<u32>,
}

/// Reads the `Uid:` line (real, effective, saved, filesystem).
fn parse_status(bytes: &[u8]) -> Status {
    read::lines(bytes)
        .find_map(|line| line.strip_prefix(b"Uid:"))
        .and_then(|ids| std::str::from_utf8(ids).ok())
        .map(|ids| {
            let mut ids = ids.split_ascii_whitespace().map(|id| id.parse().ok());
            Status {
                uid: ids.next().flatten(),
                euid: ids.next().flatten(),
            }
        })
        .unwrap_or_default()
}

/// The arguments of a command line: NUL-terminated strings. An empty argument is kept (it was
/// passed); only the final terminator is dropped.
fn split_cmdline(bytes: &[u8]) -> Vec<&[u8]> {
    if bytes.is_empty() {
        return Vec::new();
    }
    let bytes = bytes.strip_suffix(b"\0").unwrap_or(bytes);
    bytes.split(|&b| b == 0).collect()
}

/// The processes of [`Options::proc_root`] named `name`: by `/proc/PID/comm` (which the
/// kernel cuts at 15 bytes, so a longer name is compared by its first 15), or by the file name
/// of the first word of the command line. Processes that exit while being read are skipped;
/// zombies do not count.
pub fn named(proc_root: &std::path::Path, name: &str) -> std::io::Result<Vec<u32>> {
    let mut found = Vec::new();
    let short = name.get(..15).unwrap_or(name);
    for pid in super::proc::pids(proc_root)? {
        let dir = proc_root.join(pid.to_string());
        let comm = std::fs::read(dir.join("comm")).unwrap_or_default();
        let comm = String::from_utf8_lossy(&comm);
        let by_comm = comm.trim_end_matches('\n') == short;
        let by_cmdline = || {
            let cmdline = std::fs::read(dir.join("cmdline")).unwrap_or_default();
            let first = cmdline.split(|b| *b == 0).next().unwrap_or_default();
            let program = first.rsplit(|b| *b == b'/').next().unwrap_or_default();
            program == name.as_bytes()
        };
        if (by_comm || by_cmdline()) && alive(proc_root, pid) {
            found.push(pid);
        }
    }
    Ok(found)
}

/// Whether process `pid` exists in `proc_root` and is not a zombie.
pub fn alive(proc_root: &std::path::Path, pid: u32) -> bool {
    let Ok(stat) = std::fs::read(proc_root.join(pid.to_string()).join("stat")) else {
        return false;
    };
    // `PID (COMM) STATE …`: the state follows the last `)`, since COMM may hold one.
    let state = stat
        .iter()
        .rposition(|b| *b == b')')
        .and_then(|at| stat.get(at + 2));
    state.is_some_and(|s| *s != b'Z' && *s != b'X')
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::path::PathBuf;
    use std::time::{Duration, SystemTime};

    fn stat_line(pid: u32, comm: &str, state: char, ppid: u32, flags: u64, start: u64) -> String {
        // Fields 3..=24 of proc(5), with threads 3 and rss 25 pages.
        format!(
            "{pid} ({comm}) {state} {ppid} {pid} {pid} 0 -1 {flags} 10 0 0 0 5 6 0 0 20 0 3 0 \
             {start} 1000000 25 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n"
        )
    }

    #[test]
    fn stat_with_spaces_and_parentheses_in_the_comm() {
        let line = stat_line(42, "(a) b)", 'S', 7, 0x0040_0100, 9876);
        let stat = parse_stat(line.as_bytes()).expect("parses");
        assert_eq!(
            stat,
            Stat {
                comm: b"(a) b)".to_vec(),
                state: b'S',
                ppid: 7,
                flags: 0x0040_0100,
                threads: 3,
                start_ticks: 9876,
                rss_pages: 25,
            }
        );
    }

    #[test]
    fn stat_that_is_cut_or_garbage_is_refused_without_panicking() {
        let line = stat_line(42, "x", 'R', 1, 0, 5);
        for cut in 0..line.len() {
            // Every prefix either parses (long enough) or is refused; none panics.
            let _ = parse_stat(&line.as_bytes()[..cut]);
        }
        assert!(parse_stat(b"42 (x").is_none());
        assert!(parse_stat(b"42 x) S 1").is_none());
        assert!(parse_stat(b") (").is_none());
        assert!(parse_stat("42 (\u{fffd}) S \u{fffd}".as_bytes()).is_none());
    }

    #[test]
    fn status_gives_the_real_and_effective_uid() {
        let status = b"Name:\tsudo\nUmask:\t0022\nState:\tS (sleeping)\nUid:\t1000\t0\t0\t0\nGid:\t0\t0\t0\t0\n";
        assert_eq!(
            parse_status(status),
            Status {
                uid: Some(1000),
                euid: Some(0)
            }
        );
        assert_eq!(parse_status(b"Uid:\n"), Status::default());
        assert_eq!(parse_status(b"\xff\xfe"), Status::default());
    }

    #[test]
    fn cmdline_keeps_empty_arguments_and_drops_the_last_terminator() {
        assert_eq!(
            split_cmdline(b"/bin/sh\0-c\0\0"),
            [&b"/bin/sh"[..], b"-c", b""]
        );
        assert_eq!(split_cmdline(b"nginx: worker"), [&b"nginx: worker"[..]]);
        assert!(split_cmdline(b"").is_empty());
    }

    /// A fake `/proc` with a user process, a kernel thread and a passwd file.
    fn fake_tree() -> (tempfile::TempDir, Options) {
        let dir = tempfile::tempdir().expect("temp dir");
        let proc_root = dir.path().join("proc");
        std::fs::create_dir(&proc_root).expect("mkdir");
        std::fs::write(proc_root.join("stat"), "cpu 1 2\nbtime 1700000000\n").expect("write");
        let hz = proc::ticks_per_second();

        let user = proc_root.join("300");
        std::fs::create_dir(&user).expect("mkdir");
        std::fs::write(
            user.join("stat"),
            stat_line(300, "my (prog)", 'S', 1, 0x0040_0000, 50 * hz + 7),
        )
        .expect("write");
        std::fs::write(
            user.join("status"),
            "Name:\tprog\nUid:\t1000\t1000\t1000\t1000\n",
        )
        .expect("write");
        std::fs::write(user.join("cmdline"), b"/opt/prog\0--flag\0caf\xc3\xa9\0").expect("write");
        std::os::unix::fs::symlink("/opt/prog (deleted)", user.join("exe")).expect("symlink");

        let kthread = proc_root.join("2");
        std::fs::create_dir(&kthread).expect("mkdir");
        std::fs::write(
            kthread.join("stat"),
            stat_line(2, "kthreadd", 'S', 0, PF_KTHREAD, 0),
        )
        .expect("write");
        std::fs::write(kthread.join("status"), "Uid:\t0\t0\t0\t0\n").expect("write");
        std::fs::write(kthread.join("cmdline"), b"").expect("write");

        // Listed in /proc but gone before it could be read.
        std::fs::create_dir(proc_root.join("9999")).expect("mkdir");

        let passwd = dir.path().join("passwd");
        std::fs::write(
            &passwd,
            "root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n",
        )
        .expect("write");
        let options = Options {
            proc_root,
            passwd,
            now: SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_100),
            ..Options::default()
        };
        (dir, options)
    }

    #[test]
    fn processes_from_a_fake_proc() {
        let (_dir, options) = fake_tree();
        let part = processes(&options);
        assert_eq!(part.name, "processes");
        assert!(part.problems.is_empty(), "{:?}", part.problems);
        let list = part.value["processes"].as_array().expect("list");
        assert_eq!(
            list.len(),
            2,
            "the vanished pid is skipped silently: {list:?}"
        );

        let kthread = &list[0];
        assert_eq!(kthread["pid"], 2);
        assert_eq!(kthread["cmdline"], json!(["[kthreadd]"]));
        assert_eq!(kthread["kernel_thread"], true);
        assert_eq!(kthread["exe"], Value::Null);
        assert_eq!(kthread["user"], "root");
        assert_eq!(kthread["start_time"], "2023-11-14T22:13:20Z");

        let user = &list[1];
        assert_eq!(
            user,
            &json!({
                "pid": 300, "ppid": 1, "uid": 1000, "euid": 1000, "user": "alice",
                "state": "S", "comm": "my (prog)",
                "cmdline": ["/opt/prog", "--flag", "café"], "cmdline_truncated": false,
                "exe": "/opt/prog (deleted)", "exe_deleted": true, "kernel_thread": false,
                "start_time": "2023-11-14T22:14:10Z",
                "start_ticks": 50 * proc::ticks_per_second() + 7,
                "rss_bytes": 25 * proc::page_size(), "threads": 3,
            })
        );
    }

    #[test]
    fn a_missing_proc_is_a_problem_not_a_failure() {
        let options = Options {
            proc_root: PathBuf::from("/nonexistent/proc"),
            passwd: PathBuf::from("/nonexistent/passwd"),
            ..Options::default()
        };
        let part = processes(&options);
        assert_eq!(part.value["processes"], json!([]));
        assert_eq!(part.problems.len(), 3, "{:?}", part.problems);
    }
}
