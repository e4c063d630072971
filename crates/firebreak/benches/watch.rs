//! How soon `firebreak watch` raises a finding after its line is written, while the file grows
//! at 100,000 lines a second: the release binary follows a real file, the built-in rules plus
//! one probe rule run over every line, and a probe line is written every 50 ms. Prints the
//! latency percentiles and the rate actually written.
//!
//!   cargo bench -p firebreak --bench watch [-- SECONDS [LINES_PER_SECOND]]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use firebreak_detect::generate::{GenOptions, Generator, Size};

const PROBE_EVERY: Duration = Duration::from_millis(50);

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let seconds: u64 = args
        .first()
        .and_then(|a| a.parse().ok())
        .unwrap_or(10)
        .clamp(1, 120);
    let rate: u64 = args
        .get(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000)
        .clamp(1, 1_000_000);
    let dir = tempfile::tempdir().expect("tempdir");
    let rules = dir.path().join("rules");
    std::fs::create_dir(&rules).expect("mkdir");
    std::fs::write(
        rules.join("probe.yaml"),
        "rules:\n  - id: probe\n    title: Probe\n    severity: P4\n    match:\n      path: { prefix: /probe/ }\n    group-by: path\n    dedup: 1h\n",
    )
    .expect("rule");
    let log = dir.path().join("access.log");
    std::fs::write(&log, b"").expect("log");

    // Realistic traffic, timed at the rate written, generated before the clock starts.
    let mut traffic = Vec::new();
    Generator::new(GenOptions {
        seed: 9,
        size: Size::Lines(rate.min(500_000)),
        per_second: u32::try_from(rate).unwrap_or(u32::MAX),
        ..GenOptions::default()
    })
    .write_to(&mut traffic)
    .expect("generate");
    let lines: Vec<&[u8]> = traffic.split_inclusive(|b| *b == b'\n').collect();

    let mut child = Command::new(env!("CARGO_BIN_EXE_firebreak"))
        .args(["--json", "watch"])
        .arg(&log)
        .arg("--rules")
        .arg(&rules)
        .args(["--format", "combined", "--offsets"])
        .arg(dir.path().join("offsets.json"))
        .env("FIREBREAK_DATA_DIR", dir.path().join("data"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start firebreak watch");
    let stderr = child.stderr.take().expect("stderr");
    let mut stderr = BufReader::new(stderr).lines();
    for line in stderr.by_ref() {
        if line.expect("stderr").contains("watching") {
            break;
        }
    }
    std::thread::spawn(move || for _ in stderr {});
    let (tx, rx) = mpsc::channel::<(u64, Instant)>();
    let stdout = child.stdout.take().expect("stdout");
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) else {
                continue;
            };
            if v["rule"] != "probe" {
                continue;
            }
            let n = v["key"]["path"]
                .as_str()
                .and_then(|p| p.strip_prefix("/probe/"))
                .and_then(|n| n.parse().ok());
            if let Some(n) = n {
                let _ = tx.send((n, Instant::now()));
            }
        }
    });

    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&log)
        .expect("open log");
    let start = Instant::now();
    let end = start + Duration::from_secs(seconds);
    let mut written: u64 = 0;
    let mut probes: HashMap<u64, Instant> = HashMap::new();
    let mut next_probe = start + PROBE_EVERY;
    let mut batch = Vec::with_capacity(1 << 20);
    let mut cursor = 0usize;
    while Instant::now() < end {
        let due = (start.elapsed().as_secs_f64() * rate as f64) as u64;
        batch.clear();
        while written < due {
            batch.extend_from_slice(lines[cursor % lines.len()]);
            cursor += 1;
            written += 1;
        }
        let now = Instant::now();
        let probe = (now >= next_probe).then(|| {
            next_probe += PROBE_EVERY;
            probes.len() as u64
        });
        if let Some(n) = probe {
            let t = jiff::Timestamp::now().strftime("%d/%b/%Y:%H:%M:%S +0000");
            batch.extend_from_slice(
                format!("192.0.2.99 - - [{t}] \"GET /probe/{n} HTTP/1.1\" 200 1 \"-\" \"bench\"\n")
                    .as_bytes(),
            );
        }
        if !batch.is_empty() {
            file.write_all(&batch).expect("write");
        }
        if let Some(n) = probe {
            probes.insert(n, Instant::now());
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let elapsed = start.elapsed().as_secs_f64();
    let mut latencies: Vec<f64> = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(5);
    while latencies.len() < probes.len() && Instant::now() < deadline {
        if let Ok((n, seen)) = rx.recv_timeout(Duration::from_millis(100))
            && let Some(wrote) = probes.get(&n)
        {
            latencies.push(seen.saturating_duration_since(*wrote).as_secs_f64() * 1000.0);
        }
    }
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
    latencies.sort_by(f64::total_cmp);
    let pct = |p: f64| {
        let i = ((latencies.len() as f64 - 1.0) * p).round() as usize;
        latencies.get(i).copied().unwrap_or(f64::NAN)
    };
    println!(
        "watch: wrote {written} lines in {elapsed:.1} s ({:.0} lines/s), {} probes, {} raised",
        written as f64 / elapsed,
        probes.len(),
        latencies.len()
    );
    println!(
        "latency from write to finding: p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        pct(0.5),
        pct(0.9),
        pct(0.99),
        latencies.last().copied().unwrap_or(f64::NAN)
    );
    if latencies.len() < probes.len() {
        println!("MISSED {} probes", probes.len() - latencies.len());
        std::process::exit(1);
    }
}
