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
