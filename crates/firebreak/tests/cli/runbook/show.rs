//! `runbook show` of a runbook pasted from a terminal and a wiki: prompts gone from the
//! commands, output under its command, warnings just before the step they guard.

use super::*;

const PASTED: &str = "# Cache\n\n## Recovery\n\nSessions live in this cache; see the [cache dashboard](https://grafana.example/d/cache).\n\n```console\n$ redis-cli -h cache-1 ping\nPONG\n```\n\n> [!WARNING]\n> Flushing logs every customer out.\n\n```bash\nredis-cli -h cache-1 FLUSHALL\n```\n";

#[test]
fn show_lists_commands_without_prompts_output_under_them_and_warnings_before_their_step() {
    let fb = Fb::new();
    let path = runbook(&fb, "cache.md", PASTED);
    let out = run_in(&fb, &["runbook", "show", s(&path)], "");
    assert_code(&out, 0, "show");
    let text = stdout(&out);
    // Every command step says why it has its class, on the row under it.
    assert!(
        text.contains("why: `redis-cli FLUSHALL` is destructive"),
        "{text}"
    );
    let lines: Vec<&str> = text.lines().filter(|l| !l.contains("why: ")).collect();
    let at = |needle: &str| {
        lines
            .iter()
            .position(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("{needle:?} missing from\n{text}"))
    };
    assert!(
        text.contains("Sessions live in this cache; see the cache dashboard (https://grafana.example/d/cache)."),
        "{text}"
    );
    assert!(!text.contains("$ redis-cli"), "{text}");
    let ping = at("redis-cli -h cache-1 ping");
    assert_eq!(at("| PONG"), ping + 1, "{text}");
    let warning = at("Flushing logs every customer out.");
    assert!(lines[warning].contains("warning"), "{text}");
    assert_eq!(at("FLUSHALL"), warning + 1, "{text}");
}

#[test]
fn show_json_carries_expected_output_and_the_step_a_warning_guards() {
    let fb = Fb::new();
    let path = runbook(&fb, "cache.md", PASTED);
    let show = show_json(&fb, s(&path));
    let p = &show["procedures"][0];
    assert_eq!(p["steps"][0]["expected"], "PONG");
    assert!(p["steps"][1].get("expected").is_none());
    let notes = p["notes"].as_array().expect("notes");
    let kinds: Vec<(&str, Option<u64>)> = notes
        .iter()
        .map(|n| (n["kind"].as_str().unwrap_or(""), n["before_step"].as_u64()))
        .collect();
    assert_eq!(kinds, [("text", None), ("warning", Some(2))]);
}
