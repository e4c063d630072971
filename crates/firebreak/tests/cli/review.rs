//! The post-incident review: drafted from the journal, written by people, signed off, and
//! required before closing where the config says so.

use std::os::unix::fs::PermissionsExt as _;

use predicates::prelude::*;
use serde_json::Value;

use crate::support::Fb;

/// A P1 that began two hours ago, was noticed 90 minutes ago, and was worked through to
/// resolution with notes, a role, a severity change, an action item and a piece of evidence.
fn seeded(fb: &Fb) -> String {
    let v = fb.json(&[
        "declare",
        "Checkout API returning 502s",
        "--sev",
        "P1",
        "--started",
        "2h ago",
        "--detected",
        "90m ago",
    ]);
    let id = v["incident"]["id"].as_str().expect("id").to_string();
    fb.cmd(&["ack", &id]).assert().success();
    fb.cmd(&["assign", &id, "IC", "alice"]).assert().success();
    fb.cmd(&["note", &id, "upstream timeouts in nginx error log"])
        .assert()
        .success();
    fb.cmd(&["sev", &id, "P2", "--reason", "only EU customers"])
        .assert()
        .success();
    fb.cmd(&["checklist", "tick", &id, "initial", "1"])
        .assert()
        .success();
    let log = fb.file("error.log", "upstream timed out\n");
    fb.cmd(&["evidence", "add", &id, log.to_str().expect("utf-8")])
        .assert()
        .success();
    fb.cmd(&[
        "action",
        "add",
        &id,
        "Alert on upstream 5xx rate",
        "--owner",
        "bob",
        "--due",
        "2030-01-15",
    ])
    .assert()
    .success();
    fb.cmd(&["status", &id, "contained", "--reason", "rolled back"])
        .assert()
        .success();
    fb.cmd(&["status", &id, "resolved"]).assert().success();
    id
}

fn stdout(fb: &Fb, args: &[&str]) -> String {
    let out = fb.cmd(args).output().expect("run");
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

fn phase<'a>(review: &'a Value, name: &str) -> &'a Value {
    review["phases"]
        .as_array()
        .expect("phases")
        .iter()
        .find(|p| p["name"] == name)
        .expect("phase")
}

#[test]
fn review_is_drafted_from_the_journal_with_phase_durations_against_targets() {
    let fb = Fb::init();
    let id = seeded(&fb);

    let review = fb.json(&["review", &id]);
    assert_eq!(phase(&review, "detect")["secs"], 30 * 60);
    assert_eq!(phase(&review, "detect")["verdict"], "no-target");
    // Acknowledged 90 minutes after detection; the incident is P2 now, whose target is 1h.
    let ack = phase(&review, "acknowledge");
    assert!(
        (90 * 60..95 * 60).contains(&ack["secs"].as_i64().expect("secs")),
        "{ack}"
    );
    assert_eq!(ack["target_secs"], 3600);
    assert_eq!(ack["verdict"], "missed");
    assert_eq!(phase(&review, "resolve")["verdict"], "no-target");
    assert_eq!(review["sign_off"]["state"], "draft");
    assert_eq!(review["chain"]["verified"], true);
    let timeline = fb.json(&["timeline", &id]);
    let last = timeline["events"]
        .as_array()
        .expect("events")
        .last()
        .cloned();
    assert_eq!(
        review["chain"]["head_hash"],
        last.expect("an event")["hash"]
    );

    let md = stdout(&fb, &["review", &id]);
    for expected in [
        "# Post-incident review: ",
        "| Severity | P2 (High) |",
        "| detect | started → detected | 30m | — | no target |",
        "| acknowledge | detected → acknowledged | 1h3",
        "target missed",
        "## Summary\n\n(not written yet)",
        "## Root cause\n\n(not written yet)",
        "## Lessons learned\n\n(not written yet)",
        "note: upstream timeouts in nginx error log",
        "severity P1 → P2 — only EU customers",
        "alice is commander",
        "status contained → resolved",
        "evidence E1 collected: file ",
        "| 1 | Alert on upstream 5xx rate | bob | 2030-01-15 | open |",
        "Also in the journal: 1 checklist ticks.",
        "## Journal",
        "The hash chain and its signed seal verify",
        &format!("`firebreak verify {id}`"),
    ] {
        assert!(md.contains(expected), "missing {expected:?} in:\n{md}");
    }
    // The evidence line carries the full digest, so a reader can compare it.
    let sha = review["evidence"][0]["sha256"].as_str().expect("digest");
    assert_eq!(sha.len(), 64);
    assert!(md.contains(sha), "{md}");
}

#[test]
fn written_sections_show_in_the_review_and_stdin_is_read_for_dash() {
    let fb = Fb::init();
    let id = seeded(&fb);
    fb.cmd(&[
        "review",
        "set",
        &id,
        "root-cause",
        "The TLS certificate expired.",
    ])
    .assert()
    .success()
    .stdout(predicate::str::contains("review: root cause written"));
    fb.cmd(&["review", "set", &id, "went-well", "-"])
        .write_stdin("Rollback took 4 minutes.\nPaging worked.\n")
        .assert()
        .success();
    let md = stdout(&fb, &["review", &id]);
    assert!(
        md.contains("## Root cause\n\nThe TLS certificate expired.\n"),
        "{md}"
    );
    assert!(
        md.contains("## What went well\n\nRollback took 4 minutes.\nPaging worked.\n"),
        "{md}"
    );
    assert!(md.contains("## Impact\n\n(not written yet)"), "{md}");
    // Writing the same text again records nothing.
    let before = fb.event_count(&id);
    fb.cmd(&[
        "review",
        "set",
        &id,
        "root-cause",
        "The TLS certificate expired. ",
    ])
    .assert()
    .failure()
    .stderr(predicate::str::contains("nothing changed"));
    assert_eq!(fb.event_count(&id), before);
}

#[test]
fn an_unknown_field_is_one_error_listing_the_fields() {
    let fb = Fb::init();
    let id = fb.declare("x", "P3");
    fb.cmd(&["review", "set", &id, "cause", "x"])
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "unknown review field \"cause\"; the fields are summary, impact, root-cause, contributing-factors, went-well, went-badly, lessons",
        ));
}

#[test]
fn html_is_self_contained_and_escapes_every_field() {
    let fb = Fb::init();
    let v = fb.json(&["declare", "Login <script>alert(1)</script>", "--sev", "P1"]);
    let id = v["incident"]["id"].as_str().expect("id").to_string();
    fb.cmd(&["note", &id, "saw <img src=x onerror=alert(2)>"])
        .assert()
        .success();
    fb.cmd(&[
        "review",
        "set",
        &id,
        "impact",
        "<script>steal()</script> & more",
    ])
    .assert()
    .success();
    let html = stdout(&fb, &["review", &id, "--html"]);
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    assert!(!html.contains("<script"), "{html}");
    assert!(!html.contains("<img"), "{html}");
    assert!(html.contains("&lt;script&gt;steal()&lt;/script&gt; &amp; more"));
    assert!(html.contains("Login &lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("<svg") && html.contains("@media print"));
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "{html}"
    );
    assert!(
        !html.contains("<link") && !html.contains(" src=\""),
        "{html}"
    );
}

#[test]
fn exporting_twice_gives_identical_bytes() {
    let fb = Fb::init();
    let id = seeded(&fb);
    fb.cmd(&[
        "review",
        "set",
        &id,
        "summary",
        "Checkout failed for EU users.",
    ])
    .assert()
    .success();
    for (name, extra) in [("a.md", None), ("a.html", Some("--html"))] {
        let first = fb.root().join(name);
        let second = fb.root().join(format!("again-{name}"));
        for path in [&first, &second] {
            let mut args = vec!["review", &id, "-o", path.to_str().expect("utf-8")];
            args.extend(extra);
            fb.cmd(&args).assert().success();
        }
        let (a, b) = (
            std::fs::read(&first).expect("read"),
            std::fs::read(&second).expect("read"),
        );
        assert!(!a.is_empty());
        assert_eq!(a, b, "{name} differs between two exports");
    }
}

#[test]
fn illegal_review_transitions_are_refused() {
    let fb = Fb::init();
    let id = seeded(&fb);
    fb.cmd(&["review", "publish", &id])
        .assert()
        .failure()
        .stderr(predicate::str::contains(format!(
            "the review of {id} is draft; submit it for sign-off first (firebreak review submit {id})"
        )));
    fb.cmd(&["review", "submit", &id])
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "write its summary before submitting",
        ));
    fb.cmd(&["review", "set", &id, "summary", "EU checkout down"])
        .assert()
        .success();
    fb.cmd(&["review", "submit", &id]).assert().success();
    fb.cmd(&["review", "submit", &id])
        .assert()
        .failure()
        .stderr(predicate::str::contains("already in review"));
    fb.cmd(&["review", "publish", &id])
        .env("FIREBREAK_USER", "carol")
        .assert()
        .success();
    let review = fb.json(&["review", &id]);
    assert_eq!(review["sign_off"]["state"], "published");
    assert_eq!(review["sign_off"]["published"]["by"], "carol");
    assert!(
        stdout(&fb, &["review", &id]).contains("| Review | published (signed off by carol at ")
    );
    // A published review is frozen until reopened.
    fb.cmd(&["review", "set", &id, "impact", "late edit"])
        .assert()
        .failure()
        .stderr(predicate::str::contains(format!(
            "is published; reopen it first (firebreak review reopen {id})"
        )));
    fb.cmd(&["review", "reopen", &id, "--reason", "impact missing"])
        .assert()
        .success();
    fb.cmd(&["review", "set", &id, "impact", "late edit"])
        .assert()
        .success();
    assert_eq!(fb.json(&["review", &id])["sign_off"]["state"], "draft");
}

#[test]
fn closing_needs_a_published_review_when_the_config_requires_it() {
    let fb = Fb::init();
    let config = fb.file(
        "review.toml",
        "[policy]\npreset = \"default\"\nreview_required = [\"P1\"]\n",
    );
    let config = config.to_str().expect("utf-8");
    let v = fb.json(&[
        "--config",
        config,
        "declare",
        "Database down",
        "--sev",
        "P1",
    ]);
    let id = v["incident"]["id"].as_str().expect("id").to_string();
    fb.cmd(&["--config", config, "status", &id, "resolved"])
        .assert()
        .success();
    let before = fb.event_count(&id);
    fb.cmd(&["--config", config, "status", &id, "closed"])
        .assert()
        .failure()
        .stderr(predicate::str::contains(format!(
            "{id} is P1, and P1 incidents need a published review before they close (review is draft); publish it with `firebreak review publish {id}`"
        )));
    assert_eq!(fb.event_count(&id), before, "nothing recorded");
    // Without the rule (the default) the same incident would close.
    for step in [
        vec!["review", "set", &id, "summary", "Primary ran out of disk."],
        vec!["review", "submit", &id],
        vec!["review", "publish", &id],
        vec!["status", &id, "closed"],
    ] {
        let mut args = vec!["--config", config];
        args.extend(step);
        fb.cmd(&args).assert().success();
    }
    assert_eq!(fb.json(&["show", &id])["incident"]["status"], "closed");

    // A level the policy does not define is a config error with its position.
    let bad = fb.file("bad.toml", "[policy]\nreview_required = [\"P9\"]\n");
    let bad = bad.to_str().expect("utf-8");
    fb.cmd(&["--config", bad, "ls"])
        .assert()
        .failure()
        .stderr(predicate::str::contains(format!(
            "{bad}:2:20: policy.review_required: unknown severity \"P9\""
        )));
}

/// Writes an executable editor script.
fn editor(fb: &Fb, name: &str, body: &str) -> String {
    let path = fb.file(name, &format!("#!/bin/sh\n{body}"));
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    path.to_str().expect("utf-8").to_string()
}

#[test]
fn edit_opens_the_editor_and_records_only_changed_sections() {
    let fb = Fb::init();
    let id = seeded(&fb);
    fb.cmd(&["review", "set", &id, "summary", "EU checkout down"])
        .assert()
        .success();
    // An editor that checks it was given the pre-filled document, then rewrites the impact
    // section and leaves everything else as it was.
    let rewrite = editor(
        &fb,
        "rewrite.sh",
        "grep -q '^## Summary$' \"$1\" && grep -q '^EU checkout down$' \"$1\" || exit 9\n\
         sed -i 's/^## Impact$/## Impact\\n\\nEU customers could not pay for 40 minutes./' \"$1\"\n",
    );
    let before = fb.event_count(&id);
    fb.cmd(&["review", "edit", &id])
        .env("VISUAL", "")
        .env("EDITOR", &rewrite)
        .assert()
        .success()
        .stdout(predicate::str::contains("review: impact written"));
    assert_eq!(fb.event_count(&id), before + 1, "one section changed");
    let md = stdout(&fb, &["review", &id]);
    assert!(
        md.contains("## Impact\n\nEU customers could not pay for 40 minutes.\n"),
        "{md}"
    );
    assert!(md.contains("## Summary\n\nEU checkout down\n"), "{md}");

    // Saving without changes records nothing and says so.
    let unchanged = editor(&fb, "same.sh", "exit 0\n");
    fb.cmd(&["review", "edit", &id])
        .env("VISUAL", "")
        .env("EDITOR", &unchanged)
        .assert()
        .success()
        .stdout(predicate::str::contains("unchanged; nothing recorded"));
    // An editor that fails records nothing, even if it wrote the file.
    let failing = editor(
        &fb,
        "fail.sh",
        "echo '## Lessons learned' >> \"$1\"; echo x >> \"$1\"; exit 1\n",
    );
    fb.cmd(&["review", "edit", &id])
        .env("VISUAL", "")
        .env("EDITOR", &failing)
        .assert()
        .failure()
        .stderr(predicate::str::contains("nothing was recorded"));
    assert_eq!(fb.event_count(&id), before + 1);
}

#[test]
fn a_runbook_run_is_one_line_of_the_review_timeline() {
    let fb = Fb::init();
    let id = fb.declare("Disk filling on db-1", "P3");
    let book = fb.file(
        "disk.md",
        "# Disk filling\n\n## Diagnosis\n\n```bash\n# How full\ndf -h /\n```\n\n```bash\n# Kernel\nuname -r\n```\n",
    );
    fb.cmd(&[
        "runbook",
        "run",
        book.to_str().expect("utf-8"),
        "--incident",
        &id,
        "--phase",
        "diagnosis",
        "--yes",
    ])
    .assert()
    .success();

    let review = fb.json(&["review", &id]);
    let runs: Vec<&Value> = review["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .filter(|l| l["kind"] == "runbook")
        .collect();
    assert_eq!(
        runs.len(),
        1,
        "one line for the run: {:?}",
        review["timeline"]
    );
    let text = runs[0]["text"].as_str().expect("text");
    assert!(text.contains("2 of 2 steps recorded"), "{text}");
    // Its steps are not listed one by one.
    let md = stdout(&fb, &["review", &id]);
    assert_eq!(md.matches("runbook disk").count(), 1, "{md}");
}
