//! `block --from-finding`: the addresses of a scan result are listed, refused ones named and
//! left out, ranges proposed, and nothing is blocked without a yes.

use predicates::prelude::*;
use predicates::str::contains;

use crate::support::Fb;

/// A data directory whose nginx backend only writes its include file (`true` as test and
/// reload): these tests are about choosing addresses, not enforcing them.
fn setup() -> (Fb, String) {
    let fb = Fb::init();
    let include = fb.root().join("deny.conf");
    std::fs::write(
        fb.data_dir().join("firebreak.toml"),
        format!(
            "[contain]\nvia = \"nginx\"\n[contain.nginx]\ninclude = {:?}\ntest = [\"true\"]\nreload = [\"true\"]\n",
            include.display().to_string()
        ),
    )
    .expect("config");
    let id = fb.declare("scanners", "P2");
    (fb, id)
}

const SCAN: &str = r#"{"inputs":[],"findings":[
  {"rule":"http-scanner","key":{"client":"203.0.113.1"},"count":50},
  {"rule":"http-scanner","key":{"client":"203.0.113.2"},"count":40},
  {"rule":"http-scanner","key":{"client":"203.0.113.3"},"count":30},
  {"rule":"http-scanner","key":{"client":"203.0.113.4"},"count":20},
  {"rule":"http-scanner","key":{"client":"127.0.0.1"},"count":99},
  {"rule":"http-404-burst","key":{"client":"198.51.100.9"},"count":5},
  {"rule":"hot-path","key":{"path":"/wp-login.php"},"count":9}]}"#;

fn blocked(fb: &Fb) -> Vec<String> {
    let mut all: Vec<String> = fb
        .json(&["block", "ls"])
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["target"].as_str().expect("target").to_string())
        .collect();
    all.sort();
    all
}

#[test]
fn top_addresses_are_listed_refusals_named_and_the_range_proposed() {
    let (fb, id) = setup();
    let scan = fb.file("scan.json", SCAN);
    let out = fb
        .cmd(&[
            "block",
            "--from-finding",
            &scan.display().to_string(),
            "--top",
            "5",
        ])
        .args(["--incident", &id, "--reason", "scanners", "--yes"])
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("names 4 address(es)"), "{err}");
    assert!(
        err.contains("203.0.113.1") && err.contains("http-scanner"),
        "{err}"
    );
    assert!(
        err.contains("not blocked: refusing to block 127.0.0.1"),
        "{err}"
    );
    assert!(
        err.contains("4 of these addresses lie in 203.0.113.0/24"),
        "{err}"
    );
    assert!(err.contains("1 finding(s) name no address"), "{err}");
    // The top 5 by count are 127.0.0.1 (refused) and the four of 203.0.113.0/24; 198.51.100.9
    // is sixth.
    assert_eq!(
        blocked(&fb),
        ["203.0.113.1", "203.0.113.2", "203.0.113.3", "203.0.113.4"]
    );
}

#[test]
fn without_a_terminal_or_yes_nothing_is_blocked() {
    let (fb, id) = setup();
    let before = fb.event_count(&id);
    fb.cmd(&[
        "block",
        "--from-finding",
        "-",
        "--incident",
        &id,
        "--reason",
        "x",
    ])
    .write_stdin(SCAN)
    .assert()
    .failure()
    .stderr(contains("re-run with --yes").and(contains("198.51.100.9")));
    assert_eq!(fb.event_count(&id), before);
    // A dry run needs no answer and changes nothing either.
    fb.cmd(&[
        "block",
        "--from-finding",
        "-",
        "--incident",
        &id,
        "--reason",
        "x",
        "--dry-run",
    ])
    .write_stdin(SCAN)
    .assert()
    .success()
    .stdout(contains("+ deny 198.51.100.9;"));
    assert_eq!(fb.event_count(&id), before);
    assert!(blocked(&fb).is_empty());
}

#[test]
fn a_file_that_is_not_a_result_is_one_clear_line() {
    let (fb, id) = setup();
    let bad = fb.file("notes.json", "{\"hello\": 1}");
    fb.cmd(&[
        "block",
        "--from-finding",
        &bad.display().to_string(),
        "--incident",
        &id,
        "--reason",
        "x",
        "--yes",
    ])
    .assert()
    .failure()
    .stderr(contains("notes.json: not a `firebreak scan --json`"));
    fb.cmd(&["block", "--top", "3", "--incident", &id, "--reason", "x"])
        .assert()
        .code(2)
        .stderr(contains("--from-finding"));
}

#[test]
fn a_real_scan_result_piped_in_blocks_its_attacker() {
    let (fb, id) = setup();
    let mut log: String = (0..8)
        .map(|n| {
            crate::logs::combined(
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
    log.push_str(&crate::logs::combined(
        "203.0.113.77",
        1,
        0,
        "POST /login HTTP/1.1",
        302,
        20,
        "Mozilla/5.0",
    ));
    let path = fb.file("access.log", &log);
    let scan = fb
        .cmd(&["--json", "scan", path.to_str().expect("utf-8")])
        .output()
        .expect("scan");
    assert!(scan.status.success());
    let out = fb
        .cmd(&[
            "block",
            "--from-finding",
            "-",
            "--incident",
            &id,
            "--reason",
            "brute force",
            "--yes",
        ])
        .write_stdin(scan.stdout)
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("http-brute-force-then-success"), "{err}");
    assert_eq!(blocked(&fb), ["203.0.113.77"]);
}
