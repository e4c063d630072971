//! `serve` runs the checks on their schedule: `/metrics` exports each one's status and last
//! run, and a critical result is recorded once on its incident, not once per run.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::time::{Duration, Instant};

use crate::server::process::{Served, token};
use crate::support::Fb;

fn metrics(addr: SocketAddr, secret: &str) -> String {
    let Ok(mut s) = TcpStream::connect(addr) else {
        return String::new();
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = write!(
        s,
        "GET /metrics HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {secret}\r\nconnection: close\r\n\r\n"
    );
    let mut text = String::new();
    let _ = s.read_to_string(&mut text);
    text
}

#[test]
fn serve_exports_check_status_and_records_a_critical_result_once() {
    let fb = Fb::init();
    let closed = UdpSocket::bind("127.0.0.1:0")
        .and_then(|s| s.local_addr())
        .expect("free udp port")
        .port();
    let config = fb.file(
        "serve-checks.toml",
        &format!(
            "[[check]]\nname = \"quic\"\nkind = \"port\"\nprotocol = \"udp\"\nport = {closed}\nevery = \"1s\"\nseverity = \"P1\"\n\n\
             [[check]]\nname = \"fine\"\nkind = \"command\"\ncommand = [\"true\"]\nevery = \"1s\"\n"
        ),
    );
    let secret = token(&fb, "viewer", "prometheus");
    let served = Served::start(&fb, &["--config", config.to_str().expect("utf-8")]);
    let started = Instant::now();
    let mut text = String::new();
    // Three runs of each check at least.
    while started.elapsed() < Duration::from_secs(4) || !text.contains("check=\"quic\"") {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no check status in /metrics: {text}"
        );
        std::thread::sleep(Duration::from_millis(250));
        text = metrics(served.addr, &secret);
    }
    assert!(
        text.contains("firebreak_check_status{check=\"quic\",kind=\"port\"} 2"),
        "{text}"
    );
    assert!(
        text.contains("firebreak_check_status{check=\"fine\",kind=\"command\"} 0"),
        "{text}"
    );
    assert!(
        text.contains("firebreak_check_last_run_timestamp_seconds{check=\"quic\",kind=\"port\"}"),
        "{text}"
    );
    drop(served);
    let list = fb.json(&["ls"]);
    let incidents = list.as_array().expect("list");
    assert_eq!(incidents.len(), 1, "{list}");
    let id = incidents[0]["id"].as_str().expect("id");
    let shown = fb.json(&["show", id]);
    assert_eq!(shown["incident"]["severity"], "P1");
    assert_eq!(shown["incident"]["detections"][0]["rule"], "check:quic");
    let timeline = fb.json(&["timeline", id]);
    let detected = timeline["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["kind"] == "detected")
        .count();
    assert_eq!(detected, 1, "recorded once, not once per run: {timeline}");
}
