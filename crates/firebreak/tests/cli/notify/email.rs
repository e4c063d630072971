//! E-mail through a real SMTP server the test starts (Debian's `python3-aiosmtpd`, writing
//! what it receives to a Maildir): the envelope, the From/To/Subject/Message-ID headers and the
//! body arrive as sent.

use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::{text, with_config};

/// An aiosmtpd process; killed when dropped.
struct Smtp {
    child: Child,
    port: u16,
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_smtp(maildir: &Path) -> Smtp {
    let port = super::receiver::closed_port().port();
    // Debian's python3-aiosmtpd belongs to the system interpreter, whatever else is on PATH.
    let python = if Path::new("/usr/bin/python3").exists() {
        "/usr/bin/python3"
    } else {
        "python3"
    };
    let child = Command::new(python)
        .args(["-m", "aiosmtpd", "-n", "-l"])
        .arg(format!("127.0.0.1:{port}"))
        .args(["-c", "aiosmtpd.handlers.Mailbox"])
        .arg(maildir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 must be installed (scripts/test.sh installs python3-aiosmtpd)");
    let mut smtp = Smtp { child, port };
    let deadline = Instant::now() + Duration::from_secs(15);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Some(status) = smtp.child.try_wait().expect("try_wait") {
            let mut err = String::new();
            if let Some(mut e) = smtp.child.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut e, &mut err);
            }
            panic!("aiosmtpd exited ({status}); scripts/test.sh installs python3-aiosmtpd: {err}");
        }
        assert!(
            Instant::now() < deadline,
            "aiosmtpd did not listen within 15 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    smtp.port = port;
    smtp
}

#[test]
fn an_smtp_server_receives_the_message_with_the_right_headers_and_body() {
    let scratch = tempfile::tempdir().expect("tempdir");
    let maildir = scratch.path().join("Maildir");
    let smtp = start_smtp(&maildir);
    let fb = with_config(&format!(
        "[notify.smtp]\nhost = \"127.0.0.1\"\nport = {}\nsecurity = \"none\"\nfrom = \"Firebreak <firebreak@example.org>\"\n\
         [[notify.contacts]]\nname = \"carol\"\nemail = \"carol@example.org\"\n",
        smtp.port
    ));
    let id = fb.declare("Login page returns 500", "P2");
    let out = fb
        .cmd(&[
            "notify",
            &id,
            "--to",
            "carol",
            "--message",
            "Restarted the session store",
        ])
        .output()
        .expect("run");
    let (stdout, err) = text(&out);
    assert!(out.status.success(), "{stdout}{err}");
    let key = fb.json(&["notify", &id, "--log"])["notifications"][0]["message"]["key"]
        .as_str()
        .expect("key")
        .to_string();

    let new = maildir.join("new");
    let files: Vec<_> = std::fs::read_dir(&new)
        .expect("maildir/new")
        .map(|e| e.expect("entry").path())
        .collect();
    assert_eq!(files.len(), 1, "one message delivered");
    let mail = std::fs::read_to_string(&files[0]).expect("read mail");
    let header = |name: &str| -> String {
        mail.lines()
            .take_while(|l| !l.is_empty())
            .find_map(|l| l.strip_prefix(&format!("{name}: ")))
            .unwrap_or_else(|| panic!("no {name} header in:\n{mail}"))
            .trim()
            .to_string()
    };
    assert_eq!(header("From"), "Firebreak <firebreak@example.org>");
    assert_eq!(header("To"), "carol@example.org");
    assert_eq!(
        header("Subject"),
        format!("[P2] {id} is investigating: Login page returns 500")
    );
    assert_eq!(header("Message-ID"), format!("<{key}@firebreak>"));
    // aiosmtpd's Mailbox records the envelope it was given.
    assert_eq!(header("X-MailFrom"), "firebreak@example.org");
    assert_eq!(header("X-RcptTo"), "carol@example.org");
    let raw = mail.split_once("\n\n").map(|(_, b)| b).unwrap_or_default();
    let body = match header("Content-Transfer-Encoding").as_str() {
        "quoted-printable" => quoted_printable(raw),
        _ => raw.to_string(),
    };
    assert!(body.contains("Restarted the session store"), "{body}");
    assert!(body.contains(&format!("{id} · P2")), "{body}");
}

#[test]
fn plain_smtp_to_another_host_is_refused_at_file_line_col() {
    let fb = with_config(
        "[notify.smtp]\nhost = \"mail.example.org\"\nsecurity = \"none\"\nfrom = \"f@example.org\"\n",
    );
    let out = fb.cmd(&["contacts"]).output().expect("run");
    let (_, err) = text(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        err.contains("firebreak.toml:1:1:") && err.contains("only allowed to a relay on this host"),
        "{err}"
    );
}

/// Decodes a quoted-printable body, as a mail reader does.
fn quoted_printable(text: &str) -> String {
    let joined = text.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
