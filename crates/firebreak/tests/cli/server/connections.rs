//! The real server's connections, over raw sockets: a client that trickles its request head is
//! cut off while others are served, a request that takes too long is answered 408, and what hyper
//! refuses before any request exists (a bad header, a long URL, huge headers) carries the same
//! JSON error body as every other error.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::process::Served;
use crate::support::Fb;

/// Sends `request` on a fresh connection and reads until the server closes it (bounded).
fn exchange(served: &Served, request: &[u8]) -> (u16, String, Value) {
    let mut s = TcpStream::connect(served.addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    s.write_all(request).expect("send");
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out).into_owned();
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no response head: {text:?}"));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status: {head:?}"));
    let json = serde_json::from_str(body).unwrap_or(Value::Null);
    (status, head.to_ascii_lowercase(), json)
}

/// Regression (issue 19): a client sending half its headers held its connection 40 s and more
/// and was then still served.
#[test]
fn a_half_sent_request_head_is_cut_off_while_others_are_served() {
    let fb = Fb::init();
    let served = Served::start(&fb, &["--header-timeout", "1s"]);
    let mut slow = TcpStream::connect(served.addr).expect("connect");
    slow.set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let began = Instant::now();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: firebreak\r\n")
        .expect("half a head");
    // Meanwhile a normal client is served.
    let (status, _, body) = exchange(
        &served,
        b"GET /healthz HTTP/1.1\r\nHost: firebreak\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(status, 200, "{body}");
    // Trickle one header byte at a time, as slowloris does, until the server hangs up.
    let mut writes_failed = false;
    for byte in b"X-Slow: 1234567890abcdefghijklmnopqrstuvwxyz"
        .iter()
        .cycle()
        .take(100)
    {
        std::thread::sleep(Duration::from_millis(100));
        if slow.write_all(&[*byte]).is_err() {
            writes_failed = true;
            break;
        }
    }
    let mut answer = Vec::new();
    if let Err(e) = slow.read_to_end(&mut answer) {
        assert!(
            !matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ),
            "the server still held the connection after {:?} (writes failed: {writes_failed})",
            began.elapsed()
        );
    }
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        !answer.contains(" 200 "),
        "a trickled request is not served: {answer}"
    );
}

/// A request whose body does not arrive within the request timeout is answered 408, in JSON.
#[test]
fn a_request_whose_body_stalls_is_answered_408_in_json() {
    let fb = Fb::init();
    let served = Served::start(&fb, &["--request-timeout", "1s"]);
    let (status, head, body) = exchange(
        &served,
        b"POST /signin HTTP/1.1\r\nHost: firebreak\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ntoken=fbk_",
    );
    assert_eq!(status, 408, "{head}");
    assert!(head.contains("content-type: application/json"), "{head}");
    assert_eq!(body["code"], "timed_out", "{body}");
}

/// Regression (issue 19): 414, 431 and the 400 for a header hyper cannot parse (a bad
/// `If-None-Match`) had empty bodies.
#[test]
fn what_hyper_refuses_before_a_request_exists_gets_a_json_body() {
    let fb = Fb::init();
    let served = Served::start(&fb, &[]);
    let long_url = format!(
        "GET /api/v1/incidents?q={} HTTP/1.1\r\nHost: firebreak\r\n\r\n",
        "a".repeat(70_000)
    );
    // More headers than hyper takes (100). One huge header is refused too, but only once
    // hyper's buffer fills, and a busy server may read it whole before checking: the count is
    // checked on every parse.
    let many: String = (0..150).map(|n| format!("X-Extra-{n}: {n}\r\n")).collect();
    let huge_header = format!("GET /api/v1/incidents HTTP/1.1\r\nHost: firebreak\r\n{many}\r\n");
    let cases: [(&[u8], u16, &str); 4] = [
        (long_url.as_bytes(), 414, "uri_too_long"),
        (huge_header.as_bytes(), 431, "headers_too_large"),
        (
            b"GET /api/v1/incidents HTTP/1.1\r\nHost: firebreak\r\nIf-None-Match: \"a\x01b\"\r\n\r\n",
            400,
            "bad_request",
        ),
        (b"NOT HTTP AT ALL\r\n\r\n", 400, "bad_request"),
    ];
    for (request, want, code) in cases {
        let (status, head, body) = exchange(&served, request);
        assert_eq!(status, want, "{head}");
        assert!(head.contains("content-type: application/json"), "{head}");
        assert_eq!(body["code"], code, "{head}\n{body}");
        assert!(
            body["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{body}"
        );
    }
    // The server still serves afterwards.
    let (status, _, _) = exchange(
        &served,
        b"GET /healthz HTTP/1.1\r\nHost: firebreak\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(status, 200);
}
