//! The `memory` part: memory, load and uptime, the most volatile figures, read first.
//!
//! The part's JSON and its limits are documented on the collector function, which is
//! re-exported from the `snapshot` module.

use std::path::Path;

use serde_json::{Map, Value, json};

use super::read::{self, Problems};
use super::{Options, Part, proc};

/// Largest file read here (`/proc/meminfo` is about 1.5 KiB).
const FILE_MAX: usize = 64 * 1024;
/// Most `/proc/meminfo` keys kept.
const KEYS_MAX: usize = 256;

/// Reads memory, load and uptime from [`Options::proc_root`].
///
/// ```text
/// { "meminfo": { "MemTotal": 25165824000, "MemAvailable": 2097152000, …, "HugePages_Total": 0 },
///   "load": { "load1": 0.52, "load5": 0.58, "load15": 0.59, "runnable": 2, "tasks": 345,
///             "last_pid": 12345 },
///   "uptime": { "seconds": 350735.47, "idle_seconds": 234388.90 },
///   "boot_time": "2026-11-20T09:31:02Z",
///   "pressure": { "memory": { "some": { "avg10": 0.0, "avg60": 0.0, "avg300": 0.0,
///                                       "total": 0 }, "full": { … } }, "cpu": …, "io": … } }
/// ```
///
/// - `meminfo` holds every line of `/proc/meminfo` under the kernel's own name; values given in
///   kB there are in bytes here (× 1024), counts (`HugePages_*`) are as they are.
/// - `load` is `/proc/loadavg`: the three load averages, runnable and total scheduling
///   entities, and the last pid handed out.
/// - `uptime` is `/proc/uptime`; `boot_time` is `btime` from `/proc/stat`.
/// - `pressure` is pressure-stall information (`/proc/pressure/{memory,cpu,io}`), present only
///   on kernels built with PSI; `total` is in microseconds stalled.
///
/// Anything missing or unparsable is null, with a problem line.
pub fn memory(options: &Options) -> Part {
    let mut problems = Problems::default();
    let root = &options.proc_root;
    let meminfo = read_with(root, "meminfo", &mut problems, parse_meminfo);
    let load = read_with(root, "loadavg", &mut problems, parse_loadavg);
    let uptime = read_with(root, "uptime", &mut problems, parse_uptime);
    let boot = match proc::boot_time(root) {
        Ok(boot) => boot,
        Err(e) => {
            problems.io(&root.join("stat"), &e);
            None
        }
    };
    let mut pressure = Map::new();
    for resource in ["memory", "cpu", "io"] {
        let path = root.join("pressure").join(resource);
        match read::head(&path, FILE_MAX) {
            Ok((bytes, _)) => {
                pressure.insert(resource.into(), parse_pressure(&bytes));
            }
            // Kernels without PSI have no such files: nothing to report.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => problems.io(&path, &e),
        }
    }
    Part {
        name: "memory",
        value: json!({
            "meminfo": meminfo,
            "load": load,
            "uptime": uptime,
            "boot_time": boot,
            "pressure": if pressure.is_empty() { Value::Null } else { Value::Object(pressure) },
        }),
        problems: problems.finish(),
    }
}

/// Reads `root/name` and parses it; a failure to read or parse is null and a problem line.
fn read_with(
    root: &Path,
    name: &str,
    problems: &mut Problems,
    parse: fn(&[u8]) -> Option<Value>,
) -> Value {
    let path = root.join(name);
    match read::head(&path, FILE_MAX) {
        Ok((bytes, _)) => parse(&bytes).unwrap_or_else(|| {
            problems.push(format!("{}: not in the expected format", path.display()));
            Value::Null
        }),
        Err(e) => {
            problems.io(&path, &e);
            Value::Null
        }
    }
}

/// `MemTotal:       24576000 kB` → `"MemTotal": 25165824000`.
fn parse_meminfo(bytes: &[u8]) -> Option<Value> {
    let mut values = Map::new();
    for line in read::lines(bytes) {
        let Ok(line) = std::str::from_utf8(line) else {
            continue;
        };
        let Some((key, rest)) = line.split_once(':') else {
            continue;
        };
        let mut words = rest.split_ascii_whitespace();
        let Some(number) = words.next().and_then(|n| n.parse::<u64>().ok()) else {
            continue;
        };
        let value = match words.next() {
            Some("kB") => number.saturating_mul(1024),
            _ => number,
        };
        if values.len() < KEYS_MAX {
            values.insert(key.trim().to_string(), value.into());
        }
    }
    (!values.is_empty()).then_some(Value::Object(values))
}

/// `0.52 0.58 0.59 2/345 12345`.
fn parse_loadavg(bytes: &[u8]) -> Option<Value> {
    let text = std::str::from_utf8(bytes).ok()?;
    let mut words = text.split_ascii_whitespace();
    let mut load = || words.next()?.parse::<f64>().ok().filter(|l| l.is_finite());
    let (load1, load5, load15) = (load()?, load()?, load()?);
    let mut words = text.split_ascii_whitespace().skip(3);
    let (runnable, tasks) = words.next()?.split_once('/')?;
    Some(json!({
        "load1": load1,
        "load5": load5,
        "load15": load15,
        "runnable": runnable.parse::<u64>().ok()?,
        "tasks": tasks.parse::<u64>().ok()?,
        "last_pid": words.next()?.parse::<u64>().ok()?,
    }))
}

/// `350735.47 234388.90`.
fn parse_uptime(bytes: &[u8]) -> Option<Value> {
    let text = std::str::from_utf8(bytes).ok()?;
    let mut words = text
        .split_ascii_whitespace()
        .map(|w| w.parse::<f64>().ok().filter(|s| s.is_finite()));
    Some(json!({
        "seconds": words.next()??,
        "idle_seconds": words.next()??,
    }))
}

/// `some avg10=0.00 avg60=0.00 avg300=0.00 total=0`, and a `full` line.
fn parse_pressure(bytes: &[u8]) -> Value {
    let mut kinds = Map::new();
    for line in read::lines(bytes) {
        let Ok(line) = std::str::from_utf8(line) else {
            continue;
        };
        let mut words = line.split_ascii_whitespace();
        let Some(kind @ ("some" | "full")) = words.next() else {
            continue;
        };
        let mut figures = Map::new();
        for word in words {
            let Some((name, value)) = word.split_once('=') else {
                continue;
            };
            let value = if name == "total" {
                value.parse::<u64>().ok().map(Value::from)
            } else {
                value
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .map(Value::from)
            };
            if let Some(value) = value {
                figures.insert(name.to_string(), value);
            }
        }
        kinds.insert(kind.to_string(), Value::Object(figures));
    }
    Value::Object(kinds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meminfo_is_in_bytes_and_counts_stay_counts() {
        let value = parse_meminfo(
            b"MemTotal:       24576000 kB\nMemAvailable:    2048000 kB\nHugePages_Total:       4\nbroken line\nOdd:  x kB\n",
        )
        .expect("parses");
        assert_eq!(
            value,
            json!({
                "MemTotal": 24_576_000u64 * 1024,
                "MemAvailable": 2_048_000u64 * 1024,
                "HugePages_Total": 4,
            })
        );
        assert_eq!(parse_meminfo(b"\xff\xfe\n"), None);
    }

    #[test]
    fn loadavg_and_uptime() {
        assert_eq!(
            parse_loadavg(b"0.52 0.58 0.59 2/345 12345\n"),
            Some(json!({
                "load1": 0.52, "load5": 0.58, "load15": 0.59,
                "runnable": 2, "tasks": 345, "last_pid": 12345,
            }))
        );
        assert_eq!(parse_loadavg(b"0.52 0.58"), None);
        assert_eq!(parse_loadavg(b"0.52 0.58 NaN 2/345 1"), None);
        assert_eq!(parse_loadavg(b"0.52 0.58 0.59 2345 1"), None);
        assert_eq!(
            parse_uptime(b"350735.47 234388.90\n"),
            Some(json!({ "seconds": 350735.47, "idle_seconds": 234388.90 }))
        );
        assert_eq!(parse_uptime(b"12"), None);
    }

    #[test]
    fn pressure_lines() {
        assert_eq!(
            parse_pressure(
                b"some avg10=1.50 avg60=0.20 avg300=0.00 total=12345\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=7\n"
            ),
            json!({
                "some": { "avg10": 1.5, "avg60": 0.2, "avg300": 0.0, "total": 12345 },
                "full": { "avg10": 0.0, "avg60": 0.0, "avg300": 0.0, "total": 7 },
            })
        );
    }

    #[test]
    fn memory_from_a_fake_proc_notes_what_is_missing() {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        std::fs::write(root.join("meminfo"), "MemTotal: 1000 kB\n").expect("write");
        std::fs::write(root.join("loadavg"), "garbage\n").expect("write");
        std::fs::write(root.join("stat"), "btime 1700000000\n").expect("write");
        let part = memory(&Options {
            proc_root: root.to_path_buf(),
            ..Options::default()
        });
        assert_eq!(part.value["meminfo"]["MemTotal"], 1_024_000);
        assert_eq!(part.value["load"], Value::Null);
        assert_eq!(part.value["uptime"], Value::Null);
        assert_eq!(part.value["boot_time"], "2023-11-14T22:13:20Z");
        assert_eq!(part.value["pressure"], Value::Null);
        assert_eq!(
            part.problems,
            [
                format!(
                    "{}: not in the expected format",
                    root.join("loadavg").display()
                ),
                format!("{}: not found", root.join("uptime").display()),
            ]
        );
    }
}
