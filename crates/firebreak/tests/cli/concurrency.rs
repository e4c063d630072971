//! Several processes writing at once — on one SQLite file and on one PostgreSQL database.

use std::collections::BTreeSet;
use std::process::{Command, Output};
use std::thread;

use firebreak_store::testing::ScratchDb;

use crate::support::{Fb, binary, block_on};

/// Runs `per_process` commands in each of `processes` concurrent processes; each process is a
/// shell loop so the firebreak invocations really overlap.
fn race(fb: &Fb, processes: usize, script: &str) -> Vec<Output> {
    let handles: Vec<_> = (0..processes)
        .map(|p| {
            let env = fb.env();
            let script = script.replace("{p}", &p.to_string());
            let bin = binary();
            thread::spawn(move || {
                Command::new("sh")
                    .arg("-c")
                    .arg(script)
                    .env("FB", bin)
                    .envs(env)
                    .output()
                    .expect("spawn")
            })
        })
        .collect();
    handles
        .into_iter()
        .map(|h| h.join().expect("thread"))
        .collect()
}

fn distinct_ids_from_two_declaring_processes(fb: &Fb) {
    let script = r#"i=0; while [ $i -lt 50 ]; do "$FB" declare "proc {p} incident $i" --sev P3 | cut -d' ' -f1 || exit 1; i=$((i+1)); done"#;
    let outputs = race(fb, 2, script);
    let mut ids = BTreeSet::new();
    for out in &outputs {
        assert!(
            out.status.success(),
            "a declare failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        for line in String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| l.starts_with("INC-"))
        {
            assert!(ids.insert(line.to_string()), "duplicate id {line}");
        }
    }
    assert_eq!(ids.len(), 100);
    assert_eq!(fb.json(&["ls"]).as_array().map(Vec::len), Some(100));
    assert_eq!(fb.verify().0, 0);
}

fn one_chain_under_concurrent_appends(fb: &Fb) {
    let id = fb.declare("shared incident", "P2");
    let script = format!(
        r#"i=0; while [ $i -lt 25 ]; do "$FB" note {id} "writer {{p}} note $i" >/dev/null || exit 1; i=$((i+1)); done"#
    );
    for out in race(fb, 4, &script) {
        assert!(
            out.status.success(),
            "an append failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let timeline = fb.json(&["timeline", &id]);
    let events = timeline["events"].as_array().expect("events");
    assert_eq!(events.len(), 101);
    let seqs: Vec<i64> = events
        .iter()
        .map(|e| e["seq"].as_i64().unwrap_or(0))
        .collect();
    assert_eq!(seqs, (1..=101).collect::<Vec<_>>());
    let notes: BTreeSet<&str> = events
        .iter()
        .filter_map(|e| e["payload"]["text"].as_str())
        .collect();
    assert_eq!(notes.len(), 100, "every note landed exactly once");
    let (code, out) = fb.verify();
    assert_eq!(code, 0, "{out}");
}

#[test]
fn two_processes_declaring_get_distinct_ids_on_sqlite() {
    distinct_ids_from_two_declaring_processes(&Fb::init());
}

#[test]
fn concurrent_appends_keep_one_valid_chain_on_sqlite() {
    one_chain_under_concurrent_appends(&Fb::init());
}

#[test]
fn two_processes_declaring_get_distinct_ids_on_postgres() {
    let db = block_on(ScratchDb::create("cli_ids"));
    let fb = Fb::with_database(&db.url);
    fb.cmd(&["init"]).assert().success();
    distinct_ids_from_two_declaring_processes(&fb);
    block_on(db.drop_db());
}

#[test]
fn concurrent_appends_keep_one_valid_chain_on_postgres() {
    let db = block_on(ScratchDb::create("cli_chain"));
    let fb = Fb::with_database(&db.url);
    fb.cmd(&["init"]).assert().success();
    one_chain_under_concurrent_appends(&fb);
    block_on(db.drop_db());
}
