//! Addresses to block, read from a detection result: `firebreak scan --json` (findings whose key
//! holds an address), `watch --json` (one finding per line) or `triage --json` (the addresses it
//! flags: credential stuffing, failing logins, sshd failures — never the mere top talkers, which
//! are not evidence of anything). Each address comes with how often it was seen and which rules
//! named it, most seen first. What cannot be used is counted and said, never dropped quietly.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use serde_json::Value;

/// An address a result names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The address.
    pub address: IpAddr,
    /// Lines, attempts or failures counted against it, summed over the rules.
    pub count: u64,
    /// The rules (or triage sections) that named it.
    pub rules: BTreeSet<String>,
}

/// What a result yields.
#[derive(Debug, Default)]
pub struct Found {
    /// The addresses, most seen first.
    pub candidates: Vec<Candidate>,
    /// Findings that name no address (grouped by a path or a user).
    pub without_address: usize,
    /// Address fields that did not hold an address, as read.
    pub unusable: Vec<String>,
}

/// Why a result could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FindingsError {
    /// Neither JSON nor JSON lines.
    #[error(
        "{input}: not JSON ({why}); give the output of `firebreak scan --json` or `triage --json`"
    )]
    NotJson {
        /// Where it came from.
        input: String,
        /// The parser's complaint.
        why: String,
    },
    /// JSON of another shape.
    #[error("{0}: not a `firebreak scan --json`, `watch --json` or `triage --json` result")]
    Shape(String),
}

/// Reads `text` (from `source`, for messages).
pub fn read(text: &str, source: &str) -> Result<Found, FindingsError> {
    let mut tally = Tally::default();
    match serde_json::from_str::<Value>(text) {
        Ok(v) if v.get("findings").is_some_and(Value::is_array) => {
            for f in v["findings"].as_array().into_iter().flatten() {
                tally.finding(f);
            }
        }
        Ok(v) if v.get("stuffing").is_some() && v.get("sshd").is_some() => tally.triage(&v),
        Ok(v) if is_finding(&v) => tally.finding(&v),
        Ok(_) => return Err(FindingsError::Shape(source.to_string())),
        Err(whole) => {
            // `watch --json`: one finding per line.
            for (n, line) in text
                .lines()
                .enumerate()
                .filter(|(_, l)| !l.trim().is_empty())
            {
                let v: Value = serde_json::from_str(line).map_err(|_| FindingsError::NotJson {
                    input: format!("{source}:{}", n + 1),
                    why: whole.to_string(),
                })?;
                if !is_finding(&v) {
                    return Err(FindingsError::Shape(format!("{source}:{}", n + 1)));
                }
                tally.finding(&v);
            }
        }
    }
    Ok(tally.finish())
}

fn is_finding(v: &Value) -> bool {
    v.get("rule").is_some_and(Value::is_string) && v.get("key").is_some_and(Value::is_object)
}

#[derive(Default)]
struct Tally {
    seen: BTreeMap<IpAddr, (u64, BTreeSet<String>)>,
    without_address: usize,
    unusable: Vec<String>,
}

impl Tally {
    fn add(&mut self, address: &str, count: u64, rule: &str) {
        match address.parse::<IpAddr>() {
            Ok(a) => {
                let entry = self.seen.entry(a).or_default();
                entry.0 = entry.0.saturating_add(count);
                entry.1.insert(rule.to_string());
            }
            Err(_) => self.unusable.push(address.chars().take(80).collect()),
        }
    }

    /// A finding counts against the address in its key (a `group-by: client` rule).
    fn finding(&mut self, f: &Value) {
        let rule = f["rule"].as_str().unwrap_or("?");
        let count = f["count"].as_u64().unwrap_or(1);
        let addresses: Vec<&str> = f["key"]
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(field, _)| matches!(field.as_str(), "client" | "address" | "ip" | "src"))
            .filter_map(|(_, v)| v.as_str())
            .collect();
        if addresses.is_empty() {
            self.without_address += 1;
        }
        for a in addresses {
            self.add(a, count, rule);
        }
    }

    fn triage(&mut self, report: &Value) {
        for (section, list, count) in [
            (
                "triage: credential stuffing",
                &report["stuffing"]["addresses"],
                "attempts",
            ),
            (
                "triage: failing logins",
                &report["logins"]["failing"],
                "failures",
            ),
            (
                "triage: sshd failures",
                &report["sshd"]["addresses"],
                "failures",
            ),
        ] {
            for row in list.as_array().into_iter().flatten() {
                if let Some(a) = row["address"].as_str() {
                    self.add(a, row[count].as_u64().unwrap_or(1), section);
                }
            }
        }
    }

    fn finish(self) -> Found {
        let mut candidates: Vec<Candidate> = self
            .seen
            .into_iter()
            .map(|(address, (count, rules))| Candidate {
                address,
                count,
                rules,
            })
            .collect();
        candidates.sort_by(|a, b| b.count.cmp(&a.count).then(a.address.cmp(&b.address)));
        Found {
            candidates,
            without_address: self.without_address,
            unusable: self.unusable,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scan_findings_sum_per_address_and_say_what_they_could_not_use() {
        let scan = r#"{"inputs":[],"findings":[
            {"rule":"http-scanner","key":{"client":"203.0.113.9"},"count":40},
            {"rule":"http-404-burst","key":{"client":"203.0.113.9"},"count":12},
            {"rule":"http-scanner","key":{"client":"198.51.100.7"},"count":90},
            {"rule":"hot-path","key":{"path":"/login"},"count":5},
            {"rule":"odd","key":{"client":"unknown"},"count":1}]}"#;
        let found = read(scan, "scan.json").expect("reads");
        let order: Vec<(String, u64)> = found
            .candidates
            .iter()
            .map(|c| (c.address.to_string(), c.count))
            .collect();
        assert_eq!(
            order,
            [("198.51.100.7".into(), 90), ("203.0.113.9".into(), 52)]
        );
        assert_eq!(found.candidates[1].rules.len(), 2);
        assert_eq!(found.without_address, 1);
        assert_eq!(found.unusable, ["unknown"]);
    }

    #[test]
    fn triage_gives_only_flagged_addresses_and_watch_lines_read_too() {
        let triage = r#"{"version":1,"addresses":[{"address":"192.0.2.50","requests":99999}],
            "stuffing":{"addresses":[{"address":"203.0.113.9","attempts":300}]},
            "logins":{"failing":[{"address":"203.0.113.10","failures":20}]},
            "sshd":{"addresses":[{"address":"2001:db8::7","failures":8}]}}"#;
        let found = read(triage, "t.json").expect("reads");
        let all: Vec<String> = found
            .candidates
            .iter()
            .map(|c| c.address.to_string())
            .collect();
        assert_eq!(all, ["203.0.113.9", "203.0.113.10", "2001:db8::7"]);
        let watch = "{\"rule\":\"r\",\"key\":{\"client\":\"203.0.113.9\"},\"count\":3}\n\n{\"rule\":\"r\",\"key\":{\"client\":\"203.0.113.9\"},\"count\":4}\n";
        assert_eq!(read(watch, "w").expect("reads").candidates[0].count, 7);
        let e = read("{\"a\":1}", "x.json").expect_err("shape").to_string();
        assert!(e.starts_with("x.json: not a"), "{e}");
        let e = read("{\"rule\":\"r\",\"key\":{}}\nnope\n", "w.jsonl")
            .expect_err("line")
            .to_string();
        assert!(e.starts_with("w.jsonl:2: not JSON"), "{e}");
    }
}
