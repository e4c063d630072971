//! `runbook lint`: positioned diagnostics, clean built-ins.

use super::*;

#[test]
fn built_in_runbooks_lint_clean_even_strictly() {
    let fb = Fb::new();
    let out = run_in(&fb, &["runbook", "lint", "--strict"], "");
    assert_code(&out, 0, "lint --strict of the built-in runbooks");
    assert!(
        stdout(&out).contains(": 0 error(s), 0 warning(s)"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn lint_points_at_the_line_of_each_problem() {
    let fb = Fb::new();
    let cases: [(&str, &str, i32, &str); 5] = [
        (
            "unterminated.md",
            "# Broken\n\n## Diagnosis\n\n```bash\necho hi\n\nmore text\n",
            1,
            ":5:1: error[unterminated-fence]",
        ),
        (
            "duplicate.md",
            "# Disk\n\n## Disk full\n\n### Diagnosis\n\n```bash\ndf -h\n```\n\n## Disk full\n\n### Diagnosis\n\n```bash\ndu -sh /\n```\n",
            1,
            ":11:1: error[duplicate-procedure]",
        ),
        (
            "evidence-first.md",
            "---\ntitle: Wipe\nevidence-first: true\n---\n# Wipe\n\n## Containment\n\n```bash\nrm -rf ./scratch\n```\n",
            1,
            ":10:1: error[evidence-first]",
        ),
        (
            "undescribed.md",
            "# Look\n\n## Diagnosis\n\n```bash\necho \"$SOME_THING\"\n```\n",
            0,
            ":6:1: warning[undescribed-parameter]",
        ),
        (
            "empty-phase.md",
            "# Look\n\n## Diagnosis\n\n```bash\nuptime\n```\n\n## Containment\n\n## Recovery\n\n```bash\necho ok\n```\n",
            0,
            ":9:1: warning[empty-phase]",
        ),
    ];
    for (name, text, code, expect) in cases {
        let path = runbook(&fb, name, text);
        let out = run_in(&fb, &["runbook", "lint", s(&path)], "");
        assert_code(&out, code, name);
        let want = format!("{}{expect}", path.display());
        assert!(
            stdout(&out).contains(&want),
            "{name}: expected {want:?} in\n{}",
            stdout(&out)
        );
        if code == 0 {
            let strict = run_in(&fb, &["runbook", "lint", "--strict", s(&path)], "");
            assert_code(&strict, 1, &format!("{name} --strict"));
        }
    }
    // Evidence before the destructive step satisfies evidence-first.
    let ok = runbook(
        &fb,
        "evidence-then-wipe.md",
        "---\ntitle: Wipe\nevidence-first: true\n---\n# Wipe\n\n## Evidence\n\n```bash\nls -la .\n```\n\n## Containment\n\n```bash\nrm -rf ./scratch\n```\n",
    );
    let out = run_in(&fb, &["runbook", "lint", "--strict", s(&ok)], "");
    assert_code(&out, 0, "evidence then wipe");
    assert!(
        stdout(&out).contains("0 error(s), 0 warning(s)"),
        "{}",
        stdout(&out)
    );

    // A runbook with an error is refused by `run`, before anything runs.
    let broken = fb.root().join("unterminated.md");
    let out = run_in(&fb, &["runbook", "run", s(&broken), "--yes"], "");
    assert_code(&out, 1, "run of a broken runbook");
    assert!(
        stderr(&out).contains("unterminated-fence"),
        "{}",
        stderr(&out)
    );
    assert!(!fb.data_dir().join("practice.jsonl").exists());
}

#[test]
fn lint_of_a_missing_file_is_one_clear_line() {
    let fb = Fb::new();
    let missing = fb.root().join("no-such-runbook.md");
    let out = run_in(&fb, &["runbook", "lint", s(&missing)], "");
    assert_code(&out, 1, "lint of a missing file");
    let err = stderr(&out);
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    assert!(
        err.contains(s(&missing)) && err.contains("cannot read runbook"),
        "{err}"
    );
}

/// `runbook lint FILE` output, exit code checked.
fn lint_file(fb: &Fb, path: &Path, code: i32) -> String {
    let out = run_in(fb, &["runbook", "lint", s(path)], "");
    assert_code(&out, code, &format!("lint {}", path.display()));
    stdout(&out)
}

#[test]
fn hugo_front_matter_with_site_keys_is_a_warning_and_the_runbook_runs() {
    let fb = Fb::new();
    let path = runbook(
        &fb,
        "queue-backlog.md",
        "---\ntitle: Queue backlog\nweight: 40\naliases:\n  - /ops/queue-old\ndraft: false\ndescription: The consumer falls behind the producer.\nsidebar_position: 2\n---\n# Queue backlog\n\n## Diagnosis\n\n```bash\necho backlog checked\n```\n",
    );
    let report = lint_file(&fb, &path, 0);
    let want = format!(
        "{}:1:1: warning[unused-key]: front matter keys firebreak does not use: aliases, draft, sidebar_position, weight\n",
        path.display()
    );
    assert!(report.contains(&want), "{report}");
    assert_eq!(report.matches("unused-key").count(), 1, "{report}");
    let out = run_in(&fb, &["runbook", "run", s(&path), "--yes"], "");
    assert_code(&out, 0, "run of a runbook with site keys");
    assert_eq!(stdout(&out), "backlog checked\n");
}

#[test]
fn toml_front_matter_between_plus_lines_is_read() {
    let fb = Fb::new();
    let path = runbook(
        &fb,
        "cert-expiry.md",
        "+++\ntitle = \"Certificate about to expire\"\ntags = [\"tls\"]\nweight = 7\n+++\n# Cert\n\n## Diagnosis\n\n```bash\necho cert looked at\n```\n",
    );
    let report = lint_file(&fb, &path, 0);
    assert!(
        report
            .contains(":1:1: warning[unused-key]: front matter key firebreak does not use: weight"),
        "{report}"
    );
    let out = run_in(&fb, &["runbook", "show", s(&path)], "");
    assert_code(&out, 0, "show of a TOML-fronted runbook");
    assert!(
        stdout(&out).starts_with("cert-expiry — Certificate about to expire"),
        "{}",
        stdout(&out)
    );
    // A broken TOML block is still an error at its line, and the steps are still read.
    let broken = runbook(
        &fb,
        "cert-broken.md",
        "+++\ntitle = \"Cert\"\ntags = [\"tls\"\n+++\n# Cert\n\n## Diagnosis\n\n```bash\necho x\n```\n",
    );
    let report = lint_file(&fb, &broken, 1);
    assert!(report.contains("error[front-matter]"), "{report}");
    let shown = fb.json(&["runbook", "show", s(&broken)]);
    assert_eq!(shown["procedures"][0]["steps"][0]["source"], "echo x");
}

#[test]
fn placeholders_with_spaces_are_asked_for_and_filled_in() {
    let fb = Fb::new();
    let path = runbook(
        &fb,
        "replica-lag.md",
        "# Replica lag\n\n## Diagnosis\n\n```bash\necho probing <DB IP> from <pod name>\n```\n",
    );
    let shown = fb.json(&["runbook", "show", s(&path)]);
    assert_eq!(
        shown["procedures"][0]["steps"][0]["params"],
        serde_json::json!(["DB_IP", "POD_NAME"])
    );
    let out = run_in(
        &fb,
        &[
            "runbook",
            "run",
            s(&path),
            "--yes",
            "--set",
            "DB_IP=10.1.2.3",
            "--set",
            "POD_NAME=web-7",
        ],
        "",
    );
    assert_code(&out, 0, "run with spaced placeholders");
    assert_eq!(stdout(&out), "probing 10.1.2.3 from web-7\n");
}

#[test]
fn a_backslash_followed_by_blanks_still_continues_the_command() {
    let fb = Fb::new();
    let path = runbook(
        &fb,
        "continued.md",
        "# Continued\n\n## Diagnosis\n\n```bash\necho first \\  \n  second\n```\n",
    );
    let report = lint_file(&fb, &path, 0);
    assert!(
        report.contains(":6:12: warning[backslash-space]"),
        "{report}"
    );
    let out = run_in(&fb, &["runbook", "run", s(&path), "--yes"], "");
    assert_code(&out, 0, "run of a continued command");
    assert_eq!(stdout(&out), "first second\n");
}

#[test]
fn fence_text_for_other_tools_is_a_warning_naming_it() {
    let fb = Fb::new();
    let path = runbook(
        &fb,
        "fence-text.md",
        "# Fence\n\n## Diagnosis\n\n```bash title=\"look.sh\" linenums=\"1\" {.copy}\necho looked\n```\n",
    );
    let report = lint_file(&fb, &path, 0);
    assert!(
        report.contains(
            ":5:4: warning[fence-text]: fence text firebreak does not use: title, linenums, .copy"
        ),
        "{report}"
    );
    let out = run_in(&fb, &["runbook", "run", s(&path), "--yes"], "");
    assert_code(&out, 0, "run despite fence text");
    assert_eq!(stdout(&out), "looked\n");
    // A misspelt firebreak attribute in a firebreak comment is still an error.
    let typo = runbook(
        &fb,
        "typo.md",
        "# Typo\n\n## Diagnosis\n\n<!-- firebreak: timout=5s -->\n```bash\necho x\n```\n",
    );
    assert!(lint_file(&fb, &typo, 1).contains("error[annotation]"));
}

#[test]
fn a_variable_set_by_an_earlier_step_is_named_as_carried_not_asked_for() {
    let fb = Fb::new();
    let path = runbook(
        &fb,
        "carried.md",
        "# Noisy node\n\n## Diagnosis\n\n```bash\n# Find the busiest node\nBUSY_NODE=$(echo node-3)\n\n# Describe it\necho \"describing $BUSY_NODE\"\n```\n",
    );
    let report = lint_file(&fb, &path, 0);
    assert!(
        report.contains(":10:1: warning[carried-variable]: $BUSY_NODE comes from step 1"),
        "{report}"
    );
    assert!(!report.contains("undescribed-parameter"), "{report}");
    let shown = fb.json(&["runbook", "show", s(&path)]);
    let steps = &shown["procedures"][0]["steps"];
    assert_eq!(steps[0]["sets"], serde_json::json!(["BUSY_NODE"]));
    assert_eq!(steps[1]["params"], serde_json::json!([]));
}

#[test]
fn an_unclosed_quote_in_pasted_output_is_a_warning_not_an_error() {
    let fb = Fb::new();
    let path = runbook(
        &fb,
        "pasted.md",
        "# Pasted\n\n## Diagnosis\n\n```bash\necho checked\nError: can't reach the metrics endpoint\n```\n",
    );
    let report = lint_file(&fb, &path, 0);
    assert!(report.contains(":7:1: warning[pasted-output]"), "{report}");
    assert!(report.contains("0 error(s)"), "{report}");
    // In a line that could be a command it stays an error.
    let real = runbook(
        &fb,
        "real-quote.md",
        "# Real\n\n## Diagnosis\n\n```bash\necho 'never closed\n```\n",
    );
    assert!(lint_file(&fb, &real, 1).contains(":6:6: error[unterminated]"));
}
