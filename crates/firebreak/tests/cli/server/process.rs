//! A real `firebreak serve` process, for what needs a socket: signals, replicas, the browser.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::support::{Fb, binary};

/// A running server; killed when dropped if still running.
pub struct Served {
    pub child: Child,
    pub addr: SocketAddr,
}

impl Served {
    /// Starts `firebreak serve` on a free loopback port over `fb`'s data directory.
    pub fn start(fb: &Fb, extra: &[&str]) -> Served {
        let mut cmd = Command::new(binary());
        for var in [
            "FIREBREAK_DATABASE_URL",
            "FIREBREAK_CONFIG",
            "FIREBREAK_LISTEN",
        ] {
            cmd.env_remove(var);
        }
        let mut child = cmd
            .envs(fb.env())
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn firebreak serve");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            // Keep draining after the start line, so the server never blocks on a full pipe.
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let start = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("serve printed no start line within 60 s");
        let addr = start
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("no address in serve's start line: {start}"));
        Served { child, addr }
    }

    /// `http://ADDR` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Sends SIGTERM.
    pub fn terminate(&self) {
        let pid = rustix::process::Pid::from_raw(self.child.id() as i32).expect("pid");
        rustix::process::kill_process(pid, rustix::process::Signal::TERM).expect("kill");
    }

    /// Waits (bounded) for the process to exit; its exit status.
    pub fn wait(&mut self, within: Duration) -> std::process::ExitStatus {
        let deadline = std::time::Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "serve did not exit within {within:?}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Makes a token with `role` through the real binary; its secret.
pub fn token(fb: &Fb, role: &str, name: &str) -> String {
    let out = fb
        .cmd(&["--json", "token", "create", "--role", role, "--name", name])
        .output()
        .expect("token create");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    v["secret"].as_str().expect("secret").to_string()
}

/// Regression: a busy port said only "cannot listen on …", not how to choose another.
#[test]
fn a_busy_port_says_how_to_choose_another() {
    let fb = Fb::init();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = taken.local_addr().expect("addr").to_string();
    let out = fb
        .cmd(&["serve", "--listen", &addr])
        .timeout(std::time::Duration::from_secs(30))
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&addr)
            && stderr.contains("--listen")
            && stderr.contains("FIREBREAK_LISTEN"),
        "{stderr}"
    );
    assert!(
        !stderr.contains('\x1b'),
        "no colour codes off a terminal: {stderr:?}"
    );
}
