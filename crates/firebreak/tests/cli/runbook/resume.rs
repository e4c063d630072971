//! kill -9 in the middle of a run, then --resume.

use super::*;

#[test]
fn a_run_killed_mid_step_resumes_at_that_step() {
    let (fb, id) = incident("resume after kill -9");
    let path = runbook(
        &fb,
        "slow.md",
        "# Slow\n\n## Diagnosis\n\n```bash\n# 1. First\necho one\n# 2. Second\n# firebreak: class=read-only\necho $$ > step2.pid; test -f go || sleep 30\n# 3. Third\necho three\n```\n",
    );
    let mut child = spawn_in_background(
        &fb,
        &["runbook", "run", s(&path), "--incident", &id, "--yes"],
    );
    let step2_pid = fb.root().join("step2.pid");
    let step1_recorded = wait_until(Duration::from_secs(20), || {
        // Polled while the run writes: a failed read is "not yet", not a test failure.
        step2_pid.exists()
            && fb
                .cmd(&["--json", "timeline", &id])
                .output()
                .ok()
                .filter(|o| o.status.success())
                .and_then(|o| serde_json::from_slice::<Value>(&o.stdout).ok())
                .is_some_and(|t| {
                    t["events"].as_array().is_some_and(|evs| {
                        evs.iter()
                            .any(|e| e["kind"] == "step_recorded" && e["payload"]["step"] == 1)
                    })
                })
    });
    // Kill firebreak (its own group) and the step (which runs in a group of its own).
    let kill = |pgid: u32| {
        let _ = StdCommand::new("kill")
            .args(["-9", "--", &format!("-{pgid}")])
            .status();
    };
    kill(child.id());
    let _ = child.wait();
    if let Some(pid) = std::fs::read_to_string(&step2_pid)
        .ok()
        .and_then(|p| p.trim().parse::<u32>().ok())
    {
        kill(pid);
    }
    assert!(step1_recorded, "step 1 was never recorded");
    let before = events(&fb, &id);
    assert!(
        payloads(&before, "run_finished").is_empty(),
        "the killed run finished?"
    );

    std::fs::write(fb.root().join("go"), "").expect("go");
    let out = run_yes(&fb, &path, &id, &["--resume"]);
    assert_code(&out, 0, "--resume");
    let run = payloads(&before, "run_started")[0]["run"]
        .as_str()
        .expect("run")
        .to_string();
    assert!(
        stderr(&out).contains(&format!("resuming run {run} at step 2")),
        "{}",
        stderr(&out)
    );
    assert_eq!(stdout(&out), "three\n");

    let events = events(&fb, &id);
    assert_eq!(
        payloads(&events, "run_started").len(),
        1,
        "resuming started a new run"
    );
    let by_step = steps_by_number(&events);
    assert_eq!(by_step.keys().copied().collect::<Vec<_>>(), [1, 2, 3]);
    assert_eq!(by_step[&1].len(), 1, "step 1 was run again");
    for (n, recs) in &by_step {
        let last = recs.last().expect("record");
        assert_eq!(last["outcome"], "succeeded", "step {n}");
        assert_eq!(last["run"], run.as_str(), "step {n}");
    }
    let finished = payloads(&events, "run_finished");
    assert_eq!(finished.len(), 1);
    assert_eq!(finished[0]["outcome"], "completed");
    assert_verifies(&fb);
}

#[test]
fn resume_refuses_when_the_runbook_changed_since_the_run_began() {
    let (fb, id) = incident("changed runbook");
    let path = runbook(
        &fb,
        "two.md",
        "# Two\n\n## Diagnosis\n\n```bash\n# One\necho one\n# Two\nfalse\n```\n",
    );
    let out = run_yes(&fb, &path, &id, &[]);
    assert_code(&out, 1, "failing step");
    assert!(stderr(&out).contains("--resume"), "{}", stderr(&out));

    runbook(
        &fb,
        "two.md",
        "# Two\n\n## Diagnosis\n\n```bash\n# One\necho one\n# Two\ntrue\n```\n",
    );
    let out = run_yes(&fb, &path, &id, &["--resume"]);
    assert_code(&out, 1, "resume of a changed runbook");
    assert!(
        stderr(&out).contains("changed since run"),
        "{}",
        stderr(&out)
    );

    let out = run_yes(&fb, &path, &id, &[]);
    assert_code(&out, 0, "a new run of the changed runbook");
    assert_verifies(&fb);
}

#[test]
fn resume_after_a_failed_step_reruns_it_and_nothing_before_it() {
    let (fb, id) = incident("resume after failure");
    let path = runbook(
        &fb,
        "flaky.md",
        "# Flaky\n\n## Diagnosis\n\n```bash\n# One\necho one\n# Two\ntest -f fixed\n# Three\necho three\n```\n",
    );
    let out = run_yes(&fb, &path, &id, &[]);
    assert_code(&out, 1, "step two fails");
    std::fs::write(fb.root().join("fixed"), "").expect("fix");
    let out = run_yes(&fb, &path, &id, &["--resume"]);
    assert_code(&out, 0, "resumed run");
    assert_eq!(stdout(&out), "three\n");
    assert!(stderr(&out).contains("at step 2"), "{}", stderr(&out));
    let events = events(&fb, &id);
    let by_step = steps_by_number(&events);
    assert_eq!(by_step[&1].len(), 1);
    assert_eq!(by_step[&2].len(), 2, "failed once, then succeeded");
    assert_eq!(by_step[&3].len(), 1);
    let out = run_yes(&fb, &path, &id, &["--resume"]);
    assert_code(&out, 1, "nothing left to resume");
    assert!(
        stderr(&out).contains("no unfinished run"),
        "{}",
        stderr(&out)
    );
}
