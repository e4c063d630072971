//! `block --via nginx` against a real nginx: the blocked client gets 403, the other 200; expiry
//! lifts it; a broken nginx config changes nothing and records nothing.

use std::time::Duration;

use super::server::Nginx;
use crate::support::Fb;

fn setup() -> (Fb, Nginx, String) {
    let fb = Fb::init();
    let nginx = Nginx::start(fb.root());
    std::fs::write(fb.data_dir().join("firebreak.toml"), nginx.contain_config()).expect("config");
    let id = fb.declare("scanner hammering the API", "P2");
    (fb, nginx, id)
}

fn kinds(fb: &Fb, id: &str) -> Vec<String> {
    fb.json(&["timeline", id])["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["kind"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn blocked_client_gets_403_until_the_block_expires() {
    let (fb, nginx, id) = setup();
    // The block lasts 8 s: long enough that the checks before its time finish on a busy
    // machine, short enough to wait out.
    let blocked_at = std::time::Instant::now();
    fb.cmd(&[
        "block",
        "127.0.0.2",
        "--incident",
        &id,
        "--reason",
        "drill scanner",
        "--ttl",
        "8s",
    ])
    .assert()
    .success()
    .stdout(predicates::str::contains("blocked 127.0.0.2 via nginx"));
    nginx.wait_for(Some("127.0.0.2"), 403);
    assert_eq!(nginx.status_from("127.0.0.1"), 200);

    let ls = fb.json(&["block", "ls"]);
    let rows = ls.as_array().expect("rows");
    assert_eq!(rows.len(), 1, "{ls}");
    assert_eq!(rows[0]["target"], "127.0.0.2");
    assert_eq!(rows[0]["via"], "nginx");
    assert_eq!(rows[0]["incident"], id.as_str());
    assert_eq!(rows[0]["by"], "tester");
    assert_eq!(rows[0]["reason"], "drill scanner");
    let table = fb.cmd(&["block", "ls"]).output().expect("run");
    let table = String::from_utf8_lossy(&table.stdout);
    assert!(
        table.contains("127.0.0.2") && table.contains("drill scanner"),
        "{table}"
    );

    // Before its time, expiry leaves it alone.
    fb.cmd(&["block", "expire"])
        .assert()
        .success()
        .stdout(predicates::str::contains("No block has expired"));
    assert_eq!(nginx.status_from("127.0.0.2"), 403);

    let expiry = Duration::from_millis(8100);
    assert!(
        blocked_at.elapsed() < Duration::from_secs(8),
        "the checks before expiry took longer than the block lasts"
    );
    std::thread::sleep(expiry.saturating_sub(blocked_at.elapsed()));
    fb.cmd(&["block", "expire"])
        .assert()
        .success()
        .stdout(predicates::str::contains("expired and was lifted"));
    nginx.wait_for(Some("127.0.0.2"), 200);
    assert_eq!(nginx.status_from("127.0.0.1"), 200);
    assert!(
        fb.json(&["block", "ls"])
            .as_array()
            .expect("rows")
            .is_empty()
    );
    let k = kinds(&fb, &id);
    assert!(k.contains(&"address_blocked".to_string()), "{k:?}");
    assert!(k.contains(&"address_unblocked".to_string()), "{k:?}");
    assert_eq!(fb.verify().0, 0);
}

#[test]
fn unblock_lifts_at_once_and_dry_run_changes_nothing() {
    let (fb, nginx, id) = setup();
    let deny = nginx.dir.join("deny.conf");
    let out = fb
        .cmd(&[
            "block",
            "127.0.0.2",
            "--incident",
            &id,
            "--reason",
            "x",
            "--dry-run",
        ])
        .output()
        .expect("run");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("+ deny 127.0.0.2;"), "{text}");
    assert!(
        text.contains("-t -q") && text.contains("-s reload"),
        "{text}"
    );
    assert_eq!(std::fs::read_to_string(&deny).expect("deny"), "");
    assert!(!kinds(&fb, &id).contains(&"address_blocked".to_string()));

    fb.cmd(&["block", "127.0.0.2", "--incident", &id, "--reason", "x"])
        .assert()
        .success();
    nginx.wait_for(Some("127.0.0.2"), 403);
    fb.cmd(&["unblock", "127.0.0.2", "--dry-run"])
        .assert()
        .success()
        .stdout(predicates::str::contains("- deny 127.0.0.2;"));
    assert_eq!(nginx.status_from("127.0.0.2"), 403);
    fb.cmd(&["unblock", "127.0.0.2", "--reason", "false positive"])
        .assert()
        .success()
        .stdout(predicates::str::contains("unblocked 127.0.0.2 via nginx"));
    nginx.wait_for(Some("127.0.0.2"), 200);
    fb.cmd(&["unblock", "127.0.0.2"])
        .assert()
        .failure()
        .stderr(predicates::str::contains("127.0.0.2 is not blocked"));
}

#[test]
fn a_broken_nginx_config_changes_nothing_and_records_nothing() {
    let (fb, nginx, id) = setup();
    let deny = nginx.dir.join("deny.conf");
    std::fs::write(
        nginx.dir.join("extra.conf"),
        "this_is_not_a_directive on;\n",
    )
    .expect("break");
    let before = fb.event_count(&id);
    let out = fb
        .cmd(&["block", "127.0.0.2", "--incident", &id, "--reason", "x"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("-t -q") && err.contains("put back"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert_eq!(std::fs::read_to_string(&deny).expect("deny"), "");
    assert_eq!(fb.event_count(&id), before);
    assert!(
        fb.json(&["block", "ls"])
            .as_array()
            .expect("rows")
            .is_empty()
    );
    assert_eq!(nginx.status_from("127.0.0.2"), 200);
}

#[test]
fn serve_lifts_expired_blocks_by_itself() {
    let (fb, nginx, id) = setup();
    let config = fb.data_dir().join("firebreak.toml");
    let text = std::fs::read_to_string(&config).expect("config");
    std::fs::write(
        &config,
        text.replace("[contain]\n", "[contain]\nexpire_every = \"1s\"\n"),
    )
    .expect("config");
    let mut served = crate::server::process::Served::start(&fb, &[]);
    fb.cmd(&[
        "block",
        "127.0.0.2",
        "--incident",
        &id,
        "--reason",
        "drill",
        "--ttl",
        "2s",
    ])
    .assert()
    .success();
    nginx.wait_for(Some("127.0.0.2"), 403);
    // Lifted by serve within its period after the expiry (wait_for allows 5 s).
    std::thread::sleep(Duration::from_secs(2));
    nginx.wait_for(Some("127.0.0.2"), 200);
    assert!(
        fb.json(&["block", "ls"])
            .as_array()
            .expect("rows")
            .is_empty()
    );
    let timeline = fb.json(&["timeline", &id]).to_string();
    assert!(
        timeline.contains(r#""kind":"address_unblocked""#),
        "{timeline}"
    );
    assert!(timeline.contains(r#""lifted":"expired""#), "{timeline}");
    served.terminate();
    assert!(served.wait(Duration::from_secs(30)).success());
}
