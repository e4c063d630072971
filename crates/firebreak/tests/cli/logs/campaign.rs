//! One incident per attacker: neighbouring addresses acting alike share one incident, a graver
//! finding raises the incident it joins, and people merge and link what rules kept apart.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::watch::Watcher;
use super::{append, combined};
use crate::support::Fb;

const TRAVERSAL: &str = "GET /static/..%2f..%2f..%2fetc/passwd HTTP/1.1";
const XSS: &str = "GET /search?q=<script>alert(1)</script> HTTP/1.1";

fn files(fb: &Fb) -> (PathBuf, PathBuf) {
    let log = fb.root().join("access.log");
    append(&log, "");
    (log, fb.root().join("offsets.json"))
}

/// `watch --declare` on `log` from its saved offset.
fn watch(fb: &Fb, log: &Path, offsets: &Path) -> Watcher {
    watch_with(fb, log, offsets, &[])
}

/// The same with more arguments.
fn watch_with(fb: &Fb, log: &Path, offsets: &Path, more: &[&str]) -> Watcher {
    let mut args = vec![
        log.to_str().expect("utf-8"),
        "--declare",
        "--offsets",
        offsets.to_str().expect("utf-8"),
        "--format",
        "combined",
    ];
    args.extend_from_slice(more);
    Watcher::start(fb, &args)
}

fn incident_of(f: &Value) -> String {
    f["incident"]
        .as_str()
        .expect("landed on an incident")
        .to_string()
}

#[test]
fn neighbours_in_one_range_doing_the_same_are_one_incident_others_are_not() {
    let fb = Fb::init();
    let (log, offsets) = files(&fb);
    let mut w = watch(&fb, &log, &offsets);
    let mut lines = String::new();
    for (n, addr) in ["203.0.113.10", "203.0.113.77", "198.51.100.5"]
        .iter()
        .enumerate()
    {
        lines.push_str(&combined(addr, 5, n as u32, TRAVERSAL, 400, 10, "x"));
    }
    append(&log, &lines);
    let found = w.findings(3);
    let (code, err) = w.stop();
    assert_eq!(code, 0, "{err:?}");
    assert_eq!(found.len(), 3, "{found:?}");
    assert_eq!(found[0]["landed"], "declared", "{found:?}");
    assert_eq!(
        found[1]["landed"], "added",
        "the /24 neighbour joins: {found:?}"
    );
    assert_eq!(incident_of(&found[0]), incident_of(&found[1]));
    assert_eq!(
        found[2]["landed"], "declared",
        "another range is another attacker: {found:?}"
    );
    assert_ne!(incident_of(&found[0]), incident_of(&found[2]));
}

#[test]
fn a_graver_finding_raises_the_incident_it_joins_and_a_lighter_one_does_not_lower_it() {
    let fb = Fb::init();
    let (log, offsets) = files(&fb);
    let mut w = watch(&fb, &log, &offsets);
    append(&log, &combined("192.0.2.44", 5, 0, XSS, 200, 10, "x"));
    let first = w.findings(1);
    append(&log, &combined("192.0.2.44", 5, 5, TRAVERSAL, 400, 10, "x"));
    let second = w.findings(1);
    let (code, err) = w.stop();
    assert_eq!(code, 0, "{err:?}");
    let id = incident_of(&first[0]);
    assert_eq!(incident_of(&second[0]), id, "{second:?}");
    let shown = fb.json(&["show", &id]);
    assert_eq!(shown["incident"]["severity"], "P2", "{shown}");
    let timeline = String::from_utf8(
        fb.cmd(&["timeline", &id])
            .output()
            .expect("timeline")
            .stdout,
    )
    .expect("utf-8");
    assert!(
        timeline.contains("severity P3 → P2") && timeline.contains("http-path-traversal"),
        "{timeline}"
    );

    // The lighter finding arriving last leaves it as it is.
    let mut w = watch(&fb, &log, &offsets);
    append(
        &log,
        &combined(
            "192.0.2.44",
            6,
            0,
            "GET /search?q=<svg/onload=alert(2)> HTTP/1.1",
            200,
            10,
            "x",
        ),
    );
    let third = w.findings(1);
    w.stop();
    assert_eq!(incident_of(&third[0]), id, "{third:?}");
    assert_eq!(fb.json(&["show", &id])["incident"]["severity"], "P2");
}

#[test]
fn a_merged_duplicate_is_closed_and_its_later_findings_land_on_the_one_that_stays() {
    let fb = Fb::init();
    let (log, offsets) = files(&fb);
    let mut w = watch(&fb, &log, &offsets);
    append(&log, &combined("192.0.2.50", 5, 0, TRAVERSAL, 400, 10, "x"));
    let found = w.findings(1);
    w.stop();
    let dup = incident_of(&found[0]);
    let keep = fb.json(&["declare", "Attack on the shop", "--sev", "P2"])["incident"]["id"]
        .as_str()
        .expect("id")
        .to_string();

    let out = fb
        .cmd(&["merge", &dup, "--into", &keep, "--reason", "same attacker"])
        .output()
        .expect("merge");
    assert!(out.status.success(), "{out:?}");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains(&format!("{keep}  took in {dup}")), "{said}");
    assert!(
        said.contains(&format!("{dup}  merged into {keep}")),
        "{said}"
    );

    let gone = fb.json(&["show", &dup]);
    assert_eq!(gone["incident"]["status"], "closed", "{gone}");
    assert_eq!(gone["incident"]["merged_into"], keep.as_str(), "{gone}");
    let kept = fb.json(&["show", &keep]);
    assert_eq!(kept["incident"]["merged_from"][0], dup.as_str(), "{kept}");
    assert!(
        kept["incident"]["detections"]
            .as_array()
            .expect("detections")
            .iter()
            .any(|d| d["key"] == "client=192.0.2.50"),
        "{kept}"
    );

    // The attacker comes back after the merge: the finding follows it.
    let mut w = watch(&fb, &log, &offsets);
    append(&log, &combined("192.0.2.50", 7, 0, TRAVERSAL, 400, 10, "x"));
    let again = w.findings(1);
    w.stop();
    assert_eq!(again[0]["landed"], "added", "{again:?}");
    assert_eq!(incident_of(&again[0]), keep, "{again:?}");

    // Refusals change nothing: again, into itself, reopening the duplicate.
    for args in [
        vec!["merge", dup.as_str(), "--into", keep.as_str()],
        vec!["merge", keep.as_str(), "--into", keep.as_str()],
        vec!["reopen", dup.as_str(), "--reason", "oops"],
    ] {
        let out = fb.cmd(&args).output().expect("run");
        assert!(!out.status.success(), "{args:?} was accepted");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    }
    assert_eq!(fb.json(&["show", &dup])["incident"]["status"], "closed");
    fb.cmd(&["verify"]).assert().success();

    // The report counts the pair once.
    let report = fb.json(&["report"]);
    assert_eq!(report["incidents"], 1, "{report}");
    assert_eq!(report["merged"], 1, "{report}");
}

#[test]
fn linked_incidents_name_each_other_and_a_second_link_is_refused() {
    let fb = Fb::init();
    let a = fb.json(&["declare", "Checkout slow", "--sev", "P3"])["incident"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let b = fb.json(&["declare", "Database failover", "--sev", "P2"])["incident"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    fb.cmd(&["link", &a, &b, "--reason", "failover made checkout slow"])
        .assert()
        .success();
    for (this, other) in [(&a, &b), (&b, &a)] {
        let shown = String::from_utf8(fb.cmd(&["show", this]).output().expect("show").stdout)
            .expect("utf-8");
        assert!(shown.contains(&format!("related    {other}")), "{shown}");
    }
    let out = fb.cmd(&["link", &b, &a]).output().expect("link");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("already linked"),
        "{out:?}"
    );
    // Both still open: a link decides nothing about status.
    assert_eq!(
        fb.json(&["show", &a])["incident"]["status"],
        "investigating"
    );
    fb.cmd(&["verify"]).assert().success();
}

#[test]
fn replaying_a_log_adds_to_the_open_incidents_and_declares_none() {
    let fb = Fb::init();
    let (log, offsets) = files(&fb);
    let mut lines = String::new();
    for (n, addr) in ["203.0.113.10", "198.51.100.5", "192.0.2.44"]
        .iter()
        .enumerate()
    {
        lines.push_str(&combined(addr, 5, n as u32, TRAVERSAL, 400, 10, "x"));
        lines.push_str(&combined(addr, 5, 10 + n as u32, XSS, 200, 10, "x"));
    }
    append(&log, &lines);
    let mut first = watch_with(&fb, &log, &offsets, &["--from-start"]);
    let found = first.findings(6);
    first.stop();
    let declared = found.iter().filter(|f| f["landed"] == "declared").count();
    assert_eq!(declared, 3, "one incident per attacker: {found:?}");

    // The same half hour read again from the start (a restarted watcher without offsets).
    let replay = fb.root().join("replay-offsets.json");
    let mut again = watch_with(&fb, &log, &replay, &["--from-start"]);
    let refound = again.findings(6);
    again.stop();
    assert_eq!(refound.len(), 6, "{refound:?}");
    assert!(
        refound.iter().all(|f| f["landed"] == "added"),
        "a replay declares nothing new: {refound:?}"
    );
    let listed = fb.json(&["ls", "--all"]);
    assert_eq!(listed.as_array().map(Vec::len), Some(3), "{listed}");
}
