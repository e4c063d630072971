//! `rules ls` and `rules test`: the shipped rules pass their own tests, a failing case and a
//! broken rule file are reported where they are.

use crate::support::Fb;

#[test]
fn shipped_rules_pass_their_own_tests() {
    let fb = Fb::new();
    let out = fb.cmd(&["rules", "test"]).output().expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains(" 0 failed"), "{text}");
    assert!(!text.contains("FAIL"), "{text}");
}

#[test]
fn every_shipped_rule_names_a_shipped_runbook_and_a_policy_level() {
    let fb = Fb::new();
    let rules = fb.json(&["rules", "ls"]);
    let runbooks = fb.json(&["runbook", "ls"]).to_string();
    let rules = rules["rules"].as_array().expect("rules");
    assert!(rules.len() >= 10, "{rules:?}");
    for rule in rules {
        let runbook = rule["runbook"]
            .as_str()
            .expect("every shipped rule suggests a runbook");
        assert!(
            runbooks.contains(&format!("\"{runbook}\"")),
            "{} names {runbook}",
            rule["id"]
        );
        let sev = rule["severity"].as_str().expect("severity");
        assert!(["P1", "P2", "P3", "P4"].contains(&sev), "{rule}");
    }
}

#[test]
fn a_failing_case_fails_the_command_and_says_what_differed() {
    let fb = Fb::new();
    let dir = fb.root().join("mine");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(
        dir.join("teapot.yaml"),
        r#"rules:
  - id: teapot
    title: Teapots
    severity: P4
    match:
      status: 418
    group-by: client
    threshold: { count: 3, window: 1m }
tests:
  - name: three teapots
    format: combined
    lines:
      - { repeat: 3, line: '192.0.2.1 - - [23/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 418 0 "-" "x"' }
    expect:
      - rule: teapot
        key: { client: 192.0.2.1 }
        count: 4
"#,
    )
    .expect("write");
    let out = fb
        .cmd(&["rules", "test", dir.to_str().expect("utf-8")])
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("FAIL"), "{text}");
    assert!(
        text.contains("teapot.yaml:10"),
        "the case is located: {text}"
    );
    assert!(
        text.contains('3') && text.contains('4'),
        "says expected and got: {text}"
    );
}

#[test]
fn a_broken_rule_file_is_reported_with_file_line_and_column() {
    let fb = Fb::new();
    let dir = fb.root().join("broken");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(
        dir.join("bad.yaml"),
        "rules:\n  - id: bad\n    title: Bad\n    severity: P2\n    match:\n      client: { cidr: 10.0.0.0/33 }\n",
    )
    .expect("write");
    let out = fb
        .cmd(&["rules", "test", dir.to_str().expect("utf-8")])
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("bad.yaml:6:"), "{err}");
    let scan = fb
        .cmd(&["scan", "/dev/null", "--rules", dir.to_str().expect("utf-8")])
        .output()
        .expect("run");
    assert_eq!(scan.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&scan.stderr).contains("bad.yaml:6:"));
}
