//! The labelled corpus (`corpus.tsv`): one line per sshd, dropbear and PAM message type and per
//! web attack class, each with the outcome expected — some built-in rule's conditions hold for
//! it (`match`) or none do (`none`) — and the address it must be blamed on. Prints precision and
//! recall per class; a line counts as found only when it is matched *and* blamed on the right
//! address. Left out: sequence rules' second steps (an accepted login after failures) and the
//! volume rules (tagged `flood`, `volume`, `api`, `availability`, `latency`), whose conditions
//! hold for every ordinary request — one line is no evidence for them.

use std::collections::BTreeMap;

use firebreak_detect::format::Format;
use firebreak_detect::rule::{Engine, RuleSet};

#[derive(Default)]
struct Tally {
    lines: u32,
    true_pos: u32,
    false_pos: u32,
    false_neg: u32,
}

fn ratio(num: u32, den: u32) -> f64 {
    if den == 0 {
        1.0
    } else {
        f64::from(num) / f64::from(den)
    }
}

#[test]
fn labelled_corpus_precision_and_recall() {
    let text = include_str!("corpus.tsv");
    let volume = ["flood", "volume", "api", "availability", "latency"];
    let evidence = RuleSet::builtin()
        .rules()
        .iter()
        .filter(|r| !r.tags.iter().any(|t| volume.contains(&t.as_str())))
        .map(|r| (**r).clone())
        .collect();
    let engine = Engine::new(&RuleSet::from_rules(evidence));
    let mut classes: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut misses = Vec::new();
    for (number, row) in text.lines().enumerate() {
        if row.starts_with('#') || row.is_empty() {
            continue;
        }
        let fields: Vec<&str> = row.splitn(5, '\t').collect();
        let [class, format, expect, address, line] = fields[..] else {
            panic!("corpus.tsv:{}: expected 5 tab-separated fields", number + 1);
        };
        let format: Format = format.parse().expect("format name");
        let record = format.parse(line.as_bytes()).ok();
        let matched: Vec<&str> = record
            .as_ref()
            .map(|r| {
                engine
                    .matches(r)
                    .into_iter()
                    .filter(|id| !id.ends_with("-then-success"))
                    .collect()
            })
            .unwrap_or_default();
        let client = record
            .as_ref()
            .and_then(|r| r.client)
            .map(|a| a.to_string());
        let right_address = client.as_deref() == Some(address);
        let tally = classes.entry(class).or_default();
        tally.lines += 1;
        let found = !matched.is_empty();
        match (expect, found) {
            ("match", true) if right_address => tally.true_pos += 1,
            ("match", true) => {
                // Matched but blamed on the wrong address (or none): both a miss and a
                // false alarm.
                tally.false_neg += 1;
                tally.false_pos += 1;
                misses.push(format!(
                    "corpus.tsv:{}: blamed on {client:?}: {line}",
                    number + 1
                ));
            }
            ("match", false) => {
                tally.false_neg += 1;
                misses.push(format!("corpus.tsv:{}: missed: {line}", number + 1));
            }
            ("none", true) => {
                tally.false_pos += 1;
                misses.push(format!(
                    "corpus.tsv:{}: matched {matched:?} but should not: {line}",
                    number + 1
                ));
            }
            ("none", false) => {}
            (other, _) => panic!("corpus.tsv:{}: unknown outcome {other:?}", number + 1),
        }
    }
    let mut total = Tally::default();
    println!(
        "{:<22} {:>5} {:>4} {:>4} {:>4} {:>9} {:>7}",
        "class", "lines", "TP", "FP", "FN", "precision", "recall"
    );
    for (class, t) in &classes {
        println!(
            "{class:<22} {:>5} {:>4} {:>4} {:>4} {:>9.2} {:>7.2}",
            t.lines,
            t.true_pos,
            t.false_pos,
            t.false_neg,
            ratio(t.true_pos, t.true_pos + t.false_pos),
            ratio(t.true_pos, t.true_pos + t.false_neg)
        );
        total.lines += t.lines;
        total.true_pos += t.true_pos;
        total.false_pos += t.false_pos;
        total.false_neg += t.false_neg;
    }
    let precision = ratio(total.true_pos, total.true_pos + total.false_pos);
    let recall = ratio(total.true_pos, total.true_pos + total.false_neg);
    println!(
        "{:<22} {:>5} {:>4} {:>4} {:>4} {precision:>9.2} {recall:>7.2}",
        "all", total.lines, total.true_pos, total.false_pos, total.false_neg
    );
    for miss in &misses {
        println!("{miss}");
    }
    assert!(
        misses.is_empty(),
        "{} corpus lines were not as labelled:\n{}",
        misses.len(),
        misses.join("\n")
    );
}
