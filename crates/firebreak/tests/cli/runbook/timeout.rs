//! Timeouts and Ctrl-C stop the whole step, grandchildren included.

use super::*;

#[test]
fn a_timed_out_step_is_recorded_and_its_grandchildren_killed() {
    let (fb, id) = incident("hung step");
    let path = runbook(
        &fb,
        "hang.md",
        "# Hang\n\n## Diagnosis\n\n```bash timeout=1s class=read-only\nsh -c 'sleep 60 & echo $! > child.pid; wait'\n```\n",
    );
    let start = Instant::now();
    let out = run_yes(&fb, &path, &id, &[]);
    let took = start.elapsed();
    assert_code(&out, 1, "timed-out run");
    assert!(
        took < Duration::from_secs(15),
        "a 1 s timeout took {took:?}"
    );
    assert!(
        stderr(&out).contains("timed out after 1s"),
        "{}",
        stderr(&out)
    );

    let events = events(&fb, &id);
    let steps = payloads(&events, "step_recorded");
    assert_eq!(steps.len(), 1, "{steps:?}");
    assert_eq!(steps[0]["outcome"], "timed-out");
    assert_eq!(steps[0]["done"], false);
    assert_eq!(payloads(&events, "run_finished")[0]["outcome"], "failed");

    let pid: u32 = std::fs::read_to_string(fb.root().join("child.pid"))
        .expect("the step wrote its child's pid")
        .trim()
        .parse()
        .expect("pid");
    assert!(
        wait_until(Duration::from_secs(3), || is_gone(pid)),
        "the step's grandchild {pid} (sleep 60) outlived the timeout"
    );
    assert_verifies(&fb);
}

/// Ctrl-C at a terminal sends SIGINT to the foreground process group: firebreak's. The step
/// runs in a process group of its own, so unless firebreak passes the interrupt on, the step
/// keeps running — and finishes what it was doing — after the responder thinks they stopped it.
#[test]
fn ctrl_c_stops_the_running_step_too() {
    let fb = Fb::new();
    let path = runbook(
        &fb,
        "slow-change.md",
        "# Slow change\n\n## Diagnosis\n\n```bash class=read-only\necho $$ > step.pid; sleep 2; touch after-ctrl-c.txt\n```\n",
    );
    let mut child = spawn_in_background(&fb, &["runbook", "run", s(&path), "--yes"]);
    let pid_file = fb.root().join("step.pid");
    let started = wait_until(Duration::from_secs(20), || pid_file.exists());
    let signal = |sig: &str, pgid: u32| {
        let _ = StdCommand::new("kill")
            .args([sig, "--", &format!("-{pgid}")])
            .status();
    };
    // What the terminal does on Ctrl-C.
    signal("-INT", child.id());
    let firebreak_ended = wait_until(Duration::from_secs(5), || {
        child.try_wait().ok().flatten().is_some()
    });
    let step: Option<u32> = std::fs::read_to_string(&pid_file)
        .ok()
        .and_then(|p| p.trim().parse().ok());
    let step_stopped = step.is_some_and(|pid| wait_until(Duration::from_secs(1), || is_gone(pid)));
    // Clean up whatever is left before judging.
    signal("-KILL", child.id());
    let _ = child.wait();
    if let Some(pid) = step {
        signal("-KILL", pid);
    }
    assert!(started, "the step never started");
    assert!(firebreak_ended, "firebreak ignored Ctrl-C");
    assert!(
        step_stopped,
        "after Ctrl-C firebreak is gone but its step (pid {step:?}) is still running"
    );
    assert!(!fb.root().join("after-ctrl-c.txt").exists());
    let log = std::fs::read_to_string(fb.data_dir().join("practice.jsonl")).expect("practice log");
    assert!(log.contains(r#""outcome":"interrupted""#), "{log}");
    assert!(log.contains(r#""outcome":"stopped""#), "{log}");
}
