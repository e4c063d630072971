//! Asking the responder during a run: how much confirmation each step needs, and reading the
//! answers — from a terminal or a pipe, so a run can be scripted. When no answer can be read
//! the run stops (recorded, resumable) rather than guessing.

use std::io::{BufRead as _, Write as _};

use firebreak_core::runbook::{Safety, Step};

use super::plan::Plan;

/// How many unusable answers are tolerated before the run stops.
const ATTEMPTS: usize = 5;

/// Reads answers to questions from standard input.
pub struct Answers {
    lines: std::io::Lines<std::io::StdinLock<'static>>,
}

impl Answers {
    /// Answers from standard input.
    pub fn stdin() -> Self {
        Answers {
            lines: std::io::stdin().lock().lines(),
        }
    }

    /// Asks `question` on standard error; `None` when there is no one to answer.
    fn ask(&mut self, question: &str) -> Option<String> {
        let mut err = std::io::stderr();
        let _ = write!(err, "{question}");
        let _ = err.flush();
        match self.lines.next() {
            Some(Ok(line)) => Some(line.trim().to_ascii_lowercase()),
            _ => {
                let _ = writeln!(err);
                None
            }
        }
    }
}

/// What the responder decided for a step.
pub enum Decision {
    /// Run it (or, for a manual step, it is done).
    Run,
    /// Skip it and go on.
    Skip,
    /// Stop the run, for this reason.
    Quit(String),
}

/// How much asking a step needs: read-only steps run with `--yes` (as do evidence steps that
/// only write into the evidence directory), other mutating steps are always asked, destructive
/// steps need their number typed unless `--allow-destructive`. An interactive step is always
/// asked, whatever its class: no flag runs it unattended.
pub fn confirm(plan: &Plan<'_>, answers: &mut Answers, step: &Step) -> Decision {
    match step.safety {
        _ if step.interactive => {}
        Safety::ReadOnly if plan.yes => return Decision::Run,
        Safety::Mutating if plan.yes && step.runs_unasked_as_evidence() => return Decision::Run,
        Safety::Destructive if plan.allow_destructive => return Decision::Run,
        _ => {}
    }
    let n = step.number.to_string();
    let (question, yes): (String, &[&str]) = match step.safety {
        Safety::Destructive => (
            format!("   step {n} is DESTRUCTIVE. Type {n} to run it, s to skip, q to quit: "),
            &[n.as_str()],
        ),
        other if step.interactive => (
            format!(
                "   run this {other} step attached to your terminal (end it yourself)? [y]es / [s]kip / [q]uit: "
            ),
            &["y", "yes"],
        ),
        other => (
            format!("   run this {other} step? [y]es / [s]kip / [q]uit: "),
            &["y", "yes"],
        ),
    };
    let hint = if step.safety == Safety::ReadOnly {
        " (use --yes for read-only steps)"
    } else {
        ""
    };
    let unanswered = format!(
        "step {n} is {} and needs a confirmation, but no answer could be read{hint}",
        step.safety
    );
    choose(answers, step.number, &question, yes, unanswered)
}

/// Asks whether to take a snapshot before a destructive step. Yes is the default (an empty
/// answer), and so is no answer at all: keeping evidence is the safe side.
pub fn snapshot_first(answers: &mut Answers) -> bool {
    for _ in 0..ATTEMPTS {
        let Some(answer) = answers.ask("   take a volatile-state snapshot first? [Y/n]: ") else {
            return true;
        };
        match answer.as_str() {
            "" | "y" | "yes" => return true,
            "n" | "no" => return false,
            _ => {}
        }
    }
    true
}

/// Asks whether a manual step or checklist item is done.
pub fn ask_done(answers: &mut Answers, step: &Step) -> Decision {
    let unanswered = format!(
        "step {} is a manual step and needs a confirmation, but no answer could be read",
        step.number
    );
    choose(
        answers,
        step.number,
        "   done? [y]es / [s]kip / [q]uit: ",
        &["y", "yes"],
        unanswered,
    )
}

/// The one question loop: `yes` answers run, `s` skips, `q` quits; anything else asks again.
fn choose(
    answers: &mut Answers,
    number: usize,
    question: &str,
    yes: &[&str],
    unanswered: String,
) -> Decision {
    for _ in 0..ATTEMPTS {
        let Some(answer) = answers.ask(question) else {
            return Decision::Quit(unanswered);
        };
        match answer.as_str() {
            a if yes.contains(&a) => return Decision::Run,
            "s" | "skip" => return Decision::Skip,
            "q" | "quit" => return Decision::Quit(format!("stopped at step {number} as asked")),
            _ => {}
        }
    }
    Decision::Quit(format!(
        "no usable answer for step {number} after {ATTEMPTS} tries"
    ))
}
