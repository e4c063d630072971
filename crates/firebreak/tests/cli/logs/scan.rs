//! `scan`: the built-in rules find what the generator planted; `--lines` and `--rule`.

use std::io::Write as _;

use firebreak_detect::generate::{GenOptions, Generator, Size};
use serde_json::Value;

use crate::support::Fb;

#[test]
fn built_in_rules_find_the_planted_attacks() {
    let fb = Fb::new();
    let log = fb.root().join("access.log");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&log).expect("create"));
    let planted = Generator::new(GenOptions {
        seed: 21,
        size: Size::Lines(60_000),
        clients: 5_000,
        ..GenOptions::default()
    })
    .write_to(&mut file)
    .expect("generate");
    file.flush().expect("flush");
    let report = fb.json(&["scan", log.to_str().expect("utf-8")]);
    let findings = report["findings"].as_array().expect("findings");
    // The address must be a whole token of the key: `10.0.0.1` must not match `10.0.0.12`.
    let has = |rule: &str, addr: &str| {
        findings.iter().any(|f| {
            let key = f["key"]
                .as_str()
                .map_or_else(|| f["key"].to_string(), str::to_string);
            f["rule"].as_str().is_some_and(|r| r.contains(rule))
                && (addr.is_empty()
                    || key
                        .split(|c: char| !(c.is_ascii_hexdigit() || c == '.' || c == ':'))
                        .any(|token| token == addr))
        })
    };
    let all: Vec<String> = findings
        .iter()
        .map(|f| format!("{} {}", f["rule"], f["key"]))
        .collect();
    assert!(has("flood", &planted.flood_addr.to_string()), "{all:?}");
    assert!(
        has("brute-force-then-success", &planted.brute_addr.to_string()),
        "{all:?}"
    );
    assert!(has("scanner", &planted.scanner_addr.to_string()), "{all:?}");
    assert!(
        has("rate-limited", &planted.storm_addr.to_string()),
        "{all:?}"
    );
    assert!(has("export", &planted.export_addr.to_string()), "{all:?}");
    assert!(has("5xx", ""), "{all:?}");
    for f in findings {
        assert!(f["count"].as_u64().expect("count") >= 1);
        assert!(!f["samples"].as_array().expect("samples").is_empty());
    }
}

#[test]
fn lines_mode_prints_each_matching_line_as_json() {
    let fb = Fb::new();
    let lines: String =
        (0..5)
            .map(|n| {
                super::combined(
                    "2001:db8::5",
                    2,
                    n,
                    &format!("GET /.env?{n} HTTP/1.1"),
                    404,
                    0,
                    "curl/8.0",
                )
            })
            .chain((0..5).map(|n| {
                super::combined("192.0.2.1", 2, n, "GET / HTTP/1.1", 200, 10, "Mozilla/5.0")
            }))
            .collect();
    let log = fb.file("a.log", &lines);
    let rules: Vec<String> = fb.json(&["rules", "ls"])["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .map(|r| r["id"].as_str().expect("id").to_owned())
        .collect();
    let secrets = rules
        .iter()
        .find(|r| r.contains("secret") || r.contains("probe"))
        .expect("a rule for probing secrets");
    let out = fb
        .cmd(&[
            "scan",
            log.to_str().expect("utf-8"),
            "--lines",
            "--rule",
            secrets,
        ])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = super::json_lines(&out.stdout);
    assert_eq!(printed.len(), 5, "{printed:?}");
    for (n, line) in printed.iter().enumerate() {
        assert_eq!(line["rule"], secrets.as_str());
        assert_eq!(line["line"].as_u64(), Some(n as u64 + 1));
        assert_eq!(line["client"], "2001:db8::5");
    }
    let unknown = fb
        .cmd(&[
            "scan",
            log.to_str().expect("utf-8"),
            "--rule",
            "no-such-rule",
        ])
        .output()
        .expect("run");
    assert_eq!(unknown.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no-such-rule"));
}

#[test]
fn rotated_files_given_newest_first_are_read_oldest_first() {
    let fb = Fb::new();
    let failures: String = (0..8)
        .map(|n| {
            super::combined(
                "203.0.113.77",
                0,
                n,
                "POST /login HTTP/1.1",
                401,
                20,
                "Mozilla/5.0",
            )
        })
        .collect();
    fb.file("access.log.1", &failures);
    let success = super::combined(
        "203.0.113.77",
        1,
        0,
        "POST /login HTTP/1.1",
        302,
        20,
        "Mozilla/5.0",
    );
    let current = fb.file("access.log", &success);
    let older = fb.root().join("access.log.1");
    // The order a shell gives for access.log*: the newest file first.
    let report = fb.json(&[
        "scan",
        current.to_str().expect("utf-8"),
        older.to_str().expect("utf-8"),
        "--rule",
        "http-brute-force-then-success",
    ]);
    let findings = report["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 1, "{report}");
    assert_eq!(findings[0]["key"]["client"], "203.0.113.77");
    let names: Vec<&str> = report["inputs"]
        .as_array()
        .expect("inputs")
        .iter()
        .map(|i| i["name"].as_str().expect("name"))
        .collect();
    assert!(names[0].ends_with("access.log.1"), "{names:?}");
}

/// Regression: one input whose format could not be told made `scan` exit 1 with nothing
/// printed; the other inputs' findings must still come out, with the skipped one named.
#[test]
fn scan_carries_on_when_one_inputs_format_is_unknown() {
    let fb = Fb::new();
    let junk = fb.file("notes.txt", "just some words\nand more words\n\n");
    let guesses: String = (0..12)
        .map(|n| {
            format!(
                "Nov 23 10:00:{n:02} web1 sshd[41{n:02}]: Failed password for root from 203.0.113.61 port 5{n:03} ssh2\n"
            )
        })
        .collect();
    let auth = fb.file("auth.log", &guesses);
    let out = fb
        .cmd(&[
            "--json",
            "scan",
            junk.to_str().expect("utf-8"),
            auth.to_str().expect("utf-8"),
        ])
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("notes.txt") && stderr.contains("cannot tell the log format"),
        "{stderr}"
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let findings = report["findings"].as_array().expect("findings");
    assert!(
        findings.iter().any(
            |f| f["rule"] == "ssh-brute-force" && f["key"].to_string().contains("203.0.113.61")
        ),
        "{report}"
    );
    let inputs = report["inputs"].as_array().expect("inputs");
    let skipped = inputs
        .iter()
        .find(|i| i["name"].as_str().is_some_and(|n| n.ends_with("notes.txt")))
        .expect("the junk input is listed");
    assert!(skipped["skipped"].is_string(), "{skipped}");
}

/// Regression: the HTTP flood rules have no condition, so they counted every sshd line as a
/// request from the sshd message's address.
#[test]
fn http_flood_rules_do_not_count_sshd_lines() {
    let fb = Fb::new();
    let probes: String = (0..700)
        .map(|n| {
            format!(
                "Nov 23 10:00:{:02} web1 sshd[{}]: Connection closed by 198.51.100.90 port {} [preauth]\n",
                n % 60,
                1000 + n,
                30000 + n
            )
        })
        .collect();
    let auth = fb.file("auth.log", &probes);
    let report = fb.json(&["scan", auth.to_str().expect("utf-8")]);
    let findings = report["findings"].as_array().expect("findings");
    assert!(
        !findings
            .iter()
            .any(|f| f["rule"].as_str().is_some_and(|r| r.starts_with("http-"))),
        "{report}"
    );
    let out = fb
        .cmd(&[
            "scan",
            auth.to_str().expect("utf-8"),
            "--lines",
            "--rule",
            "http-flood-per-address",
        ])
        .output()
        .expect("run");
    assert!(out.status.success());
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// A login line whose address cannot be trusted (a host name, or forged text on both sides)
/// is counted and named, never silently dropped from the per-address rules.
#[test]
fn login_lines_without_a_trusted_address_are_counted() {
    let fb = Fb::new();
    let auth = fb.file(
        "auth.log",
        "Nov 23 10:00:01 web1 sshd[41]: error: PAM: Authentication failure for root from scanner.example.net\n\
         Nov 23 10:00:02 web1 sshd[42]: Failed publickey for a from 10.6.6.6 port 1 ssh2: RSA SHA256:x ID y from 203.0.113.8 port 2 ssh2: ED25519 SHA256:z\n\
         Nov 23 10:00:03 web1 sshd[43]: Failed password for root from 203.0.113.9 port 3 ssh2\n",
    );
    let out = fb
        .cmd(&["--json", "scan", auth.to_str().expect("utf-8")])
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("2 login lines named no address"),
        "{stderr}"
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(report["inputs"][0]["unattributed"], 2, "{report}");
}

/// Regression (issue 19): a `sum` rule's byte total was printed labelled `count`.
#[test]
fn a_sum_rules_total_is_labelled_with_its_field() {
    let fb = Fb::new();
    let text: String = (0..3)
        .map(|n| {
            super::combined(
                "203.0.113.9",
                n,
                0,
                "GET /backup.tar HTTP/1.1",
                200,
                300_000_000,
                "curl/8.5",
            )
        })
        .collect();
    let log = fb.file("big.log", &text);
    let out = fb
        .cmd(&["scan", log.to_str().expect("utf-8")])
        .output()
        .expect("run");
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(shown.contains("http-bulk-download"), "{shown}");
    assert!(shown.contains("    total bytes 900000000, "), "{shown}");
    assert!(!shown.contains("count 900000000"), "{shown}");
    let report = fb.json(&["scan", log.to_str().expect("utf-8")]);
    let finding = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == "http-bulk-download")
        .expect("the bulk download");
    assert_eq!(
        finding["counted"],
        serde_json::json!({"of": "total", "field": "bytes"})
    );
}

/// Several threads match blocks while windows are counted in line order: the report
/// (findings with their counts, times and samples; lines read, unparsed lines) is the same
/// as with one thread.
#[test]
fn threads_change_nothing_in_the_report() {
    let fb = Fb::new();
    let log = fb.root().join("access.log");
    let mut generated = Vec::new();
    Generator::new(GenOptions {
        seed: 22,
        size: Size::Lines(80_000),
        clients: 5_000,
        ..GenOptions::default()
    })
    .write_to(&mut generated)
    .expect("generate");
    // A few lines that do not parse, spread over several blocks.
    let mut file = std::io::BufWriter::new(std::fs::File::create(&log).expect("create"));
    for (i, line) in generated.split_inclusive(|b| *b == b'\n').enumerate() {
        if i % 9_000 == 4_000 {
            file.write_all(b"not a log line\n").expect("write");
        }
        file.write_all(line).expect("write");
    }
    file.flush().expect("flush");
    assert!(
        std::fs::metadata(&log).expect("size").len() > 3 * (2 << 20),
        "the log spans several 2 MiB blocks"
    );
    let path = log.to_str().expect("utf-8");
    let one = fb.json(&["scan", "--threads", "1", path]);
    assert!(
        !one["findings"].as_array().expect("findings").is_empty(),
        "{one}"
    );
    assert_eq!(
        one["inputs"][0]["unparsed"]["count"], 9,
        "{}",
        one["inputs"]
    );
    for threads in ["2", "3"] {
        let many = fb.json(&["scan", "--threads", threads, path]);
        assert_eq!(many, one, "--threads {threads}");
    }
}
