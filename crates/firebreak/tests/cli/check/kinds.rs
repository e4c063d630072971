//! `port`, `process`, `sqlite`, `command` and `http` against real sockets, processes, files,
//! programs and an HTTP server; config mistakes; the exit status.

use std::io::{Read, Write};
use std::net::{TcpListener, UdpSocket};
use std::time::Duration;

use super::{result, run, status};
use crate::support::Fb;

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

#[test]
fn a_udp_listener_is_seen_and_a_closed_port_is_critical() {
    let fb = Fb::new();
    // A QUIC server waits like this: a bound UDP socket with no peer.
    let quic = UdpSocket::bind("127.0.0.1:0").expect("udp");
    let udp_port = quic.local_addr().expect("addr").port();
    let closed = free_port();
    let checks = format!(
        r#"
[[check]]
name = "quic"
kind = "port"
port = {udp_port}
protocol = "udp"

[[check]]
name = "quic-on-loopback"
kind = "port"
port = {udp_port}
protocol = "udp"
address = "127.0.0.1"

[[check]]
name = "quic-as-tcp"
kind = "port"
port = {udp_port}

[[check]]
name = "closed"
kind = "port"
port = {closed}
protocol = "udp"
"#
    );
    let (code, json) = run(&fb, &checks, &[]);
    assert_eq!(status(&json, "quic"), "ok", "{json}");
    assert_eq!(status(&json, "quic-on-loopback"), "ok");
    assert_eq!(
        status(&json, "quic-as-tcp"),
        "critical",
        "a UDP socket is no TCP listener"
    );
    let r = result(&json, "closed");
    assert_eq!(r["status"], "critical");
    assert_eq!(r["reason"], format!("nothing listens on udp port {closed}"));
    assert_eq!(code, 6);
    drop(quic);
    let (_, json) = run(&fb, &checks, &["quic"]);
    assert_eq!(
        status(&json, "quic"),
        "critical",
        "closed once the socket is gone"
    );
    assert_eq!(
        json["checks"].as_array().map(Vec::len),
        Some(1),
        "only the named check ran"
    );
}

#[test]
fn processes_sqlite_files_and_commands() {
    let fb = Fb::new();
    let alive = fb.file("alive.pid", &format!("{}\n", std::process::id()));
    let dead = fb.file("dead.pid", "999999999\n");
    let good = fb.root().join("good.db");
    let bad = fb.root().join("bad.db");
    {
        let c = rusqlite::Connection::open(&good).expect("sqlite");
        c.execute_batch(
            "CREATE TABLE t(x TEXT); CREATE INDEX t_x ON t(x);
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
             INSERT INTO t SELECT printf('row %d', i) FROM n;",
        )
        .expect("fill");
    }
    // The same database with its third page (inside the table's b-tree) overwritten.
    let mut bytes = std::fs::read(&good).expect("read");
    let page = 4096;
    bytes[2 * page..3 * page].fill(0xA5);
    std::fs::write(&bad, &bytes).expect("corrupt copy");
    let checks = format!(
        r#"
[[check]]
name = "self"
kind = "process"
pidfile = "{alive}"

[[check]]
name = "gone"
kind = "process"
pidfile = "{dead}"

[[check]]
name = "by-name"
kind = "process"
process = "no-such-daemon-x"

[[check]]
name = "good-db"
kind = "sqlite"
path = "{good}"

[[check]]
name = "bad-db"
kind = "sqlite"
path = "{bad}"
integrity = "full"

[[check]]
name = "exit0"
kind = "command"
command = ["sh", "-c", "echo all fine"]

[[check]]
name = "exit1"
kind = "command"
command = ["sh", "-c", "echo queue is long; exit 1"]

[[check]]
name = "exit2"
kind = "command"
command = ["sh", "-c", "echo broken >&2; exit 2"]

[[check]]
name = "no-shell"
kind = "command"
command = ["echo", "$(touch {root}/injected)"]

[[check]]
name = "slow"
kind = "command"
command = ["sleep", "30"]
timeout = "1s"
"#,
        alive = alive.display(),
        dead = dead.display(),
        good = good.display(),
        bad = bad.display(),
        root = fb.root().display(),
    );
    let started = std::time::Instant::now();
    let (code, json) = run(&fb, &checks, &[]);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "the slow command was not cut"
    );
    assert_eq!(status(&json, "self"), "ok", "{json}");
    assert_eq!(status(&json, "gone"), "critical");
    assert_eq!(status(&json, "by-name"), "critical");
    assert_eq!(status(&json, "good-db"), "ok");
    assert_eq!(
        status(&json, "bad-db"),
        "critical",
        "{}",
        result(&json, "bad-db")
    );
    assert_eq!(status(&json, "exit0"), "ok");
    let warn = result(&json, "exit1");
    assert_eq!(warn["status"], "warn");
    assert!(
        warn["reason"]
            .as_str()
            .expect("reason")
            .ends_with(": queue is long"),
        "{warn}"
    );
    assert_eq!(status(&json, "exit2"), "critical");
    assert_eq!(status(&json, "no-shell"), "ok");
    assert!(
        !fb.root().join("injected").exists(),
        "the argument reached a shell"
    );
    let slow = result(&json, "slow");
    assert_eq!(slow["status"], "unknown", "{slow}");
    assert!(
        slow["reason"].as_str().expect("reason").contains("timeout"),
        "{slow}"
    );
    assert_eq!(code, 6);
}

/// A one-thread HTTP server answering each request with `answer`; `delay` before answering.
fn http_server(answer: &'static str, delay: Duration) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten().take(50) {
            let mut stream = stream;
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            std::thread::sleep(delay);
            let _ = stream.write_all(answer.as_bytes());
        }
    });
    port
}

#[test]
fn http_status_redirects_and_latency() {
    let fb = Fb::new();
    let ok = http_server(
        "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok",
        Duration::ZERO,
    );
    let moved = http_server(
        "HTTP/1.1 302 Found\r\nlocation: http://elsewhere.example/\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
        Duration::ZERO,
    );
    let slow = http_server(
        "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok",
        Duration::from_millis(400),
    );
    let checks = format!(
        r#"
[[check]]
name = "ok"
kind = "http"
url = "http://127.0.0.1:{ok}/health"

[[check]]
name = "moved"
kind = "http"
url = "http://127.0.0.1:{moved}/"

[[check]]
name = "slow"
kind = "http"
url = "http://127.0.0.1:{slow}/"
warn = 100
critical = 5000

[[check]]
name = "down"
kind = "http"
url = "http://127.0.0.1:{down}/"
"#,
        down = free_port()
    );
    let (code, json) = run(&fb, &checks, &[]);
    assert_eq!(status(&json, "ok"), "ok", "{json}");
    let moved = result(&json, "moved");
    assert_eq!(moved["status"], "critical");
    assert!(
        moved["reason"]
            .as_str()
            .expect("reason")
            .contains("redirect to http://elsewhere.example/, not followed"),
        "{moved}"
    );
    let slow = result(&json, "slow");
    assert_eq!(slow["status"], "warn", "{slow}");
    assert_eq!(status(&json, "down"), "critical");
    assert_eq!(code, 6);
}

#[test]
fn the_exit_status_is_the_worst_result() {
    let fb = Fb::new();
    let ok = "[[check]]\nname = \"a\"\nkind = \"command\"\ncommand = [\"true\"]\n";
    assert_eq!(run(&fb, ok, &[]).0, 0);
    let warn = format!(
        "{ok}[[check]]\nname = \"b\"\nkind = \"command\"\ncommand = [\"sh\", \"-c\", \"exit 1\"]\n"
    );
    assert_eq!(run(&fb, &warn, &[]).0, 4);
    let unknown = format!(
        "{warn}[[check]]\nname = \"c\"\nkind = \"command\"\ncommand = [\"/nonexistent/program\"]\n"
    );
    let (code, json) = run(&fb, &unknown, &[]);
    assert_eq!(code, 5, "unknown never exits 0: {json}");
    assert_eq!(json["worst"], "unknown");
}

#[test]
fn config_mistakes_are_located_and_nothing_runs() {
    let fb = Fb::new();
    let config = fb.file(
        "bad.toml",
        "[[check]]\nname = \"root\"\nkind = \"disk\"\npath = \"/\"\nwarn = 95\ncritical = 80\n",
    );
    let out = fb
        .cmd(&["--config", config.to_str().expect("utf-8"), "check"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "bad.toml:5:8: check \"root\": warn/critical: warn (95) must come before critical (80)"
        ),
        "{err}"
    );
    let config = fb.file("empty.toml", "");
    let out = fb
        .cmd(&["--config", config.to_str().expect("utf-8"), "check"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no checks are configured"));
    let config = fb.file("one.toml", "[[check]]\nname = \"a\"\nkind = \"oom\"\n");
    let out = fb
        .cmd(&["--config", config.to_str().expect("utf-8"), "check", "b"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no check named \"b\"; configured: a"));
}
