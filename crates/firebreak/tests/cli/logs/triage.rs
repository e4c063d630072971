//! `triage`: the same answers as the classic one-liners on the same file, bad input survived,
//! and the report in all three forms.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::Path;
use std::process::Command;

use firebreak_detect::generate::{GenOptions, Generator, Planted, Size};
use serde_json::Value;

use crate::support::Fb;

/// A generated log with planted attacks: (path, what was planted).
fn generated(fb: &Fb, lines: u64, seed: u64, per_second: u32) -> (std::path::PathBuf, Planted) {
    let path = fb.root().join("access.log");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path).expect("create"));
    let planted = Generator::new(GenOptions {
        seed,
        size: Size::Lines(lines),
        clients: 5_000,
        per_second,
        ..GenOptions::default()
    })
    .write_to(&mut file)
    .expect("generate");
    file.flush().expect("flush");
    (path, planted)
}

/// `sh -c SCRIPT` with `$1` = the file; its stdout.
fn shell(script: &str, file: &Path) -> String {
    let out = Command::new("sh")
        .args(["-c", script, "sh", file.to_str().expect("utf-8")])
        .env("LC_ALL", "C")
        .output()
        .expect("run sh");
    assert!(
        out.status.success(),
        "{script}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

/// `uniq -c` output as value → count.
fn counted(text: &str) -> BTreeMap<String, u64> {
    text.lines()
        .filter_map(|l| {
            let (count, value) = l.trim_start().split_once(' ')?;
            Some((value.to_owned(), count.parse().ok()?))
        })
        .collect()
}

fn triage(fb: &Fb, args: &[&str]) -> Value {
    let mut all = vec!["triage", "--quiet"];
    all.extend_from_slice(args);
    fb.json(&all)
}

#[test]
fn top_addresses_and_statuses_equal_the_awk_pipeline() {
    let fb = Fb::new();
    let (log, planted) = generated(&fb, 60_000, 11, 200);
    let report = triage(
        &fb,
        &[
            log.to_str().expect("utf-8"),
            "--top",
            "30",
            "--threads",
            "2",
        ],
    );
    let awk = counted(&shell(
        r#"awk '{print $1}' "$1" | sort | uniq -c | sort -rn"#,
        &log,
    ));
    let rows = report["addresses"].as_array().expect("addresses");
    assert_eq!(rows.len(), 30);
    for row in rows {
        let addr = row["address"].as_str().expect("address");
        assert_eq!(
            row["requests"].as_u64(),
            awk.get(addr).copied(),
            "requests from {addr}"
        );
    }
    // The same 30 as awk's top 30 (ties at the cut may order either way).
    let mut by_count: Vec<u64> = awk.values().copied().collect();
    by_count.sort_unstable_by(|a, b| b.cmp(a));
    let cut = by_count[29];
    for (addr, count) in &awk {
        if *count > cut {
            assert!(
                rows.iter().any(|r| r["address"] == addr.as_str()),
                "{addr} ({count}) missing from the top 30"
            );
        }
    }
    assert_eq!(rows[0]["address"], planted.flood_addr.to_string());
    // Status codes: awk's ninth field.
    let statuses = counted(&shell(r#"awk '{print $9}' "$1" | sort | uniq -c"#, &log));
    let codes: BTreeMap<String, u64> = report["status"]["codes"]
        .as_array()
        .expect("codes")
        .iter()
        .map(|c| (c["status"].to_string(), c["count"].as_u64().expect("count")))
        .collect();
    assert_eq!(codes, statuses);
    let lines: u64 = shell(r#"grep -c '' "$1""#, &log)
        .trim()
        .parse()
        .expect("count");
    assert_eq!(report["totals"]["lines"].as_u64(), Some(lines));
    let too_many: u64 = shell(r#"grep -c '" 429 ' "$1""#, &log)
        .trim()
        .parse()
        .expect("count");
    let storm = report["errors"]["too_many_requests"][0].clone();
    assert_eq!(storm["address"], planted.storm_addr.to_string());
    assert!(storm["count"].as_u64().expect("count") <= too_many);
}

/// Each report's line total, statuses and per-address counts against awk's, an oracle that shares
/// no code with triage (two wrong reports could agree with each other).
fn assert_agrees_with_awk(report: &Value, log: &Path, threads: &str) {
    let lines: u64 = shell(r#"awk 'END {print NR}' "$1""#, log)
        .trim()
        .parse()
        .expect("count");
    assert_eq!(
        report["totals"]["lines"].as_u64(),
        Some(lines),
        "--threads {threads}"
    );
    let statuses = counted(&shell(r#"awk '{print $9}' "$1" | sort | uniq -c"#, log));
    let codes: BTreeMap<String, u64> = report["status"]["codes"]
        .as_array()
        .expect("codes")
        .iter()
        .map(|c| (c["status"].to_string(), c["count"].as_u64().expect("count")))
        .collect();
    assert_eq!(codes, statuses, "--threads {threads}");
    let per_address = counted(&shell(r#"awk '{print $1}' "$1" | sort | uniq -c"#, log));
    let rows = report["addresses"].as_array().expect("addresses");
    assert_eq!(rows.len(), 50, "--threads {threads}");
    for row in rows {
        let addr = row["address"].as_str().expect("address");
        assert_eq!(
            row["requests"].as_u64(),
            per_address.get(addr).copied(),
            "requests from {addr} with --threads {threads}"
        );
    }
}

/// Regression (issue 19): this compared one thread's report with two threads' only.
#[test]
fn one_thread_and_two_give_the_same_report_and_it_is_awks() {
    let fb = Fb::new();
    let (log, _) = generated(&fb, 30_000, 5, 50);
    let path = log.to_str().expect("utf-8");
    let one = triage(&fb, &[path, "--threads", "1", "--top", "50"]);
    let two = triage(&fb, &[path, "--threads", "2", "--top", "50"]);
    assert_agrees_with_awk(&one, &log, "1");
    assert_agrees_with_awk(&two, &log, "2");
    assert_eq!(one, two);
}

#[test]
fn planted_attacks_are_in_the_report() {
    let fb = Fb::new();
    let (log, planted) = generated(&fb, 60_000, 3, 20);
    let report = triage(&fb, &[log.to_str().expect("utf-8")]);
    let text = report.to_string();
    let brute = planted.brute_addr.to_string();
    let seq = &report["logins"];
    assert!(
        seq.to_string().contains(&brute),
        "failed logins then success from {brute}: {seq}"
    );
    let bots = report["bots"].to_string();
    assert!(bots.contains(&planted.scanner_addr.to_string()), "{bots}");
    assert!(
        report["exports"]
            .to_string()
            .contains(&planted.export_addr.to_string())
    );
    assert!(text.contains(&planted.stuffing_addr.to_string()));
    // Twenty lines a second is 1,200 a minute; the flood's minute stands out.
    let spikes = report["rate"]["spikes"].as_array().expect("spikes");
    assert!(!spikes.is_empty(), "{}", report["rate"]);
    let flood_minute = planted.flood.first_time / 60 * 60;
    assert!(
        spikes.iter().any(|s| s["start"]["unix"]
            .as_i64()
            .is_some_and(|t| (t - flood_minute).abs() <= 60)),
        "a spike at the flood ({flood_minute}): {spikes:?}"
    );
}

#[test]
fn the_html_report_is_one_inert_file() {
    let fb = Fb::new();
    let log = fb.file(
        "evil.log",
        &(0..50)
            .map(|n| {
                super::combined(
                    "192.0.2.66",
                    1,
                    n % 60,
                    "GET /<script>alert(1)</script> HTTP/1.1",
                    404,
                    10,
                    "<script>alert(2)</script>",
                )
            })
            .collect::<String>(),
    );
    let html = fb.root().join("report.html");
    let out = fb
        .cmd(&[
            "triage",
            log.to_str().expect("utf-8"),
            "--html",
            html.to_str().expect("utf-8"),
        ])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let page = std::fs::read_to_string(&html).expect("html written");
    assert!(page.contains("<svg"), "charts are inline SVG");
    assert!(
        !page.to_lowercase().contains("<script"),
        "nothing from the log runs"
    );
    assert!(
        page.contains("&lt;script&gt;"),
        "the log's text is shown, escaped"
    );
    for external in ["http://", "https://", "src=\"//"] {
        assert!(
            !page.contains(external),
            "no external resources: {external}"
        );
    }
    let missing = fb
        .cmd(&[
            "triage",
            log.to_str().expect("utf-8"),
            "--html",
            "/nonexistent/dir/r.html",
        ])
        .output()
        .expect("run");
    assert_eq!(missing.status.code(), Some(1));
}

#[test]
fn bad_input_is_counted_and_survived() {
    let fb = Fb::new();
    let good = super::combined("192.0.2.1", 0, 1, "GET / HTTP/1.1", 200, 5, "x");
    // Binary garbage, then a 10 MB line, then good lines.
    let mut bytes: Vec<u8> = (0..4096u32).map(|i| (i * 7919 % 251) as u8).collect();
    bytes.push(b'\n');
    bytes.extend(std::iter::repeat_n(b'a', 10 << 20));
    bytes.push(b'\n');
    for _ in 0..100 {
        bytes.extend_from_slice(good.as_bytes());
    }
    let messy = fb.root().join("messy.log");
    std::fs::write(&messy, &bytes).expect("write");
    let report = triage(
        &fb,
        &[messy.to_str().expect("utf-8"), "--format", "combined"],
    );
    assert_eq!(report["totals"]["parsed"].as_u64(), Some(100));
    assert_eq!(report["totals"]["overlong"].as_u64(), Some(1));
    assert!(report["totals"]["malformed"].as_u64().expect("malformed") >= 2);
    assert!(!report["malformed"].as_array().expect("samples").is_empty());

    let empty = fb.file("empty.log", "");
    let report = triage(&fb, &[empty.to_str().expect("utf-8")]);
    assert_eq!(report["totals"]["lines"].as_u64(), Some(0));

    // A gzip cut short: what was read is kept, and where it ended is said.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    for n in 0..20_000u32 {
        gz.write_all(
            super::combined(
                &format!("10.1.{}.{}", n % 200, n % 250),
                n / 60 % 60,
                n % 60,
                "GET /a HTTP/1.1",
                200,
                10,
                "x",
            )
            .as_bytes(),
        )
        .expect("gzip");
    }
    let whole = gz.finish().expect("gzip");
    let cut = fb.root().join("cut.log.gz");
    std::fs::write(&cut, &whole[..whole.len() / 2]).expect("write");
    let out = fb
        .cmd(&["--json", "triage", "--quiet", cut.to_str().expect("utf-8")])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("json");
    let read = report["totals"]["parsed"].as_u64().expect("parsed");
    assert!(read > 1000 && read < 20_000, "kept what was read: {read}");
    let ended = &report["inputs"][0]["ended"];
    assert!(ended["line"].as_u64().is_some(), "{report}");
    let text = fb
        .cmd(&["triage", "--quiet", cut.to_str().expect("utf-8")])
        .output()
        .expect("run");
    let shown = String::from_utf8_lossy(&text.stdout);
    assert!(shown.contains("line"), "{shown}");
}

#[test]
fn a_missing_file_is_one_clear_error() {
    let fb = Fb::new();
    let out = fb
        .cmd(&["triage", "/nonexistent/access.log"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("/nonexistent/access.log"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}
