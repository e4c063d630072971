//! The seed runbooks parse into the procedures and steps a responder would expect.

use super::*;

const SEED_000: &str = "\
server-not-starting [Incident Response Playbook]
  1 diagnosis command read-only
  2 diagnosis command read-only
  3 recovery command read-only
  4 recovery command read-only QPQ_AUTH_TOKEN
  5 recovery command read-only
  6 recovery command read-only QPQ_DB_KEY
  7 recovery command read-only
node-down-unresponsive [Incident Response Playbook]
  1 diagnosis command read-only
  2 diagnosis command read-only
  3 diagnosis command read-only
  4 diagnosis command read-only
  5 diagnosis command read-only SERVER_IP
  6 diagnosis command read-only
  7 diagnosis command read-only
  8 recovery command destructive
  9 recovery command mutating
storage-full [Incident Response Playbook]
  1 diagnosis command read-only
  2 diagnosis command read-only
  3 diagnosis command read-only
  4 diagnosis command read-only
  5 diagnosis command read-only
  6 recovery manual read-only
  7 recovery command destructive
  8 recovery manual read-only
  9 recovery manual read-only
  10 recovery command destructive
  11 recovery command mutating
  12 recovery command mutating
ddos-connection-flood [Incident Response Playbook]
  1 diagnosis command read-only
  2 diagnosis command read-only
  3 diagnosis command read-only
  4 containment manual read-only
  5 containment command destructive ATTACKER_IP
  6 containment manual read-only
  7 containment command destructive
  8 containment manual read-only
auth-token-compromised [Key Compromise] severity=P1
  1 steps command read-only
  2 steps manual read-only
  3 steps manual read-only
  4 steps command read-only
tls-private-key-compromised [Key Compromise] severity=P1
  1 steps manual read-only
  2 steps manual read-only
  3 steps command destructive
  4 steps manual read-only
database-key-compromised [Key Compromise] severity=P1
  1 steps command destructive
  2 steps manual read-only
  3 steps manual read-only
  4 steps manual read-only
opaque-serversetup-compromised [Key Compromise] severity=P1
  …
high-latency [Incident Response Playbook]
  1 diagnosis command read-only
  2 diagnosis command read-only
  3 diagnosis command mutating
  4 diagnosis command read-only
  5 recovery command mutating QPQ_DB_KEY
  6 recovery command mutating QPQ_DB_KEY
  7 recovery manual read-only
  8 recovery manual read-only
certificate-expiring [Incident Response Playbook]
  1 diagnosis command read-only
  2 diagnosis manual read-only
  3 diagnosis command read-only
post-incident-checklist [Incident Response Playbook]
  1 post-incident manual read-only
  2 post-incident manual read-only
  3 post-incident manual read-only
  4 post-incident manual read-only
  5 post-incident manual read-only
  6 post-incident manual read-only
";

const SEED_004: &str = "\
initial-response-checklist [Floodingnaque Security Incident Response Runbook]
  1 diagnosis check read-only
  2 diagnosis check read-only
  3 diagnosis check read-only
  4 diagnosis check read-only
  5 diagnosis check read-only
  6 diagnosis manual read-only
  7 diagnosis manual read-only
  8 diagnosis manual read-only
unauthorized-access-authentication-breach [Incident Response Procedures]
  1 diagnosis command read-only
  2 diagnosis command read-only
  3 diagnosis command read-only REDIS_HOST
  4 diagnosis command mutating
  5 diagnosis command destructive REDIS_HOST
  6 containment manual read-only
  7 containment manual read-only
  8 containment manual read-only
  9 containment manual read-only
data-breach-data-exfiltration [Incident Response Procedures]
  1 diagnosis command read-only
  2 diagnosis command read-only
  3 diagnosis manual read-only
  4 diagnosis manual read-only
  5 containment manual read-only
  6 containment manual read-only
  7 containment manual read-only
  8 containment manual read-only
ddos-attack-service-disruption [Incident Response Procedures]
  1 diagnosis command read-only
  2 diagnosis command read-only
  3 diagnosis command read-only
  4 diagnosis manual read-only
  5 containment manual read-only
  6 containment manual read-only
  7 containment manual read-only
  8 containment manual read-only
malware-container-compromise [Incident Response Procedures]
  1 diagnosis manual read-only
  2 diagnosis command mutating
  3 diagnosis command read-only
  4 diagnosis command read-only
  5 diagnosis command read-only
  6 diagnosis command destructive
  7 containment manual read-only
  8 containment manual read-only
  9 containment manual read-only
  10 containment manual read-only
dependency-vulnerability-cve [Incident Response Procedures]
  1 diagnosis command read-only
  2 diagnosis command read-only
  3 diagnosis manual read-only
  4 diagnosis command mutating AFFECTED_PACKAGE
  5 diagnosis command mutating
  6 diagnosis command mutating
  7 diagnosis command mutating
  8 diagnosis manual read-only
  9 diagnosis manual read-only
  10 diagnosis manual read-only
  11 diagnosis manual read-only
evidence-preservation [Floodingnaque Security Incident Response Runbook]
  1 evidence check read-only
  2 evidence check read-only
  3 evidence check read-only
  4 evidence check read-only
  5 evidence check read-only
  6 evidence check read-only
  7 evidence command mutating
  8 evidence command read-only
  9 evidence command mutating
  10 evidence command mutating
  11 evidence command mutating
  12 evidence command mutating
  13 evidence command mutating
  14 evidence command mutating
recovery-procedures [Floodingnaque Security Incident Response Runbook]
  1 post-incident check read-only
  2 post-incident check read-only
  3 post-incident check read-only
  4 post-incident check read-only
  5 post-incident check read-only
  6 post-incident check read-only
  7 post-incident check read-only
  8 recovery command mutating
  9 recovery command mutating
  10 recovery command mutating
  11 recovery command destructive
  12 recovery command mutating
log-analysis [Useful Commands Reference]
  1 steps command read-only
  2 steps command read-only
  3 steps command read-only
blocking-ips [Useful Commands Reference]
  1 steps command mutating
  2 steps command mutating
  3 steps command destructive
post-incident-review-template [Floodingnaque Security Incident Response Runbook]
  1 post-incident manual read-only
  2 post-incident manual read-only
  3 post-incident manual read-only
  4 post-incident manual read-only
  5 post-incident manual read-only
  6 post-incident manual read-only
  7 post-incident manual read-only
  8 post-incident manual read-only
  9 post-incident manual read-only
  10 post-incident manual read-only
";

#[test]
fn seed_000_parses_into_its_procedures_and_steps() {
    let fb = Fb::new();
    let path = seed("000_7cf0814517651556.txt");
    let show = show_json(&fb, s(&path));
    let slugs: Vec<&str> = show["procedures"]
        .as_array()
        .expect("procedures")
        .iter()
        .map(|p| p["slug"].as_str().expect("slug"))
        .collect();
    assert_eq!(
        slugs,
        [
            "server-not-starting",
            "node-down-unresponsive",
            "storage-full",
            "ddos-connection-flood",
            "auth-token-compromised",
            "tls-private-key-compromised",
            "database-key-compromised",
            "opaque-serversetup-compromised",
            "high-latency",
            "certificate-expiring",
            "post-incident-checklist",
        ]
    );
    let rendered = render(&show, &["opaque-serversetup-compromised"]);
    assert_eq!(
        rendered, SEED_000,
        "seed 000 structure changed:\n{rendered}"
    );

    // The heredoc is one destructive step, body and terminator included.
    let heredoc = step_starting(&show, "storage-full", "sqlite3 data/qpq.db <<'EOF'");
    assert_eq!(heredoc["safety"], "destructive");
    let src = heredoc["source"].as_str().expect("source");
    assert!(
        src.contains("DELETE FROM delivery_queue") && src.ends_with("VACUUM;\nEOF"),
        "{src}"
    );
    // The firewall block takes the attacker's address as a parameter, quoted in the script.
    let block = step_starting(&show, "ddos-connection-flood", "iptables -A INPUT");
    assert_eq!(block["safety"], "destructive");
    assert_eq!(block["params"], serde_json::json!(["ATTACKER_IP"]));
    assert_eq!(
        block["script"],
        "iptables -A INPUT -s \"${ATTACKER_IP}\" -j DROP"
    );

    // The web page's `|` gutter is reported, and nothing is an error.
    let out = run_in(&fb, &["runbook", "lint", s(&path)], "");
    assert_code(&out, 0, "lint seed 000");
    assert!(
        stdout(&out).contains("warning[gutter-lines]"),
        "{}",
        stdout(&out)
    );
    assert!(stdout(&out).contains("0 error(s)"), "{}", stdout(&out));
}

/// In the seed, one comment block lists two numbered manual steps:
/// `# 2. All users must re-register with new credentials` and, on the very next line,
/// `# 3. Review logs for unauthorized OPAQUE authentications`. They are two steps; the
/// responder must be asked to confirm the log review separately.
#[test]
fn seed_000_numbered_comment_lines_are_separate_manual_steps() {
    let fb = Fb::new();
    let show = show_json(&fb, s(&seed("000_7cf0814517651556.txt")));
    let p = show["procedures"]
        .as_array()
        .expect("procedures")
        .iter()
        .find(|p| p["slug"] == "opaque-serversetup-compromised")
        .expect("opaque procedure");
    let steps: Vec<(String, String)> = p["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|st| {
            (
                st["kind"].as_str().expect("kind").to_string(),
                st["title"].as_str().expect("title").to_string(),
            )
        })
        .collect();
    let expected = [
        ("manual", "Rotate the OPAQUE ServerSetup"),
        ("manual", "All users must re-register with new credentials"),
        (
            "manual",
            "Review logs for unauthorized OPAQUE authentications",
        ),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(k, t)| (k.to_string(), t.to_string()))
        .collect();
    assert_eq!(steps, expected);
}

#[test]
fn seed_004_parses_despite_mis_encoded_text() {
    let fb = Fb::new();
    let path = seed("004_b75a9dbfec2445cc.txt");
    let show = show_json(&fb, s(&path));
    let rendered = render(&show, &[]);
    assert_eq!(
        rendered, SEED_004,
        "seed 004 structure changed:\n{rendered}"
    );

    let flush = step_starting(
        &show,
        "unauthorized-access-authentication-breach",
        "redis-cli -h <REDIS_HOST> FLUSHDB",
    );
    assert_eq!(flush["safety"], "destructive");
    let disconnect = step_starting(
        &show,
        "malware-container-compromise",
        "docker network disconnect",
    );
    assert_eq!(disconnect["safety"], "destructive");
    // A pipeline continued with a backslash stays one step.
    let pipeline = step_starting(
        &show,
        "ddos-attack-service-disruption",
        "docker exec floodingnaque-nginx-prod tail",
    );
    assert!(
        pipeline["source"]
            .as_str()
            .expect("source")
            .ends_with("head -20"),
        "{pipeline}"
    );
    // `â†’` (UTF-8 read as Windows-1252) is repaired to the arrow it was.
    let chain = &show["procedures"][0]["steps"][5];
    assert_eq!(
        chain["text"],
        "First Responder → Security Lead → CTO/Engineering Lead"
    );

    let out = run_in(&fb, &["runbook", "lint", s(&path)], "");
    assert_code(&out, 0, "lint seed 004");
    let text = stdout(&out);
    assert!(text.contains(":38:1: warning[mis-encoded]"), "{text}");
    assert!(text.contains("0 error(s)"), "{text}");
    assert!(!text.contains("error["), "{text}");
}
