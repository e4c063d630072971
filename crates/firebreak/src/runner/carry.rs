//! Variables that outlive their step, as they would in one shell session: what a step assigns
//! (`NODE=$(…)`, `export X=…`, `read -r NAME`, `for f in …`) reaches the later steps of the run
//! as environment variables.
//!
//! Each step runs in a shell of its own, so the values are handed over through files. Before the
//! step's script, [`Handover::script`] sets an `EXIT` trap that writes the value of every name
//! the step assigns to a file of that name in a private (0700) directory, followed by a marker
//! file saying the trap ran. Only the names — identifiers checked here — appear in the shell
//! text; values never do, and they come back to the next step only through its environment.
//! Values are bounded ([`VALUE_LIMIT`]); a bigger one, or one that is not UTF-8 text, is not
//! carried and the caller is told why. What is recorded or masked is the caller's business.

use std::collections::BTreeMap;
use std::io::{self, Read as _};
use std::path::Path;

/// The largest value carried to later steps; a bigger one is left behind, with a warning.
pub const VALUE_LIMIT: u64 = 64 * 1024;

/// The environment variable through which the step's shell finds the hand-over directory.
const DIR_VARIABLE: &str = "FIREBREAK_CARRY";

/// The file the trap writes last: without it, the step ended without running the trap (it
/// replaced it, or `exec`ed another program) and nothing it assigned can be trusted to be there.
const DONE_FILE: &str = ".done";

/// Names never carried: ones a shell reads its own settings from when they are in its
/// environment (so a value could change how later steps run, not just what they see), and
/// firebreak's own.
const NOT_CARRIED: &[&str] = &[
    "BASH_ENV",
    "ENV",
    "SHELLOPTS",
    "BASHOPTS",
    "PS4",
    "BASH_XTRACEFD",
    "PROMPT_COMMAND",
];

/// One step's hand-over: the names it assigns and the private directory their values land in.
pub struct Handover {
    dir: tempfile::TempDir,
    names: Vec<String>,
}

/// What a step handed over.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Carried {
    /// Name → value, for every assigned name that was set when the step ended.
    pub values: BTreeMap<String, String>,
    /// Names not carried, each with the reason.
    pub left: Vec<(String, String)>,
}

impl Handover {
    /// A hand-over for the names `step` assigns; `None` when there is nothing to carry.
    pub fn new(assigned: &[String]) -> io::Result<Option<Handover>> {
        let names: Vec<String> = assigned.iter().filter(|n| is_carried(n)).cloned().collect();
        if names.is_empty() {
            return Ok(None);
        }
        let dir = tempfile::Builder::new()
            .prefix("firebreak-carry-")
            .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700))
            .tempdir()?;
        Ok(Some(Handover { dir, names }))
    }

    /// `script` preceded (on its first line, so the shell's line numbers stay those of the
    /// runbook) by the trap that hands the values over when the shell exits, keeping its exit
    /// status.
    pub fn script(&self, script: &str) -> String {
        let mut trap = String::from("__firebreak_exit=$?; { ");
        for name in &self.names {
            // `name` is an identifier (checked in `new`), so it cannot end the single quotes
            // the trap text sits in; nothing else here holds one either.
            trap.push_str(&format!(
                "if [ -n \"${{{name}+x}}\" ]; then printf %s \"${name}\" > \"${DIR_VARIABLE}/{name}\" || :; fi; "
            ));
        }
        trap.push_str(&format!(
            ": > \"${DIR_VARIABLE}/{DONE_FILE}\" || :; }} 2>/dev/null; exit \"$__firebreak_exit\""
        ));
        format!("trap '{trap}' EXIT; {script}")
    }

    /// The environment entry that tells the trap where to write.
    pub fn env(&self) -> (String, String) {
        (
            DIR_VARIABLE.to_string(),
            self.dir.path().to_string_lossy().into_owned(),
        )
    }

    /// Reads back what the step's shell left. The directory goes when `self` is dropped.
    pub fn collect(&self) -> Carried {
        let mut carried = Carried::default();
        if !self.dir.path().join(DONE_FILE).exists() {
            for name in &self.names {
                carried.left.push((
                    name.clone(),
                    "the step ended without handing it over (it replaced firebreak's EXIT trap or ran exec)".to_string(),
                ));
            }
            return carried;
        }
        for name in &self.names {
            match read_value(&self.dir.path().join(name)) {
                Ok(Some(value)) => {
                    carried.values.insert(name.clone(), value);
                }
                Ok(None) => {}
                Err(why) => carried.left.push((name.clone(), why)),
            }
        }
        carried
    }
}

/// A value file: `None` when the variable was unset, an error saying why it is not carried.
fn read_value(path: &Path) -> Result<Option<String>, String> {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("its value could not be read back: {e}")),
    };
    let mut bytes = Vec::new();
    file.take(VALUE_LIMIT + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("its value could not be read back: {e}"))?;
    if bytes.len() as u64 > VALUE_LIMIT {
        return Err(format!(
            "its value is larger than {} KiB",
            VALUE_LIMIT / 1024
        ));
    }
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|_| "its value is not UTF-8 text".to_string())
}

/// Whether `name` may be carried: a shell identifier, not one of [`NOT_CARRIED`] and not
/// firebreak's own.
fn is_carried(name: &str) -> bool {
    let mut chars = name.chars();
    let identifier = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    identifier && !NOT_CARRIED.contains(&name) && !name.starts_with("FIREBREAK_")
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::runner::shell;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    /// Runs `script` with a hand-over for `assigned`; returns its exit and what came back.
    fn handed(assigned: &[&str], script: &str) -> (shell::Exit, Carried) {
        let handover = Handover::new(&names(assigned))
            .expect("temp dir")
            .expect("something to carry");
        let env = [handover.env()];
        let text = handover.script(script);
        let step = shell::Step {
            script: &text,
            args: &[],
            stdin: None,
            env: &env,
            cwd: None,
            timeout: Duration::from_secs(20),
            cancel: None,
        };
        let outcome = shell::run(&step, &mut |_, _| {}).expect("the step starts");
        (outcome.exit, handover.collect())
    }

    #[test]
    fn values_come_back_whatever_they_hold_and_the_exit_status_is_kept() {
        let tricky = "a b\n'\"$(touch /tmp/x)`id`\\ ;|&";
        let script = format!(
            "A=$(printf '%s' {}); export B=two; exit 3",
            sh_quote(tricky)
        );
        let (exit, carried) = handed(&["A", "B", "C"], &script);
        assert_eq!(exit, shell::Exit::Code(3));
        assert_eq!(carried.values.get("A").map(String::as_str), Some(tricky));
        assert_eq!(carried.values.get("B").map(String::as_str), Some("two"));
        assert!(
            !carried.values.contains_key("C"),
            "unset names are not carried"
        );
        assert!(carried.left.is_empty(), "{:?}", carried.left);
    }

    #[test]
    fn an_empty_value_is_carried_as_empty() {
        let (_, carried) = handed(&["E"], "E=");
        assert_eq!(carried.values.get("E").map(String::as_str), Some(""));
    }

    #[test]
    fn a_value_over_the_limit_is_left_behind_with_the_reason() {
        let (_, carried) = handed(&["BIG"], "BIG=$(head -c 70000 /dev/zero | tr '\\0' x)");
        assert!(carried.values.is_empty());
        assert_eq!(carried.left.len(), 1);
        assert!(carried.left[0].1.contains("64 KiB"), "{:?}", carried.left);
    }

    #[test]
    fn a_step_that_replaces_the_trap_is_reported_not_trusted() {
        let (_, carried) = handed(&["N"], "trap - EXIT; N=1");
        assert!(carried.values.is_empty());
        assert!(
            carried.left[0].1.contains("EXIT trap"),
            "{:?}",
            carried.left
        );
    }

    #[test]
    fn shell_settings_and_bad_names_are_never_carried() {
        assert!(
            Handover::new(&names(&["BASH_ENV", "FIREBREAK_RUN", "1X", "a-b", "x'y"]))
                .expect("no temp dir needed")
                .is_none()
        );
    }

    fn sh_quote(s: &str) -> String {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}
