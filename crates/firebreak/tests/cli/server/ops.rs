//! `docs/operations/`: the Prometheus alert rules and the Grafana dashboard parse and name only
//! metrics the server exposes, every alert that points at a runbook procedure points at one that
//! exists, firebreak's own runbook passes `firebreak runbook lint --strict`, and the systemd unit
//! runs `firebreak serve` with flags and settings the binary accepts.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use axum::http::{Method, StatusCode};
use firebreak_core::access::Role;
use serde::Deserialize;
use serde_json::Value;

use super::{Api, Db};
use crate::support::Fb;

fn ops_file(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../docs/operations")
        .join(name)
}

fn read(name: &str) -> String {
    let path = ops_file(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The metrics docs/operations is written for, as `# TYPE` lines of the exposition format; the
/// live server must expose exactly these.
const DOCUMENTED_EXPOSITION: &str = "\
# TYPE firebreak_up gauge
# TYPE firebreak_build_info gauge
# TYPE firebreak_open_incidents gauge
# TYPE firebreak_deadlines_breached gauge
# TYPE firebreak_events_appended counter
# TYPE firebreak_alerts_received counter
# TYPE firebreak_http_requests counter
# TYPE firebreak_http_request_duration_seconds histogram
# TYPE firebreak_store_writes_failing gauge
# TYPE firebreak_store_disk_full gauge
# TYPE firebreak_notifications counter
# TYPE firebreak_check_status gauge
# TYPE firebreak_check_last_run_timestamp_seconds gauge
";

/// Series every Prometheus server makes itself for each target.
const STANDARD: &[&str] = &["up"];

/// The names a query may use: what a running firebreak exposes, and the standard ones.
async fn exposed() -> BTreeSet<String> {
    let mut names = names_in_exposition(&live_metrics().await);
    names.extend(STANDARD.iter().map(|s| s.to_string()));
    names
}

/// `GET /metrics` from a fresh server that has answered one request and run one health check
/// (what `serve`'s check schedule reports; `check::serve` runs the real schedule), as an admin.
async fn live_metrics() -> String {
    let api = Api::new(Db::Sqlite).await;
    // One request first, so that the per-request series exist.
    api.call(Some(Role::Viewer), Method::GET, "/api/v1/incidents", None)
        .await;
    api.state.metrics.checked(&firebreak::check::Report {
        check: "root-disk".into(),
        kind: "disk",
        target: "/".into(),
        status: firebreak_core::check::Status::Warn,
        value: Some("75.0 % space".into()),
        reason: "/ is 75.0 % full (space), >= 70 %".into(),
        at: jiff::Timestamp::now(),
        elapsed_ms: 1,
    });
    let reply = api
        .call(Some(Role::Admin), Method::GET, "/metrics", None)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    api.finish().await;
    reply.text
}

/// Every series name an exposition can produce: from `# TYPE` lines (a counter `x` or `x_total`
/// gives `x_total`; a histogram `x` gives `x_bucket`, `x_sum`, `x_count`) and from sample lines.
fn names_in_exposition(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for line in text.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let mut words = rest.split_whitespace();
            let (Some(name), Some(kind)) = (words.next(), words.next()) else {
                continue;
            };
            match kind {
                "counter" => {
                    let base = name.strip_suffix("_total").unwrap_or(name);
                    names.insert(format!("{base}_total"));
                }
                "histogram" => {
                    for suffix in ["_bucket", "_sum", "_count"] {
                        names.insert(format!("{name}{suffix}"));
                    }
                }
                _ => {
                    names.insert(name.to_string());
                }
            }
        } else if !line.is_empty() && !line.starts_with('#') {
            let end = line.find(['{', ' ']).unwrap_or(line.len());
            names.insert(line[..end].to_string());
        }
    }
    names
}

/// Words in PromQL that are neither metrics nor functions.
const KEYWORDS: &[&str] = &[
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "and",
    "or",
    "unless",
    "bool",
    "offset",
    "inf",
    "nan",
];

/// The index just past the bracket that closes the one at `open`, skipping quoted strings.
fn skip_group(chars: &[char], open: usize, close: char) -> usize {
    let mut i = open + 1;
    while i < chars.len() {
        match chars[i] {
            '"' | '\'' | '`' => i = skip_string(chars, i),
            c if c == close => return i + 1,
            _ => i += 1,
        }
    }
    i
}

/// The index just past the string literal starting at `open`.
fn skip_string(chars: &[char], open: usize) -> usize {
    let quote = chars[open];
    let mut i = open + 1;
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 2,
            c if c == quote => return i + 1,
            _ => i += 1,
        }
    }
    i
}

/// The metric names a PromQL expression selects: identifiers that are not functions, keywords,
/// label matchers, label lists, durations or numbers.
fn metric_names(expr: &str) -> BTreeSet<String> {
    let chars: Vec<char> = expr.chars().collect();
    let word_char = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == ':';
    let next_non_space = |from: usize| (from..chars.len()).find(|&j| !chars[j].is_whitespace());
    let mut names = BTreeSet::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '{' {
            i = skip_group(&chars, i, '}');
        } else if c == '[' {
            i = skip_group(&chars, i, ']');
        } else if matches!(c, '"' | '\'' | '`') {
            i = skip_string(&chars, i);
        } else if c.is_ascii_digit() || c == '.' {
            while i < chars.len() && (word_char(chars[i]) || chars[i] == '.') {
                i += 1;
            }
        } else if c.is_ascii_alphabetic() || c == '_' || c == ':' {
            let start = i;
            while i < chars.len() && word_char(chars[i]) {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let next = next_non_space(i);
            // `sum by (le) (…)`: an aggregation with its modifier before the parenthesis.
            let modified = next.is_some_and(|j| {
                let rest: String = chars[j..].iter().take(8).collect();
                ["by", "without"].iter().any(|m| {
                    rest.starts_with(m) && !rest[m.len()..].starts_with(|c: char| word_char(c))
                })
            });
            let called = modified || next.is_some_and(|j| chars[j] == '(');
            if KEYWORDS.contains(&word.to_ascii_lowercase().as_str()) {
                // `by (a, b)` and friends: the list is labels, not metrics.
                if let (true, Some(j)) = (called, next) {
                    i = skip_group(&chars, j, ')');
                }
            } else if !called {
                names.insert(word);
            }
        } else {
            i += 1;
        }
    }
    names
}

#[test]
fn metric_names_are_read_out_of_promql() {
    let expr = r#"histogram_quantile(0.99, sum by (le, route) (rate(a_bucket{job="x", route=~"/api/{id}"}[5m])))
        / ignoring (x) b_total offset 1h > bool 0.5 and on() absent(c{l='}'}) unless d:rec"#;
    let want: BTreeSet<String> = ["a_bucket", "b_total", "c", "d:rec"]
        .map(String::from)
        .into();
    assert_eq!(metric_names(expr), want);
    let exposition = "# HELP x y\n# TYPE firebreak_events_appended counter\n# TYPE h histogram\n\
                      # TYPE g_total counter\nfirebreak_up 1\nother{a=\"b\"} 2\n";
    let names = names_in_exposition(exposition);
    for name in [
        "firebreak_events_appended_total",
        "h_bucket",
        "h_count",
        "g_total",
        "firebreak_up",
        "other",
    ] {
        assert!(names.contains(name), "{name} missing from {names:?}");
    }
}

/// Names in `expr` that firebreak does not expose.
fn unknown_in(expr: &str, known: &BTreeSet<String>) -> Vec<String> {
    metric_names(expr)
        .into_iter()
        .filter(|n| !known.contains(n))
        .collect()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    groups: Vec<RuleGroup>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleGroup {
    name: String,
    #[serde(default)]
    interval: Option<String>,
    rules: Vec<AlertRule>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AlertRule {
    alert: String,
    expr: String,
    #[serde(rename = "for")]
    pending: Option<String>,
    #[serde(default)]
    labels: BTreeMap<String, String>,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
}

/// A Prometheus duration such as `5m` or `1h30m`.
fn is_duration(text: &str) -> bool {
    let mut rest = text;
    let mut parts = 0;
    while !rest.is_empty() {
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if digits == 0 {
            return false;
        }
        rest = &rest[digits..];
        let unit = ["ms", "s", "m", "h", "d", "w", "y"]
            .into_iter()
            .find(|u| rest.starts_with(u));
        let Some(unit) = unit else { return false };
        rest = &rest[unit.len()..];
        parts += 1;
    }
    parts > 0
}

/// The procedures of firebreak's own runbook, as `runbook show` lists them (`runbook-firebreak#slug`).
fn runbook_procedures() -> BTreeSet<String> {
    let path = ops_file("runbook-firebreak.md");
    let out = Fb::new()
        .cmd(&["runbook", "show", &path.display().to_string()])
        .output()
        .expect("run firebreak runbook show");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.strip_prefix("runbook-firebreak#"))
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

#[tokio::test]
async fn alert_rules_are_prometheus_rules_over_exposed_metrics() {
    let text = read("prometheus-rules.yml");
    let file: RuleFile = serde_saphyr::from_str(&text)
        .unwrap_or_else(|e| panic!("prometheus-rules.yml is not a rule file: {e}"));
    let known = exposed().await;
    let procedures = runbook_procedures();
    let mut alerts = BTreeSet::new();
    assert!(!file.groups.is_empty(), "no rule groups");
    for group in &file.groups {
        assert!(
            !group.name.is_empty() && !group.rules.is_empty(),
            "{group:?}"
        );
        if let Some(interval) = &group.interval {
            assert!(is_duration(interval), "{}: interval {interval}", group.name);
        }
        for rule in &group.rules {
            let name = &rule.alert;
            assert!(alerts.insert(name.clone()), "alert {name} is defined twice");
            let unknown = unknown_in(&rule.expr, &known);
            assert!(
                unknown.is_empty(),
                "{name} uses {unknown:?}, which firebreak does not expose"
            );
            assert!(
                !metric_names(&rule.expr).is_empty(),
                "{name}: no metric in {}",
                rule.expr
            );
            if let Some(pending) = &rule.pending {
                assert!(is_duration(pending), "{name}: `for: {pending}`");
            }
            let severity = rule.labels.get("severity").map(String::as_str);
            assert!(
                matches!(severity, Some("critical" | "warning" | "info")),
                "{name}: severity label {severity:?}"
            );
            for key in ["summary", "description"] {
                assert!(
                    rule.annotations
                        .get(key)
                        .is_some_and(|s| !s.trim().is_empty()),
                    "{name}: no {key} annotation"
                );
            }
            // A runbook link names a procedure that `firebreak runbook show` lists.
            if let Some(link) = rule.annotations.get("runbook")
                && let Some(slug) = link
                    .strip_prefix("docs/operations/runbook-firebreak.md (")
                    .and_then(|s| s.strip_suffix(')'))
            {
                assert!(
                    procedures.contains(slug),
                    "{name} points at procedure {slug:?}; the runbook has {procedures:?}"
                );
            }
        }
    }
    for must in [
        "FirebreakDown",
        "FirebreakHighErrorRate",
        "FirebreakSlowRequests",
        "IncidentAcknowledgementOverdue",
        "IncidentsOpenButJournalQuiet",
    ] {
        assert!(alerts.contains(must), "no {must} alert");
    }
}

/// Every panel, rows' nested panels included.
fn panels(dashboard: &Value) -> Vec<&Value> {
    let mut out = Vec::new();
    for panel in dashboard["panels"].as_array().into_iter().flatten() {
        out.push(panel);
        out.extend(panel["panels"].as_array().into_iter().flatten());
    }
    out
}

#[tokio::test]
async fn grafana_dashboard_queries_only_exposed_metrics() {
    let dashboard: Value = serde_json::from_str(&read("grafana-dashboard.json"))
        .expect("grafana-dashboard.json is JSON");
    assert!(dashboard["title"].is_string() && dashboard["uid"].is_string());
    let known = exposed().await;
    let mut used = BTreeSet::new();
    let mut ids = BTreeSet::new();
    let all = panels(&dashboard);
    let queried: Vec<_> = all.iter().filter(|p| p["type"] != "row").collect();
    assert!(queried.len() >= 8, "only {} panels", queried.len());
    for panel in &all {
        let id = panel["id"].as_u64().expect("every panel has a numeric id");
        assert!(ids.insert(id), "panel id {id} used twice");
        let grid = &panel["gridPos"];
        for key in ["x", "y", "w", "h"] {
            assert!(grid[key].is_u64(), "panel {id} has no gridPos.{key}");
        }
    }
    for panel in queried {
        let title = panel["title"].as_str().expect("title");
        let targets = panel["targets"].as_array().expect("targets");
        assert!(!targets.is_empty(), "{title}: no queries");
        for target in targets {
            let expr = target["expr"]
                .as_str()
                .unwrap_or_else(|| panic!("{title}: a target without expr"));
            assert!(
                target["refId"].is_string(),
                "{title}: a target without refId"
            );
            let unknown = unknown_in(expr, &known);
            assert!(
                unknown.is_empty(),
                "{title} uses {unknown:?}, which firebreak does not expose"
            );
            used.extend(metric_names(expr));
        }
    }
    // Every firebreak metric is on the dashboard somewhere.
    for name in names_in_exposition(&live_metrics().await) {
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|s| name.strip_suffix(s))
            .unwrap_or(&name);
        assert!(
            used.iter().any(|u| u.starts_with(family)),
            "no panel shows {name}"
        );
    }
}

#[tokio::test]
async fn the_live_server_exposes_exactly_the_documented_metrics() {
    let documented = names_in_exposition(DOCUMENTED_EXPOSITION);
    let live: BTreeSet<String> = names_in_exposition(&live_metrics().await)
        .into_iter()
        .filter(|n| n.starts_with("firebreak_"))
        .collect();
    assert_eq!(
        live, documented,
        "/metrics and docs/operations disagree on firebreak's metrics"
    );
}

#[test]
fn firebreaks_own_runbook_passes_strict_lint() {
    let path = ops_file("runbook-firebreak.md");
    let out = Fb::new()
        .cmd(&["runbook", "lint", "--strict", &path.display().to_string()])
        .output()
        .expect("run firebreak runbook lint");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("0 error(s), 0 warning(s)"), "{stdout}");
    let procedures = runbook_procedures();
    for slug in [
        "firebreak-down",
        "errors-or-slow-answers",
        "journal-does-not-verify",
        "alert-intake-refused",
        "journal-quiet",
    ] {
        assert!(procedures.contains(slug), "no procedure {slug}");
    }
}

/// A unit file as section → key → values (a key may repeat).
fn unit_file(text: &str) -> BTreeMap<String, BTreeMap<String, Vec<String>>> {
    let mut sections: BTreeMap<String, BTreeMap<String, Vec<String>>> = BTreeMap::new();
    let mut current = String::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            current = name.to_string();
            continue;
        }
        let (key, value) = line
            .split_once('=')
            .unwrap_or_else(|| panic!("not a unit file line: {line}"));
        sections
            .entry(current.clone())
            .or_default()
            .entry(key.trim().to_string())
            .or_default()
            .push(value.trim().to_string());
    }
    sections
}

#[test]
fn systemd_unit_runs_serve_with_what_the_binary_accepts() {
    let unit = unit_file(&read("firebreak.service"));
    let service = &unit["Service"];
    let one = |key: &str| -> &str {
        let values = service
            .get(key)
            .unwrap_or_else(|| panic!("[Service] has no {key}="));
        values.last().expect("a value")
    };
    let exec: Vec<&str> = one("ExecStart").split_whitespace().collect();
    assert!(
        exec[0].starts_with('/') && exec[0].ends_with("/firebreak"),
        "ExecStart runs {}",
        exec[0]
    );
    assert_eq!(
        exec.get(1),
        Some(&"serve"),
        "ExecStart must run `firebreak serve`"
    );

    let fb = Fb::new();
    let help = |args: &[&str]| {
        let out = fb.cmd(args).output().expect("run firebreak --help");
        assert!(out.status.success());
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let serve_help = help(&["serve", "--help"]);
    let global_help = help(&["--help"]);
    for flag in exec[2..].iter().filter(|a| a.starts_with("--")) {
        let flag = flag.split('=').next().unwrap_or(flag);
        assert!(
            serve_help.contains(flag),
            "ExecStart passes {flag}, which `firebreak serve` does not know"
        );
    }

    // Every FIREBREAK_ variable it sets is one firebreak reads.
    let mut env = BTreeMap::new();
    for line in &service["Environment"] {
        let (key, value) = line.split_once('=').expect("Environment=KEY=VALUE");
        env.insert(key.to_string(), value.to_string());
    }
    for key in env.keys().filter(|k| k.starts_with("FIREBREAK_")) {
        assert!(
            key == "FIREBREAK_USER" || serve_help.contains(key) || global_help.contains(key),
            "the unit sets {key}, which firebreak does not read"
        );
    }
    let listen = env.get("FIREBREAK_LISTEN").expect("FIREBREAK_LISTEN");
    listen
        .parse::<std::net::SocketAddr>()
        .unwrap_or_else(|e| panic!("FIREBREAK_LISTEN={listen}: {e}"));

    // The data directory is the state directory systemd makes and lets it write.
    let data_dir = env.get("FIREBREAK_DATA_DIR").expect("FIREBREAK_DATA_DIR");
    assert_eq!(
        data_dir,
        &format!("/var/lib/{}", one("StateDirectory")),
        "FIREBREAK_DATA_DIR must be the StateDirectory"
    );
    assert_eq!(one("StateDirectoryMode"), "0700");

    // serve drains on SIGTERM: systemd must send that and wait for it.
    assert_eq!(one("KillSignal"), "SIGTERM");
    let timeout = one("TimeoutStopSec");
    assert!(
        timeout
            .trim_end_matches('s')
            .parse::<u32>()
            .is_ok_and(|s| s >= 10),
        "TimeoutStopSec={timeout} leaves no time to drain"
    );
    assert_eq!(one("Restart"), "on-failure");
    assert!(service.contains_key("User") || one("DynamicUser") == "yes");
    for (key, value) in [
        ("NoNewPrivileges", "yes"),
        ("ProtectSystem", "strict"),
        ("ProtectHome", "yes"),
        ("PrivateTmp", "yes"),
        ("UMask", "0077"),
    ] {
        assert_eq!(one(key), value, "{key}");
    }
    assert!(unit["Install"]["WantedBy"].contains(&"multi-user.target".to_string()));
}
