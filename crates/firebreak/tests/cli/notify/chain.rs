//! The chain tells people on its own: a declaration, a severity raised and a status change
//! each send the chain's recipients one message through the outbox, from the CLI on a host
//! with no server; a repeated command sends nothing more; a team without contacts sees no
//! notification events at all.

use std::time::Duration;

use super::receiver::Receiver;
use super::{text, with_config};
use crate::support::Fb;

const KEY: &str = "chain-hmac-key";

/// alice hears of P2 declarations, of incidents raised to P1 and of P1 status changes.
fn config(url: &str) -> String {
    format!(
        "[notify]\nretry_after = \"100ms\"\nretry_max = \"400ms\"\ntimeout = \"2s\"\n\
         [[notify.contacts]]\nname = \"alice\"\nwebhook = \"{url}\"\nwebhook_key = \"{KEY}\"\n\
         [notify.chain.P2]\ndeclare = [\"alice\"]\n\
         [notify.chain.P1]\nraised = [\"alice\"]\nstatus = [\"alice\"]\n"
    )
}

fn kinds(fb: &Fb, id: &str) -> Vec<serde_json::Value> {
    fb.json(&["timeline", id])["events"]
        .as_array()
        .expect("events")
        .clone()
}

#[test]
fn declare_raise_and_resolve_each_tell_the_chain_once() {
    let receiver = Receiver::start(None, Some(KEY), &[]);
    let fb = with_config(&config(&receiver.url()));

    let out = fb
        .cmd(&["declare", "Checkout is slow", "--sev", "P2"])
        .output()
        .expect("run");
    let (stdout, err) = text(&out);
    assert!(out.status.success(), "{stdout}{err}");
    assert!(stdout.contains("told the chain: 1 delivered"), "{stdout}");
    let id = stdout.split_whitespace().next().expect("id").to_string();
    let got = receiver.accepted();
    assert_eq!(got.len(), 1, "the declaration was told once");
    assert!(got[0].signed_ok);
    assert_eq!(got[0].body["incident"], id.as_str());
    assert_eq!(got[0].body["template"], "internal");
    assert!(
        got[0].body["subject"]
            .as_str()
            .expect("subject")
            .contains(&format!("[P2] {id} is investigating")),
        "{:?}",
        got[0].body
    );

    let out = fb
        .cmd(&["sev", &id, "P1", "--reason", "all regions"])
        .output()
        .expect("run");
    let (stdout, err) = text(&out);
    assert!(out.status.success(), "{stdout}{err}");
    let got = receiver.accepted();
    assert_eq!(got.len(), 2, "raising told the chain once more");
    let body = got[1].body["body"].as_str().expect("body");
    assert!(
        body.contains("severity raised from P2 to P1: all regions"),
        "{body}"
    );
    assert!(body.contains("Next update by"), "{body}");

    // Lowering is not news for the chain; raising again is.
    fb.cmd(&["sev", &id, "P3"]).assert().success();
    assert_eq!(receiver.accepted().len(), 2, "lowering tells nobody");
    fb.cmd(&["sev", &id, "P1"]).assert().success();
    assert_eq!(receiver.accepted().len(), 3);

    fb.cmd(&["status", &id, "resolved", "--reason", "rolled back"])
        .assert()
        .success();
    let got = receiver.accepted();
    assert_eq!(got.len(), 4, "resolving told the chain once");
    assert!(
        got[3].body["subject"]
            .as_str()
            .expect("subject")
            .contains("is resolved"),
        "{:?}",
        got[3].body
    );
    // The same command again records nothing, so tells nobody again.
    let again = fb.cmd(&["status", &id, "resolved"]).output().expect("run");
    assert!(!again.status.success());
    std::thread::sleep(Duration::from_millis(300));
    let got = receiver.got();
    assert_eq!(got.len(), 4, "one request per change: {got:?}");
    let mut keys: Vec<&str> = got.iter().map(|g| g.key.as_str()).collect();
    keys.dedup();
    assert_eq!(keys.len(), 4, "a key per message");

    // Each message names the event it was sent for, recorded in the same append.
    let events = kinds(&fb, &id);
    let queued: Vec<&serde_json::Value> = events
        .iter()
        .filter(|e| e["kind"] == "notification_queued")
        .collect();
    assert_eq!(queued.len(), 4);
    for q in queued {
        let cause = q["payload"]["cause"].as_u64().expect("cause");
        let seq = q["seq"].as_u64().expect("seq");
        let caused_by = events
            .iter()
            .find(|e| e["seq"].as_u64() == Some(cause))
            .expect("the cause is on the timeline");
        assert!(
            ["declared", "severity_changed", "status_changed"]
                .contains(&caused_by["kind"].as_str().unwrap_or_default()),
            "{caused_by}"
        );
        assert!(
            cause < seq && seq - cause <= 1,
            "queued right after its cause"
        );
    }
    assert_eq!(fb.verify().0, 0, "the journal still verifies");

    // `show` says who was told what, destinations masked.
    let out = fb.cmd(&["show", &id]).output().expect("run");
    let (stdout, _) = text(&out);
    assert!(
        stdout.contains("alice · webhook *** (signed) · internal (declare) · delivered (1 try)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("internal (raised)") && stdout.contains("internal (status)"),
        "{stdout}"
    );
    assert!(!stdout.contains(&receiver.url()), "{stdout}");
    let shown = fb.json(&["show", &id]);
    let told = shown["notifications"].as_array().expect("notifications");
    assert_eq!(told.len(), 4);
    assert_eq!(told[0]["to"], "alice");
    assert_eq!(told[0]["destination"], "webhook *** (signed)");
    assert_eq!(told[0]["template"], "internal");
    assert_eq!(told[0]["state"], "delivered");
    assert_eq!(told[0]["attempts"], 1);
}

#[test]
fn a_receiver_that_is_down_leaves_the_message_queued_and_the_command_succeeds() {
    let port = super::receiver::closed_port();
    let fb = with_config(
        &config(&format!("http://{port}/hook")).replace("[notify]\n", "[notify]\nattempts = 50\n"),
    );
    let out = fb
        .cmd(&["declare", "Queue stuck", "--sev", "P2"])
        .output()
        .expect("run");
    let (stdout, err) = text(&out);
    assert!(
        out.status.success(),
        "the incident is declared: {stdout}{err}"
    );
    assert!(stdout.contains("1 still queued"), "{stdout}");
    let id = stdout.split_whitespace().next().expect("id").to_string();
    let log = fb.json(&["notify", &id, "--log"]);
    assert_eq!(log["notifications"][0]["state"], "queued", "{log}");
    assert!(log["notifications"][0]["attempts"].as_u64() >= Some(1));

    let out = fb.cmd(&["show", &id]).output().expect("run");
    let (stdout, _) = text(&out);
    assert!(
        stdout.contains("tries so far: could not connect"),
        "{stdout}"
    );

    let receiver = Receiver::start(Some(port), Some(KEY), &[]);
    let out = fb.cmd(&["notify", "--flush"]).output().expect("run");
    assert!(out.status.success(), "{}", text(&out).1);
    assert_eq!(receiver.accepted().len(), 1, "the flush delivered it");
}

#[test]
fn without_contacts_nothing_is_queued_or_said() {
    let fb = Fb::init();
    let out = fb
        .cmd(&["declare", "Disk filling", "--sev", "P1"])
        .output()
        .expect("run");
    let (stdout, err) = text(&out);
    assert!(out.status.success(), "{err}");
    assert!(!stdout.contains("told the chain"), "{stdout}");
    let id = stdout.split_whitespace().next().expect("id").to_string();
    fb.cmd(&["status", &id, "resolved"]).assert().success();
    assert!(
        kinds(&fb, &id).iter().all(|e| !e["kind"]
            .as_str()
            .unwrap_or_default()
            .starts_with("notification")),
        "no notification events"
    );
}

#[test]
fn a_broken_template_does_not_stop_the_declaration_and_says_the_chain_was_not_told() {
    let receiver = Receiver::start(None, Some(KEY), &[]);
    let fb = with_config(&config(&receiver.url()));
    let dir = fb.data_dir().join("templates");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(dir.join("internal.txt"), "{{ id }}\n\n{% if %}\n").expect("write");
    let out = fb
        .cmd(&["declare", "Checkout is slow", "--sev", "P2"])
        .output()
        .expect("run");
    let (stdout, err) = text(&out);
    assert!(
        out.status.success(),
        "the incident is recorded: {stdout}{err}"
    );
    let id = stdout.split_whitespace().next().expect("id").to_string();
    let path = dir.join("internal.txt").display().to_string();
    assert!(
        err.contains("the communication chain was not told") && err.contains(&format!("{path}:3:")),
        "{err}"
    );
    assert!(
        kinds(&fb, &id)
            .iter()
            .all(|e| e["kind"] != "notification_queued"),
        "nothing queued"
    );
    assert!(receiver.got().is_empty(), "nothing sent");
}
