//! An incident run is recorded with its evidence and verifies; secrets never land on disk.

use super::*;

#[test]
fn an_incident_run_records_every_step_with_verifiable_output() {
    let (fb, id) = incident("three looks");
    let path = runbook(
        &fb,
        "three.md",
        "# Three looks\n\n## Diagnosis\n\n```bash\n# 1. Who am I\necho first-look\n# 2. Where am I\nprintf 'second\\nlook\\n'\n# 3. What is here\nls victim-less-dir 2>/dev/null || echo third-look\n```\n",
    );
    let out = run_yes(&fb, &path, &id, &[]);
    assert_code(&out, 0, "three-step run");
    assert_eq!(stdout(&out), "first-look\nsecond\nlook\nthird-look\n");

    let events = events(&fb, &id);
    let started = payloads(&events, "run_started");
    assert_eq!(started.len(), 1);
    assert_eq!(started[0]["runbook"], "three");
    assert_eq!(started[0]["steps"], 3);
    let run = started[0]["run"].as_str().expect("run id");
    let steps = payloads(&events, "step_recorded");
    assert_eq!(steps.len(), 3, "{steps:?}");
    let expected: [&[u8]; 3] = [b"first-look\n", b"second\nlook\n", b"third-look\n"];
    for (i, (step, want)) in steps.iter().zip(expected).enumerate() {
        assert_eq!(step["run"], run);
        assert_eq!(step["step"], i + 1);
        assert_eq!(step["outcome"], "succeeded");
        assert_eq!(step["exit_code"], 0);
        assert_eq!(stored_output(&fb, &step["stdout"]), want, "step {}", i + 1);
    }
    let finished = payloads(&events, "run_finished");
    assert_eq!(finished.len(), 1);
    assert_eq!(finished[0]["run"], run);
    assert_eq!(finished[0]["outcome"], "completed");
    assert_verifies(&fb);
}

#[test]
fn secrets_are_masked_on_screen_and_never_stored() {
    let (fb, id) = incident("token leak");
    let secret = "hunter2secret";
    let path = runbook(
        &fb,
        "token.md",
        "---\ntitle: Token\nparams:\n  API_TOKEN:\n    description: the leaked token\n---\n# Token\n\n## Diagnosis\n\n```bash\necho \"$API_TOKEN\"\necho \"prefix-${API_TOKEN}-suffix\" >&2\n```\n",
    );
    let set = format!("API_TOKEN={secret}");
    let out = run_in(
        &fb,
        &[
            "runbook",
            "run",
            s(&path),
            "--incident",
            &id,
            "--yes",
            "--set",
            &set,
        ],
        "",
    );
    assert_code(&out, 0, "token run");
    assert_eq!(stdout(&out), format!("{MASK}\n"));
    assert!(
        stderr(&out).contains(&format!("prefix-{MASK}-suffix")),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains(secret), "{}", stderr(&out));

    let events = events(&fb, &id);
    assert_eq!(
        payloads(&events, "run_started")[0]["params"]["API_TOKEN"],
        MASK
    );
    let step1 = payloads(&events, "step_recorded")[0];
    assert_eq!(
        stored_output(&fb, &step1["stdout"]),
        format!("{MASK}\n").as_bytes()
    );

    let files = files_under(&fb.data_dir());
    assert!(
        files.iter().any(|f| f.ends_with("firebreak.db")),
        "{files:?}"
    );
    for file in &files {
        let bytes = std::fs::read(file).expect("read");
        assert!(
            !contains_bytes(&bytes, secret.as_bytes()),
            "the secret is in {}",
            file.display()
        );
    }
    assert_verifies(&fb);
}

#[test]
fn a_fence_that_says_how_to_run_it_is_fed_on_stdin_and_others_are_only_shown() {
    let (fb, id) = incident("piped block");
    let path = runbook(
        &fb,
        "piped.md",
        "# Piped\n\n## Diagnosis\n\n```text run=\"tr a-z A-Z\"\nquiet query\n```\n\n```sql\nSELECT 1;\n```\n",
    );
    let show = show_json(&fb, s(&path));
    let steps = show["procedures"][0]["steps"].as_array().expect("steps");
    assert_eq!(steps[0]["kind"], "piped");
    assert_eq!(steps[1]["kind"], "display");
    let out = run_yes(&fb, &path, &id, &[]);
    assert_code(&out, 0, "piped run");
    assert_eq!(stdout(&out), "QUIET QUERY\n");
    assert!(
        stderr(&out).contains("SELECT 1;"),
        "the sql block is shown: {}",
        stderr(&out)
    );
    let events = events(&fb, &id);
    let recorded = payloads(&events, "step_recorded");
    assert_eq!(recorded.len(), 1, "only the piped block ran: {recorded:?}");
    assert_eq!(stored_output(&fb, &recorded[0]["stdout"]), b"QUIET QUERY\n");
}

#[test]
fn a_dry_run_shows_the_plan_and_records_nothing() {
    let (fb, id) = incident("dry run");
    let before = fb.event_count(&id);
    let out = run_in(
        &fb,
        &[
            "runbook",
            "run",
            "connection-flood",
            "--incident",
            &id,
            "--dry-run",
            "--set",
            "ATTACKER_IP=203.0.113.9",
        ],
        "",
    );
    assert_code(&out, 0, "dry run");
    let text = stdout(&out);
    assert!(text.contains("nothing is run or recorded"), "{text}");
    assert!(text.contains("destructive"), "{text}");
    assert!(text.contains("asks for the step number"), "{text}");
    assert_eq!(fb.event_count(&id), before);
    assert!(!fb.data_dir().join("evidence").exists());
}

#[test]
fn verify_catches_an_edited_or_deleted_step_output() {
    let (fb, id) = incident("evidence tamper");
    let path = runbook(
        &fb,
        "two.md",
        "# Two\n\n## Diagnosis\n\n```bash\n# One\necho alpha\n# Two\necho beta\n```\n",
    );
    let out = run_yes(&fb, &path, &id, &[]);
    assert_code(&out, 0, "run");
    assert_verifies(&fb);
    let events = events(&fb, &id);
    let steps = payloads(&events, "step_recorded");
    let first = blob_path(&fb, steps[0]["stdout"]["sha256"].as_str().expect("digest"));
    let second = blob_path(&fb, steps[1]["stdout"]["sha256"].as_str().expect("digest"));

    let mut perms = std::fs::metadata(&first).expect("blob").permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&first, perms).expect("chmod");
    std::fs::write(&first, "alpha, edited\n").expect("edit");
    std::fs::remove_file(&second).expect("delete");
    let (code, text) = fb.verify();
    assert_eq!(code, 3, "{text}");
    assert!(text.contains("stdout of runbook step 1"), "{text}");
    assert!(text.contains("stdout of runbook step 2"), "{text}");
}

#[test]
fn the_run_records_the_runbook_digest_and_its_git_commit() {
    let (fb, id) = incident("runbook provenance");
    let repo = fb.root().join("ops");
    std::fs::create_dir_all(&repo).expect("mkdir");
    let text = "# Look\n\n## Diagnosis\n\n```bash\n# Look\necho look\n```\n";
    std::fs::write(repo.join("look.md"), text).expect("write");
    let git = |args: &[&str]| {
        let out = StdCommand::new("git")
            .arg("-C")
            .arg(&repo)
            .args(["-c", "user.name=t", "-c", "user.email=t@example.invalid"])
            .args(args)
            .output()
            .expect("git runs (git is part of the toolchain here)");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    git(&["init", "-q"]);
    git(&["add", "look.md"]);
    git(&["commit", "-q", "-m", "runbook"]);
    let head = git(&["rev-parse", "HEAD"]);
    let path = repo.join("look.md");

    assert_code(&run_yes(&fb, &path, &id, &[]), 0, "committed runbook");
    std::fs::write(&path, format!("{text}\n")).expect("edit");
    assert_code(&run_yes(&fb, &path, &id, &[]), 0, "edited runbook");

    let events = events(&fb, &id);
    let started = payloads(&events, "run_started");
    assert_eq!(
        started[0]["commit"],
        head.as_str(),
        "committed file: its commit"
    );
    assert_eq!(started[0]["digest"], sha256_file_of(text.as_bytes()));
    assert!(
        started[1].get("commit").is_none(),
        "an edited file has no commit: {}",
        started[1]
    );
    assert_ne!(started[0]["digest"], started[1]["digest"]);
}

fn sha256_file_of(bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("f");
    std::fs::write(&path, bytes).expect("write");
    sha256_file(&path)
}

/// Regression (issue 19): only declared secret parameters were masked in step output; an API
/// token or a cloud key a step printed was stored and shown to every viewer.
#[test]
fn credentials_a_step_prints_are_masked_in_what_is_kept_and_shown() {
    let (fb, id) = incident("keys in output");
    let ours = format!("fbk_{}", "5e".repeat(32));
    let aws = "AKIAIOSFODNN7EXAMPLE";
    // The step makes them at run time, so only its output can carry them to the data dir.
    let path = runbook(
        &fb,
        "keys.md",
        "# Keys\n\n## Diagnosis\n\n```bash\n# 1. Print the token\nt=5e; echo \"token: fbk_$(printf \"$t%.0s\" $(seq 32))\"\n# 2. Print the key\nk=IOSFODNN7EXAMPLE; echo \"aws_access_key_id AKIA$k\" >&2\n```\n",
    );
    let out = run_yes(&fb, &path, &id, &[]);
    assert_code(&out, 0, "keys run");
    let events = events(&fb, &id);
    let steps = payloads(&events, "step_recorded");
    assert_eq!(
        String::from_utf8_lossy(&stored_output(&fb, &steps[0]["stdout"])),
        format!("token: {MASK}\n")
    );
    assert_eq!(
        String::from_utf8_lossy(&stored_output(&fb, &steps[1]["stderr"])),
        format!("aws_access_key_id {MASK}\n")
    );
    for file in files_under(&fb.data_dir()) {
        let bytes = std::fs::read(&file).expect("read");
        for secret in [ours.as_str(), aws] {
            assert!(
                !contains_bytes(&bytes, secret.as_bytes()),
                "{secret} is in {}",
                file.display()
            );
        }
    }
    for command in [["show", id.as_str()], ["timeline", id.as_str()]] {
        let shown = fb.cmd(&command).output().expect("run");
        let text = String::from_utf8_lossy(&shown.stdout);
        assert!(shown.status.success(), "{command:?}: {text}");
        assert!(
            !text.contains(&ours) && !text.contains(aws),
            "{command:?}: {text}"
        );
    }
    assert_verifies(&fb);
}

/// Regression (issue 19): a step that printed "health check failed" but exited 0 showed `→ ok`.
/// It stays a success (the exit status decides), and the line is quoted beside the verdict and
/// in the journal.
#[test]
fn an_exit_0_step_whose_output_reports_failure_says_so() {
    let (fb, id) = incident("quiet failure");
    let path = runbook(
        &fb,
        "quiet.md",
        "# Quiet\n\n## Diagnosis\n\n```bash\n# 1. Probe\necho 'health check failed: 503'\n# 2. Tests\necho '12 passed, 0 failed'\n```\n",
    );
    let out = run_yes(&fb, &path, &id, &[]);
    assert_code(&out, 0, "quiet run");
    let err = stderr(&out);
    assert!(
        err.contains("→ ok (exit 0, but its output says \"health check failed: 503\")"),
        "{err}"
    );
    assert_eq!(err.matches("but its output says").count(), 1, "{err}");
    let events = events(&fb, &id);
    let steps = payloads(&events, "step_recorded");
    assert_eq!(steps[0]["outcome"], "succeeded");
    assert!(
        steps[0]["note"]
            .as_str()
            .is_some_and(|n| n.contains("health check failed: 503")),
        "{:?}",
        steps[0]
    );
    assert!(steps[1]["note"].is_null(), "{:?}", steps[1]);
}

/// Regression (issue 19): `--phase` ran 7 steps of a 20-step procedure numbered `[1/20]`…
/// `[7/20]`. Steps are counted within the run, with their number in the procedure beside.
#[test]
fn a_phase_selection_counts_its_own_steps() {
    let (fb, id) = incident("phases");
    let path = runbook(
        &fb,
        "phases.md",
        "# Phases\n\n## Diagnosis\n\n```bash\n# 1. One\necho one\n# 2. Two\necho two\n```\n\n## Recovery\n\n```bash\n# 3. Three\necho three\n```\n",
    );
    let out = run_yes(&fb, &path, &id, &["--phase", "recovery"]);
    assert_code(&out, 0, "phase run");
    let err = stderr(&out);
    assert!(err.contains("[1/1] recovery · "), "{err}");
    assert!(err.contains("Three (step 3 of 3)"), "{err}");
    assert!(!err.contains("/3]"), "{err}");
}
