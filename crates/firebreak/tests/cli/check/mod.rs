//! `firebreak check` against real things: a TLS server with an expiring certificate, a tmpfs
//! filled past 90 %, UDP and TCP listeners, a real Prometheus scraping a test exporter, good
//! and corrupted SQLite files, commands, an HTTP server; `--declare`, exit statuses and config
//! errors; one-off checks from flags, without any config.

mod adhoc;
mod cert;
mod declare;
mod disk;
mod kinds;
mod prometheus;
mod serve;

use serde_json::Value;

use crate::support::Fb;

/// Writes `checks` (TOML `[[check]]` entries) as the config and runs `firebreak --json check
/// ARGS…`; returns the exit code and the results by check name.
pub fn run(fb: &Fb, checks: &str, args: &[&str]) -> (i32, Value) {
    let config = fb.file("checks.toml", checks);
    let mut all = vec![
        "--json",
        "--config",
        config.to_str().expect("utf-8 path"),
        "check",
    ];
    all.extend_from_slice(args);
    let out = fb.cmd(&all).output().expect("run firebreak");
    let code = out.status.code().unwrap_or(-1);
    let json: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
        panic!(
            "no JSON (exit {code}): {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (code, json)
}

/// The result of check `name` in `run`'s JSON.
pub fn result<'a>(json: &'a Value, name: &str) -> &'a Value {
    json["checks"]
        .as_array()
        .and_then(|l| l.iter().find(|c| c["check"] == name))
        .unwrap_or_else(|| panic!("no result for {name} in {json}"))
}

/// The status of check `name`.
pub fn status(json: &Value, name: &str) -> String {
    result(json, name)["status"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Fails loudly unless running as root (mounting, reading the kernel log): CI runs as root.
pub fn require_root(what: &str) {
    assert!(
        rustix::process::geteuid().is_root(),
        "{what} needs root (CI runs as root); run the test suite as root"
    );
}
