//! The undo of a step, where firebreak knows it: a step that runs `firebreak block …` is undone
//! by `firebreak unblock` of the same targets (through the same backend, with the same global
//! options), so the runner can show it before asking. Steps whose undo is not known get none —
//! the runner never invents one.

use super::script::{self, Token};

/// Options of `firebreak` itself that take a value (kept in the undo: they choose the data).
const GLOBAL_WITH_VALUE: [&str; 3] = ["--data-dir", "--config", "--database"];
/// Options of `block` that take a value.
const BLOCK_WITH_VALUE: [&str; 6] = [
    "--incident",
    "--reason",
    "--ttl",
    "--via",
    "--top",
    "--from-finding",
];

/// The commands that undo what `body` changes, one per `firebreak block` in it, as shell text
/// (the targets' words exactly as written, so `"$ATTACKER_IP"` stays a parameter). Empty when
/// none is known.
pub fn undo(body: &str) -> Vec<String> {
    let lexed = script::lex(body);
    script::simple_commands(&lexed.tokens)
        .into_iter()
        .filter_map(|command| undo_block(body, command))
        .collect()
}

fn undo_block(body: &str, command: &[Token]) -> Option<String> {
    let words: Vec<(&str, &str)> = command
        .iter()
        .filter_map(|t| match t {
            Token::Word { raw, cooked } => Some((cooked.as_str(), body.get(raw.clone())?)),
            _ => None,
        })
        .collect();
    let start = words
        .iter()
        .position(|(w, _)| *w == "firebreak" || w.ends_with("/firebreak"))?;
    // Only as the program, perhaps behind sudo or variable assignments.
    let wrapped = words[..start].iter().all(|(w, _)| {
        matches!(*w, "sudo" | "doas" | "env" | "command" | "exec")
            || w.starts_with('-')
            || w.split_once('=').is_some_and(|(n, _)| !n.is_empty())
    });
    if !wrapped {
        return None;
    }
    let mut out = vec![words[start].1.to_string()];
    let mut rest = words[start + 1..].iter();
    // Global options up to the subcommand.
    loop {
        let (word, raw) = rest.next()?;
        if *word == "block" {
            break;
        }
        if !word.starts_with('-') {
            return None;
        }
        out.push(raw.to_string());
        if GLOBAL_WITH_VALUE.contains(word) {
            out.push(rest.next()?.1.to_string());
        }
    }
    out.push("unblock".into());
    let mut targets = Vec::new();
    let mut via = None;
    while let Some((word, raw)) = rest.next() {
        let (name, inline) = match word.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n, Some(v)),
            _ => (*word, None),
        };
        if name == "--from-finding" || name == "--top" {
            // The addresses come from a file at run time: no exact undo to show.
            return Some(format!(
                "{} unblock ADDRESS… (the addresses it blocks; `block ls` lists them)",
                out[0]
            ));
        }
        if BLOCK_WITH_VALUE.contains(&name) {
            let value = match inline {
                Some(_) => raw.split_once('=').map(|(_, v)| v.to_string())?,
                None => rest.next()?.1.to_string(),
            };
            if name == "--via" {
                via = Some(value);
            }
        } else if word.starts_with('-') {
            continue;
        } else if targets.is_empty() && (*word == "ls" || *word == "expire") {
            return None;
        } else {
            targets.push(raw.to_string());
        }
    }
    if targets.is_empty() {
        return None;
    }
    out.extend(targets);
    if let Some(v) = via {
        out.push("--via".into());
        out.push(v);
    }
    Some(out.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_block_step_is_undone_by_unblocking_its_targets() {
        assert_eq!(
            undo(
                "# Drop the attacker\nfirebreak block \"$ATTACKER_IP\" --incident \"$INCIDENT_ID\" --reason 'flood' --via nftables --ttl 2h\n"
            ),
            ["firebreak unblock \"$ATTACKER_IP\" --via nftables"]
        );
        assert_eq!(
            undo(
                "sudo firebreak --data-dir /srv/fb block 203.0.113.9 198.51.100.0/24 --reason=x --incident=INC-1"
            ),
            ["firebreak --data-dir /srv/fb unblock 203.0.113.9 198.51.100.0/24"]
        );
    }

    #[test]
    fn nothing_else_has_a_known_undo() {
        for body in [
            "firebreak block ls",
            "firebreak block expire",
            "firebreak unblock 203.0.113.9",
            "iptables -I INPUT -s 203.0.113.9 -j DROP",
            "echo firebreak block 203.0.113.9",
        ] {
            assert!(undo(body).is_empty(), "{body}");
        }
        assert!(
            undo("firebreak block --from-finding scan.json --top 5 --incident I --reason r")[0]
                .contains("block ls")
        );
    }
}
