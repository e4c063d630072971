//! Container-runtime (CRI) logs whose long lines the runtime cut into partial (`P`) lines:
//! `scan` and `triage` read each run joined to its full (`F`) line as one line, and count a
//! run they cannot join as unparsed rather than dropping or guessing at it.

use serde_json::Value;

use crate::support::Fb;

const T: &str = "2026-11-23T10:00:00.000000001Z";

/// A JSON access line for a probe of `/.env` from `addr`, cut into three `P` parts and its
/// `F` end on `stream`.
fn split_probe(addr: &str, second: u32, stream: &str) -> Vec<String> {
    let json = format!(
        r#"{{"time":"2026-11-23T10:00:{second:02}Z","remote_addr":"{addr}","request":"GET /.env HTTP/1.1","status":"404","body_bytes_sent":"0","http_user_agent":"curl/8.0"}}"#
    );
    let cuts = [0, 20, 45, 70, json.len()];
    cuts.windows(2)
        .enumerate()
        .map(|(i, w)| {
            let tag = if i == 3 { "F" } else { "P" };
            format!("{T} {stream} {tag} {}", &json[w[0]..w[1]])
        })
        .collect()
}

fn triage(fb: &Fb, path: &std::path::Path) -> Value {
    fb.json(&["triage", "--quiet", path.to_str().expect("utf-8")])
}

#[test]
fn partial_cri_lines_are_joined_into_one_record_in_scan_and_triage() {
    let fb = Fb::new();
    let mut lines = Vec::new();
    for second in 0..5 {
        lines.extend(split_probe("2001:db8::5", second, "stdout"));
    }
    let log = fb.file("pod.log", &(lines.join("\n") + "\n"));

    let report = triage(&fb, &log);
    assert_eq!(report["totals"]["lines"].as_u64(), Some(20), "{report}");
    assert_eq!(report["totals"]["parsed"].as_u64(), Some(5), "{report}");
    assert_eq!(report["totals"]["malformed"].as_u64(), Some(0), "{report}");
    let rows = report["addresses"].as_array().expect("addresses");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["address"], "2001:db8::5");
    assert_eq!(rows[0]["requests"].as_u64(), Some(5));

    let out = fb
        .cmd(&["scan", log.to_str().expect("utf-8"), "--lines"])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = super::json_lines(&out.stdout);
    assert!(!printed.is_empty(), "the probes were not found");
    for line in &printed {
        assert_eq!(line["client"], "2001:db8::5");
        // A joined line is found at the number of its last part.
        assert_eq!(line["line"].as_u64().expect("line") % 4, 0, "{line}");
    }
}

#[test]
fn interleaved_stdout_and_stderr_partials_are_joined_each_to_its_own() {
    let fb = Fb::new();
    let out = split_probe("192.0.2.7", 1, "stdout");
    let err = split_probe("198.51.100.9", 2, "stderr");
    let mut lines = Vec::new();
    for (o, e) in out.iter().zip(&err) {
        lines.push(o.clone());
        lines.push(e.clone());
    }
    let log = fb.file("pod.log", &(lines.join("\n") + "\n"));
    let report = triage(&fb, &log);
    assert_eq!(report["totals"]["parsed"].as_u64(), Some(2), "{report}");
    assert_eq!(report["totals"]["malformed"].as_u64(), Some(0), "{report}");
    let mut addrs: Vec<&str> = report["addresses"]
        .as_array()
        .expect("addresses")
        .iter()
        .filter_map(|r| r["address"].as_str())
        .collect();
    addrs.sort_unstable();
    assert_eq!(addrs, ["192.0.2.7", "198.51.100.9"]);
}

#[test]
fn a_partial_run_cut_off_at_the_end_of_the_file_is_counted_unparsed() {
    let fb = Fb::new();
    let mut lines = split_probe("192.0.2.7", 1, "stdout");
    let cut = split_probe("192.0.2.8", 2, "stdout");
    lines.extend_from_slice(&cut[..2]);
    let log = fb.file("pod.log", &(lines.join("\n") + "\n"));
    let report = triage(&fb, &log);
    assert_eq!(report["totals"]["parsed"].as_u64(), Some(1), "{report}");
    assert_eq!(report["totals"]["malformed"].as_u64(), Some(2), "{report}");
    let samples = report["malformed"].to_string();
    assert!(samples.contains("could not be joined"), "{samples}");
    let addrs: Vec<&str> = report["addresses"]
        .as_array()
        .expect("addresses")
        .iter()
        .filter_map(|r| r["address"].as_str())
        .collect();
    assert_eq!(addrs, ["192.0.2.7"]);
}
