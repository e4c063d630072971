//! How much asking each step needs.

use super::*;

const WIPE: &str = "# Wipe\n\n## Containment\n\n```bash\nrm -f target.txt\n```\n";

#[test]
fn a_destructive_step_needs_its_number_not_a_yes() {
    let (fb, id) = incident("wipe");
    let path = runbook(&fb, "wipe.md", WIPE);
    let target = fb.root().join("target.txt");
    std::fs::write(&target, "keep me").expect("target");

    let out = run_in(
        &fb,
        &["runbook", "run", s(&path), "--incident", &id, "--yes"],
        "y\n",
    );
    assert_code(&out, 1, "destructive step answered y");
    assert!(
        stderr(&out).contains("DESTRUCTIVE. Type 1 to run it"),
        "{}",
        stderr(&out)
    );
    assert!(target.exists(), "\"y\" ran a destructive step");

    let out = run_in(
        &fb,
        &["runbook", "run", s(&path), "--incident", &id, "--yes"],
        "1\n",
    );
    assert_code(&out, 0, "destructive step answered with its number");
    assert!(!target.exists(), "typing the number did not run it");

    let events = events(&fb, &id);
    let finished: Vec<&str> = payloads(&events, "run_finished")
        .iter()
        .map(|p| p["outcome"].as_str().expect("outcome"))
        .collect();
    assert_eq!(finished, ["stopped", "completed"]);
    let steps = payloads(&events, "step_recorded");
    // The stopped run records the step only to keep the snapshot taken before it; nothing ran.
    let outcomes: Vec<(&str, &str)> = steps
        .iter()
        .map(|p| {
            (
                p["outcome"].as_str().expect("outcome"),
                p["snapshot"].as_str().unwrap_or("-"),
            )
        })
        .collect();
    assert_eq!(
        outcomes,
        [("declined", "taken"), ("succeeded", "taken")],
        "{steps:?}"
    );
    assert!(steps[0].get("exit_code").is_none(), "{steps:?}");
    assert_eq!(steps[1]["safety"], "destructive");
    for started in payloads(&events, "run_started") {
        assert!(
            started.get("allow_destructive").is_none_or(|v| v == false),
            "{started}"
        );
    }
}

#[test]
fn allow_destructive_runs_it_and_says_so_in_the_record() {
    let (fb, id) = incident("wipe allowed");
    let path = runbook(&fb, "wipe.md", WIPE);
    let target = fb.root().join("target.txt");
    std::fs::write(&target, "remove me").expect("target");
    let out = run_in(
        &fb,
        &[
            "runbook",
            "run",
            s(&path),
            "--incident",
            &id,
            "--allow-destructive",
        ],
        "",
    );
    assert_code(&out, 0, "--allow-destructive");
    assert!(!target.exists());
    let events = events(&fb, &id);
    assert_eq!(
        payloads(&events, "run_started")[0]["allow_destructive"],
        true
    );
    assert_eq!(
        payloads(&events, "step_recorded")[0]["outcome"],
        "succeeded"
    );
}

#[test]
fn a_mutating_step_is_asked_even_with_yes() {
    let fb = Fb::new();
    let path = runbook(
        &fb,
        "touch.md",
        "# Touch\n\n## Recovery\n\n```bash\ntouch made.txt\n```\n",
    );
    let made = fb.root().join("made.txt");
    let show = show_json(&fb, s(&path));
    assert_eq!(show["procedures"][0]["steps"][0]["safety"], "mutating");

    let out = run_in(&fb, &["runbook", "run", s(&path), "--yes"], "");
    assert_code(&out, 1, "mutating step with nobody to answer");
    assert!(
        stderr(&out).contains("run this mutating step?"),
        "{}",
        stderr(&out)
    );
    assert!(!made.exists(), "--yes ran a mutating step");

    let out = run_in(&fb, &["runbook", "run", s(&path), "--yes"], "s\n");
    assert_code(&out, 0, "mutating step skipped");
    assert!(!made.exists(), "a skipped step ran");

    let out = run_in(&fb, &["runbook", "run", s(&path), "--yes"], "y\n");
    assert_code(&out, 0, "mutating step confirmed");
    assert!(made.exists(), "the confirmed step did not run");
}

#[test]
fn a_step_that_requires_evidence_waits_for_it() {
    let (fb, id) = incident("evidence first");
    let cleanup = runbook(
        &fb,
        "cleanup.md",
        "# Cleanup\n\n## Containment\n\n<!-- firebreak: requires-evidence -->\n```bash\necho cleaned\n```\n",
    );
    let collect = runbook(
        &fb,
        "collect.md",
        "# Collect\n\n## Diagnosis\n\n```bash evidence\necho collected\n```\n",
    );

    let out = run_in(
        &fb,
        &["runbook", "run", s(&cleanup), "--incident", &id, "--yes"],
        "",
    );
    assert_code(&out, 1, "cleanup before any evidence");
    assert!(
        stderr(&out).contains("needs evidence first"),
        "{}",
        stderr(&out)
    );
    assert_eq!(stdout(&out), "", "the refused step ran");
    let evs = events(&fb, &id);
    let refused = payloads(&evs, "step_recorded");
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0]["outcome"], "refused");
    assert_eq!(refused[0]["done"], false);

    let out = run_in(
        &fb,
        &["runbook", "run", s(&collect), "--incident", &id, "--yes"],
        "",
    );
    assert_code(&out, 0, "evidence step");
    assert_eq!(stdout(&out), "collected\n");

    let out = run_in(
        &fb,
        &["runbook", "run", s(&cleanup), "--incident", &id, "--yes"],
        "",
    );
    assert_code(&out, 0, "cleanup after evidence");
    assert_eq!(stdout(&out), "cleaned\n");
    let evs = events(&fb, &id);
    let outcomes: Vec<&str> = payloads(&evs, "step_recorded")
        .iter()
        .map(|p| p["outcome"].as_str().expect("outcome"))
        .collect();
    assert_eq!(outcomes, ["refused", "succeeded", "succeeded"]);
    assert_eq!(payloads(&evs, "step_recorded")[1]["evidence"], true);
    assert_verifies(&fb);
}

#[test]
fn a_block_step_is_asked_and_shows_its_undo() {
    let (fb, id) = incident("block step");
    let path = runbook(
        &fb,
        "block.md",
        "# Block\n\n## Containment\n\n```bash\n# Drop the scanner\nfirebreak block 203.0.113.9 --incident \"$INCIDENT_ID\" --reason scanner --via nftables --ttl 1h\n```\n",
    );
    let out = run_in(
        &fb,
        &["runbook", "run", s(&path), "--incident", &id, "--yes"],
        "s\n",
    );
    assert_code(&out, 0, "block step skipped");
    let err = stderr(&out);
    assert!(
        err.contains("undo: firebreak unblock 203.0.113.9 --via nftables"),
        "{err}"
    );
    assert!(
        err.contains("run this mutating step?"),
        "--yes ran a block unasked: {err}"
    );
    assert!(
        fb.json(&["block", "ls"])
            .as_array()
            .expect("rows")
            .is_empty(),
        "a skipped block step blocked"
    );
}
