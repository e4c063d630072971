//! Property tests that text a client chooses — a user name in an sshd or dropbear message, a
//! URL or a user agent in an access log — never changes which address a line is blamed on.
//! The generated text is built from the pieces an attacker would inject (`from ADDR`,
//! `port N`, `ssh2`, quotes, fake key fingerprints), mixed with ordinary words.

use firebreak_detect::format::Format;
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence};

const REAL: &str = "192.0.2.77";

fn config() -> Config {
    Config {
        cases: 512,
        failure_persistence: Some(Box::new(FileFailurePersistence::Off)),
        ..Config::default()
    }
}

/// Text made of injection pieces and plain words.
fn hostile() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just(" from 10.6.6.6".to_owned()),
        Just(" port 22".to_owned()),
        Just(" ssh2".to_owned()),
        Just(": RSA SHA256:fake".to_owned()),
        Just(" [preauth]".to_owned()),
        Just("'".to_owned()),
        Just("\\\"".to_owned()),
        Just(" 10.6.6.6 port 9".to_owned()),
        Just(" with key x".to_owned()),
        Just(":2222".to_owned()),
        Just(" rhost=10.6.6.6".to_owned()),
        "[a-z0-9 ./:=-]{0,8}",
    ];
    prop::collection::vec(piece, 0..8).prop_map(|p| p.concat())
}

fn client_of(format: &Format, line: &str) -> Option<String> {
    format
        .parse(line.as_bytes())
        .ok()
        .and_then(|r| r.client)
        .map(|a| a.to_string())
}

proptest! {
    #![proptest_config(config())]

    /// A user name never moves an sshd line's address; a line that cannot be read with
    /// certainty names no address rather than a wrong one.
    #[test]
    fn sshd_user_names_never_move_the_address(user in hostile()) {
        let syslog: Format = "syslog".parse().expect("syslog");
        let user = user.chars().take(100).collect::<String>();
        for template in [
            "Nov  3 09:00:01 h sshd[1]: Failed password for {u} from {a} port 40000 ssh2",
            "Nov  3 09:00:01 h sshd[1]: Failed password for invalid user {u} from {a} port 40000 ssh2",
            "Nov  3 09:00:01 h sshd[1]: Accepted password for {u} from {a} port 40000 ssh2",
            "Nov  3 09:00:01 h sshd[1]: Invalid user {u} from {a} port 40000",
            "Nov  3 09:00:01 h sshd[1]: Disconnected from authenticating user {u} {a} port 40000 [preauth]",
            "Nov  3 09:00:01 h sshd[1]: Connection closed by invalid user {u} {a} port 40000 [preauth]",
            "Nov  3 09:00:01 h sshd[1]: User {u} from {a} not allowed because not listed in AllowUsers",
            "Nov  3 09:00:01 h sshd[1]: error: maximum authentication attempts exceeded for {u} from {a} port 40000 ssh2 [preauth]",
            "Nov  3 09:00:01 h sshd[1]: error: PAM: Authentication failure for {u} from {a}",
            "Nov  3 09:00:01 h sshd[1]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost={a}  user={u}",
            "Nov  3 09:00:01 h dropbear[1]: Bad password attempt for '{u}' from {a}:40000",
            "Nov  3 09:00:01 h dropbear[1]: Pubkey auth succeeded for '{u}' with ssh-ed25519 key SHA256:x from {a}:40000",
        ] {
            let line = template.replace("{u}", &user).replace("{a}", REAL);
            let got = client_of(&syslog, &line);
            prop_assert_eq!(got.as_deref(), Some(REAL), "{}", line);
        }
        // A key login has server text after the address too: the real address or none.
        let line = format!(
            "Nov  3 09:00:01 h sshd[1]: Failed publickey for {user} from {REAL} port 4 ssh2: ED25519 SHA256:abc"
        );
        let got = client_of(&syslog, &line);
        prop_assert!(got.is_none() || got.as_deref() == Some(REAL), "{} gave {:?}", line, got);
    }

    /// Neither the URL nor the agent moves an access-log line's client.
    #[test]
    fn urls_and_agents_never_move_the_client(path in hostile(), agent in hostile()) {
        let path = format!("/{}", path.replace(' ', "%20"));
        for (format, line) in [
            (
                Format::Combined,
                format!(r#"{REAL} - - [10/Oct/2026:13:55:36 +0000] "GET {path} HTTP/1.1" 200 5 "-" "{agent}""#),
            ),
            (
                Format::Common,
                format!(r#"{REAL} - - [10/Oct/2026:13:55:36 +0000] "GET {path} HTTP/1.1" 404 5"#),
            ),
        ] {
            let got = client_of(&format, &line);
            prop_assert_eq!(got.as_deref(), Some(REAL), "{}", line);
        }
    }
}
