//! `evidence capture`: a command's standard output and standard error as evidence, run by the
//! same runner as runbook steps (own process group, timeout, Ctrl-C passed on). The command line
//! reaches the shell as positional parameters of `exec "$@"`, never as shell text.

use std::io::Write as _;
use std::time::Duration;

use anyhow::Context as _;
use firebreak_core::blob::BlobStore;
use firebreak_core::evidence::{Collected, ItemKind, Origin};

use crate::runner::interrupt::Interrupts;
use crate::runner::shell::{self, Exit};

/// What a capture produced: two items (stdout, stderr) and how the command ended.
pub struct Capture {
    /// The stdout and stderr items.
    pub items: Vec<Collected>,
    /// How the command ended.
    pub exit: Exit,
}

/// Runs `argv`, streaming its output to the terminal, and stores both streams.
pub fn capture(
    argv: &[String],
    timeout: Duration,
    store: &BlobStore,
    host: &str,
) -> anyhow::Result<Capture> {
    let interrupts = Interrupts::install().context("cannot watch for Ctrl-C")?;
    let outcome = interrupts
        .during(|cancel| {
            let step = shell::Step {
                script: "exec \"$@\"",
                args: argv,
                stdin: None,
                env: &[],
                cwd: None,
                timeout,
                cancel: Some(cancel),
            };
            shell::run(&step, &mut |stream, chunk| {
                let _ = match stream {
                    shell::Stream::Stdout => std::io::stdout().write_all(chunk),
                    shell::Stream::Stderr => std::io::stderr().write_all(chunk),
                };
            })
        })
        .context("cannot start the command")?;
    let _ = std::io::stdout().flush();
    let exit_code = match outcome.exit {
        Exit::Code(c) => Some(c),
        _ => None,
    };
    let duration_ms = u64::try_from(outcome.duration.as_millis()).unwrap_or(u64::MAX);
    let mut items = Vec::new();
    for (stream, bytes, truncated) in [
        ("stdout", &outcome.stdout, outcome.stdout_truncated),
        ("stderr", &outcome.stderr, outcome.stderr_truncated),
    ] {
        let size = bytes.len() as u64;
        let sha256 = store
            .put(bytes)
            .context("cannot store the output as evidence")?;
        let origin = Origin {
            host: host.to_string(),
            command: Some(argv.to_vec()),
            stream: Some(stream.to_string()),
            exit_code,
            duration_ms: Some(duration_ms),
            ..Origin::default()
        };
        if truncated {
            eprintln!(
                "firebreak: the command's {stream} went past {} MiB; only the start was kept (write large output to a file and `evidence add` it)",
                shell::CAPTURE_LIMIT >> 20
            );
        }
        items.push(Collected {
            kind: ItemKind::Command,
            sha256,
            size,
            origin,
            changed_while_reading: false,
        });
    }
    Ok(Capture {
        items,
        exit: outcome.exit,
    })
}
