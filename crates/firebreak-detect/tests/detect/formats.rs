//! Log formats as a responder meets them: each parser on real-looking lines (IPv6, odd but
//! real cases), format detection, format configuration mistakes, and hostile input.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use firebreak_detect::format::{Format, FormatConfig, FormatError, Malformed, SyslogFormat};
use firebreak_detect::{Event, Record};

/// 2026-11-23T13:47:15Z.
const T: i64 = 1_795_441_635;

fn text(field: &Option<Cow<'_, [u8]>>) -> Option<String> {
    field
        .as_deref()
        .map(|t| String::from_utf8_lossy(t).into_owned())
}

fn client(record: &Record<'_>) -> Option<String> {
    record.client.map(|a| a.to_string())
}

fn extra(record: &Record<'_>, name: &str) -> Option<String> {
    record
        .extra
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
}

fn s(value: &str) -> Option<String> {
    Some(value.to_owned())
}

fn parse<'a>(format: &Format, line: &'a str) -> Record<'a> {
    match format.parse(line.as_bytes()) {
        Ok(record) => record,
        Err(e) => panic!("{} did not parse {line:?}: {e}", format.name()),
    }
}

fn config(json: &str) -> Result<Format, FormatError> {
    let config: FormatConfig = serde_json::from_str(json).expect("config JSON");
    config.build()
}

// ---- combined and common ----

#[test]
fn combined_line_fills_every_field() {
    let line = r#"203.0.113.9 - alice [23/Nov/2026:14:47:15 +0100] "GET /login?next=%2F HTTP/1.1" 302 154 "https://example.com/" "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0""#;
    let r = parse(&Format::Combined, line);
    assert_eq!(r.time, Some(T));
    assert_eq!(client(&r), s("203.0.113.9"));
    assert_eq!(text(&r.user), s("alice"));
    assert_eq!(text(&r.method), s("GET"));
    assert_eq!(text(&r.path), s("/login?next=%2F"));
    assert_eq!(text(&r.protocol), s("HTTP/1.1"));
    assert_eq!(r.status, Some(302));
    assert_eq!(r.bytes, Some(154));
    assert_eq!(text(&r.referer), s("https://example.com/"));
    assert_eq!(
        text(&r.agent),
        s("Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0")
    );
    assert!(r.extra.is_empty());
    assert!(
        matches!(r.path, Some(Cow::Borrowed(_))) && matches!(r.agent, Some(Cow::Borrowed(_))),
        "fields are borrowed from the line"
    );
}

#[test]
fn combined_ipv6_client_and_dashes() {
    let line = r#"2001:db8:85a3::8a2e:370:7334 - - [23/Nov/2026:13:47:15 +0000] "HEAD / HTTP/2.0" 304 - "-" "-""#;
    let r = parse(&Format::Combined, line);
    assert_eq!(client(&r), s("2001:db8:85a3::8a2e:370:7334"));
    assert_eq!(
        (r.user.clone(), r.bytes, r.referer.clone(), r.agent.clone()),
        (None, None, None, None)
    );
    assert_eq!(r.status, Some(304));
}

#[test]
fn requests_that_are_not_requests_still_count() {
    let dash = parse(
        &Format::Combined,
        r#"198.51.100.4 - - [23/Nov/2026:13:47:15 +0000] "-" 400 0 "-" "-""#,
    );
    assert_eq!(
        (dash.method.clone(), dash.path.clone(), dash.status),
        (None, None, Some(400))
    );

    let tls = parse(
        &Format::Combined,
        r#"198.51.100.4 - - [23/Nov/2026:13:47:15 +0000] "\x16\x03\x01\x00\xA5\x01\x00\x00\xA1\x03\x03" 400 157 "-" "-""#,
    );
    assert_eq!(tls.method, None);
    assert_eq!(
        extra(&tls, "request"),
        s(r"\x16\x03\x01\x00\xA5\x01\x00\x00\xA1\x03\x03")
    );

    let nginx_408 = parse(
        &Format::Combined,
        r#"198.51.100.4 - - [23/Nov/2026:13:47:15 +0000] "" 408 0 "-" "-""#,
    );
    assert_eq!(
        (nginx_408.path.clone(), nginx_408.status),
        (None, Some(408))
    );
}

#[test]
fn escaped_quotes_stay_inside_their_field() {
    let line = r#"192.0.2.7 - - [23/Nov/2026:13:47:15 +0000] "GET /q=\"x\" HTTP/1.1" 200 5 "-" "sqlmap/1.8 \"(https://sqlmap.org)\" \\""#;
    let r = parse(&Format::Combined, line);
    assert_eq!(text(&r.path), s(r#"/q="x""#));
    assert_eq!(text(&r.agent), s(r#"sqlmap/1.8 "(https://sqlmap.org)" \"#));
}

#[test]
fn fields_appended_after_the_agent_are_ignored() {
    let line = r#"192.0.2.7 - - [23/Nov/2026:13:47:15 +0000] "POST /api/export HTTP/1.1" 200 73400320 "-" "python-requests/2.32" 12.004 "10.0.0.1, 10.0.0.2" rt=0.1"#;
    let r = parse(&Format::Combined, line);
    assert_eq!(r.bytes, Some(73_400_320));
    assert_eq!(text(&r.agent), s("python-requests/2.32"));
}

#[test]
fn odd_but_real_request_lines() {
    let spaces = parse(
        &Format::Combined,
        r#"192.0.2.7 - - [23/Nov/2026:13:47:15 +0000] "GET /a b/../.env HTTP/1.1" 404 0 "-" "-""#,
    );
    assert_eq!(text(&spaces.path), s("/a b/../.env"));
    let http09 = parse(
        &Format::Combined,
        r#"192.0.2.7 - - [23/Nov/2026:13:47:15 +0000] "GET /" 200 0 "-" "-""#,
    );
    assert_eq!(
        (text(&http09.path), http09.protocol.clone()),
        (s("/"), None)
    );
    let zero = parse(
        &Format::Combined,
        r#"192.0.2.7 - - [23/Nov/2026:13:47:15 +0000] "GET / HTTP/1.1" 000 0 "-" "-""#,
    );
    assert_eq!(zero.status, None, "nginx's 000 names no response");
}

#[test]
fn apache_host_names_are_kept_aside() {
    let r = parse(
        &Format::Common,
        r#"crawl-66-249-66-1.googlebot.com - - [23/Nov/2026:13:47:15 +0000] "GET /robots.txt HTTP/1.1" 200 68"#,
    );
    assert_eq!(r.client, None);
    assert_eq!(
        extra(&r, "remote_host"),
        s("crawl-66-249-66-1.googlebot.com")
    );
}

#[test]
fn apache_vhost_combined_blames_the_second_field() {
    let r = parse(
        &Format::VhostCombined,
        r#"www.example.com:443 203.0.113.9 - bob [23/Nov/2026:13:47:15 +0000] "GET /admin HTTP/1.1" 401 381 "-" "curl/8""#,
    );
    assert_eq!(client(&r), s("203.0.113.9"));
    assert_eq!(text(&r.user), s("bob"));
    assert_eq!(text(&r.path), s("/admin"));
    assert_eq!(r.status, Some(401));
    assert_eq!(r.time, Some(T));
    assert_eq!(extra(&r, "vhost"), s("www.example.com:443"));
    let v6 = parse(
        &Format::VhostCombined,
        r#"[2001:db8::80]:8443 2001:db8::1 - - [23/Nov/2026:13:47:15 +0000] "GET / HTTP/1.1" 200 1 "-" "-""#,
    );
    assert_eq!(client(&v6), s("2001:db8::1"));
    // A name for the client (HostnameLookups On) is kept aside, never made an address.
    let named = parse(
        &Format::VhostCombined,
        r#"shop.example:80 crawler.example.net - - [23/Nov/2026:13:47:15 +0000] "GET / HTTP/1.1" 200 1 "-" "-""#,
    );
    assert_eq!(named.client, None);
    assert_eq!(extra(&named, "remote_host"), s("crawler.example.net"));
    // Lines of other formats, and a vhost line without a client, are not this format.
    for line in [
        r#"203.0.113.9 - - [23/Nov/2026:13:47:15 +0000] "GET / HTTP/1.1" 200 1 "-" "-""#,
        r#"2001:db8::1 - - [23/Nov/2026:13:47:15 +0000] "GET / HTTP/1.1" 200 1 "-" "-""#,
        r#"www.example.com:443 - - - [23/Nov/2026:13:47:15 +0000] "GET / HTTP/1.1" 200 1 "-" "-""#,
        r#"www.example.com 203.0.113.9 - - [23/Nov/2026:13:47:15 +0000] "GET / HTTP/1.1" 200 1 "-" "-""#,
        "www.example.com:443",
        "",
    ] {
        assert!(
            Format::VhostCombined.parse(line.as_bytes()).is_err(),
            "{line}"
        );
    }
    assert_eq!(
        "vhost_combined"
            .parse::<Format>()
            .map(|f| f.name().to_owned()),
        Ok("vhost_combined".to_owned())
    );
}

#[test]
fn common_lines_parse_and_combined_says_what_is_missing() {
    let line =
        r#"127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326"#;
    let r = parse(&Format::Common, line);
    assert_eq!(r.time, Some(971_211_336));
    assert_eq!(text(&r.user), s("frank"));
    assert_eq!(r.bytes, Some(2326));
    assert_eq!(
        Format::Combined.parse(line.as_bytes()).err(),
        Some(Malformed {
            column: line.len() + 1,
            reason: "expected the quoted referer"
        })
    );
}

#[test]
fn malformed_combined_lines_say_where() {
    let cases = [
        (
            r#"192.0.2.7 - - [23/Nov/2026:25:47:15 +0000] "GET / HTTP/1.1" 200 1 "-" "-""#,
            16,
        ),
        (
            r#"192.0.2.7 - - [23/Nov/2026:13:47:15 +0000] "GET / HTTP/1.1" 2OO 1 "-" "-""#,
            61,
        ),
        (
            r#"192.0.2.7 - - [23/Nov/2026:13:47:15 +0000] "GET / HTTP/1.1" 200 12k "-" "-""#,
            65,
        ),
        (
            r#"192.0.2.7 - - [23/Nov/2026:13:47:15 +0000] "GET / HTTP/1.1 200 1 "-" "-""#,
            67,
        ),
        ("", 1),
    ];
    for (line, column) in cases {
        let error = Format::Combined.parse(line.as_bytes()).expect_err(line);
        assert_eq!(error.column, column, "{line:?}: {error}");
    }
}

// ---- nginx log_format ----

const MAIN_EXT: &str = r#"$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_time $upstream_response_time "$http_x_forwarded_for""#;

fn log_format(source: &str) -> Format {
    config(&serde_json::json!({ "name": "main", "log_format": source }).to_string())
        .expect("log_format compiles")
}

#[test]
fn log_format_reads_timings_and_forwarding() {
    let format = log_format(MAIN_EXT);
    assert_eq!(format.name(), "main");
    let line = r#"2001:db8::7 - - [23/Nov/2026:13:47:15 +0000] "GET /api/items?page=2 HTTP/2.0" 200 1834 "-" "okhttp/4.12" 0.250 0.246, 0.004 : 0.001 "203.0.113.50, 10.1.2.3""#;
    let r = parse(&format, line);
    assert_eq!(client(&r), s("2001:db8::7"));
    assert_eq!(r.time, Some(T));
    assert_eq!(text(&r.path), s("/api/items?page=2"));
    assert_eq!(r.request_time, Some(0.25));
    assert_eq!(r.upstream_time, Some(0.246), "the first upstream's time");
    assert_eq!(text(&r.forwarded_for), s("203.0.113.50, 10.1.2.3"));
    let no_upstream = line.replace("0.246, 0.004 : 0.001", "-");
    assert_eq!(parse(&format, &no_upstream).upstream_time, None);
}

#[test]
fn log_format_other_variables_become_extra_fields() {
    let format = log_format(
        r#"${remote_addr} [$time_iso8601] "$request" $status $bytes_sent $request_uri rid=$request_id zone=$geoip_zone up=$upstream_status"#,
    );
    let line = r#"192.0.2.1 [2026-11-23T14:47:15+01:00] "GET /a?b HTTP/1.1" 503 99 /a?b rid=7f3a zone=eu up=502, 503"#;
    let r = parse(&format, line);
    assert_eq!(r.time, Some(T));
    assert_eq!(text(&r.path), s("/a?b"));
    assert_eq!((r.status, r.bytes), (Some(503), Some(99)));
    assert_eq!(extra(&r, "request_uri"), s("/a?b"), "$request won the path");
    assert_eq!(extra(&r, "request_id"), s("7f3a"));
    assert_eq!(extra(&r, "geoip_zone"), s("eu"));
    assert_eq!(extra(&r, "upstream_status"), s("502, 503"));
}

#[test]
fn log_format_with_msec_and_host() {
    let format = log_format("$msec $host $remote_addr $status");
    let r = parse(&format, "1795441635.123 shop.example.com 192.0.2.1 200");
    assert_eq!(r.time, Some(T));
    assert_eq!(text(&r.host), s("shop.example.com"));
}

#[test]
fn log_format_mistakes_are_positioned() {
    let cases = [
        ("$remote_addr $", 15, "expected a variable name after `$`"),
        ("$remote_addr ${status", 22, "expected `}` to close `${`"),
        (
            "$remote_addr$status",
            13,
            "two variables need text between them",
        ),
        ("", 1, "the log_format is empty"),
    ];
    for (source, column, reason) in cases {
        let error =
            config(&serde_json::json!({ "log_format": source }).to_string()).expect_err(source);
        assert_eq!(
            error,
            FormatError::LogFormat { column, reason },
            "{source:?}"
        );
        assert!(error.to_string().contains(&format!("column {column}")));
    }
}

#[test]
fn log_format_lines_that_do_not_match_say_where() {
    let format = log_format(MAIN_EXT);
    let line =
        r#"192.0.2.1 - - 23/Nov/2026:13:47:15 +0000 "GET / HTTP/1.1" 200 1 "-" "-" 0.1 - "-""#;
    let error = format.parse(line.as_bytes()).expect_err("no brackets");
    assert_eq!(
        error,
        Malformed {
            column: 13,
            reason: "the text after this variable in the log_format is missing"
        },
        "$remote_user runs to ` [`, which never comes"
    );
}

// ---- JSON lines ----

#[test]
fn json_default_mapping_reads_nginx_json() {
    let format: Format = "json".parse().expect("json");
    let line = r#"{"time":"2026-11-23T13:47:15+00:00","remote_addr":"2001:db8::2","request":"POST /wp-login.php HTTP/1.1","status":"401","body_bytes_sent":512,"http_user_agent":"Mozilla/5.0 \"bot\"","request_time":"0.003","upstream_response_time":"0.002, 0.001","cookie":"secret"}"#;
    let r = parse(&format, line);
    assert_eq!(r.time, Some(T));
    assert_eq!(client(&r), s("2001:db8::2"));
    assert_eq!(
        (text(&r.method), text(&r.path)),
        (s("POST"), s("/wp-login.php"))
    );
    assert_eq!((r.status, r.bytes), (Some(401), Some(512)));
    assert_eq!(text(&r.agent), s(r#"Mozilla/5.0 "bot""#));
    assert_eq!(
        (r.request_time, r.upstream_time),
        (Some(0.003), Some(0.002))
    );
    assert!(r.extra.is_empty(), "unmapped keys are not copied");
    assert!(matches!(r.path, Some(Cow::Borrowed(_))));
}

#[test]
fn json_nested_ecs_keys_and_epoch_times() {
    let format: Format = "json".parse().expect("json");
    let ecs = r#"{"@timestamp":1795441635123,"client":{"ip":"198.51.100.23","port":51000},"user_agent":{"original":"curl/8.5.0"},"http":{"request":{"method":"GET"},"response":{"status_code":429}},"url":{"path":"/api"}}"#;
    let r = parse(&format, ecs);
    assert_eq!(r.time, Some(T), "milliseconds by magnitude");
    assert_eq!(client(&r), s("198.51.100.23"));
    assert_eq!(text(&r.agent), s("curl/8.5.0"));
    assert_eq!(
        (text(&r.method), r.status, text(&r.path)),
        (s("GET"), Some(429), s("/api"))
    );
    let seconds = parse(&format, r#"{"ts": 1795441635.9, "ip": "192.0.2.1:443"}"#);
    assert_eq!((seconds.time, client(&seconds)), (Some(T), s("192.0.2.1")));
}

#[test]
fn json_configured_mapping_with_dotted_paths_and_extras() {
    let format = config(
        r#"{"name":"json","fields":{"client":"remote.ip","time":"when","country":"geo.country","status":"resp.code"}}"#,
    )
    .expect("mapping");
    let line = r#"{"when":"2026-11-23 13:47:15Z","remote":{"ip":"203.0.113.8"},"ip":"10.0.0.1","geo":{"country":"NL"},"resp.code":403,"other":{"deep":[1,2,{"x":null}]}}"#;
    let r = parse(&format, line);
    assert_eq!(r.time, Some(T));
    assert_eq!(
        client(&r),
        s("203.0.113.8"),
        "the configured key replaces the defaults"
    );
    assert_eq!(r.status, Some(403), "a flat dotted key is found too");
    assert_eq!(extra(&r, "country"), s("NL"));
    assert_eq!(r.extra.len(), 1);
}

#[test]
fn journald_json_reads_sshd_messages() {
    let format: Format = "json".parse().expect("json");
    let line = r#"{"__REALTIME_TIMESTAMP":"1795441635000000","_HOSTNAME":"bastion","SYSLOG_IDENTIFIER":"sshd","MESSAGE":"Failed password for invalid user oracle from 2001:db8::66 port 50514 ssh2"}"#;
    let r = parse(&format, line);
    assert_eq!(r.time, Some(T));
    assert_eq!(text(&r.host), s("bastion"));
    assert_eq!(r.event, Some(Event::SshFailed));
    assert_eq!(
        (text(&r.user), client(&r)),
        (s("oracle"), s("2001:db8::66"))
    );
    assert_eq!(text(&r.auth_method), s("password"));
}

#[test]
fn malformed_json_lines_say_where() {
    let format: Format = "json".parse().expect("json");
    for (line, column) in [
        (r#"{"status": 200, "time": }"#, 25),
        (r#"[1, 2]"#, 1),
        (r#"{"path":"/x"} trailing"#, 15),
        (r#"{"path":"/x","status":"teapot"}"#, 14),
        (r#"{"path":"/x","time":"yesterday"}"#, 14),
    ] {
        let error = format.parse(line.as_bytes()).expect_err(line);
        assert_eq!(error.column, column, "{line}: {error}");
    }
    assert!(
        format.parse(b"{\"path\":\"\xff\"}").is_err(),
        "invalid UTF-8 in JSON"
    );
}

// ---- syslog ----

fn syslog_2026() -> Format {
    config(r#"{"name":"syslog","year":2026}"#).expect("syslog")
}

#[test]
fn rfc3164_sshd_lines() {
    let format = syslog_2026();
    let r = parse(
        &format,
        "<38>Nov 23 13:47:15 bastion sshd[4121]: Failed password for root from 203.0.113.5 port 48822 ssh2",
    );
    assert_eq!(r.time, Some(T));
    assert_eq!((text(&r.host), text(&r.program)), (s("bastion"), s("sshd")));
    assert_eq!(r.event, Some(Event::SshFailed));
    assert_eq!((text(&r.user), client(&r)), (s("root"), s("203.0.113.5")));

    let accepted = parse(
        &format,
        "Nov  3 09:00:01 bastion sshd-session[99]: Accepted publickey for deploy from 2001:db8::5 port 50022 ssh2: ED25519 SHA256:AbC",
    );
    assert_eq!(accepted.event, Some(Event::SshAccepted));
    assert_eq!(text(&accepted.auth_method), s("publickey"));
    assert_eq!(client(&accepted), s("2001:db8::5"));

    let repeated = parse(
        &format,
        "Nov 23 13:47:15 bastion sshd[4121]: message repeated 5 times: [ Failed password for root from 203.0.113.5 port 48822 ssh2]",
    );
    assert_eq!(repeated.event, Some(Event::SshFailed));
}

#[test]
fn rfc5424_lines_skip_structured_data() {
    let format = syslog_2026();
    let r = parse(
        &format,
        r#"<86>1 2026-11-23T13:47:15.003Z bastion sshd 4121 - [meta sequenceId="1" note="a \] b"][origin ip="10.0.0.2"] Invalid user admin from 198.51.100.9 port 40000"#,
    );
    assert_eq!(r.time, Some(T));
    assert_eq!((text(&r.host), text(&r.program)), (s("bastion"), s("sshd")));
    assert_eq!(r.event, Some(Event::SshInvalidUser));
    assert_eq!((text(&r.user), client(&r)), (s("admin"), s("198.51.100.9")));

    let nil = parse(&format, "<14>1 - - - - - -");
    assert_eq!(
        (nil.time, nil.host.clone(), text(&nil.message)),
        (None, None, s(""))
    );
    let bom = parse(
        &format,
        "<14>1 2026-11-23T13:47:15Z h app - - - \u{feff}hello",
    );
    assert_eq!(text(&bom.message), s("hello"));
}

#[test]
fn journald_short_iso_and_sudo() {
    let format = syslog_2026();
    let r = parse(
        &format,
        "2026-11-23T14:47:15+0100 web1 sudo[2211]:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx",
    );
    assert_eq!(r.time, Some(T));
    assert_eq!(r.event, Some(Event::SudoCommand));
    assert_eq!(text(&r.user), s("alice"));
    assert_eq!(extra(&r, "run_as"), s("root"));
    assert_eq!(extra(&r, "command"), s("/usr/bin/systemctl restart nginx"));

    let refused = parse(
        &format,
        "Nov 23 13:47:15 web1 sudo: mallory : user NOT in sudoers ; TTY=pts/1 ; PWD=/tmp ; USER=root ; COMMAND=/bin/bash",
    );
    assert_eq!(
        (refused.event, text(&refused.user)),
        (Some(Event::SudoFailed), s("mallory"))
    );
    let pam = parse(
        &format,
        "Nov 23 13:47:15 web1 sudo: pam_unix(sudo:auth): authentication failure; logname=bob uid=1000 euid=0 tty=/dev/pts/0 ruser=bob rhost=  user=bob",
    );
    assert_eq!(
        (pam.event, text(&pam.user)),
        (Some(Event::SudoFailed), s("bob"))
    );
}

#[test]
fn syslog_lines_without_a_tag_or_host() {
    let format = syslog_2026();
    let mark = parse(&format, "Nov 23 13:47:15 bastion -- MARK --");
    assert_eq!(
        (text(&mark.host), mark.program.clone(), text(&mark.message)),
        (s("bastion"), None, s("-- MARK --"))
    );
    let no_host = parse(&format, "Nov 23 13:47:15 kernel: [ 1.234] Booting");
    assert_eq!(
        (no_host.host.clone(), text(&no_host.program)),
        (None, s("kernel"))
    );
    assert_eq!(text(&no_host.message), s("[ 1.234] Booting"));
}

#[test]
fn syslog_year_is_guessed_from_the_reading_date() {
    // Read on 2027-01-02: December's lines are last year's, January's this year's.
    let format = Format::Syslog(SyslogFormat::at(None, 1_798_848_000));
    assert_eq!(
        parse(&format, "Dec 31 23:59:59 h p: x").time,
        Some(1_798_761_599)
    );
    assert_eq!(
        parse(&format, "Jan  1 00:00:00 h p: x").time,
        Some(1_798_761_600)
    );
}

#[test]
fn malformed_syslog_lines_say_where() {
    let format = syslog_2026();
    for (line, column) in [
        ("<999>Nov 23 13:47:15 h p: x", 2),
        ("<13>Nov 31 13:47:15 h p: x", 5),
        ("Nov 23 13:47:15", 16),
        ("<13>1 2026-11-23T13:47:15Z h app", 33),
        ("<13>1 2026-11-23T13:47:15Z h a - - [unclosed x", 36),
        ("just a sentence", 1),
    ] {
        let error = format.parse(line.as_bytes()).expect_err(line);
        assert_eq!(error.column, column, "{line}: {error}");
    }
}

#[test]
fn container_runtime_wrappers_are_stripped() {
    let json = "2026-11-23T13:47:15.123456789Z stdout F {\"remote_addr\":\"203.0.113.9\",\"request\":\"GET /.env HTTP/1.1\",\"status\":404}\n2026-11-23T13:47:16.5Z stderr F {\"remote_addr\":\"2001:db8::9\",\"request\":\"GET / HTTP/1.1\",\"status\":200}\n";
    let format = Format::detect(&lines(json)).expect("detected");
    assert_eq!(format.name(), "cri+json");
    let r = parse(&format, json.lines().next().expect("a line"));
    assert_eq!(client(&r), s("203.0.113.9"));
    assert_eq!(text(&r.path), s("/.env"));
    assert_eq!(r.status, Some(404));
    // The inner line has no time: the wrapper's is taken.
    assert_eq!(r.time, Some(T));

    let plain = "2026-11-23T13:47:15Z stdout F 192.0.2.1 - - [23/Nov/2026:13:47:15 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \"curl/8\"\n2026-11-23T13:47:15Z stdout P 192.0.2.1 - - [23/Nov/2026:13:47:15 +0000] \"GET /very-long\n2026-11-23T13:47:15Z stdout F -query HTTP/1.1\" 200 1 \"-\" \"curl/8\"\n";
    let format = Format::detect(&lines(plain)).expect("detected");
    assert_eq!(format.name(), "cri+combined");
    let [full, part, end] = lines(plain)[..] else {
        panic!("three lines")
    };
    assert_eq!(
        client(&format.parse(full).expect("full line")),
        s("192.0.2.1")
    );
    // The parser never joins or guesses: a partial line reaches it only when reading could not
    // join its run (see `input`), and both pieces are then unparsed.
    let refused = format.parse(part).expect_err("partial");
    assert!(refused.reason.contains("partial"), "{refused}");
    assert!(format.parse(end).is_err());
    // An unwrapped line in a wrapped input is unparsed too.
    assert!(format.parse(&full[21 + 9..]).is_err());

    // Named by hand, and wrappers of unknown lines are not taken for syslog.
    assert_eq!(
        "cri+vhost_combined"
            .parse::<Format>()
            .map(|f| f.name().to_owned()),
        Ok("cri+vhost_combined".to_owned())
    );
    assert!("cri+cri+json".parse::<Format>().is_err());
    let prose =
        "2026-11-23T13:47:15Z stdout F starting worker 3\n2026-11-23T13:47:16Z stdout F ready\n";
    assert!(Format::detect(&lines(prose)).is_none());
}

#[test]
fn caddy_and_traefik_json_need_no_field_mapping() {
    let caddy = r#"{"level":"info","ts":1795441635.25,"logger":"http.log.access","msg":"handled request","request":{"remote_ip":"10.0.0.2","remote_port":"41234","client_ip":"203.0.113.9","proto":"HTTP/2.0","method":"POST","host":"shop.example","uri":"/wp-login.php?x=1","headers":{"User-Agent":["curl/8.5"],"Accept":["*/*","text/html"]}},"bytes_read":0,"user_id":"","duration":0.0012,"size":512,"status":401,"resp_headers":{"Server":["Caddy"]}}"#;
    let format = Format::detect(&[caddy.as_bytes()]).expect("detected");
    assert_eq!(format.name(), "json");
    let r = parse(&format, caddy);
    assert_eq!(
        client(&r),
        s("203.0.113.9"),
        "client_ip, not the proxy's remote_ip"
    );
    assert_eq!(text(&r.method), s("POST"));
    assert_eq!(text(&r.path), s("/wp-login.php?x=1"));
    assert_eq!(text(&r.protocol), s("HTTP/2.0"));
    assert_eq!(r.status, Some(401));
    assert_eq!(r.bytes, Some(512));
    assert_eq!(text(&r.agent), s("curl/8.5"));
    assert_eq!(r.time, Some(T));
    // Without client_ip, the peer; a header listed with two values names neither.
    let peer = r#"{"ts":1795441635,"request":{"remote_ip":"2001:db8::7","method":"GET","uri":"/","headers":{"User-Agent":["a","b"]}},"status":200}"#;
    let r = parse(&format, peer);
    assert_eq!(client(&r), s("2001:db8::7"));
    assert_eq!(r.agent, None);

    let traefik = r#"{"ClientAddr":"203.0.113.10:51234","ClientHost":"203.0.113.10","ClientPort":"51234","ClientUsername":"-","DownstreamContentSize":19,"DownstreamStatus":404,"Duration":123456,"RequestMethod":"GET","RequestPath":"/.env","RequestProtocol":"HTTP/1.1","StartUTC":"2026-11-23T13:47:15.123456789Z","level":"info","msg":"","request_User-Agent":"Go-http-client/1.1","time":"2026-11-23T13:47:15Z"}"#;
    let format = Format::detect(&[traefik.as_bytes()]).expect("detected");
    let r = parse(&format, traefik);
    assert_eq!(client(&r), s("203.0.113.10"));
    assert_eq!(text(&r.method), s("GET"));
    assert_eq!(text(&r.path), s("/.env"));
    assert_eq!(r.status, Some(404));
    assert_eq!(r.bytes, Some(19));
    assert_eq!(text(&r.agent), s("Go-http-client/1.1"));
    assert_eq!(r.user, None);
    assert_eq!(r.time, Some(T));
}

#[test]
fn access_lines_relayed_through_syslog_are_read_as_access_lines() {
    let format = Format::Syslog(SyslogFormat::new(Some(2026)));
    let line = r#"<190>Nov 23 13:47:15 web1 nginx: 203.0.113.9 - - [23/Nov/2026:14:47:15 +0100] "GET /.git/config HTTP/1.1" 404 153 "-" "curl/8""#;
    let r = parse(&format, line);
    assert_eq!(client(&r), s("203.0.113.9"));
    assert_eq!(text(&r.method), s("GET"));
    assert_eq!(text(&r.path), s("/.git/config"));
    assert_eq!(r.status, Some(404));
    assert_eq!(text(&r.agent), s("curl/8"));
    assert_eq!(text(&r.host), s("web1"));
    assert_eq!(text(&r.program), s("nginx"));
    assert_eq!(r.time, Some(T));
    let apache = r#"2026-11-23T13:47:15+00:00 web2 httpd[311]: 2001:db8::9 - bob [23/Nov/2026:13:47:15 +0000] "POST /admin HTTP/1.1" 401 12"#;
    let r = parse(&format, apache);
    assert_eq!(client(&r), s("2001:db8::9"));
    assert_eq!(r.status, Some(401));
    assert_eq!(text(&r.user), s("bob"));
    // Another program's message, or a web server's message that is no access line, names no
    // client: an address inside free text is never taken.
    for other in [
        r#"Nov 23 13:47:15 web1 app: 203.0.113.9 - - [23/Nov/2026:13:47:15 +0000] "GET / HTTP/1.1" 200 1 "-" "-""#,
        "Nov 23 13:47:15 web1 nginx: worker 203.0.113.9 exited",
    ] {
        let r = parse(&format, other);
        assert_eq!(r.client, None, "{other}");
        assert_eq!(r.status, None, "{other}");
    }
}

#[test]
fn nginx_error_lines_name_their_client_only_where_nginx_puts_it() {
    let log = concat!(
        "2026/11/23 13:47:15 [error] 1234#1234: *5 user \"admin\" was not found in \"/etc/nginx/.htpasswd\", client: 203.0.113.9, server: example.com, request: \"GET /admin HTTP/1.1\", host: \"example.com\"\n",
        "2026/11/23 13:47:15 [error] 1234#1234: *6 user \"bob\": password mismatch, client: 2001:db8::9, server: example.com, request: \"GET /admin HTTP/2.0\", host: \"example.com\"\n",
        "2026/11/23 13:47:15 [error] 1234#1234: *7 limiting requests, excess: 10.520 by zone \"login\", client: 203.0.113.9, server: example.com, request: \"POST /login HTTP/1.1\"\n",
        "2026/11/23 13:47:15 [error] 1234#1234: *8 access forbidden by rule, client: 203.0.113.9, server: example.com, request: \"GET /.git/config HTTP/1.1\"\n",
        "2026/11/23 13:47:15 [notice] 1#1: signal process started\n",
    );
    let format = Format::detect(&lines(log)).expect("detected");
    assert_eq!(format.name(), "nginx_error");
    let all = lines(log);
    let r = format.parse(all[0]).expect("parses");
    assert_eq!(client(&r), s("203.0.113.9"));
    assert_eq!(r.time, Some(T));
    assert_eq!(
        text(&r.message),
        s("user \"admin\" was not found in \"/etc/nginx/.htpasswd\"")
    );
    assert_eq!(text(&r.method), s("GET"));
    assert_eq!(text(&r.path), s("/admin"));
    assert_eq!(extra(&r, "level"), s("error"));
    assert_eq!(
        client(&format.parse(all[1]).expect("parses")),
        s("2001:db8::9")
    );
    assert_eq!(format.parse(all[4]).expect("parses").client, None);
    // A user name or request that repeats nginx's context with another address leaves the
    // line unattributed; with the same address it changes nothing.
    let forged = "2026/11/23 13:47:15 [error] 1#1: *1 user \"x, client: 198.51.100.1, server: y\" was not found in \"/h\", client: 203.0.113.9, server: example.com, request: \"GET / HTTP/1.1\"";
    assert_eq!(
        format.parse(forged.as_bytes()).expect("parses").client,
        None
    );
    let forged = "2026/11/23 13:47:15 [error] 1#1: *1 user \"x\" was not found in \"/h\", client: 203.0.113.9, server: example.com, request: \"GET /, client: 198.51.100.1, server: y HTTP/1.1\"";
    assert_eq!(
        format.parse(forged.as_bytes()).expect("parses").client,
        None
    );
    for bad in [
        "2026/11/23 13:47:15 [loud] 1#1: x",
        "2026-11-23 13:47:15 [error] 1#1: x",
        "2026/11/23 13:47:15 [error] x",
    ] {
        assert!(format.parse(bad.as_bytes()).is_err(), "{bad}");
    }
}

#[test]
fn apache_error_lines_name_their_client_from_the_prefix_only() {
    let log = concat!(
        "[Mon Nov 23 13:47:15.123456 2026] [auth_basic:error] [pid 1234:tid 5678] [client 203.0.113.9:51234] AH01617: user bob: authentication failure for \"/admin\": Password Mismatch\n",
        "[Mon Nov 23 13:47:15.5 2026] [auth_basic:error] [pid 1234:tid 5678] [client 2001:db8::9:40000] AH01618: user carol not found: /admin\n",
        "[Mon Nov 23 13:47:15 2026] [core:error] [pid 1234] (13)Permission denied: [client 203.0.113.9:1] AH00035: access to /x denied\n",
        "[Mon Nov 23 13:47:15.1 2026] [mpm_event:notice] [pid 1:tid 2] AH00489: Apache/2.4.58 configured -- resuming normal operations\n",
        "[Mon Nov 23 13:47:15 2026] [error] [client 198.51.100.3] File does not exist: /srv/www/favicon.ico\n",
    );
    let format = Format::detect(&lines(log)).expect("detected");
    assert_eq!(format.name(), "apache_error");
    let all = lines(log);
    let r = format.parse(all[0]).expect("parses");
    assert_eq!(client(&r), s("203.0.113.9"));
    assert_eq!(r.time, Some(T));
    assert_eq!(
        text(&r.message),
        s("AH01617: user bob: authentication failure for \"/admin\": Password Mismatch")
    );
    assert_eq!(extra(&r, "module"), s("auth_basic"));
    assert_eq!(extra(&r, "level"), s("error"));
    assert_eq!(
        client(&format.parse(all[1]).expect("parses")),
        s("2001:db8::9")
    );
    assert_eq!(
        client(&format.parse(all[2]).expect("parses")),
        s("203.0.113.9")
    );
    assert_eq!(format.parse(all[3]).expect("parses").client, None);
    assert_eq!(
        client(&format.parse(all[4]).expect("parses")),
        s("198.51.100.3")
    );
    // A `[client …]` inside the message is not the client.
    let forged = "[Mon Nov 23 13:47:15 2026] [core:error] [pid 1] AH00126: Invalid URI in request GET /x?[client 198.51.100.1:1] HTTP/1.1";
    assert_eq!(
        format.parse(forged.as_bytes()).expect("parses").client,
        None
    );
}

// ---- detection ----

fn lines(text: &str) -> Vec<&[u8]> {
    text.lines().map(str::as_bytes).collect()
}

#[test]
fn detection_names_each_format() {
    let combined = "192.0.2.1 - - [23/Nov/2026:13:47:15 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \"curl/8\"\n\n2001:db8::1 - - [23/Nov/2026:13:47:16 +0000] \"GET /x HTTP/1.1\" 404 2 \"-\" \"-\" 0.1\nnot a log line\n";
    let common = "192.0.2.1 - - [23/Nov/2026:13:47:15 +0000] \"GET / HTTP/1.1\" 200 1\n192.0.2.2 - bob [23/Nov/2026:13:47:16 +0000] \"GET / HTTP/1.1\" 200 -\n";
    let json = "{\"remote_addr\":\"192.0.2.1\",\"status\":200}\n{\"remote_addr\":\"192.0.2.2\",\"status\":404}\n";
    let syslog = "Nov 23 13:47:15 h sshd[1]: Connection closed by 192.0.2.1 port 22\n<13>1 2026-11-23T13:47:15Z h app - - - x\n2026-11-23T13:47:15+0000 h cron[2]: job\n";
    let vhost = "www.example.com:443 192.0.2.1 - - [23/Nov/2026:13:47:15 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \"curl/8\"\nexample.org:80 2001:db8::1 - - [23/Nov/2026:13:47:16 +0000] \"GET /x HTTP/1.1\" 404 2 \"-\" \"-\"\n";
    for (input, name) in [
        (vhost, "vhost_combined"),
        (combined, "combined"),
        (common, "common"),
        (json, "json"),
        (syslog, "syslog"),
    ] {
        let found = Format::detect(&lines(input)).map(|f| f.name().to_owned());
        assert_eq!(found.as_deref(), Some(name), "{input}");
    }
}

#[test]
fn detection_gives_up_on_what_is_no_log() {
    assert!(Format::detect(&[]).is_none());
    assert!(Format::detect(&lines("\n  \n")).is_none());
    assert!(Format::detect(&lines("hello world\nthis is prose\n")).is_none());
    let mostly_prose = "192.0.2.1 - - [23/Nov/2026:13:47:15 +0000] \"GET / HTTP/1.1\" 200 1\nprose\nprose\nprose\n";
    assert!(
        Format::detect(&lines(mostly_prose)).is_none(),
        "one line in four is not a format"
    );
}

#[test]
fn detection_looks_at_the_first_64_lines_only() {
    let mut input = vec![b"prose".as_slice(); 64];
    input.extend(std::iter::repeat_n(
        br#"192.0.2.1 - - [23/Nov/2026:13:47:15 +0000] "GET / HTTP/1.1" 200 1"#.as_slice(),
        100,
    ));
    assert!(Format::detect(&input).is_none());
}

// ---- configuration ----

#[test]
fn format_names_parse_and_auto_is_not_one() {
    for name in ["combined", "common", "json", "syslog"] {
        let format: Format = name.parse().expect(name);
        assert_eq!(format.name(), name);
    }
    assert_eq!("auto".parse::<Format>().err(), Some(FormatError::Auto));
    assert_eq!(
        "clf".parse::<Format>().err(),
        Some(FormatError::Unknown { name: "clf".into() })
    );
}

#[test]
fn format_config_mistakes_are_typed() {
    assert!(
        serde_json::from_str::<FormatConfig>(r#"{"nmae":"json"}"#).is_err(),
        "unknown keys are refused"
    );
    let cases = [
        (r#"{}"#, FormatError::Missing),
        (
            r#"{"name":"combined","year":2026}"#,
            FormatError::NotApplicable {
                setting: "year",
                format: "combined".into(),
            },
        ),
        (
            r#"{"name":"syslog","fields":{"client":"ip"}}"#,
            FormatError::NotApplicable {
                setting: "fields",
                format: "syslog".into(),
            },
        ),
        (r#"{"name":"syslog","year":0}"#, FormatError::Year(0)),
        (
            r#"{"name":"json","log_format":"$status"}"#,
            FormatError::LabelTaken {
                name: "json".into(),
            },
        ),
        (
            r#"{"fields":{"client":"remote..ip"}}"#,
            FormatError::JsonField {
                field: "client".into(),
                reason: "the JSON key is empty or has an empty part between dots",
            },
        ),
        (
            r#"{"fields":{"event":"type"}}"#,
            FormatError::JsonField {
                field: "event".into(),
                reason: "`event` is read from sshd and sudo messages, not mapped",
            },
        ),
    ];
    for (json, expected) in cases {
        assert_eq!(config(json).err(), Some(expected), "{json}");
    }
    let fields: BTreeMap<String, String> = [("user".to_owned(), "actor.name".to_owned())].into();
    let built = FormatConfig {
        fields,
        ..FormatConfig::default()
    }
    .build()
    .expect("fields alone mean json");
    assert_eq!(built.name(), "json");
}

// ---- hostile input ----

/// Every format, for the hostile-input tests.
fn every_format() -> Vec<Format> {
    vec![
        Format::Combined,
        Format::Common,
        log_format(MAIN_EXT),
        log_format(r#""$http_user_agent" "$http_referer" $status"#),
        "json".parse().expect("json"),
        syslog_2026(),
    ]
}

#[test]
fn a_ten_megabyte_line_is_malformed_quickly() {
    let mut garbage = b"192.0.2.1 - - [23/Nov/2026:13:47:15 +0000] \"GET /".to_vec();
    garbage.extend(std::iter::repeat_n(b"\\\"a \" ".as_slice(), 10 << 20 >> 3).flatten());
    let walls = [
        garbage,
        vec![b'"'; 10 << 20],
        vec![b'['; 10 << 20],
        [b"{\"a\":".repeat(2 << 20), b"1".to_vec()].concat(),
        b"Nov 23 13:47:15 h sshd[1]: Failed password for "
            .iter()
            .copied()
            .chain(std::iter::repeat_n(b'x', 10 << 20))
            .collect(),
    ];
    for wall in &walls {
        let started = Instant::now();
        for format in every_format() {
            let parsed = format.parse(wall);
            if format.name() != "syslog" {
                assert!(parsed.is_err(), "{} read a wall", format.name());
            }
        }
        let _ = Format::detect(&[wall.as_slice()]);
        // Not a speed target: a quadratic parse of 10 MB would take hours, a linear one
        // well under a second, so the bound is loose enough for a loaded machine.
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "a 10 MB line took {:?}",
            started.elapsed()
        );
    }
}

#[test]
fn a_ten_megabyte_path_still_parses() {
    let path = "/".repeat(10 << 20);
    let line = format!(
        r#"192.0.2.1 - - [23/Nov/2026:13:47:15 +0000] "GET {path} HTTP/1.1" 414 0 "-" "-""#
    );
    let r = parse(&Format::Combined, &line);
    assert_eq!(
        (r.path.map(|p| p.len()), r.status),
        (Some(10 << 20), Some(414))
    );
}

#[test]
fn binary_garbage_is_malformed_not_a_panic() {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let formats = every_format();
    for _ in 0..200 {
        let len = (next() % 4096) as usize;
        let line: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        for format in &formats {
            assert!(
                format.parse(&line).is_err(),
                "{} read random bytes",
                format.name()
            );
        }
        assert!(Format::detect(&[line.as_slice()]).is_none());
    }
}

/// journald's `short-full` (`Fri 2026-11-20 10:00:00 UTC host …`) and output with the host
/// but no time (`host sshd[pid]: …`) are read as syslog; a zone other than UTC leaves the
/// time unknown rather than guessed.
#[test]
fn journald_short_full_and_untimed_lines() {
    let format = syslog_2026();
    let full = parse(
        &format,
        "Mon 2026-11-23 13:47:15 UTC bastion sshd[4121]: Failed password for root from 203.0.113.5 port 48822 ssh2",
    );
    assert_eq!(full.time, Some(T));
    assert_eq!(
        (text(&full.host), text(&full.program)),
        (s("bastion"), s("sshd"))
    );
    assert_eq!(client(&full), s("203.0.113.5"));
    let cet = parse(
        &format,
        "Mon 2026-11-23 14:47:15 CET bastion sshd[4121]: Invalid user x from 203.0.113.5 port 1",
    );
    assert_eq!((cet.time, text(&cet.host)), (None, s("bastion")));
    let untimed = parse(
        &format,
        "bastion sshd[4121]: Failed password for root from 203.0.113.5 port 48822 ssh2",
    );
    assert_eq!(untimed.time, None);
    assert_eq!(
        (text(&untimed.host), text(&untimed.program)),
        (s("bastion"), s("sshd"))
    );
    assert_eq!(untimed.event, Some(Event::SshFailed));
    let text_lines = "bastion sshd[1]: Connection closed by 192.0.2.1 port 22 [preauth]\nbastion sshd[2]: Invalid user a from 192.0.2.1 port 1\n";
    let found = Format::detect(&lines(text_lines)).map(|f| f.name().to_owned());
    assert_eq!(found.as_deref(), Some("syslog"));
    assert!(Format::detect(&lines("hello world: this is prose\nNote: more prose\n")).is_none());
}
