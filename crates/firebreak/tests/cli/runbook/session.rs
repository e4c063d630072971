//! A run as one shell session: variables set in a step reach later steps (secrets masked),
//! interactive commands are never run unattended, and a destructive step in an incident gets a
//! volatile-state snapshot first unless the runbook or the config turns that off.

use super::*;

/// The incident's evidence items, as `evidence ls --json` lists them.
fn evidence_items(fb: &Fb, id: &str) -> Vec<Value> {
    fb.json(&["evidence", "ls", id])["items"]
        .as_array()
        .expect("items")
        .clone()
}

/// The last record of step `n`.
fn step_record(events: &[Value], n: u64) -> &Value {
    steps_by_number(events)
        .get(&n)
        .and_then(|records| records.last().copied())
        .unwrap_or_else(|| panic!("step {n} was not recorded"))
}

#[test]
fn a_variable_set_in_one_step_reaches_the_next() {
    let (fb, id) = incident("carry a node name");
    let path = runbook(
        &fb,
        "carry.md",
        "# Carry\n\n## Diagnosis\n\n```bash\n# Find the node\nNODE=$(echo hello)\n# Look at it\necho \"node is $NODE\"\n```\n",
    );
    let out = run_yes(&fb, &path, &id, &[]);
    assert_code(&out, 0, "carried run");
    assert_eq!(stdout(&out), "node is hello\n");

    let events = events(&fb, &id);
    assert_eq!(step_record(&events, 1)["carried"]["NODE"], "hello");
    assert_eq!(
        stored_output(&fb, &step_record(&events, 2)["stdout"]),
        b"node is hello\n"
    );
    // NODE is carried, so it was never a missing parameter.
    assert!(
        payloads(&events, "run_started")[0]["params"]
            .get("NODE")
            .is_none()
    );
    assert_verifies(&fb);
}

#[test]
fn a_resumed_run_gets_the_values_its_earlier_steps_set() {
    let (fb, id) = incident("carry across a resume");
    let path = runbook(
        &fb,
        "resume-carry.md",
        "# Resume\n\n## Diagnosis\n\n```bash\n# Pick\nPICK=$(echo chosen-one)\n# Use\ntest -f go && echo \"using $PICK\"\n```\n",
    );
    let first = run_yes(&fb, &path, &id, &[]);
    assert_code(&first, 1, "step 2 fails the first time");
    std::fs::write(fb.root().join("go"), "").expect("go");
    let resumed = run_yes(&fb, &path, &id, &["--resume"]);
    assert_code(&resumed, 0, "--resume");
    assert_eq!(stdout(&resumed), "using chosen-one\n");
}

#[test]
fn a_secret_a_step_sets_is_masked_in_output_and_never_stored() {
    let (fb, id) = incident("carry a token");
    // The secret is built at run time, so it appears nowhere in the runbook text.
    let secret = "hunter2sixty";
    let path = runbook(
        &fb,
        "secret-carry.md",
        "# Secret\n\n## Diagnosis\n\n```bash\n# Fetch the token\nAPI_TOKEN=$(printf '%s%s' hunter2 sixty); echo \"got $API_TOKEN\"\n# Use it\necho \"token=$API_TOKEN\"\n```\n",
    );
    let out = run_yes(&fb, &path, &id, &[]);
    assert_code(&out, 0, "secret run");
    // The step that fetches it prints it before anything knows it is a secret; from then on
    // it is masked.
    assert_eq!(stdout(&out), format!("got {secret}\ntoken={MASK}\n"));

    let events = events(&fb, &id);
    assert_eq!(step_record(&events, 1)["carried"]["API_TOKEN"], MASK);
    // Printed live by the step that fetched it (nothing knew it yet), but masked in what
    // that step's evidence keeps.
    assert_eq!(
        stored_output(&fb, &step_record(&events, 1)["stdout"]),
        format!("got {MASK}\n").as_bytes()
    );
    for file in files_under(&fb.data_dir()) {
        let bytes = std::fs::read(&file).expect("read");
        assert!(
            !contains_bytes(&bytes, secret.as_bytes()),
            "the secret is in {}",
            file.display()
        );
    }
    assert_verifies(&fb);
}

#[test]
fn an_interactive_step_is_skipped_under_yes_with_a_note() {
    let (fb, id) = incident("interactive under --yes");
    let path = runbook(
        &fb,
        "interactive.md",
        "# Follow\n\n## Diagnosis\n\n```bash interactive\ntail -f /dev/null\n```\n\n```bash\necho after\n```\n",
    );
    let dry = run_in(&fb, &["runbook", "run", s(&path), "--dry-run", "--yes"], "");
    assert_code(&dry, 0, "dry run");
    assert!(
        stdout(&dry).contains("interactive: skipped under --yes"),
        "{}",
        stdout(&dry)
    );
    let out = run_yes(&fb, &path, &id, &[]);
    assert_code(&out, 0, "the run goes on past it");
    assert_eq!(stdout(&out), "after\n");
    let events = events(&fb, &id);
    let skipped = step_record(&events, 1);
    assert_eq!(skipped["outcome"], "skipped");
    assert_eq!(
        skipped["note"],
        "interactive: skipped under --yes; run it yourself"
    );
    let timeline = fb.cmd(&["timeline", &id]).output().expect("timeline");
    assert!(
        String::from_utf8_lossy(&timeline.stdout).contains("skipped under --yes"),
        "the timeline says so"
    );
}

#[test]
fn an_interactive_step_is_not_run_without_a_terminal_even_when_confirmed() {
    let (fb, id) = incident("interactive without a terminal");
    let path = runbook(
        &fb,
        "no-tty.md",
        "# Follow\n\n## Diagnosis\n\n```bash\n# firebreak: interactive\ntouch ran-it\n```\n",
    );
    let out = run_in(
        &fb,
        &["runbook", "run", s(&path), "--incident", &id],
        "y\ny\n",
    );
    assert_code(&out, 0, "skipped, not failed");
    assert!(!fb.root().join("ran-it").exists(), "it ran");
    let events = events(&fb, &id);
    assert!(
        step_record(&events, 1)["note"]
            .as_str()
            .is_some_and(|n| n.contains("no terminal")),
        "{events:?}"
    );
}

const WIPE: &str = "# Wipe\n\n## Recovery\n\n```bash\nrm -f ./scratch\n```\n";

#[test]
fn a_destructive_step_in_an_incident_gets_a_snapshot_first() {
    let (fb, id) = incident("snapshot before wipe");
    let path = runbook(&fb, "wipe.md", WIPE);
    fb.file("scratch", "x");
    let out = run_yes(&fb, &path, &id, &["--allow-destructive"]);
    assert_code(&out, 0, "wipe");
    assert!(!fb.root().join("scratch").exists());
    let items = evidence_items(&fb, &id);
    assert!(
        !items.is_empty() && items.iter().all(|i| i["item"]["kind"] == "snapshot"),
        "{items:?}"
    );
    let events = events(&fb, &id);
    assert_eq!(step_record(&events, 1)["snapshot"], "taken");
    // The snapshot is recorded before the step runs.
    let kinds: Vec<&str> = events.iter().filter_map(|e| e["kind"].as_str()).collect();
    let first_item = kinds.iter().position(|k| *k == "evidence_added");
    let step = kinds.iter().position(|k| *k == "step_recorded");
    assert!(first_item < step, "{kinds:?}");
    assert_verifies(&fb);
}

#[test]
fn a_person_can_decline_the_snapshot() {
    let (fb, id) = incident("declined snapshot");
    let path = runbook(&fb, "wipe.md", WIPE);
    let out = run_in(
        &fb,
        &["runbook", "run", s(&path), "--incident", &id],
        "n\n1\n",
    );
    assert_code(&out, 0, "declined, then ran");
    assert!(
        stderr(&out).contains("snapshot first? [Y/n]"),
        "{}",
        stderr(&out)
    );
    assert!(evidence_items(&fb, &id).is_empty());
    assert_eq!(step_record(&events(&fb, &id), 1)["snapshot"], "declined");
}

#[test]
fn the_runbook_or_the_config_can_turn_the_snapshot_off() {
    let (fb, id) = incident("snapshot off");
    let off = runbook(
        &fb,
        "wipe-off.md",
        &format!("---\nsnapshot-first: false\n---\n{WIPE}"),
    );
    let out = run_yes(&fb, &off, &id, &["--allow-destructive"]);
    assert_code(&out, 0, "off by runbook");
    assert!(evidence_items(&fb, &id).is_empty());
    assert_eq!(
        step_record(&events(&fb, &id), 1)["snapshot"],
        "off-by-runbook"
    );

    let (fb, id) = incident("snapshot off by config");
    let path = runbook(&fb, "wipe.md", WIPE);
    let config = fb.file(
        "firebreak.toml",
        "[runbooks]\nsnapshot_before_destructive = false\n",
    );
    let out = fb
        .cmd(&[
            "runbook",
            "run",
            s(&path),
            "--incident",
            &id,
            "--yes",
            "--allow-destructive",
        ])
        .env("FIREBREAK_CONFIG", &config)
        .current_dir(fb.root())
        .timeout(RUN_LIMIT)
        .output()
        .expect("run");
    assert_code(&out, 0, "off by config");
    assert!(evidence_items(&fb, &id).is_empty());
    assert_eq!(
        step_record(&events(&fb, &id), 1)["snapshot"],
        "off-by-config"
    );
}

#[test]
fn evidence_collected_earlier_in_the_run_is_enough() {
    let (fb, id) = incident("evidence step first");
    let path = runbook(
        &fb,
        "evidence-then-wipe.md",
        "# Wipe\n\n## Evidence\n\n```bash\nls -la .\n```\n\n## Recovery\n\n```bash\nrm -f ./scratch\n```\n",
    );
    let out = run_yes(&fb, &path, &id, &["--allow-destructive"]);
    assert_code(&out, 0, "run");
    assert!(evidence_items(&fb, &id).is_empty(), "no snapshot needed");
    assert!(step_record(&events(&fb, &id), 2).get("snapshot").is_none());
}

#[test]
fn a_practice_run_takes_no_snapshot_and_says_so() {
    let fb = Fb::init();
    let path = runbook(&fb, "wipe.md", WIPE);
    let out = run_in(
        &fb,
        &["runbook", "run", s(&path), "--yes", "--allow-destructive"],
        "",
    );
    assert_code(&out, 0, "practice");
    assert!(
        stderr(&out).contains("practice run: no snapshot is taken"),
        "{}",
        stderr(&out)
    );
}
