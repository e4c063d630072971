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
    let ran = execute(argv, stdin)?;
    match ran.status {
        Some(s) if s.success() && ran.unread.is_none() => Ok(ran.stdout),
        _ => Err(ran.failure()),
    }
}

/// Runs a check such as `iptables -C …`, which exits 0 for yes and 1 for no. Any other outcome
/// (another status, a kill, a timeout) is an error: not knowing is not a no.
pub fn holds(argv: &[String]) -> Result<bool, ContainError> {
    let ran = execute(argv, None)?;
    match ran.status.and_then(|s| s.code()) {
        Some(0) => Ok(true),
        Some(1) => Ok(false),
        _ => Err(ran.failure()),
    }
}

/// What a finished (or killed) program left.
struct Ran {
    shown: String,
    status: Option<std::process::ExitStatus>,
    /// Why its input could not all be written (it exited or closed it early).
    unread: Option<std::io::Error>,
    stdout: String,
    stderr: String,
}

impl Ran {
    fn failure(&self) -> ContainError {
        let detail = match (self.status, &self.unread) {
            (Some(s), Some(e)) if s.success() => {
                format!("it stopped reading its input ({e}) yet exited 0")
            }
            (Some(s), _) => format!("{s}: {}", tail(&self.stderr, &self.stdout)),
            (None, _) => format!("still running after {} s, killed", TIMEOUT.as_secs()),
        };
        ContainError::Failed {
            command: self.shown.clone(),
            detail,
        }
    }
}

fn execute(argv: &[String], stdin: Option<&[u8]>) -> Result<Ran, ContainError> {
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
    let started = Instant::now();
    // Read the pipes on threads so a chatty program cannot fill one and stall, and feed its
    // input on another so a program that stops reading is still bound by the time limit.
    let out = child.stdout.take().map(drain);
    let err = child.stderr.take().map(drain);
    let fed = match (stdin, child.stdin.take()) {
        (Some(bytes), Some(mut pipe)) => {
            let bytes = bytes.to_vec();
            Some(std::thread::spawn(move || pipe.write_all(&bytes)))
        }
        _ => None,
    };
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
    Ok(Ran {
        shown,
        status,
        unread: fed.and_then(|h| h.join().ok()).and_then(Result::err),
        stdout: out.and_then(|h| h.join().ok()).unwrap_or_default(),
        stderr: err.and_then(|h| h.join().ok()).unwrap_or_default(),
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn a_program_that_exits_without_reading_its_input_is_a_failure() {
        // A megabyte does not fit in a pipe, so the writer meets a closed pipe. Before, that
        // broken pipe reached `main`, which ends quietly with status 0 on one.
        let input = vec![b'x'; 1 << 20];
        for program in ["false", "true"] {
            let e = run(&argv(&[program]), Some(&input)).expect_err(program);
            assert!(matches!(e, ContainError::Failed { .. }), "{program}: {e}");
        }
        assert_eq!(run(&argv(&["cat"]), Some(b"ok")).expect("cat"), "ok");
    }

    #[test]
    fn a_check_says_yes_no_or_fails() {
        assert!(holds(&argv(&["true"])).expect("true"));
        assert!(!holds(&argv(&["false"])).expect("false"));
        assert!(holds(&argv(&["sh", "-c", "exit 2"])).is_err());
    }
}
