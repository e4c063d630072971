//! kill -9 in the middle of a burst of appends: whatever a command reported as recorded is
//! still there afterwards, and the journal verifies.

use std::collections::BTreeSet;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{Fb, binary};

#[test]
fn acknowledged_events_survive_kill_9() {
    let fb = Fb::init();
    let id = fb.declare("power cut mid-write", "P1");
    let acked = fb.root().join("acked");
    // Each note that firebreak reports as recorded is logged to `acked` only after it exits 0.
    let script = format!(
        r#"i=0; while [ $i -lt 2000 ]; do "$FB" note {id} "burst $i" >/dev/null && echo $i >> "{}"; i=$((i+1)); done"#,
        acked.display()
    );
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(script)
        .env("FB", binary())
        .envs(fb.env())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .expect("spawn");
    // Let a burst build up, then kill the whole process group (the loop and any firebreak in flight).
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(100));
        let done = std::fs::read_to_string(&acked)
            .map(|t| t.lines().count())
            .unwrap_or(0);
        if done >= 40 {
            break;
        }
    }
    let pgid = child.id() as i32;
    let killed = Command::new("kill")
        .args(["-9", "--", &format!("-{pgid}")])
        .status()
        .expect("kill");
    assert!(killed.success());
    let _ = child.wait();

    let acked: BTreeSet<String> = std::fs::read_to_string(&acked)
        .unwrap_or_default()
        .lines()
        .map(|i| format!("burst {i}"))
        .collect();
    assert!(
        acked.len() >= 20,
        "the burst was too short to mean anything: {}",
        acked.len()
    );
    let timeline = fb.json(&["timeline", &id]);
    let recorded: BTreeSet<String> = timeline["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["payload"]["text"].as_str().map(str::to_string))
        .collect();
    let lost: Vec<_> = acked.difference(&recorded).collect();
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
    let (code, out) = fb.verify();
    assert_eq!(code, 0, "{out}");
    // And the incident keeps taking events.
    fb.cmd(&["note", &id, "after the crash"]).assert().success();
}
