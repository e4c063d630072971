//! Property tests of the parsers against hostile input: arbitrary bytes and mutations of valid
//! lines of every format go through `parse` and `detect`. Nothing may panic, and whatever
//! parses must make sense: borrowed text lies inside the line, statuses are real statuses,
//! durations are finite. Bounded for CI (a couple of seconds in debug); `PROPTEST_CASES`
//! raises the count for a longer hunt.

use std::borrow::Cow;

use firebreak_detect::Record;
use firebreak_detect::format::{Format, FormatConfig};
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence};

/// Valid lines of every format, the seeds of the mutations.
const SEEDS: &[&str] = &[
    r#"2026/11/23 13:47:15 [error] 12#12: *3 user "a": password mismatch, client: 203.0.113.9, server: x, request: "GET /a HTTP/1.1", host: "x""#,
    r#"[Mon Nov 23 13:47:15.123456 2026] [auth_basic:error] [pid 7:tid 9] [client 2001:db8::1:5100] AH01617: user b: authentication failure for "/a": Password Mismatch"#,
    r#"<190>Nov 23 13:47:15 web1 nginx: 203.0.113.9 - - [23/Nov/2026:13:47:15 +0000] "GET /a HTTP/1.1" 404 153 "-" "curl/8""#,
    r#"{"ts":1795441635.25,"request":{"remote_ip":"10.0.0.2","client_ip":"203.0.113.9","method":"GET","uri":"/a","headers":{"User-Agent":["curl/8"],"Accept":["a","b"]}},"size":5,"status":404}"#,
    r#"{"ClientHost":"2001:db8::3","DownstreamStatus":401,"RequestMethod":"POST","RequestPath":"/login","request_User-Agent":"x","time":"2026-11-23T13:47:15Z"}"#,
    r#"2026-11-23T13:47:15.123456789Z stdout F {"remote_addr":"203.0.113.9","request":"GET /x HTTP/1.1","status":404}"#,
    r#"2026-11-23T13:47:15Z stderr P 203.0.113.9 - - [23/Nov/2026:13:47:15 +0000] "GET / HTTP/1.1" 200 1 "-" "-""#,
    r#"www.example.com:443 203.0.113.9 - - [23/Nov/2026:13:47:15 +0000] "GET /a?b=1 HTTP/1.1" 200 9 "-" "curl/8""#,
    r#"203.0.113.9 - alice [23/Nov/2026:14:47:15 +0100] "GET /login?next=%2F HTTP/1.1" 302 154 "https://example.com/" "Mozilla/5.0 \"x\"""#,
    r#"2001:db8::1 - - [23/Nov/2026:13:47:15 +0000] "\x16\x03\x01" 400 - "-" "-" 0.001 "10.0.0.1""#,
    r#"127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326"#,
    r#"192.0.2.1 - - [23/Nov/2026:13:47:15 +0000] "POST /x HTTP/1.1" 200 5 "-" "curl/8" 0.250 0.246, 0.004 : 0.001 "203.0.113.50, 10.1.2.3""#,
    r#"{"time":"2026-11-23T13:47:15+00:00","remote_addr":"2001:db8::2","request":"POST /wp-login.php HTTP/1.1","status":"401","body_bytes_sent":512,"http_user_agent":"a \"b\""}"#,
    r#"{"@timestamp":1795441635123,"client":{"ip":"198.51.100.23"},"http":{"response":{"status_code":429}},"remote":{"ip":"192.0.2.9"},"geo":{"country":"NL"}}"#,
    r#"{"__REALTIME_TIMESTAMP":"1795441635000000","SYSLOG_IDENTIFIER":"sshd","MESSAGE":"Failed password for root from 2001:db8::66 port 50514 ssh2"}"#,
    "<38>Nov 23 13:47:15 bastion sshd[4121]: Failed password for invalid user admin from 203.0.113.5 port 48822 ssh2",
    "Nov  3 09:00:01 bastion sshd[99]: Disconnected from authenticating user root 2001:db8::5 port 50022 [preauth]",
    r#"<86>1 2026-11-23T13:47:15.003Z bastion sshd 4121 - [meta a="\]"] Accepted publickey for deploy from 198.51.100.9 port 4 ssh2"#,
    "2026-11-23T14:47:15+0100 web1 sudo[2211]:    alice : TTY=pts/0 ; PWD=/ ; USER=root ; COMMAND=/bin/ls",
    "Nov 23 13:47:15 web1 sudo: pam_unix(sudo:auth): authentication failure; logname=bob uid=1000 ruser=bob rhost=  user=bob",
];

const MAIN_EXT: &str = r#"$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_time $upstream_response_time "$http_x_forwarded_for""#;

fn formats() -> Vec<Format> {
    let build = |json: &str| {
        serde_json::from_str::<FormatConfig>(json)
            .expect("config")
            .build()
            .expect("format")
    };
    vec![
        Format::Combined,
        Format::Common,
        Format::VhostCombined,
        Format::NginxError,
        Format::ApacheError,
        Format::Audit,
        build(r#"{"name":"cri+json"}"#),
        build(r#"{"name":"cri+combined"}"#),
        build(&serde_json::json!({ "log_format": MAIN_EXT }).to_string()),
        build(r#"{"log_format":"${msec} \"$request\" [$time_iso8601] $status $foo"}"#),
        build(r#"{"name":"json"}"#),
        build(r#"{"fields":{"client":"remote.ip","country":"geo.country","time":"@timestamp"}}"#),
        build(r#"{"name":"syslog","year":2026}"#),
    ]
}

fn config() -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(2048);
    Config {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::Off)),
        ..Config::default()
    }
}

/// Whether `text` lies inside `line` (borrowed text must).
fn inside(line: &[u8], text: &[u8]) -> bool {
    let start = line.as_ptr() as usize;
    let at = text.as_ptr() as usize;
    text.is_empty() || (at >= start && at + text.len() <= start + line.len())
}

/// What a parsed record must satisfy, whatever the line.
fn check(line: &[u8], record: &Record<'_>) -> Result<(), TestCaseError> {
    let texts = [
        &record.method,
        &record.path,
        &record.protocol,
        &record.referer,
        &record.agent,
        &record.user,
        &record.forwarded_for,
        &record.host,
        &record.program,
        &record.message,
        &record.auth_method,
    ];
    for text in texts
        .into_iter()
        .flatten()
        .chain(record.extra.iter().map(|(_, v)| v))
    {
        if let Cow::Borrowed(borrowed) = text {
            prop_assert!(inside(line, borrowed), "borrowed text outside the line");
        }
        prop_assert!(text.len() <= line.len(), "a field longer than its line");
    }
    if let Some(status) = record.status {
        prop_assert!((100..=999).contains(&status), "status {status}");
    }
    for seconds in [record.request_time, record.upstream_time]
        .into_iter()
        .flatten()
    {
        prop_assert!(seconds.is_finite() && seconds >= 0.0, "duration {seconds}");
    }
    if let Some(time) = record.time {
        // Years 0 to 9999 (CLF and ISO have four digits; epochs are capped by magnitude).
        prop_assert!(
            (-62_200_000_000..=253_500_000_000).contains(&time),
            "time {time}"
        );
    }
    Ok(())
}

/// One way to damage a line.
#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Insert(usize, u8),
    Delete(usize, usize),
    Truncate(usize),
    Repeat(usize, usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let special = prop_oneof![
        Just(b'"'),
        Just(b'\\'),
        Just(b' '),
        Just(b'['),
        Just(b']'),
        Just(b':'),
        Just(b'{'),
        Just(b'}'),
        Just(b'$'),
        Just(b'-'),
        Just(b'.'),
        any::<u8>(),
    ];
    prop_oneof![
        (any::<usize>(), special.clone()).prop_map(|(at, b)| Mutation::Flip(at, b)),
        (any::<usize>(), special).prop_map(|(at, b)| Mutation::Insert(at, b)),
        (any::<usize>(), 1usize..8).prop_map(|(at, n)| Mutation::Delete(at, n)),
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), 1usize..16, 1usize..64)
            .prop_map(|(at, n, times)| Mutation::Repeat(at, n, times)),
    ]
}

fn mutate(line: &mut Vec<u8>, mutation: &Mutation) {
    let pick = |at: usize, len: usize| if len == 0 { 0 } else { at % len };
    match *mutation {
        Mutation::Flip(at, b) => {
            let at = pick(at, line.len());
            if let Some(slot) = line.get_mut(at) {
                *slot = b;
            }
        }
        Mutation::Insert(at, b) => {
            let at = pick(at, line.len() + 1);
            line.insert(at, b);
        }
        Mutation::Delete(at, n) => {
            let at = pick(at, line.len());
            let end = (at + n).min(line.len());
            line.drain(at..end);
        }
        Mutation::Truncate(at) => line.truncate(pick(at, line.len() + 1)),
        Mutation::Repeat(at, n, times) => {
            let at = pick(at, line.len());
            let end = (at + n).min(line.len());
            let piece = line[at..end].to_vec();
            for _ in 0..times {
                line.splice(at..at, piece.iter().copied());
            }
        }
    }
}

fn run(line: &[u8], formats: &[Format]) -> Result<(), TestCaseError> {
    for format in formats {
        if let Ok(record) = format.parse(line) {
            check(line, &record)?;
        }
    }
    let _ = Format::detect(&[line, line]);
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn arbitrary_bytes_never_panic(line in proptest::collection::vec(any::<u8>(), 0..400)) {
        run(&line, &formats())?;
    }

    #[test]
    fn damaged_lines_never_panic_and_parse_to_sense(
        seed in 0..SEEDS.len(),
        mutations in proptest::collection::vec(mutation(), 1..6),
    ) {
        let mut line = SEEDS[seed].as_bytes().to_vec();
        for m in &mutations {
            mutate(&mut line, m);
        }
        run(&line, &formats())?;
    }

    #[test]
    fn log_format_strings_never_panic(source in "[-$ {}\\[\\]\"a-z_:]{0,40}", line in "[-$ {}\\[\\]\"a-z0-9_:./]{0,80}") {
        let config = FormatConfig { log_format: Some(source), ..FormatConfig::default() };
        if let Ok(format) = config.build()
            && let Ok(record) = format.parse(line.as_bytes())
        {
            check(line.as_bytes(), &record)?;
        }
    }
}

#[test]
fn every_seed_parses_in_some_format() {
    let formats = formats();
    for seed in SEEDS {
        let parsed = formats
            .iter()
            .filter_map(|f| f.parse(seed.as_bytes()).ok())
            .count();
        assert!(parsed > 0, "{seed}");
    }
}
