//! `block --via nftables` and `--via iptables` for real, in a network namespace lab: the blocked
//! source cannot connect and the other can; `unblock` restores it; a short block is lifted by
//! the kernel on time and `block expire` records it; a failing firewall program records nothing.

use std::time::{Duration, Instant};

use predicates::prelude::*;
use predicates::str::contains;

use super::netns::{BLOCKED, Lab, OTHER};
use crate::support::Fb;

fn ls(lab: &Lab, fb: &Fb) -> serde_json::Value {
    let out = lab
        .firebreak(fb, &["--json", "block", "ls"])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

/// The whole story through one backend.
fn blocks_and_lifts(via: &str, rules: &[&str], shows: &str) {
    let lab = Lab::start();
    let fb = Fb::init();
    let id = fb.declare("scanner in the lab", "P2");
    assert!(lab.reaches(BLOCKED) && lab.reaches(OTHER));

    // A dry run prints the change and does nothing.
    lab.firebreak(
        &fb,
        &[
            "block",
            BLOCKED,
            "--incident",
            &id,
            "--reason",
            "drill",
            "--via",
            via,
            "--dry-run",
        ],
    )
    .assert()
    .success()
    .stdout(contains("dry run").and(contains(BLOCKED)));
    assert!(lab.reaches(BLOCKED), "a dry run blocked the source");
    assert!(ls(&lab, &fb).as_array().expect("rows").is_empty());

    lab.firebreak(
        &fb,
        &[
            "block",
            BLOCKED,
            "--incident",
            &id,
            "--reason",
            "drill",
            "--via",
            via,
            "--ttl",
            "1h",
        ],
    )
    .assert()
    .success()
    .stdout(contains(format!("blocked {BLOCKED} via {via}")));
    lab.wait_reach(BLOCKED, false);
    assert!(lab.reaches(OTHER), "the other source was blocked too");
    let kernel = lab.inside(rules);
    assert!(
        kernel.contains(BLOCKED) && kernel.contains(shows),
        "{kernel}"
    );
    let rows = ls(&lab, &fb);
    assert_eq!(rows[0]["via"], via, "{rows}");

    // Blocking again (a second address) keeps one rule, not two.
    lab.firebreak(
        &fb,
        &[
            "block",
            "10.77.0.9",
            "--incident",
            &id,
            "--reason",
            "drill",
            "--via",
            via,
        ],
    )
    .assert()
    .success();
    assert!(!lab.reaches(BLOCKED));

    lab.firebreak(&fb, &["unblock", BLOCKED, "--reason", "drill over"])
        .assert()
        .success()
        .stdout(contains(format!("unblocked {BLOCKED} via {via}")));
    lab.wait_reach(BLOCKED, true);
    assert!(!lab.inside(rules).contains(&format!("{BLOCKED} ")));

    // A short block: the kernel lifts it on time by itself; expiry then records it.
    let blocked_at = Instant::now();
    lab.firebreak(
        &fb,
        &[
            "block",
            BLOCKED,
            "--incident",
            &id,
            "--reason",
            "short",
            "--via",
            via,
            "--ttl",
            "4s",
        ],
    )
    .assert()
    .success();
    assert!(!lab.reaches(BLOCKED), "the short block did not hold");
    std::thread::sleep(Duration::from_millis(4200).saturating_sub(blocked_at.elapsed()));
    lab.wait_reach(BLOCKED, true);
    lab.firebreak(&fb, &["block", "expire"])
        .assert()
        .success()
        .stdout(contains(format!("block of {BLOCKED} via {via}")).and(contains("expired")));
    let rows = ls(&lab, &fb);
    let rows = rows.as_array().expect("rows");
    assert_eq!(rows.len(), 1, "only 10.77.0.9 stays: {rows:?}");
    assert_eq!(rows[0]["target"], "10.77.0.9");
    assert!(lab.reaches(OTHER));
    assert_eq!(fb.verify().0, 0);
}

#[test]
fn nftables_drops_the_blocked_source_only_until_unblocked_or_expired() {
    blocks_and_lifts(
        "nftables",
        &["nft", "list", "table", "inet", "firebreak"],
        "timeout",
    );
}

#[test]
fn iptables_drops_the_blocked_source_only_until_unblocked_or_expired() {
    blocks_and_lifts("iptables", &["ipset", "list", "firebreak4"], "timeout");
}

#[test]
fn iptables_rule_is_inserted_once() {
    let lab = Lab::start();
    let fb = Fb::init();
    let id = fb.declare("rule count", "P3");
    for target in ["10.77.0.8", "10.77.0.9"] {
        lab.firebreak(
            &fb,
            &[
                "block",
                target,
                "--incident",
                &id,
                "--reason",
                "x",
                "--via",
                "iptables",
            ],
        )
        .assert()
        .success();
    }
    let rules = lab.inside(&["iptables", "-S", "INPUT"]);
    assert_eq!(
        rules.matches("--match-set firebreak4 src -j DROP").count(),
        1,
        "{rules}"
    );
}

#[test]
fn a_failing_nft_changes_nothing_and_records_nothing() {
    let lab = Lab::start();
    let fb = Fb::init();
    std::fs::write(
        fb.data_dir().join("firebreak.toml"),
        "[contain.nftables]\nnft = \"false\"\n",
    )
    .expect("config");
    let id = fb.declare("broken nft", "P3");
    let before = fb.event_count(&id);
    lab.firebreak(
        &fb,
        &[
            "block",
            BLOCKED,
            "--incident",
            &id,
            "--reason",
            "x",
            "--via",
            "nftables",
        ],
    )
    .assert()
    .failure()
    .stderr(contains("`false -f -` failed"));
    assert_eq!(fb.event_count(&id), before);
    assert!(lab.reaches(BLOCKED));
    assert!(ls(&lab, &fb).as_array().expect("rows").is_empty());
}
