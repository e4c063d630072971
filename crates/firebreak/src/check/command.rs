//! `command`: a program's exit status, Nagios-style: 0 ok, 1 warn, 2 critical, anything else
//! (or no exit, or no program) unknown. Run as an argument list without a shell, with stdin
//! closed; killed when the check's timeout drops it. The last line it printed (secret-looking
//! values masked) is the reason.

use std::process::Stdio;

use firebreak_core::check::{Outcome, Status};
use tokio::io::AsyncReadExt as _;

/// Most output read from the program.
const OUTPUT_MAX: u64 = 64 * 1024;

/// Runs `argv`.
pub async fn probe(argv: &[String]) -> Outcome {
    let Some((program, args)) = argv.split_first() else {
        return Outcome::unknown("no program configured");
    };
    let child = tokio::process::Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => return Outcome::unknown(format!("cannot run {program}: {e}")),
    };
    let mut out = Vec::new();
    let mut err = Vec::new();
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    let read_out = async {
        if let Some(s) = stdout {
            let _ = s.take(OUTPUT_MAX).read_to_end(&mut out).await;
        }
    };
    let read_err = async {
        if let Some(s) = stderr {
            let _ = s.take(OUTPUT_MAX).read_to_end(&mut err).await;
        }
    };
    let ((), (), waited) = tokio::join!(read_out, read_err, child.wait());
    let status = match waited {
        Ok(s) => s,
        Err(e) => return Outcome::unknown(format!("waiting for {program}: {e}")),
    };
    let said = last_line(&out)
        .or_else(|| last_line(&err))
        .unwrap_or_default();
    let said = if said.is_empty() {
        String::new()
    } else {
        format!(": {said}")
    };
    let (verdict, value) = match status.code() {
        Some(0) => (Status::Ok, "exit 0"),
        Some(1) => (Status::Warn, "exit 1"),
        Some(2) => (Status::Critical, "exit 2"),
        Some(_) | None => (Status::Unknown, ""),
    };
    let value = if value.is_empty() {
        status.to_string()
    } else {
        value.to_string()
    };
    Outcome::new(verdict, value, format!("{program} {status}{said}"))
}

fn last_line(bytes: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(bytes);
    let line = text.lines().rev().find(|l| !l.trim().is_empty())?;
    let masked = firebreak_core::detection::mask_secrets(line.trim());
    Some(crate::output::clip(&crate::output::inert(&masked), 200))
}
