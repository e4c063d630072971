//! The `sockets` part: TCP and UDP sockets over IPv4 and IPv6 with their owning processes,
//! what `ss -tuapn` shows, read from `/proc/net/{tcp,tcp6,udp,udp6}` and `/proc/PID/fd`.
//!
//! The part's JSON and its limits are documented on the collector function, which is
//! re-exported from the `snapshot` module.

use std::collections::{BTreeMap, HashMap};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::unix::ffi::OsStrExt as _;

use serde_json::{Map, Value, json};

use super::passwd::Names;
use super::read::{self, Problems};
use super::{Options, Part, proc};

/// Largest `/proc/net/*` file read (about 150 bytes a socket: over 200,000 sockets).
const TABLE_MAX: usize = 32 << 20;
/// Most descriptor links read across all processes.
const FD_MAX: usize = 1_000_000;

/// One line of a `/proc/net` table.
#[derive(Debug, PartialEq, Eq)]
struct Entry {
    local: (IpAddr, u16),
    remote: (IpAddr, u16),
    state: u8,
    tx_queue: u64,
    rx_queue: u64,
    uid: u32,
    inode: u64,
}

/// Lists the TCP and UDP sockets of [`Options::proc_root`]`/net` and who holds them.
///
/// ```text
/// { "sockets": [ { "protocol": "tcp", "state": "LISTEN", "listening": true,
///                  "local_address": "127.0.0.1", "local_port": 8080,
///                  "remote_address": "0.0.0.0", "remote_port": 0,
///                  "tx_queue": 0, "rx_queue": 0, "uid": 0, "user": "root", "inode": 12345,
///                  "processes": [ { "pid": 812, "comm": "nginx" } ] } ] }
/// ```
///
/// - `protocol` is `tcp`, `tcp6`, `udp` or `udp6` (the file it came from; an IPv4 peer of an
///   IPv6 socket shows as `::ffff:a.b.c.d`).
/// - `state` is the kernel's TCP state (`ESTABLISHED`, `SYN_SENT`, `SYN_RECV`, `FIN_WAIT1`,
///   `FIN_WAIT2`, `TIME_WAIT`, `CLOSE`, `CLOSE_WAIT`, `LAST_ACK`, `LISTEN`, `CLOSING`,
///   `NEW_SYN_RECV`, `BOUND_INACTIVE`, else `UNKNOWN(hex)`); for UDP `UNCONN` (bound, no peer)
///   or `ESTABLISHED` (connected), as `ss` says. `listening` is true for TCP `LISTEN` and UDP
///   `UNCONN`: the sockets that accept traffic from anyone.
/// - `uid`/`user` own the socket; `inode` identifies it (0 for sockets no process holds, such
///   as `TIME_WAIT`).
/// - `processes` are the processes holding a descriptor to the socket (pid and comm), found
///   by reading every `/proc/PID/fd/*` link `socket:[INODE]`. Without root, other users'
///   descriptors cannot be read; the problems say for how many processes.
///
/// Addresses in `/proc/net` are hex: IPv4 as one 32-bit word and IPv6 as four, each printed
/// in the host's byte order (little-endian on x86_64: `0100007F` is 127.0.0.1); ports are
/// plain hex numbers (`1F90` is 8080). The files list the sockets of the reader's network
/// namespace only: sockets inside containers with their own namespace are not seen.
pub fn sockets(options: &Options) -> Part {
    let mut problems = Problems::default();
    let names = Names::load(&options.passwd, &mut problems);
    let mut entries = Vec::new();
    for (protocol, v6) in [
        ("tcp", false),
        ("tcp6", true),
        ("udp", false),
        ("udp6", true),
    ] {
        let path = options.proc_root.join("net").join(protocol);
        let bytes = match read::head(&path, TABLE_MAX) {
            Ok((bytes, more)) => {
                if more {
                    problems.push(format!(
                        "{}: only the first {} MiB read",
                        path.display(),
                        TABLE_MAX >> 20
                    ));
                }
                bytes
            }
            Err(e) => {
                problems.io(&path, &e);
                continue;
            }
        };
        let mut malformed = 0usize;
        // The first line is the column header.
        for line in read::lines(&bytes).skip(1) {
            match parse_line(line, v6) {
                Some(entry) => entries.push((protocol, entry)),
                None => malformed += 1,
            }
        }
        if malformed > 0 {
            problems.push(format!(
                "{}: {} not in the expected format",
                path.display(),
                read::count(malformed, "line", "lines")
            ));
        }
    }

    let wanted: HashMap<u64, Vec<u32>> = entries
        .iter()
        .filter(|(_, e)| e.inode != 0)
        .map(|(_, e)| (e.inode, Vec::new()))
        .collect();
    let owners = owners(options, wanted, &mut problems);

    let list: Vec<Value> = entries
        .iter()
        .map(|(protocol, e)| {
            let udp = protocol.starts_with("udp");
            let processes: Vec<Value> = owners
                .pids
                .get(&e.inode)
                .map(|pids| {
                    pids.iter()
                        .map(|pid| {
                            let mut owner = Map::new();
                            owner.insert("pid".into(), (*pid).into());
                            match owners.comms.get(pid) {
                                Some(comm) => read::put_text(&mut owner, "comm", comm),
                                None => {
                                    owner.insert("comm".into(), Value::Null);
                                }
                            }
                            Value::Object(owner)
                        })
                        .collect()
                })
                .unwrap_or_default();
            json!({
                "protocol": protocol,
                "state": state_name(e.state, udp),
                "listening": if udp { e.state == 0x07 } else { e.state == 0x0A },
                "local_address": e.local.0.to_string(),
                "local_port": e.local.1,
                "remote_address": e.remote.0.to_string(),
                "remote_port": e.remote.1,
                "tx_queue": e.tx_queue,
                "rx_queue": e.rx_queue,
                "uid": e.uid,
                "user": names.get(e.uid),
                "inode": e.inode,
                "processes": processes,
            })
        })
        .collect();
    Part {
        name: "sockets",
        value: json!({ "sockets": list }),
        problems: problems.finish(),
    }
}

/// Which processes hold which socket inodes, and their names.
#[derive(Debug, Default)]
struct Owners {
    pids: HashMap<u64, Vec<u32>>,
    comms: BTreeMap<u32, Vec<u8>>,
}

/// Reads every process's descriptor links and keeps those pointing at a `wanted` inode.
fn owners(
    options: &Options,
    mut wanted: HashMap<u64, Vec<u32>>,
    problems: &mut Problems,
) -> Owners {
    let mut owners = Owners::default();
    if wanted.is_empty() {
        return owners;
    }
    let pids = match proc::pids(&options.proc_root) {
        Ok(pids) => pids,
        Err(e) => {
            problems.io(&options.proc_root, &e);
            return owners;
        }
    };
    let mut denied = 0usize;
    let mut links = 0usize;
    'processes: for pid in pids {
        let fd_dir = options.proc_root.join(pid.to_string()).join("fd");
        let entries = match std::fs::read_dir(&fd_dir) {
            Ok(entries) => entries,
            Err(e) if read::is_denied(&e) => {
                denied += 1;
                continue;
            }
            // Exited, or an error for this one process only: its sockets show no owner.
            Err(_) => continue,
        };
        let mut holds = false;
        let mut refused = false;
        for entry in entries.flatten() {
            links += 1;
            if links > FD_MAX {
                problems.push(format!(
                    "stopped after {FD_MAX} descriptors: later processes' sockets show no owner"
                ));
                break 'processes;
            }
            let target = match std::fs::read_link(entry.path()) {
                Ok(target) => target,
                // The directory may be listable while its links are not (a process that
                // cannot be traced): every link of it will be refused alike.
                Err(e) if read::is_denied(&e) => {
                    refused = true;
                    break;
                }
                Err(_) => continue,
            };
            let Some(inode) = socket_inode(target.as_os_str().as_bytes()) else {
                continue;
            };
            if let Some(pids) = wanted.get_mut(&inode) {
                // A process holding one socket through several descriptors is listed once.
                if pids.last() != Some(&pid) {
                    pids.push(pid);
                }
                holds = true;
            }
        }
        if refused {
            denied += 1;
        }
        if holds {
            let comm_path = options.proc_root.join(pid.to_string()).join("comm");
            if let Ok((comm, _)) = read::head(&comm_path, 256) {
                let comm = comm.strip_suffix(b"\n").unwrap_or(&comm).to_vec();
                owners.comms.insert(pid, comm);
            }
        }
    }
    if denied > 0 {
        problems.push(format!(
            "descriptors of {}: permission denied (their sockets show no owner)",
            read::count(denied, "process", "processes")
        ));
    }
    wanted.retain(|_, pids| !pids.is_empty());
    owners.pids = wanted;
    owners
}

/// The local endpoints listening in [`Options::proc_root`]`/net`: TCP sockets in `LISTEN`, or
/// (with `udp`) bound UDP sockets with no peer, the way a QUIC or DNS server waits. Reads
/// `tcp`+`tcp6` or `udp`+`udp6`; a missing file (IPv6 turned off) is skipped, but when neither
/// can be read, or a line is not in the expected format, that is an error: an answer built on
/// half a table would say "not listening" for the wrong reason.
pub fn listening(proc_root: &std::path::Path, udp: bool) -> Result<Vec<(IpAddr, u16)>, String> {
    let files: [(&str, bool); 2] = if udp {
        [("udp", false), ("udp6", true)]
    } else {
        [("tcp", false), ("tcp6", true)]
    };
    let mut out = Vec::new();
    let mut read_any = false;
    let mut failures = Vec::new();
    for (name, v6) in files {
        let path = proc_root.join("net").join(name);
        let bytes = match read::head(&path, TABLE_MAX) {
            Ok((_, true)) => {
                return Err(format!(
                    "{}: larger than {} MiB",
                    path.display(),
                    TABLE_MAX >> 20
                ));
            }
            Ok((bytes, false)) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => {
                failures.push(format!("{}: {e}", path.display()));
                continue;
            }
        };
        read_any = true;
        for (n, line) in read::lines(&bytes).enumerate().skip(1) {
            let e = parse_line(line, v6).ok_or_else(|| {
                format!("{}:{}: not in the expected format", path.display(), n + 1)
            })?;
            let listens = if udp {
                e.state == 0x07 && e.remote.1 == 0
            } else {
                e.state == 0x0A
            };
            if listens {
                out.push(e.local);
            }
        }
    }
    if !failures.is_empty() || !read_any {
        return Err(if failures.is_empty() {
            format!(
                "no {} table under {}",
                if udp { "udp" } else { "tcp" },
                proc_root.join("net").display()
            )
        } else {
            failures.join("; ")
        });
    }
    Ok(out)
}

/// The inode of a descriptor link `socket:[12345]`.
fn socket_inode(target: &[u8]) -> Option<u64> {
    let inode = target.strip_prefix(b"socket:[")?.strip_suffix(b"]")?;
    std::str::from_utf8(inode).ok()?.parse().ok()
}

/// Parses one line of `/proc/net/{tcp,udp}[6]`:
/// `sl local rem st tx:rx tr:when retrnsmt uid timeout inode …`.
fn parse_line(line: &[u8], v6: bool) -> Option<Entry> {
    let line = std::str::from_utf8(line).ok()?;
    let fields: Vec<&str> = line.split_ascii_whitespace().take(10).collect();
    if fields.len() < 10 || !fields[0].ends_with(':') {
        return None;
    }
    let (tx, rx) = fields[4].split_once(':')?;
    Some(Entry {
        local: parse_endpoint(fields[1], v6)?,
        remote: parse_endpoint(fields[2], v6)?,
        state: u8::try_from(hex(fields[3])?).ok()?,
        tx_queue: hex(tx)?,
        rx_queue: hex(rx)?,
        uid: fields[7].parse().ok()?,
        inode: fields[9].parse().ok()?,
    })
}

/// `0100007F:1F90` → 127.0.0.1:8080; IPv6 as four 32-bit words. Each word is printed as the
/// host stores it, hence native byte order.
fn parse_endpoint(text: &str, v6: bool) -> Option<(IpAddr, u16)> {
    let (address, port) = text.split_once(':')?;
    let port = u16::try_from(hex(port)?).ok()?;
    let words = if v6 { 4 } else { 1 };
    if address.len() != 8 * words {
        return None;
    }
    let mut bytes = [0u8; 16];
    for i in 0..words {
        let word = u32::try_from(hex(address.get(8 * i..8 * i + 8)?)?).ok()?;
        bytes[4 * i..4 * i + 4].copy_from_slice(&word.to_ne_bytes());
    }
    let ip = if v6 {
        IpAddr::V6(Ipv6Addr::from(bytes))
    } else {
        IpAddr::V4(Ipv4Addr::new(bytes[0], bytes[1], bytes[2], bytes[3]))
    };
    Some((ip, port))
}

/// A hex number of at most 16 digits, nothing else (no sign, no prefix).
fn hex(text: &str) -> Option<u64> {
    if text.is_empty() || text.len() > 16 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u64::from_str_radix(text, 16).ok()
}

/// The name `ss` gives a state (`include/net/tcp_states.h`).
fn state_name(state: u8, udp: bool) -> String {
    let name = match (state, udp) {
        (0x07, true) => "UNCONN",
        (0x01, _) => "ESTABLISHED",
        (0x02, _) => "SYN_SENT",
        (0x03, _) => "SYN_RECV",
        (0x04, _) => "FIN_WAIT1",
        (0x05, _) => "FIN_WAIT2",
        (0x06, _) => "TIME_WAIT",
        (0x07, _) => "CLOSE",
        (0x08, _) => "CLOSE_WAIT",
        (0x09, _) => "LAST_ACK",
        (0x0A, _) => "LISTEN",
        (0x0B, _) => "CLOSING",
        (0x0C, _) => "NEW_SYN_RECV",
        (0x0D, _) => "BOUND_INACTIVE",
        _ => return format!("UNKNOWN({state:02X})"),
    };
    name.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::path::Path;

    #[test]
    fn ipv4_endpoints_are_little_endian_words_and_big_endian_ports() {
        assert_eq!(
            parse_endpoint("0100007F:1F90", false),
            Some((IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1)), 8080))
        );
        assert_eq!(
            parse_endpoint("0A01A8C0:0016", false),
            Some((IpAddr::V4(Ipv4Addr::new(192, 168, 1, 10)), 22))
        );
    }

    #[test]
    fn ipv6_endpoints_are_four_little_endian_words() {
        assert_eq!(
            parse_endpoint("00000000000000000000000001000000:01BB", true),
            Some((IpAddr::V6(Ipv6Addr::LOCALHOST), 443))
        );
        // 2001:db8::1
        assert_eq!(
            parse_endpoint("B80D0120000000000000000001000000:0050", true),
            Some(("2001:db8::1".parse().expect("address"), 80))
        );
        // ::ffff:127.0.0.1, an IPv4 peer of an IPv6 socket.
        let (ip, _) =
            parse_endpoint("0000000000000000FFFF00000100007F:0050", true).expect("parses");
        assert_eq!(ip.to_string(), "::ffff:127.0.0.1");
    }

    #[test]
    fn endpoints_that_are_not_hex_or_the_wrong_length_are_refused() {
        for bad in [
            "0100007F",
            "0100007F:",
            "0100007:1F90",
            "0100007F:1F900",
            "+100007F:1F90",
            "0100007F:-1",
            "é100007F:1F90",
            "0100007F1:1F90",
            "",
        ] {
            assert_eq!(parse_endpoint(bad, false), None, "{bad}");
        }
        assert_eq!(parse_endpoint("0100007F:1F90", true), None);
    }

    #[test]
    fn a_tcp_line_parses_to_its_fields() {
        let line = b"   0: 0100007F:1F90 00000000:0000 0A 00000001:00000002 00:00000000 00000000  1000        0 12345 1 0000000000000000 100 0 0 10 0";
        assert_eq!(
            parse_line(line, false),
            Some(Entry {
                local: (IpAddr::V4(Ipv4Addr::LOCALHOST), 8080),
                remote: (IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0),
                state: 0x0A,
                tx_queue: 1,
                rx_queue: 2,
                uid: 1000,
                inode: 12345,
            })
        );
        let line = std::str::from_utf8(line).expect("ascii");
        for cut in 0..line.len() {
            let _ = parse_line(&line.as_bytes()[..cut], false);
        }
        assert_eq!(parse_line(b"garbage", false), None);
    }

    #[test]
    fn state_names_match_ss() {
        assert_eq!(state_name(0x0A, false), "LISTEN");
        assert_eq!(state_name(0x01, false), "ESTABLISHED");
        assert_eq!(state_name(0x06, false), "TIME_WAIT");
        assert_eq!(state_name(0x07, false), "CLOSE");
        assert_eq!(state_name(0x07, true), "UNCONN");
        assert_eq!(state_name(0x42, false), "UNKNOWN(42)");
    }

    #[test]
    fn socket_links_give_their_inode() {
        assert_eq!(socket_inode(b"socket:[12345]"), Some(12345));
        assert_eq!(socket_inode(b"pipe:[12345]"), None);
        assert_eq!(socket_inode(b"socket:[]"), None);
        assert_eq!(socket_inode(b"socket:[12"), None);
    }

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }

    #[test]
    fn sockets_from_a_fake_proc_with_owners() {
        let dir = tempfile::tempdir().expect("temp dir");
        let proc_root = dir.path().join("proc");
        let header = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";
        write(
            &proc_root.join("net/tcp"),
            &format!(
                "{header}   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 111 1\n\
                 \x20  1: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000  1000        0 222 1\n\
                 \x20  2: 0100007F:1F90 0100007F:C351 06 00000000:00000000 03:00000000 00000000     0        0 0 3\n\
                 \x20  3: nonsense\n"
            ),
        );
        write(&proc_root.join("net/tcp6"), header);
        write(
            &proc_root.join("net/udp"),
            &format!(
                "{header}  10: 00000000:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000   101        0 333 2\n"
            ),
        );
        // net/udp6 is missing, as with IPv6 disabled.
        let server = proc_root.join("40");
        write(&server.join("comm"), "server\n");
        std::fs::create_dir_all(server.join("fd")).expect("mkdir");
        std::os::unix::fs::symlink("socket:[111]", server.join("fd/3")).expect("link");
        std::os::unix::fs::symlink("socket:[111]", server.join("fd/4")).expect("link");
        std::os::unix::fs::symlink("socket:[333]", server.join("fd/5")).expect("link");
        std::os::unix::fs::symlink("/dev/null", server.join("fd/0")).expect("link");
        let client = proc_root.join("41");
        write(&client.join("comm"), "client\n");
        std::fs::create_dir_all(client.join("fd")).expect("mkdir");
        std::os::unix::fs::symlink("socket:[222]", client.join("fd/7")).expect("link");
        let passwd = dir.path().join("passwd");
        write(
            &passwd,
            "root:x:0:0::/:/bin/sh\nsystemd-resolve:x:101:101::/:/bin/false\n",
        );

        let part = sockets(&Options {
            proc_root: proc_root.clone(),
            passwd,
            ..Options::default()
        });

        let list = part.value["sockets"].as_array().expect("list");
        assert_eq!(list.len(), 4);
        assert_eq!(
            list[0],
            json!({
                "protocol": "tcp", "state": "LISTEN", "listening": true,
                "local_address": "127.0.0.1", "local_port": 8080,
                "remote_address": "0.0.0.0", "remote_port": 0,
                "tx_queue": 0, "rx_queue": 0, "uid": 0, "user": "root", "inode": 111,
                "processes": [{ "pid": 40, "comm": "server" }],
            })
        );
        assert_eq!(list[1]["remote_port"], 50000);
        assert_eq!(
            list[1]["processes"],
            json!([{ "pid": 41, "comm": "client" }])
        );
        assert_eq!(list[1]["user"], Value::Null);
        assert_eq!(list[2]["state"], "TIME_WAIT");
        assert_eq!(list[2]["processes"], json!([]));
        assert_eq!(list[3]["protocol"], "udp");
        assert_eq!(list[3]["state"], "UNCONN");
        assert_eq!(list[3]["listening"], true);
        assert_eq!(list[3]["local_port"], 53);
        assert_eq!(list[3]["user"], "systemd-resolve");
        assert_eq!(
            part.problems,
            [
                format!(
                    "{}: 1 line not in the expected format",
                    proc_root.join("net/tcp").display()
                ),
                format!("{}: not found", proc_root.join("net/udp6").display()),
            ]
        );
    }
}
