//! `--declare`: a result that is not ok opens an incident with the check's severity and
//! runbook, a later result updates the same incident, and an ok result records nothing.

use super::run;
use crate::support::Fb;

#[test]
fn a_failing_check_opens_one_incident_and_later_runs_update_it() {
    let fb = Fb::init();
    let flag = fb.root().join("healthy");
    let checks = format!(
        r#"
[[check]]
name = "queue-worker"
kind = "command"
command = ["test", "-e", "{flag}"]
severity = "P1"
runbook = "messaging"

[[check]]
name = "always-fine"
kind = "command"
command = ["true"]
"#,
        flag = flag.display()
    );
    // `test -e` exits 1 when the file is missing: warn, at the default warn level (P3).
    let (code, json) = run(&fb, &checks, &["--declare"]);
    assert_eq!(code, 4, "{json}");
    let first = &json["checks"][0];
    assert_eq!(first["landed"], "declared", "{json}");
    let id = first["incident"].as_str().expect("incident").to_string();
    assert!(
        json["checks"][1].get("incident").is_none(),
        "ok results record nothing"
    );
    let shown = fb.json(&["show", &id]);
    let incident = &shown["incident"];
    assert_eq!(incident["severity"], "P3", "{shown}");
    let detection = &incident["detections"][0];
    assert_eq!(detection["rule"], "check:queue-worker", "{shown}");
    assert_eq!(detection["key"], "check=queue-worker");
    assert_eq!(detection["runbook"], "messaging");

    let (_, json) = run(&fb, &checks, &["--declare"]);
    assert_eq!(json["checks"][0]["landed"], "added", "{json}");
    assert_eq!(json["checks"][0]["incident"], id.as_str());
    assert_eq!(fb.json(&["ls"]).as_array().map(Vec::len), Some(1));

    std::fs::write(&flag, "").expect("flag");
    let (code, json) = run(&fb, &checks, &["--declare"]);
    assert_eq!(code, 0);
    assert!(json["checks"][0].get("incident").is_none());
}
