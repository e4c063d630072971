//! Parameters: values are inert, missing ones stop the run before it starts.

use super::*;

#[test]
fn parameter_values_cannot_change_what_a_step_does() {
    let fb = Fb::new();
    std::fs::create_dir(fb.root().join("victim")).expect("victim dir");
    std::fs::write(fb.root().join("victim/keep"), "x").expect("victim file");
    let path = runbook(
        &fb,
        "echo.md",
        "# Echo\n\n## Diagnosis\n\n```bash\nprintf '[%s]\\n' <value>\nprintf '[%s]\\n' \"$VALUE\"\n```\n",
    );
    let show = show_json(&fb, s(&path));
    let steps = &show["procedures"][0]["steps"];
    assert_eq!(steps[0]["safety"], "read-only");
    assert_eq!(steps[0]["script"], "printf '[%s]\\n' \"${VALUE}\"");

    let corpus = [
        "; rm -rf ./victim",
        "$(touch pwned)",
        "`touch pwned`",
        "a\nb; touch pwned",
        "'\"; touch pwned; \"'",
        "*",
        "--help",
        "../../etc/passwd",
        "${IFS}touch${IFS}pwned",
    ];
    for value in corpus {
        let set = format!("VALUE={value}");
        let out = run_in(
            &fb,
            &["runbook", "run", s(&path), "--set", &set, "--yes"],
            "",
        );
        assert_code(&out, 0, &format!("value {value:?}"));
        assert_eq!(
            stdout(&out),
            format!("[{value}]\n[{value}]\n"),
            "value {value:?}"
        );
        assert!(
            !fb.root().join("pwned").exists(),
            "value {value:?} ran a command"
        );
        assert!(
            fb.root().join("victim/keep").is_file(),
            "value {value:?} deleted the victim"
        );
    }
    // Practice runs are recorded in the practice log, not in any incident.
    let log = std::fs::read_to_string(fb.data_dir().join("practice.jsonl")).expect("practice log");
    assert_eq!(
        log.lines()
            .filter(|l| l.contains("\"run_finished\""))
            .count(),
        corpus.len()
    );
}

#[test]
fn missing_parameters_stop_a_run_before_step_1_and_name_them_all() {
    let text = "---\ntitle: Needs\nparams:\n  FBT_BETA:\n    description: the beta value\n---\n# Needs\n\n## Diagnosis\n\n```bash\ntouch ran-step-1\necho \"$FBT_ALPHA\" <fbt-beta>\necho \"${FBT_GAMMA}\"\n```\n";
    let unset = |cmd: &mut assert_cmd::Command| {
        for v in ["FBT_ALPHA", "FBT_BETA", "FBT_GAMMA"] {
            cmd.env_remove(v);
        }
    };

    // Practice: nothing in the practice log.
    let fb = Fb::new();
    let path = runbook(&fb, "needs.md", text);
    let mut cmd = fb.cmd(&["runbook", "run", s(&path), "--set", "FBT_ALPHA=1", "--yes"]);
    unset(&mut cmd);
    let out = cmd
        .current_dir(fb.root())
        .write_stdin("")
        .timeout(RUN_LIMIT)
        .output()
        .expect("run");
    assert_code(&out, 1, "practice run with missing parameters");
    let err = stderr(&out);
    assert!(
        err.contains("FBT_BETA (the beta value)") && err.contains("FBT_GAMMA"),
        "{err}"
    );
    assert!(!err.contains("FBT_ALPHA"), "FBT_ALPHA was given: {err}");
    assert!(err.contains("nothing was run"), "{err}");
    assert!(!fb.root().join("ran-step-1").exists(), "step 1 ran");
    assert!(
        !fb.data_dir().join("practice.jsonl").exists(),
        "a practice run was recorded"
    );

    // In an incident: the timeline is unchanged.
    let (fb, id) = incident("needs parameters");
    let path = runbook(&fb, "needs.md", text);
    let before = fb.event_count(&id);
    let mut cmd = fb.cmd(&["runbook", "run", s(&path), "--incident", &id, "--yes"]);
    unset(&mut cmd);
    let out = cmd
        .current_dir(fb.root())
        .write_stdin("")
        .timeout(RUN_LIMIT)
        .output()
        .expect("run");
    assert_code(&out, 1, "incident run with missing parameters");
    let err = stderr(&out);
    for name in ["FBT_ALPHA", "FBT_BETA", "FBT_GAMMA"] {
        assert!(err.contains(name), "{name} not named: {err}");
    }
    assert!(!fb.root().join("ran-step-1").exists(), "step 1 ran");
    assert_eq!(fb.event_count(&id), before, "the failed start was recorded");
}
