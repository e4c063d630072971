//! `firebreak runbook …` as a responder meets it: real Markdown files (the shared seed
//! runbooks and the built-in library), the real binary, a scratch data directory, and only
//! what a user would notice — what is printed, what runs, what is recorded, what verifies.
//! This file holds the shared helpers; each sub-module one area.

mod asking;
mod library;
mod lint;
mod params;
mod record;
mod resume;
mod seeds;
mod session;
mod show;
mod timeout;
mod unattended;

#[path = "../../../../firebreak-core/tests/support/seeds.rs"]
mod seed_dir;

use std::collections::BTreeMap;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::{Fb, binary};

/// The mask firebreak shows instead of a secret.
pub(super) const MASK: &str = "••••";

/// No single command in this module should come near this.
pub(super) const RUN_LIMIT: Duration = Duration::from_secs(120);

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// The shared seed runbooks (`../shared/seeds`), which must exist: a missing seed is a
/// failure, never a skip.
pub(super) fn seed(name: &str) -> PathBuf {
    let dir = seed_dir::seeds_dir();
    let path = dir.join(name);
    assert!(
        path.is_file(),
        "seed runbook {} is missing; these tests read the shared seeds in place",
        path.display()
    );
    path.canonicalize().expect("canonical seed path")
}

/// Writes `text` to `name` in the scratch area and returns its absolute path (a path with a
/// `/`, so firebreak reads the file rather than looking up a library name).
pub(super) fn runbook(fb: &Fb, name: &str, text: &str) -> PathBuf {
    fb.file(name, text)
}

pub(super) fn s(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

/// `firebreak ARGS…` run in the scratch area with `stdin`, bounded in time.
pub(super) fn run_in(fb: &Fb, args: &[&str], stdin: &str) -> Output {
    let mut cmd = fb.cmd(args);
    cmd.current_dir(fb.root())
        .write_stdin(stdin.as_bytes().to_vec())
        .timeout(RUN_LIMIT);
    cmd.output().expect("run firebreak")
}

/// `firebreak runbook run FILE --incident ID --yes EXTRA…` with nothing on standard input.
pub(super) fn run_yes(fb: &Fb, path: &Path, id: &str, extra: &[&str]) -> Output {
    let mut args = vec!["runbook", "run", s(path), "--incident", id, "--yes"];
    args.extend_from_slice(extra);
    run_in(fb, &args, "")
}

/// Starts `firebreak ARGS…` in the background in its own process group (so a test can signal
/// it as a terminal would), with no input or output.
pub(super) fn spawn_in_background(fb: &Fb, args: &[&str]) -> std::process::Child {
    StdCommand::new(binary())
        .args(args)
        .env_remove("FIREBREAK_DATABASE_URL")
        .env_remove("FIREBREAK_CONFIG")
        .envs(fb.env())
        .current_dir(fb.root())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .expect("spawn firebreak")
}

pub(super) fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub(super) fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[track_caller]
pub(super) fn assert_code(out: &Output, code: i32, what: &str) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "{what}: expected exit {code}\n--- stdout\n{}\n--- stderr\n{}",
        stdout(out),
        stderr(out)
    );
    assert!(!stderr(out).contains("panicked"), "{what}: {}", stderr(out));
}

/// An initialised data directory with one declared incident.
pub(super) fn incident(title: &str) -> (Fb, String) {
    let fb = Fb::init();
    let id = fb.declare(title, "P2");
    (fb, id)
}

/// The incident's timeline events.
pub(super) fn events(fb: &Fb, id: &str) -> Vec<Value> {
    fb.json(&["timeline", id])["events"]
        .as_array()
        .expect("events")
        .clone()
}

/// Payloads of the events of one kind, in order.
pub(super) fn payloads<'a>(events: &'a [Value], kind: &str) -> Vec<&'a Value> {
    events
        .iter()
        .filter(|e| e["kind"] == kind)
        .map(|e| &e["payload"])
        .collect()
}

/// The `step_recorded` payloads, by step number (the last one wins).
pub(super) fn steps_by_number(events: &[Value]) -> BTreeMap<u64, Vec<&Value>> {
    let mut out: BTreeMap<u64, Vec<&Value>> = BTreeMap::new();
    for p in payloads(events, "step_recorded") {
        out.entry(p["step"].as_u64().expect("step number"))
            .or_default()
            .push(p);
    }
    out
}

/// SHA-256 of a file, computed by `sha256sum` — independently of firebreak.
pub(super) fn sha256_file(path: &Path) -> String {
    let out = StdCommand::new("sha256sum")
        .arg(path)
        .output()
        .expect("sha256sum (coreutils) is needed to check evidence independently");
    assert!(out.status.success(), "sha256sum {}", path.display());
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .expect("digest")
        .to_string()
}

/// Where the blob store keeps the blob with this digest.
pub(super) fn blob_path(fb: &Fb, digest: &str) -> PathBuf {
    assert_eq!(digest.len(), 64, "not a SHA-256: {digest}");
    fb.data_dir()
        .join("evidence")
        .join("sha256")
        .join(&digest[..2])
        .join(&digest[2..])
}

/// Checks that a recorded output's blob exists and hashes to its name; returns its bytes.
#[track_caller]
pub(super) fn stored_output(fb: &Fb, output: &Value) -> Vec<u8> {
    let digest = output["sha256"].as_str().expect("sha256 recorded");
    let path = blob_path(fb, digest);
    assert!(path.is_file(), "blob {} is missing", path.display());
    assert_eq!(
        sha256_file(&path),
        digest,
        "blob {} does not re-hash to its name",
        path.display()
    );
    let bytes = std::fs::read(&path).expect("read blob");
    assert_eq!(
        Some(bytes.len() as u64),
        output["size"].as_u64(),
        "recorded size"
    );
    bytes
}

#[track_caller]
pub(super) fn assert_verifies(fb: &Fb) {
    let (code, out) = fb.verify();
    assert_eq!(code, 0, "firebreak verify failed:\n{out}");
}

/// Whether a process is gone (a zombie waiting for a reaper counts as gone: it runs nothing).
pub(super) fn is_gone(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => {
            let state = stat.rsplit_once(')').map(|(_, rest)| rest.trim_start());
            matches!(state.and_then(|r| r.chars().next()), Some('Z' | 'X'))
        }
    }
}

pub(super) fn wait_until(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    done()
}

/// Every file under `dir`, recursively.
pub(super) fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).expect("list dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                todo.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out
}

pub(super) fn contains_bytes(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// A compact rendering of `runbook show --json`: each procedure's slug, group and severity,
/// then each step's number, phase, kind, safety class and parameters. `brief` procedures are
/// rendered without their steps (their steps are checked by a test of their own).
pub(super) fn render(show: &Value, brief: &[&str]) -> String {
    let mut out = String::new();
    for p in show["procedures"].as_array().expect("procedures") {
        let slug = p["slug"].as_str().expect("slug");
        out.push_str(slug);
        if let Some(g) = p["group"].as_str() {
            out.push_str(&format!(" [{g}]"));
        }
        if let Some(sev) = p["severity"].as_str() {
            out.push_str(&format!(" severity={sev}"));
        }
        out.push('\n');
        if brief.contains(&slug) {
            out.push_str("  …\n");
            continue;
        }
        for st in p["steps"].as_array().expect("steps") {
            out.push_str(&format!(
                "  {} {} {} {}",
                st["number"],
                st["phase"].as_str().expect("phase"),
                st["kind"].as_str().expect("kind"),
                st["safety"].as_str().expect("safety")
            ));
            let params: Vec<&str> = st["params"]
                .as_array()
                .expect("params")
                .iter()
                .map(|v| v.as_str().expect("param"))
                .collect();
            if !params.is_empty() {
                out.push_str(&format!(" {}", params.join(",")));
            }
            out.push('\n');
        }
    }
    out
}

pub(super) fn show_json(fb: &Fb, target: &str) -> Value {
    fb.json(&["runbook", "show", target])
}

/// The step of procedure `slug` whose command starts with `prefix`.
pub(super) fn step_starting<'a>(show: &'a Value, slug: &str, prefix: &str) -> &'a Value {
    let p = show["procedures"]
        .as_array()
        .expect("procedures")
        .iter()
        .find(|p| p["slug"] == slug)
        .unwrap_or_else(|| panic!("no procedure {slug}"));
    p["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .find(|st| {
            st["source"]
                .as_str()
                .is_some_and(|src| src.starts_with(prefix))
        })
        .unwrap_or_else(|| panic!("{slug}: no step starting {prefix:?}"))
}
