//! The log generator: the same seed gives the same bytes, every line is valid `combined`, the
//! traffic looks like a real site's, and every planted attack is where `Planted` says.

use std::collections::{HashMap, HashSet};

use firebreak_detect::Addr;
use firebreak_detect::format::Format;
use firebreak_detect::generate::{GenOptions, Generator, Planted, Size};

fn generate(options: GenOptions) -> (Vec<u8>, Planted) {
    let mut log = Vec::new();
    let planted = Generator::new(options)
        .write_to(&mut log)
        .expect("writing to memory");
    (log, planted)
}

fn lines(log: &[u8]) -> Vec<&[u8]> {
    log.strip_suffix(b"\n")
        .unwrap_or(log)
        .split(|&b| b == b'\n')
        .collect()
}

/// One parsed line, owned, with what the checks below look at.
struct Seen {
    client: Addr,
    time: i64,
    method: String,
    path: String,
    status: u16,
    bytes: u64,
    user: Option<String>,
    agent: String,
}

fn parse_all(log: &[u8]) -> Vec<Seen> {
    let text = |t: Option<std::borrow::Cow<'_, [u8]>>| {
        String::from_utf8_lossy(&t.expect("field present")).into_owned()
    };
    lines(log)
        .iter()
        .enumerate()
        .map(|(i, line)| {
            let record = Format::Combined.parse(line).unwrap_or_else(|e| {
                panic!(
                    "line {} is not combined ({e:?}): {}",
                    i + 1,
                    String::from_utf8_lossy(line)
                )
            });
            Seen {
                client: record.client.expect("client address"),
                time: record.time.expect("time"),
                method: text(record.method),
                path: text(record.path),
                status: record.status.expect("status"),
                bytes: record.bytes.expect("size"),
                user: record
                    .user
                    .map(|u| String::from_utf8_lossy(&u).into_owned()),
                agent: text(record.agent),
            }
        })
        .collect()
}

fn options(lines: u64) -> GenOptions {
    GenOptions {
        seed: 7,
        size: Size::Lines(lines),
        clients: 5_000,
        ..GenOptions::default()
    }
}

#[test]
fn the_same_seed_gives_the_same_bytes() {
    let (a, planted_a) = generate(options(30_000));
    let (b, planted_b) = generate(options(30_000));
    assert!(a == b, "two runs with seed 7 differ");
    assert_eq!(planted_a, planted_b);
    let (c, _) = generate(GenOptions {
        seed: 8,
        ..options(30_000)
    });
    assert!(a != c, "seeds 7 and 8 gave the same log");
}

#[test]
fn sizes_are_met_in_whole_lines() {
    let (log, _) = generate(options(12_345));
    assert_eq!(lines(&log).len(), 12_345);
    assert_eq!(log.last(), Some(&b'\n'));

    let target = 3 * 1024 * 1024;
    let (log, _) = generate(GenOptions {
        size: Size::Bytes(target),
        ..options(0)
    });
    let longest = lines(&log).iter().map(|l| l.len()).max().unwrap_or(0);
    assert!(log.len() as u64 >= target);
    assert!(
        (log.len() as u64) < target + longest as u64 + 1,
        "at most one line over"
    );
    assert_eq!(log.last(), Some(&b'\n'));
}

#[test]
fn every_line_is_combined_and_time_moves_forward_steadily() {
    let per_second = 200;
    let (log, _) = generate(options(60_000));
    let seen = parse_all(&log);
    let start = GenOptions::default().start;
    assert_eq!(seen[0].time, start);
    assert!(
        seen.windows(2).all(|w| w[0].time <= w[1].time),
        "time goes back"
    );
    let span = seen[seen.len() - 1].time - start;
    // Attacks add lines on top of the ordinary 200 a second.
    assert!(
        span > 60_000 / per_second / 2 && span <= 60_000 / per_second,
        "{span} s"
    );
}

#[test]
fn traffic_is_skewed_with_ipv6_and_ordinary_statuses() {
    let (log, _) = generate(GenOptions {
        plant: false,
        ..options(200_000)
    });
    let seen = parse_all(&log);
    let mut per_client: HashMap<Addr, u64> = HashMap::new();
    let mut statuses: HashMap<u16, u64> = HashMap::new();
    for line in &seen {
        *per_client.entry(line.client).or_default() += 1;
        *statuses.entry(line.status).or_default() += 1;
    }
    let mut counts: Vec<u64> = per_client.values().copied().collect();
    counts.sort_unstable_by(|a, b| b.cmp(a));
    let top_percent: u64 = counts[..counts.len() / 100].iter().sum();
    assert!(
        top_percent * 100 / seen.len() as u64 > 10,
        "the busiest 1% of clients make over 10% of requests"
    );
    assert!(counts.len() > 3_000, "most clients appear");
    let v6 = per_client.keys().filter(|a| !a.is_v4()).count();
    let share = v6 * 100 / per_client.len();
    assert!((7..=13).contains(&share), "{share}% IPv6");
    let ok = statuses[&200] * 100 / seen.len() as u64;
    assert!((70..=90).contains(&ok), "{ok}% 200");
    for status in [304, 404] {
        assert!(statuses.contains_key(&status), "no {status}");
    }
}

#[test]
fn planted_attacks_are_where_planted_says() {
    let (log, planted) = generate(options(200_000));
    let seen = parse_all(&log);
    let at = |line: u64| &seen[line as usize - 1];

    // The flood is the busiest address.
    let mut per_client: HashMap<Addr, u64> = HashMap::new();
    for line in &seen {
        *per_client.entry(line.client).or_default() += 1;
    }
    let busiest = per_client.iter().max_by_key(|(_, n)| **n).map(|(a, _)| *a);
    assert_eq!(busiest, Some(planted.flood_addr));
    assert_eq!(per_client[&planted.flood_addr], planted.flood.lines);
    assert_eq!(at(planted.flood.first_line).client, planted.flood_addr);

    // Password guessing: failures on /login, then a success right after the last one.
    let brute: Vec<&Seen> = seen
        .iter()
        .filter(|l| l.client == planted.brute_addr)
        .collect();
    assert_eq!(brute.len() as u64, planted.brute.lines + 1);
    assert!(
        brute[..brute.len() - 1]
            .iter()
            .all(|l| l.status == 401 && l.method == "POST" && l.path == "/login")
    );
    let success = at(planted.brute_success.first_line);
    assert_eq!((success.client, success.status), (planted.brute_addr, 302));
    assert!(planted.brute_success.first_line > planted.brute.last_line);

    // Credential stuffing and spraying.
    let users: HashSet<&str> = seen
        .iter()
        .filter(|l| l.client == planted.stuffing_addr)
        .filter_map(|l| l.user.as_deref())
        .collect();
    assert_eq!(users.len() as u64, planted.stuffing_users);
    assert!(users.len() >= 30);
    let sprayers: HashSet<Addr> = seen
        .iter()
        .filter(|l| l.user.as_deref() == Some(planted.spray_user.as_str()) && l.status == 401)
        .map(|l| l.client)
        .collect();
    assert_eq!(sprayers.len() as u64, planted.spray_addrs);

    // Scanners probing for secrets.
    let probes: HashSet<&str> = seen
        .iter()
        .filter(|l| l.client == planted.scanner_addr)
        .inspect(|l| assert_eq!(l.agent, planted.scanner_agent))
        .map(|l| l.path.as_str())
        .collect();
    for secret in ["/.env", "/.git/config", "/wp-login.php"] {
        assert!(probes.contains(secret), "no probe for {secret}");
    }
    assert!(
        seen.iter()
            .filter(|l| l.client == planted.sqlmap_addr)
            .all(|l| l.agent.starts_with("sqlmap/") && l.path.starts_with("/search?q="))
    );

    // The 429 storm, the 5xx burst and the exports.
    let storm = seen
        .iter()
        .filter(|l| l.client == planted.storm_addr && l.status == 429)
        .count();
    assert_eq!(storm as u64, planted.storm.lines);
    assert!(planted.errors.lines > 50);
    let burst = &seen[planted.errors.first_line as usize - 1..planted.errors.last_line as usize];
    let failing = burst
        .iter()
        .filter(|l| (502..=504).contains(&l.status))
        .count();
    assert!(failing as u64 >= planted.errors.lines);
    let exported: u64 = seen
        .iter()
        .filter(|l| l.client == planted.export_addr && l.path.starts_with("/api/export"))
        .map(|l| l.bytes)
        .sum();
    assert_eq!(exported, planted.export_bytes);
    assert!(planted.export_bytes > planted.exports.lines * 20_000_000 - 1);
}

#[test]
fn without_attacks_no_attacker_appears() {
    let (log, planted) = generate(GenOptions {
        plant: false,
        ..options(50_000)
    });
    let attackers = [
        planted.flood_addr,
        planted.brute_addr,
        planted.stuffing_addr,
        planted.scanner_addr,
        planted.sqlmap_addr,
        planted.storm_addr,
        planted.export_addr,
    ];
    assert!(
        parse_all(&log)
            .iter()
            .all(|l| !attackers.contains(&l.client))
    );
    assert_eq!(planted.flood.lines, 0);
}
