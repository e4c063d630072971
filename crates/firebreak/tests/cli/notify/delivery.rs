//! Delivery through the outbox to a real HTTP receiver: retries with back-off until it answers,
//! a visible failure and a later flush when it is down, exactly once per message across a
//! `kill -9` of `serve`, and no secret anywhere a user or an attacker with the files could read.

use std::time::Duration;

use serde_json::json;

use super::receiver::{Receiver, closed_port};
use super::{text, webhook_config, with_config};
use crate::server::process::{Served, token};
use crate::support::block_on;

const KEY: &str = "shared-hmac-key-SECRET";

#[test]
fn three_500s_then_200_delivers_once_with_every_try_on_the_timeline() {
    let receiver = Receiver::start(None, Some(KEY), &[500, 500, 500]);
    let fb = with_config(&webhook_config(&receiver.url(), KEY, ""));
    // P3: the chain tells nobody of it, so every request is this test's.
    let id = fb.declare("Checkout down", "P3");
    let out = fb
        .cmd(&["notify", &id, "--to", "alice", "--message", "Rolled back"])
        .output()
        .expect("run");
    let (stdout, err) = text(&out);
    assert!(out.status.success(), "{stdout}{err}");
    assert!(stdout.contains("delivered 1, failed 0"), "{stdout}");
    let got = receiver.got();
    assert_eq!(
        got.iter().map(|g| g.status).collect::<Vec<_>>(),
        [500, 500, 500, 200]
    );
    assert!(
        got.iter().all(|g| g.signed_ok),
        "every request carries a valid signature"
    );
    let key = &got[0].key;
    assert!(
        got.iter().all(|g| &g.key == key),
        "one idempotency key for every try"
    );
    assert_eq!(receiver.accepted().len(), 1, "delivered once");
    assert_eq!(got[3].body["incident"], id.as_str());
    assert!(
        got[3].body["body"]
            .as_str()
            .expect("body")
            .contains("Rolled back")
    );

    let log = fb.json(&["notify", &id, "--log"]);
    let n = &log["notifications"][0];
    assert_eq!(n["state"], "delivered");
    assert_eq!(n["attempts"], 4);
    let timeline = fb.json(&["timeline", &id]);
    let kinds: Vec<&str> = timeline["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .filter(|k| k.starts_with("notification_"))
        .collect();
    assert_eq!(
        kinds,
        [
            "notification_queued",
            "notification_attempted",
            "notification_attempted",
            "notification_attempted",
            "notification_delivered"
        ]
    );
    assert_eq!(fb.verify().0, 0, "the journal still verifies");
}

#[test]
fn a_receiver_down_for_every_try_fails_visibly_and_a_later_flush_delivers() {
    let port = closed_port();
    let url = format!("http://{port}/hook");
    let fb = with_config(&webhook_config(&url, KEY, "attempts = 3"));
    let id = fb.declare("Queue stuck", "P3");
    let out = fb
        .cmd(&["notify", &id, "--to", "alice"])
        .output()
        .expect("run");
    let (stdout, err) = text(&out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a failed delivery fails the command: {stdout}{err}"
    );
    assert!(stdout.contains("failed 1"), "{stdout}");
    let log = fb.json(&["notify", &id, "--log"]);
    assert_eq!(log["notifications"][0]["state"], "failed");
    assert_eq!(log["notifications"][0]["attempts"], 3);
    let shown = fb.cmd(&["timeline", &id]).output().expect("run");
    assert!(
        text(&shown)
            .0
            .contains("FAILED after 3 tries: could not connect"),
        "{}",
        text(&shown).0
    );

    let receiver = Receiver::start(Some(port), Some(KEY), &[]);
    let out = fb.cmd(&["notify", "--flush"]).output().expect("run");
    let (stdout, err) = text(&out);
    assert!(out.status.success(), "{stdout}{err}");
    assert!(stdout.contains("delivered 1, failed 0"), "{stdout}");
    assert_eq!(receiver.accepted().len(), 1);
    assert_eq!(
        fb.json(&["notify", &id, "--log"])["notifications"][0]["state"],
        "delivered"
    );
    // Nothing left: a second flush sends nothing.
    fb.cmd(&["notify", "--flush"]).assert().success();
    assert_eq!(receiver.got().len(), 1);
}

#[test]
fn kill_9_of_serve_with_notifications_queued_delivers_each_exactly_once_after_restart() {
    // The receiver refuses everything at first, so messages stay queued in serve's back-off.
    let receiver = Receiver::start(None, Some(KEY), &[503; 200]);
    let config = webhook_config(&receiver.url(), KEY, "attempts = 50")
        .replace("retry_after = \"100ms\"", "retry_after = \"300ms\"")
        .replace("retry_max = \"400ms\"", "retry_max = \"300ms\"");
    let fb = with_config(&config);
    let id = fb.declare("Payments failing", "P3");
    let secret = token(&fb, "commander", "ci");
    let mut served = Served::start(&fb, &[]);
    let client = reqwest::Client::new();
    let mut keys = Vec::new();
    for i in 0..5 {
        let reply = block_on(
            client
                .post(served.url(&format!("/api/v1/incidents/{id}/notifications")))
                .bearer_auth(&secret)
                .json(&json!({ "to": ["alice"], "message": format!("update {i}") }))
                .send(),
        )
        .expect("send");
        assert!(reply.status().is_success(), "{}", reply.status());
        let v: serde_json::Value = block_on(reply.json()).expect("json");
        keys.push(v["queued"][0].as_str().expect("key").to_string());
    }
    // Let serve try (and fail) at least once, then kill it without warning.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while receiver.got().len() < 5 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    served.child.kill().expect("kill -9");
    served.child.wait().expect("reap");
    assert!(
        receiver.accepted().is_empty(),
        "nothing accepted before the crash"
    );
    let queued = fb.json(&["notify", &id, "--log"]);
    assert!(
        queued["notifications"]
            .as_array()
            .expect("list")
            .iter()
            .all(|n| n["state"] == "queued"),
        "{queued}"
    );

    // The receiver now accepts; a new serve delivers what the dead one left.
    let receiver = {
        let addr = receiver.addr;
        drop(receiver);
        Receiver::start(Some(addr), Some(KEY), &[])
    };
    let _served = Served::start(&fb, &[]);
    let accepted = receiver.wait_accepted(5, Duration::from_secs(15));
    std::thread::sleep(Duration::from_millis(800));
    let accepted_after = receiver.accepted();
    assert_eq!(
        accepted.len(),
        5,
        "each queued message delivered after the restart"
    );
    let mut got: Vec<String> = accepted_after.iter().map(|g| g.key.clone()).collect();
    got.sort();
    keys.sort();
    assert_eq!(got, keys, "exactly once each, no repeats");
    assert!(accepted_after.iter().all(|g| g.signed_ok));
}

#[test]
fn no_webhook_url_key_or_token_is_in_the_database_the_output_or_the_files() {
    let receiver = Receiver::start(None, Some(KEY), &[500]);
    let url_secret = format!("{}?token=URLSECRET", receiver.url());
    let fb = with_config(&webhook_config(&url_secret, KEY, ""));
    let id = fb.declare("Leak check", "P1");
    let mut seen = String::new();
    for args in [
        vec!["notify", id.as_str(), "--to", "alice", "--dry-run"],
        vec!["notify", id.as_str(), "--to", "alice"],
        vec!["--json", "notify", id.as_str(), "--log"],
        vec!["contacts"],
        vec!["--json", "contacts"],
        vec!["timeline", id.as_str()],
        vec!["--json", "timeline", id.as_str()],
        vec!["show", id.as_str()],
    ] {
        let out = fb.cmd(&args).output().expect("run");
        let (o, e) = text(&out);
        seen.push_str(&o);
        seen.push_str(&e);
    }
    // The chain's message on declaration, and the one sent by hand.
    assert_eq!(receiver.accepted().len(), 2);
    for secret in ["URLSECRET", KEY, &receiver.url()] {
        assert!(!seen.contains(secret), "{secret} in the output:\n{seen}");
    }
    // Every file in the data directory but the config that holds them: the database, keys, logs.
    let mut stack = vec![fb.data_dir()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.file_name().is_some_and(|n| n == "firebreak.toml") {
                continue;
            }
            let bytes = std::fs::read(&path).expect("read");
            for secret in ["URLSECRET", KEY, "/hook"] {
                assert!(
                    !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                    "{secret} found in {}",
                    path.display()
                );
            }
        }
    }
}
