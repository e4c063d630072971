//! `triage` over a combined access log from page cache, on one worker and on all cores:
//! criterion reports bytes per second. The log is written once into a temporary directory
//! (64 MiB from [`firebreak_detect::generate`]: 50,000 clients with a skewed distribution,
//! IPv6 among them, planted attacks), or taken from `FIREBREAK_BENCH_LOG` when that names a
//! file — the way to measure the 1 GB figure in docs/benchmarks.md against the same file awk
//! and GoAccess read.
//!
//! With `FIREBREAK_BENCH_ONCE` set to a thread count, it skips criterion and times one run on
//! that many threads (for `/usr/bin/time -v`, which then gives the peak RSS of one run). A log
//! named by `FIREBREAK_BENCH_LOG` has its format detected, as `firebreak triage` does, so JSON
//! lines can be timed the same way.
//!
//! ```text
//! cargo bench -p firebreak-detect --bench triage
//! FIREBREAK_BENCH_LOG=/var/tmp/access-1g.log cargo bench -p firebreak-detect --bench triage
//! FIREBREAK_BENCH_LOG=/var/tmp/access-1g.log FIREBREAK_BENCH_ONCE=2 \
//!     /usr/bin/time -v cargo bench -p firebreak-detect --bench triage
//! ```

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{Criterion, SamplingMode, Throughput};
use firebreak_detect::format::Format;
use firebreak_detect::generate::{GenOptions, Generator, Size};
use firebreak_detect::input::Input;
use firebreak_detect::triage::{self, Options};

/// Size of the generated log.
const GENERATED: u64 = 64 << 20;

fn generate(path: &Path, size: u64) -> std::io::Result<()> {
    let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    Generator::new(GenOptions {
        size: Size::Bytes(size),
        ..GenOptions::default()
    })
    .write_to(&mut out)?;
    out.flush()
}

fn log_file(dir: &Path) -> PathBuf {
    if let Some(path) = std::env::var_os("FIREBREAK_BENCH_LOG") {
        return PathBuf::from(path);
    }
    let path = dir.join("access.log");
    if let Err(e) = generate(&path, GENERATED) {
        panic!("writing the benchmark log: {e}");
    }
    path
}

fn triage_once(path: &Path, threads: usize) -> u64 {
    let options = Options {
        threads,
        ..Options::default()
    };
    let input = match Input::open(path) {
        Ok(input) => input,
        Err(e) => panic!("{e}"),
    };
    // The generated log is combined; a given one may be anything triage reads.
    let format = std::env::var_os("FIREBREAK_BENCH_LOG")
        .is_none()
        .then_some(Format::Combined);
    match triage::run(vec![input], format, &options, &|_| {}) {
        Ok(report) => report.totals.lines,
        Err(e) => panic!("{e}"),
    }
}

fn bench(c: &mut Criterion) {
    let dir = match tempfile::tempdir() {
        Ok(dir) => dir,
        Err(e) => panic!("temporary directory: {e}"),
    };
    let path = log_file(dir.path());
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    if let Some(threads) = std::env::var("FIREBREAK_BENCH_ONCE")
        .ok()
        .and_then(|t| t.parse::<usize>().ok())
    {
        let started = std::time::Instant::now();
        let lines = triage_once(&path, threads);
        let seconds = started.elapsed().as_secs_f64();
        println!(
            "triage: {size} bytes, {lines} lines, {threads} threads: {seconds:.3} s, {:.0} MB/s",
            size as f64 / seconds / 1e6
        );
        return;
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut group = c.benchmark_group("triage");
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(if size > (256 << 20) {
        60
    } else {
        15
    }));
    group.throughput(Throughput::Bytes(size));
    for threads in [1, cores.clamp(1, triage::MAX_THREADS)] {
        let options = Options {
            threads,
            ..Options::default()
        };
        group.bench_function(format!("combined/{threads}-threads"), |b| {
            b.iter(|| triage_once(&path, options.threads));
        });
        if cores == 1 {
            break;
        }
    }
    group.finish();
}

criterion::criterion_group!(benches, bench);
criterion::criterion_main!(benches);
