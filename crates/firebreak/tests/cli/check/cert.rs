//! `cert`: a certificate that expires in 5 days, from a file and served by a real TLS server
//! (`openssl s_server`), checked against its own CA; a name it is not valid for; an untrusted
//! chain.

use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::{result, run, status};
use crate::support::Fb;

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("openssl must be installed (scripts/test.sh installs it)");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA, and a leaf for `localhost` signed by it that expires in `days`.
pub fn make_certs(dir: &Path, days: &str) {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "365",
            "-subj",
            "/CN=Test CA",
        ],
    );
    openssl(
        dir,
        &[
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "leaf.key",
            "-out",
            "leaf.csr",
            "-subj",
            "/CN=localhost",
        ],
    );
    std::fs::write(
        dir.join("leaf.ext"),
        "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .expect("ext");
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "leaf.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "leaf.pem",
            "-days",
            days,
            "-extfile",
            "leaf.ext",
        ],
    );
}

/// `openssl s_server` on a free loopback port; killed when dropped.
pub struct Server(Child, pub u16);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn serve(dir: &Path) -> Server {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let child = Command::new("openssl")
        .current_dir(dir)
        .args(["s_server", "-quiet", "-accept"])
        .arg(format!("127.0.0.1:{port}"))
        .args(["-cert", "leaf.pem", "-key", "leaf.key", "-www"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("openssl s_server");
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "s_server did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Server(child, port)
}

#[test]
fn an_expiring_certificate_is_a_warning_from_a_file_and_from_a_tls_server() {
    let fb = Fb::new();
    make_certs(fb.root(), "5");
    let server = serve(fb.root());
    let root = fb.root().display();
    let checks = format!(
        r#"
[[check]]
name = "file"
kind = "cert"
path = "{root}/leaf.pem"
server_name = "localhost"
ca = "{root}/ca.pem"
warn = 10
critical = 2

[[check]]
name = "served"
kind = "cert"
endpoint = "localhost:{port}"
ca = "{root}/ca.pem"
warn = 10
critical = 2

[[check]]
name = "soon"
kind = "cert"
endpoint = "127.0.0.1:{port}"
server_name = "localhost"
ca = "{root}/ca.pem"
critical = 6

[[check]]
name = "misnamed"
kind = "cert"
endpoint = "127.0.0.1:{port}"
server_name = "mail.example"
ca = "{root}/ca.pem"

[[check]]
name = "untrusted"
kind = "cert"
endpoint = "localhost:{port}"
"#,
        port = server.1
    );
    let (code, json) = run(&fb, &checks, &[]);
    for name in ["file", "served"] {
        let r = result(&json, name);
        assert_eq!(r["status"], "warn", "{r}");
        let value = r["value"].as_str().expect("value");
        assert!(
            value.starts_with("4.") || value.starts_with("5.0"),
            "{value}"
        );
        assert!(
            r["reason"]
                .as_str()
                .expect("reason")
                .contains("days left, <= 10"),
            "{r}"
        );
    }
    assert_eq!(status(&json, "soon"), "critical");
    let misnamed = result(&json, "misnamed");
    assert_eq!(misnamed["status"], "critical");
    assert!(
        misnamed["reason"]
            .as_str()
            .expect("reason")
            .contains("not valid for mail.example"),
        "{misnamed}"
    );
    let untrusted = result(&json, "untrusted");
    assert_eq!(untrusted["status"], "critical");
    assert!(
        untrusted["reason"]
            .as_str()
            .expect("reason")
            .contains("chain does not verify"),
        "{untrusted}"
    );
    assert_eq!(code, 6, "the worst result is critical");
}
