//! Runs one shell step: a script under `bash --noprofile --norc` (or `sh` where there is no
//! bash) in a process group of its own, with parameters added to its environment, optional
//! bytes on stdin, a timeout, and its stdout and stderr both streamed to the caller as they
//! arrive and captured up to [`CAPTURE_LIMIT`]. Masking secrets is [`super::mask`]'s job, and
//! choosing what to run is the caller's.
//!
//! [`attached`] runs a step the other way, for commands that take over a terminal (`ssh host`,
//! `vim`, `tail -f`): in firebreak's own process group, with the terminal as its stdin, stdout
//! and stderr, nothing captured and no timeout — the person at the terminal ends it, and the
//! terminal's Ctrl-C reaches it directly.
//!
//! Every way a captured step can misbehave ends in bounded time. A step that outlives its timeout is
//! killed with its whole process group, so its children die too. Background processes that keep
//! the output pipes open after the shell has exited get [`PIPE_GRACE`] to close them, then the
//! group is killed; ones that closed or redirected their output are left running, as a shell
//! would leave them. A process that leaves the group (`setsid`) is out of reach: it is not
//! killed, and the thread reading a pipe it holds lingers until it closes it, but `run` returns
//! regardless.

use std::io::{self, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{ChildStdin, Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, SyncSender};
use std::thread;
use std::time::{Duration, Instant};

use rustix::process::{Pid, Signal};

/// How much of each stream [`run`] keeps in the [`Outcome`]; what follows still reaches `live`.
pub const CAPTURE_LIMIT: usize = 16 << 20;

/// How long the pipes may stay open after the shell has exited or been killed, before the group
/// is killed and the rest of the output given up.
pub const PIPE_GRACE: Duration = Duration::from_millis(200);

/// How long an interrupted step has to end after SIGINT before its group is killed.
pub const INTERRUPT_GRACE: Duration = Duration::from_secs(2);

/// How often a waiting run looks at the cancel flag (only when one is given).
const CANCEL_POLL: Duration = Duration::from_millis(50);

/// The name the script sees as `$0`.
const STEP_NAME: &str = "firebreak-step";

/// Size of one read from a pipe, and so of the largest chunk `live` is given.
const READ_SIZE: usize = 64 * 1024;

/// Chunks in flight from the reader threads. When `live` is slower than the step, the step
/// blocks on its full pipe instead of firebreak's memory growing.
const IN_FLIGHT: usize = 16;

/// One shell step to run. Deliberately not `Debug`: its parameters may be secrets.
pub struct Step<'a> {
    /// Shell text, run as `bash --noprofile --norc -c <script> firebreak-step [ARGS…]`.
    pub script: &'a str,
    /// Positional parameters (`$1`, `$2`, … in the script): how `evidence capture` hands a
    /// command line to `exec "$@"` without ever turning it into shell text.
    pub args: &'a [String],
    /// Bytes for the step's stdin; `None` gives it `/dev/null`.
    pub stdin: Option<&'a [u8]>,
    /// Parameters, added to the inherited environment. Values reach the step only this way,
    /// never through the script text, so no value can change what the script does.
    pub env: &'a [(String, String)],
    /// Working directory; `None` keeps firebreak's.
    pub cwd: Option<&'a Path>,
    /// How long the step may run before its process group is killed.
    pub timeout: Duration,
    /// Set (by a signal handler) when the responder interrupts: the step's group gets SIGINT,
    /// then SIGKILL if it has not ended within [`INTERRUPT_GRACE`].
    pub cancel: Option<&'a AtomicBool>,
}

/// Which of the step's output streams a chunk came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

/// How a step ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// The shell exited with this code.
    Code(i32),
    /// The shell was killed by this signal.
    Signal(i32),
    /// The step ran past its timeout and its process group was killed.
    TimedOut,
    /// The responder interrupted it (Ctrl-C or SIGTERM to firebreak).
    Interrupted,
}

impl Exit {
    /// Whether the step succeeded: exit code 0.
    pub fn success(&self) -> bool {
        matches!(self, Exit::Code(0))
    }
}

/// What a finished step produced.
#[derive(Debug)]
pub struct Outcome {
    /// How it ended.
    pub exit: Exit,
    /// Standard output, at most [`CAPTURE_LIMIT`] bytes.
    pub stdout: Vec<u8>,
    /// Standard error, at most [`CAPTURE_LIMIT`] bytes.
    pub stderr: Vec<u8>,
    /// Whether standard output went past [`CAPTURE_LIMIT`] and was cut.
    pub stdout_truncated: bool,
    /// Whether standard error went past [`CAPTURE_LIMIT`] and was cut.
    pub stderr_truncated: bool,
    /// Wall-clock time from spawning the shell to the end of the step.
    pub duration: Duration,
}

/// Runs `step` to its end, passing every chunk of output to `live` (on the calling thread, in
/// the order the chunks arrived) as well as capturing it.
///
/// Fails only when the step cannot be started: an environment name that is empty or holds `=`
/// or NUL, a value holding NUL, a missing working directory, or no resources for a process or
/// thread. How the step itself ended, including a timeout, is in [`Outcome::exit`]. If `live`
/// panics, the step's process group is killed before the panic goes on.
pub fn run(step: &Step<'_>, live: &mut dyn FnMut(Stream, &[u8])) -> io::Result<Outcome> {
    run_capped(step, live, CAPTURE_LIMIT)
}

/// What the helper threads tell [`run_capped`].
enum Event {
    Output(Stream, Vec<u8>),
    Closed,
    Exited(io::Result<ExitStatus>),
}

fn run_capped(
    step: &Step<'_>,
    live: &mut dyn FnMut(Stream, &[u8]),
    limit: usize,
) -> io::Result<Outcome> {
    let mut command = command(step)?;
    command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let started = Instant::now();
    let mut child = command.spawn()?;
    let group = GroupKiller(Pid::from_child(&child));
    let (events, received) = mpsc::sync_channel(IN_FLIGHT);
    let (stdin_pipe, stdout_pipe, stderr_pipe) =
        (child.stdin.take(), child.stdout.take(), child.stderr.take());

    // If a thread cannot be started, `group` kills the step on the way out; the waiter, once
    // started, reaps it.
    let waiter = events.clone();
    spawn_thread("firebreak-step-wait", move || {
        let _ = waiter.send(Event::Exited(child.wait()));
    })?;
    if let Some(pipe) = stdout_pipe {
        let events = events.clone();
        spawn_thread("firebreak-step-stdout", move || {
            read_pipe(Stream::Stdout, pipe, &events)
        })?;
    }
    if let Some(pipe) = stderr_pipe {
        let events = events.clone();
        spawn_thread("firebreak-step-stderr", move || {
            read_pipe(Stream::Stderr, pipe, &events)
        })?;
    }
    if let (Some(pipe), Some(input)) = (stdin_pipe, step.stdin) {
        let input = input.to_vec();
        spawn_thread("firebreak-step-stdin", move || feed(pipe, &input))?;
    }
    drop(events);

    let (mut stdout, mut stderr) = (Capture::new(limit), Capture::new(limit));
    let mut open_pipes = 2;
    let mut status = None;
    let mut timed_out = false;
    let mut interrupted = false;
    // A timeout too large to add is as good as none.
    let mut deadline = started
        .checked_add(step.timeout)
        .unwrap_or_else(|| started + Duration::from_secs(365 * 24 * 3600));
    // Bounded in time: every pass either takes an event or finds `deadline` passed, and after
    // the first deadline only `PIPE_GRACE` more is given.
    loop {
        if status.is_some() && open_pipes == 0 {
            group.forget();
            break;
        }
        let now = Instant::now();
        if now >= deadline {
            if status.is_none() && !timed_out {
                timed_out = !interrupted;
                group.kill();
                deadline = now + PIPE_GRACE;
                continue;
            }
            group.kill();
            break;
        }
        if !interrupted && step.cancel.is_some_and(|c| c.load(Ordering::SeqCst)) {
            interrupted = true;
            group.signal(Signal::INT);
            deadline = deadline.min(now + INTERRUPT_GRACE);
        }
        let wait = if step.cancel.is_some() {
            (deadline - now).min(CANCEL_POLL)
        } else {
            deadline - now
        };
        match received.recv_timeout(wait) {
            Ok(Event::Output(stream, chunk)) => {
                live(stream, &chunk);
                match stream {
                    Stream::Stdout => stdout.push(&chunk),
                    Stream::Stderr => stderr.push(&chunk),
                }
            }
            Ok(Event::Closed) => open_pipes -= 1,
            Ok(Event::Exited(result)) => {
                status = Some(result);
                deadline = deadline.min(Instant::now() + PIPE_GRACE);
            }
            Err(RecvTimeoutError::Timeout) => {}
            // Every sender's last message has been taken, so nothing more can come.
            Err(RecvTimeoutError::Disconnected) => break,
        }
    }

    let exit = match (timed_out, status) {
        _ if interrupted => Exit::Interrupted,
        (true, _) => Exit::TimedOut,
        (false, Some(Ok(status))) => exit_of(status),
        (false, Some(Err(err))) => return Err(err),
        (false, None) => return Err(io::Error::other("the step ended without an exit status")),
    };
    Ok(Outcome {
        exit,
        stdout_truncated: stdout.truncated,
        stdout: stdout.bytes,
        stderr_truncated: stderr.truncated,
        stderr: stderr.bytes,
        duration: started.elapsed(),
    })
}

/// The shell for `step`: script, arguments, environment, working directory and stdin. Where
/// its output goes and which process group it joins are the caller's choice.
fn command(step: &Step<'_>) -> io::Result<Command> {
    let shell = shell();
    let mut command = Command::new(&shell.path);
    if shell.is_bash {
        command.args(["--noprofile", "--norc"]);
    }
    command
        .arg("-c")
        .arg(step.script)
        .arg(STEP_NAME)
        .args(step.args);
    for (name, value) in step.env {
        // A `=` in a name would let one parameter set another variable's value.
        if name.is_empty() || name.contains(['=', '\0']) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{name:?} is not a usable environment variable name"),
            ));
        }
        command.env(name, value);
    }
    if let Some(dir) = step.cwd {
        command.current_dir(dir);
    }
    let stdin = if step.stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    };
    command.stdin(stdin);
    Ok(command)
}

/// How an attached step ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attached {
    /// How the shell ended ([`Exit::Interrupted`] when `cancel` was set while it ran, which
    /// is how a responder usually ends `tail -f`).
    pub exit: Exit,
    /// Wall-clock time from spawning the shell to its end.
    pub duration: Duration,
}

/// Runs `step` attached to firebreak's terminal and waits for it to end, however long that
/// takes: `step.timeout` does not apply. Its stdin is the terminal unless `step.stdin` gives
/// bytes. `step.cancel` is only read after it ended: the terminal's Ctrl-C reaches the step
/// itself, and a SIGTERM sent to firebreak alone waits for the step to end.
pub fn attached(step: &Step<'_>) -> io::Result<Attached> {
    let mut command = command(step)?;
    if step.stdin.is_none() {
        command.stdin(Stdio::inherit());
    }
    let started = Instant::now();
    let mut child = command.spawn()?;
    if let (Some(pipe), Some(input)) = (child.stdin.take(), step.stdin) {
        let input = input.to_vec();
        spawn_thread("firebreak-step-stdin", move || feed(pipe, &input))?;
    }
    let status = child.wait()?;
    let exit = if step.cancel.is_some_and(|c| c.load(Ordering::SeqCst)) {
        Exit::Interrupted
    } else {
        exit_of(status)
    };
    Ok(Attached {
        exit,
        duration: started.elapsed(),
    })
}

/// The shell steps run under, found once.
struct Shell {
    path: PathBuf,
    is_bash: bool,
}

fn shell() -> &'static Shell {
    static SHELL: OnceLock<Shell> = OnceLock::new();
    SHELL.get_or_init(|| match find_on_path("bash") {
        Some(path) => Shell {
            path,
            is_bash: true,
        },
        None => Shell {
            path: find_on_path("sh").unwrap_or_else(|| PathBuf::from("/bin/sh")),
            is_bash: false,
        },
    })
}

/// The first executable `name` in an absolute directory on `PATH`. Relative entries (`.`, or
/// an empty one) are skipped: they would pick a shell from whatever directory firebreak was
/// started in.
fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .filter(|dir| dir.is_absolute())
        .map(|dir| dir.join(name))
        .find(|candidate| {
            std::fs::metadata(candidate)
                .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
        })
}

fn spawn_thread(name: &str, body: impl FnOnce() + Send + 'static) -> io::Result<()> {
    // Not joined: a reader may wait on a pipe held by a process that escaped the group.
    thread::Builder::new().name(name.to_owned()).spawn(body)?;
    Ok(())
}

/// Sends the pipe's chunks, then `Closed`. Ends at end of file (which killing the group brings
/// about), on a read error, or once `run` has stopped listening.
fn read_pipe(stream: Stream, mut pipe: impl Read, events: &SyncSender<Event>) {
    let mut buf = vec![0; READ_SIZE];
    loop {
        match pipe.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                if events
                    .send(Event::Output(stream, buf[..n].to_vec()))
                    .is_err()
                {
                    return;
                }
            }
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    let _ = events.send(Event::Closed);
}

fn feed(mut pipe: ChildStdin, input: &[u8]) {
    // A step may exit without reading all its input; the broken pipe that follows is not an
    // error of the step's.
    let _ = pipe.write_all(input);
}

fn exit_of(status: ExitStatus) -> Exit {
    match status.code() {
        Some(code) => Exit::Code(code),
        // `wait` reports only exits and deaths, so without a code there is a signal.
        None => Exit::Signal(status.signal().unwrap_or_default()),
    }
}

/// One stream's captured bytes, cut at a limit.
struct Capture {
    bytes: Vec<u8>,
    truncated: bool,
    limit: usize,
}

impl Capture {
    fn new(limit: usize) -> Self {
        Self {
            bytes: Vec::new(),
            truncated: false,
            limit,
        }
    }

    fn push(&mut self, chunk: &[u8]) {
        let room = self.limit - self.bytes.len();
        if chunk.len() > room {
            self.truncated = true;
        }
        self.bytes
            .extend_from_slice(&chunk[..chunk.len().min(room)]);
    }
}

/// Kills the step's process group when dropped, unless told the step ended on its own: so an
/// early return or a panic in `live` does not leave the step running.
struct GroupKiller(Pid);

impl GroupKiller {
    fn signal(&self, signal: Signal) {
        let _ = rustix::process::kill_process_group(self.0, signal);
    }

    fn kill(&self) {
        // Fails only when nothing is left in the group, which is what killing is for.
        let _ = rustix::process::kill_process_group(self.0, Signal::KILL);
    }

    fn forget(self) {
        std::mem::forget(self);
    }
}

impl Drop for GroupKiller {
    fn drop(&mut self) {
        self.kill();
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn step(script: &str) -> Step<'_> {
        Step {
            script,
            args: &[],
            stdin: None,
            env: &[],
            cwd: None,
            timeout: Duration::from_secs(20),
            cancel: None,
        }
    }

    fn quiet(step: &Step<'_>) -> Outcome {
        run(step, &mut |_, _| {}).expect("the step starts")
    }

    /// Whether `pid` has gone: no such process, or only a zombie waiting for init to reap it.
    fn is_gone(pid: &str) -> bool {
        match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            Err(_) => true,
            Ok(stat) => stat
                .rsplit_once(')')
                .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
        }
    }

    fn wait_until_gone(pid: &str) -> bool {
        let until = Instant::now() + Duration::from_secs(2);
        while Instant::now() < until {
            if is_gone(pid) {
                return true;
            }
            thread::sleep(Duration::from_millis(10));
        }
        is_gone(pid)
    }

    fn read_pid(dir: &Path) -> String {
        let pid = std::fs::read_to_string(dir.join("pidfile")).expect("the step wrote its pid");
        let pid = pid.trim().to_owned();
        assert!(pid.parse::<u32>().is_ok(), "{pid:?}");
        pid
    }

    #[test]
    fn captures_stdout_stderr_and_exit_code() {
        let outcome = quiet(&step("printf out; printf err >&2; exit 3"));
        assert_eq!(outcome.exit, Exit::Code(3));
        assert!(!outcome.exit.success());
        assert_eq!(outcome.stdout, b"out");
        assert_eq!(outcome.stderr, b"err");
        assert!(!outcome.stdout_truncated && !outcome.stderr_truncated);
        assert!(quiet(&step("true")).exit.success());
    }

    #[test]
    fn a_step_killed_by_a_signal_says_which() {
        assert_eq!(quiet(&step("kill -9 $$")).exit, Exit::Signal(9));
    }

    #[test]
    fn the_script_is_named_firebreak_step_and_runs_in_cwd() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut step = step(r#"printf '%s %s' "$0" "$PWD""#);
        step.cwd = Some(dir.path());
        let outcome = quiet(&step);
        let expected = format!("firebreak-step {}", dir.path().display());
        assert_eq!(String::from_utf8_lossy(&outcome.stdout), expected);
    }

    #[test]
    fn parameter_values_are_inert() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("x"), "keep").expect("write x");
        let hostile = [
            r#"; rm -rf "$TMP"/x"#,
            "$(touch pwned)",
            "`touch pwned`",
            "a\nb; touch pwned",
            r#"'"; touch pwned; "'"#,
            "*",
            "--help",
        ];
        for value in hostile {
            let env = [
                ("VALUE".to_owned(), value.to_owned()),
                ("TMP".to_owned(), dir.path().display().to_string()),
            ];
            let step = Step {
                env: &env,
                cwd: Some(dir.path()),
                ..step(r#"printf '%s\n' "$VALUE""#)
            };
            let outcome = quiet(&step);
            assert_eq!(outcome.exit, Exit::Code(0), "{value:?}");
            assert_eq!(outcome.stdout, format!("{value}\n").as_bytes(), "{value:?}");
            assert!(
                !dir.path().join("pwned").exists(),
                "{value:?} ran a command"
            );
            assert!(dir.path().join("x").exists(), "{value:?} removed a file");
        }
    }

    #[test]
    fn environment_names_that_could_set_another_variable_are_refused() {
        for name in ["", "A=B", "A\0B"] {
            let env = [(name.to_owned(), "value".to_owned())];
            let step = Step {
                env: &env,
                ..step("true")
            };
            let err = run(&step, &mut |_, _| {}).expect_err(name);
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        }
    }

    #[test]
    fn a_timeout_kills_grandchildren() {
        let dir = tempfile::tempdir().expect("tempdir");
        let step = Step {
            cwd: Some(dir.path()),
            timeout: Duration::from_millis(300),
            cancel: None,
            ..step("sh -c 'sleep 30 & echo $! > pidfile; wait'; echo unreachable")
        };
        let outcome = quiet(&step);
        assert_eq!(outcome.exit, Exit::TimedOut);
        assert!(outcome.duration < Duration::from_secs(5), "{outcome:?}");
        assert!(outcome.stdout.is_empty());
        let pid = read_pid(dir.path());
        assert!(wait_until_gone(&pid), "sleep {pid} outlived the timeout");
    }

    #[test]
    fn a_step_flooding_its_output_still_times_out() {
        let step = Step {
            timeout: Duration::from_millis(300),
            cancel: None,
            ..step("yes")
        };
        let outcome = run_capped(&step, &mut |_, _| {}, 1024).expect("the step starts");
        assert_eq!(outcome.exit, Exit::TimedOut);
        assert!(outcome.stdout_truncated);
        assert!(outcome.duration < Duration::from_secs(5), "{outcome:?}");
    }

    #[test]
    fn a_panic_in_live_kills_the_step() {
        let dir = tempfile::tempdir().expect("tempdir");
        let step = Step {
            cwd: Some(dir.path()),
            ..step("sleep 30 & echo $! > pidfile; echo started; wait")
        };
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            run(&step, &mut |_, _| panic!("live failed"))
        }));
        assert!(panicked.is_err());
        let pid = read_pid(dir.path());
        assert!(wait_until_gone(&pid), "sleep {pid} outlived the panic");
    }

    #[test]
    fn a_background_process_holding_the_pipes_does_not_hang_the_step() {
        let dir = tempfile::tempdir().expect("tempdir");
        let step = Step {
            cwd: Some(dir.path()),
            ..step("sleep 30 & echo $! > pidfile; echo started")
        };
        let outcome = quiet(&step);
        assert_eq!(outcome.exit, Exit::Code(0));
        assert_eq!(outcome.stdout, b"started\n");
        assert!(outcome.duration < Duration::from_secs(3), "{outcome:?}");
        let pid = read_pid(dir.path());
        assert!(wait_until_gone(&pid), "sleep {pid} still holds the pipes");
    }

    #[test]
    fn stdin_is_fed_and_defaults_to_empty() {
        let step_with = |input| Step {
            stdin: input,
            ..step("cat")
        };
        assert_eq!(
            quiet(&step_with(Some(b"hello\nworld\n"))).stdout,
            b"hello\nworld\n"
        );
        assert_eq!(quiet(&step_with(None)).stdout, b"");
        // More than a pipe holds, so feeding and reading must overlap.
        let big = vec![b'x'; 1 << 20];
        assert_eq!(quiet(&step_with(Some(&big))).stdout, big);
        let unread = Step {
            stdin: Some(&big),
            ..step("exit 0")
        };
        assert_eq!(quiet(&unread).exit, Exit::Code(0));
    }

    #[test]
    fn stdout_and_stderr_are_read_together() {
        // Each stream gets more than a pipe holds; reading one to its end first would deadlock.
        let outcome = quiet(&step(
            "head -c 300000 /dev/zero >&2; head -c 300000 /dev/zero; head -c 300000 /dev/zero >&2",
        ));
        assert_eq!(outcome.exit, Exit::Code(0));
        assert_eq!(
            (outcome.stdout.len(), outcome.stderr.len()),
            (300_000, 600_000)
        );
    }

    #[test]
    fn live_receives_output_as_it_arrives() {
        let mut seen: Vec<(Stream, Vec<u8>)> = Vec::new();
        let mut live = |stream, chunk: &[u8]| match seen.last_mut() {
            Some((last, bytes)) if *last == stream => bytes.extend_from_slice(chunk),
            _ => seen.push((stream, chunk.to_vec())),
        };
        let script = "printf a; sleep 0.1; printf b >&2; sleep 0.1; printf c";
        let outcome = run(&step(script), &mut live).expect("the step starts");
        assert_eq!(outcome.exit, Exit::Code(0));
        assert_eq!(
            seen,
            [
                (Stream::Stdout, b"a".to_vec()),
                (Stream::Stderr, b"b".to_vec()),
                (Stream::Stdout, b"c".to_vec()),
            ]
        );
    }

    #[test]
    fn output_past_the_limit_is_cut_but_still_streamed() {
        let mut streamed = 0;
        let outcome = run_capped(
            &step("printf '%0100d' 0; printf err >&2"),
            &mut |stream, chunk| {
                if stream == Stream::Stdout {
                    streamed += chunk.len();
                }
            },
            10,
        )
        .expect("the step starts");
        assert_eq!(streamed, 100);
        assert_eq!(outcome.stdout, b"0000000000");
        assert!(outcome.stdout_truncated);
        assert_eq!(outcome.stderr, b"err");
        assert!(!outcome.stderr_truncated);
    }
}
