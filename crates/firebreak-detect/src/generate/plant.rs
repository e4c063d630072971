//! The attacks planted in the traffic, where they go and what they look like, and the record
//! of where they ended up ([`Planted`]) so tests can check that triage and rules find them.
//!
//! Each attack starts at a fixed point of the run (a fraction of its size) and then writes
//! `per` lines every `every` ordinary lines until it has written its share, so its density in
//! time is the same however large the run; how many lines it gets grows with the run, within
//! bounds. Attackers use documentation addresses, which ordinary clients never get.

use std::io::{self, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::Serialize;

use super::catalog::WORDS;
use super::rng::Rng;
use super::sink::{Line, Sink};
use super::text::push_number;
use crate::addr::Addr;

/// Where one planted attack landed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Window {
    /// Lines written for it.
    pub lines: u64,
    /// Number of its first line (from 1), 0 if none was written.
    pub first_line: u64,
    /// Number of its last line.
    pub last_line: u64,
    /// Unix time of its first line.
    pub first_time: i64,
    /// Unix time of its last line.
    pub last_time: i64,
}

impl Window {
    fn record(&mut self, line: u64, time: i64) {
        if self.lines == 0 {
            self.first_line = line;
            self.first_time = time;
        }
        self.lines += 1;
        self.last_line = line;
        self.last_time = time;
    }
}

/// What was planted and where. Addresses are chosen from the seed, so they are known even for
/// attacks the run was too short to reach (their windows are then empty).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Planted {
    /// One address flooding the site with requests (several per ordinary line).
    #[serde(serialize_with = "as_text")]
    pub flood_addr: Addr,
    /// The flood's requests.
    pub flood: Window,
    /// One address guessing passwords: `POST /login` answered 401 …
    #[serde(serialize_with = "as_text")]
    pub brute_addr: Addr,
    /// … the failed attempts …
    pub brute: Window,
    /// … then one that succeeds (302), right after the last failure.
    pub brute_success: Window,
    /// One address trying many users (HTTP basic auth on `/admin/`, the user is logged);
    /// a few of them work (200).
    #[serde(serialize_with = "as_text")]
    pub stuffing_addr: Addr,
    /// The stuffing attempts.
    pub stuffing: Window,
    /// Distinct users the stuffing address tried.
    pub stuffing_users: u64,
    /// One user tried from many addresses (password spraying), all failing (401).
    pub spray_user: String,
    /// The spraying attempts.
    pub spray: Window,
    /// Distinct addresses the spraying came from.
    pub spray_addrs: u64,
    /// A vulnerability scanner probing for secrets and admin pages (`/.env`, `/.git/config`,
    /// `/wp-login.php`, backups, …).
    #[serde(serialize_with = "as_text")]
    pub scanner_addr: Addr,
    /// Its user agent.
    pub scanner_agent: String,
    /// Its probes.
    pub scanner: Window,
    /// An SQL injection tool against the search page (an IPv6 address).
    #[serde(serialize_with = "as_text")]
    pub sqlmap_addr: Addr,
    /// Its user agent.
    pub sqlmap_agent: String,
    /// Its requests.
    pub sqlmap: Window,
    /// A script hammering the API and answered 429 every time (an IPv6 address).
    #[serde(serialize_with = "as_text")]
    pub storm_addr: Addr,
    /// Its requests.
    pub storm: Window,
    /// A stretch where the application fails: 502/503/504 among ordinary requests.
    pub errors: Window,
    /// One address downloading large exports from `/api/export`.
    #[serde(serialize_with = "as_text")]
    pub export_addr: Addr,
    /// Its downloads.
    pub exports: Window,
    /// Bytes those downloads sent.
    pub export_bytes: u64,
}

fn as_text<S: serde::Serializer>(addr: &Addr, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(addr)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Attack {
    Flood,
    Brute,
    Stuffing,
    Spray,
    Scanner,
    Sqlmap,
    Storm,
    Errors,
    Exports,
}

/// When and how densely an attack writes.
#[derive(Debug, Clone)]
struct Plan {
    attack: Attack,
    /// Fraction of the run at which it starts.
    at: f64,
    /// Ordinary lines between its bursts.
    every: u64,
    /// Lines per burst (for `Errors`: none of its own, it spoils ordinary lines).
    per: u64,
    /// Lines it writes in all (for `Errors`: ordinary lines it lasts).
    total: u64,
    done: u64,
    started: bool,
}

impl Plan {
    fn active(&self) -> bool {
        self.started && self.done < self.total
    }
}

/// An attack's share of the run: `share` of the lines expected, within `low..=high`.
fn share(expected: u64, share: f64, low: u64, high: u64) -> u64 {
    ((expected as f64 * share) as u64).clamp(low, high)
}

fn plans(expected: u64) -> Vec<Plan> {
    let plan = |attack, at, every, per, total| Plan {
        attack,
        at,
        every,
        per,
        total,
        done: 0,
        started: false,
    };
    vec![
        plan(
            Attack::Flood,
            0.10,
            1,
            3,
            share(expected, 0.04, 300, 72_000),
        ),
        // The failures, plus the success after them.
        plan(
            Attack::Brute,
            0.25,
            20,
            1,
            share(expected, 0.005, 20, 150) + 1,
        ),
        plan(
            Attack::Stuffing,
            0.32,
            12,
            1,
            share(expected, 0.005, 30, 240),
        ),
        plan(
            Attack::Spray,
            0.38,
            25,
            1,
            share(expected, 0.003, 20, SPRAY_MAX),
        ),
        plan(Attack::Scanner, 0.45, 3, 1, share(expected, 0.005, 40, 300)),
        plan(Attack::Sqlmap, 0.50, 5, 1, share(expected, 0.003, 20, 150)),
        plan(Attack::Storm, 0.58, 1, 1, share(expected, 0.02, 100, 6_000)),
        plan(
            Attack::Errors,
            0.66,
            1,
            0,
            share(expected, 0.01, 200, 12_000),
        ),
        plan(
            Attack::Exports,
            0.75,
            100,
            1,
            share(expected, 0.001, 10, 60),
        ),
    ]
}

/// Most addresses password spraying comes from.
const SPRAY_MAX: u64 = 120;

const BRUTE_AGENT: &[u8] =
    b"Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0";
const BROWSER_AGENT: &[u8] = b"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36";
const SCANNER_AGENT: &str = "Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:Port Check)";
const SQLMAP_AGENT: &str = "sqlmap/1.8.4#stable (https://sqlmap.org)";
const STORM_AGENT: &[u8] = b"python-requests/2.31.0";
const SPRAY_AGENT: &[u8] =
    b"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0";
const SPRAY_USER: &str = "admin";

/// What scanners look for, and what the site answers.
const PROBES: &[(&[u8], u16)] = &[
    (b"/.env", 404),
    (b"/.git/config", 403),
    (b"/wp-login.php", 404),
    (b"/.git/HEAD", 403),
    (b"/wp-admin/", 404),
    (b"/phpmyadmin/", 404),
    (b"/backup.zip", 404),
    (b"/backup.sql", 404),
    (b"/.env.production", 404),
    (b"/config.php.bak", 404),
    (b"/.aws/credentials", 404),
    (b"/server-status", 403),
    (b"/.htaccess", 403),
    (b"/.DS_Store", 404),
    (b"/xmlrpc.php", 404),
    (b"/wp-config.php.bak", 404),
    (b"/db.sql", 404),
    (b"/dump.sql.gz", 404),
    (b"/site.tar.gz", 404),
    (b"/.svn/entries", 404),
    (b"/web.config", 404),
    (b"/actuator/env", 404),
    (b"/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php", 404),
    (b"/index.php?page=../../../../etc/passwd", 404),
    (b"/api/.env", 404),
    (b"/.vscode/sftp.json", 404),
    (b"/id_rsa", 404),
    (b"/admin/", 401),
    (b"/cgi-bin/test.cgi", 404),
    (b"/console", 404),
];

const INJECTIONS: &[&[u8]] = &[
    b"%27%20AND%201%3D1--%20-",
    b"%27%20OR%20%271%27%3D%271",
    b"%22%20AND%20SLEEP%285%29--%20-",
    b"%27%20UNION%20ALL%20SELECT%20NULL%2CNULL%2CNULL--%20-",
    b"%29%20AND%208412%3D8412%20AND%20%289183%3D9183",
];

const NAMES: &[&str] = &[
    "maria", "james", "anna", "li.wei", "sofia", "omar", "elena", "lucas", "fatima", "noah",
    "yuki", "carlos", "amira", "jonas", "priya", "david", "chloe", "ivan", "leila", "tom", "nina",
    "ahmed", "sara", "ben",
];

/// The attackers' addresses, as keys and as text.
#[derive(Debug)]
struct Attackers {
    texts: Vec<Vec<u8>>,
    spray: Vec<Vec<u8>>,
}

/// Index of each attacker in [`Attackers::texts`].
const FLOOD: usize = 0;
const BRUTE: usize = 1;
const STUFFING: usize = 2;
const SCANNER: usize = 3;
const SQLMAP: usize = 4;
const STORM: usize = 5;
const EXPORT: usize = 6;

/// Plants attacks between ordinary lines.
#[derive(Debug)]
pub(super) struct Planter {
    plans: Vec<Plan>,
    pub planted: Planted,
    attackers: Attackers,
    path: Vec<u8>,
    user: Vec<u8>,
}

impl Planter {
    /// Chooses the attackers from `rng`; plants nothing unless `plant`.
    pub fn new(rng: &mut Rng, expected_lines: u64, plant: bool) -> Planter {
        // Distinct last octets within each documentation network.
        let mut octets: Vec<u8> = (1..=254).collect();
        for i in (1..octets.len()).rev() {
            octets.swap(i, rng.below(i as u64 + 1) as usize);
        }
        let v4 = |net: [u8; 3], i: usize| {
            let last = octets.get(i).copied().unwrap_or(1);
            IpAddr::V4(Ipv4Addr::new(net[0], net[1], net[2], last))
        };
        let v6 = |group: u16, host: u64| {
            IpAddr::V6(Ipv6Addr::new(
                0x2001,
                0xdb8,
                group,
                0,
                0,
                0,
                (host >> 16) as u16,
                host as u16,
            ))
        };
        let ips = [
            v4([198, 51, 100], 0),
            v4([203, 0, 113], 1),
            v4([192, 0, 2], 2),
            v4([203, 0, 113], 3),
            v6(0xbad, rng.between(1, 0xffff)),
            v6(0x429, rng.between(0x1_0000, 0xff_ffff)),
            v4([198, 51, 100], 4),
        ];
        let addr = |i: usize| ips.get(i).map_or(Addr(0), |&ip| Addr::from(ip));
        let spray = (1..=SPRAY_MAX)
            .map(|host| v6(0x5, host).to_string().into_bytes())
            .collect();
        let none = Window::default();
        let planted = Planted {
            flood_addr: addr(FLOOD),
            flood: none,
            brute_addr: addr(BRUTE),
            brute: none,
            brute_success: none,
            stuffing_addr: addr(STUFFING),
            stuffing: none,
            stuffing_users: 0,
            spray_user: SPRAY_USER.to_owned(),
            spray: none,
            spray_addrs: 0,
            scanner_addr: addr(SCANNER),
            scanner_agent: SCANNER_AGENT.to_owned(),
            scanner: none,
            sqlmap_addr: addr(SQLMAP),
            sqlmap_agent: SQLMAP_AGENT.to_owned(),
            sqlmap: none,
            storm_addr: addr(STORM),
            storm: none,
            errors: none,
            export_addr: addr(EXPORT),
            exports: none,
            export_bytes: 0,
        };
        Planter {
            plans: if plant {
                plans(expected_lines)
            } else {
                Vec::new()
            },
            planted,
            attackers: Attackers {
                texts: ips.iter().map(|ip| ip.to_string().into_bytes()).collect(),
                spray,
            },
            path: Vec::new(),
            user: Vec::new(),
        }
    }

    /// Whether the application is failing now (ordinary requests may get a 5xx).
    pub fn failing(&self) -> bool {
        self.plans
            .iter()
            .any(|p| p.attack == Attack::Errors && p.active())
    }

    /// Notes an ordinary line that got a 5xx while failing.
    pub fn record_error(&mut self, line: u64, time: i64) {
        self.planted.errors.record(line, time);
    }

    /// After ordinary line number `ordinary` (from 1): starts the attacks whose time has
    /// come and writes the lines due, while the run wants more.
    pub fn after_ordinary(
        &mut self,
        ordinary: u64,
        time: i64,
        rng: &mut Rng,
        sink: &mut Sink,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        let progress = sink.progress();
        for at in 0..self.plans.len() {
            let Some(plan) = self.plans.get_mut(at) else {
                break;
            };
            if !plan.started && progress >= plan.at {
                plan.started = true;
            }
            if !plan.active() || !ordinary.is_multiple_of(plan.every) {
                continue;
            }
            let (attack, per) = (plan.attack, plan.per);
            if attack == Attack::Errors {
                plan.done += 1;
                continue;
            }
            for _ in 0..per {
                let Some(plan) = self.plans.get(at) else {
                    break;
                };
                if !plan.active() || !sink.more() {
                    break;
                }
                let (index, total) = (plan.done, plan.total);
                self.attack_line(attack, index, total, time, rng, sink, out)?;
                if let Some(plan) = self.plans.get_mut(at) {
                    plan.done += 1;
                }
            }
        }
        Ok(())
    }

    /// Writes line `index` (of `total`) of an attack.
    #[allow(clippy::too_many_arguments)]
    fn attack_line(
        &mut self,
        attack: Attack,
        index: u64,
        total: u64,
        time: i64,
        rng: &mut Rng,
        sink: &mut Sink,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        let texts = &self.attackers.texts;
        let text = |i: usize| texts.get(i).map_or(&b"-"[..], Vec::as_slice);
        let path = &mut self.path;
        let user = &mut self.user;
        path.clear();
        user.clear();
        user.push(b'-');
        let mut line = Line {
            addr: b"-",
            user: b"-",
            method: b"GET",
            path: b"/",
            protocol: b"HTTP/1.1",
            status: 200,
            size: 0,
            referer: b"-",
            agent: BROWSER_AGENT,
        };
        let planted = &mut self.planted;
        let window: &mut Window = match attack {
            Attack::Flood => {
                if index.is_multiple_of(2) {
                    path.push(b'/');
                } else {
                    path.extend_from_slice(b"/search?q=");
                    path.extend_from_slice(rng.pick(WORDS).copied().unwrap_or(b"x"));
                }
                let failing = rng.chance(100);
                line.addr = text(FLOOD);
                line.status = if failing { 503 } else { 200 };
                line.size = if failing {
                    rng.between(190, 200)
                } else {
                    rng.between(3_000, 42_000)
                };
                &mut planted.flood
            }
            Attack::Brute => {
                let success = index + 1 == total;
                path.extend_from_slice(b"/login");
                line.addr = text(BRUTE);
                line.method = b"POST";
                line.referer = b"https://shop.example.com/login";
                line.agent = BRUTE_AGENT;
                line.status = if success { 302 } else { 401 };
                line.size = if success { 154 } else { rng.between(48, 60) };
                if success {
                    &mut planted.brute_success
                } else {
                    &mut planted.brute
                }
            }
            Attack::Stuffing => {
                path.extend_from_slice(b"/admin/");
                user.clear();
                let name = NAMES
                    .get(index as usize % NAMES.len())
                    .copied()
                    .unwrap_or("x");
                user.extend_from_slice(name.as_bytes());
                push_number(user, 1950 + index / NAMES.len() as u64);
                // A few of the stolen passwords work.
                let works = index + 1 == total || index % 97 == 50;
                line.addr = text(STUFFING);
                line.user = user.as_slice();
                line.agent = STORM_AGENT;
                line.status = if works { 200 } else { 401 };
                line.size = if works {
                    rng.between(2_000, 9_000)
                } else {
                    rng.between(150, 180)
                };
                planted.stuffing_users += 1;
                &mut planted.stuffing
            }
            Attack::Spray => {
                path.extend_from_slice(b"/admin/");
                user.clear();
                user.extend_from_slice(SPRAY_USER.as_bytes());
                let spray = &self.attackers.spray;
                line.addr = spray
                    .get(index as usize % spray.len().max(1))
                    .map_or(&b"-"[..], Vec::as_slice);
                line.user = user.as_slice();
                line.agent = SPRAY_AGENT;
                line.status = 401;
                line.size = rng.between(150, 180);
                planted.spray_addrs = planted.spray_addrs.max((index + 1).min(SPRAY_MAX));
                &mut planted.spray
            }
            Attack::Scanner => {
                let (probe, status) = PROBES
                    .get(index as usize % PROBES.len())
                    .copied()
                    .unwrap_or((b"/.env", 404));
                path.extend_from_slice(probe);
                line.addr = text(SCANNER);
                line.agent = SCANNER_AGENT.as_bytes();
                line.status = status;
                line.size = rng.between(150, 560);
                &mut planted.scanner
            }
            Attack::Sqlmap => {
                path.extend_from_slice(b"/search?q=");
                path.extend_from_slice(rng.pick(WORDS).copied().unwrap_or(b"x"));
                path.extend_from_slice(
                    INJECTIONS
                        .get(index as usize % INJECTIONS.len())
                        .copied()
                        .unwrap_or(b""),
                );
                let broke = rng.chance(150);
                line.addr = text(SQLMAP);
                line.agent = SQLMAP_AGENT.as_bytes();
                line.status = if broke { 500 } else { 200 };
                line.size = if broke {
                    rng.between(157, 600)
                } else {
                    rng.between(3_000, 42_000)
                };
                &mut planted.sqlmap
            }
            Attack::Storm => {
                path.extend_from_slice(b"/api/v1/items?page=");
                push_number(path, index % 50 + 1);
                line.addr = text(STORM);
                line.agent = STORM_AGENT;
                line.status = 429;
                line.size = rng.between(40, 60);
                &mut planted.storm
            }
            Attack::Exports => {
                path.extend_from_slice(b"/api/export?format=csv&table=orders&page=");
                push_number(path, index + 1);
                line.addr = text(EXPORT);
                line.referer = b"https://shop.example.com/account";
                line.size = rng.between(20_000_000, 80_000_000);
                planted.export_bytes += line.size;
                &mut planted.exports
            }
            Attack::Errors => return Ok(()),
        };
        line.path = path.as_slice();
        let number = sink.line(time, &line, out)?;
        window.record(number, time);
        Ok(())
    }
}
