//! Escalation: an unacknowledged P1 pages the backup within a second of its (shortened)
//! acknowledge deadline, once; a restart of `serve` neither repeats the page nor drops one that
//! fell due while it was down; `firebreak escalate` does the same from a timer.

use std::path::Path;
use std::time::{Duration, SystemTime};

use super::receiver::Receiver;
use super::{text, with_config};
use crate::server::process::Served;
use crate::support::Fb;

const KEY: &str = "k";

fn config(alice: &str, bob: &str, ack: &str) -> String {
    format!(
        "[[policy.levels]]\nname = \"P1\"\nlabel = \"Critical\"\nack_within = \"{ack}\"\nupdate_every = \"1h\"\n\
         [[policy.levels]]\nname = \"P2\"\nlabel = \"High\"\nack_within = \"1h\"\nupdate_every = \"4h\"\n\
         [notify]\nretry_after = \"100ms\"\n\
         [[notify.contacts]]\nname = \"alice\"\nwebhook = \"{alice}\"\nwebhook_key = \"{KEY}\"\nbackup = \"bob\"\n\
         [[notify.contacts]]\nname = \"bob\"\nwebhook = \"{bob}\"\nwebhook_key = \"{KEY}\"\n\
         [notify.chain.P1]\ndeclare = [\"alice\"]\n"
    )
}

fn detected_at(fb: &Fb, id: &str) -> SystemTime {
    let v = fb.json(&["show", id]);
    let text = v["incident"]["detected_at"].as_str().expect("detected_at");
    let t: jiff::Timestamp = text.parse().expect("timestamp");
    SystemTime::UNIX_EPOCH + Duration::from_micros(t.as_microsecond() as u64)
}

fn escalations(fb: &Fb, id: &str) -> usize {
    fb.json(&["timeline", id])["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["kind"] == "escalated")
        .count()
}

#[test]
fn an_unacknowledged_p1_pages_the_backup_within_a_second_once_across_restarts() {
    let alice = Receiver::start(None, Some(KEY), &[]);
    let bob = Receiver::start(None, Some(KEY), &[]);
    let fb = with_config(&config(&alice.url(), &bob.url(), "3s"));
    let mut served = Served::start(&fb, &["--poll", "100ms"]);
    let id = fb.declare("Database unreachable", "P1");
    let deadline = detected_at(&fb, &id) + Duration::from_secs(3);
    let got = bob.wait_accepted(1, Duration::from_secs(10));
    assert_eq!(got.len(), 1, "the backup was paged");
    let late = got[0]
        .at
        .duration_since(deadline)
        .expect("not before the deadline");
    assert!(
        late < Duration::from_secs(1),
        "paged {late:?} after the deadline"
    );
    assert_eq!(got[0].body["template"], "escalation");
    assert!(got[0].signed_ok);
    assert!(
        got[0].body["subject"]
            .as_str()
            .expect("subject")
            .contains(&id),
        "{:?}",
        got[0].body
    );
    let told: Vec<_> = alice.accepted();
    assert!(
        told.len() == 1 && told[0].body["template"] == "internal",
        "the first contact was told of the declaration once and not paged: {told:?}"
    );

    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(bob.accepted().len(), 1, "paged once");
    served.terminate();
    served.wait(Duration::from_secs(10));

    // While no server runs, a second P1 passes its deadline unacknowledged.
    let missed = fb.declare("Cache cluster lost", "P1");
    std::thread::sleep(Duration::from_millis(3300));
    let _served = Served::start(&fb, &["--poll", "100ms"]);
    let got = bob.wait_accepted(2, Duration::from_secs(5));
    std::thread::sleep(Duration::from_millis(1200));
    assert_eq!(
        bob.accepted().len(),
        2,
        "the missed page is sent once after the restart, the old one not again: {got:?}"
    );
    assert_eq!(got[1].body["incident"], missed.as_str());
    assert_eq!(escalations(&fb, &id), 1);
    assert_eq!(escalations(&fb, &missed), 1);
}

#[test]
fn an_acknowledged_incident_pages_nobody_and_escalate_runs_once_from_a_timer() {
    let alice = Receiver::start(None, Some(KEY), &[]);
    let bob = Receiver::start(None, Some(KEY), &[]);
    let fb = with_config(&config(&alice.url(), &bob.url(), "1s"));
    let acked = fb.declare("Handled", "P1");
    fb.cmd(&["ack", &acked]).assert().success();
    let id = fb.declare("Nobody home", "P1");
    std::thread::sleep(Duration::from_millis(1200));
    let out = fb.cmd(&["escalate"]).output().expect("run");
    let (stdout, err) = text(&out);
    assert!(out.status.success(), "{err}");
    assert!(stdout.contains(&id) && stdout.contains("bob"), "{stdout}");
    assert!(!stdout.contains(&acked), "{stdout}");
    let out = fb.cmd(&["escalate"]).output().expect("run");
    assert!(text(&out).0.contains("nothing due"), "{}", text(&out).0);
    assert_eq!(bob.accepted().len(), 1);
    assert_eq!(escalations(&fb, &acked), 0);
}

#[test]
fn the_shipped_timer_runs_firebreak_escalate_every_minute() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/operations");
    let service = std::fs::read_to_string(dir.join("firebreak-escalate.service")).expect("unit");
    let exec = service
        .lines()
        .find_map(|l| l.strip_prefix("ExecStart="))
        .expect("ExecStart=");
    let words: Vec<&str> = exec.split_whitespace().collect();
    assert!(
        words[0].ends_with("/firebreak") && words[1..] == ["escalate"],
        "{exec}"
    );
    assert!(service.contains("Type=oneshot"), "{service}");
    let timer = std::fs::read_to_string(dir.join("firebreak-escalate.timer")).expect("timer");
    assert!(
        timer.contains("OnUnitActiveSec=1min") && timer.contains("WantedBy=timers.target"),
        "{timer}"
    );
    // The command the unit runs exists and does nothing on a host with no incidents.
    let fb = Fb::init();
    let out = fb.cmd(&["escalate"]).output().expect("run");
    assert!(out.status.success(), "{}", text(&out).1);
}
