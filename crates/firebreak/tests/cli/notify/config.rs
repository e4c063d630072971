//! Contacts, the chain and templates as a user writes them: mistakes are one line naming
//! file:line:col and nothing is sent; `contacts` and `--dry-run` show what would happen with
//! every destination masked.

use super::receiver::Receiver;
use super::{text, webhook_config, with_config};

#[test]
fn an_unknown_channel_is_named_with_file_line_and_column() {
    let fb = with_config("[[notify.contacts]]\nname = \"alice\"\nsms = \"+15550100\"\n");
    let out = fb.cmd(&["contacts"]).output().expect("run");
    let (_, err) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("firebreak.toml:3:1:"), "{err}");
    assert!(err.contains("unknown field `sms`"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

#[test]
fn a_contact_without_a_channel_is_refused_and_nothing_is_sent() {
    let receiver = Receiver::start(None, Some("k"), &[]);
    let fb = with_config(&format!(
        "{}[[notify.contacts]]\nname = \"bob\"\nrole = \"lead\"\n",
        webhook_config(&receiver.url(), "k", "")
    ));
    let out = fb
        .cmd(&["declare", "Down", "--sev", "P1"])
        .output()
        .expect("run");
    let (_, err) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("firebreak.toml:"), "{err}");
    assert!(err.contains("contact \"bob\" has no channel"), "{err}");
    assert!(receiver.got().is_empty());
}

#[test]
fn a_template_syntax_error_is_located_and_nothing_is_queued() {
    let receiver = Receiver::start(None, Some("k"), &[]);
    let fb = with_config(&webhook_config(&receiver.url(), "k", ""));
    // P3: the chain tells nobody of the declaration.
    let id = fb.declare("Checkout down", "P3");
    let before = fb.event_count(&id);
    let dir = fb.data_dir().join("templates");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(
        dir.join("internal.txt"),
        "Subject {{ id }}\n\nBody {% if x %}never closed\n",
    )
    .expect("write");
    let out = fb
        .cmd(&["notify", &id, "--to", "alice"])
        .output()
        .expect("run");
    let (_, err) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let path = dir.join("internal.txt").display().to_string();
    assert!(err.starts_with(&format!("firebreak: {path}:")), "{err}");
    let located = err.trim_start_matches(&format!("firebreak: {path}:"));
    let mut parts = located.splitn(3, ':');
    let line: usize = parts
        .next()
        .and_then(|l| l.parse().ok())
        .expect("a line number");
    let col: usize = parts.next().and_then(|c| c.parse().ok()).expect("a column");
    assert!((3..=4).contains(&line) && col >= 1, "{err}");
    assert_eq!(fb.event_count(&id), before, "nothing recorded");
    assert!(receiver.got().is_empty(), "nothing sent");
}

#[test]
fn contacts_lists_people_and_the_chain_with_destinations_masked() {
    let url = "https://hooks.example.invalid/services/T0SECRET/B0SECRET/XXXXSECRET";
    let fb = with_config(&format!(
        "{}[[notify.contacts]]\nname = \"bob\"\nchat = \"env:BOB_CHAT_URL\"\n\
         [[notify.teams]]\nname = \"ops\"\nmembers = [\"alice\", \"bob\"]\n",
        webhook_config(url, "hmac-key-SECRET", "")
            .replace("role = \"on-call\"", "role = \"on-call\"\nbackup = \"bob\"")
    ));
    let out = fb.cmd(&["contacts"]).output().expect("run");
    let (stdout, err) = text(&out);
    assert!(out.status.success(), "{err}");
    assert!(
        stdout.contains("alice") && stdout.contains("on-call"),
        "{stdout}"
    );
    assert!(stdout.contains("webhook *** (signed)"), "{stdout}");
    assert!(stdout.contains("chat $BOB_CHAT_URL"), "{stdout}");
    assert!(
        stdout.contains("ops") && stdout.contains("alice, bob"),
        "{stdout}"
    );
    // P1's escalation: alice's backup.
    assert!(stdout.contains("bob"), "{stdout}");
    let json = fb.json(&["contacts"]);
    let all = format!("{stdout}{json}");
    assert!(!all.contains("SECRET"), "a secret leaked: {all}");
    // The default policy's notify names are not contacts: said so, not silently dropped.
    assert!(stdout.contains("not contacts or teams"), "{stdout}");
}

#[test]
fn a_dry_run_shows_what_each_recipient_gets_and_records_nothing() {
    let receiver = Receiver::start(None, Some("k"), &[]);
    let fb = with_config(&webhook_config(&receiver.url(), "k", ""));
    let id = fb.declare("Checkout returns 502", "P1");
    let before = fb.event_count(&id);
    // The chain was told of the declaration; nothing after that.
    let sent = receiver.got().len();
    let out = fb
        .cmd(&[
            "notify",
            &id,
            "--template",
            "internal",
            "--to",
            "alice",
            "--message",
            "Rolled back the release",
            "--dry-run",
        ])
        .output()
        .expect("run");
    let (stdout, err) = text(&out);
    assert!(out.status.success(), "{err}");
    assert!(stdout.contains("to alice by webhook ***"), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "Subject: [P1] {id} is investigating: Checkout returns 502"
        )),
        "{stdout}"
    );
    assert!(stdout.contains("Rolled back the release"), "{stdout}");
    assert!(stdout.contains("Next update by"), "{stdout}");
    assert!(!stdout.contains(&receiver.url()), "{stdout}");
    let external = fb.json(&["notify", &id, "--template", "external", "--dry-run"]);
    let body = external["messages"][0]["body"].as_str().expect("body");
    assert!(
        body.contains("Our team is on it") && !body.contains("Commander"),
        "{body}"
    );
    assert_eq!(fb.event_count(&id), before, "a dry run records nothing");
    assert_eq!(receiver.got().len(), sent, "a dry run sends nothing");
    let out = fb
        .cmd(&["notify", &id, "--to", "mallory", "--dry-run"])
        .output()
        .expect("run");
    let (_, err) = text(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        err.contains("\"mallory\" is not a contact or team; known: alice"),
        "{err}"
    );
}

#[test]
fn a_user_template_overrides_the_built_in_one() {
    let receiver = Receiver::start(None, Some("k"), &[]);
    let fb = with_config(&webhook_config(&receiver.url(), "k", ""));
    let id = fb.declare("Disk full", "P2");
    let dir = fb.data_dir().join("templates");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(
        dir.join("internal.txt"),
        "Heads up: {{ id }} ({{ severity }})\n\n{{ title }} — ask {{ contact }}\n",
    )
    .expect("write");
    let v = fb.json(&["notify", &id, "--dry-run"]);
    assert_eq!(v["messages"][0]["subject"], format!("Heads up: {id} (P2)"));
    assert_eq!(v["messages"][0]["body"], "Disk full — ask tester");
}
