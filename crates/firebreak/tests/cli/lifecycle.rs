//! A responder's path through an incident, as they would see it.

use predicates::prelude::*;

use crate::support::Fb;

#[test]
fn declare_follow_and_close_an_incident() {
    let fb = Fb::init();
    let id = fb.declare("Checkout API returning 502s", "P2");
    assert!(id.starts_with("INC-") && id.ends_with("-001"), "{id}");

    // The clock starts: a P2 must be acknowledged within an hour.
    fb.cmd(&["ls"])
        .assert()
        .success()
        .stdout(predicate::str::contains(&id).and(predicate::str::contains("ack in 59m")));

    fb.cmd(&["ack", &id])
        .assert()
        .success()
        .stdout(predicate::str::contains("acknowledged"));
    fb.cmd(&["assign", &id, "IC", "alice"])
        .assert()
        .success()
        .stdout(predicate::str::contains("alice is commander"));
    fb.cmd(&["note", &id, "upstream timeouts in nginx error log"])
        .assert()
        .success();
    fb.cmd(&["checklist", "tick", &id, "initial", "1"])
        .assert()
        .success()
        .stdout(predicate::str::contains("[x]"));
    fb.cmd(&[
        "action",
        "add",
        &id,
        "Add an alert on upstream 5xx rate",
        "--owner",
        "bob",
        "--due",
        "+7d",
    ])
    .assert()
    .success()
    .stdout(predicate::str::contains("action item 1 (open)"));
    fb.cmd(&[
        "status",
        &id,
        "contained",
        "--reason",
        "rolled back the release",
    ])
    .assert()
    .success();
    fb.cmd(&["status", &id, "resolved"]).assert().success();
    fb.cmd(&["action", "done", &id, "1"]).assert().success();
    fb.cmd(&["status", &id, "closed"]).assert().success();

    let shown = fb.json(&["show", &id]);
    let incident = &shown["incident"];
    assert_eq!(incident["status"], "closed");
    assert_eq!(incident["roles"]["commander"], "alice");
    assert_eq!(
        incident["checklists"][0]["items"][0]["done"]["by"],
        "tester"
    );
    assert!(incident["actions"][0]["done"].is_object());
    assert_eq!(shown["clocks"]["sla_met"], true);
    assert!(shown["clocks"]["to_resolve"].is_number());

    // Resolved incidents show how long things took, not deadlines.
    fb.cmd(&["ls"])
        .assert()
        .success()
        .stdout(predicate::str::contains("target met"));

    // Every change is on the timeline, in order, hash-chained.
    let timeline = fb.json(&["timeline", &id]);
    let kinds: Vec<&str> = timeline["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["kind"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        kinds,
        [
            "declared",
            "acknowledged",
            "role_assigned",
            "note_added",
            "checklist_ticked",
            "action_added",
            "status_changed",
            "status_changed",
            "action_done",
            "status_changed"
        ]
    );
    let events = timeline["events"].as_array().expect("events");
    assert!(events.windows(2).all(|p| p[1]["prev"] == p[0]["hash"]));

    // A closed incident takes no notes until it is explicitly reopened.
    fb.cmd(&["note", &id, "late"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("reopen it first"));
    fb.cmd(&["reopen", &id, "--reason", "errors are back"])
        .assert()
        .success();
    assert_eq!(
        fb.json(&["show", &id])["incident"]["status"],
        "investigating"
    );
    assert_eq!(fb.verify().0, 0);
}

#[test]
fn ids_count_per_day_and_ls_filters() {
    let fb = Fb::init();
    let a = fb.declare("Disk full on db-1", "P2");
    let b = fb.declare("Brute force against /login", "P1");
    let c = fb.declare("Missing security headers", "P4");
    assert!(a.ends_with("-001") && b.ends_with("-002") && c.ends_with("-003"));
    fb.cmd(&["status", &c, "resolved"]).assert().success();

    let ids = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["ls"];
        all.extend_from_slice(args);
        fb.json(&all)
            .as_array()
            .expect("rows")
            .iter()
            .map(|r| r["id"].as_str().unwrap_or("").to_string())
            .collect()
    };
    assert_eq!(ids(&[]), [c.as_str(), b.as_str(), a.as_str()]);
    assert_eq!(ids(&["--open"]), [b.as_str(), a.as_str()]);
    assert_eq!(ids(&["--sev", "p1"]), [b.as_str()]);
    assert_eq!(ids(&["--status", "resolved"]), [c.as_str()]);
    assert_eq!(ids(&["--overdue"]), Vec::<String>::new());
    assert_eq!(ids(&["--limit", "1"]), [c.as_str()]);
}

#[test]
fn a_missed_acknowledgement_is_flagged_overdue() {
    let fb = Fb::init();
    let late = fb.json(&[
        "declare",
        "Database corrupt",
        "--sev",
        "P1",
        "--detected",
        "40m ago",
    ]);
    let id = late["incident"]["id"].as_str().expect("id").to_string();
    fb.declare("Fresh P3", "P3");
    let rows = fb.json(&["ls", "--overdue"]);
    assert_eq!(rows.as_array().map(Vec::len), Some(1));
    assert_eq!(rows[0]["id"], id.as_str());
    assert_eq!(rows[0]["clocks"]["sla_met"], false);
    assert!(rows[0]["clocks"]["ack"]["left"].as_i64().expect("seconds") < -(24 * 60));
    fb.cmd(&["ls"])
        .assert()
        .success()
        .stdout(predicate::str::contains("ACK OVERDUE 25m"));
    fb.cmd(&["show", &id])
        .assert()
        .success()
        .stdout(predicate::str::contains("ACK OVERDUE"));
}

#[test]
fn overdue_action_items_surface() {
    let fb = Fb::init();
    let id = fb.declare("Leaked API key", "P2");
    fb.cmd(&[
        "action",
        "add",
        &id,
        "Rotate the partner API key",
        "--due",
        "2020-01-01",
    ])
    .assert()
    .success();
    fb.cmd(&["action", "add", &id, "Write the review", "--due", "+3d"])
        .assert()
        .success();
    let overdue = fb.json(&["action", "ls", "--overdue"]);
    assert_eq!(overdue.as_array().map(Vec::len), Some(1));
    assert_eq!(overdue[0]["text"], "Rotate the partner API key");
    fb.cmd(&["ls", "--overdue"])
        .assert()
        .success()
        .stdout(predicate::str::contains("ACTION OVERDUE"));
}

#[test]
fn severity_changes_and_ops_preset() {
    let fb = Fb::new();
    fb.cmd(&["init", "--preset", "ops"]).assert().success();
    fb.cmd(&["policy"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Severity policy: ops"));
    fb.cmd(&["declare", "x", "--sev", "P4"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("defines P1, P2, P3"));
    let id = fb.declare("Latency creeping up", "P3");
    fb.cmd(&["sev", &id, "P2", "--reason", "customers noticing"])
        .assert()
        .success()
        .stdout(predicate::str::contains("severity P3 → P2"));
    // ops P2 must be acknowledged within 15 minutes.
    let shown = fb.json(&["show", &id]);
    let left = shown["clocks"]["ack"]["left"].as_i64().expect("seconds");
    assert!((14 * 60..=15 * 60).contains(&left), "{left}");
}

#[test]
fn config_precedence_flag_over_env_over_file() {
    let fb = Fb::init();
    // The file names a database that does not exist; the environment and flag override it.
    let config = fb.file(
        "firebreak.toml",
        "database = \"sqlite:///nonexistent/dir/from-file.db?mode=rw\"\n",
    );
    let cfg = config.display().to_string();
    fb.cmd(&["--config", &cfg, "ls"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("from-file"));
    let real = format!("sqlite://{}?mode=rw", fb.db_file().display());
    fb.cmd(&["--config", &cfg, "ls"])
        .env("FIREBREAK_DATABASE_URL", &real)
        .assert()
        .success();
    fb.cmd(&["--config", &cfg, "--database", &real, "ls"])
        .env(
            "FIREBREAK_DATABASE_URL",
            "sqlite:///nonexistent/from-env.db?mode=rw",
        )
        .assert()
        .success();
}

#[test]
fn init_is_idempotent_and_keeps_the_key() {
    let fb = Fb::init();
    let first = fb.json(&["init"]);
    assert_eq!(first["created_key"], false);
    let id = fb.declare("still here", "P3");
    fb.cmd(&["init"]).assert().success();
    assert_eq!(fb.event_count(&id), 1);
    assert_eq!(fb.verify().0, 0);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(fb.data_dir().join("journal.key"))
            .expect("key")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn reindex_rebuilds_the_list_from_the_journal() {
    let fb = Fb::init();
    let id = fb.declare("Certificate expires tomorrow", "P2");
    fb.cmd(&["ack", &id]).assert().success();
    crate::support::sql(&fb.db_file(), &["DELETE FROM incidents"]);
    assert_eq!(fb.json(&["ls"]).as_array().map(Vec::len), Some(0));
    fb.cmd(&["reindex"])
        .assert()
        .success()
        .stdout(predicate::str::contains("1 incident from 2 events"));
    let rows = fb.json(&["ls"]);
    assert_eq!(rows[0]["id"], id.as_str());
    assert!(rows[0]["acknowledged_at"].is_string());
}

#[test]
fn completions_are_generated() {
    let fb = Fb::new();
    fb.cmd(&["completions", "bash"])
        .assert()
        .success()
        .stdout(predicate::str::contains("firebreak"));
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    let fb = Fb::init();
    for n in 0..30 {
        fb.declare(&format!("incident {n}"), "P3");
    }
    let mut child = std::process::Command::new(crate::support::binary())
        .envs(fb.env())
        .arg("ls")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait");
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("panicked"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_table_says_when_it_left_incidents_out() {
    let fb = Fb::init();
    for n in 0..3 {
        fb.declare(&format!("incident {n}"), "P3");
    }
    fb.cmd(&["ls", "--limit", "2"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("-003").and(predicate::str::contains("showing the 2 newest")),
        )
        .stdout(predicate::str::contains("-001").not());
    fb.cmd(&["ls", "--all"])
        .assert()
        .success()
        .stdout(predicate::str::contains("showing").not());
    assert_eq!(fb.json(&["ls"]).as_array().map(Vec::len), Some(3));
}

#[test]
fn a_second_data_directory_cannot_join_a_database_with_a_new_key() {
    let first = Fb::init();
    let url = format!("sqlite://{}", first.db_file().display());
    let second = Fb::with_database(&url);
    second
        .cmd(&["init"])
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "already in use with another journal key",
        ));
    assert!(!second.data_dir().join("journal.key").exists());
    // With the first key copied over, it joins.
    std::fs::create_dir_all(second.data_dir()).expect("mkdir");
    for f in ["journal.key", "journal.pub"] {
        std::fs::copy(first.data_dir().join(f), second.data_dir().join(f)).expect("copy");
    }
    second.cmd(&["init"]).assert().success();
    second.declare("from the second seat", "P3");
    assert_eq!(first.verify().0, 0);
}

/// Regression (issue 19): the options every command takes were mixed into each command's own
/// in `--help`.
#[test]
fn a_commands_help_lists_the_global_options_under_their_own_heading() {
    let fb = Fb::new();
    let out = fb.cmd(&["declare", "--help"]).output().expect("run");
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    let (own, global) = help
        .split_once("Global options:")
        .unwrap_or_else(|| panic!("no global heading: {help}"));
    assert!(own.contains("--sev"), "{help}");
    for flag in ["--data-dir", "--config", "--database", "--json"] {
        assert!(
            !own.contains(flag),
            "{flag} among declare's own options: {help}"
        );
        assert!(
            global.contains(flag),
            "{flag} not under the global heading: {help}"
        );
    }
}
