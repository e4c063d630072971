//! One-off checks from flags, with no config at all: a UDP socket the test binds, a closed
//! port, a certificate file and a TLS server's certificate; bad flag values.

use std::net::{TcpListener, UdpSocket};

use serde_json::Value;

use super::cert::{make_certs, serve};
use crate::support::Fb;

/// `firebreak --json check ARGS…` with no config file: the exit code and the JSON.
fn check(fb: &Fb, args: &[&str]) -> (i32, Value) {
    let mut all = vec!["--json", "check"];
    all.extend_from_slice(args);
    let out = fb.cmd(&all).output().expect("run firebreak");
    let code = out.status.code().unwrap_or(-1);
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
        panic!(
            "no JSON (exit {code}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (code, json)
}

#[test]
fn a_bound_udp_socket_is_seen_without_config_and_a_closed_port_is_critical() {
    let fb = Fb::new();
    let quic = UdpSocket::bind("127.0.0.1:0").expect("udp");
    let port = quic.local_addr().expect("addr").port();
    let udp = format!("udp/{port}");
    let (code, json) = check(&fb, &["--port", &udp]);
    assert_eq!(json["checks"][0]["check"], format!("port udp {port}"));
    assert_eq!(json["checks"][0]["status"], "ok", "{json}");
    assert_eq!(code, 0);

    // The same number over TCP has no listener: what `ss -ltn` alone would have said.
    let tcp = format!("tcp/{port}");
    let (code, json) = check(&fb, &["--port", &udp, "--port", &tcp]);
    assert_eq!(json["checks"][0]["status"], "ok");
    assert_eq!(json["checks"][1]["status"], "critical", "{json}");
    assert_eq!(json["worst"], "critical");
    assert_eq!(code, 6);

    let closed = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    drop(quic);
    let (code, json) = check(&fb, &["--port", &format!("udp/{closed}")]);
    assert_eq!(
        json["checks"][0]["reason"],
        format!("nothing listens on udp port {closed}")
    );
    assert_eq!(code, 6);
}

#[test]
fn certificates_are_checked_from_a_file_and_an_endpoint_with_given_days() {
    let fb = Fb::new();
    make_certs(fb.root(), "5");
    let leaf = fb.root().join("leaf.pem");
    let leaf = leaf.to_str().expect("utf-8 path");
    let ca = fb.root().join("ca.pem");
    let ca = ca.to_str().expect("utf-8 path");
    // 5 days left: critical at the config's default of 7 …
    let (code, json) = check(&fb, &["--cert", leaf, "--ca", ca]);
    let r = &json["checks"][0];
    assert_eq!(
        (&r["kind"], &r["status"]),
        (&"cert".into(), &"critical".into()),
        "{json}"
    );
    assert!(
        r["reason"].as_str().expect("reason").contains("<= 7"),
        "{r}"
    );
    assert_eq!(code, 6);
    // … a warning when critical is 3 days.
    let (code, json) = check(&fb, &["--cert", leaf, "--ca", ca, "--critical-days", "3"]);
    assert_eq!(json["checks"][0]["status"], "warn", "{json}");
    assert_eq!(code, 4);
    // Without --ca the test CA is not among the system's roots: critical, however many days.
    let (code, json) = check(&fb, &["--cert", leaf, "--critical-days", "3"]);
    assert!(
        json["checks"][0]["reason"]
            .as_str()
            .expect("reason")
            .contains("chain does not verify"),
        "{json}"
    );
    assert_eq!(code, 6);

    let server = serve(fb.root());
    let endpoint = format!("127.0.0.1:{}", server.1);
    let args = [
        "--cert-endpoint",
        &endpoint,
        "--server-name",
        "localhost",
        "--ca",
        ca,
        "--warn-days",
        "10",
        "--critical-days",
        "2",
    ];
    let (code, json) = check(&fb, &args);
    assert_eq!(json["checks"][0]["status"], "warn", "{json}");
    assert_eq!(code, 4);
    // Against the system's roots the test CA is not trusted, and the certificate is not for
    // 127.0.0.1: never ok.
    let (code, json) = check(&fb, &["--cert-endpoint", &endpoint]);
    assert_ne!(json["checks"][0]["status"], "ok", "{json}");
    assert_ne!(code, 0);
}

#[test]
fn bad_flag_values_are_one_line_and_exit_2() {
    let fb = Fb::new();
    for (args, says) in [
        (
            &["--port", "443"][..],
            "--port: \"443\": write tcp/PORT or udp/PORT",
        ),
        (&["--port", "sctp/9"][..], "\"sctp\" is not tcp or udp"),
        (&["--port", "udp/70000"][..], "the port must be 1 to 65535"),
        (
            &["--cert-endpoint", "example.org"][..],
            "--cert-endpoint: \"example.org\": write host:port",
        ),
        (
            &[
                "--cert",
                "x.pem",
                "--warn-days",
                "3",
                "--critical-days",
                "7",
            ][..],
            "must come before critical",
        ),
        (
            &["--disk", "/", "--warn-days", "3"][..],
            "only apply to --cert or --cert-endpoint",
        ),
    ] {
        let out = fb
            .cmd(&[&["check"][..], args].concat())
            .output()
            .expect("run");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
    }
}
