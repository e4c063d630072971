//! What several collectors need from `/proc`: the list of process ids, the boot time, and the
//! units the kernel counts in (clock ticks, pages).

use std::io;
use std::path::Path;

use jiff::Timestamp;

use super::read;

/// Largest `/proc/stat` read; the `intr` line alone can be tens of kilobytes on big machines.
const STAT_MAX: usize = 1 << 20;

/// The pids in `proc_root` (its all-digit entries), in increasing order. Threads are not listed
/// there, only thread-group leaders.
pub(super) fn pids(proc_root: &Path) -> io::Result<Vec<u32>> {
    let mut pids: Vec<u32> = std::fs::read_dir(proc_root)?
        .filter_map(|entry| {
            let name = entry.ok()?.file_name();
            let name = name.to_str()?;
            if name.bytes().all(|b| b.is_ascii_digit()) {
                name.parse().ok()
            } else {
                None
            }
        })
        .collect();
    pids.sort_unstable();
    Ok(pids)
}

/// When the machine booted: `btime` in `/proc/stat`. `None` if the file has no such line.
pub(super) fn boot_time(proc_root: &Path) -> io::Result<Option<Timestamp>> {
    let (bytes, _) = read::head(&proc_root.join("stat"), STAT_MAX)?;
    Ok(read::lines(&bytes).find_map(|line| {
        let seconds = line.strip_prefix(b"btime ")?;
        let seconds: i64 = std::str::from_utf8(seconds).ok()?.trim().parse().ok()?;
        Timestamp::from_second(seconds).ok()
    }))
}

/// Clock ticks per second (`_SC_CLK_TCK`), the unit of start times in `/proc/PID/stat`.
pub(super) fn ticks_per_second() -> u64 {
    match rustix::param::clock_ticks_per_second() {
        0 => 100,
        hz => hz,
    }
}

/// The page size, the unit of resident memory in `/proc/PID/stat`.
pub(super) fn page_size() -> u64 {
    rustix::param::page_size() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boot_time_is_read_from_btime() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(
            dir.path().join("stat"),
            "cpu  1 2 3\nintr 1 2 3\nbtime 1700000000\nprocesses 5\n",
        )
        .expect("write");
        assert_eq!(
            boot_time(dir.path()).expect("read"),
            Some(Timestamp::from_second(1_700_000_000).expect("valid"))
        );
        std::fs::write(dir.path().join("stat"), "btime soon\n").expect("write");
        assert_eq!(boot_time(dir.path()).expect("read"), None);
    }

    #[test]
    fn pids_are_the_numeric_entries_in_order() {
        let dir = tempfile::tempdir().expect("temp dir");
        for name in ["12", "3", "self", "net", "1x"] {
            std::fs::create_dir(dir.path().join(name)).expect("mkdir");
        }
        assert_eq!(pids(dir.path()).expect("list"), [3, 12]);
    }
}
