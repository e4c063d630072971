//! The promise `--yes` makes, whatever the Markdown looks like: it runs a step unasked only
//! when the step is positively read-only. Generated runbooks — headings, prose, `$ ` prompts,
//! fences of several languages, list items with inline code, comments, pasted output — hold
//! commands drawn from two labelled pools. Every program in the pools is a stub, first on
//! `PATH`, that only logs how it was called, so nothing real is touched; each case is a real
//! run of the real binary with `--yes` and nothing on standard input, and afterwards every
//! logged call must be one of the read-only pool's.

use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt as _;

use proptest::prelude::*;
use proptest::test_runner::Config;

use super::*;

/// Commands that only look. Each must log exactly its own text (stubs log `program args…`).
const READ_ONLY: &[&str] = &[
    "kubectl get pods -n prod",
    "kubectl describe pod web-1",
    "kubectl logs web-1 --tail=50",
    "oc get nodes",
    "systemctl status nginx",
    "helm list -A",
    "terraform show",
    "aws s3 ls s3://backups",
    "etcdctl get /registry --prefix --keys-only",
    "gitlab-ctl status",
    "journalctl -u nginx --since today --no-pager",
    "ceph status",
];

/// Commands that change something. None may run under `--yes` without being asked.
const CHANGING: &[&str] = &[
    "kubectl delete pod web-1",
    "kubectl -n prod delete pod web-1",
    "kubectl --namespace=prod scale deploy web --replicas=0",
    "oc adm drain node-1",
    "oc delete vmi vm-1 --force",
    "systemctl restart nginx",
    "sudo systemctl stop nginx",
    "helm uninstall web",
    "terraform destroy -auto-approve",
    "terraform apply",
    "gitlab-ctl stop",
    "aws s3 rm s3://backups --recursive",
    "etcdctl del /registry/pods/web-1",
    "ceph osd purge 3",
    "rm -rf ./data",
    "sh -c 'kubectl delete pod web-1'",
    "env KUBECONFIG=/dev/null kubectl delete ns prod",
    "patronictl failover",
];

/// Every program the pools call, stubbed.
const STUBS: &[&str] = &[
    "kubectl",
    "oc",
    "systemctl",
    "helm",
    "terraform",
    "aws",
    "etcdctl",
    "gitlab-ctl",
    "journalctl",
    "ceph",
    "sudo",
    "rm",
    "patronictl",
];

/// Words for headings and prose: none of them is a program on a usual system.
const WORDS: &[&str] = &[
    "alpha", "bravo", "node", "pods", "restart", "check", "quorum", "lagging", "replica",
    "primary", "ingress", "outage", "drain", "zebra-7", "NAME", "READY", "STATUS", "Running",
    "web-1", "1/1",
];

#[derive(Debug, Clone)]
enum Line {
    /// A pool command, maybe after a prompt.
    Command { index: usize, prompt: &'static str },
    /// A shell comment.
    Comment(String),
    /// Pasted output.
    Output(String),
}

#[derive(Debug, Clone)]
enum Segment {
    Heading(usize, String),
    Prose(String, Option<usize>),
    Item {
        ordered: bool,
        text: String,
        command: Option<usize>,
    },
    Fence {
        lang: &'static str,
        lines: Vec<Line>,
    },
    HtmlComment(String),
}

fn pool() -> Vec<&'static str> {
    READ_ONLY.iter().chain(CHANGING).copied().collect()
}

fn words() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(WORDS), 1..5).prop_map(|w| w.join(" "))
}

fn command() -> impl Strategy<Value = usize> {
    0..READ_ONLY.len() + CHANGING.len()
}

fn line() -> impl Strategy<Value = Line> {
    prop_oneof![
        4 => (command(), prop::sample::select(&["", "", "$ ", "user@host:~$ ", "sh-5.1# "][..]))
            .prop_map(|(index, prompt)| Line::Command { index, prompt }),
        1 => words().prop_map(Line::Comment),
        1 => words().prop_map(Line::Output),
    ]
}

fn segment() -> impl Strategy<Value = Segment> {
    prop_oneof![
        1 => (1..4usize, prop_oneof![
            words(),
            prop::sample::select(&["Diagnosis", "Containment", "Recovery", "Evidence", "Verification"][..])
                .prop_map(str::to_string),
        ])
            .prop_map(|(level, text)| Segment::Heading(level, text)),
        1 => (words(), prop::option::of(command())).prop_map(|(t, c)| Segment::Prose(t, c)),
        1 => (any::<bool>(), words(), prop::option::of(command()))
            .prop_map(|(ordered, text, command)| Segment::Item { ordered, text, command }),
        3 => (
            prop::sample::select(&["bash", "sh", "shell", "console", ""][..]),
            prop::collection::vec(line(), 1..5),
        )
            .prop_map(|(lang, lines)| Segment::Fence { lang, lines }),
        1 => words().prop_map(Segment::HtmlComment),
    ]
}

fn render_markdown(segments: &[Segment]) -> String {
    let pool = pool();
    let mut out = String::from("# Generated\n\n");
    for segment in segments {
        match segment {
            Segment::Heading(level, text) => {
                out.push_str(&format!("{} {text}\n\n", "#".repeat(level + 1)));
            }
            Segment::Prose(text, command) => {
                out.push_str(text);
                if let Some(c) = command {
                    out.push_str(&format!(" with `{}`", pool[*c]));
                }
                out.push_str(".\n\n");
            }
            Segment::Item {
                ordered,
                text,
                command,
            } => {
                out.push_str(if *ordered { "1. " } else { "- " });
                out.push_str(text);
                if let Some(c) = command {
                    out.push_str(&format!(": `{}`", pool[*c]));
                }
                out.push_str("\n\n");
            }
            Segment::Fence { lang, lines } => {
                out.push_str(&format!("```{lang}\n"));
                for line in lines {
                    match line {
                        Line::Command { index, prompt } => {
                            out.push_str(&format!("{prompt}{}\n", pool[*index]));
                        }
                        Line::Comment(text) => out.push_str(&format!("# {text}\n")),
                        Line::Output(text) => out.push_str(&format!("{text}\n")),
                    }
                }
                out.push_str("```\n\n");
            }
            Segment::HtmlComment(text) => out.push_str(&format!("<!-- {text} -->\n\n")),
        }
    }
    out
}

/// A directory of stubs that append `program args…` to `log`.
fn stub_dir(fb: &Fb, log: &Path) -> PathBuf {
    let dir = fb.root().join("stubs");
    std::fs::create_dir_all(&dir).expect("stub dir");
    for name in STUBS {
        let path = dir.join(name);
        let script = format!(
            "#!/bin/sh\n{{ printf '%s' \"${{0##*/}}\"; for a in \"$@\"; do printf ' %s' \"$a\"; done; printf '\\n'; }} >> '{}'\n",
            log.display()
        );
        std::fs::write(&path, script).expect("stub");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    dir
}

/// Runs every procedure of `markdown` with `--yes` and nothing on stdin; returns the calls
/// the stubs logged that no read-only command makes.
fn unasked_changes(markdown: &str) -> Vec<String> {
    let fb = Fb::init();
    let log = fb.root().join("calls.log");
    let stubs = stub_dir(&fb, &log);
    let work = fb.root().join("work");
    std::fs::create_dir_all(&work).expect("work dir");
    let path = runbook(&fb, "generated.md", markdown);
    let path_var = format!(
        "{}:{}",
        stubs.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let show = fb
        .cmd(&["--json", "runbook", "show", s(&path)])
        .output()
        .expect("show");
    let slugs: Vec<String> = serde_json::from_slice::<Value>(&show.stdout)
        .ok()
        .and_then(|v| {
            v["procedures"].as_array().map(|ps| {
                ps.iter()
                    .filter_map(|p| p["slug"].as_str().map(str::to_string))
                    .collect()
            })
        })
        .unwrap_or_default();
    for slug in &slugs {
        let target = format!("{}#{slug}", s(&path));
        let out = fb
            .cmd(&["runbook", "run", &target, "--yes"])
            .env("PATH", &path_var)
            .current_dir(&work)
            .write_stdin(Vec::new())
            .timeout(RUN_LIMIT)
            .output()
            .expect("run");
        assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    }
    let allowed: BTreeSet<&str> = READ_ONLY.iter().copied().collect();
    std::fs::read_to_string(&log)
        .unwrap_or_default()
        .lines()
        .filter(|call| !allowed.contains(call))
        .map(str::to_string)
        .collect()
}

fn config() -> Config {
    Config {
        cases: 32,
        // Each case is several real runs: keep shrinking short and write no regression file.
        max_shrink_iters: 24,
        failure_persistence: None,
        ..Config::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn yes_never_runs_a_step_that_is_not_read_only(
        segments in prop::collection::vec(segment(), 1..8)
    ) {
        let markdown = render_markdown(&segments);
        let changed = unasked_changes(&markdown);
        prop_assert!(
            changed.is_empty(),
            "--yes ran without asking: {changed:?}\n--- runbook\n{markdown}"
        );
    }
}

/// Under an evidence heading, `--yes` runs unasked only a step whose every change is a new file
/// in the evidence directory. The property above once found `terraform apply` under
/// `## Evidence` running unasked: every mutating step of an evidence phase was let through.
/// Here every changing command of the pool gets a procedure of its own (a run stops at the
/// first step it must ask about).
#[test]
fn an_evidence_heading_lets_no_other_change_run_unasked() {
    let mut markdown = String::new();
    for (n, command) in CHANGING.iter().enumerate() {
        markdown.push_str(&format!(
            "# Case {n}\n\n## Evidence\n\n- collect: `{command}`\n\n"
        ));
    }
    assert_eq!(unasked_changes(&markdown), Vec::<String>::new());
}

/// What the evidence exception is for still runs unattended: output written as a new file
/// into the evidence directory.
#[test]
fn evidence_written_into_the_evidence_directory_runs_unasked() {
    let fb = Fb::init();
    let evidence = fb.root().join("evidence");
    std::fs::create_dir_all(&evidence).expect("evidence dir");
    let path = runbook(
        &fb,
        "collect.md",
        "# Collect\n\n## Evidence\n\n```sh\nuname -a > \"$EVIDENCE_DIR/uname.txt\"\n```\n",
    );
    let out = fb
        .cmd(&["runbook", "run", &format!("{}#collect", s(&path)), "--yes"])
        .args(["--set", &format!("EVIDENCE_DIR={}", evidence.display())])
        .write_stdin(Vec::new())
        .timeout(RUN_LIMIT)
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(evidence.join("uname.txt").is_file());
}

#[test]
fn the_pools_do_not_overlap_and_every_program_is_stubbed() {
    let read_only: BTreeSet<&str> = READ_ONLY.iter().copied().collect();
    assert!(CHANGING.iter().all(|c| !read_only.contains(c)));
    for command in pool() {
        let program = command
            .split_whitespace()
            .find(|w| !w.contains('=') && !matches!(*w, "sh" | "-c" | "env"))
            .map(|w| w.trim_start_matches('\''))
            .expect("a program");
        assert!(STUBS.contains(&program), "{program} is not stubbed");
    }
}
