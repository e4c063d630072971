//! Running a backend's program (`nginx -t`, `nft -f -`, `ipset restore`, a reload command):
//! an argument list, never shell text; bounded in time; its error output kept for the message.

use std::io::Write as _;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::ContainError;

/// How long a backend's program may run before it is killed.
pub const TIMEOUT: Duration = Duration::from_secs(30);

/// Runs `argv` (the first element is the program) with `stdin` as its input, and returns its
/// standard output. A non-zero exit, a kill or a timeout is an error carrying the end of its
/// error output.
pub fn run(argv: &[String], stdin: Option<&[u8]>) -> Result<String, ContainError> {
    let (program, args) = argv.split_first().ok_or_else(|| ContainError::Failed {
        command: String::new(),
        detail: "no program configured".into(),
    })?;
    let shown = argv.join(" ");
    let mut child = Command::new(program)
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| ContainError::Spawn {
            command: shown.clone(),
            source,
        })?;
    if let (Some(bytes), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(bytes)
            .map_err(|source| ContainError::Spawn {
                command: shown.clone(),
                source,
            })?;
    }
    let started = Instant::now();
    // Read the pipes on threads so a chatty program cannot fill one and stall.
    let out = child.stdout.take().map(drain);
    let err = child.stderr.take().map(drain);
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if started.elapsed() < TIMEOUT => std::thread::sleep(Duration::from_millis(2)),
            Ok(None) | Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
        }
    };
    let stdout = out.and_then(|h| h.join().ok()).unwrap_or_default();
    let stderr = err.and_then(|h| h.join().ok()).unwrap_or_default();
    match status {
        Some(s) if s.success() => Ok(stdout),
        Some(s) => Err(ContainError::Failed {
            command: shown,
            detail: format!("{s}: {}", tail(&stderr, &stdout)),
        }),
        None => Err(ContainError::Failed {
            command: shown,
            detail: format!("still running after {} s, killed", TIMEOUT.as_secs()),
        }),
    }
}

fn drain(mut pipe: impl std::io::Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// The last few lines of what a failed program said, on one line.
fn tail(stderr: &str, stdout: &str) -> String {
    let text = if stderr.trim().is_empty() {
        stdout
    } else {
        stderr
    };
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let start = lines.len().saturating_sub(3);
    let joined = lines[start..].join(" | ");
    if joined.is_empty() {
        "no output".into()
    } else {
        joined.chars().take(600).collect()
    }
}
