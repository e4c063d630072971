//! Parsing speed of the log formats, in MB/s of log text, over a few thousand realistic lines
//! (skewed clients, IPv6, long agents, the odd TLS probe). `combined` is triage's hot path;
//! the others are for comparison.
//!
//! `cargo bench -p firebreak-detect --bench parse -- --quick`

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use firebreak_detect::format::{Format, FormatConfig};

const LINES: usize = 4096;

const PATHS: &[&str] = &[
    "/",
    "/index.html",
    "/api/v1/items?page=2&sort=desc",
    "/static/js/app.3f9c2b1e.js",
    "/static/css/site.css",
    "/login",
    "/wp-login.php",
    "/.env",
    "/api/v1/export?format=csv&from=2026-01-01",
    "/images/products/large/0042.jpg",
];

const AGENTS: &[&str] = &[
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "curl/8.5.0",
    "python-requests/2.32.3",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "-",
];

/// A small deterministic generator (xorshift), so every run parses the same bytes.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// Skewed towards small values: a few clients send most requests.
    fn skewed(&mut self, n: usize) -> usize {
        let a = self.below(n);
        self.below(a + 1)
    }
}

fn combined_lines() -> Vec<String> {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    (0..LINES)
        .map(|i| {
            let client = match rng.below(10) {
                0 => format!("2001:db8:{:x}::{:x}", rng.skewed(64), rng.below(65_536)),
                _ => format!(
                    "{}.{}.{}.{}",
                    10 + rng.skewed(200),
                    rng.below(256),
                    rng.below(256),
                    1 + rng.skewed(254)
                ),
            };
            let second = i / 20;
            let time = format!(
                "23/Nov/2026:13:{:02}:{:02} +0000",
                (second / 60) % 60,
                second % 60
            );
            let request = if rng.below(500) == 0 {
                r"\x16\x03\x01\x00\xA5\x01\x00\x00\xA1\x03\x03".to_owned()
            } else {
                let method = ["GET", "GET", "GET", "POST", "HEAD"][rng.below(5)];
                format!("{method} {} HTTP/1.1", PATHS[rng.skewed(PATHS.len())])
            };
            let status = [200, 200, 200, 200, 304, 301, 404, 401, 429, 500][rng.below(10)];
            let bytes = rng.below(200_000);
            let referer = if rng.below(3) == 0 {
                "https://shop.example.com/"
            } else {
                "-"
            };
            let agent = AGENTS[rng.skewed(AGENTS.len())];
            format!(r#"{client} - - [{time}] "{request}" {status} {bytes} "{referer}" "{agent}""#)
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let combined = combined_lines();
    let json: Vec<String> = combined
        .iter()
        .map(|line| {
            let record = Format::Combined
                .parse(line.as_bytes())
                .expect("generated line parses");
            serde_json::Value::Object(record.to_json()).to_string()
        })
        .collect();
    let syslog: Vec<String> = (0..LINES)
        .map(|i| {
            format!(
                "Nov 23 13:{:02}:{:02} bastion sshd[{}]: Failed password for invalid user admin{} from 203.0.113.{} port {} ssh2",
                (i / 60) % 60,
                i % 60,
                1000 + i,
                i % 7,
                i % 250,
                30_000 + i
            )
        })
        .collect();
    let custom = FormatConfig {
        log_format: Some(r#"$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent""#.into()),
        ..FormatConfig::default()
    }
    .build()
    .expect("log_format");
    let json_format: Format = "json".parse().expect("json");
    let syslog_format = FormatConfig {
        name: Some("syslog".into()),
        year: Some(2026),
        ..FormatConfig::default()
    }
    .build()
    .expect("syslog");

    let mut group = c.benchmark_group("parse");
    for (name, format, lines) in [
        ("combined", &Format::Combined, &combined),
        ("log_format", &custom, &combined),
        ("json", &json_format, &json),
        ("syslog", &syslog_format, &syslog),
    ] {
        let bytes: usize = lines.iter().map(|l| l.len() + 1).sum();
        group.throughput(Throughput::Bytes(bytes as u64));
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut parsed = 0u64;
                for line in lines {
                    if let Ok(record) = format.parse(black_box(line.as_bytes())) {
                        parsed += u64::from(record.status.unwrap_or(1));
                    }
                }
                black_box(parsed)
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
