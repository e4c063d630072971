//! `firebreak report` over a store made by the real binary: the figures it prints, its JSON,
//! its HTML page, and how it refuses bad input.

use predicates::prelude::*;
use serde_json::Value;

use crate::support::Fb;

fn declare(fb: &Fb, title: &str, sev: &str, detected: &str) -> String {
    let v = fb.json(&["declare", title, "--sev", sev, "--detected", detected]);
    v["incident"]["id"].as_str().expect("id").to_string()
}

/// Four incidents: two P1 titled alike (one resolved, one resolved, reopened and resolved
/// again), a P2 nobody has acknowledged yet, and an acknowledged P3 with an overdue action.
fn seeded() -> Fb {
    let fb = Fb::init();
    let a = declare(&fb, "Checkout <down> & 'slow'", "P1", "2h ago");
    let b = declare(&fb, "Checkout <down> & 'slow'", "P1", "1h ago");
    declare(&fb, "Disk full", "P2", "10m ago");
    let d = declare(&fb, "Expired certificate", "P3", "30m ago");
    for args in [
        vec!["ack", &a],
        vec!["status", &a, "resolved"],
        vec!["ack", &b],
        vec!["status", &b, "contained"],
        vec!["status", &b, "resolved"],
        vec!["reopen", &b, "--reason", "errors are back"],
        vec!["status", &b, "resolved"],
        vec!["ack", &d],
        vec![
            "action",
            "add",
            &d,
            "Automate renewal",
            "--due",
            "2020-01-01",
        ],
        vec!["action", "add", &d, "Add an expiry alert"],
        vec!["action", "done", &d, "2"],
    ] {
        fb.cmd(&args).assert().success();
    }
    fb
}

fn count(v: &Value, list: &str, name: &str) -> u64 {
    v[list]
        .as_array()
        .expect("list")
        .iter()
        .find(|c| c["name"] == name)
        .map_or(0, |c| c["count"].as_u64().expect("count"))
}

#[test]
fn report_prints_response_figures_and_json() {
    let fb = seeded();
    fb.cmd(&["report"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("incidents    4")
                .and(predicate::str::contains("by severity  P1 2 · P2 1 · P3 1"))
                .and(predicate::str::contains(
                    "by status    investigating 2 · resolved 2",
                ))
                .and(predicate::str::contains("by origin    manual 4"))
                // MTTA over 2h, 1h and 30m; MTTR over 2h and 1h.
                .and(predicate::str::is_match(
                    r"(?m)^all +4 +1h10m / 1h00m / 2h00m +1h30m / 1h00m / 2h00m +1h30m / 1h00m / 2h00m +33\.3 % \(1/3\) +100\.0 % \(2/2\)$",
                ).expect("regex"))
                .and(predicate::str::contains("actions      1 done, 1 open, 1 overdue"))
                .and(predicate::str::contains("reopened     1 incidents, 1 times"))
                .and(predicate::str::contains("2× title \"Checkout <down> & 'slow'\"")),
        );

    let v = fb.json(&["report"]);
    assert_eq!(v["incidents"], 4);
    assert_eq!(count(&v, "by_severity", "P1"), 2);
    assert_eq!(count(&v, "by_status", "resolved"), 2);
    assert_eq!(count(&v, "by_origin", "manual"), 4);
    let phases = &v["overall"]["phases"];
    let mtta = phases["acknowledge"]["mean"].as_f64().expect("mtta");
    assert!((4200.0..4260.0).contains(&mtta), "MTTA {mtta}");
    assert_eq!(phases["resolve"]["count"], 2);
    let p90 = phases["resolve"]["p90"].as_f64().expect("p90");
    assert!((7200.0..7260.0).contains(&p90), "MTTR p90 {p90}");
    let ack = &v["overall"]["ack_target"];
    assert_eq!(
        (&ack["met"], &ack["missed"], &ack["pending"]),
        (&1.into(), &2.into(), &1.into())
    );
    let update = &v["overall"]["update_target"];
    assert_eq!((&update["met"], &update["missed"]), (&2.into(), &0.into()));
    assert_eq!(v["actions"]["overdue"], 1);
    assert_eq!(v["reopened"]["times"], 1);
    assert_eq!(v["repeats"][0]["count"], 2);

    let p1 = fb.json(&["report", "--severity", "p1"]);
    assert_eq!(p1["incidents"], 2);
    assert_eq!(p1["scope"]["severities"], serde_json::json!(["P1"]));
    let before = fb.json(&["report", "--since", "30d", "--until", "2020-01-01"]);
    assert_eq!(before["incidents"], 0);
}

#[test]
fn report_html_is_one_escaped_self_contained_page() {
    let fb = seeded();
    let out = fb.data_dir().join("report.html");
    let path = out.to_str().expect("path");
    let until = "2099-01-01";
    fb.cmd(&["report", "--html", "-o", path, "--until", until])
        .assert()
        .success()
        .stdout(predicate::str::contains("wrote the report (4 incidents)"));
    let page = std::fs::read_to_string(&out).expect("page");
    assert!(page.starts_with("<!DOCTYPE html>"), "{}", &page[..80]);
    assert_eq!(page.matches("<svg").count(), 2);
    assert!(page.contains("Checkout &lt;down&gt; &amp; &#39;slow&#39;"));
    assert!(!page.contains("<down>"));
    for external in ["http:", "https:", "src=", "<script", "@import", "url("] {
        assert!(!page.contains(external), "the page holds {external}");
    }
    // The same store read again gives the same bytes.
    fb.cmd(&["report", "--html", "-o", path, "--until", until])
        .assert()
        .success();
    assert_eq!(std::fs::read_to_string(&out).expect("page"), page);
}

#[test]
fn report_refuses_bad_input_in_one_line() {
    let fb = Fb::init();
    for (args, says) in [
        (
            vec!["report", "--since", "banana"],
            "since \"banana\" is neither",
        ),
        (
            vec!["report", "--severity", "P1,P9"],
            "unknown severity \"P9\"",
        ),
        (vec!["report", "--until", "someday"], "until"),
        (
            vec!["report", "--since", "2026-01-01", "--until", "2025-01-01"],
            "the window is empty",
        ),
        (
            vec!["--json", "report", "--html"],
            "choose one of --json and --html",
        ),
    ] {
        let out = fb.cmd(&args).output().expect("run");
        let err = String::from_utf8_lossy(&out.stderr);
        // Malformed arguments: exit 2, as for every command.
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
}
