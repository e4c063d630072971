//! SIGTERM: a request in flight when the signal arrives is finished and its change kept;
//! nothing acknowledged is lost; the server then exits 0.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use super::process::{Served, token};
use crate::support::Fb;

fn declare(fb: &Fb) -> String {
    let out = fb
        .cmd(&["--json", "declare", "Disk filling on db-2", "--sev", "P3"])
        .output()
        .expect("declare");
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    v["incident"]["id"]
        .as_str()
        .or_else(|| v["id"].as_str())
        .expect("id")
        .to_string()
}

#[test]
fn sigterm_finishes_the_request_in_flight_and_keeps_its_change() {
    let fb = Fb::init();
    let id = declare(&fb);
    let secret = token(&fb, "responder", "ana");
    let mut served = Served::start(&fb, &[]);

    // Headers and half the body go out before the signal; the rest after it.
    let body = r#"{"text": "noted while the server was stopping"}"#;
    let (first, rest) = body.split_at(body.len() / 2);
    let mut conn = TcpStream::connect(served.addr).expect("connect");
    conn.set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    write!(
        conn,
        "POST /api/v1/incidents/{id}/notes HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {secret}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{first}",
        served.addr,
        body.len()
    )
    .expect("write head");
    conn.flush().expect("flush");
    std::thread::sleep(Duration::from_millis(300));
    served.terminate();
    std::thread::sleep(Duration::from_millis(300));
    conn.write_all(rest.as_bytes()).expect("write rest");
    let mut reply = String::new();
    conn.read_to_string(&mut reply).expect("read reply");
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");

    let status = served.wait(Duration::from_secs(30));
    assert!(status.success(), "serve exited with {status}");

    // The acknowledged note is in the journal, and the journal verifies.
    let timeline = fb.cmd(&["timeline", &id]).output().expect("timeline");
    let text = String::from_utf8_lossy(&timeline.stdout);
    assert!(
        text.contains("noted while the server was stopping"),
        "{text}"
    );
    fb.cmd(&["verify"]).assert().success();
}

#[test]
fn sigterm_with_no_requests_exits_promptly_and_cleanly() {
    let fb = Fb::init();
    let mut served = Served::start(&fb, &[]);
    served.terminate();
    assert!(served.wait(Duration::from_secs(30)).success());
}
