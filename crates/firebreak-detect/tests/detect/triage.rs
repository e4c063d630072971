//! `triage` against the answers a responder would get by hand: the same counts as the
//! `awk | sort | uniq -c` and `grep -c` one-liners on the same file, planted attacks found,
//! damaged and empty inputs reported rather than fatal, and the same report whatever the
//! number of threads.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;
use std::process::Command;

use firebreak_detect::format::Format;
use firebreak_detect::generate::{GenOptions, Generator, Shape, Size};
use firebreak_detect::input::{self, Input};
use firebreak_detect::triage::{self, Options, Report};
use flate2::Compression;
use flate2::write::GzEncoder;

/// 2026-11-20T00:00:00Z.
const BASE: i64 = 1_795_132_800;

const FLOODER: &str = "203.0.113.7";
const FLOOD_MINUTE: i64 = 100;
const BRUTE: &str = "203.0.113.66";
const SCANNER: &str = "198.51.100.23";

/// A small deterministic generator (xorshift), so the data is the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn clf_time(unix: i64) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (year, month, day) = firebreak_detect::time::civil_from_days(unix.div_euclid(86_400));
    let s = unix.rem_euclid(86_400);
    format!(
        "{day:02}/{}/{year}:{:02}:{:02}:{:02} +0000",
        MONTHS[month as usize - 1],
        s / 3600,
        s % 3600 / 60,
        s % 60
    )
}

fn line(
    out: &mut String,
    addr: &str,
    time: i64,
    request: &str,
    status: u16,
    bytes: u64,
    agent: &str,
) {
    let _ = writeln!(
        out,
        "{addr} - - [{}] \"{request} HTTP/1.1\" {status} {bytes} \"-\" \"{agent}\"",
        clf_time(time)
    );
}

/// About `minutes × 60` ordinary requests from ~2,000 clients with a skewed distribution
/// (some IPv6), plus a flood from one address in one minute, a login brute force that
/// succeeds, an sqlmap scan and an agent carrying markup.
fn generate(minutes: i64) -> String {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut out = String::new();
    let paths = [
        "/",
        "/index.html",
        "/api/items?page=2",
        "/static/app.js",
        "/about",
        "/missing",
    ];
    let agents = [
        "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0",
        "Mozilla/5.0 (Macintosh) Safari/605.1.15",
        "curl/8.4.0",
    ];
    for minute in 0..minutes {
        for second in 0..60 {
            let time = BASE + minute * 60 + second;
            let client = (rng.unit().powi(3) * 2000.0) as u64;
            let addr = if client.is_multiple_of(7) {
                format!("2001:db8::{:x}", client + 1)
            } else {
                format!("10.{}.{}.1", client / 250, client % 250)
            };
            let path = paths[rng.below(paths.len() as u64) as usize];
            let status = match rng.below(100) {
                0..=79 => 200,
                80..=89 => 304,
                90..=96 => 404,
                97 => 401,
                _ => 503,
            };
            if path == "/missing" {
                line(
                    &mut out,
                    &addr,
                    time,
                    &format!("GET {path}"),
                    404,
                    0,
                    agents[0],
                );
            } else {
                let bytes = rng.below(20_000);
                let agent = agents[rng.below(agents.len() as u64) as usize];
                line(
                    &mut out,
                    &addr,
                    time,
                    &format!("GET {path}"),
                    status,
                    bytes,
                    agent,
                );
            }
            if minute == FLOOD_MINUTE {
                for _ in 0..50 {
                    line(&mut out, FLOODER, time, "GET /", 200, 512, agents[2]);
                }
            }
            if minute == 50 && second < 9 {
                let status = if second < 8 { 401 } else { 302 };
                line(&mut out, BRUTE, time, "POST /login", status, 0, agents[2]);
            }
            if minute == 70 && second < 25 {
                line(
                    &mut out,
                    SCANNER,
                    time,
                    "GET /?id=1'--",
                    403,
                    0,
                    "sqlmap/1.7#stable (https://sqlmap.org)",
                );
            }
            if minute == 80 && second == 0 {
                line(
                    &mut out,
                    "192.0.2.1",
                    time,
                    "GET /<script>",
                    404,
                    0,
                    "<script>alert(1)</script>",
                );
            }
        }
    }
    out
}

fn write(dir: &Path, name: &str, data: &[u8]) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, data).expect("write test log");
    path
}

fn options(threads: usize) -> Options {
    Options {
        threads,
        top: 50,
        ..Options::default()
    }
}

fn triage_files(paths: &[&Path], format: Option<Format>, options: &Options) -> Report {
    let inputs = paths
        .iter()
        .map(|p| Input::open(p).expect("open test log"))
        .collect();
    triage::run(inputs, format, options, &|_| {}).expect("triage runs")
}

fn shell(script: &str, file: &Path) -> String {
    let output = Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg("sh")
        .arg(file)
        .env("LC_ALL", "C")
        .output()
        .expect("run sh");
    assert!(
        output.status.success(),
        "{script}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("utf-8 output")
}

/// The report's top addresses have the counts of `awk '{print $1}' | sort | uniq -c | sort
/// -rn`, in the same order (ties may list addresses differently).
fn same_top_addresses_as_awk(report: &Report, path: &Path) {
    let awk = shell("awk '{print $1}' \"$1\" | sort | uniq -c | sort -rn", path);
    let counts: HashMap<String, u64> = awk
        .lines()
        .map(|l| {
            let mut parts = l.split_whitespace();
            let n = parts.next().and_then(|n| n.parse().ok()).expect("count");
            (parts.next().expect("address").to_owned(), n)
        })
        .collect();
    let mut expected: Vec<u64> = counts.values().copied().collect();
    expected.sort_unstable_by(|a, b| b.cmp(a));
    expected.truncate(report.addresses.len());
    let shown: Vec<u64> = report.addresses.iter().map(|a| a.requests).collect();
    assert_eq!(shown, expected, "the top counts, in order");
    for row in &report.addresses {
        assert_eq!(
            Some(&row.requests),
            counts.get(&row.address),
            "{}",
            row.address
        );
    }
}

#[test]
fn top_addresses_equal_the_awk_pipeline() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = write(dir.path(), "access.log", generate(180).as_bytes());
    let report = triage_files(&[&path], None, &options(2));
    assert_eq!(report.inputs[0].format.as_deref(), Some("combined"));
    assert_eq!(report.totals.malformed, 0);

    same_top_addresses_as_awk(&report, &path);
    assert_eq!(report.addresses[0].address, FLOODER);
    assert!(
        report.addresses.iter().any(|a| a.address.contains(':')),
        "IPv6 among the top"
    );
    assert!(report.approximate.is_empty());
}

#[test]
fn status_counts_equal_grep() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = write(dir.path(), "access.log", generate(60).as_bytes());
    let report = triage_files(&[&path], None, &options(2));
    for status in [200u16, 304, 401, 403, 404, 503] {
        let grep: u64 = shell(&format!("grep -c '\" {status} ' \"$1\" || true"), &path)
            .trim()
            .parse()
            .expect("a count");
        let ours = report
            .status
            .codes
            .iter()
            .find(|c| c.status == status)
            .map_or(0, |c| c.count);
        assert_eq!(ours, grep, "status {status}");
    }
    let lines: u64 = shell("wc -l < \"$1\"", &path)
        .trim()
        .parse()
        .expect("a count");
    assert_eq!(report.totals.lines, lines);
    assert_eq!(report.status.classes.total(), lines);
}

#[test]
fn planted_attacks_are_found() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = write(dir.path(), "access.log", generate(180).as_bytes());
    let report = triage_files(&[&path], None, &options(2));

    let flood = BASE + FLOOD_MINUTE * 60;
    assert!(
        report.rate.spikes.iter().any(|s| s.start.unix == flood),
        "the flood minute is a spike: {:?}",
        report.rate.spikes
    );
    assert_eq!(report.rate.spike_count, 1, "{:?}", report.rate.spikes);
    let peak = &report.peaks[0];
    assert_eq!(
        (peak.address.as_str(), peak.requests, peak.minute.unix),
        (FLOODER, 3000, flood)
    );

    let sequence = report.logins.sequences.first().expect("a login sequence");
    assert_eq!(sequence.address, BRUTE);
    assert_eq!(sequence.failures, 8);
    assert_eq!(sequence.status, Some(302));
    assert_eq!(report.logins.sequence_count, 1);

    let sqlmap = report
        .bots
        .iter()
        .find(|b| b.pattern == "sqlmap")
        .expect("sqlmap listed");
    assert_eq!(sqlmap.kind, "scanner");
    assert_eq!(sqlmap.requests, 25);
    assert_eq!(sqlmap.addresses[0].address, SCANNER);
    assert_eq!(report.errors.forbidden[0].address, SCANNER);
    assert!(
        report
            .paths
            .iter()
            .any(|p| p.path == "/api/items" && p.with_query == p.requests)
    );
}

#[test]
fn one_thread_or_two_and_any_block_size_give_the_same_report() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = write(dir.path(), "access.log", generate(120).as_bytes());
    let one = triage_files(&[&path], None, &options(1));
    let mut small = options(2);
    // Every 4 KiB block is a run of its own: minutes straddle many runs and workers.
    small.input = input::Options {
        block_size: 4096,
        ..input::Options::default()
    };
    small.run_bytes = 4096;
    let two = triage_files(&[&path], None, &small);
    assert_eq!(
        serde_json::to_value(&one).expect("json"),
        serde_json::to_value(&two).expect("json")
    );
    assert_eq!(one.peaks[0].requests, 3000);
}

#[test]
fn peak_per_minute_equals_awk() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = write(dir.path(), "access.log", generate(60).as_bytes());
    let mut options = options(2);
    options.input.block_size = 4096;
    options.run_bytes = 8192;
    let report = triage_files(&[&path], None, &options);
    for row in report.addresses.iter().take(5) {
        let script = format!(
            "awk '$1 == \"{}\" {{ print substr($4, 2, 17) }}' \"$1\" | sort | uniq -c | sort -rn | head -1",
            row.address
        );
        let best: u64 = shell(&script, &path)
            .split_whitespace()
            .next()
            .and_then(|n| n.parse().ok())
            .expect("a count");
        assert_eq!(row.peak_per_minute, best, "{}", row.address);
    }
}

#[test]
fn a_truncated_gzip_keeps_what_was_read_and_says_where() {
    let dir = tempfile::tempdir().expect("temp dir");
    let text = generate(30);
    let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
    encoder.write_all(text.as_bytes()).expect("gzip");
    let gz = encoder.finish().expect("gzip");
    let path = write(dir.path(), "access.log.gz", &gz[..gz.len() / 2]);
    let report = triage_files(&[&path], None, &options(2));
    let input = &report.inputs[0];
    assert!(input.gzip);
    let ended = input
        .ended
        .as_ref()
        .expect("the report says it ended early");
    assert!(ended.message.contains("gzip"), "{}", ended.message);
    assert!(input.lines > 0 && input.lines < text.lines().count() as u64);
    assert_eq!(ended.line, input.lines + 1);
    assert_eq!(input.parsed, input.lines);
    assert!(report.notes.iter().any(|n| n.contains("stopped early")));
    assert!(triage::text::render(&report, 100).contains("ended early"));
}

#[test]
fn an_empty_file_gives_an_empty_report() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = write(dir.path(), "empty.log", b"");
    let report = triage_files(&[&path], None, &options(2));
    assert_eq!(report.totals.lines, 0);
    assert!(report.time_range.is_none());
    assert!(report.addresses.is_empty() && report.rate.series.is_empty());
    assert!(report.notes.is_empty(), "{:?}", report.notes);
    assert!(triage::text::render(&report, 80).starts_with("Triage of 1 input: 0 lines"));
    assert!(triage::html::render(&report).contains("</html>"));
}

#[test]
fn binary_garbage_is_counted_as_malformed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut rng = Rng(42);
    let garbage: Vec<u8> = (0..200_000).map(|_| rng.next() as u8).collect();
    let path = write(dir.path(), "garbage.bin", &garbage);
    let lines = garbage.iter().filter(|&&b| b == b'\n').count() as u64
        + u64::from(garbage.last() != Some(&b'\n'));
    // Blank lines are neither parsed nor malformed.
    let blank = garbage
        .split(|&b| b == b'\n')
        .take(lines as usize)
        .filter(|l| l.is_empty())
        .count() as u64;

    let named = triage_files(&[&path], Some(Format::Combined), &options(2));
    assert_eq!(named.totals.lines, lines);
    assert_eq!(named.totals.malformed, lines - blank);
    assert_eq!(named.malformed.len(), 5);
    assert_eq!(named.malformed[0].line, 1);

    let guessed = triage_files(&[&path], None, &options(2));
    assert_eq!(guessed.inputs[0].format, None);
    assert_eq!(guessed.totals.malformed, lines - blank);
    assert!(
        guessed
            .notes
            .iter()
            .any(|n| n.contains("could not tell the log format"))
    );
    let text = triage::text::render(&guessed, 80);
    assert!(
        !text.contains('\u{1b}'),
        "no raw escape bytes reach the terminal"
    );
}

#[test]
fn html_is_self_contained_and_log_markup_is_inert() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = write(dir.path(), "access.log", generate(120).as_bytes());
    let mut options = options(2);
    options.top = 200;
    let report = triage_files(&[&path], None, &options);
    assert!(report.agents.iter().any(|a| a.agent.contains("<script>")));
    let html = triage::html::render(&report);
    assert!(
        !html.to_ascii_lowercase().contains("<script"),
        "no live script element"
    );
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(
        !html.contains("href=") && !html.contains("src="),
        "nothing to fetch"
    );
    assert!(
        html.contains("<svg") && html.contains("#e03131"),
        "charts with the spike marked"
    );
}

#[test]
fn past_the_ceiling_counts_are_bounded_and_say_so() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut text = String::new();
    for i in 0..30_000u64 {
        let time = BASE + (i / 100) as i64;
        line(
            &mut text,
            &format!("10.{}.{}.{}", i >> 16, (i >> 8) & 255, i & 255),
            time,
            "GET /",
            200,
            10,
            "x",
        );
        if i % 3 == 0 {
            line(&mut text, FLOODER, time, "GET /", 200, 10, "x");
        }
    }
    let path = write(dir.path(), "many.log", text.as_bytes());
    let mut options = options(2);
    options.max_addresses = 1000;
    let report = triage_files(&[&path], None, &options);
    let top = &report.addresses[0];
    assert_eq!(top.address, FLOODER);
    let bound = report
        .approximate
        .iter()
        .find(|a| a.table == "addresses")
        .expect("the report says counts are approximate");
    assert!(top.requests <= 10_000 && top.requests + bound.max_undercount >= 10_000);
    assert!(
        bound.max_undercount <= 40_000 / 1001 + 1,
        "{}",
        bound.max_undercount
    );
}

#[test]
fn sshd_failures_then_accepted_are_reported() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut text = String::new();
    for i in 0..6 {
        let _ = writeln!(
            text,
            "Nov 20 10:00:{i:02} web1 sshd[4242]: Failed password for root from 198.51.100.9 port 5{i}022 ssh2"
        );
    }
    let _ = writeln!(
        text,
        "Nov 20 10:00:30 web1 sshd[4242]: Invalid user oracle from 198.51.100.10 port 40000"
    );
    let _ = writeln!(
        text,
        "Nov 20 10:01:00 web1 sshd[4243]: Accepted password for root from 198.51.100.9 port 50100 ssh2"
    );
    let path = write(dir.path(), "auth.log", text.as_bytes());
    let report = triage_files(&[&path], None, &options(2));
    assert_eq!(report.inputs[0].format.as_deref(), Some("syslog"));
    assert_eq!(
        (
            report.sshd.failures,
            report.sshd.accepted,
            report.sshd.invalid_users
        ),
        (6, 1, 1)
    );
    assert_eq!(report.sshd.addresses[0].address, "198.51.100.9");
    assert_eq!(report.sshd.users[0].user, "root");
    let accepted = &report.sshd.accepted_after_failures[0];
    assert_eq!(
        (accepted.address.as_str(), accepted.failures),
        ("198.51.100.9", 6)
    );
    assert_eq!(accepted.user.as_deref(), Some("root"));
    assert_eq!(accepted.line, 8);
}

#[test]
fn json_report_has_stable_names_and_both_time_forms() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = write(dir.path(), "access.log", generate(10).as_bytes());
    let report = triage_files(&[&path], None, &options(1));
    let json = serde_json::to_value(&report).expect("json");
    assert_eq!(json["version"], 1);
    assert_eq!(json["time_range"]["first"]["unix"], BASE);
    assert_eq!(json["time_range"]["first"]["time"], "2026-11-20T00:00:00Z");
    assert!(
        json["status"]["classes"]["2xx"]
            .as_u64()
            .is_some_and(|n| n > 0)
    );
    for key in [
        "addresses",
        "paths",
        "agents",
        "bots",
        "errors",
        "logins",
        "stuffing",
        "exports",
        "sshd",
    ] {
        assert!(json.get(key).is_some(), "{key}");
    }
    let text = triage::text::render(&report, 80);
    for line in text.lines() {
        assert!(line.chars().count() <= 80, "{line}");
    }
}

#[test]
fn the_generators_planted_attacks_are_all_found() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut log = Vec::new();
    let planted = Generator::new(GenOptions {
        size: Size::Lines(200_000),
        ..GenOptions::default()
    })
    .write_to(&mut log)
    .expect("generate");
    let path = write(dir.path(), "shop.log", &log);
    let report = triage_files(&[&path], None, &options(2));
    assert_eq!(report.totals.malformed, 0, "{:?}", report.malformed);
    same_top_addresses_as_awk(&report, &path);

    let flood = planted.flood_addr.to_string();
    assert_eq!(report.addresses[0].address, flood);
    assert_eq!(report.addresses[0].requests, planted.flood.lines);
    assert_eq!(report.peaks[0].address, flood);
    let (first, last) = (planted.flood.first_time, planted.flood.last_time);
    assert!(
        report
            .rate
            .spikes
            .iter()
            .any(|s| s.start.unix + 60 > first && s.start.unix <= last),
        "a spike inside the flood ({first}..{last}): {:?}",
        report.rate.spikes
    );

    let brute = planted.brute_addr.to_string();
    let sequence = report
        .logins
        .sequences
        .iter()
        .find(|s| s.address == brute)
        .expect("the brute force that succeeded");
    assert_eq!(sequence.failures, planted.brute.lines);
    assert_eq!(sequence.line, planted.brute_success.first_line);
    assert_eq!(sequence.status, Some(302));

    let stuffing = planted.stuffing_addr.to_string();
    let stuffer = report
        .stuffing
        .addresses
        .iter()
        .find(|a| a.address == stuffing)
        .expect("the address trying many users");
    assert_eq!(stuffer.users, planted.stuffing_users);
    let spray = report
        .stuffing
        .users
        .iter()
        .find(|u| u.user == planted.spray_user)
        .expect("the user tried from many addresses");
    assert_eq!(spray.addresses, planted.spray_addrs);

    let scanner = planted.scanner_addr.to_string();
    assert!(
        report
            .bots
            .iter()
            .any(|b| b.kind == "scanner" && b.addresses.iter().any(|a| a.address == scanner)),
        "the scanner's agent is named: {:?}",
        report.bots
    );
    let sqlmap = planted.sqlmap_addr.to_string();
    assert!(
        report
            .bots
            .iter()
            .any(|b| b.pattern == "sqlmap" && b.addresses[0].address == sqlmap)
    );

    let storm = planted.storm_addr.to_string();
    assert_eq!(report.errors.too_many_requests[0].address, storm);
    assert_eq!(
        report.errors.too_many_requests[0].count,
        planted.storm.lines
    );

    let export = planted.export_addr.to_string();
    let exporter = &report.exports.top[0];
    assert_eq!(exporter.address, export);
    assert_eq!(exporter.bytes, planted.export_bytes);
    assert!(exporter.flagged, "{exporter:?}");
    assert!(report.approximate.is_empty(), "{:?}", report.approximate);
}

#[test]
fn a_ten_megabyte_line_is_cut_counted_and_the_rest_still_read() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut text = generate(2);
    let huge = format!(
        "{FLOODER} - - [20/Nov/2026:00:00:30 +0000] \"GET /{} HTTP/1.1\" 200 1 \"-\" \"x\"\n",
        "a".repeat(10 << 20)
    );
    let middle = text[text.len() / 2..].find('\n').expect("a line end") + text.len() / 2 + 1;
    text.insert_str(middle, &huge);
    let path = write(dir.path(), "huge.log", text.as_bytes());
    let report = triage_files(&[&path], None, &options(2));
    let lines = text.lines().count() as u64;
    assert_eq!(report.totals.lines, lines);
    assert_eq!(report.totals.overlong, 1);
    assert_eq!(report.inputs[0].overlong_lines.len(), 1);
    assert_eq!(report.totals.parsed + report.totals.malformed, lines);
    assert!(report.totals.malformed <= 1);
    assert!(report.paths.iter().all(|p| p.path.len() <= 256));
}

#[test]
fn progress_climbs_to_the_total_over_several_inputs() {
    let dir = tempfile::tempdir().expect("temp dir");
    let first = write(dir.path(), "access.log.1", generate(30).as_bytes());
    let second = write(dir.path(), "access.log", generate(20).as_bytes());
    let total = [&first, &second]
        .iter()
        .map(|p| std::fs::metadata(p).expect("size").len())
        .sum::<u64>();
    let mut options = options(2);
    options.input.block_size = 4096;
    options.run_bytes = 16 * 1024;
    let seen = std::cell::RefCell::new(Vec::new());
    let inputs = [&first, &second]
        .iter()
        .map(|p| Input::open(p).expect("open"))
        .collect();
    let report = triage::run(inputs, None, &options, &|p| {
        assert_eq!(p.total_size, Some(total));
        assert_eq!(p.inputs, 2);
        seen.borrow_mut()
            .push((p.index, p.read_before + p.read, p.lines));
    })
    .expect("triage runs");
    let seen = seen.into_inner();
    assert!(seen.len() > 4, "{seen:?}");
    assert!(
        seen.windows(2)
            .all(|w| w[0].1 <= w[1].1 && w[0].2 <= w[1].2),
        "{seen:?}"
    );
    let last = seen.last().expect("a call");
    assert_eq!((last.0, last.1, last.2), (1, total, report.totals.lines));
}

/// Regression: blank lines (a trailing empty line, paragraphs pasted from a ticket) were
/// counted as malformed.
#[test]
fn blank_lines_are_not_malformed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut text = String::from("\n");
    for i in 0..4 {
        line(
            &mut text,
            "192.0.2.5",
            BASE + i,
            "GET /",
            200,
            10,
            "Mozilla/5.0",
        );
        text.push('\n');
    }
    let path = write(dir.path(), "access.log", text.as_bytes());
    let report = triage_files(&[&path], None, &options(1));
    assert_eq!(report.totals.parsed, 4);
    assert_eq!(report.totals.malformed, 0, "{:?}", report.malformed);
}

/// Regression: the login that followed failures was reported with the configured login
/// path (`/login`), not the path requested (`/shop/account/login`).
#[test]
fn the_login_success_path_is_the_one_requested() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut text = String::new();
    for i in 0..6 {
        line(
            &mut text,
            "198.51.100.31",
            BASE + i,
            "POST /shop/account/login",
            401,
            10,
            "x",
        );
    }
    line(
        &mut text,
        "198.51.100.31",
        BASE + 9,
        "POST /shop/account/login?next=%2F",
        302,
        10,
        "x",
    );
    let path = write(dir.path(), "access.log", text.as_bytes());
    let report = triage_files(&[&path], None, &options(1));
    let sequence = report.logins.sequences.first().expect("a login sequence");
    assert_eq!(
        sequence.path, "/shop/account/login",
        "query strings are left out"
    );
}

/// Regression: the guide said a spike is the median plus 4 median absolute deviations while
/// triage used (and its JSON said) 5.
#[test]
fn the_guide_states_the_spike_rule_triage_uses() {
    let guide =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/guide.md"))
            .expect("docs/guide.md");
    let mads = Options::default().spike_mads;
    let said = format!("the median plus {mads} median absolute");
    assert!(
        guide.replace('\n', " ").replace("  ", " ").contains(&said),
        "docs/guide.md should say {said:?}"
    );
}

/// Stuffing spread over many addresses, each failing twice on the login path and none naming
/// a user, is listed by path; the same failures from a few addresses are not.
#[test]
fn a_login_path_failing_from_many_addresses_is_stuffing_without_user_names() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut text = String::new();
    for n in 0..14 {
        for i in 0..2 {
            line(
                &mut text,
                &format!("203.0.113.{}", 20 + n),
                BASE + n * 3 + i,
                "POST /login",
                401,
                10,
                "python-requests/2.31",
            );
        }
    }
    // A few people mistyping on another login path, and a busy page that is no login.
    for n in 0..3 {
        line(
            &mut text,
            &format!("192.0.2.{n}"),
            BASE + 60 + n,
            "POST /wp-login.php",
            401,
            10,
            "x",
        );
    }
    for n in 0..30 {
        line(
            &mut text,
            &format!("198.51.100.{n}"),
            BASE + 90 + n,
            "GET /",
            404,
            10,
            "x",
        );
    }
    let path = write(dir.path(), "access.log", text.as_bytes());
    for threads in [1, 2] {
        let report = triage_files(&[&path], None, &options(threads));
        let paths = &report.stuffing.paths;
        assert_eq!(paths.len(), 1, "{paths:?}");
        assert_eq!(paths[0].path, "/login");
        assert_eq!(paths[0].addresses, 14);
        assert_eq!(paths[0].failures, 28);
        assert!(!paths[0].at_least);
        assert!(report.stuffing.addresses.is_empty() && report.stuffing.users.is_empty());
        let shown = firebreak_detect::triage::text::render(&report, 120);
        assert!(
            shown.contains("Login paths failing from 10 or more addresses"),
            "{shown}"
        );
    }
}

/// The same traffic written as `combined`, nginx JSON, Caddy JSON and Traefik JSON triages to
/// the same report (but for the input's byte count), each shape's format detected.
#[test]
fn every_shape_of_the_same_traffic_triages_alike() {
    let dir = tempfile::tempdir().expect("temp dir");
    // One path for every shape, so the reports name the same input.
    let report_of = |shape: Shape| {
        let mut log = Vec::new();
        Generator::new(GenOptions {
            seed: 11,
            size: Size::Lines(20_000),
            clients: 2_000,
            shape,
            ..GenOptions::default()
        })
        .write_to(&mut log)
        .expect("generate");
        let path = write(dir.path(), "access.log", &log);
        let report = triage_files(&[&path], None, &options(2));
        assert_eq!(
            report.totals.malformed, 0,
            "{shape:?}: {:?}",
            report.malformed
        );
        let mut json = serde_json::to_value(&report).expect("report as JSON");
        let format = json["inputs"][0]["format"].take();
        json["totals"]["bytes"] = serde_json::Value::Null;
        json["inputs"][0]["bytes"] = serde_json::Value::Null;
        (format, json)
    };
    let (format, combined) = report_of(Shape::Combined);
    assert_eq!(
        (format, &combined["totals"]["requests"]),
        ("combined".into(), &20_000.into())
    );
    for shape in [Shape::NginxJson, Shape::CaddyJson, Shape::TraefikJson] {
        let (format, json) = report_of(shape);
        assert_eq!(format, "json", "{shape:?}");
        assert_eq!(
            first_difference(&json, &combined, String::new()),
            None,
            "{shape:?}"
        );
    }
}

/// Where two JSON values first differ, as a path with both sides.
fn first_difference(a: &serde_json::Value, b: &serde_json::Value, at: String) -> Option<String> {
    use serde_json::Value;
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => x
            .keys()
            .chain(y.keys())
            .find_map(|k| first_difference(&x[k], &y[k], format!("{at}/{k}"))),
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (x, y))| first_difference(x, y, format!("{at}/{i}"))),
        _ => (a != b).then(|| format!("{at}: {a} against {b}")),
    }
}
