//! `verify` catches every way someone with write access to the database file might quietly
//! rewrite history, and names the first bad event.

use crate::support::{Fb, sql};

/// A store with three incidents of five events each; returns it and the ids.
fn history() -> (Fb, Vec<String>) {
    let fb = Fb::init();
    let ids: Vec<String> = (1..=3)
        .map(|n| fb.declare(&format!("incident {n}"), "P2"))
        .collect();
    for id in &ids {
        for n in 1..=4 {
            fb.cmd(&["note", id, &format!("finding {n}")])
                .assert()
                .success();
        }
    }
    assert_eq!(fb.verify().0, 0);
    (fb, ids)
}

fn assert_caught(fb: &Fb, expect: &[&str]) {
    let (code, out) = fb.verify();
    assert_eq!(code, 3, "verify must fail with exit 3:\n{out}");
    for e in expect {
        assert!(out.contains(e), "expected {e:?} in:\n{out}");
    }
}

#[test]
fn an_edited_event() {
    let (fb, ids) = history();
    sql(
        &fb.db_file(),
        &[&format!(
            "UPDATE events SET payload = '{{\"text\":\"nothing happened\"}}' WHERE incident = '{}' AND seq = 3",
            ids[1]
        )],
    );
    assert_caught(
        &fb,
        &[&format!(
            "{} event 3: its content does not match its hash",
            ids[1]
        )],
    );
    // Other incidents are still reported intact; the damaged one refuses new events.
    let out = fb.cmd(&["note", &ids[1], "more"]).output().expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing was recorded"));
    fb.cmd(&["note", &ids[0], "unaffected"]).assert().success();
}

#[test]
fn an_edited_actor_or_time() {
    let (fb, ids) = history();
    sql(
        &fb.db_file(),
        &[&format!(
            "UPDATE events SET actor = 'someone-else' WHERE incident = '{}' AND seq = 2",
            ids[0]
        )],
    );
    assert_caught(&fb, &[&format!("{} event 2:", ids[0])]);
    let (fb, ids) = history();
    sql(
        &fb.db_file(),
        &[&format!(
            "UPDATE events SET at = at - 3600000000 WHERE incident = '{}' AND seq = 5",
            ids[2]
        )],
    );
    assert_caught(&fb, &[&format!("{} event 5:", ids[2])]);
}

#[test]
fn a_deleted_event() {
    let (fb, ids) = history();
    sql(
        &fb.db_file(),
        &[&format!(
            "DELETE FROM events WHERE incident = '{}' AND seq = 2",
            ids[0]
        )],
    );
    assert_caught(
        &fb,
        &[&format!(
            "{} event 3: expected event 2 here; events 2..2 are missing",
            ids[0]
        )],
    );
}

#[test]
fn an_inserted_event() {
    let (fb, ids) = history();
    // Make room at seq 3 and slip a forged event in, with a hash that looks plausible.
    sql(
        &fb.db_file(),
        &[
            &format!(
                "UPDATE events SET seq = seq + 100 WHERE incident = '{}' AND seq >= 3",
                ids[0]
            ),
            &format!(
                "UPDATE events SET seq = seq - 99 WHERE incident = '{}' AND seq >= 103",
                ids[0]
            ),
            &format!(
                "INSERT INTO events (incident, seq, at, actor, kind, payload, prev, hash) \
             SELECT incident, 3, at, 'mallory', 'note_added', '{{\"text\":\"all fine\"}}', hash, hash \
             FROM events WHERE incident = '{}' AND seq = 2",
                ids[0]
            ),
        ],
    );
    assert_caught(
        &fb,
        &[&format!(
            "{} event 3: its content does not match its hash",
            ids[0]
        )],
    );
}

#[test]
fn reordered_events() {
    let (fb, ids) = history();
    sql(
        &fb.db_file(),
        &[
            &format!(
                "UPDATE events SET seq = 99 WHERE incident = '{}' AND seq = 2",
                ids[2]
            ),
            &format!(
                "UPDATE events SET seq = 2 WHERE incident = '{}' AND seq = 3",
                ids[2]
            ),
            &format!(
                "UPDATE events SET seq = 3 WHERE incident = '{}' AND seq = 99",
                ids[2]
            ),
        ],
    );
    assert_caught(
        &fb,
        &[&format!(
            "{} event 2: it does not follow the event before it",
            ids[2]
        )],
    );
}

#[test]
fn a_truncated_chain() {
    let (fb, ids) = history();
    sql(
        &fb.db_file(),
        &[&format!(
            "DELETE FROM events WHERE incident = '{}' AND seq >= 4",
            ids[1]
        )],
    );
    assert_caught(
        &fb,
        &[&format!(
            "{} event 4: the chain ends at event 3 but its seal covers 5 events",
            ids[1]
        )],
    );
    // `verify INC` sees it too, and the incident refuses new events rather than re-sealing a cut chain.
    let out = fb.cmd(&["verify", &ids[1]]).output().expect("run");
    assert_eq!(out.status.code(), Some(3));
    fb.cmd(&["note", &ids[1], "after the cut"])
        .assert()
        .failure();
}

#[test]
fn a_deleted_incident() {
    let (fb, ids) = history();
    let gone = &ids[1];
    sql(
        &fb.db_file(),
        &[
            &format!("DELETE FROM events WHERE incident = '{gone}'"),
            &format!("DELETE FROM seals WHERE incident = '{gone}'"),
            &format!("DELETE FROM incidents WHERE id = '{gone}'"),
        ],
    );
    assert_caught(
        &fb,
        &["incident #2 of 3 is missing from the registry (incident deleted?)"],
    );
}

#[test]
fn the_newest_incident_deleted_with_its_count() {
    let (fb, ids) = history();
    let gone = &ids[2];
    sql(
        &fb.db_file(),
        &[
            &format!("DELETE FROM events WHERE incident = '{gone}'"),
            &format!("DELETE FROM seals WHERE incident = '{gone}'"),
            "UPDATE registry SET count = 2",
        ],
    );
    assert_caught(&fb, &["the registry's signature does not match"]);
    let (fb, ids) = history();
    let gone = &ids[2];
    sql(
        &fb.db_file(),
        &[
            &format!("DELETE FROM events WHERE incident = '{gone}'"),
            &format!("DELETE FROM seals WHERE incident = '{gone}'"),
        ],
    );
    assert_caught(&fb, &["incident #3 of 3 is missing"]);
}

#[test]
fn events_deleted_but_seal_left() {
    let (fb, ids) = history();
    sql(
        &fb.db_file(),
        &[&format!("DELETE FROM events WHERE incident = '{}'", ids[0])],
    );
    assert_caught(
        &fb,
        &[&format!("{}: every event of this incident is gone", ids[0])],
    );
}

#[test]
fn a_forged_incident_without_the_key() {
    let (fb, ids) = history();
    // Copy an incident's events under a new id: the chain hashes name the old id, and no seal exists.
    sql(
        &fb.db_file(),
        &[&format!(
            "INSERT INTO events SELECT 'INC-2001-01-01-001', seq, at, actor, kind, payload, prev, hash FROM events WHERE incident = '{}'",
            ids[0]
        )],
    );
    assert_caught(&fb, &["INC-2001-01-01-001 event 1:"]);
}

#[test]
fn a_forged_tail_event_with_a_correct_hash() {
    // Hashes need no key, so a forger can extend a chain perfectly; only the signed seal tells.
    let (fb, ids) = history();
    let timeline = fb.json(&["timeline", &ids[0]]);
    let last = &timeline["events"][4];
    let prev: firebreak_core::Digest = last["hash"]
        .as_str()
        .expect("hash")
        .parse()
        .expect("digest");
    let at: jiff::Timestamp = last["at"].as_str().expect("at").parse().expect("time");
    let payload = r#"{"text":"root cause: cosmic rays"}"#;
    let hash = firebreak_core::journal::hash_event(
        &ids[0],
        6,
        at.as_microsecond(),
        "mallory",
        "note_added",
        payload,
        &prev,
    );
    sql(
        &fb.db_file(),
        &[&format!(
            "INSERT INTO events VALUES ('{}', 6, {}, 'mallory', 'note_added', '{payload}', '{prev}', '{hash}')",
            ids[0],
            at.as_microsecond()
        )],
    );
    assert_caught(
        &fb,
        &[&format!(
            "{} event 6: events after the sealed head (5) were added without the signing key",
            ids[0]
        )],
    );
}
