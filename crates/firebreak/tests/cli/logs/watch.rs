//! `watch`: following files for real (renames, truncation, restarts, signals) and turning
//! findings into incidents.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{append, combined, marker_rules};
use crate::support::Fb;

/// How long any expected output may take before the test fails.
const PATIENCE: Duration = Duration::from_secs(20);

/// A running `firebreak watch` with its output collected line by line.
pub(super) struct Watcher {
    child: Child,
    stdout: Receiver<String>,
    stderr: Receiver<String>,
    seen_err: Vec<String>,
}

impl Watcher {
    pub(super) fn start(fb: &Fb, args: &[&str]) -> Watcher {
        let mut all = vec!["--json", "watch"];
        all.extend_from_slice(args);
        let mut child = std::process::Command::new(crate::support::binary())
            .env_remove("FIREBREAK_CONFIG")
            .env_remove("FIREBREAK_DATABASE_URL")
            .envs(fb.env())
            .args(&all)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn watch");
        let stdout = lines(child.stdout.take().expect("stdout"));
        let stderr = lines(child.stderr.take().expect("stderr"));
        let mut w = Watcher {
            child,
            stdout,
            stderr,
            seen_err: Vec::new(),
        };
        w.wait_err("watching");
        w
    }

    /// Waits until stderr has a line containing `text`.
    fn wait_err(&mut self, text: &str) {
        let deadline = Instant::now() + PATIENCE;
        while Instant::now() < deadline {
            if let Ok(line) = self.stderr.recv_timeout(Duration::from_millis(50)) {
                let hit = line.contains(text);
                self.seen_err.push(line);
                if hit {
                    return;
                }
            }
        }
        panic!("no {text:?} on stderr; saw {:?}", self.seen_err);
    }

    /// The next `n` findings printed (JSON lines).
    pub(super) fn findings(&mut self, n: usize) -> Vec<Value> {
        let deadline = Instant::now() + PATIENCE;
        let mut out = Vec::new();
        while out.len() < n && Instant::now() < deadline {
            if let Ok(line) = self.stdout.recv_timeout(Duration::from_millis(50)) {
                out.push(serde_json::from_str(&line).expect("a JSON line per finding"));
            }
        }
        assert_eq!(
            out.len(),
            n,
            "expected {n} findings, got {out:?}; stderr {:?}",
            self.seen_err
        );
        out
    }

    /// Findings printed within a quiet spell (for "nothing more came").
    fn more_within(&mut self, quiet: Duration) -> Vec<Value> {
        let deadline = Instant::now() + quiet;
        let mut out = Vec::new();
        while Instant::now() < deadline {
            if let Ok(line) = self.stdout.recv_timeout(Duration::from_millis(50)) {
                out.push(serde_json::from_str(&line).expect("JSON"));
            }
        }
        out
    }

    /// SIGTERM, then the exit status and everything left on stderr.
    pub(super) fn stop(mut self) -> (i32, Vec<String>) {
        let pid = self.child.id().to_string();
        let killed = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill");
        assert!(killed.success());
        let deadline = Instant::now() + PATIENCE;
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                break status;
            }
            assert!(Instant::now() < deadline, "watch did not stop on SIGTERM");
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut err = self.seen_err;
        // The process is gone: read what it wrote until the pipe closes.
        while let Ok(line) = self.stderr.recv_timeout(PATIENCE) {
            err.push(line);
        }
        (status.code().unwrap_or(-1), err)
    }
}

fn lines(stream: impl std::io::Read + Send + 'static) -> Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

fn marker(n: u32) -> String {
    combined(
        "192.0.2.10",
        5,
        n % 60,
        &format!("GET /marker/{n} HTTP/1.1"),
        200,
        10,
        "Mozilla/5.0",
    )
}

fn markers(found: &[Value]) -> Vec<String> {
    let mut out: Vec<String> = found
        .iter()
        .map(|f| f["key"]["path"].as_str().expect("path key").to_owned())
        .collect();
    out.sort();
    out
}

fn expected(range: std::ops::Range<u32>) -> Vec<String> {
    let mut out: Vec<String> = range.map(|n| format!("/marker/{n}")).collect();
    out.sort();
    out
}

fn setup() -> (Fb, PathBuf, PathBuf, PathBuf) {
    let fb = Fb::new();
    let rules = marker_rules(fb.root());
    let log = fb.root().join("access.log");
    let offsets = fb.root().join("offsets.json");
    // Old lines: watch starts at the end, so these are never reported.
    append(&log, &(0..5).map(|n| marker(1000 + n)).collect::<String>());
    (fb, rules, log, offsets)
}

fn args<'a>(log: &'a Path, rules: &'a Path, offsets: &'a Path) -> Vec<&'a str> {
    vec![
        log.to_str().expect("utf-8"),
        "--rules",
        rules.to_str().expect("utf-8"),
        "--no-builtin",
        "--format",
        "combined",
        "--offsets",
        offsets.to_str().expect("utf-8"),
    ]
}

#[test]
fn lines_around_a_rotation_are_each_reported_once() {
    let (fb, rules, log, offsets) = setup();
    let mut w = Watcher::start(&fb, &args(&log, &rules, &offsets));
    append(&log, &(0..50).map(marker).collect::<String>());
    // Rotate the way logrotate does (rename, new file), writing to the old file after the
    // rename as a still-open writer would, then to the new one.
    std::fs::rename(&log, fb.root().join("access.log.1")).expect("rotate");
    append(
        &fb.root().join("access.log.1"),
        &(50..60).map(marker).collect::<String>(),
    );
    append(&log, &(60..100).map(marker).collect::<String>());
    let found = w.findings(100);
    assert_eq!(markers(&found), expected(0..100));
    assert!(
        w.more_within(Duration::from_millis(600)).is_empty(),
        "a line was reported twice"
    );
    let (code, err) = w.stop();
    assert_eq!(code, 0, "{err:?}");
}

#[test]
fn lines_around_a_copytruncate_are_each_reported_once() {
    let (fb, rules, log, offsets) = setup();
    let mut w = Watcher::start(&fb, &args(&log, &rules, &offsets));
    append(&log, &(0..30).map(marker).collect::<String>());
    assert_eq!(markers(&w.findings(30)), expected(0..30));
    std::fs::copy(&log, fb.root().join("access.log.1")).expect("copy");
    std::fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(&log)
        .expect("truncate");
    append(&log, &(30..70).map(marker).collect::<String>());
    assert_eq!(markers(&w.findings(40)), expected(30..70));
    assert!(
        w.more_within(Duration::from_millis(600)).is_empty(),
        "a line was reported twice"
    );
    let (code, _) = w.stop();
    assert_eq!(code, 0);
}

#[test]
fn a_restart_resumes_at_the_saved_offset() {
    let (fb, rules, log, offsets) = setup();
    let mut w = Watcher::start(&fb, &args(&log, &rules, &offsets));
    append(&log, &(0..20).map(marker).collect::<String>());
    assert_eq!(w.findings(20).len(), 20);
    let (code, err) = w.stop();
    assert_eq!(code, 0);
    assert!(err.iter().any(|l| l.contains("offsets saved")), "{err:?}");
    // Written while nobody watched: reported after the restart, once; nothing old again.
    append(&log, &(20..45).map(marker).collect::<String>());
    let mut w = Watcher::start(&fb, &args(&log, &rules, &offsets));
    assert_eq!(markers(&w.findings(25)), expected(20..45));
    append(&log, &(45..50).map(marker).collect::<String>());
    assert_eq!(markers(&w.findings(5)), expected(45..50));
    assert!(w.more_within(Duration::from_millis(600)).is_empty());
    w.stop();
}

#[test]
fn a_restart_after_a_rotation_while_stopped_misses_nothing() {
    let (fb, rules, log, offsets) = setup();
    let mut w = Watcher::start(&fb, &args(&log, &rules, &offsets));
    append(&log, &(0..10).map(marker).collect::<String>());
    assert_eq!(w.findings(10).len(), 10);
    w.stop();
    append(&log, &(10..15).map(marker).collect::<String>());
    std::fs::rename(&log, fb.root().join("access.log.1")).expect("rotate");
    append(&log, &(15..30).map(marker).collect::<String>());
    let mut w = Watcher::start(&fb, &args(&log, &rules, &offsets));
    assert_eq!(markers(&w.findings(20)), expected(10..30));
    assert!(w.more_within(Duration::from_millis(600)).is_empty());
    w.stop();
}

#[test]
fn findings_declare_an_incident_then_add_to_it() {
    let fb = Fb::init();
    let log = fb.root().join("auth.log");
    append(&log, "");
    let offsets = fb.root().join("offsets.json");
    let mut w = Watcher::start(
        &fb,
        &[
            log.to_str().expect("utf-8"),
            "--declare",
            "--offsets",
            offsets.to_str().expect("utf-8"),
            "--format",
            "syslog",
            "--year",
            "2026",
        ],
    );
    let failures: String = (0..12)
        .map(|n| format!("Nov 23 10:00:{n:02} web1 sshd[4242]: Failed password for root from 198.51.100.23 port {} ssh2\n", 40000 + n))
        .collect();
    append(&log, &failures);
    append(
        &log,
        "Nov 23 10:00:30 web1 sshd[4242]: Accepted password for root from 198.51.100.23 port 40100 ssh2\n",
    );
    let found = w.findings(2);
    let brute = found
        .iter()
        .find(|f| f["rule"] == "ssh-brute-force")
        .unwrap_or_else(|| panic!("ssh-brute-force among {found:?}"));
    assert_eq!(brute["landed"], "declared");
    let id = brute["incident"].as_str().expect("incident id").to_owned();
    // One attacker, one incident: the other rule's finding on the same address joins it.
    let success = found
        .iter()
        .find(|f| f["rule"] == "ssh-brute-force-then-success")
        .unwrap_or_else(|| panic!("ssh-brute-force-then-success among {found:?}"));
    assert_eq!(success["landed"], "added", "{found:?}");
    assert_eq!(success["incident"], id.as_str(), "{found:?}");
    // The same guessing hours later (past the rule's dedup period): the same incident grows.
    let again: String = (0..12)
        .map(|n| format!("Nov 23 23:00:{n:02} web1 sshd[4243]: Failed password for root from 198.51.100.23 port {} ssh2\n", 41000 + n))
        .collect();
    append(&log, &again);
    let more = w.findings(1);
    assert_eq!(more[0]["rule"], "ssh-brute-force");
    assert_eq!(more[0]["landed"], "added");
    assert_eq!(more[0]["incident"], id.as_str());
    let (code, err) = w.stop();
    assert_eq!(code, 0, "{err:?}");
    let shown = fb.json(&["show", &id]);
    let incident = &shown["incident"];
    assert!(
        incident["title"]
            .as_str()
            .expect("title")
            .contains("198.51.100.23"),
        "{incident}"
    );
    let timeline = fb.json(&["timeline", &id]);
    let detected: Vec<&Value> = timeline["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["kind"] == "detected")
        .collect();
    assert_eq!(
        detected.len(),
        3,
        "each finding is on the timeline: {timeline}"
    );
    assert_eq!(detected[0]["payload"]["rule"], "ssh-brute-force");
    assert_eq!(detected[0]["payload"]["runbook"], "unauthorized-access");
    let text = fb.cmd(&["timeline", &id]).output().expect("run");
    assert!(String::from_utf8_lossy(&text.stdout).contains("detected by rule ssh-brute-force"));
    let suggested = fb.json(&["runbook", "suggest", &id]);
    assert_eq!(
        suggested["suggestions"][0]["runbook"],
        "unauthorized-access"
    );
    assert_eq!(
        fb.verify().0,
        0,
        "the journal verifies after watch recorded into it"
    );
}

#[test]
fn secrets_in_logged_lines_stay_out_of_the_journal() {
    let fb = Fb::init();
    let rules = marker_rules(fb.root());
    let log = fb.root().join("access.log");
    append(&log, "");
    let offsets = fb.root().join("offsets.json");
    let mut all = args(&log, &rules, &offsets);
    all.push("--declare");
    let mut w = Watcher::start(&fb, &all);
    append(
        &log,
        &combined(
            "192.0.2.10",
            5,
            1,
            "GET /marker/reset?user=ana&token=s3cr3t-t0ken HTTP/1.1",
            200,
            10,
            "Mozilla/5.0",
        ),
    );
    let found = w.findings(1);
    w.stop();
    let id = found[0]["incident"].as_str().expect("incident");
    let timeline = fb.json(&["timeline", id]).to_string();
    assert!(timeline.contains("user=ana&token=••••"), "{timeline}");
    assert!(!timeline.contains("s3cr3t-t0ken"), "{timeline}");
    let db = std::fs::read(fb.db_file()).expect("database file");
    assert!(
        !db.windows(12).any(|w| w == b"s3cr3t-t0ken"),
        "the secret reached the database"
    );
}

#[test]
fn an_offsets_file_that_cannot_be_written_stops_it_before_watching() {
    let fb = Fb::new();
    let log = fb.root().join("access.log");
    append(&log, "");
    let out = fb
        .cmd(&[
            "watch",
            log.to_str().expect("utf-8"),
            "--offsets",
            "/nonexistent/dir/offsets.json",
        ])
        .timeout(PATIENCE)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("/nonexistent/dir/offsets.json"), "{err}");
    assert!(!err.contains("watching"), "refused before watching: {err}");
}

#[test]
fn lines_in_the_wrong_format_are_reported_a_few_times_not_each() {
    let (fb, rules, log, offsets) = setup();
    let mut w = Watcher::start(&fb, &args(&log, &rules, &offsets));
    append(&log, &"not an access log line\n".repeat(200));
    append(&log, &marker(1));
    assert_eq!(
        markers(&w.findings(1)),
        expected(1..2),
        "good lines still count"
    );
    let (code, err) = w.stop();
    assert_eq!(code, 0);
    let unparsed = err.iter().filter(|l| l.contains("did not parse")).count();
    assert_eq!(unparsed, 5, "{err:?}");
    assert!(
        err.iter().any(|l| l.contains("further unparsed lines")),
        "{err:?}"
    );
}

/// A flood from several addresses at once is one incident listing each address's finding.
#[test]
fn a_flood_from_several_addresses_is_one_incident() {
    let fb = Fb::init();
    let log = fb.root().join("access.log");
    append(&log, "");
    let offsets = fb.root().join("offsets.json");
    let mut w = Watcher::start(
        &fb,
        &[
            log.to_str().expect("utf-8"),
            "--declare",
            "--offsets",
            offsets.to_str().expect("utf-8"),
            "--format",
            "combined",
        ],
    );
    let mut flood = String::new();
    for n in 0..650 {
        for addr in ["203.0.113.201", "203.0.113.202"] {
            flood.push_str(&super::combined(
                addr,
                5,
                n % 60,
                "GET /search HTTP/1.1",
                200,
                10,
                "x",
            ));
        }
    }
    append(&log, &flood);
    let found = w.findings(2);
    let (code, err) = w.stop();
    assert_eq!(code, 0, "{err:?}");
    assert!(
        found.iter().all(|f| f["rule"] == "http-flood-per-address"),
        "{found:?}"
    );
    assert_eq!(found[0]["landed"], "declared", "{found:?}");
    assert_eq!(found[1]["landed"], "added", "{found:?}");
    assert_eq!(found[0]["incident"], found[1]["incident"], "{found:?}");
}

/// Issue 19: `watch` on a mistyped path was said to wait silently forever. It waits (a file may
/// appear later, as the guide says) and says so once, even when the directory is missing too;
/// the file is followed once it appears.
#[test]
fn a_missing_file_is_named_once_and_followed_when_it_appears() {
    let (fb, rules, _, offsets) = setup();
    let log = fb.root().join("not-yet").join("later.log");
    let mut w = Watcher::start(&fb, &args(&log, &rules, &offsets));
    w.wait_err("later.log: does not exist yet, waiting for it");
    std::fs::create_dir(fb.root().join("not-yet")).expect("mkdir");
    append(&log, &marker(1));
    assert_eq!(markers(&w.findings(1)), expected(1..2));
    let (code, err) = w.stop();
    assert_eq!(code, 0, "{err:?}");
    assert_eq!(
        err.iter().filter(|l| l.contains("does not exist")).count(),
        1,
        "{err:?}"
    );
}
