//! `process`: whether a process runs, found by name in /proc or by the PID in a pidfile.

use std::path::Path;

use firebreak_core::check::{Outcome, Status};
use firebreak_core::snapshot;

/// Checks for the process named `name`, or the one whose PID `pidfile` holds.
pub fn probe(name: Option<&str>, pidfile: Option<&Path>) -> Outcome {
    let proc_root = Path::new("/proc");
    if let Some(name) = name {
        return match snapshot::named(proc_root, name) {
            Ok(pids) if pids.is_empty() => Outcome::new(
                Status::Critical,
                "not running",
                format!("no process named {name}"),
            ),
            Ok(pids) => {
                let shown: Vec<String> = pids.iter().take(5).map(ToString::to_string).collect();
                Outcome::new(
                    Status::Ok,
                    format!("{} running", pids.len()),
                    format!("{name} runs as PID {}", shown.join(", ")),
                )
            }
            Err(e) => Outcome::unknown(format!("cannot list processes: {e}")),
        };
    }
    let Some(file) = pidfile else {
        return Outcome::unknown("no process name or pidfile configured");
    };
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        // A missing pidfile is how most daemons say they are not running.
        Err(e) => {
            return Outcome::new(
                Status::Critical,
                "no pidfile",
                format!("{}: {e}", file.display()),
            );
        }
    };
    let Ok(pid) = text.trim().parse::<u32>() else {
        return Outcome::unknown(format!("{}: does not hold a PID", file.display()));
    };
    if snapshot::alive(proc_root, pid) {
        Outcome::new(
            Status::Ok,
            "running",
            format!("PID {pid} from {} is running", file.display()),
        )
    } else {
        Outcome::new(
            Status::Critical,
            "not running",
            format!("PID {pid} from {} is not running", file.display()),
        )
    }
}
