//! A two-namespace network lab for the firewall backends: a server namespace (10.77.0.1, where
//! firebreak runs and blocks) joined by a veth pair to a client namespace holding two sources,
//! 10.77.0.2 and 10.77.0.3. An HTTP server (the system python3's `http.server`) listens in the
//! server namespace; curl connects from either source. Nothing touches the host's own network,
//! and dropping the lab deletes both namespaces, even when a test fails.
//!
//! It needs root and `ip netns` (CI runs as root); without them it fails, it does not skip.

use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::support::{Fb, binary};

/// The server's address.
pub const SERVER: &str = "10.77.0.1";
/// The source the tests block.
pub const BLOCKED: &str = "10.77.0.2";
/// The source that must keep working.
pub const OTHER: &str = "10.77.0.3";
const PORT: u16 = 8077;

static NEXT: AtomicUsize = AtomicUsize::new(0);

/// The two namespaces and the HTTP server; torn down when dropped.
pub struct Lab {
    pub server: String,
    client: String,
    http: Option<Child>,
}

fn ip(args: &[&str]) {
    let out = Command::new("ip").args(args).output().unwrap_or_else(|e| {
        panic!("cannot run `ip` ({e}): the firewall tests need iproute2 (Debian: apt-get install iproute2)")
    });
    assert!(
        out.status.success(),
        "`ip {}` failed: {} (the firewall tests need root and network namespaces; CI runs them as root)",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr).trim()
    );
}

impl Lab {
    /// Creates the namespaces, the link and the addresses, and starts the HTTP server.
    pub fn start() -> Lab {
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let tag = format!("{}x{n}", std::process::id() % 100_000);
        let mut lab = Lab {
            server: format!("fbsrv{tag}"),
            client: format!("fbcli{tag}"),
            http: None,
        };
        let (s, c) = (lab.server.clone(), lab.client.clone());
        let (va, vb) = (format!("fba{tag}"), format!("fbb{tag}"));
        ip(&["netns", "add", &s]);
        ip(&["netns", "add", &c]);
        ip(&[
            "link", "add", &va, "netns", &s, "type", "veth", "peer", "name", &vb, "netns", &c,
        ]);
        ip(&["-n", &s, "addr", "add", &format!("{SERVER}/24"), "dev", &va]);
        for source in [BLOCKED, OTHER] {
            ip(&["-n", &c, "addr", "add", &format!("{source}/24"), "dev", &vb]);
        }
        for (ns, dev) in [(&s, &va), (&c, &vb)] {
            ip(&["-n", ns, "link", "set", "lo", "up"]);
            ip(&["-n", ns, "link", "set", dev, "up"]);
        }
        let http = Command::new("ip")
            .args(["netns", "exec", &s, "python3", "-m", "http.server"])
            .args(["--bind", SERVER, &PORT.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 must be installed to serve HTTP in the lab");
        lab.http = Some(http);
        let started = Instant::now();
        while !lab.reaches(OTHER) {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "the lab's HTTP server did not answer within 10 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        lab
    }

    /// Whether an HTTP request from `source` gets an answer (a dropped SYN times out in 1 s).
    pub fn reaches(&self, source: &str) -> bool {
        let out = Command::new("ip")
            .args([
                "netns",
                "exec",
                &self.client,
                "curl",
                "-s",
                "-o",
                "/dev/null",
            ])
            .args([
                "--connect-timeout",
                "1",
                "--max-time",
                "3",
                "--interface",
                source,
            ])
            .arg(format!("http://{SERVER}:{PORT}/"))
            .output()
            .expect("curl must be installed");
        out.status.success()
    }

    /// Polls for up to 5 s until `source` does (or does not) get through.
    pub fn wait_reach(&self, source: &str, reach: bool) {
        let started = Instant::now();
        while self.reaches(source) != reach {
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "{source} {} the server after 5 s",
                if reach {
                    "still cannot reach"
                } else {
                    "still reaches"
                }
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// `firebreak ARGS…` run inside the server namespace.
    pub fn firebreak(&self, fb: &Fb, args: &[&str]) -> assert_cmd::Command {
        let mut cmd = assert_cmd::Command::new("ip");
        cmd.args(["netns", "exec", &self.server])
            .arg(binary())
            .args(args)
            .env_remove("FIREBREAK_CONFIG")
            .env_remove("SSH_CONNECTION")
            .envs(fb.env());
        cmd
    }

    /// A program's output inside the server namespace (for looking at the kernel's rules).
    pub fn inside(&self, argv: &[&str]) -> String {
        let out = Command::new("ip")
            .args(["netns", "exec", &self.server])
            .args(argv)
            .output()
            .expect("run in the lab");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        if let Some(mut http) = self.http.take() {
            let _ = http.kill();
            let _ = http.wait();
        }
        for ns in [&self.server, &self.client] {
            let _ = Command::new("ip").args(["netns", "del", ns]).status();
        }
    }
}
