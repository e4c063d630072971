//! The safety classifier against a corpus of real-world-shaped command lines
//! (`tests/data/commands.tsv`: `CLASS<TAB>COMMAND[<TAB>interactive]`, written by us from the
//! shapes found in public runbook collections). The rule that must hold is the fail-safe one:
//! no command that changes anything is judged read-only, because `--yes` runs read-only steps
//! unasked. The confusion table is printed (`cargo test -p firebreak-core --test parser corpus
//! -- --nocapture`), with every disagreement, so a change to `commands.toml` shows its effect.

use std::fmt::Write as _;

use firebreak_core::runbook::{Commands, Safety, judge};

/// The least share of lines whose class must match exactly: the classifier may be more
/// cautious than the corpus on a few borderline lines, but not often.
const AGREEMENT: f64 = 0.93;

struct Line {
    number: usize,
    class: Safety,
    interactive: bool,
    command: String,
}

fn corpus() -> Vec<Line> {
    let text = include_str!("../data/commands.tsv");
    let mut lines = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let number = i + 1;
        if raw.trim().is_empty() || raw.starts_with('#') {
            continue;
        }
        let mut fields = raw.split('\t');
        let class = fields.next().and_then(Safety::parse).unwrap_or_else(|| {
            panic!("commands.tsv:{number}: the first field must be a class: {raw:?}")
        });
        let command = fields
            .next()
            .filter(|c| !c.trim().is_empty())
            .unwrap_or_else(|| panic!("commands.tsv:{number}: no command: {raw:?}"));
        let interactive = match fields.next() {
            None | Some("") => false,
            Some("interactive") => true,
            Some(other) => {
                panic!("commands.tsv:{number}: third field {other:?} is not `interactive`")
            }
        };
        lines.push(Line {
            number,
            class,
            interactive,
            command: command.to_string(),
        });
    }
    lines
}

#[test]
fn no_changing_command_is_judged_read_only() {
    let lines = corpus();
    assert!(
        lines.len() >= 400,
        "the corpus has only {} lines",
        lines.len()
    );
    let classes = [Safety::ReadOnly, Safety::Mutating, Safety::Destructive];
    let mut table = [[0usize; 3]; 3];
    let mut report = String::new();
    let mut fail_open = Vec::new();
    let mut agree = 0;
    let (mut missed_terminal, mut extra_terminal) = (Vec::new(), 0);
    for line in &lines {
        let j = judge(&line.command, None, Commands::shipped());
        let row = classes.iter().position(|c| *c == line.class).unwrap_or(0);
        let col = classes.iter().position(|c| *c == j.safety).unwrap_or(0);
        table[row][col] += 1;
        if j.safety == line.class {
            agree += 1;
        } else {
            let _ = writeln!(
                report,
                "  {:>4}  expected {:<11} got {:<11} {}\n        why: {}",
                line.number, line.class, j.safety, line.command, j.reason
            );
        }
        if line.class != Safety::ReadOnly && j.safety == Safety::ReadOnly {
            fail_open.push(format!("line {}: {}", line.number, line.command));
        }
        if line.interactive && !j.interactive {
            missed_terminal.push(format!("line {}: {}", line.number, line.command));
        }
        if !line.interactive && j.interactive {
            extra_terminal += 1;
        }
    }
    let mut out = format!(
        "classifier corpus: {} lines, {} agree ({:.1} %)\n\n  expected \\ judged   read-only   mutating   destructive\n",
        lines.len(),
        agree,
        100.0 * agree as f64 / lines.len() as f64
    );
    for (row, class) in classes.iter().enumerate() {
        let _ = writeln!(
            out,
            "  {:<18} {:>9} {:>10} {:>13}",
            class.as_str(),
            table[row][0],
            table[row][1],
            table[row][2]
        );
    }
    let _ = writeln!(
        out,
        "\n  interactive: {} expected and missed, {} judged interactive but not expected",
        missed_terminal.len(),
        extra_terminal
    );
    println!("{out}\ndisagreements:\n{report}");
    assert!(
        fail_open.is_empty(),
        "changing commands judged read-only (so --yes would run them unasked):\n{}",
        fail_open.join("\n")
    );
    assert!(
        missed_terminal.is_empty(),
        "interactive commands not recognised (a run would hang on them):\n{}",
        missed_terminal.join("\n")
    );
    let share = agree as f64 / lines.len() as f64;
    assert!(
        share >= AGREEMENT,
        "only {:.1} % of the corpus is judged exactly as expected (at least {:.0} % must be)",
        100.0 * share,
        100.0 * AGREEMENT
    );
}
