//! Temporary timing of the rule engine (deleted after use).
use std::time::Instant;

use firebreak_detect::format::Format;
use firebreak_detect::generate::{GenOptions, Generator, Size};
use firebreak_detect::rule::{Engine, RuleSet};

fn main() {
    let mut log = Vec::new();
    let planted = Generator::new(GenOptions { size: Size::Lines(2_000_000), ..GenOptions::default() })
        .write_to(&mut log)
        .expect("generate");
    let _ = planted;
    let lines: Vec<&[u8]> = log.split(|b| *b == b'\n').filter(|l| !l.is_empty()).collect();
    let format = Format::Combined;
    let t = Instant::now();
    let mut n = 0u64;
    for line in &lines {
        if format.parse(line).is_ok() { n += 1; }
    }
    let parse = t.elapsed();
    let set = RuleSet::builtin();
    let mut engine = Engine::new(&set);
    let t = Instant::now();
    for (i, line) in lines.iter().enumerate() {
        if let Ok(record) = format.parse(line) {
            engine.push("gen", i as u64 + 1, line, &record);
        }
    }
    let both = t.elapsed();
    let mb = log.len() as f64 / 1e6;
    println!("{} lines, {:.0} MB; parse only {:?} ({:.0} MB/s); parse+rules {:?} ({:.0} MB/s)", n, mb, parse, mb / parse.as_secs_f64(), both, mb / both.as_secs_f64());
    let mut counts = std::collections::BTreeMap::new();
    for f in engine.findings() { *counts.entry(f.rule.clone()).or_insert(0) += 1; }
    println!("{counts:?}");
    println!("{:?}", engine.stats());
}
