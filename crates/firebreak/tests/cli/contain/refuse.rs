//! What `block` refuses: loopback, this host's own address, the SSH client, the allow-list; and
//! with a refusal nothing is written or recorded.

use crate::support::Fb;

/// This host's address on its default route, found without asking firebreak.
fn own_address() -> String {
    let socket = std::net::UdpSocket::bind("0.0.0.0:0").expect("udp");
    socket
        .connect("192.0.2.1:9")
        .expect("this host needs a default route for the own-address refusal test");
    socket.local_addr().expect("local").ip().to_string()
}

#[test]
fn refuses_loopback_own_address_and_the_allow_list() {
    let fb = Fb::init();
    let include = fb.root().join("deny.conf");
    std::fs::write(
        fb.data_dir().join("firebreak.toml"),
        format!(
            "[contain]\nallow = [\"10.20.0.0/16\"]\n[contain.nginx]\ninclude = {:?}\ntest = [\"true\"]\nreload = [\"true\"]\n",
            include.display().to_string()
        ),
    )
    .expect("config");
    let id = fb.declare("drill", "P3");
    let before = fb.event_count(&id);
    let own = own_address();
    for (target, says) in [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("127.0.0.0/8", "contains 127.0.0.1"),
        (own.as_str(), "this host's own addresses"),
        ("10.20.7.7", "allow-list"),
        ("10.0.0.0/8", "overlaps 10.20.0.0/16"),
    ] {
        let out = fb
            .cmd(&["block", target, "--incident", &id, "--reason", "x"])
            .output()
            .expect("run");
        assert!(!out.status.success(), "{target} was not refused");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(&format!("refusing to block {target}")),
            "{err}"
        );
        assert!(err.contains(says), "{target}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
    }
    // The SSH session's own client.
    let out = fb
        .cmd(&["block", "198.51.100.7", "--incident", &id, "--reason", "x"])
        .env("SSH_CONNECTION", "198.51.100.7 52100 192.0.2.10 22")
        .output()
        .expect("run");
    assert!(String::from_utf8_lossy(&out.stderr).contains("SSH session"));
    assert!(!include.exists(), "a refused block wrote the include file");
    assert_eq!(fb.event_count(&id), before);
    // Bad input is one clear line too.
    fb.cmd(&["block", "10.1.2.3/8", "--incident", &id, "--reason", "x"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("10.0.0.0/8"));
    // A wrong config value names its place.
    std::fs::write(
        fb.data_dir().join("firebreak.toml"),
        "[contain]\nallow = [\"nope\"]\n",
    )
    .expect("config");
    fb.cmd(&["block", "203.0.113.9", "--incident", &id, "--reason", "x"])
        .assert()
        .failure()
        .stderr(predicates::str::contains("firebreak.toml:2:"));
}
