//! A real nginx on a loopback port, in a scratch prefix, answering 200 to everyone it does not
//! deny; and a client that connects from a chosen loopback address.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// nginx running from a scratch directory; stopped when dropped.
pub struct Nginx {
    pub dir: PathBuf,
    pub port: u16,
}

impl Nginx {
    /// Starts nginx with `deny.conf` and `extra.conf` included in its `http` block.
    pub fn start(dir: &Path) -> Nginx {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let d = dir.display();
        std::fs::write(dir.join("deny.conf"), "").expect("deny.conf");
        std::fs::write(dir.join("extra.conf"), "").expect("extra.conf");
        std::fs::create_dir_all(dir.join("www")).expect("www");
        std::fs::write(dir.join("www/index.html"), "ok\n").expect("index");
        std::fs::write(
            dir.join("nginx.conf"),
            format!(
                // `deny` works in nginx's access phase; a `return` answers before it, so the
                // page is a file. Workers run as root to read the private scratch directory.
                "user root;\nworker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\n\
                 events {{ worker_connections 64; }}\n\
                 http {{\n  access_log off;\n  client_body_temp_path {d}/body;\n\
                 include {d}/deny.conf;\n  include {d}/extra.conf;\n\
                 server {{ listen 127.0.0.1:{port}; location / {{ root {d}/www; }} }}\n}}\n"
            ),
        )
        .expect("nginx.conf");
        let out = Command::new("nginx")
            .args(Self::base_args(dir))
            .output()
            .expect("nginx must be installed (Debian: apt-get install nginx); scripts/test.sh installs it");
        assert!(
            out.status.success(),
            "nginx did not start: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let nginx = Nginx {
            dir: dir.to_path_buf(),
            port,
        };
        nginx.wait_for(Some("127.0.0.1"), 200);
        nginx
    }

    fn base_args(dir: &Path) -> Vec<String> {
        vec![
            "-p".into(),
            format!("{}/", dir.display()),
            "-c".into(),
            dir.join("nginx.conf").display().to_string(),
        ]
    }

    /// The `[contain]` config that drives this nginx.
    pub fn contain_config(&self) -> String {
        let args = Self::base_args(&self.dir);
        let list = |extra: &[&str]| {
            let mut all: Vec<String> = vec!["nginx".into()];
            all.extend(args.iter().cloned());
            all.extend(extra.iter().map(|s| s.to_string()));
            let quoted: Vec<String> = all.iter().map(|a| format!("{a:?}")).collect();
            format!("[{}]", quoted.join(", "))
        };
        format!(
            "[contain]\nvia = \"nginx\"\n\n[contain.nginx]\ninclude = {:?}\ntest = {}\nreload = {}\n",
            self.dir.join("deny.conf").display().to_string(),
            list(&["-t", "-q"]),
            list(&["-s", "reload"]),
        )
    }

    /// The HTTP status a client connecting from `from` (a loopback address) gets.
    pub fn status_from(&self, from: &str) -> u16 {
        let to: SocketAddr = format!("127.0.0.1:{}", self.port).parse().expect("addr");
        let from: SocketAddr = format!("{from}:0").parse().expect("from");
        crate::support::block_on(async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let socket = tokio::net::TcpSocket::new_v4().expect("socket");
            socket.bind(from).expect("bind client address");
            let mut stream = socket.connect(to).await.expect("connect to nginx");
            stream
                .write_all(b"GET / HTTP/1.0\r\nHost: test\r\n\r\n")
                .await
                .expect("send");
            let mut reply = Vec::new();
            stream.read_to_end(&mut reply).await.expect("read");
            let text = String::from_utf8_lossy(&reply);
            text.split_whitespace()
                .nth(1)
                .and_then(|s| s.parse().ok())
                .unwrap_or_else(|| panic!("no status in {text:?}"))
        })
    }

    /// Whether this nginx runs exactly its one worker and none of an older configuration: after
    /// a reload, until the old worker has gone, either worker may accept a connection and answer
    /// it under its own rules (`worker_processes 1`, so two workers means a reload in flight).
    fn one_worker(&self) -> bool {
        let Ok(master) = std::fs::read_to_string(self.dir.join("nginx.pid")) else {
            return false;
        };
        let master = master.trim();
        let Ok(procs) = std::fs::read_dir("/proc") else {
            return false;
        };
        let workers: Vec<String> = procs
            .flatten()
            .filter(|p| {
                p.file_name()
                    .to_string_lossy()
                    .bytes()
                    .all(|b| b.is_ascii_digit())
            })
            .filter(|p| {
                let stat = std::fs::read_to_string(p.path().join("stat")).unwrap_or_default();
                // `pid (comm) state ppid …`: the parent is the second field after the `)`.
                let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
                after.split_whitespace().nth(1) == Some(master)
            })
            .map(|p| {
                let cmd = std::fs::read(p.path().join("cmdline")).unwrap_or_default();
                String::from_utf8_lossy(&cmd).into_owned()
            })
            .filter(|cmd| cmd.contains("worker process"))
            .collect();
        workers.len() == 1 && !workers[0].contains("shutting down")
    }

    /// Waits (at most 10 s: a reload is asynchronous) until the workers of the old
    /// configuration are gone and a client from `from` gets `status` three times in a row.
    pub fn wait_for(&self, from: Option<&str>, status: u16) {
        let from = from.unwrap_or("127.0.0.1");
        let started = Instant::now();
        let (mut last, mut streak) = (0, 0);
        while started.elapsed() < Duration::from_secs(10) {
            if !self.one_worker() {
                std::thread::sleep(Duration::from_millis(20));
                continue;
            }
            last = self.status_from(from);
            if last == status {
                streak += 1;
                if streak == 3 {
                    return;
                }
                continue;
            }
            streak = 0;
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("a client from {from} still gets {last}, not {status}");
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = Command::new("nginx")
            .args(Self::base_args(&self.dir))
            .args(["-s", "stop"])
            .output();
    }
}
