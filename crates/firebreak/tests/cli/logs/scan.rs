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
    let printed: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
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
