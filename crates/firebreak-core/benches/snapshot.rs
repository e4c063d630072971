//! Volatile-state snapshot, `snapshot::collect` end to end on this machine's real `/proc`, with
//! 500 extra `sleep 60` processes running (the target is one second or less), and each
//! collector alone, to show where the time goes. The modified-files walk is pointed at a
//! temporary directory of a few files, so the figure measures `/proc`, not this disk.
//!
//! Then the two log readers at their bounds, which this machine's (absent) logs do not reach:
//! an authentication log of 16 MiB of password guesses all inside the window (the most
//! `auth-log` reads per file), and a 4 MiB kernel log (the most `kernel-oom` reads per file).
//!
//! ```text
//! cargo bench -p firebreak-core --bench snapshot
//! ```

use std::fmt::Write as _;
use std::hint::black_box;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use criterion::Criterion;
use firebreak_core::snapshot::{self, Options};

/// Extra processes running while measured.
const CHILDREN: usize = 500;

/// The `sleep` children; killed and reaped when dropped, even if the benchmark panics.
struct Sleepers(Vec<Child>);

impl Sleepers {
    fn spawn(count: usize) -> Sleepers {
        let mut sleepers = Sleepers(Vec::with_capacity(count));
        for _ in 0..count {
            let child = Command::new("sleep")
                .arg("60")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("spawn sleep");
            sleepers.0.push(child);
        }
        sleepers
    }
}

impl Drop for Sleepers {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
        }
        for child in &mut self.0 {
            let _ = child.wait();
        }
    }
}

fn main() {
    let files = tempfile::tempdir().expect("temp dir");
    for i in 0..20 {
        std::fs::write(files.path().join(format!("file-{i}")), b"evidence").expect("write");
    }
    let options = Options {
        paths: vec![files.path().to_path_buf()],
        ..Options::default()
    };
    let sleepers = Sleepers::spawn(CHILDREN);

    let parts = snapshot::collect(&options);
    let processes = parts
        .iter()
        .find(|p| p.name == "processes")
        .and_then(|p| p.value["processes"].as_array().map(Vec::len))
        .unwrap_or(0);
    let sockets = parts
        .iter()
        .find(|p| p.name == "sockets")
        .and_then(|p| p.value["sockets"].as_array().map(Vec::len))
        .unwrap_or(0);
    let json: usize = parts
        .iter()
        .map(|p| serde_json::to_vec(&p.value).map_or(0, |v| v.len()))
        .sum();
    eprintln!(
        "snapshot: {processes} processes, {sockets} sockets, {json} bytes of JSON, {} problems",
        parts.iter().map(|p| p.problems.len()).sum::<usize>()
    );
    assert!(
        processes > CHILDREN,
        "the {CHILDREN} children were not all seen"
    );

    let mut criterion = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(8))
        .configure_from_args();
    let mut group = criterion.benchmark_group("snapshot");
    group.bench_function("collect", |b| {
        b.iter(|| black_box(snapshot::collect(black_box(&options))))
    });
    for (name, collector) in snapshot::COLLECTORS {
        group.bench_function(name, |b| {
            b.iter(|| black_box(collector(black_box(&options))))
        });
    }
    group.finish();
    drop(sleepers);

    let logs = tempfile::tempdir().expect("temp dir");
    let auth = logs.path().join("auth.log");
    std::fs::write(&auth, brute_force_log(16 << 20)).expect("write");
    let kern = logs.path().join("kern.log");
    std::fs::write(&kern, kernel_log(4 << 20)).expect("write");
    let at_bounds = Options {
        auth_logs: vec![auth],
        kernel_logs: vec![kern],
        paths: Vec::new(),
        ..Options::default()
    };
    let mut group = criterion.benchmark_group("snapshot-logs");
    group.sample_size(10);
    group.bench_function("auth-log/16MiB-of-guesses", |b| {
        b.iter(|| black_box(snapshot::auth_log(black_box(&at_bounds))))
    });
    group.bench_function("kernel-oom/4MiB-kern.log", |b| {
        b.iter(|| black_box(snapshot::kernel_oom(black_box(&at_bounds))))
    });
    group.finish();
    criterion.final_summary();
}

/// `bytes` of sshd lines from the last half hour: failed passwords for many users from many
/// addresses, a few accepted logins.
fn brute_force_log(bytes: usize) -> String {
    let start = jiff::Timestamp::now() - jiff::SignedDuration::from_mins(30);
    let mut log = String::with_capacity(bytes + 200);
    let mut i = 0u64;
    while log.len() < bytes {
        let time = start + jiff::SignedDuration::from_millis(i64::try_from(i * 10).unwrap_or(0));
        let _ = if i.is_multiple_of(1000) {
            writeln!(
                log,
                "{time} web1 sshd[{}]: Accepted publickey for deploy from 203.0.113.{} port 51514 ssh2: ED25519 SHA256:abc",
                1000 + i % 30000,
                i % 250
            )
        } else {
            writeln!(
                log,
                "{time} web1 sshd[{}]: Failed password for invalid user user{} from 198.51.{}.{} port {} ssh2",
                1000 + i % 30000,
                i % 3000,
                (i / 256) % 256,
                i % 256,
                1024 + i % 60000
            )
        };
        i += 1;
    }
    log
}

/// `bytes` of kernel log lines, one OOM kill among every thousand.
fn kernel_log(bytes: usize) -> String {
    let mut log = String::with_capacity(bytes + 200);
    let mut i = 0u64;
    while log.len() < bytes {
        let _ = if i.is_multiple_of(1000) {
            writeln!(
                log,
                "2026-11-23T09:12:44.000000+00:00 web1 kernel: [{i}.0] Out of memory: Killed process {} (java) total-vm:8123456kB, anon-rss:4123456kB, file-rss:0kB, shmem-rss:0kB, UID:1000 pgtables:9000kB oom_score_adj:0",
                4000 + i
            )
        } else {
            writeln!(
                log,
                "2026-11-23T09:12:44.000000+00:00 web1 kernel: [{i}.0] EXT4-fs (vda1): mounted filesystem 1b2c3d4e-0000-4000-8000-00000000000{} r/w with ordered data mode. Quota mode: none.",
                i % 10
            )
        };
        i += 1;
    }
    log
}
