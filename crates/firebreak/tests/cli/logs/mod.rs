//! `triage`, `scan`, `rules` and `watch`, run as a responder would, on real files.

mod campaign;
mod cri;
mod rules;
mod scan;
mod triage;
mod watch;

use std::io::Write as _;
use std::path::Path;

/// A combined-format line.
pub fn combined(
    addr: &str,
    minute: u32,
    second: u32,
    request: &str,
    status: u16,
    bytes: u64,
    agent: &str,
) -> String {
    format!(
        "{addr} - - [23/Nov/2026:10:{minute:02}:{second:02} +0000] \"{request}\" {status} {bytes} \"-\" \"{agent}\"\n"
    )
}

/// A command's output printed as JSON lines (`scan --lines`), one value per line.
pub fn json_lines(stdout: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect()
}

/// Appends text to a file (creating it), flushed.
pub fn append(path: &Path, text: &str) {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .expect("open for append");
    file.write_all(text.as_bytes()).expect("append");
    file.flush().expect("flush");
}

/// A rules directory with one rule raising a finding for each distinct `/marker/…` path.
pub fn marker_rules(dir: &Path) -> std::path::PathBuf {
    let rules = dir.join("marker-rules");
    std::fs::create_dir_all(&rules).expect("mkdir");
    std::fs::write(
        rules.join("marker.yaml"),
        "rules:\n  - id: marker\n    title: Marker line\n    severity: P4\n    match:\n      path: { prefix: /marker/ }\n    group-by: path\n    dedup: 1h\n",
    )
    .expect("write rule");
    rules
}
