//! `prometheus`: Debian's Prometheus, started by the test on a loopback port, scraping a test
//! exporter every second; queries judged against limits, and a query with no data is unknown.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::{result, run, status};
use crate::support::Fb;

/// An exporter serving fixed metrics text at any path.
fn exporter() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        let body = "# TYPE delivery_queue_depth gauge\ndelivery_queue_depth{queue=\"outbound\"} 1500\n\
                    delivery_queue_depth{queue=\"inbound\"} 12\n\
                    # TYPE rate_limit_hit_total counter\nrate_limit_hit_total 3\n";
        // Bounded: a scrape a second for the length of the test.
        for stream in listener.incoming().flatten().take(600) {
            let mut stream = stream;
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\ncontent-type: text/plain; version=0.0.4\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    port
}

/// Prometheus in a scratch directory; killed when dropped.
struct Prometheus(Child);

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(dir: &Path, target: u16) -> (Prometheus, u16) {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let config = dir.join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n\
             scrape_configs:\n  - job_name: exporter\n    static_configs:\n      - targets: ['127.0.0.1:{target}']\n"
        ),
    )
    .expect("config");
    let child = Command::new("prometheus")
        .arg(format!("--config.file={}", config.display()))
        .arg(format!("--storage.tsdb.path={}", dir.join("tsdb").display()))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("prometheus must be installed (Debian: apt-get install prometheus); scripts/test.sh installs it");
    (Prometheus(child), port)
}

/// GET `path` from 127.0.0.1:`port`; the body, or empty on any failure.
fn get(port: u16, path: &str) -> String {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return String::new();
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = write!(
        s,
        "GET {path} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n"
    );
    let mut text = String::new();
    let _ = s.read_to_string(&mut text);
    text
}

#[test]
fn a_real_prometheus_query_is_judged_against_its_limits() {
    let fb = Fb::new();
    let exporter = exporter();
    let (_prometheus, port) = start(fb.root(), exporter);
    let started = Instant::now();
    while !get(port, "/api/v1/query?query=delivery_queue_depth").contains("\"1500\"") {
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "Prometheus did not scrape the exporter within 90 s"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
    let checks = format!(
        r#"
[[check]]
name = "queue"
kind = "prometheus"
url = "http://127.0.0.1:{port}"
query = "delivery_queue_depth"
warn = 100
critical = 1000

[[check]]
name = "queue-inbound"
kind = "prometheus"
url = "http://127.0.0.1:{port}/"
query = 'delivery_queue_depth{{queue="inbound"}}'
warn = 100
critical = 1000

[[check]]
name = "scraped"
kind = "prometheus"
url = "http://127.0.0.1:{port}"
query = 'up{{job="exporter"}}'
compare = "<"
critical = 1

[[check]]
name = "absent"
kind = "prometheus"
url = "http://127.0.0.1:{port}"
query = "auth_login_failure_total"
critical = 10

[[check]]
name = "bad-query"
kind = "prometheus"
url = "http://127.0.0.1:{port}"
query = "rate(("
critical = 10
"#
    );
    let (code, json) = run(&fb, &checks, &[]);
    let queue = result(&json, "queue");
    assert_eq!(queue["status"], "critical", "{queue}");
    assert_eq!(queue["value"], "1500");
    assert!(
        queue["reason"]
            .as_str()
            .expect("reason")
            .contains("worst of 2 series"),
        "{queue}"
    );
    assert_eq!(status(&json, "queue-inbound"), "ok");
    assert_eq!(status(&json, "scraped"), "ok");
    let absent = result(&json, "absent");
    assert_eq!(absent["status"], "unknown", "no data is not ok: {absent}");
    assert!(
        absent["reason"]
            .as_str()
            .expect("reason")
            .contains("no data")
    );
    assert_eq!(status(&json, "bad-query"), "unknown");
    assert_eq!(code, 6);
}
