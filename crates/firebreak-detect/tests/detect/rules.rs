//! Detection rules: each condition kind, sliding windows, sequences, distinct counts, sums,
//! dedup, bounded state, positioned diagnostics, the shipped rules' own test cases, and a
//! loader that never panics on garbage.

use std::borrow::Cow;

use firebreak_detect::Addr;
use firebreak_detect::agents::Agents;
use firebreak_detect::record::{Event, Record};
use firebreak_detect::rule::{Engine, Finding, LoadError, RuleSet, test};

const T0: i64 = 1_700_000_000;

/// An HTTP request line's record.
fn http(t: i64, client: &str, path: &'static str, status: u16) -> Record<'static> {
    Record {
        time: Some(t),
        client: Addr::parse(client.as_bytes()),
        method: Some(Cow::Borrowed(b"GET")),
        path: Some(Cow::Borrowed(path.as_bytes())),
        status: Some(status),
        bytes: Some(100),
        ..Record::default()
    }
}

fn with_user(mut r: Record<'static>, user: &'static str) -> Record<'static> {
    r.user = Some(Cow::Borrowed(user.as_bytes()));
    r
}

fn with_bytes(mut r: Record<'static>, bytes: u64) -> Record<'static> {
    r.bytes = Some(bytes);
    r
}

fn ssh(t: i64, client: &str, user: &'static str, event: Event) -> Record<'static> {
    Record {
        time: Some(t),
        client: Addr::parse(client.as_bytes()),
        user: Some(Cow::Borrowed(user.as_bytes())),
        program: Some(Cow::Borrowed(b"sshd")),
        event: Some(event),
        ..Record::default()
    }
}

/// One rule file made of `rules` (YAML list items, indented by two spaces).
fn set(rules: &str) -> RuleSet {
    let text = format!("rules:\n{rules}");
    RuleSet::parse("test.yaml", &text).unwrap_or_else(|e| panic!("{e}\n---\n{text}"))
}

/// A rule without counting whose `match` is `condition` (a YAML flow mapping).
fn matcher(condition: &str) -> Engine {
    Engine::new(&set(&format!(
        "  - {{ id: m, title: t, severity: P3, match: {condition} }}\n"
    )))
}

fn meets(condition: &str, record: &Record<'_>) -> bool {
    !matcher(condition).matches(record).is_empty()
}

/// Feeds records in order; every finding raised on the way.
fn feed(engine: &mut Engine, records: &[Record<'_>]) -> Vec<Finding> {
    let mut raised = Vec::new();
    for (i, record) in records.iter().enumerate() {
        raised.extend(engine.push("test.log", i as u64 + 1, b"line", record));
    }
    raised
}

fn errors(file: &str, text: &str) -> Vec<String> {
    match RuleSet::parse(file, text) {
        Ok(_) => panic!("{file} should not load"),
        Err(LoadError::Invalid { diagnostics }) => {
            diagnostics.iter().map(ToString::to_string).collect()
        }
        Err(other) => panic!("unexpected error {other}"),
    }
}

// ---- conditions ----------------------------------------------------------------------------

#[test]
fn equals_and_in_compare_by_the_field_type() {
    let r = http(T0, "203.0.113.7", "/login", 401);
    assert!(meets("{ status: 401 }", &r), "shorthand for equals");
    assert!(
        meets("{ status: { equals: '401' } }", &r),
        "numbers compare as numbers"
    );
    assert!(!meets("{ status: 403 }", &r));
    assert!(meets("{ status: [401, 403] }", &r), "a list is `in`");
    assert!(meets("{ status: { in: [500, 401] } }", &r));
    assert!(meets("{ client: 203.0.113.7 }", &r));
    assert!(
        meets("{ ip: '::ffff:203.0.113.7' }", &r),
        "aliases and address spellings"
    );
    assert!(!meets("{ client: 203.0.113.8 }", &r));
    assert!(meets("{ method: GET }", &r));
    assert!(!meets("{ method: get }", &r), "equals is exact");
    let s = ssh(T0, "198.51.100.1", "root", Event::SshInvalidUser);
    assert!(meets("{ event: [ssh_failed, ssh_invalid_user] }", &s));
    assert!(!meets("{ event: ssh_accepted }", &s));
}

#[test]
fn prefix_contains_any_and_regex() {
    let mut r = http(T0, "203.0.113.7", "/wp-admin/setup.php?x=1", 404);
    r.agent = Some(Cow::Borrowed(
        b"Mozilla/5.0 (compatible; NUCLEI - Open-source project)",
    ));
    assert!(meets("{ path: { prefix: [/wp-admin, /phpmyadmin] } }", &r));
    assert!(
        !meets("{ path: { prefix: /WP-ADMIN } }", &r),
        "prefix is case-sensitive"
    );
    assert!(meets("{ agent: { contains-any: [nuclei] } }", &r));
    assert!(
        meets("{ agent: { contains-any: NuClEi } }", &r),
        "contains-any ignores case"
    );
    assert!(
        meets("{ agent: { contains-any: '@scanners' } }", &r),
        "the shipped list"
    );
    assert!(!meets("{ agent: { contains-any: '@crawlers' } }", &r));
    assert!(meets(r"{ path: { regex: 'setup\.php\?x=\d' } }", &r));
    assert!(!meets("{ path: { regex: '^/setup' } }", &r));
    assert!(
        meets("{ status: { regex: '^4' } }", &r),
        "regex sees numbers as text"
    );
    let mut named = with_user(http(T0, "10.0.0.1", "/", 200), "zoë");
    assert!(
        meets("{ user: { regex: 'zoë' } }", &named),
        "non-ASCII literals match"
    );
    assert!(
        !meets(r"{ user: { regex: '^\w+$' } }", &named),
        r"\w is ASCII by default"
    );
    assert!(
        meets(r"{ user: { regex: '(?u)^\w+$' } }", &named),
        "(?u) turns Unicode on"
    );
    named.user = Some(Cow::Borrowed(b"ZO\xff"));
    assert!(
        meets("{ user: { regex: '(?i)^zo' } }", &named),
        "invalid UTF-8 is still matched"
    );
}

#[test]
fn cidr_covers_ipv4_ipv6_and_forwarded_lists() {
    let v4 = http(T0, "10.20.30.40", "/", 200);
    let v6 = http(T0, "2001:db8:abcd::1", "/", 200);
    assert!(meets("{ client: { cidr: 10.0.0.0/8 } }", &v4));
    assert!(!meets("{ client: { cidr: 10.0.0.0/16 } }", &v4));
    assert!(meets(
        "{ client: { cidr: ['192.168.0.0/16', '2001:db8::/32'] } }",
        &v6
    ));
    assert!(!meets("{ client: { cidr: '2001:db9::/32' } }", &v6));
    assert!(
        meets("{ client: { cidr: 10.20.30.40 } }", &v4),
        "a lone address"
    );
    let mut proxied = http(T0, "10.0.0.1", "/", 200);
    proxied.forwarded_for = Some(Cow::Borrowed(b"203.0.113.50, 10.0.0.3"));
    assert!(meets(
        "{ forwarded_for: { cidr: 203.0.113.0/24 } }",
        &proxied
    ));
    assert!(!meets(
        "{ forwarded_for: { cidr: 198.51.100.0/24 } }",
        &proxied
    ));
}

#[test]
fn numeric_comparisons_and_sizes() {
    let r = with_bytes(http(T0, "10.0.0.1", "/", 503), 2_000_000);
    assert!(meets("{ status: { gt: 499 } }", &r));
    assert!(meets("{ status: { ge: 503 } }", &r));
    assert!(!meets("{ status: { gt: 503 } }", &r));
    assert!(
        meets("{ status: { lt: 504, le: 503 } }", &r),
        "several tests all hold"
    );
    assert!(meets("{ status: { between: [500, 599] } }", &r));
    assert!(
        meets("{ status: { between: [503, 503] } }", &r),
        "both ends included"
    );
    assert!(meets("{ bytes: { ge: 2MB } }", &r));
    assert!(
        !meets("{ bytes: { ge: 2MiB } }", &r),
        "binary units are larger"
    );
    let mut timed = r.clone();
    timed.request_time = Some(7.25);
    assert!(meets("{ request_time: { gt: 5 } }", &timed));
    assert!(
        !meets("{ request_time: { gt: 5 } }", &r),
        "a missing field fails the test"
    );
}

#[test]
fn not_any_all_present_and_extra_fields() {
    let mut r = with_user(http(T0, "10.0.0.1", "/admin", 403), "alice");
    r.extra
        .push((Cow::Borrowed("api_key"), Cow::Borrowed(b"k-123")));
    assert!(meets("{ not: { status: 200 } }", &r));
    assert!(!meets("{ not: { status: 403 } }", &r));
    assert!(meets("{ any: [ { status: 200 }, { path: /admin } ] }", &r));
    assert!(!meets("{ any: [ { status: 200 }, { path: /home } ] }", &r));
    assert!(meets("{ all: [ { status: 403 }, { path: /admin } ] }", &r));
    assert!(!meets("{ all: [ { status: 403 }, { path: /home } ] }", &r));
    assert!(meets("{ user: { present: true } }", &r));
    assert!(meets("{ referer: { present: false } }", &r));
    assert!(
        meets("{ not: { referer: { prefix: http } } }", &r),
        "not of a missing field"
    );
    assert!(meets("{ extra.api_key: { prefix: k- } }", &r));
    assert!(!meets("{ extra.tenant: { present: true } }", &r));
}

#[test]
fn matches_reports_either_step_of_a_sequence() {
    let engine = Engine::new(&set("  - id: seq
    title: t
    severity: P2
    group-by: client
    sequence:
      first: { match: { status: 401 }, at-least: 2 }
      then: { match: { status: 200 } }
      within: 5m
"));
    assert_eq!(engine.matches(&http(T0, "10.0.0.1", "/", 401)), ["seq"]);
    assert_eq!(engine.matches(&http(T0, "10.0.0.1", "/", 200)), ["seq"]);
    assert!(engine.matches(&http(T0, "10.0.0.1", "/", 500)).is_empty());
}

// ---- counting ------------------------------------------------------------------------------

const THRESHOLD: &str = "  - id: burst
    title: t
    severity: P3
    match: { status: 404 }
    group-by: client
    threshold: { count: 3, window: 1m }
";

#[test]
fn thresholds_slide_rather_than_reset_per_minute() {
    // 12:00:50, 12:01:10, 12:01:20 — three within a minute, though no calendar minute holds
    // all three: a fixed-bucket count would miss it.
    let base = T0 - T0 % 60 + 50;
    let mut engine = Engine::new(&set(THRESHOLD));
    let raised = feed(
        &mut engine,
        &[
            http(base, "10.0.0.1", "/a", 404),
            http(base + 20, "10.0.0.1", "/b", 404),
            http(base + 30, "10.0.0.1", "/c", 404),
        ],
    );
    assert_eq!(raised.len(), 1);
    assert_eq!(raised[0].count, 3);
    assert_eq!(
        raised[0].key,
        [("client".to_owned(), "10.0.0.1".to_owned())]
    );
    assert_eq!(
        (raised[0].first_seen, raised[0].last_seen),
        (Some(base), Some(base + 30))
    );
}

#[test]
fn lines_a_full_window_old_have_left_it() {
    let mut engine = Engine::new(&set(THRESHOLD));
    let raised = feed(
        &mut engine,
        &[
            http(T0, "10.0.0.1", "/a", 404),
            http(T0 + 30, "10.0.0.1", "/b", 404),
            http(T0 + 60, "10.0.0.1", "/c", 404),
        ],
    );
    assert!(
        raised.is_empty(),
        "T0 is 60 s old at T0+60: outside a 1m window"
    );
    let raised = feed(&mut engine, &[http(T0 + 61, "10.0.0.1", "/d", 404)]);
    assert_eq!(raised.len(), 1, "T0+30, T0+60, T0+61");
}

#[test]
fn keys_count_apart_and_other_lines_do_not_count() {
    let mut engine = Engine::new(&set(THRESHOLD));
    let raised = feed(
        &mut engine,
        &[
            http(T0, "10.0.0.1", "/a", 404),
            http(T0, "10.0.0.2", "/a", 404),
            http(T0, "10.0.0.1", "/a", 200),
            http(T0, "10.0.0.2", "/a", 404),
            http(T0, "10.0.0.1", "/a", 404),
        ],
    );
    assert!(raised.is_empty());
    let raised = feed(&mut engine, &[http(T0 + 1, "10.0.0.2", "/a", 404)]);
    assert_eq!(raised.len(), 1);
    assert_eq!(raised[0].key_text(), "client=10.0.0.2");
}

#[test]
fn lines_without_a_time_count_at_the_last_time_seen() {
    let mut engine = Engine::new(&set(THRESHOLD));
    let mut untimed = http(0, "10.0.0.1", "/a", 404);
    untimed.time = None;
    let raised = feed(
        &mut engine,
        &[
            http(T0, "10.0.0.1", "/a", 404),
            untimed.clone(),
            http(T0 + 300, "10.0.0.9", "/a", 200),
            untimed.clone(),
            untimed.clone(),
            untimed,
        ],
    );
    assert_eq!(
        raised.len(),
        1,
        "the last three count at T0+300; the first two left the window"
    );
    assert_eq!(raised[0].first_seen, Some(T0 + 300));
}

#[test]
fn sequences_need_enough_first_steps_before_the_second() {
    let rules = set("  - id: bf
    title: t
    severity: P1
    group-by: client
    sequence:
      first: { match: { status: [401, 403] }, at-least: 3 }
      then: { match: { status: { between: [200, 399] } } }
      within: 5m
");
    let fail = |t, c| http(t, c, "/login", 401);
    let ok = |t, c| http(t, c, "/login", 302);

    let mut engine = Engine::new(&rules);
    let raised = feed(
        &mut engine,
        &[
            fail(T0, "10.0.0.1"),
            fail(T0 + 1, "10.0.0.1"),
            fail(T0 + 2, "10.0.0.1"),
            ok(T0 + 3, "10.0.0.1"),
        ],
    );
    assert_eq!(raised.len(), 1);
    assert_eq!(raised[0].count, 3);
    assert_eq!(raised[0].first_seen, Some(T0));
    assert_eq!(
        raised[0].samples.len(),
        2,
        "the last failure and the success"
    );
    assert_eq!(raised[0].samples[1].line, 4);

    let mut engine = Engine::new(&rules);
    assert!(
        feed(
            &mut engine,
            &[
                fail(T0, "10.0.0.1"),
                fail(T0 + 1, "10.0.0.1"),
                ok(T0 + 2, "10.0.0.1")
            ]
        )
        .is_empty(),
        "too few"
    );

    let mut engine = Engine::new(&rules);
    assert!(
        feed(
            &mut engine,
            &[
                ok(T0, "10.0.0.1"),
                fail(T0 + 1, "10.0.0.1"),
                fail(T0 + 2, "10.0.0.1"),
                fail(T0 + 3, "10.0.0.1")
            ]
        )
        .is_empty(),
        "wrong order"
    );

    let mut engine = Engine::new(&rules);
    assert!(
        feed(
            &mut engine,
            &[
                fail(T0, "10.0.0.1"),
                fail(T0 + 1, "10.0.0.1"),
                fail(T0 + 2, "10.0.0.1"),
                ok(T0 + 400, "10.0.0.1")
            ]
        )
        .is_empty(),
        "too long apart"
    );

    let mut engine = Engine::new(&rules);
    assert!(
        feed(
            &mut engine,
            &[
                fail(T0, "10.0.0.1"),
                fail(T0 + 1, "10.0.0.1"),
                fail(T0 + 2, "10.0.0.1"),
                ok(T0 + 3, "10.0.0.2")
            ]
        )
        .is_empty(),
        "another key"
    );

    let mut engine = Engine::new(&rules);
    let raised = feed(
        &mut engine,
        &[
            fail(T0, "10.0.0.1"),
            fail(T0 + 1, "10.0.0.1"),
            ok(T0 + 2, "10.0.0.1"),
            fail(T0 + 3, "10.0.0.1"),
            ok(T0 + 4, "10.0.0.1"),
        ],
    );
    assert!(
        raised.is_empty(),
        "a success ends the sequence: 2 then 1 failures never make 3"
    );
}

#[test]
fn distinct_counts_different_values_in_the_window() {
    let rules = set("  - id: stuffing
    title: t
    severity: P2
    match: { status: 401 }
    group-by: client
    distinct: { field: user, count: 3, window: 10m }
  - id: one-user
    title: t
    severity: P2
    match: { status: 401 }
    group-by: user
    distinct: { field: client, count: 3, window: 10m }
");
    let login = |t, c, u| with_user(http(t, c, "/login", 401), u);
    let mut engine = Engine::new(&rules);
    let raised = feed(
        &mut engine,
        &[
            login(T0, "10.0.0.1", "alice"),
            login(T0 + 1, "10.0.0.1", "alice"),
            login(T0 + 2, "10.0.0.1", "bob"),
            login(T0 + 3, "10.0.0.1", "bob"),
        ],
    );
    assert!(raised.is_empty(), "repeats are one value");
    let raised = feed(&mut engine, &[login(T0 + 700, "10.0.0.1", "carol")]);
    assert!(raised.is_empty(), "alice and bob have left the 10m window");
    let raised = feed(
        &mut engine,
        &[
            login(T0 + 701, "10.0.0.1", "dave"),
            login(T0 + 702, "10.0.0.1", "erin"),
        ],
    );
    assert_eq!(raised.len(), 1);
    assert_eq!((raised[0].rule.as_str(), raised[0].count), ("stuffing", 3));
    feed(
        &mut engine,
        &[
            login(T0 + 703, "10.0.0.1", "erin"),
            login(T0 + 704, "10.0.0.1", "frank"),
        ],
    );
    let stuffing = engine
        .findings()
        .into_iter()
        .find(|f| f.rule == "stuffing")
        .expect("kept");
    assert_eq!(
        stuffing.count, 4,
        "new users keep counting while the finding is open"
    );

    let mut engine = Engine::new(&rules);
    let raised = feed(
        &mut engine,
        &[
            login(T0, "10.0.0.1", "root"),
            login(T0, "10.0.0.2", "root"),
            login(T0, "2001:db8::3", "root"),
        ],
    );
    assert_eq!(raised.len(), 1);
    assert_eq!(raised[0].key_text(), "user=root");
}

#[test]
fn sums_fire_when_the_window_total_exceeds_the_limit() {
    let rules = set("  - id: export
    title: t
    severity: P2
    group-by: client
    sum: { field: bytes, over: 1MB, window: 10m }
");
    let get = |t, bytes| with_bytes(http(t, "10.0.0.1", "/export", 200), bytes);
    let mut engine = Engine::new(&rules);
    assert!(
        feed(&mut engine, &[get(T0, 500_000), get(T0 + 60, 500_000)]).is_empty(),
        "exactly 1MB is not over it"
    );
    let raised = feed(&mut engine, &[get(T0 + 120, 1)]);
    assert_eq!(raised.len(), 1);
    assert_eq!(raised[0].count, 1_000_001);

    let mut engine = Engine::new(&rules);
    let raised = feed(&mut engine, &[get(T0, 600_000), get(T0 + 600, 600_000)]);
    assert!(
        raised.is_empty(),
        "the first left the window as the second came"
    );
}

#[test]
fn rules_without_counting_raise_once_per_dedup_period() {
    let rules = set("  - id: scanner
    title: t
    severity: P3
    match: { path: { prefix: /.env } }
    group-by: client
    dedup: 10m
");
    let probe = |t| http(t, "10.0.0.1", "/.env", 404);
    let mut engine = Engine::new(&rules);
    let raised = feed(&mut engine, &[probe(T0), probe(T0 + 10), probe(T0 + 599)]);
    assert_eq!(raised.len(), 1);
    assert_eq!(engine.findings()[0].count, 3, "counts keep accumulating");
    assert_eq!(engine.findings()[0].last_seen, Some(T0 + 599));
    let raised = feed(&mut engine, &[probe(T0 + 600)]);
    assert_eq!(raised.len(), 1, "dedup ended");
    assert_eq!(raised[0].count, 1);
    assert_eq!(engine.findings().len(), 2);
}

#[test]
fn dedup_zero_raises_every_firing_line() {
    let rules = set("  - id: every
    title: t
    severity: P4
    match: { status: 500 }
    dedup: 0s
");
    let mut engine = Engine::new(&rules);
    let raised = feed(
        &mut engine,
        &[
            http(T0, "10.0.0.1", "/", 500),
            http(T0, "10.0.0.2", "/", 500),
            http(T0, "10.0.0.3", "/", 200),
        ],
    );
    assert_eq!(raised.len(), 2);
    assert!(raised.iter().all(|f| f.key.is_empty()));
}

#[test]
fn a_sustained_flood_raises_again_after_dedup_with_the_count_kept_meanwhile() {
    let rules = set("  - id: flood
    title: t
    severity: P2
    group-by: client
    threshold: { count: 10, window: 1m }
    dedup: 5m
");
    let mut engine = Engine::new(&rules);
    let lines: Vec<Record<'_>> = (0..600)
        .map(|i| http(T0 + i, "10.0.0.1", "/", 200))
        .collect();
    let raised = feed(&mut engine, &lines);
    assert_eq!(
        raised.len(),
        2,
        "at T0+9 and again at T0+309, when dedup has ended"
    );
    let findings = engine.findings();
    assert_eq!(findings[0].count, 309, "T0+0 … T0+308");
    assert_eq!(findings[0].first_seen, Some(T0));
    assert_eq!(findings[0].last_seen, Some(T0 + 308));
    assert_eq!(
        findings[1].count,
        10 + 290,
        "the window that fired again, then T0+310 … T0+599"
    );
    assert_eq!(findings[1].first_seen, Some(T0 + 300));
    assert_eq!(findings[0].samples.len(), 5, "samples are bounded");
}

#[test]
fn keys_are_capped_and_evictions_counted() {
    let rules = set("  - id: capped
    title: t
    severity: P3
    group-by: client
    threshold: { count: 2, window: 1h }
    max-keys: 4
");
    let mut engine = Engine::new(&rules);
    let lines: Vec<Record<'_>> = (1..=10)
        .map(|i| http(T0 + i, &format!("10.0.0.{i}"), "/", 200))
        .collect();
    assert!(feed(&mut engine, &lines).is_empty());
    let stats = engine.stats();
    assert!(stats.rules[0].keys <= 4);
    assert_eq!(stats.rules[0].evicted, 6);
    // 10.0.0.1 was evicted: its earlier line is forgotten, so one more does not fire.
    assert!(feed(&mut engine, &[http(T0 + 20, "10.0.0.1", "/", 200)]).is_empty());
    // 10.0.0.10 was kept: one more line makes two.
    assert_eq!(
        feed(&mut engine, &[http(T0 + 21, "10.0.0.10", "/", 200)]).len(),
        1
    );
}

#[test]
fn expired_keys_are_swept_without_evictions() {
    let rules = set("  - id: swept
    title: t
    severity: P3
    group-by: client
    threshold: { count: 1000, window: 1m }
");
    let mut engine = Engine::new(&rules);
    let lines: Vec<Record<'_>> = (0..3000u32)
        .map(|i| {
            http(
                T0 + i64::from(i / 10),
                &format!("10.{}.{}.1", i / 256, i % 256),
                "/",
                200,
            )
        })
        .collect();
    feed(&mut engine, &lines);
    let stats = engine.stats();
    assert_eq!(stats.rules[0].evicted, 0);
    assert!(
        stats.rules[0].keys < 3000,
        "keys whose window emptied were dropped: {}",
        stats.rules[0].keys
    );
}

#[test]
fn findings_serialize_with_the_key_as_an_object() {
    let mut engine = Engine::new(&set(THRESHOLD));
    let raised = feed(
        &mut engine,
        &[
            http(T0, "2001:db8::7", "/a", 404),
            http(T0, "2001:db8::7", "/a", 404),
            http(T0, "2001:db8::7", "/a", 404),
        ],
    );
    let json = serde_json::to_value(&raised[0]).expect("serializes");
    assert_eq!(json["key"], serde_json::json!({ "client": "2001:db8::7" }));
    assert_eq!(json["severity"], "P3");
    assert_eq!(json["count"], 3);
    assert_eq!(json["samples"][0]["source"], "test.log");
    assert_eq!(json["samples"][0]["line"], 3);
}

// ---- sets ----------------------------------------------------------------------------------

#[test]
fn a_rule_with_the_same_id_replaces_the_shipped_one() {
    let builtin = RuleSet::builtin();
    let shipped = builtin
        .get("http-flood-per-address")
        .expect("shipped")
        .summary();
    let mine = RuleSet::parse(
        "mine.yaml",
        "rules:\n  - { id: http-flood-per-address, title: Mine, severity: P1, group-by: client, threshold: { count: 5, window: 1s } }\n",
    )
    .expect("loads");
    let count = builtin.len();
    let merged = builtin.with(mine);
    assert_eq!(merged.len(), count);
    let rule = merged.get("http-flood-per-address").expect("kept");
    assert_eq!(rule.title, "Mine");
    assert_ne!(rule.summary(), shipped);
}

#[test]
fn a_directory_loads_yaml_files_in_name_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("b.yml"),
        "rules:\n  - { id: b, title: B, severity: P4 }\n",
    )
    .expect("write");
    std::fs::write(
        dir.path().join("a.yaml"),
        "rules:\n  - { id: a, title: A, severity: P4 }\n",
    )
    .expect("write");
    std::fs::write(dir.path().join("notes.txt"), "not: [rules").expect("write");
    let set = RuleSet::load_dir(dir.path()).expect("loads");
    let ids: Vec<&str> = set.rules().iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["a", "b"]);

    std::fs::write(
        dir.path().join("c.yaml"),
        "rules:\n  - { id: a, title: again, severity: P4 }\n",
    )
    .expect("write");
    let Err(LoadError::Invalid { diagnostics }) = RuleSet::load_dir(dir.path()) else {
        panic!("duplicate id across files");
    };
    assert_eq!(diagnostics.len(), 1);
    let shown = diagnostics[0].to_string();
    let wanted = format!(
        "{}:2:11: duplicate rule id \"a\" (first defined at {}:2:11)",
        dir.path().join("c.yaml").display(),
        dir.path().join("a.yaml").display()
    );
    assert_eq!(shown, wanted);
}

// ---- diagnostics ---------------------------------------------------------------------------

#[test]
fn mistakes_in_conditions_are_positioned() {
    let text = "\
rules:
  - id: bad
    title: Bad
    severity: P2
    match:
      stauts: 401
      path: { regex: 'a(b' }
      client: { cidr: [10.0.0.0/8, 10.0.0.0/33] }
      agent: { contains-any: '@robots' }
      bytes: { prefix: '1' }
      method: {}
    group-by: [client, usr]
    threshold: { count: 5, window: 5 minutes }
";
    assert_eq!(
        errors("bad.yaml", text),
        [
            "bad.yaml:6:7: unknown field \"stauts\": did you mean \"status\"? fields are time, client, addr, remote_addr, ip, method, path, protocol, status, bytes, referer, agent, user_agent, user, request_time, upstream_time, forwarded_for, host, program, message, event, auth_method; other fields a format provides are written extra.NAME",
            "bad.yaml:7:22: bad regex \"a(b\": unclosed group",
            "bad.yaml:8:36: bad CIDR \"10.0.0.0/33\": prefix length must be 0..=32",
            "bad.yaml:9:30: unknown agent list \"@robots\": use @scanners, @scripts or @crawlers",
            "bad.yaml:10:24: `prefix` does not apply to bytes: it is a number: use gt, ge, lt, le, between, equals or in",
            "bad.yaml:11:7: no test for field \"method\": use equals, in, prefix, contains-any, regex, cidr, gt, ge, lt, le, between or present",
            "bad.yaml:12:24: unknown field \"usr\": did you mean \"user\"? fields are time, client, addr, remote_addr, ip, method, path, protocol, status, bytes, referer, agent, user_agent, user, request_time, upstream_time, forwarded_for, host, program, message, event, auth_method; other fields a format provides are written extra.NAME",
            "bad.yaml:13:36: bad duration \"5 minutes\": write numbers with units s, m, h or d and no spaces, e.g. 30s, 5m, 1h30m",
        ]
    );
}

#[test]
fn mistakes_in_rules_are_positioned() {
    let text = "\
rules:
  - id: Bad Id
    title: ''
    severity: P5
    runbook: Connection Flood
    threshold: { count: 0, window: 0s }
    sum: { field: bytes, over: 1GB, window: 1m }
";
    assert_eq!(
        errors("r.yaml", text),
        [
            "r.yaml:2:9: bad rule id \"Bad Id\": use up to 100 lowercase letters, digits, '-', '_' or '.', starting with a letter or digit",
            "r.yaml:3:12: the title is empty",
            "r.yaml:4:15: unknown severity \"P5\": use P1, P2, P3 or P4",
            "r.yaml:5:14: bad runbook name \"Connection Flood\": runbooks are named with lowercase letters, digits and dashes (connection-flood, unauthorized-access, …)",
            "r.yaml:7:10: a rule counts one way: it has both `threshold` and `sum`; split it into two rules",
        ]
    );
    let text = "\
rules:
  - id: a
    title: A
    severity: P3
    threshold: { count: 0, window: 0s }
    dedup: forever
";
    assert_eq!(
        errors("r.yaml", text),
        [
            "r.yaml:5:25: count must be between 1 and 1000000",
            "r.yaml:5:36: a window must be longer than 0s",
            "r.yaml:6:12: bad duration \"forever\": write numbers with units s, m, h or d and no spaces, e.g. 30s, 5m, 1h30m",
        ]
    );
}

#[test]
fn unknown_keys_missing_fields_and_yaml_errors_are_positioned() {
    assert_eq!(
        errors(
            "k.yaml",
            "rules:\n  - id: a\n    title: A\n    severity: P3\n    windw: 1m\n"
        ),
        [
            "k.yaml:5:5: unknown key `windw`, expected one of id, title, description, severity, tags, runbook, format, match, group-by, threshold, distinct, sum, sequence, dedup, max-keys"
        ]
    );
    assert_eq!(
        errors(
            "k.yaml",
            "rules:\n  - id: a\n    title: A\n    severity: P3\n    threshold: { window: 1m, cuont: 3 }\n"
        ),
        ["k.yaml:5:30: unknown key `cuont`, expected one of count, window"]
    );
    assert_eq!(
        errors(
            "k.yaml",
            "rules:\n  - id: a\n    title: A\n    severity: P3\n    threshold:\n      window: 1m\n"
        ),
        ["k.yaml:6:7: missing field `count`"]
    );
    assert_eq!(
        errors("k.yaml", "rules:\n  - id: a\n    title: A\n"),
        ["k.yaml:2:5: missing field `severity`"]
    );
    assert_eq!(
        errors("k.yaml", "rules:\n  - id: a\n    title: [A\n"),
        ["k.yaml:3:12: expected a single value (a text or a number) here"]
    );
    assert_eq!(
        errors("k.yaml", "rules:\n  - id: a\n    title: 'A\n"),
        ["k.yaml:4:1: invalid indentation in multiline quoted scalar"]
    );
    assert_eq!(
        errors(
            "k.yaml",
            "rules:\n  - { id: a, title: A, severity: P3, match: [status] }\n"
        ),
        ["k.yaml:2:45: expected a mapping (`key: value` lines) here"]
    );
    assert_eq!(
        errors(
            "k.yaml",
            "rules:\n  - id: a\n    title: A\n    severity: P3\n  - id: a\n    title: B\n    severity: P3\n"
        ),
        ["k.yaml:5:9: duplicate rule id \"a\" (first defined at k.yaml:2:9)"]
    );
    assert_eq!(
        errors("k.yaml", "rules: []\n"),
        ["k.yaml:1:8: a rule file holds at least one rule"]
    );
}

#[test]
fn mistakes_in_values_are_positioned() {
    let rule = "rules:\n  - id: a\n    title: A\n    severity: P3\n";
    let cases = [
        (
            "    match:\n      status: { eqals: 401 }\n",
            "6:17: unknown key `eqals`, expected one of equals, in, prefix, contains-any, regex, cidr, gt, ge, lt, le, between, present",
        ),
        (
            "    distinct: { field: user, window: 10m }\n",
            "5:15: missing field `count`",
        ),
        (
            "    sequence: { first: { match: { status: 1 } }, then: { match: { status: 2 }, at-least: 3 }, within: 1m }\n",
            "5:90: `at-least` belongs to the first step; the second step is one line",
        ),
        (
            "    match: { client: 10.0.0.0/8 }\n",
            "5:22: \"10.0.0.0/8\" is a network: test it with `cidr`, not equals/in",
        ),
        (
            "    match: { event: ssh_fail }\n",
            "5:21: unknown event \"ssh_fail\": events are ssh_failed, ssh_accepted, ssh_invalid_user, ssh_disconnected, ssh_key_failed, ssh_refused, ssh_max_attempts, ssh_preauth, sudo_command, sudo_failed",
        ),
        (
            "    sum: { field: client, over: 1, window: 1m }\n",
            "5:19: sum adds numbers; client holds none",
        ),
        (
            "    match: { status: { between: [5, 1] } }\n",
            "5:33: `between` is empty: 5 is above 1",
        ),
        (
            "tests:\n  - name: x\n    lines:\n      - { line: y, repat: 3 }\n",
            "8:20: unknown key `repat`, expected one of line, repeat",
        ),
    ];
    for (tail, wanted) in cases {
        assert_eq!(
            errors("v.yaml", &format!("{rule}{tail}")),
            [format!("v.yaml:{wanted}")]
        );
    }
    let nested = format!(
        "{rule}    match: {}{{ status: 1 }}{}\n",
        "{ not: ".repeat(17),
        " }".repeat(17)
    );
    assert_eq!(
        errors("v.yaml", &nested),
        ["v.yaml:5:131: conditions nest deeper than 16 levels"]
    );
}

#[test]
fn mistakes_in_test_cases_are_positioned() {
    let text = "\
rules:
  - { id: a, title: A, severity: P3 }
tests:
  - name: wrong rule
    format: combined
    lines: ''
    expect:
      - { rule: b }
      - { rule: a, key: { clinet: 10.0.0.1 } }
";
    let found = errors("t.yaml", text);
    assert_eq!(
        found[0],
        "t.yaml:8:17: no rule \"b\" in this file (its rules: a)"
    );
    assert!(
        found[1].starts_with("t.yaml:9:27: unknown field \"clinet\": did you mean \"client\"?"),
        "{}",
        found[1]
    );
}

// ---- rule tests ----------------------------------------------------------------------------

#[test]
fn every_builtin_rule_file_passes_its_own_tests() {
    let set = RuleSet::builtin_with(&Agents::builtin())
        .unwrap_or_else(|e| panic!("built-in rules do not load:\n{e}"));
    assert_eq!(set.len(), RuleSet::builtin().len());
    let outcomes = test::run(&set);
    let failed: Vec<String> = outcomes
        .iter()
        .filter(|o| !o.passed())
        .map(ToString::to_string)
        .collect();
    assert!(failed.is_empty(), "{}", failed.join("\n"));
    for (file, _) in RuleSet::builtin_files() {
        let origin = format!("built-in {file}");
        assert!(
            outcomes.iter().any(|o| o.file == origin),
            "{file} has no test cases"
        );
    }
    for rule in set.rules() {
        assert!(
            outcomes.iter().any(|o| set
                .tests()
                .iter()
                .any(|t| t.name == o.name && t.expect.iter().any(|e| e.rule == rule.id))),
            "no test case expects a finding of {}",
            rule.id
        );
    }
}

#[test]
fn builtin_rules_name_runbooks_that_exist() {
    let runbooks = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../runbooks");
    for rule in RuleSet::builtin().rules() {
        if let Some(name) = &rule.runbook {
            assert!(
                runbooks.join(format!("{name}.md")).is_file(),
                "{}: no runbook {name}",
                rule.id
            );
        }
    }
}

#[test]
fn a_failing_case_says_what_differed() {
    let text = r#"
rules:
  - id: nf
    title: Not found
    severity: P4
    match: { status: 404 }
    group-by: client
    threshold: { count: 2, window: 1m }
tests:
  - name: wrong expectations
    format: combined
    lines: |
      10.0.0.1 - - [10/Oct/2024:13:55:01 +0000] "GET /a HTTP/1.1" 404 1 "-" "x"
      10.0.0.1 - - [10/Oct/2024:13:55:02 +0000] "GET /b HTTP/1.1" 404 1 "-" "x"
      10.0.0.2 - - [10/Oct/2024:13:55:02 +0000] "GET /b HTTP/1.1" 404 1 "-" "x"
      10.0.0.2 - - [10/Oct/2024:13:55:03 +0000] "GET /b HTTP/1.1" 404 1 "-" "x"
      10.0.0.2 - - [10/Oct/2024:13:55:03 +0000] "GET /b HTTP/1.1" 404 1 "-" "x"
    expect:
      - { rule: nf, key: { client: 10.0.0.1 }, count: 3 }
      - { rule: nf, key: { client: 10.0.0.3 } }
      - { rule: nf, key: { client: 10.0.0.2 }, at-least: 4 }
  - name: unreadable lines
    format: combined
    lines: "not a log line"
"#;
    let set = RuleSet::parse("f.yaml", text).expect("loads");
    let outcomes = test::run(&set);
    assert_eq!(
        outcomes[0].failures,
        [
            "nf for client=10.0.0.1: count 2, expected 3",
            "expected nf for client=10.0.0.3, but it was not raised (it was raised for client=10.0.0.1; client=10.0.0.2)",
            "nf for client=10.0.0.2: count 3, expected at least 4",
        ]
    );
    assert!(
        outcomes[0]
            .to_string()
            .starts_with("FAIL f.yaml:10 wrong expectations\n")
    );
    assert_eq!(outcomes[1].failures.len(), 1);
    assert!(
        outcomes[1].failures[0].starts_with("input line 1 is not combined"),
        "{:?}",
        outcomes[1].failures
    );
}

#[test]
fn unexpected_findings_fail_a_case() {
    let text = r#"
rules:
  - { id: any500, title: Errors, severity: P4, match: { status: 500 } }
tests:
  - name: expects nothing
    format: combined
    lines: '10.0.0.1 - - [10/Oct/2024:13:55:01 +0000] "GET / HTTP/1.1" 500 1 "-" "x"'
"#;
    let outcomes = test::run(&RuleSet::parse("u.yaml", text).expect("loads"));
    assert_eq!(
        outcomes[0].failures,
        ["unexpected any500 for (all lines) (count 1)"]
    );
}

// ---- hostile input -------------------------------------------------------------------------

#[test]
fn hostile_nesting_is_refused_without_exhausting_the_stack() {
    for depth in [17, 40, 5_000, 200_000] {
        let text = format!(
            "rules:\n  - id: deep\n    title: t\n    severity: P4\n    match: {}{{ status: 1 }}{}\n",
            "{ not: ".repeat(depth),
            " }".repeat(depth)
        );
        let found = errors("deep.yaml", &text);
        assert_eq!(found.len(), 1, "{found:?}");
    }
    let text = format!("rules: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
    assert_eq!(errors("deep.yaml", &text).len(), 1);
}

mod fuzz {
    use super::*;
    use proptest::prelude::*;

    const WORDS: &[&str] = &[
        "rules",
        "tests",
        "id",
        "title",
        "severity",
        "match",
        "group-by",
        "threshold",
        "distinct",
        "sum",
        "sequence",
        "first",
        "then",
        "within",
        "at-least",
        "count",
        "window",
        "field",
        "over",
        "dedup",
        "max-keys",
        "status",
        "path",
        "client",
        "any",
        "all",
        "not",
        "equals",
        "in",
        "prefix",
        "contains-any",
        "regex",
        "cidr",
        "gt",
        "between",
        "present",
        "lines",
        "expect",
        "rule",
        "key",
        "repeat",
        "line",
        "P1",
        "P9",
        "1m",
        "0s",
        "500MB",
        "10.0.0.0/8",
        "@scanners",
        "(",
        "[a-",
        "*x",
        "&a",
        "<<",
        "~",
        "null",
        "!!binary",
        "extra.",
        "-1",
        "99999999999999999999",
        "ssh_failed",
        "'",
        "\"",
        "{",
        "}",
        "[",
        "]",
        ":",
        ",",
        "- ",
        "\n",
        "\n  ",
        "\n    ",
        "\t",
        "#",
        "|",
        ">",
        "%YAML 1.2",
        "---",
        "...",
        "é",
        "\u{0}",
    ];

    fn yamlish() -> impl Strategy<Value = String> {
        prop::collection::vec(
            prop_oneof![
                4 => prop::sample::select(WORDS).prop_map(str::to_owned),
                1 => "[ -~]{0,12}",
                1 => any::<char>().prop_map(String::from),
            ],
            0..120,
        )
        .prop_map(|parts| parts.join(" "))
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

        #[test]
        fn the_loader_never_panics_on_yamlish_text(text in yamlish()) {
            if let Err(LoadError::Invalid { diagnostics }) = RuleSet::parse("fuzz.yaml", &text) {
                prop_assert!(!diagnostics.is_empty());
            }
        }

        #[test]
        fn the_loader_never_panics_on_damaged_builtin_files(
            file in 0..RuleSet::builtin_files().len(),
            cuts in prop::collection::vec((any::<prop::sample::Index>(), 0usize..40, "[ -~\n]{0,8}"), 1..4),
        ) {
            let mut text = RuleSet::builtin_files()[file].1.to_owned();
            for (at, len, insert) in cuts {
                let start = at.index(text.len().max(1)).min(text.len());
                let start = (0..=start).rev().find(|i| text.is_char_boundary(*i)).unwrap_or(0);
                let end = (start + len).min(text.len());
                let end = (end..=text.len()).find(|i| text.is_char_boundary(*i)).unwrap_or(text.len());
                text.replace_range(start..end, &insert);
            }
            if let Ok(set) = RuleSet::parse("damaged.yaml", &text) {
                // Whatever still loads must also run.
                let _ = test::run(&set);
            }
        }
    }
}

// ---- the user guide ------------------------------------------------------------------------

/// The YAML examples of docs/rules.md: complete files load and pass their tests; rule snippets
/// load together with the guide's test cases, which pass against them.
#[test]
fn the_guides_examples_load_and_their_tests_pass() {
    let guide = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/rules.md"),
    )
    .expect("docs/rules.md");
    let mut blocks = Vec::new();
    let mut rest = guide.as_str();
    while let Some(start) = rest.find("```yaml\n") {
        let body = &rest[start + 8..];
        let end = body.find("```").expect("closed block");
        blocks.push(&body[..end]);
        rest = &body[end + 3..];
    }
    assert!(blocks.len() >= 8, "{} blocks", blocks.len());
    let mut snippets = String::from("rules:\n");
    let mut tests = String::new();
    for (i, block) in blocks.iter().enumerate() {
        if block.starts_with("rules:") {
            let set =
                RuleSet::parse("guide.yaml", block).unwrap_or_else(|e| panic!("{e}\n{block}"));
            let failed: Vec<String> = test::run(&set)
                .iter()
                .filter(|o| !o.passed())
                .map(ToString::to_string)
                .collect();
            assert!(failed.is_empty(), "{}", failed.join("\n"));
        } else if block.starts_with("  - id:") {
            snippets.push_str(block);
        } else if block.starts_with("match:") {
            let indented: String = block.lines().map(|l| format!("    {l}\n")).collect();
            let text = format!(
                "rules:\n  - id: guide-match-{i}\n    title: t\n    severity: P4\n{indented}"
            );
            RuleSet::parse("guide.yaml", &text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        } else if block.starts_with("tests:") {
            tests.push_str(block);
        } else {
            panic!("unexpected example:\n{block}");
        }
    }
    let text = format!("{snippets}{tests}");
    let set = RuleSet::parse("guide.yaml", &text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert!(!set.tests().is_empty());
    let failed: Vec<String> = test::run(&set)
        .iter()
        .filter(|o| !o.passed())
        .map(ToString::to_string)
        .collect();
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

// ---- end to end ----------------------------------------------------------------------------

/// The shipped rules over a generated log name every planted attacker with the rule made
/// for it.
#[test]
fn builtin_rules_find_the_attacks_planted_in_a_generated_log() {
    use firebreak_detect::format::Format;
    use firebreak_detect::generate::{GenOptions, Generator, Size};

    let mut log = Vec::new();
    let planted = Generator::new(GenOptions {
        size: Size::Lines(200_000),
        clients: 5_000,
        ..GenOptions::default()
    })
    .write_to(&mut log)
    .expect("generates");
    let mut engine = Engine::new(&RuleSet::builtin());
    for (i, line) in log.split(|b| *b == b'\n').enumerate() {
        if let Ok(record) = Format::Combined.parse(line) {
            engine.push("generated.log", i as u64 + 1, line, &record);
        }
    }
    let findings = engine.findings();
    let found = |rule: &str, field: &str, value: &str| {
        findings
            .iter()
            .any(|f| f.rule == rule && f.key.iter().any(|(k, v)| k == field && v == value))
    };
    let expected = [
        (
            "http-flood-per-address",
            "client",
            planted.flood_addr.to_string(),
        ),
        (
            "http-brute-force-then-success",
            "client",
            planted.brute_addr.to_string(),
        ),
        (
            "http-credential-stuffing-many-users",
            "client",
            planted.stuffing_addr.to_string(),
        ),
        (
            "http-credential-stuffing-one-user",
            "user",
            planted.spray_user.clone(),
        ),
        (
            "http-scanner-agent",
            "client",
            planted.scanner_addr.to_string(),
        ),
        (
            "http-secret-probing",
            "client",
            planted.scanner_addr.to_string(),
        ),
        (
            "http-sql-injection",
            "client",
            planted.sqlmap_addr.to_string(),
        ),
        (
            "http-rate-limited-storm",
            "client",
            planted.storm_addr.to_string(),
        ),
        (
            "http-export-burst",
            "client",
            planted.export_addr.to_string(),
        ),
    ];
    let summary: Vec<String> = findings
        .iter()
        .map(|f| format!("{} {}", f.rule, f.key_text()))
        .collect();
    for (rule, field, value) in &expected {
        assert!(
            found(rule, field, value),
            "{rule} for {field}={value} not found in:\n{}",
            summary.join("\n")
        );
    }
    assert!(
        findings.iter().any(|f| f.rule == "http-5xx-burst"),
        "{}",
        summary.join("\n")
    );
    // Attackers use documentation addresses and ordinary clients never do: no ordinary
    // client is named.
    let documentation = ["192.0.2.", "198.51.100.", "203.0.113.", "2001:db8:"];
    for finding in &findings {
        for (field, value) in &finding.key {
            if field == "client" {
                assert!(
                    documentation.iter().any(|p| value.starts_with(p)),
                    "{} names an ordinary client {value}",
                    finding.rule
                );
            }
        }
    }
}

// ---- matching apart from counting ----------------------------------------------------------

/// Splits `count` lines into runs of uneven lengths (1 to about 3000), the same every time.
fn uneven_runs(count: usize) -> Vec<std::ops::Range<usize>> {
    let mut runs = Vec::new();
    let mut start = 0;
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    while start < count {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let len = 1 + (seed >> 33) as usize % 3000;
        let end = (start + len).min(count);
        runs.push(start..end);
        start = end;
    }
    runs
}

/// Feeds `lines` (number, raw text, record) to one engine line by line with `push`, and to
/// another run by run, matched on two threads and then counted in order, as `scan` does
/// with several threads; both must raise and keep exactly the same findings.
fn one_by_one_and_in_parallel_agree(rules: &RuleSet, lines: &[(u64, &[u8], Record<'_>)]) {
    let mut alone = Engine::new(rules);
    let mut raised_alone = Vec::new();
    for (number, raw, record) in lines {
        raised_alone.extend(alone.push("generated.log", *number, raw, record));
    }

    let mut split = Engine::new(rules);
    let runs = uneven_runs(lines.len());
    let matcher = split.matcher().clone();
    let mut matched: Vec<firebreak_detect::rule::Hits> = Vec::new();
    std::thread::scope(|scope| {
        let halves: Vec<_> = [0, 1]
            .into_iter()
            .map(|half| {
                let runs = &runs;
                // Each thread with its own copy, as `scan` runs them.
                let matcher = matcher.for_thread();
                scope.spawn(move || {
                    let mut scratch = firebreak_detect::rule::Scratch::default();
                    let mut mine = Vec::new();
                    for (i, run) in runs.iter().enumerate() {
                        let mut hits = firebreak_detect::rule::Hits::default();
                        if i % 2 == half {
                            for (number, raw, record) in &lines[run.clone()] {
                                matcher.add(&mut hits, &mut scratch, *number, raw, record);
                            }
                        }
                        mine.push(hits);
                    }
                    mine
                })
            })
            .collect();
        let mut halves: Vec<_> = halves
            .into_iter()
            .map(|h| h.join().expect("matching thread"))
            .collect();
        let odd = halves.pop().expect("two halves");
        let even = halves.pop().expect("two halves");
        for (i, (e, o)) in even.into_iter().zip(odd).enumerate() {
            matched.push(if i % 2 == 0 { e } else { o });
        }
    });
    let mut raised_split = Vec::new();
    for hits in &mut matched {
        raised_split.extend(split.count("generated.log", hits));
        assert_eq!(hits.lines(), 0, "count empties the hits");
    }

    assert!(!alone.findings().is_empty(), "the lines raise findings");
    assert_eq!(raised_split, raised_alone, "findings raised on the way");
    assert_eq!(split.findings(), alone.findings(), "findings kept");
    assert_eq!(split.stats(), alone.stats(), "state held");
}

/// The shipped rules over a generated log with planted attacks find the same things (rule,
/// key, count, first and last seen, samples) whether lines are pushed one by one or matched in
/// runs on two threads and counted afterwards.
#[test]
fn matching_runs_on_threads_finds_what_pushing_lines_finds() {
    use firebreak_detect::format::Format;
    use firebreak_detect::generate::{GenOptions, Generator, Size};

    let mut log = Vec::new();
    Generator::new(GenOptions {
        size: Size::Lines(200_000),
        clients: 5_000,
        ..GenOptions::default()
    })
    .write_to(&mut log)
    .expect("generates");
    let lines: Vec<(u64, &[u8], Record<'_>)> = log
        .split(|b| *b == b'\n')
        .enumerate()
        .filter_map(|(i, line)| {
            Format::Combined
                .parse(line)
                .ok()
                .map(|record| (i as u64 + 1, line, record))
        })
        .collect();
    assert!(lines.len() > 190_000, "{} lines parsed", lines.len());
    one_by_one_and_in_parallel_agree(&RuleSet::builtin(), &lines);
}

/// Lines without a time count at the latest time before them, also when that time was in an
/// earlier run matched on another thread; sequences, distinct counts and sums agree too.
#[test]
fn matching_runs_keeps_the_last_time_and_every_kind_of_counting() {
    let mut records = Vec::new();
    for i in 0..20_000i64 {
        let t = T0 + i / 4;
        let client = format!("203.0.113.{}", i % 7);
        let mut r = match i % 5 {
            0 => ssh(t, &client, "root", Event::SshFailed),
            1 => ssh(t, &client, "admin", Event::SshAccepted),
            2 => with_user(http(t, &client, "/login", 401), "alice"),
            3 => with_bytes(http(t, &client, "/export", 200), 40_000_000),
            _ => http(t, &client, "/wp-login.php", 404),
        };
        if i % 3 == 0 {
            r.time = None;
        }
        records.push(r);
    }
    let lines: Vec<(u64, &[u8], Record<'_>)> = records
        .into_iter()
        .enumerate()
        .map(|(i, r)| (i as u64 + 1, &b"line"[..], r))
        .collect();
    let rules = set("  - id: flood
    title: t
    severity: P2
    group-by: client
    threshold: { count: 50, window: 1m }
    dedup: 30s
  - id: users
    title: t
    severity: P2
    match: { status: 401 }
    group-by: client
    distinct: { field: user, count: 1, window: 5m }
  - id: volume
    title: t
    severity: P2
    group-by: client
    sum: { field: bytes, over: 100MB, window: 1m }
  - id: brute
    title: t
    severity: P1
    group-by: client
    sequence:
      first: { match: { event: ssh_failed }, at-least: 3 }
      then: { match: { event: ssh_accepted } }
      within: 10m
  - id: every
    title: t
    severity: P4
    match: { path: { prefix: /wp- } }
    group-by: client
    dedup: 0s
")
    .with(RuleSet::builtin());
    one_by_one_and_in_parallel_agree(&rules, &lines);
}
