//! Bundle verification: `bundle::verify` of a bundle holding one 1 GiB item (the target is 2 s
//! or less), for two kinds of evidence: web-server log text, which gzip shrinks about fivefold,
//! and random bytes, which it cannot shrink (packet captures, compressed logs, encrypted
//! disks). Beside each, the floor: inflating the same bundle and discarding the output, which
//! is what any gzip'd format costs to read. Writing each bundle is timed once and printed.
//!
//! ```text
//! cargo bench -p firebreak-core --bench bundle
//! FIREBREAK_BENCH_BUNDLE_MIB=256 cargo bench -p firebreak-core --bench bundle   # smaller item
//! FIREBREAK_BENCH_BUNDLE_KEEP=DIR cargo bench …   # leave the bundles in DIR, e.g. to time
//!                                                  # `tar xzf` + `sha256sum -c` on them
//! ```
//!
//! The item and bundles are written to a temporary directory first and stay in the page cache
//! (the machine has far more memory than 2 GiB), so the figures are CPU cost, not disk.

use std::fs::File;
use std::hint::black_box;
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode, Throughput};
use ed25519_dalek::SigningKey;
use firebreak_core::bundle::{self, ExportRequest, ItemSource};
use firebreak_core::change::Change;
use firebreak_core::journal::{Event, Head, StoredEvent, to_micros};
use jiff::Timestamp;
use sha2::{Digest as _, Sha256};

/// A xorshift generator: fast, and enough to defeat gzip.
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// 64 MiB of distinct access-log lines, written over and over: repeats lie far beyond gzip's
/// 32 KiB window, so they compress like fresh log text.
fn log_block(noise: &mut Noise) -> Vec<u8> {
    let mut block = Vec::with_capacity(64 << 20);
    while block.len() < 64 << 20 {
        let r = noise.next();
        let line = format!(
            "10.{}.{}.{} - - [23/Nov/2026:{:02}:{:02}:{:02} +0000] \"{} /api/v2/orders/{} \
             HTTP/1.1\" {} {} \"-\" \"Mozilla/5.0 (X11; Linux x86_64) firefox/{}\"\n",
            r & 0xff,
            (r >> 8) & 0xff,
            (r >> 16) & 0xff,
            (r >> 24) % 24,
            (r >> 29) % 60,
            (r >> 35) % 60,
            ["GET", "GET", "GET", "POST"][(r >> 41) as usize % 4],
            (r >> 43) % 1_000_000,
            [200, 200, 200, 304, 404, 500][(r >> 50) as usize % 6],
            (r >> 20) % 50_000,
            100 + (r >> 56) % 40,
        );
        block.extend_from_slice(line.as_bytes());
    }
    block
}

/// Writes `size` bytes of the given kind to `path`, returning their SHA-256.
fn make_item(path: &Path, size: u64, text: bool) -> io::Result<String> {
    let mut noise = Noise(0x9e37_79b9_7f4a_7c15);
    let mut out = BufWriter::with_capacity(1 << 20, File::create(path)?);
    let mut hasher = Sha256::new();
    let block = if text {
        log_block(&mut noise)
    } else {
        Vec::new()
    };
    let mut chunk = vec![0u8; 1 << 20];
    let mut written = 0u64;
    while written < size {
        let bytes: &[u8] = if text {
            let at = (written % block.len() as u64) as usize;
            &block[at..(at + (1 << 20)).min(block.len())]
        } else {
            for word in chunk.chunks_exact_mut(8) {
                word.copy_from_slice(&noise.next().to_le_bytes());
            }
            &chunk
        };
        let take = bytes.len().min((size - written) as usize);
        out.write_all(&bytes[..take])?;
        hasher.update(&bytes[..take]);
        written += take as u64;
    }
    out.flush()?;
    Ok(hex::encode(hasher.finalize()))
}

fn events() -> Vec<StoredEvent> {
    let id = "INC-2026-11-23-001".parse().expect("id");
    let notes: Vec<Change> = (0..100)
        .map(|i| Change::NoteAdded {
            text: format!("note {i}"),
        })
        .collect();
    Event::chain(id, Head::default(), Timestamp::now(), "alice", &notes)
        .iter()
        .map(|e| StoredEvent {
            incident: e.incident.to_string(),
            seq: e.seq as i64,
            at: to_micros(e.at),
            actor: e.actor.clone(),
            kind: e.kind.clone(),
            payload: e.payload.clone(),
            prev: e.prev.to_string(),
            hash: e.hash.to_string(),
        })
        .collect()
}

/// Writes a bundle holding `item` and prints how long it took and how large it is.
fn make_bundle(dir: &Path, label: &str, item: &Path, sha256: String, size: u64) -> PathBuf {
    let events = events();
    let path = dir.join(format!("{label}.tar.gz"));
    let request = ExportRequest {
        incident: "INC-2026-11-23-001".parse().expect("id"),
        created_at: Timestamp::now(),
        created_by: "bench".into(),
        host: "bench".into(),
        items: vec![ItemSource::from_path(
            "E1",
            sha256,
            size,
            serde_json::json!({"path": "/var/log/nginx/access.log"}),
            item,
        )],
        custody: Vec::new(),
        events: &events,
    };
    let start = Instant::now();
    let mut out = File::create(&path).expect("create bundle");
    let summary =
        bundle::write(request, &SigningKey::from_bytes(&[7; 32]), &mut out).expect("write bundle");
    eprintln!(
        "write {label}: {size} bytes in {:.2} s ({:.0} MB/s), bundle {} bytes ({:.1} % of the item)",
        start.elapsed().as_secs_f64(),
        size as f64 / start.elapsed().as_secs_f64() / 1e6,
        summary.compressed_bytes,
        100.0 * summary.compressed_bytes as f64 / size as f64,
    );
    path
}

fn main() {
    let mib: u64 = std::env::var("FIREBREAK_BENCH_BUNDLE_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1024);
    let size = mib << 20;
    let dir = tempfile::tempdir().expect("tempdir");
    let keep = std::env::var_os("FIREBREAK_BENCH_BUNDLE_KEEP").map(PathBuf::from);
    let key = SigningKey::from_bytes(&[7; 32]).verifying_key();
    let mut criterion = Criterion::default()
        .configure_from_args()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(20));

    for (label, text) in [("log-text", true), ("random", false)] {
        let item = dir.path().join(format!("{label}.item"));
        let sha256 = make_item(&item, size, text).expect("make item");
        let bundle_path = make_bundle(dir.path(), label, &item, sha256, size);
        std::fs::remove_file(&item).expect("remove item");

        let mut group = criterion.benchmark_group(format!("bundle/{mib}MiB-{label}"));
        group.sampling_mode(SamplingMode::Flat);
        group.throughput(Throughput::Bytes(size));
        group.bench_function("verify", |b| {
            b.iter(|| {
                let file = File::open(&bundle_path).expect("open");
                black_box(bundle::verify(file, Some(&key)).expect("verifies"))
            })
        });
        group.bench_function("inflate only", |b| {
            b.iter(|| {
                let file = io::BufReader::with_capacity(
                    256 << 10,
                    File::open(&bundle_path).expect("open"),
                );
                let mut gz = flate2::bufread::GzDecoder::new(file);
                let mut buffer = vec![0u8; 1 << 20];
                let mut total = 0u64;
                loop {
                    match gz.read(&mut buffer).expect("inflate") {
                        0 => break,
                        n => total += n as u64,
                    }
                }
                black_box(total)
            })
        });
        group.finish();
        match &keep {
            Some(keep) => std::fs::copy(&bundle_path, keep.join(format!("{label}.tar.gz")))
                .map(|_| ())
                .expect("keep bundle"),
            None => std::fs::remove_file(&bundle_path).expect("remove bundle"),
        }
    }
    criterion.final_summary();
}
