//! Bad input gets one clear line on stderr, a non-zero exit, and records nothing.

use predicates::prelude::*;

use crate::support::Fb;

/// Runs a command that must fail with exit 1 and a single stderr line containing `expect`.
fn refused(fb: &Fb, args: &[&str], expect: &str) {
    refused_with(fb, args, expect, 1);
}

/// Like [`refused`], for a malformed argument: exit 2, as the README's table says.
fn malformed(fb: &Fb, args: &[&str], expect: &str) {
    refused_with(fb, args, expect, 2);
}

fn refused_with(fb: &Fb, args: &[&str], expect: &str, code: i32) {
    let out = fb.cmd(args).output().expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "{args:?}: {stderr}");
    assert_eq!(
        stderr.lines().count(),
        1,
        "{args:?} should print one line: {stderr}"
    );
    assert!(
        stderr.contains(expect),
        "{args:?}: expected {expect:?} in {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn malformed_and_unknown_ids() {
    let fb = Fb::init();
    let id = fb.declare("real one", "P3");
    for bad in [
        "INC-2026-13-01-001",
        "INC-1",
        "42",
        "INC-2026-11-23-000",
        "inc-2026-11-23-abc",
    ] {
        let out = fb.cmd(&["show", bad]).output().expect("run");
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("is not an incident id"),
            "{bad}"
        );
    }
    refused(
        &fb,
        &["note", "INC-1999-01-01-001", "hello"],
        "no incident INC-1999-01-01-001",
    );
    assert_eq!(fb.event_count(&id), 1);
}

#[test]
fn refused_changes_record_nothing() {
    let fb = Fb::init();
    let id = fb.declare("Storage full on blobs volume", "P2");
    refused(&fb, &["declare", "   ", "--sev", "P2"], "title is empty");
    refused(
        &fb,
        &["declare", "two\nlines", "--sev", "P2"],
        "single line",
    );
    // Regression (issue 19): an unknown severity exited 1, not 2 as for a malformed argument.
    malformed(
        &fb,
        &["declare", "x", "--sev", "P7"],
        "--sev: unknown severity \"P7\"",
    );
    malformed(
        &fb,
        &["ls", "--sev", "P9"],
        "--sev: unknown severity \"P9\"",
    );
    malformed(
        &fb,
        &["declare", "x", "--sev", "P1", "--detected", "next tuesday"],
        "is not a time",
    );
    refused(&fb, &["status", &id, "closed"], "resolve it first");
    fb.cmd(&["ack", &id]).assert().success();
    refused(&fb, &["ack", &id], "already acknowledged by tester");
    malformed(&fb, &["sev", &id, "P9"], "unknown severity");
    refused(&fb, &["assign", &id, "a;b", "eve"], "invalid role name");
    refused(&fb, &["note", &id, ""], "note is empty");
    refused(
        &fb,
        &["checklist", "tick", &id, "initial", "99"],
        "items 1 to 8, not 99",
    );
    refused(
        &fb,
        &["checklist", "tick", &id, "nope", "1"],
        "no checklist \"nope\"",
    );
    refused(&fb, &["action", "done", &id, "3"], "no action item 3");
    malformed(
        &fb,
        &["action", "add", &id, "x", "--due", "someday"],
        "is not a date",
    );
    refused(
        &fb,
        &["reopen", &id, "--reason", "why not"],
        "only resolved or closed incidents reopen",
    );
    fb.cmd(&["status", &id, "resolved"]).assert().success();
    refused(
        &fb,
        &["status", &id, "investigating"],
        "use firebreak reopen",
    );
    // Only the declaration, the acknowledgement and the resolution were recorded.
    assert_eq!(fb.event_count(&id), 3);
    assert_eq!(fb.json(&["ls"]).as_array().map(Vec::len), Some(1));
    assert_eq!(fb.verify().0, 0);
}

#[test]
fn invalid_config_names_file_line_and_column() {
    let fb = Fb::init();
    let bad = fb.file(
        "bad.toml",
        "[policy]\npreset = \"ops\"\n\n[[checklists]]\nname = \"initial\"\ntitle = 7\n",
    );
    let path = bad.display().to_string();
    refused(&fb, &["--config", &path, "ls"], &format!("{path}:6:9: "));
    let unknown = fb.file("unknown.toml", "[policy]\npreset = \"nightly\"\n");
    let path = unknown.display().to_string();
    refused(
        &fb,
        &["--config", &path, "declare", "x", "--sev", "P1"],
        &format!("{path}:2:10: unknown policy preset \"nightly\""),
    );
    let syntax = fb.file("syntax.toml", "database = \"unterminated\n");
    let path = syntax.display().to_string();
    refused(&fb, &["--config", &path, "ls"], &format!("{path}:1:"));
    // A config that cannot be read at all.
    let dir = fb.root().display().to_string();
    refused(&fb, &["--config", &dir, "ls"], "cannot read config");
    refused(
        &fb,
        &["--config", "/nonexistent/firebreak.toml", "ls"],
        "cannot read config",
    );
    assert_eq!(fb.json(&["ls"]).as_array().map(Vec::len), Some(0));
}

#[test]
fn unusable_data_directory() {
    let fb = Fb::new();
    let file = fb.file("not-a-dir", "");
    let under_file = file.join("data").display().to_string();
    let out = fb
        .cmd(&["--data-dir", &under_file, "init"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot create data directory") && stderr.lines().count() == 1,
        "{stderr}"
    );
    refused(
        &fb,
        &["--data-dir", "/proc/firebreak", "init"],
        "cannot create data directory /proc/firebreak",
    );
    // Commands other than init never create anything.
    refused(
        &fb,
        &["declare", "x", "--sev", "P1"],
        "run `firebreak init` first",
    );
    assert!(!fb.data_dir().exists());
}

#[test]
fn unsupported_database_url() {
    let fb = Fb::init();
    refused(
        &fb,
        &["--database", "mysql://root:hunter2@db/x", "ls"],
        "unsupported database URL",
    );
    let out = fb
        .cmd(&["--database", "mysql://root:hunter2@db/x", "ls"])
        .output()
        .expect("run");
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("hunter2"),
        "passwords never reach messages"
    );
}

#[test]
fn usage_errors_exit_two() {
    let fb = Fb::init();
    fb.cmd(&["declare", "no severity"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--sev"));
    fb.cmd(&["frobnicate"]).assert().code(2);
    fb.cmd(&["status", "INC-2026-11-23-001", "sideways"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown status"));
}

#[test]
fn an_error_names_its_cause_once() {
    let fb = Fb::init();
    let out = fb
        .cmd(&["--config", "/nonexistent/firebreak.toml", "ls"])
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr.matches("No such file or directory").count(),
        1,
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}
